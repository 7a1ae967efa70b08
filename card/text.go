package card

import (
	"image"
	"image/color"
	"math"
	"slices"
	"strings"

	"github.com/go-text/typesetting/di"
	"github.com/go-text/typesetting/font"
	ot "github.com/go-text/typesetting/font/opentype"
	"github.com/go-text/typesetting/language"
	"github.com/go-text/typesetting/shaping"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"
)

var (
	hindi   = language.NewLanguage("hi")
	english = language.NewLanguage("en")
)

// typesetter shapes, wraps and draws text for one render. Nothing in it is safe for concurrent use.
type typesetter struct {
	faces   *faces
	shaper  shaping.HarfbuzzShaper
	seg     shaping.Segmenter
	wrapper shaping.LineWrapper
	raster  *vector.Rasterizer
}

func newTypesetter() (*typesetter, error) {
	fs, err := newFaces()
	if err != nil {
		return nil, err
	}
	return &typesetter{faces: fs, raster: vector.NewRasterizer(1, 1)}, nil
}

// shape splits text into runs of one script and one face (Devanagari in Noto Sans Devanagari, the rest in
// Noto Sans) and shapes each run with HarfBuzz: this is where conjuncts, matras and reph are formed.
func (t *typesetter) shape(text []rune, st style, size float64) []shaping.Output {
	t.faces.style = st
	in := shaping.Input{Text: text, RunStart: 0, RunEnd: len(text), Direction: di.DirectionLTR, Size: px(size)}
	runs := t.seg.Split(in, t.faces)
	out := make([]shaping.Output, len(runs))
	for i, r := range runs {
		r.Language = english
		if r.Script == language.Devanagari {
			r.Language = hindi
		}
		out[i] = t.shaper.Shape(r)
	}
	return out
}

// textLine is one wrapped line of shaped runs, in visual order.
type textLine struct {
	runs  []shaping.Output
	width float64
}

// wrap shapes text and breaks it into lines at most width pixels wide (at word boundaries, inside a word
// only when it cannot fit alone). Each "\n" starts a new paragraph. With maxLines > 0, the text is cut
// after that many lines and the last line ends in "…".
func (t *typesetter) wrap(text string, st style, size float64, width, maxLines int) []textLine {
	var lines []textLine
	paras := strings.Split(text, "\n")
	for i, para := range paras {
		runes := []rune(para)
		cfg := shaping.WrapConfig{Direction: di.DirectionLTR, TextContinues: i < len(paras)-1}
		if maxLines > 0 {
			cfg.TruncateAfterLines = maxLines - len(lines)
			cfg.Truncator = t.shape([]rune("…"), st, size)[0]
		}
		wrapped, _ := t.wrapper.WrapParagraph(cfg, width, runes, shaping.NewSliceIterator(t.shape(runes, st, size)))
		for _, l := range wrapped {
			// The wrapper reuses its buffers on the next call: keep copies.
			runs := make([]shaping.Output, len(l))
			w := fixed.Int26_6(0)
			for j, r := range l {
				r.Glyphs = slices.Clone(r.Glyphs)
				runs[j] = r
				w += r.Advance
			}
			slices.SortFunc(runs, func(a, b shaping.Output) int { return int(a.VisualIndex - b.VisualIndex) })
			lines = append(lines, textLine{runs: runs, width: float64(w) / 64})
		}
		if maxLines > 0 && len(lines) >= maxLines {
			break
		}
	}
	return lines
}

// metrics are the vertical extents of a line at size px, the larger of the two scripts' so that lines of
// English and of Hindi are spaced alike (Devanagari's matras reach further above and below).
func (t *typesetter) metrics(st style, size float64) (ascent, descent float64) {
	for _, f := range t.faces.f[st] {
		e, _ := f.FontHExtents()
		scale := size / float64(f.Upem())
		ascent = max(ascent, float64(e.Ascender)*scale)
		descent = max(descent, -float64(e.Descender)*scale)
	}
	return ascent, descent
}

// lineHeight is the distance between baselines of consecutive lines at size px.
func (t *typesetter) lineHeight(st style, size float64) float64 {
	a, d := t.metrics(st, size)
	return math.Ceil(a + d)
}

// drawLine fills the outlines of a line's glyphs in colour c, the pen starting at x on the given baseline.
// Everything is clipped to clip, so text never paints outside its box.
func (t *typesetter) drawLine(dst *image.RGBA, l textLine, x, baseline float64, c color.Color, clip image.Rectangle) {
	if len(l.runs) == 0 {
		return
	}
	a, d := t.metrics(bold, float64(l.runs[0].Size)/64)
	box := image.Rect(int(x)-int(a), int(baseline-2*a), int(x+l.width+a)+1, int(baseline+2*d)+1).Intersect(clip)
	if box.Empty() {
		return
	}
	t.raster.Reset(box.Dx(), box.Dy())
	ox, oy := float32(box.Min.X), float32(box.Min.Y)
	pen := x
	for _, run := range l.runs {
		scale := float32(float64(run.Size) / 64 / float64(run.Face.Upem()))
		for _, g := range run.Glyphs {
			gx := float32(pen+float64(g.XOffset)/64) - ox
			gy := float32(baseline-float64(g.YOffset)/64) - oy
			t.outline(run.Face, g.GlyphID, gx, gy, scale)
			pen += float64(g.Advance) / 64
		}
	}
	t.raster.Draw(dst, box, image.NewUniform(c), image.Point{})
}

// outline adds one glyph's outline to the rasteriser, its origin at (x, y), font units scaled by scale
// (font units grow upwards, pixels downwards).
func (t *typesetter) outline(f *font.Face, gid font.GID, x, y, scale float32) {
	o, ok := f.GlyphData(gid).(font.GlyphOutline)
	if !ok {
		return
	}
	p := func(i int, s font.Segment) (float32, float32) {
		return x + s.Args[i].X*scale, y - s.Args[i].Y*scale
	}
	started := false
	for _, s := range o.Segments {
		switch s.Op {
		case ot.SegmentOpMoveTo:
			if started {
				t.raster.ClosePath()
			}
			t.raster.MoveTo(p(0, s))
			started = true
		case ot.SegmentOpLineTo:
			t.raster.LineTo(p(0, s))
		case ot.SegmentOpQuadTo:
			bx, by := p(0, s)
			cx, cy := p(1, s)
			t.raster.QuadTo(bx, by, cx, cy)
		case ot.SegmentOpCubeTo:
			bx, by := p(0, s)
			cx, cy := p(1, s)
			dx, dy := p(2, s)
			t.raster.CubeTo(bx, by, cx, cy, dx, dy)
		}
	}
	if started {
		t.raster.ClosePath()
	}
}

// px converts a size in pixels to the shaper's fixed-point size.
func px(size float64) fixed.Int26_6 { return fixed.Int26_6(math.Round(size * 64)) }
