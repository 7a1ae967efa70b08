package minio

import (
	"context"

	miniogo "github.com/minio/minio-go/v7"

	"childmatch"
)

// posts/<post-id>.json: a post, its area, users and webhooks.

var _ childmatch.PostStore = (*Store)(nil)

func postKey(id childmatch.ID) string { return "posts/" + id.String() + ".json" }

// CreatePost writes a new post, its webhook secrets sealed (seal.go).
func (s *Store) CreatePost(ctx context.Context, p *childmatch.Post) error {
	return s.putJSON(ctx, postKey(p.ID), "post "+p.ID.String(), s.seal.sealed(p), "*")
}

// Post reads a post, its secrets unsealed.
func (s *Store) Post(ctx context.Context, id childmatch.ID) (*childmatch.Post, error) {
	var p childmatch.Post
	if _, err := s.getJSON(ctx, postKey(id), "post "+id.String(), &p); err != nil {
		return nil, err
	}
	return s.seal.unsealed(&p)
}

// UpdatePost is an atomic read-modify-write of a post: fn sees the secrets unsealed.
func (s *Store) UpdatePost(ctx context.Context, id childmatch.ID, fn func(*childmatch.Post) error) (*childmatch.Post, error) {
	p, err := update(ctx, s, postKey(id), "post "+id.String(), func(p *childmatch.Post) error {
		plain, err := s.seal.unsealed(p)
		if err != nil {
			return err
		}
		if err := fn(plain); err != nil {
			return err
		}
		*p = *s.seal.sealed(plain)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.seal.unsealed(p)
}

// DeletePost removes a post.
func (s *Store) DeletePost(ctx context.Context, id childmatch.ID) error {
	if _, err := s.Post(ctx, id); err != nil {
		return err
	}
	s.posts.Delete(postKey(id))
	ctx, cancel := s.call(ctx)
	defer cancel()
	return s.fail(s.cl.RemoveObject(ctx, s.bucket, postKey(id), miniogo.RemoveObjectOptions{}), "post "+id.String())
}

// WalkPosts reads every post in creation order, reading ahead (an alert's targeting walks them all).
func (s *Store) WalkPosts(ctx context.Context, fn func(*childmatch.Post) (bool, error)) error {
	return walkAhead(ctx, s, "posts/", "", &s.posts, func(p *childmatch.Post) (bool, error) {
		plain, err := s.seal.unsealed(p)
		if err != nil {
			return false, err
		}
		return fn(plain)
	})
}
