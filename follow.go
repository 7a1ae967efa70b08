package childmatch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// The index's life beyond one process (see README: Several replicas, Snapshots).
//
// At start the index loads the newest snapshot it can verify (the local cache file, else the one in the
// store) and then re-reads every case named in the change feed after the snapshot's position; with no
// usable snapshot it reads every case record. While serving it applies the cases the store's
// notifications name at once, and lists the change feed every CatchUp for what the notifications missed
// (a dropped stream, a restart of MinIO). Every SnapshotEvery, when something changed, it writes a
// snapshot to the local cache and the store.
//
// Positions are moments: a snapshot's position is IDAt(a time before it was taken, minus feedOverlap),
// so replaying from it re-reads every change that could be missing from it, including those of replicas
// whose clocks lag by less than feedOverlap.

const (
	// feedOverlap is how far back each listing of the change feed reaches behind the last one. It
	// covers clock differences between replicas and a change entry whose record is written later (the
	// entry precedes the record; a write finishes within the HTTP write timeout).
	feedOverlap = 10 * time.Minute
	// feedSettle is how old an entry must be before a listing counts it as applied: its record is written
	// right after it, so a listing that saw a younger entry might have read the record before the change,
	// and the next listing reads it again.
	feedSettle = 2 * time.Second
	// futureSkew is how far in the future a snapshot's position may lie before the snapshot is refused:
	// one from the future was written against another store, or by a clock gone wrong.
	futureSkew = time.Minute
)

// Follow configures how the index keeps current.
type Follow struct {
	LocalSnapshot string        // the local snapshot cache file; empty: none
	CatchUp       time.Duration // how often the change feed is listed
	SnapshotEvery time.Duration // how often a snapshot is written when something changed
}

// IndexStart says how the index came up, for the log and /healthz.
type IndexStart struct {
	Source   string        `json:"source"`            // "local snapshot", "store snapshot" or "records"
	Refused  []string      `json:"refused,omitempty"` // why snapshots were not used
	Faces    int           `json:"faces"`
	Replayed int           `json:"replayed_cases"`
	Took     time.Duration `json:"took_ns"`
}

// followState is what the follower keeps between listings. One goroutine runs the follower; the mutex
// guards what /healthz reads.
type followState struct {
	mu      sync.Mutex
	cursor  ID               // the next listing starts after this position
	applied map[ID]time.Time // entries applied since cursor's moment, so none is applied twice
	changed bool             // something changed since the last snapshot
	start   IndexStart
}

// OpenIndex fills the index: from a snapshot plus the changes after it when it can, else from every
// record.
func (s *Service) OpenIndex(ctx context.Context, f Follow) (IndexStart, error) {
	began := time.Now()
	st := IndexStart{}
	pos, source, refused := s.loadSnapshot(ctx, f.LocalSnapshot)
	st.Refused = refused
	if source == "" {
		pos = IDAt(time.Now().Add(-feedOverlap))
		n, err := s.Rebuild(ctx)
		if err != nil {
			return st, err
		}
		st.Source, st.Faces = "records", n
	} else {
		st.Source = source
	}
	s.follow.cursor, s.follow.applied = pos, map[ID]time.Time{}
	if s.changes != nil {
		replayed, err := s.catchUp(ctx)
		if err != nil {
			return st, err
		}
		st.Replayed = replayed
	}
	st.Faces, st.Took = s.index.Len(), time.Since(began)
	s.follow.changed = s.follow.changed || st.Source != "local snapshot"
	s.follow.mu.Lock()
	s.follow.start = st
	s.follow.mu.Unlock()
	return st, nil
}

// IndexStarted returns how the index came up.
func (s *Service) IndexStarted() IndexStart {
	s.follow.mu.Lock()
	defer s.follow.mu.Unlock()
	return s.follow.start
}

// IndexBytes returns the index's memory.
func (s *Service) IndexBytes() int { return s.index.Bytes() }

