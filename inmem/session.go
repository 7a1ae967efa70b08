package inmem

import (
	"context"
	"sort"
	"strings"

	"childmatch"
)

func (s *Store) CreateSession(_ context.Context, hash string, sess *childmatch.Session) error {
	if err := s.lock(); err != nil {
		return err
	}
	defer s.unlock()
	if s.d.sessions == nil {
		s.d.sessions = map[string][]byte{}
	}
	if _, ok := s.d.sessions[hash]; ok {
		return childmatch.Errorf(childmatch.EConflict, "session exists")
	}
	s.d.sessions[hash] = encode(sess)
	return nil
}

func (s *Store) Session(_ context.Context, hash string) (*childmatch.Session, error) {
	if err := s.lock(); err != nil {
		return nil, err
	}
	defer s.unlock()
	return s.session(hash)
}

// session decodes the session under hash. Call it locked.
func (s *Store) session(hash string) (*childmatch.Session, error) {
	b, ok := s.d.sessions[hash]
	if !ok {
		return nil, notFound("session")
	}
	return decode[childmatch.Session](b), nil
}

func (s *Store) UpdateSession(_ context.Context, hash string, fn func(*childmatch.Session) error) (*childmatch.Session, error) {
	if err := s.lock(); err != nil {
		return nil, err
	}
	defer s.unlock()
	sess, err := s.session(hash)
	if err != nil {
		return nil, err
	}
	if err := fn(sess); err != nil {
		return nil, err
	}
	s.d.sessions[hash] = encode(sess)
	return sess, nil
}

func (s *Store) DeleteSession(_ context.Context, id string) error {
	if err := s.lock(); err != nil {
		return err
	}
	defer s.unlock()
	for hash := range s.d.sessions {
		if id != "" && strings.HasPrefix(hash, id) {
			delete(s.d.sessions, hash)
			return nil
		}
	}
	return notFound("session " + id)
}

func (s *Store) WalkSessions(_ context.Context, fn func(*childmatch.Session) (bool, error)) error {
	if err := s.lock(); err != nil {
		return err
	}
	hashes := make([]string, 0, len(s.d.sessions))
	for h := range s.d.sessions {
		hashes = append(hashes, h)
	}
	sort.Strings(hashes)
	records := make([][]byte, len(hashes))
	for i, h := range hashes {
		records[i] = s.d.sessions[h]
	}
	s.unlock()
	for _, b := range records {
		if more, err := fn(decode[childmatch.Session](b)); err != nil || !more {
			return err
		}
	}
	return nil
}
