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
		"adults a week apart":     {Years: 0.02, LaterAge: 30, EarlierAge: 30},
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
	if at("age unknown", 0.6) > cal.Evidence(0.6, childmatch.Pair{Years: 2, LaterAge: 40, EarlierAge: 38}).Score {
		t.Error("an unknown age counts as stronger evidence than an adult's")
	}
}

// TestNoJumpAtEighteen: a child reported at 14 and found four years later is weighed against strangers
// among children whichever side of 18 the later age falls: the younger photo shows a child.
func TestNoJumpAtEighteen(t *testing.T) {
	cal := childmatch.DefaultCalibration()
	for _, d := range []float32{0.5, 0.6, 0.7} {
		at17 := cal.Evidence(d, childmatch.Pair{Years: 4, LaterAge: 17, EarlierAge: 13})
		at18 := cal.Evidence(d, childmatch.Pair{Years: 4, LaterAge: 18, EarlierAge: 14})
		if math.Abs(at18.FalseMatchRate-at17.FalseMatchRate) > 1e-9 || at18.Score > at17.Score+1 {
			t.Errorf("at %.1f: %+v at 17, %+v at 18", d, at17, at18)
		}
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
		if math.Abs(p.Years-6) > 0.01 || p.LaterAge != 13 || p.EarlierAge != 7 {
			t.Errorf("pair %+v, want 6 years, ages 7 and 13", p)
		}
	}
	b.Child.Age = 12
	if p := childmatch.PairOf(a, b); p.LaterAge != 12 {
		t.Errorf("the later case's own age is not used: %+v", p)
	}
	a.Child.Age = 0
	if p := childmatch.PairOf(a, b); p.EarlierAge != 6 {
		t.Errorf("the earlier age is not the later one less the years: %+v", p)
	}
}

// TestFit: a band with enough pairs takes their mean and spread, one with too few keeps the default's; a
// fitted band never narrows below MinCalibrationSD.
func TestFit(t *testing.T) {
	base := childmatch.DefaultCalibration()
	var genuine, impostor []childmatch.Measured
	years := childmatch.Pair{Years: 4, LaterAge: 12}
	for i := range childmatch.MinCalibrationPairs {
		genuine = append(genuine, childmatch.Measured{Distance: 0.50 + 0.002*float32(i%5), Pair: years})
		impostor = append(impostor, childmatch.Measured{Distance: 0.70 + 0.1*float32(i%2), Pair: years})
	}
	few := []childmatch.Measured{{Distance: 0.1, Pair: childmatch.Pair{Years: 0.1, LaterAge: 30}}}
	cal := childmatch.Fit(base, append(genuine, few...), impostor, "test")
	if err := cal.Valid(); err != nil {
		t.Fatal(err)
	}
	for i, b := range cal.Genuine {
		switch {
		case !b.Adult && b.MaxYears == 0: // a child years later: refitted
			if b.N != childmatch.MinCalibrationPairs || math.Abs(b.Genuine.Mean-0.504) > 1e-3 || b.Genuine.SD != childmatch.MinCalibrationSD {
				t.Errorf("refitted band %+v", b)
			}
		case b != base.Genuine[i]:
			t.Errorf("band %d changed with too few pairs: %+v", i, b)
		}
	}
	if b := cal.Impostor[0]; b.N != childmatch.MinCalibrationPairs || math.Abs(b.Impostor.Mean-0.75) > 1e-3 || math.Abs(b.Impostor.SD-0.0508) > 1e-3 {
		t.Errorf("refitted impostor band %+v", b)
	}
	if cal.Impostor[1] != base.Impostor[1] {
		t.Errorf("the adults' impostor band changed without pairs: %+v", cal.Impostor[1])
	}
	if err := (childmatch.Calibration{Genuine: base.Genuine}).Valid(); err == nil {
		t.Error("a calibration without impostor bands is valid")
	}
}

// TestEvidenceClamp: with a fitted band narrower than the strangers' (the genuine spread at its floor), the
// likelihood ratio would turn back up far from both means; it is held there, so evidence never rises with
// the distance. Equal spreads give a straight line, which falls as long as the genuine mean is the smaller,
// and a calibration where it is not is refused.
func TestEvidenceClamp(t *testing.T) {
	for _, tc := range []struct {
		name     string
		gen, imp childmatch.Spread
	}{
		{"narrow genuine", childmatch.Spread{Mean: 0.4, SD: childmatch.MinCalibrationSD}, childmatch.Spread{Mean: 0.75, SD: 0.10}},
		{"narrow impostor", childmatch.Spread{Mean: 0.4, SD: 0.15}, childmatch.Spread{Mean: 0.75, SD: childmatch.MinCalibrationSD}},
		{"equal spreads", childmatch.Spread{Mean: 0.4, SD: 0.1}, childmatch.Spread{Mean: 0.75, SD: 0.1}},
	} {
		cal := childmatch.Calibration{Genuine: []childmatch.GapBand{{Genuine: tc.gen}, {Adult: true, Genuine: tc.gen}},
			Impostor: []childmatch.AgeBand{{Impostor: tc.imp}}}
		if err := cal.Valid(); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		prev := math.Inf(1)
		for d := float32(0); d <= 2; d += 0.01 {
			e := cal.Evidence(d, childmatch.Pair{Years: 2, LaterAge: 10})
			if e.Score > prev+1e-9 {
				t.Fatalf("%s: evidence rises from %.3f to %.3f at %.2f", tc.name, prev, e.Score, d)
			}
			prev = e.Score
		}
	}
	wrong := childmatch.Calibration{Genuine: []childmatch.GapBand{{Genuine: childmatch.Spread{Mean: 0.8, SD: 0.1}},
		{Adult: true, Genuine: childmatch.Spread{Mean: 0.3, SD: 0.1}}}, Impostor: []childmatch.AgeBand{{Impostor: childmatch.Spread{Mean: 0.7, SD: 0.1}}}}
	if wrong.Valid() == nil {
		t.Error("a calibration whose genuine mean lies beyond the impostors' is valid")
	}
}
