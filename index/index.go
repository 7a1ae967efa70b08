package index

import (
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
	"unsafe"

	"childmatch"
)

// parallelMin is the row count from which a search is split across workers: below it, starting
// goroutines costs more than the scan (measured: BenchmarkSearch at 10k rows).
const parallelMin = 16384

// Index is safe for concurrent use.
type Index struct {
	mu    sync.RWMutex
	vecs  []float32 // row i is vecs[i*128 : i*128+128]
	codes []int8    // row i is codes[i*128 : i*128+128]
	errs  []uint8   // row i's quantisation error bound, see quant.go
	norms []int32   // row i's Σc² over its code, for the batch kernel (batchkernel.go)
	rows
	workers int
}

// rows are the columns an index holds for each face beside its vectors, and the tables over them. The
// caller of each method holds its index's lock.
type rows struct {
	faces  []childmatch.ID
	cases  []childmatch.ID
	attrs  []attrs
	slots  slots // face id -> row
	places places
}

var _ childmatch.FaceIndex = (*Index)(nil)

// attrs are a face's filter columns, coded small: 8 bytes.
type attrs struct {
	kind, status, gender, age uint8
	place                     uint16 // places.list[place-1] is where the case was seen; 0 = not recorded
	day                       uint16 // the case's date in days since dayZero, at least 1
}

// dayZero is day 0 of the date column; dates before it count as day 1, after 2179 as the last day.
var dayZero = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

func dayOf(t time.Time) uint16 {
	d := int(t.Sub(dayZero).Hours()) / 24
	return uint16(min(max(d, 1), math.MaxUint16))
}

// place is a state and district as compared: lower case, without surrounding space.
type place struct{ state, district string }

func placeOf(state, district string) place {
	return place{strings.ToLower(strings.TrimSpace(state)), strings.ToLower(strings.TrimSpace(district))}
}

// places is the dictionary of the place column. It only grows; India has under a thousand districts, so
// the 65,535 codes are never exhausted in practice, and a place beyond them is coded as not recorded.
type places struct {
	list []place
	code map[place]uint16
}

func (p *places) encode(pl place) uint16 {
	if pl == (place{}) {
		return 0
	}
	if c, ok := p.code[pl]; ok {
		return c
	}
	if len(p.list) == math.MaxUint16 {
		return 0
	}
	if p.code == nil {
		p.code = map[place]uint16{}
	}
	p.list = append(p.list, pl)
	p.code[pl] = uint16(len(p.list))
	return uint16(len(p.list))
}

var (
	kindCode   = map[childmatch.Kind]uint8{childmatch.KindMissing: 0, childmatch.KindFound: 1}
	statusCode = map[childmatch.Status]uint8{childmatch.StatusOpen: 0, childmatch.StatusMatched: 1, childmatch.StatusClosed: 2}
	genderCode = map[childmatch.Gender]uint8{childmatch.GenderUnknown: 0, childmatch.GenderFemale: 1,
		childmatch.GenderMale: 2, childmatch.GenderOther: 3}
)

// encode codes a face's attributes, adding its place to the dictionary; the caller holds the write lock.
func (ix *rows) encode(a childmatch.FaceAttrs) attrs {
	age := a.Age
	if age < 0 || age > 255 {
		age = 0
	}
	return attrs{kind: kindCode[a.Kind], status: statusCode[a.Status], gender: genderCode[a.Gender], age: uint8(age),
		place: ix.places.encode(placeOf(a.State, a.District)), day: dayOf(a.Date)}
}

// New returns an empty index that scans with one worker per CPU.
func New() *Index {
	return &Index{workers: runtime.GOMAXPROCS(0)}
}

// SetWorkers sets how many goroutines one search uses (at least 1).
func (ix *Index) SetWorkers(n int) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.workers = max(1, n)
}

// Len returns the number of faces.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.faces)
}

