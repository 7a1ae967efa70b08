package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"childmatch"
	"childmatch/alert"
	"childmatch/delivery"
	"childmatch/minio"
	"childmatch/webhook"
	"childmatch/webhook/webhooktest"
)

// newOutbox is the test service's outbox, with the webhook channel, on a quick schedule or production's.
func newOutbox(store *minio.Store, posts *delivery.PostCache, links childmatch.Linker, quick bool) *delivery.Outbox {
	cfg := delivery.DefaultConfig()
	if quick {
		cfg.Poll, cfg.Backoff = 20*time.Millisecond, []time.Duration{50 * time.Millisecond}
	}
	return delivery.New(delivery.Deps{Store: store, Alerts: store, Cases: store, Posts: posts, Audit: store,
		Visible: alert.New(alert.Deps{Posts: store, Alerts: store, Users: store, Audit: store}),
		Links:   links,
		Senders: map[childmatch.Channel]childmatch.Sender{childmatch.ChanWebhook: webhook.New(posts)}}, cfg)
}

type deliveriesResp struct {
	Deliveries []struct {
		ID       string `json:"id"`
		Post     string `json:"post"`
		Status   string `json:"status"`
		Target   string `json:"target"`
		Attempts []struct {
			Status int `json:"status"`
		} `json:"attempts"`
	} `json:"deliveries"`
	NextCursor string `json:"next_cursor"`
}

// TestDeliveries: an alert's deliveries, with their attempts, are seen by whoever sees the alert (the
// targets only by admins), and by nobody else; a delivery refused for good is on the admins' list, and
// replayed by hand it is sent; the delivery metrics are the admins'.
func TestDeliveries(t *testing.T) {
	e := newEnv(t)
	rcv := webhooktest.Start(t, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	grpID, grp, _ := e.user("GRP constable", "GRP Itarsi", "officer")
	_, up, _ := e.user("UP constable", "GRP Lucknow", "officer")
	for _, p := range []map[string]any{
		{"name": "GRP Itarsi", "kind": "grp", "area": map[string]any{"states": []string{"Madhya Pradesh"}}, "users": []string{grpID},
			"webhooks": []map[string]any{{"url": rcv.URL + "/itarsi", "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}}},
		{"name": "GRP Lucknow", "kind": "grp", "area": map[string]any{"states": []string{"Uttar Pradesh"}}},
	} {
		if r := e.postJSON("/v1/posts", p); r.status != http.StatusCreated {
			t.Fatalf("post: %d %s", r.status, r.body)
		}
	}
	rcv.Answer(http.StatusBadRequest) // refused for good
	missing := e.newCase("Bearer "+token, map[string]any{"kind": "missing", "child": map[string]any{"age": 9},
		"sighting": map[string]any{"state": "Madhya Pradesh", "station": "ET"}, "reporter": map[string]any{"name": "parent"}})
	var failed deliveriesResp
	for end := time.Now().Add(10 * time.Second); len(failed.Deliveries) == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatal("the refused delivery is never on the admins' list")
		}
		e.as("Bearer "+token, "GET", "/v1/deliveries?status=failed", nil).decode(t, &failed)
	}
	if d := failed.Deliveries[0]; d.Status != "failed" || len(d.Attempts) != 1 || d.Attempts[0].Status != 400 || d.Target != rcv.URL+"/itarsi" {
		t.Fatalf("failed %+v", failed)
	}
	if r := e.as(grp, "GET", "/v1/deliveries?status=failed", nil); r.status != http.StatusForbidden {
		t.Fatalf("an officer lists failed deliveries: %d", r.status)
	}
	if r := e.as(grp, "POST", "/v1/deliveries/"+failed.Deliveries[0].ID+"/replay", nil); r.status != http.StatusForbidden {
		t.Fatalf("an officer replays: %d", r.status)
	}
	rcv.Answer(http.StatusNoContent)
	if r := e.as("Bearer "+token, "POST", "/v1/deliveries/"+failed.Deliveries[0].ID+"/replay", nil); r.status != http.StatusOK {
		t.Fatalf("replay: %d %s", r.status, r.body)
	}
	var ds deliveriesResp
	for end := time.Now().Add(10 * time.Second); len(ds.Deliveries) == 0 || ds.Deliveries[0].Status != "sent"; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("the replayed delivery is never sent: %+v", ds)
		}
		e.as(grp, "GET", "/v1/alerts/"+missing+"/deliveries", nil).decode(t, &ds)
	}
	if len(ds.Deliveries) != 1 || ds.Deliveries[0].Target != "" || len(ds.Deliveries[0].Attempts) != 2 {
		t.Fatalf("the Itarsi constable sees %+v", ds)
	}
	// Paged: one delivery is one page of one, the last; a cursor the list did not give is refused.
	var one deliveriesResp
	e.as("Bearer "+token, "GET", "/v1/alerts/"+missing+"/deliveries?limit=1", nil).decode(t, &one)
	if len(one.Deliveries) != 1 || one.NextCursor != "" || one.Deliveries[0].ID != ds.Deliveries[0].ID {
		t.Fatalf("a page of one: %+v", one)
	}
	for path, field := range map[string]string{"/v1/alerts/" + missing + "/deliveries?cursor=nope": "cursor",
		"/v1/deliveries?status=failed&cursor=nope": "cursor", "/v1/deliveries?limit=1000": "limit"} {
		var er errorResponse
		r := e.as("Bearer "+token, "GET", path, nil)
		r.decode(t, &er)
		if r.status != http.StatusBadRequest || er.Error.Field != field {
			t.Fatalf("%s: %d %s", path, r.status, r.body)
		}
	}
	if r := e.as(up, "GET", "/v1/alerts/"+missing+"/deliveries", nil); r.status != http.StatusNotFound {
		t.Fatalf("another state's constable reads the deliveries: %d", r.status)
	}
	if r := e.as("Bearer "+token, "GET", "/v1/deliveries?status=sent", nil); r.status != http.StatusBadRequest {
		t.Fatalf("listing by a status that is not listed: %d", r.status)
	}
	var m childmatch.DeliveryMetrics
	e.as("Bearer "+token, "GET", "/v1/alerts/metrics", nil).decode(t, &m)
	if m.Alerts != 1 || m.Posts != 1 || len(m.Channels) != 1 || m.Channels[0].Channel != childmatch.ChanWebhook {
		t.Fatalf("metrics %+v", m)
	}
	if r := e.as(grp, "GET", "/v1/alerts/metrics", nil); r.status != http.StatusForbidden {
		t.Fatalf("an officer reads the metrics: %d", r.status)
	}
	if len(rcv.Accepted()) != 1 {
		t.Fatalf("the receiver accepted %d messages, want the one replayed", len(rcv.Accepted()))
	}
}

