package sms

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"childmatch"
	"childmatch/auth"
	"childmatch/inmem"
)

const (
	sid, apiKey, apiToken = "childmatch1", "key-1", "token-1"
)

// fakeExotel speaks Exotel's SMS API as documented: POST /v1/Accounts/{sid}/Sms/send.json with HTTP
// Basic (API key and token) and a form; 200 {"SMSMessage":{"Sid","Status":"queued",...}} on success,
// {"RestException":{"Status","Message","Code"}} with the HTTP status otherwise. A number listed in
// fails gets that status.
type fakeExotel struct {
	mu    sync.Mutex
	forms []url.Values
	fails map[string]int
}

func (f *fakeExotel) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	user, pass, ok := r.BasicAuth()
	if !ok || user != apiKey || pass != apiToken {
		w.WriteHeader(401)
		fmt.Fprint(w, `{"RestException":{"Status":401,"Message":"Authentication failed. Invalid API Key or Token.","Code":"UNAUTHORIZED"}}`)
		return
	}
	if r.Method != http.MethodPost || r.URL.Path != "/v1/Accounts/"+sid+"/Sms/send.json" || r.ParseForm() != nil {
		w.WriteHeader(404)
		fmt.Fprint(w, `{"RestException":{"Status":404,"Message":"Not Found"}}`)
		return
	}
	for _, k := range []string{"From", "To", "Body", "DltEntityId", "DltTemplateId"} {
		if r.PostForm.Get(k) == "" {
			w.WriteHeader(400)
			fmt.Fprintf(w, `{"RestException":{"Status":400,"Message":"Missing parameter %s"}}`, k)
			return
		}
	}
	to := r.PostForm.Get("To")
	if status, ok := f.fails[to]; ok {
		if status == 429 {
			w.Header().Set("Retry-After", "12")
		}
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"RestException":{"Status":%d,"Message":"failed for %s"}}`, status, to)
		return
	}
	f.mu.Lock()
	f.forms = append(f.forms, r.PostForm)
	f.mu.Unlock()
	fmt.Fprintf(w, `{"SMSMessage":{"Sid":"sms%d","AccountSid":%q,"From":%q,"To":%q,"Status":"queued","DetailedStatus":"PENDING_TO_OPERATOR"}}`,
		len(f.forms), sid, r.PostForm.Get("From"), to)
}

type env struct {
	fake  *fakeExotel
	srv   *httptest.Server
	links *auth.Links
	short *auth.ShortLinks
}

func newEnv(t *testing.T) *env {
	fake := &fakeExotel{fails: map[string]int{"+919000000429": 429, "+919000000401": 401, "+919000000402": 402, "+919000000500": 503, "+919000000400": 400}}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	short, err := auth.NewShortLinks(&inmem.ShortLinks{}, "https://cm.example.in", nil)
	if err != nil {
		t.Fatal(err)
	}
	return &env{fake: fake, srv: srv, links: auth.NewLinks([]byte("a key every replica shares"), nil), short: short}
}

func (e *env) sender(t *testing.T, template string, vars ...string) *Sender {
	s, err := New(Config{BaseURL: e.srv.URL, AccountSID: sid, APIKey: apiKey, APIToken: apiToken, SenderID: "CHLDMT",
		EntityID: "1201159100000000001", TemplateID: "1207161700000000002", Template: template, Vars: vars, Links: e.links, Shortener: e.short})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var facts = childmatch.Facts{childmatch.FactChild: "Boy, about 9 years", childmatch.FactChildHindi: "लड़का, लगभग 9 वर्ष",
	childmatch.FactStation: "Itarsi Junction (ET), platform 4 near the foot overbridge", childmatch.FactPhone: "+91 94250 12345"}

// TestSMS: in English a GSM SMS of at most 160 characters, in Hindi a Unicode SMS of at most 70, each the
// registered template with its facts and a short link that opens the signed card of this message as this
// post got it; the DLT fields and Basic authentication go with each.
func TestSMS(t *testing.T) {
	e := newEnv(t)
	d := &childmatch.Delivery{ID: childmatch.NewID(), Alert: childmatch.NewID(), Seq: 2, Post: childmatch.NewID(), Channel: childmatch.ChanSMS, Target: "+91 94250 99999"}
	for _, c := range []struct {
		name, template string
		vars           []string
		encoding       string
		max            int
	}{
		{"english", "MISSING CHILD: {#var#}, last seen {#var#}. If seen call {#var#}. Card: {#url#} -childmatch",
			[]string{"child", "station", "phone", "link"}, "plain", 160},
		{"hindi", "लापता बच्चा {#var#}, कॉल {#var#} {#url#}", []string{"child_hi", "phone", "link"}, "unicode", 70},
	} {
		s := e.sender(t, c.template, c.vars...)
		before := len(e.fake.forms)
		if err := s.Send(context.Background(), d, &childmatch.Outgoing{Facts: facts}); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		f := e.fake.forms[before]
		body := f.Get("Body")
		if f.Get("From") != "CHLDMT" || f.Get("To") != "+919425099999" || f.Get("DltEntityId") != "1201159100000000001" ||
			f.Get("DltTemplateId") != "1207161700000000002" || f.Get("EncodingType") != c.encoding || f.Get("SmsType") != "transactional" {
			t.Fatalf("%s: form %v", c.name, f)
		}
		if !strings.Contains(body, "+91 94250 12345") {
			t.Errorf("%s: the phone number is not whole in %q", c.name, body)
		}
		if n := len([]rune(body)); n > c.max {
			t.Errorf("%s: %d characters, at most %d: %q", c.name, n, c.max, body)
		}
		i := strings.Index(body, "https://cm.example.in/l/")
		if i < 0 {
			t.Fatalf("%s: no short link in %q", c.name, body)
		}
		token := strings.Fields(body[i+len("https://cm.example.in/l/"):])[0]
		target, err := e.short.Resolve(context.Background(), token)
		if err != nil {
			t.Fatalf("%s: the link: %v", c.name, err)
		}
		u, _ := url.Parse(target)
		if u.Path != childmatch.CardPath(d.Alert, d.Seq, d.Post) || e.links.Check(u.Path, u.Query().Get("exp"), u.Query().Get("sig")) != nil {
			t.Errorf("%s: the short link opens %q, not the signed card", c.name, target)
		}
		t.Logf("%s (%d characters): %s", c.name, len([]rune(body)), body)
	}
}

// TestGatewayAnswers: each answer of the gateway maps to what the outbox does next, and no reason holds
// the number.
func TestGatewayAnswers(t *testing.T) {
	e := newEnv(t)
	s := e.sender(t, "MISSING CHILD: {#var#}. Call {#var#}", "child", "phone")
	for _, c := range []struct {
		to        string
		permanent bool
		retry     time.Duration
	}{
		{"+919000000429", false, 12 * time.Second}, {"+919000000401", true, 0}, {"+919000000402", false, 0},
		{"+919000000500", false, 0}, {"+919000000400", true, 0}, {"not a number", true, 0},
	} {
		var se *childmatch.SendError
		err := s.Send(context.Background(), &childmatch.Delivery{Target: c.to}, &childmatch.Outgoing{Facts: facts})
		if !errors.As(err, &se) || se.Permanent != c.permanent || se.RetryAfter != c.retry {
			t.Errorf("%s: %#v", c.to, err)
		} else if strings.Contains(se.Reason, "9000000") {
			t.Errorf("%s: the reason %q holds the number", c.to, se.Reason)
		}
	}
}

// TestText: values are cut to DLT's 30 characters and then, longest first, until the text fits; the
// link is never cut; a template that cannot fit is refused.
func TestText(t *testing.T) {
	link := "https://cm.example.in/l/AbCdEfGh"
	text, ok := Text("लापता बच्चा {#var#} स्टेशन {#var#} कार्ड {#var#}", []string{"लड़का, लगभग 9 वर्ष, नीली शर्ट", "इटारसी जंक्शन प्लेटफ़ॉर्म चार", link}, []bool{false, false, true})
	if !ok || len([]rune(text)) > 70 || !strings.HasSuffix(text, link) || !strings.Contains(text, "…") {
		t.Fatalf("%v %d: %q", ok, len([]rune(text)), text)
	}
	if text, _ := Text("MISSING CHILD {#var#}", []string{strings.Repeat("boy ", 20)}, []bool{false}); !strings.HasSuffix(text, "...") || !isGSM(text) {
		t.Errorf("an English value is cut in GSM: %q", text)
	}
	if _, ok := Text(strings.Repeat("x", 150)+" {#var#}", []string{link}, []bool{true}); ok {
		t.Error("a text longer than an SMS with its link fitted")
	}
	if _, err := New(Config{BaseURL: "https://api.exotel.com", AccountSID: sid, APIKey: apiKey, APIToken: apiToken, SenderID: "CHLDMT",
		EntityID: "1", TemplateID: "2", Template: "{#var#} {#var#}", Vars: []string{"child"}}); childmatch.ErrorField(err) != "sms.template" {
		t.Errorf("a template with more variables than facts: %v", err)
	}
	if _, err := New(Config{BaseURL: "https://api.exotel.com", AccountSID: sid, APIKey: apiKey, APIToken: apiToken, SenderID: "CHLDMT",
		EntityID: "1", TemplateID: "2", Template: "{#var#}", Vars: []string{"link"}}); childmatch.ErrorField(err) != "sms.vars" {
		t.Errorf("a link without a signer: %v", err)
	}
}
