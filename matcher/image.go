package matcher

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
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

// check checks the byte bound, the format and the header with the pixel bound, decoding no pixel, and
// returns the content type and the header.
func check(data []byte, limits childmatch.Limits) (string, image.Config, error) {
	ct, err := sniff(data, limits)
	if err != nil {
		return "", image.Config{}, err
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return "", image.Config{}, damaged()
	}
	pixels := int64(cfg.Width) * int64(cfg.Height)
	if pixels > int64(limits.MaxPixels) {
		return "", image.Config{}, childmatch.Errorf(childmatch.ETooLarge, "the photo is %d×%d pixels, over the limit of %d megapixels",
			cfg.Width, cfg.Height, limits.MaxPixels/1_000_000)
	}
	if bpp := bytesPerPixel(cfg.ColorModel); pixels*bpp > int64(limits.MaxPixels)*childmatch.MaxDecodedBytesPerPixel {
		return "", image.Config{}, childmatch.Errorf(childmatch.ETooLarge,
			// Only 16 bits a channel (8 bytes a pixel) takes more than MaxDecodedBytesPerPixel.
			"the photo is %d×%d pixels at 16 bits a channel, over the limit of %d megapixels at that depth; send it at 8 bits",
			cfg.Width, cfg.Height, int64(limits.MaxPixels)*childmatch.MaxDecodedBytesPerPixel/bpp/1_000_000)
	}
	return ct, cfg, nil
}

// bytesPerPixel is what a pixel of the colour model takes decoded: 8 for 16 bits a channel with alpha, 4 for
// RGBA and CMYK, 3 for YCbCr at full chroma, 2 and 1 for 16- and 8-bit grey and for a palette.
func bytesPerPixel(model color.Model) int64 {
	if _, ok := model.(color.Palette); ok { // a slice: compared with == below, it would panic
		return 1
	}
	switch model {
	case color.GrayModel, color.AlphaModel:
		return 1
	case color.Gray16Model, color.Alpha16Model:
		return 2
	case color.YCbCrModel:
		return 3
	case color.RGBA64Model, color.NRGBA64Model:
		return 8
	}
	return 4
}

// decodedBytes is the memory a decoded image's pixels take.
func decodedBytes(img image.Image) int64 {
	b := img.Bounds()
	return int64(b.Dx()) * int64(b.Dy()) * bytesPerPixel(img.ColorModel())
}

