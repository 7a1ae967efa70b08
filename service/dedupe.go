package service

import (
	"context"
	"slices"
	"sync"

	"childmatch"
)

// A dedupe pass (`childmatch dedupe`) compares every face with every other face of both kinds, missing
// against found and each kind against itself, as if every open case had just been uploaded: each case
// proposes what its upload would (propose), so the proposals are the bounded, calibrated ones of
// proposal.go and a pair already in the queue is folded into, never doubled. It is what a bulk import,
// a change of the proposal rule or of the face model needs, and it finds the children registered twice.
//
// Cases are taken in ID order, DedupeBatch faces at a time, so that the index answers them through its
// batch kernel; each batch is searched without the per-case exclusion (one more hit instead, the case's
// own, dropped), which gives each case exactly the hits its own search would. After each batch the
// position is handed to the caller to keep: a pass resumed from it continues with the next case, and
// a batch done twice (the process stopped before its position was kept) changes nothing, since support
// is then the pair's whole count, not an increment.

// DedupeProgress is where a dedupe pass stands; the zero value is its start.
type DedupeProgress struct {
	After     childmatch.ID `json:"after"`     // every case up to this ID is done
	Cases     int           `json:"cases"`     // cases walked, open or not
	Faces     int           `json:"faces"`     // their faces
	Compared  int           `json:"compared"`  // faces of open cases searched
	Proposals int           `json:"proposals"` // review items created or folded into
}

// deduper is the actor a dedupe pass's audit events name.
var deduper = childmatch.Actor{ID: "dedupe", Roles: []childmatch.Role{}}

// Dedupe runs a dedupe pass from p on, calling kept with the progress after every batch (an error from
// kept stops the pass), and returns the progress at the end.
func (s *Service) Dedupe(ctx context.Context, p DedupeProgress, kept func(DedupeProgress) error) (DedupeProgress, error) {
	// The candidates' records, read once while they keep being asked for (casememo.go).
	cases := newCaseMemo(s.store, childmatch.DedupeMemoCases)
	var batch []*childmatch.Case
	faces := 0
	done := func() error {
		n, compared, err := s.dedupeBatch(ctx, cases, batch)
		if err != nil {
			return err
		}
		p.After, p.Cases, p.Faces = batch[len(batch)-1].ID, p.Cases+len(batch), p.Faces+faces
		p.Compared, p.Proposals = p.Compared+compared, p.Proposals+n
		batch, faces = nil, 0
		return kept(p)
	}
	// One walk over the cases for the whole pass, a batch weighed as soon as it is read: a walk started
	// again for every batch listed a page of a thousand keys for each hundred faces it used.
	err := s.store.WalkCases(ctx, p.After, func(c *childmatch.Case) (bool, error) {
		batch = append(batch, c)
		if faces += len(c.Faces()); faces < childmatch.DedupeBatch {
			return true, nil
		}
		return true, done()
	})
	if err == nil && len(batch) > 0 {
		err = done()
	}
	return p, err
}

// dedupeBatch proposes for the open cases of batch and returns how many proposals and faces it made.
func (s *Service) dedupeBatch(ctx context.Context, cases *caseMemo, batch []*childmatch.Case) (proposals, compared int, err error) {
	var open []*childmatch.Case
	var descs []childmatch.Descriptor
	for _, c := range batch {
		if faces := c.Faces(); c.Status == childmatch.StatusOpen && len(faces) > 0 {
			open = append(open, c)
			descs = append(descs, childmatch.Descriptors(faces)...)
		}
	}
	if len(open) == 0 {
		return 0, 0, nil
	}
	k := s.limits.ProposalsMax + 1
	hits := map[childmatch.Kind][][]childmatch.Hit{}
	for _, kind := range []childmatch.Kind{childmatch.KindMissing, childmatch.KindFound} {
		hits[kind] = s.index.SearchBatch(descs, k+1, childmatch.SearchFilter{Kinds: []childmatch.Kind{kind},
			Statuses: []childmatch.Status{childmatch.StatusOpen}})
	}
	for _, c := range batch {
		cases.add(c) // read already
	}
	ids := make([]childmatch.ID, len(open))
	for i, c := range open {
		ids[i] = c.ID
	}
	// The trail says which cases the pass compared before any review item they lead to is written.
	if err := s.audit.Record(ctx, deduper, "dedupe.compare", ids, ""); err != nil {
		return 0, 0, err
	}
	// The cases propose at once, DedupeWorkers at a time: each waits mostly for its candidates' records and
	// its review items, and a pair two of them propose is folded into, as two uploads' would be.
	counts, errs := make([]int, len(open)), make([]error, len(open))
	slots := make(chan struct{}, childmatch.DedupeWorkers)
	var wg sync.WaitGroup
	at := 0
	for i, c := range open {
		faces := c.Faces()
		first, last := at, at+len(faces)
		at = last
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			counts[i], errs[i] = s.proposeFrom(ctx, cases, c, faces, true, func(kind childmatch.Kind) [][]childmatch.Hit {
				own := make([][]childmatch.Hit, len(faces))
				for i, hs := range hits[kind][first:last] {
					hs = slices.DeleteFunc(slices.Clone(hs), func(h childmatch.Hit) bool { return h.CaseID == c.ID })
					own[i] = hs[:min(k, len(hs))]
				}
				return own
			})
		})
	}
	wg.Wait()
	for i := range open {
		if errs[i] != nil {
			return proposals, at, errs[i]
		}
		proposals += counts[i]
	}
	return proposals, at, nil
}
