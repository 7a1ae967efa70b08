package service_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"childmatch"
	"childmatch/alert"
	"childmatch/inmem"
)

// BenchmarkAlertListInMemory: one page of the alert list (50, newest first) over 100,000 alerts of 36
// states' 720 posts (each alert reaches the 20 posts of its state), without HTTP or MinIO: what the
// alert catalog costs with the page's reads from the in-memory store. first is an admin's first page,
// officer a post's officer's (a 36th of the alerts reach the post), deep an admin's page from the middle,
// sparse an officer whose post only the oldest 10 alerts reached (the catalog reads through every alert
// to find them).
func BenchmarkAlertListInMemory(b *testing.B) {
	ctx := context.Background()
	store := inmem.New()
	svc := alert.New(alert.Deps{Posts: store, Alerts: store, Users: store, Audit: store, Log: quiet})
	r := rand.New(rand.NewPCG(1, 2))
	const states, perState, alerts = 36, 20, 100_000
	posts := make([][]*childmatch.Post, states)
	for s := range states {
		for range perState {
			p := &childmatch.Post{ID: childmatch.NewID(), Name: fmt.Sprintf("Post %02d", s), Kind: childmatch.PostGRP,
				Area: childmatch.Area{States: []string{fmt.Sprintf("State %02d", s)}}, Users: []childmatch.ID{childmatch.NewID()}}
			if err := store.CreatePost(ctx, p); err != nil {
				b.Fatal(err)
			}
			posts[s] = append(posts[s], p)
		}
	}
	lone := &childmatch.Post{ID: childmatch.NewID(), Name: "Lone post", Kind: childmatch.PostShelter,
		Area: childmatch.Area{States: []string{"Lone state"}}, Users: []childmatch.ID{childmatch.NewID()}}
	if err := store.CreatePost(ctx, lone); err != nil {
		b.Fatal(err)
	}
	start := time.Now().UTC().AddDate(-2, 0, 0)
	ids := make([]childmatch.ID, alerts)
	for i := range alerts {
		at := start.Add(time.Duration(i) * 10 * time.Minute)
		id := childmatch.IDAt(at)
		id[15] = byte(r.IntN(256))
		s := r.IntN(states)
		a := &childmatch.Alert{ID: id, Case: id, Status: childmatch.AlertActive, Area: childmatch.Area{States: []string{fmt.Sprintf("State %02d", s)}},
			Messages:  []childmatch.Message{{Seq: 1, Type: childmatch.MsgAlert, At: at, Reason: childmatch.ReasonReported}},
			CreatedAt: at, UpdatedAt: at}
		for _, p := range posts[s] {
			a.Recipients = append(a.Recipients, childmatch.Recipient{Post: p.ID, Name: p.Name, Kind: p.Kind, Since: 1, At: at})
		}
		if i < 10 {
			a.Recipients = append(a.Recipients, childmatch.Recipient{Post: lone.ID, Name: lone.Name, Kind: lone.Kind, Since: 1, At: at})
		}
		if err := store.CreateAlert(ctx, a); err != nil {
			b.Fatal(err)
		}
		ids[i] = id
	}
	admin := childmatch.Actor{ID: "admin", Roles: []childmatch.Role{childmatch.RoleAdmin}}
	officer := func(p *childmatch.Post) childmatch.Actor {
		return childmatch.Actor{ID: p.Users[0].String(), Roles: []childmatch.Role{childmatch.RoleOfficer}}
	}
	if _, err := svc.Alerts(ctx, admin, childmatch.AlertQuery{}); err != nil { // fills the catalog
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		actor childmatch.Actor
		q     childmatch.AlertQuery
		want  int
	}{
		{"first", admin, childmatch.AlertQuery{}, childmatch.DefaultPageSize},
		{"officer", officer(posts[0][0]), childmatch.AlertQuery{}, childmatch.DefaultPageSize},
		{"deep", admin, childmatch.AlertQuery{After: ids[alerts/2]}, childmatch.DefaultPageSize},
		{"sparse", officer(lone), childmatch.AlertQuery{}, 10},
	} {
		b.Run(tc.name, func(b *testing.B) {
			defer cpuPerOp(b)()
			for range b.N {
				if page, err := svc.Alerts(ctx, tc.actor, tc.q); err != nil || len(page.Alerts) != tc.want {
					b.Fatal(err)
				}
			}
		})
	}
}
