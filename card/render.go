package card

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"math"
	"strings"

	"github.com/boombuler/barcode/qr"
	"github.com/disintegration/imaging"

	"childmatch"
)

// The card's geometry, in pixels: 4:5 portrait, the shape messaging apps show uncropped in a chat.
const (
	Width  = 1080
	Height = 1350

	margin     = 40
	headerH    = 180
	photoTop   = headerH + 24
	photoSide  = 480
	columnX    = margin + photoSide + 40
	lowerTop   = photoTop + photoSide + 28
	footerTop  = 1120
	qrSide     = 210
	footerText = Width - 2*margin - qrSide - 24
)

var (
	ink       = color.RGBA{0x11, 0x11, 0x11, 0xff}
	labelInk  = color.RGBA{0x55, 0x55, 0x55, 0xff}
	white     = color.RGBA{0xff, 0xff, 0xff, 0xff}
	footerBg  = color.RGBA{0xee, 0xee, 0xee, 0xff}
	rule      = color.RGBA{0xcc, 0xcc, 0xcc, 0xff}
	alertRed  = color.RGBA{0xb0, 0x1c, 0x1c, 0xff}
	updateOrg = color.RGBA{0xb8, 0x4a, 0x00, 0xff}
	foundGrn  = color.RGBA{0x1b, 0x6b, 0x30, 0xff}
	drillPurp = color.RGBA{0x4a, 0x23, 0x8c, 0xff}
)

// Renderer is the card renderer the services are given.
type Renderer struct{}

var (
	_ childmatch.CardRenderer   = Renderer{}
	_ childmatch.PosterRenderer = Renderer{}
)

// Render draws the card as a PNG of Width×Height pixels, at most childmatch.CardMaxBytes long.
func (Renderer) Render(d childmatch.Card) ([]byte, error) { return Render(d) }

// Facts says the card's key facts in words (Facts).
func (Renderer) Facts(d childmatch.Card) childmatch.Facts { return Facts(d) }

// Render draws the card of d as a PNG of Width×Height pixels, at most childmatch.CardMaxBytes long.
func Render(d childmatch.Card) ([]byte, error) {
	img, err := paint(d)
	if err != nil {
		return nil, err
	}
	return encode(img)
}

