package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"childmatch"
	"childmatch/alert"
	"childmatch/minio"
)

// sseClient is a real Server-Sent Events client: one GET, read line by line as EventSource does.
type sseClient struct {
	resp   *http.Response
	events chan map[string]any
	lines  chan string // the lines, comments included, while someone reads them
	cancel context.CancelFunc
}

func (e *env) stream(t *testing.T, auth string) (*sseClient, response) {
	t.Helper()
	return e.streamWith(t, http.Header{"Authorization": {auth}})
}

// streamWith opens a stream with the request's headers: a bearer token, or a session's cookie.
func (e *env) streamWith(t *testing.T, header http.Header) (*sseClient, response) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", e.http.URL+"/v1/alerts/stream", nil)
	req.Header = header.Clone()
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		defer cancel()
		defer resp.Body.Close()
		var b strings.Builder
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			b.WriteString(sc.Text())
		}
		return nil, response{resp.StatusCode, []byte(b.String())}
	}
	c := &sseClient{resp: resp, events: make(chan map[string]any, 16), lines: make(chan string, 64), cancel: cancel}
	go func() {
		defer close(c.events)
		defer close(c.lines)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			line := sc.Text()
			select {
			case c.lines <- line:
			default: // nobody reads the lines: the events still flow
			}
			if data, ok := strings.CutPrefix(line, "data: "); ok {
				var ev map[string]any
				if json.Unmarshal([]byte(data), &ev) == nil {
					c.events <- ev
				}
			}
		}
	}()
	t.Cleanup(c.close)
	return c, response{status: resp.StatusCode}
}

func (c *sseClient) close() {
	c.cancel()
	c.resp.Body.Close()
}

func (c *sseClient) next(t *testing.T, want string) map[string]any {
	t.Helper()
	select {
	case ev, ok := <-c.events:
		if !ok {
			t.Fatalf("the stream ended before %s", want)
		}
		if ev["type"] != want {
			t.Fatalf("heard %v, want %s", ev, want)
		}
		return ev
	case <-time.After(5 * time.Second):
		t.Fatalf("no %s within 5 s", want)
	}
	return nil
}

// TestAlertStream: an officer's open stream hears the alert of a report filed in the officer's state, and
// an answer given through another replica (another store over the same MinIO), but nothing of another
// state's alert; a user may hold MaxStreamsPerUser streams; the server's shutdown ends every stream.
func TestAlertStream(t *testing.T) {
	e := newEnv(t)
	grpID, grp, _ := e.user("GRP constable", "GRP Itarsi", "officer")
	r := e.postJSON("/v1/posts", map[string]any{"name": "GRP Itarsi", "kind": "grp",
		"area": map[string]any{"states": []string{"Madhya Pradesh"}}, "users": []string{grpID}})
	if r.status != http.StatusCreated {
		t.Fatalf("post: %d %s", r.status, r.body)
	}
	var post struct {
		ID childmatch.ID `json:"id"`
	}
	r.decode(t, &post)
	var mine struct {
		Posts []childmatch.MyPost `json:"posts"`
	}
	e.as(grp, "GET", "/v1/me/posts", nil).decode(t, &mine)
	if len(mine.Posts) != 1 || mine.Posts[0].ID != post.ID || mine.Posts[0].Name != "GRP Itarsi" {
		t.Fatalf("the constable's posts: %+v", mine.Posts)
	}
	s, _ := e.stream(t, grp)
	if ct := s.resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Fatalf("content type %q", ct)
	}
	if first := <-s.lines; !strings.HasPrefix(first, ":") {
		t.Fatalf("the stream opens with %q, want a comment", first)
	}
	// An idle stream gets a comment now and then, so that proxies keep it.
	for beat := time.After(2 * time.Second); ; {
		select {
		case line := <-s.lines:
			if line != ": heartbeat" {
				continue
			}
		case <-beat:
			t.Fatal("no heartbeat within 2 s at a 300 ms heartbeat")
		}
		break
	}
	time.Sleep(300 * time.Millisecond) // the hub's first look learns what is there

	e.newCase("Bearer "+token, map[string]any{"kind": "missing", "child": map[string]any{"age": 7},
		"sighting": map[string]any{"state": "West Bengal"}, "reporter": map[string]any{"name": "parent"}})
	id := e.newCase("Bearer "+token, map[string]any{"kind": "missing", "child": map[string]any{"age": 9},
		"sighting": map[string]any{"state": "Madhya Pradesh"}, "reporter": map[string]any{"name": "parent"}})
	ev := s.next(t, "alert.raised")
	if ev["alert_id"] != id || ev["status"] != "active" {
		t.Fatalf("raised event %v, want alert %s active", ev, id)
	}
	if _, named := ev["name"]; named {
		t.Errorf("the event carries the child's details: %v", ev)
	}

	// Another replica: its own store over the same MinIO, its own alert service.
	other, err := minio.Open(context.Background(), e.cfg)
	if err != nil {
		t.Fatal(err)
	}
	alerts := alert.New(alert.Deps{Posts: other, Alerts: other, Users: other, Audit: other})
	caseID, _ := childmatch.ParseID("case", id)
	actor := childmatch.Actor{ID: grpID, Roles: []childmatch.Role{childmatch.RoleOfficer}}
	if _, err := alerts.Acknowledge(context.Background(), actor, caseID, post.ID, childmatch.AckSearching); err != nil {
		t.Fatal(err)
	}
	ev = s.next(t, "alert.acknowledged")
	if ev["post"] != post.ID.String() || ev["state"] != "searching" {
		t.Fatalf("acknowledgement event %v", ev)
	}

	var open []*sseClient
	for range childmatch.MaxStreamsPerUser - 1 {
		c, _ := e.stream(t, grp)
		open = append(open, c)
	}
	if _, refused := e.stream(t, grp); refused.status != http.StatusTooManyRequests {
		t.Fatalf("stream %d: %d %s, want 429", childmatch.MaxStreamsPerUser+1, refused.status, refused.body)
	}
	// A client that goes frees its place.
	open[0].close()
	var again *sseClient
	for deadline := time.Now().Add(5 * time.Second); again == nil; {
		c, r := e.stream(t, grp)
		if c == nil && (r.status != http.StatusTooManyRequests || time.Now().After(deadline)) {
			t.Fatalf("after a client went: %d %s", r.status, r.body)
		}
		again = c
		time.Sleep(50 * time.Millisecond)
	}
	open[0] = again
	e.hub.Close()
	for _, c := range append(open, s) {
		select {
		case _, ok := <-c.events:
			if ok {
				t.Fatal("an event after shutdown")
			}
		case <-time.After(5 * time.Second):
			t.Fatal("a stream is still open 5 s after shutdown")
		}
	}
}

