package childmatch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// The outbox: every delivery is written to the store before it is attempted (Dispatcher), and the
// outbox's workers claim the due ones, send them and record each attempt (package delivery). What is
// pending is kept apart from what is done, so finding due deliveries never lists every delivery ever
// written; a claim is a conditional write with a lease that expires, so a replica that dies holding one
// strands nothing (README: delivery).

// Batch is up to DeliveryBatch deliveries of one message, to as many targets: written, claimed and
// recorded together, so a fan-out to 10,000 posts is a few dozen writes, not tens of thousands.
type Batch struct {
	// Key orders the batches: the message's time, the alert, the message's seq, the part.
	Key        string      `json:"key"`
	Alert      ID          `json:"alert_id"`
	Seq        int         `json:"seq"`
	Deliveries []*Delivery `json:"deliveries"`
	// Version is the stored batch's as it was read (an ETag), which Finish writes over.
	Version string `json:"-"`
}

// BatchKey is the key of part n of a message's batches.
func BatchKey(alert ID, m Message, part int) string {
	return fmt.Sprintf("%s-%s-%06d-%03d", m.At.UTC().Format("20060102T150405.000000000"), alert, m.Seq, part)
}

// Pending is a batch with a delivery waiting for its first or next attempt, as the outbox's index of
// pending batches lists it: enough to choose what to attempt without reading the batch.
type Pending struct {
	Key   string // the batch's
	Alert ID
	// NextAt is when its earliest pending delivery is due.
	NextAt time.Time
	// Owner holds the claim until Until: a worker's name ("node/boot"), "" when unclaimed.
	Owner string
	Until time.Time
	// Version is what a conditional write of the entry must match (an ETag).
	Version string
}

// Claimable reports whether a worker named owner may claim p at now: nobody holds it, the holder's
// lease ran out, or the holder is an earlier life of the same node (it died: a process holds no claim
// across a restart).
func (p Pending) Claimable(owner string, now time.Time) bool {
	return p.Owner == "" || !now.Before(p.Until) || SameNode(p.Owner, owner)
}

// SameNode reports whether two workers' names ("node/boot") are lives of one node.
func SameNode(a, b string) bool {
	node := func(o string) string { return o[:max(0, strings.LastIndexByte(o, '/'))] }
	return node(a) != "" && node(a) == node(b)
}

// Lane is the delivery's target, within which deliveries are sent in order: the post, channel and
// address, hashed (an address is a contact, never a key in clear).
func (d *Delivery) Lane() string {
	h := sha256.Sum256([]byte(d.Post.String() + "\x00" + string(d.Channel) + "\x00" + d.Target))
	return hex.EncodeToString(h[:10])
}

// Fanout is a message being turned into deliveries: written before the first of them and removed after
// the last, so a fan-out cut short by a crash is finished by whichever worker finds it.
type Fanout struct {
	Alert   ID        `json:"alert_id"`
	Message Message   `json:"message"`
	Posts   []ID      `json:"posts"`
	Owner   string    `json:"owner"` // the worker that began it (Pending.Owner)
	At      time.Time `json:"at"`
}

// DeliveryStore keeps the outbox: the batches of deliveries, the index of pending ones, the marks of the
// failed ones, and fan-outs in progress.
type DeliveryStore interface {
	// CreateBatches writes new batches and their index entries. A batch whose key exists is kept as it is,
	// so a fan-out done twice writes each delivery once.
	CreateBatches(ctx context.Context, bs []*Batch) error
	// AlertDeliveries reads every delivery of an alert, batch by batch.
	AlertDeliveries(ctx context.Context, alert ID) ([]*Delivery, error)
	// PageAlertDeliveries gives p an alert's batches in their parts' order, from the batch of p.After on,
	// until p.Add says the page is full.
	PageAlertDeliveries(ctx context.Context, alert ID, p *BatchPager) error
	// Deliveries reads up to max deliveries that are failed or disabled, in id order after the id after
	// (zero: from the first).
	Deliveries(ctx context.Context, status DeliveryStatus, after ID, max int) ([]*Delivery, error)
	// WalkPending lists the index of pending batches in key order until fn says stop.
	WalkPending(ctx context.Context, fn func(Pending) bool) error
	// Batch reads a batch without claiming it.
	Batch(ctx context.Context, alert ID, key string) (*Batch, error)
	// Claim takes p for owner until until, only if its entry is still at p.Version (EConflict when another
	// worker changed it first or it is done), and reads its batch.
	Claim(ctx context.Context, p Pending, owner string, until time.Time) (Pending, *Batch, error)
	// Finish writes the batch after a round of attempts, only while claim still holds its entry and only
	// over the version Claim read (EConflict when the claim was lost or the batch erased: nothing is
	// written), then its index entry: kept unclaimed and due at next while a delivery is pending (next not
	// zero), removed otherwise. The
	// deliveries of changed that are failed or disabled go on the admins' list, those pending again off it.
	Finish(ctx context.Context, claim Pending, b *Batch, next time.Time, changed []*Delivery) error
	// Reopen finds the batch of a failed or disabled delivery and answers its index entry; if the batch
	// had none, it is written again claimed by owner until until. ENotFound unless the delivery is failed
	// or disabled.
	Reopen(ctx context.Context, id ID, owner string, until time.Time) (Pending, error)
	// WalkDeliveryAlerts calls fn with each alert that has deliveries kept, in id order, until fn returns
	// an error.
	WalkDeliveryAlerts(ctx context.Context, fn func(alert ID) error) error
	// EraseDeliveries removes an erased alert's batches, with their pending entries and marks, and its
	// fan-outs in progress. A worker's round on one of them that ends after it writes nothing back
	// (Finish answers EConflict).
	EraseDeliveries(ctx context.Context, alert ID) error
	// BeginFanout writes a fan-out in progress; EndFanout removes it; Fanouts lists those left.
	BeginFanout(ctx context.Context, f *Fanout) error
	EndFanout(ctx context.Context, alert ID, seq int) error
	Fanouts(ctx context.Context) ([]*Fanout, error)
}

