package inmem

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"childmatch"
)

// data is what the views of one store share, as the processes over one bucket share it.
type data struct {
	mu          sync.Mutex
	cases       map[childmatch.ID][]byte // JSON, so nothing a caller holds aliases the stored record
	blobs       map[childmatch.BlobKind]map[childmatch.ID]blob
	reviews     map[string][]byte
	users       map[childmatch.ID][]byte
	tokens      map[string][]byte // by hash
	sessions    map[string][]byte // by hash; made by the first CreateSession
	events      []childmatch.Event
	changes     []change
	snapshot    []byte
	catalog     []byte
	calibration []byte
	posts       map[childmatch.ID][]byte // made by the first CreatePost
	alerts      map[childmatch.ID][]byte // made by the first CreateAlert
	outbox      outbox                   // outbox.go
	refs        map[string]childmatch.ID // by source and reference hash; made by the first CreateRef
	push        map[childmatch.ID][]byte // by user; made by the first UpdatePushSubscriptions
	now         func() time.Time         // the store's clock, which stamps blobs; time.Now unless SetClock
}

type blob struct {
	data        []byte
	contentType string
	caseID      childmatch.ID
	written     time.Time
}

type change struct {
	entry, caseID childmatch.ID
	writer        *Store
}

// Store is one process's view of an in-memory store: it is a childmatch.Store, ReviewStore, UserStore,
// AuditLog, ChangeFeed and SnapshotStore at once, like minio.Store.
type Store struct {
	d *data
	// Fail, when set, is returned by every call that reaches the data: a store that is down.
	Fail error
	// BeforePut, when set, runs before each PutBlob reaches the data; its error fails the put.
	BeforePut func(kind childmatch.BlobKind) error
	reads     atomic.Int64
}

var (
	_ childmatch.Store            = (*Store)(nil)
	_ childmatch.ReviewStore      = (*Store)(nil)
	_ childmatch.UserStore        = (*Store)(nil)
	_ childmatch.SessionStore     = (*Store)(nil)
	_ childmatch.AuditLog         = (*Store)(nil)
	_ childmatch.ChangeFeed       = (*Store)(nil)
	_ childmatch.SnapshotStore    = (*Store)(nil)
	_ childmatch.CalibrationStore = (*Store)(nil)
	_ childmatch.PostStore        = (*Store)(nil)
	_ childmatch.AlertStore       = (*Store)(nil)
)

// New returns an empty store.
func New() *Store {
	return &Store{d: &data{cases: map[childmatch.ID][]byte{}, reviews: map[string][]byte{}, users: map[childmatch.ID][]byte{},
		tokens: map[string][]byte{}, blobs: map[childmatch.BlobKind]map[childmatch.ID]blob{
			childmatch.BlobPhoto: {}, childmatch.BlobChip: {}}, now: time.Now}}
}

// SetClock sets the clock that stamps the blobs written from now on, in every view of the store.
func (s *Store) SetClock(now func() time.Time) {
	s.d.mu.Lock()
	defer s.d.mu.Unlock()
	s.d.now = now
}

// Another returns a second view of the same data, as another process over the same bucket would have:
// its change entries are not marked as this one's.
func (s *Store) Another() *Store { return &Store{d: s.d} }

func (s *Store) lock() error {
	if s.Fail != nil {
		return s.Fail
	}
	s.d.mu.Lock()
	return nil
}

func (s *Store) unlock() { s.d.mu.Unlock() }

func encode(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("inmem: " + err.Error())
	}
	return b
}

func decode[T any](b []byte) *T {
	v := new(T)
	if err := json.Unmarshal(b, v); err != nil {
		panic("inmem: " + err.Error())
	}
	return v
}

func notFound(what string) error {
	return childmatch.Errorf(childmatch.ENotFound, "%s does not exist", what)
}

func (s *Store) Ping(context.Context) error { return s.Fail }

// markChange records the change entry that precedes a write of a case record. Call it locked.
func (s *Store) markChange(id childmatch.ID) {
	s.d.changes = append(s.d.changes, change{entry: childmatch.NewID(), caseID: id, writer: s})
}

func (s *Store) CreateCase(_ context.Context, c *childmatch.Case) error {
	if err := s.lock(); err != nil {
		return err
	}
	defer s.unlock()
	if _, ok := s.d.cases[c.ID]; ok {
		return childmatch.Errorf(childmatch.EConflict, "case %s exists", c.ID)
	}
	s.markChange(c.ID)
	s.d.cases[c.ID] = encode(c)
	return nil
}

func (s *Store) Case(_ context.Context, id childmatch.ID) (*childmatch.Case, error) {
	if err := s.lock(); err != nil {
		return nil, err
	}
	defer s.unlock()
	s.reads.Add(1)
	b, ok := s.d.cases[id]
	if !ok {
		return nil, notFound("case " + id.String())
	}
	return decode[childmatch.Case](b), nil
}

