package service

import (
	"context"

	"childmatch"
)

// Search finds the cases nearest to every face of a photo, without storing anything.
func (s *Service) Search(ctx context.Context, actor childmatch.Actor, data []byte, q childmatch.SearchQuery) (*childmatch.SearchResult, error) {
	if err := actor.Require(childmatch.ActSearch); err != nil {
		return nil, err
	}
	filter, limit, err := searchFilter(q)
	if err != nil {
		return nil, err
	}
	a, err := s.analyze(ctx, actor, data)
	if err != nil {
		return nil, err
	}
	res := &childmatch.SearchResult{}
	var seen []childmatch.ID
	now := s.now()
	// The child in front of the officer is seen now: the time between the photos runs from the case's date.
	pair := func(other *childmatch.Case) childmatch.Pair {
		return childmatch.PairOf(other, &childmatch.Case{CreatedAt: now})
	}
	for _, df := range a.Faces {
		cands, err := s.candidates(ctx, childmatch.Face{Descriptor: df.Descriptor, Embeddings: df.Embeddings}, limit, filter, pair)
		if err != nil {
			return nil, err
		}
		res.Faces = append(res.Faces, childmatch.FaceMatches{Face: childmatch.Face{Box: df.Box, Landmarks: df.Landmarks,
			Detector: df.Detector, Quality: df.Quality, Descriptor: df.Descriptor}, Candidates: cands})
		for _, c := range cands {
			seen = append(seen, c.Case.ID)
		}
	}
	if err := s.audit.Record(ctx, actor, "search", seen, ""); err != nil {
		return nil, err
	}
	return res, nil
}

// searchFilter checks a search's fields, naming the first bad one, and turns them into the index's filter
// and the number of candidates per face.
func searchFilter(q childmatch.SearchQuery) (childmatch.SearchFilter, int, error) {
	var f childmatch.SearchFilter
	switch q.Kind {
	case "":
		f.Kinds = []childmatch.Kind{childmatch.KindMissing}
	case childmatch.KindMissing, childmatch.KindFound:
		f.Kinds = []childmatch.Kind{q.Kind}
	case childmatch.SearchAnyKind:
	default:
		return f, 0, childmatch.FieldError("kind", `must be "missing", "found" or "any"`)
	}
	if !q.AnyStatus {
		f.Statuses = []childmatch.Status{childmatch.StatusOpen}
	}
	if q.Gender != "" {
		if !q.Gender.Valid() {
			return f, 0, childmatch.FieldError("gender", `must be one of "female", "male", "other", "unknown"`)
		}
		// Unknown genders always stay in: a filter must not hide a child whose gender nobody recorded.
		f.Genders = []childmatch.Gender{q.Gender, childmatch.GenderUnknown}
	}
	if q.MinAge < 0 || q.MaxAge < 0 || (q.MaxAge > 0 && q.MinAge > q.MaxAge) {
		return f, 0, childmatch.FieldError("min_age", "and max_age must be a non-negative range")
	}
	for _, fl := range []struct {
		name string
		v    *string
	}{{"state", &q.State}, {"district", &q.District}} {
		if err := childmatch.CleanText(fl.name, fl.v, childmatch.MaxShortText); err != nil {
			return f, 0, err
		}
	}
	if q.District != "" && q.State == "" {
		return f, 0, childmatch.FieldError("state", "is needed with district: district names repeat across states")
	}
	if !q.From.IsZero() && !q.Until.IsZero() && q.Until.Before(q.From) {
		return f, 0, childmatch.FieldError("until", "is before from")
	}
	limit, err := checkLimit(q.Limit)
	if err != nil {
		return f, 0, err
	}
	f.MinAge, f.MaxAge = q.MinAge, q.MaxAge
	f.State, f.District, f.From, f.Until = q.State, q.District, q.From, q.Until
	return f, limit, nil
}

func checkLimit(limit int) (int, error) {
	return childmatch.PageLimit(limit, childmatch.DefaultSearchLimit, childmatch.MaxSearchLimit)
}

// caseCandidates returns, for each open case of the opposite kind, its best pair of faces with the case's
// faces, strongest first.
func (s *Service) caseCandidates(ctx context.Context, c *childmatch.Case, limit int) ([]childmatch.Candidate, error) {
	filter := childmatch.SearchFilter{Kinds: []childmatch.Kind{c.Kind.Opposite()}, Statuses: []childmatch.Status{childmatch.StatusOpen}, Exclude: c.ID}
	faces := c.Faces()
	return s.resolve(ctx, s.store, faces, s.nearest(faces, limit, filter), limit, pairWith(c))
}

// pairWith describes a candidate against the case c.
func pairWith(c *childmatch.Case) func(*childmatch.Case) childmatch.Pair {
	return func(other *childmatch.Case) childmatch.Pair { return childmatch.PairOf(c, other) }
}

// candidates returns the cases nearest to one face, strongest first.
func (s *Service) candidates(ctx context.Context, q childmatch.Face, limit int, f childmatch.SearchFilter,
	pair func(*childmatch.Case) childmatch.Pair) ([]childmatch.Candidate, error) {
	queries := []childmatch.Face{q}
	return s.resolve(ctx, s.store, queries, s.nearest(queries, limit, f), limit, pair)
}
