package delivery

import (
	"context"
	"errors"
	"sync"
	"time"

	"childmatch"
	"childmatch/metrics"
)

// Run sends due deliveries until ctx ends, then waits for the attempts in flight. It works on up to
// DeliveryBatchesInFlight batches at once, each claimed for the round of its due deliveries, with
// cfg.Workers attempts at once in all. A target's deliveries go in order: one waits while the target
// has an earlier one pending in an earlier batch. A slow or dead target holds one worker for
// AttemptTimeout at most and then waits out its backoff, so it never delays the others.
func (o *Outbox) Run(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	lastResume := time.Time{}
	for ctx.Err() == nil {
		if o.now().Sub(lastResume) >= o.cfg.FanoutGrace/2 {
			if err := o.resume(ctx); err != nil && ctx.Err() == nil {
				o.log.Warn("finishing fan-outs cut short", "err", err)
			}
			lastResume = o.now()
		}
		due, earlier, next, err := o.due(ctx)
		if err != nil && ctx.Err() == nil {
			o.log.Warn("looking for due deliveries", "err", err)
		}
		for i, p := range due {
			if !o.setBusy(p.Key, true) {
				break // DeliveryBatchesInFlight reached: a round that ends wakes the loop
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				o.round(ctx, p, earlier[i])
				o.setBusy(p.Key, false)
				o.Wake()
			}()
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

// setBusy marks a batch worked on here, or no longer; false when DeliveryBatchesInFlight are already.
func (o *Outbox) setBusy(key string, busy bool) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !busy {
		delete(o.busy, key)
		return true
	}
	if len(o.busy) >= childmatch.DeliveryBatchesInFlight {
		return false
	}
	o.busy[key] = true
	return true
}

// message is a batch key without its part: the batches of one message share it.
func message(key string) string { return key[:max(0, len(key)-4)] }

// due lists the pending batches that are due and free, in order, each with the pending batches of other
// messages before it (which may hold an earlier delivery to one of its targets), and when the next one
// that is not yet due will be. A batch waits while one of those is being worked on (its round ends in
// seconds, and wakes the loop).
func (o *Outbox) due(ctx context.Context) (due []childmatch.Pending, earlier [][]childmatch.Pending, next time.Time, err error) {
	now := o.now()
	later := func(t time.Time) {
		if next.IsZero() || t.Before(next) {
			next = t
		}
	}
	o.mu.Lock()
	busy := make(map[string]bool, len(o.busy))
	for k := range o.busy {
		busy[k] = true
	}
	o.mu.Unlock()
	var before []childmatch.Pending
	err = o.d.Store.WalkPending(ctx, func(p childmatch.Pending) bool {
		var others []childmatch.Pending
		worked := false // an earlier batch of another message is being worked on: this one waits for it
		for _, e := range before {
			if message(e.Key) != message(p.Key) {
				others = append(others, e)
				worked = worked || busy[e.Key] || !e.Claimable(o.owner, now) || !e.NextAt.After(now)
			}
		}
		switch {
		case busy[p.Key] || worked:
		case !p.Claimable(o.owner, now):
			later(p.Until)
		case p.NextAt.After(now):
			later(p.NextAt)
		default:
			due, earlier = append(due, p), append(earlier, others)
		}
		before = append(before, p)
		return true
	})
	return due, earlier, next, err
}

// round claims a batch, attempts its due deliveries and records them. Losing the claim to another
// worker is not an error: that worker sends them. Attempts cut by the process stopping are not recorded
// (they are made again, with the same ids); the rest are.
func (o *Outbox) round(ctx context.Context, p childmatch.Pending, earlier []childmatch.Pending) {
	claim, b, err := o.d.Store.Claim(ctx, p, o.owner, o.now().Add(o.cfg.Lease))
	if code := childmatch.ErrorCodeOf(err); code == childmatch.EConflict {
		return
	} else if code == childmatch.ENotFound {
		b = nil // the entry of an erased alert's batch: removed below
	} else if err != nil {
		if ctx.Err() == nil {
			o.log.Warn("claiming a batch of deliveries", "batch", p.Key, "err", err)
		}
		return
	}
	if b != nil {
		// Read afresh, not from the cache compose reads (another replica may have erased it).
		if _, err := o.d.Alerts.Alert(ctx, b.Alert); childmatch.ErrorCodeOf(err) == childmatch.ENotFound {
			// Its alert was erased after the batch was written (by a fan-out under way as it was erased):
			// the alert's deliveries go, rather than fail for want of what to send.
			if err := o.Erase(ctx, b.Alert); err != nil && ctx.Err() == nil {
				o.log.Warn("erasing the deliveries of an erased alert", "alert", b.Alert, "err", err)
			}
			return
		}
	}
	var next time.Time
	var changed []*childmatch.Delivery
	if b != nil {
		held, err := o.held(ctx, earlier)
		if err != nil {
			o.log.Warn("reading earlier batches", "batch", p.Key, "err", err)
			return
		}
		renewed := o.renew(ctx, claim)
		changed, next = o.attempts(ctx, b, held)
		if claim = renewed(); claim.Key == "" {
			return // the claim was lost: whoever took it attempts the batch again
		}
	}
	// Recorded even when the process is stopping: what was sent stays sent.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), o.cfg.AttemptTimeout)
	defer cancel()
	if err := o.d.Store.Finish(fctx, claim, b, next, changed); childmatch.ErrorCodeOf(err) == childmatch.EConflict {
		o.log.Info("a batch's attempts not recorded: it was erased or another worker's round wrote it", "batch", p.Key)
	} else if err != nil {
		o.log.Warn("recording a batch's attempts", "batch", p.Key, "err", err)
	}
}

// renew keeps a claim for as long as its round lasts, writing it again every third of the lease (a
// round of dead targets can outlast one lease); the function it returns ends the renewal and answers the
// claim as last written, with an empty key if it was lost.
func (o *Outbox) renew(ctx context.Context, claim childmatch.Pending) func() childmatch.Pending {
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(o.cfg.Lease / 3)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-ctx.Done():
				return
			case <-t.C:
			}
			c, _, err := o.d.Store.Claim(ctx, claim, o.owner, o.now().Add(o.cfg.Lease))
			if childmatch.ErrorCodeOf(err) == childmatch.EConflict {
				claim.Key = ""
				return
			}
			if err == nil || c.Version != claim.Version { // rewritten, even if its batch was not read
				claim = c
			}
		}
	}()
	return func() childmatch.Pending {
		close(stop)
		<-done
		return claim
	}
}

