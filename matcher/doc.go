// Package matcher is the face pipeline: it sniffs, bounds, decodes and orients an uploaded image, scales it
// to a working size, detects faces with dlib's HOG detector (falling back to the CNN detector when HOG
// finds none), and returns each face's box and landmarks in the original photo's frame, its 128-d
// descriptor, an aligned chip and quality figures. dlib runs through go-face.
//
// Other face models run beside dlib on every face (Config.Embedders): onnx.go runs an ArcFace-class model
// with ONNX Runtime, align.go aligns a face to the ArcFace template from dlib's landmarks.
//
// matcher.go is the pipeline and the recognizer pool, image.go decoding and orientation, shrink.go the
// resampling, chip.go the aligned chip and the quality figures, blas.go which BLAS dlib runs on. Its
// thresholds are in the root's limits.go.
package matcher
