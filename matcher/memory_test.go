package matcher

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"image"
	"image/png"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	face "github.com/Kagami/go-face"

	"childmatch"
	"childmatch/fixtures"
	"childmatch/libjpeg"
)

// The memory of one analysis is measured in a process of its own: the test binary, run again with
// rssInputEnv naming the file to analyse, loads the models, resets its peak (VmHWM), analyses the file
// rssCopiesEnv times at once on as many recognizers, and prints what /proc/self/status says as JSON.
const (
	rssInputEnv  = "CHILDMATCH_RSS_INPUT"
	rssCopiesEnv = "CHILDMATCH_RSS_COPIES"
	rssWaitEnv   = "CHILDMATCH_RSS_WAIT" // how long after the analyses the retained RSS is read, e.g. 1m
)

// rss is what the child process reports, in MiB: RSS with the models loaded, the peak while analysing, RSS
// once the analyses returned and after the wait; and the analyses' outcome.
type rss struct {
	Base, Peak, After, Later int
	Millis                   int64 // the analyses' time
	Faces                    int
	Code                     childmatch.ErrorCode
}

func TestMain(m *testing.M) {
	if path := os.Getenv(rssInputEnv); path != "" {
		if err := rssChild(path); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// rssChild is the child process's work.
func rssChild(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	copies, _ := strconv.Atoi(os.Getenv(rssCopiesEnv))
	copies = max(1, copies)
	var wait time.Duration
	if s := os.Getenv(rssWaitEnv); s != "" {
		if wait, err = time.ParseDuration(s); err != nil {
			return err
		}
	}
	limits := childmatch.DefaultLimits(copies)
	m, err := New(Config{ModelsDir: os.Getenv("CHILDMATCH_MODELS_DIR"), Limits: limits})
	if err != nil {
		return err
	}
	var r rss
	r.Base = status("VmRSS")
	// Writing 5 to clear_refs resets VmHWM to the current RSS (Linux 4.0 and later).
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		return err
	}
	start := time.Now()
	var wg sync.WaitGroup
	results := make([]rss, copies)
	for i := range copies {
		wg.Go(func() {
			a, err := m.Analyze(context.Background(), data)
			results[i].Code = childmatch.ErrorCodeOf(err)
			if a != nil {
				results[i].Faces = len(a.Faces)
			}
		})
	}
	wg.Wait()
	r.Millis = time.Since(start).Milliseconds()
	r.Peak, r.After = status("VmHWM"), status("VmRSS")
	r.Faces, r.Code = results[0].Faces, results[0].Code
	time.Sleep(wait)
	r.Later = status("VmRSS")
	return json.NewEncoder(os.Stdout).Encode(r)
}

// status reads a field of /proc/self/status given in kB, in MiB.
func status(field string) int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return kb >> 10
		}
	}
	return -1
}

// measure analyses data copies times at once in a child process and returns what it reports.
func measure(tb testing.TB, data []byte, copies int, wait time.Duration) rss {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "input")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), rssInputEnv+"="+path, rssCopiesEnv+"="+strconv.Itoa(copies),
		rssWaitEnv+"="+wait.String(), "CHILDMATCH_MODELS_DIR="+fixtures.ModelsDir(tb))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("the measuring process failed: %v: %s", err, stderr.String())
	}
	var r rss
	if err := json.Unmarshal(out, &r); err != nil {
		tb.Fatalf("the measuring process said %q: %v", out, err)
	}
	return r
}

