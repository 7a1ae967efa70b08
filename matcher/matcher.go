package matcher

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	face "github.com/Kagami/go-face"
	"github.com/disintegration/imaging"

	"childmatch"
	"childmatch/libjpeg"
	"childmatch/metrics"
)

// ModelFiles are the dlib models go-face loads, all three at construction.
var ModelFiles = []string{
	"shape_predictor_5_face_landmarks.dat",
	"dlib_face_recognition_resnet_model_v1.dat",
	"mmod_human_face_detector.dat",
}

// Detector says which of dlib's detectors run.
type Detector string

const (
	// HOGThenCNN runs the HOG detector and, only when it finds nothing, the CNN detector: HOG's speed for
	// ordinary photos, the CNN's recall for the hard ones. The default.
	HOGThenCNN Detector = "hog+cnn"
	HOGOnly    Detector = "hog"
	CNNOnly    Detector = "cnn"
	// MTCNNFirst runs MTCNN (mtcnn.go) on the working image and HOG only on the regions around its windows
	// (propose.go), which find every face HOG finds on the whole image (TestProposalsKeepEveryFace) in about
	// half its time on a phone photo; when that finds nothing, HOG on the whole image and then the CNN, as
	// HOGThenCNN. It needs ONNX Runtime (Config.ONNXLibrary) and MTCNN's networks in the models directory.
	MTCNNFirst Detector = "mtcnn+hog+cnn"
)

// Config is what the pipeline needs. The zero values of the levers are the defaults.
type Config struct {
	ModelsDir string
	Limits    childmatch.Limits
	Detector  Detector
	// Jitter is how many jittered copies of each face chip dlib averages the descriptor over (0: none).
	Jitter int
	// JPEGQuality of the working image handed to go-face; 0 means childmatch.DefaultJPEGQuality.
	JPEGQuality int
	// ONNXLibrary is ONNX Runtime's shared library (libonnxruntime.so), which MTCNNFirst needs. Where it is
	// set, ONNX Runtime also runs dlib's face model (ResNetONNX), 2.2–2.8 times as fast as dlib on a core.
	ONNXLibrary string
	// Embedders are the face models run beside dlib on every face (an ONNX model, say); their vectors go
	// to DetectedFace.Embeddings. The caller closes them after the matcher.
	Embedders []childmatch.Embedder
}

// Matcher is the pipeline. go-face serialises all work inside one recognizer with mutexes, and a
// describer serves one call at a time, so the matcher keeps a pool of workers, each with its own, and a
// request waits for a free one.
type Matcher struct {
	limits    childmatch.Limits
	detector  Detector
	quality   int
	mirror    bool
	jitter    int
	embedders []childmatch.Embedder
	pool      chan *worker
	all       []*worker
	hog       *hog
	mtcnn     *mtcnn  // nil unless the detector is MTCNNFirst
	resnet    *resnet // dlib's face model in ONNX Runtime; nil unless Config.ONNXLibrary is set
}

var _ childmatch.FaceAnalyzer = (*Matcher)(nil)

