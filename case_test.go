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
	} {
		d := ok()
		tc.bad(&d)
		if err := d.Validate(now); childmatch.ErrorField(err) != tc.field || childmatch.ErrorCodeOf(err) != childmatch.EInvalid {
			t.Errorf("want field %s refused, got %v", tc.field, err)
		}
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
