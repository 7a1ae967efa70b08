package follow

import (
	"cmp"
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"childmatch"
	"childmatch/metrics"
)

// Config says how the index keeps current.
type Config struct {
	LocalSnapshot string        // the local snapshot cache file; empty: none
	CatchUp       time.Duration // how often the change feed is listed
	SnapshotEvery time.Duration // how often a snapshot is written when something changed
	// Settle is how old a change entry must be before its record surely landed: the longest a write may
	// take after its entry (the request deadline) and the replicas' clock difference; 0: FeedSettle.
	Settle time.Duration
	// Checkpoints are the ages at which an unsettled entry's case is read again; nil: FeedCheckpoints.
	Checkpoints []time.Duration
	// Models are the indexes of the face models beside dlib, by Embedder.Name (index.Flat). Snapshots hold
	// dlib's index only: with a snapshot, Open fills these from the records (README: face models).
	Models map[string]childmatch.ModelIndex
}

// Cases is what the follower reads of the store: the case records, and the review items the catalog
// keeps beside them.
type Cases interface {
	Case(ctx context.Context, id childmatch.ID) (*childmatch.Case, error)
	WalkCases(ctx context.Context, after childmatch.ID, fn func(*childmatch.Case) (bool, error)) error
	WalkReviews(ctx context.Context, fn func(*childmatch.Review) (bool, error)) error
	Review(ctx context.Context, id string) (*childmatch.Review, error)
	// ReviewsOf reads the review items of one case.
	ReviewsOf(ctx context.Context, id childmatch.ID) ([]*childmatch.Review, error)
}

// Follower owns the index: it is the childmatch.CaseIndex the services write through and search, and the
// childmatch.IndexStatus /healthz reads. It keeps the lists' catalog beside the index (childmatch.Catalog:
// a row per case and every review item) from the same writes and re-reads, and saves it with the index.
type Follower struct {
	*catalog
	index     childmatch.FaceIndex
	cases     Cases
	changes   childmatch.ChangeFeed    // nil: no other process; the index follows only this one's writes
	snapshots childmatch.SnapshotStore // nil: no snapshots
	cfg       Config
	log       *slog.Logger

	// locks serialise the index changes of one case (by the id's last, random byte), so the index applies
	// a case's writes and re-reads in the order they happened.
	locks [256]sync.Mutex
	// reviewLocks do the same for the catalog's review items, by the pair key's last hex digit.
	reviewLocks [16]sync.Mutex
	changed     atomic.Bool // something changed since the last snapshot

	// The feed's state is the Run goroutine's (and Open's, before it); mu guards what other goroutines
	// read or add: the start figures and the cases to check again.
	cursor  childmatch.ID               // the next listing starts after this position
	applied map[childmatch.ID]time.Time // entries settled since cursor's moment, so none is read again
	stages  map[childmatch.ID]int       // entries listed but not settled: the checkpoints they were read at
	mu      sync.Mutex
	recheck map[childmatch.ID]*doubt // own writes that failed, and so may or may not land
	start   childmatch.IndexStart
}

var (
	_ childmatch.CaseIndex   = (*Follower)(nil)
	_ childmatch.IndexStatus = (*Follower)(nil)
	_ childmatch.Catalog     = (*Follower)(nil)
)

// New returns a follower of an empty index; call Open before serving. changes and snapshots may be nil.
func New(index childmatch.FaceIndex, cases Cases, changes childmatch.ChangeFeed, snapshots childmatch.SnapshotStore,
	cfg Config, log *slog.Logger) *Follower {
	if cfg.Settle <= 0 {
		cfg.Settle = childmatch.FeedSettle
	}
	if cfg.Checkpoints == nil {
		cfg.Checkpoints = childmatch.FeedCheckpoints[:]
	}
	return &Follower{catalog: newCatalog(), index: index, cases: cases, changes: changes, snapshots: snapshots, cfg: cfg, log: log,
		applied: map[childmatch.ID]time.Time{}, stages: map[childmatch.ID]int{}, recheck: map[childmatch.ID]*doubt{}}
}

// Search and SearchBatch search the index.
func (f *Follower) Search(q *childmatch.Descriptor, k int, filter childmatch.SearchFilter) []childmatch.Hit {
	defer metrics.SearchDone(filter.Kinds, time.Now())
	return f.index.Search(q, k, filter)
}

func (f *Follower) SearchBatch(qs []childmatch.Descriptor, k int, filter childmatch.SearchFilter) [][]childmatch.Hit {
	defer metrics.SearchDone(filter.Kinds, time.Now())
	return f.index.SearchBatch(qs, k, filter)
}

// SearchModel searches a face model's index; nil when there is none of that name or a query does not fit.
func (f *Follower) SearchModel(model string, qs [][]float32, k int, filter childmatch.SearchFilter) [][]childmatch.Hit {
	ix := f.cfg.Models[model]
	if ix == nil {
		return nil
	}
	hits, err := ix.SearchBatch(qs, k, filter)
	if err != nil {
		return nil
	}
	return hits
}