// paint lays out and draws the card.
func paint(d childmatch.Card) (*image.RGBA, error) {
	if err := validate(&d); err != nil {
		return nil, err
	}
	ts, err := newTypesetter()
	if err != nil {
		return nil, err
	}
	photo, err := chip(d.FaceChip, d.Type == childmatch.MsgCancel)
	if err != nil {
		return nil, err
	}
	img := image.NewRGBA(image.Rect(0, 0, Width, Height))
	fill(img, img.Bounds(), white)

	// Header: what this message is, in English and in Hindi.
	bg := map[childmatch.MsgType]color.RGBA{childmatch.MsgAlert: alertRed, childmatch.MsgUpdate: updateOrg, childmatch.MsgCancel: foundGrn}[d.Type]
	if d.Exercise {
		bg = drillPurp
	}
	fill(img, image.Rect(0, 0, Width, headerH), bg)
	en, hi := headline(d.Type, d.Exercise)
	ts.fit([]field{{value: en, scale: 1, style: bold, maxLines: 1}, {value: hi, scale: 0.9, style: bold, maxLines: 1}},
		image.Rect(margin, 12, Width-margin, headerH-8), []float64{68, 60, 52, 46, 40}, 0.1).centred(ts).draw(ts, img, white)

	// The face, large; a cancel card's is grey and stamped FOUND.
	pr := image.Rect(margin, photoTop, margin+photoSide, photoTop+photoSide)
	if photo != nil {
		draw.Draw(img, pr, photo, image.Point{}, draw.Src)
	} else {
		ts.placeholder(img, pr)
	}
	if d.Type == childmatch.MsgCancel {
		band := image.Rect(pr.Min.X, pr.Min.Y+photoSide/2-50, pr.Max.X, pr.Min.Y+photoSide/2+50)
		fill(img, band, foundGrn)
		ts.fit([]field{{value: foundStamp, scale: 1, style: bold, maxLines: 1}}, band.Inset(10), []float64{60, 52, 44}, 0).
			centred(ts).draw(ts, img, white)
	}
	outline(img, pr, rule)

	// Beside the face: who the child is, and whom to call.
	name := d.Child.Name
	if strings.TrimSpace(name) == "" {
		name = nameNotKnown
	}
	ts.fit([]field{
		{label: labelName, value: name, scale: 1.4, style: bold, maxLines: 4},
		{label: labelChild, value: genderAge(d.Child), scale: 1, maxLines: 2},
		{label: labelLanguages, value: strings.Join(d.Child.Languages, ", "), scale: 1, maxLines: 2},
		{label: labelCall, value: childmatch.JoinNonEmpty(", ", d.Call.Name, d.Call.Organisation), scale: 1, maxLines: 2},
		{value: d.Call.Phone, scale: 1.3, style: bold, maxLines: 1},
	}, image.Rect(columnX, photoTop, Width-margin, photoTop+photoSide), blockSizes, 0.4).draw(ts, img, ink)

	// Below: how to recognise the child, where and when the child was last seen.
	seen := childmatch.JoinNonEmpty(", ", d.LastSeen.Station, d.LastSeen.Place, d.LastSeen.District, d.LastSeen.State)
	if !d.LastSeen.Time.IsZero() {
		seen = childmatch.JoinNonEmpty("\n", seen, istTime(d.LastSeen.Time))
	}
	train := d.Train
	if d.Coach != "" {
		train = childmatch.JoinNonEmpty(", ", train, "coach · कोच "+d.Coach)
	}
	ts.fit([]field{
		{label: labelClothing, value: d.Child.Description, scale: 1},
		{label: labelMarks, value: d.Child.IdentifyingMarks, scale: 1},
		{label: labelLastSeen, value: seen, scale: 1},
		{label: labelTrain, value: train, scale: 1, maxLines: 2},
	}, image.Rect(margin, lowerTop, Width-margin, footerTop-16), blockSizes, 0.4).draw(ts, img, ink)

	// Footer: the case, whose copy this is, and the QR code to the case page.
	fill(img, image.Rect(0, footerTop, Width, Height), footerBg)
	ts.fit([]field{
		{value: "Case · केस " + d.CaseID, scale: 1, style: bold, maxLines: 1},
		{value: scanCaption, scale: 0.85, maxLines: 2},
		{value: "Copy for · प्रति: " + d.Post, scale: 0.85, style: bold, maxLines: 2},
		{value: notice(d.Publication), scale: 0.75, maxLines: 2},
	}, image.Rect(margin, footerTop+14, margin+footerText, Height-14), []float64{28, 26, 24, 22, 20}, 0.25).draw(ts, img, ink)
	if err := qrCode(img, d.URL, image.Rect(Width-margin-qrSide, footerTop+5, Width-margin, footerTop+5+qrSide)); err != nil {
		return nil, err
	}
	return img, nil
}

// blockSizes are the value sizes a block of fields tries, largest first, until its fields fit.
var blockSizes = []float64{40, 37, 34, 31, 28, 26, 24, 22}

// chip decodes the face chip and scales it to fill the photo square (grey on a cancel card); nil without one.
func chip(b []byte, grey bool) (image.Image, error) {
	if len(b) == 0 {
		return nil, nil
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return nil, childmatch.FieldError("face_chip", "is not a JPEG image")
	}
	if cfg.Width*cfg.Height > childmatch.CardMaxChipPixels {
		return nil, childmatch.FieldError("face_chip", "is %d×%d pixels, more than the %d a card takes", cfg.Width, cfg.Height, childmatch.CardMaxChipPixels)
	}
	img, err := jpeg.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, childmatch.FieldError("face_chip", "is not a JPEG image")
	}
	out := imaging.Fill(img, photoSide, photoSide, imaging.Center, imaging.CatmullRom)
	if grey {
		out = imaging.Grayscale(out)
	}
	return out, nil
}

