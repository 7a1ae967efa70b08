package evaluation_test

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"testing"

	"childmatch"
	"childmatch/evaluation"
	"childmatch/fixtures"
	"childmatch/index"
	"childmatch/matcher"
)

// readmeRank1 reads the rank-1 rate the README reports for the shared photo set.
func readmeRank1(t *testing.T) float64 {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtures.RepoRoot(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`\| rank-1 identification \| ([0-9.]+)% \|`).FindSubmatch(b)
	if m == nil {
		t.Fatal("the README reports no rank-1 identification rate for the shared set")
	}
	v, _ := strconv.ParseFloat(string(m[1]), 64)
	return v / 100
}

// TestHarnessOnSharedPhotos runs the harness on the shared set and recomputes every figure it reports,
// independently, from the raw descriptors it used.
func TestHarnessOnSharedPhotos(t *testing.T) {
	limits := childmatch.DefaultLimits(2)
	// A second model beside dlib: the generated ONNX projection (matcher/testdata/projection.py).
	lib, _ := fixtures.ONNXRuntime(t)
	onnx, err := matcher.NewONNX(matcher.ONNXConfig{Model: filepath.Join(fixtures.ONNXModels(t), "projection.onnx"), Library: lib})
	if err != nil {
		t.Fatal(err)
	}
	defer onnx.Close()
	m, err := matcher.New(matcher.Config{ModelsDir: fixtures.ModelsDir(t), Limits: limits, Embedders: []childmatch.Embedder{onnx}})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	rep, err := evaluation.Run(context.Background(), m, index.New(), evaluation.Config{Data: fixtures.FacesDir(t),
		Enrol: 1, MaxRank: 10, Threshold: limits.ReviewThreshold})
	if err != nil {
		t.Fatal(err)
	}

	// Detection.
	detected := 0
	for _, s := range rep.Samples {
		if s.Face != nil {
			detected++
		}
	}
	if detected != rep.Detected || math.Abs(rep.DetectionRate-float64(detected)/float64(len(rep.Samples))) > 1e-12 {
		t.Errorf("detection: report %d (%.3f), recomputed %d of %d", rep.Detected, rep.DetectionRate, detected, len(rep.Samples))
	}

	// Identification.
	within := make([]int, 10)
	queries := 0
	for _, s := range rep.Samples {
		if s.Enrol || s.Face == nil {
			continue
		}
		rank, ok := recomputedRank(rep.Samples, s, nil)
		if !ok {
			continue
		}
		queries++
		if rank != s.Rank {
			t.Errorf("%s: report rank %d, recomputed %d", s.Path, s.Rank, rank)
		}
		for k := rank; rank > 0 && k <= 10; k++ {
			within[k-1]++
		}
	}
	if queries != rep.Queries {
		t.Errorf("queries: report %d, recomputed %d", rep.Queries, queries)
	}
	for k := 1; k <= 10; k++ {
		if want := float64(within[k-1]) / float64(queries); math.Abs(rep.Rank(k)-want) > 1e-12 {
			t.Errorf("rank-%d: report %.4f, recomputed %.4f", k, rep.Rank(k), want)
		}
	}

	// Verification: every pair of detected photos, by person.
	var genuine, impostor []float64
	for i := range rep.Samples {
		for j := i + 1; j < len(rep.Samples); j++ {
			a, b := rep.Samples[i], rep.Samples[j]
			if a.Face == nil || b.Face == nil {
				continue
			}
			d := float64(a.Face.Distance(b.Face))
			if a.Person == b.Person {
				genuine = append(genuine, d)
			} else {
				impostor = append(impostor, d)
			}
		}
	}
	if rep.Genuine.N != len(genuine) || rep.Impostor.N != len(impostor) {
		t.Fatalf("pairs: report %d genuine %d impostor, recomputed %d and %d", rep.Genuine.N, rep.Impostor.N, len(genuine), len(impostor))
	}
	if got := rate(genuine, float64(limits.ReviewThreshold)); math.Abs(got-rep.Genuine.UnderThreshold) > 1e-12 {
		t.Errorf("genuine under threshold: report %.4f, recomputed %.4f", rep.Genuine.UnderThreshold, got)
	}
	checkVerification(t, "", rep.Verification, genuine, impostor)

	// The models side by side: dlib's row, computed without the index, is the report's own; the
	// projection's and the fusion's are over the same queries and pairs.
	if len(rep.Models) != 3 || rep.Models[0].Model != childmatch.DlibModel || rep.Models[1].Model != "projection" ||
		rep.Models[2].Model != evaluation.Fusion {
		t.Fatalf("models %+v", rep.Models)
	}
	// (Its distances are summed in float64, the report's in float32: equal to about 1e-7.)
	d := rep.Models[0]
	if !reflect.DeepEqual(d.CMC, rep.CMC) || len(d.Verification) != len(rep.Verification) || d.Impostor.N != rep.Impostor.N ||
		math.Abs(d.Genuine.Median-rep.Genuine.Median) > 1e-6 || math.Abs(d.Impostor.Median-rep.Impostor.Median) > 1e-6 {
		t.Errorf("dlib's row %+v differs from the report's figures", d)
	}
	for i, op := range d.Verification {
		if op.TAR != rep.Verification[i].TAR || math.Abs(op.Threshold-rep.Verification[i].Threshold) > 1e-6 {
			t.Errorf("dlib's operating point %+v, the report's %+v", op, rep.Verification[i])
		}
	}
	for _, mr := range rep.Models[1:] {
		if mr.Genuine.N != rep.Genuine.N || mr.Impostor.N != rep.Impostor.N || len(mr.CMC) != 10 {
			t.Errorf("%s: %d genuine and %d impostor pairs, CMC of %d", mr.Model, mr.Genuine.N, mr.Impostor.N, len(mr.CMC))
		}
	}

	if floor := readmeRank1(t); rep.Rank(1) < floor {
		t.Errorf("rank-1 %.3f fell below the %.3f the README reports", rep.Rank(1), floor)
	}
	t.Logf("\n%s", rep.Markdown())
	if err := rep.Write(t.TempDir()); err != nil {
		t.Fatal(err)
	}
}

