package card

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"childmatch"
)

// TestPoster: a card with the Committee's permission becomes a one-page A4 PDF holding the card as an
// image; the card's footer then names the permission instead of forbidding publication (a different
// picture); without the permission no poster is made.
func TestPoster(t *testing.T) {
	d := variants(t)["hindi"]
	if _, err := (Renderer{}).Poster(d); childmatch.ErrorField(err) != "publication" {
		t.Fatalf("a poster without permission: %v", err)
	}
	d.Publication = &childmatch.Publication{By: "CWC Bhopal, Chairperson", Order: "CWC/BPL/2026/114", At: time.Date(2026, 3, 15, 6, 0, 0, 0, time.UTC)}
	pdf, err := (Renderer{}).Poster(d)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", pdf[:min(16, len(pdf))])
	}
	if n := len(regexp.MustCompile(`/Type /Page\b`).FindAll(pdf, -1)); n != 1 {
		t.Errorf("%d pages, want 1", n)
	}
	// A4 in points: 595.28 × 841.89.
	if !regexp.MustCompile(`/MediaBox \[0 0 595\.2\d+ 841\.8\d+\]`).Match(pdf) {
		t.Error("the page is not A4")
	}
	if !regexp.MustCompile(`/Subtype /Image\s*/Width 1080\s*/Height 1350`).Match(pdf) {
		t.Error("the PDF holds no 1080×1350 image")
	}
	plain, _ := Render(variants(t)["hindi"])
	permitted, _ := Render(d)
	if bytes.Equal(plain, permitted) {
		t.Error("the poster's card does not differ from one not for publication")
	}
	if dir := os.Getenv("CHILDMATCH_CARD_DIR"); dir != "" {
		os.WriteFile(filepath.Join(dir, "poster.pdf"), pdf, 0o644)
		os.WriteFile(filepath.Join(dir, "poster-card.png"), permitted, 0o644)
	}
}
