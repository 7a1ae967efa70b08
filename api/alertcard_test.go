package api_test

import (
	"bytes"
	"context"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"childmatch"
	"childmatch/fixtures"
)

// TestMessageCards: each message of an alert has its own card; the cancel's is a different picture
// ("found, stand down"); a shelter of another organisation that the alert reached sees its cards (who may
// see the alert may see its cards), a user of a post it did not reach does not; a message that does not
// exist is 404; every render is audited with its message. The cards go to screenshots/.
func TestMessageCards(t *testing.T) {
	e := newEnv(t)
	shelterID, shelter, _ := e.user("warden", "Aarambh shelter", "shelter")
	outsiderID, outsider, _ := e.user("UP constable", "GRP Lucknow", "officer")
	for _, p := range []map[string]any{
		{"name": "Childline Itarsi", "kind": "childline", "area": map[string]any{"states": []string{"Madhya Pradesh"}}, "users": []string{shelterID}},
		{"name": "GRP Lucknow", "kind": "grp", "area": map[string]any{"states": []string{"Uttar Pradesh"}}, "users": []string{outsiderID}},
	} {
		if r := e.postJSON("/v1/posts", p); r.status != http.StatusCreated {
			t.Fatalf("post: %d %s", r.status, r.body)
		}
	}
	id := e.newCase("Bearer "+token, map[string]any{"kind": "missing",
		"child":    map[string]any{"name": "Ravi · रवि", "age": 9, "gender": "male"},
		"sighting": map[string]any{"station": "ET", "state": "Madhya Pradesh", "time": "2026-11-01T10:00:00Z"},
		"reporter": map[string]any{"name": "GRP Itarsi", "phone": "+91 7572 000000"}})
	e.addPhoto(id, "obama/obama1.jpg")
	card := func(auth string, seq string) response {
		return e.do("GET", "/v1/alerts/"+id+"/messages/"+seq+"/card.png", "", nil, auth)
	}
	dir := filepath.Join(fixtures.RepoRoot(t), "screenshots")
	os.MkdirAll(dir, 0o755)
	check := func(r response, name string) []byte {
		t.Helper()
		if r.status != http.StatusOK {
			t.Fatalf("%s card: %d %s", name, r.status, r.body)
		}
		img, err := png.Decode(bytes.NewReader(r.body))
		if err != nil {
			t.Fatal(err)
		}
		if b := img.Bounds(); b.Dx() != 1080 || b.Dy() != 1350 || len(r.body) > childmatch.CardMaxBytes {
			t.Fatalf("%s card of %v, %d bytes", name, b, len(r.body))
		}
		os.WriteFile(filepath.Join(dir, "card-message-"+name+".png"), r.body, 0o644)
		return r.body
	}
	first := check(card(shelter, "1"), "alert")
	if r := card(outsider, "1"); r.status != http.StatusNotFound {
		t.Fatalf("a post the alert did not reach draws its card: %d", r.status)
	}
	// Message 2 is the photo's update; 3 is not sent yet.
	if r := card(shelter, "3"); r.status != http.StatusNotFound {
		t.Fatalf("a message not sent yet: %d", r.status)
	}
	if r := card(shelter, "x"); r.status != http.StatusBadRequest {
		t.Fatalf("a bad message number: %d", r.status)
	}
	if r := e.postJSON("/v1/cases/"+id+"/close", map[string]any{"outcome": "reunited"}); r.status != http.StatusOK {
		t.Fatalf("close: %d %s", r.status, r.body)
	}
	cancel := check(card(shelter, "3"), "cancel")
	if bytes.Equal(first, cancel) {
		t.Fatal("the cancel's card is the alert's")
	}
	if again := check(card(shelter, "1"), "alert-after-close"); !bytes.Equal(first, again) {
		t.Error("the first message's card changed when the alert was cancelled")
	}
	renders := 0
	for _, body := range e.objects("audit/") {
		if bytes.Contains(body, []byte(`"card.render"`)) && bytes.Contains(body, []byte(id+"/3")) {
			renders++
		}
	}
	if renders != 1 {
		t.Fatalf("%d renders of the cancel's card in the audit trail, want 1", renders)
	}
}

