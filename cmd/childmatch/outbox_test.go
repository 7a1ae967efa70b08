package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"childmatch"
	"childmatch/minio"
	"childmatch/minio/miniotest"
	"childmatch/webhook/webhooktest"
)

// TestKilledFanout: the service SIGKILLed while it sends an alert to 300 posts' webhooks loses nothing:
// started again on the same data folder it takes over its earlier life's claims at once, and every post
// gets its alert, verified by the specification's library, each post always with the same webhook-id
// (what was in flight at the kill comes again under the id it had).
func TestKilledFanout(t *testing.T) {
	const posts = 300
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	ctx := context.Background()
	m := miniotest.Start(t)
	store, err := minio.Open(ctx, minio.Config{Endpoint: m.Endpoint, AccessKey: m.AccessKey, SecretKey: m.SecretKey, Bucket: m.Bucket})
	if err != nil {
		t.Fatal(err)
	}
	rcv := webhooktest.Start(t, secret)
	rcv.Delay(50 * time.Millisecond) // a slow partner, so that the kill comes in the middle
	for i := range posts {
		p := &childmatch.Post{ID: childmatch.NewID(), Name: fmt.Sprintf("GRP %d", i), Kind: childmatch.PostGRP,
			Area: childmatch.Area{States: []string{"Madhya Pradesh"}}, Webhooks: []childmatch.Webhook{{URL: fmt.Sprintf("%s/hook/%d", rcv.URL, i), Secret: secret}}}
		if err := store.CreatePost(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	token, dir := newToken(), t.TempDir()
	first := startReplica(t, "first", m, token, dir)
	var c struct {
		ID string `json:"id"`
	}
	json.Unmarshal(first.json(t, "POST", "/v1/cases", map[string]any{"kind": "missing", "child": map[string]any{"name": "Asha", "age": 9},
		"sighting": map[string]any{"station": "ET", "state": "Madhya Pradesh"}, "reporter": map[string]any{"organisation": "GRP Bhopal", "phone": "+91 98260 00000"}}, http.StatusCreated), &c)
	within(t, time.Minute, "the first deliveries", func() bool { return rcv.Count() >= 20 })
	first.cmd.Process.Kill()
	<-first.exited
	before := rcv.Count()
	if before >= posts {
		t.Fatalf("all %d deliveries came before the kill: nothing was cut", before)
	}
	rcv.Delay(0)
	second := startReplica(t, "second", m, token, dir)
	within(t, 2*time.Minute, "every post's alert", func() bool { return len(perPost(rcv.Accepted())) == posts })
	ids := map[string]string{}
	again := 0
	for _, g := range rcv.Got() {
		if g.Data.AlertID != c.ID || g.Type != "alert.raised" {
			t.Fatalf("got %+v", g)
		}
		if id, ok := ids[g.Data.Post]; ok {
			again++
			if id != g.ID {
				t.Errorf("post %s got webhook-ids %s and %s", g.Data.Post, id, g.ID)
			}
		}
		ids[g.Data.Post] = g.ID
	}
	t.Logf("%d of %d came before the kill; %d came again after it, with the same ids", before, posts, again)
	// sent counts the alert's deliveries recorded as sent, over every page of them.
	sent := func() (all, sent int) {
		cursor := ""
		for {
			var page struct {
				Deliveries []childmatch.Delivery `json:"deliveries"`
				Next       string                `json:"next_cursor"`
			}
			json.Unmarshal(second.json(t, "GET", "/v1/alerts/"+c.ID+"/deliveries?limit=200&cursor="+cursor, nil, http.StatusOK), &page)
			for _, d := range page.Deliveries {
				all++
				if d.Status == childmatch.DeliverySent {
					sent++
				}
			}
			if cursor = page.Next; cursor == "" {
				return all, sent
			}
		}
	}
	within(t, 10*time.Second, "every delivery recorded as sent", func() bool {
		all, n := sent()
		return all == posts && n == posts
	})
	second.stop(t)
}

func perPost(got []webhooktest.Got) map[string]bool {
	out := map[string]bool{}
	for _, g := range got {
		out[g.Data.Post] = true
	}
	return out
}