// Kinds returns the number of faces of each kind of case.
func (ix *Index) Kinds() map[childmatch.Kind]int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	var n [2]int
	for i := range ix.attrs {
		n[ix.attrs[i].kind]++
	}
	return map[childmatch.Kind]int{childmatch.KindMissing: n[kindCode[childmatch.KindMissing]],
		childmatch.KindFound: n[kindCode[childmatch.KindFound]]}
}

// Bytes returns the memory the index holds: every column's capacity and the id table.
func (ix *Index) Bytes() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return cap(ix.vecs)*4 + cap(ix.codes) + cap(ix.errs) + cap(ix.norms)*4 + ix.rows.bytes()
}

// bytes is the memory of the columns and tables.
func (ix *rows) bytes() int {
	const id = len(childmatch.ID{})
	return (cap(ix.faces)+cap(ix.cases))*id + cap(ix.attrs)*int(unsafe.Sizeof(attrs{})) + ix.slots.bytes() + ix.places.bytes()
}

// Grow makes room for n more faces, so that loading a known number of faces allocates each column once
// and exactly (append's growth would leave up to a quarter unused).
func (ix *Index) Grow(n int) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.vecs = slices.Grow(ix.vecs, n*childmatch.DescriptorLen)
	ix.codes = slices.Grow(ix.codes, n*codeLen)
	ix.errs = slices.Grow(ix.errs, n)
	ix.norms = slices.Grow(ix.norms, n)
	ix.rows.grow(n)
}

func (ix *rows) grow(n int) {
	ix.faces = slices.Grow(ix.faces, n)
	ix.cases = slices.Grow(ix.cases, n)
	ix.attrs = slices.Grow(ix.attrs, n)
}

// Add inserts a face, or replaces it if its face id is present.
func (ix *Index) Add(ref childmatch.FaceRef, d *childmatch.Descriptor, a childmatch.FaceAttrs) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if row := ix.row(ref.FaceID); row >= 0 {
		copy(ix.vecs[row*childmatch.DescriptorLen:], d[:])
		ix.errs[row] = errByte(quantise(d, ix.codes[row*codeLen:(row+1)*codeLen]))
		ix.norms[row] = codeNorm(ix.codes[row*codeLen : (row+1)*codeLen])
		ix.cases[row], ix.attrs[row] = ref.CaseID, ix.encode(a)
		return
	}
	row := len(ix.faces)
	ix.vecs = append(ix.vecs, d[:]...)
	ix.codes = append(ix.codes, make([]int8, codeLen)...)
	ix.errs = append(ix.errs, errByte(quantise(d, ix.codes[row*codeLen:])))
	ix.norms = append(ix.norms, codeNorm(ix.codes[row*codeLen:]))
	ix.add(ref, a)
}

// add appends a face's row to the columns; its vector is the caller's to append.
func (ix *rows) add(ref childmatch.FaceRef, a childmatch.FaceAttrs) {
	ix.faces = append(ix.faces, ref.FaceID)
	ix.cases = append(ix.cases, ref.CaseID)
	ix.attrs = append(ix.attrs, ix.encode(a))
	ix.slots.insert(ref.FaceID, len(ix.faces)-1, ix.faces)
}

// row returns the row of a face id, or -1.
func (ix *rows) row(face childmatch.ID) int {
	if cell := ix.slots.find(face, ix.faces); cell >= 0 {
		return int(ix.slots.cells[cell] - 1)
	}
	return -1
}

// Clear removes every face and frees the columns.
func (ix *Index) Clear() {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.vecs, ix.codes, ix.errs, ix.norms, ix.rows = nil, nil, nil, nil, rows{}
}

// SetCaseAttrs changes the filter columns of every face of a case.
func (ix *Index) SetCaseAttrs(caseID childmatch.ID, a childmatch.FaceAttrs) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.setCaseAttrs(caseID, a)
}

func (ix *rows) setCaseAttrs(caseID childmatch.ID, a childmatch.FaceAttrs) {
	enc := ix.encode(a)
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
	return ix.removeCase(caseID, ix.removeRow)
}

