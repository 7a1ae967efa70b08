package card

import (
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"childmatch"
)

// validate checks what Render relies on and bounds the text, so that a render's time is bounded.
func validate(d *childmatch.Card) error {
	switch d.Type {
	case childmatch.MsgAlert, childmatch.MsgUpdate, childmatch.MsgCancel:
	default:
		return childmatch.FieldError("msg_type", "must be alert, update or cancel, not %q", d.Type)
	}
	if d.Child.Gender == "" {
		d.Child.Gender = childmatch.GenderUnknown
	}
	if !d.Child.Gender.Valid() {
		return childmatch.FieldError("child.gender", "must be female, male, other or unknown")
	}
	if d.Child.Age < 0 || d.Child.Age > childmatch.MaxChildAge {
		return childmatch.FieldError("child.age", "must be between 0 (not known) and %d", childmatch.MaxChildAge)
	}
	if strings.TrimSpace(d.Post) == "" {
		return childmatch.FieldError("post", "is required: every copy of a card names the post it was sent to")
	}
	if strings.TrimSpace(d.CaseID) == "" {
		return childmatch.FieldError("case_id", "is required")
	}
	u, err := url.Parse(d.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return childmatch.FieldError("url", "must be an http or https address of the case page")
	}
	texts := []struct {
		field string
		value string
		max   int
	}{
		{"case_id", d.CaseID, childmatch.MaxShortText},
		{"child.name", d.Child.Name, childmatch.MaxShortText},
		{"child.languages", strings.Join(d.Child.Languages, ", "), childmatch.MaxShortText * childmatch.MaxLanguages},
		{"child.description", d.Child.Description, childmatch.MaxLongText},
		{"child.identifying_marks", d.Child.IdentifyingMarks, childmatch.MaxLongText},
		{"sighting.station", d.LastSeen.Station, childmatch.MaxShortText},
		{"sighting.place", d.LastSeen.Place, childmatch.MaxShortText},
		{"sighting.district", d.LastSeen.District, childmatch.MaxShortText},
		{"sighting.state", d.LastSeen.State, childmatch.MaxShortText},
		{"train", d.Train, childmatch.MaxShortText},
		{"coach", d.Coach, childmatch.MaxShortText},
		{"call.name", d.Call.Name, childmatch.MaxShortText},
		{"call.organisation", d.Call.Organisation, childmatch.MaxShortText},
		{"call.phone", d.Call.Phone, childmatch.MaxShortText},
		{"url", d.URL, childmatch.MaxShortText},
		{"post", d.Post, childmatch.MaxShortText},
	}
	if d.Publication != nil {
		texts = append(texts, []struct {
			field string
			value string
			max   int
		}{{"publication.by", d.Publication.By, childmatch.MaxShortText}, {"publication.order", d.Publication.Order, childmatch.MaxShortText}}...)
	}
	for _, t := range texts {
		if !utf8.ValidString(t.value) {
			return childmatch.FieldError(t.field, "is not valid UTF-8")
		}
		if n := utf8.RuneCountInString(t.value); n > t.max {
			return childmatch.FieldError(t.field, "is %d characters long, more than the %d a card holds", n, t.max)
		}
	}
	return nil
}

// ist is India Standard Time: UTC+5:30 all year (India has no daylight saving), so a fixed zone is exact
// and needs no time zone database in the image.
var ist = time.FixedZone("IST", 5*3600+30*60)

var hindiMonths = [...]string{"जनवरी", "फ़रवरी", "मार्च", "अप्रैल", "मई", "जून", "जुलाई", "अगस्त", "सितंबर", "अक्टूबर", "नवंबर", "दिसंबर"}

// istTime prints t in IST with the month in English and in Hindi: "14 Mar 2026 (14 मार्च 2026), 18:40 IST".
func istTime(t time.Time) string {
	t = t.In(ist)
	return fmt.Sprintf("%s (%d %s %d), %s IST", t.Format("2 Jan 2006"), t.Day(), hindiMonths[t.Month()-1], t.Year(), t.Format("15:04"))
}

// The card's words, each in English and Hindi.
const (
	labelName      = "Name · नाम"
	labelChild     = "Gender, age · लिंग, उम्र"
	labelLanguages = "Speaks · भाषा"
	labelClothing  = "Clothing, description · कपड़े, हुलिया"
	labelMarks     = "Identifying marks · पहचान के निशान"
	labelLastSeen  = "Last seen · आख़िरी बार देखा गया"
	labelTrain     = "Train · ट्रेन"
	labelCall      = "If seen, call · दिखे तो संपर्क करें"
	nameNotKnown   = "Name not known · नाम पता नहीं"
	noPhoto        = "No photo yet"
	noPhotoHindi   = "अभी फ़ोटो नहीं"
	foundStamp     = "FOUND · मिल गया"
	scanCaption    = "Scan to open the case (sign-in required) · केस देखने के लिए स्कैन करें (साइन-इन ज़रूरी)"
	notPublic      = "Not for publication (JJ Act 2015, s. 74) · प्रकाशन निषिद्ध (किशोर न्याय अधिनियम 2015, धारा 74)"
)

// notice is the footer's word on publication: forbidden, or permitted by the Child Welfare Committee
// (who, when, the order) on a poster.
func notice(p *childmatch.Publication) string {
	if p == nil {
		return notPublic
	}
	t := p.At.In(ist)
	return fmt.Sprintf("Published with the Child Welfare Committee's permission · बाल कल्याण समिति की अनुमति से प्रकाशित: %s, %s (%d %s %d)",
		childmatch.JoinNonEmpty(", ", p.By, p.Order), t.Format("2 Jan 2006"), t.Day(), hindiMonths[t.Month()-1], t.Year())
}

// headline is the card's title in English and in Hindi.
func headline(t childmatch.MsgType, exercise bool) (en, hi string) {
	switch t {
	case childmatch.MsgUpdate:
		en, hi = "UPDATE: MISSING CHILD", "अपडेट: लापता बच्चा"
	case childmatch.MsgCancel:
		en, hi = "FOUND, STAND DOWN", "बच्चा मिल गया, खोज बंद करें"
	default:
		en, hi = "MISSING CHILD", "लापता बच्चा"
	}
	if exercise {
		en, hi = "EXERCISE · "+en, "अभ्यास · "+hi
	}
	return en, hi
}

// genderAge says gender and age, a line in English, then a line in Hindi ("Boy, about 9 years", "लड़का, लगभग 9 वर्ष").
func genderAge(c childmatch.Child) string {
	en, hi := "Gender not known", "लिंग पता नहीं"
	switch c.Gender {
	case childmatch.GenderFemale:
		en, hi = "Girl", "लड़की"
	case childmatch.GenderMale:
		en, hi = "Boy", "लड़का"
	case childmatch.GenderOther:
		en, hi = "Other gender", "अन्य लिंग"
	}
	switch {
	case c.Age == 0:
		return en + ", age not known\n" + hi + ", उम्र पता नहीं"
	case c.AgeEstimated:
		return fmt.Sprintf("%s, about %d years\n%s, लगभग %d वर्ष", en, c.Age, hi, c.Age)
	}
	return fmt.Sprintf("%s, %d years\n%s, %d वर्ष", en, c.Age, hi, c.Age)
}
