package childmatch_test

import (
	"testing"
	"time"

	"childmatch"
)

// TestClaimable: a claim holds against other nodes until its lease runs out; an earlier life of the same
// node holds none; an unclaimed entry is free.
func TestClaimable(t *testing.T) {
	now := time.Now()
	held := childmatch.Pending{Owner: "node-a/boot-1", Until: now.Add(time.Minute)}
	for _, tc := range []struct {
		p     childmatch.Pending
		owner string
		want  bool
	}{
		{childmatch.Pending{}, "node-b/1", true},
		{held, "node-b/1", false},
		{held, "node-a/boot-2", true},
		{held, "node-a/boot-1", true},
		{held, "replay:node-a/boot-1", false},
		{childmatch.Pending{Owner: "replay:node-a/boot-1", Until: now.Add(time.Minute)}, "node-a/boot-1", false},
		{childmatch.Pending{Owner: "node-a/boot-1", Until: now}, "node-b/1", true},
	} {
		if got := tc.p.Claimable(tc.owner, now); got != tc.want {
			t.Errorf("%q held by %q: claimable %v, want %v", tc.owner, tc.p.Owner, got, tc.want)
		}
	}
}

// TestDeliveryID: the same message to the same target has the same id, whenever it is made; any other
// message, post, channel or target another; ids sort by the message's time.
func TestDeliveryID(t *testing.T) {
	alert, post := childmatch.NewID(), childmatch.NewID()
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	m := childmatch.Message{Seq: 1, At: at}
	id := childmatch.DeliveryID(alert, m, post, childmatch.ChanWebhook, "https://a.example/")
	if again := childmatch.DeliveryID(alert, m, post, childmatch.ChanWebhook, "https://a.example/"); again != id {
		t.Fatal("the same delivery made twice has two ids")
	}
	if _, err := childmatch.ParseID("id", id.String()); err != nil || !id.Time().Equal(at) {
		t.Fatalf("id %s: %v, time %v", id, err, id.Time())
	}
	later := childmatch.Message{Seq: 2, At: at.Add(time.Second)}
	for _, other := range []childmatch.ID{
		childmatch.DeliveryID(alert, later, post, childmatch.ChanWebhook, "https://a.example/"),
		childmatch.DeliveryID(alert, m, childmatch.NewID(), childmatch.ChanWebhook, "https://a.example/"),
		childmatch.DeliveryID(alert, m, post, childmatch.ChanTelegram, "https://a.example/"),
		childmatch.DeliveryID(alert, m, post, childmatch.ChanWebhook, "https://b.example/"),
	} {
		if other == id {
			t.Errorf("two deliveries share the id %s", id)
		}
	}
	if next := childmatch.DeliveryID(alert, later, post, childmatch.ChanWebhook, "https://a.example/"); next.String() <= id.String() {
		t.Error("a later message's delivery sorts first")
	}
}
