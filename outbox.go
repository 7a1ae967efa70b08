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

// Pending is a delivery waiting for its first or next attempt, as the outbox's index of pending ones
// lists it: enough to choose what to attempt without reading the delivery.
type Pending struct {
	ID    ID
	Alert ID
	// Lane is the delivery's target (Delivery.Lane): the deliveries of one lane are sent one after the
	// other, in their order.
	Lane  string
	Order string // sorts the lane's deliveries: the message's time and seq
	// NextAt is when it is due.
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

// Lane is the delivery's target as the outbox orders by: the post, channel and address, hashed (an
// address is a contact, never a key in clear).
func (d *Delivery) Lane() string {
	h := sha256.Sum256([]byte(d.Post.String() + "\x00" + string(d.Channel) + "\x00" + d.Target))
	return hex.EncodeToString(h[:10])
}

// Order sorts a lane's deliveries: by their message's time, then its seq, then id.
func (d *Delivery) Order() string {
	return fmt.Sprintf("%s-%06d-%s", d.CreatedAt.UTC().Format("20060102T150405.000000000"), d.Seq, d.ID)
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

// DeliveryStore keeps the outbox: the deliveries, the index of pending ones, and fan-outs in progress.
type DeliveryStore interface {
	// CreateDeliveries writes new pending deliveries and their index entries. One whose id exists is kept
	// as it is, so a fan-out done twice writes each delivery once.
	CreateDeliveries(ctx context.Context, ds []*Delivery) error
	// Delivery reads one delivery of an alert.
	Delivery(ctx context.Context, alert, id ID) (*Delivery, error)
	// AlertDeliveries reads every delivery of an alert, in creation order.
	AlertDeliveries(ctx context.Context, alert ID) ([]*Delivery, error)
	// Deliveries reads up to max deliveries in the status, which is pending, failed or disabled (a sent
	// one is listed with its alert).
	Deliveries(ctx context.Context, status DeliveryStatus, max int) ([]*Delivery, error)
	// WalkPending lists the index of pending deliveries, lane by lane, each lane in order, until fn says
	// stop.
	WalkPending(ctx context.Context, fn func(Pending) bool) error
	// Claim takes p for owner until until, only if its entry is still at p.Version: EConflict when
	// another worker changed it first, ENotFound when it is done. It answers the entry as claimed.
	Claim(ctx context.Context, p Pending, owner string, until time.Time) (Pending, error)
	// Finish writes the delivery after an attempt, then its index entry, which claim holds: kept with the
	// new NextAt and no owner while the delivery is pending, removed otherwise (a failed or disabled one
	// goes on the admins' list). A nil d removes the entry of a delivery that no longer exists.
	Finish(ctx context.Context, claim Pending, d *Delivery) error
	// Replay makes a failed or disabled delivery pending again, due at now. ENotFound unless it is failed
	// or disabled.
	Replay(ctx context.Context, id ID, now time.Time) (*Delivery, error)
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
	Pending    int             `json:"pending"`
	Failed     int             `json:"failed"`
}

// DeliveryService is what people do with the outbox (delivery.Admin): see an alert's deliveries (whoever
// may see the alert), and, admins, the failed ones, replay them and read the timing.
type DeliveryService interface {
	AlertDeliveries(ctx context.Context, actor Actor, alert ID) ([]*Delivery, error)
	Deliveries(ctx context.Context, actor Actor, status DeliveryStatus) ([]*Delivery, error)
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
