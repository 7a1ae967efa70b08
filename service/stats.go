package service

import (
	"context"
	"math"
	"sort"
	"strings"

	"childmatch"
)

// Stats counts, per state and district, cases reported missing and found (drills apart), matched and reunited, review
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
	since, until := int64(math.MinInt64), int64(math.MaxInt64)
	if !q.Since.IsZero() {
		since = q.Since.Unix()
	}
	if !q.Until.IsZero() {
		until = q.Until.Unix()
	}
	in := func(t int64) bool { return t >= since && t < until }
	type place struct{ state, district string }
	type tally struct {
		stats  childmatch.Stats
		hours  []float64
		months map[int32]*childmatch.MonthStats
		days   map[int32][]float64
	}
	groups := map[place]*tally{}
	month := func(g *tally, m int32) *childmatch.MonthStats {
		ms := g.months[m]
		if ms == nil {
			ms = &childmatch.MonthStats{Month: childmatch.MonthName(m)}
			g.months[m] = ms
		}
		return ms
	}
	// where is the group of a locality, nil when q leaves it out: resolved once per locality, so each
	// case costs an index into a slice. The localities come with the facts, under the same lock.
	var localities []childmatch.Locality
	var resolved []*tally
	var done []bool
	where := func(n int32) *tally {
		if n < 0 {
			return nil // the review item's first case is gone
		}
		if done[n] {
			return resolved[n]
		}
		done[n] = true
		st, di := localities[n].State, localities[n].District
		if (q.State != "" && !strings.EqualFold(st, q.State)) || (q.District != "" && !strings.EqualFold(di, q.District)) {
			return nil
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
			g = &tally{stats: childmatch.Stats{State: st, District: di}, months: map[int32]*childmatch.MonthStats{},
				days: map[int32][]float64{}}
			groups[key] = g
		}
		resolved[n] = g
		return g
	}
	// The localities' names come when EachFact returns: the facts are counted as they come, by locality
	// number in a slice, and grouped by name after.
	var perLocality []*tally
	tallyOf := func(n int32) *tally {
		for int(n) >= len(perLocality) {
			perLocality = append(perLocality, nil)
		}
		g := perLocality[n]
		if g == nil {
			g = &tally{months: map[int32]*childmatch.MonthStats{}, days: map[int32][]float64{}}
			perLocality[n] = g
		}
		return g
	}
	localities = s.catalog.EachFact(func(f *childmatch.CaseFact) {
		if !in(f.Created) {
			return
		}
		g := tallyOf(f.Locality)
		if f.Exercise { // a drill is counted apart, never as a missing child
			g.stats.Exercises++
			return
		}
		reported := month(g, f.CreatedMonth)
		if f.Missing {
			g.stats.Missing++
			reported.Missing++
		} else {
			g.stats.Found++
			reported.Found++
		}
		if f.Reunited {
			g.stats.Reunited++
			month(g, f.OutcomeMonth).Reunited++
		}
		if f.Matched != 0 {
			h := float64(f.Matched-f.Created) / 3600
			g.stats.Matched++
			g.hours = append(g.hours, h)
			month(g, f.MatchedMonth).Matched++
			g.days[f.MatchedMonth] = append(g.days[f.MatchedMonth], h/24)
		}
	}, func(r *childmatch.ReviewFact) {
		if r.Locality < 0 || !in(r.Created) {
			return
		}
		g := tallyOf(r.Locality)
		g.stats.Proposed++
		switch r.State {
		case childmatch.ReviewConfirmed:
			g.stats.Confirmed++
		case childmatch.ReviewRejected:
			g.stats.Rejected++
		}
	})
	resolved, done = make([]*tally, len(localities)), make([]bool, len(localities))
	for n, t := range perLocality {
		g := where(int32(n))
		if t == nil || g == nil {
			continue
		}
		g.stats.Missing += t.stats.Missing
		g.stats.Found += t.stats.Found
		g.stats.Reunited += t.stats.Reunited
		g.stats.Matched += t.stats.Matched
		g.stats.Proposed += t.stats.Proposed
		g.stats.Confirmed += t.stats.Confirmed
		g.stats.Rejected += t.stats.Rejected
		g.stats.Exercises += t.stats.Exercises
		g.hours = append(g.hours, t.hours...)
		for m, ms := range t.months {
			gm := month(g, m)
			gm.Missing, gm.Found, gm.Matched, gm.Reunited = gm.Missing+ms.Missing, gm.Found+ms.Found, gm.Matched+ms.Matched, gm.Reunited+ms.Reunited
		}
		for m, d := range t.days {
			g.days[m] = append(g.days[m], d...)
		}
	}
	out := make([]childmatch.Stats, 0, len(groups))
	for _, g := range groups {
		st := g.stats
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