// TestPosterNeedsPermission: without the Child Welfare Committee's permission the poster is refused
// with 403 and a code and words saying what is missing; with it recorded (who and when), the poster is a
// PDF; a bad permission names its field; recording it is audited.
func TestPosterNeedsPermission(t *testing.T) {
	e := newEnv(t)
	_, officer, _ := e.user("officer", "GRP Itarsi", "officer")
	_, shelter, _ := e.user("warden", "Aarambh shelter", "shelter")
	id := e.newCase(officer, map[string]any{"kind": "missing", "child": map[string]any{"name": "Asha", "age": 7, "gender": "female"},
		"sighting": map[string]any{"state": "Madhya Pradesh"}, "reporter": map[string]any{"name": "GRP Itarsi", "phone": "+91 7572 000000"}})
	poster := func(auth string) response { return e.do("GET", "/v1/cases/"+id+"/poster.pdf", "", nil, auth) }
	var er errorResponse
	r := poster(officer)
	r.decode(t, &er)
	if r.status != http.StatusForbidden || er.Error.Code != "forbidden" || !strings.Contains(er.Error.Message, "Child Welfare Committee") {
		t.Fatalf("a poster without permission: %d %s", r.status, r.body)
	}
	r = e.as(officer, "PUT", "/v1/cases/"+id+"/publication", map[string]any{"by": "", "at": "2026-11-02T09:00:00Z"})
	r.decode(t, &er)
	if r.status != http.StatusBadRequest || er.Error.Field != "publication.by" {
		t.Fatalf("a permission without who: %d %s", r.status, r.body)
	}
	if r := e.as(shelter, "PUT", "/v1/cases/"+id+"/publication", map[string]any{"by": "CWC", "at": "2026-11-02T09:00:00Z"}); r.status != http.StatusForbidden {
		t.Fatalf("a shelter records a permission: %d", r.status)
	}
	r = e.as(officer, "PUT", "/v1/cases/"+id+"/publication", map[string]any{"by": "CWC Narmadapuram, Chairperson", "order": "CWC/NMP/2026/31", "at": "2026-11-02T09:00:00Z"})
	if r.status != http.StatusOK || !strings.Contains(string(r.body), "CWC/NMP/2026/31") {
		t.Fatalf("record the permission: %d %s", r.status, r.body)
	}
	r = poster(officer)
	if r.status != http.StatusOK || !bytes.HasPrefix(r.body, []byte("%PDF-")) {
		t.Fatalf("poster: %d %.40q", r.status, r.body)
	}
	os.WriteFile(filepath.Join(fixtures.RepoRoot(t), "screenshots", "poster.pdf"), r.body, 0o644)
	var recorded, rendered bool
	for _, body := range e.objects("audit/") {
		recorded = recorded || bytes.Contains(body, []byte(`"case.publication"`))
		rendered = rendered || bytes.Contains(body, []byte(`"poster.render"`))
	}
	if !recorded || !rendered {
		t.Fatalf("audit: permission recorded %v, poster rendered %v", recorded, rendered)
	}
}

// TestSMSLinkOpensCard: an SMS's short link redirects to the signed card of its message as its post got
// it, which opens without sign-in and names the post; the opening is audited under the post; a link
// whose signature is wrong, or for a post the alert did not reach, does not open, and says so in both
// languages.
func TestSMSLinkOpensCard(t *testing.T) {
	e := newEnv(t)
	r := e.postJSON("/v1/posts", map[string]any{"name": "RPF Itarsi", "kind": "rpf", "area": map[string]any{"states": []string{"Madhya Pradesh"}}})
	var p struct {
		ID string `json:"id"`
	}
	r.decode(t, &p)
	id := e.newCase("Bearer "+token, map[string]any{"kind": "missing", "child": map[string]any{"name": "Ravi", "age": 9},
		"sighting": map[string]any{"state": "Madhya Pradesh"}, "reporter": map[string]any{"name": "GRP Itarsi", "phone": "+91 7572 000000"}})
	alert, _ := childmatch.ParseID("alert", id)
	post, _ := childmatch.ParseID("post", p.ID)
	signed := e.links.Sign(childmatch.CardPath(alert, 1, post), childmatch.LinkTTL)
	short, err := e.short.Shorten(context.Background(), signed, time.Now().Add(childmatch.LinkTTL))
	if err != nil {
		t.Fatal(err)
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Get(e.http.URL + strings.TrimPrefix(short, "https://childmatch.example.in"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != signed {
		t.Fatalf("short link: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	r = e.do("GET", signed, "", nil, "")
	if r.status != http.StatusOK || !bytes.HasPrefix(r.body, []byte("\x89PNG")) {
		t.Fatalf("signed card: %d %.80s", r.status, r.body)
	}
	os.WriteFile(filepath.Join(fixtures.RepoRoot(t), "screenshots", "card-sms-link.png"), r.body, 0o644)
	opened := false
	for _, body := range e.objects("audit/") {
		opened = opened || bytes.Contains(body, []byte(`"actor":"link:`+p.ID+`"`)) && bytes.Contains(body, []byte(`"card.render"`))
	}
	if !opened {
		t.Error("the link's opening is not in the audit trail")
	}
	other := e.links.Sign(childmatch.CardPath(alert, 1, childmatch.NewID()), childmatch.LinkTTL)
	for _, bad := range []string{strings.Replace(signed, "sig=", "sig=x", 1), other, "/l/AAAAAAAA"} {
		if r := e.do("GET", bad, "", nil, ""); r.status/100 != 4 || !strings.Contains(string(r.body), "लिंक") {
			t.Errorf("%s: %d %.60s", bad, r.status, r.body)
		}
	}
}
