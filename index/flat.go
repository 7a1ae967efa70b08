package index

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"

	"github.com/viterin/vek/vek32"

	"childmatch"
)

// Flat is an exact index of one face model's vectors of any dimension (an ONNX model's 512, say), beside
// the dlib index: the same rows, filters and answers (the k cases whose nearest admitted face is nearest,
// one hit a case, ties by face id), by a float32 scan over contiguous memory, parallel over the
// workers, without Index's int8 first pass. A face costs its vector (4 bytes a component) and about 50
// bytes of rows (ids, filter columns, id table): 2,099 bytes at 512 components (BenchmarkFlatSearch), so
// 1M faces of a 512-d model hold 2.0 GiB, beside the dlib index's 0.7 GiB. Safe for concurrent use.
type Flat struct {
	mu   sync.RWMutex
	dim  int
	vecs []float32 // row i is vecs[i*dim : (i+1)*dim]
	rows
	workers int
}

// NewFlat returns an empty index of dim-component vectors that scans with one worker per CPU.
func NewFlat(dim int) *Flat {
	return &Flat{dim: max(1, dim), workers: runtime.GOMAXPROCS(0)}
}

// Dim is the length of the index's vectors.
func (ix *Flat) Dim() int { return ix.dim }

// SetWorkers sets how many goroutines one search uses (at least 1).
func (ix *Flat) SetWorkers(n int) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.workers = max(1, n)
}

// Len returns the number of faces.
func (ix *Flat) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.faces)
}

// Bytes returns the memory the index holds.
func (ix *Flat) Bytes() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return cap(ix.vecs)*4 + ix.rows.bytes()
}

// Grow makes room for n more faces.
func (ix *Flat) Grow(n int) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.vecs = slices.Grow(ix.vecs, n*ix.dim)
	ix.rows.grow(n)
}

// check refuses a vector of another length than the index's, or one that is not a finite number.
func (ix *Flat) check(v []float32) error {
	if len(v) != ix.dim {
		return fmt.Errorf("a vector of %d components in an index of %d", len(v), ix.dim)
	}
	for _, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return fmt.Errorf("a vector holds %v", x)
		}
	}
	return nil
}

// Add inserts a face, or replaces it if its face id is present.
func (ix *Flat) Add(ref childmatch.FaceRef, v []float32, a childmatch.FaceAttrs) error {
	if err := ix.check(v); err != nil {
		return err
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if row := ix.row(ref.FaceID); row >= 0 {
		copy(ix.vecs[row*ix.dim:], v)
		ix.cases[row], ix.attrs[row] = ref.CaseID, ix.encode(a)
		return nil
	}
	ix.vecs = append(ix.vecs, v...)
	ix.add(ref, a)
	return nil
}

// Clear removes every face and frees the columns.
func (ix *Flat) Clear() {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.vecs, ix.rows = nil, rows{}
}

// SetCaseAttrs changes the filter columns of every face of a case.
func (ix *Flat) SetCaseAttrs(caseID childmatch.ID, a childmatch.FaceAttrs) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.setCaseAttrs(caseID, a)
}

// RemoveCase removes every face of a case and returns how many there were.
func (ix *Flat) RemoveCase(caseID childmatch.ID) int {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return ix.removeCase(caseID, func(i int) {
		last := len(ix.faces) - 1
		copy(ix.vecs[i*ix.dim:(i+1)*ix.dim], ix.vecs[last*ix.dim:])
		ix.vecs = ix.vecs[:last*ix.dim]
		ix.moveLast(i)
	})
}

// Search returns the k cases whose nearest admitted face is nearest to q by Euclidean distance, nearest
// first, ties broken by face id.
func (ix *Flat) Search(q []float32, k int, f childmatch.SearchFilter) ([]childmatch.Hit, error) {
	hits, err := ix.SearchBatch([][]float32{q}, k, f)
	if err != nil {
		return nil, err
	}
	return hits[0], nil
}

// SearchBatch answers several queries with one pass over memory; result i is Search(qs[i], k, f).
func (ix *Flat) SearchBatch(qs [][]float32, k int, f childmatch.SearchFilter) ([][]childmatch.Hit, error) {
	for _, q := range qs {
		if err := ix.check(q); err != nil {
			return nil, err
		}
	}
	if k <= 0 || len(qs) == 0 {
		return make([][]childmatch.Hit, len(qs)), nil
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	flt := ix.compile(f)
	return searchRows(len(ix.faces), ix.workers, len(qs), k, func(lo, hi int, tops []topK) {
		ix.scan(qs, &flt, lo, hi, tops)
	}), nil
}

// scan offers the rows lo..hi that pass the filter to each query's top k: each row is compared with every
// query of the batch while it is in cache.
func (ix *Flat) scan(qs [][]float32, f *filter, lo, hi int, tops []topK) {
	exclude := !f.exclude.IsZero()
	for i := lo; i < hi; i++ {
		if !f.admits(ix.attrs[i]) || (exclude && ix.cases[i] == f.exclude) {
			continue
		}
		row := ix.vecs[i*ix.dim : (i+1)*ix.dim : (i+1)*ix.dim]
		for qi, q := range qs {
			t := &tops[qi]
			d := squaredL2(q, row)
			if t.full() && d > t.worst.d {
				continue // cannot enter: strictly farther than the k-th
			}
			t.offer(hit{d: d, face: ix.faces[i], caseID: ix.cases[i]})
		}
	}
}

// squaredL2 is the squared Euclidean distance of two vectors of one length, by vek's AVX2 kernel (twelve
// times the plain Go loop's speed at 512 components, measured) where the CPU has AVX2.
func squaredL2(a, b []float32) float32 {
	d := vek32.Distance(a, b)
	return d * d
}
