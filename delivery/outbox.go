// Package delivery is the outbox: it turns each alert message into one delivery per target of each post
// it is for, written to the store before Dispatch returns, and its workers claim the due deliveries, send
// them through the channels' Senders, and record every attempt, retrying with backoff (README: delivery).
package delivery

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"

	"golang.org/x/sync/errgroup"

	"childmatch"
)

// Config is the outbox's schedule and size; DefaultConfig has the values of limits.go, tests shorten them.
type Config struct {
	Workers int
	// Backoff is the wait after each failed attempt; RetryEvery applies after its last, until GiveUp
	// from the first attempt. Jitter spreads each wait by that share either way.
	Backoff       []time.Duration
	RetryEvery    time.Duration
	GiveUp        time.Duration
	Jitter        float64
	MaxRetryAfter time.Duration
	// AttemptTimeout bounds one Send; Lease one claim.
	AttemptTimeout time.Duration
	Lease          time.Duration
	// Poll is how often to look for due deliveries when nothing wakes the workers; FanoutGrace how old
	// another node's fan-out in progress must be before it is finished here.
	Poll        time.Duration
	FanoutGrace time.Duration
	// Node names this replica across its restarts (a file in its data folder): a claim or fan-out of an
	// earlier life of the node is taken over at once.
	Node string
	// PublicURL is the service's address, before the signed links a message carries.
	PublicURL string
}

// DefaultConfig returns the limits.go values.
func DefaultConfig() Config {
	return Config{Workers: childmatch.DeliveryWorkers, Backoff: childmatch.DeliveryBackoff, RetryEvery: childmatch.DeliveryRetryEvery,
		GiveUp: childmatch.DeliveryGiveUp, Jitter: childmatch.DeliveryJitter, MaxRetryAfter: childmatch.DeliveryMaxRetryAfter,
		AttemptTimeout: childmatch.DeliveryAttemptTimeout, Lease: childmatch.DeliveryLease, Poll: childmatch.DeliveryPoll,
		FanoutGrace: childmatch.FanoutGrace}
}

