package api_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"childmatch"
	"childmatch/fixtures"
)

// dictionary reads the web app's strings: the app's own and those of every page file (web/*.i18n.json).
func dictionary(t *testing.T) map[string]map[string]string {
	t.Helper()
	pages, err := filepath.Glob("web/*.i18n.json")
	if err != nil {
		t.Fatal(err)
	}
	d := map[string]map[string]string{}
	for _, f := range append([]string{"web/i18n.json"}, pages...) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var part map[string]map[string]string
		if err := json.Unmarshal(b, &part); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for l, words := range part {
			if d[l] == nil {
				d[l] = map[string]string{}
			}
			for k, v := range words {
				d[l][k] = v
			}
		}
	}
	return d
}

// TestTranslations: every label the page and its script use is in the English and the Hindi dictionary,
// with Devanagari text in Hindi, and neither dictionary has keys the other lacks; no script writes a time
// in the browser's locale.
func TestTranslations(t *testing.T) {
	d := dictionary(t)
	en, hi := d["en"], d["hi"]
	for k := range en {
		if _, ok := hi[k]; !ok {
			t.Errorf("Hindi lacks %q", k)
		}
	}
	for k := range hi {
		if _, ok := en[k]; !ok {
			t.Errorf("English lacks %q", k)
		}
	}
	used := map[string]bool{}
	scripts, err := filepath.Glob("web/*.js") // app.js and every page's file
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range append([]string{"web/index.html"}, scripts...) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, re := range []*regexp.Regexp{
			regexp.MustCompile(`\bt\("([a-z0-9_]+)"`),                    // t("key")
			regexp.MustCompile(`data-i18n="([a-z0-9_]+)"`),               // static labels
			regexp.MustCompile(`"((?:f|nav|sec|title|btn)_[a-z0-9_]+)"`), // keys passed to field() and in tables
		} {
			for _, m := range re.FindAllStringSubmatch(string(b), -1) {
				if !strings.HasSuffix(m[1], "_") { // a prefix, completed below from the domain's values
					used[m[1]] = true
				}
			}
		}
	}
	// Keys built from a prefix and a value of the domain.
	for prefix, values := range map[string][]string{
		"gender_": {"unknown", "female", "male", "other"}, "kind_": {"missing", "found"},
		"status_": {"open", "matched", "closed"}, "state_": {"pending", "confirmed", "rejected", "unsure"},
		"type_":    {"match", "same_child", "match_a", "match_b", "same_child_a", "same_child_b"},
		"outcome_": {"reunited", "transferred", "other"}, "note_": {"gender", "age", "reopened"},
		"search_": {"missing", "found", "any"}, "linked_": {"match", "same_child"},
		"ev_": {"strong", "moderate", "weak", "very_weak"}, "reason_": {"best", "ambiguous"},
		"err_": {"invalid", "not_found", "no_face", "too_large", "unsupported_media", "unauthorized", "forbidden",
			"conflict", "unavailable", "internal"},
		// alerts.js and offline.js
		"ack_": {"seen", "searching", "not_here", "found"}, "alert_status_": {"active", "cancelled"},
		"msg_": {"alert", "update", "cancel"}, "delivery_": {"pending", "sent", "failed", "disabled"},
		"post_": {"rpf", "grp", "childline", "shelter", "police", "jab", "ngo", "control_room"},
		"q_":    {"queued", "sending", "sent", "failed"}, "reason_msg_": childmatch.Reasons,
	} {
		for _, v := range values {
			used[prefix+v] = true
		}
	}
	devanagari := regexp.MustCompile(`[\x{0900}-\x{097F}]`)
	for k := range used {
		if en[k] == "" || hi[k] == "" {
			t.Errorf("label %q is used but not translated (en %q, hi %q)", k, en[k], hi[k])
		}
		if k != "app_name" && k != "lang_en" && !devanagari.MatchString(hi[k]) {
			t.Errorf("Hindi %q is not in Devanagari: %q", k, hi[k])
		}
	}
	if len(used) < 100 {
		t.Fatalf("found only %d labels in use; the scan is broken", len(used))
	}
	// Times and numbers are written in the chosen language's Indian form (when, in app.js), never in the
	// browser's locale, which may write 1 December as 12/1.
	bare := regexp.MustCompile(`\.toLocale(?:String|DateString|TimeString)\(\)`)
	for _, f := range scripts {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if m := bare.Find(b); m != nil {
			t.Errorf("%s formats in the browser's locale: %s", f, m)
		}
	}
}

