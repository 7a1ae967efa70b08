package inmem

import (
	"context"
	"sort"

	"childmatch"
)

func (s *Store) CreateReview(_ context.Context, r *childmatch.Review) error {
	if err := s.lock(); err != nil {
		return err
	}
	defer s.unlock()
	if _, ok := s.d.reviews[r.ID]; ok {
		return childmatch.Errorf(childmatch.EConflict, "review %s exists", r.ID)
	}
	s.d.reviews[r.ID] = encode(r)
	return nil
}

func (s *Store) Review(_ context.Context, id string) (*childmatch.Review, error) {
	if err := s.lock(); err != nil {
		return nil, err
	}
	defer s.unlock()
	b, ok := s.d.reviews[id]
	if !ok {
		return nil, notFound("review " + id)
	}
	return decode[childmatch.Review](b), nil
}

func (s *Store) UpdateReview(_ context.Context, id string, fn func(*childmatch.Review) error) (*childmatch.Review, error) {
	if err := s.lock(); err != nil {
		return nil, err
	}
	defer s.unlock()
	b, ok := s.d.reviews[id]
	if !ok {
		return nil, notFound("review " + id)
	}
	r := decode[childmatch.Review](b)
	if err := fn(r); err != nil {
		return nil, err
	}
	s.d.reviews[id] = encode(r)
	return decode[childmatch.Review](s.d.reviews[id]), nil
}

func (s *Store) WalkReviews(_ context.Context, fn func(*childmatch.Review) (bool, error)) error {
	if err := s.lock(); err != nil {
		return err
	}
	ids := make([]string, 0, len(s.d.reviews))
	for id := range s.d.reviews {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	records := make([][]byte, len(ids))
	for i, id := range ids {
		records[i] = s.d.reviews[id]
	}
	s.unlock()
	for _, b := range records {
		if more, err := fn(decode[childmatch.Review](b)); err != nil || !more {
			return err
		}
	}
	return nil
}

func (s *Store) DeleteReview(_ context.Context, id string) error {
	if err := s.lock(); err != nil {
		return err
	}
	defer s.unlock()
	delete(s.d.reviews, id)
	return nil
}

// Reviews counts the stored review items.
func (s *Store) Reviews() int {
	s.d.mu.Lock()
	defer s.d.mu.Unlock()
	return len(s.d.reviews)
}
