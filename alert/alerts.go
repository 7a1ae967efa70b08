package alert

import (
	"context"
	"slices"

	"childmatch"
)

// Target answers the case's alert area with its radius drawn: a radius without a point is around the
// last-seen station, which then is one of the area's stations too.
func (s *Service) Target(c *childmatch.Case) (childmatch.Area, error) {
	area := c.AlertArea()
	if area.RadiusKm == 0 || area.Point != nil {
		return area, nil
	}
	var st childmatch.Station
	ok := false
	if s.places != nil {
		st, ok = s.places.Station(c.Sighting.Station)
	}
	if !ok {
		return area, childmatch.FieldError("alert.radius_km", "needs the last-seen station (sighting.station) %q to be a station code of the station list, or a point", c.Sighting.Station)
	}
	p := st.Place()
	area.Point, area.Stations = &p, append(slices.Clip(area.Stations), st.Code)
	return area, nil
}

// Raise raises a missing child's alert, for every post whose area meets the alert's: the first message,
// sent the moment the report is filed (a photo comes later as an update). One alert per case: raising it
// again answers the one there is. A drill's case raises an exercise, held back from posts in their quiet
// hours; a real alert never is.
func (s *Service) Raise(ctx context.Context, c *childmatch.Case) (*childmatch.Alert, error) {
	area, err := s.Target(c)
	if err != nil {
		return nil, err
	}
	posts, err := s.allPosts(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	a := &childmatch.Alert{ID: c.ID, Case: c.ID, Status: childmatch.AlertActive, Area: area, Exercise: c.Exercise,
		Messages:   []childmatch.Message{{Seq: 1, Type: childmatch.MsgAlert, At: now, Reason: childmatch.ReasonReported}},
		Recipients: []childmatch.Recipient{}, Acks: []childmatch.Ack{}, CreatedAt: now, UpdatedAt: now}
	err = s.posts.WalkPosts(ctx, func(p *childmatch.Post) (bool, error) {
		if area.Meets(p.Area, s.places) {
			a.Recipients = append(a.Recipients, childmatch.Recipient{Post: p.ID, Name: p.Name, Kind: p.Kind, Since: 1, At: now, Due: s.due(now)})
		}
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	to := s.hold(a, a.Messages[0], a.Recipients, posts, now)
	err = s.alerts.CreateAlert(ctx, a)
	if childmatch.ErrorCodeOf(err) == childmatch.EConflict {
		return s.alerts.Alert(ctx, c.ID)
	}
	if err != nil {
		return nil, err
	}
	return a, s.dispatch(ctx, a, a.Messages[0], to)
}

// Update sends an update of the case's active alert to every post it reached, and to the posts a wider
// area reaches now (ReasonWidened, with the alert's full details, since they have not had it). A case
// whose report has no alert yet has it raised.
func (s *Service) Update(ctx context.Context, c *childmatch.Case, reason string) error {
	area, err := s.Target(c)
	if err != nil {
		return err
	}
	posts, err := s.allPosts(ctx)
	if err != nil {
		return err
	}
	now := s.now().UTC()
	var m childmatch.Message
	var to []childmatch.Recipient
	a, err := s.alerts.UpdateAlert(ctx, c.ID, func(a *childmatch.Alert) error {
		m, to = childmatch.Message{}, nil
		if a.Status != childmatch.AlertActive {
			return nil
		}
		m = childmatch.Message{Seq: len(a.Messages) + 1, Type: childmatch.MsgUpdate, At: now, Reason: reason}
		for _, p := range sortedPosts(posts) {
			if !a.Reached(p.ID) && area.Meets(p.Area, s.places) {
				a.Recipients = append(a.Recipients, childmatch.Recipient{Post: p.ID, Name: p.Name, Kind: p.Kind, Since: m.Seq, At: now, Due: s.due(now)})
				m.Reason = childmatch.ReasonWidened
			}
		}
		a.Area, a.UpdatedAt = area, now
		a.Messages = append(a.Messages, m)
		to = s.hold(a, m, a.Recipients, posts, now)
		return nil
	})
	if childmatch.ErrorCodeOf(err) == childmatch.ENotFound {
		if c.Kind == childmatch.KindMissing && c.Status == childmatch.StatusOpen {
			_, err = s.Raise(ctx, c)
		} else {
			err = nil
		}
		return err
	}
	if err != nil || m.Seq == 0 {
		return err
	}
	return s.dispatch(ctx, a, m, to)
}

// Candidate tells the posts that filed the missing report (those the case's creator belongs to) and the
// reviewers' posts (those with a reviewer among their users) that a found child's intake proposed it for
// review: candidate.found, for them only, never for the alert's other posts. The reviewers also have the
// item in their queue.
func (s *Service) Candidate(ctx context.Context, missing, found *childmatch.Case) error {
	reviewers := map[childmatch.ID]bool{}
	err := s.users.WalkUsers(ctx, func(u *childmatch.User) (bool, error) {
		if slices.Contains(u.Roles, childmatch.RoleReviewer) {
			reviewers[u.ID] = true
		}
		return true, nil
	})
	if err != nil {
		return err
	}
	creator, _ := childmatch.ParseID("created_by", missing.CreatedBy)
	var targets []*childmatch.Post
	err = s.posts.WalkPosts(ctx, func(p *childmatch.Post) (bool, error) {
		if slices.ContainsFunc(p.Users, func(u childmatch.ID) bool { return u == creator || reviewers[u] }) {
			targets = append(targets, p)
		}
		return true, nil
	})
	if err != nil || len(targets) == 0 {
		return err
	}
	if _, err := s.alerts.Alert(ctx, missing.ID); childmatch.ErrorCodeOf(err) == childmatch.ENotFound {
		if _, err := s.Raise(ctx, missing); err != nil {
			return err
		}
	}
	now := s.now().UTC()
	var m childmatch.Message
	var to []childmatch.Recipient
	a, err := s.alerts.UpdateAlert(ctx, missing.ID, func(a *childmatch.Alert) error {
		m, to = childmatch.Message{Seq: len(a.Messages) + 1, Type: childmatch.MsgUpdate, At: now, Reason: childmatch.ReasonFound}, nil
		for _, p := range targets {
			if !a.Reached(p.ID) {
				a.Recipients = append(a.Recipients, childmatch.Recipient{Post: p.ID, Name: p.Name, Kind: p.Kind, Since: m.Seq, At: now})
			}
			m.To = append(m.To, p.ID)
		}
		for _, r := range a.Recipients {
			if m.For(r.Post) {
				to = append(to, r)
			}
		}
		a.Messages, a.UpdatedAt = append(a.Messages, m), now
		return nil
	})
	if err != nil {
		return err
	}
	s.log.Info("a found child's intake proposed a missing report", "alert", a.ID, "found", found.ID, "posts", len(to))
	return s.dispatch(ctx, a, m, to)
}

// StandDown cancels a case's active alert: "found, stand down" to every post it reached, those that
// answered first among them. A case without an alert has nothing to cancel.
func (s *Service) StandDown(ctx context.Context, c *childmatch.Case, reason string) error {
	now := s.now().UTC()
	sent := false
	a, err := s.alerts.UpdateAlert(ctx, c.ID, func(a *childmatch.Alert) error {
		if a.Status == childmatch.AlertCancelled {
			return nil
		}
		a.Status, a.UpdatedAt = childmatch.AlertCancelled, now
		a.Messages = append(a.Messages, childmatch.Message{Seq: len(a.Messages) + 1, Type: childmatch.MsgCancel, At: now, Reason: reason})
		a.Held = nil // a stand-down supersedes what was held back
		sent = true
		return nil
	})
	if childmatch.ErrorCodeOf(err) == childmatch.ENotFound {
		return nil
	}
	if err != nil || !sent {
		return err
	}
	return s.dispatch(ctx, a, a.Messages[len(a.Messages)-1], a.Recipients)
}

// Erase removes the alert of an erased case, then its deliveries: they hold where the child was sought
// and who answered. The alert goes first, so no new message of it is sent meanwhile.
func (s *Service) Erase(ctx context.Context, caseID childmatch.ID) error {
	if err := s.alerts.DeleteAlert(ctx, caseID); err != nil && childmatch.ErrorCodeOf(err) != childmatch.ENotFound {
		return err
	}
	if s.send == nil {
		return nil
	}
	return s.send.Erase(ctx, caseID)
}

// AlertCases calls fn with the case of every alert (an alert's id is its case's), as the catalog has them:
// no alert is read. An alert another replica wrote since the last escalation pass may be left out; the next
// sweep has it.
func (s *Service) AlertCases(ctx context.Context, fn func(childmatch.ID) error) error {
	ids, err := s.catalog.ids(ctx, s.alerts)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := fn(id); err != nil {
			return err
		}
	}
	return nil
}

// erased reports whether an alert's case is gone: an erasure that stopped before removing the alert leaves
// it to the sweeper, and no post is to be chased meanwhile for a child whose record was erased.
func (s *Service) erased(ctx context.Context, id childmatch.ID) (bool, error) {
	if s.cases == nil {
		return false, nil
	}
	_, err := s.cases.Case(ctx, id)
	if childmatch.ErrorCodeOf(err) == childmatch.ENotFound {
		return true, nil
	}
	return false, err
}

// postsOf returns the posts the actor belongs to.
func (s *Service) postsOf(ctx context.Context, actor childmatch.Actor) (map[childmatch.ID]bool, error) {
	mine := map[childmatch.ID]bool{}
	id, err := childmatch.ParseID("actor", actor.ID)
	if err != nil {
		return mine, nil // the bootstrap admin belongs to no post
	}
	err = s.posts.WalkPosts(ctx, func(p *childmatch.Post) (bool, error) {
		if slices.Contains(p.Users, id) {
			mine[p.ID] = true
		}
		return true, nil
	})
	return mine, err
}

// reaches reports whether the alert reached one of the posts.
func reaches(a *childmatch.Alert, posts map[childmatch.ID]bool) bool {
	return slices.ContainsFunc(a.Recipients, func(r childmatch.Recipient) bool { return posts[r.Post] })
}

// Alerts answers a page of the alerts that reached the actor's posts, newest first; admins see every
// alert. Each page is in the audit trail with its cases.
func (s *Service) Alerts(ctx context.Context, actor childmatch.Actor, q childmatch.AlertQuery) (*childmatch.AlertPage, error) {
	if err := actor.Require(childmatch.ActReadAlerts); err != nil {
		return nil, err
	}
	limit, err := childmatch.PageLimit(q.Limit, childmatch.DefaultPageSize, childmatch.MaxPageSize)
	if err != nil {
		return nil, err
	}
	page, err := s.list(ctx, actor, q.After, limit, q.Active)
	if err != nil {
		return nil, err
	}
	cases := make([]childmatch.ID, len(page.Alerts))
	for i, a := range page.Alerts {
		cases[i] = a.Case
	}
	return page, s.audit.Record(ctx, actor, "alert.list", cases, "")
}

// list answers up to limit of the alerts the actor sees before the cursor after, newest first (only the
// active ones, with active): the catalog picks them, only their records are read, and each is checked
// again against its record.
func (s *Service) list(ctx context.Context, actor childmatch.Actor, after childmatch.ID, limit int, active bool) (*childmatch.AlertPage, error) {
	if err := s.catalog.ready(ctx, s.alerts); err != nil {
		return nil, err
	}
	mine, err := s.postsOf(ctx, actor)
	if err != nil {
		return nil, err
	}
	all := actor.May(childmatch.ActManagePosts)
	ids, next := s.catalog.page(after, limit, all, mine, active)
	alerts, err := readAlerts(ctx, s.alerts, ids)
	if err != nil {
		return nil, err
	}
	page := &childmatch.AlertPage{Alerts: []*childmatch.Alert{}, Next: next}
	for i, a := range alerts {
		if a == nil { // erased, by another replica, since the catalog listed it
			s.catalog.drop(ids[i])
			continue
		}
		s.catalog.put(a) // what another replica changed shows on the next page already
		if (all || reaches(a, mine)) && (!active || a.Status == childmatch.AlertActive) {
			page.Alerts = append(page.Alerts, a)
		}
	}
	return page, nil
}

// Alert opens one alert that reached one of the actor's posts (any, for admins); to anyone else it does not
// exist. Every opening is in the audit trail.
func (s *Service) Alert(ctx context.Context, actor childmatch.Actor, id childmatch.ID) (*childmatch.Alert, error) {
	if err := actor.Require(childmatch.ActReadAlerts); err != nil {
		return nil, err
	}
	a, err := s.visibleAlert(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	return a, s.audit.Record(ctx, actor, "alert.read", []childmatch.ID{a.Case}, a.ID.String())
}

// VisibleAlert answers an alert the actor may see, and the actor's posts among its recipients, without
// recording an opening: for the cards of its messages, whose renders are audited.
func (s *Service) VisibleAlert(ctx context.Context, actor childmatch.Actor, id childmatch.ID) (*childmatch.Alert, []childmatch.Recipient, error) {
	if err := actor.Require(childmatch.ActReadAlerts); err != nil {
		return nil, nil, err
	}
	a, err := s.visibleAlert(ctx, actor, id)
	if err != nil {
		return nil, nil, err
	}
	mine, err := s.postsOf(ctx, actor)
	if err != nil {
		return nil, nil, err
	}
	var got []childmatch.Recipient
	for _, r := range a.Recipients {
		if mine[r.Post] {
			got = append(got, r)
		}
	}
	return a, got, nil
}

// ReachedAlert answers an alert that reached the post: a signed link to one of its cards names the post.
func (s *Service) ReachedAlert(ctx context.Context, id, post childmatch.ID) (*childmatch.Alert, childmatch.Recipient, error) {
	a, err := s.alerts.Alert(ctx, id)
	if err != nil {
		return nil, childmatch.Recipient{}, err
	}
	for _, r := range a.Recipients {
		if r.Post == post {
			return a, r, nil
		}
	}
	return nil, childmatch.Recipient{}, childmatch.Errorf(childmatch.ENotFound, "no alert with id %s", id)
}

func (s *Service) visibleAlert(ctx context.Context, actor childmatch.Actor, id childmatch.ID) (*childmatch.Alert, error) {
	a, err := s.alerts.Alert(ctx, id)
	if err != nil {
		return nil, err
	}
	if actor.May(childmatch.ActManagePosts) {
		return a, nil
	}
	mine, err := s.postsOf(ctx, actor)
	if err != nil {
		return nil, err
	}
	if !reaches(a, mine) {
		return nil, childmatch.Errorf(childmatch.ENotFound, "no alert with id %s", id)
	}
	return a, nil
}

// Acknowledge records a post's answer to an alert it got: seen, searching, not here, found. The actor
// answers for a post it belongs to.
func (s *Service) Acknowledge(ctx context.Context, actor childmatch.Actor, id, post childmatch.ID, state childmatch.AckState) (*childmatch.Alert, error) {
	if err := actor.Require(childmatch.ActReadAlerts); err != nil {
		return nil, err
	}
	if !state.Valid() {
		return nil, childmatch.FieldError("state", `must be "seen", "searching", "not_here" or "found"`)
	}
	if _, err := s.visibleAlert(ctx, actor, id); err != nil {
		return nil, err
	}
	mine, err := s.postsOf(ctx, actor)
	if err != nil {
		return nil, err
	}
	if !mine[post] {
		return nil, childmatch.FieldError("post", "is not a post you belong to")
	}
	now := s.now().UTC()
	a, err := s.alerts.UpdateAlert(ctx, id, func(a *childmatch.Alert) error {
		if !a.Reached(post) {
			return childmatch.FieldError("post", "did not get this alert")
		}
		a.Acks = append(a.Acks, childmatch.Ack{Post: post, State: state, By: actor.ID, At: now})
		for i := range a.Recipients {
			if a.Recipients[i].Post == post {
				a.Recipients[i].Due = nil // answered: nobody chases it
			}
		}
		a.UpdatedAt = now
		return nil
	})
	if err != nil {
		return nil, err
	}
	return a, s.audit.Record(ctx, actor, "alert.ack", []childmatch.ID{a.Case}, string(state))
}
