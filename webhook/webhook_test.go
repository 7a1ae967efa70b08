package webhook_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"childmatch"
	"childmatch/webhook"
)

const (
	current  = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	previous = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"
)

type posts map[childmatch.ID]*childmatch.Post

func (p posts) Post(_ context.Context, id childmatch.ID) (*childmatch.Post, error) {
	if post, ok := p[id]; ok {
		return post, nil
	}
	return nil, childmatch.Errorf(childmatch.ENotFound, "no post")
}

func setup(url string, w childmatch.Webhook) (*webhook.Sender, *childmatch.Delivery) {
	w.URL = url
	p := &childmatch.Post{ID: childmatch.NewID(), Webhooks: []childmatch.Webhook{w}}
	d := &childmatch.Delivery{ID: childmatch.NewID(), Post: p.ID, Channel: childmatch.ChanWebhook, Target: url}
	return webhook.New(posts{p.ID: p}), d
}

// TestSignatures: the receiver verifies the message with the specification's library under the current
// secret and, during a rotation, under the previous one too; webhook-id is the delivery's.
func TestSignatures(t *testing.T) {
	var got http.Header
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, body = r.Header.Clone(), must(io.ReadAll(r.Body))
	}))
	defer srv.Close()
	s, d := setup(srv.URL+"/hook", childmatch.Webhook{Secret: current, Previous: previous})
	out := &childmatch.Outgoing{Body: []byte(`{"type":"alert.raised","timestamp":"2026-03-01T09:00:00Z","data":{}}`)}
	if err := s.Send(context.Background(), d, out); err != nil {
		t.Fatal(err)
	}
	if string(body) != string(out.Body) || got.Get("webhook-id") != d.ID.String() || got.Get("Content-Type") != "application/json" {
		t.Fatalf("got %s with %v", body, got)
	}
	for _, secret := range []string{current, previous} {
		wh, err := standardwebhooks.NewWebhook(secret)
		if err != nil {
			t.Fatal(err)
		}
		if err := wh.Verify(body, got); err != nil {
			t.Errorf("secret %s…: %v", secret[:10], err)
		}
	}
	other, _ := standardwebhooks.NewWebhook("whsec_" + strings.Repeat("A", 32))
	if err := other.Verify(body, got); err == nil {
		t.Error("another secret verifies the message")
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestAnswers: each HTTP answer is mapped as the outbox needs it.
func TestAnswers(t *testing.T) {
	date := time.Now().Add(2 * time.Minute).UTC().Format(http.TimeFormat)
	for _, tc := range []struct {
		status      int
		retryAfter  string
		ok          bool
		gone, perm  bool
		minWait     time.Duration
		description string
	}{
		{status: 200, ok: true}, {status: 204, ok: true},
		{status: 410, gone: true},
		{status: 429, retryAfter: "7", minWait: 7 * time.Second},
		{status: 503, retryAfter: date, minWait: 100 * time.Second},
		{status: 503},
		{status: 400, perm: true}, {status: 401, perm: true}, {status: 404, perm: true}, {status: 302, perm: true},
		{status: 408}, {status: 409}, {status: 425}, {status: 500}, {status: 502},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if tc.retryAfter != "" {
				w.Header().Set("Retry-After", tc.retryAfter)
			}
			if tc.status == 302 {
				w.Header().Set("Location", "http://127.0.0.1:1/elsewhere")
			}
			w.WriteHeader(tc.status)
		}))
		s, d := setup(srv.URL, childmatch.Webhook{Secret: current})
		err := s.Send(context.Background(), d, &childmatch.Outgoing{Body: []byte(`{}`)})
		srv.Close()
		name := strconv.Itoa(tc.status) + " " + tc.retryAfter
		if tc.ok {
			if err != nil {
				t.Errorf("%s: %v", name, err)
			}
			continue
		}
		se, ok := err.(*childmatch.SendError)
		if !ok {
			t.Errorf("%s: %v is not a SendError", name, err)
			continue
		}
		if se.Status != tc.status || se.Gone != tc.gone || se.Permanent != tc.perm || se.RetryAfter < tc.minWait || (tc.minWait == 0 && se.RetryAfter != 0) {
			t.Errorf("%s: %+v", name, se)
		}
	}
}

// TestUnreached: a refused connection is retried, and its reason does not carry the address.
func TestUnreached(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	s, d := setup("http://"+addr+"/hook", childmatch.Webhook{Secret: current})
	err = s.Send(context.Background(), d, &childmatch.Outgoing{Body: []byte(`{}`)})
	se, ok := err.(*childmatch.SendError)
	if !ok || se.Permanent || se.Gone || se.Status != 0 || strings.Contains(se.Reason, "127.0.0.1") || !strings.Contains(se.Reason, "refused") {
		t.Fatalf("%#v", err)
	}
	d.Target = "http://" + addr + "/other"
	if err := s.Send(context.Background(), d, &childmatch.Outgoing{Body: []byte(`{}`)}); err == nil || !err.(*childmatch.SendError).Permanent {
		t.Fatalf("a webhook the post no longer has: %v", err)
	}
}
