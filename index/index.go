// Package index is the in-memory vector index: exact top-k by Euclidean distance over face descriptors,
// one result per case, with filters evaluated inside the scan.
//
// Layout: struct of arrays. The descriptors sit in one contiguous []float32 (128 per face), the ids and
// filter columns in parallel slices, so there is no heap object per face and a scan reads memory
// sequentially. A search splits the rows into one contiguous chunk per worker; each keeps its own top k
// and the chunks are merged. Exactness: every admitted row's distance is computed in full with the same
// arithmetic as childmatch.Descriptor.SquaredDistance, and a row is skipped only when it provably cannot
// enter the top k (its distance is not less than the current k-th).
package index

import (
	"math"
	"runtime"
	"sort"
	"sync"

	"childmatch"
)

// parallelMin is the row count from which a search is split across workers: below it, starting
// goroutines costs more than the scan (measured: BenchmarkSearch at 10k rows).
const parallelMin = 16384

// Index is safe for concurrent use.
type Index struct {
	mu      sync.RWMutex
	vecs    []float32 // row i is vecs[i*128 : i*128+128]
	faces   []childmatch.ID
	photos  []childmatch.ID
	cases   []childmatch.ID
	attrs   []attrs
	slotOf  map[childmatch.ID]int32 // face id -> row
	workers int
}

var _ childmatch.FaceIndex = (*Index)(nil)

// attrs are a face's filter columns, coded small.
type attrs struct {
	kind, status, gender, age uint8
}

var (
	kindCode   = map[childmatch.Kind]uint8{childmatch.KindMissing: 0, childmatch.KindFound: 1}
	statusCode = map[childmatch.Status]uint8{childmatch.StatusOpen: 0, childmatch.StatusMatched: 1, childmatch.StatusClosed: 2}
	genderCode = map[childmatch.Gender]uint8{childmatch.GenderUnknown: 0, childmatch.GenderFemale: 1,
		childmatch.GenderMale: 2, childmatch.GenderOther: 3}
)

func encode(a childmatch.FaceAttrs) attrs {
	age := a.Age
	if age < 0 || age > 255 {
		age = 0
	}
	return attrs{kind: kindCode[a.Kind], status: statusCode[a.Status], gender: genderCode[a.Gender], age: uint8(age)}
}

// New returns an empty index that scans with one worker per CPU.
func New() *Index {
	return &Index{slotOf: map[childmatch.ID]int32{}, workers: runtime.GOMAXPROCS(0)}
}

// SetWorkers sets how many goroutines one search uses (at least 1).
func (ix *Index) SetWorkers(n int) { ix.workers = max(1, n) }

// Len returns the number of faces.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.faces)
}

// Add inserts a face, or replaces it if its face id is present.
func (ix *Index) Add(ref childmatch.FaceRef, d *childmatch.Descriptor, a childmatch.FaceAttrs) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if slot, ok := ix.slotOf[ref.FaceID]; ok {
		copy(ix.vecs[int(slot)*childmatch.DescriptorLen:], d[:])
		ix.photos[slot], ix.cases[slot], ix.attrs[slot] = ref.PhotoID, ref.CaseID, encode(a)
		return
	}
	ix.slotOf[ref.FaceID] = int32(len(ix.faces))
	ix.vecs = append(ix.vecs, d[:]...)
	ix.faces = append(ix.faces, ref.FaceID)
	ix.photos = append(ix.photos, ref.PhotoID)
	ix.cases = append(ix.cases, ref.CaseID)
	ix.attrs = append(ix.attrs, encode(a))
}

// SetCaseAttrs changes the filter columns of every face of a case.
func (ix *Index) SetCaseAttrs(caseID childmatch.ID, a childmatch.FaceAttrs) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	enc := encode(a)
	for i := range ix.cases {
		if ix.cases[i] == caseID {
			ix.attrs[i] = enc
		}
	}
}

// RemoveCase removes every face of a case by moving the last row into each freed one.
func (ix *Index) RemoveCase(caseID childmatch.ID) int {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	removed := 0
	for i := 0; i < len(ix.cases); {
		if ix.cases[i] != caseID {
			i++
			continue
		}
		ix.removeRow(i)
		removed++
	}
	return removed
}

