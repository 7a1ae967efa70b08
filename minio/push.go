package minio

import (
	"context"
	"strings"

	miniogo "github.com/minio/minio-go/v7"

	"childmatch"
)

// push/<user-id>.json: a user's Web Push subscriptions.

var (
	_ childmatch.PushStore = (*Store)(nil)
	_ childmatch.Versions  = (*Store)(nil)
)

func pushKey(user childmatch.ID) string { return "push/" + user.String() + ".json" }

// PushSubscriptions reads a user's subscriptions: none is an empty list.
func (s *Store) PushSubscriptions(ctx context.Context, user childmatch.ID) (*childmatch.PushSubscriptions, error) {
	var p childmatch.PushSubscriptions
	_, err := s.getJSON(ctx, pushKey(user), "the push subscriptions of user "+user.String(), &p)
	if childmatch.ErrorCodeOf(err) == childmatch.ENotFound {
		return &childmatch.PushSubscriptions{User: user, Subs: []childmatch.PushSubscription{}}, nil
	}
	return &p, err
}

// UpdatePushSubscriptions is an atomic read-modify-write of a user's subscriptions. The first
// subscription creates the record (only if absent: a concurrent first one makes this one read it and redo).
func (s *Store) UpdatePushSubscriptions(ctx context.Context, user childmatch.ID, fn func(*childmatch.PushSubscriptions) error) (*childmatch.PushSubscriptions, error) {
	what := "the push subscriptions of user " + user.String()
	for range childmatch.UpdateAttempts {
		p, err := update(ctx, s, pushKey(user), what, fn)
		if childmatch.ErrorCodeOf(err) != childmatch.ENotFound {
			return p, err
		}
		p = &childmatch.PushSubscriptions{User: user, Subs: []childmatch.PushSubscription{}}
		if err := fn(p); err != nil {
			return nil, err
		}
		err = s.putJSON(ctx, pushKey(user), what, p, "*")
		if childmatch.ErrorCodeOf(err) != childmatch.EConflict {
			return p, err
		}
	}
	return nil, childmatch.Errorf(childmatch.EConflict, "%s changed too often at once, try again", what)
}

// WalkAlertVersions lists every alert's ETag, without reading the alerts.
func (s *Store) WalkAlertVersions(ctx context.Context, fn func(childmatch.ID, string) error) error {
	return s.walkVersions(ctx, "alerts/", fn)
}

// WalkPostVersions lists every post's ETag, without reading the posts.
func (s *Store) WalkPostVersions(ctx context.Context, fn func(childmatch.ID, string) error) error {
	return s.walkVersions(ctx, "posts/", fn)
}

// walkVersions lists the ETag of every <prefix><id>.json record.
func (s *Store) walkVersions(ctx context.Context, prefix string, fn func(childmatch.ID, string) error) error {
	p := s.stream(ctx)
	defer p.done()
	for obj := range s.cl.ListObjects(p.ctx, s.bucket, miniogo.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if obj.Err != nil {
			return s.fail(p.err(obj.Err), "the listing of "+prefix)
		}
		p.kick()
		name, ok := strings.CutSuffix(strings.TrimPrefix(obj.Key, prefix), ".json")
		id, err := childmatch.ParseID("record", name)
		if !ok || err != nil {
			continue // not a record of the kind
		}
		if err := fn(id, obj.ETag); err != nil {
			return err
		}
	}
	return nil
}
