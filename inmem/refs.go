package inmem

import (
	"context"

	"childmatch"
)

var _ childmatch.RefStore = (*Store)(nil)

func refKey(o childmatch.Origin) string { return o.Source + "/" + o.RefHash() }

// CreateRef records the origin's case only if it has none.
func (s *Store) CreateRef(_ context.Context, o childmatch.Origin, caseID childmatch.ID) error {
	if err := s.lock(); err != nil {
		return err
	}
	defer s.unlock()
	if s.d.refs == nil {
		s.d.refs = map[string]childmatch.ID{}
	}
	if _, ok := s.d.refs[refKey(o)]; ok {
		return childmatch.Errorf(childmatch.EConflict, "the reference exists")
	}
	s.d.refs[refKey(o)] = caseID
	return nil
}

// Ref returns the case recorded for the origin.
func (s *Store) Ref(_ context.Context, o childmatch.Origin) (childmatch.ID, error) {
	if err := s.lock(); err != nil {
		return childmatch.ID{}, err
	}
	defer s.unlock()
	id, ok := s.d.refs[refKey(o)]
	if !ok {
		return id, notFound("the reference")
	}
	return id, nil
}

// DeleteRef removes the origin's record.
func (s *Store) DeleteRef(_ context.Context, o childmatch.Origin) error {
	if err := s.lock(); err != nil {
		return err
	}
	defer s.unlock()
	delete(s.d.refs, refKey(o))
	return nil
}
