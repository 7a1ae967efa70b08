package inmem

import (
	"context"
	"io"

	"childmatch"
)

func (s *Store) PutCatalog(_ context.Context, r io.Reader, _ int64) error {
	return s.putWhole(&s.d.catalog, r)
}

func (s *Store) OpenCatalog(context.Context) (io.ReadCloser, error) {
	return s.openWhole(&s.d.catalog, "the catalog snapshot")
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
