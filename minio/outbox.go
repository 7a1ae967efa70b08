package minio

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	miniogo "github.com/minio/minio-go/v7"
	"golang.org/x/sync/errgroup"

	"childmatch"
)

// The outbox (root outbox.go):
//   deliveries/<alert-id>/<seq>-<part>.json  a batch of a message's deliveries, with their attempts: an
//                                            alert's are one listing
//   outbox/pending/<batch key>               an entry per batch with a delivery pending, its alert, due
//                                            time and claim in user metadata, so that one listing (MinIO
//                                            answers metadata with it) says what is due; it goes when the
//                                            batch is done, so the prefix holds only what is pending
//   outbox/failed/<delivery-id>, outbox/disabled/<delivery-id>  the admins' list; the body names the batch
//   outbox/fanout/<alert-id>-<seq>.json      a fan-out in progress
// A claim is a write of the pending entry conditioned on its ETag (If-Match).

var _ childmatch.DeliveryStore = (*Store)(nil)

const pendingPrefix = "outbox/pending/"

// batchKey is where a batch is kept: under its alert, by the seq and part at the end of its key.
func batchKey(alert childmatch.ID, key string) string {
	tail := key[max(0, len(key)-10):] // <seq 6>-<part 3>
	return "deliveries/" + alert.String() + "/" + tail + ".json"
}

