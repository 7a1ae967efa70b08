package evaluation

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"childmatch"
)

// TestModelsFusion: a model whose vectors are another's scaled by 3 and shifted has the same ranks and
// operating points, since z-scores against each model's impostor pairs do not see a model's scale; fused
// with dlib's random descriptors here, the fusion lies between the two.
func TestModelsFusion(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 3))
	var samples []Sample
	for p := 0; p < 40; p++ {
		centre := make([]float32, 16)
		for i := range centre {
			centre[i] = float32(r.NormFloat64())
		}
		for k := 0; k < 3; k++ {
			d := SyntheticDescriptor(r)
			a, scaled := make([]float32, 16), make([]float32, 16)
			for i := range a {
				a[i] = centre[i] + float32(0.6*r.NormFloat64())
				scaled[i] = 3*a[i] + 5
			}
			samples = append(samples, Sample{Person: string(rune('A' + p)), Face: &d, Enrol: k == 0,
				vectors: map[string][]float32{childmatch.DlibModel: d[:], "a": a, "scaled": scaled}})
		}
	}
	got := models(samples, 10)
	names := []string{}
	for _, m := range got {
		names = append(names, m.Model)
	}
	if !reflect.DeepEqual(names, []string{childmatch.DlibModel, "a", "scaled", Fusion}) {
		t.Fatalf("models %v", names)
	}
	var table strings.Builder
	(&Report{Models: got}).modelsTable(&table)
	t.Log(table.String())
	a, scaled := got[1], got[2]
	if a.CMC.Rank(1) < 0.5 || got[0].CMC.Rank(1) > 0.4 {
		t.Fatalf("rank-1: model a %.2f, dlib's random descriptors %.2f", a.CMC.Rank(1), got[0].CMC.Rank(1))
	}
	if !reflect.DeepEqual(a.CMC, scaled.CMC) || a.Verification[0].TAR != scaled.Verification[0].TAR || a.Dim != 16 {
		t.Errorf("scaling changed the figures: %v %v / %v %v", a.CMC, a.Verification, scaled.CMC, scaled.Verification)
	}
	// Two thirds of the fusion is model a (a and its scaled copy), one third dlib's random descriptors.
	if f := got[3]; f.CMC.Rank(1) > a.CMC.Rank(1) || f.CMC.Rank(1) <= got[0].CMC.Rank(1) {
		t.Errorf("fusion rank-1 %.2f, want between dlib's %.2f and a's %.2f", f.CMC.Rank(1), got[0].CMC.Rank(1), a.CMC.Rank(1))
	}
	for i := range samples {
		delete(samples[i].vectors, "a")
		delete(samples[i].vectors, "scaled")
	}
	if got := models(samples, 10); got != nil {
		t.Errorf("dlib alone gives %d rows", len(got))
	}
}
