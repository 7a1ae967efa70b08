package matcher

import (
	"fmt"
	"image"
	"math"
	"os"
	"path/filepath"
	"sort"
	"sync"

	ort "github.com/yalue/onnxruntime_go"

	"childmatch"
)

// MTCNNFiles are MTCNN's three networks as ONNX files, written into the models directory by
// scripts/fetch-detector.sh from PyPI's mtcnn==0.1.1 weights.
var MTCNNFiles = []string{"mtcnn_pnet.onnx", "mtcnn_rnet.onnx", "mtcnn_onet.onnx"}

// mtcnn is the MTCNN face detector's cascade (Zhang et al. 2016) through ONNX Runtime: a 12 px
// fully-convolutional network (P-Net) over an image pyramid proposes windows, a 24 px network (R-Net) keeps
// and refines those that hold a face, and a 48 px network (O-Net) does so again. On a phone photo it costs a
// small fraction of dlib's HOG pass, as its pyramid starts at the scale where the smallest face looked for is
// 12 px across; the matcher uses its windows only as places where dlib's HOG looks (hog.at). Safe for
// concurrent use: ONNX Runtime's sessions may run from several goroutines at once.
type mtcnn struct {
	pnet, rnet, onet *ort.DynamicAdvancedSession
}

// newMTCNN loads the three networks from dir, with ONNX Runtime from library.
func newMTCNN(dir, library string) (*mtcnn, error) {
	for _, f := range MTCNNFiles {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			return nil, fmt.Errorf("the face detector's networks are incomplete: %s missing from %s; run `make models`", f, dir)
		}
	}
	// One thread a run, as for the face models: the pyramid's levels and the batches run on the cores side
	// by side.
	m := &mtcnn{}
	var err error
	load := func(file string, outs ...string) (*ort.DynamicAdvancedSession, error) {
		s, err := oneThreadSession(library, filepath.Join(dir, file), []string{"input"}, outs)
		if err != nil {
			return nil, fmt.Errorf("loading the face detector's network %s: %w", file, err)
		}
		return s, nil
	}
	if m.pnet, err = load(MTCNNFiles[0], "prob", "reg"); err == nil {
		if m.rnet, err = load(MTCNNFiles[1], "prob", "reg"); err == nil {
			m.onet, err = load(MTCNNFiles[2], "prob", "reg")
		}
	}
	if err != nil {
		m.close()
		return nil, err
	}
	return m, nil
}

func (m *mtcnn) close() {
	for _, s := range []*ort.DynamicAdvancedSession{m.pnet, m.rnet, m.onet} {
		if s != nil {
			s.Destroy()
		}
	}
}

// window is a square (or, before it is made square, rectangular) candidate box in the image's pixels, its
// score, and the network's offsets for its corners as fractions of its size.
type window struct {
	x1, y1, x2, y2, score float64
	reg                   [4]float64
}

func (w window) area() float64 { return (w.x2 - w.x1 + 1) * (w.y2 - w.y1 + 1) }

