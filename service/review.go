package service

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"childmatch"
)

// proposal is what one upload says about one other case: its best face pair, its strength and how many
// pairs lie within the outer bound, and where it ranks among the upload's candidates of its kind.
type proposal struct {
	other    *childmatch.Case
	typ      childmatch.ReviewType
	distance float32
	face     childmatch.ID // of the uploaded case
	otherFc  childmatch.ID
	evidence childmatch.Evidence
	support  int
	rank     int
	reason   childmatch.Reason
	whole    bool // support counts every face pair of the two cases (a dedupe pass), not new ones
}

// propose turns the candidates of newly added faces into review items: a found child against missing
// reports and the other way round ("match"), and against earlier cases of its own kind ("same_child").
// Only open cases take part, and per kind only the few the proposal rule picks (root's proposal.go). It
// returns how many review items it created or folded into. hits are, for each kind, the ProposalsMax+1
// nearest open cases of each face other than c, as an upload searched them while it committed; the cases
// are read through cases.
func (s *Service) propose(ctx context.Context, cases caseReader, c *childmatch.Case, faces []childmatch.Face, hits map[childmatch.Kind][][]childmatch.Hit) (int, error) {
	return s.proposeFrom(ctx, cases, c, faces, false, func(kind childmatch.Kind) [][]childmatch.Hit { return hits[kind] })
}

// firstHits is each face's first k hits: a search's answer to a smaller k (the index's order is total,
// ties broken by face id).
func firstHits(hits [][]childmatch.Hit, k int) [][]childmatch.Hit {
	out := make([][]childmatch.Hit, len(hits))
	for i, h := range hits {
		out[i] = h[:min(len(h), k)]
	}
	return out
}

// proposalFilter admits the open cases of a kind other than c.
func proposalFilter(c *childmatch.Case, kind childmatch.Kind) childmatch.SearchFilter {
	return childmatch.SearchFilter{Kinds: []childmatch.Kind{kind}, Statuses: []childmatch.Status{childmatch.StatusOpen}, Exclude: c.ID}
}

// proposeFrom is propose with dlib's searches given: hitsOf(kind) is, for each face, the ProposalsMax+1
// nearest open cases of that kind other than c (the face models beside dlib are searched here). whole
// says that faces are all of c's faces, so that a pair's support is its whole count rather than what these
// faces add to it (a dedupe pass, which tells no post of the candidates it finds: the reviewers have them
// in the queue). It returns how many review items it created or folded into.
func (s *Service) proposeFrom(ctx context.Context, cases caseReader, c *childmatch.Case, faces []childmatch.Face, whole bool,
	hitsOf func(childmatch.Kind) [][]childmatch.Hit) (int, error) {
	if c.Exercise {
		return 0, nil // a drill's made-up child is nobody's match
	}
	proposed := 0
	for _, kind := range []childmatch.Kind{c.Kind.Opposite(), c.Kind} {
		typ := childmatch.ReviewMatch
		if kind == c.Kind {
			typ = childmatch.ReviewSameChild
		}
		props, err := s.candidatesOfKind(ctx, cases, c, faces, hitsOf(kind), kind, typ)
		if err != nil {
			return proposed, err
		}
		weighed := make([]childmatch.Weighed, len(props))
		for i, p := range props {
			weighed[i] = childmatch.Weighed{Evidence: p.evidence, Warnings: warnings(childmatch.ConsistencyNotes(c, p.other))}
		}
		for rank, i := range childmatch.Propose(weighed, s.limits) {
			p := props[i]
			p.rank, p.reason, p.whole = rank+1, childmatch.ReasonAmbiguous, whole
			if rank == 0 {
				p.reason = childmatch.ReasonBest
			}
			created, err := s.upsertReview(ctx, c, p)
			if err != nil {
				return proposed, err
			}
			proposed++
			if created && !whole && typ == childmatch.ReviewMatch && c.Kind == childmatch.KindFound {
				s.candidateFound(ctx, p.other, c)
			}
		}
	}
	return proposed, nil
}

// candidatesOfKind returns the cases of dlib's hits (per face, the ProposalsMax+1 nearest open cases of
// one kind) and of the face models' own searches, each with its best pair, its evidence and its support,
// nearest first, so the proposal rule sees the heaviest candidates and how much weight the rest carry.
func (s *Service) candidatesOfKind(ctx context.Context, cases caseReader, c *childmatch.Case, faces []childmatch.Face, found [][]childmatch.Hit,
	kind childmatch.Kind, typ childmatch.ReviewType) ([]*proposal, error) {
	near := s.withModels(nearOf(found), faces, s.limits.ProposalsMax+1, proposalFilter(c, kind))
	ms, err := s.weighAll(ctx, cases, faces, near, pairWith(c))
	if err != nil {
		return nil, err
	}
	cal := s.cal(ctx)
	props := make([]*proposal, 0, len(ms))
	for _, m := range ms {
		if m.other.Exercise {
			continue // a drill's case is never proposed
		}
		p := &proposal{other: m.other, typ: typ, distance: m.distance, face: m.face, otherFc: m.otherFace, evidence: m.evidence}
		pair := childmatch.PairOf(c, m.other)
		for _, f := range faces {
			for _, of := range m.other.Faces() {
				if cal.Evidence(f.Descriptor.Distance(&of.Descriptor), pair).Score >= s.limits.MinEvidence {
					p.support++
				}
			}
		}
		props = append(props, p)
	}
	sort.Slice(props, func(i, j int) bool {
		if props[i].distance != props[j].distance {
			return props[i].distance < props[j].distance
		}
		return string(props[i].other.ID[:]) < string(props[j].other.ID[:])
	})
	return props, nil
}

