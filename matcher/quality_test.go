package matcher

import (
	"bytes"
	"image/jpeg"
	"slices"
	"testing"

	"github.com/disintegration/imaging"

	"childmatch"
	"childmatch/fixtures"
)

// verdict checks that a face's quality says retake exactly when it gives reasons, and returns them.
func verdict(t *testing.T, q childmatch.Quality) []childmatch.QualityReason {
	t.Helper()
	if q.Retake != (len(q.Reasons) > 0) || q.Low != q.Retake || len(q.Notes) != len(q.Reasons) {
		t.Fatalf("inconsistent quality %+v", q)
	}
	return q.Reasons
}

// TestQualityVerdict: a sharp, large, frontal face needs no retake; the same photo shrunk until the face is
// under MinFaceSize, or blurred, asks for one with the matching reason; landmarks of a face turned aside
// give "turned".
func TestQualityVerdict(t *testing.T) {
	const rel = "obama/obama1.jpg"
	good := analyze(t, fixtures.Photo(t, rel))
	if len(good.Faces) != 1 {
		t.Fatalf("%d faces", len(good.Faces))
	}
	if r := verdict(t, good.Faces[0].Quality); len(r) != 0 {
		t.Fatalf("a large sharp frontal face asks for a retake: %v", r)
	}
	// Shrunk so the face is two thirds of MinFaceSize across.
	width := good.Width * childmatch.MinFaceSize * 2 / 3 / good.Faces[0].Box.Width()
	small := analyze(t, fixtures.Shrunk(t, rel, width))
	if len(small.Faces) != 1 || !slices.Contains(verdict(t, small.Faces[0].Quality), childmatch.QualitySmall) {
		t.Fatalf("a face %d px across: %+v", small.Faces[0].Box.Width(), small.Faces)
	}
	img, err := imaging.Decode(bytes.NewReader(fixtures.Photo(t, rel)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, imaging.Blur(img, 6), &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	blurred := analyze(t, buf.Bytes())
	if len(blurred.Faces) != 1 || !slices.Contains(verdict(t, blurred.Faces[0].Quality), childmatch.QualityBlurred) {
		t.Fatalf("a blurred face: %+v", blurred.Faces)
	}
	// The nose half the eye distance beyond their midpoint: the face is turned past MaxYaw (0.35).
	f := good.Faces[0]
	l := slices.Clone(f.Landmarks)
	a, b := eyes(l)
	l[4].X = int((a[0]+b[0])/2 + (b[0]-a[0])/2)
	chipImg, _, err := chip(img, f.Box, f.Landmarks)
	if err != nil {
		t.Fatal(err)
	}
	if r := verdict(t, quality(f.Box, l, chipImg)); !slices.Equal(r, []childmatch.QualityReason{childmatch.QualityTurned}) {
		t.Fatalf("a turned face: %v", r)
	}
}
