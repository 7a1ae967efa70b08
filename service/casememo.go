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

// caseMemo reads each case once while it is asked for again: an upload's candidates and its proposals
// weigh mostly the same cases, read a few milliseconds apart, and a dedupe pass asks for the same few
// cases over and over (in 10,000 faces, 220,022 asks were for 6,603 cases not in the pass's own batches:
// the nearest neighbours of many faces are the same few). A case is kept as read, or as not found; any
// other failure is not kept, so a later ask reads again. With a limit, it holds at most limit cases in two
// generations: when the newer one fills half of it, the older is dropped and the newer becomes the older,
// so the cases asked for since are kept and the rest go; an upload's, a few dozen cases, needs none (0).
// Safe for concurrent use.
type caseMemo struct {
	store      caseReader
	limit      int
	mu         sync.Mutex
	new, older map[childmatch.ID]memoized
}

type memoized struct {
	c   *childmatch.Case
	err error
}

func newCaseMemo(store caseReader, limit int) *caseMemo {
	return &caseMemo{store: store, limit: limit, new: map[childmatch.ID]memoized{}}
}

func (m *caseMemo) Case(ctx context.Context, id childmatch.ID) (*childmatch.Case, error) {
	m.mu.Lock()
	r, ok := m.new[id]
	if !ok {
		if r, ok = m.older[id]; ok {
			m.keep(id, r)
		}
	}
	m.mu.Unlock()
	if ok {
		return r.c, r.err
	}
	c, err := m.store.Case(ctx, id)
	if err == nil || childmatch.ErrorCodeOf(err) == childmatch.ENotFound {
		m.mu.Lock()
		m.keep(id, memoized{c, err})
		m.mu.Unlock()
	}
	return c, err
}

// add keeps a case already read.
func (m *caseMemo) add(c *childmatch.Case) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.keep(c.ID, memoized{c: c})
}

// keep puts r in the newer generation, turning the generations when it is full; m.mu is held.
func (m *caseMemo) keep(id childmatch.ID, r memoized) {
	if m.limit > 0 && len(m.new) >= max(1, m.limit/2) {
		m.older, m.new = m.new, map[childmatch.ID]memoized{}
	}
	m.new[id] = r
}
