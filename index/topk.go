package index

import (
	"bytes"

	"childmatch"
)

// hit is a candidate row during a scan.
type hit struct {
	d      float32 // squared distance
	face   childmatch.ID
	caseID childmatch.ID
}

// less orders hits nearest first, ties by face id, so results never depend on row order or chunking.
func (h *hit) less(o *hit) bool {
	if h.d != o.d {
		return h.d < o.d
	}
	return bytes.Compare(h.face[:], o.face[:]) < 0
}

// topK keeps the best hit of each of the best k cases seen so far. k is small (at most 100), so a slice
// searched linearly beats a heap plus a map: most rows are rejected by one comparison with worst.
type topK struct {
	k     int
	items []hit
	worst hit // the last in order among items, valid when full
}

func (t *topK) full() bool { return len(t.items) == t.k }

// offer considers h: it replaces its case's entry if better, or the worst entry if better than that.
func (t *topK) offer(h hit) {
	if t.full() && !h.less(&t.worst) {
		return // no better than any kept hit, so not better than its own case's entry either
	}
	for i := range t.items {
		if t.items[i].caseID == h.caseID {
			if h.less(&t.items[i]) {
				t.items[i] = h
				t.findWorst()
			}
			return
		}
	}
	if !t.full() {
		t.items = append(t.items, h)
		t.findWorst()
		return
	}
	for i := range t.items {
		if t.items[i] == t.worst {
			t.items[i] = h
			break
		}
	}
	t.findWorst()
}

func (t *topK) findWorst() {
	t.worst = t.items[0]
	for i := 1; i < len(t.items); i++ {
		if t.worst.less(&t.items[i]) {
			t.worst = t.items[i]
		}
	}
}