func (ix *Index) removeRow(i int) {
	last := len(ix.faces) - 1
	delete(ix.slotOf, ix.faces[i])
	if i != last {
		const n = childmatch.DescriptorLen
		copy(ix.vecs[i*n:(i+1)*n], ix.vecs[last*n:])
		ix.faces[i], ix.photos[i], ix.cases[i], ix.attrs[i] = ix.faces[last], ix.photos[last], ix.cases[last], ix.attrs[last]
		ix.slotOf[ix.faces[i]] = int32(i)
	}
	ix.vecs = ix.vecs[:last*childmatch.DescriptorLen]
	ix.faces, ix.photos, ix.cases, ix.attrs = ix.faces[:last], ix.photos[:last], ix.cases[:last], ix.attrs[:last]
}

// filter is a SearchFilter compiled to bit masks over the column codes.
type filter struct {
	kinds, statuses, genders uint8 // bit c set: code c admitted
	minAge, maxAge           int
	exclude                  childmatch.ID
}

func compile(f childmatch.SearchFilter) filter {
	c := filter{kinds: 0xff, statuses: 0xff, genders: 0xff, minAge: f.MinAge, maxAge: f.MaxAge, exclude: f.Exclude}
	if len(f.Kinds) > 0 {
		c.kinds = 0
		for _, k := range f.Kinds {
			if code, ok := kindCode[k]; ok {
				c.kinds |= 1 << code
			}
		}
	}
	if len(f.Statuses) > 0 {
		c.statuses = 0
		for _, s := range f.Statuses {
			if code, ok := statusCode[s]; ok {
				c.statuses |= 1 << code
			}
		}
	}
	if len(f.Genders) > 0 {
		c.genders = 0
		for _, g := range f.Genders {
			if code, ok := genderCode[g]; ok {
				c.genders |= 1 << code
			}
		}
	}
	return c
}

// admits reports whether row attributes pass; unknown ages (0) always pass the age bounds.
func (f *filter) admits(a attrs) bool {
	if f.kinds&(1<<a.kind) == 0 || f.statuses&(1<<a.status) == 0 || f.genders&(1<<a.gender) == 0 {
		return false
	}
	if a.age != 0 && ((f.minAge > 0 && int(a.age) < f.minAge) || (f.maxAge > 0 && int(a.age) > f.maxAge)) {
		return false
	}
	return true
}

// Search returns the k cases whose nearest admitted face is nearest to q, nearest first, ties broken by
// face id.
func (ix *Index) Search(q *childmatch.Descriptor, k int, f childmatch.SearchFilter) []childmatch.Hit {
	if k <= 0 {
		return nil
	}
	flt := compile(f)
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	n := len(ix.faces)
	workers := ix.workers
	if n < parallelMin || workers < 2 {
		workers = 1
	}
	tops := make([]topK, workers)
	var wg sync.WaitGroup
	chunk := (n + workers - 1) / workers
	for w := 0; w < workers; w++ {
		lo, hi := w*chunk, min(n, (w+1)*chunk)
		tops[w] = topK{k: k}
		if workers == 1 {
			ix.scan(q, &flt, lo, hi, &tops[w])
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			ix.scan(q, &flt, lo, hi, &tops[w])
		}()
	}
	wg.Wait()
	merged := topK{k: k}
	for _, t := range tops {
		for _, h := range t.items {
			merged.offer(h)
		}
	}
	sort.Slice(merged.items, func(i, j int) bool { return merged.items[i].less(&merged.items[j]) })
	hits := make([]childmatch.Hit, len(merged.items))
	for i, h := range merged.items {
		hits[i] = childmatch.Hit{FaceRef: childmatch.FaceRef{FaceID: h.face, PhotoID: ix.photos[h.row], CaseID: h.caseID},
			Distance: float32(math.Sqrt(float64(h.d)))}
	}
	return hits
}

// scan offers rows lo..hi that pass the filter to t.
func (ix *Index) scan(q *childmatch.Descriptor, f *filter, lo, hi int, t *topK) {
	exclude := !f.exclude.IsZero()
	for i := lo; i < hi; i++ {
		if !f.admits(ix.attrs[i]) || (exclude && ix.cases[i] == f.exclude) {
			continue
		}
		row := (*childmatch.Descriptor)(ix.vecs[i*childmatch.DescriptorLen : (i+1)*childmatch.DescriptorLen])
		d := row.SquaredDistance(q)
		if t.full() && d > t.worst.d {
			continue // cannot enter: strictly farther than the k-th (equal distances go on to the id tie-break)
		}
		t.offer(hit{d: d, row: int32(i), face: ix.faces[i], caseID: ix.cases[i]})
	}
}
