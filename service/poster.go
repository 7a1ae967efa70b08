package service

import (
	"context"

	"childmatch"
)

// Poster renders the A4 poster of an open missing report the actor may see, for a station's notice board.
// The JJ Act (s.74) forbids publishing a child's identity without the Child Welfare Committee's
// permission, so a case whose record holds no such permission gets none: EForbidden, saying what to record.
// The poster names the Committee's permission and the actor's organisation; every render is audited.
func (s *Service) Poster(ctx context.Context, actor childmatch.Actor, id childmatch.ID, url string) ([]byte, error) {
	if err := actor.Require(childmatch.ActReadCase); err != nil {
		return nil, err
	}
	c, err := s.visibleCase(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if c.Publication == nil {
		return nil, childmatch.Errorf(childmatch.EForbidden,
			"no poster: the case does not record the Child Welfare Committee's permission to publish (JJ Act s.74); record it first (PUT /v1/cases/%s/publication)", id)
	}
	if c.Kind != childmatch.KindMissing || c.Status != childmatch.StatusOpen {
		return nil, childmatch.Errorf(childmatch.EConflict, "no poster: only an open missing report has one")
	}
	if s.posters == nil {
		return nil, childmatch.Errorf(childmatch.EUnavailable, "this service draws no posters")
	}
	card, err := s.cardOf(ctx, c, childmatch.MsgAlert, copyFor(actor), url)
	if err != nil {
		return nil, err
	}
	card.Publication = c.Publication
	pdf, err := s.posters.Poster(card)
	if err != nil {
		return nil, err
	}
	if err := s.audit.Record(ctx, actor, "poster.render", []childmatch.ID{c.ID}, ""); err != nil {
		return nil, err
	}
	return pdf, nil
}

// PermitPublication records the Child Welfare Committee's permission to publish a case's child, as the
// Committee gave it (who and when), replacing one recorded before. Audited.
func (s *Service) PermitPublication(ctx context.Context, actor childmatch.Actor, id childmatch.ID, p childmatch.Publication) (*childmatch.Case, error) {
	if err := actor.Require(childmatch.ActPermitPublic); err != nil {
		return nil, err
	}
	if _, err := s.visibleCase(ctx, actor, id); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	if err := p.Validate(now); err != nil {
		return nil, err
	}
	c, err := s.updateCase(ctx, id, func(c *childmatch.Case) error {
		c.Publication, c.UpdatedAt = &p, now
		return nil
	})
	if err != nil {
		return nil, err
	}
	return c, s.audit.Record(ctx, actor, "case.publication", []childmatch.ID{c.ID}, "")
}
