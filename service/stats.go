package service

import (
	"context"
	"sort"
	"strings"
	"time"

	"childmatch"
)

// Stats counts, per state and district, cases reported missing and found, matched and reunited, review
// items proposed, confirmed and rejected, and the median time from a case's creation to its first
// confirmed match, in all and month by month. A case counts when it was created within q's window; a
// review item counts where its first case (the missing one, for a match) was seen, when it was created
// within the window. It reads the catalog only. Admins only.
func (s *Service) Stats(ctx context.Context, actor childmatch.Actor, q childmatch.StatsQuery) ([]childmatch.Stats, error) {
	if err := actor.Require(childmatch.ActReadStats); err != nil {
		return nil, err
	}
	switch q.By {
	case "", "district", "state", "all":
	default:
		return nil, childmatch.FieldError("by", `must be "district", "state" or "all"`)
	}
	in := func(t time.Time) bool {
		return (q.Since.IsZero() || !t.Before(q.Since)) && (q.Until.IsZero() || t.Before(q.Until))
	}
	type place struct{ state, district string }
	type tally struct {
		stats  childmatch.Stats
		hours  []float64
		months map[string]*childmatch.MonthStats
		days   map[string][]float64
	}
	groups := map[place]*tally{}
	caseGroup := map[childmatch.ID]*tally{}
	month := func(g *tally, t time.Time) *childmatch.MonthStats {
		key := t.UTC().Format("2006-01")
		m := g.months[key]
		if m == nil {
			m = &childmatch.MonthStats{Month: key}
			g.months[key] = m
		}
		return m
	}
	s.catalog.EachCase(func(r *childmatch.CaseRow) {
		st, di := r.Sighting.State, r.Sighting.District
		if (q.State != "" && !strings.EqualFold(st, q.State)) || (q.District != "" && !strings.EqualFold(di, q.District)) {
			return
		}
		switch q.By {
		case "state":
			di = ""
		case "all":
			st, di = "", ""
		}
		key := place{st, di}
		g := groups[key]
		if g == nil {
			g = &tally{stats: childmatch.Stats{State: st, District: di}, months: map[string]*childmatch.MonthStats{},
				days: map[string][]float64{}}
			groups[key] = g
		}
		caseGroup[r.ID] = g
		if !in(r.CreatedAt) {
			return
		}
		reported := month(g, r.CreatedAt)
		if r.Kind == childmatch.KindMissing {
			g.stats.Missing++
			reported.Missing++
		} else {
			g.stats.Found++
			reported.Found++
		}
		if r.Outcome == childmatch.OutcomeReunited {
			g.stats.Reunited++
			month(g, r.OutcomeAt).Reunited++
		}
		if !r.MatchedAt.IsZero() {
			h := r.MatchedAt.Sub(r.CreatedAt).Hours()
			g.stats.Matched++
			g.hours = append(g.hours, h)
			m := month(g, r.MatchedAt)
			m.Matched++
			g.days[m.Month] = append(g.days[m.Month], h/24)
		}
	})
	s.catalog.EachReview(func(r *childmatch.Review) {
		g := caseGroup[r.CaseA]
		if g == nil || !in(r.CreatedAt) {
			return
		}
		g.stats.Proposed++
		switch r.State {
		case childmatch.ReviewConfirmed:
			g.stats.Confirmed++
		case childmatch.ReviewRejected:
			g.stats.Rejected++
		}
	})
	out := make([]childmatch.Stats, 0, len(groups))
	for _, g := range groups {
		st := g.stats
		if st.Missing+st.Found+st.Proposed == 0 {
			continue // nothing of this place in the window
		}
		if len(g.hours) > 0 {
			st.MedianHoursToMatch = median(g.hours)
			st.MedianDaysToMatch = st.MedianHoursToMatch / 24
		}
		st.Months = make([]childmatch.MonthStats, 0, len(g.months))
		for key, m := range g.months {
			if d := g.days[key]; len(d) > 0 {
				m.MedianDaysToMatch = median(d)
			}
			st.Months = append(st.Months, *m)
		}
		sort.Slice(st.Months, func(i, j int) bool { return st.Months[i].Month < st.Months[j].Month })
		out = append(out, st)
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
