package card

import (
	"bytes"
	"image"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/disintegration/imaging"

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

func sample(tb testing.TB) Data {
	return Data{
		Type:   Alert,
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
func variants(tb testing.TB) map[string]Data {
	english := sample(tb)
	hindi := sample(tb)
	hindi.Child = childmatch.Child{Name: "गुमशुदा बच्चा: रवि कुमार", Age: 9, AgeEstimated: true, Gender: childmatch.GenderMale,
		Languages: []string{"हिंदी", "भोजपुरी"}, Description: "नीली स्कूल शर्ट, स्लेटी निक्कर; लाल बस्ता",
		IdentifyingMarks: "बाईं भौंह के ऊपर छोटा निशान; क्षेत्र: इटारसी"}
	hindi.LastSeen.Place, hindi.LastSeen.Station = "प्लेटफ़ॉर्म 4", "इटारसी जंक्शन"
	hindi.Call.Name, hindi.Post = "उप निरीक्षक आर. शर्मा", "आरपीएफ़ चौकी भोपाल"
	long := sample(tb)
	long.Type = Update
	long.Child.Name = strings.Repeat("Venkatanarasimharajuvaripeta Srinivasa ", 5)
	long.Child.Description = strings.Repeat("Wearing a faded green kurta with white embroidery and brown trousers. ", 12)
	long.Child.IdentifyingMarks = strings.Repeat("Birthmark on the right forearm, mole on the chin. ", 8)
	long.Post = strings.Repeat("Childline Desk, Bhopal Junction ", 6)
	missing := sample(tb)
	missing.FaceChip = nil
	cancel := sample(tb)
	cancel.Type = Cancel
	return map[string]Data{"english": english, "hindi": hindi, "long": long, "missing-photo": missing, "cancel": cancel}
}

func render(t *testing.T, d Data) image.Image {
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