func warnings(notes []childmatch.Note) int {
	n := 0
	for _, note := range notes {
		if note.Warning {
			n++
		}
	}
	return n
}

// upsertReview creates the review item of a pair (answering true), or folds new evidence into the
// existing one. A rejected
// pair comes back only when the new distance is ReopenMargin closer than when it was rejected.
func (s *Service) upsertReview(ctx context.Context, c *childmatch.Case, p *proposal) (bool, error) {
	a, b, fa, fb := c, p.other, p.face, p.otherFc
	if (p.typ == childmatch.ReviewMatch && a.Kind == childmatch.KindFound) || (p.typ == childmatch.ReviewSameChild && string(b.ID[:]) < string(a.ID[:])) {
		a, b, fa, fb = b, a, fb, fa
	}
	key := childmatch.PairKey(a.ID, b.ID)
	now := s.now().UTC()
	for attempt := 0; attempt < childmatch.ReviewAttempts; attempt++ {
		_, err := s.updateReview(ctx, key, func(r *childmatch.Review) error {
			if p.whole {
				r.Support = max(r.Support, p.support)
			} else {
				r.Support += p.support
			}
			r.Notes = append(childmatch.ConsistencyNotes(a, b), keepNotes(r.Notes, "reopened")...)
			if p.distance < r.Distance { // the pair's best evidence, and where that proposal put it
				r.Distance, r.FaceA, r.FaceB, r.Evidence = p.distance, fa, fb, p.evidence
				r.ProposedRank, r.Reason = p.rank, p.reason
			}
			if r.State == childmatch.ReviewRejected && p.distance <= r.RejectedAt-childmatch.ReopenMargin {
				r.State = childmatch.ReviewPending
				r.Notes = append(r.Notes, childmatch.Note{Kind: "reopened", Message: fmt.Sprintf(
					"proposed again: a new photo is much closer (%.2f) than when the pair was rejected (%.2f)",
					p.distance, r.RejectedAt)})
			}
			r.UpdatedAt = now
			return nil
		})
		if childmatch.ErrorCodeOf(err) != childmatch.ENotFound {
			return false, err
		}
		r := &childmatch.Review{ID: key, Type: p.typ, CaseA: a.ID, CaseB: b.ID, State: childmatch.ReviewPending, FaceA: fa, FaceB: fb,
			Distance: p.distance, Evidence: p.evidence, ProposedRank: p.rank, Reason: p.reason, Support: p.support, Notes: childmatch.ConsistencyNotes(a, b), History: []childmatch.Decision{},
			CreatedAt: now, UpdatedAt: now}
		_, err = s.writeReview(key, func() (*childmatch.Review, error) { return r, s.reviews.CreateReview(ctx, r) })
		if childmatch.ErrorCodeOf(err) != childmatch.EConflict { // lost a race with another upload: fold into theirs
			return err == nil, err
		}
	}
	return false, childmatch.Errorf(childmatch.EConflict, "the review item changed too often, try again")
}

func keepNotes(notes []childmatch.Note, kind string) []childmatch.Note {
	var out []childmatch.Note
	for _, n := range notes {
		if n.Kind == kind {
			out = append(out, n)
		}
	}
	return out
}

// Reviews returns a page of review items, best first: by distance, with a penalty for each consistency
// warning. The catalog picks the page in memory and holds the summaries of its cases.
func (s *Service) Reviews(ctx context.Context, actor childmatch.Actor, q childmatch.ReviewQuery) (*childmatch.ReviewPage, error) {
	if err := actor.Require(childmatch.ActReview); err != nil {
		return nil, err
	}
	if q.State != "" && !q.State.Valid() {
		return nil, childmatch.FieldError("state", `must be "pending", "confirmed", "rejected" or "unsure"`)
	}
	if q.Type != "" && q.Type != childmatch.ReviewMatch && q.Type != childmatch.ReviewSameChild {
		return nil, childmatch.FieldError("type", `must be "match" or "same_child"`)
	}
	limit, err := childmatch.PageLimit(q.Limit, childmatch.DefaultReviewPage, childmatch.MaxReviewPage)
	if err != nil {
		return nil, err
	}
	q.Limit = limit
	var after childmatch.QueuePosition
	if q.Cursor != "" {
		if after, err = childmatch.ParseQueueCursor(q.Cursor); err != nil {
			return nil, err
		}
	}
	rs, last := s.catalog.Queue(q, after)
	page := &childmatch.ReviewPage{Items: make([]childmatch.ReviewItem, 0, len(rs))}
	var ids []childmatch.ID
	for _, r := range rs {
		a, okA := s.catalog.CaseRow(r.CaseA)
		b, okB := s.catalog.CaseRow(r.CaseB)
		if !okA || !okB {
			continue // one of its cases was erased
		}
		page.Items = append(page.Items, childmatch.ReviewItem{Review: *r, A: a.Summary, B: b.Summary,
			PhotoA: a.PhotoOf(r.FaceA), PhotoB: b.PhotoOf(r.FaceB)})
		ids = append(ids, r.CaseA, r.CaseB)
		if r.ID == last {
			page.Next = childmatch.QueueCursor(r)
		}
	}
	if last != "" && page.Next == "" { // the page's last item was skipped: continue after it all the same
		page.Next = childmatch.QueueCursor(rs[len(rs)-1])
	}
	if err := s.audit.Record(ctx, actor, "review.list", ids, ""); err != nil {
		return nil, err
	}
	return page, nil
}

