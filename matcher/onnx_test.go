package matcher

import (
	"context"
	"encoding/binary"
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/disintegration/imaging"

	"childmatch"
	"childmatch/fixtures"
)

// newONNX loads one of the generated models of dir (fixtures.ONNXModels).
func newONNX(t *testing.T, dir, model string, metric childmatch.Metric) *ONNX {
	t.Helper()
	lib, _ := fixtures.ONNXRuntime(t)
	e, err := NewONNX(ONNXConfig{Model: filepath.Join(dir, model), Library: lib, Metric: metric})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e
}

// projection computes in Go what projection.onnx computes: an 8×8 average pool of the aligned face's
// planes, flattened (channel, row, column), times the matrix in projection.f32.
func projection(t *testing.T, dir string, aligned []float32) []float32 {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "projection.f32"))
	if err != nil {
		t.Fatal(err)
	}
	const cells, dim = 14, 512
	w := make([]float32, len(raw)/4)
	for i := range w {
		w[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	pooled := make([]float64, 3*cells*cells)
	for c := 0; c < 3; c++ {
		for y := 0; y < arcSide; y++ {
			for x := 0; x < arcSide; x++ {
				pooled[c*cells*cells+(y/8)*cells+x/8] += float64(aligned[c*arcSide*arcSide+y*arcSide+x]) / 64
			}
		}
	}
	if len(w) != len(pooled)*dim {
		t.Fatalf("projection.f32 holds %d values, want %d", len(w), len(pooled)*dim)
	}
	out := make([]float32, dim)
	for j := range out {
		var s float64
		for k, p := range pooled {
			s += p * float64(w[k*dim+j])
		}
		out[j] = float32(s)
	}
	return out
}

// sharedFaces returns the faces of a few shared photos as the ONNX embedder receives them: the photo
// decoded at full size and dlib's landmarks in its pixels.
func sharedFaces(t *testing.T, rels ...string) []childmatch.EmbedFace {
	t.Helper()
	var faces []childmatch.EmbedFace
	for _, rel := range rels {
		data := fixtures.Photo(t, rel)
		img, err := imaging.Decode(strings.NewReader(string(data)), imaging.AutoOrientation(true))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range analyze(t, data).Faces {
			faces = append(faces, childmatch.EmbedFace{Photo: img, Landmarks: f.Landmarks, Descriptor: &f.Descriptor})
		}
	}
	return faces
}

func maxDiff(a, b []float32) float64 {
	d := 0.0
	for i := range a {
		d = max(d, math.Abs(float64(a[i]-b[i])))
	}
	return d
}

// TestONNXEmbedsWhatTheModelComputes: ONNX Runtime runs the generated model on aligned shared photos, one
// batch for all faces and, for the fixed-batch model, one run a face; each vector is what the same
// projection computed in Go from the aligned pixels gives, so the loading, the tensor layout, the
// normalisation and the batching are all what the model expects.
func TestONNXEmbedsWhatTheModelComputes(t *testing.T) {
	dir := fixtures.ONNXModels(t)
	dynamic := newONNX(t, dir, "projection.onnx", childmatch.Euclidean)
	fixed := newONNX(t, dir, "fixed1.onnx", childmatch.Euclidean)
	if dynamic.Dim() != 512 || dynamic.batch != 0 || fixed.batch != 1 || dynamic.Name() != "projection" {
		t.Fatalf("dim %d, batches %d and %d, name %q", dynamic.Dim(), dynamic.batch, fixed.batch, dynamic.Name())
	}
	faces := sharedFaces(t, "obama/obama1.jpg", "biden/biden1.jpg", "_group/two_people.jpg", "alex_lacamoire/alex3.png")
	if len(faces) < 4 {
		t.Fatalf("%d faces", len(faces))
	}
	all, err := dynamic.Embed(context.Background(), faces)
	if err != nil {
		t.Fatal(err)
	}
	one, err := fixed.Embed(context.Background(), faces)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(faces) || len(one) != len(faces) {
		t.Fatalf("%d and %d vectors for %d faces", len(all), len(one), len(faces))
	}
	// Runs at once on one session (the matcher's workers share it) give the same vectors.
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			again, err := dynamic.Embed(context.Background(), faces[g%len(faces):])
			if err != nil {
				t.Error(err)
				return
			}
			for i, v := range again {
				if maxDiff(v, all[g%len(faces)+i]) > 1e-5 {
					t.Errorf("concurrent run %d, face %d: another vector", g, i)
				}
			}
		}()
	}
	wg.Wait()
	aligned := make([]float32, 3*arcSide*arcSide)
	for i, f := range faces {
		if !alignArc(f.Photo, f.Landmarks, aligned) {
			t.Fatalf("face %d not aligned", i)
		}
		want := projection(t, dir, aligned)
		if d := maxDiff(all[i], want); d > 1e-4 {
			t.Errorf("face %d: batched vector differs from the Go projection by %g", i, d)
		}
		if d := maxDiff(one[i], want); d > 1e-4 {
			t.Errorf("face %d: fixed-batch vector differs from the Go projection by %g", i, d)
		}
		if i > 0 && maxDiff(all[i], all[i-1]) < 1e-3 {
			t.Errorf("faces %d and %d have the same vector", i-1, i)
		}
	}
}

