package matcher

import (
	"bytes"
	"context"
	"image/jpeg"
	"math"
	"sort"
	"testing"

	face "github.com/Kagami/go-face"
	"github.com/disintegration/imaging"

	"childmatch"
	"childmatch/fixtures"
	"childmatch/libjpeg"
)

// reference is what go-face itself makes of a photo file at its own resolution: HOG, or the CNN when HOG
// finds nothing, on the file's pixels (a PNG as a JPEG of quality 100, go-face reads nothing else).
func reference(t *testing.T, m *Matcher, data []byte) []face.Face {
	t.Helper()
	if !bytes.HasPrefix(data, []byte{0xFF, 0xD8}) {
		img, err := imaging.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if data, err = libjpeg.EncodeRGBA(opaqueRGBA(img), 100); err != nil {
			t.Fatal(err)
		}
	}
	w := <-m.pool
	defer func() { m.pool <- w }()
	faces, err := w.rec.Recognize(data)
	if err == nil && len(faces) == 0 {
		faces, err = w.rec.RecognizeCNN(data)
	}
	if err != nil {
		t.Fatal(err)
	}
	return faces
}

// fidelity returns, for every face the pipeline finds in the photos, the distance from its descriptor to the
// descriptor go-face computes on the photo file for the face at the same place; faces go-face does not find
// there are counted in missed.
func fidelity(t *testing.T, m *Matcher, photos [][]byte) (dist []float64, missed int) {
	t.Helper()
	for _, data := range photos {
		a, err := m.Analyze(context.Background(), data)
		if err != nil {
			t.Fatal(err)
		}
		ref := reference(t, m, data)
		for _, f := range a.Faces {
			cx, cy := float64(f.Box.Min.X+f.Box.Max.X)/2, float64(f.Box.Min.Y+f.Box.Max.Y)/2
			best, at := math.Inf(1), -1
			for i, r := range ref {
				c := r.Rectangle.Min.Add(r.Rectangle.Max)
				if d := math.Hypot(float64(c.X)/2-cx, float64(c.Y)/2-cy); d < best {
					best, at = d, i
				}
			}
			if at < 0 || best > float64(f.Box.Width())/2 {
				missed++
				continue
			}
			d := childmatch.Descriptor(ref[at].Descriptor)
			dist = append(dist, float64(f.Descriptor.Distance(&d)))
		}
	}
	sort.Float64s(dist)
	return dist, missed
}

// enlarged is a photo scaled up factor times, as a JPEG of quality 95 without EXIF: a group photo as a phone
// would take it, larger than the working size, so that the pipeline detects on a shrunk copy.
func enlarged(t *testing.T, data []byte, factor int) []byte {
	t.Helper()
	img, err := imaging.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, imaging.Resize(img, b.Dx()*factor, b.Dy()*factor, imaging.CatmullRom), &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func quantile(sorted []float64, q float64) float64 {
	return sorted[min(len(sorted)-1, int(q*float64(len(sorted))))]
}

// floor is how far go-face's descriptor of a photo's one face moves when the photo is only decoded and
// encoded again at quality 100, the least any path through a JPEG changes: dlib is that sensitive.
func floor(t *testing.T, m *Matcher, photos [][]byte) []float64 {
	t.Helper()
	var dist []float64
	for _, data := range photos {
		img, err := imaging.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		again, err := libjpeg.EncodeRGBA(opaqueRGBA(img), 100)
		if err != nil {
			t.Fatal(err)
		}
		a, b := reference(t, m, data), reference(t, m, again)
		if len(a) != 1 || len(b) != 1 {
			t.Fatalf("go-face finds %d and %d faces in a photo of one person and its copy", len(a), len(b))
		}
		da, db := childmatch.Descriptor(a[0].Descriptor), childmatch.Descriptor(b[0].Descriptor)
		dist = append(dist, float64(da.Distance(&db)))
	}
	sort.Float64s(dist)
	return dist
}

// fidelitySlack is how far above the floor the pipeline's median and 90th percentile may lie: the crop is
// cut on the photo's own pixel and cell grid, so it should add next to nothing (measured: 0.002 and none at
// the median and 90th percentile; the working image's descriptors lay 0.012 above both).
const fidelitySlack = 0.005

// TestDescriptorFidelity measures how far the pipeline's descriptor of each face lies from the one go-face
// computes on the photo file itself, on the shared person folders, the group photos, and the group photos
// enlarged three times (shrunk by the pipeline to the working size), and holds the person folders' to the
// floor of a quality-100 copy. The mirror image's descriptor (Limits.Mirror) is left out: it is meant to
// differ from go-face's, and is judged by how it separates people instead (limits.go). Faces are described
// at up to 400 px, where the crop reaches the floor (the default of 200 is cheaper; limits.go).
func TestDescriptorFidelity(t *testing.T) {
	limits := childmatch.DefaultLimits(2)
	limits.Mirror = false
	limits.DescribeMaxSide = 400
	m, err := New(Config{ModelsDir: fixtures.ModelsDir(t), Limits: limits})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	var people, groups, large [][]byte
	for _, rels := range fixtures.People(t) {
		for _, rel := range rels {
			people = append(people, fixtures.Photo(t, rel))
		}
	}
	for _, rel := range fixtures.Folder(t, "_group") {
		groups = append(groups, fixtures.Photo(t, rel))
		large = append(large, enlarged(t, fixtures.Photo(t, rel), 3))
	}
	for _, set := range []struct {
		name   string
		photos [][]byte
	}{{"people", people}, {"_group", groups}, {"_group×3", large}} {
		dist, missed := fidelity(t, m, set.photos)
		if len(dist) == 0 {
			t.Fatalf("%s: go-face found none of the pipeline's faces in the files", set.name)
		}
		t.Logf("%s: %d faces (%d not found by go-face on the file): distance to go-face on the file median %.3f, p90 %.3f, max %.3f",
			set.name, len(dist), missed, quantile(dist, 0.5), quantile(dist, 0.9), dist[len(dist)-1])
		if set.name != "people" {
			continue
		}
		low := floor(t, m, set.photos)
		t.Logf("floor (go-face on a quality-100 copy of the file): median %.3f, p90 %.3f, max %.3f",
			quantile(low, 0.5), quantile(low, 0.9), low[len(low)-1])
		for _, q := range []float64{0.5, 0.9} {
			if quantile(dist, q) > quantile(low, q)+fidelitySlack {
				t.Errorf("the pipeline's descriptors lie %.3f from go-face's on the file at the %.0fth percentile, the floor %.3f",
					quantile(dist, q), 100*q, quantile(low, q))
			}
		}
	}
}
