package push_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"childmatch"
	"childmatch/inmem"
	"childmatch/push"
)

type world struct {
	store *inmem.Store
	keys  push.Keys
	svc   *push.Service
	ps    *pushService
	post  *childmatch.Post
	users []childmatch.Actor
}

// newWorld makes a post with two officers, keys in a temporary folder, and a loopback push service.
func newWorld(t *testing.T) *world {
	t.Helper()
	keys, err := push.LoadKeys(filepath.Join(t.TempDir(), "vapid.json"))
	if err != nil {
		t.Fatal(err)
	}
	store := inmem.New()
	w := &world{store: store, keys: keys, ps: newPushService(t, keys.Public, "mailto:control@example.in")}
	w.svc = push.New(push.Deps{Subs: store, Posts: store, Audit: store, Keys: keys, Subject: "control@example.in", Loopback: true,
		Log: slog.New(slog.DiscardHandler)})
	for range 2 {
		id := childmatch.NewID()
		w.users = append(w.users, childmatch.Actor{ID: id.String(), Roles: []childmatch.Role{childmatch.RoleOfficer}})
	}
	u0, _ := childmatch.ParseID("u", w.users[0].ID)
	u1, _ := childmatch.ParseID("u", w.users[1].ID)
	w.post = &childmatch.Post{ID: childmatch.NewID(), Name: "GRP Itarsi", Kind: childmatch.PostGRP, Users: []childmatch.ID{u0, u1}}
	if err := store.CreatePost(context.Background(), w.post); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *world) delivery(exercise bool) *childmatch.Delivery {
	id := childmatch.NewID()
	return &childmatch.Delivery{ID: childmatch.NewID(), Alert: id, Case: id, Seq: 1, Type: childmatch.MsgAlert, Event: "alert.raised",
		Exercise: exercise, Post: w.post.ID, Channel: childmatch.ChanPush}
}

func TestSendReachesEveryDeviceAndDropsGoneOnes(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	phone := w.ps.subscribe(t, "/sub/phone", nil)
	desk := w.ps.subscribe(t, "/sub/desk", nil)
	gone := w.ps.subscribe(t, "/sub/gone", func(rw http.ResponseWriter) { rw.WriteHeader(http.StatusGone) })
	for _, s := range []struct {
		a   childmatch.Actor
		sub childmatch.PushSubscription
	}{{w.users[0], phone}, {w.users[0], gone}, {w.users[1], desk}} {
		if err := w.svc.Subscribe(ctx, s.a, s.sub); err != nil {
			t.Fatal(err)
		}
	}
	d := w.delivery(false)
	text := "गुमशुदा: लड़का, 9 वर्ष · Missing: boy, 9, last seen Itarsi"
	if err := w.svc.Send(ctx, d, &childmatch.Outgoing{Text: text}); err != nil {
		t.Fatalf("send: %v", err)
	}
	got, bad := w.ps.received()
	if len(bad) > 0 {
		t.Fatalf("the push service refused: %v", bad)
	}
	paths := map[string]bool{}
	for _, r := range got {
		paths[r.path] = true
		var m push.Message
		if err := json.Unmarshal(r.plain, &m); err != nil {
			t.Fatalf("decrypted payload is not JSON: %v", err)
		}
		if m.Alert != d.Alert || m.Type != childmatch.MsgAlert || m.Body != text || m.URL != "/app/#/alert/"+d.Alert.String() {
			t.Errorf("decrypted message %+v, want alert %s with the outgoing text", m, d.Alert)
		}
		if r.headers.Get("Urgency") != "high" || r.headers.Get("Topic") != d.Alert.Hex() ||
			r.headers.Get("TTL") != "86400" {
			t.Errorf("headers Urgency %q Topic %q TTL %q", r.headers.Get("Urgency"), r.headers.Get("Topic"), r.headers.Get("TTL"))
		}
	}
	if len(got) != 2 || !paths["/sub/phone"] || !paths["/sub/desk"] {
		t.Fatalf("delivered to %v, want the phone and the desk once each", paths)
	}
	u0, _ := childmatch.ParseID("u", w.users[0].ID)
	left, err := w.store.PushSubscriptions(ctx, u0)
	if err != nil {
		t.Fatal(err)
	}
	if len(left.Subs) != 1 || left.Subs[0].Endpoint != phone.Endpoint {
		t.Errorf("after a 410 the user keeps %d subscriptions, want only the phone", len(left.Subs))
	}
}

