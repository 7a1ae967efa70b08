package matcher

/*
#include <stdlib.h>
#include "describe.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"image"
	"math"
	"path/filepath"
	"unsafe"

	face "github.com/Kagami/go-face"
	"github.com/disintegration/imaging"

	"childmatch"
	"childmatch/libjpeg"
)

const (
	// cropMargin is the side of the crop a face is described on over the side of its box: room for dlib's
	// landmarks and its 0.25 chip padding, and for the HOG detector to find the face again. 1.5 describes
	// as faithfully as 2 (TestDescriptorFidelity: 0.038 against 0.036 at the median at 400 px) and
	// separates people as well, on a crop of half the pixels.
	cropMargin = 1.5
	// cropQuality is the quality of the crop's JPEG for go-face's CNN, the only format go-face reads, for a
	// face HOG does not find again on its crop: at 100 the descriptor lay as close to go-face's on the photo
	// file as a copy of the whole file at 100 does (TestDescriptorFidelity, when every crop went through
	// go-face), and a crop of a few hundred pixels is quick to encode at any quality.
	cropQuality = 100
)

// describe computes a face's descriptor again from the decoded photo, at its own resolution rather than the
// working image's, and without the working image's lossy encoding: dlib detects the face again on a crop of
// img around box (in img's pixels), finds its landmarks there and computes the descriptor on its chip, all on
// the crop's pixels (describeCrop). The crop keeps img's pixels where the face box is at most
// Limits.DescribeMaxSide across, and is scaled to that side where it is larger (the 150 px chip needs no more)
// or to MinFaceSize where it is smaller (HOG's window). With Limits.Mirror, the descriptor is the mean of the
// crop's and its mirror image's, the mirror image described on a second worker at the same time when one is
// free. It answers the face as dlib found it on the crop, box and landmarks in img's pixels, or false when
// dlib does not find the face there.
func (m *Matcher) describe(w *worker, img image.Image, box childmatch.Box) (childmatch.Descriptor, face.Face, bool, error) {
	side := float64(max(box.Width(), box.Height()))
	if side <= 0 {
		return childmatch.Descriptor{}, face.Face{}, false, nil
	}
	cx, cy := float64(box.Min.X+box.Max.X)/2, float64(box.Min.Y+box.Max.Y)/2
	half := side * cropMargin / 2
	// The crop starts on a multiple of HOG's 8 px cells, so that unscaled its cells are the photo's own.
	x0, y0 := max(0, int(cx-half))&^7, max(0, int(cy-half))&^7
	region := image.Rect(x0, y0, int(math.Ceil(cx+half)), int(math.Ceil(cy+half))).Intersect(img.Bounds())
	cut, ok := img.(interface {
		SubImage(image.Rectangle) image.Image
	})
	if !ok || region.Empty() {
		return childmatch.Descriptor{}, face.Face{}, false, fmt.Errorf("cutting a face crop from a %T at %v", img, region)
	}
	scale := 1.0
	switch {
	case side > float64(m.limits.DescribeMaxSide):
		scale = float64(m.limits.DescribeMaxSide) / side
	case side < childmatch.MinFaceSize:
		scale = childmatch.MinFaceSize / side
	}
	cw, ch := max(1, int(float64(region.Dx())*scale+0.5)), max(1, int(float64(region.Dy())*scale+0.5))
	var crop *image.RGBA
	if scale > 1 {
		crop = opaqueRGBA(imaging.Resize(cut.SubImage(region), cw, ch, imaging.CatmullRom))
	} else {
		crop = shrink(cut.SubImage(region), cw, ch, catmullRom)
	}
	// Where the face is expected in the crop, and how far from it dlib's new box may lie.
	at := [2]float64{(cx - float64(region.Min.X)) * scale, (cy - float64(region.Min.Y)) * scale}
	near := side * scale / 2
	back := func(p image.Point) image.Point { // from the crop's pixels to img's
		return image.Pt(region.Min.X+int(float64(p.X)/scale+0.5), region.Min.Y+int(float64(p.Y)/scale+0.5))
	}
	var mirrored described
	mirror := func(on *worker) {
		mirrored = m.describeCrop(on, opaqueRGBA(imaging.FlipH(crop)), [2]float64{float64(cw) - at[0], at[1]}, near)
	}
	var beside chan struct{}
	if m.mirror {
		if second := m.spare(); second != nil {
			beside = make(chan struct{})
			go func() {
				defer close(beside)
				defer func() { m.pool <- second }()
				mirror(second)
			}()
		}
	}
	found := m.describeCrop(w, crop, at, near)
	if beside != nil {
		<-beside
	} else if m.mirror && found.ok && found.err == nil {
		mirror(w)
	}
	if found.err != nil || !found.ok {
		return childmatch.Descriptor{}, face.Face{}, false, found.err
	}
	f := found.face
	f.Rectangle = image.Rectangle{Min: back(f.Rectangle.Min), Max: back(f.Rectangle.Max)}
	f.Shapes = make([]image.Point, len(found.face.Shapes))
	for i, p := range found.face.Shapes {
		f.Shapes[i] = back(p)
	}
	d := childmatch.Descriptor(f.Descriptor)
	if m.mirror && mirrored.err != nil {
		return d, f, true, mirrored.err
	}
	if m.mirror && mirrored.ok {
		for i := range d {
			d[i] = (d[i] + mirrored.face.Descriptor[i]) / 2
		}
	}
	return d, f, true, nil
}

// spare is a worker of the pool no request holds, or nil when every one is in use.
func (m *Matcher) spare() *worker {
	select {
	case w := <-m.pool:
		return w
	default:
		return nil
	}
}

// described is what describeCrop found.
type described struct {
	face face.Face
	ok   bool
	err  error
}

// describeCrop finds the face on a crop whose box centre lies within near of at, in the crop's pixels, and
// describes it: dlib's HOG (hog.go, on one thread, the mirror image taking the other core) on the crop's
// pixels, then w's describer on the box found; go-face's CNN path on the crop's JPEG when HOG finds none there.
func (m *Matcher) describeCrop(w *worker, crop *image.RGBA, at [2]float64, near float64) described {
	boxes, err := m.hog.detect(crop, 1)
	if err != nil {
		return described{err: err}
	}
	if i := closest(boxes, at, near); i >= 0 {
		f, err := w.desc.describe(crop, boxes[i], m.jitter)
		return described{face: f, ok: err == nil, err: err}
	}
	data, err := libjpeg.EncodeRGBA(crop, cropQuality)
	if err != nil {
		return described{err: err}
	}
	faces, err := w.rec.RecognizeCNN(data)
	if err != nil {
		return described{err: fmt.Errorf("describing a face: %w", err)}
	}
	boxes = make([]image.Rectangle, len(faces))
	for i, f := range faces {
		boxes[i] = f.Rectangle
	}
	if i := closest(boxes, at, near); i >= 0 {
		return described{face: faces[i], ok: true}
	}
	return described{}
}

// closest is the index of the box whose centre lies nearest at and within near of it, or -1.
func closest(boxes []image.Rectangle, at [2]float64, near float64) int {
	best, found := near, -1
	for i, b := range boxes {
		c := b.Min.Add(b.Max)
		if d := math.Hypot(float64(c.X)/2-at[0], float64(c.Y)/2-at[1]); d <= best {
			best, found = d, i
		}
	}
	return found
}

// dlibChip is the side of the chip dlib's face model reads (describe.h).
const dlibChip = C.CM_CHIP

// describer is dlib's shape predictor (describe.cc) on a face whose box is known, on the pixels Go holds,
// and its face recognition network on the chip: go-face's path after its detector without the JPEG in
// between. The network is ONNX Runtime's (resnet.go) where the matcher has one, else dlib's own. A describer
// serves one call at a time; each worker has its own.
type describer struct {
	p   *C.cm_describer
	net *resnet // shared by the workers; nil: dlib's network, in p
}

// newDescriber loads the shape predictor from dir, and dlib's network unless net runs it.
func newDescriber(dir string, net *resnet) (*describer, error) {
	sp := C.CString(filepath.Join(dir, "shape_predictor_5_face_landmarks.dat"))
	defer C.free(unsafe.Pointer(sp))
	var dlibNet *C.char
	if net == nil {
		dlibNet = C.CString(filepath.Join(dir, "dlib_face_recognition_resnet_model_v1.dat"))
		defer C.free(unsafe.Pointer(dlibNet))
	}
	var msg *C.char
	p := C.cm_describer_new(sp, dlibNet, &msg)
	if p == nil {
		defer C.free(unsafe.Pointer(msg))
		return nil, fmt.Errorf("loading dlib's shape predictor and face model from %s: %s", dir, C.GoString(msg))
	}
	return &describer{p: p, net: net}, nil
}

func (d *describer) close() {
	if d.p != nil {
		C.cm_describer_free(d.p)
		d.p = nil
	}
}

// errDescribe is dlib failing inside a description, which only running out of memory makes it do.
var errDescribe = errors.New("describing a face failed: out of memory")

// describe answers the face in box of img (dlib's inclusive corners, as hog.detect answers them) with its
// landmarks and its descriptor, the mean over jitter jittered copies of its chip when jitter > 0.
func (d *describer) describe(img image.Image, box image.Rectangle, jitter int) (face.Face, error) {
	chips, n, shapes, err := d.chips(img, box, jitter)
	if err != nil {
		return face.Face{}, err
	}
	vs, err := d.vectors(chips, n)
	if err != nil {
		return face.Face{}, err
	}
	f := face.Face{Rectangle: box, Shapes: shapes}
	for i := range f.Descriptor {
		var sum float32
		for c := range n {
			sum += vs[c*childmatch.DescriptorLen+i]
		}
		f.Descriptor[i] = sum / float32(n)
	}
	return f, nil
}

// chips answers the chip of the face in box of img, or its jitter jittered copies when jitter > 0, as RGB
// planes one after another, how many, and the face's landmarks.
func (d *describer) chips(img image.Image, box image.Rectangle, jitter int) ([]byte, int, []image.Point, error) {
	n := max(1, jitter)
	px, y, cb, cr := pixelsOf(img)
	corners := [4]C.long{C.long(box.Min.X), C.long(box.Min.Y), C.long(box.Max.X), C.long(box.Max.Y)}
	chips := make([]byte, n*C.CM_CHIP_BYTES)
	var shape [10]C.long
	if C.cm_chips(d.p, px, y, cb, cr, &corners[0], C.int(jitter), (*C.uint8_t)(&chips[0]), &shape[0]) != 0 {
		return nil, 0, nil, errDescribe
	}
	shapes := make([]image.Point, len(shape)/2)
	for i := range shapes {
		shapes[i] = image.Pt(int(shape[2*i]), int(shape[2*i+1]))
	}
	return chips, n, shapes, nil
}

// vectors answers the descriptors of n chips one after another: ONNX Runtime's where the describer has it,
// else dlib's.
func (d *describer) vectors(chips []byte, n int) ([]float32, error) {
	if d.net != nil {
		return d.net.describe(chips, n)
	}
	vs := make([]float32, n*childmatch.DescriptorLen)
	if C.cm_resnet(d.p, (*C.uint8_t)(&chips[0]), C.int(n), (*C.float)(&vs[0])) != 0 {
		return nil, errDescribe
	}
	return vs, nil
}