func (ix *Index) removeRow(i int) {
	last := len(ix.faces) - 1
	if i != last {
		const n = childmatch.DescriptorLen
		copy(ix.vecs[i*n:(i+1)*n], ix.vecs[last*n:])
		copy(ix.codes[i*codeLen:(i+1)*codeLen], ix.codes[last*codeLen:])
		ix.errs[i], ix.norms[i] = ix.errs[last], ix.norms[last]
	}
	ix.vecs, ix.codes, ix.errs, ix.norms = ix.vecs[:last*childmatch.DescriptorLen], ix.codes[:last*codeLen], ix.errs[:last], ix.norms[:last]
	ix.moveLast(i)
}

// removeCase removes every row of a case with remove, which moves the last row into the freed one (its
// vectors, then moveLast), and returns how many there were.
func (ix *rows) removeCase(caseID childmatch.ID, remove func(row int)) int {
	removed := 0
	for i := 0; i < len(ix.cases); {
		if ix.cases[i] != caseID {
			i++
			continue
		}
		remove(i)
		removed++
	}
	return removed
}

// moveLast moves the last row of the columns into row i, whose face is dropped.
func (ix *rows) moveLast(i int) {
	last := len(ix.faces) - 1
	ix.slots.remove(ix.slots.find(ix.faces[i], ix.faces), ix.faces)
	if i != last {
		ix.slots.cells[ix.slots.find(ix.faces[last], ix.faces)] = int32(i + 1)
		ix.faces[i], ix.cases[i], ix.attrs[i] = ix.faces[last], ix.cases[last], ix.attrs[last]
	}
	ix.faces, ix.cases, ix.attrs = ix.faces[:last], ix.cases[:last], ix.attrs[:last]
}

// filter is a SearchFilter compiled to bit masks over the column codes.
type filter struct {
	kinds, statuses, genders uint8 // bit c set: code c admitted
	minAge, maxAge           int
	places                   []uint64 // bit c set: place code c admitted; nil = every place
	from, until              uint16   // admitted days, inclusive
	exclude                  childmatch.ID
}

// compile turns a SearchFilter into masks; the caller holds the read lock (for the place dictionary).
func (ix *rows) compile(f childmatch.SearchFilter) filter {
	c := filter{kinds: 0xff, statuses: 0xff, genders: 0xff, minAge: f.MinAge, maxAge: f.MaxAge, exclude: f.Exclude,
		until: math.MaxUint16}
	if !f.From.IsZero() {
		c.from = dayOf(f.From)
	}
	if !f.Until.IsZero() {
		c.until = dayOf(f.Until)
	}
	if want := placeOf(f.State, f.District); want != (place{}) {
		c.places = make([]uint64, (len(ix.places.list)+1+63)/64)
		for i, p := range ix.places.list {
			if p.state == want.state && (want.district == "" || p.district == want.district) {
				c.places[(i+1)/64] |= 1 << ((i + 1) % 64)
			}
		}
	}
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
	if a.day < f.from || a.day > f.until {
		return false
	}
	return f.places == nil || f.places[a.place/64]&(1<<(a.place%64)) != 0
}

// Search returns the k cases whose nearest admitted face is nearest to q, nearest first, ties broken by
// face id.
func (ix *Index) Search(q *childmatch.Descriptor, k int, f childmatch.SearchFilter) []childmatch.Hit {
	return ix.SearchBatch([]childmatch.Descriptor{*q}, k, f)[0]
}

