package follow

import (
	"encoding/gob"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"childmatch"
)

// catalog is the lists' table: a row per case in creation order, a dense table of what the outcome
// report counts of each case, and every review item in queue order. The follower keeps it beside the
// index, from the same writes and re-reads, and saves it beside the index's snapshot at the same
// position, so both come up together.
type catalog struct {
	mu   sync.RWMutex
	ids  []childmatch.ID // sorted: creation order
	rows map[childmatch.ID]*childmatch.CaseRow
	// facts are the report's columns of every case, one slot each (factOf), removed by moving the last
	// slot into the gap: a report reads one contiguous slice.
	facts   []childmatch.CaseFact
	factIDs []childmatch.ID
	factOf  map[childmatch.ID]int
	reviews map[string]*queued
	order   []*queued                         // every review item, by queue order (before)
	byCase  map[childmatch.ID]map[string]bool // the review items of each case
	// localities numbers every state and district a row has had; never shrinks (a few thousand at most).
	localities []childmatch.Locality
	locality   map[childmatch.Locality]int
}

// queued is a review item, its rank (computed once per change rather than per listing) and what the
// report counts of it.
type queued struct {
	r    *childmatch.Review
	rank float32
	fact childmatch.ReviewFact
}

func newCatalog() *catalog {
	c := &catalog{}
	c.clear()
	return c
}

func (c *catalog) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ids, c.rows, c.facts, c.factIDs, c.factOf = nil, map[childmatch.ID]*childmatch.CaseRow{}, nil, nil, map[childmatch.ID]int{}
	c.reviews, c.order, c.byCase = map[string]*queued{}, nil, map[childmatch.ID]map[string]bool{}
	c.localities, c.locality = nil, map[childmatch.Locality]int{}
}

// localityOf numbers a row's state and district; the caller holds the write lock.
func (c *catalog) localityOf(r *childmatch.CaseRow) int {
	key := childmatch.Locality{State: r.Sighting.State, District: r.Sighting.District}
	n, ok := c.locality[key]
	if !ok {
		n = len(c.localities)
		c.localities = append(c.localities, key)
		c.locality[key] = n
	}
	return n
}

// rowLocality is the locality of a case's row, -1 when there is none; the caller holds a lock.
func (c *catalog) rowLocality(id childmatch.ID) int32 {
	if r := c.rows[id]; r != nil {
		return int32(r.Locality)
	}
	return -1
}

// putCase adds or replaces the case's row.
func (c *catalog) putCase(cs *childmatch.Case) {
	row := childmatch.RowOf(cs)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.putRow(&row)
}

// putRow adds or replaces a row and its facts; the caller holds the write lock.
func (c *catalog) putRow(row *childmatch.CaseRow) {
	if _, ok := c.rows[row.ID]; !ok {
		i, _ := slices.BinarySearchFunc(c.ids, row.ID, childmatch.ID.Compare)
		c.ids = slices.Insert(c.ids, i, row.ID)
	}
	row.Locality = c.localityOf(row)
	c.rows[row.ID] = row
	fact := row.Fact()
	if slot, ok := c.factOf[row.ID]; ok {
		c.facts[slot] = fact
	} else {
		c.factOf[row.ID] = len(c.facts)
		c.facts, c.factIDs = append(c.facts, fact), append(c.factIDs, row.ID)
	}
	for id := range c.byCase[row.ID] {
		if q := c.reviews[id]; q.r.CaseA == row.ID {
			q.fact.Locality = int32(row.Locality)
		}
	}
}

// removeCase drops the case's row.
func (c *catalog) removeCase(id childmatch.ID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.rows[id]; !ok {
		return
	}
	delete(c.rows, id)
	slot, last := c.factOf[id], len(c.facts)-1
	c.facts[slot], c.factIDs[slot] = c.facts[last], c.factIDs[last]
	c.factOf[c.factIDs[slot]] = slot
	c.facts, c.factIDs = c.facts[:last], c.factIDs[:last]
	delete(c.factOf, id)
	for rid := range c.byCase[id] {
		if q := c.reviews[rid]; q.r.CaseA == id {
			q.fact.Locality = -1
		}
	}
	if i, found := slices.BinarySearchFunc(c.ids, id, childmatch.ID.Compare); found {
		c.ids = slices.Delete(c.ids, i, i+1)
	}
}