// held answers the targets with a delivery pending in the earlier batches, and when each is next due.
func (o *Outbox) held(ctx context.Context, earlier []childmatch.Pending) (map[string]time.Time, error) {
	held := map[string]time.Time{}
	for _, e := range earlier {
		b, err := o.d.Store.Batch(ctx, e.Alert, e.Key)
		if childmatch.ErrorCodeOf(err) == childmatch.ENotFound {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, d := range b.Deliveries {
			if t, ok := held[d.Lane()]; d.Status == childmatch.DeliveryPending && (!ok || d.NextAt.Before(t)) {
				held[d.Lane()] = d.NextAt
			}
		}
	}
	return held, nil
}

// attempts sends the batch's due deliveries whose targets are not held, cfg.Workers at once in all
// batches, and answers the deliveries that were failed or disabled, and when the batch is next due (zero
// when nothing is pending).
func (o *Outbox) attempts(ctx context.Context, b *childmatch.Batch, held map[string]time.Time) ([]*childmatch.Delivery, time.Time) {
	now := o.now()
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		changed []*childmatch.Delivery
		next    time.Time
	)
	later := func(t time.Time) {
		if next.IsZero() || t.Before(next) {
			next = t
		}
	}
	for _, d := range b.Deliveries {
		if d.Status != childmatch.DeliveryPending {
			continue
		}
		if t, ok := held[d.Lane()]; ok {
			if t.Before(now.Add(o.cfg.Poll)) {
				t = now.Add(o.cfg.Poll)
			}
			later(t) // after the earlier one's next attempt
			continue
		}
		if d.NextAt.After(now) {
			later(d.NextAt)
			continue
		}
		select {
		case o.slots <- struct{}{}:
		case <-ctx.Done():
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-o.slots }()
			start := o.now()
			err := o.send(ctx, d)
			if ctx.Err() != nil {
				return // cut by the process stopping: not recorded
			}
			o.record(d, start, err)
			mu.Lock()
			defer mu.Unlock()
			if d.Status == childmatch.DeliveryPending {
				later(d.NextAt)
			} else if d.Status != childmatch.DeliverySent {
				changed = append(changed, d)
			}
		}()
	}
	wg.Wait()
	if ctx.Err() != nil { // attempts not made or not recorded are due at once after a restart
		next = now
	}
	return changed, next
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
	defer func() {
		d.Attempts = append(d.Attempts, a)
		metrics.DeliveryDone(d.Channel, d.Status, a.Took)
	}()
	if err == nil {
		t := now.UTC()
		d.Status, d.SentAt = childmatch.DeliverySent, &t
		return
	}
	var se *childmatch.SendError
	if !errors.As(err, &se) {
		// Not a channel's answer: the alert, case or post could not be read. Tried again, unless gone.
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
