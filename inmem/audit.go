package inmem

import (
	"context"
	"slices"

	"childmatch"
)

func (s *Store) Append(_ context.Context, e *childmatch.Event) error {
	if err := s.lock(); err != nil {
		return err
	}
	defer s.unlock()
	s.d.events = append(s.d.events, *e)
	return nil
}

func (s *Store) Events(_ context.Context, q childmatch.AuditQuery) ([]childmatch.Event, error) {
	if err := s.lock(); err != nil {
		return nil, err
	}
	defer s.unlock()
	out := []childmatch.Event{}
	for _, e := range s.d.events {
		if e.At.Before(q.Since) || (q.Actor != "" && e.Actor != q.Actor) || (!q.Case.IsZero() && !slices.Contains(e.Cases, q.Case)) {
			continue
		}
		if len(out) == q.Limit {
			break
		}
		out = append(out, e)
	}
	return out, nil
}
