package index

import (
	"bytes"
	"math"
	"sort"
	"sync"

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

// searchRows answers nq queries over rows 0..n: scan fills one top k per query for a range of rows, in one
// contiguous chunk per worker (one worker below parallelMin rows), and the chunks' top ks are merged,
// nearest first, with the square roots of the squared distances.
func searchRows(n, workers, nq, k int, scan func(lo, hi int, tops []topK)) [][]childmatch.Hit {
	if n < parallelMin || workers < 2 {
		workers = 1
	}
	tops := make([][]topK, workers) // tops[w][query]
	var wg sync.WaitGroup
	chunk := (n + workers - 1) / workers
	for w := range workers {
		lo, hi := w*chunk, min(n, (w+1)*chunk)
		tops[w] = make([]topK, nq)
		for i := range tops[w] {
			tops[w][i] = topK{k: k}
		}
		if workers == 1 {
			scan(lo, hi, tops[w])
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			scan(lo, hi, tops[w])
		}()
	}
	wg.Wait()
	out := make([][]childmatch.Hit, nq)
	for qi := range out {
		merged := topK{k: k}
		for w := range tops {
			for _, h := range tops[w][qi].items {
				merged.offer(h)
			}
		}
		out[qi] = merged.hits()
	}
	return out
}

// hits is the top k as the index answers it: nearest first, with the square roots of the distances.
func (t *topK) hits() []childmatch.Hit {
	sort.Slice(t.items, func(i, j int) bool { return t.items[i].less(&t.items[j]) })
	hits := make([]childmatch.Hit, len(t.items))
	for i, h := range t.items {
		hits[i] = childmatch.Hit{FaceRef: childmatch.FaceRef{FaceID: h.face, CaseID: h.caseID},
			Distance: float32(math.Sqrt(float64(h.d)))}
	}
	return hits
}
