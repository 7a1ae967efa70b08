package delivery

import (
	"context"
	"slices"
	"time"

	"childmatch"
)

// AlertDeliveries answers a page of an alert's deliveries with their attempts, in the order they were
// made (message by message), for whoever may see the alert (its opening is in the audit trail). The
// targets (a webhook's address, a chat, a number) are contacts: only admins see them.
func (o *Outbox) AlertDeliveries(ctx context.Context, actor childmatch.Actor, alert childmatch.ID, q childmatch.DeliveryQuery) (*childmatch.DeliveryPage, error) {
	limit, err := childmatch.PageLimit(q.Limit, childmatch.DefaultPageSize, childmatch.MaxPageSize)
	if err != nil {
		return nil, err
	}
	after, err := childmatch.ParseBatchPosition(q.Cursor)
	if err != nil {
		return nil, err
	}
	if _, err := o.d.Visible.Alert(ctx, actor, alert); err != nil {
		return nil, err
	}
	p := &childmatch.BatchPager{After: after, Limit: limit, Page: []*childmatch.Delivery{}}
	if err := o.d.Store.PageAlertDeliveries(ctx, alert, p); err != nil {
		return nil, err
	}
	if !actor.May(childmatch.ActManagePosts) {
		for _, d := range p.Page {
			d.Target = ""
		}
	}
	return &childmatch.DeliveryPage{Deliveries: p.Page, Next: p.Next.String()}, nil
}

// Deliveries answers a page of the deliveries in a status (failed, disabled), oldest first, for admins:
// those that need a hand. The cursor is the last delivery's id.
func (o *Outbox) Deliveries(ctx context.Context, actor childmatch.Actor, status childmatch.DeliveryStatus, q childmatch.DeliveryQuery) (*childmatch.DeliveryPage, error) {
	if err := actor.Require(childmatch.ActManagePosts); err != nil {
		return nil, err
	}
	limit, err := childmatch.PageLimit(q.Limit, childmatch.DefaultPageSize, childmatch.MaxPageSize)
	if err != nil {
		return nil, err
	}
	var after childmatch.ID
	if q.Cursor != "" {
		if after, err = childmatch.ParseID("cursor", q.Cursor); err != nil {
			return nil, err
		}
	}
	ds, err := o.d.Store.Deliveries(ctx, status, after, limit+1)
	if err != nil {
		return nil, err
	}
	page := &childmatch.DeliveryPage{Deliveries: ds}
	if len(ds) > limit {
		page.Deliveries, page.Next = ds[:limit], ds[limit-1].ID.String()
	}
	return page, o.audit.Record(ctx, actor, "delivery.list", nil, string(status))
}

// Replay sends a failed or disabled delivery again, now, with the same id; it is retried for another
// GiveUp if it fails. Admins only, once the target is mended.
func (o *Outbox) Replay(ctx context.Context, actor childmatch.Actor, id childmatch.ID) (*childmatch.Delivery, error) {
	if err := actor.Require(childmatch.ActManagePosts); err != nil {
		return nil, err
	}
	now := o.now().UTC()
	// Claimed under a name of its own, which no worker, not even this node's, takes for its own.
	replayer := "replay:" + o.owner
	claim, err := o.d.Store.Reopen(ctx, id, replayer, now.Add(o.cfg.Lease))
	if err != nil {
		return nil, err
	}
	var b *childmatch.Batch
	switch {
	case claim.Owner == replayer:
		b, err = o.d.Store.Batch(ctx, claim.Alert, claim.Key)
	case !claim.Claimable(replayer, now): // a worker's round holds it
		err = childmatch.Errorf(childmatch.EConflict, "held by a worker")
	default:
		claim, b, err = o.d.Store.Claim(ctx, claim, replayer, now.Add(o.cfg.Lease))
	}
	if childmatch.ErrorCodeOf(err) == childmatch.EConflict {
		return nil, childmatch.Errorf(childmatch.EConflict, "the delivery's batch is being sent just now: try again in a minute")
	}
	if err != nil {
		return nil, err
	}
	var d *childmatch.Delivery
	for _, x := range b.Deliveries {
		if x.ID == id {
			d = x
		}
	}
	next, _ := b.NextDue()
	if d != nil && (d.Status == childmatch.DeliveryFailed || d.Status == childmatch.DeliveryDisabled) {
		d.Status, d.NextAt, d.ReplayedAt, next = childmatch.DeliveryPending, now, &now, now
	}
	var changed []*childmatch.Delivery
	if d != nil {
		changed = append(changed, d)
	}
	if err := o.d.Store.Finish(ctx, claim, b, next, changed); err != nil {
		return nil, err
	}
	if d == nil || d.Status != childmatch.DeliveryPending {
		return nil, childmatch.Errorf(childmatch.ENotFound, "no failed or disabled delivery with id %s", id)
	}
	o.Wake()
	return d, o.audit.Record(ctx, actor, "delivery.replay", []childmatch.ID{d.Case}, id.String())
}

