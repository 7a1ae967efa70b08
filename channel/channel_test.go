package channel

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"childmatch"
)

func TestCut(t *testing.T) {
	for _, c := range []struct {
		text string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"missing child near platform four", 20, "missing child near…"},
		{"लापता बच्चा इटारसी जंक्शन", 14, "लापता बच्चा…"},
		{"Venkatanarasimharajuvaripeta", 10, "Venkatana…"},
		{"क्षेत्र", 5, "क्षे…"}, // क ् ष े त ् र: never after the virama nor before the matra
		{"लड़का", 3, "ल…"},      // ल ड ़ का: the nukta stays with its ड
		{"बच्चा", 4, "ब…"},      // ब च ् च ा
	} {
		got := Cut(c.text, c.n, Rune, "…")
		if got != c.want || Count(got, Rune) > c.n {
			t.Errorf("Cut(%q, %d) = %q, want %q", c.text, c.n, got, c.want)
		}
	}
	if n := Count("a😀", UTF16); n != 3 {
		t.Errorf("UTF-16 length of a😀: %d, want 3", n)
	}
}

// TestPacer: sends to one address are an interval apart; a turn beyond ChannelMaxPace is not waited for
// but handed back as a retry-after.
func TestPacer(t *testing.T) {
	p := NewPacer(1000, func(string) time.Duration { return 200 * time.Millisecond })
	ctx := context.Background()
	start := time.Now()
	for range 3 {
		if err := p.Wait(ctx, "chat"); err != nil {
			t.Fatal(err)
		}
	}
	if took := time.Since(start); took < 400*time.Millisecond {
		t.Errorf("three sends to one chat took %v, want at least 400ms", took)
	}
	if err := p.Wait(ctx, "other"); err != nil {
		t.Fatal(err)
	}
	slow := NewPacer(1000, func(string) time.Duration { return time.Hour })
	slow.Wait(ctx, "chat")
	var se *childmatch.SendError
	if err := slow.Wait(ctx, "chat"); !errors.As(err, &se) || se.RetryAfter < 59*time.Minute || se.Permanent {
		t.Fatalf("a turn an hour away: %v", err)
	}
}

// TestCallHidesTheURL: a call that gets no answer says why without the URL, which may hold a token.
func TestCallHidesTheURL(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	req, _ := http.NewRequest("POST", srv.URL+"/botSECRET-TOKEN/sendPhoto", nil)
	_, err := Call(context.Background(), http.DefaultClient, req, "Telegram")
	var se *childmatch.SendError
	if !errors.As(err, &se) || se.Permanent || strings.Contains(se.Reason, "SECRET") {
		t.Fatalf("got %v", err)
	}
}

func TestHTTPError(t *testing.T) {
	h := http.Header{"Retry-After": {"7"}}
	for _, c := range []struct {
		status          int
		permanent, gone bool
		retry           time.Duration
	}{
		{429, false, false, 7 * time.Second}, {503, false, false, 7 * time.Second}, {410, true, true, 7 * time.Second},
		{400, true, false, 7 * time.Second}, {401, true, false, 7 * time.Second},
	} {
		e := HTTPError(c.status, h, "x")
		if e.Permanent != c.permanent || e.Gone != c.gone || e.RetryAfter != c.retry || e.Status != c.status {
			t.Errorf("%d: %+v", c.status, e)
		}
	}
}

func TestRedact(t *testing.T) {
	got := Redact("To number +91 94250 12345 is invalid; mail ops@example.in; chat -1001234567890; code 400")
	if strings.ContainsAny(got, "@") || strings.Contains(got, "94250") || strings.Contains(got, "1001234567890") || !strings.Contains(got, "code 400") {
		t.Errorf("redacted: %q", got)
	}
}