// SearchBatch answers several queries with one pass over memory: each block of rows is scanned for every
// query while it is in cache, from batchMin queries by the batch kernel (batch.go), and from twice that
// split by queries across the workers rather than by rows. Result i is what Search(&qs[i], k, f) returns.
func (ix *Index) SearchBatch(qs []childmatch.Descriptor, k int, f childmatch.SearchFilter) [][]childmatch.Hit {
	if k <= 0 || len(qs) == 0 {
		return make([][]childmatch.Hit, len(qs))
	}
	batch := len(qs) >= batchMin
	queries := make([]*query, len(qs))
	for i := range qs {
		if batch {
			queries[i] = newHalfQuery(&qs[i])
		} else {
			queries[i] = newQuery(&qs[i])
		}
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	flt := ix.compile(f)
	if batch && ix.workers > 1 && len(ix.faces) >= parallelMin && len(qs) >= 2*batchMin {
		return ix.searchSplit(queries, &flt, k)
	}
	return searchRows(len(ix.faces), ix.workers, len(qs), k, func(lo, hi int, tops []topK) {
		states := newStates(queries, tops, !batch)
		if batch {
			ix.scanBatch(states, &flt, lo, hi)
		} else {
			ix.scan(states, &flt, lo, hi)
		}
	})
}

// block is how many rows the first pass handles at a time: 256 rows of codes are 32 KiB, which stay in
// cache while every query of a batch is scanned over them.
const block = 256

// state is one query's part of a scan: its top k so far and the first-pass limits for its worst kept
// distance, as a table by error byte (the single-query scan looks one up for every row) or, for the batch
// scan, which looks up few, as the reach they are computed from.
type state struct {
	q     *query
	t     *topK
	table bool
	lim   limits  // when table
	reach float64 // the reach of the worst kept distance (quant.go), or -1 before the top k is full
	bar   float32 // the worst kept distance the limits are for
	// blockLimit's last answer: for the reach blockReach and the error byte blockErr.
	blockReach float64
	blockErr   uint8
	blockLim   int32
}

func newStates(qs []*query, tops []topK, table bool) []state {
	states := make([]state, len(qs))
	for i := range states {
		states[i] = state{q: qs[i], t: &tops[i], table: table, reach: -1, bar: -1, blockReach: -1, blockLim: math.MaxInt32}
		if table {
			states[i].lim.open()
		}
	}
	return states
}

// reachLimit is the first-pass limit of rows of error byte b computed from the reach, for a scan
// without the table.
func (s *state) reachLimit(b uint8) int32 {
	if s.reach < 0 {
		return math.MaxInt32
	}
	return limitAt(s.reach, b)
}

// consider offers row i, whose first-pass bound the caller found within its limit, to the query's top k
// unless the filter excludes it, and tightens the limits when the worst kept distance falls.
func (s *state) consider(ix *Index, f *filter, i int) {
	if !f.admits(ix.attrs[i]) || (!f.exclude.IsZero() && ix.cases[i] == f.exclude) {
		return
	}
	row := (*childmatch.Descriptor)(ix.vecs[i*childmatch.DescriptorLen : (i+1)*childmatch.DescriptorLen])
	d := row.SquaredDistance(s.q.d)
	if s.t.full() && d > s.t.worst.d {
		return // cannot enter: strictly farther than the k-th (equal distances go on to the id tie-break)
	}
	s.t.offer(hit{d: d, face: ix.faces[i], caseID: ix.cases[i]})
	if s.t.full() && s.t.worst.d != s.bar {
		s.bar = s.t.worst.d
		s.reach = reach(s.bar, s.q)
		if s.table {
			s.lim.set(s.bar, s.q)
		}
	}
}

// scan offers the rows lo..hi that pass the filter to each query's top k, skipping rows whose first-pass
// bound excludes them (quant.go).
func (ix *Index) scan(states []state, f *filter, lo, hi int) {
	var first [block]int32
	for start := lo; start < hi; start += block {
		end := min(hi, start+block)
		codes := ix.codes[start*codeLen : end*codeLen]
		for qi := range states {
			s := &states[qi]
			l2Codes(&s.q.code, &s.q.wide, codes, first[:end-start])
			for j, bound := range first[:end-start] {
				if i := start + j; bound <= s.lim[ix.errs[i]] {
					s.consider(ix, f, i)
				}
			}
		}
	}
}

// bytes is the dictionary's memory: the strings, their headers and the map (about 2 words an entry).
func (p *places) bytes() int {
	n := cap(p.list) * int(unsafe.Sizeof(place{}))
	for _, pl := range p.list {
		n += len(pl.state) + len(pl.district) + 2*int(unsafe.Sizeof(place{}))
	}
	return n
}
