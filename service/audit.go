package service

import (
	"context"

	"childmatch"
)

// AuditEvents returns the audit trail selected by q. Admins only; reading the trail is itself recorded.
func (s *Service) AuditEvents(ctx context.Context, actor childmatch.Actor, q childmatch.AuditQuery) (*childmatch.AuditPage, error) {
	if err := actor.Require(childmatch.ActReadAudit); err != nil {
		return nil, err
	}
	limit, err := childmatch.PageLimit(q.Limit, childmatch.DefaultAuditPage, childmatch.MaxAuditPage)
	if err != nil {
		return nil, err
	}
	q.Limit = limit
	if !q.Until.IsZero() && !q.Until.After(q.Since) {
		return nil, childmatch.FieldError("until", "must be after since")
	}
	page, err := s.audit.Log.Events(ctx, q)
	if err != nil {
		return nil, err
	}
	if err := s.audit.Record(ctx, actor, "audit.read", nil, ""); err != nil {
		return nil, err
	}
	return page, nil
}
