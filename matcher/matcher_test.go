package matcher

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/disintegration/imaging"
	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"

	"childmatch"
	"childmatch/fixtures"
	"childmatch/libjpeg"
)

var (
	shared     *Matcher
	sharedErr  error
	sharedOnce sync.Once

	service     *Matcher
	serviceErr  error
	serviceOnce sync.Once
)

// serviceMatcher is a matcher as `make run` configures the service's (MTCNN first, dlib's network in ONNX
// Runtime), loaded once for the package: what the throughput benchmarks measure.
func serviceMatcher(tb testing.TB) *Matcher {
	tb.Helper()
	library, _ := fixtures.ONNXRuntime(tb)
	serviceOnce.Do(func() {
		service, serviceErr = New(Config{ModelsDir: fixtures.ModelsDir(tb), Limits: childmatch.DefaultLimits(2), Detector: MTCNNFirst,
			ONNXLibrary: library})
	})
	if serviceErr != nil {
		tb.Fatal(serviceErr)
	}
	return service
}

// testMatcher loads the real models once for the package.
func testMatcher(t testing.TB) *Matcher {
	t.Helper()
	sharedOnce.Do(func() {
		shared, sharedErr = New(Config{ModelsDir: fixtures.ModelsDir(t), Limits: childmatch.DefaultLimits(2)})
	})
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return shared
}

