package alert

import (
	"testing"
	"time"

	"childmatch"
)

// TestCatalogKeepsNewer: of two copies of one alert told to the catalog in either order (two writes that
// finished out of order, a read that came back after a write), the row is the newer copy's.
func TestCatalogKeepsNewer(t *testing.T) {
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	post := childmatch.NewID()
	older := &childmatch.Alert{ID: childmatch.NewID(), Status: childmatch.AlertActive, UpdatedAt: at}
	newer := *older
	newer.Recipients, newer.UpdatedAt = []childmatch.Recipient{{Post: post}}, at.Add(time.Second)
	for _, order := range [][]*childmatch.Alert{{older, &newer}, {&newer, older}} {
		c := newCatalog()
		for _, a := range order {
			c.put(a)
		}
		ids, _ := c.page(childmatch.ID{}, 10, false, map[childmatch.ID]bool{post: true}, false)
		if len(ids) != 1 || ids[0] != older.ID {
			t.Errorf("after %v then %v: the post's page is %v, want the alert that reached it", order[0].UpdatedAt, order[1].UpdatedAt, ids)
		}
	}
}
