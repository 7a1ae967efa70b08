package delivery_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"childmatch"
	"childmatch/alert"
	"childmatch/auth"
	"childmatch/delivery"
	"childmatch/minio"
	"childmatch/minio/miniotest"
	"childmatch/webhook"
	"childmatch/webhook/webhooktest"
)

const hookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// replica is one process's outbox over a real MinIO, with the webhook channel.
type replica struct {
	store  *minio.Store
	alerts *alert.Service
	box    *delivery.Outbox
}

func quick() delivery.Config {
	cfg := delivery.DefaultConfig()
	cfg.Backoff, cfg.RetryEvery, cfg.Poll = []time.Duration{100 * time.Millisecond, 200 * time.Millisecond}, 300*time.Millisecond, 50*time.Millisecond
	cfg.MaxRetryAfter = 300 * time.Millisecond
	cfg.PublicURL = "https://childmatch.example"
	return cfg
}

func newReplica(tb testing.TB, srv *miniotest.Server, endpoint string, cfg delivery.Config) *replica {
	tb.Helper()
	store, err := minio.Open(context.Background(), minio.Config{Endpoint: endpoint, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, Bucket: srv.Bucket})
	if err != nil {
		tb.Fatal(err)
	}
	posts := delivery.CachePosts(store)
	box := delivery.New(delivery.Deps{Store: store, Alerts: store, Cases: store, Posts: posts, Audit: store,
		Visible: alert.New(alert.Deps{Posts: store, Alerts: store, Users: store, Audit: store}),
		Links:   auth.NewLinks([]byte("0123456789abcdef0123456789abcdef"), nil),
		Senders: map[childmatch.Channel]childmatch.Sender{childmatch.ChanWebhook: webhook.New(posts)}}, cfg)
	return &replica{store: store, box: box, alerts: alert.New(alert.Deps{Posts: posts, Alerts: store, Users: store, Audit: store, Dispatch: box})}
}

func (r *replica) run(tb testing.TB) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); r.box.Run(ctx) }()
	tb.Cleanup(func() { cancel(); <-done })
}

// posts registers n posts in Madhya Pradesh, each with a webhook to the receiver at /hook/<i>.
func (r *replica) posts(tb testing.TB, rcv *webhooktest.Receiver, n int) []*childmatch.Post {
	tb.Helper()
	out := make([]*childmatch.Post, n)
	for i := range out {
		p := &childmatch.Post{ID: childmatch.NewID(), Name: fmt.Sprintf("GRP %d", i), Kind: childmatch.PostGRP, Area: mp,
			Webhooks: []childmatch.Webhook{{URL: fmt.Sprintf("%s/hook/%d", rcv.URL, i), Secret: hookSecret}}}
		if err := r.store.CreatePost(context.Background(), p); err != nil {
			tb.Fatal(err)
		}
		out[i] = p
	}
	return out
}

func (r *replica) report(tb testing.TB) *childmatch.Case {
	tb.Helper()
	c := &childmatch.Case{ID: childmatch.NewID(), CaseDetails: childmatch.CaseDetails{Kind: childmatch.KindMissing,
		Child: childmatch.Child{Name: "Asha", Age: 9}, Sighting: childmatch.Sighting{Station: "ET", State: "Madhya Pradesh"}},
		Status: childmatch.StatusOpen, CreatedAt: time.Now().UTC()}
	if err := r.store.CreateCase(context.Background(), c); err != nil {
		tb.Fatal(err)
	}
	if _, err := r.alerts.Raise(context.Background(), c); err != nil {
		tb.Fatal(err)
	}
	return c
}

func waitFor(tb testing.TB, what string, within time.Duration, cond func() bool) {
	tb.Helper()
	for end := time.Now().Add(within); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(end) {
			tb.Fatalf("never: %s", what)
		}
	}
}

// perPost groups the accepted messages by post.
func perPost(got []webhooktest.Got) map[string][]webhooktest.Got {
	out := map[string][]webhooktest.Got{}
	for _, g := range got {
		out[g.Data.Post] = append(out[g.Data.Post], g)
	}
	return out
}

