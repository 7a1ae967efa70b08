package minio

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	miniogo "github.com/minio/minio-go/v7"

	"golang.org/x/sync/errgroup"

	"childmatch"
)

// The outbox (root outbox.go):
//   deliveries/<alert-id>/<delivery-id>.json  every delivery, with its attempts: an alert's are one listing
//   outbox/pending/<lane>/<order>             an entry per pending delivery, its alert, due time and
//                                             claim in user metadata, so that one listing (MinIO answers
//                                             metadata with it) says what is due; it goes when the
//                                             delivery is done, so the prefix holds only what is pending
//   outbox/failed/<delivery-id>, outbox/disabled/<delivery-id>  the admins' list; the body is the alert id
//   outbox/fanout/<alert-id>-<seq>.json       a fan-out in progress
// A claim is a write of the pending entry conditioned on its ETag (If-Match).

var _ childmatch.DeliveryStore = (*Store)(nil)

const pendingPrefix = "outbox/pending/"

func deliveryKey(alert, id childmatch.ID) string {
	return "deliveries/" + alert.String() + "/" + id.String() + ".json"
}

func pendingKey(d *childmatch.Delivery) string { return pendingPrefix + d.Lane() + "/" + d.Order() }

func doneKey(status childmatch.DeliveryStatus, id childmatch.ID) string {
	return "outbox/" + string(status) + "/" + id.String()
}

func fanoutKey(alert childmatch.ID, seq int) string {
	return fmt.Sprintf("outbox/fanout/%s-%06d.json", alert, seq)
}

// The pending entry's metadata.
const (
	metaAlert = "Alert"
	metaNext  = "Next"
	metaOwner = "Owner"
	metaUntil = "Until"
)

// putPending writes a pending entry: etag "*" only if absent, another only over that version.
func (s *Store) putPending(ctx context.Context, key string, p childmatch.Pending, etag string) (string, error) {
	meta := map[string]string{metaAlert: p.Alert.String(), metaNext: p.NextAt.UTC().Format(time.RFC3339Nano)}
	if p.Owner != "" {
		meta[metaOwner], meta[metaUntil] = p.Owner, p.Until.UTC().Format(time.RFC3339Nano)
	}
	opts := miniogo.PutObjectOptions{UserMetadata: meta, ContentType: "text/plain"}
	if etag == "*" {
		opts.SetMatchETagExcept("*")
	} else {
		opts.SetMatchETag(etag)
	}
	// The ETag is the body's digest: a fresh id in the body gives every write its own, which a claim needs
	// (the metadata alone would leave it unchanged).
	body := []byte(childmatch.NewID().String())
	ctx, cancel := s.call(ctx)
	defer cancel()
	info, err := s.cl.PutObject(ctx, s.bucket, key, bytes.NewReader(body), int64(len(body)), opts)
	if err != nil {
		return "", s.fail(err, "the outbox entry of delivery "+p.ID.String())
	}
	return info.ETag, nil
}

func (s *Store) remove(ctx context.Context, key, what string) error {
	ctx, cancel := s.call(ctx)
	defer cancel()
	err := s.fail(s.cl.RemoveObject(ctx, s.bucket, key, miniogo.RemoveObjectOptions{}), what)
	if childmatch.ErrorCodeOf(err) == childmatch.ENotFound {
		return nil
	}
	return err
}

// CreateDeliveries writes each delivery, then its pending entry, FanoutWriters at a time. A delivery
// that exists is kept; if it is still pending its entry is written again in case a crash came between
// the two writes.
func (s *Store) CreateDeliveries(ctx context.Context, ds []*childmatch.Delivery) error {
	return parallel(len(ds), func(i int) error {
		d := ds[i]
		what := "delivery " + d.ID.String()
		err := s.putJSON(ctx, deliveryKey(d.Alert, d.ID), what, d, "*")
		if childmatch.ErrorCodeOf(err) == childmatch.EConflict {
			var have childmatch.Delivery
			if _, err := s.getJSON(ctx, deliveryKey(d.Alert, d.ID), what, &have); err != nil || have.Status != childmatch.DeliveryPending {
				return err
			}
			d = &have
		} else if err != nil {
			return err
		}
		_, err = s.putPending(ctx, pendingKey(d), childmatch.Pending{ID: d.ID, Alert: d.Alert, NextAt: d.NextAt}, "*")
		if childmatch.ErrorCodeOf(err) == childmatch.EConflict {
			return nil
		}
		return err
	})
}

// parallel runs fn for 0..n-1, FanoutWriters at once, and answers the first error.
func parallel(n int, fn func(i int) error) error {
	var g errgroup.Group
	g.SetLimit(childmatch.FanoutWriters)
	for i := range n {
		g.Go(func() error { return fn(i) })
	}
	return g.Wait()
}

