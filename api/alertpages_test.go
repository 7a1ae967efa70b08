package api_test

import (
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"childmatch/fixtures"
	"childmatch/webhook/webhooktest"
)

// TestAlertListPages: GET /v1/alerts pages one alert at a time, newest first, through the real stack:
// the admin's pages give every alert once and then no next_cursor, an officer's only the alerts of the
// officer's post, and with active=true only the alerts not stood down; a bad limit, cursor or flag is a 400
// naming it.
func TestAlertListPages(t *testing.T) {
	e := newEnv(t)
	mpID, mp, _ := e.user("MP constable", "GRP Itarsi", "officer")
	r := e.postJSON("/v1/posts", map[string]any{"name": "GRP Itarsi", "kind": "grp",
		"area": map[string]any{"states": []string{"Madhya Pradesh"}}, "users": []string{mpID}})
	if r.status != http.StatusCreated {
		t.Fatalf("post: %d %s", r.status, r.body)
	}
	var all, inMP []string // newest first
	for _, state := range []string{"Madhya Pradesh", "Uttar Pradesh", "Madhya Pradesh", "Bihar"} {
		id := e.newCase("Bearer "+token, map[string]any{"kind": "missing", "child": map[string]any{"age": 8},
			"sighting": map[string]any{"state": state}, "reporter": map[string]any{"name": "parent"}})
		all = append([]string{id}, all...)
		if state == "Madhya Pradesh" {
			inMP = append([]string{id}, inMP...)
		}
	}
	pages := func(auth, query string) []string {
		t.Helper()
		var got []string
		path := "/v1/alerts?limit=1" + query
		for range len(all) + 1 {
			var page struct {
				Alerts     []alertResp `json:"alerts"`
				NextCursor string      `json:"next_cursor"`
			}
			r := e.as(auth, "GET", path, nil)
			if r.status != http.StatusOK {
				t.Fatalf("%s: %d %s", path, r.status, r.body)
			}
			r.decode(t, &page)
			if len(page.Alerts) > 1 {
				t.Fatalf("a page of limit 1 holds %d alerts", len(page.Alerts))
			}
			for _, a := range page.Alerts {
				got = append(got, a.CaseID)
			}
			if page.NextCursor == "" {
				return got
			}
			path = "/v1/alerts?limit=1" + query + "&cursor=" + page.NextCursor
		}
		t.Fatal("the pages never end")
		return nil
	}
	if got := pages("Bearer "+token, ""); !slices.Equal(got, all) {
		t.Fatalf("the admin's pages: %v, want %v", got, all)
	}
	if got := pages(mp, ""); !slices.Equal(got, inMP) {
		t.Fatalf("the officer's pages: %v, want %v", got, inMP)
	}
	// The child of the newest Madhya Pradesh report is found: its alert is stood down, and the active
	// alerts are the others.
	if r := e.postJSON("/v1/cases/"+inMP[0]+"/close", map[string]any{"outcome": "other", "note": "found at home"}); r.status != http.StatusOK {
		t.Fatalf("close: %d %s", r.status, r.body)
	}
	if got := pages(mp, "&active=true"); !slices.Equal(got, inMP[1:]) {
		t.Fatalf("the officer's active alerts: %v, want %v", got, inMP[1:])
	}
	if got := pages("Bearer "+token, "&active=true"); !slices.Equal(got, slices.DeleteFunc(slices.Clone(all), func(id string) bool { return id == inMP[0] })) {
		t.Fatalf("the admin's active alerts: %v", got)
	}
	for query, field := range map[string]string{"limit=0.5": "limit", "limit=1000": "limit", "limit=-1": "limit", "cursor=nope": "cursor", "active=yes": "active"} {
		var er errorResponse
		r := e.as(mp, "GET", "/v1/alerts?"+query, nil)
		r.decode(t, &er)
		if r.status != http.StatusBadRequest || er.Error.Field != field {
			t.Fatalf("?%s: %d %s", query, r.status, r.body)
		}
	}
}

