package inmem

import (
	"context"

	"childmatch"
)

func (s *Store) CreatePost(_ context.Context, p *childmatch.Post) error {
	return create(s, &s.d.posts, p.ID, p, "post")
}

func (s *Store) Post(_ context.Context, id childmatch.ID) (*childmatch.Post, error) {
	return get[childmatch.Post](s, s.d.posts, id, "post")
}

func (s *Store) UpdatePost(_ context.Context, id childmatch.ID, fn func(*childmatch.Post) error) (*childmatch.Post, error) {
	return modify(s, s.d.posts, id, "post", fn)
}

func (s *Store) DeletePost(_ context.Context, id childmatch.ID) error {
	return remove(s, s.d.posts, id, "post")
}

func (s *Store) WalkPosts(_ context.Context, fn func(*childmatch.Post) (bool, error)) error {
	return each(s, s.d.posts, fn)
}
