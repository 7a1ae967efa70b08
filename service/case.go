package service

import (
	"context"

	"childmatch"
)

// CreateCase validates details and stores a new open case. Officers file missing reports; shelters and
// officers record found children.
func (s *Service) CreateCase(ctx context.Context, actor childmatch.Actor, d childmatch.CaseDetails) (*childmatch.Case, error) {
	act := childmatch.ActRecordFound
	if d.Kind == childmatch.KindMissing {
		act = childmatch.ActFileMissing
	}
	if err := actor.Require(act); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	if err := d.Validate(now); err != nil {
		return nil, err
	}
	c := &childmatch.Case{ID: childmatch.NewID(), CaseDetails: d, Status: childmatch.StatusOpen, Photos: []childmatch.Photo{},
		Organisation: actor.Organisation, CreatedAt: now, CreatedBy: actor.ID, UpdatedAt: now}
	if d.Origin != nil {
		if err := s.claimOrigin(ctx, actor, c); err != nil {
			return nil, err
		}
	}
	if err := s.store.CreateCase(ctx, c); err != nil {
		if d.Origin != nil && childmatch.ErrorCodeOf(err) == childmatch.EConflict {
			return nil, s.originTaken(ctx, actor, c.ID) // another import of the same origin finished it first
		}
		return nil, err
	}
	if err := s.audit.Record(ctx, actor, "case.create", []childmatch.ID{c.ID}, ""); err != nil {
		return nil, err
	}
	if c.Kind == childmatch.KindMissing && s.alerts != nil {
		// The report stands whatever becomes of its alert: answering a failure would make the officer file
		// it again. An alert that could not be raised is logged by the case's id.
		if _, err := s.alerts.Raise(ctx, c); err != nil {
			s.log.Error("raising the alert of a missing report failed", "case", c.ID, "err", err)
		}
	}
	return c, nil
}

// standDown cancels the alerts of missing reports that are matched or closed.
func (s *Service) standDown(ctx context.Context, c *childmatch.Case, reason string) {
	if s.alerts == nil || c.Kind != childmatch.KindMissing || c.Status == childmatch.StatusOpen {
		return
	}
	if err := s.alerts.StandDown(ctx, c, reason); err != nil {
		s.log.Error("standing down an alert failed", "case", c.ID, "err", err)
	}
}

// Case returns a stored case the actor may see, with its current candidates: for each open case of the
// opposite kind, its best pair of faces with this case's faces, nearest first. The audit event names the
// case and every candidate shown.
func (s *Service) Case(ctx context.Context, actor childmatch.Actor, id childmatch.ID) (*childmatch.Case, []childmatch.Candidate, error) {
	if err := actor.Require(childmatch.ActReadCase); err != nil {
		return nil, nil, err
	}
	c, err := s.visibleCase(ctx, actor, id)
	if err != nil {
		return nil, nil, err
	}
	cands, err := s.caseCandidates(ctx, c, childmatch.DefaultSearchLimit)
	if err != nil {
		return nil, nil, err
	}
	ids := []childmatch.ID{id}
	for _, cd := range cands {
		ids = append(ids, cd.Case.ID)
	}
	if err := s.audit.Record(ctx, actor, "case.read", ids, ""); err != nil {
		return nil, nil, err
	}
	return c, cands, nil
}

// visibleCase reads a case and checks the actor may see it; to anyone who may not, it answers as if the
// case did not exist, so ids cannot be probed.
func (s *Service) visibleCase(ctx context.Context, actor childmatch.Actor, id childmatch.ID) (*childmatch.Case, error) {
	c, err := s.store.Case(ctx, id)
	if err != nil {
		return nil, err
	}
	if !actor.CanSee(c) {
		return nil, childmatch.Errorf(childmatch.ENotFound, "no case with id %s", id)
	}
	return c, nil
}

