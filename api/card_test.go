package api_test

import (
	"bytes"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"childmatch"
	"childmatch/fixtures"
)

// TestCaseCard: a missing report's card is a 1080×1350 PNG under CardMaxBytes with the face from its
// photo; once the child is found the card turns to "stand down" (a different picture); every render is in
// the audit trail; a shelter cannot draw another organisation's card. The cards are written to
// screenshots/ for a person to look at.
func TestCaseCard(t *testing.T) {
	e := newEnv(t)
	id := e.newCase("Bearer "+token, map[string]any{"kind": "missing",
		"child":    map[string]any{"name": "Asha · आशा", "age": 9, "gender": "female", "languages": []string{"Hindi", "Bundeli"}},
		"sighting": map[string]any{"station": "ET", "place": "Itarsi Jn platform 2", "state": "Madhya Pradesh", "time": "2026-11-01T10:00:00Z"},
		"reporter": map[string]any{"name": "GRP Itarsi", "phone": "+91 7572 000000"}})
	e.addPhoto(id, "obama/obama1.jpg")
	get := func(auth string) response { return e.do("GET", "/v1/cases/"+id+"/card.png", "", nil, auth) }
	check := func(r response, name string) []byte {
		t.Helper()
		if r.status != http.StatusOK {
			t.Fatalf("card: %d %s", r.status, r.body)
		}
		img, err := png.Decode(bytes.NewReader(r.body))
		if err != nil {
			t.Fatal(err)
		}
		if b := img.Bounds(); b.Dx() != 1080 || b.Dy() != 1350 || len(r.body) > childmatch.CardMaxBytes {
			t.Fatalf("card of %v, %d bytes", b, len(r.body))
		}
		dir := filepath.Join(fixtures.RepoRoot(t), "screenshots")
		os.MkdirAll(dir, 0o755)
		os.WriteFile(filepath.Join(dir, "card-"+name+".png"), r.body, 0o644)
		return r.body
	}
	alert := check(get("Bearer "+token), "alert")
	found := e.createCase("found", "found child")
	e.addPhoto(found, "obama/obama2.jpg")
	if r := e.postJSON("/v1/cases/"+id+"/close", map[string]any{"outcome": "reunited"}); r.status != http.StatusOK {
		t.Fatalf("close: %d %s", r.status, r.body)
	}
	if cancel := check(get("Bearer "+token), "cancel"); bytes.Equal(alert, cancel) {
		t.Fatal("the card of a closed case is the same as before")
	}
	_, shelter, _ := e.user("shelter", "Shelter Indore", "shelter")
	if r := get(shelter); r.status != http.StatusNotFound {
		t.Fatalf("a shelter draws another organisation's card: %d", r.status)
	}
	renders := 0
	for _, body := range e.objects("audit/") {
		if bytes.Contains(body, []byte(`"card.render"`)) && bytes.Contains(body, []byte(id)) {
			renders++
		}
	}
	if renders != 2 {
		t.Fatalf("%d card renders in the audit trail, want 2", renders)
	}
}
