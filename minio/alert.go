package minio

import (
	"context"

	miniogo "github.com/minio/minio-go/v7"

	"childmatch"
)

// alerts/<case-id>.json: a case's alert, its messages, recipients and answers.

var _ childmatch.AlertStore = (*Store)(nil)

func alertKey(id childmatch.ID) string { return "alerts/" + id.String() + ".json" }

// CreateAlert writes a case's alert; EConflict when the case has one.
func (s *Store) CreateAlert(ctx context.Context, a *childmatch.Alert) error {
	return s.putJSON(ctx, alertKey(a.ID), "alert "+a.ID.String(), a, "*")
}

// Alert reads an alert.
func (s *Store) Alert(ctx context.Context, id childmatch.ID) (*childmatch.Alert, error) {
	var a childmatch.Alert
	if _, err := s.getJSON(ctx, alertKey(id), "alert "+id.String(), &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// UpdateAlert is an atomic read-modify-write of an alert.
func (s *Store) UpdateAlert(ctx context.Context, id childmatch.ID, fn func(*childmatch.Alert) error) (*childmatch.Alert, error) {
	return update(ctx, s, alertKey(id), "alert "+id.String(), fn)
}

// DeleteAlert removes an alert; removing a missing one is not an error.
func (s *Store) DeleteAlert(ctx context.Context, id childmatch.ID) error {
	ctx, cancel := s.call(ctx)
	defer cancel()
	return s.fail(s.cl.RemoveObject(ctx, s.bucket, alertKey(id), miniogo.RemoveObjectOptions{}), "alert "+id.String())
}

// WalkAlerts reads every alert in creation order.
func (s *Store) WalkAlerts(ctx context.Context, fn func(*childmatch.Alert) (bool, error)) error {
	return walk(ctx, s, "alerts/", "", fn)
}