// placeholder fills r with a grey head-and-shoulders outline and says there is no photo yet.
func (t *typesetter) placeholder(img *image.RGBA, r image.Rectangle) {
	fill(img, r, color.RGBA{0xe4, 0xe4, 0xe4, 0xff})
	cx, cy := float32(r.Dx())/2, float32(r.Dy())*0.36
	t.raster.Reset(r.Dx(), r.Dy())
	circle(t, cx, cy, float32(r.Dx())*0.17)
	// Shoulders: the top half of an ellipse, resting on the bottom edge above the caption.
	rx, ry, by := float32(r.Dx())*0.33, float32(r.Dy())*0.2, float32(r.Dy())*0.76
	t.raster.MoveTo(cx-rx, by)
	for i := 0; i <= 32; i++ {
		a := math.Pi * float64(i) / 32
		t.raster.LineTo(cx-rx*float32(math.Cos(a)), by-ry*float32(math.Sin(a)))
	}
	t.raster.ClosePath()
	t.raster.Draw(img, r, image.NewUniform(color.RGBA{0xb4, 0xb4, 0xb4, 0xff}), image.Point{})
	t.fit([]field{{value: noPhoto, scale: 1, style: bold, maxLines: 1}, {value: noPhotoHindi, scale: 1, style: bold, maxLines: 1}},
		image.Rect(r.Min.X+10, r.Min.Y+int(by)+8, r.Max.X-10, r.Max.Y-6), []float64{36, 32, 28}, 0).centred(t).draw(t, img, labelInk)
}

func circle(t *typesetter, cx, cy, radius float32) {
	t.raster.MoveTo(cx+radius, cy)
	for i := 1; i <= 48; i++ {
		a := 2 * math.Pi * float64(i) / 48
		t.raster.LineTo(cx+radius*float32(math.Cos(a)), cy+radius*float32(math.Sin(a)))
	}
	t.raster.ClosePath()
}

// qrCode draws the URL's QR code, with its quiet zone, as large as fits in r in whole pixels per module.
// Error correction level M (15%): the card is read off a screen, not a worn print, and M keeps the
// modules larger for a given URL than Q or H would.
func qrCode(img *image.RGBA, url string, r image.Rectangle) error {
	code, err := qr.Encode(url, qr.M, qr.Auto)
	if err != nil {
		return childmatch.FieldError("url", "cannot be put in a QR code: %v", err)
	}
	n := code.Bounds().Dx()
	const quiet = 4 // modules of white around the code, as the standard asks
	module := r.Dx() / (n + 2*quiet)
	if module < childmatch.CardMinQRModule {
		return childmatch.FieldError("url", "is %d bytes, too long for a QR code a phone reads off the card (at most about 100)", len(url))
	}
	side := module * (n + 2*quiet)
	at := r.Min.Add(image.Pt((r.Dx()-side)/2, (r.Dy()-side)/2))
	fill(img, image.Rectangle{at, at.Add(image.Pt(side, side))}, white)
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			if l, _, _, _ := code.At(x, y).RGBA(); l == 0 { // a dark module
				p := at.Add(image.Pt((x+quiet)*module, (y+quiet)*module))
				fill(img, image.Rectangle{p, p.Add(image.Pt(module, module))}, ink)
			}
		}
	}
	return nil
}

func fill(img *image.RGBA, r image.Rectangle, c color.Color) {
	draw.Draw(img, r, image.NewUniform(c), image.Point{}, draw.Src)
}

func outline(img *image.RGBA, r image.Rectangle, c color.Color) {
	fill(img, image.Rect(r.Min.X, r.Min.Y, r.Max.X, r.Min.Y+2), c)
	fill(img, image.Rect(r.Min.X, r.Max.Y-2, r.Max.X, r.Max.Y), c)
	fill(img, image.Rect(r.Min.X, r.Min.Y, r.Min.X+2, r.Max.Y), c)
	fill(img, image.Rect(r.Max.X-2, r.Min.Y, r.Max.X, r.Max.Y), c)
}
