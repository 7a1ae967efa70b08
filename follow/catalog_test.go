package follow_test

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"childmatch"
	"childmatch/follow"
	"childmatch/index"
	"childmatch/inmem"
)

func review(a, b *childmatch.Case, score float64) *childmatch.Review {
	return &childmatch.Review{ID: childmatch.PairKey(a.ID, b.ID), Type: childmatch.ReviewMatch, CaseA: a.ID, CaseB: b.ID,
		State: childmatch.ReviewPending, Evidence: childmatch.Evidence{Score: score}, CreatedAt: time.Now()}
}

// TestCatalogFollowsOthers: another process's new case, new review item (of the pair's second, newer
// case: the one no key prefix finds), decision and removal reach this process's lists from the change
// feed, as its index does.
func TestCatalogFollowsOthers(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	ctx := context.Background()
	mine := inmem.New()
	cfg := follow.Config{CatchUp: 5 * time.Millisecond, SnapshotEvery: time.Hour}
	other := mine.Another()
	here := started(t, mine, cfg)
	there := started(t, other, cfg)
	write := func(c *childmatch.Case) {
		t.Helper()
		if _, err := there.Write(c.ID, func() (*childmatch.Case, error) { return c, other.CreateCase(ctx, c) }); err != nil {
			t.Fatal(err)
		}
	}
	older, newer := caseWithFace(r), caseWithFace(r)
	newer.Kind, newer.References.FIR = childmatch.KindFound, "FIR 0042/2026"
	write(older)
	write(newer)
	eventually(t, "the other process's cases listed", func() bool {
		rows, _ := here.CaseRows(childmatch.CaseQuery{Text: "fir 0042", Limit: 10}, func(*childmatch.CaseRow) bool { return true })
		return len(rows) == 1 && rows[0].ID == newer.ID && rows[0].Chip == newer.Photos[0].Faces[0].ID
	})

	item := review(older, newer, 2)
	if _, err := there.WriteReview(item.ID, func() (*childmatch.Review, error) { return item, other.CreateReview(ctx, item) }); err != nil {
		t.Fatal(err)
	}
	touch := func(c *childmatch.Case) { // the write that follows a proposal or a decision: the case record
		t.Helper()
		if _, err := there.Write(c.ID, func() (*childmatch.Case, error) {
			return other.UpdateCase(ctx, c.ID, func(c *childmatch.Case) error { c.UpdatedAt = time.Now(); return nil })
		}); err != nil {
			t.Fatal(err)
		}
	}
	touch(newer)
	state := func() childmatch.ReviewState {
		rs, _ := here.Queue(childmatch.ReviewQuery{Limit: 10}, childmatch.QueuePosition{})
		if len(rs) != 1 {
			return ""
		}
		return rs[0].State
	}
	eventually(t, "the other process's review item queued", func() bool { return state() == childmatch.ReviewPending })

	if _, err := there.WriteReview(item.ID, func() (*childmatch.Review, error) {
		return other.UpdateReview(ctx, item.ID, func(r *childmatch.Review) error { r.State = childmatch.ReviewConfirmed; return nil })
	}); err != nil {
		t.Fatal(err)
	}
	touch(older)
	eventually(t, "the other process's decision seen", func() bool { return state() == childmatch.ReviewConfirmed })

	if _, err := there.WriteReview(item.ID, func() (*childmatch.Review, error) { return nil, other.DeleteReview(ctx, item.ID) }); err != nil {
		t.Fatal(err)
	}
	touch(older)
	eventually(t, "the other process's removal seen", func() bool {
		rs, _ := here.Queue(childmatch.ReviewQuery{Limit: 10}, childmatch.QueuePosition{})
		return len(rs) == 0
	})
}

// TestQueuePages: the queue read page by page with its cursors is the whole queue in rank order, each
// item once, and the filters hold on every page.
func TestQueuePages(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	ctx := context.Background()
	store := inmem.New()
	f := started(t, store, follow.Config{CatchUp: time.Hour, SnapshotEvery: time.Hour})
	var cases []*childmatch.Case
	for range 12 {
		c := caseWithFace(r)
		cases = append(cases, c)
		if _, err := f.Write(c.ID, func() (*childmatch.Case, error) { return c, store.CreateCase(ctx, c) }); err != nil {
			t.Fatal(err)
		}
	}
	var want []string
	for i := 0; i+1 < len(cases); i++ {
		for j := i + 1; j < len(cases); j += 3 {
			item := review(cases[i], cases[j], float64(r.IntN(5))) // ties in rank, broken by id
			if j%2 == 0 {
				item.State = childmatch.ReviewRejected
			} else {
				want = append(want, item.ID)
			}
			if _, err := f.WriteReview(item.ID, func() (*childmatch.Review, error) { return item, store.CreateReview(ctx, item) }); err != nil {
				t.Fatal(err)
			}
		}
	}
	var got []string
	var ranks []float32
	q := childmatch.ReviewQuery{State: childmatch.ReviewPending, Limit: 4}
	var at childmatch.QueuePosition
	for pages := 0; ; pages++ {
		rs, last := f.Queue(q, at)
		for _, it := range rs {
			if it.State != childmatch.ReviewPending {
				t.Fatalf("a %s item on a page of pending ones", it.State)
			}
			got, ranks = append(got, it.ID), append(ranks, it.Rank())
		}
		if last == "" {
			break
		}
		at = childmatch.QueuePosition{ID: rs[len(rs)-1].ID, Rank: rs[len(rs)-1].Rank()}
		if last != at.ID || pages > len(want) {
			t.Fatalf("page %d ends at %s, its cursor names %s", pages, at.ID, last)
		}
	}
	slices.Sort(want)
	sorted := slices.Clone(got)
	slices.Sort(sorted)
	if !slices.Equal(sorted, want) {
		t.Fatalf("pages hold %d items %v, want each of the %d pending once", len(got), got, len(want))
	}
	if !slices.IsSorted(ranks) {
		t.Fatalf("ranks across pages %v: not best first", ranks)
	}
}

