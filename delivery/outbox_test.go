package delivery_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"childmatch"
	"childmatch/alert"
	"childmatch/auth"
	"childmatch/delivery"
	"childmatch/inmem"
)

var admin = childmatch.Actor{ID: "admin", Roles: []childmatch.Role{childmatch.RoleAdmin}}

// clock is a test's time, moved by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// sent is one attempt a recorder saw.
type sent struct {
	d    childmatch.Delivery
	body []byte
	text string
	card bool
}

// recorder is a channel's Sender that records every attempt and answers what answer says.
type recorder struct {
	ch     childmatch.Channel
	mu     sync.Mutex
	got    []sent
	answer func(d *childmatch.Delivery, n int) error // n: attempts of this delivery so far, this one included
}

func (r *recorder) Channel() childmatch.Channel { return r.ch }

func (r *recorder) Send(_ context.Context, d *childmatch.Delivery, out *childmatch.Outgoing) error {
	r.mu.Lock()
	r.got = append(r.got, sent{d: *d, body: out.Body, text: out.Text, card: out.Card != nil})
	n := 0
	for _, s := range r.got {
		if s.d.ID == d.ID {
			n++
		}
	}
	answer := r.answer
	r.mu.Unlock()
	if answer != nil {
		return answer(d, n)
	}
	return nil
}

func (r *recorder) attempts() []sent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]sent(nil), r.got...)
}

type cardStub struct{}

func (cardStub) Render(c childmatch.Card) ([]byte, error) { return []byte("PNG " + c.Post), nil }
func (cardStub) Facts(c childmatch.Card) childmatch.Facts { return childmatch.Facts{} }

// world is an alert service over inmem with the outbox as its dispatcher and recorders as channels.
type world struct {
	store  *inmem.Store
	alerts *alert.Service
	box    *delivery.Outbox
	clock  *clock
	hooks  *recorder
	chats  *recorder
	cfg    delivery.Config
}

func newWorld(t *testing.T, edit func(*delivery.Config)) *world {
	t.Helper()
	w := &world{store: inmem.New(), clock: &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)},
		hooks: &recorder{ch: childmatch.ChanWebhook}, chats: &recorder{ch: childmatch.ChanTelegram}}
	w.cfg = delivery.DefaultConfig()
	w.cfg.Poll, w.cfg.Jitter, w.cfg.PublicURL = 2*time.Millisecond, 0, "https://childmatch.example"
	if edit != nil {
		edit(&w.cfg)
	}
	w.box = w.outbox(w.store, w.cfg)
	w.alerts = alert.New(alert.Deps{Posts: w.store, Alerts: w.store, Users: w.store, Audit: w.store, Dispatch: w.box, Now: w.clock.now})
	return w
}

// outbox builds an outbox over a view of the store, as one replica.
func (w *world) outbox(store *inmem.Store, cfg delivery.Config) *delivery.Outbox {
	return delivery.New(delivery.Deps{Store: store, Alerts: store, Cases: store, Posts: delivery.CachePosts(store), Audit: store,
		Visible: alert.New(alert.Deps{Posts: store, Alerts: store, Users: store, Audit: store}),
		Links:   auth.NewLinks([]byte("0123456789abcdef0123456789abcdef"), w.clock.now), Cards: cardStub{},
		Senders: map[childmatch.Channel]childmatch.Sender{childmatch.ChanWebhook: w.hooks, childmatch.ChanTelegram: w.chats},
		Now:     w.clock.now}, cfg)
}

// run starts the outbox's workers until the test ends.
func (w *world) run(t *testing.T, box *delivery.Outbox) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); box.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}