// TestPushRoutes: the app reads the VAPID key, subscribes a browser, is told exactly what is wrong with a
// bad subscription, and unsubscribes.
func TestPushRoutes(t *testing.T) {
	e := newEnv(t)
	_, officer, _ := e.user("GRP constable", "GRP Itarsi", "officer")
	var key struct {
		PublicKey string `json:"public_key"`
	}
	e.as(officer, "GET", "/v1/push/key", nil).decode(t, &key)
	if key.PublicKey == "" || key.PublicKey != e.vapid.Public {
		t.Fatalf("key %q, want the service's VAPID public key", key.PublicKey)
	}
	sub := map[string]any{"endpoint": "https://fcm.googleapis.com/fcm/send/abc", "expirationTime": nil,
		"keys": map[string]string{
			"p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM",
			"auth":   "tBHItJI5svbpez7KI4CCXg"}}
	if r := e.as(officer, "POST", "/v1/push/subscriptions", sub); r.status != http.StatusNoContent {
		t.Fatalf("subscribe: %d %s", r.status, r.body)
	}
	bad := map[string]any{"endpoint": "ftp://push.example/x", "keys": sub["keys"]}
	r := e.as(officer, "POST", "/v1/push/subscriptions", bad)
	var er errorResponse
	r.decode(t, &er)
	if r.status != http.StatusBadRequest || er.Error.Field != "endpoint" {
		t.Fatalf("a bad endpoint: %d %s", r.status, r.body)
	}
	if r := e.as(officer, "DELETE", "/v1/push/subscriptions", map[string]string{"endpoint": sub["endpoint"].(string)}); r.status != http.StatusNoContent {
		t.Fatalf("unsubscribe: %d %s", r.status, r.body)
	}
	if r := e.do("GET", "/v1/push/key", "", nil, ""); r.status != http.StatusUnauthorized {
		t.Fatalf("the key without a sign-in: %d", r.status)
	}
}

// ended waits for the stream to end, failing after within.
func (c *sseClient) ended(t *testing.T, what string, within time.Duration) {
	t.Helper()
	for deadline := time.After(within); ; {
		select {
		case _, open := <-c.events:
			if !open {
				return
			}
		case <-deadline:
			t.Fatalf("%s: the stream is still open after %v", what, within)
		}
	}
}

// TestStreamEndsWithItsCredential: a stream checks its credential again as it lasts (every 200 ms here):
// it stays open while the credential holds, and ends when its token is revoked or its session revoked; the
// reconnection of a revoked token is refused.
func TestStreamEndsWithItsCredential(t *testing.T) {
	e := newEnv(t)
	_, byToken, tokenID := e.user("GRP constable", "GRP Itarsi", "officer")
	s, _ := e.stream(t, byToken)
	deadline := time.After(time.Second) // five checks
	for open := true; open; {
		select {
		case _, ok := <-s.events:
			if !ok {
				t.Fatal("a stream whose token holds ended")
			}
		case <-deadline:
			open = false
		}
	}
	if r := e.do("DELETE", "/v1/tokens/"+tokenID, "", nil, "Bearer "+token); r.status != http.StatusOK {
		t.Fatalf("revoke: %d %s", r.status, r.body)
	}
	s.ended(t, "the token revoked", 2*time.Second)
	if _, r := e.stream(t, byToken); r.status != http.StatusUnauthorized {
		t.Fatalf("reconnecting with the revoked token: %d", r.status)
	}

	_, other, _ := e.user("RPF inspector", "RPF Bhopal", "officer")
	web := e.signIn(other)
	s, _ = e.streamWith(t, http.Header{"Cookie": {"cm_session=" + web.secret}})
	if r := e.do("DELETE", "/v1/sessions/"+web.id, "", nil, "Bearer "+token); r.status != http.StatusNoContent {
		t.Fatalf("revoke the session: %d %s", r.status, r.body)
	}
	s.ended(t, "the session revoked", 2*time.Second)

}
