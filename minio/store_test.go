package minio_test

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"childmatch"
	"childmatch/minio"
	"childmatch/minio/miniotest"
)

func open(t testing.TB) (*minio.Store, *miniotest.Server) {
	t.Helper()
	return openWith(t, func(c *minio.Config) { c.Encrypt = true })
}

// openWith is a store over a MinIO of its own, configured by edit.
func openWith(t testing.TB, edit func(*minio.Config)) (*minio.Store, *miniotest.Server) {
	t.Helper()
	srv := miniotest.Start(t)
	cfg := minio.Config{Endpoint: srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, Bucket: srv.Bucket}
	edit(&cfg)
	s, err := minio.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s, srv
}

func newCase(kind childmatch.Kind) *childmatch.Case {
	return &childmatch.Case{ID: childmatch.NewID(), CaseDetails: childmatch.CaseDetails{Kind: kind}, Status: childmatch.StatusOpen}
}

func TestCaseRecords(t *testing.T) {
	s, _ := open(t)
	ctx := context.Background()
	c := newCase(childmatch.KindMissing)
	c.Child.Name = "Asha"
	if err := s.CreateCase(ctx, c); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		do   func() error
		code childmatch.ErrorCode
	}{
		{"create again", func() error { return s.CreateCase(ctx, c) }, childmatch.EConflict},
		{"read unknown", func() error { _, err := s.Case(ctx, childmatch.NewID()); return err }, childmatch.ENotFound},
		{"update unknown", func() error {
			_, err := s.UpdateCase(ctx, childmatch.NewID(), func(*childmatch.Case) error { return nil })
			return err
		}, childmatch.ENotFound},
		{"update aborted by fn", func() error {
			_, err := s.UpdateCase(ctx, c.ID, func(*childmatch.Case) error { return childmatch.Errorf(childmatch.EInvalid, "no") })
			return err
		}, childmatch.EInvalid},
		{"read back", func() error {
			got, err := s.Case(ctx, c.ID)
			if err == nil && got.Child.Name != "Asha" {
				return fmt.Errorf("read back %q", got.Child.Name)
			}
			return err
		}, ""},
		{"read unknown blob", func() error { _, err := s.Blob(ctx, childmatch.BlobPhoto, childmatch.NewID()); return err }, childmatch.ENotFound},
		{"delete unknown blob", func() error { return s.DeleteBlob(ctx, childmatch.BlobChip, childmatch.NewID()) }, ""},
		{"review with a path for an id", func() error { _, err := s.Review(ctx, "../cases/x"); return err }, childmatch.ENotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := childmatch.ErrorCodeOf(tc.do()); got != tc.code {
				t.Fatalf("code %q, want %q", got, tc.code)
			}
		})
	}
}

// TestConcurrentUpdatesAreNotLost: many writers append to one record at once; If-Match makes each retry
// on fresh state, so every append survives.
func TestConcurrentUpdatesAreNotLost(t *testing.T) {
	s, _ := open(t)
	ctx := context.Background()
	c := newCase(childmatch.KindFound)
	if err := s.CreateCase(ctx, c); err != nil {
		t.Fatal(err)
	}
	const writers = 8
	concurrently(t, writers, func(int) error {
		_, err := s.UpdateCase(ctx, c.ID, func(c *childmatch.Case) error {
			c.Photos = append(c.Photos, childmatch.Photo{ID: childmatch.NewID()})
			return nil
		})
		return err
	})
	got, err := s.Case(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Photos) != writers {
		t.Fatalf("%d photos after %d concurrent appends: updates were lost", len(got.Photos), writers)
	}
}

