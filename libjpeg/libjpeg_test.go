package libjpeg_test

import (
	"bytes"
	"image"
	"image/draw"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"childmatch/fixtures"
	"childmatch/libjpeg"
)

// photo is a real photo of the shared set as RGBA.
func photo(t testing.TB) *image.RGBA {
	t.Helper()
	src, err := jpeg.Decode(bytes.NewReader(fixtures.Photo(t, "obama/obama1.jpg")))
	if err != nil {
		t.Fatal(err)
	}
	img := image.NewRGBA(src.Bounds())
	draw.Draw(img, img.Rect, src, src.Bounds().Min, draw.Src)
	return img
}

// noise is w×h of random grey pixels, which JPEG compresses worst (grey, so that 4:2:0 chroma loses nothing).
func noise(w, h int) *image.RGBA {
	r := rand.New(rand.NewPCG(1, 2))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		v := uint8(r.UintN(256))
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = v, v, v, 255
	}
	return img
}

// psnr compares the colour channels of a decoded JPEG with the RGBA it was encoded from.
func psnr(t *testing.T, want *image.RGBA, got image.Image) float64 {
	t.Helper()
	if got.Bounds().Size() != want.Rect.Size() {
		t.Fatalf("decoded size %v, want %v", got.Bounds().Size(), want.Rect.Size())
	}
	var se float64
	for y := 0; y < want.Rect.Dy(); y++ {
		for x := 0; x < want.Rect.Dx(); x++ {
			r, g, b, _ := got.At(got.Bounds().Min.X+x, got.Bounds().Min.Y+y).RGBA()
			o := want.PixOffset(want.Rect.Min.X+x, want.Rect.Min.Y+y)
			for i, v := range []uint32{r >> 8, g >> 8, b >> 8} {
				d := float64(v) - float64(want.Pix[o+i])
				se += d * d
			}
		}
	}
	mse := se / float64(3*want.Rect.Dx()*want.Rect.Dy())
	return 10 * math.Log10(255*255/mse)
}

func TestEncodeRGBA(t *testing.T) {
	p := photo(t)
	big := noise(700, 700)
	for _, tc := range []struct {
		name    string
		img     *image.RGBA
		quality int
		minPSNR float64
		minSize int // bytes the output must exceed: past the first buffer, to exercise its growth
	}{
		{"photo at 95", p, 95, 38, 0},
		{"photo at 50", p, 50, 30, 0},
		{"sub-image with an offset and the parent's stride", p.SubImage(image.Rect(101, 203, 517, 611)).(*image.RGBA), 95, 38, 0},
		{"noise at 100 outgrows the first buffer", big, 100, 30, 700*700/2 + 4096},
		{"one pixel", noise(1, 1), 90, 20, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := libjpeg.EncodeRGBA(tc.img, tc.quality)
			if err != nil {
				t.Fatal(err)
			}
			if len(out) <= tc.minSize {
				t.Fatalf("%d bytes, want more than %d", len(out), tc.minSize)
			}
			cfg, err := jpeg.DecodeConfig(bytes.NewReader(out))
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Width != tc.img.Rect.Dx() || cfg.Height != tc.img.Rect.Dy() {
				t.Fatalf("encoded %d×%d, want %v", cfg.Width, cfg.Height, tc.img.Rect.Size())
			}
			// dlib's loader (go-face) takes three-channel JPEGs only.
			dec, err := jpeg.Decode(bytes.NewReader(out))
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := dec.(*image.YCbCr); !ok {
				t.Fatalf("decoded as %T, want three-channel YCbCr", dec)
			}
			if got := psnr(t, tc.img, dec); got < tc.minPSNR {
				t.Fatalf("PSNR %.1f dB, want at least %.1f", got, tc.minPSNR)
			}
		})
	}
}

func TestEncodeRGBARefuses(t *testing.T) {
	for _, tc := range []struct {
		name    string
		img     *image.RGBA
		quality int
		want    string
	}{
		{"empty", image.NewRGBA(image.Rect(0, 0, 0, 10)), 90, "empty"},
		{"quality 0", noise(8, 8), 0, "quality"},
		{"quality 101", noise(8, 8), 101, "quality"},
		// libjpeg itself refuses this one: its error returns through the handler instead of exiting.
		{"wider than JPEG allows", image.NewRGBA(image.Rect(0, 0, 65501, 1)), 90, "maximum supported image dimension"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := libjpeg.EncodeRGBA(tc.img, tc.quality)
			if err == nil || !strings.Contains(strings.ToLower(err.Error()), tc.want) {
				t.Fatalf("got %d bytes, error %v; want an error about %q", len(out), err, tc.want)
			}
		})
	}
}

// BenchmarkEncode: a 900×1600 working image (a portrait phone photo at the pipeline's working size), by
// libjpeg-turbo and by image/jpeg, at the pipeline's quality.
func BenchmarkEncode(b *testing.B) {
	src := photo(b)
	img := image.NewRGBA(image.Rect(0, 0, 900, 1600))
	for y := 0; y < 1600; y += src.Rect.Dy() {
		for x := 0; x < 900; x += src.Rect.Dx() {
			draw.Draw(img, image.Rect(x, y, 900, 1600), src, src.Rect.Min, draw.Src)
		}
	}
	b.Run("libjpeg", func(b *testing.B) {
		for b.Loop() {
			if _, err := libjpeg.EncodeRGBA(img, 95); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("image-jpeg", func(b *testing.B) {
		for b.Loop() {
			if err := jpeg.Encode(&bytes.Buffer{}, img, &jpeg.Options{Quality: 95}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