func analyze(t *testing.T, data []byte) *childmatch.Analysis {
	t.Helper()
	a, err := testMatcher(t).Analyze(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestDetectionOnSharedPhotos: every photo of a person folder and of _partial holds exactly one face,
// every _nonface photo none, every _group photo two or more (the set's README says what dlib finds).
func TestDetectionOnSharedPhotos(t *testing.T) {
	folders := map[string][2]int{"_nonface": {0, 0}, "_group": {2, 5}, "_partial": {1, 1}}
	for person := range fixtures.People(t) {
		folders[person] = [2]int{1, 1}
	}
	for folder, want := range folders {
		for _, rel := range fixtures.Folder(t, folder) {
			t.Run(rel, func(t *testing.T) {
				a := analyze(t, fixtures.Photo(t, rel))
				if n := len(a.Faces); n < want[0] || n > want[1] {
					t.Fatalf("%d faces, want %d to %d", n, want[0], want[1])
				}
				for _, f := range a.Faces {
					if f.Box.Width() <= 0 || f.Box.Max.X > a.Width || f.Box.Max.Y > a.Height || len(f.Landmarks) != 5 ||
						!f.Descriptor.Valid() || !bytes.HasPrefix(f.Chip, []byte{0xFF, 0xD8}) || f.Quality.FaceSize != f.Box.Width() {
						t.Fatalf("malformed face %+v in a %dx%d photo", f.Box, a.Width, a.Height)
					}
				}
			})
		}
	}
}

// TestSamePersonCloser: with the real model, a photo of a person lies under 0.6 from another photo of
// that person for most photos, and most pairs of different people lie over 0.6.
func TestSamePersonCloser(t *testing.T) {
	samples := peopleDescriptors(t)
	withMate, impostorFar, impostors := 0, 0, 0
	var genuine, impostor []float64
	for i := range samples {
		mate := false
		for j := range samples {
			if i == j {
				continue
			}
			d := float64(samples[i].Descriptor.Distance(&samples[j].Descriptor))
			if samples[i].Person == samples[j].Person {
				mate = mate || d < 0.6
				if j > i {
					genuine = append(genuine, d)
				}
			} else if j > i {
				impostors++
				impostor = append(impostor, d)
				if d > 0.6 {
					impostorFar++
				}
			}
		}
		if mate {
			withMate++
		}
	}
	sort.Float64s(genuine)
	sort.Float64s(impostor)
	t.Logf("%d photos: %d have a same-person photo under 0.6; genuine median %.3f max %.3f; impostor min %.3f median %.3f; %d/%d impostor pairs over 0.6",
		len(samples), withMate, genuine[len(genuine)/2], genuine[len(genuine)-1], impostor[0], impostor[len(impostor)/2], impostorFar, impostors)
	if 2*withMate <= len(samples) {
		t.Errorf("only %d of %d photos lie under 0.6 from another photo of the same person", withMate, len(samples))
	}
	if 2*impostorFar <= impostors {
		t.Errorf("only %d of %d different-person pairs lie over 0.6", impostorFar, impostors)
	}
}

func encodeJPEG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// withOrientation inserts an EXIF APP1 segment carrying the orientation tag right after the JPEG SOI, in
// big-endian TIFF order (as most cameras write it).
func withOrientation(jpegData []byte, orientation uint16) []byte {
	return withExif(jpegData, binary.BigEndian, orientation)
}

// withExif inserts an EXIF APP1 segment whose first IFD holds a make tag and then the orientation tag, in
// the given byte order, right after the JPEG SOI.
func withExif(jpegData []byte, order binary.ByteOrder, orientation uint16) []byte {
	var tiffHdr bytes.Buffer
	tiffHdr.WriteString(map[binary.ByteOrder]string{binary.BigEndian: "MM\x00\x2a", binary.LittleEndian: "II\x2a\x00"}[order])
	binary.Write(&tiffHdr, order, uint32(8))                // first IFD offset
	binary.Write(&tiffHdr, order, uint16(2))                // two entries
	binary.Write(&tiffHdr, order, []uint16{0x010F, 2})      // Make, ASCII
	binary.Write(&tiffHdr, order, uint32(4))                // count
	tiffHdr.WriteString("Cam\x00")                          // value, inline
	binary.Write(&tiffHdr, order, []uint16{0x0112, 3})      // Orientation, SHORT
	binary.Write(&tiffHdr, order, uint32(1))                // count
	binary.Write(&tiffHdr, order, []uint16{orientation, 0}) // value, padding
	binary.Write(&tiffHdr, order, uint32(0))                // no next IFD
	payload := append([]byte("Exif\x00\x00"), tiffHdr.Bytes()...)
	seg := []byte{0xFF, 0xE1, byte((len(payload) + 2) >> 8), byte(len(payload) + 2)}
	out := append([]byte{0xFF, 0xD8}, seg...)
	out = append(out, payload...)
	return append(out, jpegData[2:]...)
}

// TestOriginalFrame: boxes are in the upright original's pixels: a half-size copy gives a half-size box at
// half the position, and a photo stored rotated with an EXIF orientation tag gives the upright photo's face
// and box.
func TestOriginalFrame(t *testing.T) {
	src, err := imaging.Decode(bytes.NewReader(fixtures.Photo(t, "obama/obama1.jpg")))
	if err != nil {
		t.Fatal(err)
	}
	upright := analyze(t, encodeJPEG(t, src))
	if len(upright.Faces) != 1 {
		t.Fatalf("upright: %d faces", len(upright.Faces))
	}
	ref := upright.Faces[0]

	half := analyze(t, encodeJPEG(t, imaging.Resize(src, src.Bounds().Dx()/2, 0, imaging.Lanczos)))
	if len(half.Faces) != 1 {
		t.Fatalf("half size: %d faces", len(half.Faces))
	}
	hb := half.Faces[0].Box
	for _, v := range [][2]int{{hb.Min.X * 2, ref.Box.Min.X}, {hb.Min.Y * 2, ref.Box.Min.Y}, {hb.Width() * 2, ref.Box.Width()}} {
		if math.Abs(float64(v[0]-v[1])) > 0.1*float64(ref.Box.Width()) {
			t.Fatalf("half-size box %+v is not half of %+v", hb, ref.Box)
		}
	}

	for _, tc := range []struct {
		orientation uint16
		stored      func(image.Image) *image.NRGBA // how a camera stores the upright scene for that tag
	}{
		{3, imaging.Rotate180},
		{6, imaging.Rotate90}, // tag 6: turn 90° clockwise to display, so stored turned counter-clockwise
		{8, imaging.Rotate270},
	} {
		a := analyze(t, withOrientation(encodeJPEG(t, tc.stored(src)), tc.orientation))
		if a.Width != upright.Width || a.Height != upright.Height || len(a.Faces) != 1 {
			t.Fatalf("orientation %d: %dx%d with %d faces, want %dx%d with 1", tc.orientation, a.Width, a.Height,
				len(a.Faces), upright.Width, upright.Height)
		}
		f := a.Faces[0]
		if d := f.Descriptor.Distance(&ref.Descriptor); d > 0.1 {
			t.Errorf("orientation %d: descriptor %.3f from the upright one", tc.orientation, d)
		}
		if math.Abs(float64(f.Box.Min.X-ref.Box.Min.X)) > 0.1*float64(ref.Box.Width()) ||
			math.Abs(float64(f.Box.Min.Y-ref.Box.Min.Y)) > 0.1*float64(ref.Box.Width()) {
			t.Errorf("orientation %d: box %+v, upright %+v", tc.orientation, f.Box, ref.Box)
		}
	}
}

// TestDecodeOrientation: a JPEG decoded in its planes and turned upright is the picture imaging decodes and
// turns for every EXIF orientation, in either byte order, within the two decoders' rounding; a large one
// is decoded reduced, with the upright original's size reported.
func TestDecodeOrientation(t *testing.T) {
	limits := childmatch.DefaultLimits(1)
	photo, err := imaging.Decode(bytes.NewReader(fixtures.Photo(t, "obama/obama1.jpg")))
	if err != nil {
		t.Fatal(err)
	}
	large := imaging.Resize(photo, 0, 2600, imaging.Linear) // decoded at 5/8: 1625 px on the long side
	for _, tc := range []struct {
		name    string
		data    []byte
		size    image.Point // the stored (unturned) size
		reduced bool
	}{
		{"4:2:0", fixtures.Photo(t, "obama/obama1.jpg"), photo.Bounds().Size(), false},
		{"4:4:4", fixtures.Photo(t, "kit_harington/kit2.jpg"), image.Pt(630, 374), false},
		{"large 4:2:0", encodeJPEG(t, large), large.Bounds().Size(), true},
		{"odd-sized 4:2:0", encodeJPEG(t, imaging.Crop(photo, image.Rect(0, 0, 819, 1023))), image.Pt(819, 1023), false},
	} {
		for _, order := range []binary.ByteOrder{binary.BigEndian, binary.LittleEndian} {
			for o := uint16(1); o <= 8; o++ {
				data := withExif(tc.data, order, o)
				got, size, _, err := decode(data, limits)
				if err != nil {
					t.Fatal(err)
				}
				want, err := imaging.Decode(bytes.NewReader(data), imaging.AutoOrientation(true))
				if err != nil {
					t.Fatal(err)
				}
				upright := tc.size
				if o >= 5 {
					upright = image.Pt(tc.size.Y, tc.size.X)
				}
				if size != upright || want.Bounds().Size() != upright {
					t.Fatalf("%s, %v, orientation %d: original %v (imaging: %v), want %v", tc.name, order, o, size, want.Bounds().Size(), upright)
				}
				if reduced := got.Bounds().Size() != upright; reduced != tc.reduced ||
					reduced && (8*got.Bounds().Dx() < 5*upright.X || max(got.Bounds().Dx(), got.Bounds().Dy()) < limits.WorkingMaxSide) {
					t.Fatalf("%s, orientation %d: decoded at %v of %v; want it reduced (%v) by the most that keeps %d px", tc.name, o,
						got.Bounds().Size(), upright, tc.reduced, limits.WorkingMaxSide)
				}
				if tc.reduced {
					want = imaging.Resize(want, got.Bounds().Dx(), got.Bounds().Dy(), imaging.Linear)
				}
				if _, planar := got.(*image.YCbCr); !planar {
					t.Fatalf("%s, orientation %d: decoded as %T, not in libjpeg's planes", tc.name, o, got)
				}
				// Luma and both chroma channels, so that chroma turned the wrong way shows.
				var sum [3]float64
				for y := range got.Bounds().Dy() {
					for x := range got.Bounds().Dx() {
						g0, g1, g2 := colorToYCbCr(got.At(x, y))
						w0, w1, w2 := colorToYCbCr(want.At(x, y))
						sum[0] += math.Abs(float64(g0) - float64(w0))
						sum[1] += math.Abs(float64(g1) - float64(w1))
						sum[2] += math.Abs(float64(g2) - float64(w2))
					}
				}
				n := float64(got.Bounds().Dx() * got.Bounds().Dy())
				for c, limit := range []float64{2, 1, 1} {
					if mean := sum[c] / n; mean > limit {
						t.Fatalf("%s, %v, orientation %d: channel %c %.2f levels from imaging's on average", tc.name, order, o, "YBR"[c], mean)
					}
				}
			}
		}
	}
}

func colorToYCbCr(c color.Color) (uint8, uint8, uint8) {
	r, g, b, _ := c.RGBA()
	return color.RGBToYCbCr(uint8(r>>8), uint8(g>>8), uint8(b>>8))
}

// TestOrient: every pixel of a plane-turned image, chroma included, is exactly the source pixel the EXIF
// orientation puts there, for every chroma layout, odd and even sizes. Where the pixel comes from is read
// from imaging's own turn of a map of coordinates.
func TestOrient(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	turn := map[int]func(image.Image) *image.NRGBA{1: imaging.Clone, 2: imaging.FlipH, 3: imaging.Rotate180, 4: imaging.FlipV,
		5: imaging.Transpose, 6: imaging.Rotate270, 7: imaging.Transverse, 8: imaging.Rotate90}
	for _, ratio := range []image.YCbCrSubsampleRatio{image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422,
		image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410} {
		for _, size := range []image.Point{{8, 6}, {7, 5}, {13, 9}, {1, 3}} {
			src := image.NewYCbCr(image.Rect(0, 0, size.X, size.Y), ratio)
			for _, p := range [][]uint8{src.Y, src.Cb, src.Cr} {
				for i := range p {
					p[i] = uint8(r.UintN(256))
				}
			}
			coords := image.NewNRGBA(src.Rect)
			for y := range size.Y {
				for x := range size.X {
					coords.SetNRGBA(x, y, color.NRGBA{uint8(x), uint8(y), 0, 255})
				}
			}
			for o := 1; o <= 8; o++ {
				got, want := orient(src, o), turn[o](coords)
				if got.Rect.Size() != want.Rect.Size() {
					t.Fatalf("%v %v, orientation %d: %v, want %v", ratio, size, o, got.Rect.Size(), want.Rect.Size())
				}
				for y := range got.Rect.Dy() {
					for x := range got.Rect.Dx() {
						from := want.NRGBAAt(x, y)
						if g, w := got.YCbCrAt(x, y), src.YCbCrAt(int(from.R), int(from.G)); g != w {
							t.Fatalf("%v %v, orientation %d: pixel %d,%d is %v, want source pixel %d,%d's %v",
								ratio, size, o, x, y, g, from.R, from.G, w)
						}
					}
				}
			}
		}
	}
}

// TestExifOrientation: a damaged or unusual header never stops a photo: the orientation is 1.
func TestExifOrientation(t *testing.T) {
	photo := fixtures.Photo(t, "obama/obama1.jpg")
	exif := withExif(photo, binary.LittleEndian, 6)
	for _, tc := range []struct {
		name string
		data []byte
		want int
	}{
		{"little-endian 6", exif, 6},
		{"big-endian 8", withOrientation(photo, 8), 8},
		{"none", photo, 1},
		{"orientation 9", withOrientation(photo, 9), 1},
		{"segment longer than the file", exif[:30], 1},
		{"TIFF magic wrong", bytes.Replace(exif, []byte("II\x2a\x00"), []byte("II\x2b\x00"), 1), 1},
		{"IFD offset past the segment", bytes.Replace(exif, []byte("II\x2a\x00\x08\x00\x00\x00"), []byte("II\x2a\x00\xff\x00\x00\x00"), 1), 1},
		{"only SOI", photo[:2], 1},
	} {
		if got := exifOrientation(tc.data); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
}

// webpSample is a WebP from x/image's test data in the module cache, if present.
func webpSample(t *testing.T) []byte {
	t.Helper()
	matches, _ := filepath.Glob(filepath.Join(os.Getenv("HOME"), "go", "pkg", "mod", "golang.org", "x", "image@*", "testdata", "*.lossy.webp"))
	if gomod := os.Getenv("GOMODCACHE"); gomod != "" {
		more, _ := filepath.Glob(filepath.Join(gomod, "golang.org", "x", "image@*", "testdata", "*.lossy.webp"))
		matches = append(matches, more...)
	}
	if len(matches) == 0 {
		return nil
	}
	b, err := os.ReadFile(matches[0])
	if err != nil {
		return nil
	}
	return b
}

// TestFormatsAndHostileInput: every accepted format decodes; everything else gets its own code before any
// pixel is decoded.
func TestFormatsAndHostileInput(t *testing.T) {
	src, err := imaging.Decode(bytes.NewReader(fixtures.Photo(t, "obama/obama1.jpg")))
	if err != nil {
		t.Fatal(err)
	}
	small := imaging.Resize(src, 400, 0, imaging.Lanczos)
	enc := func(f func(*bytes.Buffer) error) []byte {
		var b bytes.Buffer
		if err := f(&b); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	jpegData := fixtures.Photo(t, "obama/obama1.jpg")
	grey := image.NewGray(src.Bounds())
	draw.Draw(grey, grey.Rect, src, src.Bounds().Min, draw.Src)
	tests := []struct {
		name  string
		data  []byte
		code  childmatch.ErrorCode
		ctype string
		faces int
	}{
		{"jpeg", jpegData, "", "image/jpeg", 1},
		// A scanned black-and-white print: image/jpeg decodes it (libjpeg's planes are YCbCr only), and dlib
		// still gets a three-channel JPEG. Between 800 and 1600 px it is not resized on the way.
		{"grey jpeg", enc(func(b *bytes.Buffer) error { return jpeg.Encode(b, grey, nil) }), "", "image/jpeg", 1},
		// A 12-megapixel phone photo: decoded at half size in the DCT.
		{"12 MP jpeg", enc(func(b *bytes.Buffer) error {
			return jpeg.Encode(b, imaging.Fill(src, 3000, 4000, imaging.Top, imaging.Linear), nil)
		}), "", "image/jpeg", 1},
		{"png", fixtures.Photo(t, "alex_lacamoire/alex3.png"), "", "image/png", 1},
		// 1600 px tall once scaled, its width must not round to nothing (it did: an internal error); and no
		// image so thin or small reaches dlib's CNN detector, which aborts the process on the second one.
		{"a 1×4000 sliver", enc(func(b *bytes.Buffer) error { return png.Encode(b, image.NewGray(image.Rect(0, 0, 1, 4000))) }), "", "image/png", 0},
		{"a 9×1600 sliver", enc(func(b *bytes.Buffer) error { return png.Encode(b, image.NewGray(image.Rect(0, 0, 9, 1600))) }), "", "image/png", 0},
		{"a 4×4 icon", enc(func(b *bytes.Buffer) error { return png.Encode(b, image.NewGray(image.Rect(0, 0, 4, 4))) }), "", "image/png", 0},
		{"gif", enc(func(b *bytes.Buffer) error { return gif.Encode(b, small, nil) }), "", "image/gif", 1},
		{"bmp", enc(func(b *bytes.Buffer) error { return bmp.Encode(b, small) }), "", "image/bmp", 1},
		{"tiff", enc(func(b *bytes.Buffer) error { return tiff.Encode(b, small, nil) }), "", "image/tiff", 1},
		{"empty", nil, childmatch.EUnsupportedMedia, "", 0},
		{"text", []byte("name,age\nAsha,9\n"), childmatch.EUnsupportedMedia, "", 0},
		{"pdf", []byte("%PDF-1.4\n1 0 obj\n"), childmatch.EUnsupportedMedia, "", 0},
		{"truncated jpeg", jpegData[:len(jpegData)/3], childmatch.EInvalid, "", 0},
		{"jpeg header only", jpegData[:20], childmatch.EInvalid, "", 0},
		{"png declaring 100000x100000", pngHeader(100000, 100000, 8, 2).Bytes(), childmatch.ETooLarge, "", 0},
		{"png declaring 0x0", pngHeader(0, 0, 8, 2).Bytes(), childmatch.EInvalid, "", 0},
		{"30 MiB", append(bytes.Clone(jpegData), make([]byte, 30<<20)...), childmatch.ETooLarge, "", 0},
	}
	if w := webpSample(t); w != nil {
		tests = append(tests, struct {
			name  string
			data  []byte
			code  childmatch.ErrorCode
			ctype string
			faces int
		}{"webp (x/image test data, no face)", w, "", "image/webp", 0})
	} else {
		t.Log("no WebP sample in the module cache; WebP decoding is not exercised (Go has no WebP encoder)")
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := testMatcher(t).Analyze(context.Background(), tc.data)
			if got := childmatch.ErrorCodeOf(err); got != tc.code {
				t.Fatalf("code %q (%v), want %q", got, err, tc.code)
			}
			if err != nil {
				if msg := childmatch.ErrorMessage(err); msg == "" || msg == "internal error" {
					t.Fatalf("no clear message: %q", msg)
				}
				return
			}
			if a.ContentType != tc.ctype || len(a.Faces) != tc.faces {
				t.Fatalf("%s with %d faces, want %s with %d", a.ContentType, len(a.Faces), tc.ctype, tc.faces)
			}
		})
	}
}

// TestDetectSingle tells no face from several faces, which go-face's own single-face call does not.
func TestDetectSingle(t *testing.T) {
	m := testMatcher(t)
	for _, tc := range []struct {
		rel     string
		code    childmatch.ErrorCode
		several bool
	}{
		{"biden/biden1.jpg", "", false},
		{"_nonface/coffee.jpg", childmatch.ENoFace, false},
		{"_group/two_people.jpg", childmatch.EInvalid, true},
	} {
		f, err := m.DetectSingle(context.Background(), fixtures.Photo(t, tc.rel))
		if childmatch.ErrorCodeOf(err) != tc.code || errors.Is(err, ErrSeveralFaces) != tc.several || (err == nil) != (f != nil) {
			t.Errorf("%s: face %v err %v, want code %q several %v", tc.rel, f != nil, err, tc.code, tc.several)
		}
		if tc.several && !strings.Contains(childmatch.ErrorMessage(err), "2 faces") {
			t.Errorf("%s: message %q does not say how many faces", tc.rel, childmatch.ErrorMessage(err))
		}
	}
}

func TestMissingModels(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, ModelFiles[0]), []byte("x"), 0o644)
	_, err := New(Config{ModelsDir: dir, Limits: childmatch.DefaultLimits(1)})
	if err == nil || !strings.Contains(err.Error(), ModelFiles[1]) || !strings.Contains(err.Error(), ModelFiles[2]) ||
		strings.Contains(err.Error(), ModelFiles[0]+",") {
		t.Fatalf("error %v does not name exactly the missing files", err)
	}
}

