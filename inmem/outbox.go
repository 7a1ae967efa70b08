package inmem

import (
	"context"
	"sort"
	"strconv"
	"time"

	"childmatch"
)

// The outbox as minio/outbox.go keeps it: deliveries by id, an index of pending ones by lane and order
// with a version that every write changes, the failed and disabled marks, and fan-outs in progress.
type outbox struct {
	deliveries map[childmatch.ID][]byte
	pending    map[string]childmatch.Pending // by lane/order
	marks      map[childmatch.ID]childmatch.DeliveryStatus
	fanouts    map[string][]byte
	version    int
}

var _ childmatch.DeliveryStore = (*Store)(nil)

// box answers the outbox, made on first use. Call it locked.
func (s *Store) box() *outbox {
	o := &s.d.outbox
	if o.deliveries == nil {
		o.deliveries, o.pending = map[childmatch.ID][]byte{}, map[string]childmatch.Pending{}
		o.marks, o.fanouts = map[childmatch.ID]childmatch.DeliveryStatus{}, map[string][]byte{}
	}
	return o
}

func (o *outbox) put(p childmatch.Pending) childmatch.Pending {
	o.version++
	p.Version = strconv.Itoa(o.version)
	o.pending[p.Lane+"/"+p.Order] = p
	return p
}

func pendingOf(d *childmatch.Delivery) childmatch.Pending {
	return childmatch.Pending{ID: d.ID, Alert: d.Alert, Lane: d.Lane(), Order: d.Order(), NextAt: d.NextAt}
}

func (s *Store) CreateDeliveries(_ context.Context, ds []*childmatch.Delivery) error {
	if err := s.lock(); err != nil {
		return err
	}
	defer s.unlock()
	o := s.box()
	for _, d := range ds {
		if have, ok := o.deliveries[d.ID]; ok {
			if h := decode[childmatch.Delivery](have); h.Status == childmatch.DeliveryPending {
				if _, ok := o.pending[h.Lane()+"/"+h.Order()]; !ok {
					o.put(pendingOf(h))
				}
			}
			continue
		}
		o.deliveries[d.ID] = encode(d)
		o.put(pendingOf(d))
	}
	return nil
}

func (s *Store) Delivery(_ context.Context, alert, id childmatch.ID) (*childmatch.Delivery, error) {
	if err := s.lock(); err != nil {
		return nil, err
	}
	defer s.unlock()
	if b, ok := s.box().deliveries[id]; ok {
		if d := decode[childmatch.Delivery](b); d.Alert == alert {
			return d, nil
		}
	}
	return nil, notFound("delivery " + id.String())
}

// matching decodes the deliveries keep accepts, in id order. Call it locked.
func (o *outbox) matching(keep func(*childmatch.Delivery) bool, max int) []*childmatch.Delivery {
	out := []*childmatch.Delivery{}
	for _, b := range o.deliveries {
		if d := decode[childmatch.Delivery](b); keep(d) {
			out = append(out, d)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID.String() < out[j].ID.String() })
	if max > 0 && len(out) > max {
		out = out[:max]
	}
	return out
}

func (s *Store) AlertDeliveries(_ context.Context, alert childmatch.ID) ([]*childmatch.Delivery, error) {
	if err := s.lock(); err != nil {
		return nil, err
	}
	defer s.unlock()
	return s.box().matching(func(d *childmatch.Delivery) bool { return d.Alert == alert }, 0), nil
}

func (s *Store) Deliveries(_ context.Context, status childmatch.DeliveryStatus, max int) ([]*childmatch.Delivery, error) {
	if status != childmatch.DeliveryPending && status != childmatch.DeliveryFailed && status != childmatch.DeliveryDisabled {
		return nil, childmatch.FieldError("status", `must be "pending", "failed" or "disabled" (sent deliveries are listed with their alert)`)
	}
	if err := s.lock(); err != nil {
		return nil, err
	}
	defer s.unlock()
	return s.box().matching(func(d *childmatch.Delivery) bool { return d.Status == status }, max), nil
}

func (s *Store) WalkPending(_ context.Context, fn func(childmatch.Pending) bool) error {
	if err := s.lock(); err != nil {
		return err
	}
	o := s.box()
	keys := make([]string, 0, len(o.pending))
	for k := range o.pending {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	entries := make([]childmatch.Pending, len(keys))
	for i, k := range keys {
		entries[i] = o.pending[k]
	}
	s.unlock()
	for _, e := range entries {
		if !fn(e) {
			return nil
		}
	}
	return nil
}

func (s *Store) Claim(_ context.Context, p childmatch.Pending, owner string, until time.Time) (childmatch.Pending, error) {
	if err := s.lock(); err != nil {
		return p, err
	}
	defer s.unlock()
	o := s.box()
	if have, ok := o.pending[p.Lane+"/"+p.Order]; !ok || have.Version != p.Version {
		return p, childmatch.Errorf(childmatch.EConflict, "delivery %s was claimed or finished by another worker", p.ID)
	}
	p.Owner, p.Until = owner, until
	return o.put(p), nil
}

func (s *Store) Finish(_ context.Context, claim childmatch.Pending, d *childmatch.Delivery) error {
	if err := s.lock(); err != nil {
		return err
	}
	defer s.unlock()
	o := s.box()
	key := claim.Lane + "/" + claim.Order
	if have, ok := o.pending[key]; !ok || have.Version != claim.Version {
		return childmatch.Errorf(childmatch.EConflict, "the claim of delivery %s was lost", claim.ID)
	}
	if d == nil {
		delete(o.pending, key)
		return nil
	}
	o.deliveries[d.ID] = encode(d)
	if d.Status == childmatch.DeliveryPending {
		claim.Owner, claim.Until, claim.NextAt = "", time.Time{}, d.NextAt
		o.put(claim)
		return nil
	}
	if d.Status == childmatch.DeliveryFailed || d.Status == childmatch.DeliveryDisabled {
		o.marks[d.ID] = d.Status
	}
	delete(o.pending, key)
	return nil
}

func (s *Store) Replay(_ context.Context, id childmatch.ID, now time.Time) (*childmatch.Delivery, error) {
	if err := s.lock(); err != nil {
		return nil, err
	}
	defer s.unlock()
	o := s.box()
	if _, ok := o.marks[id]; !ok {
		return nil, childmatch.Errorf(childmatch.ENotFound, "no failed or disabled delivery with id %s", id)
	}
	d := decode[childmatch.Delivery](o.deliveries[id])
	d.Status, d.NextAt, d.ReplayedAt = childmatch.DeliveryPending, now, &now
	o.deliveries[id] = encode(d)
	o.put(pendingOf(d))
	delete(o.marks, id)
	return d, nil
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
