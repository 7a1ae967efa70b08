package childmatch

import (
	"context"
	"io"
)

// ChangeFeed tells the index which cases changed, so that a restart loads a snapshot plus what changed
// after it, and several service processes over one store stay current.
//
// Every write of a case record is preceded by a change entry naming the case (the store writes it, so
// no path can forget). Entries are IDs, so time-ordered; a position in the feed is an ID too, usually
// IDAt of a moment, and means "every entry made after that moment".
type ChangeFeed interface {
	// ChangesAfter calls fn for each change entry after the given one (zero: from the start), oldest
	// first, until fn returns an error.
	ChangesAfter(ctx context.Context, after ID, fn func(entry, caseID ID) error) error
	// WatchCases delivers the ids of cases whose records were written or removed by any process, as
	// the store announces them, until ctx ends or the watch breaks (the channel is then closed).
	WatchCases(ctx context.Context) <-chan ID
}

// SnapshotStore keeps the newest index snapshot where every process can read it.
type SnapshotStore interface {
	PutSnapshot(ctx context.Context, r io.Reader, size int64) error
	// OpenSnapshot opens the newest snapshot; ENotFound when there is none.
	OpenSnapshot(ctx context.Context) (io.ReadCloser, error)
}

// Snapshotter is what an index offers to be saved and loaded; index.Index implements it.
type Snapshotter interface {
	WriteSnapshot(w io.Writer, position ID) error
	// ReadSnapshot replaces the index's contents and returns the snapshot's position; on error the index
	// keeps what it had.
	ReadSnapshot(r io.Reader) (ID, error)
}