// TestSessionCSRF: a request authenticated by the session cookie must carry its session's CSRF token to
// change anything, whatever the CSRF cookie holds; reads and Bearer requests need none.
func TestSessionCSRF(t *testing.T) {
	e := newEnv(t)
	_, auth, _ := e.user("officer", "GRP", "officer")
	r := e.postJSON("/web/signin", map[string]any{"token": strings.TrimPrefix(auth, "Bearer ")})
	if r.status != http.StatusOK {
		t.Fatalf("sign in: %d %s", r.status, r.body)
	}
	bad := e.postJSON("/web/signin", map[string]any{"token": "cm_wrong"})
	if bad.status != http.StatusUnauthorized {
		t.Fatalf("sign in with a wrong token: %d", bad.status)
	}
	s := e.signIn(auth)
	for _, tc := range []struct {
		name, method, cookie, header string
		want                         int
	}{
		{"post without token", "POST", s.csrf, "", http.StatusForbidden},
		{"post with a wrong token", "POST", s.csrf, "x" + s.csrf, http.StatusForbidden},
		// The attack on a plain double-submit pair: another site that can set cookies for this one chooses
		// both halves. The server checks the header against the session, never against the cookie.
		{"post with an attacker's pair", "POST", "attacker-chosen", "attacker-chosen", http.StatusForbidden},
		{"post with the token", "POST", s.csrf, s.csrf, http.StatusCreated},
		{"post with the token and no CSRF cookie", "POST", "", s.csrf, http.StatusCreated},
		{"get needs none", "GET", "", "", http.StatusOK},
	} {
		if got := e.send(s, tc.method, "/v1/cases", tc.cookie, tc.header); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
	if r := e.postJSON("/v1/cases", map[string]any{"kind": "found"}); r.status != http.StatusCreated {
		t.Errorf("Bearer request without CSRF: %d", r.status)
	}
	page := e.do("GET", "/app/", "", nil, "")
	if page.status != http.StatusOK || !strings.Contains(string(page.body), "/static/app.js") {
		t.Fatalf("app page: %d", page.status)
	}
}

// TestBrowserFlow drives Debian's Chromium through the field workflow: sign in, report a missing child
// with a photo, record a found child with another photo of the same person, see the candidate, confirm
// it in the review queue, see both cases matched. It saves a screenshot of every page at 1280 and 360 px
// wide, in English and Hindi, under screenshots/.
func TestBrowserFlow(t *testing.T) {
	browser := chromium(t)
	e := newEnv(t)
	_, field, _ := e.user("Inspector Verma", "GRP Bhopal", "officer", "reviewer")
	token := strings.TrimPrefix(field, "Bearer ")
	shots := filepath.Join(fixtures.RepoRoot(t), "screenshots")
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	photoA, _ := filepath.Abs(filepath.Join(fixtures.FacesDir(t), "obama", "obama1.jpg"))
	photoB, _ := filepath.Abs(filepath.Join(fixtures.FacesDir(t), "obama", "obama2.jpg"))
	// The same face from far away: too small for a useful match, so the app asks for a retake.
	photoFar := filepath.Join(t.TempDir(), "far.jpg")
	if err := os.WriteFile(photoFar, fixtures.Shrunk(t, "obama/obama2.jpg", 110), 0o644); err != nil {
		t.Fatal(err)
	}

	b := openBrowser(t, browser, shots)
	run, shoot := b.run, b.shoot
	var missingURL, foundURL, text string
	run("sign in",
		emulation.SetDeviceMetricsOverride(1280, 900, 1, false),
		chromedp.Navigate(e.http.URL+"/app/#/signin"),
		chromedp.WaitVisible(`input[name=token]`),
		shoot("01-signin"),
		chromedp.SendKeys(`input[name=token]`, token),
		chromedp.Click(`button[type=submit]`),
		chromedp.WaitVisible(`h2`),
		chromedp.WaitNotPresent(`input[name=token]`))
	run("missing report",
		chromedp.Navigate(e.http.URL+"/app/#/missing"),
		chromedp.WaitVisible(`input[name="child.name"]`),
		chromedp.SendKeys(`input[name="child.name"]`, "Ravi"),
		chromedp.SendKeys(`input[name="child.age"]`, "10"),
		chromedp.SetValue(`select[name="child.gender"]`, "male"),
		chromedp.SendKeys(`input[name="sighting.station"]`, "Bhopal Jn"),
		chromedp.SendKeys(`input[name="sighting.district"]`, "Bhopal"),
		chromedp.SendKeys(`input[name="references.fir"]`, "123/2026"),
		chromedp.SendKeys(`input[name="reporter.name"]`, "Sunita"),
		chromedp.SetUploadFiles(`input[type=file]`, []string{photoA}),
		shoot("02-missing-form"),
		chromedp.Click(`button[type=submit]`),
		chromedp.WaitVisible(`p.ok a`),
		chromedp.AttributeValue(`p.ok a`, "href", &missingURL, nil),
		shoot("03-missing-saved"))
	run("found child",
		chromedp.Navigate(e.http.URL+"/app/#/found"),
		chromedp.WaitVisible(`input[name="child.age"]`),
		chromedp.SendKeys(`input[name="child.age"]`, "10"),
		chromedp.SetValue(`select[name="child.gender"]`, "male"),
		chromedp.SendKeys(`input[name="sighting.station"]`, "Itarsi Jn"),
		chromedp.SetUploadFiles(`input[type=file]`, []string{photoB}),
		chromedp.Click(`button[type=submit]`),
		chromedp.WaitVisible(`ol.candidates li.near`),
		chromedp.AttributeValue(`p.ok a`, "href", &foundURL, nil),
		chromedp.Text(`ol.candidates`, &text),
		shoot("04-found-candidates"))
	if !strings.Contains(text, "Ravi") {
		t.Fatalf("the found child's candidates do not show the missing child: %q", text)
	}
	run("check a child",
		chromedp.Navigate(e.http.URL+"/app/#/check"),
		chromedp.WaitVisible(`input[type=file]`),
		chromedp.SetUploadFiles(`input[type=file]`, []string{photoB}),
		chromedp.Click(`button[type=submit]`),
		chromedp.WaitVisible(`ol.candidates li.near`),
		shoot("05-check"))
	run("retake a photo from too far",
		chromedp.Navigate(e.http.URL+"/app/#/found"),
		chromedp.Navigate(e.http.URL+"/app/#/check"),
		chromedp.WaitVisible(`input[type=file]`),
		chromedp.SetUploadFiles(`input[type=file]`, []string{photoFar}),
		chromedp.Click(`button[type=submit]`),
		chromedp.WaitVisible(`div.retake`),
		chromedp.Text(`div.retake`, &text),
		shoot("05-retake"))
	if !strings.Contains(text, "too small") {
		t.Fatalf("the retake prompt does not say the face is too small: %q", text)
	}
	run("the photo taken again",
		chromedp.SetUploadFiles(`div.retake input[type=file]`, []string{photoB}),
		chromedp.WaitNotPresent(`div.retake`),
		chromedp.WaitVisible(`ol.candidates li.near`))
	run("review queue",
		chromedp.Navigate(e.http.URL+"/app/#/reviews"),
		chromedp.WaitVisible(`button.confirm`),
		shoot("06-review"),
		chromedp.SendKeys(`textarea[name=note]`, "same face, same age"),
		chromedp.Click(`button.confirm`),
		chromedp.WaitVisible(`//p[contains(., "Nothing to review")]`, chromedp.BySearch))
	for i, u := range []string{missingURL, foundURL} {
		run("case page",
			chromedp.Navigate(e.http.URL+"/app/"+u),
			chromedp.WaitVisible(`span.facebox`),
			chromedp.Text(`main`, &text),
			shoot("07-case-"+strconv.Itoa(i)))
		if !strings.Contains(text, "Matched") {
			t.Fatalf("case %s is not shown matched: %q", u, text)
		}
	}
	run("cases list",
		chromedp.Navigate(e.http.URL+"/app/#/cases"),
		chromedp.WaitVisible(`table.cases`),
		shoot("08-cases"))
	run("hindi",
		chromedp.SetValue(`#lang`, "hi"),
		chromedp.Evaluate(`document.getElementById("lang").dispatchEvent(new Event("change"))`, nil),
		chromedp.WaitVisible(`//h2[contains(., "मामले")]`, chromedp.BySearch),
		shoot("09-cases-hindi"),
		chromedp.Navigate(e.http.URL+"/app/"+foundURL),
		chromedp.WaitVisible(`span.facebox`),
		chromedp.Text(`main`, &text),
		shoot("10-case-hindi"),
		chromedp.Navigate(e.http.URL+"/app/#/found"),
		chromedp.WaitVisible(`input[name="child.age"]`),
		shoot("11-found-hindi"),
		chromedp.Navigate(e.http.URL+"/app/#/check"),
		chromedp.WaitVisible(`input[type=file]`),
		chromedp.SetUploadFiles(`input[type=file]`, []string{photoFar}),
		chromedp.Click(`button[type=submit]`),
		chromedp.WaitVisible(`div.retake`),
		shoot("12-retake-hindi"))
	if !strings.Contains(text, "मिलान हुआ") {
		t.Fatalf("the Hindi case page does not say matched: %q", text)
	}
}
