package matcher

import (
	"bytes"
	"encoding/binary"
	"image"
	_ "image/gif" // registered for image.DecodeConfig and Decode: GIF, first frame
	_ "image/jpeg"
	_ "image/png"
	"net/http"
	"strings"

	"github.com/disintegration/imaging"
	_ "golang.org/x/image/bmp"
	_ "golang.org/x/image/tiff"
	_ "golang.org/x/image/webp"

	"childmatch"
	"childmatch/libjpeg"
)

// format is an accepted image format, recognised by its leading bytes.
type format struct {
	contentType string
	magic       func([]byte) bool
}

var formats = []format{
	{"image/jpeg", func(b []byte) bool { return bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}) }},
	{"image/png", func(b []byte) bool { return bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) }},
	{"image/gif", func(b []byte) bool {
		return bytes.HasPrefix(b, []byte("GIF87a")) || bytes.HasPrefix(b, []byte("GIF89a"))
	}},
	{"image/bmp", func(b []byte) bool { return bytes.HasPrefix(b, []byte("BM")) && len(b) > 26 }},
	{"image/tiff", func(b []byte) bool {
		return bytes.HasPrefix(b, []byte("II*\x00")) || bytes.HasPrefix(b, []byte("MM\x00*"))
	}},
	{"image/webp", func(b []byte) bool { return len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP" }},
}

// sniff checks the byte bound and returns the content type of an accepted image from its bytes alone; the
// file name and the client's content type are never trusted.
func sniff(data []byte, limits childmatch.Limits) (string, error) {
	if int64(len(data)) > limits.MaxUploadBytes {
		return "", childmatch.Errorf(childmatch.ETooLarge, "the photo is larger than the limit of %d MiB",
			limits.MaxUploadBytes>>20)
	}
	for _, f := range formats {
		if f.magic(data) {
			return f.contentType, nil
		}
	}
	seen := strings.SplitN(http.DetectContentType(data), ";", 2)[0]
	return "", childmatch.Errorf(childmatch.EUnsupportedMedia,
		"the upload is %s, not a photo; send JPEG, PNG, GIF, BMP, TIFF or WebP", seen)
}

// decode checks the byte and pixel bounds, reading only the header before the pixel bound is known to
// hold, then decodes the image and turns it upright by its EXIF orientation. It returns the upright image
// and the upright original's size, which differ when a large JPEG is decoded reduced (see decodeJPEG).
func decode(data []byte, limits childmatch.Limits) (image.Image, image.Point, string, error) {
	ct, err := sniff(data, limits)
	if err != nil {
		return nil, image.Point{}, "", err
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, image.Point{}, "", damaged()
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, image.Point{}, "", damaged()
	}
	if int64(cfg.Width)*int64(cfg.Height) > int64(limits.MaxPixels) {
		return nil, image.Point{}, "", childmatch.Errorf(childmatch.ETooLarge, "the photo is %d×%d pixels, over the limit of %d megapixels",
			cfg.Width, cfg.Height, limits.MaxPixels/1_000_000)
	}
	if ct == "image/jpeg" {
		if img, size, ok := decodeJPEG(data, cfg, limits); ok {
			return img, size, ct, nil
		}
	}
	img, err := imaging.Decode(bytes.NewReader(data), imaging.AutoOrientation(true))
	if err != nil {
		return nil, image.Point{}, "", damaged()
	}
	return img, img.Bounds().Size(), ct, nil
}

// decodeJPEG decodes a YCbCr JPEG with libjpeg-turbo, reduced inside the inverse DCT by the smallest M/8 that
// keeps its longer side at least WorkingMaxSide: a 12-megapixel phone photo is decoded at half size, in a
// fifth of image/jpeg's time at full size, and is still larger than the working image and the face chips
// need. It is turned upright in its planes. It reports false for what libjpeg refuses (grey, CMYK, damaged:
// image/jpeg then decides), and the upright original's size.
func decodeJPEG(data []byte, cfg image.Config, limits childmatch.Limits) (image.Image, image.Point, bool) {
	long := max(cfg.Width, cfg.Height)
	eighths := 8
	for eighths > 1 && (long*(eighths-1)+7)/8 >= limits.WorkingMaxSide {
		eighths--
	}
	img, err := libjpeg.DecodeYCbCr(data, eighths)
	if err != nil {
		return nil, image.Point{}, false
	}
	o := exifOrientation(data)
	size := image.Pt(cfg.Width, cfg.Height)
	if o >= 5 {
		size = image.Pt(cfg.Height, cfg.Width)
	}
	return orient(img, o), size, true
}

// exifOrientation returns the EXIF orientation of a JPEG (1 to 8), or 1 when it has none or it is unreadable:
// the Orientation tag of the first IFD of an APP1 Exif segment before the first scan.
func exifOrientation(data []byte) int {
	for i := 2; i+4 <= len(data) && data[i] == 0xFF; {
		marker, n := data[i+1], int(binary.BigEndian.Uint16(data[i+2:]))
		if marker == 0xDA || n < 2 || i+2+n > len(data) { // the first scan, or a broken segment
			return 1
		}
		seg := data[i+4 : i+2+n]
		if marker == 0xE1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
			return tiffOrientation(seg[6:])
		}
		i += 2 + n
	}
	return 1
}

