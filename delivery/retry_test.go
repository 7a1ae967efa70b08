package delivery_test

import (
	"context"
	"testing"
	"time"

	"childmatch"
	"childmatch/delivery"
	"childmatch/inmem"
)

// only answers one delivery's record of the alert, the first one on the channel to the post.
func only(t *testing.T, w *world, alertID, post childmatch.ID, seq int) *childmatch.Delivery {
	t.Helper()
	ds, err := w.store.AlertDeliveries(context.Background(), alertID)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if d.Post == post && d.Seq == seq {
			return d
		}
	}
	t.Fatalf("no delivery of message %d to post %s", seq, post)
	return nil
}

func attemptsOf(r *recorder, id childmatch.ID) int {
	n := 0
	for _, s := range r.attempts() {
		if s.d.ID == id {
			n++
		}
	}
	return n
}

// TestRetries: a failed attempt is tried again after the schedule's wait, or after the target's own
// Retry-After; the next success ends it sent, every attempt recorded with the target's answer.
func TestRetries(t *testing.T) {
	w := newWorld(t, nil)
	p := w.post(t, "itarsi", mp, 1)
	w.hooks.answer = func(d *childmatch.Delivery, n int) error {
		switch n {
		case 1:
			return &childmatch.SendError{Status: 503, Reason: "down"}
		case 2:
			return &childmatch.SendError{Status: 429, Reason: "slow down", RetryAfter: 90 * time.Second}
		}
		return nil
	}
	c := w.report(t, "Madhya Pradesh")
	w.run(t, w.box)
	start := w.clock.now()
	eventually(t, "the first attempt recorded", func() bool { return len(only(t, w, c.ID, p.ID, 1).Attempts) == 1 })
	d := only(t, w, c.ID, p.ID, 1)
	if d.Status != childmatch.DeliveryPending || !d.NextAt.Equal(start.Add(childmatch.DeliveryBackoff[0])) || d.Attempts[0].Status != 503 {
		t.Fatalf("after a 503: %+v", d)
	}
	w.clock.add(childmatch.DeliveryBackoff[0] - time.Millisecond)
	w.box.Wake()
	time.Sleep(10 * time.Millisecond) // five polls
	if n := attemptsOf(w.hooks, d.ID); n != 1 {
		t.Fatalf("tried again %d times before its wait was over", n-1)
	}
	w.clock.add(time.Millisecond)
	w.box.Wake()
	eventually(t, "the second attempt recorded", func() bool { return len(only(t, w, c.ID, p.ID, 1).Attempts) == 2 })
	d = only(t, w, c.ID, p.ID, 1)
	if want := w.clock.now().Add(90 * time.Second); !d.NextAt.Equal(want) {
		t.Fatalf("after Retry-After 90: next at %v, want %v", d.NextAt, want)
	}
	w.clock.add(90 * time.Second)
	w.box.Wake()
	eventually(t, "sent", func() bool { return only(t, w, c.ID, p.ID, 1).Status == childmatch.DeliverySent })
	if d := only(t, w, c.ID, p.ID, 1); len(d.Attempts) != 3 || d.Attempts[1].Status != 429 {
		t.Fatalf("attempts %+v", d.Attempts)
	}
}

// TestOrderPerTarget: a target's cancel waits until its alert is sent, while another post's target,
// which answers, gets both at once: a dead target delays nobody else.
func TestOrderPerTarget(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, nil)
	dead := w.post(t, "dead", mp, 1)
	live := w.post(t, "live", mp, 1)
	w.hooks.answer = func(d *childmatch.Delivery, n int) error {
		if d.Post == dead.ID && d.Seq == 1 && n == 1 {
			return &childmatch.SendError{Reason: "no answer"}
		}
		return nil
	}
	c := w.report(t, "Madhya Pradesh")
	w.run(t, w.box)
	eventually(t, "the dead target's first attempt", func() bool { return len(only(t, w, c.ID, dead.ID, 1).Attempts) == 1 })
	if err := w.alerts.StandDown(ctx, c, "matched"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the live target's cancel", func() bool { return only(t, w, c.ID, live.ID, 2).Status == childmatch.DeliverySent })
	time.Sleep(10 * time.Millisecond)
	if n := attemptsOf(w.hooks, only(t, w, c.ID, dead.ID, 2).ID); n != 0 {
		t.Fatalf("the dead target's cancel was tried %d times before its alert was sent", n)
	}
	w.clock.add(childmatch.DeliveryBackoff[0])
	w.box.Wake()
	eventually(t, "the dead target's cancel", func() bool { return only(t, w, c.ID, dead.ID, 2).Status == childmatch.DeliverySent })
	var seqs []int
	for _, s := range w.hooks.attempts() {
		if s.d.Post == dead.ID {
			seqs = append(seqs, s.d.Seq)
		}
	}
	if len(seqs) != 3 || seqs[0] != 1 || seqs[1] != 1 || seqs[2] != 2 {
		t.Fatalf("the target got messages %v, want 1, 1 (again), 2", seqs)
	}
}