// recomputedRank is a query's rank recomputed from the raw descriptors: 1 + the number of other cases
// strictly nearer than its own person's nearest enrolled photo, where the other cases are the other
// people (by their nearest enrolled photo) and each of extra; 0 beyond rank 10. ok is false when the
// query's person has no enrolled photo.
func recomputedRank(samples []evaluation.Sample, q evaluation.Sample, extra []childmatch.Descriptor) (int, bool) {
	best := map[string]float64{}
	for _, g := range samples {
		if !g.Enrol {
			continue
		}
		d := float64(q.Face.Distance(g.Face))
		if b, ok := best[g.Person]; !ok || d < b {
			best[g.Person] = d
		}
	}
	own, ok := best[q.Person]
	if !ok {
		return 0, false
	}
	rank := 1
	for p, d := range best {
		if p != q.Person && d < own {
			rank++
		}
	}
	for i := range extra {
		if float64(q.Face.Distance(&extra[i])) < own {
			rank++
		}
	}
	if rank > 10 {
		rank = 0
	}
	return rank, true
}

// rate is the fraction of xs under t.
func rate(xs []float64, t float64) float64 {
	n := 0
	for _, x := range xs {
		if x < t {
			n++
		}
	}
	return float64(n) / float64(len(xs))
}

// checkVerification recomputes the operating points from the genuine and impostor distances.
func checkVerification(t *testing.T, what string, ops []evaluation.OperatingPoint, genuine, impostor []float64) {
	t.Helper()
	for _, op := range ops {
		far := rate(impostor, op.Threshold)
		if far > op.FAR {
			t.Errorf("%sFAR %.3f: threshold %.4f accepts %.4f of impostors", what, op.FAR, op.Threshold, far)
		}
		if tar := rate(genuine, op.Threshold); math.Abs(tar-op.TAR) > 1e-12 {
			t.Errorf("%sTAR at FAR %.3f: report %.4f, recomputed %.4f", what, op.FAR, op.TAR, tar)
		}
		// The threshold is the largest that keeps FAR: the next impostor distance up would exceed it.
		above := math.Inf(1)
		for _, x := range impostor {
			if x >= op.Threshold && x < above {
				above = x
			}
		}
		if !math.IsInf(above, 1) && rate(impostor, math.Nextafter(above, math.Inf(1))) <= op.FAR && above > op.Threshold {
			t.Errorf("%sFAR %.3f: threshold %.4f is not the largest allowed (%.4f also is)", what, op.FAR, op.Threshold, above)
		}
	}
}
