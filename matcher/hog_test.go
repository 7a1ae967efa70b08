package matcher

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"slices"
	"testing"

	face "github.com/Kagami/go-face"

	"childmatch"
	"childmatch/fixtures"
)

// TestHOGIsDlibs: the threaded detector finds exactly the boxes dlib's own call finds on the same pixels,
// on every shared photo's working image, with one thread and with three.
func TestHOGIsDlibs(t *testing.T) {
	h, err := newHOG()
	if err != nil {
		t.Fatal(err)
	}
	defer h.close()
	limits := childmatch.DefaultLimits(2)
	faces := 0
	for _, rel := range fixtures.All(t) {
		img, _, _, err := decode(fixtures.Photo(t, rel), limits)
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		work := working(img, limits)
		want, err := h.detectDlib(work)
		if err != nil {
			t.Fatal(err)
		}
		faces += len(want)
		for _, threads := range []int{1, 3} {
			got, err := h.detect(work, threads)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s on %d threads: %v, dlib finds %v", rel, threads, got, want)
			}
		}
	}
	if faces == 0 {
		t.Fatal("no face found in any shared photo")
	}
	t.Logf("%d faces, the same boxes", faces)
	if got, err := h.detect(image.NewRGBA(image.Rect(0, 0, 0, 0)), 2); err != nil || len(got) != 0 {
		t.Fatalf("an empty image: %v, %v", got, err)
	}
}

// BenchmarkHOG: the detector on a 1080×1920 phone photo's working image: dlib's own call, and the
// threaded one on one and two threads.
func BenchmarkHOG(b *testing.B) {
	h, err := newHOG()
	if err != nil {
		b.Fatal(err)
	}
	defer h.close()
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
	b.Logf("working image %v", work.Rect.Size())
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
}

// TestHOGFindsWhatGoFaceFound: on every shared photo, every face go-face's HOG path finds on the working
// image's JPEG (the detection before hog.go) is found by hog.go on the working image's pixels, box by box.
func TestHOGFindsWhatGoFaceFound(t *testing.T) {
	m := testMatcher(t)
	rec := <-m.pool
	defer func() { m.pool <- rec }()
	before, after, lost := 0, 0, 0
	for _, rel := range fixtures.All(t) {
		img, _, _, err := decode(fixtures.Photo(t, rel), m.limits)
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		work := working(img, m.limits)
		old, err := m.recognize(rec, work)
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
