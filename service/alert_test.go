package service_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"childmatch"
)

// post registers a post through the alert service (so its checks run) and answers it.
func (w *world) post(name string, kind childmatch.PostKind, area childmatch.Area, with ...func(*childmatch.PostDetails)) *childmatch.Post {
	w.t.Helper()
	d := childmatch.PostDetails{Name: name, Kind: kind, Area: area}
	for _, f := range with {
		f(&d)
	}
	p, err := w.alerts.CreatePost(w.ctx, w.admin, d)
	if err != nil {
		w.t.Fatal(err)
	}
	w.now = w.now.Add(time.Second) // posts are listed in creation order
	return p
}

// member makes a user with the role, its actor, and the option that puts it in a post.
func (w *world) member(name string, role childmatch.Role) (childmatch.Actor, func(*childmatch.PostDetails)) {
	w.t.Helper()
	u := &childmatch.User{ID: childmatch.NewID(), Name: name, Organisation: name, Roles: []childmatch.Role{role}, CreatedAt: w.now}
	if err := w.store.CreateUser(w.ctx, u); err != nil {
		w.t.Fatal(err)
	}
	return childmatch.Actor{ID: u.ID.String(), Name: name, Organisation: name, Roles: u.Roles},
		func(d *childmatch.PostDetails) { d.Users = append(d.Users, u.ID) }
}

func (w *world) alertOf(id childmatch.ID) *childmatch.Alert {
	w.t.Helper()
	a, err := w.store.Alert(w.ctx, id)
	if err != nil {
		w.t.Fatal(err)
	}
	return a
}

func recipients(a *childmatch.Alert) []childmatch.ID {
	var out []childmatch.ID
	for _, r := range a.Recipients {
		out = append(out, r.Post)
	}
	return out
}

func sameIDs(a, b []childmatch.ID) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	cmp := func(p, q childmatch.ID) int { return slices.Compare(p[:], q[:]) }
	slices.SortFunc(x, cmp)
	slices.SortFunc(y, cmp)
	return slices.Equal(x, y)
}

// patch changes a case with a JSON merge patch, as the API does.
func (w *world) patch(actor childmatch.Actor, id childmatch.ID, doc string) (*childmatch.Case, error) {
	return w.svc.ChangeCase(w.ctx, actor, id, func(d childmatch.CaseDetails) (childmatch.CaseDetails, error) {
		cur, err := json.Marshal(d)
		if err != nil {
			return d, err
		}
		merged, err := childmatch.MergePatch(cur, []byte(doc))
		if err != nil {
			return d, err
		}
		var next childmatch.CaseDetails
		return next, json.Unmarshal(merged, &next)
	})
}

