package inmem

import (
	"context"
	"slices"
	"sort"
	"strconv"
	"time"

	"childmatch"
)

// The outbox as minio/outbox.go keeps it: batches by key, an index of pending ones with a version that
// every write changes, the failed and disabled marks, and fan-outs in progress.
type outbox struct {
	batches map[string][]byte
	pending map[string]childmatch.Pending
	marks   map[childmatch.ID]string // delivery -> its batch's key
	fanouts map[string][]byte
	version int
}

var _ childmatch.DeliveryStore = (*Store)(nil)

// box answers the outbox, made on first use. Call it locked.
func (s *Store) box() *outbox {
	o := &s.d.outbox
	if o.batches == nil {
		o.batches, o.pending = map[string][]byte{}, map[string]childmatch.Pending{}
		o.marks, o.fanouts = map[childmatch.ID]string{}, map[string][]byte{}
	}
	return o
}

func (o *outbox) put(p childmatch.Pending) childmatch.Pending {
	o.version++
	p.Version = strconv.Itoa(o.version)
	o.pending[p.Key] = p
	return p
}

func (s *Store) CreateBatches(_ context.Context, bs []*childmatch.Batch) error {
	if err := s.lock(); err != nil {
		return err
	}
	defer s.unlock()
	o := s.box()
	for _, b := range bs {
		if have, ok := o.batches[b.Key]; ok {
			b = decode[childmatch.Batch](have)
		} else {
			o.batches[b.Key] = encode(b)
		}
		if _, ok := o.pending[b.Key]; !ok {
			if next, pending := b.NextDue(); pending {
				o.put(childmatch.Pending{Key: b.Key, Alert: b.Alert, NextAt: next})
			}
		}
	}
	return nil
}

func (s *Store) Batch(_ context.Context, alert childmatch.ID, key string) (*childmatch.Batch, error) {
	if err := s.lock(); err != nil {
		return nil, err
	}
	defer s.unlock()
	if b, ok := s.box().batches[key]; ok {
		if b := decode[childmatch.Batch](b); b.Alert == alert {
			return b, nil
		}
	}
	return nil, notFound("batch " + key)
}

// sorted returns the batches in key order. Call it locked.
func (o *outbox) sorted() []*childmatch.Batch {
	keys := make([]string, 0, len(o.batches))
	for k := range o.batches {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]*childmatch.Batch, len(keys))
	for i, k := range keys {
		out[i] = decode[childmatch.Batch](o.batches[k])
	}
	return out
}

func (s *Store) AlertDeliveries(_ context.Context, alert childmatch.ID) ([]*childmatch.Delivery, error) {
	if err := s.lock(); err != nil {
		return nil, err
	}
	defer s.unlock()
	out := []*childmatch.Delivery{}
	for _, b := range s.box().sorted() {
		if b.Alert == alert {
			out = append(out, b.Deliveries...)
		}
	}
	return out, nil
}

// PageAlertDeliveries gives p the alert's batches in their parts' order, as minio.Store lists them.
func (s *Store) PageAlertDeliveries(_ context.Context, alert childmatch.ID, p *childmatch.BatchPager) error {
	if err := s.lock(); err != nil {
		return err
	}
	var theirs []*childmatch.Batch
	for _, b := range s.box().sorted() {
		if b.Alert == alert {
			theirs = append(theirs, b)
		}
	}
	s.unlock()
	sort.Slice(theirs, func(i, j int) bool { return theirs[i].Part() < theirs[j].Part() })
	for _, b := range theirs {
		if !p.Add(b) {
			break
		}
	}
	return nil
}