// writeReview writes a review item through the catalog, so the queue holds what was written.
func (s *Service) writeReview(id string, write func() (*childmatch.Review, error)) (*childmatch.Review, error) {
	if s.catalog == nil {
		return write()
	}
	return s.catalog.WriteReview(id, write)
}

func (s *Service) updateReview(ctx context.Context, id string, fn func(*childmatch.Review) error) (*childmatch.Review, error) {
	return s.writeReview(id, func() (*childmatch.Review, error) { return s.reviews.UpdateReview(ctx, id, fn) })
}

func (s *Service) reviewItem(ctx context.Context, r *childmatch.Review) (*childmatch.ReviewItem, error) {
	a, err := s.store.Case(ctx, r.CaseA)
	if err != nil {
		return nil, err
	}
	b, err := s.store.Case(ctx, r.CaseB)
	if err != nil {
		return nil, err
	}
	return &childmatch.ReviewItem{Review: *r, A: a.Summary(), B: b.Summary(), PhotoA: a.PhotoOf(r.FaceA), PhotoB: b.PhotoOf(r.FaceB)}, nil
}

// Decide records a reviewer's decision on an item. Decisions are appended to the item's history, so two
// reviewers deciding at the same moment both keep theirs (the later one stands). A confirmation links the
// two cases and, for a match, moves both to matched; a revision away from confirmed undoes that.
func (s *Service) Decide(ctx context.Context, actor childmatch.Actor, id string, state childmatch.ReviewState, note string) (*childmatch.ReviewItem, error) {
	if err := actor.Require(childmatch.ActDecide); err != nil {
		return nil, err
	}
	if state != childmatch.ReviewConfirmed && state != childmatch.ReviewRejected && state != childmatch.ReviewUnsure {
		return nil, childmatch.FieldError("state", `must be "confirmed", "rejected" or "unsure"`)
	}
	if err := childmatch.CleanText("note", &note, childmatch.MaxLongText); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	r, err := s.updateReview(ctx, id, func(r *childmatch.Review) error {
		r.History = append(r.History, childmatch.Decision{State: state, Note: note, By: actor.ID, At: now})
		r.State = state
		if state == childmatch.ReviewRejected {
			r.RejectedAt = r.Distance
		}
		r.UpdatedAt = now
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.relink(ctx, actor, r, now); err != nil {
		return nil, err
	}
	if err := s.audit.Record(ctx, actor, "review.decide", []childmatch.ID{r.CaseA, r.CaseB}, r.ID); err != nil {
		return nil, err
	}
	return s.reviewItem(ctx, r)
}

// relink makes both cases' links and statuses agree with the item's current state.
func (s *Service) relink(ctx context.Context, actor childmatch.Actor, r *childmatch.Review, now time.Time) error {
	for _, pair := range [][2]childmatch.ID{{r.CaseA, r.CaseB}, {r.CaseB, r.CaseA}} {
		c, err := s.updateCase(ctx, pair[0], func(c *childmatch.Case) error {
			c.Links = slices.DeleteFunc(c.Links, func(l childmatch.Link) bool { return l.Review == r.ID })
			if r.State == childmatch.ReviewConfirmed {
				c.Links = append(c.Links, childmatch.Link{Case: pair[1], Type: r.Type, Review: r.ID, At: now, By: actor.ID})
			}
			matched := slices.ContainsFunc(c.Links, func(l childmatch.Link) bool { return l.Type == childmatch.ReviewMatch })
			switch {
			case c.Status == childmatch.StatusOpen && matched:
				c.Status = childmatch.StatusMatched
			case c.Status == childmatch.StatusMatched && !matched:
				c.Status = childmatch.StatusOpen
			}
			c.UpdatedAt = now
			return nil
		})
		if err != nil {
			return err
		}
		if c.Status == childmatch.StatusMatched {
			s.standDown(ctx, c, "matched")
		}
	}
	return nil
}