// Delivery reads one delivery of an alert.
func (s *Store) Delivery(ctx context.Context, alert, id childmatch.ID) (*childmatch.Delivery, error) {
	var d childmatch.Delivery
	if _, err := s.getJSON(ctx, deliveryKey(alert, id), "delivery "+id.String(), &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// AlertDeliveries reads every delivery of an alert, FanoutWriters at once, in creation order.
func (s *Store) AlertDeliveries(ctx context.Context, alert childmatch.ID) ([]*childmatch.Delivery, error) {
	keys, err := s.keys(ctx, "deliveries/"+alert.String()+"/", 0)
	if err != nil {
		return nil, err
	}
	return s.readDeliveries(ctx, keys)
}

func (s *Store) readDeliveries(ctx context.Context, keys []string) ([]*childmatch.Delivery, error) {
	out := make([]*childmatch.Delivery, len(keys))
	err := parallel(len(keys), func(i int) error {
		var d childmatch.Delivery
		_, err := s.getJSON(ctx, keys[i], "a delivery", &d)
		if err == nil {
			out[i] = &d
		} else if childmatch.ErrorCodeOf(err) == childmatch.ENotFound {
			err = nil // removed with its alert meanwhile
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	kept := out[:0]
	for _, d := range out {
		if d != nil {
			kept = append(kept, d)
		}
	}
	return kept, nil
}

// keys lists the keys under prefix in order, up to max (0: all).
func (s *Store) keys(ctx context.Context, prefix string, max int) ([]string, error) {
	p := s.stream(ctx)
	defer p.done()
	var keys []string
	for obj := range s.cl.ListObjects(p.ctx, s.bucket, miniogo.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if obj.Err != nil {
			return nil, s.fail(p.err(obj.Err), "the listing of "+prefix)
		}
		p.kick()
		keys = append(keys, obj.Key)
		if max > 0 && len(keys) == max {
			break
		}
	}
	return keys, nil
}

// Deliveries reads up to max deliveries that are pending, failed or disabled.
func (s *Store) Deliveries(ctx context.Context, status childmatch.DeliveryStatus, max int) ([]*childmatch.Delivery, error) {
	var keys []string
	switch status {
	case childmatch.DeliveryPending:
		err := s.WalkPending(ctx, func(p childmatch.Pending) bool {
			keys = append(keys, deliveryKey(p.Alert, p.ID))
			return len(keys) < max
		})
		if err != nil {
			return nil, err
		}
	case childmatch.DeliveryFailed, childmatch.DeliveryDisabled:
		marks, err := s.keys(ctx, "outbox/"+string(status)+"/", max)
		if err != nil {
			return nil, err
		}
		keys = make([]string, len(marks))
		err = parallel(len(marks), func(i int) error {
			id, _ := childmatch.ParseID("id", strings.TrimPrefix(marks[i], "outbox/"+string(status)+"/"))
			alert, err := s.markedAlert(ctx, marks[i])
			keys[i] = deliveryKey(alert, id)
			return err
		})
		if err != nil {
			return nil, err
		}
	default:
		return nil, childmatch.FieldError("status", `must be "pending", "failed" or "disabled" (sent deliveries are listed with their alert)`)
	}
	return s.readDeliveries(ctx, keys)
}

// markedAlert reads the alert id a failed or disabled mark holds.
func (s *Store) markedAlert(ctx context.Context, key string) (childmatch.ID, error) {
	ctx, cancel := s.call(ctx)
	defer cancel()
	obj, err := s.cl.GetObject(ctx, s.bucket, key, miniogo.GetObjectOptions{})
	if err != nil {
		return childmatch.ID{}, s.fail(err, "the outbox's mark "+key)
	}
	defer obj.Close()
	b, err := io.ReadAll(io.LimitReader(obj, 64))
	if err != nil {
		return childmatch.ID{}, s.fail(err, "the outbox's mark "+key)
	}
	return childmatch.ParseID("alert", string(b))
}

// WalkPending lists the pending entries with their metadata, in key order: lane by lane, each in order.
func (s *Store) WalkPending(ctx context.Context, fn func(childmatch.Pending) bool) error {
	p := s.stream(ctx)
	defer p.done()
	for obj := range s.cl.ListObjects(p.ctx, s.bucket, miniogo.ListObjectsOptions{Prefix: pendingPrefix, Recursive: true, WithMetadata: true}) {
		if obj.Err != nil {
			return s.fail(p.err(obj.Err), "the listing of the outbox")
		}
		p.kick()
		e, ok := parsePending(obj)
		if ok && !fn(e) {
			return nil
		}
	}
	return nil
}

// parsePending reads an entry's key and metadata; an entry it cannot read is skipped (it was not
// written by this code).
func parsePending(obj miniogo.ObjectInfo) (childmatch.Pending, bool) {
	lane, order, ok := strings.Cut(strings.TrimPrefix(obj.Key, pendingPrefix), "/")
	if !ok || len(order) < 36 {
		return childmatch.Pending{}, false
	}
	meta := map[string]string{}
	for k, v := range obj.UserMetadataStripped {
		meta[strings.ToLower(k)] = v
	}
	id, err1 := childmatch.ParseID("id", order[len(order)-36:])
	alert, err2 := childmatch.ParseID("alert", meta[strings.ToLower(metaAlert)])
	next, err3 := time.Parse(time.RFC3339Nano, meta[strings.ToLower(metaNext)])
	if err1 != nil || err2 != nil || err3 != nil {
		return childmatch.Pending{}, false
	}
	e := childmatch.Pending{ID: id, Alert: alert, Lane: lane, Order: order, NextAt: next, Version: obj.ETag,
		Owner: meta[strings.ToLower(metaOwner)]}
	if e.Owner != "" {
		e.Until, _ = time.Parse(time.RFC3339Nano, meta[strings.ToLower(metaUntil)])
	}
	return e, true
}

func entryKey(p childmatch.Pending) string { return pendingPrefix + p.Lane + "/" + p.Order }

// Claim rewrites the entry with its owner, only over the version listed.
func (s *Store) Claim(ctx context.Context, p childmatch.Pending, owner string, until time.Time) (childmatch.Pending, error) {
	c := p
	c.Owner, c.Until = owner, until
	etag, err := s.putPending(ctx, entryKey(p), c, p.Version)
	if childmatch.ErrorCodeOf(err) == childmatch.EConflict {
		// MinIO answers a conditional write over a missing key as a failed precondition too.
		return p, childmatch.Errorf(childmatch.EConflict, "delivery %s was claimed or finished by another worker", p.ID)
	}
	c.Version = etag
	return c, err
}

// Finish writes the delivery, then keeps its entry (unclaimed, due at NextAt) while it is pending, or
// removes it after marking a failed or disabled one for the admins.
func (s *Store) Finish(ctx context.Context, claim childmatch.Pending, d *childmatch.Delivery) error {
	if d == nil {
		return s.remove(ctx, entryKey(claim), "the outbox entry of delivery "+claim.ID.String())
	}
	if err := s.putJSON(ctx, deliveryKey(d.Alert, d.ID), "delivery "+d.ID.String(), d, ""); err != nil {
		return err
	}
	if d.Status == childmatch.DeliveryPending {
		next := claim
		next.Owner, next.NextAt = "", d.NextAt
		_, err := s.putPending(ctx, entryKey(claim), next, claim.Version)
		return err
	}
	if d.Status == childmatch.DeliveryFailed || d.Status == childmatch.DeliveryDisabled {
		if err := s.putMark(ctx, d); err != nil {
			return err
		}
	}
	return s.remove(ctx, entryKey(claim), "the outbox entry of delivery "+d.ID.String())
}

func (s *Store) putMark(ctx context.Context, d *childmatch.Delivery) error {
	ctx, cancel := s.call(ctx)
	defer cancel()
	b := []byte(d.Alert.String())
	_, err := s.cl.PutObject(ctx, s.bucket, doneKey(d.Status, d.ID), bytes.NewReader(b), int64(len(b)), miniogo.PutObjectOptions{ContentType: "text/plain"})
	return s.fail(err, "the outbox's mark of delivery "+d.ID.String())
}

// Replay makes a failed or disabled delivery pending again: its record, its entry, then the mark goes.
func (s *Store) Replay(ctx context.Context, id childmatch.ID, now time.Time) (*childmatch.Delivery, error) {
	for _, status := range []childmatch.DeliveryStatus{childmatch.DeliveryFailed, childmatch.DeliveryDisabled} {
		alert, err := s.markedAlert(ctx, doneKey(status, id))
		if childmatch.ErrorCodeOf(err) == childmatch.ENotFound {
			continue
		}
		if err != nil {
			return nil, err
		}
		d, err := update(ctx, s, deliveryKey(alert, id), "delivery "+id.String(), func(d *childmatch.Delivery) error {
			d.Status, d.NextAt, d.ReplayedAt = childmatch.DeliveryPending, now, &now
			return nil
		})
		if err != nil {
			return nil, err
		}
		if _, err := s.putPending(ctx, pendingKey(d), childmatch.Pending{ID: d.ID, Alert: d.Alert, NextAt: now}, "*"); err != nil && childmatch.ErrorCodeOf(err) != childmatch.EConflict {
			return nil, err
		}
		return d, s.remove(ctx, doneKey(status, id), "the outbox's mark of delivery "+id.String())
	}
	return nil, childmatch.Errorf(childmatch.ENotFound, "no failed or disabled delivery with id %s", id)
}

// BeginFanout writes a fan-out in progress.
func (s *Store) BeginFanout(ctx context.Context, f *childmatch.Fanout) error {
	return s.putJSON(ctx, fanoutKey(f.Alert, f.Message.Seq), "the fan-out of alert "+f.Alert.String(), f, "")
}

// EndFanout removes a fan-out once its deliveries are written.
func (s *Store) EndFanout(ctx context.Context, alert childmatch.ID, seq int) error {
	return s.remove(ctx, fanoutKey(alert, seq), "the fan-out of alert "+alert.String())
}

// Fanouts reads the fan-outs in progress.
func (s *Store) Fanouts(ctx context.Context) ([]*childmatch.Fanout, error) {
	var out []*childmatch.Fanout
	err := walk(ctx, s, "outbox/fanout/", "", func(f *childmatch.Fanout) (bool, error) {
		out = append(out, f)
		return true, nil
	})
	return out, err
}
