package childmatch

import (
	"context"
	"io"
)

// SnapshotStore keeps the newest index snapshot, and the lists' catalog saved with it, where every
// process can read them.
type SnapshotStore interface {
	PutSnapshot(ctx context.Context, r io.Reader, size int64) error
	// OpenSnapshot opens the newest snapshot; ENotFound when there is none.
	OpenSnapshot(ctx context.Context) (io.ReadCloser, error)
	PutCatalog(ctx context.Context, r io.Reader, size int64) error
	// OpenCatalog opens the newest catalog snapshot; ENotFound when there is none.
	OpenCatalog(ctx context.Context) (io.ReadCloser, error)
}

// Snapshotter is what an index offers to be saved and loaded; index.Index implements it.
type Snapshotter interface {
	WriteSnapshot(w io.Writer, position ID) error
	// ReadSnapshot replaces the index's contents and returns the snapshot's position; on error the index
	// keeps what it had.
	ReadSnapshot(r io.Reader) (ID, error)
}