// BenchmarkAnalyze: decode to descriptor for a few real photos, one at a time and over the pool.
func BenchmarkAnalyze(b *testing.B) {
	m := testMatcher(b)
	src, err := imaging.Decode(bytes.NewReader(fixtures.Photo(b, "obama/obama1.jpg")))
	if err != nil {
		b.Fatal(err)
	}
	phone := func(w, h int, orientation uint16) []byte {
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, imaging.Fill(src, w, h, imaging.Top, imaging.Linear), &jpeg.Options{Quality: 90}); err != nil {
			b.Fatal(err)
		}
		if orientation == 6 { // stored as the sensor saw it, turned counter-clockwise
			buf.Reset()
			if err := jpeg.Encode(&buf, imaging.Rotate90(imaging.Fill(src, w, h, imaging.Top, imaging.Linear)), &jpeg.Options{Quality: 90}); err != nil {
				b.Fatal(err)
			}
			return withOrientation(buf.Bytes(), 6)
		}
		return buf.Bytes()
	}
	for _, bc := range []struct {
		name string
		data []byte
	}{
		{"obama1.jpg", fixtures.Photo(b, "obama/obama1.jpg")},
		{"biden1.jpg", fixtures.Photo(b, "biden/biden1.jpg")},
		{"john_salley-crop", fixtures.Photo(b, "john_salley/000179_02159509.jpg")},
		{"coffee.jpg-no-face", fixtures.Photo(b, "_nonface/coffee.jpg")},
		{"phone-1080x1920", phone(1080, 1920, 1)},
		{"phone-3000x4000-exif6", phone(3000, 4000, 6)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				a, err := m.Analyze(context.Background(), bc.data)
				if err != nil {
					b.Fatal(err)
				}
				if bc.name != "coffee.jpg-no-face" && len(a.Faces) != 1 {
					b.Fatalf("%d faces", len(a.Faces))
				}
			}
		})
	}
	data := fixtures.Photo(b, "obama/obama1.jpg")
	b.Run("parallel/obama1", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := m.Analyze(context.Background(), data); err != nil {
					b.Error(err)
				}
			}
		})
	})
}