// pngChunk appends a PNG chunk with its length and CRC.
func pngChunk(b *bytes.Buffer, kind string, data []byte) {
	binary.Write(b, binary.BigEndian, uint32(len(data)))
	chunk := append([]byte(kind), data...)
	b.Write(chunk)
	binary.Write(b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
}

// pngHeader is a PNG signature and IHDR for w×h pixels of the colour type (2 RGB, 6 RGBA) and bit depth.
func pngHeader(w, h uint32, depth, colour byte) *bytes.Buffer {
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	copy(ihdr[8:], []byte{depth, colour, 0, 0, 0})
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	pngChunk(&b, "IHDR", ihdr)
	return &b
}

// zeroPNG is a w×h PNG of black (RGB) or transparent (RGBA) pixels: a small file that decodes to hundreds of
// megabytes. It is compressed row by row, so the test never holds the pixels.
func zeroPNG(tb testing.TB, w, h int, depth, colour byte) []byte {
	tb.Helper()
	channels := map[byte]int{2: 3, 6: 4}[colour]
	var idat bytes.Buffer
	z, err := zlib.NewWriterLevel(&idat, zlib.BestCompression)
	if err != nil {
		tb.Fatal(err)
	}
	row := make([]byte, 1+w*channels*int(depth)/8) // filter byte 0, then the samples
	for range h {
		z.Write(row)
	}
	if err := z.Close(); err != nil {
		tb.Fatal(err)
	}
	b := pngHeader(uint32(w), uint32(h), depth, colour)
	pngChunk(b, "IDAT", idat.Bytes())
	pngChunk(b, "IEND", nil)
	return b.Bytes()
}

// noiseJPEG is a w×h JPEG of random pixels: no face, and as hard to compress as a photo gets.
func noiseJPEG(tb testing.TB, w, h int) []byte {
	tb.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = uint8(r.UintN(256))
	}
	data, err := libjpeg.EncodeRGBA(img, 90)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// flatPNG is a w×h PNG of one grey: no face, and nothing for either detector to hold on to.
func flatPNG(tb testing.TB, w, h int) []byte {
	tb.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 128
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// gradientJPEG is a w×h JPEG of a smooth gradient: a large-dimension photo in a few hundred kilobytes.
func gradientJPEG(tb testing.TB, w, h int) []byte {
	tb.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		row := img.Pix[y*img.Stride:]
		for x := range w {
			row[4*x], row[4*x+1], row[4*x+2], row[4*x+3] = uint8(x*255/w), uint8(y*255/h), 128, 255
		}
	}
	data, err := libjpeg.EncodeRGBA(img, 90)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// hostile is an input built to cost the most memory or time, and the analysis's outcome wanted: its code,
// or no error.
type hostile struct {
	name string
	data []byte
	code childmatch.ErrorCode
}

// hostileInputs are the files of issue 19: a PNG of zeros at the largest accepted size, at 16 bits, photos
// with no face at the largest working size (noise, flat, a real one), a large-dimension JPEG, and a
// decompression bomb refused at its header.
func hostileInputs(tb testing.TB) []hostile {
	return []hostile{
		{"png-6000x6000-zeros", zeroPNG(tb, 6000, 6000, 8, 2), ""},
		{"png-6000x6000-16bit-rgba-zeros", zeroPNG(tb, 6000, 6000, 16, 6), childmatch.ETooLarge},
		{"png-4000x4000-16bit-rgba-zeros", zeroPNG(tb, 4000, 4000, 16, 6), ""},
		{"jpeg-1700x1700-noise", noiseJPEG(tb, 1700, 1700), ""},
		{"png-1700x1700-flat", flatPNG(tb, 1700, 1700), ""},
		{"jpeg-8000x5000-gradient", gradientJPEG(tb, 8000, 5000), ""},
		{"coffee.jpg-no-face", fixtures.Photo(tb, "_nonface/coffee.jpg"), ""},
		{"png-declaring-100000x100000", pngHeader(100000, 100000, 8, 2).Bytes(), childmatch.ETooLarge},
	}
}

// TestHostileInputMemory: no input, accepted or refused, takes a process with one recognizer over
// WorkerPeakRSS at its peak, or keeps more than WorkerRetainedRSS over its RSS before it once the analysis
// has returned. Each input runs in its own process, so each peak is its own.
func TestHostileInputMemory(t *testing.T) {
	for _, h := range hostileInputs(t) {
		t.Run(h.name, func(t *testing.T) {
			r := measure(t, h.data, 1, 0)
			t.Logf("%d KiB: base %d MiB, peak %d, after %d; %d faces, code %q", len(h.data)>>10, r.Base, r.Peak, r.After, r.Faces, r.Code)
			if r.Code != h.code || r.Faces != 0 {
				t.Errorf("code %q with %d faces, want %q with none", r.Code, r.Faces, h.code)
			}
			if r.Peak > childmatch.WorkerPeakRSS>>20 {
				t.Errorf("peak RSS %d MiB, over the bound of %d", r.Peak, childmatch.WorkerPeakRSS>>20)
			}
			if r.After-r.Base > childmatch.WorkerRetainedRSS>>20 {
				t.Errorf("RSS %d MiB after, %d over the %d before; the bound is %d", r.After, r.After-r.Base, r.Base,
					childmatch.WorkerRetainedRSS>>20)
			}
		})
	}
}

// BenchmarkHostileMemory reports, per hostile input, the peak and retained RSS of a process analysing it
// (MiB) and the analysis's time, and for the PNG of zeros, four at once on four recognizers. With CHILDMATCH_RSS_WAIT set (e.g.
// 1m), the retained figure is read that long after the analyses returned.
func BenchmarkHostileMemory(b *testing.B) {
	wait, _ := time.ParseDuration(os.Getenv(rssWaitEnv))
	inputs := hostileInputs(b)
	cases := []struct {
		hostile
		copies int
	}{{inputs[0], 4}}
	for _, h := range inputs {
		cases = append(cases, struct {
			hostile
			copies int
		}{h, 1})
	}
	for _, c := range cases {
		b.Run(fmt.Sprintf("%s/x%d", c.name, c.copies), func(b *testing.B) {
			var r rss
			for range b.N {
				r = measure(b, c.data, c.copies, wait)
			}
			b.ReportMetric(float64(r.Millis), "analysis-ms")
			b.ReportMetric(float64(r.Base), "base-MiB")
			b.ReportMetric(float64(r.Peak), "peak-MiB")
			b.ReportMetric(float64(r.After), "after-MiB")
			b.ReportMetric(float64(r.Later), "later-MiB")
		})
	}
}

// BenchmarkCNNBudgetRecall runs the CNN on the working image at full size and at CNNMaxPixels (cnnImage) for
// the shared _partial and _group photos, and every person folder with CHILDMATCH_RECALL_ALL set, and
// reports the share of the full-size faces found again at the budget (a box overlapping by half), face by
// face in the log.
func BenchmarkCNNBudgetRecall(b *testing.B) {
	m := testMatcher(b)
	folders := []string{"_partial", "_group"}
	if os.Getenv("CHILDMATCH_RECALL_ALL") != "" {
		for person := range fixtures.People(b) {
			folders = append(folders, person)
		}
	}
	w := <-m.pool
	defer func() { m.pool <- w }()
	cnn := func(img *image.RGBA) []face.Face {
		data, err := libjpeg.EncodeRGBA(img, m.quality)
		if err != nil {
			b.Fatal(err)
		}
		faces, err := w.rec.RecognizeCNN(data)
		if err != nil {
			b.Fatal(err)
		}
		return faces
	}
	for range b.N {
		found, kept := 0, 0
		for _, folder := range folders {
			for _, rel := range fixtures.Folder(b, folder) {
				img, _, _, err := decode(fixtures.Photo(b, rel), m.limits)
				if err != nil {
					b.Fatal(err)
				}
				work := opaqueRGBA(working(img, m.limits))
				small := cnnImage(work)
				budget := cnn(small)
				for _, f := range cnn(work) {
					found++
					again := false
					for _, g := range budget {
						box, _ := place(g, small.Rect.Size(), work.Rect.Size())
						r := image.Rect(box.Min.X, box.Min.Y, box.Max.X, box.Max.Y)
						in := r.Intersect(f.Rectangle)
						again = again || 2*in.Dx()*in.Dy() > f.Rectangle.Dx()*f.Rectangle.Dy()
					}
					if again {
						kept++
					}
					b.Logf("%s: a %d px face in a %v working image: found at %v: %v", rel, f.Rectangle.Dx(), work.Rect.Size(), small.Rect.Size(), again)
				}
			}
		}
		b.ReportMetric(float64(kept)/float64(found), "kept")
		b.ReportMetric(float64(found), "faces")
	}
}
