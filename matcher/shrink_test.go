package matcher

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/disintegration/imaging"

	"childmatch/fixtures"
)

// phonePhoto is a real photo as a 1080×1920 portrait phone photo, decoded as a phone's JPEG is: YCbCr 4:2:0.
func phonePhoto(t testing.TB) *image.YCbCr {
	t.Helper()
	src, err := imaging.Decode(bytes.NewReader(fixtures.Photo(t, "obama/obama1.jpg")))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, imaging.Fill(src, 1080, 1920, imaging.Top, imaging.Lanczos), &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	img, err := jpeg.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return img.(*image.YCbCr)
}

// TestShrink: shrink gives imaging.Resize's result with the same filter, within rounding, from every kind of
// source the pipeline meets, at the ratios it uses.
func TestShrink(t *testing.T) {
	photo := phonePhoto(t)
	rgba := image.NewRGBA(photo.Rect)
	draw.Draw(rgba, rgba.Rect, photo, image.Point{}, draw.Src)
	gray := image.NewGray(photo.Rect)
	draw.Draw(gray, gray.Rect, photo, image.Point{}, draw.Src)
	// Half transparent on the left: shrink composites on black, as the JPEG encoder would.
	clear := imaging.Clone(photo)
	for i := 3; i < len(clear.Pix); i += 4 {
		if (i/4)%clear.Rect.Dx() < 400 {
			clear.Pix[i] = 0
		}
	}
	for _, tc := range []struct {
		name   string
		img    image.Image
		w, h   int
		k      kernel
		filter imaging.ResampleFilter
	}{
		{"phone photo to the working size", photo, 900, 1600, triangle, imaging.Linear},
		{"phone photo to a third", photo, 360, 640, triangle, imaging.Linear},
		{"a face's region, odd offset, to a chip", photo.SubImage(image.Rect(133, 301, 1011, 1179)), 283, 283, catmullRom, imaging.CatmullRom},
		{"RGBA", rgba, 900, 1600, triangle, imaging.Linear},
		{"opaque NRGBA", imaging.Clone(photo), 500, 889, catmullRom, imaging.CatmullRom},
		{"grey", gray, 900, 1600, triangle, imaging.Linear},
		{"transparent NRGBA", clear, 540, 960, triangle, imaging.Linear},
		{"same size", photo.SubImage(image.Rect(0, 0, 300, 200)), 300, 200, catmullRom, imaging.CatmullRom},
		{"to one pixel", photo, 1, 1, triangle, imaging.Linear},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := shrink(tc.img, tc.w, tc.h, tc.k)
			want := imaging.Resize(tc.img, tc.w, tc.h, tc.filter)
			if got.Rect != want.Rect {
				t.Fatalf("size %v, want %v", got.Rect, want.Rect)
			}
			// Colour may differ at sharp colour edges: a decoded JPEG's chroma is resampled at its own (half)
			// resolution, as the JPEG the result becomes will hold it, where imaging resamples full-resolution
			// RGB; where a colour is saturated, clamping to 0–255 then moves luma a few levels too.
			var offLuma int
			var sum float64
			for y := 0; y < tc.h; y++ {
				for x := 0; x < tc.w; x++ {
					r1, g1, b1, a1 := got.At(x, y).RGBA()
					r2, g2, b2, _ := want.At(x, y).RGBA() // premultiplied: composited on black
					if a1 != 0xffff {
						t.Fatalf("pixel %d,%d has alpha %d; want opaque", x, y, a1>>8)
					}
					y1, _, _ := color.RGBToYCbCr(uint8(r1>>8), uint8(g1>>8), uint8(b1>>8))
					y2, _, _ := color.RGBToYCbCr(uint8(r2>>8), uint8(g2>>8), uint8(b2>>8))
					if math.Abs(float64(y1)-float64(y2)) > 2 {
						offLuma++
					}
					for _, d := range []float64{float64(r1>>8) - float64(r2>>8), float64(g1>>8) - float64(g2>>8), float64(b1>>8) - float64(b2>>8)} {
						sum += math.Abs(d)
					}
				}
			}
			mean := sum / float64(3*tc.w*tc.h)
			if offLuma*1000 > tc.w*tc.h || mean > 1.5 {
				t.Fatalf("differs from imaging.Resize by more than 2 levels of luma in %d of %d pixels, by %.3f levels of colour on average; "+
					"want at most 0.1%% and 1.5", offLuma, tc.w*tc.h, mean)
			}
		})
	}
}

// TestShrinkPlane: one channel resampled gives imaging.Resize's result on the same grey image within two
// levels, at every ratio and offset the pipeline uses: each rounds to bytes after each pass, so each is within
// a level of the exact result.
func TestShrinkPlane(t *testing.T) {
	photo := phonePhoto(t)
	for _, tc := range []struct {
		name   string
		r      image.Rectangle
		w, h   int
		k      kernel
		filter imaging.ResampleFilter
	}{
		{"to the working size", photo.Rect, 900, 1600, triangle, imaging.Linear},
		{"to a third", photo.Rect, 360, 640, triangle, imaging.Linear},
		{"odd offset to a chip", image.Rect(133, 301, 1011, 1179), 283, 283, catmullRom, imaging.CatmullRom},
		{"slightly", image.Rect(5, 7, 405, 307), 399, 301, catmullRom, imaging.CatmullRom},
		{"to one sample", photo.Rect, 1, 1, triangle, imaging.Linear},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := plane{pix: photo.Y[photo.YOffset(tc.r.Min.X, tc.r.Min.Y):], stride: photo.YStride, w: tc.r.Dx(), h: tc.r.Dy()}
			got := shrinkPlane(src, tc.w, tc.h, tc.k)
			gray := &image.Gray{Pix: src.pix, Stride: src.stride, Rect: image.Rect(0, 0, src.w, src.h)}
			want := imaging.Resize(gray, tc.w, tc.h, tc.filter)
			for y := range tc.h {
				for x := range tc.w {
					if d := int(got.pix[y*got.stride+x]) - int(want.Pix[want.PixOffset(x, y)]); d < -2 || d > 2 {
						t.Fatalf("sample %d,%d is %d; imaging gives %d", x, y, got.pix[y*got.stride+x], want.Pix[want.PixOffset(x, y)])
					}
				}
			}
		})
	}
}

