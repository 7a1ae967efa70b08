package alertdoc

import "childmatch"

// Every word a person reads in a document, in English and in Hindi.

type pair struct{ en, hi string }

type language struct {
	code string // RFC 3066, as CAP's <language>
	hi   bool
}

var (
	english = language{code: "en-US"}
	hindi   = language{code: "hi-IN", hi: true}
)

func (l language) pick(p pair) string {
	if l.hi {
		return p.hi
	}
	return p.en
}

var words = struct {
	event, exerciseEvent, exercise, restriction, lookOut, standDown, face            pair
	name, notKnown, genderAge, languages, clothing, marks, lastSeen, caseID          pair
	ageNotKnown, about, years, silentPosts                                           pair
	everyState, states, districts, stations, within, feedTitle, feedSubtitle, active pair
	genders                                                                          map[childmatch.Gender]pair
	reasons                                                                          map[string]pair
}{
	event:         pair{"Missing child", "लापता बच्चा"},
	exerciseEvent: pair{"EXERCISE: missing child", "अभ्यास: लापता बच्चा"},
	exercise:      pair{"Exercise: a drill, no child is missing", "अभ्यास: यह ड्रिल है, कोई बच्चा लापता नहीं है"},
	restriction: pair{"For the posts childmatch alerts only; not for publication (Juvenile Justice Act 2015, s. 74)",
		"केवल childmatch से अलर्ट पाने वाली चौकियों के लिए; प्रकाशन निषिद्ध (किशोर न्याय अधिनियम 2015, धारा 74)"},
	lookOut: pair{"If you see the child, keep the child safe and call the contact below. Answer the alert in childmatch: seen, searching, not here or found.",
		"बच्चा दिखे तो उसे सुरक्षित रखें और नीचे दिए संपर्क पर फ़ोन करें। childmatch में अलर्ट का जवाब दें: देखा, खोज रहे हैं, यहाँ नहीं या मिल गया।"},
	standDown:   pair{"Stand down: the child is no longer sought.", "खोज बंद करें: अब इस बच्चे की तलाश नहीं है।"},
	face:        pair{"The child's face (signed link that expires)", "बच्चे का चेहरा (समय-सीमित हस्ताक्षरित लिंक)"},
	name:        pair{"Name", "नाम"},
	notKnown:    pair{"not known", "पता नहीं"},
	genderAge:   pair{"Gender, age", "लिंग, उम्र"},
	languages:   pair{"Speaks", "भाषा"},
	clothing:    pair{"Clothing, description", "कपड़े, हुलिया"},
	marks:       pair{"Identifying marks", "पहचान के निशान"},
	lastSeen:    pair{"Last seen", "आख़िरी बार देखा गया"},
	caseID:      pair{"Case", "केस"},
	ageNotKnown: pair{"age not known", "उम्र पता नहीं"},
	about:       pair{"about", "लगभग"},
	years:       pair{"years", "वर्ष"},
	silentPosts: pair{"Posts that have not answered", "जिन चौकियों ने जवाब नहीं दिया"},
	everyState:  pair{"Every state", "सभी राज्य"},
	states:      pair{"States", "राज्य"},
	districts:   pair{"Districts", "ज़िले"},
	stations:    pair{"Stations", "स्टेशन"},
	// within takes the radius in km and the centre.
	within:       pair{"within %g km of %s", "%[2]s से %[1]g किमी के दायरे में"},
	feedTitle:    pair{"childmatch: active alerts", "childmatch: सक्रिय अलर्ट"},
	feedSubtitle: pair{"The active alerts of your posts; not for publication", "आपकी चौकियों के सक्रिय अलर्ट; प्रकाशन निषिद्ध"},
	active:       pair{"Active alert", "सक्रिय अलर्ट"},
	genders: map[childmatch.Gender]pair{
		childmatch.GenderFemale:  {"Girl", "लड़की"},
		childmatch.GenderMale:    {"Boy", "लड़का"},
		childmatch.GenderOther:   {"Other gender", "अन्य लिंग"},
		childmatch.GenderUnknown: {"Gender not known", "लिंग पता नहीं"},
		"":                       {"Gender not known", "लिंग पता नहीं"},
	},
	reasons: map[string]pair{
		childmatch.ReasonReported: {"A missing child: look out now", "लापता बच्चा: अभी नज़र रखें"},
		childmatch.ReasonDetails:  {"Update: the details changed", "अपडेट: विवरण बदले"},
		childmatch.ReasonSighting: {"Update: seen again", "अपडेट: फिर से देखा गया"},
		childmatch.ReasonPhoto:    {"Update: a new photo", "अपडेट: नई फ़ोटो"},
		childmatch.ReasonWidened:  {"The search area was widened", "खोज का क्षेत्र बढ़ाया गया"},
		childmatch.ReasonEscalate: {"Sent again: your post has not answered", "फिर से भेजा गया: आपकी चौकी ने जवाब नहीं दिया"},
		childmatch.ReasonSilent:   {"Posts of your state have not answered", "आपके राज्य की कुछ चौकियों ने जवाब नहीं दिया"},
		childmatch.ReasonFound:    {"A found child may be this child: a reviewer will compare them", "मिला हुआ एक बच्चा यही हो सकता है: समीक्षक मिलान करेंगे"},
		childmatch.ReasonMatched:  {"Found: the match is confirmed. Stand down.", "मिल गया: मिलान की पुष्टि हुई। खोज बंद करें।"},
		childmatch.ReasonClosed:   {"The case is closed. Stand down.", "केस बंद हो गया। खोज बंद करें।"},
	},
}
