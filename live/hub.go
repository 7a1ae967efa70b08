// Package live tells the web app of alerts as they change: every replica lists the alerts' versions every
// AlertPollEvery (one listing, no reads unless something changed), reads the alerts that changed, and
// fans each change out to the streams open on this replica whose user sees the alert. A change made
// through any replica reaches every replica's streams within a poll, with no message bus between them.
package live

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	"childmatch"
)

// Deps are what a Hub reads.
type Deps struct {
	Versions childmatch.AlertVersions
	Alerts   childmatch.AlertStore
	Posts    childmatch.PostStore
	Log      *slog.Logger
	// Every is the pause between two looks at the store; zero is childmatch.AlertPollEvery.
	Every time.Duration
}

// Hub watches the alert store and fans its changes out to the open streams.
type Hub struct {
	d Deps

	mu      sync.Mutex
	subs    map[*sub]struct{}
	perUser map[string]int
	closed  bool
	known   map[childmatch.ID]seen // what the last look found; nil before the first
}

// seen is what a look found of one alert: enough to tell the next look's changes. msgs and acks are -1
// for an alert known only by its version (there at start, not read since).
type seen struct {
	version string
	msgs    int
	acks    int
}

// sub is one open stream.
type sub struct {
	actor string
	all   bool // sees every alert (admins)
	posts map[childmatch.ID]bool
	ch    chan childmatch.AlertEvent
}

var _ childmatch.AlertStream = (*Hub)(nil)

// New makes a hub; Run makes it watch.
func New(d Deps) *Hub {
	if d.Every == 0 {
		d.Every = childmatch.AlertPollEvery
	}
	return &Hub{d: d, subs: map[*sub]struct{}{}, perUser: map[string]int{}}
}

// Run looks at the store every d.Every until ctx ends. The first look only learns what is there. A look
// that takes long (many alerts, a busy store) spaces the next ones out, so that looking takes at most
// AlertPollLoad of the store's time from each replica.
func (h *Hub) Run(ctx context.Context) {
	for {
		start := time.Now()
		if err := h.look(ctx); err != nil && ctx.Err() == nil {
			h.d.Log.Warn("watching alerts for the live stream", "err", err)
		}
		took := time.Since(start)
		wait := max(h.d.Every, time.Duration(float64(took)/childmatch.AlertPollLoad)) - took
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// Close ends every stream and refuses new ones: for the server's shutdown (http.Server.RegisterOnShutdown),
// which does not wait for a stream that never ends by itself.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for s := range h.subs {
		h.drop(s)
	}
}

