package matcher

/*
#cgo CXXFLAGS: -std=c++17 -O3 -DNDEBUG -march=native
#cgo LDFLAGS: -ldlib -lblas -lcblas -llapack
#include <stdlib.h>
#include "hog.h"
*/
import "C"

import (
	"errors"
	"image"
)

// hog is dlib's HOG face detector run on the working image's pixels, without go-face: no JPEG encoded and
// decoded between them, no landmarks or descriptors computed for faces the crops describe again, and its
// work (the feature pyramid's levels, then each of its five filters on each level) spread over threads. It
// finds exactly the boxes dlib's own call finds on the same pixels (TestHOGIsDlibs). Safe for concurrent
// use: a detection only reads the detector.
type hog struct{ p *C.cm_hog }

func newHOG() (*hog, error) {
	p := C.cm_hog_new()
	if p == nil {
		return nil, errors.New("dlib's HOG face detector could not be built")
	}
	return &hog{p: p}, nil
}

func (h *hog) close() {
	if h.p != nil {
		C.cm_hog_free(h.p)
		h.p = nil
	}
}

// errHOG is dlib failing inside a detection, which only running out of memory makes it do.
var errHOG = errors.New("face detection (hog) failed: out of memory")

// detect answers the faces' boxes in img's pixels, on up to threads threads.
func (h *hog) detect(img image.Image, threads int) ([]image.Rectangle, error) {
	return h.run(img, func(px C.cm_pixels, y, cb, cr *C.uint8_t, out *C.long, max C.int) C.int {
		return C.cm_hog_detect(h.p, px, y, cb, cr, C.int(threads), out, max)
	})
}

// detectDlib is detect through dlib's own object_detector call on one thread: the reference detect is
// tested against.
func (h *hog) detectDlib(img image.Image) ([]image.Rectangle, error) {
	return h.run(img, func(px C.cm_pixels, y, cb, cr *C.uint8_t, out *C.long, max C.int) C.int {
		return C.cm_hog_detect_dlib(h.p, px, y, cb, cr, out, max)
	})
}

// run calls a detection with img's pixels (a decoded JPEG's planes as they are, converted to RGB in C as
// image/color converts them; any other image as RGBA) and room for boxes, and again with more room when
// it found more.
func (h *hog) run(img image.Image, call func(px C.cm_pixels, y, cb, cr *C.uint8_t, out *C.long, max C.int) C.int) ([]image.Rectangle, error) {
	if img.Bounds().Empty() {
		return nil, nil
	}
	px, y, cb, cr := pixelsOf(img)
	out := make([]C.long, 4*16)
	n := call(px, y, cb, cr, &out[0], C.int(len(out)/4))
	if n < 0 {
		return nil, errHOG
	}
	if int(n) > len(out)/4 {
		out = make([]C.long, 4*int(n))
		if n = call(px, y, cb, cr, &out[0], n); n < 0 {
			return nil, errHOG
		}
	}
	boxes := make([]image.Rectangle, n)
	for i := range boxes {
		// dlib's corners as they are, as go-face reports them, so boxes mean what they meant before.
		boxes[i] = image.Rect(int(out[4*i]), int(out[4*i+1]), int(out[4*i+2]), int(out[4*i+3]))
	}
	return boxes, nil
}
