package follow

import (
	"container/heap"
	"encoding/gob"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"childmatch"
)

// catalog is the lists' table: a row per case in creation order and every review item with its rank. The
// follower keeps it beside the index, from the same writes and re-reads, and saves it beside the index's
// snapshot at the same position, so both come up together.
type catalog struct {
	mu      sync.RWMutex
	ids     []childmatch.ID // sorted: creation order
	rows    map[childmatch.ID]*childmatch.CaseRow
	reviews map[string]*queued
	byCase  map[childmatch.ID]map[string]bool // the review items of each case
}

// queued is a review item and its rank, computed once per change rather than per listing.
type queued struct {
	r    *childmatch.Review
	rank float32
}

func newCatalog() *catalog {
	return &catalog{rows: map[childmatch.ID]*childmatch.CaseRow{}, reviews: map[string]*queued{},
		byCase: map[childmatch.ID]map[string]bool{}}
}

func idLess(a, b childmatch.ID) int { return strings.Compare(string(a[:]), string(b[:])) }

// putCase adds or replaces the case's row.
func (c *catalog) putCase(cs *childmatch.Case) {
	row := childmatch.RowOf(cs)
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.rows[cs.ID]; !ok {
		i, _ := slices.BinarySearchFunc(c.ids, cs.ID, idLess)
		c.ids = slices.Insert(c.ids, i, cs.ID)
	}
	c.rows[cs.ID] = &row
}

// removeCase drops the case's row.
func (c *catalog) removeCase(id childmatch.ID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.rows[id]; !ok {
		return
	}
	delete(c.rows, id)
	if i, found := slices.BinarySearchFunc(c.ids, id, idLess); found {
		c.ids = slices.Delete(c.ids, i, i+1)
	}
}

// putReview adds or replaces a review item.
func (c *catalog) putReview(r *childmatch.Review) {
	cp := *r
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reviews[r.ID] = &queued{r: &cp, rank: cp.Rank()}
	for _, id := range []childmatch.ID{r.CaseA, r.CaseB} {
		if c.byCase[id] == nil {
			c.byCase[id] = map[string]bool{}
		}
		c.byCase[id][r.ID] = true
	}
}

// removeReview drops a review item.
func (c *catalog) removeReview(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	q := c.reviews[id]
	if q == nil {
		return
	}
	delete(c.reviews, id)
	for _, cid := range []childmatch.ID{q.r.CaseA, q.r.CaseB} {
		if delete(c.byCase[cid], id); len(c.byCase[cid]) == 0 {
			delete(c.byCase, cid)
		}
	}
}

// reviewsOf returns the ids of the case's review items.
func (c *catalog) reviewsOf(id childmatch.ID) []string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]string, 0, len(c.byCase[id]))
	for r := range c.byCase[id] {
		out = append(out, r)
	}
	return out
}

func (c *catalog) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ids, c.rows, c.reviews, c.byCase = nil, map[childmatch.ID]*childmatch.CaseRow{}, map[string]*queued{},
		map[childmatch.ID]map[string]bool{}
}

func (c *catalog) CaseRows(q childmatch.CaseQuery, see func(*childmatch.CaseRow) bool) ([]childmatch.CaseRow, childmatch.ID) {
	text := childmatch.FoldText(q.Text)
	c.mu.RLock()
	defer c.mu.RUnlock()
	i := 0
	if !q.After.IsZero() {
		var found bool
		if i, found = slices.BinarySearchFunc(c.ids, q.After, idLess); found {
			i++
		}
	}
	out := []childmatch.CaseRow{}
	for ; i < len(c.ids); i++ {
		r := c.rows[c.ids[i]]
		if (q.Kind != "" && r.Kind != q.Kind) || (q.Status != "" && r.Status != q.Status) ||
			(q.State != "" && !strings.EqualFold(r.Sighting.State, q.State)) || !r.Matches(text) || !see(r) {
			continue
		}
		if len(out) == q.Limit {
			return out, out[len(out)-1].ID
		}
		out = append(out, *r)
	}
	return out, childmatch.ID{}
}

func (c *catalog) EachCase(fn func(r *childmatch.CaseRow)) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, r := range c.rows {
		fn(r)
	}
}

