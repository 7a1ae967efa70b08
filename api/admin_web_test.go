package api_test

import (
	"context"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"childmatch"
	"childmatch/fixtures"
	"childmatch/minio"
)

// TestAdminTranslations: every label the admin pages use is in admin.i18n.json (or the app's dictionary)
// in English and in Devanagari Hindi, and the two languages have the same keys.
func TestAdminTranslations(t *testing.T) {
	read := func(name string) map[string]map[string]string {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		var d map[string]map[string]string
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return d
	}
	own, app := read("web/admin.i18n.json"), read("web/i18n.json")
	for _, pair := range [][2]string{{"en", "hi"}, {"hi", "en"}} {
		for k := range own[pair[0]] {
			if _, ok := own[pair[1]][k]; !ok {
				t.Errorf("admin.i18n.json: %s lacks %q", pair[1], k)
			}
		}
	}
	src, err := os.ReadFile("web/admin.js")
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	for _, re := range []*regexp.Regexp{regexp.MustCompile(`\bt\("([a-z0-9_]+)"`),
		regexp.MustCompile(`"((?:adm|out|nav|title)_[a-z0-9_]+)"`)} {
		for _, m := range re.FindAllStringSubmatch(string(src), -1) {
			if !strings.HasSuffix(m[1], "_") {
				used[m[1]] = true
			}
		}
	}
	// The audit trail's actions, as the server's code records them: a literal in an audit Record call or
	// an action variable.
	actions := map[string]bool{}
	err = filepath.WalkDir(fixtures.RepoRoot(t), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, re := range []*regexp.Regexp{regexp.MustCompile(`\.Record\(ctx, [^,]+, "([a-z_.]+)"`), regexp.MustCompile(`action :?= "([a-z_.]+)"`)} {
			for _, m := range re.FindAllStringSubmatch(string(b), -1) {
				actions[m[1]] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(actions) < 40 {
		t.Fatalf("found only %d audit actions in the code; the scan is broken", len(actions))
	}
	for a := range actions {
		used["act_"+strings.ReplaceAll(a, ".", "_")] = true
	}
	for prefix, values := range map[string][]string{
		"role_": {"shelter", "officer", "reviewer", "admin"}, "out_": {"missing", "found", "matched", "reunited"},
		"post_": {"rpf", "grp", "childline", "shelter", "police", "jab", "ngo", "control_room"},
		"del_":  {string(childmatch.DeletedInError), string(childmatch.DeletedDuplicate), string(childmatch.DeletedErasure)},
	} {
		for _, v := range values {
			used[prefix+v] = true
		}
	}
	devanagari := regexp.MustCompile(`[\x{0900}-\x{097F}]`)
	for k := range used {
		en, hi := own["en"][k]+app["en"][k], own["hi"][k]+app["hi"][k]
		if en == "" || hi == "" || !devanagari.MatchString(hi) {
			t.Errorf("label %q: en %q, hi %q", k, en, hi)
		}
	}
	if len(used) < 60 {
		t.Fatalf("found only %d labels in admin.js; the scan is broken", len(used))
	}
}

// pastCase is a case record as another process wrote it months ago, with its outcome: the outcome
// report's months come from the records' own dates.
func pastCase(kind childmatch.Kind, state, district string, created time.Time, matchedAfter time.Duration, reunited bool) *childmatch.Case {
	c := &childmatch.Case{ID: childmatch.NewID(), CaseDetails: childmatch.CaseDetails{Kind: kind,
		Child: childmatch.Child{Gender: childmatch.GenderUnknown}, Sighting: childmatch.Sighting{State: state, District: district}},
		Status: childmatch.StatusOpen, Photos: []childmatch.Photo{}, CreatedAt: created, UpdatedAt: created, CreatedBy: "import"}
	if matchedAfter > 0 {
		c.Status = childmatch.StatusMatched
		c.Links = []childmatch.Link{{Case: childmatch.NewID(), Type: childmatch.ReviewMatch, Review: "r", At: created.Add(matchedAfter), By: "reviewer"}}
	}
	if reunited {
		c.Status = childmatch.StatusClosed
		c.Outcome = &childmatch.Outcome{Kind: childmatch.OutcomeReunited, At: created.Add(matchedAfter + 48*time.Hour), By: "officer"}
	}
	return c
}

// TestAdminPages: the lists page by page over HTTP (the case list filtered by state and free text, the
// outcome report as JSON and CSV), then every admin page and the case list in Chromium, in English and in
// Hindi, at 1280 and 360 px (screenshots/2x-*.png): a user created and a token issued, a post created,
// edited and deleted, the audit trail searched by case, the outcomes drawn.
func TestAdminPages(t *testing.T) {
	path := chromium(t)
	e := newEnv(t)
	_, field, _ := e.user("Inspector Verma", "GRP Bhopal", "officer", "reviewer")
	_, admin, _ := e.user("Meera Admin", "State control room", "admin")
	ravi := e.newCase(field, map[string]any{"kind": "missing", "child": map[string]any{"name": "Ravi", "age": 10},
		"sighting": map[string]any{"state": "Madhya Pradesh", "district": "Bhopal"}, "references": map[string]any{"fir": "123/2026"},
		"reporter": map[string]any{"name": "Sunita"}})
	e.addPhotoAs(field, ravi, "obama/obama1.jpg")
	found := e.newCase(field, map[string]any{"kind": "found", "child": map[string]any{"age": 10},
		"sighting": map[string]any{"state": "Madhya Pradesh", "district": "Itarsi"}})
	e.addPhotoAs(field, found, "obama/obama2.jpg")
	items := e.reviews(field, "state=pending")
	if len(items) == 0 {
		t.Fatal("no review item for the two photos of one face")
	}
	if r := e.as(field, "POST", "/v1/reviews/"+items[0].ID+"/decision", map[string]any{"state": "confirmed"}); r.status != http.StatusOK {
		t.Fatalf("confirm: %d %s", r.status, r.body)
	}
	if r := e.as(field, "POST", "/v1/cases/"+ravi+"/close", map[string]any{"outcome": "reunited"}); r.status != http.StatusOK {
		t.Fatalf("close: %d %s", r.status, r.body)
	}
	e.newCase(field, map[string]any{"kind": "missing", "child": map[string]any{"name": "Asha"},
		"sighting": map[string]any{"state": "Uttar Pradesh", "district": "Lucknow"}, "reporter": map[string]any{"name": "Kamla"}})

	// Months of history, written by another process: the follower picks them up from the change feed.
	other, err := minio.Open(context.Background(), e.cfg)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	month := func(back int) time.Time {
		return time.Date(now.Year(), now.Month()-time.Month(back), 3, 9, 0, 0, 0, time.UTC)
	}
	past := []*childmatch.Case{
		pastCase(childmatch.KindMissing, "Madhya Pradesh", "Bhopal", month(3), 5*24*time.Hour, true),
		pastCase(childmatch.KindMissing, "Madhya Pradesh", "Bhopal", month(3), 0, false),
		pastCase(childmatch.KindFound, "Madhya Pradesh", "Bhopal", month(2), 9*24*time.Hour, false),
		pastCase(childmatch.KindMissing, "Madhya Pradesh", "Bhopal", month(2), 20*24*time.Hour, true),
		pastCase(childmatch.KindMissing, "Uttar Pradesh", "Lucknow", month(1), 2*24*time.Hour, false),
		pastCase(childmatch.KindFound, "Uttar Pradesh", "Lucknow", month(1), 0, false),
	}
	for _, c := range past {
		if err := other.CreateCase(context.Background(), c); err != nil {
			t.Fatal(err)
		}
	}
	type statsResp struct {
		Stats []childmatch.Stats `json:"stats"`
	}
	total := func() childmatch.Stats {
		var s statsResp
		e.as(admin, "GET", "/v1/stats?by=all", nil).decode(t, &s)
		if len(s.Stats) != 1 {
			t.Fatalf("national figures: %+v", s)
		}
		return s.Stats[0]
	}
	for deadline := time.Now().Add(10 * time.Second); total().Missing+total().Found < 9; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the other process's cases never reached the report: %+v", total())
		}
	}
	all := total()
	if all.Missing != 6 || all.Found != 3 || all.Matched != 6 || all.Reunited != 4 || len(all.Months) != 4 {
		t.Fatalf("national figures %+v: want 6 missing, 3 found, 6 matched, 4 reunited over 4 months", all)
	}
	r := e.as(admin, "GET", "/v1/stats?format=csv&state=madhya+pradesh", nil)
	rows, err := csv.NewReader(strings.NewReader(string(r.body))).ReadAll()
	if r.status != http.StatusOK || err != nil || len(rows) < 2 || strings.Join(rows[0], ",") != "state,district,month,missing,found,matched,reunited,median_days_to_match" {
		t.Fatalf("CSV: %d %v %q", r.status, err, r.body)
	}
	if !slices.ContainsFunc(rows, func(row []string) bool {
		return row[0] == "Madhya Pradesh" && row[1] == "Bhopal" && row[2] == "all" && row[3] == "4" && row[6] == "3"
	}) {
		t.Fatalf("CSV has no Bhopal total of 4 missing and 3 reunited:\n%s", r.body)
	}

	// The case list, filtered on the server: a page of one with a cursor to the next, then the rest.
	var page struct {
		Cases []struct {
			ID    string `json:"id"`
			Child struct {
				Name string `json:"name"`
			} `json:"child"`
		} `json:"cases"`
		Next string `json:"next_cursor"`
	}
	e.as(field, "GET", "/v1/cases?q=123%2F2026", nil).decode(t, &page)
	if len(page.Cases) != 1 || page.Cases[0].ID != ravi {
		t.Fatalf("free text over the FIR number: %+v", page)
	}
	seen := map[string]bool{}
	for cursor := ""; ; {
		page.Next = ""
		e.as(field, "GET", "/v1/cases?state=MADHYA+PRADESH&limit=2&cursor="+cursor, nil).decode(t, &page)
		for _, c := range page.Cases {
			if seen[c.ID] {
				t.Fatalf("case %s on two pages", c.ID)
			}
			seen[c.ID] = true
		}
		if cursor = page.Next; cursor == "" {
			break
		}
	}
	if len(seen) != 6 {
		t.Fatalf("pages of Madhya Pradesh hold %d cases, want its 6", len(seen))
	}

	shots := filepath.Join(fixtures.RepoRoot(t), "screenshots")
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	b := openBrowser(t, path, shots)
	var text string
	b.run("sign in",
		chromedp.Navigate(e.http.URL+"/app/#/signin"),
		chromedp.WaitVisible(`input[name=token]`),
		chromedp.SendKeys(`input[name=token]`, strings.TrimPrefix(admin, "Bearer ")),
		chromedp.Click(`button[type=submit]`),
		chromedp.WaitNotPresent(`input[name=token]`))
	for _, lang := range []string{"en", "hi"} {
		b.run("language "+lang,
			chromedp.Navigate(e.http.URL+"/app/#/users"),
			chromedp.WaitVisible(`table.users`),
			chromedp.SetValue(`#lang`, lang),
			chromedp.Evaluate(`document.getElementById("lang").dispatchEvent(new Event("change"))`, nil),
			chromedp.WaitVisible(`html[lang=`+lang+`]`))
		b.run("cases filtered "+lang,
			chromedp.Navigate(e.http.URL+"/app/#/cases?state=Madhya%20Pradesh"),
			chromedp.WaitVisible(`table.cases img.chip`),
			textOf(`table.cases`, &text),
			b.shoot("20-cases-chips-"+lang))
		if !strings.Contains(text, "Ravi") || strings.Contains(text, "Asha") {
			t.Fatalf("the Madhya Pradesh list: %q", text)
		}
		b.run("outcomes "+lang,
			chromedp.Navigate(e.http.URL+"/app/#/outcomes"),
			chromedp.WaitVisible(`svg.bars rect`),
			chromedp.WaitVisible(`svg.line polyline`),
			textOf(`table.outcomes`, &text),
			b.shoot("21-outcomes-"+lang))
		if !strings.Contains(text, "Bhopal") || !strings.Contains(text, "Lucknow") {
			t.Fatalf("the outcome table: %q", text)
		}
		b.run("audit "+lang,
			chromedp.Navigate(e.http.URL+"/app/#/audit?case="+ravi),
			chromedp.WaitVisible(`table.audit`),
			textOf(`table.audit`, &text),
			b.shoot("22-audit-"+lang))
		// The actions in words of the language: a case filed, then closed.
		words := map[string][2]string{"en": {"filed a case", "closed a case"}, "hi": {"मामला दर्ज किया", "मामला बंद किया"}}[lang]
		if !strings.Contains(text, words[0]) || !strings.Contains(text, words[1]) || strings.Contains(text, "case.create") {
			t.Fatalf("the case's audit trail in %s: %q", lang, text)
		}
		name := "Childline desk " + lang
		b.run("users "+lang,
			chromedp.Navigate(e.http.URL+"/app/#/users"),
			chromedp.WaitVisible(`table.users`),
			chromedp.SendKeys(`form input[name=name]`, name),
			chromedp.SendKeys(`form input[name=organisation]`, "Childline Bhopal"),
			chromedp.Click(`input[value=shelter]`),
			chromedp.Click(`form button[type=submit]`),
			chromedp.WaitVisible(`//td[contains(., "`+name+`")]`, chromedp.BySearch),
			chromedp.Click(`//tr[td[contains(., "`+name+`")]]//button`, chromedp.BySearch),
			chromedp.WaitVisible(`input.secret`),
			chromedp.Value(`input.secret`, &text),
			b.shoot("23-users-token-"+lang))
		if !strings.HasPrefix(text, "cm_") {
			t.Fatalf("the token shown: %q", text)
		}
		if r := e.as("Bearer "+text, "GET", "/v1/cases", nil); r.status != http.StatusOK {
			t.Fatalf("the issued token does not work: %d %s", r.status, r.body)
		}
		post := "RPF Bhopal " + lang
		secret := "whsec_" + base64.StdEncoding.EncodeToString([]byte("twenty-four random bytes"))
		b.run("posts "+lang,
			chromedp.Navigate(e.http.URL+"/app/#/posts"),
			chromedp.WaitVisible(`form.post-form`),
			chromedp.SendKeys(`form.post-form input[name=name]`, post),
			chromedp.SetValue(`form.post-form select[name=kind]`, "rpf"),
			chromedp.SendKeys(`form.post-form input[name="area.states"]`, "Madhya Pradesh"),
			chromedp.SendKeys(`form.post-form input[name="area.stations"]`, "BPL"),
			chromedp.SendKeys(`form.post-form textarea[name=webhooks]`, "https://rpf.example.org/alerts "+secret),
			chromedp.Click(`form.post-form button[type=submit]`),
			chromedp.WaitVisible(`//table[contains(@class,"posts")]//td[contains(., "`+post+`")]`, chromedp.BySearch),
			chromedp.Click(`//tr[td[contains(., "`+post+`")]]//button[contains(@class,"edit")]`, chromedp.BySearch),
			chromedp.WaitVisible(`//form[contains(@class,"post-form")]//h3[contains(., "`+post+`")]`, chromedp.BySearch),
			chromedp.SendKeys(`form.post-form input[name="area.districts"]`, "Bhopal"),
			b.shoot("24-posts-"+lang),
			chromedp.Click(`form.post-form button[type=submit]`),
			chromedp.WaitVisible(`//tr[td[contains(., "`+post+`")]]/td[contains(., "BPL") and contains(., "Bhopal")]`, chromedp.BySearch),
			textOf(`table.posts`, &text),
			chromedp.Evaluate(`window.confirm = () => true`, nil),
			chromedp.Click(`//tr[td[contains(., "`+post+`")]]//button[contains(@class,"reject")]`, chromedp.BySearch),
			chromedp.WaitNotPresent(`//td[contains(., "`+post+`")]`, chromedp.BySearch))
		// Edited with the webhooks left empty: the post keeps its one webhook (the table said so before
		// the delete).
		if !regexp.MustCompile(regexp.QuoteMeta(post) + `\t[^\n]*\t1\t`).MatchString(text) {
			t.Fatalf("the post after editing: %q, want its webhook kept", text)
		}
	}
}

// textOf reads the text of the element sel in one step, so a page drawn again meanwhile cannot leave the
// read holding a node that is gone.
func textOf(sel string, out *string) chromedp.Action {
	return chromedp.Evaluate(`document.querySelector(`+strconv.Quote(sel)+`).innerText`, out)
}
