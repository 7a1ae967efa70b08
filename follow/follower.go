package follow

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"childmatch"
)

// Config says how the index keeps current.
type Config struct {
	LocalSnapshot string        // the local snapshot cache file; empty: none
	CatchUp       time.Duration // how often the change feed is listed
	SnapshotEvery time.Duration // how often a snapshot is written when something changed
}

// Cases is what the follower reads of the store.
type Cases interface {
	Case(ctx context.Context, id childmatch.ID) (*childmatch.Case, error)
	WalkCases(ctx context.Context, after childmatch.ID, fn func(*childmatch.Case) (bool, error)) error
}

// Follower owns the index: it is the childmatch.CaseIndex the services write through and search, and the
// childmatch.IndexStatus /healthz reads.
type Follower struct {
	index     childmatch.FaceIndex
	cases     Cases
	changes   childmatch.ChangeFeed    // nil: no other process; the index follows only this one's writes
	snapshots childmatch.SnapshotStore // nil: no snapshots
	cfg       Config
	log       *slog.Logger

	// locks serialise the index changes of one case (by the id's last, random byte), so the index applies
	// a case's writes and re-reads in the order they happened.
	locks   [256]sync.Mutex
	changed atomic.Bool // something changed since the last snapshot

	// The feed's state is the Run goroutine's (and Open's, before it); mu guards what other goroutines
	// read or add: the start figures and the cases to check again.
	cursor  childmatch.ID               // the next listing starts after this position
	applied map[childmatch.ID]time.Time // entries applied since cursor's moment, so none is applied twice
	mu      sync.Mutex
	recheck map[childmatch.ID]bool // own writes that failed, and so may or may not have landed
	start   childmatch.IndexStart
}

var (
	_ childmatch.CaseIndex   = (*Follower)(nil)
	_ childmatch.IndexStatus = (*Follower)(nil)
)

// New returns a follower of an empty index; call Open before serving. changes and snapshots may be nil.
func New(index childmatch.FaceIndex, cases Cases, changes childmatch.ChangeFeed, snapshots childmatch.SnapshotStore,
	cfg Config, log *slog.Logger) *Follower {
	return &Follower{index: index, cases: cases, changes: changes, snapshots: snapshots, cfg: cfg, log: log,
		applied: map[childmatch.ID]time.Time{}, recheck: map[childmatch.ID]bool{}}
}

// Search and SearchBatch search the index.
func (f *Follower) Search(q *childmatch.Descriptor, k int, filter childmatch.SearchFilter) []childmatch.Hit {
	return f.index.Search(q, k, filter)
}

func (f *Follower) SearchBatch(qs []childmatch.Descriptor, k int, filter childmatch.SearchFilter) [][]childmatch.Hit {
	return f.index.SearchBatch(qs, k, filter)
}

// Len is the number of faces in the index.
func (f *Follower) Len() int { return f.index.Len() }

// Bytes is the index's memory.
func (f *Follower) Bytes() int { return f.index.Bytes() }

// Started returns how the index came up.
func (f *Follower) Started() childmatch.IndexStart {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.start
}

// Write runs a write of a case record and applies what it wrote. A write that fails may still have
// landed (a put can fail after storing, or be cut by a deadline or a client leaving after MinIO stored
// it), so its case is read again at the next catch-up.
func (f *Follower) Write(id childmatch.ID, write func() (*childmatch.Case, error)) (*childmatch.Case, error) {
	l := &f.locks[id[15]]
	l.Lock()
	defer l.Unlock()
	c, err := write()
	if err != nil {
		if code := childmatch.ErrorCodeOf(err); code == childmatch.EUnavailable || code == childmatch.EInternal || code == childmatch.ECanceled {
			f.mu.Lock()
			f.recheck[id] = true
			f.mu.Unlock()
		}
		return nil, err
	}
	f.apply(id, c)
	return c, nil
}

// reindex brings one case in the index up to its stored record, read under the case's lock.
func (f *Follower) reindex(ctx context.Context, id childmatch.ID) error {
	l := &f.locks[id[15]]
	l.Lock()
	defer l.Unlock()
	c, err := f.cases.Case(ctx, id)
	switch {
	case childmatch.ErrorCodeOf(err) == childmatch.ENotFound:
		c = nil
	case err != nil:
		return err
	}
	f.apply(id, c)
	return nil
}

// apply makes the index hold the faces and filter columns of the record c of case id (nil: gone). Faces
// are only ever added to a case, so adding (which replaces a face already there) is enough.
func (f *Follower) apply(id childmatch.ID, c *childmatch.Case) {
	if c == nil {
		f.index.RemoveCase(id)
	} else {
		indexCase(f.index, c)
		f.index.SetCaseAttrs(c.ID, c.Attrs())
	}
	f.changed.Store(true)
}

