package service

import (
	"context"
	"sync"

	"childmatch"
)

// caseReader reads a case record: the store, or a caseMemo over it.
type caseReader interface {
	Case(ctx context.Context, id childmatch.ID) (*childmatch.Case, error)
}

// caseMemo reads each case once for one upload: its candidates and its proposals weigh mostly the same
// cases (the opposite kind's nearest), read a few milliseconds apart. A case is kept as read, or as not
// found; any other failure is not kept, so a later read tries again. Safe for concurrent use.
type caseMemo struct {
	store caseReader
	mu    sync.Mutex
	read  map[childmatch.ID]memoized
}

type memoized struct {
	c   *childmatch.Case
	err error
}

func newCaseMemo(store caseReader) *caseMemo {
	return &caseMemo{store: store, read: map[childmatch.ID]memoized{}}
}

func (m *caseMemo) Case(ctx context.Context, id childmatch.ID) (*childmatch.Case, error) {
	m.mu.Lock()
	r, ok := m.read[id]
	m.mu.Unlock()
	if ok {
		return r.c, r.err
	}
	c, err := m.store.Case(ctx, id)
	if err == nil || childmatch.ErrorCodeOf(err) == childmatch.ENotFound {
		m.mu.Lock()
		m.read[id] = memoized{c, err}
		m.mu.Unlock()
	}
	return c, err
}