// TestCaseChanges: a change keeps the earlier values in the case's history and updates the open alert;
// a radius widened to reach Bhopal reaches its post, which gets the alert with the update; a change is
// checked as a new report is, and only the roles that file a case of its kind may make it.
func TestCaseChanges(t *testing.T) {
	w := newWorld(t)
	mp := []string{"Madhya Pradesh"}
	itarsi := w.post("GRP Itarsi", childmatch.PostGRP, childmatch.Area{States: mp, Stations: []string{"ET"}})
	pipariya := w.post("RPF Pipariya", childmatch.PostRPF, childmatch.Area{Stations: []string{"PPI"}})
	bhopal := w.post("RPF Bhopal", childmatch.PostRPF, childmatch.Area{Stations: []string{"BPL"}})
	w.post("GRP Lucknow", childmatch.PostGRP, childmatch.Area{States: []string{"Uttar Pradesh"}})
	c := w.newCase(w.officer, childmatch.KindMissing, age(9), func(d *childmatch.CaseDetails) {
		d.Sighting.Station, d.Sighting.State = "ET", "Madhya Pradesh"
		d.Alert = &childmatch.Area{RadiusKm: 70}
	})
	a := w.alertOf(c.ID)
	if !sameIDs(recipients(a), []childmatch.ID{itarsi.ID, pipariya.ID}) || a.Area.Point == nil || !slices.Contains(a.Area.Stations, "ET") {
		t.Fatalf("70 km around ET reached %v (area %+v), want Itarsi and Pipariya", recipients(a), a.Area)
	}
	if got := w.sent.take(); len(got) != 1 || got[0].m.Type != childmatch.MsgAlert || !sameIDs(got[0].to, recipients(a)) {
		t.Fatalf("dispatched %+v", got)
	}

	w.now = w.now.Add(time.Minute)
	changed, err := w.patch(w.officer, c.ID, `{"alert": {"radius_km": 90}, "child": {"age": 10}}`)
	if err != nil {
		t.Fatal(err)
	}
	if len(changed.History) != 1 || !slices.Equal(changed.History[0].Fields, []string{"alert.radius_km", "child.age"}) ||
		string(changed.History[0].Earlier["child.age"]) != "9" || string(changed.History[0].Earlier["alert.radius_km"]) != "70" ||
		changed.History[0].By != w.officer.ID || !changed.History[0].At.Equal(w.now) || changed.Child.Age != 10 {
		t.Fatalf("history %+v, age %d", changed.History, changed.Child.Age)
	}
	a = w.alertOf(c.ID)
	got := w.sent.take()
	if len(got) != 1 || got[0].m.Type != childmatch.MsgUpdate || got[0].m.Reason != childmatch.ReasonWidened ||
		!sameIDs(got[0].to, []childmatch.ID{itarsi.ID, pipariya.ID, bhopal.ID}) {
		t.Fatalf("the widened alert was dispatched as %+v", got)
	}
	if r := a.Recipients[len(a.Recipients)-1]; r.Post != bhopal.ID || r.Since != 2 {
		t.Fatalf("Bhopal's post joined as %+v", r)
	}

	if _, err := w.patch(w.officer, c.ID, `{"sighting": {"place": "platform 4"}}`); err != nil {
		t.Fatal(err)
	}
	if got := w.sent.take(); len(got) != 1 || got[0].m.Reason != childmatch.ReasonSighting {
		t.Fatalf("a new sighting was dispatched as %+v", got)
	}
	if _, err := w.patch(w.officer, c.ID, `{"child": {"age": 10}}`); err != nil {
		t.Fatal(err)
	}
	if got, h := w.sent.take(), w.read(c.ID).History; len(got) != 0 || len(h) != 2 {
		t.Fatalf("a change that changes nothing: dispatched %+v, %d revisions", got, len(h))
	}
	for _, tc := range []struct{ doc, field string }{
		{`{"kind": "found"}`, "kind"},
		{`{"origin": {"source": "trackchild", "reference": "MP-1"}}`, "origin"}, // unique only when claimed at creation
		{`{"publication": {"by": "CWC Bhopal", "at": "2026-11-01T10:00:00Z"}}`, "publication"},
		{`{"child": {"age": 40}}`, "child.age"},
		{`{"sighting": {"station": "XYZ"}}`, "alert.radius_km"}, // the radius's centre is not a known station
		{`{"sighting": {"station": null}}`, "alert.radius_km"},
		{`{"alert": {"windows": [{"code": "BPL", "from": "2026-11-01T16:00:00+05:30", "to": "2026-11-01T17:00:00+05:30"}]}}`, "alert.windows"},
		{`{"alert": {"stations": ["BPL"], "windows": [{"code": "BPL", "from": "2026-11-01T17:00:00+05:30", "to": "2026-11-01T16:00:00+05:30"}]}}`, "alert.windows"},
	} {
		if _, err := w.patch(w.officer, c.ID, tc.doc); childmatch.ErrorField(err) != tc.field {
			t.Errorf("%s: %v, want field %s refused", tc.doc, err, tc.field)
		}
	}
	if _, err := w.patch(w.shelter, c.ID, `{"child": {"age": 11}}`); childmatch.ErrorCodeOf(err) != childmatch.ENotFound {
		t.Errorf("a shelter changes another organisation's report: %v", err)
	}
	if _, err := w.patch(w.reviewer, c.ID, `{"child": {"age": 11}}`); childmatch.ErrorCodeOf(err) != childmatch.EForbidden {
		t.Errorf("a reviewer changes a report: %v", err)
	}
	if h := w.read(c.ID).History; len(h) != 2 || w.read(c.ID).Child.Age != 10 {
		t.Errorf("refused changes were kept: %+v", h)
	}
}

