package alert

import (
	"context"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"childmatch"
)

// The alert list's catalog (README: Lists that scale): what choosing a page needs of every alert, kept in
// memory, so that a page reads only its own alerts' records. It is filled from the store on first use,
// kept by this process's writes as they happen (every write of the Service goes through cataloged), and
// made again from the walk over every alert that each escalation pass makes anyway (AlertEscalateEvery),
// which brings in what other replicas wrote, and from the alerts the live hub reads when they change
// (Saw). A page is checked again against its records, so a catalog behind another replica's write can
// leave an alert off a page for a moment, never show one to a user it did not reach.

// row is what the catalog keeps of one alert.
type row struct {
	id      childmatch.ID
	active  bool
	posts   []uint32  // the posts it reached, as ordinals of catalog.ords, sorted
	updated time.Time // the record's UpdatedAt: an older copy read or written later does not replace it
}

type catalog struct {
	build sync.Mutex // one walk at a time

	mu     sync.RWMutex
	loaded bool
	rows   []row // by id, oldest first
	ords   map[childmatch.ID]uint32
	// wrote holds this process's writes while a walk is under way (nil: none is): the walk may have
	// listed an alert before they changed it, so they are laid over what it read. A deleted alert is nil.
	wrote map[childmatch.ID]*row
}

func newCatalog() *catalog { return &catalog{ords: map[childmatch.ID]uint32{}} }

// rowOf makes an alert's row; c.mu is held for writing.
func (c *catalog) rowOf(a *childmatch.Alert) row {
	r := row{id: a.ID, active: a.Status == childmatch.AlertActive, posts: make([]uint32, 0, len(a.Recipients)), updated: a.UpdatedAt}
	for _, rc := range a.Recipients {
		o, ok := c.ords[rc.Post]
		if !ok {
			o = uint32(len(c.ords))
			c.ords[rc.Post] = o
		}
		r.posts = append(r.posts, o)
	}
	slices.Sort(r.posts)
	return r
}

// find answers where id's row is, or would be, in c.rows.
func (c *catalog) find(id childmatch.ID) (int, bool) {
	return slices.BinarySearchFunc(c.rows, id, func(r row, id childmatch.ID) int { return r.id.Compare(id) })
}

// set puts r in the rows (nil: takes id out); c.mu is held for writing.
func (c *catalog) set(id childmatch.ID, r *row) {
	i, ok := c.find(id)
	switch {
	case r != nil && ok:
		c.rows[i] = *r
	case r != nil:
		c.rows = slices.Insert(c.rows, i, *r)
	case ok:
		c.rows = slices.Delete(c.rows, i, i+1)
	}
	if c.wrote != nil {
		c.wrote[id] = r
	}
}

// put records an alert as written or read, unless the catalog holds a newer copy of it (two writes of one
// alert can finish in either order, and a read can come back after a write).
func (c *catalog) put(a *childmatch.Alert) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if i, ok := c.find(a.ID); ok && c.rows[i].updated.After(a.UpdatedAt) {
		return
	}
	r := c.rowOf(a)
	c.set(a.ID, &r)
}

// drop records an alert as deleted.
func (c *catalog) drop(id childmatch.ID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.set(id, nil)
}

// walk calls fn for every alert in the store and, when the walk went through to the end, makes the rows
// again from what it read and the writes made meanwhile (the newer of the two, for an alert in both).
func (c *catalog) walk(ctx context.Context, store childmatch.AlertStore, fn func(*childmatch.Alert) error) error {
	c.build.Lock()
	defer c.build.Unlock()
	return c.walkLocked(ctx, store, fn)
}

// walkLocked is walk, c.build held. It keeps a row of each alert, not the alert.
func (c *catalog) walkLocked(ctx context.Context, store childmatch.AlertStore, fn func(*childmatch.Alert) error) error {
	c.mu.Lock()
	c.wrote = map[childmatch.ID]*row{}
	c.mu.Unlock()
	var read []row
	err := store.WalkAlerts(ctx, func(a *childmatch.Alert) (bool, error) {
		c.mu.Lock()
		read = append(read, c.rowOf(a))
		c.mu.Unlock()
		return true, fn(a)
	})
	c.mu.Lock()
	defer c.mu.Unlock()
	wrote := c.wrote
	c.wrote = nil
	if err != nil {
		return err
	}
	rows := read[:0]
	for _, r := range read {
		if w, ok := wrote[r.id]; !ok {
			rows = append(rows, r)
		} else if w != nil {
			if w.updated.After(r.updated) {
				r = *w
			}
			rows = append(rows, r)
			delete(wrote, r.id)
		}
	}
	slices.SortFunc(rows, func(a, b row) int { return a.id.Compare(b.id) })
	c.rows, c.loaded = rows, true
	for id, r := range wrote { // written here and not seen by the walk
		c.set(id, r)
	}
	return nil
}

