// pixels.h: the pixels Go hands to dlib (cm_pixels), and their conversion to dlib's RGB image, shared by
// hog.cc and describe.cc.
#ifndef CHILDMATCH_PIXELS_H
#define CHILDMATCH_PIXELS_H
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif

// The pixels of an image of w×h: RGBA (y is the pixels, ystride bytes a row, alpha ignored), or YCbCr
// planes (y, cb, cr; the chroma planes subsampled by 1 << xshift across and 1 << yshift down, cstride
// bytes a row), converted to RGB as Go's image/color converts them.
typedef struct {
	int ycbcr, w, h, ystride, cstride, xshift, yshift;
} cm_pixels;

#ifdef __cplusplus
}

#include <dlib/array2d.h>
#include <dlib/pixel.h>

namespace cm {

// channel is image/color's YCbCrToRGB's rounding and clamping of one channel.
inline uint8_t channel(int32_t v) { return (uint32_t)v & 0xff000000 ? (uint8_t)~(v >> 31) : (uint8_t)(v >> 16); }

// load converts px into img.
inline void load(dlib::array2d<dlib::rgb_pixel>& img, const cm_pixels& px, const uint8_t* py, const uint8_t* pcb,
                 const uint8_t* pcr) {
	img.set_size(px.h, px.w);
	for (int y = 0; y < px.h; y++) {
		const uint8_t* p = py + (size_t)y * px.ystride;
		if (!px.ycbcr) {
			for (int x = 0; x < px.w; x++, p += 4) img[y][x] = dlib::rgb_pixel(p[0], p[1], p[2]);
			continue;
		}
		const size_t c = (size_t)(y >> px.yshift) * px.cstride;
		for (int x = 0; x < px.w; x++) {
			const int32_t yy = (int32_t)p[x] * 0x10101, cb = (int32_t)pcb[c + (x >> px.xshift)] - 128,
			              cr = (int32_t)pcr[c + (x >> px.xshift)] - 128;
			img[y][x] = dlib::rgb_pixel(channel(yy + 91881 * cr), channel(yy - 22554 * cb - 46802 * cr),
			                            channel(yy + 116130 * cb));
		}
	}
}

}  // namespace cm
#endif
#endif
