package service

import (
	"context"
	"math"
	"slices"
	"sort"
	"sync"

	"childmatch"
)

// How a case's candidates are found and weighed, by dlib's model and by the face models beside it
// (README: face models). Each model's index gives its nearest cases to the query faces; the candidates are
// their union, and each is weighed on every model both cases have vectors of: dlib's distance and
// evidence, each other model's nearest distance, and the evidence fused from the calibrated ones.

// near is a case one of the indexes found near the query faces, with dlib's best hit of it when dlib's
// index found it (of query face qi).
type near struct {
	caseID childmatch.ID
	hit    *childmatch.Hit
	qi     int
}

// matched is one other case weighed against the query faces.
type matched struct {
	other     *childmatch.Case
	distance  float32 // dlib's nearest pair
	face      childmatch.ID
	otherFace childmatch.ID
	evidence  childmatch.Evidence
	models    []childmatch.ModelMatch
}

// fused reports whether any model's calibrated score went into the evidence.
func (m *matched) fused() bool {
	return slices.ContainsFunc(m.models, func(mm childmatch.ModelMatch) bool { return mm.Score != nil })
}

// modelsOf lists, in order, the face models beside dlib that any of the faces has a vector of.
func modelsOf(faces []childmatch.Face) []string {
	var names []string
	for _, f := range faces {
		for name := range f.Embeddings {
			if !slices.Contains(names, name) {
				names = append(names, name)
			}
		}
	}
	slices.Sort(names)
	return names
}

// nearest returns the cases nearest to the query faces, k per face by dlib's index and k per face by each
// model's, each case once, dlib's hits first (nearest first).
func (s *Service) nearest(queries []childmatch.Face, k int, f childmatch.SearchFilter) []near {
	return s.withModels(nearOf(s.index.SearchBatch(childmatch.Descriptors(queries), k, f)), queries, k, f)
}