func TestWalkCasesInCreationOrder(t *testing.T) {
	s, _ := open(t)
	ctx := context.Background()
	var ids []childmatch.ID
	for i := 0; i < 5; i++ {
		c := newCase(childmatch.KindMissing)
		if err := s.CreateCase(ctx, c); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
		time.Sleep(2 * time.Millisecond)
	}
	for _, tc := range []struct {
		after childmatch.ID
		stop  int
		want  []childmatch.ID
	}{
		{childmatch.ID{}, 0, ids},
		{ids[1], 0, ids[2:]},
		{ids[4], 0, nil},
		{childmatch.ID{}, 2, ids[:2]},
	} {
		var got []childmatch.ID
		err := s.WalkCases(ctx, tc.after, func(c *childmatch.Case) (bool, error) {
			got = append(got, c.ID)
			return tc.stop == 0 || len(got) < tc.stop, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("after %v stop %d: got %v, want %v", tc.after, tc.stop, got, tc.want)
		}
	}
}

func TestBlobs(t *testing.T) {
	s, _ := open(t)
	ctx := context.Background()
	id, caseID := childmatch.NewID(), childmatch.NewID()
	data := []byte("\xff\xd8\xff not really a jpeg")
	if err := s.PutBlob(ctx, childmatch.BlobChip, id, caseID, "image/jpeg", data); err != nil {
		t.Fatal(err)
	}
	b, err := s.Blob(ctx, childmatch.BlobChip, id)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(b)
	b.Close()
	if string(got) != string(data) || b.Size != int64(len(data)) || b.ContentType != "image/jpeg" || b.CaseID != caseID {
		t.Fatalf("blob came back as %q size %d type %q case %v", got, b.Size, b.ContentType, b.CaseID)
	}
	if err := s.DeleteBlob(ctx, childmatch.BlobChip, id); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Blob(ctx, childmatch.BlobChip, id); childmatch.ErrorCodeOf(err) != childmatch.ENotFound {
		t.Fatalf("deleted blob: %v", err)
	}
}

// TestUnavailable: with MinIO stopped every call answers EUnavailable within a few seconds; after a
// restart the data is all there.
func TestUnavailable(t *testing.T) {
	s, srv := open(t)
	ctx := context.Background()
	c := newCase(childmatch.KindMissing)
	if err := s.CreateCase(ctx, c); err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	for _, tc := range []struct {
		name string
		do   func() error
	}{
		{"ping", func() error { return s.Ping(ctx) }},
		{"read", func() error { _, err := s.Case(ctx, c.ID); return err }},
		{"create", func() error { return s.CreateCase(ctx, newCase(childmatch.KindFound)) }},
		{"put blob", func() error {
			return s.PutBlob(ctx, childmatch.BlobPhoto, childmatch.NewID(), c.ID, "image/jpeg", []byte("x"))
		}},
		{"walk", func() error {
			return s.WalkCases(ctx, childmatch.ID{}, func(*childmatch.Case) (bool, error) { return true, nil })
		}},
	} {
		start := time.Now()
		err := tc.do()
		if took := time.Since(start); childmatch.ErrorCodeOf(err) != childmatch.EUnavailable || took > 5*time.Second {
			t.Errorf("%s with MinIO down: %v after %s, want unavailable within 5s", tc.name, err, took)
		}
	}
	srv.Restart()
	if _, err := s.Case(ctx, c.ID); err != nil {
		t.Fatalf("after restart: %v", err)
	}
}

// TestChangeFeed: every write of a case record, deletion included, leaves an entry in the change feed,
// listed in order from a position on, marked as the writer's own to the store that wrote it only.
func TestChangeFeed(t *testing.T) {
	s, srv := open(t)
	ctx := context.Background()
	c := newCase(childmatch.KindFound)
	other := newCase(childmatch.KindMissing)
	start := childmatch.IDAt(time.Now().Add(-time.Second))
	steps := []struct {
		name string
		do   func() error
	}{
		{"create", func() error { return s.CreateCase(ctx, c) }},
		{"create another", func() error { return s.CreateCase(ctx, other) }},
		{"update", func() error {
			_, err := s.UpdateCase(ctx, c.ID, func(c *childmatch.Case) error { c.Status = childmatch.StatusClosed; return nil })
			return err
		}},
		{"delete", func() error { return s.DeleteCase(ctx, c.ID) }},
	}
	for _, step := range steps {
		if err := step.do(); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
	}
	var entries, cases []childmatch.ID
	err := s.ChangesAfter(ctx, start, func(ch childmatch.Change) error {
		entries = append(entries, ch.Entry)
		cases = append(cases, ch.Case)
		if !ch.Mine {
			t.Errorf("entry %s of the writing store is not marked its own", ch.Entry)
		}
		return nil
	})
	want := []childmatch.ID{c.ID, other.ID, c.ID, c.ID}
	if err != nil || fmt.Sprint(cases) != fmt.Sprint(want) {
		t.Fatalf("change feed lists %v (%v), want %v", cases, err, want)
	}
	// Another process over the same bucket sees them all, as not its own.
	another, err := minio.Open(ctx, minio.Config{Endpoint: srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey,
		Bucket: srv.Bucket})
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	another.ChangesAfter(ctx, start, func(ch childmatch.Change) error {
		seen++
		if ch.Mine {
			t.Errorf("entry %s of another store is marked as its own", ch.Entry)
		}
		return nil
	})
	if seen != len(want) {
		t.Fatalf("another store lists %d entries, want %d", seen, len(want))
	}
	if _, err := s.Case(ctx, c.ID); childmatch.ErrorCodeOf(err) != childmatch.ENotFound {
		t.Fatalf("deleted case read back: %v", err)
	}
	// From the second entry on, only what came after it.
	var later []childmatch.ID
	s.ChangesAfter(ctx, entries[1], func(ch childmatch.Change) error { later = append(later, ch.Case); return nil })
	if fmt.Sprint(later) != fmt.Sprint(want[2:]) {
		t.Fatalf("after the second entry: %v, want %v", later, want[2:])
	}
}
