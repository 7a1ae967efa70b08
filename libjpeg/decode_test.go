package libjpeg_test

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"strings"
	"testing"

	"github.com/disintegration/imaging"

	"childmatch/fixtures"
	"childmatch/libjpeg"
)

// meanDiff is the mean absolute difference of two planes of w×h.
func meanDiff(a, b []uint8, aStride, bStride, w, h int) float64 {
	var sum float64
	for y := range h {
		for x := range w {
			sum += math.Abs(float64(a[y*aStride+x]) - float64(b[y*bStride+x]))
		}
	}
	return sum / float64(w*h)
}

// TestDecodeYCbCr: at full size, the planes image/jpeg decodes, within a level or two (the two inverse DCTs
// round differently); scaled by M/8, planes of ⌈size·M/8⌉ holding the full-size photo scaled down: exactly its
// block means at 1/8, the same picture as imaging's scaling at the other sizes.
func TestDecodeYCbCr(t *testing.T) {
	for _, rel := range []string{"obama/obama1.jpg", "person04/img17.jpg", "kit_harington/kit2.jpg"} {
		data := fixtures.Photo(t, rel)
		full, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		want := full.(*image.YCbCr)
		for eighths := 8; eighths >= 1; eighths-- {
			got, err := libjpeg.DecodeYCbCr(data, eighths)
			if err != nil {
				t.Fatalf("%s at %d/8: %v", rel, eighths, err)
			}
			w := (want.Rect.Dx()*eighths + 7) / 8
			h := (want.Rect.Dy()*eighths + 7) / 8
			if got.Rect != image.Rect(0, 0, w, h) {
				t.Fatalf("%s at %d/8: %v, want %d×%d", rel, eighths, got.Rect, w, h)
			}
			if eighths == 8 {
				if got.SubsampleRatio != want.SubsampleRatio {
					t.Fatalf("%s: chroma %v, image/jpeg gives %v", rel, got.SubsampleRatio, want.SubsampleRatio)
				}
				var sum [3]float64
				for y := range h {
					for x := range w {
						gi, wi, gc, wc := got.YOffset(x, y), want.YOffset(x, y), got.COffset(x, y), want.COffset(x, y)
						for c, d := range []int{int(got.Y[gi]) - int(want.Y[wi]), int(got.Cb[gc]) - int(want.Cb[wc]), int(got.Cr[gc]) - int(want.Cr[wc])} {
							if d > 2 || d < -2 {
								t.Fatalf("%s: channel %d at %d,%d is %d levels from image/jpeg's", rel, c, x, y, d)
							}
							sum[c] += math.Abs(float64(d))
						}
					}
				}
				for c := range sum {
					if mean := sum[c] / float64(w*h); mean > 0.2 {
						t.Fatalf("%s: channel %d is %.3f levels from image/jpeg's on average", rel, c, mean)
					}
				}
				continue
			}
			// At 1/8 each luma sample is its 8×8 block's DC term: the mean of the block decoded at full size.
			if eighths == 1 {
				for by := range want.Rect.Dy() / 8 {
					for bx := range want.Rect.Dx() / 8 {
						var sum int
						for y := by * 8; y < by*8+8; y++ {
							for x := bx * 8; x < bx*8+8; x++ {
								sum += int(want.Y[want.YOffset(x, y)])
							}
						}
						if d := float64(got.Y[got.YOffset(bx, by)]) - float64(sum)/64; math.Abs(d) > 1.5 {
							t.Fatalf("%s at 1/8: block %d,%d is %.1f levels from its full-size mean", rel, bx, by, d)
						}
					}
				}
				continue
			}
			// Otherwise, the same picture as the full decode scaled down by imaging (the filters differ), in
			// luma and in both chroma channels (libjpeg decodes chroma at its own DCT size when scaling).
			ref := imaging.Resize(full, w, h, imaging.Linear)
			var sum [3]float64
			for y := range h {
				for x := range w {
					g := got.YCbCrAt(x, y)
					r, gr, b, _ := ref.At(x, y).RGBA()
					yy, cb, cr := color.RGBToYCbCr(uint8(r>>8), uint8(gr>>8), uint8(b>>8))
					sum[0] += math.Abs(float64(g.Y) - float64(yy))
					sum[1] += math.Abs(float64(g.Cb) - float64(cb))
					sum[2] += math.Abs(float64(g.Cr) - float64(cr))
				}
			}
			for c, limit := range []float64{10, 2, 2} {
				if mean := sum[c] / float64(w*h); mean > limit {
					t.Fatalf("%s at %d/8: channel %c %.2f levels from the full decode scaled down, on average", rel, eighths, "YBR"[c], mean)
				}
			}
		}
	}
}

func TestDecodeYCbCrRefuses(t *testing.T) {
	photo := fixtures.Photo(t, "obama/obama1.jpg")
	var grey bytes.Buffer
	if err := jpeg.Encode(&grey, image.NewGray(image.Rect(0, 0, 64, 64)), nil); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		data    []byte
		eighths int
		want    string
	}{
		{"grey", grey.Bytes(), 8, "not a ycbcr jpeg"},
		// libjpeg only warns of this one, and would fill in grey: a warning is an error here.
		{"truncated", photo[:len(photo)/2], 8, "premature end"},
		{"not a JPEG", []byte("\x89PNG\r\n\x1a\n and more"), 8, "not a jpeg"},
		{"empty", nil, 8, "no data"},
		{"scale 0", photo, 0, "scale"},
		{"scale 9/8", photo, 9, "scale"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img, err := libjpeg.DecodeYCbCr(tc.data, tc.eighths)
			if err == nil || !strings.Contains(strings.ToLower(err.Error()), tc.want) {
				t.Fatalf("got %v, error %v; want an error about %q", img != nil, err, tc.want)
			}
		})
	}
}

// BenchmarkDecode: a 4000×3000 photo (a 12-megapixel phone camera's) decoded by libjpeg-turbo reduced to the
// working size's 1/2, at full size, and by image/jpeg at full size.
func BenchmarkDecode(b *testing.B) {
	src := photo(b)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, imaging.Fill(src, 4000, 3000, imaging.Center, imaging.Linear), &jpeg.Options{Quality: 90}); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	for _, bc := range []struct {
		name string
		fn   func() error
	}{
		{"libjpeg-4/8", func() error { _, err := libjpeg.DecodeYCbCr(data, 4); return err }},
		{"libjpeg-8/8", func() error { _, err := libjpeg.DecodeYCbCr(data, 8); return err }},
		{"image-jpeg", func() error { _, err := jpeg.Decode(bytes.NewReader(data)); return err }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if err := bc.fn(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
