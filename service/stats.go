package service

import (
	"context"
	"sort"
	"strings"
	"time"

	"childmatch"
)

// childmatch.Stats counts, per state and district, cases reported missing and found (drills apart), review items proposed,
// confirmed and rejected, cases reunited, and the median time from a case's creation to its confirmed
// match. A review item counts where its first case (the missing one, for a match) was seen. Admins only.
func (s *Service) Stats(ctx context.Context, actor childmatch.Actor, q childmatch.StatsQuery) ([]childmatch.Stats, error) {
	if err := actor.Require(childmatch.ActReadStats); err != nil {
		return nil, err
	}
	in := func(t time.Time) bool {
		return (q.Since.IsZero() || !t.Before(q.Since)) && (q.Until.IsZero() || t.Before(q.Until))
	}
	where := func(c *childmatch.Case) (string, bool) {
		st, di := c.Sighting.State, c.Sighting.District
		ok := (q.State == "" || strings.EqualFold(st, q.State)) && (q.District == "" || strings.EqualFold(di, q.District))
		return st + "\x00" + di, ok
	}
	groups := map[string]*childmatch.Stats{}
	hours := map[string][]float64{}
	group := func(c *childmatch.Case) *childmatch.Stats {
		key, _ := where(c)
		g := groups[key]
		if g == nil {
			g = &childmatch.Stats{State: c.Sighting.State, District: c.Sighting.District}
			groups[key] = g
		}
		return g
	}
	cases := map[childmatch.ID]*childmatch.Case{}
	err := s.store.WalkCases(ctx, childmatch.ID{}, func(c *childmatch.Case) (bool, error) {
		cases[c.ID] = c
		key, ok := where(c)
		if !ok || !in(c.CreatedAt) {
			return true, nil
		}
		g := group(c)
		switch {
		case c.Exercise: // a drill is counted apart, never as a missing child
			g.Exercises++
			return true, nil
		case c.Kind == childmatch.KindMissing:
			g.Missing++
		default:
			g.Found++
		}
		if c.Outcome != nil && c.Outcome.Kind == childmatch.OutcomeReunited {
			g.Reunited++
		}
		for _, l := range c.Links {
			if l.Type == childmatch.ReviewMatch {
				hours[key] = append(hours[key], l.At.Sub(c.CreatedAt).Hours())
				break
			}
		}
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	err = s.reviews.WalkReviews(ctx, func(r *childmatch.Review) (bool, error) {
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
		case childmatch.ReviewConfirmed:
			g.Confirmed++
		case childmatch.ReviewRejected:
			g.Rejected++
		}
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]childmatch.Stats, 0, len(groups))
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
	if err := s.audit.Record(ctx, actor, "stats.read", nil, ""); err != nil {
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