// Reads counts the case records read one by one (Case) through this view.
func (s *Store) Reads() int64 { return s.reads.Load() }

// UpdateCase runs fn outside the lock, as MinIO's conditional write does (fn may wait on other calls of the
// store), and writes only if the record is still the one fn was given, redoing fn otherwise.
func (s *Store) UpdateCase(_ context.Context, id childmatch.ID, fn func(*childmatch.Case) error) (*childmatch.Case, error) {
	for attempt := 0; attempt < childmatch.UpdateAttempts; attempt++ {
		if err := s.lock(); err != nil {
			return nil, err
		}
		b, ok := s.d.cases[id]
		s.unlock()
		if !ok {
			return nil, notFound("case " + id.String())
		}
		c := decode[childmatch.Case](b)
		if err := fn(c); err != nil {
			return nil, err
		}
		if err := s.lock(); err != nil {
			return nil, err
		}
		if now, ok := s.d.cases[id]; ok && bytes.Equal(now, b) {
			s.markChange(id)
			s.d.cases[id] = encode(c)
			defer s.unlock()
			return decode[childmatch.Case](s.d.cases[id]), nil
		}
		s.unlock()
	}
	return nil, childmatch.Errorf(childmatch.EConflict, "case %s changed too often at once, try again", id)
}

func (s *Store) DeleteCase(_ context.Context, id childmatch.ID) error {
	if err := s.lock(); err != nil {
		return err
	}
	defer s.unlock()
	if _, ok := s.d.cases[id]; !ok {
		return notFound("case " + id.String())
	}
	s.markChange(id)
	delete(s.d.cases, id)
	return nil
}

func (s *Store) WalkCases(_ context.Context, after childmatch.ID, fn func(*childmatch.Case) (bool, error)) error {
	if err := s.lock(); err != nil {
		return err
	}
	ids := make([]childmatch.ID, 0, len(s.d.cases))
	for id := range s.d.cases {
		if string(id[:]) > string(after[:]) {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return string(ids[i][:]) < string(ids[j][:]) })
	records := make([][]byte, len(ids))
	for i, id := range ids {
		records[i] = s.d.cases[id]
	}
	s.unlock()
	for _, b := range records {
		if more, err := fn(decode[childmatch.Case](b)); err != nil || !more {
			return err
		}
	}
	return nil
}

func (s *Store) PutBlob(_ context.Context, kind childmatch.BlobKind, id, caseID childmatch.ID, contentType string, b []byte) error {
	if s.BeforePut != nil {
		if err := s.BeforePut(kind); err != nil {
			return err
		}
	}
	if err := s.lock(); err != nil {
		return err
	}
	defer s.unlock()
	s.d.blobs[kind][id] = blob{data: bytes.Clone(b), contentType: contentType, caseID: caseID, written: s.d.now()}
	return nil
}

func (s *Store) Blob(_ context.Context, kind childmatch.BlobKind, id childmatch.ID) (*childmatch.Blob, error) {
	if err := s.lock(); err != nil {
		return nil, err
	}
	defer s.unlock()
	b, ok := s.d.blobs[kind][id]
	if !ok {
		return nil, notFound(string(kind) + " " + id.String())
	}
	return &childmatch.Blob{ReadCloser: io.NopCloser(bytes.NewReader(b.data)), Size: int64(len(b.data)),
		ContentType: b.contentType, CaseID: b.caseID}, nil
}

func (s *Store) DeleteBlob(_ context.Context, kind childmatch.BlobKind, id childmatch.ID) error {
	if err := s.lock(); err != nil {
		return err
	}
	defer s.unlock()
	delete(s.d.blobs[kind], id)
	return nil
}

// WalkBlobs lists the blobs of a kind, in id order.
func (s *Store) WalkBlobs(_ context.Context, kind childmatch.BlobKind, fn func(childmatch.BlobInfo) error) error {
	if err := s.lock(); err != nil {
		return err
	}
	infos := make([]childmatch.BlobInfo, 0, len(s.d.blobs[kind]))
	for id, b := range s.d.blobs[kind] {
		infos = append(infos, childmatch.BlobInfo{Kind: kind, ID: id, CaseID: b.caseID, Written: b.written})
	}
	s.unlock()
	sort.Slice(infos, func(i, j int) bool { return string(infos[i].ID[:]) < string(infos[j].ID[:]) })
	for _, b := range infos {
		if err := fn(b); err != nil {
			return err
		}
	}
	return nil
}

// Blobs counts the stored blobs of a kind.
func (s *Store) Blobs(kind childmatch.BlobKind) int {
	s.d.mu.Lock()
	defer s.d.mu.Unlock()
	return len(s.d.blobs[kind])
}
