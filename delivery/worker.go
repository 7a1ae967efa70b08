package delivery

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"childmatch"
)

// Run sends due deliveries until ctx ends, with cfg.Workers attempts at once, then waits for the attempts
// in flight. Each lane (a post's target) has one attempt at most at a time, its deliveries in order; a
// slow or dead target holds one worker for AttemptTimeout at most and then waits out its backoff, so it
// never delays the others.
func (o *Outbox) Run(ctx context.Context) {
	work := make(chan childmatch.Pending)
	var wg sync.WaitGroup
	for range max(1, o.cfg.Workers) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range work {
				o.attempt(ctx, p)
				o.setBusy(p.Lane, false)
				o.Wake() // the lane's next delivery may be due
			}
		}()
	}
	defer wg.Wait()
	defer close(work)
	lastResume := time.Time{}
	for ctx.Err() == nil {
		if o.now().Sub(lastResume) >= o.cfg.FanoutGrace/2 {
			if err := o.resume(ctx); err != nil && ctx.Err() == nil {
				o.log.Warn("finishing fan-outs cut short", "err", err)
			}
			lastResume = o.now()
		}
		due, next, err := o.due(ctx)
		if err != nil && ctx.Err() == nil {
			o.log.Warn("looking for due deliveries", "err", err)
		}
		for _, p := range due {
			o.setBusy(p.Lane, true)
			select {
			case work <- p:
			case <-ctx.Done():
				return
			}
		}
		wait := o.cfg.Poll
		if !next.IsZero() {
			wait = min(wait, max(0, next.Sub(o.now())))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
		case <-o.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

func (o *Outbox) setBusy(lane string, busy bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if busy {
		o.busy[lane] = true
	} else {
		delete(o.busy, lane)
	}
}

// due lists the heads of the lanes that are due and free, oldest first, and when the next one that is
// not yet due will be.
func (o *Outbox) due(ctx context.Context) ([]childmatch.Pending, time.Time, error) {
	now := o.now()
	var due []childmatch.Pending
	var next time.Time
	later := func(t time.Time) {
		if next.IsZero() || t.Before(next) {
			next = t
		}
	}
	lane := ""
	o.mu.Lock()
	busy := make(map[string]bool, len(o.busy))
	for l := range o.busy {
		busy[l] = true
	}
	o.mu.Unlock()
	err := o.d.Store.WalkPending(ctx, func(p childmatch.Pending) bool {
		if p.Lane == lane {
			return true // not the lane's head: it waits for the one before it
		}
		lane = p.Lane
		switch {
		case busy[p.Lane]:
		case !p.Claimable(o.owner, now):
			later(p.Until)
		case p.NextAt.After(now):
			later(p.NextAt)
		default:
			due = append(due, p)
		}
		return true
	})
	slices.SortFunc(due, func(a, b childmatch.Pending) int { return a.NextAt.Compare(b.NextAt) })
	return due, next, err
}

// attempt claims a delivery, sends it and records the attempt. Losing the claim to another worker is
// not an error: that worker sends it. An attempt cut by the process stopping is not recorded; its claim
// is taken over when the node starts again, or by another replica when the lease runs out.
func (o *Outbox) attempt(ctx context.Context, p childmatch.Pending) {
	claim, err := o.d.Store.Claim(ctx, p, o.owner, o.now().Add(o.cfg.Lease))
	if err != nil {
		if c := childmatch.ErrorCodeOf(err); c != childmatch.EConflict && c != childmatch.ENotFound && ctx.Err() == nil {
			o.log.Warn("claiming a delivery", "delivery", p.ID.String(), "err", err)
		}
		return
	}
	d, err := o.d.Store.Delivery(ctx, p.Alert, p.ID)
	if childmatch.ErrorCodeOf(err) == childmatch.ENotFound {
		d = nil // the entry of an erased alert's delivery
	} else if err != nil {
		o.log.Warn("reading a delivery", "delivery", p.ID.String(), "err", err)
		return
	}
	if d != nil && d.Status == childmatch.DeliveryPending {
		start := o.now()
		err = o.send(ctx, d)
		if ctx.Err() != nil {
			return
		}
		o.record(d, start, err)
	}
	if err := o.d.Store.Finish(ctx, claim, d); err != nil && ctx.Err() == nil {
		o.log.Warn("recording a delivery's attempt", "delivery", p.ID.String(), "err", err)
	}
}

// send composes the delivery and makes one attempt on its channel, within AttemptTimeout.
func (o *Outbox) send(ctx context.Context, d *childmatch.Delivery) error {
	s := o.d.Senders[d.Channel]
	if s == nil {
		return &childmatch.SendError{Reason: "no sender for the channel " + string(d.Channel) + " is configured", Permanent: true}
	}
	out, err := o.compose(ctx, d)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, o.cfg.AttemptTimeout)
	defer cancel()
	return s.Send(ctx, d, out)
}

// record adds the attempt to the delivery and sets what follows: sent, disabled (the endpoint is gone),
// failed (for good, or past GiveUp), or pending again after the backoff or the target's Retry-After.
func (o *Outbox) record(d *childmatch.Delivery, start time.Time, err error) {
	now := o.now()
	a := childmatch.Attempt{At: start.UTC(), Took: now.Sub(start)}
	defer func() { d.Attempts = append(d.Attempts, a) }()
	if err == nil {
		t := now.UTC()
		d.Status, d.SentAt = childmatch.DeliverySent, &t
		return
	}
	var se *childmatch.SendError
	if !errors.As(err, &se) {
		// Not a channel's answer: the alert, case or post could not be read. Tried again like a timeout.
		se = &childmatch.SendError{Reason: "composing the message: " + childmatch.ErrorMessage(err), Permanent: childmatch.ErrorCodeOf(err) == childmatch.ENotFound}
	}
	a.Status, a.Error = se.Status, se.Reason
	switch {
	case se.Gone:
		d.Status = childmatch.DeliveryDisabled
	case se.Permanent:
		d.Status = childmatch.DeliveryFailed
	default:
		if next, ok := o.retryAt(d, now, se.RetryAfter); ok {
			d.NextAt = next.UTC()
		} else {
			d.Status = childmatch.DeliveryFailed
		}
	}
}

// retryAt is when to try a delivery again after a failed attempt at now, the one being recorded; false
// once GiveUp has passed since its first attempt (since it was replayed, for a replayed one).
func (o *Outbox) retryAt(d *childmatch.Delivery, now time.Time, retryAfter time.Duration) (time.Time, bool) {
	since := d.CreatedAt
	if d.ReplayedAt != nil {
		since = *d.ReplayedAt
	}
	first, failures := now, 1 // this one
	for _, a := range d.Attempts {
		if !a.At.Before(since) {
			failures++
			if a.At.Before(first) {
				first = a.At
			}
		}
	}
	end := first.Add(o.cfg.GiveUp)
	if !now.Before(end) {
		return time.Time{}, false
	}
	wait := o.cfg.RetryEvery
	if failures <= len(o.cfg.Backoff) {
		wait = o.cfg.Backoff[failures-1]
	}
	wait = time.Duration(float64(wait) * (1 + o.cfg.Jitter*(2*o.rand()-1)))
	if retryAfter > 0 {
		wait = min(retryAfter, o.cfg.MaxRetryAfter)
	}
	next := now.Add(wait)
	if next.After(end) {
		next = end // one last attempt at the end of the day
	}
	return next, true
}
