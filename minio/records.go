package minio

import (
	"context"
	"fmt"

	miniogo "github.com/minio/minio-go/v7"

	"childmatch"
)

func reviewKey(id string) string { return "reviews/" + id + ".json" }

// validPairKey keeps a client-given review id from naming any other key: a pair key is 64 hex digits.
func validPairKey(id string) error {
	if len(id) != 64 {
		return childmatch.Errorf(childmatch.ENotFound, "no review item with id %q", id)
	}
	for _, r := range id {
		if !('0' <= r && r <= '9' || 'a' <= r && r <= 'f') {
			return childmatch.Errorf(childmatch.ENotFound, "no review item with that id")
		}
	}
	return nil
}

// CreateReview writes a new review item; EConflict if the pair has one. Its marker under the pair's
// second case goes first (reviews.go), so ReviewsOf finds every item that exists.
func (s *Store) CreateReview(ctx context.Context, r *childmatch.Review) error {
	if err := validPairKey(r.ID); err != nil {
		return err
	}
	if err := s.markReview(ctx, r.ID); err != nil {
		return err
	}
	return s.putJSON(ctx, reviewKey(r.ID), "review "+r.ID, r, "*")
}

// Review reads a review item.
func (s *Store) Review(ctx context.Context, id string) (*childmatch.Review, error) {
	if err := validPairKey(id); err != nil {
		return nil, err
	}
	var r childmatch.Review
	if _, err := s.getJSON(ctx, reviewKey(id), "review "+id, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// UpdateReview is an atomic read-modify-write of a review item.
func (s *Store) UpdateReview(ctx context.Context, id string, fn func(*childmatch.Review) error) (*childmatch.Review, error) {
	if err := validPairKey(id); err != nil {
		return nil, err
	}
	return update(ctx, s, reviewKey(id), "review "+id, fn)
}

// WalkReviews reads every review item.
func (s *Store) WalkReviews(ctx context.Context, fn func(*childmatch.Review) (bool, error)) error {
	return walk(ctx, s, "reviews/", "", fn)
}

// DeleteReview removes a review item; removing a missing one is not an error.
func (s *Store) DeleteReview(ctx context.Context, id string) error {
	if err := validPairKey(id); err != nil {
		return err
	}
	cctx, cancel := s.call(ctx)
	defer cancel()
	if err := s.fail(s.cl.RemoveObject(cctx, s.bucket, reviewKey(id), miniogo.RemoveObjectOptions{}), "review "+id); err != nil {
		return err
	}
	return s.unmarkReview(ctx, id)
}

func userKey(id childmatch.ID) string { return "users/" + id.String() + ".json" }

// CreateUser writes a new user.
func (s *Store) CreateUser(ctx context.Context, u *childmatch.User) error {
	return s.putJSON(ctx, userKey(u.ID), "user "+u.ID.String(), u, "*")
}

// User reads a user.
func (s *Store) User(ctx context.Context, id childmatch.ID) (*childmatch.User, error) {
	var u childmatch.User
	if _, err := s.getJSON(ctx, userKey(id), "user "+id.String(), &u); err != nil {
		return nil, err
	}
	return &u, nil
}

// WalkUsers reads every user in creation order.
func (s *Store) WalkUsers(ctx context.Context, fn func(*childmatch.User) (bool, error)) error {
	return walk(ctx, s, "users/", "", fn)
}

func tokenKey(hash string) string { return "tokens/" + hash + ".json" }

// CreateToken stores a token under the hash of its secret; the secret itself is never stored.
func (s *Store) CreateToken(ctx context.Context, hash string, t *childmatch.Token) error {
	return s.putJSON(ctx, tokenKey(hash), "token "+t.ID, t, "*")
}

// Token reads a token by the hash of its secret.
func (s *Store) Token(ctx context.Context, hash string) (*childmatch.Token, error) {
	var t childmatch.Token
	if _, err := s.getJSON(ctx, tokenKey(hash), "token", &t); err != nil {
		return nil, err
	}
	return &t, nil
}

// UpdateToken finds a token by its id (the first 16 hex digits of its hash) and changes it atomically.
func (s *Store) UpdateToken(ctx context.Context, id string, fn func(*childmatch.Token) error) (*childmatch.Token, error) {
	key, err := s.keyByPrefix(ctx, "tokens/"+id, "token with id "+id)
	if err != nil {
		return nil, err
	}
	return update(ctx, s, key, "token "+id, fn)
}

func auditDay(e *childmatch.Event) string {
	return fmt.Sprintf("audit/%04d/%02d/%02d/", e.At.Year(), e.At.Month(), e.At.Day())
}

// Append writes one audit event under its day, create-only: an event is never rewritten.
func (s *Store) Append(ctx context.Context, e *childmatch.Event) error {
	return s.putJSON(ctx, auditDay(e)+e.ID.String()+".json", "audit event", e, "*")
}
