package matcher

import (
	"bytes"
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

// sniff returns the content type of an accepted image from its bytes alone; the file name and the
// client's content type are never trusted.
func sniff(data []byte) (string, error) {
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
// hold, then decodes the image and turns it upright by its EXIF orientation.
func decode(data []byte, limits childmatch.Limits) (image.Image, string, error) {
	if int64(len(data)) > limits.MaxUploadBytes {
		return nil, "", childmatch.Errorf(childmatch.ETooLarge, "the photo is larger than the limit of %d MiB",
			limits.MaxUploadBytes>>20)
	}
	ct, err := sniff(data)
	if err != nil {
		return nil, "", err
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, "", damaged()
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, "", damaged()
	}
	if int64(cfg.Width)*int64(cfg.Height) > int64(limits.MaxPixels) {
		return nil, "", childmatch.Errorf(childmatch.ETooLarge, "the photo is %d×%d pixels, over the limit of %d megapixels",
			cfg.Width, cfg.Height, limits.MaxPixels/1_000_000)
	}
	img, err := imaging.Decode(bytes.NewReader(data), imaging.AutoOrientation(true))
	if err != nil {
		return nil, "", damaged()
	}
	return img, ct, nil
}

func damaged() error {
	return childmatch.Errorf(childmatch.EInvalid, "the image is damaged or truncated")
}

// workingScale is the factor the photo is scaled by before detection: down to WorkingMaxSide, or up 2×
// when small, because dlib's HOG detector finds faces from about 80 px.
func workingScale(b image.Rectangle, limits childmatch.Limits) float64 {
	long := max(b.Dx(), b.Dy())
	switch {
	case long > limits.WorkingMaxSide:
		return float64(limits.WorkingMaxSide) / float64(long)
	case long < limits.UpsampleBelowSide:
		return 2
	}
	return 1
}
