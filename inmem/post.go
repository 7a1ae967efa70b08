package inmem

import (
	"context"
	"sort"

	"childmatch"
)

func (s *Store) CreatePost(_ context.Context, p *childmatch.Post) error {
	if err := s.lock(); err != nil {
		return err
	}
	defer s.unlock()
	if s.d.posts == nil {
		s.d.posts = map[childmatch.ID][]byte{}
	}
	if _, ok := s.d.posts[p.ID]; ok {
		return childmatch.Errorf(childmatch.EConflict, "post %s exists", p.ID)
	}
	s.d.posts[p.ID] = encode(p)
	return nil
}

func (s *Store) Post(_ context.Context, id childmatch.ID) (*childmatch.Post, error) {
	if err := s.lock(); err != nil {
		return nil, err
	}
	defer s.unlock()
	b, ok := s.d.posts[id]
	if !ok {
		return nil, notFound("post " + id.String())
	}
	return decode[childmatch.Post](b), nil
}

func (s *Store) UpdatePost(_ context.Context, id childmatch.ID, fn func(*childmatch.Post) error) (*childmatch.Post, error) {
	if err := s.lock(); err != nil {
		return nil, err
	}
	defer s.unlock()
	b, ok := s.d.posts[id]
	if !ok {
		return nil, notFound("post " + id.String())
	}
	p := decode[childmatch.Post](b)
	if err := fn(p); err != nil {
		return nil, err
	}
	s.d.posts[id] = encode(p)
	return decode[childmatch.Post](s.d.posts[id]), nil
}

func (s *Store) DeletePost(_ context.Context, id childmatch.ID) error {
	if err := s.lock(); err != nil {
		return err
	}
	defer s.unlock()
	if _, ok := s.d.posts[id]; !ok {
		return notFound("post " + id.String())
	}
	delete(s.d.posts, id)
	return nil
}

func (s *Store) WalkPosts(_ context.Context, fn func(*childmatch.Post) (bool, error)) error {
	if err := s.lock(); err != nil {
		return err
	}
	ids := make([]childmatch.ID, 0, len(s.d.posts))
	for id := range s.d.posts {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return string(ids[i][:]) < string(ids[j][:]) })
	records := make([][]byte, len(ids))
	for i, id := range ids {
		records[i] = s.d.posts[id]
	}
	s.unlock()
	for _, b := range records {
		if more, err := fn(decode[childmatch.Post](b)); err != nil || !more {
			return err
		}
	}
	return nil
}