// TestSendOnlyToPublicAddresses: a subscription on this machine or a private network is refused, and
// sent straight a push reaches no address outside the internet: such a subscription is never sent to and
// is removed, as a gone one is.
func TestSendOnlyToPublicAddresses(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	svc := push.New(push.Deps{Subs: w.store, Posts: w.store, Audit: w.store, Keys: w.keys, Subject: "control@example.in",
		Log: slog.New(slog.DiscardHandler)})
	here := w.ps.subscribe(t, "/sub/here", nil)
	private := here
	private.Endpoint = "https://10.20.30.40/sub/private"
	for _, sub := range []childmatch.PushSubscription{here, private} {
		if err := svc.Subscribe(ctx, w.users[0], sub); childmatch.ErrorCodeOf(err) != childmatch.EInvalid || childmatch.ErrorField(err) != "endpoint" {
			t.Fatalf("subscribing at %s: %v, want the endpoint refused", sub.Endpoint, err)
		}
	}
	// Kept before the rule (or by a name that resolves so): refused when sent.
	u0, _ := childmatch.ParseID("u", w.users[0].ID)
	if _, err := w.store.UpdatePushSubscriptions(ctx, u0, func(p *childmatch.PushSubscriptions) error {
		p.Subs = append(p.Subs, here, private)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	err := svc.Send(ctx, w.delivery(false), &childmatch.Outgoing{Text: "drill"})
	if se, ok := err.(*childmatch.SendError); !ok || !se.Permanent || se.Status != http.StatusGone {
		t.Fatalf("sending to this machine and a private address gave %#v, want a permanent failure, every subscription gone", err)
	}
	if got, _ := w.ps.received(); len(got) != 0 {
		t.Fatalf("the push service on this machine took %d messages", len(got))
	}
	if left, err := w.store.PushSubscriptions(ctx, u0); err != nil || len(left.Subs) != 0 {
		t.Fatalf("subscriptions left: %v %v", left, err)
	}
	for addr, want := range map[string]bool{"142.250.183.10": true, "2a00:1450:4009:81f::200a": true, "127.0.0.1": false,
		"::1": false, "10.0.0.1": false, "172.16.5.4": false, "192.168.1.1": false, "169.254.169.254": false, "100.64.0.1": false,
		"0.0.0.0": false, "0.1.2.3": false, "fd00::1": false, "fe80::1": false, "::ffff:10.0.0.1": false, "224.0.0.1": false,
		"64:ff9b::a00:1": false, "64:ff9b::a00:1%eth0": false, "64:ff9b::8efa:b70a": true, "2002:a00:1::1": false,
		"2002:8efa:b70a::1": true, "fe80::1%lo": false, "64:ff9b:1::8efa:b70a": false} {
		if got := push.Public(netip.MustParseAddr(addr), false); got != want {
			t.Errorf("%s public: %v, want %v", addr, got, want)
		}
	}
}

func TestSendSaysWhenToTryAgain(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	busy := w.ps.subscribe(t, "/sub/busy", func(rw http.ResponseWriter) {
		rw.Header().Set("Retry-After", "7")
		rw.WriteHeader(http.StatusTooManyRequests)
	})
	if err := w.svc.Subscribe(ctx, w.users[0], busy); err != nil {
		t.Fatal(err)
	}
	err := w.svc.Send(ctx, w.delivery(true), &childmatch.Outgoing{Text: "drill"})
	se, ok := err.(*childmatch.SendError)
	if !ok || se.Permanent || se.Status != http.StatusTooManyRequests || se.RetryAfter != 7*time.Second {
		t.Fatalf("a 429 with Retry-After 7 gave %#v, want a passing failure waiting 7 s", err)
	}
	if strings.Contains(se.Reason, w.ps.URL) {
		t.Errorf("the reason names the endpoint: %q", se.Reason)
	}
}

func TestSendWithoutSubscriptionsFails(t *testing.T) {
	w := newWorld(t)
	err := w.svc.Send(context.Background(), w.delivery(false), &childmatch.Outgoing{})
	se, ok := err.(*childmatch.SendError)
	if !ok || !se.Permanent {
		t.Fatalf("no subscription gave %v, want a permanent failure", err)
	}
}

func TestSubscribeChecksTheSubscription(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	good := w.ps.subscribe(t, "/sub/a", nil)
	cases := map[string]func(s *childmatch.PushSubscription){
		"endpoint":    func(s *childmatch.PushSubscription) { s.Endpoint = "http://push.example.com/x" },
		"keys.p256dh": func(s *childmatch.PushSubscription) { s.Keys.P256dh = "AAAA" },
		"keys.auth":   func(s *childmatch.PushSubscription) { s.Keys.Auth = "c2hvcnQ" },
	}
	for field, spoil := range cases {
		s := good
		spoil(&s)
		if err := w.svc.Subscribe(ctx, w.users[0], s); childmatch.ErrorField(err) != field {
			t.Errorf("spoiling %s gave %v", field, err)
		}
	}
	// The same endpoint again replaces the subscription; the oldest goes beyond the limit.
	for range childmatch.MaxPushSubscriptionsPerUser + 2 {
		if err := w.svc.Subscribe(ctx, w.users[0], good); err != nil {
			t.Fatal(err)
		}
	}
	for i := range childmatch.MaxPushSubscriptionsPerUser + 1 {
		s := w.ps.subscribe(t, "/sub/n"+string(rune('a'+i)), nil)
		if err := w.svc.Subscribe(ctx, w.users[0], s); err != nil {
			t.Fatal(err)
		}
	}
	u0, _ := childmatch.ParseID("u", w.users[0].ID)
	p, _ := w.store.PushSubscriptions(ctx, u0)
	if len(p.Subs) != childmatch.MaxPushSubscriptionsPerUser || p.Subs[0].Endpoint == good.Endpoint {
		t.Errorf("kept %d subscriptions (first %q), want the newest %d", len(p.Subs), p.Subs[0].Endpoint, childmatch.MaxPushSubscriptionsPerUser)
	}
	if err := w.svc.Unsubscribe(ctx, w.users[0], p.Subs[0].Endpoint); err != nil {
		t.Fatal(err)
	}
	if p2, _ := w.store.PushSubscriptions(ctx, u0); len(p2.Subs) != len(p.Subs)-1 {
		t.Errorf("unsubscribing left %d of %d", len(p2.Subs), len(p.Subs))
	}
	admin := childmatch.Actor{ID: "admin", Roles: []childmatch.Role{childmatch.RoleAdmin}}
	if err := w.svc.Subscribe(ctx, admin, good); childmatch.ErrorCodeOf(err) != childmatch.EForbidden {
		t.Errorf("the bootstrap admin subscribing gave %v, want forbidden", err)
	}
}

func TestKeysAreMadeOnceAndKeptPrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vapid.json")
	a, err := push.LoadKeys(path)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v (%v), want 0600", info.Mode().Perm(), err)
	}
	b, err := push.LoadKeys(path)
	if err != nil || b != a {
		t.Fatalf("second start read other keys (%v)", err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := push.LoadKeys(path); err == nil {
		t.Error("a key file others can read was accepted")
	}
}
