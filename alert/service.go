package alert

import (
	"time"

	"childmatch"
)

// Deps are what a Service is built from.
type Deps struct {
	Posts  childmatch.PostStore
	Alerts childmatch.AlertStore
	Users  childmatch.UserStore // a post's users must exist
	Audit  childmatch.AuditLog
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// Service manages posts, raises and cancels alerts, and takes the posts' answers.
type Service struct {
	posts  childmatch.PostStore
	alerts childmatch.AlertStore
	users  childmatch.UserStore
	audit  childmatch.Auditor
	now    func() time.Time
}

var (
	_ childmatch.PostService  = (*Service)(nil)
	_ childmatch.AlertService = (*Service)(nil)
	_ childmatch.Alerter      = (*Service)(nil)
)

// New wires a Service.
func New(d Deps) *Service {
	now := d.Now
	if now == nil {
		now = time.Now
	}
	return &Service{posts: d.Posts, alerts: d.Alerts, users: d.Users, audit: childmatch.Auditor{Log: d.Audit, Now: now}, now: now}
}
