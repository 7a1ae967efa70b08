package alert

import (
	"context"
	"net/url"
	"slices"

	"childmatch"
	"childmatch/alertdoc"
)

// The alert's documents: CAP 1.2 per message, the Atom feed of active alerts, and the face chip they link
// to. Each opening is in the audit trail; a signed link's opener is recorded as LinkActor with the
// address it came from.

// CAPLink is the signed link to the CAP document of message seq, as messages carry it (cap_url).
func (s *Service) CAPLink(base string, id childmatch.ID, seq int) string {
	return base + s.links.Sign(childmatch.CAPPath(id, seq), childmatch.LinkTTL)
}

// CAP answers message seq of an alert the actor may see; seq 0 is the latest message for the actor's
// posts (any, for admins).
func (s *Service) CAP(ctx context.Context, actor childmatch.Actor, id childmatch.ID, seq int, base string) ([]byte, error) {
	if err := actor.Require(childmatch.ActReadAlerts); err != nil {
		return nil, err
	}
	a, err := s.visibleAlert(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	mine, err := s.postsOf(ctx, actor)
	if err != nil {
		return nil, err
	}
	forMe := func(m childmatch.Message) bool {
		return actor.May(childmatch.ActManagePosts) || slices.ContainsFunc(a.Recipients, func(r childmatch.Recipient) bool {
			return mine[r.Post] && m.For(r.Post)
		})
	}
	return s.capOf(ctx, actor, a, seq, base, forMe)
}

// CAPByLink answers message seq of an alert for a signed link; seq 0 is the latest message for every post.
func (s *Service) CAPByLink(ctx context.Context, remote string, id childmatch.ID, seq int, base string) ([]byte, error) {
	a, err := s.alerts.Alert(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.capOf(ctx, childmatch.Actor{ID: childmatch.LinkActor, Remote: remote}, a, seq, base,
		func(m childmatch.Message) bool { return m.To == nil || seq > 0 })
}

func (s *Service) capOf(ctx context.Context, actor childmatch.Actor, a *childmatch.Alert, seq int, base string, forMe func(childmatch.Message) bool) ([]byte, error) {
	if seq == 0 {
		for i := len(a.Messages) - 1; i >= 0 && seq == 0; i-- {
			if forMe(a.Messages[i]) {
				seq = a.Messages[i].Seq
			}
		}
	}
	if seq < 1 || seq > len(a.Messages) || !forMe(a.Messages[seq-1]) {
		return nil, childmatch.Errorf(childmatch.ENotFound, "the alert has no message %d for you", seq)
	}
	c, err := s.cases.Case(ctx, a.Case)
	if err != nil {
		return nil, err
	}
	doc, err := alertdoc.CAP(a, c, seq, s.meta(base, c))
	if err != nil {
		return nil, err
	}
	return doc, s.audit.Record(ctx, actor, "alert.cap", []childmatch.ID{a.Case}, a.ID.String())
}

// meta is what the documents say of this service and the case's links.
func (s *Service) meta(base string, c *childmatch.Case) alertdoc.Meta {
	host := base
	if u, err := url.Parse(base); err == nil && u.Host != "" {
		host = u.Host
	}
	m := alertdoc.Meta{Sender: "childmatch@" + host, Stations: s.places, Web: base + "/app/#/case/" + c.ID.String()}
	if _, ok := c.LatestFace(); ok {
		m.Face = base + s.links.Sign(childmatch.FacePath(c.ID), childmatch.LinkTTL)
	}
	return m
}

// Feed answers the active alerts of the actor's posts (every one, for admins) as an Atom feed, newest
// first, each entry linking to its latest message's CAP document by a signed link, so an alert hub can
// fetch it.
func (s *Service) Feed(ctx context.Context, actor childmatch.Actor, base string) ([]byte, error) {
	if err := actor.Require(childmatch.ActReadAlerts); err != nil {
		return nil, err
	}
	active, err := s.list(ctx, actor, childmatch.ID{}, childmatch.MaxAlertsListed, true)
	if err != nil {
		return nil, err
	}
	var entries []alertdoc.Entry
	var cases []childmatch.ID
	for _, a := range active.Alerts {
		c, err := s.cases.Case(ctx, a.Case)
		if childmatch.ErrorCodeOf(err) == childmatch.ENotFound {
			continue // erased meanwhile
		}
		if err != nil {
			return nil, err
		}
		entries = append(entries, alertdoc.Entry{Alert: a, Case: c, CAP: s.CAPLink(base, a.ID, len(a.Messages))})
		cases = append(cases, a.Case)
	}
	feed, err := alertdoc.Feed(entries, base+"/v1/alerts/feed.atom", s.now().UTC())
	if err != nil {
		return nil, err
	}
	return feed, s.audit.Record(ctx, actor, "alert.feed", cases, "")
}

// FaceByLink opens the face chip of an alert's case (its latest photo's) for a signed link.
func (s *Service) FaceByLink(ctx context.Context, remote string, id childmatch.ID) (*childmatch.Blob, error) {
	a, err := s.alerts.Alert(ctx, id)
	if err != nil {
		return nil, err
	}
	c, err := s.cases.Case(ctx, a.Case)
	if err != nil {
		return nil, err
	}
	face, ok := c.LatestFace()
	if !ok {
		return nil, childmatch.Errorf(childmatch.ENotFound, "the case has no photo yet")
	}
	b, err := s.cases.Blob(ctx, childmatch.BlobChip, face)
	if err != nil {
		return nil, err
	}
	if err := s.audit.Record(ctx, childmatch.Actor{ID: childmatch.LinkActor, Remote: remote}, "alert.face", []childmatch.ID{a.Case}, a.ID.String()); err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}