// TestOpenBLASInUse: dlib's BLAS calls are served by OpenBLAS, not the reference BLAS or ATLAS.
func TestOpenBLASInUse(t *testing.T) {
	testMatcher(t)
	libs := strings.Join(LinkedBLAS(), " ")
	if !strings.Contains(libs, "openblas") || strings.Contains(libs, "atlas") {
		t.Fatalf("BLAS libraries loaded: %s; want OpenBLAS only", libs)
	}
	if !singleThreadedBLAS() {
		t.Fatal("openblas_set_num_threads was not found: OpenBLAS's own threads would fight the recognizer pool")
	}
}

// BenchmarkEnrol embeds every photo of the shared person folders, decode to descriptor, with the pool over
// every core, configured as the service is (serviceMatcher), and reports photos per second: the figure
// `make bench` sets beside face_recognition's.
func BenchmarkEnrol(b *testing.B) {
	m := serviceMatcher(b)
	var photos [][]byte
	for _, rels := range fixtures.People(b) {
		for _, rel := range rels {
			photos = append(photos, fixtures.Photo(b, rel))
		}
	}
	detected := 0
	b.ResetTimer()
	var mu sync.Mutex
	for i := 0; i < b.N; i++ {
		onWorkers(cap(m.pool), photos, func(p []byte) {
			a, err := m.Analyze(context.Background(), p)
			if err != nil {
				b.Error(err)
				return
			}
			mu.Lock()
			if len(a.Faces) > 0 {
				detected++
			}
			mu.Unlock()
		})
	}
	b.ReportMetric(float64(len(photos)*b.N)/b.Elapsed().Seconds(), "photos/s")
	b.ReportMetric(float64(detected)/float64(len(photos)*b.N), "detected")
}