// tiffOrientation reads the Orientation tag (0x0112, a SHORT) of the first IFD of a TIFF header.
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var order binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		order = binary.LittleEndian
	case "MM":
		order = binary.BigEndian
	default:
		return 1
	}
	ifd := int(order.Uint32(t[4:]))
	if order.Uint16(t[2:]) != 42 || ifd < 8 || ifd+2 > len(t) {
		return 1
	}
	for e, n := ifd+2, int(order.Uint16(t[ifd:])); n > 0 && e+12 <= len(t); e, n = e+12, n-1 {
		if order.Uint16(t[e:]) == 0x0112 {
			if o := int(order.Uint16(t[e+8:])); o >= 1 && o <= 8 {
				return o
			}
			return 1
		}
	}
	return 1
}

// orient turns a decoded JPEG upright by EXIF orientation o in its own planes, without converting it. Chroma
// subsampled 4:1 across has no layout image.YCbCr can hold once turned on its side; imaging converts that one.
func orient(m *image.YCbCr, o int) image.Image {
	if o < 2 || o > 8 {
		return m
	}
	hs, vs := shifts(m.SubsampleRatio)
	if o >= 5 {
		hs, vs = vs, hs
	}
	ratio, ok := ratioOf(hs, vs)
	if !ok {
		return map[int]func(image.Image) *image.NRGBA{5: imaging.Transpose, 6: imaging.Rotate270, 7: imaging.Transverse,
			8: imaging.Rotate90}[o](m)
	}
	luma, cb, cr, _, _ := planesYCbCr(m)
	w, h := luma.w, luma.h
	if o >= 5 {
		w, h = h, w
	}
	dst := image.NewYCbCr(image.Rect(0, 0, w, h), ratio)
	orientPlane(luma, dst.Y, dst.YStride, o)
	orientPlane(cb, dst.Cb, dst.CStride, o)
	orientPlane(cr, dst.Cr, dst.CStride, o)
	return dst
}

// orientPlane writes p turned by EXIF orientation o (2 to 8) into dst, rows stride apart. Orientations 5 to 8
// transpose; 2, 3, 7 and 8 then mirror across, 3, 4, 6 and 7 down. A chroma plane of an odd-sized image
// lands up to half a chroma sample off, which nothing downstream can see.
func orientPlane(p plane, dst []uint8, stride, o int) {
	transpose, across, down := o >= 5, o == 2 || o == 3 || o == 7 || o == 8, o == 3 || o == 4 || o == 6 || o == 7
	w, h := p.w, p.h
	if transpose {
		w, h = h, w
	}
	inParallel(h, func(from, to int) {
		for y := from; y < to; y++ {
			row := dst[y*stride : y*stride+w]
			for x := range row {
				sx, sy := x, y
				if transpose {
					sx, sy = y, x
				}
				if across {
					sx = p.w - 1 - sx
				}
				if down {
					sy = p.h - 1 - sy
				}
				row[x] = p.pix[sy*p.stride+sx]
			}
		}
	})
}

func damaged() error {
	return childmatch.Errorf(childmatch.EInvalid, "the image is damaged or truncated")
}

// workingScale is the factor the photo is scaled by before detection: down to WorkingMaxSide, or up 2×
// when small, because dlib's HOG detector finds faces from about 80 px. A photo at most WorkingSlack above
// the working size is detected as it is.
func workingScale(b image.Rectangle, limits childmatch.Limits) float64 {
	long := max(b.Dx(), b.Dy())
	switch {
	case float64(long) > float64(limits.WorkingMaxSide)*(1+childmatch.WorkingSlack):
		return float64(limits.WorkingMaxSide) / float64(long)
	case long < limits.UpsampleBelowSide:
		return 2
	}
	return 1
}
