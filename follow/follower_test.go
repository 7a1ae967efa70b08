package follow_test

import (
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"childmatch"
	"childmatch/fixtures"
	"childmatch/follow"
	"childmatch/index"
	"childmatch/inmem"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func caseWithFace(r *rand.Rand) *childmatch.Case {
	c := &childmatch.Case{ID: childmatch.NewID(), CaseDetails: childmatch.CaseDetails{Kind: childmatch.KindMissing},
		Status: childmatch.StatusOpen, CreatedAt: time.Now()}
	c.Photos = []childmatch.Photo{{ID: childmatch.NewID(), Faces: []childmatch.Face{{ID: childmatch.NewID(), Descriptor: fixtures.RandomDescriptor(r)}}}}
	return c
}

// started opens a follower over a store view and runs it with a short catch-up until the test ends.
func started(t *testing.T, store *inmem.Store, cfg follow.Config) *follow.Follower {
	t.Helper()
	f := follow.New(index.New(), store, store, store, cfg, quiet)
	if _, err := f.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); f.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return f
}

// eventually waits (up to a few seconds) for cond, failing the test if it never holds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("never: %s", what)
}

// TestFollowsOthersNotItself: a write through one process's follower is in its index at once and is
// never read back by it; another process over the same store picks it up from the change feed, the
// removal of the case too.
func TestFollowsOthersNotItself(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	mine := inmem.New()
	theirs := mine.Another()
	cfg := follow.Config{CatchUp: 5 * time.Millisecond, SnapshotEvery: time.Hour}
	a, b := started(t, mine, cfg), started(t, theirs, cfg)
	ctx := context.Background()

	c := caseWithFace(r)
	if _, err := a.Write(c.ID, func() (*childmatch.Case, error) { return c, mine.CreateCase(ctx, c) }); err != nil {
		t.Fatal(err)
	}
	if a.Len() != 1 {
		t.Fatalf("the writer's index holds %d faces at once, want 1", a.Len())
	}
	eventually(t, "the other process indexes the new face", func() bool { return b.Len() == 1 })
	// Long enough for the writer to have listed its own, unsettled entry about twenty times: each listing
	// would have read the record again.
	time.Sleep(100 * time.Millisecond)
	if n := mine.Reads(); n != 0 {
		t.Errorf("the writer read case records back %d times", n)
	}
	if theirs.Reads() == 0 {
		t.Error("the other process never read the record")
	}

	if _, err := a.Write(c.ID, func() (*childmatch.Case, error) { return nil, mine.DeleteCase(ctx, c.ID) }); err != nil {
		t.Fatal(err)
	}
	if a.Len() != 0 {
		t.Fatalf("the writer's index holds %d faces after the removal", a.Len())
	}
	eventually(t, "the other process drops the removed case", func() bool { return b.Len() == 0 })
}

// TestFailedWriteReadAgain: a write that reports failure may still have landed (a put can fail after
// storing); the follower reads that case again at its next catch-up.
func TestFailedWriteReadAgain(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	store := inmem.New()
	f := started(t, store, follow.Config{CatchUp: 5 * time.Millisecond, SnapshotEvery: time.Hour})
	c := caseWithFace(r)
	_, err := f.Write(c.ID, func() (*childmatch.Case, error) {
		if err := store.CreateCase(context.Background(), c); err != nil {
			return nil, err
		}
		return nil, childmatch.Unavailable("storage", io.ErrUnexpectedEOF)
	})
	if childmatch.ErrorCodeOf(err) != childmatch.EUnavailable {
		t.Fatalf("the write's error was not passed on: %v", err)
	}
	eventually(t, "the case of the failed write is indexed", func() bool { return f.Len() == 1 })
}

// TestSnapshotThenChanges: a saved snapshot brings a new process up with the same faces, plus those
// written after the snapshot by other processes.
func TestSnapshotThenChanges(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	ctx := context.Background()
	store := inmem.New()
	cfg := follow.Config{LocalSnapshot: filepath.Join(t.TempDir(), "index.snapshot"), CatchUp: time.Hour, SnapshotEvery: time.Hour}
	first := follow.New(index.New(), store, store, store, cfg, quiet)
	if _, err := first.Open(ctx); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		c := caseWithFace(r)
		if _, err := first.Write(c.ID, func() (*childmatch.Case, error) { return c, store.CreateCase(ctx, c) }); err != nil {
			t.Fatal(err)
		}
	}
	if err := first.Save(ctx); err != nil {
		t.Fatal(err)
	}
	other := store.Another()
	late := caseWithFace(r)
	if err := other.CreateCase(ctx, late); err != nil {
		t.Fatal(err)
	}

	second := follow.New(index.New(), store.Another(), store.Another(), store, cfg, quiet)
	st, err := second.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Source != "local snapshot" || st.Faces != 4 || second.Len() != 4 {
		t.Fatalf("start %+v with %d faces: want the local snapshot plus the late case, 4 faces", st, second.Len())
	}
	if hits := second.Search(&late.Photos[0].Faces[0].Descriptor, 1, childmatch.SearchFilter{}); len(hits) != 1 || hits[0].CaseID != late.ID {
		t.Fatalf("the late case is not found: %+v", hits)
	}
}

