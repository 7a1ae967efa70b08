package matcher

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"testing"

	"github.com/disintegration/imaging"

	"childmatch"
	"childmatch/fixtures"
	"childmatch/libjpeg"
)

// mosaics lays the shared photos out on landscape canvases of long side long (grey, 16:9), four across and two
// down, each photo scaled to fit its tile, as quality-90 JPEGs: photos whose faces come out at many sizes,
// some near the detector's smallest, once the canvas is reduced to the working size.
func mosaics(tb testing.TB, long int) [][]byte {
	tb.Helper()
	const across, down = 4, 2
	tw, th := long/across, long*9/16/down
	var out [][]byte
	rels := fixtures.All(tb)
	for first := 0; first < len(rels); first += across * down {
		canvas := imaging.New(long, long*9/16, color.Gray{Y: 128})
		for i, rel := range rels[first:min(len(rels), first+across*down)] {
			src, err := imaging.Decode(bytes.NewReader(fixtures.Photo(tb, rel)), imaging.AutoOrientation(true))
			if err != nil {
				tb.Fatalf("%s: %v", rel, err)
			}
			canvas = imaging.Paste(canvas, imaging.Fit(src, tw, th, imaging.Lanczos), image.Pt(i%across*tw, i/across*th))
		}
		data, err := libjpeg.EncodeRGBA(opaqueRGBA(canvas), 90)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, data)
	}
	return out
}

// TestReducedDecodeKeepsEveryFace: a JPEG reduced at 7/8, 6/8 or 5/8 (a long side of 1,829 to 3,199 px) is
// decoded at full size and resampled (decodeReduced). On mosaics of every shared photo at a long side that
// takes each of those reductions, dlib's HOG on the working image finds every face it finds on libjpeg's own
// reduction, at the same place (the faces found only on the resampled one are logged and counted), and the
// luma differs from libjpeg's by under two levels on average (1.9 at 6/8: the filters differ).
func TestReducedDecodeKeepsEveryFace(t *testing.T) {
	h := testHOG(t)
	limits := childmatch.DefaultLimits(2)
	var faces, gained int
	for _, long := range []int{1920, 2400, 3000} {
		for i, data := range mosaics(t, long) {
			cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			got, _, ok := decodeJPEG(data, cfg, limits)
			if !ok {
				t.Fatalf("%d px, mosaic %d: not decoded", long, i)
			}
			eighths := 8
			for eighths > 1 && (long*(eighths-1)+7)/8 >= limits.WorkingMaxSide {
				eighths--
			}
			if eighths < 5 || eighths == 8 {
				t.Fatalf("%d px is decoded at %d/8, by libjpeg alone: not a case of this test", long, eighths)
			}
			want, err := libjpeg.DecodeYCbCr(data, eighths)
			if err != nil {
				t.Fatal(err)
			}
			g := got.(*image.YCbCr)
			if g.Rect != want.Rect {
				t.Fatalf("%d px at %d/8: %v, libjpeg gives %v", long, eighths, g.Rect, want.Rect)
			}
			if d := meanLumaDiff(g, want); d > 2 {
				t.Errorf("%d px at %d/8, mosaic %d: luma differs from libjpeg's by %.2f levels on average", long, eighths, i, d)
			}
			before, err := h.detect(working(want, limits), 2)
			if err != nil {
				t.Fatal(err)
			}
			after, err := h.detect(working(got, limits), 2)
			if err != nil {
				t.Fatal(err)
			}
			faces += len(before)
			for _, b := range before {
				if !overlapsOne(b, after) {
					t.Errorf("%d px at %d/8, mosaic %d: HOG finds a face at %v on libjpeg's reduction, not on the resampled one (%v)",
						long, eighths, i, b, after)
				}
			}
			for _, a := range after {
				if !overlapsOne(a, before) {
					gained++
					t.Logf("%d px at %d/8, mosaic %d: a face at %v only on the resampled decoding", long, eighths, i, a)
				}
			}
		}
	}
	if faces < 250 {
		t.Fatalf("only %d faces found on the mosaics", faces)
	}
	t.Logf("%d faces found on libjpeg's reductions, every one on the resampled decodings too; %d found only there", faces, gained)
}

func meanLumaDiff(a, b *image.YCbCr) float64 {
	var sum int
	for y := range a.Rect.Dy() {
		ra, rb := a.Y[y*a.YStride:][:a.Rect.Dx()], b.Y[y*b.YStride:][:b.Rect.Dx()]
		for x := range ra {
			sum += max(int(ra[x])-int(rb[x]), int(rb[x])-int(ra[x]))
		}
	}
	return float64(sum) / float64(a.Rect.Dx()*a.Rect.Dy())
}

// BenchmarkDecodeReduced: a 1080×1920 photo decoded at 7/8, the working size, by libjpeg-turbo's reduction
// and by decodeReduced (8/8 and the linear filter).
func BenchmarkDecodeReduced(b *testing.B) {
	src, err := imaging.Decode(bytes.NewReader(fixtures.Photo(b, "obama/obama1.jpg")))
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, imaging.Fill(src, 1080, 1920, imaging.Top, imaging.Lanczos), &jpeg.Options{Quality: 90}); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	for _, bc := range []struct {
		name string
		fn   func() error
	}{
		{"libjpeg-7/8", func() error { _, err := libjpeg.DecodeYCbCr(data, 7); return err }},
		{"resampled-7/8", func() error { _, err := decodeReduced(data, 1080, 1920, 7); return err }},
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
