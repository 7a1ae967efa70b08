package minio_test

import (
	"context"
	"testing"
	"time"

	"childmatch"
)

// TestOutbox: the outbox's records in MinIO: deliveries written once, the pending index listed with its
// metadata, a claim that only one of two writers wins, a retry kept pending, a failure on the admins'
// list, a replay, and an alert's deliveries in one listing.
func TestOutbox(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t)
	now := time.Now().UTC().Truncate(time.Millisecond)
	alert, post := childmatch.NewID(), childmatch.NewID()
	var ds []*childmatch.Delivery
	for seq := 1; seq <= 2; seq++ {
		m := childmatch.Message{Seq: seq, At: now.Add(time.Duration(seq) * time.Second)}
		for _, target := range []string{"http://127.0.0.1:1/a", "http://127.0.0.1:1/b"} {
			ds = append(ds, &childmatch.Delivery{ID: childmatch.DeliveryID(alert, m, post, childmatch.ChanWebhook, target), Alert: alert,
				Seq: seq, Post: post, Channel: childmatch.ChanWebhook, Target: target, Status: childmatch.DeliveryPending,
				NextAt: m.At, CreatedAt: m.At, Attempts: []childmatch.Attempt{}})
		}
	}
	if err := s.CreateDeliveries(ctx, ds); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateDeliveries(ctx, ds[:1]); err != nil {
		t.Fatalf("writing a delivery again: %v", err)
	}
	var entries []childmatch.Pending
	if err := s.WalkPending(ctx, func(p childmatch.Pending) bool { entries = append(entries, p); return true }); err != nil {
		t.Fatal(err)
	}
	if len(entries) != 4 {
		t.Fatalf("%d pending entries, want 4", len(entries))
	}
	// Two lanes, each in message order, with the metadata read back.
	for i := 0; i < 4; i += 2 {
		a, b := entries[i], entries[i+1]
		if a.Lane != b.Lane || a.Alert != alert || a.NextAt.After(b.NextAt) || !a.NextAt.Equal(now.Add(time.Second)) || a.Version == "" {
			t.Fatalf("entries %+v %+v", a, b)
		}
	}
	head := entries[0]
	claim, err := s.Claim(ctx, head, "node-a/1", now.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Claim(ctx, head, "node-b/1", now.Add(time.Minute)); childmatch.ErrorCodeOf(err) != childmatch.EConflict {
		t.Fatalf("a second claim of the same version: %v", err)
	}
	var seen childmatch.Pending
	s.WalkPending(ctx, func(p childmatch.Pending) bool { seen = p; return false })
	if seen.Owner != "node-a/1" || !seen.Until.Equal(now.Add(time.Minute)) || seen.Claimable("node-b/1", now) || !seen.Claimable("node-a/2", now) {
		t.Fatalf("the claimed entry reads %+v", seen)
	}
	d, err := s.Delivery(ctx, alert, head.ID)
	if err != nil {
		t.Fatal(err)
	}
	d.Attempts = append(d.Attempts, childmatch.Attempt{At: now, Status: 503})
	d.NextAt = now.Add(5 * time.Second)
	if err := s.Finish(ctx, claim, d); err != nil {
		t.Fatal(err)
	}
	s.WalkPending(ctx, func(p childmatch.Pending) bool { seen = p; return false })
	if seen.Owner != "" || !seen.NextAt.Equal(d.NextAt) || seen.ID != d.ID {
		t.Fatalf("after a failed attempt the entry reads %+v", seen)
	}
	claim, err = s.Claim(ctx, seen, "node-a/1", now.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	d.Status = childmatch.DeliveryFailed
	if err := s.Finish(ctx, claim, d); err != nil {
		t.Fatal(err)
	}
	failed, err := s.Deliveries(ctx, childmatch.DeliveryFailed, 10)
	if err != nil || len(failed) != 1 || failed[0].ID != d.ID || len(failed[0].Attempts) != 1 {
		t.Fatalf("failed: %v %v", failed, err)
	}
	pending, err := s.Deliveries(ctx, childmatch.DeliveryPending, 10)
	if err != nil || len(pending) != 3 {
		t.Fatalf("pending: %d %v", len(pending), err)
	}
	replayed, err := s.Replay(ctx, d.ID, now)
	if err != nil || replayed.Status != childmatch.DeliveryPending || replayed.ReplayedAt == nil {
		t.Fatalf("replayed %+v %v", replayed, err)
	}
	if _, err := s.Replay(ctx, d.ID, now); childmatch.ErrorCodeOf(err) != childmatch.ENotFound {
		t.Fatalf("replaying a pending delivery: %v", err)
	}
	all, err := s.AlertDeliveries(ctx, alert)
	if err != nil || len(all) != 4 {
		t.Fatalf("the alert's deliveries: %d %v", len(all), err)
	}
	f := &childmatch.Fanout{Alert: alert, Message: childmatch.Message{Seq: 3}, Posts: []childmatch.ID{post}, Owner: "node-a/1", At: now}
	if err := s.BeginFanout(ctx, f); err != nil {
		t.Fatal(err)
	}
	if fs, err := s.Fanouts(ctx); err != nil || len(fs) != 1 || fs[0].Posts[0] != post {
		t.Fatalf("fan-outs %v %v", fs, err)
	}
	if err := s.EndFanout(ctx, alert, 3); err != nil {
		t.Fatal(err)
	}
	if fs, err := s.Fanouts(ctx); err != nil || len(fs) != 0 {
		t.Fatalf("fan-outs after the end %v %v", fs, err)
	}
}