// TestGiveUp: a target that keeps failing is tried on the schedule until GiveUp, then the delivery is
// failed, listed for admins, and replayable by hand; a 410 disables at once, a permanent refusal fails
// at once.
func TestGiveUp(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, func(c *delivery.Config) {
		c.Backoff, c.RetryEvery, c.GiveUp = []time.Duration{time.Second, 2 * time.Second}, time.Hour, 3*time.Hour
	})
	failing := w.post(t, "failing", mp, 1)
	gone := w.post(t, "gone", mp, 1)
	refused := w.post(t, "refused", mp, 1)
	mended := false
	w.hooks.answer = func(d *childmatch.Delivery, n int) error {
		switch {
		case d.Post == gone.ID:
			return &childmatch.SendError{Status: 410, Gone: true, Reason: "gone"}
		case d.Post == refused.ID:
			return &childmatch.SendError{Status: 400, Permanent: true, Reason: "bad request"}
		case !mended:
			return &childmatch.SendError{Status: 500, Reason: "broken"}
		}
		return nil
	}
	c := w.report(t, "Madhya Pradesh")
	w.run(t, w.box)
	eventually(t, "gone disabled", func() bool { return only(t, w, c.ID, gone.ID, 1).Status == childmatch.DeliveryDisabled })
	eventually(t, "refused failed", func() bool { return only(t, w, c.ID, refused.ID, 1).Status == childmatch.DeliveryFailed })
	start := w.clock.now()
	for i := 0; ; i++ {
		eventually(t, "an attempt", func() bool { return len(only(t, w, c.ID, failing.ID, 1).Attempts) == i+1 })
		d := only(t, w, c.ID, failing.ID, 1)
		if d.Status == childmatch.DeliveryFailed {
			// 1 s, 2 s, then hourly: attempts at 0, 1 s, 3 s, 1 h 3 s, 2 h 3 s, and the last at 3 h.
			if i != 5 || !w.clock.now().Equal(start.Add(3*time.Hour)) {
				t.Fatalf("failed after %d attempts at +%v", i+1, w.clock.now().Sub(start))
			}
			break
		}
		if i > 10 {
			t.Fatal("never gave up")
		}
		w.clock.add(d.NextAt.Sub(w.clock.now()))
		w.box.Wake()
	}
	// The admins' list, a delivery a page: the second page is the last.
	var failed []*childmatch.Delivery
	q := childmatch.DeliveryQuery{Limit: 1}
	for range 3 {
		page, err := w.box.Deliveries(ctx, admin, childmatch.DeliveryFailed, q)
		if err != nil || len(page.Deliveries) != 1 {
			t.Fatalf("a page of failed deliveries: %+v, %v", page, err)
		}
		if failed = append(failed, page.Deliveries...); page.Next == "" {
			break
		}
		q.Cursor = page.Next
	}
	if len(failed) != 2 || failed[0].ID == failed[1].ID {
		t.Fatalf("failed deliveries %d", len(failed))
	}
	if _, err := w.box.Deliveries(ctx, admin, childmatch.DeliveryFailed, childmatch.DeliveryQuery{Cursor: "nope"}); childmatch.ErrorField(err) != "cursor" {
		t.Fatalf("a bad cursor: %v", err)
	}
	officer := childmatch.Actor{ID: "officer", Roles: []childmatch.Role{childmatch.RoleOfficer}}
	if _, err := w.box.Replay(ctx, officer, failed[0].ID); childmatch.ErrorCodeOf(err) != childmatch.EForbidden {
		t.Fatalf("an officer replays: %v", err)
	}
	// A worker's round holds the batch: a replay waits for it rather than take it from under it.
	refusedID := only(t, w, c.ID, refused.ID, 1).ID
	held, err := w.store.Reopen(ctx, refusedID, "node-x/1", w.clock.now().Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.box.Replay(ctx, admin, refusedID); childmatch.ErrorCodeOf(err) != childmatch.EConflict {
		t.Fatalf("a replay while a worker holds the batch: %v", err)
	}
	if err := w.store.Finish(ctx, held, nil, time.Time{}, nil); err != nil { // the round ends
		t.Fatal(err)
	}
	mended = true
	id := only(t, w, c.ID, failing.ID, 1).ID
	if _, err := w.box.Replay(ctx, admin, id); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the replay sent", func() bool { return only(t, w, c.ID, failing.ID, 1).Status == childmatch.DeliverySent })
	if _, err := w.box.Replay(ctx, admin, id); childmatch.ErrorCodeOf(err) != childmatch.ENotFound {
		t.Fatalf("replaying a sent delivery: %v", err)
	}
}

