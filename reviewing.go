package childmatch

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// proposal is what one upload says about one other case: its best face pair and how many pairs lie under
// the review threshold.
type proposal struct {
	other    *Case
	typ      ReviewType
	distance float32
	face     ID // of the uploaded case
	otherFc  ID
	support  int
}

// propose turns the candidates of newly added faces into review items: a found child against missing
// reports and the other way round ("match"), and against earlier cases of its own kind ("same_child").
// Only open cases take part.
func (s *Service) propose(ctx context.Context, c *Case, faces []Face) error {
	props := map[ID]*proposal{}
	for _, kind := range []Kind{c.Kind.Opposite(), c.Kind} {
		typ := ReviewMatch
		if kind == c.Kind {
			typ = ReviewSameChild
		}
		filter := SearchFilter{Kinds: []Kind{kind}, Statuses: []Status{StatusOpen}, Exclude: c.ID}
		for i, hits := range s.index.SearchBatch(descriptors(faces), MaxSearchLimit, filter) {
			f := &faces[i]
			for _, h := range hits {
				if h.Distance >= s.limits.ReviewThreshold {
					break
				}
				p := props[h.CaseID]
				if p == nil {
					other, err := s.store.Case(ctx, h.CaseID)
					if ErrorCodeOf(err) == ENotFound {
						continue
					}
					if err != nil {
						return err
					}
					p = &proposal{other: other, typ: typ, distance: h.Distance, face: f.ID, otherFc: h.FaceID}
					props[h.CaseID] = p
				}
				if h.Distance < p.distance {
					p.distance, p.face, p.otherFc = h.Distance, f.ID, h.FaceID
				}
				for _, of := range p.other.Faces() {
					if f.Descriptor.Distance(&of.Descriptor) < s.limits.ReviewThreshold {
						p.support++
					}
				}
			}
		}
	}
	for _, p := range props {
		if err := s.upsertReview(ctx, c, p); err != nil {
			return err
		}
	}
	return nil
}

// upsertReview creates the review item of a pair, or folds new evidence into the existing one. A rejected
// pair comes back only when the new distance is ReopenMargin closer than when it was rejected.
func (s *Service) upsertReview(ctx context.Context, c *Case, p *proposal) error {
	a, b, fa, fb := c, p.other, p.face, p.otherFc
	if (p.typ == ReviewMatch && a.Kind == KindFound) || (p.typ == ReviewSameChild && string(b.ID[:]) < string(a.ID[:])) {
		a, b, fa, fb = b, a, fb, fa
	}
	key := PairKey(a.ID, b.ID)
	now := s.now().UTC()
	for attempt := 0; attempt < 3; attempt++ {
		_, err := s.reviews.UpdateReview(ctx, key, func(r *Review) error {
			r.Support += p.support
			r.Notes = append(ConsistencyNotes(a, b), keepNotes(r.Notes, "reopened")...)
			if p.distance < r.Distance {
				r.Distance, r.FaceA, r.FaceB = p.distance, fa, fb
			}
			if r.State == ReviewRejected && p.distance <= r.RejectedAt-ReopenMargin {
				r.State = ReviewPending
				r.Notes = append(r.Notes, Note{Kind: "reopened", Message: fmt.Sprintf(
					"proposed again: a new photo is much closer (%.2f) than when the pair was rejected (%.2f)",
					p.distance, r.RejectedAt)})
			}
			r.UpdatedAt = now
			return nil
		})
		if ErrorCodeOf(err) != ENotFound {
			return err
		}
		r := &Review{ID: key, Type: p.typ, CaseA: a.ID, CaseB: b.ID, State: ReviewPending, FaceA: fa, FaceB: fb,
			Distance: p.distance, Support: p.support, Notes: ConsistencyNotes(a, b), History: []Decision{},
			CreatedAt: now, UpdatedAt: now}
		err = s.reviews.CreateReview(ctx, r)
		if ErrorCodeOf(err) != EConflict { // lost a race with another upload: fold into theirs
			return err
		}
	}
	return Errorf(EConflict, "the review item changed too often, try again")
}

func keepNotes(notes []Note, kind string) []Note {
	var out []Note
	for _, n := range notes {
		if n.Kind == kind {
			out = append(out, n)
		}
	}
	return out
}