// Subscribe opens a stream of the alerts the actor sees: those that reach one of the actor's posts, every
// alert for admins, as the alert list shows them.
func (h *Hub) Subscribe(ctx context.Context, actor childmatch.Actor) (<-chan childmatch.AlertEvent, error) {
	if err := actor.Require(childmatch.ActReadAlerts); err != nil {
		return nil, err
	}
	s := &sub{actor: actor.ID, all: actor.May(childmatch.ActManagePosts), posts: map[childmatch.ID]bool{},
		ch: make(chan childmatch.AlertEvent, childmatch.StreamBuffer)}
	if !s.all {
		mine, err := h.MyPosts(ctx, actor)
		if err != nil {
			return nil, err
		}
		for _, p := range mine {
			s.posts[p.ID] = true
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case h.closed:
		return nil, childmatch.Errorf(childmatch.EUnavailable, "the server is stopping; reconnect in a moment")
	case h.perUser[s.actor] >= childmatch.MaxStreamsPerUser:
		return nil, &childmatch.Error{Code: childmatch.ETooManyRequests, RetryAfter: childmatch.StreamHeartbeat,
			Message: "too many open alert streams for this user; close another tab or device"}
	case len(h.subs) >= childmatch.MaxStreams:
		return nil, &childmatch.Error{Code: childmatch.ETooManyRequests, RetryAfter: childmatch.StreamHeartbeat,
			Message: "this server has too many open alert streams; try again shortly"}
	}
	h.subs[s] = struct{}{}
	h.perUser[s.actor]++
	go func() {
		<-ctx.Done()
		h.mu.Lock()
		defer h.mu.Unlock()
		h.drop(s)
	}()
	return s.ch, nil
}

// MyPosts lists the posts the actor belongs to; the bootstrap admin belongs to none.
func (h *Hub) MyPosts(ctx context.Context, actor childmatch.Actor) ([]childmatch.MyPost, error) {
	if err := actor.Require(childmatch.ActReadAlerts); err != nil {
		return nil, err
	}
	out := []childmatch.MyPost{}
	id, err := childmatch.ParseID("actor", actor.ID)
	if err != nil {
		return out, nil
	}
	err = h.d.Posts.WalkPosts(ctx, func(p *childmatch.Post) (bool, error) {
		if slices.Contains(p.Users, id) {
			out = append(out, childmatch.MyPost{ID: p.ID, Name: p.Name, Kind: p.Kind})
		}
		return true, nil
	})
	return out, err
}

// drop ends a stream, once; h.mu is held.
func (h *Hub) drop(s *sub) {
	if _, ok := h.subs[s]; !ok {
		return
	}
	delete(h.subs, s)
	if h.perUser[s.actor]--; h.perUser[s.actor] == 0 {
		delete(h.perUser, s.actor)
	}
	close(s.ch)
}

// look lists the alerts' versions, reads those that changed since the last look, and sends their changes.
func (h *Hub) look(ctx context.Context) error {
	h.mu.Lock()
	first := h.known == nil
	prev := h.known
	h.mu.Unlock()
	now := map[childmatch.ID]seen{}
	var events []event
	err := h.d.Versions.WalkAlertVersions(ctx, func(id childmatch.ID, version string) error {
		was, had := prev[id]
		switch {
		case had && was.version == version:
			now[id] = was
			return nil
		case first: // what is there at start is no news: its version is enough, the alert is read when it changes
			now[id] = seen{version: version, msgs: -1, acks: -1}
			return nil
		}
		a, err := h.d.Alerts.Alert(ctx, id)
		if childmatch.ErrorCodeOf(err) == childmatch.ENotFound {
			return nil // erased since the listing
		}
		if err != nil {
			return err
		}
		now[id] = seen{version: version, msgs: len(a.Messages), acks: len(a.Acks)}
		var from *seen
		if had {
			from = &was
		}
		events = append(events, event{a: a, list: changes(from, a)})
		return nil
	})
	if err != nil {
		return err // the next look starts again from what the last good one found
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.known = now
	for _, e := range events {
		for s := range h.subs {
			if !s.all && !slices.ContainsFunc(e.a.Recipients, func(r childmatch.Recipient) bool { return s.posts[r.Post] }) {
				continue
			}
			for _, ev := range e.list {
				select {
				case s.ch <- ev:
				default: // the client has fallen StreamBuffer events behind: it reconnects and reads the list
					h.drop(s)
				}
				if _, open := h.subs[s]; !open {
					break
				}
			}
		}
	}
	return nil
}

type event struct {
	a    *childmatch.Alert
	list []childmatch.AlertEvent
}

// changes says what happened to an alert since the last look found it as from (nil: it is new): its new
// messages, in order, and its new answers; for an alert not read before, one update (or cancel).
func changes(from *seen, a *childmatch.Alert) []childmatch.AlertEvent {
	base := childmatch.AlertEvent{Alert: a.ID, Case: a.Case, Status: a.Status, Seq: len(a.Messages)}
	msgs, acks := 0, 0
	if from != nil {
		msgs, acks = from.msgs, from.acks
	}
	if msgs < 0 { // not read before: what changed is not known, only where it stands
		e := base
		e.Type = childmatch.EventUpdated
		if a.Status == childmatch.AlertCancelled {
			e.Type = childmatch.EventCancelled
		}
		return []childmatch.AlertEvent{e}
	}
	var out []childmatch.AlertEvent
	for _, m := range a.Messages[min(msgs, len(a.Messages)):] {
		e := base
		switch m.Type {
		case childmatch.MsgAlert:
			e.Type = childmatch.EventRaised
		case childmatch.MsgCancel:
			e.Type = childmatch.EventCancelled
		default:
			e.Type = childmatch.EventUpdated
		}
		out = append(out, e)
	}
	for _, k := range a.Acks[min(acks, len(a.Acks)):] {
		e := base
		e.Type, e.Post, e.State = childmatch.EventAcknowledged, &k.Post, k.State
		out = append(out, e)
	}
	if len(out) == 0 { // rewritten without a new message or answer (a recipient added, the area widened)
		e := base
		e.Type = childmatch.EventUpdated
		out = append(out, e)
	}
	return out
}