func markKey(status childmatch.DeliveryStatus, id childmatch.ID) string {
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
func (s *Store) putPending(ctx context.Context, p childmatch.Pending, etag string) (string, error) {
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
	info, err := s.cl.PutObject(ctx, s.bucket, pendingPrefix+p.Key, bytes.NewReader(body), int64(len(body)), opts)
	if err != nil {
		return "", s.fail(err, "the outbox entry of batch "+p.Key)
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

// CreateBatches writes each batch, then its pending entry, FanoutWriters at a time. A batch that exists
// is kept; its entry is written again if it is missing and the batch still has a delivery pending, in
// case a crash came between the two writes.
func (s *Store) CreateBatches(ctx context.Context, bs []*childmatch.Batch) error {
	var g errgroup.Group
	g.SetLimit(childmatch.FanoutWriters)
	for _, b := range bs {
		g.Go(func() error {
			err := s.putJSON(ctx, batchKey(b.Alert, b.Key), "batch "+b.Key, b, "*")
			if childmatch.ErrorCodeOf(err) == childmatch.EConflict {
				var have childmatch.Batch
				if _, err := s.getJSON(ctx, batchKey(b.Alert, b.Key), "batch "+b.Key, &have); err != nil {
					return err
				}
				b = &have
			} else if err != nil {
				return err
			}
			next, pending := b.NextDue()
			if !pending {
				return nil
			}
			_, err = s.putPending(ctx, childmatch.Pending{Key: b.Key, Alert: b.Alert, NextAt: next}, "*")
			if childmatch.ErrorCodeOf(err) == childmatch.EConflict {
				return nil
			}
			return err
		})
	}
	return g.Wait()
}

// Batch reads a batch.
func (s *Store) Batch(ctx context.Context, alert childmatch.ID, key string) (*childmatch.Batch, error) {
	var b childmatch.Batch
	etag, err := s.getJSON(ctx, batchKey(alert, key), "batch "+key, &b)
	if err != nil {
		return nil, err
	}
	b.Version = etag
	return &b, nil
}

// AlertDeliveries reads every batch of an alert.
func (s *Store) AlertDeliveries(ctx context.Context, alert childmatch.ID) ([]*childmatch.Delivery, error) {
	out := []*childmatch.Delivery{}
	err := walk(ctx, s, "deliveries/"+alert.String()+"/", "", func(b *childmatch.Batch) (bool, error) {
		out = append(out, b.Deliveries...)
		return true, nil
	})
	return out, err
}

// PageAlertDeliveries lists an alert's batches from the batch of p.After on (the listing starts just
// before its key) and reads them one by one until p is full.
func (s *Store) PageAlertDeliveries(ctx context.Context, alert childmatch.ID, p *childmatch.BatchPager) error {
	prefix := "deliveries/" + alert.String() + "/"
	from := ""
	if !p.After.IsZero() {
		from = prefix + p.After.Part // sorts just before <part>.json
	}
	return walk(ctx, s, prefix, from, func(b *childmatch.Batch) (bool, error) { return p.Add(b), nil })
}

// Deliveries reads up to max failed or disabled deliveries after the id after, through their marks: the
// listing starts after after's mark.
func (s *Store) Deliveries(ctx context.Context, status childmatch.DeliveryStatus, after childmatch.ID, max int) ([]*childmatch.Delivery, error) {
	if status != childmatch.DeliveryFailed && status != childmatch.DeliveryDisabled {
		return nil, childmatch.FieldError("status", `must be "failed" or "disabled" (the others are listed with their alert)`)
	}
	out := []*childmatch.Delivery{}
	batches := map[string]*childmatch.Batch{}
	p := s.stream(ctx)
	defer p.done()
	prefix := "outbox/" + string(status) + "/"
	opts := miniogo.ListObjectsOptions{Prefix: prefix, Recursive: true}
	if !after.IsZero() {
		opts.StartAfter = markKey(status, after)
	}
	for obj := range s.cl.ListObjects(p.ctx, s.bucket, opts) {
		if obj.Err != nil {
			return nil, s.fail(p.err(obj.Err), "the listing of "+prefix)
		}
		p.kick()
		id, err := childmatch.ParseID("id", strings.TrimPrefix(obj.Key, prefix))
		if err != nil {
			continue
		}
		d, err := s.marked(ctx, obj.Key, id, batches)
		if childmatch.ErrorCodeOf(err) == childmatch.ENotFound {
			// Its alert was erased, and the erasure stopped before this mark: it goes now.
			if err := s.remove(ctx, obj.Key, "the outbox's mark of delivery "+id.String()); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		if out = append(out, d); len(out) == max {
			break
		}
	}
	return out, nil
}

// marked reads the delivery a mark names, through the batches read so far.
func (s *Store) marked(ctx context.Context, key string, id childmatch.ID, batches map[string]*childmatch.Batch) (*childmatch.Delivery, error) {
	alert, bkey, err := s.mark(ctx, key)
	if err != nil {
		return nil, err
	}
	b := batches[bkey]
	if b == nil {
		if b, err = s.Batch(ctx, alert, bkey); err != nil {
			return nil, err
		}
		batches[bkey] = b
	}
	for _, d := range b.Deliveries {
		if d.ID == id {
			return d, nil
		}
	}
	return nil, childmatch.Errorf(childmatch.ENotFound, "no delivery with id %s", id)
}

// mark reads the alert and batch key a failed or disabled mark holds.
func (s *Store) mark(ctx context.Context, key string) (childmatch.ID, string, error) {
	ctx, cancel := s.call(ctx)
	defer cancel()
	obj, err := s.cl.GetObject(ctx, s.bucket, key, miniogo.GetObjectOptions{})
	if err != nil {
		return childmatch.ID{}, "", s.fail(err, "the outbox's mark "+key)
	}
	defer obj.Close()
	b, err := io.ReadAll(io.LimitReader(obj, 256))
	if err != nil {
		return childmatch.ID{}, "", s.fail(err, "the outbox's mark "+key)
	}
	alert, bkey, _ := strings.Cut(string(b), " ")
	id, err := childmatch.ParseID("alert", alert)
	return id, bkey, err
}

// WalkPending lists the pending entries with their metadata, in key order.
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
	meta := map[string]string{}
	for k, v := range obj.UserMetadataStripped {
		meta[strings.ToLower(k)] = v
	}
	alert, err1 := childmatch.ParseID("alert", meta[strings.ToLower(metaAlert)])
	next, err2 := time.Parse(time.RFC3339Nano, meta[strings.ToLower(metaNext)])
	if err1 != nil || err2 != nil {
		return childmatch.Pending{}, false
	}
	e := childmatch.Pending{Key: strings.TrimPrefix(obj.Key, pendingPrefix), Alert: alert, NextAt: next, Version: obj.ETag,
		Owner: meta[strings.ToLower(metaOwner)]}
	if e.Owner != "" {
		e.Until, _ = time.Parse(time.RFC3339Nano, meta[strings.ToLower(metaUntil)])
	}
	return e, true
}

// Claim rewrites the entry with its owner, only over the version listed, and reads the batch. An entry
// that another write changed but that names owner is owner's already (a claim or renewal of its own whose
// answer was lost): it is taken as it is.
func (s *Store) Claim(ctx context.Context, p childmatch.Pending, owner string, until time.Time) (childmatch.Pending, *childmatch.Batch, error) {
	c := p
	c.Owner, c.Until = owner, until
	etag, err := s.putPending(ctx, c, p.Version)
	if lost(err) {
		held, ok := s.heldBy(ctx, p.Key, owner)
		if !ok {
			return p, nil, childmatch.Errorf(childmatch.EConflict, "batch %s was claimed or finished by another worker", p.Key)
		}
		c, etag, err = held, held.Version, nil
	}
	if err != nil {
		return p, nil, err
	}
	c.Version = etag
	b, err := s.Batch(ctx, p.Alert, p.Key)
	return c, b, err
}

// lost reports whether a write conditioned on an ETag lost: another version is there, or none is (MinIO
// answers a write over a missing key as a failed precondition or as the key missing).
func lost(err error) bool {
	code := childmatch.ErrorCodeOf(err)
	return code == childmatch.EConflict || code == childmatch.ENotFound
}

// heldBy answers a batch's entry as it is now when owner holds it. A worker's name is one process's, and
// a process runs one round of a batch at a time, so an entry that names it was written by that round.
func (s *Store) heldBy(ctx context.Context, key, owner string) (childmatch.Pending, bool) {
	ctx, cancel := s.call(ctx)
	defer cancel()
	info, err := s.cl.StatObject(ctx, s.bucket, pendingPrefix+key, miniogo.StatObjectOptions{})
	if err != nil {
		return childmatch.Pending{}, false
	}
	info.UserMetadataStripped = info.UserMetadata // parsePending reads a listing's form, which Stat's is
	e, ok := parsePending(info)
	return e, ok && e.Owner == owner
}

// Finish records a round. It writes the claim's entry again over the version the claim holds, so a
// worker whose lease lapsed and was claimed by another (or whose batch was erased) writes nothing; then
// the batch over the version its claim read, so an erased batch is not written back; then marks and
// unmarks the changed deliveries, and if the batch was erased while it marked them, takes the marks off
// again; then keeps the entry (unclaimed, due at next) or removes it. A claim lost or a batch erased is
// EConflict.
func (s *Store) Finish(ctx context.Context, claim childmatch.Pending, b *childmatch.Batch, next time.Time, changed []*childmatch.Delivery) error {
	if b != nil {
		if b.Version == "" {
			return &childmatch.Error{Code: childmatch.EInternal, Message: "batch " + b.Key + " was not read by its claim"}
		}
		etag, err := s.putPending(ctx, claim, claim.Version)
		if lost(err) {
			held, ok := s.heldBy(ctx, claim.Key, claim.Owner) // a renewal's answer lost: the entry is ours as it is
			if !ok {
				return childmatch.Errorf(childmatch.EConflict, "the claim of batch %s was lost", claim.Key)
			}
			etag, err = held.Version, nil
		}
		if err != nil {
			return err
		}
		claim.Version = etag
		if err := s.putJSON(ctx, batchKey(b.Alert, b.Key), "batch "+b.Key, b, b.Version); lost(err) {
			return childmatch.Errorf(childmatch.EConflict, "batch %s was erased meanwhile", b.Key)
		} else if err != nil {
			return err
		}
	}
	marked := false
	for _, d := range changed {
		if err := s.setMark(ctx, b, d); err != nil {
			return err
		}
		marked = marked || d.Status == childmatch.DeliveryFailed || d.Status == childmatch.DeliveryDisabled
	}
	if marked {
		// An erasure removes the marks after the batch: a mark written after that is this round's to take off.
		if _, err := s.Batch(ctx, b.Alert, b.Key); childmatch.ErrorCodeOf(err) == childmatch.ENotFound {
			for _, d := range changed {
				if err := s.unmark(ctx, d.ID); err != nil {
					return err
				}
			}
			return childmatch.Errorf(childmatch.EConflict, "batch %s was erased meanwhile", b.Key)
		} else if err != nil {
			return err
		}
	}
	if !next.IsZero() {
		e := claim
		e.Owner, e.NextAt = "", next
		if _, err := s.putPending(ctx, e, claim.Version); lost(err) {
			return childmatch.Errorf(childmatch.EConflict, "the entry of batch %s was erased or taken meanwhile", claim.Key)
		} else if err != nil {
			return err
		}
		return nil
	}
	return s.remove(ctx, pendingPrefix+claim.Key, "the outbox entry of batch "+claim.Key)
}

// setMark puts a failed or disabled delivery on the admins' list, and takes one pending again off it.
func (s *Store) setMark(ctx context.Context, b *childmatch.Batch, d *childmatch.Delivery) error {
	if d.Status == childmatch.DeliveryFailed || d.Status == childmatch.DeliveryDisabled {
		ctx, cancel := s.call(ctx)
		defer cancel()
		body := []byte(b.Alert.String() + " " + b.Key)
		_, err := s.cl.PutObject(ctx, s.bucket, markKey(d.Status, d.ID), bytes.NewReader(body), int64(len(body)), miniogo.PutObjectOptions{ContentType: "text/plain"})
		return s.fail(err, "the outbox's mark of delivery "+d.ID.String())
	}
	return s.unmark(ctx, d.ID)
}

// unmark takes a delivery off the admins' list, under either status.
func (s *Store) unmark(ctx context.Context, id childmatch.ID) error {
	for _, st := range []childmatch.DeliveryStatus{childmatch.DeliveryFailed, childmatch.DeliveryDisabled} {
		if err := s.remove(ctx, markKey(st, id), "the outbox's mark of delivery "+id.String()); err != nil {
			return err
		}
	}
	return nil
}

// Reopen answers the entry of a failed or disabled delivery's batch, writing it if the batch has none.
func (s *Store) Reopen(ctx context.Context, id childmatch.ID, owner string, until time.Time) (childmatch.Pending, error) {
	for _, status := range []childmatch.DeliveryStatus{childmatch.DeliveryFailed, childmatch.DeliveryDisabled} {
		alert, key, err := s.mark(ctx, markKey(status, id))
		if childmatch.ErrorCodeOf(err) == childmatch.ENotFound {
			continue
		}
		if err != nil {
			return childmatch.Pending{}, err
		}
		e := childmatch.Pending{Key: key, Alert: alert, NextAt: until, Owner: owner, Until: until}
		e.Version, err = s.putPending(ctx, e, "*")
		if err == nil {
			return e, nil
		}
		if childmatch.ErrorCodeOf(err) != childmatch.EConflict {
			return e, err
		}
		var found childmatch.Pending
		err = s.WalkPending(ctx, func(p childmatch.Pending) bool {
			if p.Key == key {
				found = p
			}
			return p.Key < key
		})
		if found.Key == "" && err == nil {
			err = childmatch.Errorf(childmatch.EConflict, "the batch of delivery %s changed meanwhile, try again", id)
		}
		return found, err
	}
	return childmatch.Pending{}, childmatch.Errorf(childmatch.ENotFound, "no failed or disabled delivery with id %s", id)
}

// WalkDeliveryAlerts lists the alerts under deliveries/, one listing of their folders.
func (s *Store) WalkDeliveryAlerts(ctx context.Context, fn func(childmatch.ID) error) error {
	p := s.stream(ctx)
	defer p.done()
	for obj := range s.cl.ListObjects(p.ctx, s.bucket, miniogo.ListObjectsOptions{Prefix: "deliveries/"}) {
		if obj.Err != nil {
			return s.fail(p.err(obj.Err), "the listing of deliveries/")
		}
		p.kick()
		id, err := childmatch.ParseID("alert", strings.TrimSuffix(strings.TrimPrefix(obj.Key, "deliveries/"), "/"))
		if err != nil {
			continue // not an alert's folder
		}
		if err := fn(id); err != nil {
			return err
		}
	}
	return nil
}

// EraseDeliveries removes an alert's fan-outs in progress, then each of its batches, FanoutWriters at a
// time: its pending entry (so no worker claims it again), the batch (so no round writes it back: Finish
// writes over the version it claimed), then the marks of its deliveries not sent (one pending in the copy
// read may have been marked since; a round that marks one after this finds the batch gone and takes its
// mark off: Finish). A mark a failure part way leaves names a batch that is gone: the admins' list drops
// it (Deliveries), and the sweeper erases what is left of an erased case's alert.
func (s *Store) EraseDeliveries(ctx context.Context, alert childmatch.ID) error {
	var seqs []int
	err := walk(ctx, s, "outbox/fanout/"+alert.String()+"-", "", func(f *childmatch.Fanout) (bool, error) {
		seqs = append(seqs, f.Message.Seq)
		return true, nil
	})
	if err != nil {
		return err
	}
	for _, seq := range seqs {
		if err := s.EndFanout(ctx, alert, seq); err != nil {
			return err
		}
	}
	var g errgroup.Group
	g.SetLimit(childmatch.FanoutWriters)
	err = walk(ctx, s, "deliveries/"+alert.String()+"/", "", func(b *childmatch.Batch) (bool, error) {
		g.Go(func() error {
			if err := s.remove(ctx, pendingPrefix+b.Key, "the outbox entry of batch "+b.Key); err != nil {
				return err
			}
			if err := s.remove(ctx, batchKey(alert, b.Key), "batch "+b.Key); err != nil {
				return err
			}
			for _, d := range b.Deliveries {
				if d.Status == childmatch.DeliverySent { // sent is for good: never marked
					continue
				}
				if err := s.unmark(ctx, d.ID); err != nil {
					return err
				}
			}
			return nil
		})
		return true, nil
	})
	return errors.Join(err, g.Wait())
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
