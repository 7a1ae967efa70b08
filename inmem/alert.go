package inmem

import (
	"context"

	"childmatch"
)

func (s *Store) CreateAlert(_ context.Context, a *childmatch.Alert) error {
	return create(s, &s.d.alerts, a.ID, a, "the alert of case")
}

func (s *Store) Alert(_ context.Context, id childmatch.ID) (*childmatch.Alert, error) {
	return get[childmatch.Alert](s, s.d.alerts, id, "alert")
}

func (s *Store) UpdateAlert(_ context.Context, id childmatch.ID, fn func(*childmatch.Alert) error) (*childmatch.Alert, error) {
	return modify(s, s.d.alerts, id, "alert", fn)
}

func (s *Store) DeleteAlert(_ context.Context, id childmatch.ID) error {
	if err := remove(s, s.d.alerts, id, "alert"); childmatch.ErrorCodeOf(err) != childmatch.ENotFound {
		return err
	}
	return nil
}

func (s *Store) WalkAlerts(_ context.Context, fn func(*childmatch.Alert) (bool, error)) error {
	return each(s, s.d.alerts, fn)
}