// TestMatcherRunsONNXModels: the pipeline fills each face's Embeddings with the configured models' vectors,
// unit length under Cosine, and refuses two models of one name.
func TestMatcherRunsONNXModels(t *testing.T) {
	dir := fixtures.ONNXModels(t)
	e := newONNX(t, dir, "projection.onnx", childmatch.Cosine)
	m, err := New(Config{ModelsDir: fixtures.ModelsDir(t), Limits: childmatch.DefaultLimits(1), Embedders: []childmatch.Embedder{e}})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	a, err := m.Analyze(context.Background(), fixtures.Photo(t, "_group/selfie-many-people.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Faces) < 2 {
		t.Fatalf("%d faces", len(a.Faces))
	}
	for i, f := range a.Faces {
		v := f.Embeddings["projection"]
		var sq float64
		for _, x := range v {
			sq += float64(x) * float64(x)
		}
		if len(v) != 512 || len(f.Embeddings) != 1 || math.Abs(sq-1) > 1e-5 {
			t.Errorf("face %d: %d models, %d components, norm² %g", i, len(f.Embeddings), len(v), sq)
		}
	}
	if _, err := New(Config{ModelsDir: fixtures.ModelsDir(t), Limits: childmatch.DefaultLimits(1),
		Embedders: []childmatch.Embedder{e, e}}); err == nil || !strings.Contains(err.Error(), `"projection"`) {
		t.Errorf("two models of one name: %v", err)
	}
}

// TestONNXRefusesWrongModels: a missing file, a model of the wrong input or output shape or type, an
// unknown metric and a second library are refused, naming what is wrong.
func TestONNXRefusesWrongModels(t *testing.T) {
	dir := fixtures.ONNXModels(t)
	lib, _ := fixtures.ONNXRuntime(t)
	newONNX(t, dir, "projection.onnx", "") // starts ONNX Runtime with lib
	for _, c := range []struct {
		model, metric, library, want string
	}{
		{"missing.onnx", "", lib, "missing"},
		{"side96.onnx", "", lib, `input "data"`},
		{"int_input.onnx", "", lib, `input "data"`},
		{"flat.onnx", "", lib, `output "embedding"`},
		{"projection.onnx", "manhattan", lib, "unknown metric"},
		{"projection.onnx", "", lib + ".other", "already running"},
	} {
		_, err := NewONNX(ONNXConfig{Model: filepath.Join(dir, c.model), Library: c.library, Metric: childmatch.Metric(c.metric)})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error saying %q", c.model, err, c.want)
		}
	}
}

// TestFitSimilarity: points moved by a similarity are fitted back to it exactly, with and without a
// rotation.
func TestFitSimilarity(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 1))
	for i := 0; i < 100; i++ {
		angle, scale := (r.Float64()-0.5)*math.Pi, 0.2+4*r.Float64()
		want := similarity{a: scale * math.Cos(angle), b: scale * math.Sin(angle), tx: 500 * r.Float64(), ty: 500 * r.Float64()}
		src := [][2]float64{arcLeftEye, arcRightEye, arcNoseBase}
		var dst [][2]float64
		for _, p := range src {
			dst = append(dst, want.apply(p))
		}
		got, ok := fitSimilarity(src, dst)
		if !ok || math.Abs(got.a-want.a) > 1e-9 || math.Abs(got.b-want.b) > 1e-9 || math.Abs(got.tx-want.tx) > 1e-6 || math.Abs(got.ty-want.ty) > 1e-6 {
			t.Fatalf("fitted %+v, want %+v", got, want)
		}
	}
	if _, ok := fitSimilarity([][2]float64{{1, 1}, {1, 1}}, [][2]float64{{0, 0}, {5, 5}}); ok {
		t.Error("coincident points fixed a transform")
	}
}

