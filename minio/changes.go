package minio

import (
	"bytes"
	"context"
	"io"
	"net/url"
	"strings"
	"time"

	miniogo "github.com/minio/minio-go/v7"

	"childmatch"
)

// The change feed and the index snapshot:
//
//	changes/<entry-id>.<case-id>.<writer>   an empty object per case write, written before the record
//	index/snapshot                 the newest index snapshot
//	index/catalog                  the lists' catalog saved with it (follow/catalog.go)
//
// An entry's key carries all it says, so following the feed is a listing, never a read per entry.

var (
	_ childmatch.ChangeFeed    = (*Store)(nil)
	_ childmatch.SnapshotStore = (*Store)(nil)
)

const (
	changesPrefix = "changes/"
	snapshotKey   = "index/snapshot"
	catalogKey    = "index/catalog"
)

func changeKey(entry, caseID childmatch.ID, writer string) string {
	return changesPrefix + entry.String() + "." + caseID.String() + "." + writer
}

// markChange writes the change entry that precedes every write of a case record.
func (s *Store) markChange(ctx context.Context, caseID childmatch.ID) error {
	ctx, cancel := s.call(ctx)
	defer cancel()
	_, err := s.cl.PutObject(ctx, s.bucket, changeKey(childmatch.NewID(), caseID, s.writer), bytes.NewReader(nil), 0,
		miniogo.PutObjectOptions{})
	return s.fail(err, "the change feed")
}

// ChangesAfter lists the change entries after the given one, in key order, which is time order.
func (s *Store) ChangesAfter(ctx context.Context, after childmatch.ID, fn func(childmatch.Change) error) error {
	start := ""
	if !after.IsZero() {
		start = changesPrefix + after.String() + "/" // after every key of that id ('/' sorts after '.')
	}
	p := s.stream(ctx)
	defer p.done()
	for obj := range s.cl.ListObjects(p.ctx, s.bucket, miniogo.ListObjectsOptions{Prefix: changesPrefix, StartAfter: start}) {
		if obj.Err != nil {
			return s.fail(p.err(obj.Err), "the change feed")
		}
		p.kick()
		ch, writer, ok := parseChangeKey(obj.Key)
		if !ok {
			continue // not ours: nothing else writes under changes/, but a stray key must not stop the feed
		}
		ch.Mine = writer == s.writer
		if err := fn(ch); err != nil {
			return err
		}
	}
	return nil
}

// parseChangeKey reads an entry's key; entries written before writers were named have none.
func parseChangeKey(key string) (ch childmatch.Change, writer string, ok bool) {
	e, rest, found := strings.Cut(strings.TrimPrefix(key, changesPrefix), ".")
	if !found {
		return ch, "", false
	}
	c, writer, _ := strings.Cut(rest, ".")
	var err1, err2 error
	ch.Entry, err1 = childmatch.ParseID("entry", e)
	ch.Case, err2 = childmatch.ParseID("case", c)
	return ch, writer, err1 == nil && err2 == nil
}

// WatchCases listens to MinIO's bucket notifications for case records and delivers their ids. When MinIO
// closes the stream (a restart, a network cut) it listens again after a pause; what happened meanwhile
// is found by the caller's periodic listing of the change feed.
//
// The pinned MinIO build (bin/minio.version) accepts the listen request and runs its send loop but never
// flushes the response: no header, ping or event reaches the client (seen with minio-go and a raw signed
// request, with and without gzip). There the listing is what keeps replicas current (README: Several
// replicas); with a MinIO that streams, changes arrive here at once. The stream has no call deadline
// (deadline.go): it is meant to stay open while nothing changes, and no request waits on it.
func (s *Store) WatchCases(ctx context.Context) <-chan childmatch.ID {
	out := make(chan childmatch.ID, 256)
	go func() {
		defer close(out)
		for ctx.Err() == nil {
			events := s.cl.ListenBucketNotification(ctx, s.bucket, "cases/", ".json",
				[]string{"s3:ObjectCreated:*", "s3:ObjectRemoved:*"})
			for info := range events {
				if info.Err != nil {
					break
				}
				for _, rec := range info.Records {
					key, err := url.QueryUnescape(rec.S3.Object.Key)
					if err != nil {
						continue
					}
					id, err := childmatch.ParseID("case", strings.TrimSuffix(strings.TrimPrefix(key, "cases/"), ".json"))
					if err != nil {
						continue
					}
					select {
					case out <- id:
					case <-ctx.Done():
						return
					}
				}
			}
			select {
			case <-ctx.Done():
			case <-time.After(childmatch.RewatchDelay):
			}
		}
	}()
	return out
}

// PutSnapshot stores the newest index snapshot, replacing the previous one in one step.
func (s *Store) PutSnapshot(ctx context.Context, r io.Reader, size int64) error {
	return s.putWhole(ctx, snapshotKey, "the index snapshot", r, size)
}

// OpenSnapshot opens the newest index snapshot.
func (s *Store) OpenSnapshot(ctx context.Context) (io.ReadCloser, error) {
	return s.openWhole(ctx, snapshotKey, "the index snapshot")
}

// PutCatalog stores the newest catalog snapshot (the lists' table saved with the index snapshot).
func (s *Store) PutCatalog(ctx context.Context, r io.Reader, size int64) error {
	return s.putWhole(ctx, catalogKey, "the catalog snapshot", r, size)
}

// OpenCatalog opens the newest catalog snapshot.
func (s *Store) OpenCatalog(ctx context.Context) (io.ReadCloser, error) {
	return s.openWhole(ctx, catalogKey, "the catalog snapshot")
}

// putWhole streams one large object, replacing the previous one in one step.
func (s *Store) putWhole(ctx context.Context, key, what string, r io.Reader, size int64) error {
	p := s.stream(ctx)
	defer p.done()
	_, err := s.cl.PutObject(p.ctx, s.bucket, key, &progressReader{r: r, p: p}, size,
		miniogo.PutObjectOptions{ContentType: "application/octet-stream"})
	return s.fail(p.err(err), what)
}

// openWhole opens one large object for streaming.
func (s *Store) openWhole(ctx context.Context, key, what string) (io.ReadCloser, error) {
	p := s.stream(ctx)
	obj, err := s.cl.GetObject(p.ctx, s.bucket, key, miniogo.GetObjectOptions{})
	if err != nil {
		p.done()
		return nil, s.fail(p.err(err), what)
	}
	if _, err := obj.Stat(); err != nil {
		obj.Close()
		p.done()
		return nil, s.fail(p.err(err), what)
	}
	p.kick()
	return &progressReader{r: obj, c: obj, p: p}, nil
}
