// shrink.h: the two passes of shrink.go's separable resampling, in C so the compiler keeps the taps in
// registers and turns the vertical pass into vector code. The arithmetic is shrinkPlane's: 8-bit samples
// times 14-bit fixed-point weights summed in 32 bits, rounded and clamped to a byte after each pass.
#ifndef CHILDMATCH_SHRINK_H
#define CHILDMATCH_SHRINK_H
#include <stdint.h>

// cm_shrink_rows resamples rows [from, to) of src (stride bytes a row) across: output x of a row is the sum
// over j < n of src[first[x] + j] * weight[x*n + j], for x < w, written to dst at w bytes a row.
void cm_shrink_rows(const uint8_t* src, long stride, int from, int to, const int64_t* first, const int32_t* weight,
                    int n, int w, uint8_t* dst);

// cm_shrink_columns resamples down: output row y in [from, to) is the sum over j < n of src's row
// first[y] + j times weight[y*n + j], each row w bytes; acc is room for w sums.
void cm_shrink_columns(const uint8_t* src, int from, int to, const int64_t* first, const int32_t* weight, int n, int w,
                       int32_t* acc, uint8_t* dst);

// cm_ycbcr_rgba converts rows [from, to) of w pixels from a luma plane (w bytes a row) and two chroma planes
// subsampled by 1 << hs across and 1 << vs down (cw bytes a row) to opaque RGBA (stride bytes a row), as
// shrink.go's putYCbCr (and image/color's YCbCrToRGB) converts a pixel.
void cm_ycbcr_rgba(const uint8_t* y, const uint8_t* cb, const uint8_t* cr, int w, int cw, int hs, int vs, int from, int to,
                   uint8_t* dst, long stride);

#endif
