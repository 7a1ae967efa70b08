package service

import (
	"context"
	"io"
	"slices"
	"strconv"

	"childmatch"
)

// CaseCard renders the alert card of a case the actor may see: "missing child" for an open report, "found,
// stand down" once it is matched or closed. The actor's organisation is printed on the copy (who forwarded
// a card is then known), and every render is in the audit trail.
func (s *Service) CaseCard(ctx context.Context, actor childmatch.Actor, id childmatch.ID, url string) ([]byte, error) {
	if err := actor.Require(childmatch.ActReadCase); err != nil {
		return nil, err
	}
	c, err := s.visibleCase(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	t := childmatch.MsgAlert
	if c.Status != childmatch.StatusOpen {
		t = childmatch.MsgCancel
	}
	card, err := s.cardOf(ctx, c, t, copyFor(actor), url)
	if err != nil {
		return nil, err
	}
	return s.render(ctx, actor, c.ID, "", card)
}

// MessageCard renders the card of one message of an alert the actor may see: whoever may see an alert may
// see its cards, whether or not the case is of their organisation. The copy names the actor's post that
// the alert reached (an admin's: the admin's organisation). A cancel's card says "found, stand down".
func (s *Service) MessageCard(ctx context.Context, actor childmatch.Actor, alert childmatch.ID, seq int, url string) ([]byte, error) {
	if s.alertViews == nil {
		return nil, childmatch.Errorf(childmatch.EUnavailable, "this service sends no alerts")
	}
	a, mine, err := s.alertViews.VisibleAlert(ctx, actor, alert)
	if err != nil {
		return nil, err
	}
	post := copyFor(actor)
	if len(mine) > 0 {
		post = mine[0].Name
	}
	return s.messageCard(ctx, actor, a, seq, post, url)
}

// LinkedCard renders the card of one message of an alert as the post it reached got it, for a signed link
// that opens it without sign-in (an SMS's). The audit trail records the opening under the post.
func (s *Service) LinkedCard(ctx context.Context, alert childmatch.ID, seq int, post childmatch.ID, url string) ([]byte, error) {
	if s.alertViews == nil {
		return nil, childmatch.Errorf(childmatch.EUnavailable, "this service sends no alerts")
	}
	a, r, err := s.alertViews.ReachedAlert(ctx, alert, post)
	if err != nil {
		return nil, err
	}
	return s.messageCard(ctx, childmatch.Actor{ID: "link:" + post.String()}, a, seq, r.Name, url)
}

// messageCard draws the card of message seq of alert a for the post named post.
func (s *Service) messageCard(ctx context.Context, actor childmatch.Actor, a *childmatch.Alert, seq int, post, url string) ([]byte, error) {
	i := slices.IndexFunc(a.Messages, func(m childmatch.Message) bool { return m.Seq == seq })
	if i < 0 {
		return nil, childmatch.Errorf(childmatch.ENotFound, "alert %s has no message %d", a.ID, seq)
	}
	c, err := s.store.Case(ctx, a.Case)
	if err != nil {
		return nil, err
	}
	card, err := s.cardOf(ctx, c, a.Messages[i].Type, post, url)
	if err != nil {
		return nil, err
	}
	return s.render(ctx, actor, c.ID, a.ID.String()+"/"+strconv.Itoa(seq), card)
}

// copyFor is the name a card drawn for the actor is printed for: the actor's organisation, else name.
func copyFor(actor childmatch.Actor) string {
	if actor.Organisation != "" {
		return actor.Organisation
	}
	return actor.Name
}

// cardOf composes the card of case c with the latest of its face chips.
func (s *Service) cardOf(ctx context.Context, c *childmatch.Case, t childmatch.MsgType, post, url string) (childmatch.Card, error) {
	card := childmatch.CardOf(c, t, post, url)
	if face, ok := c.LatestFace(); ok {
		var err error
		if card.FaceChip, err = s.chip(ctx, face); err != nil {
			return card, err
		}
	}
	return card, nil
}

// render draws a card and records the render in the audit trail (object: the alert message, if any).
func (s *Service) render(ctx context.Context, actor childmatch.Actor, id childmatch.ID, object string, card childmatch.Card) ([]byte, error) {
	if s.cards == nil {
		return nil, childmatch.Errorf(childmatch.EUnavailable, "this service draws no cards")
	}
	png, err := s.cards.Render(card)
	if err != nil {
		return nil, err
	}
	if err := s.audit.Record(ctx, actor, "card.render", []childmatch.ID{id}, object); err != nil {
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