// indexCase adds every face of the case and returns how many there are.
func indexCase(index childmatch.FaceIndex, c *childmatch.Case) int {
	attrs := c.Attrs()
	n := 0
	for _, p := range c.Photos {
		for i := range p.Faces {
			fc := &p.Faces[i]
			index.Add(childmatch.FaceRef{FaceID: fc.ID, CaseID: c.ID}, &fc.Descriptor, attrs)
			n++
		}
	}
	return n
}

// Open fills the index: from a snapshot plus the changes after it when it can, else from every record.
func (f *Follower) Open(ctx context.Context) (childmatch.IndexStart, error) {
	began := time.Now()
	st := childmatch.IndexStart{}
	pos, source, refused := f.loadSnapshot(ctx)
	st.Refused = refused
	if source == "" {
		pos = childmatch.IDAt(time.Now().Add(-childmatch.FeedOverlap))
		f.index.Clear()
		err := f.cases.WalkCases(ctx, childmatch.ID{}, func(c *childmatch.Case) (bool, error) {
			indexCase(f.index, c)
			return true, nil
		})
		if err != nil {
			return st, err
		}
		st.Source = "records"
	} else {
		st.Source = source
	}
	f.cursor, f.applied = pos, map[childmatch.ID]time.Time{}
	if f.changes != nil {
		replayed, err := f.catchUp(ctx)
		if err != nil {
			return st, err
		}
		st.Replayed = replayed
	}
	st.Faces, st.Took = f.index.Len(), time.Since(began)
	f.changed.Store(f.changed.Load() || st.Source != "local snapshot")
	f.mu.Lock()
	f.start = st
	f.mu.Unlock()
	return st, nil
}

// Run keeps the index current until ctx ends: cases named by the store's notifications are re-read at
// once, the change feed is listed every CatchUp, a snapshot written every SnapshotEvery when something
// changed. Failures are logged and retried at the next tick.
func (f *Follower) Run(ctx context.Context) {
	var watch <-chan childmatch.ID
	if f.changes != nil {
		watch = f.changes.WatchCases(ctx)
	}
	catchUp := time.NewTicker(f.cfg.CatchUp)
	defer catchUp.Stop()
	snapshot := time.NewTicker(f.cfg.SnapshotEvery)
	defer snapshot.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case id, ok := <-watch:
			if !ok {
				watch = nil // closed only when ctx ends
				continue
			}
			if err := f.reindex(ctx, id); err != nil && ctx.Err() == nil {
				f.log.Warn("re-reading a changed case", "case", id, "err", err)
			}
		case <-catchUp.C:
			if _, err := f.catchUp(ctx); err != nil && ctx.Err() == nil {
				f.log.Warn("listing the change feed", "err", err)
			}
		case <-snapshot.C:
			if err := f.Save(ctx); err != nil && ctx.Err() == nil {
				f.log.Warn("writing the index snapshot", "err", err)
			}
		}
	}
}

// catchUp re-reads the cases of other processes' change entries not applied yet, from the cursor on, and
// the cases of own writes that failed; it moves the cursor to FeedOverlap before now and returns how many
// cases it re-read.
func (f *Follower) catchUp(ctx context.Context) (int, error) {
	now := time.Now()
	f.mu.Lock()
	cases := f.recheck
	f.recheck = map[childmatch.ID]bool{}
	f.mu.Unlock()
	var entries []childmatch.ID
	if f.changes != nil {
		err := f.changes.ChangesAfter(ctx, f.cursor, func(ch childmatch.Change) error {
			if _, done := f.applied[ch.Entry]; done || ch.Mine {
				return nil
			}
			cases[ch.Case] = true
			if ch.Entry.Time().Before(now.Add(-childmatch.FeedSettle)) {
				entries = append(entries, ch.Entry)
			}
			return nil
		})
		if err != nil {
			f.keepRechecking(cases)
			return 0, err
		}
	}
	for id := range cases {
		if err := f.reindex(ctx, id); err != nil {
			f.keepRechecking(cases)
			return 0, err
		}
	}
	for _, e := range entries {
		f.applied[e] = e.Time()
	}
	cursor := childmatch.IDAt(now.Add(-childmatch.FeedOverlap))
	if string(cursor[:]) > string(f.cursor[:]) {
		f.cursor = cursor
	}
	for e, t := range f.applied {
		if t.Before(f.cursor.Time()) {
			delete(f.applied, e)
		}
	}
	return len(cases), nil
}

// keepRechecking puts cases back to be read at the next catch-up, after one failed.
func (f *Follower) keepRechecking(cases map[childmatch.ID]bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for id := range cases {
		f.recheck[id] = true
	}
}
