package matcher

/*
#include "pixels.h"
*/
import "C"

import (
	"image"
	"unsafe"
)

// chromaShifts are the subsampling of each YCbCr layout as shifts of x and y.
var chromaShifts = map[image.YCbCrSubsampleRatio][2]C.int{
	image.YCbCrSubsampleRatio444: {0, 0}, image.YCbCrSubsampleRatio422: {1, 0}, image.YCbCrSubsampleRatio420: {1, 1},
	image.YCbCrSubsampleRatio440: {0, 1}, image.YCbCrSubsampleRatio411: {2, 0}, image.YCbCrSubsampleRatio410: {2, 1},
}

// pixelsOf describes img's pixels for dlib's side (pixels.h): a decoded JPEG's planes as they are, converted
// to RGB in C as image/color converts them, any other image as RGBA. img must not be empty.
func pixelsOf(img image.Image) (px C.cm_pixels, y, cb, cr *C.uint8_t) {
	px = C.cm_pixels{w: C.int(img.Bounds().Dx()), h: C.int(img.Bounds().Dy())}
	if m, ok := img.(*image.YCbCr); ok && m.Rect.Min == (image.Point{}) {
		if shifts, ok := chromaShifts[m.SubsampleRatio]; ok {
			px.ycbcr, px.ystride, px.cstride, px.xshift, px.yshift = 1, C.int(m.YStride), C.int(m.CStride), shifts[0], shifts[1]
			return px, (*C.uint8_t)(&m.Y[0]), (*C.uint8_t)(&m.Cb[0]), (*C.uint8_t)(&m.Cr[0])
		}
	}
	m := opaqueRGBA(img)
	px.ystride = C.int(m.Stride)
	return px, (*C.uint8_t)(unsafe.Pointer(&m.Pix[m.PixOffset(m.Rect.Min.X, m.Rect.Min.Y)])), nil, nil
}