// TestOutage: a receiver that answers 503 and then refuses connections, while the case is closed, gets
// everything once it is back: each post its alert, then its cancel (the alert ends with a cancel to every
// post that got it), each verified by the specification's library, every attempt of a delivery with the
// same webhook-id.
func TestOutage(t *testing.T) {
	ctx := context.Background()
	srv := miniotest.Start(t)
	rcv := webhooktest.Start(t, hookSecret)
	r := newReplica(t, srv, srv.Endpoint, quick())
	posts := r.posts(t, rcv, 12)
	rcv.Answer(http.StatusServiceUnavailable)
	r.run(t)
	c := r.report(t)
	waitFor(t, "every post's first attempt", 10*time.Second, func() bool { return len(perPost(rcv.Got())) == len(posts) })
	rcv.Down()
	if err := r.alerts.StandDown(ctx, c, "closed"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second) // attempts refused for a while
	rcv.Answer(http.StatusNoContent)
	rcv.Up()
	waitFor(t, "every post's cancel", 20*time.Second, func() bool {
		n := 0
		for _, got := range perPost(rcv.Accepted()) {
			if got[len(got)-1].Type == "alert.cancelled" {
				n++
			}
		}
		return n == len(posts)
	})
	ids := map[string]string{} // post and seq -> webhook-id
	for _, g := range rcv.Got() {
		key := fmt.Sprint(g.Data.Post, g.Data.Seq)
		if ids[key] != "" && ids[key] != g.ID {
			t.Errorf("post %s message %d came with webhook-ids %s and %s", g.Data.Post, g.Data.Seq, ids[key], g.ID)
		}
		ids[key] = g.ID
		if g.Data.AlertID != c.ID.String() || g.Data.CaseID != c.ID.String() || g.Data.CapURL == "" {
			t.Errorf("data %+v", g.Data)
		}
	}
	for post, got := range perPost(rcv.Accepted()) {
		if len(got) != 2 || got[0].Type != "alert.raised" || got[0].Data.MsgType != "alert" || got[1].Type != "alert.cancelled" || got[1].Data.MsgType != "cancel" {
			t.Errorf("post %s accepted %+v, want its alert then its cancel", post, got)
		}
	}
	var ds []*childmatch.Delivery
	waitFor(t, "every delivery recorded as sent", 10*time.Second, func() bool { // a round records after its sends
		var err error
		if ds, err = r.store.AlertDeliveries(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		return !slices.ContainsFunc(ds, func(d *childmatch.Delivery) bool { return d.Status != childmatch.DeliverySent })
	})
	for _, d := range ds {
		if d.Status != childmatch.DeliverySent || (d.Seq == 1 && len(d.Attempts) < 2) {
			t.Errorf("delivery %d to %s: %s after %d attempts", d.Seq, d.Post, d.Status, len(d.Attempts))
		}
	}
	if len(ds) != 2*len(posts) {
		t.Errorf("%d deliveries, want %d", len(ds), 2*len(posts))
	}
}

// TestTwoReplicas: two outboxes on the same MinIO, as two replicas, send each delivery exactly once, even
// when a slow receiver makes a round outlast the lease (the claim is renewed).
func TestTwoReplicas(t *testing.T) {
	srv := miniotest.Start(t)
	rcv := webhooktest.Start(t, hookSecret)
	rcv.Delay(400 * time.Millisecond)
	cfg := quick()
	cfg.Lease = 300 * time.Millisecond
	cfg.Node = "replica-a"
	a := newReplica(t, srv, srv.Endpoint, cfg)
	cfg.Node = "replica-b"
	b := newReplica(t, srv, srv.Endpoint, cfg)
	posts := a.posts(t, rcv, 80)
	a.run(t)
	b.run(t)
	a.report(t)
	waitFor(t, "every post's alert", 20*time.Second, func() bool { return rcv.Count() >= len(posts) })
	time.Sleep(300 * time.Millisecond) // six polls more: nothing is sent again
	seen := map[string]int{}
	for _, g := range rcv.Got() {
		seen[g.ID]++
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("webhook-id %s came %d times", id, n)
		}
	}
	if len(seen) != len(posts) {
		t.Errorf("%d deliveries came, want %d", len(seen), len(posts))
	}
}
