package service

import (
	"context"
	"io"

	"childmatch"
)

// CaseCard renders the alert card of a case the actor may see: "missing child" for an open report, "found,
// stand down" once it is matched or closed. The actor's organisation is printed on the copy (who forwarded
// a card is then known), and every render is in the audit trail.
func (s *Service) CaseCard(ctx context.Context, actor childmatch.Actor, id childmatch.ID, url string) ([]byte, error) {
	if err := actor.Require(childmatch.ActReadCase); err != nil {
		return nil, err
	}
	if s.cards == nil {
		return nil, childmatch.Errorf(childmatch.EUnavailable, "this service draws no cards")
	}
	c, err := s.visibleCase(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	card := childmatch.Card{Type: childmatch.MsgAlert, CaseID: c.ID.String(), Child: c.Child, LastSeen: c.Sighting,
		Call: c.Reporter, URL: url, Post: actor.Organisation}
	if c.Status != childmatch.StatusOpen {
		card.Type = childmatch.MsgCancel
	}
	if card.Post == "" {
		card.Post = actor.Name
	}
	if card.Child.Gender == "" {
		card.Child.Gender = childmatch.GenderUnknown
	}
	if face, ok := c.LatestFace(); ok {
		if card.FaceChip, err = s.chip(ctx, face); err != nil {
			return nil, err
		}
	}
	png, err := s.cards.Render(card)
	if err != nil {
		return nil, err
	}
	if err := s.audit.Record(ctx, actor, "card.render", []childmatch.ID{c.ID}, ""); err != nil {
		return nil, err
	}
	return png, nil
}

// chip reads a face chip, bounded by the card's limit on a chip's bytes.
func (s *Service) chip(ctx context.Context, face childmatch.ID) ([]byte, error) {
	b, err := s.store.Blob(ctx, childmatch.BlobChip, face)
	if childmatch.ErrorCodeOf(err) == childmatch.ENotFound {
		return nil, nil // the card says there is no photo
	}
	if err != nil {
		return nil, err
	}
	defer b.Close()
	return io.ReadAll(io.LimitReader(b, childmatch.CardMaxChipBytes))
}
