package alert_test

import (
	"context"
	"testing"
	"time"

	"childmatch"
	"childmatch/alert"
	"childmatch/inmem"
)

var (
	admin   = childmatch.Actor{ID: "admin", Roles: []childmatch.Role{childmatch.RoleAdmin}}
	officer = childmatch.Actor{ID: "officer", Roles: []childmatch.Role{childmatch.RoleOfficer}}
	secret  = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" // the base64 of 24 bytes
)

func itarsi() childmatch.PostDetails {
	return childmatch.PostDetails{Name: " GRP Itarsi ", Kind: childmatch.PostGRP,
		Area:     childmatch.Area{States: []string{"Madhya Pradesh"}, Districts: []string{"Narmadapuram"}, Stations: []string{"et"}},
		Webhooks: []childmatch.Webhook{{URL: "https://partner.example/hook", Secret: secret}}}
}

// TestPosts: an admin registers, lists, changes and removes posts; text is trimmed and station codes
// upper-cased; a change keeps what it does not name; nobody else may manage posts.
func TestPosts(t *testing.T) {
	ctx := context.Background()
	store := inmem.New()
	s := alert.New(alert.Deps{Posts: store, Users: store, Audit: store})
	p, err := s.CreatePost(ctx, admin, itarsi())
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "GRP Itarsi" || p.Area.Stations[0] != "ET" || p.CreatedBy != "admin" {
		t.Fatalf("created %+v", p)
	}
	if _, err := s.CreatePost(ctx, officer, itarsi()); childmatch.ErrorCodeOf(err) != childmatch.EForbidden {
		t.Fatalf("an officer registers a post: %v", err)
	}
	name := "GRP Itarsi Junction"
	changed, err := s.UpdatePost(ctx, admin, p.ID, childmatch.PostChange{Name: &name})
	if err != nil || changed.Name != name || changed.Area.Districts[0] != "Narmadapuram" || len(changed.Webhooks) != 1 {
		t.Fatalf("changed %+v %v", changed, err)
	}
	posts, err := s.Posts(ctx, admin)
	if err != nil || len(posts) != 1 || posts[0].Name != name {
		t.Fatalf("posts %+v %v", posts, err)
	}
	if err := s.DeletePost(ctx, admin, p.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Post(ctx, admin, p.ID); childmatch.ErrorCodeOf(err) != childmatch.ENotFound {
		t.Fatalf("a removed post: %v", err)
	}
}

// TestPostChecks: each bad field is named.
func TestPostChecks(t *testing.T) {
	ctx := context.Background()
	store := inmem.New()
	s := alert.New(alert.Deps{Posts: store, Users: store, Audit: store})
	for _, tc := range []struct {
		field string
		bad   func(*childmatch.PostDetails)
	}{
		{"name", func(d *childmatch.PostDetails) { d.Name = " " }},
		{"kind", func(d *childmatch.PostDetails) { d.Kind = "army" }},
		{"area", func(d *childmatch.PostDetails) { d.Area = childmatch.Area{} }},
		{"area.states", func(d *childmatch.PostDetails) { d.Area.States = nil }},
		{"area.stations", func(d *childmatch.PostDetails) { d.Area.Stations = []string{"ITARSI1"} }},
		{"area.all", func(d *childmatch.PostDetails) { d.Area.All = true }},
		{"area.radius_km", func(d *childmatch.PostDetails) { d.Area.RadiusKm = 50 }},
		{"area.point", func(d *childmatch.PostDetails) {
			d.Area.Point, d.Area.RadiusKm = &childmatch.Place{Lat: 95, Lon: 77}, 20
		}},
		{"webhooks.url", func(d *childmatch.PostDetails) { d.Webhooks[0].URL = "http://partner.example/hook" }},
		{"webhooks.url", func(d *childmatch.PostDetails) { d.Webhooks[0].URL = "https://user:pw@partner.example/" }},
		{"webhooks.secret", func(d *childmatch.PostDetails) { d.Webhooks[0].Secret = "hunter2" }},
		{"webhooks.secret", func(d *childmatch.PostDetails) { d.Webhooks[0].Secret = "whsec_c2hvcnQ=" }},
		{"users", func(d *childmatch.PostDetails) { d.Users = []childmatch.ID{childmatch.NewID()} }},
		{"quiet.from", func(d *childmatch.PostDetails) { d.Quiet = &childmatch.QuietHours{From: "10 pm", To: "06:00"} }},
		{"quiet.to", func(d *childmatch.PostDetails) { d.Quiet = &childmatch.QuietHours{From: "22:00", To: "22:00"} }},
		{"area.windows", func(d *childmatch.PostDetails) {
			d.Area.Windows = []childmatch.StationWindow{{Code: "ET", From: time.Now(), To: time.Now().Add(time.Hour)}}
		}},
	} {
		d := itarsi()
		tc.bad(&d)
		if _, err := s.CreatePost(ctx, admin, d); childmatch.ErrorField(err) != tc.field {
			t.Errorf("want field %s refused, got %v", tc.field, err)
		}
	}
	local := itarsi()
	local.Webhooks[0].URL = "http://127.0.0.1:9000/hook"
	if _, err := s.CreatePost(ctx, admin, local); err != nil {
		t.Errorf("an http endpoint on this machine: %v", err)
	}
}
