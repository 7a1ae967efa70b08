package card

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/disintegration/imaging"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"childmatch"
	"childmatch/fixtures"
)

// faceChip makes a chip the size the matcher makes (200 px) from a real photo of the shared set.
func faceChip(tb testing.TB) []byte {
	tb.Helper()
	img, err := jpeg.Decode(bytes.NewReader(fixtures.Photo(tb, "person01/img1.jpg")))
	if err != nil {
		tb.Fatal(err)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, imaging.Fill(img, 200, 200, imaging.Center, imaging.Lanczos), &jpeg.Options{Quality: 90}); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func sample(tb testing.TB) childmatch.Card {
	return childmatch.Card{
		Type:   childmatch.MsgAlert,
		CaseID: "0190f5c8-6a4e-7b3c-9d2e-1f0a2b3c4d5e",
		Child: childmatch.Child{
			Name: "Ravi Kumar", Age: 9, Gender: childmatch.GenderMale, Languages: []string{"Hindi", "Bhojpuri"},
			Description:      "Blue school shirt, grey shorts, black sandals; carries a red bag",
			IdentifyingMarks: "Small scar above the left eyebrow",
		},
		FaceChip: faceChip(tb),
		LastSeen: childmatch.Sighting{Station: "Itarsi Jn (ET)", Place: "platform 4", District: "Narmadapuram",
			State: "Madhya Pradesh", Time: time.Date(2026, 3, 14, 13, 10, 0, 0, time.UTC)},
		Train: "12138 Punjab Mail", Coach: "S4",
		Call: childmatch.Contact{Name: "SI R. Sharma", Organisation: "GRP Itarsi", Phone: "+91 94250 12345"},
		URL:  "https://childmatch.example.in/cases/0190f5c8-6a4e-7b3c-9d2e-1f0a2b3c4d5e",
		Post: "RPF Post Bhopal",
	}
}

// variants are the cards a person looks at before a change to the layout is done (CHILDMATCH_CARD_DIR).
func variants(tb testing.TB) map[string]childmatch.Card {
	english := sample(tb)
	hindi := sample(tb)
	hindi.Child = childmatch.Child{Name: "गुमशुदा बच्चा: रवि कुमार", Age: 9, AgeEstimated: true, Gender: childmatch.GenderMale,
		Languages: []string{"हिंदी", "भोजपुरी"}, Description: "नीली स्कूल शर्ट, स्लेटी निक्कर; लाल बस्ता",
		IdentifyingMarks: "बाईं भौंह के ऊपर छोटा निशान; क्षेत्र: इटारसी"}
	hindi.LastSeen.Place, hindi.LastSeen.Station = "प्लेटफ़ॉर्म 4", "इटारसी जंक्शन"
	hindi.Call.Name, hindi.Post = "उप निरीक्षक आर. शर्मा", "आरपीएफ़ चौकी भोपाल"
	long := sample(tb)
	long.Type = childmatch.MsgUpdate
	long.Child.Name = strings.Repeat("Venkatanarasimharajuvaripeta Srinivasa ", 5)
	long.Child.Description = strings.Repeat("Wearing a faded green kurta with white embroidery and brown trousers. ", 12)
	long.Child.IdentifyingMarks = strings.Repeat("Birthmark on the right forearm, mole on the chin. ", 8)
	long.Post = strings.Repeat("Childline Desk, Bhopal Junction ", 6)
	missing := sample(tb)
	missing.FaceChip = nil
	cancel := sample(tb)
	cancel.Type = childmatch.MsgCancel
	return map[string]childmatch.Card{"english": english, "hindi": hindi, "long": long, "missing-photo": missing, "cancel": cancel}
}

func render(t *testing.T, d childmatch.Card) image.Image {
	t.Helper()
	b, err := Render(d)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestCardSizeAndDimensions(t *testing.T) {
	dir := os.Getenv("CHILDMATCH_CARD_DIR")
	for name, d := range variants(t) {
		b, err := Render(d)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if cfg.Width != 1080 || cfg.Height != 1350 {
			t.Errorf("%s: %d×%d, want 1080×1350", name, cfg.Width, cfg.Height)
		}
		if len(b) >= 300<<10 {
			t.Errorf("%s: %d bytes, want under 300 KB", name, len(b))
		}
		t.Logf("%s: %d bytes", name, len(b))
		if dir != "" {
			if err := os.WriteFile(filepath.Join(dir, name+".png"), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// naive maps each rune to its glyph through the font's cmap alone, as text drawn letter by letter is.
func naive(f *faces, text string) []uint32 {
	var ids []uint32
	for _, r := range text {
		g, _ := f.f[regular][deva].NominalGlyph(r)
		ids = append(ids, uint32(g))
	}
	return ids
}

// shaped returns the glyphs of text as the card sets them: through the same wrap the card draws.
func shaped(ts *typesetter, text string) []uint32 {
	var ids []uint32
	for _, l := range ts.wrap(text, regular, 40, 2000, 0) {
		for _, r := range l.runs {
			for _, g := range r.Glyphs {
				ids = append(ids, uint32(g.GlyphID))
			}
		}
	}
	return ids
}

// Conjuncts must be formed and the virama consumed; the i matra, typed after its consonant, must be
// drawn before it. A renderer that drew Devanagari letter by letter fails every case.
func TestDevanagariIsShaped(t *testing.T) {
	ts, err := newTypesetter()
	if err != nil {
		t.Fatal(err)
	}
	virama, _ := ts.faces.f[regular][deva].NominalGlyph('्')
	for _, word := range []string{"क्षेत्र", "बच्चा", "निषिद्ध", "ज़रूरी"} {
		got, letters := shaped(ts, word), naive(ts.faces, word)
		if slices.Equal(got, letters) {
			t.Errorf("%s: shaped glyphs %v are the letters' own glyphs", word, got)
		}
		if strings.ContainsRune(word, '्') && slices.Contains(got, uint32(virama)) {
			t.Errorf("%s: the virama is drawn as a glyph (%v): no conjunct was formed", word, got)
		}
	}
	// गुमशुदा: no conjunct, but the u matras sit under their consonants (positioned marks).
	out := ts.shape([]rune("गुमशुदा"), regular, 40)
	marks := 0
	for _, g := range out[0].Glyphs {
		if g.Advance == 0 {
			marks++
		}
	}
	if marks != 2 {
		t.Errorf("गुमशुदा: %d zero-width marks, want 2 (the two ु)", marks)
	}
	ki := shaped(ts, "कि")
	if ka, _ := ts.faces.f[regular][deva].NominalGlyph('क'); len(ki) != 2 || ki[1] != uint32(ka) {
		t.Errorf("कि: glyphs %v, want the i matra first and क (%d) second", ki, ka)
	}
}

// The card's pixels show it too: the Hindi name drawn shaped differs from the same runes drawn one by one.
func TestShapedBitmapDiffersFromLetters(t *testing.T) {
	ts, err := newTypesetter()
	if err != nil {
		t.Fatal(err)
	}
	const word = "क्षेत्र"
	draw := func(l textLine) *image.RGBA {
		img := image.NewRGBA(image.Rect(0, 0, 400, 100))
		ts.drawLine(img, l, 10, 70, ink, img.Bounds())
		return img
	}
	good := ts.wrap(word, regular, 48, 400, 1)[0]
	letters := textLine{}
	for _, r := range word {
		run := ts.shape([]rune{r}, regular, 48)
		letters.runs = append(letters.runs, run...)
		letters.width += float64(run[0].Advance) / 64
	}
	a, b := draw(good), draw(letters)
	differ := 0
	for i := 3; i < len(a.Pix); i += 4 {
		if (a.Pix[i] > 127) != (b.Pix[i] > 127) {
			differ++
		}
	}
	if differ < 200 {
		t.Errorf("shaped and letter-by-letter %s differ in %d pixels only", word, differ)
	}
}

// allWhite reports whether every pixel of r in img is white.
func allWhite(img image.Image, r image.Rectangle) bool {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA); c != (color.RGBA{0xff, 0xff, 0xff, 0xff}) {
				return false
			}
		}
	}
	return true
}

// share is the fraction of r's pixels that are c.
func share(img image.Image, r image.Rectangle, c color.RGBA) float64 {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if color.RGBAModel.Convert(img.At(x, y)).(color.RGBA) == c {
				n++
			}
		}
	}
	return float64(n) / float64(r.Dx()*r.Dy())
}

func TestLongTextStaysInItsBox(t *testing.T) {
	ts, err := newTypesetter()
	if err != nil {
		t.Fatal(err)
	}
	box := image.Rect(columnX, photoTop, Width-margin, photoTop+photoSide)
	for _, name := range []string{
		strings.Repeat("Venkatanarasimharajuvaripeta Srinivasa ", 5),
		strings.Repeat("W", 200), // one word wider than the column
		strings.Repeat("गुमशुदा बच्चा ", 14),
	} {
		b := ts.fit([]field{{label: labelName, value: name, scale: 1.4, style: bold, maxLines: 4}}, box, blockSizes, 0.4)
		if h := b.height(ts); h > float64(box.Dy()) {
			t.Errorf("%.20s…: block is %.0f px tall, box %d", name, h, box.Dy())
		}
		for _, l := range b.items[0].value {
			if l.width > float64(box.Dx()) {
				t.Errorf("%.20s…: a line is %.0f px wide, box %d", name, l.width, box.Dx())
			}
		}
		if n := len(b.items[0].value); n > 4 {
			t.Errorf("%.20s…: %d lines, at most 4", name, n)
		}
	}
	img := render(t, variants(t)["long"])
	body := func(x0, x1 int) image.Rectangle { return image.Rect(x0, headerH, x1, footerTop) }
	if !allWhite(img, body(Width-margin+3, Width)) {
		t.Error("text runs into the right margin")
	}
	if !allWhite(img, image.Rect(margin+photoSide+3, photoTop, columnX-3, photoTop+photoSide)) {
		t.Error("text runs into the gutter between the photo and the column")
	}
	if !allWhite(img, body(0, margin-3)) {
		t.Error("text runs into the left margin")
	}
}

func TestMissingPhotoShowsPlaceholder(t *testing.T) {
	v := variants(t)
	photo := image.Rect(margin+2, photoTop+2, margin+photoSide-2, photoTop+photoSide-2)
	placeholderGrey := color.RGBA{0xe4, 0xe4, 0xe4, 0xff}
	if s := share(render(t, v["missing-photo"]), photo, placeholderGrey); s < 0.5 {
		t.Errorf("without a photo, %.0f%% of the photo box is the placeholder's grey, want most", 100*s)
	}
	if s := share(render(t, v["english"]), photo, placeholderGrey); s > 0.05 {
		t.Errorf("with a photo, %.0f%% of the photo box is the placeholder's grey", 100*s)
	}
}

func TestCancelCardSaysFound(t *testing.T) {
	v := variants(t)
	header := image.Rect(0, 0, Width, headerH)
	cancel, alert := render(t, v["cancel"]), render(t, v["english"])
	if s := share(cancel, header, foundGrn); s < 0.5 {
		t.Errorf("cancel header is %.0f%% green", 100*s)
	}
	if s := share(alert, header, alertRed); s < 0.5 {
		t.Errorf("alert header is %.0f%% red", 100*s)
	}
	// The stamp across the face, and the face itself in grey, so nobody mistakes it for a live alert.
	band := image.Rect(margin+10, photoTop+photoSide/2-45, margin+photoSide-10, photoTop+photoSide/2+45)
	if s := share(cancel, band, foundGrn); s < 0.5 {
		t.Errorf("the FOUND stamp covers %.0f%% of its band", 100*s)
	}
	// Colourfulness: the mean spread between a pixel's largest and smallest channel, above the stamp
	// (the palette may tint a grey by a step or two; a colour photo's skin spreads by tens).
	spread := func(img image.Image) float64 {
		sum, n := 0, 0
		for y := photoTop + 4; y < photoTop+photoSide/2-60; y++ {
			for x := margin + 4; x < margin+photoSide-4; x++ {
				c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
				sum += int(max(c.R, c.G, c.B) - min(c.R, c.G, c.B))
				n++
			}
		}
		return float64(sum) / float64(n)
	}
	if c, a := spread(cancel), spread(alert); c > 3 || a < 10 {
		t.Errorf("face colour spread: cancel %.1f (want grey, ≤ 3), alert %.1f (want colour, ≥ 10)", c, a)
	}
}

func TestQRCodeOpensTheCase(t *testing.T) {
	d := sample(t)
	img := render(t, d)
	bmp, err := gozxing.NewBinaryBitmapFromImage(img.(interface {
		SubImage(image.Rectangle) image.Image
	}).SubImage(image.Rect(Width-margin-qrSide-10, footerTop, Width, Height)))
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.GetText() != d.URL {
		t.Errorf("QR code reads %q, want %q", res.GetText(), d.URL)
	}
}

func TestBadDataIsRefused(t *testing.T) {
	for _, c := range []struct {
		field  string
		change func(*childmatch.Card)
	}{
		{"msg_type", func(d *childmatch.Card) { d.Type = "urgent" }},
		{"child.gender", func(d *childmatch.Card) { d.Child.Gender = "boy" }},
		{"child.age", func(d *childmatch.Card) { d.Child.Age = -1 }},
		{"post", func(d *childmatch.Card) { d.Post = " " }},
		{"case_id", func(d *childmatch.Card) { d.CaseID = "" }},
		{"url", func(d *childmatch.Card) { d.URL = "javascript:alert(1)" }},
		{"url", func(d *childmatch.Card) { d.URL = "https://childmatch.example.in/cases/" + strings.Repeat("x", 160) }},
		{"face_chip", func(d *childmatch.Card) { d.FaceChip = []byte("not a jpeg") }},
		{"child.description", func(d *childmatch.Card) { d.Child.Description = strings.Repeat("a", childmatch.MaxLongText+1) }},
	} {
		d := sample(t)
		c.change(&d)
		_, err := Render(d)
		if childmatch.ErrorCodeOf(err) != childmatch.EInvalid || childmatch.ErrorField(err) != c.field {
			t.Errorf("%s: got %v, want an invalid %s", c.field, err, c.field)
		}
	}
}

func TestMissingFontsSayWhatToInstall(t *testing.T) {
	_, err := loadFonts([]string{t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "fonts-noto-core") {
		t.Errorf("got %v, want an error naming fonts-noto-core", err)
	}
}

func BenchmarkRender(b *testing.B) {
	cards := variants(b)
	cards["worst"] = worst(b) // encoded twice: over the limit in 256 colours, not in 64
	for _, name := range []string{"english", "long", "missing-photo", "worst"} {
		d := cards[name]
		b.Run(name, func(b *testing.B) {
			var n int
			for b.Loop() {
				png, err := Render(d)
				if err != nil {
					b.Fatal(err)
				}
				n = len(png)
			}
			b.ReportMetric(float64(n), "bytes")
		})
	}
}
