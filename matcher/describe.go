package matcher

import (
	"fmt"
	"image"
	"math"

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
	// cropQuality is the quality of the crop's JPEG, the only format go-face reads: at 100 the descriptor
	// lies as close to go-face's on the photo file as a copy of the whole file at 100 does
	// (TestDescriptorFidelity; full-resolution chroma changed nothing), and a crop of a few hundred pixels is
	// quick to encode at any quality.
	cropQuality = 100
)

// describe computes a face's descriptor again from the decoded photo, at its own resolution rather than the
// working image's, and without the working image's lossy encoding: dlib detects the face again on a crop of
// img around box (in img's pixels), finds its landmarks there and computes the descriptor on its chip. The
// crop keeps img's pixels where the face box is at most Limits.DescribeMaxSide across, and is scaled to that
// side where it is larger (the 150 px chip needs no more) or to MinFaceSize where it is smaller (HOG's
// window). With Limits.Mirror, the descriptor is the mean of the crop's and its mirror image's, the mirror
// image described on a second recognizer at the same time when one is free. It answers the face as dlib
// found it on the crop, box and landmarks in img's pixels, or false when dlib does not find the face there.
func (m *Matcher) describe(rec *face.Recognizer, img image.Image, box childmatch.Box) (childmatch.Descriptor, face.Face, bool, error) {
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
	w, h := max(1, int(float64(region.Dx())*scale+0.5)), max(1, int(float64(region.Dy())*scale+0.5))
	var crop *image.RGBA
	if scale > 1 {
		crop = opaqueRGBA(imaging.Resize(cut.SubImage(region), w, h, imaging.CatmullRom))
	} else {
		crop = shrink(cut.SubImage(region), w, h, catmullRom)
	}
	// Where the face is expected in the crop, and how far from it dlib's new box may lie.
	at := [2]float64{(cx - float64(region.Min.X)) * scale, (cy - float64(region.Min.Y)) * scale}
	near := side * scale / 2
	back := func(p image.Point) image.Point { // from the crop's pixels to img's
		return image.Pt(region.Min.X+int(float64(p.X)/scale+0.5), region.Min.Y+int(float64(p.Y)/scale+0.5))
	}
	var mirrored described
	mirror := func(rec *face.Recognizer) {
		mirrored = describeCrop(rec, opaqueRGBA(imaging.FlipH(crop)), [2]float64{float64(w) - at[0], at[1]}, near)
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
	found := describeCrop(rec, crop, at, near)
	if beside != nil {
		<-beside
	} else if m.mirror && found.ok && found.err == nil {
		mirror(rec)
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

// spare is a recognizer of the pool no request holds, or nil when every one is in use.
func (m *Matcher) spare() *face.Recognizer {
	select {
	case rec := <-m.pool:
		return rec
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

// describeCrop runs go-face on a crop and returns the face it finds whose box centre lies within near of at,
// in the crop's pixels: HOG first, the CNN when HOG finds none there.
func describeCrop(rec *face.Recognizer, crop *image.RGBA, at [2]float64, near float64) described {
	data, err := libjpeg.EncodeRGBA(crop, cropQuality)
	if err != nil {
		return described{err: err}
	}
	for _, recognize := range []func([]byte) ([]face.Face, error){rec.Recognize, rec.RecognizeCNN} {
		faces, err := recognize(data)
		if err != nil {
			return described{err: fmt.Errorf("describing a face: %w", err)}
		}
		best, found := near, -1
		for i, f := range faces {
			c := f.Rectangle.Min.Add(f.Rectangle.Max)
			if d := math.Hypot(float64(c.X)/2-at[0], float64(c.Y)/2-at[1]); d <= best {
				best, found = d, i
			}
		}
		if found >= 0 {
			return described{face: faces[found], ok: true}
		}
	}
	return described{}
}