// TestErasureRemovesDeliveries: erasing a case removes its alert's deliveries with the alert: the batch
// of a delivery refused for good and its mark on the admins' list, and the batch of one being retried
// while the workers keep at it, which no round writes back afterwards.
func TestErasureRemovesDeliveries(t *testing.T) {
	e := newEnv(t)
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	refusing, busy := webhooktest.Start(t, secret), webhooktest.Start(t, secret)
	refusing.Answer(http.StatusBadRequest)
	busy.Answer(http.StatusServiceUnavailable)
	if r := e.postJSON("/v1/posts", map[string]any{"name": "GRP Itarsi", "kind": "grp",
		"area": map[string]any{"states": []string{"Madhya Pradesh"}}, "webhooks": []map[string]any{
			{"url": refusing.URL + "/itarsi", "secret": secret}, {"url": busy.URL + "/itarsi", "secret": secret}}}); r.status != http.StatusCreated {
		t.Fatalf("post: %d %s", r.status, r.body)
	}
	missing := e.newCase("Bearer "+token, map[string]any{"kind": "missing", "child": map[string]any{"age": 9},
		"sighting": map[string]any{"state": "Madhya Pradesh", "station": "ET"}, "reporter": map[string]any{"name": "parent"}})
	for end := time.Now().Add(10 * time.Second); len(e.objects("outbox/failed/")) == 0 || busy.Count() < 2; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("no refused delivery marked (%d) or no retries (%d)", len(e.objects("outbox/failed/")), busy.Count())
		}
	}
	if r := e.as("Bearer "+token, "DELETE", "/v1/cases/"+missing, map[string]any{"reason": "erasure_request"}); r.status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	time.Sleep(300 * time.Millisecond) // several of the quick outbox's rounds
	for key := range e.objects("") {
		if strings.HasPrefix(key, "outbox/") || strings.Contains(key, missing) && !strings.HasPrefix(key, "changes/") && !strings.HasPrefix(key, "audit/") {
			t.Errorf("%s is still stored", key)
		}
	}
	tried := busy.Count()
	time.Sleep(200 * time.Millisecond)
	if busy.Count() != tried {
		t.Errorf("the erased alert's delivery is still tried: %d attempts, then %d", tried, busy.Count())
	}
}