// TestOlderAlertsInBrowser: with more alerts than the alerts page shows (50), its "Older alerts" button
// opens the next page, which holds the oldest alert and leads back to the newest; both languages.
// Screenshots at 1280 and 360 px: screenshots/27-alerts-older-<lang>-*.png.
func TestOlderAlertsInBrowser(t *testing.T) {
	path := chromium(t)
	e := newEnv(t)
	officerID, officer, _ := e.user("Constable Yadav", "GRP Itarsi", "officer")
	if r := e.postJSON("/v1/posts", map[string]any{"name": "GRP Itarsi", "kind": "grp",
		"area": map[string]any{"states": []string{"Madhya Pradesh"}}, "users": []string{officerID}}); r.status != http.StatusCreated {
		t.Fatalf("post: %d %s", r.status, r.body)
	}
	for i := range 51 {
		e.newCase("Bearer "+token, map[string]any{"kind": "missing", "child": map[string]any{"name": "Child " + strconv.Itoa(i+1), "age": 8},
			"sighting": map[string]any{"state": "Madhya Pradesh"}, "reporter": map[string]any{"name": "parent"}})
	}
	shots := filepath.Join(fixtures.RepoRoot(t), "screenshots")
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	b := openBrowser(t, path, shots)
	b.run("sign in",
		chromedp.Navigate(e.http.URL+"/app/#/signin"),
		chromedp.WaitVisible(`input[name=token]`),
		chromedp.SendKeys(`input[name=token]`, strings.TrimPrefix(officer, "Bearer ")),
		chromedp.Click(`button[type=submit]`),
		chromedp.WaitNotPresent(`input[name=token]`))
	for _, lang := range []string{"en", "hi"} {
		var rows int
		var text string
		b.run("the newest alerts "+lang,
			chromedp.Navigate(e.http.URL+"/app/#/alerts"),
			chromedp.WaitVisible(`li.alert-row`),
			chromedp.SetValue(`#lang`, lang),
			chromedp.Evaluate(`document.getElementById("lang").dispatchEvent(new Event("change"))`, nil),
			chromedp.WaitVisible(`html[lang=`+lang+`]`),
			chromedp.WaitVisible(`button.older`),
			chromedp.Evaluate(`document.querySelectorAll("li.alert-row").length`, &rows),
			textOf(`ul.alerts li:first-child strong`, &text))
		if rows != 50 || text != "Child 51" {
			t.Fatalf("%s: the first page shows %d alerts, the first %q; want 50 from Child 51", lang, rows, text)
		}
		b.run("older alerts "+lang,
			chromedp.Click(`button.older`),
			chromedp.WaitVisible(`p.pager a[href="#/alerts"]`),
			chromedp.WaitNotPresent(`button.older`),
			chromedp.Evaluate(`document.querySelectorAll("li.alert-row").length`, &rows),
			textOf(`ul.alerts li strong`, &text),
			b.shoot("27-alerts-older-"+lang))
		if rows != 1 || text != "Child 1" {
			t.Fatalf("%s: the older page shows %d alerts: %q; want Child 1 alone", lang, rows, text)
		}
	}
}

// TestAlertPageShowsEveryDelivery: an alert to 101 posts' webhooks, stood down, has 202 deliveries, more
// than a page of the delivery log holds; its page shows the delivery state of each, the last post's cancel
// included.
func TestAlertPageShowsEveryDelivery(t *testing.T) {
	path := chromium(t)
	e := newEnv(t)
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	rcv := webhooktest.Start(t, secret)
	const posts = 101
	for i := range posts {
		if r := e.postJSON("/v1/posts", map[string]any{"name": "GRP " + strconv.Itoa(i), "kind": "grp",
			"area":     map[string]any{"states": []string{"Madhya Pradesh"}},
			"webhooks": []map[string]any{{"url": rcv.URL + "/post/" + strconv.Itoa(i), "secret": secret}}}); r.status != http.StatusCreated {
			t.Fatalf("post: %d %s", r.status, r.body)
		}
	}
	id := e.newCase("Bearer "+token, map[string]any{"kind": "missing", "child": map[string]any{"name": "Asha", "age": 8},
		"sighting": map[string]any{"state": "Madhya Pradesh"}, "reporter": map[string]any{"name": "parent"}})
	if r := e.postJSON("/v1/cases/"+id+"/close", map[string]any{"outcome": "other", "note": "found at home"}); r.status != http.StatusOK {
		t.Fatalf("close: %d %s", r.status, r.body)
	}
	for end := time.Now().Add(30 * time.Second); rcv.Count() < 2*posts; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("%d of %d deliveries received", rcv.Count(), 2*posts)
		}
	}
	b := openBrowser(t, path, filepath.Join(fixtures.RepoRoot(t), "screenshots"))
	b.run("sign in",
		chromedp.Navigate(e.http.URL+"/app/#/signin"),
		chromedp.WaitVisible(`input[name=token]`),
		chromedp.SendKeys(`input[name=token]`, token),
		chromedp.Click(`button[type=submit]`),
		chromedp.WaitNotPresent(`input[name=token]`))
	// The rounds record their sends just after them: the page is read again until all are recorded.
	var sent int
	for end := time.Now().Add(20 * time.Second); sent != 2*posts; {
		if time.Now().After(end) {
			t.Fatalf("the alert page shows %d deliveries sent, want %d", sent, 2*posts)
		}
		b.run("alert page",
			chromedp.Navigate(e.http.URL+"/app/#/alert/"+id+"?"+strconv.FormatInt(time.Now().UnixNano(), 10)),
			chromedp.WaitVisible(`table.posts td .delivery-sent`),
			chromedp.Evaluate(`document.querySelectorAll("table.posts .delivery-sent").length`, &sent))
	}
}
