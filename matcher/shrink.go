package matcher

/*
#cgo CFLAGS: -O3 -march=native
#include "shrink.h"
*/
import "C"

import (
	"image"
	"math"
	"runtime"
	"sync"

	"childmatch/libjpeg"
)

// kernel is a resampling filter: its weight at a distance from the sample and the distance where it ends.
type kernel struct {
	support float64
	at      func(x float64) float64
}

var (
	// triangle is the linear filter: imaging.Linear's, used for the working image the detector sees.
	triangle = kernel{1, func(x float64) float64 { return max(0, 1-math.Abs(x)) }}
	// catmullRom is the sharper cubic (a = -0.5): imaging.CatmullRom's, used for the chips reviewers see.
	catmullRom = kernel{2, func(x float64) float64 {
		x = math.Abs(x)
		if x < 1 {
			return (1.5*x-2.5)*x*x + 1
		}
		if x < 2 {
			return ((-0.5*x+2.5)*x-4)*x + 2
		}
		return 0
	}}
)

// weightBits is the fixed-point precision of the taps: with 14 bits a sum of 8-bit products stays far
// within int32, and rounding the weights moves a result by under a fifth of a level even over the 17 taps of
// a chip's 4× Catmull-Rom shrink.
const weightBits = 14

// taps are the source samples and fixed-point weights of every output sample along an axis: n weights each,
// zero-padded to the same count so the inner loops have a fixed length, from first[i] on.
type taps struct {
	n      int
	first  []int64
	weight []int32
}

// tapsFor computes, for each of dst output samples along an axis of src source samples, the taps of k,
// widened by the shrink factor so that every source sample contributes (no aliasing), clamped to the edge
// and normalised to sum exactly to one.
func tapsFor(src, dst int, k kernel) taps {
	scale := float64(src) / float64(dst)
	width := max(1, scale)
	support := k.support * width
	window := func(i int) (centre float64, lo, hi int) {
		centre = (float64(i)+0.5)*scale - 0.5
		return centre, max(0, int(math.Ceil(centre-support))), min(src-1, int(math.Floor(centre+support)))
	}
	t := taps{first: make([]int64, dst)}
	for i := range dst {
		_, lo, hi := window(i)
		t.n = max(t.n, hi-lo+1)
	}
	t.weight = make([]int32, dst*t.n)
	for i := range dst {
		centre, lo, hi := window(i)
		t.first[i] = int64(min(lo, src-t.n)) // near the far edge the window starts earlier, with zeros in front
		w := make([]float64, t.n)
		var sum float64
		for j := lo; j <= hi; j++ {
			w[j-int(t.first[i])] = k.at((float64(j) - centre) / width)
			sum += w[j-int(t.first[i])]
		}
		fixed := t.weight[i*t.n : (i+1)*t.n]
		var total int32
		peak := 0
		for j := range w {
			fixed[j] = int32(math.Round(w[j] / sum * (1 << weightBits)))
			total += fixed[j]
			if fixed[j] > fixed[peak] {
				peak = j
			}
		}
		fixed[peak] += 1<<weightBits - total // rounding leftovers go to the largest tap
	}
	return t
}

// plane is one channel of an image: w×h samples, rows stride apart.
type plane struct {
	pix          []uint8
	stride, w, h int
}

// shrink scales img to w×h, no larger than img on either side, with a separable filter: the same result as
// imaging.Resize with the same kernel, within a level or two, but in fixed point, one channel at a time,
// split over every core. A decoded JPEG is resampled in its own planes (chroma at its subsampled size) and
// converted to RGB only at the output size; other images are split into R, G and B planes first. The result
// is opaque; a transparent source is composited on black, as image/jpeg would.
func shrink(img image.Image, w, h int, k kernel) *image.RGBA {
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	if m, ok := img.(*image.YCbCr); ok {
		s := shrinkYCbCr(m, w, h, k)
		hs, vs := libjpeg.Shifts(s.SubsampleRatio)
		inParallel(h, func(from, to int) {
			C.cm_ycbcr_rgba((*C.uint8_t)(&s.Y[0]), (*C.uint8_t)(&s.Cb[0]), (*C.uint8_t)(&s.Cr[0]), C.int(w), C.int(s.CStride),
				C.int(hs), C.int(vs), C.int(from), C.int(to), (*C.uint8_t)(&dst.Pix[0]), C.long(dst.Stride))
		})
		return dst
	}
	rgb := planesRGB(img)
	for c := range rgb {
		rgb[c] = shrinkPlane(rgb[c], w, h, k)
	}
	inParallel(h, func(from, to int) {
		for y := from; y < to; y++ {
			out := dst.Pix[y*dst.Stride : y*dst.Stride+w*4]
			r, g, b := rgb[0].pix[y*w:(y+1)*w], rgb[1].pix[y*w:(y+1)*w], rgb[2].pix[y*w:(y+1)*w]
			for x := range w {
				out[x*4], out[x*4+1], out[x*4+2], out[x*4+3] = r[x], g[x], b[x], 255
			}
		}
	})
	return dst
}

