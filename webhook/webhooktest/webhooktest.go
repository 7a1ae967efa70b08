// Package webhooktest is a partner's webhook receiver on loopback for tests: it verifies every message
// with the Standard Webhooks specification's own library and records what came, in order. It can answer
// an error status, or go down (refusing connections) and come back on the same address.
package webhooktest

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// Got is one request that came: each attempt of a delivery is one.
type Got struct {
	ID     string // webhook-id
	Path   string
	Type   string
	Data   Data
	Status int // what the receiver answered
	At     time.Time
}

// Data is what the tests read of a body's data.
type Data struct {
	AlertID string `json:"alert_id"`
	CaseID  string `json:"case_id"`
	MsgType string `json:"msg_type"`
	Seq     int    `json:"seq"`
	Post    string `json:"post_id"`
	CapURL  string `json:"cap_url"`
}

// Receiver is a webhook endpoint on 127.0.0.1.
type Receiver struct {
	URL  string // http://127.0.0.1:port
	tb   testing.TB
	wh   *standardwebhooks.Webhook
	addr string

	mu     sync.Mutex
	srv    *http.Server
	got    []Got
	status int
	delay  time.Duration
}

// Start starts a receiver verifying with secret (whsec_...), stopped when the test ends.
func Start(tb testing.TB, secret string) *Receiver {
	tb.Helper()
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		tb.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	r := &Receiver{tb: tb, wh: wh, addr: l.Addr().String(), status: http.StatusNoContent}
	r.URL = "http://" + r.addr
	r.serve(l)
	tb.Cleanup(r.Down)
	return r
}

func (r *Receiver) serve(l net.Listener) {
	srv := &http.Server{Handler: http.HandlerFunc(r.handle)}
	r.mu.Lock()
	r.srv = srv
	r.mu.Unlock()
	go srv.Serve(l)
}

func (r *Receiver) handle(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return
	}
	if err := r.wh.Verify(body, req.Header); err != nil {
		r.tb.Errorf("a webhook that does not verify: %v", err)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var msg struct {
		Type string `json:"type"`
		Data Data   `json:"data"`
	}
	if err := json.Unmarshal(body, &msg); err != nil {
		r.tb.Errorf("a webhook body that is not JSON: %s", body)
	}
	r.mu.Lock()
	status, delay := r.status, r.delay
	r.got = append(r.got, Got{ID: req.Header.Get("webhook-id"), Path: req.URL.Path, Type: msg.Type, Data: msg.Data, Status: status, At: time.Now()})
	r.mu.Unlock()
	time.Sleep(delay)
	if status == http.StatusServiceUnavailable || status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "1")
	}
	w.WriteHeader(status)
}

// Answer makes the receiver answer status from now on.
func (r *Receiver) Answer(status int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.status = status
}

// Delay makes the receiver wait this long before it answers, as a slow partner does.
func (r *Receiver) Delay(d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.delay = d
}

// Down closes the receiver: connections are refused until Up.
func (r *Receiver) Down() {
	r.mu.Lock()
	srv := r.srv
	r.srv = nil
	r.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

// Up opens the receiver again on its address.
func (r *Receiver) Up() {
	r.tb.Helper()
	l, err := net.Listen("tcp", r.addr)
	if err != nil {
		r.tb.Fatal(err)
	}
	r.serve(l)
}

// Got returns every request that came, in order.
func (r *Receiver) Got() []Got {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Got(nil), r.got...)
}

// Count returns how many requests came, without copying them.
func (r *Receiver) Count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got)
}

// Accepted returns the requests answered 2xx, in order.
func (r *Receiver) Accepted() []Got {
	var out []Got
	for _, g := range r.Got() {
		if g.Status < 300 {
			out = append(out, g)
		}
	}
	return out
}