// New loads Limits.Workers recognizers. It fails at once, naming the files, when models are missing.
func New(cfg Config) (*Matcher, error) {
	var missing []string
	for _, f := range ModelFiles {
		if _, err := os.Stat(filepath.Join(cfg.ModelsDir, f)); err != nil {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("the face models are incomplete: %s missing from %s; run `make models`",
			strings.Join(missing, ", "), cfg.ModelsDir)
	}
	switch cfg.Detector {
	case "":
		cfg.Detector = HOGThenCNN
	case HOGThenCNN, HOGOnly, CNNOnly:
	case MTCNNFirst:
		if cfg.ONNXLibrary == "" {
			return nil, fmt.Errorf("the %q detector needs ONNX Runtime's library (CHILDMATCH_ONNX_LIB; `make onnx` installs it)", MTCNNFirst)
		}
	default:
		return nil, fmt.Errorf("unknown detector %q: use %q, %q, %q or %q", cfg.Detector, HOGThenCNN, MTCNNFirst, HOGOnly, CNNOnly)
	}
	if cfg.Limits.DescribeMaxSide < childmatch.MinFaceSize {
		return nil, fmt.Errorf("the side faces are described at (%d px) is under the smallest face HOG finds (%d px)",
			cfg.Limits.DescribeMaxSide, childmatch.MinFaceSize)
	}
	if cfg.JPEGQuality == 0 {
		cfg.JPEGQuality = childmatch.DefaultJPEGQuality
	}
	singleThreadedBLAS()
	workers := max(1, cfg.Limits.Workers)
	names := map[string]bool{childmatch.DlibModel: true}
	for _, e := range cfg.Embedders {
		if names[e.Name()] {
			return nil, fmt.Errorf("two face models are named %q; each needs its own name", e.Name())
		}
		names[e.Name()] = true
	}
	m := &Matcher{limits: cfg.Limits, detector: cfg.Detector, quality: cfg.JPEGQuality, embedders: cfg.Embedders,
		mirror: cfg.Limits.Mirror, jitter: max(0, cfg.Jitter),
		pool: make(chan *worker, workers)}
	var err error
	if m.hog, err = newHOG(); err != nil {
		return nil, err
	}
	if cfg.Detector == MTCNNFirst {
		if m.mtcnn, err = newMTCNN(cfg.ModelsDir, cfg.ONNXLibrary); err != nil {
			m.Close()
			return nil, err
		}
	}
	if cfg.ONNXLibrary != "" {
		if m.resnet, err = newResNet(cfg.ModelsDir, cfg.ONNXLibrary); err != nil {
			m.Close()
			return nil, err
		}
	}
	for i := 0; i < workers; i++ {
		// 150 px chips with 0.25 padding are go-face's and dlib's defaults, what the model was trained on.
		rec, err := face.NewRecognizerWithConfig(cfg.ModelsDir, 150, 0.25, m.jitter)
		if err != nil {
			m.Close()
			return nil, fmt.Errorf("loading the face models from %s: %w", cfg.ModelsDir, err)
		}
		w := &worker{rec: rec}
		m.all = append(m.all, w)
		if w.desc, err = newDescriber(cfg.ModelsDir, m.resnet); err != nil {
			m.Close()
			return nil, err
		}
		m.pool <- w
	}
	return m, nil
}

// worker is what one analysis holds: go-face's recognizer (the CNN detector, and go-face's whole path for
// the rare face the crops lose) and a describer for the faces whose boxes are known.
type worker struct {
	rec  *face.Recognizer
	desc *describer
}

// Close frees the workers. The matcher must not be used after.
func (m *Matcher) Close() {
	for _, w := range m.all {
		w.rec.Close()
		if w.desc != nil {
			w.desc.close()
		}
	}
	m.all = nil
	if m.hog != nil {
		m.hog.close()
	}
	if m.mtcnn != nil {
		m.mtcnn.close()
		m.mtcnn = nil
	}
	if m.resnet != nil {
		m.resnet.close()
		m.resnet = nil
	}
}

// Sniff returns the content type of an accepted image, checking its size, its leading bytes and its header
// (the pixel bound) without decoding a pixel.
func (m *Matcher) Sniff(data []byte) (string, error) {
	ct, _, err := check(data, m.limits)
	return ct, err
}

// Analyze runs the pipeline on an uploaded image. It checks ctx between its stages; a stage under way (at
// most one CNN pass on CNNMaxPixels, the longest) runs to its end, as dlib cannot be interrupted.
func (m *Matcher) Analyze(ctx context.Context, data []byte) (*childmatch.Analysis, error) {
	start := time.Now()
	img, size, ct, err := decode(data, m.limits)
	metrics.Since(metrics.StageDecode, start)
	if err != nil {
		return nil, err
	}
	a := &childmatch.Analysis{ContentType: ct, Width: size.X, Height: size.Y, Faces: []childmatch.DetectedFace{}}
	work := working(img, m.limits)
	if decodedBytes(img) > childmatch.ReleaseAboveBytes {
		// A huge decoded image (a PNG or TIFF: a JPEG is decoded reduced) is not held through detection: chips
		// are cut from the working image, as large as a reduced JPEG's, and its memory goes back to the system.
		img = work
		release()
	}
	if min(work.Bounds().Dx(), work.Bounds().Dy()) < childmatch.MinDetectSide {
		return a, nil
	}
	if err := stopped(ctx); err != nil {
		return nil, err
	}
	var w *worker
	waited := time.Now()
	select {
	case w = <-m.pool:
	case <-ctx.Done():
		return nil, stopped(ctx)
	}
	metrics.Wait(metrics.QueueRecognizer, time.Since(waited))
	defer func() { m.pool <- w }()
	start = time.Now()
	found, frame, detector, err := m.detect(ctx, w.rec, work)
	metrics.Since(metrics.StageDetect, start)
	if err != nil {
		return nil, err
	}
	sort.Slice(found, func(i, j int) bool { return found[i].Rectangle.Min.X < found[j].Rectangle.Min.X })
	if len(found) > childmatch.MaxFacesPerPhoto {
		found = found[:childmatch.MaxFacesPerPhoto]
	}
	// The detector's points are in its frame (the working image, or the CNN's smaller copy of it); chips and
	// descriptors are cut from the decoded image (descriptors from a finer decoding of a JPEG when its faces
	// need it), and boxes and landmarks are reported in the upright original's pixels.
	boxes := make([]childmatch.Box, len(found))
	for i, f := range found {
		boxes[i], _ = place(f, frame, size)
	}
	fine := m.finer(data, ct, img, size, boxes)
	aligned := make([][]childmatch.Point, 0, len(found)) // landmarks in the decoded image's pixels
	var describing, chipping time.Duration               // the photo's faces together
	var again []face.Face                                // go-face on the working image, for a face its crop loses
	for _, f := range found {
		if err := stopped(ctx); err != nil {
			return nil, err
		}
		df := childmatch.DetectedFace{Detector: detector}
		df.Box, _ = place(f, frame, size)
		fineBox, _ := place(f, frame, fine.Bounds().Size())
		start = time.Now()
		d, at, ok, err := m.describe(w, fine, fineBox)
		describing += time.Since(start)
		if err != nil {
			return nil, err
		}
		// The landmarks: dlib's on the face's crop, or on the frame the face was found in when the crop loses
		// it (the CNN's finds carry theirs; for HOG's, go-face runs once on the working image).
		shaped, shapedIn := at, fine.Bounds().Size()
		switch {
		case ok:
			df.Descriptor = d
		case len(f.Shapes) > 0:
			df.Descriptor, shaped, shapedIn = childmatch.Descriptor(f.Descriptor), f, frame
		default:
			if again == nil {
				if again, err = m.recognize(w.rec, work); err != nil {
					return nil, err
				}
			}
			g, ok := nearest(again, f)
			if !ok {
				continue // neither the crop nor go-face finds it: no descriptor to match it by
			}
			df.Descriptor, shaped, shapedIn = childmatch.Descriptor(g.Descriptor), g, frame
		}
		_, df.Landmarks = place(shaped, shapedIn, size)
		box, _ := place(f, frame, img.Bounds().Size())
		_, landmarks := place(shaped, shapedIn, img.Bounds().Size())
		start = time.Now()
		chipImg, chipJPEG, err := chip(img, box, landmarks)
		chipping += time.Since(start)
		if err != nil {
			return nil, err
		}
		df.Chip = chipJPEG
		df.Quality = quality(df.Box, df.Landmarks, chipImg)
		a.Faces = append(a.Faces, df)
		aligned = append(aligned, landmarks)
	}
	start = time.Now()
	err = m.embed(ctx, img, a.Faces, aligned)
	if len(found) > 0 {
		metrics.Stage(metrics.StageEmbed, describing+time.Since(start))
		metrics.Stage(metrics.StageChip, chipping)
	}
	if err != nil {
		return nil, err
	}
	return a, nil
}

// embed runs the other face models on the faces of the decoded image img, whose landmarks in img's pixels
// are aligned[i]: all of a photo's faces in one call per model.
func (m *Matcher) embed(ctx context.Context, img image.Image, faces []childmatch.DetectedFace, aligned [][]childmatch.Point) error {
	if len(faces) == 0 || len(m.embedders) == 0 {
		return nil
	}
	in := make([]childmatch.EmbedFace, len(faces))
	for i := range faces {
		in[i] = childmatch.EmbedFace{Photo: img, Landmarks: aligned[i], Descriptor: &faces[i].Descriptor}
	}
	for _, e := range m.embedders {
		vecs, err := e.Embed(ctx, in)
		if err != nil {
			return fmt.Errorf("face model %s: %w", e.Name(), err)
		}
		for i := range faces {
			if faces[i].Embeddings == nil {
				faces[i].Embeddings = map[string][]float32{}
			}
			faces[i].Embeddings[e.Name()] = vecs[i]
		}
	}
	return nil
}

// finer returns the image faces are described on: img, or, for a JPEG decoded reduced in which the smallest
// face (boxes, in the upright original's pixels) is narrower than both Limits.DescribeMaxSide and the original's face, the JPEG decoded again at the
// scale that gives that face its original width or DescribeMaxSide, within ReleaseAboveBytes.
func (m *Matcher) finer(data []byte, ct string, img image.Image, size image.Point, boxes []childmatch.Box) image.Image {
	decoded := img.Bounds().Dx()
	if ct != "image/jpeg" || len(boxes) == 0 || decoded >= size.X {
		return img
	}
	smallest := size.X
	for _, box := range boxes {
		smallest = min(smallest, max(box.Width(), box.Height()))
	}
	want := min(smallest, m.limits.DescribeMaxSide)
	eighths := min(8, (8*want+smallest-1)/max(1, smallest))
	for eighths > 1 && int64(size.X*eighths/8)*int64(size.Y*eighths/8)*3 > childmatch.ReleaseAboveBytes {
		eighths--
	}
	if size.X*eighths/8 <= decoded {
		return img
	}
	o := exifOrientation(data)
	stored := size
	if o >= 5 { // size is upright; the JPEG is stored turned
		stored = image.Pt(size.Y, size.X)
	}
	fine, err := decodeReduced(data, stored.X, stored.Y, eighths)
	if err != nil { // decoded once already: only memory can fail it, and img is still there
		return img
	}
	return orient(fine, o)
}

// stopped is ctx's end as the error Analyze returns: the caller gave up or its deadline passed.
func stopped(ctx context.Context) error {
	switch err := ctx.Err(); {
	case err == nil:
		return nil
	case errors.Is(err, context.Canceled):
		return childmatch.Canceled(err)
	default:
		return childmatch.Unavailable("the face recognizer", err)
	}
}

// working returns the image the detector sees: img scaled by workingScale, as RGBA, or a decoded JPEG's
// planes as they are when it needs no scaling (hog.go reads them; the CNN's rare pass converts them).
func working(img image.Image, limits childmatch.Limits) image.Image {
	b := img.Bounds()
	scale := workingScale(b, limits)
	// A sliver of a photo keeps a pixel across rather than rounding to nothing.
	w, h := max(1, int(float64(b.Dx())*scale+0.5)), max(1, int(float64(b.Dy())*scale+0.5))
	switch {
	case scale < 1:
		// The linear filter when shrinking: as sharp as Catmull-Rom at these ratios for the detector (README:
		// levers), and cheaper.
		return shrink(img, w, h, triangle)
	case scale > 1:
		// Catmull-Rom when enlarging small photos, where it is sharper; they are small, so imaging is quick.
		return opaqueRGBA(imaging.Resize(img, w, h, imaging.CatmullRom))
	}
	if m, ok := img.(*image.YCbCr); ok {
		return m
	}
	return opaqueRGBA(img)
}

// opaqueRGBA returns img as RGBA for the encoder, which reads three channels: an opaque NRGBA image as the
// RGBA image it equals (without alpha, non-premultiplied and premultiplied pixels are the same bytes), any
// other image converted, transparent pixels composited on black.
func opaqueRGBA(img image.Image) *image.RGBA {
	switch m := img.(type) {
	case *image.RGBA:
		return m
	case *image.NRGBA:
		if m.Opaque() {
			return &image.RGBA{Pix: m.Pix, Stride: m.Stride, Rect: m.Rect}
		}
	}
	dst := image.NewRGBA(image.Rect(0, 0, img.Bounds().Dx(), img.Bounds().Dy()))
	draw.Draw(dst, dst.Rect, img, img.Bounds().Min, draw.Src)
	return dst
}

// place maps a detected face's box and landmarks from a frame of size from to a frame of size to of the same
// picture, clamped to it.
func place(f face.Face, from, to image.Point) (childmatch.Box, []childmatch.Point) {
	at := func(p image.Point) childmatch.Point {
		x := int(float64(p.X)*float64(to.X)/float64(from.X) + 0.5)
		y := int(float64(p.Y)*float64(to.Y)/float64(from.Y) + 0.5)
		return childmatch.Point{X: min(max(x, 0), to.X), Y: min(max(y, 0), to.Y)}
	}
	var landmarks []childmatch.Point
	for _, p := range f.Shapes {
		landmarks = append(landmarks, at(p))
	}
	return childmatch.Box{Min: at(f.Rectangle.Min), Max: at(f.Rectangle.Max)}, landmarks
}

// detect runs the configured detectors: with MTCNNFirst, MTCNN and HOG on the regions around its windows;
// when that finds nothing or is not configured, HOG (hog.go) on the working image on Limits.DetectThreads
// threads and, when it finds nothing, the CNN on rec on the working image scaled to at most CNNMaxPixels. It returns
// the faces (HOG's with their boxes only, the CNN's with landmarks and descriptors) and the size of the frame
// their points are in.
func (m *Matcher) detect(ctx context.Context, rec *face.Recognizer, work image.Image) ([]face.Face, image.Point, string, error) {
	hogFaces := func(boxes []image.Rectangle) ([]face.Face, image.Point, string, error) {
		faces := make([]face.Face, len(boxes))
		for i, b := range boxes {
			faces[i].Rectangle = b
		}
		return faces, work.Bounds().Size(), "hog", nil
	}
	if m.mtcnn != nil {
		windows, half, err := m.mtcnn.detect(work, childmatch.MTCNNMinFace, m.limits.DetectThreads)
		if err != nil {
			return nil, image.Point{}, "", err
		}
		if len(windows) > 0 {
			boxes, err := m.hog.at(work, half, windows, m.limits.DetectThreads)
			if err != nil {
				return nil, image.Point{}, "", err
			}
			if len(boxes) > 0 {
				return hogFaces(boxes)
			}
		}
		if err := stopped(ctx); err != nil {
			return nil, image.Point{}, "", err
		}
	}
	if m.detector != CNNOnly {
		boxes, err := m.hog.detect(work, m.limits.DetectThreads)
		if err != nil {
			return nil, image.Point{}, "", err
		}
		if len(boxes) > 0 || m.detector == HOGOnly {
			return hogFaces(boxes)
		}
		if err := stopped(ctx); err != nil {
			return nil, image.Point{}, "", err
		}
	}
	small := cnnImage(opaqueRGBA(work))
	jpegData, err := libjpeg.EncodeRGBA(small, m.quality)
	if err != nil {
		return nil, image.Point{}, "", err
	}
	faces, err := rec.RecognizeCNN(jpegData)
	// The CNN's layers keep their outputs, bounded by CNNMaxPixels; what it freed goes back to the system.
	release()
	if err != nil {
		return nil, image.Point{}, "", fmt.Errorf("face detection (cnn): %w", err)
	}
	return faces, small.Rect.Size(), "cnn", nil
}

// recognize runs go-face's HOG path (detection, landmarks, descriptors) on the working image's JPEG: what
// the pipeline did before hog.go, now for the rare face that HOG finds on the working image and dlib finds
// on neither its crop nor its mirror image.
func (m *Matcher) recognize(rec *face.Recognizer, work image.Image) ([]face.Face, error) {
	jpegData, err := libjpeg.EncodeRGBA(opaqueRGBA(work), m.quality)
	if err != nil {
		return nil, err
	}
	faces, err := rec.Recognize(jpegData)
	if err != nil {
		return nil, fmt.Errorf("face detection: %w", err)
	}
	return faces, nil
}

// nearest is the face of faces whose box overlaps f's most, when they overlap by at least half of the
// smaller box.
func nearest(faces []face.Face, f face.Face) (face.Face, bool) {
	best, found := 0, -1
	for i, g := range faces {
		in := g.Rectangle.Intersect(f.Rectangle)
		area := in.Dx() * in.Dy()
		smaller := min(g.Rectangle.Dx()*g.Rectangle.Dy(), f.Rectangle.Dx()*f.Rectangle.Dy())
		if area > best && 2*area >= smaller {
			best, found = area, i
		}
	}
	if found < 0 {
		return face.Face{}, false
	}
	return faces[found], true
}

// cnnImage is the image the CNN sees: the working image, scaled down to at most CNNMaxPixels.
func cnnImage(work *image.RGBA) *image.RGBA {
	w, h := work.Rect.Dx(), work.Rect.Dy()
	if w*h <= childmatch.CNNMaxPixels {
		return work
	}
	scale := math.Sqrt(float64(childmatch.CNNMaxPixels) / float64(w*h))
	return shrink(work, max(1, int(float64(w)*scale)), max(1, int(float64(h)*scale)), triangle)
}

// ErrSeveralFaces is the code-carrying error DetectSingle returns when a photo holds more than one face.
var ErrSeveralFaces = errors.New("several faces")

// DetectSingle returns the one face of a photo. go-face's own single-face call answers nothing both when
// there is no face and when there are several; this tells them apart: ENoFace for none, EInvalid wrapping
// ErrSeveralFaces, with the count, for several.
func (m *Matcher) DetectSingle(ctx context.Context, data []byte) (*childmatch.DetectedFace, error) {
	a, err := m.Analyze(ctx, data)
	if err != nil {
		return nil, err
	}
	switch len(a.Faces) {
	case 0:
		return nil, childmatch.Errorf(childmatch.ENoFace, "no face was found in the photo")
	case 1:
		return &a.Faces[0], nil
	}
	return nil, &childmatch.Error{Code: childmatch.EInvalid, Err: ErrSeveralFaces,
		Message: fmt.Sprintf("the photo shows %d faces; use a photo of one person", len(a.Faces))}
}
