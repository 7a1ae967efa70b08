package alert

import (
	"context"
	"io"
	"log/slog"
	"time"

	"childmatch"
)

// Cases are what the alert side reads of cases: the case of an alert, its face chip.
type Cases interface {
	Case(ctx context.Context, id childmatch.ID) (*childmatch.Case, error)
	Blob(ctx context.Context, kind childmatch.BlobKind, id childmatch.ID) (*childmatch.Blob, error)
}

// Deps are what a Service is built from.
type Deps struct {
	Posts  childmatch.PostStore
	Alerts childmatch.AlertStore
	Users  childmatch.UserStore // a post's users must exist
	Audit  childmatch.AuditLog
	// Dispatch writes each new message's deliveries to the outbox; nil sends nothing (a service
	// without channels, unit tests of the rules).
	Dispatch childmatch.Dispatcher
	// Stations places the alerts' stations (gazetteer.Gazetteer); nil: stations are only codes.
	Stations childmatch.Gazetteer
	// Cases are read for the CAP document and the feed; Links signs the links in them.
	Cases Cases
	Links childmatch.Linker
	// AckWait is Limits.AlertAck; zero is the default's.
	AckWait time.Duration
	Log     *slog.Logger
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// Service manages posts, raises and cancels alerts, and takes the posts' answers.
type Service struct {
	posts  childmatch.PostStore
	alerts childmatch.AlertStore // cataloged: its writes keep catalog
	users  childmatch.UserStore
	audit  childmatch.Auditor
	send   childmatch.Dispatcher
	places childmatch.Gazetteer
	cases  Cases
	links  childmatch.Linker
	ack    time.Duration
	log    *slog.Logger
	now    func() time.Time
	// catalog is what the alert list keeps of every alert (catalog.go).
	catalog *catalog
}

var (
	_ childmatch.PostService  = (*Service)(nil)
	_ childmatch.AlertService = (*Service)(nil)
	_ childmatch.Alerter      = (*Service)(nil)
	_ childmatch.AlertViewer  = (*Service)(nil)
)

// New wires a Service.
func New(d Deps) *Service {
	now := d.Now
	if now == nil {
		now = time.Now
	}
	ack := d.AckWait
	if ack == 0 {
		ack = childmatch.DefaultLimits(1).AlertAck
	}
	log := d.Log
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Service{posts: d.Posts, alerts: d.Alerts, users: d.Users, audit: childmatch.Auditor{Log: d.Audit, Now: now}, send: d.Dispatch,
		places: d.Stations, cases: d.Cases, links: d.Links, ack: ack, log: log, now: now, catalog: newCatalog()}
	if d.Alerts != nil {
		s.alerts = cataloged{AlertStore: d.Alerts, c: s.catalog}
	}
	return s
}

// dispatch hands a stored message to the outbox, for the posts it is for.
func (s *Service) dispatch(ctx context.Context, a *childmatch.Alert, m childmatch.Message, to []childmatch.Recipient) error {
	if s.send == nil || len(to) == 0 {
		return nil
	}
	return s.send.Dispatch(ctx, a, m, to)
}

// allPosts reads every post by id.
func (s *Service) allPosts(ctx context.Context) (map[childmatch.ID]*childmatch.Post, error) {
	posts := map[childmatch.ID]*childmatch.Post{}
	err := s.posts.WalkPosts(ctx, func(p *childmatch.Post) (bool, error) {
		posts[p.ID] = p
		return true, nil
	})
	return posts, err
}

// hold records in a which of the message's posts are in their quiet hours, when it is not urgent, and
// answers those it is for now.
func (s *Service) hold(a *childmatch.Alert, m childmatch.Message, to []childmatch.Recipient, posts map[childmatch.ID]*childmatch.Post, now time.Time) []childmatch.Recipient {
	if a.Urgent(m) {
		return to
	}
	var out []childmatch.Recipient
	for _, r := range to {
		if p := posts[r.Post]; p != nil {
			if until, quiet := p.Quiet.Until(now); quiet {
				a.Held = append(a.Held, childmatch.Held{Post: r.Post, Seq: m.Seq, Until: until})
				continue
			}
		}
		out = append(out, r)
	}
	return out
}

// due is when a post reached now is chased if it does not answer.
func (s *Service) due(now time.Time) *time.Time {
	t := now.Add(s.ack)
	return &t
}
