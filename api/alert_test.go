package api_test

import (
	"net/http"
	"testing"
)

type alertResp struct {
	ID       string `json:"id"`
	CaseID   string `json:"case_id"`
	Status   string `json:"status"`
	Messages []struct {
		Seq    int    `json:"seq"`
		Type   string `json:"msg_type"`
		Reason string `json:"reason"`
	} `json:"messages"`
	Recipients []struct {
		Post string `json:"post"`
	} `json:"recipients"`
	Acks []struct {
		Post  string `json:"post"`
		State string `json:"state"`
	} `json:"acks"`
}

// TestAlerts: a missing report filed in Madhya Pradesh raises its alert at once for the posts of that state
// and no other; a post's user sees it and answers it, another state's does not even see it; a confirmed
// match stands it down with a cancel message (after the photo's update); a found child raises none.
func TestAlerts(t *testing.T) {
	e := newEnv(t)
	grpID, grp, _ := e.user("GRP constable", "GRP Itarsi", "officer")
	upID, up, _ := e.user("UP constable", "GRP Lucknow", "officer")
	post := func(name string, area map[string]any, users ...string) string {
		r := e.postJSON("/v1/posts", map[string]any{"name": name, "kind": "grp", "area": area, "users": users})
		if r.status != http.StatusCreated {
			t.Fatalf("post: %d %s", r.status, r.body)
		}
		var p struct {
			ID string `json:"id"`
		}
		r.decode(t, &p)
		return p.ID
	}
	itarsi := post("GRP Itarsi", map[string]any{"states": []string{"Madhya Pradesh"}, "districts": []string{"Narmadapuram"}}, grpID)
	post("RPF Bhopal", map[string]any{"states": []string{"Madhya Pradesh"}, "stations": []string{"BPL"}})
	lucknow := post("GRP Lucknow", map[string]any{"states": []string{"Uttar Pradesh"}}, upID)

	missing := e.newCase("Bearer "+token, map[string]any{"kind": "missing", "child": map[string]any{"age": 9},
		"sighting": map[string]any{"state": "Madhya Pradesh", "station": "ET"}, "reporter": map[string]any{"name": "parent"}})
	var list struct {
		Alerts []alertResp `json:"alerts"`
	}
	e.as(grp, "GET", "/v1/alerts", nil).decode(t, &list)
	if len(list.Alerts) != 1 || list.Alerts[0].CaseID != missing || list.Alerts[0].Status != "active" ||
		len(list.Alerts[0].Recipients) != 2 || list.Alerts[0].Messages[0].Type != "alert" {
		t.Fatalf("the Itarsi constable's alerts: %+v", list.Alerts)
	}
	for _, r := range list.Alerts[0].Recipients {
		if r.Post == lucknow {
			t.Fatal("the alert reached a post in another state")
		}
	}
	id := list.Alerts[0].ID
	e.as(up, "GET", "/v1/alerts", nil).decode(t, &list)
	if len(list.Alerts) != 0 {
		t.Fatalf("another state's constable sees %d alerts", len(list.Alerts))
	}
	if r := e.as(up, "GET", "/v1/alerts/"+id, nil); r.status != http.StatusNotFound {
		t.Fatalf("another state's constable opens the alert: %d", r.status)
	}
	if r := e.as(up, "POST", "/v1/alerts/"+id+"/ack", map[string]any{"post": lucknow, "state": "seen"}); r.status != http.StatusNotFound {
		t.Fatalf("another state's post answers the alert: %d", r.status)
	}
	var a alertResp
	r := e.as(grp, "POST", "/v1/alerts/"+id+"/ack", map[string]any{"post": itarsi, "state": "searching"})
	r.decode(t, &a)
	if r.status != http.StatusOK || len(a.Acks) != 1 || a.Acks[0].Post != itarsi || a.Acks[0].State != "searching" {
		t.Fatalf("ack: %d %s", r.status, r.body)
	}
	var er errorResponse
	e.as(grp, "POST", "/v1/alerts/"+id+"/ack", map[string]any{"post": itarsi, "state": "maybe"}).decode(t, &er)
	if er.Error.Field != "state" {
		t.Fatalf("a bad answer: %+v", er)
	}

	// The child is found: the match confirmed, the alert stands down.
	e.addPhoto(missing, "obama/obama1.jpg")
	found := e.createCase("found", "found child")
	e.addPhoto(found, "obama/obama2.jpg")
	queue := e.reviews("Bearer "+token, "state=pending&case="+missing)
	if len(queue) != 1 {
		t.Fatalf("review items of the missing case: %+v", queue)
	}
	if r := e.postJSON("/v1/reviews/"+queue[0].ID+"/decision", map[string]any{"state": "confirmed"}); r.status != http.StatusOK {
		t.Fatalf("confirm: %d %s", r.status, r.body)
	}
	e.as(grp, "GET", "/v1/alerts/"+id, nil).decode(t, &a)
	if a.Status != "cancelled" || len(a.Messages) != 3 || a.Messages[1].Reason != "photo" || a.Messages[2].Type != "cancel" || a.Messages[2].Reason != "matched" {
		t.Fatalf("after the match: %+v", a)
	}
	e.as("Bearer "+token, "GET", "/v1/alerts", nil).decode(t, &list)
	if len(list.Alerts) != 1 {
		t.Fatalf("the found child raised an alert too: %d alerts", len(list.Alerts))
	}
}
