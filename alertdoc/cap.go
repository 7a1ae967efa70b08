// Package alertdoc writes an alert's messages in the formats alert hubs and India's CAP-based alerting
// platform speak: a Common Alerting Protocol 1.2 document per message (OASIS CAP v1.2, 2010), with an
// English and a Hindi info, and an Atom feed of active alerts. Both are for authenticated users or signed
// links only: an alert is never public (Juvenile Justice Act 2015, s. 74).
package alertdoc

import (
	"encoding/xml"
	"fmt"
	"strings"
	"time"

	"childmatch"
)

// Namespace is CAP 1.2's XML namespace.
const Namespace = "urn:oasis:names:tc:emergency:cap:1.2"

// Meta is what a document says beyond the alert and its case.
type Meta struct {
	// Sender identifies this service to CAP receivers: childmatch@ and the host users reach it at.
	Sender string
	// Face is the signed link to the face chip; empty when the case has no photo yet.
	Face string
	// Web is the case's page in the web app, which asks for sign-in.
	Web string
	// Stations names the alert's stations; nil: codes only.
	Stations childmatch.Gazetteer
}

// The elements of CAP 1.2 that childmatch writes, in the order the schema's sequences require.
type capAlert struct {
	XMLName     xml.Name  `xml:"urn:oasis:names:tc:emergency:cap:1.2 alert"`
	Identifier  string    `xml:"identifier"`
	Sender      string    `xml:"sender"`
	Sent        string    `xml:"sent"`
	Status      string    `xml:"status"`
	MsgType     string    `xml:"msgType"`
	Source      string    `xml:"source,omitempty"`
	Scope       string    `xml:"scope"`
	Restriction string    `xml:"restriction"`
	Note        string    `xml:"note,omitempty"`
	References  string    `xml:"references,omitempty"`
	Incidents   string    `xml:"incidents"`
	Info        []capInfo `xml:"info"`
}

type capInfo struct {
	Language     string        `xml:"language"`
	Category     []string      `xml:"category"`
	Event        string        `xml:"event"`
	ResponseType string        `xml:"responseType"`
	Urgency      string        `xml:"urgency"`
	Severity     string        `xml:"severity"`
	Certainty    string        `xml:"certainty"`
	SenderName   string        `xml:"senderName"`
	Headline     string        `xml:"headline"`
	Description  string        `xml:"description"`
	Instruction  string        `xml:"instruction"`
	Web          string        `xml:"web,omitempty"`
	Contact      string        `xml:"contact,omitempty"`
	Parameter    []capValue    `xml:"parameter"`
	Resource     []capResource `xml:"resource,omitempty"`
	Area         []capArea     `xml:"area"`
}

type capValue struct {
	ValueName string `xml:"valueName"`
	Value     string `xml:"value"`
}

type capResource struct {
	ResourceDesc string `xml:"resourceDesc"`
	MimeType     string `xml:"mimeType"`
	URI          string `xml:"uri"`
}

type capArea struct {
	AreaDesc string   `xml:"areaDesc"`
	Circle   []string `xml:"circle,omitempty"`
}

// Sent is a time as CAP writes it: with its offset, never "Z" (CAP 1.2 §3.3.2), in IST.
func Sent(t time.Time) string { return t.In(childmatch.IST).Format("2006-01-02T15:04:05-07:00") }

// Identifier is a message's CAP identifier: unique per message of this sender, without spaces, commas
// or the XML-restricted characters.
func Identifier(a *childmatch.Alert, seq int) string {
	return fmt.Sprintf("childmatch-%s-%d", a.ID, seq)
}

// CAP writes message seq of the alert (1 is the alert) as a CAP 1.2 document.
func CAP(a *childmatch.Alert, c *childmatch.Case, seq int, meta Meta) ([]byte, error) {
	if seq < 1 || seq > len(a.Messages) {
		return nil, childmatch.Errorf(childmatch.ENotFound, "the alert has no message %d", seq)
	}
	m := a.Messages[seq-1]
	doc := capAlert{Identifier: Identifier(a, seq), Sender: meta.Sender, Sent: Sent(m.At), Status: "Actual",
		MsgType: "Update", Source: "childmatch", Scope: "Restricted", Restriction: words.restriction.en + " · " + words.restriction.hi,
		Incidents: fmt.Sprintf("childmatch-%s", a.ID)}
	if a.Exercise {
		doc.Status, doc.Note = "Exercise", words.exercise.en+" · "+words.exercise.hi
	}
	switch {
	case m.Type == childmatch.MsgCancel:
		doc.MsgType = "Cancel"
	case seq == 1:
		doc.MsgType = "Alert"
	}
	var refs []string
	for _, earlier := range a.Messages[:seq-1] {
		refs = append(refs, meta.Sender+","+Identifier(a, earlier.Seq)+","+Sent(earlier.At))
	}
	doc.References = strings.Join(refs, " ")
	for _, lang := range []language{english, hindi} {
		doc.Info = append(doc.Info, info(lang, a, c, m, meta))
	}
	out, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), out...), nil
}

