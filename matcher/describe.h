// describe.h: dlib's landmarks and chip of a face whose box is known, and dlib's face recognition network on
// chips (see describe.go).
#ifndef CHILDMATCH_DESCRIBE_H
#define CHILDMATCH_DESCRIBE_H
#include <stdint.h>

#include "pixels.h"

#ifdef __cplusplus
extern "C" {
#endif

// The side of dlib's face chip, and the bytes of one chip: RGB planes of CM_CHIP × CM_CHIP.
#define CM_CHIP 150
#define CM_CHIP_BYTES (3 * CM_CHIP * CM_CHIP)

typedef struct cm_describer cm_describer;

// cm_describer_new loads dlib's 5-point shape predictor and, unless resnet is NULL, its face recognition
// network; on failure it answers NULL and writes dlib's message (to be freed) into *err.
cm_describer* cm_describer_new(const char* shape_predictor, const char* resnet, char** err);
void cm_describer_free(cm_describer* d);
// cm_chips finds the 5 landmarks of the face in box (left, top, right, bottom, inclusive) of an image into
// shape (x, y pairs) and cuts its 150 px chip with 0.25 padding into chips, followed by jitter randomly
// jittered copies of it when jitter > 0 (then only those: max(1, jitter) chips in all). It answers 0, or -1
// when dlib failed (out of memory).
int cm_chips(cm_describer* d, cm_pixels px, const uint8_t* y, const uint8_t* cb, const uint8_t* cr, const long* box,
             int jitter, uint8_t* chips, long* shape);
// cm_resnet computes dlib's 128 numbers of each of n chips into descriptors. It answers 0, or -1 when dlib
// failed or the describer has no network. A describer serves one call at a time.
int cm_resnet(cm_describer* d, const uint8_t* chips, int n, float* descriptors);

#ifdef __cplusplus
}
#endif
#endif
