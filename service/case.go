package service

import (
	"context"
	"reflect"
	"strings"
	"sync"

	"childmatch"
)

// CreateCase validates details and stores a new open case. Officers file missing reports; shelters and
// officers record found children.
func (s *Service) CreateCase(ctx context.Context, actor childmatch.Actor, d childmatch.CaseDetails) (*childmatch.Case, error) {
	if err := actor.Require(kindAction(d.Kind)); err != nil {
		return nil, err
	}
	return s.createCase(ctx, actor, d, false)
}

// Exercise files a drill's made-up missing report and raises its exercise alert, marked as such wherever
// it goes and never proposed for review. Admins only.
func (s *Service) Exercise(ctx context.Context, actor childmatch.Actor, d childmatch.CaseDetails) (*childmatch.Case, error) {
	if err := actor.Require(childmatch.ActExercise); err != nil {
		return nil, err
	}
	if d.Kind == "" {
		d.Kind = childmatch.KindMissing
	}
	if d.Kind != childmatch.KindMissing {
		return nil, childmatch.FieldError("kind", "an exercise is a missing report")
	}
	return s.createCase(ctx, actor, d, true)
}

// kindAction is what filing or changing a case of the kind needs.
func kindAction(k childmatch.Kind) childmatch.Action {
	if k == childmatch.KindMissing {
		return childmatch.ActFileMissing
	}
	return childmatch.ActRecordFound
}

// checkAlert checks that a missing report's alert area can be drawn (its radius around a station the
// gazetteer knows), before the report is stored.
func (s *Service) checkAlert(d childmatch.CaseDetails) error {
	if d.Kind != childmatch.KindMissing || s.alerts == nil {
		return nil
	}
	_, err := s.alerts.Target(&childmatch.Case{CaseDetails: d})
	return err
}

