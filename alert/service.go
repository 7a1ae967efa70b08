package alert

import (
	"context"
	"time"

	"childmatch"
)

// Deps are what a Service is built from.
type Deps struct {
	Posts  childmatch.PostStore
	Alerts childmatch.AlertStore
	Users  childmatch.UserStore // a post's users must exist
	Audit  childmatch.AuditLog
	// Dispatch writes each new message's deliveries to the outbox; nil sends nothing (a service
	// without channels, unit tests of the rules).
	Dispatch childmatch.Dispatcher
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// Service manages posts, raises and cancels alerts, and takes the posts' answers.
type Service struct {
	posts  childmatch.PostStore
	alerts childmatch.AlertStore
	users  childmatch.UserStore
	audit  childmatch.Auditor
	send   childmatch.Dispatcher
	now    func() time.Time
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
	return &Service{posts: d.Posts, alerts: d.Alerts, users: d.Users, audit: childmatch.Auditor{Log: d.Audit, Now: now}, send: d.Dispatch, now: now}
}

// dispatch hands a stored message to the outbox, for the posts it is for.
func (s *Service) dispatch(ctx context.Context, a *childmatch.Alert, m childmatch.Message, to []childmatch.Recipient) error {
	if s.send == nil || len(to) == 0 {
		return nil
	}
	return s.send.Dispatch(ctx, a, m, to)
}