// TestReplicas: two outboxes over the same store (two replicas) send each delivery once.
func TestReplicas(t *testing.T) {
	w := newWorld(t, nil)
	for i := range 40 {
		w.post(t, "post"+string(rune('A'+i)), mp, 1)
	}
	other := w.outbox(w.store.Another(), w.cfg)
	w.report(t, "Madhya Pradesh")
	w.run(t, w.box)
	w.run(t, other)
	eventually(t, "all sent", func() bool { return len(w.hooks.attempts()) >= 40 })
	time.Sleep(20 * time.Millisecond)
	seen := map[childmatch.ID]int{}
	for _, s := range w.hooks.attempts() {
		seen[s.d.ID]++
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("delivery %s sent %d times", id, n)
		}
	}
	if len(seen) != 40 {
		t.Errorf("%d deliveries sent, want 40", len(seen))
	}
}

// TestDeadClaims: a claim held by a worker that died blocks its delivery until the lease runs out; the
// same node started again takes it over at once; a fan-out cut short is finished.
func TestDeadClaims(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, nil)
	p := w.post(t, "itarsi", mp, 1)
	c := w.report(t, "Madhya Pradesh")
	var entry childmatch.Pending
	w.store.WalkPending(ctx, func(e childmatch.Pending) bool { entry = e; return false })
	if _, _, err := w.store.Claim(ctx, entry, "node-a/boot-1", w.clock.now().Add(w.cfg.Lease)); err != nil {
		t.Fatal(err)
	}
	other := w.cfg
	other.Node = "node-b"
	w.run(t, w.outbox(w.store.Another(), other))
	time.Sleep(10 * time.Millisecond)
	if n := len(w.hooks.attempts()); n != 0 {
		t.Fatalf("another node sent a delivery whose claim holds: %d attempts", n)
	}
	again := w.cfg
	again.Node = "node-a"
	w.run(t, w.outbox(w.store.Another(), again))
	eventually(t, "node-a, started again, sends it", func() bool { return only(t, w, c.ID, p.ID, 1).Status == childmatch.DeliverySent })

	// A fan-out that began and never wrote its deliveries: node-b finishes it once FanoutGrace has passed.
	m := childmatch.Message{Seq: 2, Type: childmatch.MsgUpdate, At: w.clock.now(), Reason: "details"}
	a, err := w.store.UpdateAlert(ctx, c.ID, func(a *childmatch.Alert) error {
		a.Messages = append(a.Messages, m)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.store.BeginFanout(ctx, &childmatch.Fanout{Alert: a.ID, Message: m, Posts: []childmatch.ID{p.ID}, Owner: "node-c/1", At: w.clock.now()}); err != nil {
		t.Fatal(err)
	}
	w.clock.add(w.cfg.FanoutGrace)
	eventually(t, "the fan-out finished and sent", func() bool {
		ds, _ := w.store.AlertDeliveries(ctx, c.ID)
		fs, _ := w.store.Fanouts(ctx)
		return len(ds) == 2 && ds[1].Seq+ds[0].Seq == 3 && len(fs) == 0 && attemptsOf(w.hooks, childmatch.DeliveryID(a.ID, m, p.ID, childmatch.ChanWebhook, p.Webhooks[0].URL)) == 1
	})
}

// TestMetrics: the time from the report to the first delivery per channel and to the first answer, and
// the share of posts that answered, as the fake clock made them.
func TestMetrics(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, nil)
	first := w.post(t, "first", mp, 1)
	w.post(t, "second", mp, 0, "-100123")
	c := w.report(t, "Madhya Pradesh")
	w.clock.add(3 * time.Second)
	w.run(t, w.box)
	eventually(t, "both sent", func() bool {
		ds, _ := w.store.AlertDeliveries(ctx, c.ID)
		return len(ds) == 2 && ds[0].SentAt != nil && ds[1].SentAt != nil
	})
	w.clock.add(57 * time.Second)
	if _, err := w.store.UpdateAlert(ctx, c.ID, func(a *childmatch.Alert) error {
		a.Acks = append(a.Acks, childmatch.Ack{Post: first.ID, State: childmatch.AckSeen, At: w.clock.now()})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	m, err := w.box.DeliveryMetrics(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	if m.Alerts != 1 || m.Posts != 2 || m.Acked != 1 || m.AckedShare != 0.5 || len(m.Channels) != 2 {
		t.Fatalf("metrics %+v", m)
	}
	for _, ch := range m.Channels {
		if ch.FirstDeliveryP50 != 3000 {
			t.Errorf("%s: first delivery after %d ms, want 3000", ch.Channel, ch.FirstDeliveryP50)
		}
		if ack := ch.Channel == childmatch.ChanWebhook; ack != (ch.Acks == 1) || (ack && ch.FirstAckP50 != 60000) {
			t.Errorf("%s: acks %d after %d ms", ch.Channel, ch.Acks, ch.FirstAckP50)
		}
	}
	// Over more alerts than they cover, the metrics are the newest MetricsAlerts': alerts of one post each,
	// not sent yet, and not the first one.
	for i := range 2*childmatch.MetricsAlerts + 7 {
		id := childmatch.IDAt(time.Now().Add(time.Duration(i+1) * time.Millisecond)) // after the first's id, made now
		if err := w.store.CreateAlert(ctx, &childmatch.Alert{ID: id, Case: id, Status: childmatch.AlertActive, CreatedAt: w.clock.now(),
			Recipients: []childmatch.Recipient{{Post: first.ID}}}); err != nil {
			t.Fatal(err)
		}
	}
	reads := &readCount{Store: w.store}
	box := delivery.New(delivery.Deps{Store: w.store, Alerts: reads, Cases: w.store, Posts: delivery.CachePosts(w.store), Audit: w.store}, w.cfg)
	if m, err = box.DeliveryMetrics(ctx, admin); err != nil || m.Alerts != childmatch.MetricsAlerts || m.Posts != childmatch.MetricsAlerts || len(m.Channels) != 0 {
		t.Fatalf("metrics over %d alerts: %+v %v", 2*childmatch.MetricsAlerts+8, m, err)
	}
	if reads.n != childmatch.MetricsAlerts {
		t.Errorf("the metrics read %d alerts, want only the %d they cover", reads.n, childmatch.MetricsAlerts)
	}
	officer := childmatch.Actor{ID: "officer", Roles: []childmatch.Role{childmatch.RoleOfficer}}
	if _, err := w.box.DeliveryMetrics(ctx, officer); childmatch.ErrorCodeOf(err) != childmatch.EForbidden {
		t.Fatalf("an officer reads the metrics: %v", err)
	}
}

// readCount counts the alerts read, one by one or walked.
type readCount struct {
	*inmem.Store
	n int
}

func (r *readCount) Alert(ctx context.Context, id childmatch.ID) (*childmatch.Alert, error) {
	r.n++
	return r.Store.Alert(ctx, id)
}

func (r *readCount) WalkAlerts(ctx context.Context, fn func(*childmatch.Alert) (bool, error)) error {
	return r.Store.WalkAlerts(ctx, func(a *childmatch.Alert) (bool, error) { r.n++; return fn(a) })
}