func info(lang language, a *childmatch.Alert, c *childmatch.Case, m childmatch.Message, meta Meta) capInfo {
	in := capInfo{Language: lang.code, Category: []string{"Rescue"}, Event: lang.pick(words.event), ResponseType: "Monitor",
		Urgency: "Immediate", Severity: "Severe", Certainty: "Observed", SenderName: "childmatch",
		Headline: headline(lang, a, c, m), Description: description(lang, a, c, m), Instruction: lang.pick(words.lookOut),
		Web: meta.Web, Contact: contact(c.Reporter),
		Parameter: []capValue{{"childmatch:case", c.ID.String()}, {"childmatch:reason", m.Reason}, {"childmatch:seq", fmt.Sprint(m.Seq)}},
		Area:      []capArea{area(lang, a.Area, meta.Stations)}}
	if a.Exercise {
		in.Event = lang.pick(words.exerciseEvent)
	}
	if m.Type == childmatch.MsgCancel {
		in.ResponseType, in.Urgency, in.Severity, in.Instruction = "AllClear", "Past", "Minor", lang.pick(words.standDown)
	}
	if meta.Face != "" {
		in.Resource = []capResource{{ResourceDesc: lang.pick(words.face), MimeType: "image/jpeg", URI: meta.Face}}
	}
	return in
}

func headline(lang language, a *childmatch.Alert, c *childmatch.Case, m childmatch.Message) string {
	h := lang.pick(words.event)
	if a.Exercise {
		h = lang.pick(words.exerciseEvent)
	}
	if r, ok := words.reasons[m.Reason]; ok && m.Reason != childmatch.ReasonReported {
		h += " · " + lang.pick(r)
	}
	if c.Child.Name != "" {
		h += ": " + c.Child.Name
	}
	return h
}

func description(lang language, a *childmatch.Alert, c *childmatch.Case, m childmatch.Message) string {
	var lines []string
	add := func(label pair, v string) {
		if v = strings.TrimSpace(v); v != "" {
			lines = append(lines, lang.pick(label)+": "+v)
		}
	}
	if r, ok := words.reasons[m.Reason]; ok {
		lines = append(lines, lang.pick(r))
	}
	if m.Reason == childmatch.ReasonSilent {
		var names []string
		for _, id := range m.Silent {
			for _, r := range a.Recipients {
				if r.Post == id {
					names = append(names, r.Name)
				}
			}
		}
		add(words.silentPosts, strings.Join(names, ", "))
	}
	name := c.Child.Name
	if name == "" {
		name = lang.pick(words.notKnown)
	}
	add(words.name, name)
	add(words.genderAge, genderAge(lang, c.Child))
	add(words.languages, strings.Join(c.Child.Languages, ", "))
	add(words.clothing, c.Child.Description)
	add(words.marks, c.Child.IdentifyingMarks)
	seen := childmatch.JoinNonEmpty(", ", c.Sighting.Station, c.Sighting.Place, c.Sighting.District, c.Sighting.State)
	if !c.Sighting.Time.IsZero() {
		seen = childmatch.JoinNonEmpty(", ", seen, c.Sighting.Time.In(childmatch.IST).Format("02-01-2006 15:04")+" IST")
	}
	add(words.lastSeen, seen)
	add(words.caseID, c.ID.String())
	return strings.Join(lines, "\n")
}

func genderAge(lang language, ch childmatch.Child) string {
	g := words.genders[ch.Gender]
	switch {
	case ch.Age == 0:
		return lang.pick(g) + ", " + lang.pick(words.ageNotKnown)
	case ch.AgeEstimated:
		return fmt.Sprintf("%s, %s %d %s", lang.pick(g), lang.pick(words.about), ch.Age, lang.pick(words.years))
	}
	return fmt.Sprintf("%s, %d %s", lang.pick(g), ch.Age, lang.pick(words.years))
}

func contact(r childmatch.Contact) string {
	return childmatch.JoinNonEmpty(", ", r.Name, r.Organisation, r.Phone)
}

// area describes the alert's area in words, and its circle as CAP writes one: "lat,lon radius".
func area(lang language, a childmatch.Area, g childmatch.Gazetteer) capArea {
	if a.All {
		return capArea{AreaDesc: lang.pick(words.everyState)}
	}
	var parts []string
	if len(a.States) > 0 {
		parts = append(parts, lang.pick(words.states)+": "+strings.Join(a.States, ", "))
	}
	if len(a.Districts) > 0 {
		parts = append(parts, lang.pick(words.districts)+": "+strings.Join(a.Districts, ", "))
	}
	var stations []string
	for _, code := range a.Stations {
		s := code
		if g != nil {
			if st, ok := g.Station(code); ok {
				s = fmt.Sprintf("%s (%s)", code, st.Name)
			}
		}
		for _, w := range a.Windows {
			if w.Code == code {
				s += fmt.Sprintf(" %s–%s IST", w.From.In(childmatch.IST).Format("02-01 15:04"), w.To.In(childmatch.IST).Format("02-01 15:04"))
			}
		}
		stations = append(stations, s)
	}
	if len(stations) > 0 {
		parts = append(parts, lang.pick(words.stations)+": "+strings.Join(stations, ", "))
	}
	out := capArea{}
	if a.Point != nil && a.RadiusKm > 0 {
		parts = append(parts, fmt.Sprintf(lang.pick(words.within), a.RadiusKm, fmt.Sprintf("%.4f, %.4f", a.Point.Lat, a.Point.Lon)))
		out.Circle = []string{fmt.Sprintf("%.4f,%.4f %g", a.Point.Lat, a.Point.Lon, a.RadiusKm)}
	}
	out.AreaDesc = strings.Join(parts, "; ")
	return out
}
