package minio

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// Every call to MinIO has a deadline, so a stalled MinIO costs a request at most one call timeout
// (Config.CallTimeout) before it answers 503, however long MinIO stays stalled. A call that returns its
// answer at once (a record, a put, a delete) gets the timeout from its start (call); a call that streams (a
// listing, a blob's bytes, the snapshot) gets it from its last progress (stream), so a large transfer that
// keeps moving is never cut, and one that stops is.

// call returns the context of one call that answers at once.
func (s *Store) call(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.timeout)
}

// errStalled is why a streaming call was cut: MinIO made no progress for a call timeout.
var errStalled = errors.New("MinIO made no progress within the call timeout")

// progress is the deadline of a streaming call: its context ends when kick has not been called for the
// call timeout.
type progress struct {
	ctx     context.Context
	cancel  context.CancelCauseFunc
	timer   *time.Timer
	timeout time.Duration
}

// stream returns the deadline of one streaming call; the caller calls done when the call ends.
func (s *Store) stream(ctx context.Context) *progress {
	p := &progress{timeout: s.timeout}
	p.ctx, p.cancel = context.WithCancelCause(ctx)
	p.timer = time.AfterFunc(s.timeout, func() { p.cancel(errStalled) })
	return p
}

// kick records progress: the deadline moves to a call timeout from now.
func (p *progress) kick() { p.timer.Reset(p.timeout) }

// pause stops the deadline while the caller works between two items: that time is not MinIO's. The
// next kick starts it again.
func (p *progress) pause() { p.timer.Stop() }

// done ends the call.
func (p *progress) done() {
	p.timer.Stop()
	p.cancel(context.Canceled)
}

// err says a failure of the call was the deadline, when it was, so that fail classifies it as
// unavailable rather than as a client that went away.
func (p *progress) err(err error) error {
	if err != nil && errors.Is(context.Cause(p.ctx), errStalled) {
		return fmt.Errorf("%w: %w", context.DeadlineExceeded, errStalled)
	}
	return err
}

// progressReader kicks the deadline on every read, and ends the call at Close.
type progressReader struct {
	r io.Reader
	c io.Closer // nil: nothing to close but the call
	p *progress
}

func (r *progressReader) Read(b []byte) (int, error) {
	n, err := r.r.Read(b)
	r.p.kick()
	if err != nil && err != io.EOF {
		err = r.p.err(err)
	}
	return n, err
}

func (r *progressReader) Close() error {
	defer r.p.done()
	if r.c == nil {
		return nil
	}
	return r.c.Close()
}