// ready fills the catalog from the store, the first time; callers at once wait for one walk.
func (c *catalog) ready(ctx context.Context, store childmatch.AlertStore) error {
	c.mu.RLock()
	loaded := c.loaded
	c.mu.RUnlock()
	if loaded {
		return nil
	}
	c.build.Lock()
	defer c.build.Unlock()
	c.mu.RLock()
	loaded = c.loaded
	c.mu.RUnlock()
	if loaded {
		return nil
	}
	return c.walkLocked(ctx, store, func(*childmatch.Alert) error { return nil })
}

// ids answers the id of every alert the catalog holds, filling it from the store the first time.
func (c *catalog) ids(ctx context.Context, store childmatch.AlertStore) ([]childmatch.ID, error) {
	if err := c.ready(ctx, store); err != nil {
		return nil, err
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	ids := make([]childmatch.ID, len(c.rows))
	for i, r := range c.rows {
		ids[i] = r.id
	}
	return ids, nil
}

// page answers up to limit ids of the alerts before the cursor after (zero: from the newest), newest
// first, that reached one of the posts mine (every alert, with all), only active ones with active; and
// the cursor of the next page, zero when no such alert is left.
func (c *catalog) page(after childmatch.ID, limit int, all bool, mine map[childmatch.ID]bool, active bool) ([]childmatch.ID, childmatch.ID) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var ords []uint32
	for p := range mine {
		if o, ok := c.ords[p]; ok {
			ords = append(ords, o)
		}
	}
	if !all && len(ords) == 0 {
		return []childmatch.ID{}, childmatch.ID{}
	}
	i := len(c.rows)
	if !after.IsZero() {
		i, _ = c.find(after)
	}
	ids := []childmatch.ID{}
	for i--; i >= 0; i-- {
		r := &c.rows[i]
		if active && !r.active || !all && !slices.ContainsFunc(ords, func(o uint32) bool { _, ok := slices.BinarySearch(r.posts, o); return ok }) {
			continue
		}
		if len(ids) == limit {
			return ids, ids[len(ids)-1]
		}
		ids = append(ids, r.id)
	}
	return ids, childmatch.ID{}
}

// readAlerts reads the records of a page of alerts, ListReaders at a time; an alert gone is nil.
func readAlerts(ctx context.Context, store childmatch.AlertStore, ids []childmatch.ID) ([]*childmatch.Alert, error) {
	out := make([]*childmatch.Alert, len(ids))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(childmatch.ListReaders)
	for i, id := range ids {
		g.Go(func() error {
			a, err := store.Alert(ctx, id)
			if childmatch.ErrorCodeOf(err) == childmatch.ENotFound {
				return nil // erased since the catalog listed it
			}
			out[i] = a
			return err
		})
	}
	return out, g.Wait()
}

// cataloged is the alert store as the Service writes it: each write it makes is told to the catalog.
type cataloged struct {
	childmatch.AlertStore
	c *catalog
}

func (s cataloged) CreateAlert(ctx context.Context, a *childmatch.Alert) error {
	err := s.AlertStore.CreateAlert(ctx, a)
	if err == nil {
		s.c.put(a)
	}
	return err
}

func (s cataloged) UpdateAlert(ctx context.Context, id childmatch.ID, fn func(*childmatch.Alert) error) (*childmatch.Alert, error) {
	a, err := s.AlertStore.UpdateAlert(ctx, id, fn)
	if err == nil {
		s.c.put(a)
	}
	return a, err
}

func (s cataloged) DeleteAlert(ctx context.Context, id childmatch.ID) error {
	err := s.AlertStore.DeleteAlert(ctx, id)
	if err == nil {
		s.c.drop(id)
	}
	return err
}

// Saw tells the alert list of an alert read after another replica changed it (live.Hub reads each alert
// whose version changed), so that the list has it before the next escalation pass.
func (s *Service) Saw(a *childmatch.Alert) { s.catalog.put(a) }
