package minio_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"childmatch"
)

// TestReviewsOf: the review items of a case are found whichever side of the pair it is on, and an item
// removed is gone from both.
func TestReviewsOf(t *testing.T) {
	s, _ := open(t)
	ctx := context.Background()
	a, b, c := childmatch.NewID(), childmatch.NewID(), childmatch.NewID()
	for _, pair := range [][2]childmatch.ID{{a, b}, {b, c}} {
		r := &childmatch.Review{ID: childmatch.PairKey(pair[0], pair[1]), CaseA: pair[0], CaseB: pair[1], State: childmatch.ReviewPending}
		if err := s.CreateReview(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(id childmatch.ID) []string {
		t.Helper()
		rs, err := s.ReviewsOf(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range rs {
			out = append(out, r.ID)
		}
		slices.Sort(out)
		return out
	}
	ab, bc := childmatch.PairKey(a, b), childmatch.PairKey(b, c)
	if got, want := ids(b), []string{ab, bc}; !slices.Equal(got, want) {
		t.Fatalf("items of the middle case %v, want %v", got, want)
	}
	if got := ids(c); !slices.Equal(got, []string{bc}) {
		t.Fatalf("items of the newest case %v, want %v", got, bc)
	}
	if err := s.DeleteReview(ctx, bc); err != nil {
		t.Fatal(err)
	}
	if got := ids(c); len(got) != 0 {
		t.Fatalf("after removal the newest case has %v", got)
	}
}

// TestAuditPages: the trail comes page by page, oldest first, with the filters on every page; a past day
// is read from its day object once written, and a page that has scanned AuditScanDays days stops at a
// day boundary with a cursor that goes on.
func TestAuditPages(t *testing.T) {
	s, _ := open(t)
	ctx := context.Background()
	today := childmatch.AuditDay(time.Now())
	first := today.AddDate(0, 0, -40)
	caseID := childmatch.NewID()
	var want []childmatch.ID
	for _, day := range []time.Time{first, first, today.AddDate(0, 0, -2), today} {
		for _, actor := range []string{"officer", "admin"} {
			e := &childmatch.Event{ID: childmatch.NewID(), At: day.Add(time.Hour), Actor: actor, Action: "case.read", Cases: []childmatch.ID{caseID}}
			if err := s.Append(ctx, e); err != nil {
				t.Fatal(err)
			}
			if actor == "officer" {
				want = append(want, e.ID)
			}
		}
	}
	read := func(q childmatch.AuditQuery) ([]childmatch.ID, int) {
		t.Helper()
		var got []childmatch.ID
		pages := 0
		for {
			page, err := s.Events(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for _, e := range page.Events {
				if e.Actor != "officer" || !slices.Contains(e.Cases, caseID) {
					t.Fatalf("event of %s on a page of the officer's", e.Actor)
				}
				got = append(got, e.ID)
			}
			if page.Next.IsZero() {
				return got, pages
			}
			if q.After = page.Next; pages > 20 {
				t.Fatal("the pages never end")
			}
		}
	}
	q := childmatch.AuditQuery{Actor: "officer", Case: caseID, Limit: 1}
	got, pages := read(q)
	if !slices.Equal(got, want) || pages < len(want) {
		t.Fatalf("%d pages held %v, want %v a page", pages, got, want)
	}
	// A late event filed under a past day after its day object was written stays out: the day was read
	// from its object.
	late := &childmatch.Event{ID: childmatch.NewID(), At: first.Add(2 * time.Hour), Actor: "officer", Action: "case.read", Cases: []childmatch.ID{caseID}}
	if err := s.Append(ctx, late); err != nil {
		t.Fatal(err)
	}
	q.Limit = 100
	if got, _ := read(q); !slices.Equal(got, want) {
		t.Fatalf("second search %v, want the day objects' %v", got, want)
	}
	q.Since, q.Until = today.AddDate(0, 0, -3), today
	if got, _ := read(q); !slices.Equal(got, want[2:3]) {
		t.Fatalf("between %s and %s: %v, want %v", q.Since, q.Until, got, want[2:3])
	}
}