// DeliveryMetrics sums up how fast the most recent alerts (MetricsAlerts) reached their posts, per
// channel, and what share of the posts answered. Admins only.
func (o *Outbox) DeliveryMetrics(ctx context.Context, actor childmatch.Actor) (*childmatch.DeliveryMetrics, error) {
	if err := actor.Require(childmatch.ActReadStats); err != nil {
		return nil, err
	}
	// The ids come in creation order from one listing; only the newest MetricsAlerts are read.
	var ids []childmatch.ID
	err := o.d.Alerts.WalkAlertVersions(ctx, func(id childmatch.ID, _ string) error {
		if ids = append(ids, id); len(ids) > 2*childmatch.MetricsAlerts {
			ids = append(ids[:0], ids[len(ids)-childmatch.MetricsAlerts:]...)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	recent := make([]*childmatch.Alert, 0, childmatch.MetricsAlerts)
	for _, id := range ids[max(0, len(ids)-childmatch.MetricsAlerts):] {
		a, err := o.d.Alerts.Alert(ctx, id)
		if childmatch.ErrorCodeOf(err) == childmatch.ENotFound {
			continue // erased since the listing
		}
		if err != nil {
			return nil, err
		}
		recent = append(recent, a)
	}
	m := &childmatch.DeliveryMetrics{Alerts: len(recent), Channels: []childmatch.ChannelTiming{}}
	first := map[childmatch.Channel][]time.Duration{}
	acks := map[childmatch.Channel][]time.Duration{}
	for _, a := range recent {
		ds, err := o.d.Store.AlertDeliveries(ctx, a.ID)
		if err != nil {
			return nil, err
		}
		timing(a, ds, m, first, acks)
	}
	if m.Posts > 0 {
		m.AckedShare = float64(m.Acked) / float64(m.Posts)
	}
	for _, ch := range childmatch.Channels {
		if len(first[ch]) == 0 {
			continue
		}
		t := childmatch.ChannelTiming{Channel: ch, Alerts: len(first[ch]), Acks: len(acks[ch])}
		t.FirstDeliveryP50, t.FirstDeliveryP90 = quantile(first[ch], 0.5), quantile(first[ch], 0.9)
		t.FirstAckP50, t.FirstAckP90 = quantile(acks[ch], 0.5), quantile(acks[ch], 0.9)
		m.Channels = append(m.Channels, t)
	}
	err = o.d.Store.WalkPending(ctx, func(childmatch.Pending) bool {
		m.PendingBatches++
		return true
	})
	if err != nil {
		return nil, err
	}
	failed, err := o.d.Store.Deliveries(ctx, childmatch.DeliveryFailed, childmatch.ID{}, childmatch.MaxDeliveriesListed)
	if err != nil {
		return nil, err
	}
	m.Failed = len(failed)
	return m, o.audit.Record(ctx, actor, "delivery.metrics", nil, "")
}

// timing adds one alert's figures: from the report (the alert's creation) to its first delivery sent on
// each channel, and to each post's first answer, counted for the channel that reached the post first.
func timing(a *childmatch.Alert, ds []*childmatch.Delivery, m *childmatch.DeliveryMetrics, first, acks map[childmatch.Channel][]time.Duration) {
	firstOn := map[childmatch.Channel]time.Time{}
	reachedBy := map[childmatch.ID]childmatch.Delivery{}
	for _, d := range ds {
		if d.SentAt == nil {
			continue
		}
		if t, ok := firstOn[d.Channel]; !ok || d.SentAt.Before(t) {
			firstOn[d.Channel] = *d.SentAt
		}
		if r, ok := reachedBy[d.Post]; !ok || d.SentAt.Before(*r.SentAt) {
			reachedBy[d.Post] = *d
		}
	}
	for ch, t := range firstOn {
		first[ch] = append(first[ch], t.Sub(a.CreatedAt))
	}
	m.Posts += len(a.Recipients)
	answered := map[childmatch.ID]bool{}
	for _, ack := range a.Acks { // in order: the first of each post counts
		if answered[ack.Post] {
			continue
		}
		answered[ack.Post] = true
		m.Acked++
		if r, ok := reachedBy[ack.Post]; ok {
			acks[r.Channel] = append(acks[r.Channel], ack.At.Sub(a.CreatedAt))
		}
	}
}

// quantile answers the q-quantile of ds in milliseconds (nearest rank), 0 for none.
func quantile(ds []time.Duration, q float64) int64 {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := min(len(s)-1, int(q*float64(len(s))))
	return s[i].Milliseconds()
}
