// hog.h: dlib's HOG face detector on raw pixels, its work spread over threads (see hog.go).
#ifndef CHILDMATCH_HOG_H
#define CHILDMATCH_HOG_H
#include <stdint.h>

#include "pixels.h"
#ifdef __cplusplus
extern "C" {
#endif

typedef struct cm_hog cm_hog;

cm_hog* cm_hog_new(void);
void cm_hog_free(cm_hog* h);

// cm_hog_detect finds faces in an image on up to threads threads, writing up to max boxes as left, top,
// right, bottom (inclusive, dlib's rectangles) into out. It answers how many faces it found (more than max
// when out was too short), or -1 when dlib failed (out of memory).
int cm_hog_detect(const cm_hog* h, cm_pixels px, const uint8_t* y, const uint8_t* cb, const uint8_t* cr, int threads,
                  long* out, int max);
// cm_hog_detect_dlib is the same through dlib's own object_detector call, on one thread: the reference
// the threaded path is tested against.
int cm_hog_detect_dlib(const cm_hog* h, cm_pixels px, const uint8_t* y, const uint8_t* cb, const uint8_t* cr, long* out,
                       int max);

#ifdef __cplusplus
}
#endif
#endif
