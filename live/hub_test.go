package live_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"childmatch"
	"childmatch/alert"
	"childmatch/inmem"
	"childmatch/live"
)

// Two replicas over one store: the hub watches through one, the alerts change through the other, and a
// user's stream hears exactly the changes of the alerts of the user's posts.
func TestStreamHearsChangesMadeOnAnotherReplica(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	watched := inmem.New()
	other := watched.Another()
	officer := childmatch.NewID()
	stranger := childmatch.NewID()
	mine := &childmatch.Post{ID: childmatch.NewID(), Name: "GRP Itarsi", Kind: childmatch.PostGRP,
		Area: childmatch.Area{States: []string{"Madhya Pradesh"}}, Users: []childmatch.ID{officer}}
	theirs := &childmatch.Post{ID: childmatch.NewID(), Name: "RPF Howrah", Kind: childmatch.PostRPF,
		Area: childmatch.Area{States: []string{"West Bengal"}}, Users: []childmatch.ID{stranger}}
	for _, p := range []*childmatch.Post{mine, theirs} {
		if err := other.CreatePost(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	alerts := alert.New(alert.Deps{Posts: other, Alerts: other, Users: other, Audit: other})
	// An alert from before the hub starts is not news.
	old := missing("Madhya Pradesh")
	if _, err := alerts.Raise(ctx, old); err != nil {
		t.Fatal(err)
	}
	// This replica's alert list, read once before the hub starts, hears of the others' alerts from it.
	list := alert.New(alert.Deps{Posts: watched, Alerts: watched, Users: watched, Audit: watched})
	actor := childmatch.Actor{ID: officer.String(), Roles: []childmatch.Role{childmatch.RoleOfficer}}
	if page, err := list.Alerts(ctx, actor, childmatch.AlertQuery{}); err != nil || len(page.Alerts) != 1 {
		t.Fatalf("the list before the hub starts: %v", err)
	}
	hub := live.New(live.Deps{Versions: watched, Alerts: watched, Posts: watched, Log: slog.New(slog.DiscardHandler), Every: 10 * time.Millisecond,
		Seen: list.Saw})
	go hub.Run(ctx)
	events, err := hub.Subscribe(ctx, actor)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // the first look learns what is there

	elsewhere := missing("West Bengal")
	here := missing("Madhya Pradesh")
	for _, c := range []*childmatch.Case{elsewhere, here} {
		if _, err := alerts.Raise(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	want := []childmatch.AlertEventType{childmatch.EventRaised}
	expect(t, events, here.ID, want)
	if page, err := list.Alerts(ctx, actor, childmatch.AlertQuery{}); err != nil || len(page.Alerts) != 2 || page.Alerts[0].ID != here.ID {
		t.Fatalf("the list once the hub read the new alert: %v", err)
	}
	if _, err := alerts.Acknowledge(ctx, actor, here.ID, mine.ID, childmatch.AckSearching); err != nil {
		t.Fatal(err)
	}
	ev := expect(t, events, here.ID, []childmatch.AlertEventType{childmatch.EventAcknowledged})
	if ev.Post == nil || *ev.Post != mine.ID || ev.State != childmatch.AckSearching {
		t.Errorf("acknowledgement event %+v, want post %s searching", ev, mine.ID)
	}
	if err := alerts.StandDown(ctx, here, "matched"); err != nil {
		t.Fatal(err)
	}
	ev = expect(t, events, here.ID, []childmatch.AlertEventType{childmatch.EventCancelled})
	if ev.Status != childmatch.AlertCancelled {
		t.Errorf("cancel event says status %q", ev.Status)
	}
	if err := alerts.StandDown(ctx, elsewhere, "matched"); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-events:
		t.Fatalf("heard %+v of an alert that did not reach the user's posts", ev)
	case <-time.After(100 * time.Millisecond):
	}
	// An alert from before the start, known by its version only, is news when it changes.
	if _, err := alerts.Acknowledge(ctx, actor, old.ID, mine.ID, childmatch.AckSeen); err != nil {
		t.Fatal(err)
	}
	expect(t, events, old.ID, []childmatch.AlertEventType{childmatch.EventUpdated})
}

func missing(state string) *childmatch.Case {
	return &childmatch.Case{ID: childmatch.NewID(), CaseDetails: childmatch.CaseDetails{Kind: childmatch.KindMissing,
		Sighting: childmatch.Sighting{State: state}}}
}

// expect reads the next events and checks they are of the alert and of the types given.
func expect(t *testing.T, events <-chan childmatch.AlertEvent, alert childmatch.ID, types []childmatch.AlertEventType) childmatch.AlertEvent {
	t.Helper()
	var last childmatch.AlertEvent
	for _, want := range types {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatal("the stream closed")
			}
			if ev.Alert != alert || ev.Type != want {
				t.Fatalf("heard %s of %s, want %s of %s", ev.Type, ev.Alert, want, alert)
			}
			last = ev
		case <-time.After(2 * time.Second):
			t.Fatalf("no %s of %s within 2 s", want, alert)
		}
	}
	return last
}

func TestStreamsAreBoundedPerUserAndEndAtClose(t *testing.T) {
	ctx := context.Background()
	store := inmem.New()
	hub := live.New(live.Deps{Versions: store, Alerts: store, Posts: store, Log: slog.New(slog.DiscardHandler)})
	actor := childmatch.Actor{ID: childmatch.NewID().String(), Roles: []childmatch.Role{childmatch.RoleShelter}}
	var open []<-chan childmatch.AlertEvent
	first, endFirst := context.WithCancel(ctx)
	for i := range childmatch.MaxStreamsPerUser {
		c := ctx
		if i == 0 {
			c = first
		}
		ch, err := hub.Subscribe(c, actor)
		if err != nil {
			t.Fatal(err)
		}
		open = append(open, ch)
	}
	if _, err := hub.Subscribe(ctx, actor); childmatch.ErrorCodeOf(err) != childmatch.ETooManyRequests {
		t.Fatalf("stream %d gave %v, want too many requests", childmatch.MaxStreamsPerUser+1, err)
	}
	// Ending one stream's request closes it and frees its place.
	endFirst()
	if _, ok := <-open[0]; ok {
		t.Fatal("a stream whose request ended is still open")
	}
	again, err := hub.Subscribe(ctx, actor)
	if err != nil {
		t.Fatalf("after one stream ended: %v", err)
	}
	open = append(open[1:], again)
	hub.Close()
	for i, ch := range open {
		if _, ok := <-ch; ok {
			t.Fatalf("stream %d is open after Close", i)
		}
	}
	if _, err := hub.Subscribe(ctx, actor); childmatch.ErrorCodeOf(err) != childmatch.EUnavailable {
		t.Errorf("subscribing after Close gave %v, want unavailable", err)
	}
}
