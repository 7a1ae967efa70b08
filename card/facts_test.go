package card

import (
	"testing"

	"childmatch"
)

// TestFacts: the facts are the card's, in the words the card prints, both languages where it has words.
func TestFacts(t *testing.T) {
	d := variants(t)["cancel"]
	f := Facts(d)
	want := map[string]string{
		childmatch.FactHeadline: "FOUND, STAND DOWN", childmatch.FactHeadlineHindi: "बच्चा मिल गया, खोज बंद करें",
		childmatch.FactName: "Ravi Kumar", childmatch.FactChild: "Boy, 9 years", childmatch.FactChildHindi: "लड़का, 9 वर्ष",
		childmatch.FactLastSeen: "Itarsi Jn (ET), platform 4, Narmadapuram, Madhya Pradesh", childmatch.FactStation: "Itarsi Jn (ET)",
		childmatch.FactTime: "14 Mar 2026, 18:40 IST", childmatch.FactCall: "SI R. Sharma, GRP Itarsi, +91 94250 12345",
		childmatch.FactPhone: "+91 94250 12345", childmatch.FactCase: d.CaseID,
	}
	for k, v := range want {
		if f[k] != v {
			t.Errorf("%s: %q, want %q", k, f[k], v)
		}
	}
	d.Child.Name = ""
	d.LastSeen = childmatch.Sighting{}
	f = Facts(d)
	if f[childmatch.FactName] != nameNotKnown {
		t.Errorf("no name: %q", f[childmatch.FactName])
	}
	if _, ok := f[childmatch.FactTime]; ok {
		t.Errorf("no time known, yet the time is %q", f[childmatch.FactTime])
	}
}
