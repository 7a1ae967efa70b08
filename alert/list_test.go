package alert_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"childmatch"
	"childmatch/alert"
	"childmatch/inmem"
)

// alertList is a service over the in-memory store with a post in Madhya Pradesh and one in Uttar
// Pradesh, each with its officer.
type alertList struct {
	t          *testing.T
	ctx        context.Context
	store      *inmem.Store
	svc        *alert.Service
	mp, up     childmatch.Actor
	mpPost     childmatch.ID
	raised     []childmatch.ID // every alert raised, in no particular order
	raisedInMP map[childmatch.ID]bool
}

func newAlertList(t *testing.T) *alertList {
	ctx := context.Background()
	store := inmem.New()
	w := &alertList{t: t, ctx: ctx, store: store, raisedInMP: map[childmatch.ID]bool{},
		svc: alert.New(alert.Deps{Posts: store, Alerts: store, Users: store, Audit: store})}
	member := func(state string) (childmatch.Actor, childmatch.ID) {
		u := &childmatch.User{ID: childmatch.NewID(), Name: "officer " + state, Roles: []childmatch.Role{childmatch.RoleOfficer}, CreatedAt: time.Now()}
		if err := store.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		p, err := w.svc.CreatePost(ctx, admin, childmatch.PostDetails{Name: "GRP " + state, Kind: childmatch.PostGRP,
			Area: childmatch.Area{States: []string{state}}, Users: []childmatch.ID{u.ID}})
		if err != nil {
			t.Fatal(err)
		}
		return childmatch.Actor{ID: u.ID.String(), Roles: u.Roles}, p.ID
	}
	w.mp, w.mpPost = member("Madhya Pradesh")
	w.up, _ = member("Uttar Pradesh")
	return w
}

// missing makes the case of a child last seen in the state.
func missing(state string) *childmatch.Case {
	return &childmatch.Case{ID: childmatch.NewID(), CaseDetails: childmatch.CaseDetails{Kind: childmatch.KindMissing,
		Sighting: childmatch.Sighting{State: state}}, Status: childmatch.StatusOpen}
}

// raise raises the alerts of n cases, every third in Madhya Pradesh, the others in Uttar Pradesh.
func (w *alertList) raise(n int) {
	for i := range n {
		state := "Uttar Pradesh"
		if len(w.raised)%3 == 0 {
			state = "Madhya Pradesh"
		}
		c := missing(state)
		if _, err := w.svc.Raise(w.ctx, c); err != nil {
			w.t.Fatal(i, err)
		}
		w.raised = append(w.raised, c.ID)
		w.raisedInMP[c.ID] = state == "Madhya Pradesh"
	}
}

// pages reads every page of the actor's alerts, limit at a time, and answers their ids in order; it
// checks each page's length and its audit event.
func (w *alertList) pages(actor childmatch.Actor, limit int) []childmatch.ID {
	w.t.Helper()
	var got []childmatch.ID
	q := childmatch.AlertQuery{Limit: limit}
	for range len(w.raised) + 2 {
		page, err := w.svc.Alerts(w.ctx, actor, q)
		if err != nil {
			w.t.Fatal(err)
		}
		var ids []childmatch.ID
		for _, a := range page.Alerts {
			ids = append(ids, a.ID)
		}
		if len(ids) > limit || !page.Next.IsZero() && (len(ids) != limit || page.Next != ids[len(ids)-1]) {
			w.t.Fatalf("a page of %d alerts (limit %d) with next %s", len(ids), limit, page.Next)
		}
		events, err := w.store.Events(w.ctx, childmatch.AuditQuery{Actor: actor.ID, Limit: 1 << 20})
		if err != nil {
			w.t.Fatal(err)
		}
		last := events.Events[len(events.Events)-1]
		if last.Action != "alert.list" || !slices.Equal(last.Cases, ids) {
			w.t.Fatalf("the page's audit event: %s %v, want alert.list %v", last.Action, last.Cases, ids)
		}
		got = append(got, ids...)
		if page.Next.IsZero() {
			return got
		}
		q.After = page.Next
	}
	w.t.Fatal("the pages never end")
	return nil
}

// newestFirst answers the raised alerts the filter keeps, newest first.
func (w *alertList) newestFirst(keep func(childmatch.ID) bool) []childmatch.ID {
	var out []childmatch.ID
	for _, id := range w.raised {
		if keep(id) {
			out = append(out, id)
		}
	}
	slices.SortFunc(out, func(a, b childmatch.ID) int { return slices.Compare(b[:], a[:]) })
	return out
}

