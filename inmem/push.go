package inmem

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sort"

	"childmatch"
)

var (
	_ childmatch.PushStore = (*Store)(nil)
	_ childmatch.Versions  = (*Store)(nil)
)

func (s *Store) PushSubscriptions(_ context.Context, user childmatch.ID) (*childmatch.PushSubscriptions, error) {
	p, err := get[childmatch.PushSubscriptions](s, s.d.push, user, "push subscriptions")
	if childmatch.ErrorCodeOf(err) == childmatch.ENotFound {
		return &childmatch.PushSubscriptions{User: user, Subs: []childmatch.PushSubscription{}}, nil
	}
	return p, err
}

func (s *Store) UpdatePushSubscriptions(ctx context.Context, user childmatch.ID, fn func(*childmatch.PushSubscriptions) error) (*childmatch.PushSubscriptions, error) {
	p, err := modify(s, s.d.push, user, "push subscriptions", fn)
	if childmatch.ErrorCodeOf(err) != childmatch.ENotFound {
		return p, err
	}
	p = &childmatch.PushSubscriptions{User: user, Subs: []childmatch.PushSubscription{}}
	if err := fn(p); err != nil {
		return nil, err
	}
	if err := create(s, &s.d.push, user, p, "push subscriptions"); childmatch.ErrorCodeOf(err) == childmatch.EConflict {
		return s.UpdatePushSubscriptions(ctx, user, fn) // a concurrent first subscription: redo over it
	} else if err != nil {
		return nil, err
	}
	return p, nil
}

// WalkAlertVersions gives each alert's version as the hash of its stored record, as an ETag is.
func (s *Store) WalkAlertVersions(_ context.Context, fn func(childmatch.ID, string) error) error {
	return versions(s, func(d *data) map[childmatch.ID][]byte { return d.alerts }, fn)
}

// WalkPostVersions gives each post's version as the hash of its stored record.
func (s *Store) WalkPostVersions(_ context.Context, fn func(childmatch.ID, string) error) error {
	return versions(s, func(d *data) map[childmatch.ID][]byte { return d.posts }, fn)
}

func versions(s *Store, table func(*data) map[childmatch.ID][]byte, fn func(childmatch.ID, string) error) error {
	if err := s.lock(); err != nil {
		return err
	}
	records := table(s.d)
	ids := make([]childmatch.ID, 0, len(records))
	versions := map[childmatch.ID]string{}
	for id, b := range records {
		sum := sha256.Sum256(b)
		ids = append(ids, id)
		versions[id] = hex.EncodeToString(sum[:])
	}
	s.unlock()
	sort.Slice(ids, func(i, j int) bool { return string(ids[i][:]) < string(ids[j][:]) })
	for _, id := range ids {
		if err := fn(id, versions[id]); err != nil {
			return err
		}
	}
	return nil
}
