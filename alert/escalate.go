package alert

import (
	"context"
	"errors"
	"slices"
	"time"

	"childmatch"
)

// Escalation (README: alerts): a post that has not answered an alert by its due time (Limits.AlertAck
// after it was reached) is sent the alert again on its next channel, one channel each time in
// childmatch.Channels' order, and the control rooms of its states are told which posts are silent. The
// same pass sends the messages held back from posts whose quiet hours have ended. Every replica runs the
// pass; each alert's work is claimed in one conditional update of its record (UpdateAlert is atomic), so
// two replicas never send it twice: the second finds nothing due.

// errNothingDue leaves an alert's record unwritten.
var errNothingDue = errors.New("nothing due")

// Run escalates at once and then every AlertEscalateEvery until ctx ends; the first pass's walk fills the
// alert list's catalog.
func (s *Service) Run(ctx context.Context) {
	t := time.NewTicker(childmatch.AlertEscalateEvery)
	defer t.Stop()
	for {
		if err := s.Escalate(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("escalating silent posts", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Escalate makes one pass over the active alerts; its walk over every alert makes the alert list's
// catalog again.
func (s *Service) Escalate(ctx context.Context) error {
	now := s.now().UTC()
	var due []childmatch.ID
	err := s.catalog.walk(ctx, s.alerts, func(a *childmatch.Alert) error {
		if a.Status == childmatch.AlertActive && len(work(a, now)) > 0 || slices.ContainsFunc(a.Held, func(h childmatch.Held) bool { return !h.Until.After(now) }) {
			due = append(due, a.ID)
		}
		return nil
	})
	if err != nil || len(due) == 0 {
		return err
	}
	posts, err := s.allPosts(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, id := range due {
		errs = append(errs, s.escalate(ctx, id, posts, now))
	}
	return errors.Join(errs...)
}

// work answers the indexes of the recipients that are due and have not answered.
func work(a *childmatch.Alert, now time.Time) []int {
	var out []int
	for i, r := range a.Recipients {
		if r.Due != nil && !r.Due.After(now) && !a.Answered(r.Post) &&
			!slices.ContainsFunc(a.Held, func(h childmatch.Held) bool { return h.Post == r.Post }) {
			out = append(out, i)
		}
	}
	return out
}

// sending is one message of a pass and the posts it goes to.
type sending struct {
	m  childmatch.Message
	to []childmatch.Recipient
}

// escalate claims and sends one alert's due work.
func (s *Service) escalate(ctx context.Context, id childmatch.ID, posts map[childmatch.ID]*childmatch.Post, now time.Time) error {
	if gone, err := s.erased(ctx, id); gone || err != nil {
		return err
	}
	var out []sending
	a, err := s.alerts.UpdateAlert(ctx, id, func(a *childmatch.Alert) error {
		out = nil
		out = append(out, s.release(a, now)...)
		if a.Status == childmatch.AlertActive {
			out = append(out, s.chase(a, posts, now)...)
		}
		if len(out) == 0 {
			return errNothingDue
		}
		a.UpdatedAt = now
		return nil
	})
	if errors.Is(err, errNothingDue) {
		return nil
	}
	if err != nil {
		return err
	}
	var errs []error
	for _, o := range out {
		errs = append(errs, s.dispatch(ctx, a, o.m, o.to))
	}
	return errors.Join(errs...)
}

// release takes the held messages whose quiet hours ended off the alert, and gives their posts their
// time to answer from now.
func (s *Service) release(a *childmatch.Alert, now time.Time) []sending {
	var out []sending
	kept := a.Held[:0:0]
	for _, h := range a.Held {
		if h.Until.After(now) || h.Seq < 1 || h.Seq > len(a.Messages) {
			if h.Until.After(now) {
				kept = append(kept, h)
			}
			continue
		}
		for i := range a.Recipients {
			if r := &a.Recipients[i]; r.Post == h.Post {
				if r.Due != nil {
					r.Due = s.due(now)
				}
				out = append(out, sending{a.Messages[h.Seq-1], []childmatch.Recipient{*r}})
			}
		}
	}
	a.Held = kept
	return out
}

// chase sends the alert again to each silent post on its next channel (one message per channel), and
// tells the control rooms of their states which posts are silent.
func (s *Service) chase(a *childmatch.Alert, posts map[childmatch.ID]*childmatch.Post, now time.Time) []sending {
	byChannel := map[childmatch.Channel]*sending{}
	var silent []*childmatch.Post
	for _, i := range work(a, now) {
		r := &a.Recipients[i]
		p := posts[r.Post]
		if p == nil { // removed since: nobody to chase
			r.Due = nil
			continue
		}
		silent = append(silent, p)
		channels := p.Channels()
		if r.Escalations >= len(channels) {
			r.Due = nil // every channel was tried again: the control room knows
			continue
		}
		ch := channels[r.Escalations]
		r.Escalations++
		r.Due = s.due(now)
		if byChannel[ch] == nil {
			byChannel[ch] = &sending{m: childmatch.Message{Type: childmatch.MsgAlert, At: now, Reason: childmatch.ReasonEscalate,
				Channels: []childmatch.Channel{ch}}}
		}
		byChannel[ch].m.To = append(byChannel[ch].m.To, p.ID)
		byChannel[ch].to = append(byChannel[ch].to, *r)
	}
	var out []sending
	for _, ch := range childmatch.Channels {
		if o := byChannel[ch]; o != nil {
			o.m.Seq = len(a.Messages) + 1
			a.Messages = append(a.Messages, o.m)
			out = append(out, *o)
		}
	}
	return append(out, s.tellControlRooms(a, silent, posts, now)...)
}

// tellControlRooms sends each control room whose state holds silent posts the list of them, adding it to
// the alert's posts if the alert had not reached it.
func (s *Service) tellControlRooms(a *childmatch.Alert, silent []*childmatch.Post, posts map[childmatch.ID]*childmatch.Post, now time.Time) []sending {
	var out []sending
	for _, room := range sortedPosts(posts) {
		if room.Kind != childmatch.PostControlRoom {
			continue
		}
		states := room.States(s.places)
		var theirs []childmatch.ID
		for _, p := range silent {
			if p.ID != room.ID && childmatch.SharesState(states, p.States(s.places)) {
				theirs = append(theirs, p.ID)
			}
		}
		if len(theirs) == 0 {
			continue
		}
		m := childmatch.Message{Seq: len(a.Messages) + 1, Type: childmatch.MsgUpdate, At: now, Reason: childmatch.ReasonSilent,
			To: []childmatch.ID{room.ID}, Silent: theirs}
		if !a.Reached(room.ID) {
			a.Recipients = append(a.Recipients, childmatch.Recipient{Post: room.ID, Name: room.Name, Kind: room.Kind, Since: m.Seq, At: now})
		}
		a.Messages = append(a.Messages, m)
		i := slices.IndexFunc(a.Recipients, func(r childmatch.Recipient) bool { return r.Post == room.ID })
		out = append(out, sending{m, []childmatch.Recipient{a.Recipients[i]}})
	}
	return out
}

// sortedPosts lists the posts in creation order (their ids are time-ordered), so a pass is the same on
// every replica.
func sortedPosts(posts map[childmatch.ID]*childmatch.Post) []*childmatch.Post {
	out := make([]*childmatch.Post, 0, len(posts))
	for _, p := range posts {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b *childmatch.Post) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out
}