// TestTaps: every output sample's weights sum exactly to one and stay within the source.
func TestTaps(t *testing.T) {
	for _, tc := range []struct {
		src, dst int
		k        kernel
	}{{1920, 1600, triangle}, {1920, 7, catmullRom}, {1130, 283, catmullRom}, {10, 10, catmullRom}, {5, 1, triangle}} {
		tp := tapsFor(tc.src, tc.dst, tc.k)
		for i := range tc.dst {
			var sum int32
			for _, w := range tp.weight[i*tp.n : (i+1)*tp.n] {
				sum += w
			}
			if sum != 1<<weightBits || tp.first[i] < 0 || int(tp.first[i])+tp.n > tc.src {
				t.Fatalf("%d→%d, sample %d: %d taps from %d, summing to %d; want within %d summing to %d",
					tc.src, tc.dst, i, tp.n, tp.first[i], sum, tc.src, 1<<weightBits)
			}
		}
	}
}

// BenchmarkShrink: a 1080×1920 phone photo to the 900×1600 working size, by shrink and by imaging.Resize.
func BenchmarkShrink(b *testing.B) {
	photo := phonePhoto(b)
	b.Run("shrink", func(b *testing.B) {
		for b.Loop() {
			shrink(photo, 900, 1600, triangle)
		}
	})
	b.Run("imaging", func(b *testing.B) {
		for b.Loop() {
			imaging.Resize(photo, 900, 1600, imaging.Linear)
		}
	})
}

// TestYCbCrTables: the table conversion equals color.YCbCrToRGB for every colour.
func TestYCbCrTables(t *testing.T) {
	for y := range 256 {
		for cb := range 256 {
			for cr := range 256 {
				l, u, v := int32(y)*0x10101, ycc.cb[cb], ycc.cr[cr]
				r, g, b := color.YCbCrToRGB(uint8(y), uint8(cb), uint8(cr))
				if clamp16(l+v.r) != r || clamp16(l+u.g+v.g) != g || clamp16(l+u.b) != b {
					t.Fatalf("YCbCr %d,%d,%d: %d,%d,%d; color.YCbCrToRGB gives %d,%d,%d", y, cb, cr,
						clamp16(l+v.r), clamp16(l+u.g+v.g), clamp16(l+u.b), r, g, b)
				}
			}
		}
	}
}

// TestHalve: each pixel of the half-size image is the mean of its 2×2 block, within a level of rounding:
// from RGBA (an odd width and height, the last column and row dropped), and from a JPEG's 4:2:0 planes,
// whose chroma is taken at the block, against Go's conversion of the block's pixels averaged.
func TestHalve(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	src := image.NewRGBA(image.Rect(0, 0, 31, 17))
	for i := range src.Pix {
		src.Pix[i] = uint8(r.IntN(256))
	}
	got := halve(src)
	if got.Rect.Dx() != 15 || got.Rect.Dy() != 8 {
		t.Fatalf("size %v, want 15×8", got.Rect.Size())
	}
	for y := range 8 {
		for x := range 15 {
			for c := range 3 {
				sum := 0
				for _, p := range [][2]int{{0, 0}, {1, 0}, {0, 1}, {1, 1}} {
					sum += int(src.Pix[src.PixOffset(2*x+p[0], 2*y+p[1])+c])
				}
				if want, v := (sum+2)/4, int(got.Pix[got.PixOffset(x, y)+c]); v != want {
					t.Fatalf("RGBA (%d,%d) channel %d: %d, want %d", x, y, c, v, want)
				}
			}
		}
	}
	ycc := image.NewYCbCr(image.Rect(0, 0, 32, 18), image.YCbCrSubsampleRatio420)
	for _, p := range [][]uint8{ycc.Y, ycc.Cb, ycc.Cr} {
		for i := range p {
			p[i] = uint8(r.IntN(256))
		}
	}
	got = halve(ycc)
	for y := range 9 {
		for x := range 16 {
			sum := 0
			for _, p := range [][2]int{{0, 0}, {1, 0}, {0, 1}, {1, 1}} {
				sum += int(ycc.Y[ycc.YOffset(2*x+p[0], 2*y+p[1])])
			}
			c := ycc.COffset(2*x, 2*y)
			wr, wg, wb := color.YCbCrToRGB(uint8((sum+2)/4), ycc.Cb[c], ycc.Cr[c])
			o := got.PixOffset(x, y)
			if got.Pix[o] != wr || got.Pix[o+1] != wg || got.Pix[o+2] != wb || got.Pix[o+3] != 255 {
				t.Fatalf("4:2:0 (%d,%d): %v, want %d,%d,%d", x, y, got.Pix[o:o+4], wr, wg, wb)
			}
		}
	}
}
