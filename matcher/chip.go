package matcher

import (
	"fmt"
	"image"
	"image/color"
	"math"

	"github.com/disintegration/imaging"

	"childmatch"
	"childmatch/libjpeg"
)

const (
	// chipSide is the face chip's side in pixels: enough for a reviewer to compare faces on a phone.
	chipSide = 200
	// chipMargin is the chip's side over the face box's: the box is tight around brows to chin, and a
	// reviewer needs the hairline, ears and chin too.
	chipMargin = 1.6
	// chipQuality is the chip's JPEG quality (libjpeg-turbo): a reviewer's comparison needs no more, and a
	// 200 px chip at 90 is about 10 KB.
	chipQuality = 90
	// sharpnessSide is the size the chip is measured at, so sharpness does not depend on photo resolution.
	sharpnessSide = 150
)

// eyes returns the centres of the two eyes, left to right in the image, from dlib's 5 landmarks (two
// corners per eye, then the nose).
func eyes(l []childmatch.Point) (a, b [2]float64) {
	a = [2]float64{float64(l[0].X+l[1].X) / 2, float64(l[0].Y+l[1].Y) / 2}
	b = [2]float64{float64(l[2].X+l[3].X) / 2, float64(l[2].Y+l[3].Y) / 2}
	if a[0] > b[0] {
		a, b = b, a
	}
	return a, b
}

// chip cuts an aligned face chip from the upright original: a square around the face box, rotated so the
// eyes are level, scaled to chipSide, as JPEG.
func chip(img image.Image, box childmatch.Box, landmarks []childmatch.Point) (image.Image, []byte, error) {
	side := chipMargin * float64(max(box.Width(), box.Height()))
	cx := float64(box.Min.X+box.Max.X) / 2
	cy := float64(box.Min.Y+box.Max.Y) / 2
	angle := 0.0
	if len(landmarks) == 5 {
		a, b := eyes(landmarks)
		angle = math.Atan2(b[1]-a[1], b[0]-a[0]) * 180 / math.Pi
	}
	// Cut a square with room for the rotation (side·√2), scale it so the chip's side becomes chipSide
	// (rotating a few hundred pixels, not a full-resolution region), rotate about its centre, keep the middle.
	outer := int(math.Ceil(side * math.Sqrt2))
	region := image.Rect(int(cx)-outer/2, int(cy)-outer/2, int(cx)-outer/2+outer, int(cy)-outer/2+outer)
	scaledOuter := int(math.Ceil(chipSide * math.Sqrt2))
	var sub image.Image
	if outer > scaledOuter {
		// Shrink only the part of the region inside the photo, straight from the decoder's planes, and place
		// it on black where the region overhangs the photo's edges.
		inside := region.Intersect(img.Bounds())
		f := float64(scaledOuter) / float64(outer)
		at := image.Rect(int(float64(inside.Min.X-region.Min.X)*f+0.5), int(float64(inside.Min.Y-region.Min.Y)*f+0.5),
			int(float64(inside.Max.X-region.Min.X)*f+0.5), int(float64(inside.Max.Y-region.Min.Y)*f+0.5))
		cut, ok := img.(interface {
			SubImage(image.Rectangle) image.Image
		})
		if !ok || at.Empty() {
			return nil, nil, fmt.Errorf("cutting a face chip from a %T at %v", img, inside)
		}
		sub = imaging.Paste(imaging.New(scaledOuter, scaledOuter, color.Black), shrink(cut.SubImage(inside), at.Dx(), at.Dy(), catmullRom), at.Min)
	} else {
		sub = imaging.Paste(imaging.New(outer, outer, color.Black), img, image.Pt(-region.Min.X, -region.Min.Y))
		sub = imaging.Resize(sub, scaledOuter, scaledOuter, imaging.CatmullRom)
	}
	if angle != 0 {
		// imaging rotates counter-clockwise; an eye line sloping down to the right (positive angle, y down)
		// is a clockwise tilt, undone by rotating counter-clockwise by the same angle.
		sub = imaging.Rotate(sub, angle, color.Black)
	}
	c := imaging.CropCenter(sub, chipSide, chipSide)
	data, err := libjpeg.EncodeRGBA(opaqueRGBA(c), chipQuality)
	if err != nil {
		return nil, nil, err
	}
	return c, data, nil
}

// quality measures a face: its size in the original photo, the sharpness of its chip, and how far it is
// turned; under a threshold it is flagged with a note telling the uploader what would help.
func quality(box childmatch.Box, landmarks []childmatch.Point, chipImg image.Image) childmatch.Quality {
	q := childmatch.Quality{FaceSize: box.Width(), Sharpness: sharpness(chipImg)}
	flag := func(r childmatch.QualityReason, note string) {
		q.Reasons = append(q.Reasons, r)
		q.Notes = append(q.Notes, note)
	}
	if q.FaceSize < childmatch.MinFaceSize {
		flag(childmatch.QualitySmall, fmt.Sprintf("the face is small (%d px wide); a closer photo would help", q.FaceSize))
	}
	if q.Sharpness < childmatch.MinSharpness {
		flag(childmatch.QualityBlurred, "the face looks blurred; a sharper photo would help")
	}
	if len(landmarks) == 5 {
		a, b := eyes(landmarks)
		eyeDist := math.Hypot(b[0]-a[0], b[1]-a[1])
		mid := (a[0] + b[0]) / 2
		if eyeDist > 0 && math.Abs(float64(landmarks[4].X)-mid)/eyeDist > childmatch.MaxYaw {
			flag(childmatch.QualityTurned, "the face is turned to the side; a photo facing the camera would help")
		}
	}
	q.Low = len(q.Reasons) > 0
	q.Retake = q.Low
	return q
}

// sharpness is the variance of the Laplacian of the grey chip at a fixed size: edges make it large,
// blur makes it small.
func sharpness(img image.Image) float64 {
	g := imaging.Grayscale(imaging.Resize(img, sharpnessSide, sharpnessSide, imaging.Box))
	w, h := g.Bounds().Dx(), g.Bounds().Dy()
	px := func(x, y int) float64 { return float64(g.Pix[y*g.Stride+x*4]) }
	var sum, sumSq float64
	n := 0
	for y := 1; y < h-1; y++ {
		for x := 1; x < w-1; x++ {
			l := px(x-1, y) + px(x+1, y) + px(x, y-1) + px(x, y+1) - 4*px(x, y)
			sum += l
			sumSq += l * l
			n++
		}
	}
	mean := sum / float64(n)
	return sumSq/float64(n) - mean*mean
}
