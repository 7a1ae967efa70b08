package matcher

import (
	"context"
	"sync"
	"testing"

	"childmatch"
	"childmatch/fixtures"
)

// stored is an analysis's faces as a case record keeps them.
func stored(a *childmatch.Analysis) []childmatch.Face {
	faces := make([]childmatch.Face, len(a.Faces))
	for i, df := range a.Faces {
		faces[i] = childmatch.Face{Box: df.Box, Landmarks: df.Landmarks, Descriptor: df.Descriptor, Embeddings: df.Embeddings}
	}
	return faces
}

// TestRedescribe: the faces of stored photos described again where their records say they are give the
// descriptors the upload gave (the same model, the same crops but for a box rounded to whole pixels of the
// original), for every face of a group photo too; with a second model configured, its vectors are the
// upload's; a face where the photo shows none is reported not found and keeps its descriptor.
func TestRedescribe(t *testing.T) {
	dir := fixtures.ONNXModels(t)
	e := newONNX(t, dir, "projection.onnx", childmatch.Cosine)
	m, err := New(Config{ModelsDir: fixtures.ModelsDir(t), Limits: childmatch.DefaultLimits(1), Embedders: []childmatch.Embedder{e}})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	ctx := context.Background()
	worst, n := 0.0, 0
	for _, rel := range []string{"_group/selfie-many-people.jpg", fixtures.Folder(t, "biden")[0], fixtures.Folder(t, "john_savage")[0]} {
		data := fixtures.Photo(t, rel)
		a, err := m.Analyze(ctx, data)
		if err != nil {
			t.Fatal(err)
		}
		faces := stored(a)
		again, err := m.Redescribe(ctx, data, faces)
		if err != nil {
			t.Fatal(err)
		}
		if len(again) != len(faces) {
			t.Fatalf("%s: %d faces described again of %d", rel, len(again), len(faces))
		}
		for i, r := range again {
			if !r.Found {
				t.Errorf("%s face %d: not found again where it was", rel, i)
				continue
			}
			d := float64(r.Descriptor.Distance(&faces[i].Descriptor))
			worst, n = max(worst, d), n+1
			if d > 0.03 {
				t.Errorf("%s face %d: described again %.3f from the upload's descriptor", rel, i, d)
			}
			if got := r.Embeddings["projection"]; len(got) != 512 || maxDiff(got, faces[i].Embeddings["projection"]) > 1e-4 {
				t.Errorf("%s face %d: the second model's vector differs from the upload's by %g", rel, i, maxDiff(got, faces[i].Embeddings["projection"]))
			}
		}
	}
	t.Logf("%d faces described again, at most %.4f from the upload's descriptors", n, worst)
	// A box where the photo holds no face: not found, the stored descriptor kept.
	data := fixtures.Photo(t, fixtures.Folder(t, "biden")[0])
	a, err := m.Analyze(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	faces := stored(a)
	faces[0].Box = childmatch.Box{Min: childmatch.Point{X: 0, Y: 0}, Max: childmatch.Point{X: 40, Y: 40}}
	again, err := m.Redescribe(ctx, data, faces)
	if err != nil {
		t.Fatal(err)
	}
	if again[0].Found || again[0].Descriptor != faces[0].Descriptor {
		t.Errorf("a box without a face: found %v, descriptor kept %v", again[0].Found, again[0].Descriptor == faces[0].Descriptor)
	}
}

// BenchmarkReembed: describing every face of the shared person folders again from the photos and their
// records' boxes, a recognizer per core, as `childmatch reembed` does with the service's configuration
// (serviceMatcher; bench/enrol.sh sets it beside face_recognition's enrolment).
func BenchmarkReembed(b *testing.B) {
	m := serviceMatcher(b)
	type photo struct {
		data  []byte
		faces []childmatch.Face
	}
	var photos []photo
	for _, rels := range fixtures.People(b) {
		for _, rel := range rels {
			data := fixtures.Photo(b, rel)
			a, err := m.Analyze(context.Background(), data)
			if err != nil {
				b.Fatal(err)
			}
			photos = append(photos, photo{data, stored(a)})
		}
	}
	found, faces := 0, 0
	var mu sync.Mutex
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		onWorkers(cap(m.pool), photos, func(p photo) {
			again, err := m.Redescribe(context.Background(), p.data, p.faces)
			if err != nil {
				b.Error(err)
				return
			}
			mu.Lock()
			for _, r := range again {
				faces++
				if r.Found {
					found++
				}
			}
			mu.Unlock()
		})
	}
	b.ReportMetric(float64(len(photos)*b.N)/b.Elapsed().Seconds(), "photos/s")
	b.ReportMetric(float64(found)/float64(max(1, faces)), "found")
}
