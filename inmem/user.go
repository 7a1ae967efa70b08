package inmem

import (
	"context"
	"strings"

	"childmatch"
)

func (s *Store) CreateUser(_ context.Context, u *childmatch.User) error {
	return create(s, &s.d.users, u.ID, u, "user")
}

func (s *Store) User(_ context.Context, id childmatch.ID) (*childmatch.User, error) {
	return get[childmatch.User](s, s.d.users, id, "user")
}

func (s *Store) WalkUsers(_ context.Context, fn func(*childmatch.User) (bool, error)) error {
	return each(s, s.d.users, fn)
}

func (s *Store) CreateToken(_ context.Context, hash string, t *childmatch.Token) error {
	if err := s.lock(); err != nil {
		return err
	}
	defer s.unlock()
	if _, ok := s.d.tokens[hash]; ok {
		return childmatch.Errorf(childmatch.EConflict, "token exists")
	}
	s.d.tokens[hash] = encode(t)
	return nil
}

func (s *Store) Token(_ context.Context, hash string) (*childmatch.Token, error) {
	if err := s.lock(); err != nil {
		return nil, err
	}
	defer s.unlock()
	b, ok := s.d.tokens[hash]
	if !ok {
		return nil, notFound("token")
	}
	return decode[childmatch.Token](b), nil
}

func (s *Store) UpdateToken(_ context.Context, id string, fn func(*childmatch.Token) error) (*childmatch.Token, error) {
	if err := s.lock(); err != nil {
		return nil, err
	}
	defer s.unlock()
	for hash, b := range s.d.tokens {
		if strings.HasPrefix(hash, id) {
			t := decode[childmatch.Token](b)
			if err := fn(t); err != nil {
				return nil, err
			}
			s.d.tokens[hash] = encode(t)
			return t, nil
		}
	}
	return nil, notFound("token " + id)
}
