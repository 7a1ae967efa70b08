package childmatch_test

import (
	"math"
	"testing"

	"childmatch"
)

// TestEvidence: evidence never rises with the distance, for every band; a distance means less across
// years than across days, and less among children than among adults; the levels follow the score.
func TestEvidence(t *testing.T) {
	cal := childmatch.DefaultCalibration()
	pairs := map[string]childmatch.Pair{
		"adults a week apart":     {Years: 0.02, LaterAge: 30},
		"a child a month later":   {Years: 0.1, LaterAge: 9},
		"a child five years on":   {Years: 5, LaterAge: 12},
		"a child, later an adult": {Years: 10, LaterAge: 20},
		"age unknown":             {Years: 2},
	}
	for name, p := range pairs {
		prev := math.Inf(1)
		for d := float32(0); d <= 1.4; d += 0.01 {
			e := cal.Evidence(d, p)
			if e.Score > prev+1e-9 {
				t.Fatalf("%s: evidence rises from %.3f to %.3f at %.2f", name, prev, e.Score, d)
			}
			prev = e.Score
			want := childmatch.LevelVeryWeak
			switch {
			case e.Score >= childmatch.EvidenceStrong:
				want = childmatch.LevelStrong
			case e.Score >= childmatch.EvidenceModerate:
				want = childmatch.LevelModerate
			case e.Score >= 0:
				want = childmatch.LevelWeak
			}
			if e.Level != want || e.FalseMatchRate < 0 || e.FalseMatchRate > 1 {
				t.Fatalf("%s at %.2f: %+v", name, d, e)
			}
		}
	}
	at := func(name string, d float32) float64 { return cal.Evidence(d, pairs[name]).Score }
	if at("a child five years on", 0.55) <= at("a child a month later", 0.55) {
		t.Error("0.55 across five years is no stronger than across a month")
	}
	if at("adults a week apart", 0.55) <= at("a child a month later", 0.55) {
		t.Error("0.55 between adults is no stronger than between children, whose strangers come closer")
	}
	if e := cal.Evidence(0.3, pairs["a child five years on"]); e.Level != childmatch.LevelStrong {
		t.Errorf("0.3 five years on: %+v, want strong", e)
	}
	if e := cal.Evidence(0.85, pairs["a child five years on"]); e.Level != childmatch.LevelVeryWeak || e.FalseMatchRate < 0.5 {
		t.Errorf("0.85 among children: %+v, want very weak, most strangers as close", e)
	}
	// Unknown ages are weighed as children: weaker, never stronger, than as adults.
	if at("age unknown", 0.6) > cal.Evidence(0.6, childmatch.Pair{Years: 2, LaterAge: 40}).Score {
		t.Error("an unknown age counts as stronger evidence than an adult's")
	}
}

// TestPairOf: the years between two cases' dates, either way round, and the later age, taken from the
// earlier case when the later one has none.
func TestPairOf(t *testing.T) {
	a := &childmatch.Case{}
	a.Sighting.Time, a.Child.Age = day(2018), 7
	b := &childmatch.Case{}
	b.Sighting.Time = day(2024)
	for _, p := range []childmatch.Pair{childmatch.PairOf(a, b), childmatch.PairOf(b, a)} {
		if math.Abs(p.Years-6) > 0.01 || p.LaterAge != 13 {
			t.Errorf("pair %+v, want 6 years, later age 13", p)
		}
	}
	b.Child.Age = 12
	if p := childmatch.PairOf(a, b); p.LaterAge != 12 {
		t.Errorf("the later case's own age is not used: %+v", p)
	}
}