// loadSnapshot tries the local cache, then the store's snapshot. It returns the source used ("" for
// none) and why each refused one was refused.
func (s *Service) loadSnapshot(ctx context.Context, local string) (ID, string, []string) {
	var refused []string
	try := func(name string, open func() (io.ReadCloser, error)) (ID, bool) {
		r, err := open()
		if err != nil {
			if ErrorCodeOf(err) != ENotFound && !errors.Is(err, os.ErrNotExist) {
				refused = append(refused, fmt.Sprintf("%s: %v", name, err))
			}
			return ID{}, false
		}
		defer r.Close()
		pos, err := s.index.ReadSnapshot(r)
		if err == nil && pos.Time().After(time.Now().Add(futureSkew)) {
			err = fmt.Errorf("its position %s lies in the future: it belongs to another store", pos.Time().UTC().Format(time.RFC3339))
		}
		if err != nil {
			refused = append(refused, fmt.Sprintf("%s: %v", name, err))
			return ID{}, false
		}
		return pos, true
	}
	if local != "" {
		if pos, ok := try("local snapshot", func() (io.ReadCloser, error) {
			return os.Open(local)
		}); ok {
			return pos, "local snapshot", refused
		}
	}
	if s.snapshots != nil {
		if pos, ok := try("store snapshot", func() (io.ReadCloser, error) {
			return s.snapshots.OpenSnapshot(ctx)
		}); ok {
			return pos, "store snapshot", refused
		}
	}
	return ID{}, "", refused
}

// FollowChanges keeps the index current until ctx ends: cases named by the store's notifications are
// re-read at once, the change feed is listed every f.CatchUp, a snapshot written every f.SnapshotEvery
// when something changed. Failures are logged and retried at the next tick.
func (s *Service) FollowChanges(ctx context.Context, f Follow) {
	if s.changes == nil {
		return
	}
	watch := s.changes.WatchCases(ctx)
	catchUp := time.NewTicker(f.CatchUp)
	defer catchUp.Stop()
	snapshot := time.NewTicker(f.SnapshotEvery)
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
			if err := s.reindex(ctx, id); err != nil && ctx.Err() == nil {
				s.log.Warn("re-reading a changed case", "case", id, "err", err)
			}
		case <-catchUp.C:
			if _, err := s.catchUp(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("listing the change feed", "err", err)
			}
		case <-snapshot.C:
			if err := s.SaveIndex(ctx, f.LocalSnapshot); err != nil && ctx.Err() == nil {
				s.log.Warn("writing the index snapshot", "err", err)
			}
		}
	}
}

// reindex brings one case's faces and filter columns in the index up to its stored record. Faces are
// only ever added to a case, so adding (which replaces a face already there) is enough; a case that is
// gone leaves the index.
func (s *Service) reindex(ctx context.Context, id ID) error {
	c, err := s.store.Case(ctx, id)
	switch {
	case ErrorCodeOf(err) == ENotFound:
		s.index.RemoveCase(id)
	case err != nil:
		return err
	default:
		s.indexCase(c)
		s.index.SetCaseAttrs(c.ID, attrsOf(c))
	}
	s.follow.changed = true
	return nil
}

// catchUp re-reads the cases of change entries not applied yet, from the cursor on, and moves the
// cursor to feedOverlap before now. It returns how many cases it re-read.
func (s *Service) catchUp(ctx context.Context) (int, error) {
	now := time.Now()
	cases := map[ID]bool{}
	var entries []ID
	err := s.changes.ChangesAfter(ctx, s.follow.cursor, func(entry, caseID ID) error {
		if _, done := s.follow.applied[entry]; done {
			return nil
		}
		cases[caseID] = true
		if entry.Time().Before(now.Add(-feedSettle)) {
			entries = append(entries, entry)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for id := range cases {
		if err := s.reindex(ctx, id); err != nil {
			return 0, err
		}
	}
	for _, e := range entries {
		s.follow.applied[e] = e.Time()
	}
	cursor := IDAt(now.Add(-feedOverlap))
	if bytesAfter(cursor, s.follow.cursor) {
		s.follow.cursor = cursor
	}
	for e, t := range s.follow.applied {
		if t.Before(s.follow.cursor.Time()) {
			delete(s.follow.applied, e)
		}
	}
	return len(cases), nil
}

func bytesAfter(a, b ID) bool { return string(a[:]) > string(b[:]) }

// SaveIndex writes a snapshot of the index, when it changed since the last one or did not come from the
// local cache, to the local cache file (through a temporary file and a rename, so a crash never leaves
// half a snapshot under the name) and then to the store. Its position is the follower's cursor, so
// loading it replays everything that could be missing from it. Call it only while FollowChanges does
// not run (FollowChanges calls it itself).
func (s *Service) SaveIndex(ctx context.Context, local string) error {
	if local == "" || s.snapshots == nil || !s.follow.changed {
		return nil
	}
	pos := s.follow.cursor
	s.follow.changed = false
	tmp, err := os.CreateTemp(filepath.Dir(local), ".snapshot-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	if err := s.index.WriteSnapshot(tmp, pos); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	size, err := tmp.Seek(0, io.SeekCurrent)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), local); err != nil {
		return err
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return err
	}
	return s.snapshots.PutSnapshot(ctx, tmp, size)
}
