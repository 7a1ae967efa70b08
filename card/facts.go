package card

import (
	"strings"

	"childmatch"
)

// Facts are the key facts of the card d in words, by name, for channels that send a registered template
// with parameters instead of the card's text (childmatch.Facts). Values are as the card prints them.
func Facts(d childmatch.Card) childmatch.Facts {
	en, hi := headline(d.Type, d.Exercise)
	child := strings.SplitN(genderAge(d.Child), "\n", 2)
	name := strings.TrimSpace(d.Child.Name)
	if name == "" {
		name = nameNotKnown
	}
	f := childmatch.Facts{
		childmatch.FactHeadline: en, childmatch.FactHeadlineHindi: hi, childmatch.FactName: name,
		childmatch.FactChild: child[0], childmatch.FactChildHindi: child[1],
		childmatch.FactLastSeen: childmatch.JoinNonEmpty(", ", d.LastSeen.Station, d.LastSeen.Place, d.LastSeen.District, d.LastSeen.State),
		childmatch.FactStation:  strings.TrimSpace(d.LastSeen.Station),
		childmatch.FactCall:     childmatch.JoinNonEmpty(", ", d.Call.Name, d.Call.Organisation, d.Call.Phone),
		childmatch.FactPhone:    strings.TrimSpace(d.Call.Phone),
		childmatch.FactCase:     d.CaseID,
	}
	if !d.LastSeen.Time.IsZero() {
		f[childmatch.FactTime] = d.LastSeen.Time.In(ist).Format("2 Jan 2006, 15:04 IST")
	}
	return f
}