func (c *catalog) EachReview(fn func(r *childmatch.Review)) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, q := range c.reviews {
		fn(q.r)
	}
}

// before is the queue's order: by rank, then by id.
func before(a, b *queued) bool {
	if a.rank != b.rank {
		return a.rank < b.rank
	}
	return a.r.ID < b.r.ID
}

// worstFirst is a heap of the best items seen so far with the worst on top, so a page of k items out of
// n costs n log k, never a sort of the whole queue.
type worstFirst []*queued

func (h worstFirst) Len() int           { return len(h) }
func (h worstFirst) Less(i, j int) bool { return before(h[j], h[i]) }
func (h worstFirst) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *worstFirst) Push(x any)        { *h = append(*h, x.(*queued)) }
func (h *worstFirst) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

func (c *catalog) Queue(q childmatch.ReviewPageQuery) ([]*childmatch.Review, string) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var after *queued
	if q.After != "" {
		after = &queued{r: &childmatch.Review{ID: q.After}, rank: q.AfterRank}
	}
	h := make(worstFirst, 0, min(q.Limit+1, len(c.reviews)+1))
	consider := func(it *queued) {
		r := it.r
		if (q.State != "" && r.State != q.State) || (q.Type != "" && r.Type != q.Type) || (after != nil && !before(after, it)) {
			return
		}
		if heap.Push(&h, it); len(h) > q.Limit+1 { // one more than the page: is there a next one
			heap.Pop(&h)
		}
	}
	if q.Case.IsZero() {
		for _, it := range c.reviews {
			consider(it)
		}
	} else {
		for id := range c.byCase[q.Case] {
			consider(c.reviews[id])
		}
	}
	items := make([]*queued, len(h))
	copy(items, h)
	slices.SortFunc(items, func(a, b *queued) int {
		if before(a, b) {
			return -1
		}
		return 1
	})
	next := ""
	if len(items) > q.Limit {
		items = items[:q.Limit]
		next = items[len(items)-1].r.ID
	}
	out := make([]*childmatch.Review, len(items))
	for i, it := range items {
		cp := *it.r
		out[i] = &cp
	}
	return out, next
}

// catalogSnapshot is what a catalog snapshot holds.
type catalogSnapshot struct {
	Version  int
	Position childmatch.ID
	Cases    []childmatch.CaseRow
	Reviews  []childmatch.Review
}

const catalogVersion = 1

func (c *catalog) write(w io.Writer, position childmatch.ID) error {
	c.mu.RLock()
	snap := catalogSnapshot{Version: catalogVersion, Position: position, Cases: make([]childmatch.CaseRow, 0, len(c.ids)),
		Reviews: make([]childmatch.Review, 0, len(c.reviews))}
	for _, id := range c.ids {
		snap.Cases = append(snap.Cases, *c.rows[id])
	}
	for _, q := range c.reviews {
		snap.Reviews = append(snap.Reviews, *q.r)
	}
	c.mu.RUnlock()
	return gob.NewEncoder(w).Encode(&snap)
}

// read replaces the catalog with a snapshot's, if it was written at position.
func (c *catalog) read(r io.Reader, position childmatch.ID) error {
	var snap catalogSnapshot
	if err := gob.NewDecoder(r).Decode(&snap); err != nil {
		return fmt.Errorf("catalog: %w", err)
	}
	if snap.Version != catalogVersion {
		return fmt.Errorf("catalog: format %d, not this build's", snap.Version)
	}
	if snap.Position != position {
		return fmt.Errorf("catalog: written at %s, the index at %s", snap.Position, position)
	}
	c.clear()
	c.mu.Lock()
	for i := range snap.Cases {
		row := snap.Cases[i]
		c.rows[row.ID] = &row
		c.ids = append(c.ids, row.ID)
	}
	slices.SortFunc(c.ids, idLess)
	c.mu.Unlock()
	for i := range snap.Reviews {
		c.putReview(&snap.Reviews[i])
	}
	return nil
}

func (c *catalog) CaseRow(id childmatch.ID) (childmatch.CaseRow, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if r := c.rows[id]; r != nil {
		return *r, true
	}
	return childmatch.CaseRow{}, false
}