// detect answers the windows where faces at least minFace pixels across may be in img, and img at half
// size when it made one (or nil), P-Net's runs on the pyramid's levels spread over threads. The cascade
// reads img at half size (halve) when P-Net's first scale is at most a quarter: the smallest window looked
// for is then still 24 px across there, R-Net's input, so R-Net's crops are never enlarged.
func (m *mtcnn) detect(img image.Image, minFace, threads int) ([]image.Rectangle, *image.RGBA, error) {
	b := img.Bounds()
	first := 12 / float64(minFace)
	scale, base, half := 1.0, (*image.RGBA)(nil), (*image.RGBA)(nil)
	if 2*first <= 0.5 && min(b.Dx(), b.Dy()) >= 2 {
		half = halve(img)
		scale, base = 0.5, half
	} else {
		base = opaqueRGBA(img)
	}
	// P-Net's levels, each 0.709 of the one before, each scaled from the one before, after base itself.
	pyr := pyramid{imgs: []*image.RGBA{base}, scales: []float64{1}}
	var scales []float64 // each P-Net level's nominal scale of base, as P-Net's windows are placed by
	for s := first / scale; float64(min(base.Rect.Dx(), base.Rect.Dy()))*s >= 12; s *= childmatch.MTCNNPyramidStep {
		from := pyr.imgs[len(pyr.imgs)-1]
		w, h := int(math.Ceil(float64(base.Rect.Dx())*s)), int(math.Ceil(float64(base.Rect.Dy())*s))
		level := shrink(from, min(w, from.Rect.Dx()), min(h, from.Rect.Dy()), triangle)
		pyr.imgs, pyr.scales = append(pyr.imgs, level), append(pyr.scales, float64(level.Rect.Dx())/float64(base.Rect.Dx()))
		scales = append(scales, s)
	}
	found := make([][]window, len(scales))
	errs := make([]error, len(scales))
	eachOn(len(scales), threads, func(l int) { found[l], errs[l] = m.propose(pyr.imgs[l+1], scales[l]) })
	var all []window
	for l := range scales {
		if errs[l] != nil {
			return nil, nil, errs[l]
		}
		all = append(all, suppress(found[l], 0.5, false)...)
	}
	// P-Net's offsets are in units of its windows' spans, R-Net's and O-Net's of their sizes in pixels.
	all, err := m.refine(m.rnet, pyr, square(shifted(suppress(all, 0.7, false), 0)), 24, childmatch.MTCNNThresholds[1], threads)
	if err != nil {
		return nil, nil, err
	}
	all = square(shifted(suppress(all, 0.7, false), 1))
	all, err = m.refine(m.onet, pyr, all, 48, childmatch.MTCNNThresholds[2], threads)
	if err != nil {
		return nil, nil, err
	}
	all = suppress(shifted(all, 1), 0.7, true)
	boxes := make([]image.Rectangle, len(all))
	for i, w := range all {
		boxes[i] = image.Rect(int(w.x1/scale), int(w.y1/scale), int(w.x2/scale), int(w.y2/scale)).Add(b.Min)
	}
	return boxes, half, nil
}

// propose runs P-Net on a pyramid level, the cascade's image scaled by scale, and answers its windows over
// the first threshold in the cascade image's pixels: one per output cell, the 12 px window at twice the
// cell's position.
func (m *mtcnn) propose(level *image.RGBA, scale float64) ([]window, error) {
	w, h := level.Rect.Dx(), level.Rect.Dy()
	in, err := ort.NewTensor(ort.NewShape(1, 3, int64(h), int64(w)), planar(level))
	if err != nil {
		return nil, err
	}
	defer in.Destroy()
	outs := []ort.Value{nil, nil}
	if err := m.pnet.Run([]ort.Value{in}, outs); err != nil {
		return nil, fmt.Errorf("face detection (mtcnn): %w", err)
	}
	defer destroy(outs)
	prob, reg := outs[0].(*ort.Tensor[float32]), outs[1].(*ort.Tensor[float32])
	shape := prob.GetShape()
	oh, ow := int(shape[2]), int(shape[3])
	p, r := prob.GetData(), reg.GetData()
	cells := oh * ow
	var found []window
	for y := range oh {
		for x := range ow {
			i := y*ow + x
			s := float64(p[cells+i])
			if s < childmatch.MTCNNThresholds[0] {
				continue
			}
			found = append(found, window{
				x1: math.Trunc(float64(2*x+1) / scale), y1: math.Trunc(float64(2*y+1) / scale),
				x2: math.Trunc(float64(2*x+12) / scale), y2: math.Trunc(float64(2*y+12) / scale), score: s,
				reg: [4]float64{float64(r[i]), float64(r[cells+i]), float64(r[2*cells+i]), float64(r[3*cells+i])},
			})
		}
	}
	return found, nil
}