// ListCases returns a page of the cases the actor may see that match q.
func (s *Service) ListCases(ctx context.Context, actor childmatch.Actor, q childmatch.CaseQuery) (*childmatch.CasePage, error) {
	if err := actor.Require(childmatch.ActListCases); err != nil {
		return nil, err
	}
	if q.Kind != "" && !q.Kind.Valid() {
		return nil, childmatch.FieldError("kind", `must be "missing" or "found"`)
	}
	if q.Status != "" && !q.Status.Valid() {
		return nil, childmatch.FieldError("status", `must be "open", "matched" or "closed"`)
	}
	limit, err := childmatch.PageLimit(q.Limit, childmatch.DefaultPageSize, childmatch.MaxPageSize)
	if err != nil {
		return nil, err
	}
	q.Limit = limit
	page := &childmatch.CasePage{Cases: []*childmatch.Case{}}
	err = s.store.WalkCases(ctx, q.After, func(c *childmatch.Case) (bool, error) {
		if (q.Kind != "" && c.Kind != q.Kind) || (q.Status != "" && c.Status != q.Status) || !actor.CanSee(c) {
			return true, nil
		}
		if len(page.Cases) == q.Limit {
			page.Next = page.Cases[len(page.Cases)-1].ID
			return false, nil
		}
		page.Cases = append(page.Cases, c)
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	ids := make([]childmatch.ID, len(page.Cases))
	for i, c := range page.Cases {
		ids[i] = c.ID
	}
	if err := s.audit.Record(ctx, actor, "case.list", ids, ""); err != nil {
		return nil, err
	}
	return page, nil
}

// CloseCase closes a case with its outcome, and with it the cases confirmed as its match: they are one
// child's story. Closed cases leave auto-matching and default searches but stay searchable on request.
func (s *Service) CloseCase(ctx context.Context, actor childmatch.Actor, id childmatch.ID, kind childmatch.OutcomeKind, note string) (*childmatch.Case, error) {
	if err := actor.Require(childmatch.ActCloseCase); err != nil {
		return nil, err
	}
	if !kind.Valid() {
		return nil, childmatch.FieldError("outcome", `must be "reunited", "transferred" or "other"`)
	}
	if err := childmatch.CleanText("note", &note, childmatch.MaxLongText); err != nil {
		return nil, err
	}
	if _, err := s.visibleCase(ctx, actor, id); err != nil {
		return nil, err
	}
	outcome := &childmatch.Outcome{Kind: kind, Note: note, At: s.now().UTC(), By: actor.ID}
	closeOne := func(id childmatch.ID) (*childmatch.Case, error) {
		c, err := s.updateCase(ctx, id, func(c *childmatch.Case) error {
			c.Status, c.Outcome, c.UpdatedAt = childmatch.StatusClosed, outcome, outcome.At
			return nil
		})
		if err == nil {
			s.standDown(ctx, c, "closed")
		}
		return c, err
	}
	c, err := closeOne(id)
	if err != nil {
		return nil, err
	}
	ids := []childmatch.ID{id}
	for _, l := range c.Links {
		if l.Type == childmatch.ReviewMatch {
			if _, err := closeOne(l.Case); err != nil {
				return nil, err
			}
			ids = append(ids, l.Case)
		}
	}
	if err := s.audit.Record(ctx, actor, "case.close", ids, string(kind)); err != nil {
		return nil, err
	}
	return c, nil
}

// updateCase changes a case record and brings the index up to it.
func (s *Service) updateCase(ctx context.Context, id childmatch.ID, fn func(*childmatch.Case) error) (*childmatch.Case, error) {
	return s.index.Write(id, func() (*childmatch.Case, error) { return s.store.UpdateCase(ctx, id, fn) })
}

// DeleteCase erases a case: its record, its photos and face chips, its faces in the index (and so in the
// next index snapshot of every replica: removing them marks the index changed), and its review items. It
// is for records that must not exist (entered in error, a duplicate, a lawful erasure request); an outcome
// is recorded with CloseCase, which keeps the history. Admins only. A case linked to another by a
// confirmed review is refused until that review is revised, so no case is left linked to nothing.
//
// A review item is about both its cases, but it holds what was recorded of this child (gender and age in
// its notes, reviewers' notes in its history) and is meaningless without it, so it goes too; the audit
// trail keeps the ids of who proposed, decided and removed it, which hold no details.
//
// The record goes first: once it is gone the case is gone everywhere (the change entry tells the other
// replicas); a blob or review item that cannot be removed after it is unreferenced, logged by id, and
// removed by the sweeper.
func (s *Service) DeleteCase(ctx context.Context, actor childmatch.Actor, id childmatch.ID, reason childmatch.DeletionReason) error {
	if err := actor.Require(childmatch.ActDeleteCase); err != nil {
		return err
	}
	if !reason.Valid() {
		return childmatch.FieldError("reason", `must be "entered_in_error", "duplicate" or "erasure_request"`)
	}
	c, err := s.store.Case(ctx, id)
	if err != nil {
		return err
	}
	if len(c.Links) > 0 {
		l := c.Links[0]
		return childmatch.Errorf(childmatch.EConflict, "case %s is linked to case %s by confirmed review %s; revise that review before deleting", id, l.Case, l.Review)
	}
	if _, err := s.index.Write(id, func() (*childmatch.Case, error) { return nil, s.store.DeleteCase(ctx, id) }); err != nil {
		return err
	}
	var blobs []blobRef
	for _, p := range c.Photos {
		blobs = append(blobs, blobRef{childmatch.BlobPhoto, p.ID})
		for _, f := range p.Faces {
			blobs = append(blobs, blobRef{childmatch.BlobChip, f.ID})
		}
	}
	s.deleteBlobs(blobs)
	if c.Origin != nil && s.refs != nil {
		// After the record: a reference left by a failure here makes a later import of the same origin
		// recreate the case under this id (origin.go), never a second case.
		if err := s.refs.DeleteRef(context.WithoutCancel(ctx), *c.Origin); err != nil {
			s.log.Warn("the reference of an erased case is left behind", "case", id, "err", err)
		}
	}
	if err := s.deleteReviewsOf(ctx, actor, id); err != nil {
		s.log.Warn("review items of an erased case left to the sweeper", "case", id, "err", err)
	}
	if s.alerts != nil {
		if err := s.alerts.Erase(ctx, id); err != nil {
			s.log.Error("the alert of an erased case is left behind", "case", id, "err", err)
		}
	}
	return s.audit.Record(ctx, actor, "case.delete", []childmatch.ID{id}, string(reason))
}
