package matcher

import (
	"bytes"
	"testing"

	"github.com/disintegration/imaging"

	"childmatch"
	"childmatch/fixtures"
)

// TestResNetIsDlibs: dlib's face recognition network written as ONNX (scripts/dlib-resnet-onnx.py) and run by
// ONNX Runtime gives dlib's own descriptor of the chip of every face in the shared photos, and of jittered
// copies, to within float rounding.
func TestResNetIsDlibs(t *testing.T) {
	m, dlibs, onnxs := bothNetworks(t)
	worst, faces := 0.0, 0
	for i, rel := range fixtures.All(t) {
		img, err := imaging.Decode(bytes.NewReader(fixtures.Photo(t, rel)))
		if err != nil {
			t.Fatal(err)
		}
		work := opaqueRGBA(img)
		boxes, err := m.hog.detect(work, 2)
		if err != nil {
			t.Fatal(err)
		}
		jitter := 0
		if i%10 == 0 {
			jitter = 3 // a batch of copies through both
		}
		for _, box := range boxes {
			chips, n, _, err := dlibs.chips(work, box, jitter)
			if err != nil {
				t.Fatal(err)
			}
			byDlib, err := dlibs.vectors(chips, n)
			if err != nil {
				t.Fatal(err)
			}
			onnx, err := onnxs.vectors(chips, n)
			if err != nil {
				t.Fatal(err)
			}
			for c := range n {
				at := c * childmatch.DescriptorLen
				a := childmatch.Descriptor(onnx[at : at+childmatch.DescriptorLen])
				b := childmatch.Descriptor(byDlib[at : at+childmatch.DescriptorLen])
				d := float64(a.Distance(&b))
				worst = max(worst, d)
				if d > 1e-4 {
					t.Errorf("%s: ONNX Runtime's descriptor lies %.6f from dlib's", rel, d)
				}
				faces++
			}
		}
	}
	if faces < 90 {
		t.Fatalf("only %d chips compared", faces)
	}
	t.Logf("%d chips: ONNX Runtime's descriptors lie at most %.2g from dlib's", faces, worst)
}

// BenchmarkResNet: dlib's face recognition network on one face's chip, dlib's own forward pass beside ONNX
// Runtime's on one thread (the matcher runs each call on its caller's thread).
func BenchmarkResNet(b *testing.B) {
	m, dlibs, onnxs := bothNetworks(b)
	img, err := imaging.Decode(bytes.NewReader(fixtures.Photo(b, "obama/obama1.jpg")))
	if err != nil {
		b.Fatal(err)
	}
	work := opaqueRGBA(img)
	boxes, err := m.hog.detect(work, 2)
	if err != nil || len(boxes) != 1 {
		b.Fatalf("%d faces, %v", len(boxes), err)
	}
	chips, n, _, err := dlibs.chips(work, boxes[0], 0)
	if err != nil {
		b.Fatal(err)
	}
	for _, d := range []struct {
		name string
		desc *describer
	}{{"dlib", dlibs}, {"onnxruntime", onnxs}} {
		b.Run(d.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := d.desc.vectors(chips, n); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// bothNetworks is the test matcher and two describers on one of its workers' shape predictor: its own, on
// dlib's network, and one on the network in ONNX Runtime. The worker and the session are given back when
// the test ends.
func bothNetworks(tb testing.TB) (*Matcher, *describer, *describer) {
	tb.Helper()
	library, _ := fixtures.ONNXRuntime(tb)
	net, err := newResNet(fixtures.ModelsDir(tb), library)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(net.close)
	m := testMatcher(tb)
	w := <-m.pool
	tb.Cleanup(func() { m.pool <- w })
	if w.desc.net != nil {
		tb.Fatal("the test matcher runs dlib's network in ONNX Runtime; the tests compare it with dlib's own")
	}
	return m, w.desc, &describer{p: w.desc.p, net: net}
}
