package service_test

import (
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"childmatch"
	"childmatch/alert"
	"childmatch/fixtures"
	"childmatch/follow"
	"childmatch/gazetteer"
	"childmatch/index"
	"childmatch/inmem"
	"childmatch/service"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// world is one service over in-memory stores, a fake face analyzer and the real index and follower, with
// a clock the test moves.
type world struct {
	t        testing.TB
	ctx      context.Context
	store    *inmem.Store
	follower *follow.Follower
	svc      *service.Service
	alerts   *alert.Service
	sent     *dispatched
	r        *rand.Rand
	now      time.Time

	officer, shelter, reviewer, admin childmatch.Actor
}

func newWorld(t testing.TB) *world {
	return newWorldWith(t, inmem.Faces{})
}

// newWorldWith is a world whose photos are analysed by faces.
func newWorldWith(t testing.TB, faces childmatch.FaceAnalyzer) *world {
	return build(t, inmem.New(), time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC), faces)
}

// newWorldOver is another process over the same store as w, its clock where w's is.
func newWorldOver(t *testing.T, w *world) *world {
	return build(t, w.store.Another(), w.now, inmem.Faces{})
}

func build(t testing.TB, store *inmem.Store, now time.Time, faces childmatch.FaceAnalyzer) *world {
	return buildWith(t, store, now, faces, nil)
}

// buildWith is a world whose index holds the vectors of face models beside dlib's.
func buildWith(t testing.TB, store *inmem.Store, now time.Time, faces childmatch.FaceAnalyzer, models map[string]childmatch.ModelIndex) *world {
	t.Helper()
	w := &world{t: t, ctx: context.Background(), store: store, r: rand.New(rand.NewPCG(1, 2)), now: now}
	w.store.SetClock(func() time.Time { return w.now })
	log := quiet
	w.follower = follow.New(index.New(), w.store, w.store, w.store, follow.Config{CatchUp: time.Hour, SnapshotEvery: time.Hour,
		LocalSnapshot: filepath.Join(t.TempDir(), "index.snapshot"), Models: models}, log)
	if _, err := w.follower.Open(w.ctx); err != nil {
		t.Fatal(err)
	}
	stations, err := gazetteer.New(fixtures.TestStations, func(i int) string { return fixtures.TestStations[i].Code })
	if err != nil {
		t.Fatal(err)
	}
	w.sent = &dispatched{}
	clock := func() time.Time { return w.now }
	w.alerts = alert.New(alert.Deps{Posts: w.store, Alerts: w.store, Users: w.store, Audit: w.store, Dispatch: w.sent,
		Stations: stations, Cases: w.store, Now: clock})
	w.svc = service.New(service.Deps{Store: w.store, Refs: w.store, Reviews: w.store, Audit: w.store, Deliveries: w.store, Faces: faces,
		Index: w.follower, Catalog: w.follower, Limits: childmatch.DefaultLimits(1), Calibrations: w.store, Alerts: w.alerts, Log: log, Now: clock})
	actor := func(id string, org string, r childmatch.Role) childmatch.Actor {
		return childmatch.Actor{ID: id, Organisation: org, Roles: []childmatch.Role{r}}
	}
	w.officer = actor("officer", "GRP Bhopal", childmatch.RoleOfficer)
	w.shelter = actor("shelter", "Shelter Indore", childmatch.RoleShelter)
	w.reviewer = actor("reviewer", "CWC Bhopal", childmatch.RoleReviewer)
	w.admin = actor("admin", "", childmatch.RoleAdmin)
	return w
}

// person is a new face, shaped like dlib's.
func (w *world) person() childmatch.Descriptor { return fixtures.RandomDescriptor(w.r) }

// near is another photo of the same face: a descriptor exactly dist away from d.
func (w *world) near(d childmatch.Descriptor, dist float64) childmatch.Descriptor {
	return fixtures.Near(w.r, d, dist)
}

type details func(*childmatch.CaseDetails)

