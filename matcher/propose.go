package matcher

import (
	"image"
	"math"
	"sync"

	"childmatch"
)

const (
	// proposeMargin is the side of the region HOG searches around an MTCNN window over the window's side:
	// dlib's box for the same face is larger and lower than MTCNN's, and HOG's 80 px window must fit
	// inside the region with its padding.
	proposeMargin = 1.6
	// proposeSide is how many pixels across an MTCNN window is scaled down to, where it is larger, before
	// HOG searches its region: comfortably over HOG's 80 px window, so a face found at full size in the
	// working image is found at this size too, on a region of a few hundred pixels.
	proposeSide = 130
)

// subImager is an image whose parts can be cut out.
type subImager interface {
	image.Image
	SubImage(image.Rectangle) image.Image
}

// at runs dlib's HOG on the region around each of MTCNN's windows in img, scaled so that the window is at
// most proposeSide across (never enlarged, so no face is found that HOG could not find in img itself), the
// regions spread over threads. half, when not nil, is img at half its size, which regions scaled to half or
// less are cut from instead. It answers the faces' boxes in img's pixels, a face found in several regions
// once (the box of the region where it was seen largest).
func (h *hog) at(img image.Image, half *image.RGBA, windows []image.Rectangle, threads int) ([]image.Rectangle, error) {
	cut, ok := img.(subImager)
	if !ok {
		cut = opaqueRGBA(img)
	}
	results := make([]regional, len(windows))
	eachOn(len(windows), threads, func(i int) { results[i] = h.region(cut, half, windows[i]) })
	var all []image.Rectangle
	var scales []float64
	for _, r := range results {
		if r.err != nil {
			return nil, r.err
		}
		for _, b := range r.boxes {
			all = append(all, b)
			scales = append(scales, r.scale)
		}
	}
	return merge(all, scales), nil
}

// regional is what HOG found in the region around one window: boxes in the image's pixels, found at scale.
type regional struct {
	boxes []image.Rectangle
	scale float64
	err   error
}

// region is HOG on the region around window w of img (or of half, img at half size, when that is enough).
func (h *hog) region(img subImager, half *image.RGBA, w image.Rectangle) (f regional) {
	side := float64(max(w.Dx(), w.Dy()))
	cx, cy := float64(w.Min.X+w.Max.X)/2, float64(w.Min.Y+w.Max.Y)/2
	f.scale = min(1, proposeSide/side)
	src, unit := img, 1.0 // the image the region is cut from, and its scale of img
	if half != nil && f.scale <= 0.5 {
		src, unit = half, 0.5
	}
	r := side * proposeMargin / 2
	region := image.Rect(int((cx-r)*unit), int((cy-r)*unit), int(math.Ceil((cx+r)*unit)), int(math.Ceil((cy+r)*unit))).
		Intersect(src.Bounds())
	rw, rh := max(1, int(float64(region.Dx())*f.scale/unit+0.5)), max(1, int(float64(region.Dy())*f.scale/unit+0.5))
	if min(rw, rh) < childmatch.MinDetectSide {
		return f
	}
	var pixels image.Image
	if rw < region.Dx() {
		pixels = shrink(src.SubImage(region), rw, rh, triangle)
	} else {
		pixels = opaqueRGBA(src.SubImage(region))
	}
	boxes, err := h.detect(pixels, 1)
	if err != nil {
		f.err = err
		return f
	}
	sx, sy := float64(region.Dx())/float64(rw)/unit, float64(region.Dy())/float64(rh)/unit
	ox, oy := float64(region.Min.X)/unit, float64(region.Min.Y)/unit
	for _, b := range boxes {
		f.boxes = append(f.boxes, image.Rect(
			int(math.Round(ox+float64(b.Min.X)*sx)), int(math.Round(oy+float64(b.Min.Y)*sy)),
			int(math.Round(ox+float64(b.Max.X)*sx)), int(math.Round(oy+float64(b.Max.Y)*sy))))
	}
	return f
}

// eachOn runs fn(i) for every i in [0, n) on up to threads goroutines, each taking the next i as it is done.
func eachOn(n, threads int, fn func(i int)) {
	var wg sync.WaitGroup
	next := make(chan int)
	for range max(1, min(threads, n)) {
		wg.Go(func() {
			for i := range next {
				fn(i)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

// sameFace says whether two boxes are of one face: they overlap by more than half of the smaller one.
func sameFace(a, b image.Rectangle) bool {
	in := a.Intersect(b)
	return 2*in.Dx()*in.Dy() > min(a.Dx()*a.Dy(), b.Dx()*b.Dy())
}

// merge keeps one box of each face found in several regions: of boxes overlapping by more than half of the
// smaller one, the one seen at the largest scale.
func merge(boxes []image.Rectangle, scales []float64) []image.Rectangle {
	var kept []image.Rectangle
	var at []float64
	for i, b := range boxes {
		dup := -1
		for j, k := range kept {
			if sameFace(b, k) {
				dup = j
				break
			}
		}
		switch {
		case dup < 0:
			kept, at = append(kept, b), append(at, scales[i])
		case scales[i] > at[dup]:
			kept[dup], at[dup] = b, scales[i]
		}
	}
	return kept
}