// TestAlignArcUndoesTheTransform: a pattern drawn in the template's frame and placed in a photo by a
// rotation, scale and shift comes back from alignArc where the template has it, given the dlib landmarks
// the placed template points would have.
func TestAlignArcUndoesTheTransform(t *testing.T) {
	// A smooth pattern in template coordinates, distinct in each channel.
	pattern := func(x, y float64) (r, g, b float64) {
		return 127.5 + 100*math.Sin(x/9), 127.5 + 100*math.Cos(y/11), 127.5 + 100*math.Sin((x+y)/13)
	}
	place := similarity{a: 3 * math.Cos(0.3), b: 3 * math.Sin(0.3), tx: 240, ty: 60}
	inv := func(p [2]float64) [2]float64 { // place's inverse
		x, y := p[0]-place.tx, p[1]-place.ty
		s := place.a*place.a + place.b*place.b
		return [2]float64{(place.a*x + place.b*y) / s, (-place.b*x + place.a*y) / s}
	}
	img := image.NewRGBA(image.Rect(0, 0, 640, 640))
	for y := 0; y < 640; y++ {
		for x := 0; x < 640; x++ {
			q := inv([2]float64{float64(x), float64(y)})
			r, g, b := pattern(q[0], q[1])
			img.Set(x, y, color.RGBA{uint8(r + 0.5), uint8(g + 0.5), uint8(b + 0.5), 255})
		}
	}
	// dlib's landmarks: two corners per eye around the template's eye centres, then the nose base.
	pt := func(p [2]float64) childmatch.Point {
		q := place.apply(p)
		return childmatch.Point{X: int(math.Round(q[0])), Y: int(math.Round(q[1]))}
	}
	off := [2]float64{4, 0}
	landmarks := []childmatch.Point{
		pt([2]float64{arcRightEye[0] + off[0], arcRightEye[1]}), pt([2]float64{arcRightEye[0] - off[0], arcRightEye[1]}),
		pt([2]float64{arcLeftEye[0] - off[0], arcLeftEye[1]}), pt([2]float64{arcLeftEye[0] + off[0], arcLeftEye[1]}),
		pt(arcNoseBase),
	}
	out := make([]float32, 3*arcSide*arcSide)
	if !alignArc(img, landmarks, out) {
		t.Fatal("not aligned")
	}
	const plane = arcSide * arcSide
	worst := 0.0
	for y := 8; y < arcSide-8; y++ {
		for x := 8; x < arcSide-8; x++ {
			r, g, b := pattern(float64(x), float64(y))
			i := y*arcSide + x
			for c, want := range []float64{r, g, b} {
				got := float64(out[c*plane+i])*127.5 + 127.5
				worst = max(worst, math.Abs(got-want))
			}
		}
	}
	// The landmarks are whole pixels of the photo, a third of a template pixel; the pattern changes by at
	// most about 11 levels a template pixel, so rounding may move a value by a few levels.
	if worst > 6 {
		t.Errorf("the aligned face differs from the pattern by up to %.1f levels", worst)
	}
}

// TestArcFaceNoseBase: arcNoseBase is where dlib's nose point lies, on average over the shared photos, when
// the eyes alone are fitted to the ArcFace template.
func TestArcFaceNoseBase(t *testing.T) {
	var sum [2]float64
	n := 0
	for _, p := range peopleDescriptors(t) {
		a, b := eyes(p.Landmarks)
		s, ok := fitSimilarity([][2]float64{a, b}, [][2]float64{arcLeftEye, arcRightEye})
		if !ok {
			t.Fatalf("%s: eyes coincide", p.Path)
		}
		q := s.apply([2]float64{float64(p.Landmarks[4].X), float64(p.Landmarks[4].Y)})
		sum[0] += q[0]
		sum[1] += q[1]
		n++
	}
	mean := [2]float64{sum[0] / float64(n), sum[1] / float64(n)}
	t.Logf("dlib's nose point in the ArcFace frame over %d faces: (%.2f, %.2f)", n, mean[0], mean[1])
	if math.Hypot(mean[0]-arcNoseBase[0], mean[1]-arcNoseBase[1]) > 0.5 {
		t.Errorf("arcNoseBase is %v, measured (%.2f, %.2f)", arcNoseBase, mean[0], mean[1])
	}
}

// BenchmarkONNXEmbed: aligning the faces of a photo and running the generated model on them, per photo
// (alignment dominates: the model is one pooling and one product); a real ArcFace network adds its own
// time per face on top.
func BenchmarkONNXEmbed(b *testing.B) {
	dir := fixtures.ONNXModels(b)
	lib, _ := fixtures.ONNXRuntime(b)
	e, err := NewONNX(ONNXConfig{Model: filepath.Join(dir, "projection.onnx"), Library: lib})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	data := fixtures.Photo(b, "_group/two_people.jpg")
	img, err := imaging.Decode(strings.NewReader(string(data)), imaging.AutoOrientation(true))
	if err != nil {
		b.Fatal(err)
	}
	a, err := testMatcher(b).Analyze(context.Background(), data)
	if err != nil {
		b.Fatal(err)
	}
	var faces []childmatch.EmbedFace
	for _, f := range a.Faces {
		faces = append(faces, childmatch.EmbedFace{Photo: img, Landmarks: f.Landmarks})
	}
	for b.Loop() {
		if _, err := e.Embed(context.Background(), faces); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(faces)), "faces/photo")
}
