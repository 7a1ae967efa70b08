package service

import (
	"context"

	"childmatch"
)

// AuditEvents returns the audit trail selected by q. Admins only; reading the trail is itself recorded.
func (s *Service) AuditEvents(ctx context.Context, actor childmatch.Actor, q childmatch.AuditQuery) ([]childmatch.Event, error) {
	if err := actor.Require(childmatch.ActReadAudit); err != nil {
		return nil, err
	}
	limit, err := childmatch.PageLimit(q.Limit, childmatch.DefaultAuditPage, childmatch.MaxAuditPage)
	if err != nil {
		return nil, err
	}
	q.Limit = limit
	events, err := s.audit.Log.Events(ctx, q)
	if err != nil {
		return nil, err
	}
	if err := s.audit.Record(ctx, actor, "audit.read", nil, ""); err != nil {
		return nil, err
	}
	return events, nil
}