// Len is the number of faces in the index.
func (f *Follower) Len() int { return f.index.Len() }

// ModelLens is the number of faces in each model's index; nil when there is none.
func (f *Follower) ModelLens() map[string]int {
	var out map[string]int
	for name, ix := range f.cfg.Models {
		if out == nil {
			out = map[string]int{}
		}
		out[name] = ix.Len()
	}
	return out
}

// Bytes is the memory of the index and the models' indexes.
func (f *Follower) Bytes() int {
	n := f.index.Bytes()
	for _, ix := range f.cfg.Models {
		n += ix.Bytes()
	}
	return n
}

// Started returns how the index came up.
func (f *Follower) Started() childmatch.IndexStart {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.start
}

// Write runs a write of a case record and applies what it wrote. A write that fails may still have
// landed, or land later (a put can fail after storing, or be cut by a deadline or a client leaving while
// MinIO stores it), so its case is read again at each read checkpoint until it has settled.
func (f *Follower) Write(id childmatch.ID, write func() (*childmatch.Case, error)) (*childmatch.Case, error) {
	l := &f.locks[id[15]]
	l.Lock()
	defer l.Unlock()
	c, err := write()
	if err != nil {
		if code := childmatch.ErrorCodeOf(err); code == childmatch.EUnavailable || code == childmatch.EInternal || code == childmatch.ECanceled {
			f.mu.Lock()
			if f.recheck[id] == nil {
				f.recheck[id] = &doubt{since: time.Now()}
			}
			f.mu.Unlock()
		}
		return nil, err
	}
	f.apply(id, c)
	return c, nil
}

// WriteReview runs a write of a review item and brings the catalog up to what it wrote. Writes of one
// item are applied one at a time, in the order they happened.
func (f *Follower) WriteReview(id string, write func() (*childmatch.Review, error)) (*childmatch.Review, error) {
	l := &f.reviewLocks[reviewLock(id)]
	l.Lock()
	defer l.Unlock()
	r, err := write()
	if err != nil {
		return nil, err
	}
	if r == nil {
		f.removeReview(id)
	} else {
		f.putReview(r)
	}
	f.changed.Store(true)
	return r, nil
}

func reviewLock(id string) int {
	if id == "" {
		return 0
	}
	return int(id[len(id)-1] % 16)
}

// reindex brings one case in the index and the catalog up to its stored record, and its review items
// in the catalog up to theirs, read under the case's lock. A review item is written by the process that
// proposed or decided it after the case record that caused it (an upload adds the photo first, a
// decision relinks both cases after), so re-reading the case at its entry's checkpoints finds it.
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
	rs, err := f.cases.ReviewsOf(ctx, id)
	if err != nil {
		return err
	}
	f.apply(id, c)
	stored := map[string]bool{}
	for _, r := range rs {
		stored[r.ID] = true
		f.putReview(r)
	}
	// An item the catalog knows that the listing did not name is read by its id: gone, or an item from
	// before the markers (ReviewsOf finds those only by prefix).
	for _, known := range f.reviewsOf(id) {
		if stored[known] {
			continue
		}
		r, err := f.cases.Review(ctx, known)
		switch {
		case childmatch.ErrorCodeOf(err) == childmatch.ENotFound:
			f.removeReview(known)
		case err != nil:
			return err
		default:
			f.putReview(r)
		}
	}
	return nil
}

// apply makes the index hold the faces and filter columns of the record c of case id (nil: gone), and
// the catalog its row. Faces are only ever added to a case, so adding (which replaces a face already
// there) is enough.
func (f *Follower) apply(id childmatch.ID, c *childmatch.Case) {
	if c == nil {
		f.index.RemoveCase(id)
		for _, ix := range f.cfg.Models {
			ix.RemoveCase(id)
		}
		f.removeCase(id)
	} else {
		f.indexCase(c, true)
		f.index.SetCaseAttrs(c.ID, c.Attrs())
		for _, ix := range f.cfg.Models {
			ix.SetCaseAttrs(c.ID, c.Attrs())
		}
		f.putCase(c)
	}
	f.changed.Store(true)
}

// indexCase adds every face of the case to the models' indexes, and to dlib's if withDlib. A face
// without a model's vector (enrolled before the model was configured) is in dlib's index only; a vector
// the model's index refuses (another dimension: the model was swapped under its name) is logged.
func (f *Follower) indexCase(c *childmatch.Case, withDlib bool) {
	attrs := c.Attrs()
	for _, p := range c.Photos {
		for i := range p.Faces {
			fc := &p.Faces[i]
			ref := childmatch.FaceRef{FaceID: fc.ID, CaseID: c.ID}
			if withDlib {
				f.index.Add(ref, &fc.Descriptor, attrs)
			}
			for name, ix := range f.cfg.Models {
				if v, ok := fc.Embeddings[name]; ok {
					if err := ix.Add(ref, v, attrs); err != nil {
						f.log.Warn("a face's vector does not fit its model's index", "model", name, "face", fc.ID, "err", err)
					}
				}
			}
		}
	}
}