// refine runs a refining network (R-Net at 24 px, O-Net at 48) on the windows' pixels (zero outside img),
// the windows split into one batch per thread, and answers those it scores over threshold, with its score
// and offsets.
func (m *mtcnn) refine(net *ort.DynamicAdvancedSession, img pyramid, ws []window, side int, threshold float64, threads int) ([]window, error) {
	ws = ws[:min(len(ws), childmatch.MTCNNMaxWindows)]
	parts := max(1, min(threads, len(ws)/mtcnnMinBatch))
	errs := make([]error, parts)
	scored := make([]bool, len(ws))
	var wg sync.WaitGroup
	for p := range parts {
		wg.Go(func() {
			lo, hi := len(ws)*p/parts, len(ws)*(p+1)/parts
			errs[p] = m.score(net, img, ws[lo:hi], side, threshold, scored[lo:hi])
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	var kept []window
	for i, w := range ws {
		if scored[i] {
			kept = append(kept, w)
		}
	}
	return kept, nil
}

// mtcnnMinBatch is the fewest windows worth a batch of their own on another thread.
const mtcnnMinBatch = 8

// score runs net on one batch of windows, writing its score and offsets into each and whether it scored
// over threshold into pass.
func (m *mtcnn) score(net *ort.DynamicAdvancedSession, img pyramid, ws []window, side int, threshold float64, pass []bool) error {
	if len(ws) == 0 {
		return nil
	}
	one := 3 * side * side
	input := make([]float32, len(ws)*one)
	for i, w := range ws {
		img.crop(w, side, input[i*one:(i+1)*one])
	}
	in, err := ort.NewTensor(ort.NewShape(int64(len(ws)), 3, int64(side), int64(side)), input)
	if err != nil {
		return err
	}
	defer in.Destroy()
	outs := []ort.Value{nil, nil}
	if err := net.Run([]ort.Value{in}, outs); err != nil {
		return fmt.Errorf("face detection (mtcnn): %w", err)
	}
	defer destroy(outs)
	p, r := outs[0].(*ort.Tensor[float32]).GetData(), outs[1].(*ort.Tensor[float32]).GetData()
	for i := range ws {
		ws[i].score = float64(p[2*i+1])
		ws[i].reg = [4]float64{float64(r[4*i]), float64(r[4*i+1]), float64(r[4*i+2]), float64(r[4*i+3])}
		pass[i] = ws[i].score > threshold
	}
	return nil
}

// normal is a pixel's value (0–255) as MTCNN's networks read it: (v - 127.5) / 128.
func normal(v float32) float32 { return (v - 127.5) * 0.0078125 }

// planar is img as MTCNN's input: float32 R, G and B planes.
func planar(img *image.RGBA) []float32 {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	out := make([]float32, 3*w*h)
	for y := range h {
		row := img.Pix[img.PixOffset(img.Rect.Min.X, img.Rect.Min.Y+y):]
		for x := range w {
			for c := range 3 {
				out[c*w*h+y*w+x] = normal(float32(row[4*x+c]))
			}
		}
	}
	return out
}

// pyramid is the cascade's image (scale 1) and its levels, smaller and smaller.
type pyramid struct {
	imgs   []*image.RGBA
	scales []float64
}

// crop writes window w (in the cascade image's pixels) as a side×side input into out, resampled from the
// smallest level on which it is still at least side across, so that a large window costs no more than a
// small one.
func (p pyramid) crop(w window, side int, out []float32) {
	l := 0
	for l+1 < len(p.imgs) && (w.x2-w.x1+1)*p.scales[l+1] >= float64(side) && (w.y2-w.y1+1)*p.scales[l+1] >= float64(side) {
		l++
	}
	s := p.scales[l]
	box := image.Rect(int(math.Trunc(w.x1*s)), int(math.Trunc(w.y1*s)), int(math.Trunc((w.x2+1)*s)), int(math.Trunc((w.y2+1)*s)))
	resample(p.imgs[l], box, side, out)
}

// resample writes box of img (pixels outside img are black) as a side×side input into out: each output
// pixel the mean of the pixels whose centres fall in its part of the box, or the nearest pixel when none
// do (a box smaller than side).
func resample(img *image.RGBA, box image.Rectangle, side int, out []float32) {
	sx, sy := float64(box.Dx())/float64(side), float64(box.Dy())/float64(side)
	span := func(i int, step float64, origin int) (lo, hi int) {
		lo, hi = origin+int(math.Ceil(float64(i)*step-0.5)), origin+int(math.Ceil(float64(i+1)*step-0.5))
		if hi <= lo {
			lo = origin + int((float64(i)+0.5)*step)
			hi = lo + 1
		}
		return lo, hi
	}
	plane := side * side
	for oy := range side {
		y0, y1 := span(oy, sy, box.Min.Y)
		for ox := range side {
			x0, x1 := span(ox, sx, box.Min.X)
			var sum [3]int
			for y := max(y0, img.Rect.Min.Y); y < min(y1, img.Rect.Max.Y); y++ {
				row := img.Pix[(y-img.Rect.Min.Y)*img.Stride:]
				for x := max(x0, img.Rect.Min.X); x < min(x1, img.Rect.Max.X); x++ {
					p := row[4*(x-img.Rect.Min.X):]
					sum[0], sum[1], sum[2] = sum[0]+int(p[0]), sum[1]+int(p[1]), sum[2]+int(p[2])
				}
			}
			n := (y1 - y0) * (x1 - x0)
			for c := range 3 {
				out[c*plane+oy*side+ox] = normal(float32(sum[c]) / float32(n))
			}
		}
	}
}

// shifted moves each window's corners by its offsets, in units of its span (x2 - x1) plus extra.
func shifted(ws []window, extra float64) []window {
	for i := range ws {
		w := &ws[i]
		dw, dh := w.x2-w.x1+extra, w.y2-w.y1+extra
		w.x1, w.y1, w.x2, w.y2 = w.x1+w.reg[0]*dw, w.y1+w.reg[1]*dh, w.x2+w.reg[2]*dw, w.y2+w.reg[3]*dh
	}
	return ws
}

// square makes each window the square of its longer side around its centre, on whole pixels.
func square(ws []window) []window {
	for i := range ws {
		w := &ws[i]
		dw, dh := w.x2-w.x1, w.y2-w.y1
		s := max(dw, dh)
		w.x1, w.y1 = math.Trunc(w.x1+dw/2-s/2), math.Trunc(w.y1+dh/2-s/2)
		w.x2, w.y2 = math.Trunc(w.x1+s), math.Trunc(w.y1+s)
	}
	return ws
}

// suppress keeps the best-scored windows, dropping each that overlaps a kept one by more than threshold:
// intersection over union, or over the smaller window's area when bySmaller.
func suppress(ws []window, threshold float64, bySmaller bool) []window {
	sort.SliceStable(ws, func(i, j int) bool { return ws[i].score > ws[j].score })
	var kept []window
	for _, w := range ws {
		ok := true
		for _, k := range kept {
			iw := min(w.x2, k.x2) - max(w.x1, k.x1) + 1
			ih := min(w.y2, k.y2) - max(w.y1, k.y1) + 1
			if iw <= 0 || ih <= 0 {
				continue
			}
			inter := iw * ih
			over := inter / (w.area() + k.area() - inter)
			if bySmaller {
				over = inter / min(w.area(), k.area())
			}
			if over > threshold {
				ok = false
				break
			}
		}
		if ok {
			kept = append(kept, w)
		}
	}
	return kept
}

func destroy(vs []ort.Value) {
	for _, v := range vs {
		if v != nil {
			v.Destroy()
		}
	}
}
