package childmatch_test

import (
	"strings"
	"testing"
	"time"

	"childmatch"
)

// TestValidate: each bad field is named; text is trimmed and the gender defaults to unknown.
func TestValidate(t *testing.T) {
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	ok := func() childmatch.CaseDetails {
		return childmatch.CaseDetails{Kind: childmatch.KindMissing, Child: childmatch.Child{Name: "  Asha ", Age: 9},
			Reporter: childmatch.Contact{Organisation: "GRP Bhopal"}}
	}
	d := ok()
	if err := d.Validate(now); err != nil || d.Child.Name != "Asha" || d.Child.Gender != childmatch.GenderUnknown {
		t.Fatalf("a good report: %v, %+v", err, d.Child)
	}
	for _, tc := range []struct {
		field string
		bad   func(*childmatch.CaseDetails)
	}{
		{"kind", func(d *childmatch.CaseDetails) { d.Kind = "lost" }},
		{"child.gender", func(d *childmatch.CaseDetails) { d.Child.Gender = "boy" }},
		{"child.age", func(d *childmatch.CaseDetails) { d.Child.Age = childmatch.MaxChildAge + 1 }},
		{"child.age", func(d *childmatch.CaseDetails) { d.Child.Age = -1 }},
		{"sighting.time", func(d *childmatch.CaseDetails) { d.Sighting.Time = now.Add(time.Hour) }},
		{"child.name", func(d *childmatch.CaseDetails) { d.Child.Name = strings.Repeat("a", childmatch.MaxShortText+1) }},
		{"child.name", func(d *childmatch.CaseDetails) { d.Child.Name = "a\x00b" }},
		{"child.languages", func(d *childmatch.CaseDetails) { d.Child.Languages = []string{"Hindi", " "} }},
		{"reporter.email", func(d *childmatch.CaseDetails) { d.Reporter.Email = "nobody" }},
		{"reporter", func(d *childmatch.CaseDetails) { d.Reporter = childmatch.Contact{} }},
		{"child.name", func(d *childmatch.CaseDetails) { d.Child.Name = "Asha\u202egpj.exe" }},
		{"child.name", func(d *childmatch.CaseDetails) { d.Child.Name = "\u200b\u200c\u2060" }},
		{"sighting.place", func(d *childmatch.CaseDetails) { d.Sighting.Place = "Bhopal\u2066Jn" }},
		{"sighting.time", func(d *childmatch.CaseDetails) { d.Sighting.Time = time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC) }},
		{"sighting.time", func(d *childmatch.CaseDetails) {
			d.Sighting.Time = time.Date(childmatch.MinSightingYear-1, 12, 31, 0, 0, 0, 0, time.UTC)
		}},
	} {
		d := ok()
		tc.bad(&d)
		if err := d.Validate(now); childmatch.ErrorField(err) != tc.field || childmatch.ErrorCodeOf(err) != childmatch.EInvalid {
			t.Errorf("want field %s refused, got %v", tc.field, err)
		}
	}
	d = ok()
	d.Sighting.Time = time.Date(childmatch.MinSightingYear, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := d.Validate(now); err != nil {
		t.Errorf("a sighting in %d is refused: %v", childmatch.MinSightingYear, err)
	}
	found := childmatch.CaseDetails{Kind: childmatch.KindFound}
	if err := found.Validate(now); err != nil {
		t.Errorf("a found child needs no reporter: %v", err)
	}
}

// TestCaseDate: a case's date is its sighting, else its report; the index filters on it.
func TestCaseDate(t *testing.T) {
	created, seen := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 2, 20, 0, 0, 0, 0, time.UTC)
	c := &childmatch.Case{CreatedAt: created}
	if !c.Date().Equal(created) || !c.Attrs().Date.Equal(created) {
		t.Errorf("without a sighting: %v", c.Date())
	}
	c.Sighting.Time = seen
	if !c.Date().Equal(seen) || !c.Attrs().Date.Equal(seen) {
		t.Errorf("with a sighting: %v", c.Date())
	}
}

// TestCleanText: text is trimmed and put in NFC; Devanagari with its joiners passes unchanged; spoofing
// characters and invisible-only text are refused, naming the field.
func TestCleanText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"  Asha ", "Asha"},
		{"Jose\u0301", "Jos\u00e9"}, // e + combining acute becomes é
		{"\u0906\u0936\u093e", "\u0906\u0936\u093e"},
		{"\u0915\u094d\u200d\u0937", "\u0915\u094d\u200d\u0937"}, // a joiner inside a Devanagari word
		{"", ""},
		// The length is measured once normalised: decomposed, this is over the limit.
		{strings.Repeat("e\u0301", childmatch.MaxShortText/3+1), strings.Repeat("\u00e9", childmatch.MaxShortText/3+1)},
	} {
		s := tc.in
		if err := childmatch.CleanText("child.name", &s, childmatch.MaxShortText); err != nil || s != tc.want {
			t.Errorf("%+q: got %+q, %v; want %+q", tc.in, s, err, tc.want)
		}
	}
	for _, bad := range []string{
		"Asha\u202egpj.exe", "\u202eadmin", "a\u202ab", "a\u202db", "a\u2066b", "a\u2069b", "a\u200eb", "a\u200fb",
		"a\u061cb", "\u200b", "\u200b\u200d\ufeff", "\u3164", "\u0301\u0301", "a\x7fb", "a\u0085b", "a\xffb",
		strings.Repeat("\u00e9", childmatch.MaxShortText/2+1),
	} {
		s := bad
		if err := childmatch.CleanText("child.name", &s, childmatch.MaxShortText); childmatch.ErrorField(err) != "child.name" {
			t.Errorf("%+q is not refused: %v", bad, err)
		}
	}
}
