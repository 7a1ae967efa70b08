package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/serviceworker"
	"github.com/chromedp/chromedp"

	"childmatch"
	"childmatch/fixtures"
	"childmatch/push"
)

// TestAlertPagesInBrowser drives Chromium through an officer's alerts: the alerts page with its badge, a
// new alert arriving live (EventSource), the alert's page with the card, a one-tap answer, both
// languages; then a missing report made without network, kept on the phone and sent when the network
// returns. Screenshots at 1280 and 360 px go to screenshots/2x-*.png.
func TestAlertPagesInBrowser(t *testing.T) {
	browser := chromium(t)
	e := newEnv(t)
	officerID, officer, _ := e.user("Constable Yadav", "GRP Itarsi", "officer")
	for _, p := range []map[string]any{
		{"name": "GRP Itarsi", "kind": "grp", "area": map[string]any{"states": []string{"Madhya Pradesh"}}, "users": []string{officerID}},
		{"name": "RPF Bhopal", "kind": "rpf", "area": map[string]any{"states": []string{"Madhya Pradesh"}, "stations": []string{"BPL"}}},
	} {
		if r := e.postJSON("/v1/posts", p); r.status != http.StatusCreated {
			t.Fatalf("post: %d %s", r.status, r.body)
		}
	}
	photo, err := os.ReadFile(filepath.Join(fixtures.FacesDir(t), "obama", "obama1.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	photoPath, _ := filepath.Abs(filepath.Join(fixtures.FacesDir(t), "obama", "obama2.jpg"))
	report := func(name, gender string, age int) string {
		return e.newCase("Bearer "+token, map[string]any{"kind": "missing",
			"child": map[string]any{"name": name, "age": age, "gender": gender, "languages": []string{"Hindi"},
				"description": "blue school shirt, grey shorts", "identifying_marks": "mole on the left cheek"},
			"sighting": map[string]any{"station": "ET", "district": "Narmadapuram", "state": "Madhya Pradesh"},
			"reporter": map[string]any{"name": "Sunita", "organisation": "GRP Itarsi", "phone": "+91 98260 00000"}})
	}
	first := report("Ravi Kumar", "male", 9)
	if r := e.as("Bearer "+token, "POST", "/v1/cases/"+first+"/photos", photo); r.status != http.StatusCreated && r.status != http.StatusOK {
		t.Fatalf("photo: %d %s", r.status, r.body)
	}
	shots := filepath.Join(fixtures.RepoRoot(t), "screenshots")
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	b := openBrowser(t, browser, shots)
	run, shoot := b.run, b.shoot
	badge := `header nav a[href="#/alerts"] .badge`
	var text, count string
	run("sign in",
		chromedp.Navigate(e.http.URL+"/app/#/signin"),
		chromedp.WaitVisible(`input[name=token]`),
		chromedp.SendKeys(`input[name=token]`, strings.TrimPrefix(officer, "Bearer ")),
		chromedp.Click(`button[type=submit]`),
		chromedp.WaitNotPresent(`input[name=token]`))
	run("alerts page",
		chromedp.Navigate(e.http.URL+"/app/#/alerts"),
		chromedp.WaitVisible(`li.alert-row.unanswered`),
		chromedp.WaitVisible(badge),
		chromedp.Text(badge, &count),
		chromedp.Text(`ul.alerts`, &text))
	if count != "1" || !strings.Contains(text, "Ravi Kumar") {
		t.Fatalf("badge %q, list %q: want one unanswered alert for Ravi Kumar", count, text)
	}
	// A report filed now reaches the open page through the stream, without a reload.
	report("Meena", "female", 7)
	run("a live alert",
		chromedp.WaitVisible(`//li[contains(@class, "alert-row")]//strong[contains(., "Meena")]`, chromedp.BySearch),
		chromedp.Poll(`document.querySelector('`+badge+`').textContent === "2"`, nil),
		chromedp.Text(`ul.alerts li:first-child`, &text),
		shoot("20-alerts"))
	if !strings.Contains(text, "Meena") {
		t.Fatalf("the newest alert is not first: %q", text)
	}
	cardLoaded := `(() => { const i = document.querySelector("figure.alert-card img"); return !!i && i.complete && i.naturalWidth > 0; })()`
	run("alert page",
		chromedp.Navigate(e.http.URL+"/app/#/alert/"+first),
		chromedp.Poll(cardLoaded, nil),
		chromedp.WaitVisible(`.share`),
		chromedp.Text(`main`, &text),
		shoot("21-alert"))
	for _, want := range []string{"Ravi Kumar", "mole on the left cheek", "GRP Itarsi", "RPF Bhopal", "not answered"} {
		if !strings.Contains(text, want) {
			t.Errorf("the alert page lacks %q", want)
		}
	}
	run("answer",
		chromedp.Click(`button.ack-searching`),
		chromedp.WaitVisible(`button.ack-searching[aria-pressed="true"]`),
		chromedp.Text(`table.posts`, &text),
		chromedp.Poll(`document.querySelector('`+badge+`').textContent === "1"`, nil),
		shoot("22-alert-answered"))
	if !strings.Contains(text, "Searching") {
		t.Fatalf("the posts table does not show the answer: %q", text)
	}
	run("the case page's alert",
		chromedp.Navigate(e.http.URL+"/app/#/case/"+first),
		chromedp.WaitVisible(`//h3[contains(., "Alert to the posts")]`, chromedp.BySearch),
		chromedp.Poll(cardLoaded, nil),
		chromedp.Text(`main`, &text),
		shoot("22-case-alert"))
	if !strings.Contains(text, "1 of 2 posts have answered") {
		t.Fatalf("the case page does not say the answers: %q", text)
	}
	var a alertResp
	e.as(officer, "GET", "/v1/alerts/"+first, nil).decode(t, &a)
	if len(a.Acks) != 1 || a.Acks[0].State != "searching" {
		t.Fatalf("the stored answers: %+v", a.Acks)
	}
	run("hindi",
		chromedp.SetValue(`#lang`, "hi"),
		chromedp.Evaluate(`document.getElementById("lang").dispatchEvent(new Event("change"))`, nil),
		chromedp.WaitVisible(`//h3[contains(., "चौकियों को अलर्ट")]`, chromedp.BySearch),
		chromedp.Navigate(e.http.URL+"/app/#/alerts"),
		chromedp.WaitVisible(`//h2[contains(., "आपकी चौकियों")]`, chromedp.BySearch),
		shoot("23-alerts-hindi"),
		chromedp.Navigate(e.http.URL+"/app/#/alert/"+first),
		chromedp.Poll(cardLoaded, nil),
		chromedp.Text(`main`, &text),
		shoot("24-alert-hindi"),
		chromedp.SetValue(`#lang`, "en"),
		chromedp.Evaluate(`document.getElementById("lang").dispatchEvent(new Event("change"))`, nil))
	if !strings.Contains(text, "खोज रहे हैं") {
		t.Fatalf("the Hindi alert page does not say the answer: %q", text)
	}

	// A push message as the push service hands it to the browser: the service worker shows it, one
	// notification per alert.
	regs := make(chan serviceworker.RegistrationID, 8)
	alertID, _ := childmatch.ParseID("alert", first)
	msg, _ := json.Marshal(push.Message{Alert: alertID, Case: alertID, Type: childmatch.MsgAlert, Seq: 1,
		Title: "गुमशुदा बच्चा · Missing child", Body: "Ravi Kumar, 9, last seen Itarsi", URL: "/app/#/alert/" + first})
	notifications := `navigator.serviceWorker.ready.then((r) => r.getNotifications()).then((ns) =>
		ns.map((n) => [n.title, n.body, n.tag, n.data.url].join("|")).join("\n"))`
	var shown string
	run("a push message",
		cdpbrowser.SetPermission(&cdpbrowser.PermissionDescriptor{Name: "notifications"}, cdpbrowser.PermissionSettingGranted).WithOrigin(e.http.URL),
		chromedp.ActionFunc(func(ctx context.Context) error {
			chromedp.ListenTarget(ctx, func(ev any) {
				if u, ok := ev.(*serviceworker.EventWorkerRegistrationUpdated); ok {
					for _, r := range u.Registrations {
						if r.ScopeURL == e.http.URL+"/" && !r.IsDeleted {
							select {
							case regs <- r.RegistrationID:
							default:
							}
						}
					}
				}
			})
			return serviceworker.Enable().Do(ctx)
		}),
		chromedp.ActionFunc(func(ctx context.Context) error {
			var id serviceworker.RegistrationID
			select {
			case id = <-regs:
			case <-ctx.Done():
				return fmt.Errorf("no service worker registration for %s/ was reported", e.http.URL)
			}
			// Delivered again each second until it shows: a worker still starting may miss the first.
			for shown == "" {
				if err := serviceworker.DeliverPushMessage(e.http.URL, id, string(msg)).Do(ctx); err != nil {
					return err
				}
				for range 10 {
					err := chromedp.Evaluate(notifications, &shown, func(p *runtime.EvaluateParams) *runtime.EvaluateParams {
						return p.WithAwaitPromise(true)
					}).Do(ctx)
					if err != nil || shown != "" {
						return err
					}
					time.Sleep(100 * time.Millisecond)
				}
			}
			return nil
		}))
	if want := "गुमशुदा बच्चा · Missing child|Ravi Kumar, 9, last seen Itarsi|" + first + "|/app/#/alert/" + first; shown != want {
		t.Fatalf("the service worker shows %q, want %q", shown, want)
	}

	// Without network: the report stays on the phone, then goes when the network returns.
	offline := func(off bool) chromedp.Action {
		return chromedp.Tasks{
			network.Enable(),
			network.OverrideNetworkState(off, 0, -1, -1),
			chromedp.ActionFunc(func(ctx context.Context) error {
				_, err := network.EmulateNetworkConditionsByRule([]*network.Conditions{{Offline: off, DownloadThroughput: -1, UploadThroughput: -1}}).
					WithEmulateOfflineServiceWorker(off).Do(ctx)
				return err
			}),
		}
	}
	run("a report without network",
		chromedp.Navigate(e.http.URL+"/app/#/missing"),
		chromedp.WaitVisible(`input[name="child.name"]`),
		chromedp.SendKeys(`input[name="child.name"]`, "Sonu"),
		chromedp.SendKeys(`input[name="child.age"]`, "8"),
		chromedp.SendKeys(`input[name="sighting.state"]`, "Madhya Pradesh"),
		chromedp.SetUploadFiles(`input[type=file]`, []string{photoPath}),
		offline(true),
		chromedp.Click(`button[type=submit]`),
		chromedp.WaitVisible(`p.queued`),
		chromedp.Navigate(e.http.URL+"/app/#/queue"),
		chromedp.WaitVisible(`.tag.q-queued`),
		shoot("25-queue-offline"))
	if cases := e.casesNamed(t, "Sonu"); cases != 0 {
		t.Fatalf("the report reached the server while offline (%d cases)", cases)
	}
	run("the network returns",
		offline(false),
		chromedp.WaitVisible(`.tag.q-sent`),
		shoot("26-queue-sent"))
	if cases := e.casesNamed(t, "Sonu"); cases != 1 {
		t.Fatalf("after the network returned the server has %d cases of Sonu, want 1", cases)
	}
}

// casesNamed counts the cases with a photo whose child has the name.
func (e *env) casesNamed(t *testing.T, name string) int {
	var page struct {
		Cases []struct {
			Child struct {
				Name string `json:"name"`
			} `json:"child"`
			Photos []json.RawMessage `json:"photos"`
		} `json:"cases"`
	}
	e.as("Bearer "+token, "GET", "/v1/cases?limit=100", nil).decode(t, &page)
	n := 0
	for _, c := range page.Cases {
		if c.Child.Name == name && len(c.Photos) == 1 {
			n++
		}
	}
	return n
}

// TestAppFiles: the manifest, the service worker and the icons are served with their types and the
// page's security headers, and the manifest makes the app installable.
func TestAppFiles(t *testing.T) {
	e := newEnv(t)
	for path, want := range map[string]string{
		"/manifest.webmanifest": "application/manifest+json", "/sw.js": "text/javascript; charset=utf-8",
		"/static/icon-192.png": "image/png", "/static/icon-512.png": "image/png",
	} {
		resp, err := http.Get(e.http.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != want ||
			!strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'self'") {
			t.Errorf("%s: %d %q, CSP %q", path, resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Security-Policy"))
		}
		if strings.HasSuffix(path, ".png") {
			img, err := png.Decode(&b)
			if err != nil || img.Bounds().Dx() != img.Bounds().Dy() || !strings.Contains(path, "-"+strconv.Itoa(img.Bounds().Dx())+".") {
				t.Errorf("%s is not a square PNG of its size: %v", path, err)
			}
		}
		if path == "/manifest.webmanifest" {
			var m struct {
				Name, ShortName, StartURL, Display string
				Icons                              []struct{ Src, Sizes, Type string }
			}
			raw := map[string]any{}
			if err := json.Unmarshal(b.Bytes(), &raw); err != nil {
				t.Fatal(err)
			}
			json.Unmarshal(b.Bytes(), &m)
			if raw["name"] == "" || raw["start_url"] != "/app/#/alerts" || raw["display"] != "standalone" || len(m.Icons) < 2 {
				t.Errorf("the manifest lacks what installing needs: %v", raw)
			}
			for _, ic := range m.Icons {
				if r, err := http.Get(e.http.URL + ic.Src); err != nil || r.StatusCode != http.StatusOK {
					t.Errorf("icon %s is not served", ic.Src)
				} else {
					r.Body.Close()
				}
			}
		}
	}
}
