package telegram

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"childmatch"
	"childmatch/card"
	"childmatch/channel"
)

const token = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"

// fakeBotAPI speaks the Bot API's sendPhoto as documented: multipart with chat_id, caption and photo,
// the token in the path; {"ok":true,"result":...} on success, {"ok":false,"error_code","description",
// "parameters"} otherwise. Chats named in answers get that answer.
type fakeBotAPI struct {
	mu       sync.Mutex
	received []sent
	answers  map[string]func(w http.ResponseWriter)
}

type sent struct {
	chat, caption string
	photo         []byte
	at            time.Time
}

func (f *fakeBotAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/bot"+token+"/sendPhoto" {
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"ok":false,"error_code":404,"description":"Not Found"}`)
		return
	}
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"ok":false,"error_code":400,"description":"Bad Request: not multipart"}`)
		return
	}
	file, hdr, err := r.FormFile("photo")
	if err != nil || hdr.Header.Get("Content-Type") != "image/png" {
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"ok":false,"error_code":400,"description":"Bad Request: there is no photo in the request"}`)
		return
	}
	photo, _ := io.ReadAll(file)
	chat, caption := r.FormValue("chat_id"), r.FormValue("caption")
	if channel.Count(caption, channel.UTF16) > 1024 {
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"ok":false,"error_code":400,"description":"Bad Request: message caption is too long"}`)
		return
	}
	f.mu.Lock()
	answer := f.answers[chat]
	f.received = append(f.received, sent{chat, caption, photo, time.Now()})
	f.mu.Unlock()
	if answer != nil {
		answer(w)
		return
	}
	fmt.Fprintf(w, `{"ok":true,"result":{"message_id":%d,"chat":{"id":%s},"photo":[]}}`, len(f.received), chat)
}

func fail(status int, body string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

func cardPNG(t *testing.T) []byte {
	b, err := card.Render(childmatch.Card{Type: childmatch.MsgAlert, CaseID: "c1", Child: childmatch.Child{Name: "रवि", Age: 9},
		URL: "https://childmatch.example.in/app/#/case/c1", Post: "RPF Bhopal"})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSendPhoto: the card reaches the chat as the photo, the caption holds the words and the link, and
// each answer of the Bot API maps to what the outbox does next.
func TestSendPhoto(t *testing.T) {
	fake := &fakeBotAPI{answers: map[string]func(http.ResponseWriter){
		"429":  fail(429, `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 17","parameters":{"retry_after":17}}`),
		"404":  fail(400, `{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}`),
		"403":  fail(403, `{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"}`),
		"-100": fail(400, `{"ok":false,"error_code":400,"description":"Bad Request: group chat was upgraded to a supergroup chat","parameters":{"migrate_to_chat_id":-1001234567890}}`),
		"500":  fail(502, `<html>Bad Gateway</html>`),
	}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	s, err := New(Config{BaseURL: srv.URL, Token: token})
	if err != nil {
		t.Fatal(err)
	}
	img := cardPNG(t)
	out := &childmatch.Outgoing{Card: img, Text: "लापता बच्चा · MISSING CHILD\nरवि, 9", Link: "https://childmatch.example.in/l/AbCdEfGh"}
	send := func(chat string) error {
		return s.Send(context.Background(), &childmatch.Delivery{Channel: childmatch.ChanTelegram, Target: chat}, out)
	}
	if err := send("42"); err != nil {
		t.Fatalf("send: %v", err)
	}
	got := fake.received[0]
	if got.chat != "42" || !bytes.Equal(got.photo, img) || got.caption != out.Text+"\n"+out.Link {
		t.Fatalf("received chat %q, %d bytes of photo, caption %q", got.chat, len(got.photo), got.caption)
	}
	if _, err := png.Decode(bytes.NewReader(got.photo)); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		chat            string
		permanent, gone bool
		retry           time.Duration
		status          int
	}{
		{"429", false, false, 17 * time.Second, 429},
		{"404", true, false, 0, 400},
		{"403", true, false, 0, 403},
		{"-100", true, true, 0, 400},
		{"500", false, false, 0, 502},
	} {
		var se *childmatch.SendError
		if err := send(c.chat); !errors.As(err, &se) || se.Permanent != c.permanent || se.Gone != c.gone || se.RetryAfter != c.retry || se.Status != c.status {
			t.Errorf("chat %s: %#v", c.chat, err)
		} else if strings.Contains(se.Reason, token) || strings.Contains(se.Reason, c.chat+" ") {
			t.Errorf("chat %s: the reason %q holds the token or the chat", c.chat, se.Reason)
		}
	}
	bad, _ := New(Config{BaseURL: srv.URL, Token: "999:wrong"})
	var se *childmatch.SendError
	if err := bad.Send(context.Background(), &childmatch.Delivery{Target: "42"}, out); !errors.As(err, &se) || !se.Permanent || strings.Contains(se.Reason, "999:wrong") {
		t.Errorf("a wrong token: %v", err)
	}
}

// TestCaptionCut: a long caption is cut at a word to 1,024 UTF-16 units and keeps its link whole.
func TestCaptionCut(t *testing.T) {
	link := "https://childmatch.example.in/l/AbCdEfGh"
	text := strings.Repeat("गुमशुदा बच्चा क्षेत्र इटारसी ", 60)
	c := Caption(text, link)
	if n := channel.Count(c, channel.UTF16); n > childmatch.TelegramCaptionMax || n < childmatch.TelegramCaptionMax-20 {
		t.Fatalf("caption of %d units, want just under %d", n, childmatch.TelegramCaptionMax)
	}
	kept, ok := strings.CutSuffix(c, "…\n"+link)
	if !ok || !strings.HasPrefix(text, kept) || text[len(kept)] != ' ' {
		t.Fatalf("caption not cut at a word before its link: …%q", c[len(c)-120:])
	}
}

func TestConfig(t *testing.T) {
	if _, err := New(Config{BaseURL: "ftp://x", Token: token}); childmatch.ErrorField(err) != "telegram.base_url" {
		t.Errorf("bad base: %v", err)
	}
	if _, err := New(Config{BaseURL: "https://api.telegram.org", Token: ""}); childmatch.ErrorField(err) != "telegram.token" {
		t.Errorf("no token: %v", err)
	}
}
