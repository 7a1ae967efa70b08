package card

import (
	"image"
	"image/color"
)

// field is one item of a block: a small grey label (English · Hindi) over its value.
type field struct {
	label, value string
	scale        float64 // the value's size over the block's size
	style        style
	maxLines     int // the most lines the value may take; 0: as many as the block allows
}

// block is a laid-out list of fields inside a box.
type block struct {
	box    image.Rectangle
	items  []item
	centre bool // each line centred, the whole block centred vertically in box
}

// item is one field set at its size: label lines then value lines.
type item struct {
	label, value         []textLine
	labelSize, valueSize float64
	style                style
	gapAfter             float64
}

const (
	labelScale = 0.62 // a label's size over the block's size
	minLabel   = 17   // px: the smallest label still legible on a phone
)

// fit lays out fields (those with an empty value are left out) in box at the largest of sizes at which
// they all fit. When they do not fit even at the smallest size, the longest values are cut one line at a
// time (ending in "…") until they do, so text never leaves its box. gap is the space after each field,
// over the block's size.
func (t *typesetter) fit(fields []field, box image.Rectangle, sizes []float64, gap float64) block {
	var kept []field
	for _, f := range fields {
		if f.value != "" {
			kept = append(kept, f)
		}
	}
	caps := make([]int, len(kept))
	for i, f := range kept {
		caps[i] = f.maxLines
	}
	var b block
	for _, size := range sizes {
		b = t.layout(kept, caps, box, size, gap)
		if b.height(t) <= float64(box.Dy()) {
			return b
		}
	}
	for b.height(t) > float64(box.Dy()) {
		longest := -1
		for i, it := range b.items {
			if len(it.value) > 1 && (longest < 0 || len(it.value) > len(b.items[longest].value)) {
				longest = i
			}
		}
		if longest < 0 {
			break // one line each and still too tall: draw clips what is left over
		}
		caps[longest] = len(b.items[longest].value) - 1
		b = t.layout(kept, caps, box, sizes[len(sizes)-1], gap)
	}
	return b
}

func (t *typesetter) layout(fields []field, caps []int, box image.Rectangle, size, gap float64) block {
	b := block{box: box, items: make([]item, len(fields))}
	ls := max(minLabel, size*labelScale)
	for i, f := range fields {
		it := item{labelSize: ls, valueSize: size * f.scale, style: f.style, gapAfter: size * gap}
		if f.label != "" {
			it.label = t.wrap(f.label, bold, ls, box.Dx(), 1)
		}
		it.value = t.wrap(f.value, f.style, it.valueSize, box.Dx(), caps[i])
		b.items[i] = it
	}
	return b
}

func (b block) height(t *typesetter) float64 {
	h := 0.0
	for i, it := range b.items {
		h += float64(len(it.label))*t.lineHeight(bold, it.labelSize) + float64(len(it.value))*t.lineHeight(it.style, it.valueSize)
		if i < len(b.items)-1 {
			h += it.gapAfter
		}
	}
	return h
}

// centred returns b with its lines centred in its box, for titles and stamps.
func (b block) centred(t *typesetter) block {
	b.box.Min.Y += max(0, int((float64(b.box.Dy())-b.height(t))/2))
	b.centre = true
	return b
}

// draw paints the block's text in c, labels in grey (on dark backgrounds blocks have no labels).
func (b block) draw(t *typesetter, img *image.RGBA, c color.Color) {
	y := float64(b.box.Min.Y)
	x := float64(b.box.Min.X)
	clip := b.box.Inset(-2)
	line := func(l textLine, st style, size float64, col color.Color) {
		a, _ := t.metrics(st, size)
		if y+t.lineHeight(st, size) > float64(b.box.Max.Y)+1 {
			y = float64(b.box.Max.Y) + 1 // no room: this and every later line is left out
			return
		}
		lx := x
		if b.centre {
			lx += max(0, (float64(b.box.Dx())-l.width)/2)
		}
		t.drawLine(img, l, lx, y+a, col, clip)
		y += t.lineHeight(st, size)
	}
	for _, it := range b.items {
		for _, l := range it.label {
			line(l, bold, it.labelSize, labelInk)
		}
		for _, l := range it.value {
			line(l, it.style, it.valueSize, c)
		}
		y += it.gapAfter
	}
}
