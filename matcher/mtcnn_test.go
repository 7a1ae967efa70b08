package matcher

import (
	"image"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"childmatch"
	"childmatch/fixtures"
)

// testMTCNN is MTCNN's networks from the models directory, closed when the test ends.
func testMTCNN(tb testing.TB) *mtcnn {
	tb.Helper()
	library, _ := fixtures.ONNXRuntime(tb)
	m, err := newMTCNN(fixtures.ModelsDir(tb), library)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(m.close)
	return m
}

// TestProposalsKeepEveryFace is the condition on a cheaper detection, face by face: on the working
// image of every shared photo (the person folders, the group photos, the partial faces and the photos
// without one), every face dlib's HOG finds on the whole image is found again by HOG on the regions around
// MTCNN's windows, at the same place (boxes overlapping by more than half), and no face is found that HOG
// on the whole image does not find.
func TestProposalsKeepEveryFace(t *testing.T) {
	h, m := testHOG(t), testMTCNN(t)
	limits := childmatch.DefaultLimits(2)
	var faces, windows int
	var whole, proposed time.Duration
	for _, rel := range fixtures.All(t) {
		img, _, _, err := decode(fixtures.Photo(t, rel), limits)
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		work := working(img, limits)
		start := time.Now()
		want, err := h.detect(work, 2)
		if err != nil {
			t.Fatal(err)
		}
		whole += time.Since(start)
		start = time.Now()
		ws, half, err := m.detect(work, childmatch.MTCNNMinFace, 2)
		if err != nil {
			t.Fatal(err)
		}
		got, err := h.at(work, half, ws, 2)
		if err != nil {
			t.Fatal(err)
		}
		proposed += time.Since(start)
		faces += len(want)
		windows += len(ws)
		for _, w := range want {
			if !overlapsOne(w, got) {
				t.Errorf("%s: HOG finds a face at %v; on MTCNN's %d windows %v it finds %v", rel, w, len(ws), ws, got)
			}
		}
		for _, g := range got {
			if !overlapsOne(g, want) {
				t.Errorf("%s: HOG on MTCNN's windows finds a face at %v that HOG on the whole image does not (%v)", rel, g, want)
			}
		}
	}
	if faces < 100 {
		t.Fatalf("only %d faces in the shared photos", faces)
	}
	t.Logf("%d faces found by both; %d MTCNN windows; HOG on the whole images %v, MTCNN and HOG on its windows %v",
		faces, windows, whole, proposed)
}

// overlapsOne says whether b overlaps one of boxes by more than half of the smaller box.
func overlapsOne(b image.Rectangle, boxes []image.Rectangle) bool {
	return slices.ContainsFunc(boxes, func(k image.Rectangle) bool { return sameFace(b, k) })
}

// TestMTCNNNeeds: the MTCNN-first detector is refused, with what is missing named, without ONNX Runtime's
// library and without its networks.
func TestMTCNNNeeds(t *testing.T) {
	limits := childmatch.DefaultLimits(1)
	_, err := New(Config{ModelsDir: fixtures.ModelsDir(t), Limits: limits, Detector: MTCNNFirst})
	if err == nil || !strings.Contains(err.Error(), "CHILDMATCH_ONNX_LIB") {
		t.Fatalf("no library: %v", err)
	}
	library, _ := fixtures.ONNXRuntime(t)
	dir := t.TempDir()
	for _, f := range ModelFiles {
		if err := os.Symlink(filepath.Join(fixtures.ModelsDir(t), f), filepath.Join(dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	_, err = New(Config{ModelsDir: dir, Limits: limits, Detector: MTCNNFirst, ONNXLibrary: library})
	if err == nil || !strings.Contains(err.Error(), MTCNNFiles[0]) || !strings.Contains(err.Error(), "make models") {
		t.Fatalf("no networks: %v", err)
	}
}
