package childmatch

// Facts are an alert message's key facts in words, by name, for the channels that send a template
// registered with the provider and its parameters, not free text: a WhatsApp template, a DLT SMS
// template. A deployment's configuration lists the names its template takes, in order
// (card.Facts composes them from the card).
type Facts map[string]string

// The names of the facts.
const (
	FactHeadline      = "headline"    // "MISSING CHILD", "FOUND, STAND DOWN" (an exercise says so)
	FactHeadlineHindi = "headline_hi" // "लापता बच्चा", "बच्चा मिल गया, खोज बंद करें"
	FactName          = "name"        // as recorded, or "not known" in both languages
	FactChild         = "child"       // "Boy, about 9 years"
	FactChildHindi    = "child_hi"    // "लड़का, लगभग 9 वर्ष"
	FactLastSeen      = "last_seen"   // station, place, district, state
	FactStation       = "station"     // the last-seen station alone
	FactTime          = "time"        // "14 Mar 2026, 18:40 IST"
	FactCall          = "call"        // whom to call and the number
	FactPhone         = "phone"       // the number alone
	FactCase          = "case"        // the case id
	FactLink          = "link"        // the short link to the card (package sms fills it)
)

// FactNames lists every name, for checking a configuration.
var FactNames = []string{FactHeadline, FactHeadlineHindi, FactName, FactChild, FactChildHindi, FactLastSeen,
	FactStation, FactTime, FactCall, FactPhone, FactCase, FactLink}
