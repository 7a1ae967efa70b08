package minio_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	miniogo "github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"childmatch"
	"childmatch/minio"
)

// TestOutbox: the outbox's records in MinIO: batches written once, the pending index listed with its
// metadata, a claim that only one of two writers wins, a retry kept pending, a failure on the admins'
// list, reopened for a replay, and an alert's deliveries in one listing.
func TestOutbox(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t)
	now := time.Now().UTC().Truncate(time.Millisecond)
	alert, post := childmatch.NewID(), childmatch.NewID()
	var bs []*childmatch.Batch
	for seq := 1; seq <= 2; seq++ {
		m := childmatch.Message{Seq: seq, At: now.Add(time.Duration(seq) * time.Second)}
		b := &childmatch.Batch{Key: childmatch.BatchKey(alert, m, 0), Alert: alert, Seq: seq}
		for _, target := range []string{"http://127.0.0.1:1/a", "http://127.0.0.1:1/b"} {
			b.Deliveries = append(b.Deliveries, &childmatch.Delivery{ID: childmatch.DeliveryID(alert, m, post, childmatch.ChanWebhook, target),
				Alert: alert, Seq: seq, Post: post, Channel: childmatch.ChanWebhook, Target: target, Status: childmatch.DeliveryPending,
				NextAt: m.At, CreatedAt: m.At, Attempts: []childmatch.Attempt{}})
		}
		bs = append(bs, b)
	}
	if err := s.CreateBatches(ctx, bs); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateBatches(ctx, bs[:1]); err != nil {
		t.Fatalf("writing a batch again: %v", err)
	}
	var entries []childmatch.Pending
	if err := s.WalkPending(ctx, func(p childmatch.Pending) bool { entries = append(entries, p); return true }); err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 || entries[0].Key != bs[0].Key || entries[0].Alert != alert || !entries[0].NextAt.Equal(now.Add(time.Second)) || entries[0].Version == "" {
		t.Fatalf("entries %+v", entries)
	}
	head := entries[0]
	claim, b, err := s.Claim(ctx, head, "node-a/1", now.Add(time.Minute))
	if err != nil || len(b.Deliveries) != 2 {
		t.Fatal(b, err)
	}
	if _, _, err := s.Claim(ctx, head, "node-b/1", now.Add(time.Minute)); childmatch.ErrorCodeOf(err) != childmatch.EConflict {
		t.Fatalf("a second claim of the same version: %v", err)
	}
	var seen childmatch.Pending
	s.WalkPending(ctx, func(p childmatch.Pending) bool { seen = p; return false })
	if seen.Owner != "node-a/1" || !seen.Until.Equal(now.Add(time.Minute)) || seen.Claimable("node-b/1", now) || !seen.Claimable("node-a/2", now) {
		t.Fatalf("the claimed entry reads %+v", seen)
	}
	d := b.Deliveries[0]
	d.Attempts = append(d.Attempts, childmatch.Attempt{At: now, Status: 503})
	d.NextAt = now.Add(5 * time.Second)
	b.Deliveries[1].Status = childmatch.DeliverySent
	if err := s.Finish(ctx, claim, b, d.NextAt, nil); err != nil {
		t.Fatal(err)
	}
	s.WalkPending(ctx, func(p childmatch.Pending) bool { seen = p; return false })
	if seen.Owner != "" || !seen.NextAt.Equal(d.NextAt) || seen.Key != b.Key {
		t.Fatalf("after a failed attempt the entry reads %+v", seen)
	}
	claim, b, err = s.Claim(ctx, seen, "node-a/1", now.Add(time.Minute))
	if err != nil || len(b.Deliveries[0].Attempts) != 1 || b.Deliveries[1].Status != childmatch.DeliverySent {
		t.Fatal(b, err)
	}
	b.Deliveries[0].Status = childmatch.DeliveryFailed
	if err := s.Finish(ctx, claim, b, time.Time{}, b.Deliveries[:1]); err != nil {
		t.Fatal(err)
	}
	failed, err := s.Deliveries(ctx, childmatch.DeliveryFailed, childmatch.ID{}, 10)
	if err != nil || len(failed) != 1 || failed[0].ID != d.ID || len(failed[0].Attempts) != 1 {
		t.Fatalf("failed: %v %v", failed, err)
	}
	entries = nil
	s.WalkPending(ctx, func(p childmatch.Pending) bool { entries = append(entries, p); return true })
	if len(entries) != 1 || entries[0].Key != bs[1].Key {
		t.Fatalf("after the first batch is done the index holds %+v", entries)
	}
	reopened, err := s.Reopen(ctx, d.ID, "replay:node-a/1", now.Add(time.Minute))
	if err != nil || reopened.Key != bs[0].Key || reopened.Version == "" || reopened.Owner != "replay:node-a/1" {
		t.Fatalf("reopened %+v %v", reopened, err)
	}
	if again, err := s.Reopen(ctx, d.ID, "replay:node-b/1", now.Add(time.Minute)); err != nil || again.Version != reopened.Version || again.Owner != reopened.Owner {
		t.Fatalf("reopened again %+v %v", again, err)
	}
	if _, err := s.Reopen(ctx, b.Deliveries[1].ID, "replay:node-a/1", now); childmatch.ErrorCodeOf(err) != childmatch.ENotFound {
		t.Fatalf("reopening a sent delivery: %v", err)
	}
	all, err := s.AlertDeliveries(ctx, alert)
	if err != nil || len(all) != 4 || all[0].Seq != 1 || all[3].Seq != 2 {
		t.Fatalf("the alert's deliveries: %d %v", len(all), err)
	}
	if after, err := s.Deliveries(ctx, childmatch.DeliveryFailed, d.ID, 10); err != nil || len(after) != 0 {
		t.Fatalf("failed after the only failed one: %v %v", after, err)
	}
	// Pages of three: the first ends inside the second batch, the next takes what is left and is the last.
	first := &childmatch.BatchPager{Limit: 3}
	if err := s.PageAlertDeliveries(ctx, alert, first); err != nil || len(first.Page) != 3 || first.Next.IsZero() {
		t.Fatalf("the first page: %+v %v", first, err)
	}
	next := &childmatch.BatchPager{After: first.Next, Limit: 3}
	if err := s.PageAlertDeliveries(ctx, alert, next); err != nil || len(next.Page) != 1 || !next.Next.IsZero() || next.Page[0].ID != all[3].ID {
		t.Fatalf("the next page: %+v %v", next, err)
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

// TestLapsedClaim: a worker whose renewal's answer was lost still holds its claim; a worker whose lease
// lapsed and whose batch another worker claimed records nothing when its round ends; the other worker's
// round is recorded. A failed delivery's mark whose batch is gone
// is dropped from the admins' list.
func TestLapsedClaim(t *testing.T) {
	ctx := context.Background()
	s, srv := open(t)
	now := time.Now().UTC().Truncate(time.Millisecond)
	alert, post := childmatch.NewID(), childmatch.NewID()
	m := childmatch.Message{Seq: 1, At: now}
	target := "http://127.0.0.1:1/a"
	if err := s.CreateBatches(ctx, []*childmatch.Batch{{Key: childmatch.BatchKey(alert, m, 0), Alert: alert, Seq: 1,
		Deliveries: []*childmatch.Delivery{{ID: childmatch.DeliveryID(alert, m, post, childmatch.ChanWebhook, target), Alert: alert, Seq: 1,
			Post: post, Channel: childmatch.ChanWebhook, Target: target, Status: childmatch.DeliveryPending, NextAt: now, CreatedAt: now,
			Attempts: []childmatch.Attempt{}}}}}); err != nil {
		t.Fatal(err)
	}
	var p childmatch.Pending
	s.WalkPending(ctx, func(e childmatch.Pending) bool { p = e; return false })
	// A renewal whose answer was lost: the entry names the worker at a version it never heard of. Its
	// next renewal, and its round's record, still hold.
	mine, _, err := s.Claim(ctx, p, "node-c/1", now.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Claim(ctx, mine, "node-c/1", now.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	renewed, _, err := s.Claim(ctx, mine, "node-c/1", now.Add(3*time.Minute))
	if err != nil || renewed.Until.Before(now.Add(2*time.Minute)) {
		t.Fatalf("renewing over a version whose answer was lost: %+v %v", renewed, err)
	}
	if _, _, err := s.Claim(ctx, mine, "node-d/1", now.Add(time.Minute)); childmatch.ErrorCodeOf(err) != childmatch.EConflict {
		t.Fatalf("another worker claiming over a stale version: %v", err)
	}
	b0, err := s.Batch(ctx, alert, mine.Key)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Finish(ctx, mine, b0, now, nil); err != nil {
		t.Fatalf("a round's record over a version whose answer was lost: %v", err)
	}
	s.WalkPending(ctx, func(e childmatch.Pending) bool { p = e; return false })
	a, ab, err := s.Claim(ctx, p, "node-a/1", now.Add(-time.Second)) // a lease already over
	if err != nil {
		t.Fatal(err)
	}
	b, bb, err := s.Claim(ctx, a, "node-b/1", now.Add(time.Minute))
	if err != nil {
		t.Fatalf("claiming after the lease lapsed: %v", err)
	}
	ab.Deliveries[0].Status = childmatch.DeliverySent
	if err := s.Finish(ctx, a, ab, time.Time{}, nil); childmatch.ErrorCodeOf(err) != childmatch.EConflict {
		t.Fatalf("the lapsed worker's round: %v, want a conflict", err)
	}
	bb.Deliveries[0].Status = childmatch.DeliveryFailed
	if err := s.Finish(ctx, b, bb, time.Time{}, bb.Deliveries); err != nil {
		t.Fatalf("the claiming worker's round: %v", err)
	}
	ds, err := s.AlertDeliveries(ctx, alert)
	if err != nil || len(ds) != 1 || ds[0].Status != childmatch.DeliveryFailed {
		t.Fatalf("the batch holds %+v %v, want the second worker's round", ds, err)
	}
	// An erasure that stopped after the batch leaves its mark, which the admins' list drops for good.
	cl, err := miniogo.New(srv.Endpoint, &miniogo.Options{Creds: credentials.NewStaticV4(srv.AccessKey, srv.SecretKey, "")})
	if err != nil {
		t.Fatal(err)
	}
	if err := cl.RemoveObject(ctx, srv.Bucket, "deliveries/"+alert.String()+"/000001-000.json", miniogo.RemoveObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	if failed, err := s.Deliveries(ctx, childmatch.DeliveryFailed, childmatch.ID{}, 10); err != nil || len(failed) != 0 {
		t.Fatalf("failed deliveries of a batch that is gone: %v %v", failed, err)
	}
	s.WalkObjects(ctx, func(o minio.Object) error {
		if strings.HasPrefix(o.Key, "outbox/") {
			t.Errorf("%s is still stored", o.Key)
		}
		return nil
	})
}

// TestEraseDeliveries: erasing an alert's deliveries removes its batches, their pending entries and
// failed marks, and its fan-outs, and nothing of another alert; a worker's round on one of its batches
// that ends after the erasure writes nothing back.
func TestEraseDeliveries(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t)
	now := time.Now().UTC().Truncate(time.Millisecond)
	erased, kept, post := childmatch.NewID(), childmatch.NewID(), childmatch.NewID()
	batch := func(alert childmatch.ID, seq int) *childmatch.Batch {
		m := childmatch.Message{Seq: seq, At: now.Add(time.Duration(seq) * time.Second)}
		target := "http://127.0.0.1:1/" + alert.String()
		return &childmatch.Batch{Key: childmatch.BatchKey(alert, m, 0), Alert: alert, Seq: seq,
			Deliveries: []*childmatch.Delivery{{ID: childmatch.DeliveryID(alert, m, post, childmatch.ChanWebhook, target), Alert: alert,
				Seq: seq, Post: post, Channel: childmatch.ChanWebhook, Target: target, Status: childmatch.DeliveryPending,
				NextAt: m.At, CreatedAt: m.At, Attempts: []childmatch.Attempt{}}}}
	}
	if err := s.CreateBatches(ctx, []*childmatch.Batch{batch(erased, 1), batch(erased, 2), batch(kept, 1)}); err != nil {
		t.Fatal(err)
	}
	for _, alert := range []childmatch.ID{erased, kept} {
		if err := s.BeginFanout(ctx, &childmatch.Fanout{Alert: alert, Message: childmatch.Message{Seq: 3}, Posts: []childmatch.ID{post}, At: now}); err != nil {
			t.Fatal(err)
		}
	}
	pending := map[childmatch.ID][]childmatch.Pending{}
	s.WalkPending(ctx, func(p childmatch.Pending) bool { pending[p.Alert] = append(pending[p.Alert], p); return true })
	// The first of the erased alert's batches fails for good (a mark on the admins' list); a worker holds
	// the second when the alert is erased.
	claim, b, err := s.Claim(ctx, pending[erased][0], "node-a/1", now.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	b.Deliveries[0].Status = childmatch.DeliveryFailed
	if err := s.Finish(ctx, claim, b, time.Time{}, b.Deliveries); err != nil {
		t.Fatal(err)
	}
	held, hb, err := s.Claim(ctx, pending[erased][1], "node-b/1", now.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if failed, _ := s.Deliveries(ctx, childmatch.DeliveryFailed, childmatch.ID{}, 10); len(failed) != 1 {
		t.Fatalf("failed before the erasure: %v", failed)
	}

	alerts := func() []childmatch.ID {
		var ids []childmatch.ID
		if err := s.WalkDeliveryAlerts(ctx, func(id childmatch.ID) error { ids = append(ids, id); return nil }); err != nil {
			t.Fatal(err)
		}
		return ids
	}
	if got, want := alerts(), []childmatch.ID{erased, kept}; !slices.Equal(got, want) && !slices.Equal(got, []childmatch.ID{kept, erased}) {
		t.Fatalf("alerts with deliveries %v, want %v", got, want)
	}
	if err := s.EraseDeliveries(ctx, erased); err != nil {
		t.Fatal(err)
	}
	if got := alerts(); !slices.Equal(got, []childmatch.ID{kept}) {
		t.Fatalf("alerts with deliveries after the erasure %v, want %v", got, kept)
	}
	hb.Deliveries[0].Status = childmatch.DeliverySent
	if err := s.Finish(ctx, held, hb, time.Time{}, hb.Deliveries); childmatch.ErrorCodeOf(err) != childmatch.EConflict {
		t.Fatalf("a round that ends after the erasure: %v, want a conflict", err)
	}
	s.WalkObjects(ctx, func(o minio.Object) error {
		if strings.Contains(o.Key, erased.String()) || strings.HasPrefix(o.Key, "outbox/failed/") {
			t.Errorf("%s is still stored", o.Key)
		}
		return nil
	})
	if ds, err := s.AlertDeliveries(ctx, kept); err != nil || len(ds) != 1 {
		t.Fatalf("the other alert's deliveries: %v %v", ds, err)
	}
	var left []childmatch.Pending
	s.WalkPending(ctx, func(p childmatch.Pending) bool { left = append(left, p); return true })
	if fs, err := s.Fanouts(ctx); err != nil || len(left) != 1 || left[0].Alert != kept || len(fs) != 1 || fs[0].Alert != kept {
		t.Fatalf("left: pending %+v, fan-outs %v %v; want the other alert's", left, fs, err)
	}
}
