package service

import (
	"context"

	"childmatch"
)

// An imported case carries its origin (a source system and its reference there), unique per source. The
// reference is written before the case record, create-only, naming the case's id (RefStore.CreateRef):
//
//  1. CreateRef(origin → new id). Of two imports of one origin at once, on any replicas, exactly one
//     writes it; the other reads the id it names.
//  2. CreateCase(id): the case record, create-only too.
//
// If the process stops between 1 and 2, the reference names a case that was never written. The next
// import of the origin finds the reference, finds no record, and finishes the work: it writes the case
// under the reference's id. Two imports finishing at once both try to write that one id, and the store's
// create-only write lets one through; the other answers that the origin is taken. So a reference names at
// most one case, and a case with an origin is the only one with it: never a duplicate. An erased case
// loses its reference after its record (DeleteCase), so a failure between the two leaves a reference that
// a later import of the same origin finishes the same way.

// claimOrigin records c's origin for c, or, when the origin is recorded already, answers that it is taken
// (EConflict, with the case's id for whoever may see it) or, if its case was never written, takes over
// that case's id so the creation finishes it.
func (s *Service) claimOrigin(ctx context.Context, actor childmatch.Actor, c *childmatch.Case) error {
	if s.refs == nil {
		return childmatch.FieldError("origin", "this deployment keeps no source references")
	}
	err := s.refs.CreateRef(ctx, *c.Origin, c.ID)
	if childmatch.ErrorCodeOf(err) != childmatch.EConflict {
		return err
	}
	id, err := s.refs.Ref(ctx, *c.Origin)
	if childmatch.ErrorCodeOf(err) == childmatch.ENotFound { // erased between the two calls
		return childmatch.Errorf(childmatch.EConflict, "the case of this source and reference is being erased; try again")
	}
	if err != nil {
		return err
	}
	_, err = s.store.Case(ctx, id)
	switch childmatch.ErrorCodeOf(err) {
	case "":
		return s.originTaken(ctx, actor, id)
	case childmatch.ENotFound:
		c.ID = id
		return nil
	}
	return err
}

// originTaken is the answer to an import of an origin that has its case: EConflict on the field origin,
// naming the case to an actor who may see it, so an import run again goes on with that case.
func (s *Service) originTaken(ctx context.Context, actor childmatch.Actor, id childmatch.ID) error {
	e := &childmatch.Error{Code: childmatch.EConflict, Field: "origin", Message: "origin: a case with this source and reference exists"}
	if c, err := s.store.Case(ctx, id); err == nil && actor.CanSee(c) {
		e.CaseID, e.Message = id, e.Message+": case "+id.String()
	}
	return e
}