// TestCatalogSnapshot: the catalog comes up from the snapshot saved with the index; when the catalog is
// missing (a snapshot from before it existed) the index still comes from the snapshot and the catalog is
// built from the records, never served empty.
func TestCatalogSnapshot(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	ctx := context.Background()
	store := inmem.New()
	local := filepath.Join(t.TempDir(), "index.snapshot")
	cfg := follow.Config{LocalSnapshot: local, CatchUp: time.Hour, SnapshotEvery: time.Hour}
	first := follow.New(index.New(), store, store, store, cfg, quiet)
	if _, err := first.Open(ctx); err != nil {
		t.Fatal(err)
	}
	a, b := caseWithFace(r), caseWithFace(r)
	for _, c := range []*childmatch.Case{a, b} {
		if _, err := first.Write(c.ID, func() (*childmatch.Case, error) { return c, store.CreateCase(ctx, c) }); err != nil {
			t.Fatal(err)
		}
	}
	item := review(a, b, 1)
	if _, err := first.WriteReview(item.ID, func() (*childmatch.Review, error) { return item, store.CreateReview(ctx, item) }); err != nil {
		t.Fatal(err)
	}
	if err := first.Save(ctx); err != nil {
		t.Fatal(err)
	}
	open := func() (*follow.Follower, childmatch.IndexStart) {
		f := follow.New(index.New(), store, store, store, cfg, quiet)
		st, err := f.Open(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return f, st
	}
	check := func(what string, want int) {
		t.Helper()
		f, st := open()
		rows, _ := f.CaseRows(childmatch.CaseQuery{Limit: 10}, func(*childmatch.CaseRow) bool { return true })
		rs, _ := f.Queue(childmatch.ReviewQuery{Limit: 10}, childmatch.QueuePosition{})
		if st.Source != "local snapshot" || len(st.Refused) != want || len(rows) != 2 || rows[0].ID != a.ID || len(rs) != 1 || rs[0].ID != item.ID {
			t.Fatalf("%s: from %q (refused %v): rows %+v, queue %+v: want both cases and the item", what, st.Source, st.Refused, rows, rs)
		}
	}
	check("with its catalog", 0)
	if err := os.Remove(local + ".catalog"); err != nil {
		t.Fatal(err)
	}
	check("without its catalog", 1)
}

// markerless is a store whose listing of a case's review items finds none: items written before the
// markers existed, whose case is the pair's second.
type markerless struct{ *inmem.Store }

func (markerless) ReviewsOf(context.Context, childmatch.ID) ([]*childmatch.Review, error) {
	return nil, nil
}

// TestItemsBeforeMarkers: an item the catalog holds that the listing of its case does not name is read
// again by its id when another process changes it, and dropped only when it is gone.
func TestItemsBeforeMarkers(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	ctx := context.Background()
	mine := inmem.New()
	other := mine.Another()
	a, b := caseWithFace(r), caseWithFace(r)
	for _, c := range []*childmatch.Case{a, b} {
		if err := mine.CreateCase(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	item := review(a, b, 1)
	if err := mine.CreateReview(ctx, item); err != nil {
		t.Fatal(err)
	}
	f := follow.New(index.New(), markerless{mine}, mine, mine, follow.Config{CatchUp: 5 * time.Millisecond, SnapshotEvery: time.Hour}, quiet)
	if _, err := f.Open(ctx); err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); f.Run(runCtx) }()
	defer func() { cancel(); <-done }()
	touch := func() {
		t.Helper()
		if _, err := other.UpdateCase(ctx, b.ID, func(c *childmatch.Case) error { c.UpdatedAt = time.Now(); return nil }); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := other.UpdateReview(ctx, item.ID, func(r *childmatch.Review) error { r.State = childmatch.ReviewConfirmed; return nil }); err != nil {
		t.Fatal(err)
	}
	touch()
	queue := func() []*childmatch.Review {
		rs, _ := f.Queue(childmatch.ReviewQuery{Limit: 10}, childmatch.QueuePosition{})
		return rs
	}
	eventually(t, "the decision on an item from before the markers", func() bool {
		rs := queue()
		return len(rs) == 1 && rs[0].State == childmatch.ReviewConfirmed
	})
	if err := other.DeleteReview(ctx, item.ID); err != nil {
		t.Fatal(err)
	}
	touch()
	eventually(t, "the removal of an item from before the markers", func() bool { return len(queue()) == 0 })
}
