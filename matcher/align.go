package matcher

import (
	"image"
	"image/color"
	"math"

	"childmatch"
)

// arcSide is the side of the aligned face ArcFace-class models read.
const arcSide = 112

// The ArcFace template: where insightface's alignment puts the eyes, the tip of the nose and the corners of
// the mouth in the 112×112 face, in pixels, image left first.
var (
	arcLeftEye  = [2]float64{38.2946, 51.6963}
	arcRightEye = [2]float64{73.5318, 51.5014}
)

// arcNoseBase is where dlib's fifth point lands in the ArcFace frame. dlib's 5-point model gives the corners
// of the eyes and the base of the nose (where it meets the lip), not ArcFace's nose tip and mouth corners,
// so the mapping is: the midpoint of each eye's two corners to ArcFace's eye, and dlib's nose base to this
// point, below ArcFace's nose tip (56.03, 71.74). It was measured, not assumed: the mean position of dlib's
// nose point when the eyes alone are fitted to the template, over the shared photos (TestArcFaceNoseBase
// checks it). The mouth corners have no dlib counterpart and take no part in the fit.
var arcNoseBase = [2]float64{56.58, 78.01}

// similarity is x' = a·x - b·y + tx, y' = b·x + a·y + ty: a rotation, a uniform scale and a shift.
type similarity struct{ a, b, tx, ty float64 }

func (s similarity) apply(p [2]float64) [2]float64 {
	return [2]float64{s.a*p[0] - s.b*p[1] + s.tx, s.b*p[0] + s.a*p[1] + s.ty}
}

// fitSimilarity returns the similarity mapping src to dst with the least squared error (the closed form of
// Umeyama's method in the plane, without reflection); false when src's points all coincide.
func fitSimilarity(src, dst [][2]float64) (similarity, bool) {
	var sc, dc [2]float64
	for i := range src {
		sc[0] += src[i][0] / float64(len(src))
		sc[1] += src[i][1] / float64(len(src))
		dc[0] += dst[i][0] / float64(len(src))
		dc[1] += dst[i][1] / float64(len(src))
	}
	var dot, cross, norm float64
	for i := range src {
		sx, sy := src[i][0]-sc[0], src[i][1]-sc[1]
		dx, dy := dst[i][0]-dc[0], dst[i][1]-dc[1]
		dot += sx*dx + sy*dy
		cross += sx*dy - sy*dx
		norm += sx*sx + sy*sy
	}
	if norm == 0 {
		return similarity{}, false
	}
	s := similarity{a: dot / norm, b: cross / norm}
	s.tx = dc[0] - (s.a*sc[0] - s.b*sc[1])
	s.ty = dc[1] - (s.b*sc[0] + s.a*sc[1])
	return s, true
}

// arcPoints returns dlib's landmarks as the points the fit uses, image-left eye, image-right eye, nose
// base, beside their places in the ArcFace template.
func arcPoints(l []childmatch.Point) (photo, template [][2]float64) {
	a, b := eyes(l)
	nose := [2]float64{float64(l[4].X), float64(l[4].Y)}
	return [][2]float64{a, b, nose}, [][2]float64{arcLeftEye, arcRightEye, arcNoseBase}
}

// alignArc writes the face with dlib's landmarks l in img, aligned to the ArcFace template, into out as
// three planes of arcSide² values (R, G, B; the NCHW layout of one face), each (v-127.5)/127.5, the
// normalisation ArcFace-class models are trained with. It samples bilinearly, as insightface's warpAffine
// does; pixels beyond the photo are black. It reports false for landmarks that fix no transform.
func alignArc(img image.Image, l []childmatch.Point, out []float32) bool {
	if len(l) != 5 {
		return false
	}
	photo, template := arcPoints(l)
	// The transform from the template to the photo, so each output pixel samples the photo where it lies.
	toPhoto, ok := fitSimilarity(template, photo)
	if !ok || toPhoto.a == 0 && toPhoto.b == 0 {
		return false
	}
	px := pixels(img)
	const plane = arcSide * arcSide
	for y := 0; y < arcSide; y++ {
		for x := 0; x < arcSide; x++ {
			p := toPhoto.apply([2]float64{float64(x), float64(y)})
			r, g, b := px.bilinear(p[0], p[1])
			i := y*arcSide + x
			out[i] = float32((r - 127.5) / 127.5)
			out[plane+i] = float32((g - 127.5) / 127.5)
			out[2*plane+i] = float32((b - 127.5) / 127.5)
		}
	}
	return true
}

// sampler reads 8-bit RGB from an image: from its bytes for the decoders' YCbCr, RGBA and NRGBA, through
// At for the rest.
type sampler struct {
	img  image.Image
	rect image.Rectangle
}

func pixels(img image.Image) sampler { return sampler{img: img, rect: img.Bounds()} }

func (s sampler) rgb(x, y int) (r, g, b float64) {
	if !(image.Point{x, y}.In(s.rect)) {
		return 0, 0, 0
	}
	switch m := s.img.(type) {
	case *image.YCbCr:
		yi, ci := m.YOffset(x, y), m.COffset(x, y)
		cr, cg, cb := color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
		return float64(cr), float64(cg), float64(cb)
	case *image.RGBA:
		i := m.PixOffset(x, y)
		return float64(m.Pix[i]), float64(m.Pix[i+1]), float64(m.Pix[i+2])
	case *image.NRGBA: // what imaging decodes PNG and the rest to
		i := m.PixOffset(x, y)
		a := float64(m.Pix[i+3]) / 255
		return float64(m.Pix[i]) * a, float64(m.Pix[i+1]) * a, float64(m.Pix[i+2]) * a
	}
	// Premultiplied: a transparent pixel is composited on black, as opaqueRGBA does for the detector.
	c := color.RGBAModel.Convert(s.img.At(x, y)).(color.RGBA)
	return float64(c.R), float64(c.G), float64(c.B)
}

// bilinear samples at (x, y), pixel centres at integer coordinates, as OpenCV's warpAffine does.
func (s sampler) bilinear(x, y float64) (r, g, b float64) {
	x0, y0 := math.Floor(x), math.Floor(y)
	fx, fy := x-x0, y-y0
	ix, iy := int(x0), int(y0)
	r00, g00, b00 := s.rgb(ix, iy)
	r10, g10, b10 := s.rgb(ix+1, iy)
	r01, g01, b01 := s.rgb(ix, iy+1)
	r11, g11, b11 := s.rgb(ix+1, iy+1)
	mix := func(v00, v10, v01, v11 float64) float64 {
		return (v00*(1-fx)+v10*fx)*(1-fy) + (v01*(1-fx)+v11*fx)*fy
	}
	return mix(r00, r10, r01, r11), mix(g00, g10, g01, g11), mix(b00, b10, b01, b11)
}
