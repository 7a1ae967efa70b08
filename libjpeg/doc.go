// Package libjpeg decodes and encodes JPEG with the system's libjpeg-turbo (the library dlib already loads
// through go-face). Its SIMD code takes a sixth of image/jpeg's time each way, and it decodes a photo already
// reduced by M/8 inside the inverse DCT, so a 12-megapixel phone photo is never expanded at full size just
// to be scaled down. The face pipeline decodes uploads with it and hands dlib its working image through it
// (go-face reads nothing but JPEG).
package libjpeg