func (s *Service) createCase(ctx context.Context, actor childmatch.Actor, d childmatch.CaseDetails, exercise bool) (*childmatch.Case, error) {
	now := s.now().UTC()
	if err := d.Validate(now); err != nil {
		return nil, err
	}
	if err := s.checkAlert(d); err != nil {
		return nil, err
	}
	c := &childmatch.Case{ID: childmatch.NewID(), CaseDetails: d, Status: childmatch.StatusOpen, Photos: []childmatch.Photo{},
		Exercise: exercise, Organisation: actor.Organisation, CreatedAt: now, CreatedBy: actor.ID, UpdatedAt: now}
	if d.Origin != nil {
		if err := s.claimOrigin(ctx, actor, c); err != nil {
			return nil, err
		}
	}
	// Through the index, which has no face of it yet, so the catalog lists it at once.
	if _, err := s.index.Write(c.ID, func() (*childmatch.Case, error) { return c, s.store.CreateCase(ctx, c) }); err != nil {
		if d.Origin != nil && childmatch.ErrorCodeOf(err) == childmatch.EConflict {
			return nil, s.originTaken(ctx, actor, c.ID) // another import of the same origin finished it first
		}
		return nil, err
	}
	action := "case.create"
	if exercise {
		action = "case.exercise"
	}
	if err := s.audit.Record(ctx, actor, action, []childmatch.ID{c.ID}, ""); err != nil {
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

// ChangeCase changes a case's details: change answers the new ones from the current ones, applied to the
// freshest record. The result is checked as a new case's is, the kind cannot change, and the earlier
// values of every changed field go into the case's history. An open alert's posts get an update (a new
// sighting, or other details), and posts a wider area now reaches get the alert.
func (s *Service) ChangeCase(ctx context.Context, actor childmatch.Actor, id childmatch.ID,
	change func(childmatch.CaseDetails) (childmatch.CaseDetails, error)) (*childmatch.Case, error) {
	if err := actor.Require(childmatch.ActReadCase); err != nil {
		return nil, err
	}
	current, err := s.visibleCase(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if err := actor.Require(kindAction(current.Kind)); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	var rev childmatch.Revision
	c, err := s.updateCase(ctx, id, func(c *childmatch.Case) error {
		next, err := change(c.CaseDetails)
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(next.Origin, c.Origin) {
			return childmatch.FieldError("origin", "cannot change: it is where an imported case came from, unique per source")
		}
		if !reflect.DeepEqual(next.Publication, c.Publication) {
			return childmatch.FieldError("publication", "is recorded by PUT /v1/cases/{id}/publication, with its own audit record")
		}
		if next.Kind != c.Kind {
			return childmatch.FieldError("kind", "cannot change: a missing report and a found child are different cases")
		}
		if err := next.Validate(now); err != nil {
			return err
		}
		if err := s.checkAlert(next); err != nil {
			return err
		}
		if rev, err = childmatch.Revise(c.CaseDetails, next, actor.ID, now); err != nil || len(rev.Fields) == 0 {
			return err
		}
		c.CaseDetails, c.UpdatedAt = next, now
		c.History = append(c.History, rev)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(rev.Fields) == 0 {
		return c, s.audit.Record(ctx, actor, "case.change", []childmatch.ID{id}, "")
	}
	if err := s.audit.Record(ctx, actor, "case.change", []childmatch.ID{id}, strings.Join(rev.Fields, ",")); err != nil {
		return nil, err
	}
	if c.Kind == childmatch.KindMissing && c.Status == childmatch.StatusOpen {
		reason := childmatch.ReasonDetails
		if rev.Changed("sighting") {
			reason = childmatch.ReasonSighting
		}
		s.updateAlert(ctx, c, reason)
	}
	return c, nil
}

// updateAlert sends an update of a missing report's alert. The change stands whatever becomes of it, as
// the report does (CreateCase).
func (s *Service) updateAlert(ctx context.Context, c *childmatch.Case, reason string) {
	if s.alerts == nil || c.Kind != childmatch.KindMissing {
		return
	}
	if err := s.alerts.Update(ctx, c, reason); err != nil {
		s.log.Error("updating the alert of a missing report failed", "case", c.ID, "reason", reason, "err", err)
	}
}

// candidateFound tells the posts that filed a missing report, and the reviewers', that a found child's
// intake proposed it.
func (s *Service) candidateFound(ctx context.Context, missing, found *childmatch.Case) {
	if s.alerts == nil {
		return
	}
	if err := s.alerts.Candidate(ctx, missing, found); err != nil {
		s.log.Error("telling the filing posts of a candidate failed", "case", missing.ID, "found", found.ID, "err", err)
	}
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

// ListCases returns a page of the cases the actor may see that match q: the catalog picks the page's
// cases in memory, and only their records are read.
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
	for _, f := range []struct {
		name string
		v    *string
	}{{"state", &q.State}, {"q", &q.Text}} {
		if err := childmatch.CleanText(f.name, f.v, childmatch.MaxShortText); err != nil {
			return nil, err
		}
	}
	limit, err := childmatch.PageLimit(q.Limit, childmatch.DefaultPageSize, childmatch.MaxPageSize)
	if err != nil {
		return nil, err
	}
	q.Limit = limit
	rows, next := s.catalog.CaseRows(q, func(r *childmatch.CaseRow) bool { return r.Visible(actor) })
	ids := make([]childmatch.ID, len(rows))
	for i := range rows {
		ids[i] = rows[i].ID
	}
	cases, err := s.readCases(ctx, ids)
	if err != nil {
		return nil, err
	}
	page := &childmatch.CasePage{Cases: []*childmatch.Case{}, Next: next}
	ids = ids[:0]
	for _, c := range cases {
		if c != nil && actor.CanSee(c) { // nil: erased since the catalog listed it
			page.Cases = append(page.Cases, c)
			ids = append(ids, c.ID)
		}
	}
	if err := s.audit.Record(ctx, actor, "case.list", ids, ""); err != nil {
		return nil, err
	}
	return page, nil
}

// readCases reads the records of a page of cases, ListReaders at a time; a record gone is nil.
func (s *Service) readCases(ctx context.Context, ids []childmatch.ID) ([]*childmatch.Case, error) {
	out := make([]*childmatch.Case, len(ids))
	errs := make([]error, len(ids))
	sem := make(chan struct{}, childmatch.ListReaders)
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			c, err := s.store.Case(ctx, id)
			if childmatch.ErrorCodeOf(err) != childmatch.ENotFound {
				out[i], errs[i] = c, err
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
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
		// Not cut short by the request's deadline: an alert's deliveries can be many.
		if err := s.alerts.Erase(context.WithoutCancel(ctx), id); err != nil {
			s.log.Error("the alert of an erased case is left behind", "case", id, "err", err)
		}
	}
	return s.audit.Record(ctx, actor, "case.delete", []childmatch.ID{id}, string(reason))
}