// shrinkYCbCr scales m to w×h, no larger than m on either side, in its own planes: the chroma planes keep
// m's subsampling, at the size image.YCbCr gives them for w×h.
func shrinkYCbCr(m *image.YCbCr, w, h int, k kernel) *image.YCbCr {
	luma, cb, cr, hs, vs := planesYCbCr(m)
	cw, ch := (w+1<<hs-1)>>hs, (h+1<<vs-1)>>vs
	luma, cb, cr = shrinkPlane(luma, w, h, k), shrinkPlane(cb, cw, ch, k), shrinkPlane(cr, cw, ch, k)
	return &image.YCbCr{Y: luma.pix, Cb: cb.pix, Cr: cr.pix, YStride: w, CStride: cw, SubsampleRatio: m.SubsampleRatio,
		Rect: image.Rect(0, 0, w, h)}
}

// shrinkPlane resamples p to w×h with k: horizontally into every source row, then vertically (shrink.c),
// each pass's rows split over every core.
func shrinkPlane(p plane, w, h int, k kernel) plane {
	xs, ys := tapsFor(p.w, w, k), tapsFor(p.h, h, k)
	mid := make([]uint8, p.h*w)
	inParallel(p.h, func(from, to int) {
		C.cm_shrink_rows((*C.uint8_t)(&p.pix[0]), C.long(p.stride), C.int(from), C.int(to), (*C.int64_t)(&xs.first[0]),
			(*C.int32_t)(&xs.weight[0]), C.int(xs.n), C.int(w), (*C.uint8_t)(&mid[0]))
	})
	dst := plane{pix: make([]uint8, w*h), stride: w, w: w, h: h}
	inParallel(h, func(from, to int) {
		acc := make([]int32, w)
		C.cm_shrink_columns((*C.uint8_t)(&mid[0]), C.int(from), C.int(to), (*C.int64_t)(&ys.first[0]),
			(*C.int32_t)(&ys.weight[0]), C.int(ys.n), C.int(w), (*C.int32_t)(&acc[0]), (*C.uint8_t)(&dst.pix[0]))
	})
	return dst
}

// planesYCbCr returns the luma and chroma planes of m's rectangle, with the chroma subsampling as shifts.
func planesYCbCr(m *image.YCbCr) (luma, cb, cr plane, hs, vs uint) {
	hs, vs = libjpeg.Shifts(m.SubsampleRatio)
	b := m.Rect
	luma = plane{pix: m.Y[m.YOffset(b.Min.X, b.Min.Y):], stride: m.YStride, w: b.Dx(), h: b.Dy()}
	c := m.COffset(b.Min.X, b.Min.Y)
	cw, ch := (b.Max.X-1)>>hs-b.Min.X>>hs+1, (b.Max.Y-1)>>vs-b.Min.Y>>vs+1
	cb = plane{pix: m.Cb[c:], stride: m.CStride, w: cw, h: ch}
	cr = plane{pix: m.Cr[c:], stride: m.CStride, w: cw, h: ch}
	return luma, cb, cr, hs, vs
}

// planesRGB splits img into R, G and B planes: straight from the pixels of an opaque RGBA or NRGBA image,
// through the colour model otherwise (premultiplied, so transparent is black).
func planesRGB(img image.Image) [3]plane {
	b := img.Bounds()
	var rgb [3]plane
	for c := range rgb {
		rgb[c] = plane{pix: make([]uint8, b.Dx()*b.Dy()), stride: b.Dx(), w: b.Dx(), h: b.Dy()}
	}
	var pix func(y int) []uint8
	switch m := img.(type) {
	case *image.RGBA:
		pix = func(y int) []uint8 { return m.Pix[m.PixOffset(b.Min.X, y):] }
	case *image.NRGBA:
		if m.Opaque() {
			pix = func(y int) []uint8 { return m.Pix[m.PixOffset(b.Min.X, y):] }
		}
	}
	inParallel(b.Dy(), func(from, to int) {
		for y := from; y < to; y++ {
			r, g, bl := rgb[0].pix[y*b.Dx():], rgb[1].pix[y*b.Dx():], rgb[2].pix[y*b.Dx():]
			if pix != nil {
				row := pix(b.Min.Y + y)
				for x := range b.Dx() {
					r[x], g[x], bl[x] = row[x*4], row[x*4+1], row[x*4+2]
				}
				continue
			}
			for x := range b.Dx() {
				cr, cg, cb, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
				r[x], g[x], bl[x] = uint8(cr>>8), uint8(cg>>8), uint8(cb>>8)
			}
		}
	})
	return rgb
}