// before is the queue's order: by rank, then by id.
func before(a, b *queued) bool {
	if a.rank != b.rank {
		return a.rank < b.rank
	}
	return a.r.ID < b.r.ID
}

func queueOrder(a, b *queued) int {
	switch {
	case before(a, b):
		return -1
	case before(b, a):
		return 1
	}
	return 0
}

// putReview adds or replaces a review item.
func (c *catalog) putReview(r *childmatch.Review) {
	cp := *r
	c.mu.Lock()
	defer c.mu.Unlock()
	c.dropFromOrder(r.ID)
	q := &queued{r: &cp, rank: cp.Rank(), fact: childmatch.ReviewFact{Created: cp.CreatedAt.Unix(), State: cp.State,
		Locality: c.rowLocality(r.CaseA)}}
	c.reviews[r.ID] = q
	i, _ := slices.BinarySearchFunc(c.order, q, queueOrder)
	c.order = slices.Insert(c.order, i, q)
	for _, id := range []childmatch.ID{r.CaseA, r.CaseB} {
		if c.byCase[id] == nil {
			c.byCase[id] = map[string]bool{}
		}
		c.byCase[id][r.ID] = true
	}
}

// dropFromOrder takes a review item out of the queue order; the caller holds the write lock.
func (c *catalog) dropFromOrder(id string) {
	if old := c.reviews[id]; old != nil {
		if i, found := slices.BinarySearchFunc(c.order, old, queueOrder); found {
			c.order = slices.Delete(c.order, i, i+1)
		}
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
	c.dropFromOrder(id)
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

func (c *catalog) CaseRows(q childmatch.CaseQuery, see func(*childmatch.CaseRow) bool) ([]childmatch.CaseRow, childmatch.ID) {
	text := childmatch.FoldText(q.Text)
	c.mu.RLock()
	defer c.mu.RUnlock()
	i := 0
	if !q.After.IsZero() {
		var found bool
		if i, found = slices.BinarySearchFunc(c.ids, q.After, childmatch.ID.Compare); found {
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

func (c *catalog) CaseRow(id childmatch.ID) (childmatch.CaseRow, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if r := c.rows[id]; r != nil {
		return *r, true
	}
	return childmatch.CaseRow{}, false
}

func (c *catalog) EachFact(cases func(*childmatch.CaseFact), reviews func(*childmatch.ReviewFact)) []childmatch.Locality {
	c.mu.RLock()
	defer c.mu.RUnlock()
	for i := range c.facts {
		cases(&c.facts[i])
	}
	for _, q := range c.order {
		reviews(&q.fact)
	}
	return slices.Clone(c.localities)
}

func (c *catalog) Queue(q childmatch.ReviewQuery, after childmatch.QueuePosition) ([]*childmatch.Review, string) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	admits := func(it *queued) bool {
		return (q.State == "" || it.r.State == q.State) && (q.Type == "" || it.r.Type == q.Type)
	}
	at := &queued{r: &childmatch.Review{ID: after.ID}, rank: after.Rank}
	var items []*queued
	if q.Case.IsZero() {
		// The queue is kept in order: find the cursor, then read on until the page and one more are found.
		i := 0
		if after.ID != "" {
			i, _ = slices.BinarySearchFunc(c.order, at, queueOrder)
			if i < len(c.order) && c.order[i].r.ID == after.ID {
				i++
			}
		}
		for ; i < len(c.order) && len(items) <= q.Limit; i++ {
			if admits(c.order[i]) {
				items = append(items, c.order[i])
			}
		}
	} else {
		for id := range c.byCase[q.Case] {
			if it := c.reviews[id]; admits(it) && (after.ID == "" || before(at, it)) {
				items = append(items, it)
			}
		}
		slices.SortFunc(items, queueOrder)
	}
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
	slices.SortFunc(snap.Cases, func(a, b childmatch.CaseRow) int { return a.ID.Compare(b.ID) })
	for i := range snap.Cases {
		c.putRow(&snap.Cases[i]) // in id order, so each goes at the end
	}
	c.mu.Unlock()
	for i := range snap.Reviews {
		c.putReview(&snap.Reviews[i])
	}
	return nil
}
