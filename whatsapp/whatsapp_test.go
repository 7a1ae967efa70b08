package whatsapp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"childmatch"
)

const (
	token   = "EAAG-test-token"
	phoneID = "106540352242922"
)

// fakeCloudAPI speaks the Cloud API as documented: Bearer token; POST /v21.0/{phone-number-id}/media
// (multipart: messaging_product, type, file) answering {"id"}; POST /v21.0/{phone-number-id}/messages
// (JSON template message) answering {"messaging_product","contacts","messages":[{"id"}]}; errors as
// {"error":{"message","type","code","fbtrace_id"}}. A number listed in errs gets that error code.
type fakeCloudAPI struct {
	mu       sync.Mutex
	uploads  [][]byte
	messages []map[string]any
	errs     map[string]struct{ status, code int }
}

func graphErr(w http.ResponseWriter, status, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"error":{"message":"(#%d) %s","type":"OAuthException","code":%d,"fbtrace_id":"AbCd"}}`, code, msg, code)
}

func (f *fakeCloudAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+token {
		graphErr(w, 401, 190, "Error validating access token: Session has expired")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch r.URL.Path {
	case "/v21.0/" + phoneID + "/media":
		file, hdr, err := r.FormFile("file")
		if err != nil || r.FormValue("messaging_product") != "whatsapp" || r.FormValue("type") != "image/png" || hdr.Header.Get("Content-Type") != "image/png" {
			graphErr(w, 400, 100, "Invalid parameter")
			return
		}
		b, _ := io.ReadAll(file)
		f.uploads = append(f.uploads, b)
		fmt.Fprintf(w, `{"id":"media-%d"}`, len(f.uploads))
	case "/v21.0/" + phoneID + "/messages":
		var m map[string]any
		if r.Header.Get("Content-Type") != "application/json" || json.NewDecoder(r.Body).Decode(&m) != nil {
			graphErr(w, 400, 100, "Invalid parameter")
			return
		}
		to, _ := m["to"].(string)
		if e, ok := f.errs[to]; ok {
			graphErr(w, e.status, e.code, "error")
			return
		}
		f.messages = append(f.messages, m)
		fmt.Fprintf(w, `{"messaging_product":"whatsapp","contacts":[{"input":%q,"wa_id":%q}],"messages":[{"id":"wamid.%d"}]}`, to, to, len(f.messages))
	default:
		graphErr(w, 400, 100, "Unsupported post request")
	}
}

func newSender(t *testing.T, base, tok string) *Sender {
	s, err := New(Config{BaseURL: base, Version: "v21.0", PhoneNumberID: phoneID, Token: tok, Template: "missing_child_alert",
		Language: "hi", Params: []string{childmatch.FactHeadline, childmatch.FactName, childmatch.FactChild, childmatch.FactLastSeen, childmatch.FactCall, childmatch.FactLink}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestTemplateMessage: the card is uploaded once for all numbers of a post and sent as the template's
// image header, the facts as its body's parameters in the configured order, one-to-one to each number.
func TestTemplateMessage(t *testing.T) {
	fake := &fakeCloudAPI{}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	s := newSender(t, srv.URL, token)
	card := []byte("\x89PNG\r\n\x1a\n a card")
	out := &childmatch.Outgoing{Card: card, Link: "https://childmatch.example.in/l/AbCdEfGh", Facts: childmatch.Facts{
		childmatch.FactHeadline: "MISSING CHILD", childmatch.FactName: "रवि कुमार", childmatch.FactChild: "Boy, 9 years",
		childmatch.FactLastSeen: "Itarsi Jn (ET),\nplatform 4", childmatch.FactCall: "GRP Itarsi, +91 94250 12345"}}
	for _, to := range []string{"+91 94250 11111", "919425022222"} {
		if err := s.Send(context.Background(), &childmatch.Delivery{Channel: childmatch.ChanWhatsApp, Target: to}, out); err != nil {
			t.Fatalf("send to %s: %v", to, err)
		}
	}
	if len(fake.uploads) != 1 || !bytes.Equal(fake.uploads[0], card) {
		t.Fatalf("%d uploads of the card, want 1", len(fake.uploads))
	}
	if len(fake.messages) != 2 || fake.messages[0]["to"] != "919425011111" || fake.messages[1]["to"] != "919425022222" {
		t.Fatalf("messages: %v", fake.messages)
	}
	tpl, _ := json.Marshal(fake.messages[0]["template"])
	want := `{"components":[{"parameters":[{"image":{"id":"media-1"},"type":"image"}],"type":"header"},` +
		`{"parameters":[{"text":"MISSING CHILD","type":"text"},{"text":"रवि कुमार","type":"text"},{"text":"Boy, 9 years","type":"text"},` +
		`{"text":"Itarsi Jn (ET), · platform 4","type":"text"},{"text":"GRP Itarsi, +91 94250 12345","type":"text"},` +
		`{"text":"https://childmatch.example.in/l/AbCdEfGh","type":"text"}],"type":"body"}],"language":{"code":"hi"},"name":"missing_child_alert"}`
	if string(tpl) != want {
		t.Fatalf("template:\n%s\nwant\n%s", tpl, want)
	}
	if fake.messages[0]["messaging_product"] != "whatsapp" || fake.messages[0]["type"] != "template" {
		t.Fatalf("message: %v", fake.messages[0])
	}
}

// TestErrorCodes: each documented error code maps to what the outbox does next.
func TestErrorCodes(t *testing.T) {
	fake := &fakeCloudAPI{errs: map[string]struct{ status, code int }{
		"911": {429, 130429}, "912": {400, 131056}, "913": {400, 131026}, "914": {500, 131000}, "915": {400, 132001},
		"916": {400, 4}, "917": {400, 999999}, "918": {503, 999998},
	}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	s := newSender(t, srv.URL, token)
	out := &childmatch.Outgoing{Card: []byte("png")}
	for _, c := range []struct {
		to        string
		permanent bool
		retry     time.Duration
		code      string
	}{
		{"911", false, time.Second, "130429"}, {"912", false, childmatch.WhatsAppPairInterval, "131056"},
		{"913", true, 0, "131026"}, {"914", false, 0, "131000"}, {"915", true, 0, "132001"}, {"916", false, 0, "error 4:"},
		{"917", true, 0, "999999"}, {"918", false, 0, "999998"},
	} {
		var se *childmatch.SendError
		err := s.Send(context.Background(), &childmatch.Delivery{Target: c.to}, out)
		if !errors.As(err, &se) || se.Permanent != c.permanent || se.RetryAfter != c.retry || !strings.Contains(se.Reason, c.code) || se.Gone {
			t.Errorf("number %s: %#v", c.to, err)
		}
	}
	expired := newSender(t, srv.URL, "an-expired-token")
	var se *childmatch.SendError
	if err := expired.Send(context.Background(), &childmatch.Delivery{Target: "919425011111"}, out); !errors.As(err, &se) || !se.Permanent || se.Status != 401 || !strings.Contains(se.Reason, "190") {
		t.Errorf("an expired token: %#v", err)
	}
	if err := s.Send(context.Background(), &childmatch.Delivery{Target: "not a number"}, out); !errors.As(err, &se) || !se.Permanent {
		t.Errorf("not a number: %v", err)
	}
}

func TestConfig(t *testing.T) {
	good := Config{BaseURL: "https://graph.facebook.com", Version: "v21.0", PhoneNumberID: phoneID, Token: token, Template: "t", Language: "hi"}
	for field, change := range map[string]func(*Config){
		"whatsapp.base_url":        func(c *Config) { c.BaseURL = "graph.facebook.com" },
		"whatsapp.version":         func(c *Config) { c.Version = "21" },
		"whatsapp.phone_number_id": func(c *Config) { c.PhoneNumberID = "+91" },
		"whatsapp.token":           func(c *Config) { c.Token = "" },
		"whatsapp.template":        func(c *Config) { c.Language = "" },
		"whatsapp.params":          func(c *Config) { c.Params = []string{"age"} },
	} {
		c := good
		change(&c)
		if _, err := New(c); childmatch.ErrorField(err) != field {
			t.Errorf("%s: %v", field, err)
		}
	}
	if _, err := New(good); err != nil {
		t.Error(err)
	}
}