// ycc holds the chroma terms of JPEG's YCbCr to RGB conversion (JFIF, full range) in 16.16 fixed point, per
// value of Cb and of Cr, so converting a pixel takes additions and lookups. With the luma term y·0x10101 the
// result is color.YCbCrToRGB's to the bit.
var ycc = func() (t struct{ cb, cr [256]struct{ r, g, b int32 } }) {
	for i := range 256 {
		// 1.402, 0.344136, 0.714136 and 1.772 in 16.16.
		c := int32(i - 128)
		t.cb[i].g, t.cb[i].b = -22554*c, 116130*c
		t.cr[i].r, t.cr[i].g = 91881*c, -46802*c
	}
	return t
}()

// putYCbCr writes the opaque RGBA pixel of luma y and chroma cb, cr into out, as color.YCbCrToRGB converts it.
func putYCbCr(out []uint8, y, cb, cr uint8) {
	yy, cu, cv := int32(y)*0x10101, ycc.cb[cb], ycc.cr[cr]
	out[0], out[1], out[2], out[3] = clamp16(yy+cv.r), clamp16(yy+cu.g+cv.g), clamp16(yy+cu.b), 255
}

// clamp16 turns a 16.16 fixed-point value into a byte.
func clamp16(v int32) uint8 {
	return uint8(min(max(v>>16, 0), 255))
}

// inParallel runs fn over [0, n) split into one contiguous part per core.
func inParallel(n int, fn func(from, to int)) {
	parts := min(runtime.GOMAXPROCS(0), n)
	var wg sync.WaitGroup
	for p := 0; p < parts; p++ {
		wg.Go(func() { fn(n*p/parts, n*(p+1)/parts) })
	}
	wg.Wait()
}

// halve is img at half its size, each pixel the mean of a 2×2 block (the last row or column of an odd side
// dropped): a decoded JPEG averaged in its luma, its chroma taken at the block (a 4:2:0 JPEG's chroma is
// already at half size), converted as shrink converts it. A tenth of shrink's time for the same size, for
// the images only a detector reads.
func halve(img image.Image) *image.RGBA {
	b := img.Bounds()
	w, h := b.Dx()/2, b.Dy()/2
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	if m, ok := img.(*image.YCbCr); ok {
		luma, cb, cr, hs, vs := planesYCbCr(m)
		inParallel(h, func(from, to int) {
			for y := from; y < to; y++ {
				out := dst.Pix[y*dst.Stride:]
				l0, l1 := luma.pix[2*y*luma.stride:], luma.pix[(2*y+1)*luma.stride:]
				u, v := cb.pix[(2*y>>vs)*cb.stride:], cr.pix[(2*y>>vs)*cr.stride:]
				for x := range w {
					l := (uint16(l0[2*x]) + uint16(l0[2*x+1]) + uint16(l1[2*x]) + uint16(l1[2*x+1]) + 2) >> 2
					putYCbCr(out[x*4:], uint8(l), u[2*x>>hs], v[2*x>>hs])
				}
			}
		})
		return dst
	}
	src := opaqueRGBA(img)
	o := src.Rect.Min
	inParallel(h, func(from, to int) {
		for y := from; y < to; y++ {
			out := dst.Pix[y*dst.Stride:]
			r0, r1 := src.Pix[src.PixOffset(o.X, o.Y+2*y):], src.Pix[src.PixOffset(o.X, o.Y+2*y+1):]
			for x := range w {
				for c := range 3 {
					out[x*4+c] = uint8((int(r0[8*x+c]) + int(r0[8*x+4+c]) + int(r1[8*x+c]) + int(r1[8*x+4+c]) + 2) >> 2)
				}
				out[x*4+3] = 255
			}
		}
	})
	return dst
}