// Open fills the index: from a snapshot plus the changes after it when it can, else from every record.
func (f *Follower) Open(ctx context.Context) (childmatch.IndexStart, error) {
	began := time.Now()
	st := childmatch.IndexStart{}
	pos, source, refused, rebuild := f.loadSnapshot(ctx)
	st.Refused = refused
	if source == "" {
		pos = childmatch.IDAt(time.Now().Add(-childmatch.FeedOverlap))
		f.index.Clear()
	}
	if source == "" || rebuild || len(f.cfg.Models) > 0 {
		// The models' indexes are in no snapshot; the catalog is, unless it is missing or stale.
		catalog := source == "" || rebuild
		for _, ix := range f.cfg.Models {
			ix.Clear()
		}
		if catalog {
			f.catalog.clear()
		}
		err := f.cases.WalkCases(ctx, childmatch.ID{}, func(c *childmatch.Case) (bool, error) {
			f.indexCase(c, source == "")
			if catalog {
				f.putCase(c)
			}
			return true, nil
		})
		if err == nil && catalog {
			err = f.cases.WalkReviews(ctx, func(r *childmatch.Review) (bool, error) {
				f.putReview(r)
				return true, nil
			})
		}
		if err != nil {
			return st, err
		}
	}
	if st.Source = source; source == "" {
		st.Source = "records"
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
	f.changed.Store(f.changed.Load() || st.Source != "local snapshot" || rebuild)
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

// doubt is an own write that failed: since when, and the read checkpoints it was read at.
type doubt struct {
	since time.Time
	stage int
}

// stage is how many read checkpoints an entry of the given age has passed. A record lands within the
// write that made its entry, which a request's deadline bounds; until then a listing may read it before
// it changed, so the case is read again as each checkpoint passes (a handful of reads an entry, however
// often the feed is listed), and the entry settles at the last one.
func (f *Follower) stage(age time.Duration) int {
	n := 0
	for _, at := range f.cfg.Checkpoints {
		if age >= at && at < f.cfg.Settle {
			n++
		}
	}
	if age >= f.cfg.Settle {
		n++
	}
	return n
}

// settled is the stage of an entry past every checkpoint.
func (f *Follower) settled() int { return f.stage(f.cfg.Settle) }

// catchUp re-reads the cases of other processes' change entries as their read checkpoints pass, from the
// cursor on, and the cases of own writes that failed; it moves the cursor to FeedOverlap before now and
// returns how many cases it re-read.
func (f *Follower) catchUp(ctx context.Context) (int, error) {
	now := time.Now()
	cases := map[childmatch.ID]bool{}
	stages := map[childmatch.ID]int{}
	f.mu.Lock()
	doubts := map[childmatch.ID]int{}
	for id, d := range f.recheck {
		if st := f.stage(now.Sub(d.since)); st > d.stage || d.stage == 0 {
			cases[id], doubts[id] = true, st
		}
	}
	f.mu.Unlock()
	if f.changes != nil {
		err := f.changes.ChangesAfter(ctx, f.cursor, func(ch childmatch.Change) error {
			if _, done := f.applied[ch.Entry]; done || ch.Mine {
				return nil
			}
			st := f.stage(now.Sub(ch.Entry.Time()))
			if last, seen := f.stages[ch.Entry]; !seen || st > last {
				cases[ch.Case], stages[ch.Entry] = true, st
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
	}
	// The cases are read FanoutWriters at once (reindex locks each one): after a bulk import, a process
	// that starts reads every case of the last FeedOverlap again, and one at a time that was most of a
	// dedupe command's start (BenchmarkDedupeMinIO).
	var failed error
	var mu sync.Mutex
	slots := make(chan struct{}, childmatch.FanoutWriters)
	var wg sync.WaitGroup
	for id := range cases {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			if err := f.reindex(ctx, id); err != nil {
				mu.Lock()
				failed = cmp.Or(failed, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if failed != nil {
		return 0, failed // nothing was marked read: the next catch-up reads them all again
	}
	for e, st := range stages {
		if st >= f.settled() {
			f.applied[e] = e.Time()
			delete(f.stages, e)
		} else {
			f.stages[e] = st
		}
	}
	f.mu.Lock()
	for id, st := range doubts {
		if d := f.recheck[id]; d != nil {
			if d.stage = st; st >= f.settled() {
				delete(f.recheck, id)
			} else if st == 0 {
				d.stage = -1 // read once at once; the checkpoints follow
			}
		}
	}
	f.mu.Unlock()
	cursor := childmatch.IDAt(now.Add(-childmatch.FeedOverlap))
	if string(cursor[:]) > string(f.cursor[:]) {
		f.cursor = cursor
	}
	for e, t := range f.applied {
		if t.Before(f.cursor.Time()) {
			delete(f.applied, e)
		}
	}
	for e := range f.stages {
		if e.Time().Before(f.cursor.Time()) {
			delete(f.stages, e)
		}
	}
	return len(cases), nil
}
