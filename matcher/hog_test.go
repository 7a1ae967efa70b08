package matcher

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"slices"
	"testing"

	face "github.com/Kagami/go-face"

	"childmatch"
	"childmatch/fixtures"
)

// testHOG is a detector closed when the test ends.
func testHOG(tb testing.TB) *hog {
	tb.Helper()
	h, err := newHOG()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(h.close)
	return h
}

// TestHOGIsDlibs: the threaded detector finds exactly the boxes dlib's own call finds on the same pixels,
// on every shared photo's working image, with one thread and with three, from a JPEG's planes (converted
// in C) as from the RGBA image Go converts them to.
func TestHOGIsDlibs(t *testing.T) {
	h := testHOG(t)
	limits := childmatch.DefaultLimits(2)
	faces, planar := 0, 0
	for _, rel := range fixtures.All(t) {
		img, _, _, err := decode(fixtures.Photo(t, rel), limits)
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		work := working(img, limits)
		rgba := opaqueRGBA(work)
		if _, ok := work.(*image.YCbCr); ok {
			planar++
		}
		want, err := h.detectDlib(rgba)
		if err != nil {
			t.Fatal(err)
		}
		faces += len(want)
		for _, run := range []struct {
			img     image.Image
			threads int
		}{{work, 1}, {work, 3}, {rgba, 2}} {
			got, err := h.detect(run.img, run.threads)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s (%T) on %d threads: %v, dlib finds %v", rel, run.img, run.threads, got, want)
			}
		}
	}
	if faces == 0 {
		t.Fatal("no face found in any shared photo")
	}
	if planar == 0 {
		t.Fatal("no working image was a JPEG's planes")
	}
	t.Logf("%d faces, the same boxes; %d working images were a JPEG's planes", faces, planar)
	if got, err := h.detect(image.NewRGBA(image.Rect(0, 0, 0, 0)), 2); err != nil || len(got) != 0 {
		t.Fatalf("an empty image: %v, %v", got, err)
	}
}

// TestHOGChroma: a photo's planes in every chroma subsampling are converted to RGB as Go converts them:
// the same boxes as dlib's on Go's RGBA conversion of the same planes.
func TestHOGChroma(t *testing.T) {
	h := testHOG(t)
	src, _, _, err := decode(fixtures.Photo(t, "_group/two_people.jpg"), childmatch.DefaultLimits(2))
	if err != nil {
		t.Fatal(err)
	}
	for ratio := range chromaShifts {
		m := image.NewYCbCr(src.Bounds(), ratio)
		for y := 0; y < m.Rect.Dy(); y++ {
			for x := 0; x < m.Rect.Dx(); x++ {
				r, g, b, _ := src.At(x, y).RGBA()
				yy, cb, cr := color.RGBToYCbCr(uint8(r>>8), uint8(g>>8), uint8(b>>8))
				m.Y[m.YOffset(x, y)] = yy
				m.Cb[m.COffset(x, y)], m.Cr[m.COffset(x, y)] = cb, cr
			}
		}
		want, err := h.detectDlib(opaqueRGBA(m))
		if err != nil {
			t.Fatal(err)
		}
		got, err := h.detect(m, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(want) == 0 || !slices.Equal(got, want) {
			t.Errorf("%v: %v, dlib finds %v on Go's conversion", ratio, got, want)
		}
	}
}

// BenchmarkHOG: the detector on a 1080×1920 phone photo's working image: dlib's own call, and the
// threaded one on one and two threads.
func BenchmarkHOG(b *testing.B) {
	h := testHOG(b)
	limits := childmatch.DefaultLimits(2)
	var photo bytes.Buffer
	if err := jpeg.Encode(&photo, phonePhoto(b), &jpeg.Options{Quality: 90}); err != nil {
		b.Fatal(err)
	}
	img, _, _, err := decode(photo.Bytes(), limits)
	if err != nil {
		b.Fatal(err)
	}
	work := working(img, limits)
	b.Logf("working image %v", work.Bounds().Size())
	b.Run("dlib", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := h.detectDlib(work); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, threads := range []int{1, 2} {
		b.Run(fmt.Sprintf("threads=%d", threads), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := h.detect(work, threads); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	m := testMTCNN(b)
	var windows []image.Rectangle
	var half *image.RGBA
	b.Run("mtcnn", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if windows, half, err = m.detect(work, childmatch.MTCNNMinFace, 2); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("hog-at-windows", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := h.at(work, half, windows, 2); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestHOGFindsWhatGoFaceFound: on every shared photo, every face go-face's HOG path finds on the working
// image's JPEG (the detection before hog.go) is found by hog.go on the working image's pixels, box by box.
func TestHOGFindsWhatGoFaceFound(t *testing.T) {
	m := testMatcher(t)
	w := <-m.pool
	defer func() { m.pool <- w }()
	before, after, lost := 0, 0, 0
	for _, rel := range fixtures.All(t) {
		img, _, _, err := decode(fixtures.Photo(t, rel), m.limits)
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		work := working(img, m.limits)
		old, err := m.recognize(w.rec, work)
		if err != nil {
			t.Fatal(err)
		}
		boxes, err := m.hog.detect(work, 2)
		if err != nil {
			t.Fatal(err)
		}
		now := make([]face.Face, len(boxes))
		for i, b := range boxes {
			now[i].Rectangle = b
		}
		for _, f := range old {
			if _, ok := nearest(now, f); !ok {
				lost++
				t.Errorf("%s: the face at %v is no longer found (found: %v)", rel, f.Rectangle, boxes)
			}
		}
		before, after = before+len(old), after+len(boxes)
	}
	if before == 0 {
		t.Fatal("go-face finds no face in the shared photos")
	}
	t.Logf("go-face on the JPEG: %d faces; hog.go on the pixels: %d; lost: %d", before, after, lost)
}

// TestNearest: a face HOG found and its crop lost is matched to go-face's find on the working image by
// their boxes' overlap: the box overlapping it most, if that covers at least half of the smaller box.
func TestNearest(t *testing.T) {
	at := func(x0, y0, x1, y1 int) face.Face { return face.Face{Rectangle: image.Rect(x0, y0, x1, y1)} }
	lost := at(100, 100, 200, 200)
	found := []face.Face{at(400, 100, 500, 200), at(150, 100, 250, 200), at(105, 98, 203, 201)}
	if g, ok := nearest(found, lost); !ok || g.Rectangle != found[2].Rectangle {
		t.Fatalf("nearest: %v %v, want %v", g.Rectangle, ok, found[2].Rectangle)
	}
	// Overlapping it by 40 of 100 columns, under half of either box: another face.
	if g, ok := nearest([]face.Face{at(160, 100, 260, 200)}, lost); ok {
		t.Fatalf("a box over less than half of it matched: %v", g.Rectangle)
	}
	if _, ok := nearest(nil, lost); ok {
		t.Fatal("matched among no faces")
	}
}