// ReviewItem is a review with what the reviewer needs next to it: both cases' summaries and the photos
// the best pair of faces comes from.
type ReviewItem struct {
	Review
	A      Summary `json:"case_a_summary"`
	B      Summary `json:"case_b_summary"`
	PhotoA ID      `json:"photo_a"`
	PhotoB ID      `json:"photo_b"`
}

// ReviewQuery selects part of the queue.
type ReviewQuery struct {
	State ReviewState // "" = any
	Type  ReviewType  // "" = any
	Case  ID          // zero = any; else the items of this case
	Limit int
}

// Reviews returns review items, best first: by distance, with a penalty for each consistency warning.
func (s *Service) Reviews(ctx context.Context, actor Actor, q ReviewQuery) ([]ReviewItem, error) {
	if err := actor.Require("working the review queue", RoleReviewer); err != nil {
		return nil, err
	}
	if q.State != "" && !q.State.Valid() {
		return nil, FieldError("state", `must be "pending", "confirmed", "rejected" or "unsure"`)
	}
	if q.Type != "" && q.Type != ReviewMatch && q.Type != ReviewSameChild {
		return nil, FieldError("type", `must be "match" or "same_child"`)
	}
	if q.Limit <= 0 {
		q.Limit = DefaultReviewPage
	}
	if q.Limit > MaxReviewPage {
		return nil, FieldError("limit", "must be at most %d", MaxReviewPage)
	}
	var rs []*Review
	err := s.reviews.WalkReviews(ctx, func(r *Review) (bool, error) {
		if (q.State == "" || r.State == q.State) && (q.Type == "" || r.Type == q.Type) &&
			(q.Case.IsZero() || r.CaseA == q.Case || r.CaseB == q.Case) {
			rs = append(rs, r)
		}
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(rs, func(i, j int) bool {
		if ri, rj := rs[i].Rank(), rs[j].Rank(); ri != rj {
			return ri < rj
		}
		return rs[i].ID < rs[j].ID
	})
	if len(rs) > q.Limit {
		rs = rs[:q.Limit]
	}
	items := make([]ReviewItem, 0, len(rs))
	var ids []ID
	for _, r := range rs {
		item, err := s.reviewItem(ctx, r)
		if ErrorCodeOf(err) == ENotFound {
			continue // one of its cases was deleted
		}
		if err != nil {
			return nil, err
		}
		items = append(items, *item)
		ids = append(ids, r.CaseA, r.CaseB)
	}
	if err := s.record(ctx, actor, "review.list", ids, ""); err != nil {
		return nil, err
	}
	return items, nil
}

func (s *Service) reviewItem(ctx context.Context, r *Review) (*ReviewItem, error) {
	a, err := s.store.Case(ctx, r.CaseA)
	if err != nil {
		return nil, err
	}
	b, err := s.store.Case(ctx, r.CaseB)
	if err != nil {
		return nil, err
	}
	return &ReviewItem{Review: *r, A: a.Summary(), B: b.Summary(), PhotoA: photoOf(a, r.FaceA), PhotoB: photoOf(b, r.FaceB)}, nil
}

// photoOf returns the photo holding a face of the case, zero if none does.
func photoOf(c *Case, face ID) ID {
	for _, f := range c.Faces() {
		if f.ID == face {
			return f.PhotoID
		}
	}
	return ID{}
}

// Decide records a reviewer's decision on an item. Decisions are appended to the item's history, so two
// reviewers deciding at the same moment both keep theirs (the later one stands). A confirmation links the
// two cases and, for a match, moves both to matched; a revision away from confirmed undoes that.
func (s *Service) Decide(ctx context.Context, actor Actor, id string, state ReviewState, note string) (*ReviewItem, error) {
	if err := actor.Require("deciding a review", RoleReviewer); err != nil {
		return nil, err
	}
	if state != ReviewConfirmed && state != ReviewRejected && state != ReviewUnsure {
		return nil, FieldError("state", `must be "confirmed", "rejected" or "unsure"`)
	}
	if err := cleanText("note", &note, MaxLongText); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	r, err := s.reviews.UpdateReview(ctx, id, func(r *Review) error {
		r.History = append(r.History, Decision{State: state, Note: note, By: actor.ID, At: now})
		r.State = state
		if state == ReviewRejected {
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
	if err := s.record(ctx, actor, "review.decide", []ID{r.CaseA, r.CaseB}, r.ID); err != nil {
		return nil, err
	}
	return s.reviewItem(ctx, r)
}

// relink makes both cases' links and statuses agree with the item's current state.
func (s *Service) relink(ctx context.Context, actor Actor, r *Review, now time.Time) error {
	for _, pair := range [][2]ID{{r.CaseA, r.CaseB}, {r.CaseB, r.CaseA}} {
		c, err := s.store.UpdateCase(ctx, pair[0], func(c *Case) error {
			c.Links = slices.DeleteFunc(c.Links, func(l Link) bool { return l.Review == r.ID })
			if r.State == ReviewConfirmed {
				c.Links = append(c.Links, Link{Case: pair[1], Type: r.Type, Review: r.ID, At: now, By: actor.ID})
			}
			matched := slices.ContainsFunc(c.Links, func(l Link) bool { return l.Type == ReviewMatch })
			switch {
			case c.Status == StatusOpen && matched:
				c.Status = StatusMatched
			case c.Status == StatusMatched && !matched:
				c.Status = StatusOpen
			}
			c.UpdatedAt = now
			return nil
		})
		if err != nil {
			return err
		}
		s.index.SetCaseAttrs(c.ID, attrsOf(c))
	}
	return nil
}

// CloseCase closes a case with its outcome, and with it the cases confirmed as its match: they are one
// child's story. Closed cases leave auto-matching and default searches but stay searchable on request.
func (s *Service) CloseCase(ctx context.Context, actor Actor, id ID, kind OutcomeKind, note string) (*Case, error) {
	if err := actor.Require("closing a case", RoleOfficer, RoleReviewer); err != nil {
		return nil, err
	}
	if !kind.Valid() {
		return nil, FieldError("outcome", `must be "reunited", "transferred" or "other"`)
	}
	if err := cleanText("note", &note, MaxLongText); err != nil {
		return nil, err
	}
	if _, err := s.readableCase(ctx, actor, id); err != nil {
		return nil, err
	}
	outcome := &Outcome{Kind: kind, Note: note, At: s.now().UTC(), By: actor.ID}
	closeOne := func(id ID) (*Case, error) {
		c, err := s.store.UpdateCase(ctx, id, func(c *Case) error {
			c.Status, c.Outcome, c.UpdatedAt = StatusClosed, outcome, outcome.At
			return nil
		})
		if err != nil {
			return nil, err
		}
		s.index.SetCaseAttrs(c.ID, attrsOf(c))
		return c, nil
	}
	c, err := closeOne(id)
	if err != nil {
		return nil, err
	}
	ids := []ID{id}
	for _, l := range c.Links {
		if l.Type == ReviewMatch {
			if _, err := closeOne(l.Case); err != nil {
				return nil, err
			}
			ids = append(ids, l.Case)
		}
	}
	if err := s.record(ctx, actor, "case.close", ids, string(kind)); err != nil {
		return nil, err
	}
	return c, nil
}

// DeleteCase erases a case: its record, its photos and face chips, and its faces in the index. It is for
// records that must not exist (entered in error, a duplicate, a lawful erasure request); an outcome is
// recorded with CloseCase, which keeps the history. Admins only. A case linked to another by a confirmed
// review is refused until that review is revised, so no case is left linked to nothing.
//
// The record goes first: once it is gone the case is gone everywhere (the change entry tells the other
// replicas), and a blob that cannot be removed after it is unreferenced and logged by id.
func (s *Service) DeleteCase(ctx context.Context, actor Actor, id ID, reason DeletionReason) error {
	if err := actor.Require("deleting a case", RoleAdmin); err != nil {
		return err
	}
	if !reason.Valid() {
		return FieldError("reason", `must be "entered_in_error", "duplicate" or "erasure_request"`)
	}
	c, err := s.store.Case(ctx, id)
	if err != nil {
		return err
	}
	if len(c.Links) > 0 {
		l := c.Links[0]
		return Errorf(EConflict, "case %s is linked to case %s by confirmed review %s; revise that review before deleting", id, l.Case, l.Review)
	}
	if err := s.store.DeleteCase(ctx, id); err != nil {
		return err
	}
	s.index.RemoveCase(id)
	var blobs []blobRef
	for _, p := range c.Photos {
		blobs = append(blobs, blobRef{BlobPhoto, p.ID})
		for _, f := range p.Faces {
			blobs = append(blobs, blobRef{BlobChip, f.ID})
		}
	}
	s.deleteBlobs(blobs)
	return s.record(ctx, actor, "case.delete", []ID{id}, string(reason))
}

// StatsQuery selects the cases counted: by where their sighting was and when they were created.
type StatsQuery struct {
	State    string
	District string
	Since    time.Time // zero = from the start
	Until    time.Time // zero = until now
}

// Stats are the outcome counts of one state and district.
type Stats struct {
	State              string  `json:"state"`
	District           string  `json:"district"`
	Missing            int     `json:"missing"`
	Found              int     `json:"found"`
	Proposed           int     `json:"candidates_proposed"`
	Confirmed          int     `json:"confirmed"`
	Rejected           int     `json:"rejected"`
	Reunited           int     `json:"reunited"`
	MedianHoursToMatch float64 `json:"median_hours_to_match"` // creation to confirmed match; 0 = none yet
}

// Stats counts, per state and district, cases reported missing and found, review items proposed,
// confirmed and rejected, cases reunited, and the median time from a case's creation to its confirmed
// match. A review item counts where its first case (the missing one, for a match) was seen. Admins only.
func (s *Service) Stats(ctx context.Context, actor Actor, q StatsQuery) ([]Stats, error) {
	if err := actor.Require("reading statistics", RoleAdmin); err != nil {
		return nil, err
	}
	in := func(t time.Time) bool {
		return (q.Since.IsZero() || !t.Before(q.Since)) && (q.Until.IsZero() || t.Before(q.Until))
	}
	where := func(c *Case) (string, bool) {
		st, di := c.Sighting.State, c.Sighting.District
		ok := (q.State == "" || strings.EqualFold(st, q.State)) && (q.District == "" || strings.EqualFold(di, q.District))
		return st + "\x00" + di, ok
	}
	groups := map[string]*Stats{}
	hours := map[string][]float64{}
	group := func(c *Case) *Stats {
		key, _ := where(c)
		g := groups[key]
		if g == nil {
			g = &Stats{State: c.Sighting.State, District: c.Sighting.District}
			groups[key] = g
		}
		return g
	}
	cases := map[ID]*Case{}
	err := s.store.WalkCases(ctx, ID{}, func(c *Case) (bool, error) {
		cases[c.ID] = c
		key, ok := where(c)
		if !ok || !in(c.CreatedAt) {
			return true, nil
		}
		g := group(c)
		if c.Kind == KindMissing {
			g.Missing++
		} else {
			g.Found++
		}
		if c.Outcome != nil && c.Outcome.Kind == OutcomeReunited {
			g.Reunited++
		}
		for _, l := range c.Links {
			if l.Type == ReviewMatch {
				hours[key] = append(hours[key], l.At.Sub(c.CreatedAt).Hours())
				break
			}
		}
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	err = s.reviews.WalkReviews(ctx, func(r *Review) (bool, error) {
		c := cases[r.CaseA]
		if c == nil || !in(r.CreatedAt) {
			return true, nil
		}
		if _, ok := where(c); !ok {
			return true, nil
		}
		g := group(c)
		g.Proposed++
		switch r.State {
		case ReviewConfirmed:
			g.Confirmed++
		case ReviewRejected:
			g.Rejected++
		}
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]Stats, 0, len(groups))
	for key, g := range groups {
		if h := hours[key]; len(h) > 0 {
			g.MedianHoursToMatch = median(h)
		}
		out = append(out, *g)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].State != out[j].State {
			return out[i].State < out[j].State
		}
		return out[i].District < out[j].District
	})
	if err := s.record(ctx, actor, "stats.read", nil, ""); err != nil {
		return nil, err
	}
	return out, nil
}

func median(xs []float64) float64 {
	sort.Float64s(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}
