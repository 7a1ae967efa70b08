package childmatch

import (
	"context"
	"io"
	"time"
)

// BlobKind says which kind of immutable object a blob is.
type BlobKind string

const (
	BlobPhoto BlobKind = "photos" // an upload, byte for byte
	BlobChip  BlobKind = "faces"  // an aligned face chip, JPEG
)

// Blob is an immutable stored object being read.
type Blob struct {
	io.ReadCloser
	Size        int64
	ContentType string
	CaseID      ID // the case the blob belongs to, so a read can be authorised and audited
}

// Store keeps case records and their photos. Implementations must be strictly consistent
// (read-after-write) and must make UpdateCase atomic against concurrent updates of the same case.
//
// Every method returns an *Error with code ENotFound for a missing record or blob and EUnavailable when the
// backing service cannot be reached.
type Store interface {
	Pinger
	// CreateCase writes a new case record; it fails with EConflict if a record with its ID exists.
	CreateCase(ctx context.Context, c *Case) error
	// Case reads one case record.
	Case(ctx context.Context, id ID) (*Case, error)
	// UpdateCase reads the case, applies fn and writes it back only if nobody changed it meanwhile,
	// retrying with fresh state otherwise. fn may run several times; an error from fn aborts the update.
	UpdateCase(ctx context.Context, id ID, fn func(*Case) error) (*Case, error)
	// DeleteCase removes a case record; its blobs are removed separately, after it.
	DeleteCase(ctx context.Context, id ID) error
	// WalkCases calls fn for every case with an ID after the given one (zero: from the start) in ID order,
	// that is creation order, until fn returns false or an error.
	WalkCases(ctx context.Context, after ID, fn func(*Case) (bool, error)) error
	// PutBlob stores an immutable blob of a case under a fresh server-made ID.
	PutBlob(ctx context.Context, kind BlobKind, id, caseID ID, contentType string, data []byte) error
	// Blob opens a stored blob; the caller closes it.
	Blob(ctx context.Context, kind BlobKind, id ID) (*Blob, error)
	// DeleteBlob removes a blob; removing one that does not exist is not an error.
	DeleteBlob(ctx context.Context, kind BlobKind, id ID) error
	// WalkBlobs calls fn for every stored blob of a kind, in no promised order, until fn returns an error.
	WalkBlobs(ctx context.Context, kind BlobKind, fn func(BlobInfo) error) error
}

// BlobInfo is what a listing tells of a stored blob, enough for the sweeper (service.Sweep) to judge it
// without reading it.
type BlobInfo struct {
	Kind    BlobKind
	ID      ID
	CaseID  ID        // the case it was stored for (PutBlob's caseID); zero when the store cannot tell
	Written time.Time // when the store wrote it, by the store's clock
}

// Pinger is a dependency that can say whether it is reachable (the store, for /healthz).
type Pinger interface {
	Ping(ctx context.Context) error
}