// TestPhotoUpdates: the report's details go out at once, its photo follows as an update; a report whose
// alert is missing gets it raised by its photo.
func TestPhotoUpdates(t *testing.T) {
	w := newWorld(t)
	p := w.post("GRP Bhopal", childmatch.PostGRP, childmatch.Area{States: []string{"Madhya Pradesh"}})
	c := w.newCase(w.officer, childmatch.KindMissing, where("Madhya Pradesh", "Bhopal"))
	w.upload(w.officer, c, w.person())
	got := w.sent.take()
	if len(got) != 2 || got[0].m.Type != childmatch.MsgAlert || got[1].m.Type != childmatch.MsgUpdate ||
		got[1].m.Reason != childmatch.ReasonPhoto || !sameIDs(got[1].to, []childmatch.ID{p.ID}) {
		t.Fatalf("dispatched %+v", got)
	}
	if err := w.store.DeleteAlert(w.ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	w.upload(w.officer, c, w.person())
	if got := w.sent.take(); len(got) != 1 || got[0].m.Type != childmatch.MsgAlert {
		t.Fatalf("a photo of a report without its alert dispatched %+v", got)
	}
}

// TestEscalation: a post silent for AlertAck is sent the alert again on its next channel, one a time in
// childmatch.Channels' order, and its state's control room is told; a post that answered is left alone;
// a second replica's pass at the same moment sends nothing more; once every channel was tried the control
// room hears once more and the post is no longer chased.
func TestEscalation(t *testing.T) {
	w := newWorld(t)
	mp := []string{"Madhya Pradesh"}
	constable, inPost := w.member("GRP Itarsi", childmatch.RoleOfficer)
	silent := w.post("GRP Itarsi", childmatch.PostGRP, childmatch.Area{States: mp, Stations: []string{"ET"}}, inPost,
		func(d *childmatch.PostDetails) {
			d.Endpoints = []childmatch.Endpoint{{Channel: childmatch.ChanTelegram, Address: "-100123"}}
			d.Webhooks = []childmatch.Webhook{{URL: "https://partner.example/hook", Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}}
		})
	sergeant, inOther := w.member("RPF Itarsi", childmatch.RoleOfficer)
	answers := w.post("RPF Itarsi", childmatch.PostRPF, childmatch.Area{Stations: []string{"ET"}}, inOther)
	room := w.post("Bhopal control room", childmatch.PostControlRoom, childmatch.Area{States: mp, Districts: []string{"Bhopal"}})
	w.post("Lucknow control room", childmatch.PostControlRoom, childmatch.Area{States: []string{"Uttar Pradesh"}})
	c := w.newCase(w.officer, childmatch.KindMissing, func(d *childmatch.CaseDetails) {
		d.Sighting.State, d.Alert = "Madhya Pradesh", &childmatch.Area{Stations: []string{"ET"}}
	})
	w.sent.take()
	if _, err := w.alerts.Acknowledge(w.ctx, sergeant, c.ID, answers.ID, childmatch.AckSearching); err != nil {
		t.Fatal(err)
	}
	ack := childmatch.DefaultLimits(1).AlertAck
	start := w.now
	pass := func(after time.Duration) []sent {
		t.Helper()
		w.now = start.Add(after)
		if err := w.alerts.Escalate(w.ctx); err != nil {
			t.Fatal(err)
		}
		return w.sent.take()
	}
	if got := pass(ack - time.Second); len(got) != 0 {
		t.Fatalf("chased before its time: %+v", got)
	}
	for i, want := range []childmatch.Channel{childmatch.ChanPush, childmatch.ChanWebhook, childmatch.ChanTelegram} {
		got := pass(time.Duration(i+1) * ack)
		if len(got) != 2 {
			t.Fatalf("escalation %d dispatched %+v", i+1, got)
		}
		again, told := got[0], got[1]
		if again.m.Type != childmatch.MsgAlert || again.m.Reason != childmatch.ReasonEscalate ||
			!slices.Equal(again.m.Channels, []childmatch.Channel{want}) || !sameIDs(again.to, []childmatch.ID{silent.ID}) {
			t.Errorf("escalation %d sent %+v, want the alert again on %s to the silent post", i+1, again, want)
		}
		if told.m.Reason != childmatch.ReasonSilent || !sameIDs(told.to, []childmatch.ID{room.ID}) || !sameIDs(told.m.Silent, []childmatch.ID{silent.ID}) {
			t.Errorf("escalation %d told %+v, want Bhopal's control room of the silent post", i+1, told)
		}
		if i == 0 { // another replica at the same moment finds nothing left to do
			other := newWorldOver(t, w)
			other.sent = w.sent
			if err := other.alerts.Escalate(w.ctx); err != nil {
				t.Fatal(err)
			}
			if got := w.sent.take(); len(got) != 0 {
				t.Fatalf("a second replica sent %+v", got)
			}
		}
	}
	if got := pass(4 * ack); len(got) != 1 || got[0].m.Reason != childmatch.ReasonSilent {
		t.Fatalf("once every channel was tried the control room hears of it once more, got %+v", got)
	}
	if got := pass(10 * ack); len(got) != 0 {
		t.Fatalf("chased after every channel was tried: %+v", got)
	}
	if _, err := w.alerts.Acknowledge(w.ctx, constable, c.ID, silent.ID, childmatch.AckSeen); err != nil {
		t.Fatal(err)
	}
}

// TestQuietHours: in a post's quiet hours an exercise and a low-urgency update are held back until they
// end; a new missing child, a new photo, are not. Only admins raise exercises, and they are counted apart.
func TestQuietHours(t *testing.T) {
	w := newWorld(t)
	mp := childmatch.Area{States: []string{"Madhya Pradesh"}}
	quiet := w.post("Shelter Bhopal", childmatch.PostShelter, mp, func(d *childmatch.PostDetails) {
		d.Quiet = &childmatch.QuietHours{From: "22:00", To: "06:00"}
	})
	awake := w.post("GRP Bhopal", childmatch.PostGRP, mp)
	w.now = time.Date(2026, 11, 1, 23, 0, 0, 0, childmatch.IST)
	morning := time.Date(2026, 11, 2, 6, 0, 0, 0, childmatch.IST)
	both := []childmatch.ID{quiet.ID, awake.ID}

	drill, err := w.svc.Exercise(w.ctx, w.admin, childmatch.CaseDetails{Child: childmatch.Child{Name: "Drill"},
		Sighting: childmatch.Sighting{State: "Madhya Pradesh"}, Reporter: childmatch.Contact{Organisation: "drill"}})
	if err != nil {
		t.Fatal(err)
	}
	if a := w.alertOf(drill.ID); !a.Exercise || a.Event(a.Messages[0]) != "alert.exercise" {
		t.Fatalf("the drill's alert: %+v", a)
	}
	if got := w.sent.take(); len(got) != 1 || !sameIDs(got[0].to, []childmatch.ID{awake.ID}) {
		t.Fatalf("the exercise at 23:00 went to %+v, want the awake post only", got)
	}
	real := w.newCase(w.officer, childmatch.KindMissing, where("Madhya Pradesh", "Bhopal"))
	if got := w.sent.take(); len(got) != 1 || !sameIDs(got[0].to, both) {
		t.Fatalf("a missing child at 23:00 went to %+v, want both", got)
	}
	if _, err := w.patch(w.officer, real.ID, `{"child": {"description": "red shirt"}}`); err != nil {
		t.Fatal(err)
	}
	if got := w.sent.take(); len(got) != 1 || !sameIDs(got[0].to, []childmatch.ID{awake.ID}) {
		t.Fatalf("a low-urgency update at 23:00 went to %+v", got)
	}
	w.upload(w.officer, real, w.person())
	if got := w.sent.take(); len(got) != 1 || !sameIDs(got[0].to, both) {
		t.Fatalf("a photo at 23:00 went to %+v, want both", got)
	}
	w.now = morning.Add(-time.Minute)
	w.alerts.Escalate(w.ctx)
	for _, s := range w.sent.take() {
		if slices.Contains(s.to, quiet.ID) {
			t.Fatalf("sent to the quiet post before its hours ended: %+v", s)
		}
	}
	w.now = morning
	if err := w.alerts.Escalate(w.ctx); err != nil {
		t.Fatal(err)
	}
	var released []string
	for _, s := range w.sent.take() {
		if sameIDs(s.to, []childmatch.ID{quiet.ID}) {
			released = append(released, s.m.Reason)
		}
	}
	slices.Sort(released)
	if !slices.Equal(released, []string{childmatch.ReasonDetails, childmatch.ReasonReported}) {
		t.Fatalf("at 06:00 the quiet post got %v, want the drill and the held update", released)
	}
	if _, err := w.svc.Exercise(w.ctx, w.officer, childmatch.CaseDetails{Reporter: childmatch.Contact{Name: "x"}}); childmatch.ErrorCodeOf(err) != childmatch.EForbidden {
		t.Fatalf("an officer raised an exercise: %v", err)
	}
	stats, err := w.svc.Stats(w.ctx, w.admin, childmatch.StatsQuery{State: "Madhya Pradesh"})
	if err != nil {
		t.Fatal(err)
	}
	missing, drills := 0, 0
	for _, g := range stats {
		missing, drills = missing+g.Missing, drills+g.Exercises
	}
	if missing != 1 || drills != 1 {
		t.Fatalf("stats count %d missing and %d exercises, want 1 and 1", missing, drills)
	}
}

// TestCandidateFound: a found child's intake that proposes a missing report tells the post that filed it
// and the reviewers' post (candidate.found), and no other post the alert reached; a drill's report is
// never proposed.
func TestCandidateFound(t *testing.T) {
	w := newWorld(t)
	mp := childmatch.Area{States: []string{"Madhya Pradesh"}}
	officer, inFiling := w.member("GRP Bhopal", childmatch.RoleOfficer)
	_, inCWC := w.member("CWC Bhopal", childmatch.RoleReviewer)
	filing := w.post("GRP Bhopal", childmatch.PostGRP, mp, inFiling)
	cwc := w.post("CWC Bhopal", childmatch.PostNGO, childmatch.Area{States: []string{"Uttar Pradesh"}}, inCWC)
	other := w.post("RPF Itarsi", childmatch.PostRPF, mp)
	face := w.person()
	missing := w.newCase(officer, childmatch.KindMissing, where("Madhya Pradesh", "Bhopal"))
	w.upload(officer, missing, face)
	w.sent.take()
	found := w.newCase(w.shelter, childmatch.KindFound)
	w.upload(w.shelter, found, w.near(face, 0.3))
	got := w.sent.take()
	if len(got) != 1 || got[0].m.Reason != childmatch.ReasonFound || !sameIDs(got[0].to, []childmatch.ID{filing.ID, cwc.ID}) {
		t.Fatalf("dispatched %+v, want candidate.found to the filing and the reviewers' posts", got)
	}
	a := w.alertOf(missing.ID)
	if a.Event(got[0].m) != "candidate.found" || got[0].m.For(other.ID) {
		t.Fatalf("the candidate message %+v is for the other posts too", got[0].m)
	}
	drill, err := w.svc.Exercise(w.ctx, w.admin, childmatch.CaseDetails{Reporter: childmatch.Contact{Organisation: "drill"}})
	if err != nil {
		t.Fatal(err)
	}
	drillFace := w.person()
	w.upload(w.admin, drill, drillFace)
	found2 := w.newCase(w.shelter, childmatch.KindFound)
	w.upload(w.shelter, found2, w.near(drillFace, 0.2))
	for _, item := range w.queue() {
		if item.CaseA == drill.ID || item.CaseB == drill.ID {
			t.Fatalf("the drill's report was proposed: %+v", item)
		}
	}
}
