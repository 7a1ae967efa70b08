package service

import (
	"context"
	"errors"
	"slices"
	"testing"

	"childmatch"
)

// countingCases answers cases from a map, counting the reads of each id; fail makes every read fail.
type countingCases struct {
	cases map[childmatch.ID]*childmatch.Case
	reads map[childmatch.ID]int
	fail  error
}

func (f *countingCases) Case(_ context.Context, id childmatch.ID) (*childmatch.Case, error) {
	f.reads[id]++
	if f.fail != nil {
		return nil, f.fail
	}
	if c, ok := f.cases[id]; ok {
		return c, nil
	}
	return nil, childmatch.Errorf(childmatch.ENotFound, "no case with id %s", id)
}

func TestCaseMemo(t *testing.T) {
	here, gone, flaky := childmatch.NewID(), childmatch.NewID(), childmatch.NewID()
	store := &countingCases{cases: map[childmatch.ID]*childmatch.Case{here: {ID: here}}, reads: map[childmatch.ID]int{}}
	m := newCaseMemo(store, 0)
	ctx := context.Background()
	for range 3 {
		if c, err := m.Case(ctx, here); err != nil || c.ID != here {
			t.Fatalf("a stored case: %v, %v", c, err)
		}
		if _, err := m.Case(ctx, gone); childmatch.ErrorCodeOf(err) != childmatch.ENotFound {
			t.Fatalf("a missing case: %v", err)
		}
	}
	if store.reads[here] != 1 || store.reads[gone] != 1 {
		t.Errorf("reads of a stored and a missing case, each asked three times: %d and %d, want 1 and 1", store.reads[here], store.reads[gone])
	}
	store.fail = childmatch.Unavailable("the store", errors.New("connection refused"))
	for range 2 {
		if _, err := m.Case(ctx, flaky); childmatch.ErrorCodeOf(err) != childmatch.EUnavailable {
			t.Fatalf("a failed read: %v", err)
		}
	}
	store.fail = nil
	store.cases[flaky] = &childmatch.Case{ID: flaky}
	if c, err := m.Case(ctx, flaky); err != nil || c.ID != flaky {
		t.Fatalf("a read after failures: %v, %v", c, err)
	}
	if store.reads[flaky] != 3 {
		t.Errorf("a case whose reads failed twice was read %d times in three asks, want 3: a failure is not kept", store.reads[flaky])
	}
}

// TestCaseMemoBound: a memo of 4 keeps the cases asked for since its newer generation last filled (2),
// and drops the rest.
func TestCaseMemoBound(t *testing.T) {
	store := &countingCases{cases: map[childmatch.ID]*childmatch.Case{}, reads: map[childmatch.ID]int{}}
	ids := make([]childmatch.ID, 4)
	for i := range ids {
		ids[i] = childmatch.NewID()
		store.cases[ids[i]] = &childmatch.Case{ID: ids[i]}
	}
	a, b, c, d := ids[0], ids[1], ids[2], ids[3]
	m := newCaseMemo(store, 4)
	for _, id := range []childmatch.ID{a, b, c, a, d, a, c, b} {
		if got, err := m.Case(context.Background(), id); err != nil || got.ID != id {
			t.Fatalf("%s: %v, %v", id, got, err)
		}
	}
	// a, b | c (a, b older) | c, a | d (c, a older) | d, a | c (d, a older) | c, b: b was dropped at d.
	want := map[childmatch.ID]int{a: 1, b: 2, c: 1, d: 1}
	for id, n := range want {
		if store.reads[id] != n {
			t.Errorf("case %d of 4 read %d times, want %d", slices.Index(ids, id), store.reads[id], n)
		}
	}
	if n := len(m.new) + len(m.older); n > 4 {
		t.Errorf("the memo holds %d cases, over its limit of 4", n)
	}
}
