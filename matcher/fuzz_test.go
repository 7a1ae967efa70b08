package matcher

import (
	"flag"
	"image"
	"testing"

	"childmatch"
	"childmatch/fixtures"
)

// FuzzIntake: whatever the bytes, the intake (sniff, header check, decode, working image) answers either
// an error with an upload's code and a message, or an image within the bounds: of the type Sniff named, of
// the size its header declares, holding no more memory than the bound, and a working image within the
// working size. Seeded with shared photos and the hostile files; `go test` runs the seeds only.
func FuzzIntake(f *testing.F) {
	// While fuzzing, megabyte seeds that decode to hundreds of megabytes stall the mutator (14 executions in a
	// minute), so it gets small photos and small files of the hostile kinds; the plain run has the real ones.
	if flag.Lookup("test.fuzz").Value.String() != "" {
		for _, rel := range []string{"john_salley/000179_02159509.jpg", "_group/selfie-many-people.jpg"} {
			f.Add(fixtures.Photo(f, rel))
		}
		for _, data := range [][]byte{zeroPNG(f, 64, 48, 8, 2), zeroPNG(f, 48, 64, 16, 6), noiseJPEG(f, 64, 48),
			flatPNG(f, 48, 64), gradientJPEG(f, 96, 64), pngHeader(100000, 100000, 8, 2).Bytes()} {
			f.Add(data)
		}
	} else {
		for _, rel := range []string{"obama/obama1.jpg", "kit_harington/kit2.jpg", "alex_lacamoire/alex3.png", "_group/selfie-many-people.jpg"} {
			f.Add(fixtures.Photo(f, rel))
		}
		for _, h := range hostileInputs(f) {
			f.Add(h.data)
		}
	}
	limits := childmatch.DefaultLimits(1)
	f.Fuzz(func(t *testing.T, data []byte) {
		ct, cfg, checkErr := check(data, limits)
		img, size, decodedCT, err := decode(data, limits)
		if err != nil {
			switch code := childmatch.ErrorCodeOf(err); {
			case code != childmatch.EUnsupportedMedia && code != childmatch.ETooLarge && code != childmatch.EInvalid:
				t.Fatalf("code %q (%v), not an upload's", code, err)
			case checkErr == nil && code != childmatch.EInvalid:
				t.Fatalf("the header passed, and decoding said %q (%v), not that the image is damaged", code, err)
			case childmatch.ErrorMessage(err) == "":
				t.Fatalf("no message for %v", err)
			}
			return
		}
		if checkErr != nil || decodedCT != ct {
			t.Fatalf("decoded as %s; the header check said %s, %v", decodedCT, ct, checkErr)
		}
		if size != image.Pt(cfg.Width, cfg.Height) && size != image.Pt(cfg.Height, cfg.Width) {
			t.Fatalf("original %v, the header declares %d×%d", size, cfg.Width, cfg.Height)
		}
		b := img.Bounds()
		if b.Empty() || b.Dx() > size.X || b.Dy() > size.Y {
			t.Fatalf("decoded %v of a %v original", b, size)
		}
		if n := decodedBytes(img); n > int64(limits.MaxPixels)*childmatch.MaxDecodedBytesPerPixel {
			t.Fatalf("the decoded %v %T takes %d bytes", b, img, n)
		}
		work := working(img, limits)
		long := max(work.Bounds().Dx(), work.Bounds().Dy())
		if work.Bounds().Empty() || float64(long) > float64(limits.WorkingMaxSide)*(1+childmatch.WorkingSlack)+1 {
			t.Fatalf("working image %v from %v", work.Bounds(), b)
		}
	})
}
