package inmem

import (
	"bytes"
	"context"
	"io"

	"childmatch"
)

func (s *Store) PutCatalog(_ context.Context, r io.Reader, _ int64) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if err := s.lock(); err != nil {
		return err
	}
	defer s.unlock()
	s.d.catalog = b
	return nil
}

func (s *Store) OpenCatalog(context.Context) (io.ReadCloser, error) {
	if err := s.lock(); err != nil {
		return nil, err
	}
	defer s.unlock()
	if s.d.catalog == nil {
		return nil, notFound("the catalog snapshot")
	}
	return io.NopCloser(bytes.NewReader(s.d.catalog)), nil
}

// ReviewsOf returns the review items of a case.
func (s *Store) ReviewsOf(_ context.Context, caseID childmatch.ID) ([]*childmatch.Review, error) {
	if err := s.lock(); err != nil {
		return nil, err
	}
	defer s.unlock()
	var out []*childmatch.Review
	for _, b := range s.d.reviews {
		if r := decode[childmatch.Review](b); r.CaseA == caseID || r.CaseB == caseID {
			out = append(out, r)
		}
	}
	return out, nil
}
