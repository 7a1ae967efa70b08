package minio

import (
	"context"
	"sync"

	miniogo "github.com/minio/minio-go/v7"

	"childmatch"
)

// walkAhead is walk with the records read FanoutWriters at once ahead of fn, still handed to fn in key
// order, for walks that go to the end: an alert's targeting walks every post, and reading each costs a
// millisecond or more (ten seconds for 10,000 posts); loading the index from the case records read them
// one after another at about 220 a second. With kept, the records whose ETag the listing shows unchanged
// since the last walk are taken from it (the listing says in one request per thousand which ones
// changed), and fn gets a copy of a kept record. The deadline runs while the walk waits for MinIO, not
// while fn works.
func walkAhead[T any](ctx context.Context, s *Store, prefix, startAfter string, kept *sync.Map, fn func(*T) (bool, error)) error {
	type read struct {
		v    *T
		err  error
		done chan struct{}
	}
	p := s.stream(ctx)
	defer p.done() // also stops the listing and the reads when fn stops early
	queue := make(chan *read, childmatch.FanoutWriters)
	go func() {
		defer close(queue)
		for obj := range s.cl.ListObjects(p.ctx, s.bucket, miniogo.ListObjectsOptions{Prefix: prefix, StartAfter: startAfter, Recursive: true}) {
			r := &read{done: make(chan struct{})}
			if obj.Err != nil {
				r.err = s.fail(p.err(obj.Err), "the listing of "+prefix)
				close(r.done)
			} else if k, ok := load(kept, obj.Key); ok && k.(keptRecord[T]).etag == obj.ETag {
				v := k.(keptRecord[T]).v
				r.v = &v
				close(r.done)
			} else {
				go func(key string) {
					defer close(r.done)
					var v T
					etag, err := s.getJSON(p.ctx, key, "a record", &v)
					if r.err = err; err == nil {
						r.v = &v
						if kept != nil {
							kept.Store(key, keptRecord[T]{etag: etag, v: v})
						}
					}
				}(obj.Key)
			}
			select {
			case queue <- r:
			case <-p.ctx.Done():
				return
			}
		}
	}()
	for r := range queue {
		<-r.done
		p.kick()
		if childmatch.ErrorCodeOf(r.err) == childmatch.ENotFound {
			continue // deleted between the listing and the read
		}
		if r.err != nil {
			return r.err
		}
		p.pause()
		more, err := fn(r.v)
		if err != nil || !more {
			return err
		}
		p.kick()
	}
	if err := context.Cause(p.ctx); err != nil { // the listing was cut: by the caller, or stalled
		return s.fail(p.err(err), "the listing of "+prefix)
	}
	return nil
}

// load is kept's record of key; none when there is no kept.
func load(kept *sync.Map, key string) (any, bool) {
	if kept == nil {
		return nil, false
	}
	return kept.Load(key)
}

// keptRecord is a record as read, with its ETag.
type keptRecord[T any] struct {
	etag string
	v    T
}
