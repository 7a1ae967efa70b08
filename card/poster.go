package card

import (
	"bytes"

	"codeberg.org/go-pdf/fpdf"

	"childmatch"
)

// The poster is the card on an A4 page, for a station's notice board. fpdf cannot shape Devanagari, so
// the page holds no text of its own: all of it is in the card, set by the card's shaper, and the card's
// footer names the Child Welfare Committee's permission in place of the notice that it is not for
// publication.

const (
	a4W, a4H     = 210.0, 297.0 // mm
	posterMargin = 10.0         // mm: inside what office printers leave unprinted
)

// Poster draws the card of d, which must carry the Committee's permission (d.Publication), centred on an A4
// page as PDF. The card's 1080 pixels over 190 mm print at 144 dots an inch.
func (Renderer) Poster(d childmatch.Card) ([]byte, error) {
	if d.Publication == nil {
		return nil, childmatch.FieldError("publication", "is required: a poster is made only with the Child Welfare Committee's permission")
	}
	png, err := Render(d)
	if err != nil {
		return nil, err
	}
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetTitle("Missing child · लापता बच्चा "+d.CaseID, true)
	pdf.SetCreator("childmatch", false)
	pdf.SetCreationDate(d.Publication.At)
	pdf.SetModificationDate(d.Publication.At)
	pdf.SetMargins(posterMargin, posterMargin, posterMargin)
	pdf.SetAutoPageBreak(false, 0)
	pdf.AddPage()
	opt := fpdf.ImageOptions{ImageType: "PNG"}
	pdf.RegisterImageOptionsReader("card", opt, bytes.NewReader(png))
	w := a4W - 2*posterMargin
	h := w * Height / Width
	pdf.ImageOptions("card", posterMargin, (a4H-h)/2, w, h, false, opt, 0, "")
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, &childmatch.Error{Code: childmatch.EInternal, Message: "writing the poster", Err: err}
	}
	return buf.Bytes(), nil
}