// lateFeed is a change feed whose one entry was written before its record, which lands later: a write
// slowed by retries, or by a writer whose clock lags.
type lateFeed struct{ entry childmatch.Change }

func (l lateFeed) ChangesAfter(_ context.Context, _ childmatch.ID, fn func(childmatch.Change) error) error {
	return fn(l.entry)
}

func (lateFeed) WatchCases(ctx context.Context) <-chan childmatch.ID {
	out := make(chan childmatch.ID)
	go func() { <-ctx.Done(); close(out) }()
	return out
}

// TestLateRecord: a record that lands a while after its change entry, after the first listings have read
// the case and found nothing, is still indexed: the case is read again as the entry's checkpoints pass.
func TestLateRecord(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	store := inmem.New()
	c := caseWithFace(r)
	feed := lateFeed{childmatch.Change{Entry: childmatch.NewID(), Case: c.ID}}
	f := follow.New(index.New(), store, feed, store, follow.Config{CatchUp: 5 * time.Millisecond, SnapshotEvery: time.Hour,
		Settle: 400 * time.Millisecond, Checkpoints: []time.Duration{100 * time.Millisecond, 200 * time.Millisecond}}, quiet)
	if _, err := f.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); f.Run(ctx) }()
	defer func() { cancel(); <-done }()
	time.Sleep(150 * time.Millisecond) // several listings, the first checkpoint passed: nothing there yet
	if err := store.CreateCase(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the late record is indexed", func() bool { return f.Len() == 1 })
	reads := store.Reads()
	time.Sleep(300 * time.Millisecond) // past Settle: listed about sixty more times
	if n := store.Reads() - reads; n > 1 {
		t.Errorf("the settled entry's case was read %d more times", n)
	}
}

// TestModelsFromRecords: a face model's vectors are in its index after a write, follow the case's removal,
// and are filled from the records when the dlib index comes from a snapshot (which holds dlib's only).
func TestModelsFromRecords(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	store := inmem.New()
	ctx := context.Background()
	snap := filepath.Join(t.TempDir(), "index.snapshot")
	models := func() (map[string]childmatch.ModelIndex, *index.Flat) {
		ix := index.NewFlat(3)
		return map[string]childmatch.ModelIndex{"arc": ix}, ix
	}
	m1, flat1 := models()
	f := follow.New(index.New(), store, store, store, follow.Config{CatchUp: time.Hour, SnapshotEvery: time.Hour, LocalSnapshot: snap, Models: m1}, quiet)
	if _, err := f.Open(ctx); err != nil {
		t.Fatal(err)
	}
	var cases []*childmatch.Case
	for i := range 3 {
		c := caseWithFace(r)
		c.Photos[0].Faces[0].Embeddings = map[string][]float32{"arc": {float32(i), 0, 0}}
		if i == 2 {
			c.Photos[0].Faces[0].Embeddings = nil // enrolled before the model was configured
		}
		if _, err := f.Write(c.ID, func() (*childmatch.Case, error) { return c, store.CreateCase(ctx, c) }); err != nil {
			t.Fatal(err)
		}
		cases = append(cases, c)
	}
	if flat1.Len() != 2 || f.Len() != 3 {
		t.Fatalf("the model's index holds %d faces and dlib's %d, want 2 and 3", flat1.Len(), f.Len())
	}
	hits := f.SearchModel("arc", [][]float32{{1, 0, 0}}, 1, childmatch.SearchFilter{})
	if len(hits) != 1 || len(hits[0]) != 1 || hits[0][0].CaseID != cases[1].ID {
		t.Fatalf("the model's nearest to its own vector: %v", hits)
	}
	if f.SearchModel("other", [][]float32{{1, 0, 0}}, 1, childmatch.SearchFilter{}) != nil ||
		f.SearchModel("arc", [][]float32{{1, 0}}, 1, childmatch.SearchFilter{}) != nil {
		t.Fatal("an unknown model, or a query of another dimension, answered")
	}
	if _, err := f.Write(cases[0].ID, func() (*childmatch.Case, error) { return nil, store.DeleteCase(ctx, cases[0].ID) }); err != nil {
		t.Fatal(err)
	}
	if flat1.Len() != 1 {
		t.Fatalf("after the removal the model's index holds %d faces, want 1", flat1.Len())
	}
	if err := f.Save(ctx); err != nil {
		t.Fatal(err)
	}
	m2, flat2 := models()
	g := follow.New(index.New(), store, store, store, follow.Config{CatchUp: time.Hour, SnapshotEvery: time.Hour, LocalSnapshot: snap, Models: m2}, quiet)
	st, err := g.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Source != "local snapshot" || flat2.Len() != 1 || g.Len() != 2 {
		t.Fatalf("from %s, the model's index holds %d faces and dlib's %d, want 1 and 2 from the local snapshot", st.Source, flat2.Len(), g.Len())
	}
}
