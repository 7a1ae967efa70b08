package childmatch_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"childmatch"
)

// TestConsistencyNotes: a gender difference is a warning unless one side is unknown; the missing child's
// age then plus the years since is compared with the found child's, beyond AgeToleranceYears a warning.
// The dates compared are the sightings, else the reports.
func TestConsistencyNotes(t *testing.T) {
	mk := func(age int, g childmatch.Gender, seen, created time.Time) *childmatch.Case {
		c := &childmatch.Case{CreatedAt: created}
		c.Child.Age, c.Child.Gender, c.Sighting.Time = age, g, seen
		return c
	}
	for _, tc := range []struct {
		name string
		a, b *childmatch.Case
		want []string // note kinds
	}{
		{"same child six years on", mk(8, childmatch.GenderFemale, day(2020), day(2020)), mk(14, childmatch.GenderFemale, day(2026), day(2026)), nil},
		{"age as if no time passed", mk(8, childmatch.GenderFemale, day(2020), day(2020)), mk(8, childmatch.GenderFemale, day(2026), day(2026)), []string{"age"}},
		{"within tolerance", mk(8, childmatch.GenderMale, day(2020), day(2020)), mk(11, childmatch.GenderMale, day(2020), day(2020)), nil},
		{"order does not matter", mk(14, childmatch.GenderMale, day(2026), day(2026)), mk(8, childmatch.GenderMale, day(2020), day(2020)), nil},
		{"report date when no sighting", mk(8, childmatch.GenderMale, time.Time{}, day(2016)), mk(18, childmatch.GenderMale, day(2026), day(2026)), nil},
		{"gender differs", mk(9, childmatch.GenderMale, day(2026), day(2026)), mk(9, childmatch.GenderFemale, day(2026), day(2026)), []string{"gender"}},
		{"unknown gender", mk(9, childmatch.GenderUnknown, day(2026), day(2026)), mk(9, childmatch.GenderFemale, day(2026), day(2026)), nil},
		{"unknown age", mk(0, childmatch.GenderMale, day(2020), day(2020)), mk(15, childmatch.GenderFemale, day(2026), day(2026)), []string{"gender"}},
	} {
		notes := childmatch.ConsistencyNotes(tc.a, tc.b)
		var kinds []string
		for _, n := range notes {
			kinds = append(kinds, n.Kind)
			if !n.Warning {
				t.Errorf("%s: note %q is not a warning", tc.name, n.Kind)
			}
		}
		if strings.Join(kinds, ",") != strings.Join(tc.want, ",") {
			t.Errorf("%s: notes %v, want %v", tc.name, notes, tc.want)
		}
	}
}

// TestRank: the queue ranks by evidence, and each warning ranks an item lower by the log of
// ConsistencyFactor, never out of the queue.
func TestRank(t *testing.T) {
	r := childmatch.Review{Evidence: childmatch.Evidence{Score: 2}, Notes: []childmatch.Note{{Kind: "age", Warning: true}, {Kind: "reopened"}}}
	if got, want := r.Rank(), float32(-2-math.Log10(childmatch.ConsistencyFactor)); math.Abs(float64(got-want)) > 1e-6 {
		t.Errorf("rank %v, want %v", got, want)
	}
	if childmatch.PairKey(childmatch.IDAt(time.Unix(1, 0)), childmatch.IDAt(time.Unix(2, 0))) !=
		childmatch.PairKey(childmatch.IDAt(time.Unix(2, 0)), childmatch.IDAt(time.Unix(1, 0))) {
		t.Error("the pair key depends on the order of the cases")
	}
}

func day(y int) time.Time { return time.Date(y, 6, 1, 0, 0, 0, 0, time.UTC) }