// decode checks the upload (check), then decodes the image and turns it upright by its EXIF orientation. It
// returns the upright image and the upright original's size, which differ when a large JPEG is decoded
// reduced (see decodeJPEG).
func decode(data []byte, limits childmatch.Limits) (image.Image, image.Point, string, error) {
	ct, cfg, err := check(data, limits)
	if err != nil {
		return nil, image.Point{}, "", err
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
	img, err := decodeReduced(data, cfg.Width, cfg.Height, eighths)
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

// decodeReduced is libjpeg.DecodeYCbCr(data, eighths) for a JPEG stored as w×h, at the same size, in about
// half the time at 5/8, 6/8 and 7/8: there libjpeg-turbo's inverse DCT has no vector code, and a 1080×1920
// photo took 17, 20 and 34 ms against 11 ms at 8/8 (3/8 took 10, as long as 4/8). Such a JPEG is decoded at
// 8/8 and its planes shrunk to ⌈w·eighths/8⌉ × ⌈h·eighths/8⌉ with the linear filter, the working image's
// (BenchmarkDecodeReduced; TestReducedDecodeKeepsEveryFace: no face lost). Its chroma stays subsampled, where
// libjpeg's reduction gives it at full size.
func decodeReduced(data []byte, w, h, eighths int) (*image.YCbCr, error) {
	if eighths < 5 || eighths == 8 {
		return libjpeg.DecodeYCbCr(data, eighths)
	}
	img, err := libjpeg.DecodeYCbCr(data, 8)
	if err != nil {
		return nil, err
	}
	return shrinkYCbCr(img, (w*eighths+7)/8, (h*eighths+7)/8, triangle), nil
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

// turn is an EXIF orientation of a w×h source: transpose (orientations 5 to 8), then mirror across (2, 3, 7,
// 8) and down (3, 4, 6, 7).
type turn struct {
	transpose, across, down bool
	w, h                    int
}

// column and row map a column and a row of the source, before mirroring, to the source's.
func (t turn) column(x int) int {
	if t.across {
		return t.w - 1 - x
	}
	return x
}

func (t turn) row(y int) int {
	if t.down {
		return t.h - 1 - y
	}
	return y
}

// orient turns a decoded JPEG upright by EXIF orientation o in its own planes, without converting it. Each
// chroma sample of the result is the one under its first pixel in the source, so chroma stays exact; where
// mirroring a side whose length is not a multiple of the subsampling would split blocks, that side's chroma
// is kept at full resolution, and a layout image.YCbCr does not have (4:1:1 on its side) becomes 4:4:4.
func orient(m *image.YCbCr, o int) *image.YCbCr {
	if o < 2 || o > 8 {
		return m
	}
	luma, cb, cr, hs, vs := planesYCbCr(m)
	t := turn{transpose: o >= 5, across: o == 2 || o == 3 || o == 7 || o == 8, down: o == 3 || o == 4 || o == 6 || o == 7,
		w: luma.w, h: luma.h}
	keep := func(s uint, mirrored bool, length int) uint {
		if mirrored && length%(1<<s) != 0 {
			return 0
		}
		return s
	}
	dhs, dvs := keep(hs, t.across, luma.w), keep(vs, t.down, luma.h)
	w, h := luma.w, luma.h
	if t.transpose {
		dhs, dvs, w, h = dvs, dhs, h, w
	}
	ratio, ok := libjpeg.Layout(dhs, dvs)
	if !ok {
		dhs, dvs, ratio = 0, 0, image.YCbCrSubsampleRatio444
	}
	dst := image.NewYCbCr(image.Rect(0, 0, w, h), ratio)
	orientPlane(plane{pix: dst.Y, stride: dst.YStride, w: w, h: h}, 0, 0, luma, 0, 0, t)
	cw, ch := (w+1<<dhs-1)>>dhs, (h+1<<dvs-1)>>dvs
	orientPlane(plane{pix: dst.Cb, stride: dst.CStride, w: cw, h: ch}, dhs, dvs, cb, hs, vs, t)
	orientPlane(plane{pix: dst.Cr, stride: dst.CStride, w: cw, h: ch}, dhs, dvs, cr, hs, vs, t)
	return dst
}

// orientPlane fills dst, whose sample (x, y) covers the turned image's pixels from (x<<dhs, y<<dvs), with the
// sample of src (subsampled by hs, vs) under the source pixel t maps the first of them to. A turn maps the
// result's columns to the source's columns (transposed, its rows) and its rows to the other, so that
// sample's offset in src is cols[x] + rows[y].
func orientPlane(dst plane, dhs, dvs uint, src plane, hs, vs uint, t turn) {
	cols, rows := make([]int, dst.w), make([]int, dst.h)
	for x := range cols {
		if t.transpose {
			cols[x] = t.row(x<<dhs) >> vs * src.stride
		} else {
			cols[x] = t.column(x<<dhs) >> hs
		}
	}
	for y := range rows {
		if t.transpose {
			rows[y] = t.column(y<<dvs) >> hs
		} else {
			rows[y] = t.row(y<<dvs) >> vs * src.stride
		}
	}
	inParallel(dst.h, func(from, to int) {
		for y := from; y < to; y++ {
			row, base := dst.pix[y*dst.stride:y*dst.stride+dst.w], rows[y]
			for x, c := range cols {
				row[x] = src.pix[base+c]
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