// onWorkers calls fn on every item, on n goroutines at once: a recognizer each.
func onWorkers[T any](n int, items []T, fn func(T)) {
	var wg sync.WaitGroup
	next := make(chan T)
	for range n {
		wg.Go(func() {
			for it := range next {
				fn(it)
			}
		})
	}
	for _, it := range items {
		next <- it
	}
	close(next)
	wg.Wait()
}

// TestWriteReferenceCrops writes, for `make bench`'s check against face_recognition, a working JPEG for
// some photos with the box dlib found on it and the descriptor go-face gave. It
// runs only when CHILDMATCH_REFERENCE_OUT names a folder.
func TestWriteReferenceCrops(t *testing.T) {
	out := os.Getenv("CHILDMATCH_REFERENCE_OUT")
	if out == "" {
		t.Skip("CHILDMATCH_REFERENCE_OUT not set; used by make bench")
	}
	m := testMatcher(t)
	type crop struct {
		File       string       `json:"file"`
		Box        [4]int       `json:"box"` // left, top, right, bottom in the working JPEG
		Descriptor [128]float32 `json:"descriptor"`
	}
	var crops []crop
	for _, rels := range fixtures.People(t) {
		for _, rel := range rels[:1] {
			img, _, _, err := decode(fixtures.Photo(t, rel), m.limits)
			if err != nil {
				t.Fatal(err)
			}
			work := working(img, m.limits)
			data, err := libjpeg.EncodeRGBA(opaqueRGBA(work), m.quality)
			if err != nil {
				t.Fatal(err)
			}
			w := <-m.pool
			faces, err := w.rec.Recognize(data) // go-face's whole path on exactly the bytes written
			m.pool <- w
			if err != nil || len(faces) != 1 {
				t.Fatalf("%s: %d faces, %v", rel, len(faces), err)
			}
			name := strings.ReplaceAll(rel, "/", "_") + ".jpg"
			if err := os.WriteFile(filepath.Join(out, name), data, 0o644); err != nil {
				t.Fatal(err)
			}
			r := faces[0].Rectangle
			crops = append(crops, crop{File: name, Box: [4]int{r.Min.X, r.Min.Y, r.Max.X, r.Max.Y}, Descriptor: faces[0].Descriptor})
		}
	}
	js, _ := json.Marshal(crops)
	if err := os.WriteFile(filepath.Join(out, "crops.json"), js, 0o644); err != nil {
		t.Fatal(err)
	}
}