// nearOf is the cases of dlib's hits of each query face, each once with its best hit, nearest first.
func nearOf(hits [][]childmatch.Hit) []near {
	byCase := map[childmatch.ID]int{}
	var out []near
	for qi, hits := range hits {
		for _, h := range hits {
			if i, ok := byCase[h.CaseID]; !ok {
				byCase[h.CaseID] = len(out)
				out = append(out, near{caseID: h.CaseID, hit: &h, qi: qi})
			} else if h.Distance < out[i].hit.Distance {
				out[i].hit, out[i].qi = &h, qi
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return closer(out[i].hit, out[j].hit) })
	return out
}

// withModels adds to found the cases each face model's index finds among the k nearest of a query face
// that has the model's vector.
func (s *Service) withModels(found []near, queries []childmatch.Face, k int, f childmatch.SearchFilter) []near {
	seen := map[childmatch.ID]bool{}
	for _, n := range found {
		seen[n.caseID] = true
	}
	for _, name := range modelsOf(queries) {
		var qs [][]float32
		for _, q := range queries {
			if v, ok := q.Embeddings[name]; ok {
				qs = append(qs, v)
			}
		}
		for _, hits := range s.index.SearchModel(name, qs, k, f) {
			for _, h := range hits {
				if !seen[h.CaseID] {
					seen[h.CaseID] = true
					found = append(found, near{caseID: h.CaseID, qi: -1})
				}
			}
		}
	}
	return found
}

// closer orders hits by distance, ties by face id.
func closer(a, b *childmatch.Hit) bool {
	if a.Distance != b.Distance {
		return a.Distance < b.Distance
	}
	return string(a.FaceID[:]) < string(b.FaceID[:])
}

// weigh describes the other case against the query faces as the pair says.
func weigh(cal childmatch.Calibration, queries []childmatch.Face, other *childmatch.Case, n near, pair childmatch.Pair) matched {
	m := matched{other: other, distance: float32(math.Inf(1))}
	theirs := other.Faces()
	if n.hit != nil {
		m.distance, m.face, m.otherFace = n.hit.Distance, queries[n.qi].ID, n.hit.FaceID
	} else { // only another model's index found it: dlib's nearest pair, computed
		for _, q := range queries {
			for _, o := range theirs {
				if d := q.Descriptor.Distance(&o.Descriptor); d < m.distance {
					m.distance, m.face, m.otherFace = d, q.ID, o.ID
				}
			}
		}
	}
	m.models = modelDistances(queries, theirs)
	for i := range m.models {
		if score, ok := cal.ModelScore(m.models[i].Model, m.models[i].Distance); ok {
			m.models[i].Score = &score
		}
	}
	m.evidence = childmatch.Fuse(cal.Evidence(m.distance, pair), m.models)
	return m
}

// modelDistances is, for each face model beside dlib that the query faces have vectors of, the nearest
// distance between a query face and one of theirs that both have its vector (no score: that is the
// calibration's). A model no pair has both vectors of is left out.
func modelDistances(queries, theirs []childmatch.Face) []childmatch.ModelMatch {
	var out []childmatch.ModelMatch
	for _, name := range modelsOf(queries) {
		best, found := math.Inf(1), false
		for _, q := range queries {
			for _, o := range theirs {
				a, okA := q.Embeddings[name]
				b, okB := o.Embeddings[name]
				if okA && okB && len(a) == len(b) {
					best, found = min(best, euclidean(a, b)), true
				}
			}
		}
		if found {
			out = append(out, childmatch.ModelMatch{Model: name, Distance: float32(best)})
		}
	}
	return out
}

func euclidean(a, b []float32) float64 {
	s := 0.0
	for i := range a {
		d := float64(a[i]) - float64(b[i])
		s += d * d
	}
	return math.Sqrt(s)
}

// weighAll reads the cases found, in parallel, and weighs each against the query faces. A case removed
// since it was indexed is dropped rather than failing the answer.
func (s *Service) weighAll(ctx context.Context, cases caseReader, queries []childmatch.Face, found []near,
	pair func(*childmatch.Case) childmatch.Pair) ([]matched, error) {
	out := make([]matched, len(found))
	errs := make([]error, len(found))
	cal := s.cal(ctx)
	var wg sync.WaitGroup
	for i, n := range found {
		wg.Go(func() {
			c, err := cases.Case(ctx, n.caseID)
			if err != nil {
				errs[i] = err
				return
			}
			out[i] = weigh(cal, queries, c, n, pair(c))
		})
	}
	wg.Wait()
	kept := out[:0]
	for i := range out {
		switch {
		case errs[i] == nil:
			kept = append(kept, out[i])
		case childmatch.ErrorCodeOf(errs[i]) == childmatch.ENotFound:
		default:
			return nil, errs[i]
		}
	}
	return kept, nil
}

// resolve weighs the cases nearest to the query faces and answers the limit strongest as candidates:
// by dlib's distance, or, once a calibrated model's evidence is in, by the fused evidence.
func (s *Service) resolve(ctx context.Context, cases caseReader, queries []childmatch.Face, found []near, limit int,
	pair func(*childmatch.Case) childmatch.Pair) ([]childmatch.Candidate, error) {
	if len(modelsOf(queries)) == 0 && len(found) > limit {
		found = found[:limit] // dlib's alone: its nearest are the answer, read no more cases
	}
	ms, err := s.weighAll(ctx, cases, queries, found, pair)
	if err != nil {
		return nil, err
	}
	fused := slices.ContainsFunc(ms, func(m matched) bool { return m.fused() })
	sort.SliceStable(ms, func(i, j int) bool {
		a, b := &ms[i], &ms[j]
		if fused && a.evidence.Score != b.evidence.Score {
			return a.evidence.Score > b.evidence.Score
		}
		return closer(&childmatch.Hit{Distance: a.distance, FaceRef: childmatch.FaceRef{FaceID: a.otherFace}},
			&childmatch.Hit{Distance: b.distance, FaceRef: childmatch.FaceRef{FaceID: b.otherFace}})
	})
	if len(ms) > limit {
		ms = ms[:limit]
	}
	out := make([]childmatch.Candidate, len(ms))
	for i, m := range ms {
		out[i] = childmatch.Candidate{Case: m.other.Summary(), PhotoID: m.other.PhotoOf(m.otherFace), FaceID: m.otherFace,
			Distance: m.distance, Evidence: m.evidence, UnderThreshold: m.distance < s.limits.ReviewThreshold, Models: m.models}
	}
	return out, nil
}