func age(years int) details    { return func(d *childmatch.CaseDetails) { d.Child.Age = years } }
func seen(t time.Time) details { return func(d *childmatch.CaseDetails) { d.Sighting.Time = t } }
func where(state, district string) details {
	return func(d *childmatch.CaseDetails) { d.Sighting.State, d.Sighting.District = state, district }
}

func (w *world) newCase(actor childmatch.Actor, kind childmatch.Kind, with ...details) *childmatch.Case {
	w.t.Helper()
	d := childmatch.CaseDetails{Kind: kind, Reporter: childmatch.Contact{Organisation: actor.Organisation + " desk"}}
	for _, f := range with {
		f(&d)
	}
	c, err := w.svc.CreateCase(w.ctx, actor, d)
	if err != nil {
		w.t.Fatal(err)
	}
	return c
}

func (w *world) upload(actor childmatch.Actor, c *childmatch.Case, faces ...childmatch.Descriptor) *childmatch.PhotoResult {
	w.t.Helper()
	res, err := w.svc.AddPhoto(w.ctx, actor, c.ID, inmem.Photo(faces...), 0)
	if err != nil {
		w.t.Fatal(err)
	}
	return res
}

// pair registers a missing child with one photo of a new face, and a found child whose photo lies dist
// from it; it returns both cases and the face.
func (w *world) pair(dist float64) (missing, found *childmatch.Case, face childmatch.Descriptor) {
	w.t.Helper()
	face = w.person()
	missing = w.newCase(w.officer, childmatch.KindMissing)
	w.upload(w.officer, missing, face)
	found = w.newCase(w.shelter, childmatch.KindFound)
	w.upload(w.shelter, found, w.near(face, dist))
	return missing, found, face
}

// queue is the review queue in any state.
func (w *world) queue() []childmatch.ReviewItem {
	w.t.Helper()
	page, err := w.svc.Reviews(w.ctx, w.reviewer, childmatch.ReviewQuery{})
	if err != nil {
		w.t.Fatal(err)
	}
	return page.Items
}

func (w *world) decide(id string, state childmatch.ReviewState) *childmatch.ReviewItem {
	w.t.Helper()
	item, err := w.svc.Decide(w.ctx, w.reviewer, id, state, "")
	if err != nil {
		w.t.Fatal(err)
	}
	return item
}

func (w *world) read(id childmatch.ID) *childmatch.Case {
	w.t.Helper()
	c, err := w.store.Case(w.ctx, id)
	if err != nil {
		w.t.Fatal(err)
	}
	return c
}

// searchIDs searches with one face and returns the ids of the candidate cases, nearest first.
func (w *world) searchIDs(q childmatch.SearchQuery, face childmatch.Descriptor) []childmatch.ID {
	w.t.Helper()
	res, err := w.svc.Search(w.ctx, w.officer, inmem.Photo(face), q)
	if err != nil {
		w.t.Fatal(err)
	}
	var ids []childmatch.ID
	for _, c := range res.Faces[0].Candidates {
		ids = append(ids, c.Case.ID)
	}
	return ids
}

// dispatched records what the alert side hands to the outbox: each message and the posts it is for, and
// the alerts erased.
type dispatched struct {
	mu     sync.Mutex
	sent   []sent
	erased []childmatch.ID
}

type sent struct {
	alert childmatch.ID
	m     childmatch.Message
	to    []childmatch.ID
}

func (d *dispatched) Dispatch(_ context.Context, a *childmatch.Alert, m childmatch.Message, to []childmatch.Recipient) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	s := sent{alert: a.ID, m: m}
	for _, r := range to {
		s.to = append(s.to, r.Post)
	}
	d.sent = append(d.sent, s)
	return nil
}

func (d *dispatched) Erase(_ context.Context, alert childmatch.ID) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.erased = append(d.erased, alert)
	return nil
}

// take answers what was dispatched since the last take.
func (d *dispatched) take() []sent {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := d.sent
	d.sent = nil
	return out
}
