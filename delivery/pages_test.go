package delivery_test

import (
	"context"
	"fmt"
	"testing"

	"childmatch"
)

// TestAlertDeliveryPages: an alert's deliveries, two messages to 450 posts (six batches), are paged
// across the batches' edges: every delivery once, in the order they were made, the last page without a
// cursor; a post's officer gets the same pages without the targets, an outsider none; a bad limit or
// cursor is named.
func TestAlertDeliveryPages(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, nil)
	var first *childmatch.Post
	for i := range 450 {
		p := w.post(t, fmt.Sprintf("post-%03d", i), mp, 1)
		if first == nil {
			first = p
		}
	}
	officerID := childmatch.NewID()
	if _, err := w.store.UpdatePost(ctx, first.ID, func(p *childmatch.Post) error { p.Users = []childmatch.ID{officerID}; return nil }); err != nil {
		t.Fatal(err)
	}
	c := w.report(t, "Madhya Pradesh")
	a, err := w.store.Alert(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	m := childmatch.Message{Seq: 2, Type: childmatch.MsgUpdate, At: w.clock.now(), Reason: childmatch.ReasonDetails}
	if err := w.box.Dispatch(ctx, a, m, a.Recipients); err != nil {
		t.Fatal(err)
	}
	all, err := w.store.AlertDeliveries(ctx, c.ID)
	if err != nil || len(all) != 900 {
		t.Fatalf("the alert's deliveries: %d, %v", len(all), err)
	}
	officer := childmatch.Actor{ID: officerID.String(), Roles: []childmatch.Role{childmatch.RoleOfficer}}
	for _, who := range []childmatch.Actor{admin, officer} {
		var got []*childmatch.Delivery
		q := childmatch.DeliveryQuery{Limit: 70}
		for range len(all) {
			page, err := w.box.AlertDeliveries(ctx, who, c.ID, q)
			if err != nil {
				t.Fatal(err)
			}
			if page.Next != "" && len(page.Deliveries) != q.Limit || len(page.Deliveries) > q.Limit {
				t.Fatalf("a page of %d deliveries, next %q", len(page.Deliveries), page.Next)
			}
			got = append(got, page.Deliveries...)
			if page.Next == "" {
				break
			}
			q.Cursor = page.Next
		}
		if len(got) != len(all) {
			t.Fatalf("%s: the pages hold %d deliveries, want %d", who.ID, len(got), len(all))
		}
		for i, d := range got {
			if d.ID != all[i].ID {
				t.Fatalf("%s: delivery %d is %s, want %s", who.ID, i, d.ID, all[i].ID)
			}
			if hidden := d.Target == ""; hidden != (who.ID == officer.ID) {
				t.Fatalf("%s: delivery %d's target shown: %t", who.ID, i, !hidden)
			}
		}
	}
	outsider := childmatch.Actor{ID: childmatch.NewID().String(), Roles: []childmatch.Role{childmatch.RoleOfficer}}
	if _, err := w.box.AlertDeliveries(ctx, outsider, c.ID, childmatch.DeliveryQuery{}); childmatch.ErrorCodeOf(err) != childmatch.ENotFound {
		t.Fatalf("an officer of no post reached: %v", err)
	}
	for _, q := range []childmatch.DeliveryQuery{{Cursor: "nope"}, {Cursor: "000001-000.201"}, {Cursor: "../x.1"}, {Limit: childmatch.MaxPageSize + 1}, {Limit: -1}} {
		want := "cursor"
		if q.Limit != 0 {
			want = "limit"
		}
		if _, err := w.box.AlertDeliveries(ctx, admin, c.ID, q); childmatch.ErrorField(err) != want {
			t.Fatalf("%+v: %v, want an error naming %s", q, err, want)
		}
	}
}
