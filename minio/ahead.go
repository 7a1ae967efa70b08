package minio

import (
	"context"
	"sync"

	miniogo "github.com/minio/minio-go/v7"

	"childmatch"
)

// walkAhead is walk with the records read FanoutWriters at once ahead of fn, still handed to fn in key
// order, and those whose ETag the listing shows unchanged since the last walk taken from kept: an
// alert's targeting walks every post, and reading each costs a millisecond or more (ten seconds for
// 10,000 posts), where the listing says in one request per thousand which ones changed. fn gets a
// copy of a kept record.
func walkAhead[T any](ctx context.Context, s *Store, prefix string, kept *sync.Map, fn func(*T) (bool, error)) error {
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
		for obj := range s.cl.ListObjects(p.ctx, s.bucket, miniogo.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
			r := &read{done: make(chan struct{})}
			if obj.Err != nil {
				r.err = s.fail(p.err(obj.Err), "the listing of "+prefix)
				close(r.done)
			} else if k, ok := kept.Load(obj.Key); ok && k.(keptRecord[T]).etag == obj.ETag {
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
						kept.Store(key, keptRecord[T]{etag: etag, v: v})
					}
				}(obj.Key)
			}
			select {
			case queue <- r:
			case <-p.ctx.Done():
				return
			}
			p.kick()
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
		more, err := fn(r.v)
		if err != nil || !more {
			return err
		}
	}
	if err := context.Cause(p.ctx); err != nil { // the listing was cut: by the caller, or stalled
		return s.fail(p.err(err), "the listing of "+prefix)
	}
	return nil
}

// keptRecord is a record as read, with its ETag.
type keptRecord[T any] struct {
	etag string
	v    T
}
