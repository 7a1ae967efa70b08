package card

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"slices"

	"childmatch"
)

// encode writes the card as a palette PNG (one byte a pixel instead of four: a truecolour card with a
// long text measured 423 KB, see README), at most childmatch.CardMaxBytes long. A card over the limit in
// 256 colours is encoded again in fewer (paletteSizes): a busy photo beside text at every field's longest
// measured 327 KB in 256 colours (card/worst_test.go); fewer colours cost the photo some shading only.
func encode(img *image.RGBA) ([]byte, error) {
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.DefaultCompression}
	for _, n := range paletteSizes {
		buf.Reset()
		if err := enc.Encode(&buf, quantise(img, n)); err != nil {
			return nil, &childmatch.Error{Code: childmatch.EInternal, Message: "encoding the alert card", Err: err}
		}
		if buf.Len() <= childmatch.CardMaxBytes {
			return buf.Bytes(), nil
		}
	}
	return nil, childmatch.Errorf(childmatch.EInternal, "the alert card is %d bytes in %d colours, more than %d", buf.Len(), paletteSizes[len(paletteSizes)-1], childmatch.CardMaxBytes)
}

// paletteSizes are the palettes a card is tried in, until it fits childmatch.CardMaxBytes.
var paletteSizes = []int{256, 64, 16}

// A colour's key is its top 5 bits of red, green and blue: the cells median cut works on.
const keyBits = 5

func key(r, g, b uint8) int {
	return int(r>>(8-keyBits))<<(2*keyBits) | int(g>>(8-keyBits))<<keyBits | int(b>>(8-keyBits))
}

// cell is the pixels of one key: how many, and their colours' sums.
type cell struct {
	n       int
	r, g, b int
}

// quantise maps img to at most colours colours by median cut (Heckbert, 1982): the box of cells with the
// largest squared error is split at its median along its widest channel until there are that many boxes,
// and each box becomes the mean colour of its pixels. The card's flat areas (white, the header, the
// footer) are most of the pixels, so each is its own box and keeps its colour exactly; the photo and the edges of the text
// share the rest. No dithering: dither noise would cost far more bytes than it gains on a face chip.
func quantise(img *image.RGBA, colours int) *image.Paletted {
	cells := make([]cell, 1<<(3*keyBits))
	pix := img.Pix
	for i := 0; i < len(pix); i += 4 {
		c := &cells[key(pix[i], pix[i+1], pix[i+2])]
		c.n++
		c.r += int(pix[i])
		c.g += int(pix[i+1])
		c.b += int(pix[i+2])
	}
	var all []int
	for k, c := range cells {
		if c.n > 0 {
			all = append(all, k)
		}
	}
	boxes := []box{newBox(all, cells)}
	for len(boxes) < colours {
		worst := -1
		for i, b := range boxes {
			if len(b.keys) > 1 && (worst < 0 || b.sse > boxes[worst].sse) {
				worst = i
			}
		}
		if worst < 0 {
			break // every distinct cell has its own colour
		}
		lo, hi := boxes[worst].split(cells)
		boxes[worst] = lo
		boxes = append(boxes, hi)
	}
	pal := make(color.Palette, len(boxes))
	index := make([]uint8, len(cells))
	for i, b := range boxes {
		pal[i] = b.mean
		for _, k := range b.keys {
			index[k] = uint8(i)
		}
	}
	out := image.NewPaletted(img.Rect, pal)
	for i, j := 0, 0; i < len(pix); i, j = i+4, j+1 {
		out.Pix[j] = index[key(pix[i], pix[i+1], pix[i+2])]
	}
	return out
}

// box is a set of cells, its mean colour and its squared error about that mean.
type box struct {
	keys []int
	mean color.RGBA
	sse  float64
}

func newBox(keys []int, cells []cell) box {
	var n, r, g, b int
	for _, k := range keys {
		c := cells[k]
		n, r, g, b = n+c.n, r+c.r, g+c.g, b+c.b
	}
	mr, mg, mb := float64(r)/float64(n), float64(g)/float64(n), float64(b)/float64(n)
	sse := 0.0
	for _, k := range keys {
		c := cells[k]
		dr, dg, db := float64(c.r)/float64(c.n)-mr, float64(c.g)/float64(c.n)-mg, float64(c.b)/float64(c.n)-mb
		sse += float64(c.n) * (dr*dr + dg*dg + db*db)
	}
	return box{keys: keys, sse: sse,
		mean: color.RGBA{uint8(mr + 0.5), uint8(mg + 0.5), uint8(mb + 0.5), 0xff}}
}

// split cuts b in two at the pixel-weighted median of its widest channel.
func (b box) split(cells []cell) (box, box) {
	channel := func(k, ch int) int { return k >> (keyBits * (2 - ch)) & (1<<keyBits - 1) }
	widest, width := 0, -1
	for ch := 0; ch < 3; ch++ {
		lo, hi := 1<<keyBits, -1
		for _, k := range b.keys {
			lo, hi = min(lo, channel(k, ch)), max(hi, channel(k, ch))
		}
		if hi-lo > width {
			widest, width = ch, hi-lo
		}
	}
	keys := slices.Clone(b.keys)
	slices.SortFunc(keys, func(x, y int) int { return channel(x, widest) - channel(y, widest) })
	total := 0
	for _, k := range keys {
		total += cells[k].n
	}
	cut, seen := 1, cells[keys[0]].n
	for cut < len(keys)-1 && seen+cells[keys[cut]].n <= total/2 {
		seen += cells[keys[cut]].n
		cut++
	}
	return newBox(keys[:cut], cells), newBox(keys[cut:], cells)
}