// Deps are what an Outbox is built from.
type Deps struct {
	Store childmatch.DeliveryStore
	// Alerts reads alerts; their versions, one listing, find the recent ones the metrics read.
	Alerts interface {
		childmatch.AlertStore
		childmatch.Versions
	}
	Cases childmatch.Store // the case and its face chip, for the text and the card
	// Posts reads a post: a PostCache shared with the alert service and the Senders.
	Posts interface {
		Post(ctx context.Context, id childmatch.ID) (*childmatch.Post, error)
	}
	// Visible opens an alert for an actor, as alert.Service does (who may see it, the audit trail): who
	// may see an alert may see its deliveries.
	Visible childmatch.AlertService
	Audit   childmatch.AuditLog
	Links   childmatch.Linker
	Cards   childmatch.CardRenderer // nil: no card (channels that need one get none)
	// Senders are the channels the outbox delivers on: a post is reached on each channel there is a
	// Sender for.
	Senders map[childmatch.Channel]childmatch.Sender
	Log     *slog.Logger
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// Outbox writes deliveries (it is the alert service's Dispatcher), sends them (Run), and answers for
// them (it is the DeliveryService).
type Outbox struct {
	d     Deps
	cfg   Config
	audit childmatch.Auditor
	owner string // node/boot
	now   func() time.Time
	log   *slog.Logger
	wake  chan struct{}
	// messages caches what a message's deliveries are composed from (compose.go).
	messages *expirable.LRU[childmatch.ID, *source]

	mu   sync.Mutex
	busy map[string]bool // batches worked on here
	rand func() float64
	// slots bounds the attempts in flight (cfg.Workers).
	slots chan struct{}
}

var (
	_ childmatch.Dispatcher      = (*Outbox)(nil)
	_ childmatch.DeliveryService = (*Outbox)(nil)
)

// New wires an Outbox. cfg.Node empty names the node afresh (every start is a new node).
func New(d Deps, cfg Config) *Outbox {
	now := d.Now
	if now == nil {
		now = time.Now
	}
	log := d.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.Node == "" {
		cfg.Node = childmatch.NewID().Hex()[16:]
	}
	return &Outbox{d: d, cfg: cfg, audit: childmatch.Auditor{Log: d.Audit, Now: now}, now: now, log: log,
		owner:    cfg.Node + "/" + childmatch.NewID().Hex()[20:],
		wake:     make(chan struct{}, 1),
		messages: expirable.NewLRU[childmatch.ID, *source](64, nil, childmatch.ComposeCacheTTL),
		busy:     map[string]bool{}, rand: rand.Float64, slots: make(chan struct{}, max(1, cfg.Workers))}
}

// Erase removes an erased alert's deliveries, and forgets what its messages were composed from.
func (o *Outbox) Erase(ctx context.Context, alert childmatch.ID) error {
	o.messages.Remove(alert)
	return o.d.Store.EraseDeliveries(ctx, alert)
}

// Dispatch writes the deliveries of a new message to the posts it is for, inside a fan-out record so
// that a crash half-way loses none of them, and wakes the workers.
func (o *Outbox) Dispatch(ctx context.Context, a *childmatch.Alert, m childmatch.Message, to []childmatch.Recipient) error {
	f := &childmatch.Fanout{Alert: a.ID, Message: m, Owner: o.owner, At: o.now().UTC()}
	for _, r := range to {
		f.Posts = append(f.Posts, r.Post)
	}
	if err := o.d.Store.BeginFanout(ctx, f); err != nil {
		return err
	}
	if err := o.fanout(ctx, a, f); err != nil {
		return err
	}
	o.Wake()
	return nil
}

// fanout writes a fan-out's deliveries, then ends it. The batches are made from the fan-out's posts,
// DeliveryBatch posts each, so a fan-out done again makes the same batches: those written are kept, the
// rest are written.
func (o *Outbox) fanout(ctx context.Context, a *childmatch.Alert, f *childmatch.Fanout) error {
	posts := make([]*childmatch.Post, len(f.Posts))
	var g errgroup.Group
	g.SetLimit(childmatch.FanoutWriters)
	for i, id := range f.Posts {
		g.Go(func() error {
			p, err := o.d.Posts.Post(ctx, id)
			if childmatch.ErrorCodeOf(err) == childmatch.ENotFound {
				return nil // removed since: nobody to reach
			}
			posts[i] = p
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	var bs []*childmatch.Batch
	for part := 0; part*childmatch.DeliveryBatch < len(posts); part++ {
		b := &childmatch.Batch{Key: childmatch.BatchKey(a.ID, f.Message, part), Alert: a.ID, Seq: f.Message.Seq}
		for _, p := range posts[part*childmatch.DeliveryBatch : min(len(posts), (part+1)*childmatch.DeliveryBatch)] {
			if p != nil {
				b.Deliveries = append(b.Deliveries, o.deliveriesTo(a, f.Message, p)...)
			}
		}
		if len(b.Deliveries) > 0 {
			bs = append(bs, b)
		}
	}
	if err := o.d.Store.CreateBatches(ctx, bs); err != nil {
		return err
	}
	return o.d.Store.EndFanout(ctx, a.ID, f.Message.Seq)
}

// deliveriesTo makes a message's deliveries to one post: one per webhook, one per messaging address, one
// for a channel without addresses (push), on each channel there is a Sender for and the message allows.
func (o *Outbox) deliveriesTo(a *childmatch.Alert, m childmatch.Message, p *childmatch.Post) []*childmatch.Delivery {
	var out []*childmatch.Delivery
	add := func(ch childmatch.Channel, target string) {
		d := &childmatch.Delivery{ID: childmatch.DeliveryID(a.ID, m, p.ID, ch, target), Alert: a.ID, Case: a.Case, Seq: m.Seq,
			Type: m.Type, Event: a.Event(m), Exercise: a.Exercise, Post: p.ID, Channel: ch, Target: target, Status: childmatch.DeliveryPending,
			Attempts: []childmatch.Attempt{}, NextAt: m.At, CreatedAt: m.At}
		out = append(out, d)
	}
	for _, ch := range childmatch.Channels {
		if o.d.Senders[ch] == nil || (m.Channels != nil && !slices.Contains(m.Channels, ch)) {
			continue
		}
		switch ch {
		case childmatch.ChanWebhook:
			for _, w := range p.Webhooks {
				add(ch, w.URL)
			}
		case childmatch.ChanPush:
			if len(p.Users) > 0 {
				add(ch, "") // the post's users' subscriptions, which the Sender knows
			}
		default:
			for _, e := range p.Endpoints {
				if e.Channel == ch {
					add(ch, e.Address)
				}
			}
		}
	}
	return out
}

// Wake tells this process's workers to look for due deliveries now.
func (o *Outbox) Wake() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// resume finishes the fan-outs that were cut short: another node's once they are older than
// FanoutGrace, an earlier life's of this node at once.
func (o *Outbox) resume(ctx context.Context) error {
	fs, err := o.d.Store.Fanouts(ctx)
	if err != nil {
		return err
	}
	for _, f := range fs {
		if f.Owner == o.owner || (!childmatch.SameNode(f.Owner, o.owner) && o.now().Sub(f.At) < o.cfg.FanoutGrace) {
			continue
		}
		a, err := o.d.Alerts.Alert(ctx, f.Alert)
		if childmatch.ErrorCodeOf(err) == childmatch.ENotFound {
			err = o.d.Store.EndFanout(ctx, f.Alert, f.Message.Seq) // erased meanwhile
		} else if err == nil {
			err = o.fanout(ctx, a, f)
			o.log.Info("finished a fan-out cut short", "alert", f.Alert.String(), "seq", f.Message.Seq, "posts", len(f.Posts))
		}
		if err != nil {
			return err
		}
	}
	return nil
}
