// Package live tells the web app of alerts as they change: every replica lists the alerts' versions every
// AlertPollEvery (one listing, no reads unless something changed), reads the alerts that changed, and
// fans each change out to the streams open on this replica whose user sees the alert. A change made
// through any replica reaches every replica's streams within a poll, with no message bus between them.
// The posts (who belongs where) are kept the same way, looked at every PostRefreshEvery, so that neither
// a stream's opening nor an event reads the posts.
package live

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"childmatch"
)

// Deps are what a Hub reads.
type Deps struct {
	Versions childmatch.Versions
	Alerts   childmatch.AlertStore
	Posts    childmatch.PostStore
	Log      *slog.Logger
	// Every is the pause between two looks at the alerts; zero is childmatch.AlertPollEvery.
	Every time.Duration
	// PostsEvery is the pause between two looks at the posts; zero is childmatch.PostRefreshEvery.
	PostsEvery time.Duration
	// Seen, if set, is told of each alert a look read because it changed (alert.Service.Saw keeps the
	// alert list by it).
	Seen func(*childmatch.Alert)
}

// Hub watches the alert store and fans its changes out to the open streams.
type Hub struct {
	d Deps

	mu      sync.Mutex
	subs    map[*sub]struct{}
	perUser map[string]int
	closed  bool
	known   map[childmatch.ID]seen // what the last look found; nil before the first

	refresh sync.Mutex              // one look at the posts at a time
	posts   map[childmatch.ID]known // the posts as the last look at them found them; nil before the first, under mu
	postsAt time.Time               // when that look began, under refresh
}

// known is a post as a look at the posts found it.
type known struct {
	version string
	post    childmatch.MyPost
	users   map[childmatch.ID]bool
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
	user  childmatch.ID // the actor as a user; zero for the bootstrap admin
	all   bool          // sees every alert (admins)
	ch    chan childmatch.AlertEvent
}

var _ childmatch.AlertStream = (*Hub)(nil)

// New makes a hub; Run makes it watch.
func New(d Deps) *Hub {
	if d.Every == 0 {
		d.Every = childmatch.AlertPollEvery
	}
	if d.PostsEvery == 0 {
		d.PostsEvery = childmatch.PostRefreshEvery
	}
	return &Hub{d: d, subs: map[*sub]struct{}{}, perUser: map[string]int{}}
}

// Run looks at the store every d.Every until ctx ends. The first look only learns what is there. A look
// that takes long (many alerts, a busy store) spaces the next ones out, so that looking takes at most
// AlertPollLoad of the store's time from each replica.
func (h *Hub) Run(ctx context.Context) {
	for {
		start := time.Now()
		if err := h.lookAtPosts(ctx, start.Add(-h.d.PostsEvery)); err != nil && ctx.Err() == nil {
			h.d.Log.Warn("reading the posts for the live stream", "err", err)
		}
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
	s := &sub{actor: actor.ID, all: actor.May(childmatch.ActManagePosts), ch: make(chan childmatch.AlertEvent, childmatch.StreamBuffer)}
	s.user, _ = childmatch.ParseID("actor", actor.ID)
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

// MyPosts lists the posts the actor belongs to, from a look at the posts made after the call began (a
// page asks once when it opens; callers at once share one look); the bootstrap admin belongs to none.
func (h *Hub) MyPosts(ctx context.Context, actor childmatch.Actor) ([]childmatch.MyPost, error) {
	if err := actor.Require(childmatch.ActReadAlerts); err != nil {
		return nil, err
	}
	out := []childmatch.MyPost{}
	id, err := childmatch.ParseID("actor", actor.ID)
	if err != nil {
		return out, nil
	}
	if err := h.lookAtPosts(ctx, time.Now()); err != nil {
		return nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, p := range h.posts {
		if p.users[id] {
			out = append(out, p.post)
		}
	}
	slices.SortFunc(out, func(a, b childmatch.MyPost) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// lookAtPosts lists the posts' versions and reads those that changed, unless a look that began at or after
// since has been made.
func (h *Hub) lookAtPosts(ctx context.Context, since time.Time) error {
	h.refresh.Lock()
	defer h.refresh.Unlock()
	h.mu.Lock()
	prev := h.posts
	h.mu.Unlock()
	if prev != nil && !h.postsAt.Before(since) {
		return nil
	}
	began := time.Now()
	now := map[childmatch.ID]known{}
	err := h.d.Versions.WalkPostVersions(ctx, func(id childmatch.ID, version string) error {
		if was, ok := prev[id]; ok && was.version == version {
			now[id] = was
			return nil
		}
		p, err := h.d.Posts.Post(ctx, id)
		if childmatch.ErrorCodeOf(err) == childmatch.ENotFound {
			return nil // deleted since the listing
		}
		if err != nil {
			return err
		}
		k := known{version: version, post: childmatch.MyPost{ID: p.ID, Name: p.Name, Kind: p.Kind}, users: map[childmatch.ID]bool{}}
		for _, u := range p.Users {
			k.users[u] = true
		}
		now[id] = k
		return nil
	})
	if err != nil {
		return err
	}
	h.mu.Lock()
	h.posts = now
	h.mu.Unlock()
	h.postsAt = began
	return nil
}

// reaches reports whether the alert reached a post the stream's user belongs to; h.mu is held.
func (h *Hub) reaches(s *sub, a *childmatch.Alert) bool {
	return s.all || slices.ContainsFunc(a.Recipients, func(r childmatch.Recipient) bool { return h.posts[r.Post].users[s.user] })
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
		if h.d.Seen != nil {
			h.d.Seen(a)
		}
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
			if !h.reaches(s, e.a) {
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
