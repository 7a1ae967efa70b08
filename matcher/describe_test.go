package matcher

import (
	"bytes"
	"image"
	"slices"
	"testing"

	"github.com/disintegration/imaging"

	"childmatch"
	"childmatch/fixtures"
	"childmatch/libjpeg"
)

// TestDescriberIsGoFaces: the describer computes what go-face computes after its detector. Every shared
// photo is made grey and encoded as a JPEG (grey in YCbCr is chroma of exactly 128, so dlib's decoding to RGB
// and ours of the same planes give the same pixels); go-face reads the JPEG, the describer the planes, on the
// box hog.go finds there (dlib's own detector, TestHOGIsDlibs). Box, landmarks and descriptor must be go-face's
// for every face.
func TestDescriberIsGoFaces(t *testing.T) {
	m := testMatcher(t)
	w := <-m.pool
	defer func() { m.pool <- w }()
	faces := 0
	for _, rel := range fixtures.All(t) {
		src, err := imaging.Decode(bytes.NewReader(fixtures.Photo(t, rel)))
		if err != nil {
			t.Fatal(err)
		}
		grey := opaqueRGBA(imaging.Grayscale(src))
		data, err := libjpeg.EncodeRGBA(grey, 95)
		if err != nil {
			t.Fatal(err)
		}
		planes, err := libjpeg.DecodeYCbCr(data, 8)
		if err != nil {
			t.Fatal(err)
		}
		want, err := w.rec.Recognize(data)
		if err != nil {
			t.Fatal(err)
		}
		boxes, err := m.hog.detect(planes, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(boxes) != len(want) {
			t.Fatalf("%s: hog.go finds %d faces, go-face %d", rel, len(boxes), len(want))
		}
		for _, g := range want {
			i := closest(boxes, centre(g.Rectangle), 0)
			if i < 0 {
				t.Fatalf("%s: go-face's face at %v is not among hog.go's %v", rel, g.Rectangle, boxes)
			}
			got, err := w.desc.describe(planes, boxes[i], 0)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.Shapes, g.Shapes) {
				t.Errorf("%s: landmarks %v, go-face's %v", rel, got.Shapes, g.Shapes)
			}
			a, b := childmatch.Descriptor(got.Descriptor), childmatch.Descriptor(g.Descriptor)
			if d := a.Distance(&b); d > 1e-5 {
				t.Errorf("%s: descriptor %.6f from go-face's", rel, d)
			}
			faces++
		}
	}
	if faces < 100 {
		t.Fatalf("only %d faces compared", faces)
	}
	t.Logf("%d faces: the describer's box, landmarks and descriptor are go-face's", faces)
}

func centre(r image.Rectangle) [2]float64 {
	c := r.Min.Add(r.Max)
	return [2]float64{float64(c.X) / 2, float64(c.Y) / 2}
}