func (w *world) post(t *testing.T, name string, area childmatch.Area, hooks int, chats ...string) *childmatch.Post {
	t.Helper()
	p := &childmatch.Post{ID: childmatch.NewID(), Name: name, Kind: childmatch.PostGRP, Area: area}
	for i := range hooks {
		p.Webhooks = append(p.Webhooks, childmatch.Webhook{URL: "https://partner.example/" + name + "/" + string(rune('a'+i)), Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"})
	}
	for _, c := range chats {
		p.Endpoints = append(p.Endpoints, childmatch.Endpoint{Channel: childmatch.ChanTelegram, Address: c})
	}
	if err := w.store.CreatePost(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	return p
}

func (w *world) report(t *testing.T, state string) *childmatch.Case {
	t.Helper()
	c := &childmatch.Case{ID: childmatch.NewID(), CaseDetails: childmatch.CaseDetails{Kind: childmatch.KindMissing,
		Child:    childmatch.Child{Name: "Asha", Age: 9, Gender: childmatch.GenderFemale},
		Sighting: childmatch.Sighting{Station: "ET", State: state}, Reporter: childmatch.Contact{Phone: "+91 98260 00000"}},
		Status: childmatch.StatusOpen, CreatedAt: w.clock.now()}
	if err := w.store.CreateCase(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	if _, err := w.alerts.Raise(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	return c
}

// eventually waits for cond, failing the test after a few seconds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(end) {
			t.Fatalf("never: %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

var mp = childmatch.Area{States: []string{"Madhya Pradesh"}}

// TestFanout: one delivery per webhook and per messaging address of each post the alert is for, none to
// a post elsewhere, all written before Dispatch returns; a fan-out done again writes nothing new; a
// message restricted to a channel goes on it only.
func TestFanout(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, nil)
	itarsi := w.post(t, "itarsi", mp, 2)
	bhopal := w.post(t, "bhopal", mp, 1, "-100123", "-100456")
	w.post(t, "patna", childmatch.Area{States: []string{"Bihar"}}, 1, "-100789")
	c := w.report(t, "Madhya Pradesh")
	ds, err := w.store.AlertDeliveries(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	per := map[childmatch.ID]map[childmatch.Channel]int{itarsi.ID: {}, bhopal.ID: {}}
	for _, d := range ds {
		if per[d.Post] == nil {
			t.Fatalf("a delivery to a post outside the alert's area: %+v", d)
		}
		per[d.Post][d.Channel]++
		if d.Status != childmatch.DeliveryPending || d.Event != "alert.raised" || d.Seq != 1 {
			t.Errorf("delivery %+v", d)
		}
	}
	if per[itarsi.ID][childmatch.ChanWebhook] != 2 || per[bhopal.ID][childmatch.ChanWebhook] != 1 || per[bhopal.ID][childmatch.ChanTelegram] != 2 || len(ds) != 5 {
		t.Fatalf("deliveries per post and channel: %v (%d)", per, len(ds))
	}
	a, err := w.store.Alert(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.box.Dispatch(ctx, a, a.Messages[0], a.Recipients); err != nil {
		t.Fatal(err)
	}
	again, _ := w.store.AlertDeliveries(ctx, c.ID)
	if len(again) != len(ds) {
		t.Fatalf("a fan-out done again wrote %d deliveries, want the %d there were", len(again), len(ds))
	}
	m := childmatch.Message{Seq: 2, Type: childmatch.MsgUpdate, At: w.clock.now(), Reason: "escalation", Channels: []childmatch.Channel{childmatch.ChanTelegram}}
	if err := w.box.Dispatch(ctx, a, m, a.Recipients); err != nil {
		t.Fatal(err)
	}
	all, _ := w.store.AlertDeliveries(ctx, c.ID)
	second := 0
	for _, d := range all {
		if d.Seq == 2 {
			second++
			if d.Channel != childmatch.ChanTelegram {
				t.Errorf("a message for telegram only made %+v", d)
			}
		}
	}
	if second != 2 || len(all) != len(ds)+2 {
		t.Errorf("the telegram-only message made %d deliveries (%d in all), want 2", second, len(all))
	}
}

// TestSend: the workers send every delivery once; a webhook's body is the contract's, with a signed
// CAP link; a chat gets the card with the text in Hindi and English; each delivery ends sent with its
// attempt.
func TestSend(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, nil)
	w.post(t, "itarsi", mp, 1, "-100123")
	c := w.report(t, "Madhya Pradesh")
	w.run(t, w.box)
	eventually(t, "both sent", func() bool { return len(w.hooks.attempts()) == 1 && len(w.chats.attempts()) == 1 })
	var body struct {
		Type      string
		Timestamp time.Time
		Data      map[string]any
	}
	hook := w.hooks.attempts()[0]
	if err := json.Unmarshal(hook.body, &body); err != nil {
		t.Fatal(err)
	}
	if body.Type != "alert.raised" || body.Data["alert_id"] != c.ID.String() || body.Data["case_id"] != c.ID.String() || body.Data["msg_type"] != "alert" {
		t.Errorf("webhook body %s", hook.body)
	}
	if capURL, _ := body.Data["cap_url"].(string); !strings.HasPrefix(capURL, "https://childmatch.example/v1/alerts/"+c.ID.String()+"/cap?seq=1&exp=") {
		t.Errorf("cap_url %q", capURL)
	}
	if hook.card {
		t.Error("a webhook carried a card")
	}
	chat := w.chats.attempts()[0]
	if !chat.card || !containsAll(chat.text, "गुमशुदा", "Missing child", "Asha", "ET", c.ID.String()) {
		t.Errorf("chat: card %v, text %q", chat.card, chat.text)
	}
	eventually(t, "both recorded as sent", func() bool {
		ds, _ := w.store.AlertDeliveries(ctx, c.ID)
		n := 0
		for _, d := range ds {
			if d.Status == childmatch.DeliverySent && len(d.Attempts) == 1 && d.SentAt != nil {
				n++
			}
		}
		return n == 2
	})
	time.Sleep(20 * time.Millisecond) // ten polls more: nothing is sent again
	if n := len(w.hooks.attempts()) + len(w.chats.attempts()); n != 2 {
		t.Errorf("%d attempts for 2 deliveries", n)
	}
}

// TestErasedBeforeSent: the batches of an alert erased before its deliveries were attempted (a fan-out
// that landed after the erasure) are removed by the worker that claims them, and nothing is sent or
// put on the admins' list.
func TestErasedBeforeSent(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, nil)
	w.post(t, "itarsi", mp, 2, "-100123")
	c := w.report(t, "Madhya Pradesh")
	if ds, _ := w.store.AlertDeliveries(ctx, c.ID); len(ds) != 3 {
		t.Fatalf("%d deliveries written, want 3", len(ds))
	}
	if err := w.store.DeleteCase(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if err := w.store.DeleteAlert(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	w.run(t, w.box)
	eventually(t, "the erased alert's batches removed", func() bool {
		ds, _ := w.store.AlertDeliveries(ctx, c.ID)
		pending := 0
		w.store.WalkPending(ctx, func(childmatch.Pending) bool { pending++; return true })
		return len(ds) == 0 && pending == 0
	})
	failed, _ := w.store.Deliveries(ctx, childmatch.DeliveryFailed, childmatch.ID{}, 10)
	if n := len(w.hooks.attempts()) + len(w.chats.attempts()); n != 0 || len(failed) != 0 {
		t.Errorf("%d attempts and %d failed deliveries for an erased alert", n, len(failed))
	}
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
