package card

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"childmatch"
)

// noiseChip is a face chip no photo is worse than for the PNG's size: 200 px of random colour.
func noiseChip(t testing.TB) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 200, 200))
	r := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = uint8(r.UintN(256))
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// fillTo repeats word to exactly n runes.
func fillTo(word string, n int) string {
	r := []rune(strings.Repeat(word, n/len([]rune(word))+1))
	return string(r[:n])
}

// worst is the card with every field at the longest a card takes, in Hindi (Devanagari's shapes cost the
// most bytes), a photo of noise, an exercise's header and a URL near the QR code's limit.
func worst(t testing.TB) childmatch.Card {
	short, long := childmatch.MaxShortText, childmatch.MaxLongText
	d := childmatch.Card{Type: childmatch.MsgUpdate, Exercise: true, CaseID: fillTo("0190f5c8-", short),
		Child: childmatch.Child{Name: fillTo("वेंकटनरसिंहराजुवारिपेटा श्रीनिवास ", short), Age: 17, AgeEstimated: true, Gender: childmatch.GenderOther,
			Languages:   []string{fillTo("भोजपुरी ", short), fillTo("Bundeli ", short), fillTo("मैथिली ", short)},
			Description: fillTo("हल्के हरे कुर्ते पर सफ़ेद कढ़ाई, भूरी पतलून, क्षेत्र ", long), IdentifyingMarks: fillTo("दाईं बाँह पर जन्म का निशान; ठुड्डी पर तिल। ", long)},
		FaceChip: noiseChip(t),
		LastSeen: childmatch.Sighting{Station: fillTo("इटारसी जंक्शन ", short), Place: fillTo("प्लेटफ़ॉर्म 4 ", short),
			District: fillTo("नर्मदापुरम ", short), State: fillTo("मध्य प्रदेश ", short), Time: time.Date(2026, 12, 31, 23, 59, 0, 0, time.UTC)},
		Train: fillTo("12138 पंजाब मेल ", short), Coach: fillTo("S4 ", short),
		Call: childmatch.Contact{Name: fillTo("उप निरीक्षक आर. शर्मा ", short), Organisation: fillTo("जीआरपी इटारसी ", short), Phone: fillTo("+91 94250 12345 ", short)},
		URL:  "https://childmatch.example.in/app/#/case/" + strings.Repeat("0190f5c8", 7),
		Post: fillTo("चाइल्डलाइन डेस्क, भोपाल जंक्शन ", short)}
	return d
}

// TestWorstCardFits: the card with every field at its longest is still a PNG of 1080×1350 under 300 KB
// (the 2G limit, childmatch.CardMaxBytes), and a person looks at it (CHILDMATCH_CARD_DIR).
func TestWorstCardFits(t *testing.T) {
	b, err := Render(worst(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(b) >= 300<<10 {
		t.Fatalf("the worst card is %d bytes, want under 300 KB", len(b))
	}
	t.Logf("worst card: %d bytes", len(b))
	if dir := os.Getenv("CHILDMATCH_CARD_DIR"); dir != "" {
		os.WriteFile(filepath.Join(dir, "worst.png"), b, 0o644)
	}
	// The noise photo is drawn, not dropped: the photo box is far from one colour.
	img := render(t, worst(t))
	photo := image.Rect(margin+4, photoTop+4, margin+photoSide-4, photoTop+photoSide/2-60)
	first := color.RGBAModel.Convert(img.At(photo.Min.X, photo.Min.Y)).(color.RGBA)
	if share(img, photo, first) > 0.1 {
		t.Error("the worst card's photo box is mostly one colour")
	}
}
