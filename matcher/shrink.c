// shrink.c: shrink.go's resampling passes (shrink.h).
#include "shrink.h"

#include <string.h>

// clamp8 rounds a sum of 14-bit fixed-point products (shrink.go's weightBits) back to a byte; Catmull-Rom's
// negative lobes can overshoot either way.
static inline uint8_t clamp8(int32_t v) {
	v = (v + (1 << 13)) >> 14;
	return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

// row computes one row across, with the tap count fixed at compile time where it is a common one.
static inline void row(const uint8_t* restrict s, const int64_t* restrict first, const int32_t* restrict weight, int n,
                       int w, uint8_t* restrict out) {
	for (int x = 0; x < w; x++) {
		const uint8_t* p = s + first[x];
		const int32_t* wt = weight + (long)x * n;
		int32_t acc = 0;
		for (int j = 0; j < n; j++) acc += (int32_t)p[j] * wt[j];
		out[x] = clamp8(acc);
	}
}

#define ROWS_N(N)                                                                                 \
	static void rows_##N(const uint8_t* src, long stride, int from, int to, const int64_t* first, \
	                     const int32_t* weight, int w, uint8_t* dst) {                           \
		for (int y = from; y < to; y++) row(src + y * stride, first, weight, N, w, dst + (long)y * w); \
	}
ROWS_N(3)
ROWS_N(4)
ROWS_N(5)
ROWS_N(6)
ROWS_N(7)

void cm_shrink_rows(const uint8_t* src, long stride, int from, int to, const int64_t* first, const int32_t* weight,
                    int n, int w, uint8_t* dst) {
	switch (n) {
	case 3: rows_3(src, stride, from, to, first, weight, w, dst); return;
	case 4: rows_4(src, stride, from, to, first, weight, w, dst); return;
	case 5: rows_5(src, stride, from, to, first, weight, w, dst); return;
	case 6: rows_6(src, stride, from, to, first, weight, w, dst); return;
	case 7: rows_7(src, stride, from, to, first, weight, w, dst); return;
	}
	for (int y = from; y < to; y++) row(src + y * stride, first, weight, n, w, dst + (long)y * w);
}

void cm_shrink_columns(const uint8_t* src, int from, int to, const int64_t* first, const int32_t* weight, int n, int w,
                       int32_t* restrict acc, uint8_t* dst) {
	for (int y = from; y < to; y++) {
		const uint8_t* restrict s0 = src + first[y] * (long)w;
		const int32_t w0 = weight[(long)y * n];
		for (int i = 0; i < w; i++) acc[i] = (int32_t)s0[i] * w0;
		for (int j = 1; j < n; j++) {
			const uint8_t* restrict s = src + (first[y] + j) * (long)w;
			const int32_t wt = weight[(long)y * n + j];
			for (int i = 0; i < w; i++) acc[i] += (int32_t)s[i] * wt;
		}
		uint8_t* restrict out = dst + (long)y * w;
		for (int i = 0; i < w; i++) out[i] = clamp8(acc[i]);
	}
}

// rgba is the opaque RGBA pixel of luma term yy (luma times 0x10101) and the chroma terms of R, G and B in
// 16.16, R first in memory. The clamps are plain statements: written as one conditional expression, the
// compiler branched on them, and photos' pixels made those branches mispredict (twice the time on noise).
static inline uint32_t rgba(int32_t yy, int32_t rd, int32_t gd, int32_t bd) {
	int32_t r = (yy + rd) >> 16, g = (yy + gd) >> 16, b = (yy + bd) >> 16;
	r = r < 0 ? 0 : r;
	r = r > 255 ? 255 : r;
	g = g < 0 ? 0 : g;
	g = g > 255 ? 255 : g;
	b = b < 0 ? 0 : b;
	b = b > 255 ? 255 : b;
	return (uint32_t)r | (uint32_t)g << 8 | (uint32_t)b << 16 | 0xff000000u;
}

void cm_ycbcr_rgba(const uint8_t* y, const uint8_t* cb, const uint8_t* cr, int w, int cw, int hs, int vs, int from, int to,
                   uint8_t* dst, long stride) {
	for (int r = from; r < to; r++) {
		const uint8_t* restrict l = y + (long)r * w;
		const uint8_t* restrict u = cb + (long)(r >> vs) * cw;
		const uint8_t* restrict v = cr + (long)(r >> vs) * cw;
		uint8_t* restrict out = dst + (long)r * stride;
		for (int x = 0; x < w; x++) {
			// 1.402, 0.344136, 0.714136 and 1.772 in 16.16, as shrink.go's ycc table holds them.
			const int32_t c = (int32_t)u[x >> hs] - 128, d = (int32_t)v[x >> hs] - 128;
			const uint32_t px = rgba((int32_t)l[x] * 0x10101, 91881 * d, -22554 * c - 46802 * d, 116130 * c);
			memcpy(out + 4 * x, &px, 4);  // little-endian: R first, as image.RGBA holds it
		}
	}
}
