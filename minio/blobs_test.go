package minio_test

import (
	"bytes"
	"context"
	"io"
	"sync/atomic"
	"testing"
	"time"

	"childmatch"
	"childmatch/minio"
	"childmatch/minio/miniotest"
)

// TestWalkBlobs: the listing tells each blob's id, kind, the case it was stored for and when MinIO wrote it,
// and a zero case for a blob stored for none.
func TestWalkBlobs(t *testing.T) {
	s, _ := open(t)
	ctx := context.Background()
	photo, chip, stray, caseID := childmatch.NewID(), childmatch.NewID(), childmatch.NewID(), childmatch.NewID()
	before := time.Now()
	for _, b := range []struct {
		kind       childmatch.BlobKind
		id, caseID childmatch.ID
	}{{childmatch.BlobPhoto, photo, caseID}, {childmatch.BlobChip, chip, caseID}, {childmatch.BlobPhoto, stray, childmatch.ID{}}} {
		if err := s.PutBlob(ctx, b.kind, b.id, b.caseID, "image/jpeg", []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	after := time.Now()
	got := map[childmatch.ID]childmatch.BlobInfo{}
	for _, kind := range []childmatch.BlobKind{childmatch.BlobPhoto, childmatch.BlobChip} {
		if err := s.WalkBlobs(ctx, kind, func(b childmatch.BlobInfo) error { got[b.ID] = b; return nil }); err != nil {
			t.Fatal(err)
		}
	}
	if len(got) != 3 || got[photo].CaseID != caseID || got[chip].CaseID != caseID || got[chip].Kind != childmatch.BlobChip ||
		got[photo].Kind != childmatch.BlobPhoto || !got[stray].CaseID.IsZero() {
		t.Fatalf("listed %+v", got)
	}
	for id, b := range got {
		// MinIO's clock is this machine's; its times are kept to the millisecond.
		if b.Written.Before(before.Add(-time.Second)) || b.Written.After(after.Add(time.Second)) {
			t.Errorf("blob %s written at %v, between %v and %v", id, b.Written, before, after)
		}
	}
}

// TestStalledMinIO: with MinIO paused (a stalled server, not a dead one: connections are accepted, nothing
// answers), every call answers EUnavailable after its call timeout, while MinIO is still paused, and so does
// a blob whose bytes stop coming; once MinIO resumes, the store works again.
func TestStalledMinIO(t *testing.T) {
	const timeout = 500 * time.Millisecond
	s, srv := withTimeout(t, timeout)
	ctx := context.Background()
	c := newCase(childmatch.KindMissing)
	if err := s.CreateCase(ctx, c); err != nil {
		t.Fatal(err)
	}
	// The setup's put goes through a store with the default timeout: 40 MB under the race detector on a
	// busy machine can take longer than the short one, and only the stalled calls below are under test.
	setup, err := minio.Open(ctx, minio.Config{Endpoint: srv.Endpoint, AccessKey: srv.AccessKey,
		SecretKey: srv.SecretKey, Bucket: srv.Bucket})
	if err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte("childmatch"), 4<<20) // 40 MB: more than the sockets buffer
	blobID := childmatch.NewID()
	if err := setup.PutBlob(ctx, childmatch.BlobPhoto, blobID, c.ID, "image/jpeg", big); err != nil {
		t.Fatal(err)
	}
	b, err := s.Blob(ctx, childmatch.BlobPhoto, blobID)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, err := io.ReadFull(b, make([]byte, 1)); err != nil {
		t.Fatal(err)
	}

	// The resume is far later than any call timeout: a call that waited for MinIO would return after it.
	srv.Pause()
	var resumed atomic.Bool
	resume := time.AfterFunc(time.Minute, func() { resumed.Store(true); srv.Resume() })
	defer func() {
		if resume.Stop() {
			srv.Resume()
		}
	}()
	for _, tc := range []struct {
		name string
		do   func() error
	}{
		{"ping", func() error { return s.Ping(ctx) }},
		{"read", func() error { _, err := s.Case(ctx, c.ID); return err }},
		{"update", func() error {
			_, err := s.UpdateCase(ctx, c.ID, func(*childmatch.Case) error { return nil })
			return err
		}},
		{"put blob", func() error {
			return s.PutBlob(ctx, childmatch.BlobPhoto, childmatch.NewID(), c.ID, "image/jpeg", []byte("x"))
		}},
		{"delete blob", func() error { return s.DeleteBlob(ctx, childmatch.BlobPhoto, childmatch.NewID()) }},
		{"walk cases", func() error {
			return s.WalkCases(ctx, childmatch.ID{}, func(*childmatch.Case) (bool, error) { return true, nil })
		}},
		{"walk blobs", func() error {
			return s.WalkBlobs(ctx, childmatch.BlobPhoto, func(childmatch.BlobInfo) error { return nil })
		}},
		{"change feed", func() error {
			return s.ChangesAfter(ctx, childmatch.ID{}, func(childmatch.Change) error { return nil })
		}},
		{"open blob", func() error { _, err := s.Blob(ctx, childmatch.BlobPhoto, blobID); return err }},
		{"blob's bytes", func() error { _, err := io.Copy(io.Discard, b); return err }},
	} {
		start := time.Now()
		err := tc.do()
		took := time.Since(start)
		if tc.name == "blob's bytes" {
			if err == nil || resumed.Load() {
				t.Errorf("%s: %v after %v (resumed: %v), want an error while paused", tc.name, err, took, resumed.Load())
			}
			continue
		}
		if childmatch.ErrorCodeOf(err) != childmatch.EUnavailable || resumed.Load() {
			t.Errorf("%s: %v after %v (resumed: %v), want unavailable while paused", tc.name, err, took, resumed.Load())
		}
		t.Logf("%s: unavailable after %v", tc.name, took.Round(time.Millisecond))
	}
	if resume.Stop() {
		srv.Resume()
	}
	got, err := s.Case(ctx, c.ID)
	if err != nil || got.ID != c.ID {
		t.Fatalf("after MinIO resumed: %v %v", got, err)
	}
}

// TestSlowWalker: a walk whose caller takes longer than the call timeout over each record (a dedupe pass
// weighs a batch of cases inside one walk) is not cut as stalled: the deadline is MinIO's, not the caller's.
func TestSlowWalker(t *testing.T) {
	const timeout = 300 * time.Millisecond
	s, _ := withTimeout(t, timeout)
	ctx := context.Background()
	for range 3 {
		if err := s.CreateCase(ctx, newCase(childmatch.KindMissing)); err != nil {
			t.Fatal(err)
		}
	}
	walked := 0
	err := s.WalkCases(ctx, childmatch.ID{}, func(*childmatch.Case) (bool, error) {
		walked++
		time.Sleep(2 * timeout)
		return true, nil
	})
	if err != nil || walked != 3 {
		t.Errorf("a walk taking %v over each of 3 records: %d walked, %v", 2*timeout, walked, err)
	}
}

// withTimeout is a store over a MinIO of its own whose calls time out after timeout.
func withTimeout(t *testing.T, timeout time.Duration) (*minio.Store, *miniotest.Server) {
	t.Helper()
	return openWith(t, func(c *minio.Config) { c.CallTimeout = timeout })
}