// ChannelTiming is how fast one channel reached posts, over recent alerts.
type ChannelTiming struct {
	Channel Channel `json:"channel"`
	Alerts  int     `json:"alerts"` // alerts with a delivery sent on the channel
	// FirstDelivery is the time from the report to the alert's first delivery sent on the channel, over
	// those alerts: median and 90th percentile, in milliseconds.
	FirstDeliveryP50 int64 `json:"first_delivery_p50_ms"`
	FirstDeliveryP90 int64 `json:"first_delivery_p90_ms"`
	// FirstAck is the time from the report to the first answer of a post the channel reached first.
	FirstAckP50 int64 `json:"first_ack_p50_ms,omitempty"`
	FirstAckP90 int64 `json:"first_ack_p90_ms,omitempty"`
	Acks        int   `json:"acks"`
}

// DeliveryMetrics sums up delivery over the most recent alerts (MetricsAlerts), for admins.
type DeliveryMetrics struct {
	Alerts     int             `json:"alerts"`
	Posts      int             `json:"posts"`       // posts reached, summed over the alerts
	Acked      int             `json:"acked"`       // of them, those that answered
	AckedShare float64         `json:"acked_share"` // Acked / Posts
	Channels   []ChannelTiming `json:"channels"`
	// PendingBatches counts the batches with a delivery waiting; Failed the deliveries failed (up to
	// MaxDeliveriesListed).
	PendingBatches int `json:"pending_batches"`
	Failed         int `json:"failed"`
}

// DeliveryService is what people do with the outbox (delivery.Admin): see an alert's deliveries (whoever
// may see the alert), and, admins, the failed ones, replay them and read the timing.
type DeliveryService interface {
	AlertDeliveries(ctx context.Context, actor Actor, alert ID, q DeliveryQuery) (*DeliveryPage, error)
	Deliveries(ctx context.Context, actor Actor, status DeliveryStatus, q DeliveryQuery) (*DeliveryPage, error)
	Replay(ctx context.Context, actor Actor, id ID) (*Delivery, error)
	DeliveryMetrics(ctx context.Context, actor Actor) (*DeliveryMetrics, error)
}

// DeliveryID is the id of the delivery of an alert's message to one target of a post: made from them, so
// a fan-out done again finds the deliveries it wrote before, and time-ordered by the message's time like
// every other id.
func DeliveryID(alert ID, m Message, post ID, ch Channel, target string) ID {
	h := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%d\x00%s\x00%s\x00%s", alert, m.Seq, post, ch, target)))
	id := IDAt(m.At)
	copy(id[6:], h[:10])
	id[6] = 0x70 | id[6]&0x0f // version 7
	id[8] = 0x80 | id[8]&0x3f // RFC 4122 variant
	return id
}

// NextDue answers when the batch's earliest pending delivery is due; false when none is pending.
func (b *Batch) NextDue() (time.Time, bool) {
	var next time.Time
	for _, d := range b.Deliveries {
		if d.Status == DeliveryPending && (next.IsZero() || d.NextAt.Before(next)) {
			next = d.NextAt
		}
	}
	return next, !next.IsZero()
}