// TestAlertPages: the alert list is paged newest first; paging through it gives every alert once, an
// admin every alert and an officer only those that reached the officer's post, on every page; alerts
// written by another replica join it when the live hub reads them (Saw) or at the next escalation pass,
// an erased one leaves it; a bad limit is named.
func TestAlertPages(t *testing.T) {
	w := newAlertList(t)
	// Alerts in the store before the list is first asked for are read from it then; later ones are
	// kept as they are raised.
	w.raise(7)
	everyone := func(childmatch.ID) bool { return true }
	if got, want := w.pages(admin, 3), w.newestFirst(everyone); !slices.Equal(got, want) {
		t.Fatalf("the admin's pages: %v, want %v", got, want)
	}
	w.raise(10)
	for _, limit := range []int{1, 4, childmatch.MaxPageSize} {
		if got, want := w.pages(admin, limit), w.newestFirst(everyone); !slices.Equal(got, want) {
			t.Fatalf("the admin's pages of %d: %v, want %v", limit, got, want)
		}
		mine := w.newestFirst(func(id childmatch.ID) bool { return w.raisedInMP[id] })
		if got := w.pages(w.mp, limit); !slices.Equal(got, mine) {
			t.Fatalf("the Madhya Pradesh officer's pages of %d: %v, want %v", limit, got, mine)
		}
		theirs := w.newestFirst(func(id childmatch.ID) bool { return !w.raisedInMP[id] })
		if got := w.pages(w.up, limit); !slices.Equal(got, theirs) {
			t.Fatalf("the Uttar Pradesh officer's pages of %d: %v, want %v", limit, got, theirs)
		}
	}

	// Another replica raises two alerts (written to the store, not through this service): the first
	// joins the list when the live hub reads it, the second at the escalation pass.
	other := alert.New(alert.Deps{Posts: w.store, Alerts: w.store, Users: w.store, Audit: w.store})
	var elsewhere []*childmatch.Alert
	for range 2 {
		c := missing("Madhya Pradesh")
		a, err := other.Raise(w.ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		elsewhere = append(elsewhere, a)
	}
	mpOnly := func(id childmatch.ID) bool { return w.raisedInMP[id] }
	if got, want := w.pages(w.mp, 5), w.newestFirst(mpOnly); !slices.Equal(got, want) {
		t.Fatalf("before it hears of another replica's alerts: %v, want %v", got, want)
	}
	w.svc.Saw(elsewhere[0])
	w.raised, w.raisedInMP[elsewhere[0].ID] = append(w.raised, elsewhere[0].ID), true
	if got, want := w.pages(w.mp, 5), w.newestFirst(mpOnly); !slices.Equal(got, want) {
		t.Fatalf("after the hub read one: %v, want %v", got, want)
	}
	if err := w.svc.Escalate(w.ctx); err != nil {
		t.Fatal(err)
	}
	w.raised, w.raisedInMP[elsewhere[1].ID] = append(w.raised, elsewhere[1].ID), true
	if got, want := w.pages(w.mp, 5), w.newestFirst(mpOnly); !slices.Equal(got, want) {
		t.Fatalf("after the escalation pass: %v, want %v", got, want)
	}

	// An erased alert leaves the list; one erased by another replica is left off its page at once.
	if err := w.svc.Erase(w.ctx, w.raised[0]); err != nil {
		t.Fatal(err)
	}
	if err := other.Erase(w.ctx, w.raised[1]); err != nil {
		t.Fatal(err)
	}
	w.raised = w.raised[2:]
	if got, want := w.pages(admin, 4), w.newestFirst(everyone); !slices.Equal(got, want) {
		t.Fatalf("after two alerts were erased: %v, want %v", got, want)
	}

	for _, limit := range []int{-1, childmatch.MaxPageSize + 1} {
		_, err := w.svc.Alerts(w.ctx, admin, childmatch.AlertQuery{Limit: limit})
		if childmatch.ErrorCodeOf(err) != childmatch.EInvalid || childmatch.ErrorField(err) != "limit" {
			t.Fatalf("limit %d: %v", limit, err)
		}
	}
	if _, err := w.svc.Alerts(w.ctx, childmatch.Actor{ID: "nobody"}, childmatch.AlertQuery{}); childmatch.ErrorCodeOf(err) != childmatch.EForbidden {
		t.Fatalf("a user without a role lists alerts: %v", err)
	}
}

// midWalk is the store with a hook run in the middle of each walk over the alerts.
type midWalk struct {
	*inmem.Store
	hook func()
}

func (s *midWalk) WalkAlerts(ctx context.Context, fn func(*childmatch.Alert) (bool, error)) error {
	n := 0
	return s.Store.WalkAlerts(ctx, func(a *childmatch.Alert) (bool, error) {
		if n++; n == 2 && s.hook != nil {
			s.hook()
		}
		return fn(a)
	})
}

// TestAlertWrittenDuringTheEscalationWalk: an alert raised and one erased while the escalation pass walks
// the store (which listed the store before either) are kept as written, not as the walk found them.
func TestAlertWrittenDuringTheEscalationWalk(t *testing.T) {
	w := newAlertList(t)
	store := &midWalk{Store: w.store}
	w.svc = alert.New(alert.Deps{Posts: store, Alerts: store, Users: store, Audit: store})
	w.raise(4)
	everyone := func(childmatch.ID) bool { return true }
	if got, want := w.pages(admin, 3), w.newestFirst(everyone); !slices.Equal(got, want) {
		t.Fatalf("before the pass: %v, want %v", got, want)
	}
	store.hook = func() {
		store.hook = nil
		w.raise(1)
		if err := w.svc.Erase(w.ctx, w.raised[0]); err != nil {
			t.Fatal(err)
		}
		w.raised = w.raised[1:]
	}
	if err := w.svc.Escalate(w.ctx); err != nil {
		t.Fatal(err)
	}
	if store.hook != nil {
		t.Fatal("the pass did not walk the alerts")
	}
	if got, want := w.pages(admin, 3), w.newestFirst(everyone); !slices.Equal(got, want) {
		t.Fatalf("after the pass: %v, want %v", got, want)
	}
}