// Deliveries answers the marked deliveries in the status after the id after, in id order as
// minio.Store lists their marks.
func (s *Store) Deliveries(_ context.Context, status childmatch.DeliveryStatus, after childmatch.ID, max int) ([]*childmatch.Delivery, error) {
	if status != childmatch.DeliveryFailed && status != childmatch.DeliveryDisabled {
		return nil, childmatch.FieldError("status", `must be "failed" or "disabled" (the others are listed with their alert)`)
	}
	if err := s.lock(); err != nil {
		return nil, err
	}
	defer s.unlock()
	o := s.box()
	out := []*childmatch.Delivery{}
	for _, b := range o.sorted() {
		for _, d := range b.Deliveries {
			if o.marks[d.ID] != "" && d.Status == status && d.ID.Compare(after) > 0 {
				out = append(out, d)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID.Compare(out[j].ID) < 0 })
	return out[:min(max, len(out))], nil
}

func (s *Store) WalkPending(_ context.Context, fn func(childmatch.Pending) bool) error {
	if err := s.lock(); err != nil {
		return err
	}
	o := s.box()
	entries := make([]childmatch.Pending, 0, len(o.pending))
	for _, p := range o.pending {
		entries = append(entries, p)
	}
	s.unlock()
	sort.Slice(entries, func(i, j int) bool { return entries[i].Key < entries[j].Key })
	for _, e := range entries {
		if !fn(e) {
			return nil
		}
	}
	return nil
}

func (s *Store) Claim(_ context.Context, p childmatch.Pending, owner string, until time.Time) (childmatch.Pending, *childmatch.Batch, error) {
	if err := s.lock(); err != nil {
		return p, nil, err
	}
	defer s.unlock()
	o := s.box()
	if have, ok := o.pending[p.Key]; !ok || have.Version != p.Version {
		return p, nil, childmatch.Errorf(childmatch.EConflict, "batch %s was claimed or finished by another worker", p.Key)
	}
	p.Owner, p.Until = owner, until
	b, ok := o.batches[p.Key]
	if !ok {
		return o.put(p), nil, notFound("batch " + p.Key)
	}
	return o.put(p), decode[childmatch.Batch](b), nil
}

func (s *Store) Finish(_ context.Context, claim childmatch.Pending, b *childmatch.Batch, next time.Time, changed []*childmatch.Delivery) error {
	if err := s.lock(); err != nil {
		return err
	}
	defer s.unlock()
	o := s.box()
	if have, ok := o.pending[claim.Key]; !ok || have.Version != claim.Version {
		return childmatch.Errorf(childmatch.EConflict, "the claim of batch %s was lost", claim.Key)
	}
	if b != nil {
		if _, ok := o.batches[b.Key]; !ok {
			return childmatch.Errorf(childmatch.EConflict, "batch %s was erased meanwhile", b.Key)
		}
		o.batches[b.Key] = encode(b)
	}
	for _, d := range changed {
		if d.Status == childmatch.DeliveryFailed || d.Status == childmatch.DeliveryDisabled {
			o.marks[d.ID] = b.Key
		} else {
			delete(o.marks, d.ID)
		}
	}
	if next.IsZero() {
		delete(o.pending, claim.Key)
		return nil
	}
	claim.Owner, claim.Until, claim.NextAt = "", time.Time{}, next
	o.put(claim)
	return nil
}

func (s *Store) Reopen(_ context.Context, id childmatch.ID, owner string, until time.Time) (childmatch.Pending, error) {
	if err := s.lock(); err != nil {
		return childmatch.Pending{}, err
	}
	defer s.unlock()
	o := s.box()
	key, ok := o.marks[id]
	if !ok {
		return childmatch.Pending{}, childmatch.Errorf(childmatch.ENotFound, "no failed or disabled delivery with id %s", id)
	}
	if p, ok := o.pending[key]; ok {
		return p, nil
	}
	b := decode[childmatch.Batch](o.batches[key])
	return o.put(childmatch.Pending{Key: key, Alert: b.Alert, NextAt: until, Owner: owner, Until: until}), nil
}

func (s *Store) WalkDeliveryAlerts(_ context.Context, fn func(childmatch.ID) error) error {
	if err := s.lock(); err != nil {
		return err
	}
	var alerts []childmatch.ID
	for _, b := range s.box().sorted() {
		alerts = append(alerts, b.Alert)
	}
	s.unlock()
	slices.SortFunc(alerts, func(a, b childmatch.ID) int { return a.Compare(b) })
	for _, a := range slices.Compact(alerts) {
		if err := fn(a); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) EraseDeliveries(_ context.Context, alert childmatch.ID) error {
	if err := s.lock(); err != nil {
		return err
	}
	defer s.unlock()
	o := s.box()
	for key, raw := range o.batches {
		b := decode[childmatch.Batch](raw)
		if b.Alert != alert {
			continue
		}
		for _, d := range b.Deliveries {
			delete(o.marks, d.ID)
		}
		delete(o.pending, key)
		delete(o.batches, key)
	}
	for name, raw := range o.fanouts {
		if decode[childmatch.Fanout](raw).Alert == alert {
			delete(o.fanouts, name)
		}
	}
	return nil
}

func fanoutName(alert childmatch.ID, seq int) string { return alert.String() + "-" + strconv.Itoa(seq) }

func (s *Store) BeginFanout(_ context.Context, f *childmatch.Fanout) error {
	if err := s.lock(); err != nil {
		return err
	}
	defer s.unlock()
	s.box().fanouts[fanoutName(f.Alert, f.Message.Seq)] = encode(f)
	return nil
}

func (s *Store) EndFanout(_ context.Context, alert childmatch.ID, seq int) error {
	if err := s.lock(); err != nil {
		return err
	}
	defer s.unlock()
	delete(s.box().fanouts, fanoutName(alert, seq))
	return nil
}

func (s *Store) Fanouts(_ context.Context) ([]*childmatch.Fanout, error) {
	if err := s.lock(); err != nil {
		return nil, err
	}
	defer s.unlock()
	names := make([]string, 0, len(s.box().fanouts))
	for k := range s.box().fanouts {
		names = append(names, k)
	}
	sort.Strings(names)
	out := make([]*childmatch.Fanout, len(names))
	for i, k := range names {
		out[i] = decode[childmatch.Fanout](s.box().fanouts[k])
	}
	return out, nil
}
