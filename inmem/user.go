package inmem

import (
	"context"
	"sort"
	"strings"

	"childmatch"
)

func (s *Store) CreateUser(_ context.Context, u *childmatch.User) error {
	if err := s.lock(); err != nil {
		return err
	}
	defer s.unlock()
	if _, ok := s.d.users[u.ID]; ok {
		return childmatch.Errorf(childmatch.EConflict, "user %s exists", u.ID)
	}
	s.d.users[u.ID] = encode(u)
	return nil
}

func (s *Store) User(_ context.Context, id childmatch.ID) (*childmatch.User, error) {
	if err := s.lock(); err != nil {
		return nil, err
	}
	defer s.unlock()
	b, ok := s.d.users[id]
	if !ok {
		return nil, notFound("user " + id.String())
	}
	return decode[childmatch.User](b), nil
}

func (s *Store) WalkUsers(_ context.Context, fn func(*childmatch.User) (bool, error)) error {
	if err := s.lock(); err != nil {
		return err
	}
	ids := make([]childmatch.ID, 0, len(s.d.users))
	for id := range s.d.users {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return string(ids[i][:]) < string(ids[j][:]) })
	records := make([][]byte, len(ids))
	for i, id := range ids {
		records[i] = s.d.users[id]
	}
	s.unlock()
	for _, b := range records {
		if more, err := fn(decode[childmatch.User](b)); err != nil || !more {
			return err
		}
	}
	return nil
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
