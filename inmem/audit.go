package inmem

import (
	"context"
	"slices"
	"strings"

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

// Events pages through the trail in minio.Store's order, day by day and by id within a day; a page ends
// only when full, since every day is in memory.
func (s *Store) Events(_ context.Context, q childmatch.AuditQuery) (*childmatch.AuditPage, error) {
	if err := s.lock(); err != nil {
		return nil, err
	}
	events := slices.Clone(s.d.events)
	s.unlock()
	slices.SortStableFunc(events, func(a, b childmatch.Event) int {
		if c := childmatch.AuditDay(a.At).Compare(childmatch.AuditDay(b.At)); c != 0 {
			return c
		}
		return strings.Compare(a.ID.String(), b.ID.String())
	})
	page := &childmatch.AuditPage{Events: []childmatch.Event{}}
	for i := range events {
		if !page.Add(&q, &events[i]) {
			break
		}
	}
	return page, nil
}
