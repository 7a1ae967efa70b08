package index

import (
	"bytes"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"childmatch"
	"childmatch/fixtures"
)

// face is one generated face and its case, kept by the test as the naive reference's data.
type face struct {
	ref   childmatch.FaceRef
	d     childmatch.Descriptor
	attrs childmatch.FaceAttrs
}

// naive is the reference: every distance, best face per case, sorted, first k.
func naive(faces []face, q *childmatch.Descriptor, k int, f childmatch.SearchFilter) []childmatch.Hit {
	return naiveBy(faces, func(fc *face) float32 { return fc.d.SquaredDistance(q) }, k, f)
}

// naiveBy is naive with the squared distance of each face to the query given by sq.
func naiveBy(faces []face, sq func(*face) float32, k int, f childmatch.SearchFilter) []childmatch.Hit {
	in := func(xs int, pred func(int) bool) bool {
		if xs == 0 {
			return true
		}
		for i := 0; i < xs; i++ {
			if pred(i) {
				return true
			}
		}
		return false
	}
	best := map[childmatch.ID]childmatch.Hit{}
	sqs := map[childmatch.ID]float32{}
	for i := range faces {
		fc := &faces[i]
		a := fc.attrs
		if !in(len(f.Kinds), func(i int) bool { return f.Kinds[i] == a.Kind }) ||
			!in(len(f.Statuses), func(i int) bool { return f.Statuses[i] == a.Status }) ||
			!in(len(f.Genders), func(i int) bool { return f.Genders[i] == a.Gender }) ||
			(a.Age != 0 && f.MinAge > 0 && a.Age < f.MinAge) || (a.Age != 0 && f.MaxAge > 0 && a.Age > f.MaxAge) ||
			(f.State != "" && !strings.EqualFold(strings.TrimSpace(f.State), strings.TrimSpace(a.State))) ||
			(f.District != "" && !strings.EqualFold(strings.TrimSpace(f.District), strings.TrimSpace(a.District))) ||
			(!f.From.IsZero() && a.Date.Before(f.From.Truncate(24*time.Hour))) ||
			(!f.Until.IsZero() && !a.Date.Before(f.Until.Truncate(24*time.Hour).Add(24*time.Hour))) ||
			fc.ref.CaseID == f.Exclude {
			continue
		}
		d := sq(fc)
		b, ok := best[fc.ref.CaseID]
		if !ok || d < sqs[fc.ref.CaseID] || (d == sqs[fc.ref.CaseID] && bytes.Compare(fc.ref.FaceID[:], b.FaceID[:]) < 0) {
			best[fc.ref.CaseID] = childmatch.Hit{FaceRef: fc.ref, Distance: float32(math.Sqrt(float64(d)))}
			sqs[fc.ref.CaseID] = d
		}
	}
	var hits []childmatch.Hit
	for _, h := range best {
		hits = append(hits, h)
	}
	sort.Slice(hits, func(i, j int) bool {
		di, dj := sqs[hits[i].CaseID], sqs[hits[j].CaseID]
		if di != dj {
			return di < dj
		}
		return bytes.Compare(hits[i].FaceID[:], hits[j].FaceID[:]) < 0
	})
	if len(hits) > k {
		hits = hits[:k]
	}
	return hits
}

var (
	kinds    = []childmatch.Kind{childmatch.KindMissing, childmatch.KindFound}
	statuses = []childmatch.Status{childmatch.StatusOpen, childmatch.StatusMatched, childmatch.StatusClosed}
	genders  = []childmatch.Gender{childmatch.GenderUnknown, childmatch.GenderFemale, childmatch.GenderMale, childmatch.GenderOther}
	// places: two districts of one name in two states, spellings that differ in case and space, none.
	testPlaces = [][2]string{{"Bihar", "Aurangabad"}, {"Maharashtra", "Aurangabad"}, {"bihar ", "Patna"},
		{"Madhya Pradesh", "Bhopal"}, {"", ""}}
	day0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
)

// filters are the filters the searches are checked under: each column, combinations, none admitted.
var filters = []childmatch.SearchFilter{
	{},
	{Kinds: []childmatch.Kind{childmatch.KindMissing}},
	{Kinds: []childmatch.Kind{childmatch.KindFound}, Statuses: []childmatch.Status{childmatch.StatusOpen}},
	{Genders: []childmatch.Gender{childmatch.GenderFemale, childmatch.GenderUnknown}},
	{MinAge: 6, MaxAge: 10},
	{MaxAge: 3, Statuses: []childmatch.Status{childmatch.StatusMatched, childmatch.StatusClosed}},
	{Kinds: []childmatch.Kind{"nothing"}},
	{State: "BIHAR"},
	{State: "Bihar", District: " aurangabad"},
	{State: "Maharashtra", District: "Patna"},
	{From: day0.Add(10 * 24 * time.Hour), Until: day0.Add(20*24*time.Hour + 5*time.Hour)},
	{Until: day0.Add(3 * 24 * time.Hour), State: "madhya pradesh", Kinds: []childmatch.Kind{childmatch.KindFound}},
	{State: "Nowhere"},
}

// generate makes n faces over cases of facesPerCase faces; distinct draws from pool vectors, so a small
// pool gives many exact ties and duplicates.
func generate(r *rand.Rand, n, facesPerCase, pool int) []face {
	return generateFrom(r, n, facesPerCase, randomPool(r, pool))
}

func randomPool(r *rand.Rand, n int) []childmatch.Descriptor {
	vecs := make([]childmatch.Descriptor, n)
	for i := range vecs {
		vecs[i] = fixtures.RandomDescriptor(r)
	}
	return vecs
}

// Adversarial pools for the first pass's bound (quant.go).
// Each says what its index must show, so that a pool that stops reaching its path fails rather than
// passing quietly.
var adversarial = []struct {
	name  string
	pool  func(r *rand.Rand, n int) []childmatch.Descriptor
	holds func(ix *Index) bool
}{
	// Distances that differ in the last float32 bits: one vector nudged by an ulp or so per row, so
	// the first pass cannot separate them and the bound's slack decides.
	{"near ties", func(r *rand.Rand, n int) []childmatch.Descriptor {
		base := fixtures.RandomDescriptor(r)
		vecs := make([]childmatch.Descriptor, n)
		for i := range vecs {
			vecs[i] = base
			j := r.IntN(childmatch.DescriptorLen)
			vecs[i][j] = math.Nextafter32(vecs[i][j], float32(r.IntN(3)-1))
		}
		return vecs
	}, nil},
	// Rows sitting on code boundaries (half a code step), where rounding error is largest.
	{"code boundaries", func(r *rand.Rand, n int) []childmatch.Descriptor {
		vecs := make([]childmatch.Descriptor, n)
		for i := range vecs {
			for j := range vecs[i] {
				vecs[i][j] = childmatch.DescriptorMean[j] + float32((float64(r.IntN(100)-50)+0.5)*codeScale)
			}
		}
		return vecs
	}, func(ix *Index) bool { // every row's error is near its largest, sqrt(128)·codeScale/2
		return slices.Min(ix.errs) >= errByte(0.99*math.Sqrt(codeLen)*codeScale/2)
	}},
	// Components beyond the code range among ordinary rows: clamped codes, unbounded error bytes, always exact.
	{"clamped", func(r *rand.Rand, n int) []childmatch.Descriptor {
		vecs := randomPool(r, n)
		for i := range vecs {
			f := float32(1 + r.IntN(4)) // a quarter of the rows as they are, the rest clamped
			for j := range vecs[i] {
				vecs[i][j] *= f
			}
		}
		return vecs
	}, func(ix *Index) bool {
		return slices.Contains(ix.errs, errUnbounded) && slices.ContainsFunc(ix.errs, func(b uint8) bool { return b < errUnbounded })
	}},
	// Rows a hair from the code centre: everything codes to zero and the first pass sees only the error bounds.
	{"at the centre", func(r *rand.Rand, n int) []childmatch.Descriptor {
		vecs := randomPool(r, n)
		for i := range vecs {
			for j := range vecs[i] {
				vecs[i][j] = childmatch.DescriptorMean[j] + (vecs[i][j]-childmatch.DescriptorMean[j])*1e-3
			}
		}
		return vecs
	}, func(ix *Index) bool { return !slices.ContainsFunc(ix.codes, func(c int8) bool { return c != 0 }) }},
	// A cluster of near-duplicates around the query region and far rows, like one child photographed
	// many times among strangers.
	{"clusters", func(r *rand.Rand, n int) []childmatch.Descriptor {
		centres := randomPool(r, 5)
		vecs := make([]childmatch.Descriptor, n)
		for i := range vecs {
			vecs[i] = centres[r.IntN(len(centres))]
			for j := range vecs[i] {
				vecs[i][j] += float32(r.NormFloat64() * 0.003)
			}
		}
		return vecs
	}, nil},
}

func generateFrom(r *rand.Rand, n, facesPerCase int, vecs []childmatch.Descriptor) []face {
	var out []face
	var c face
	for i := 0; i < n; i++ {
		if i%facesPerCase == 0 {
			pl := testPlaces[r.IntN(len(testPlaces))]
			c = face{ref: childmatch.FaceRef{CaseID: childmatch.NewID()}, attrs: childmatch.FaceAttrs{
				Kind: kinds[r.IntN(2)], Status: statuses[r.IntN(3)], Gender: genders[r.IntN(4)], Age: r.IntN(18),
				State: pl[0], District: pl[1], Date: day0.Add(time.Duration(r.IntN(60*24)) * time.Hour)}}
		}
		f := c
		f.ref.FaceID = childmatch.NewID()
		f.d = vecs[r.IntN(len(vecs))]
		out = append(out, f)
	}
	return out
}

func build(faces []face, workers int) *Index {
	ix := New()
	ix.SetWorkers(workers)
	for i := range faces {
		ix.Add(faces[i].ref, &faces[i].d, faces[i].attrs)
	}
	return ix
}

func same(t *testing.T, what string, got, want []childmatch.Hit) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d hits, want %d", what, len(got), len(want))
	}
	for i := range got {
		if got[i].FaceRef != want[i].FaceRef || math.Abs(float64(got[i].Distance-want[i].Distance)) > 1e-6 {
			t.Fatalf("%s: hit %d is %+v, want %+v", what, i, got[i], want[i])
		}
	}
}

// TestSearchMatchesNaive: for random sets, ties and duplicates, several faces per case, every filter, any k,
// split across workers or not, alone and in a batch large enough for the batch kernel (with a query group
// not full and blocks of odd length, split by rows or by queries), the index returns exactly the naive
// scan's hits.
func TestSearchMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	sets := []struct {
		name                string
		n, perCase, pool, k int
	}{
		{"random", 3001, 1, 3001, 10},
		{"several faces per case", 3000, 4, 3000, 10},
		{"many ties", 3000, 2, 7, 10},
		{"all equal", 500, 1, 1, 20},
		{"k beyond cases", 50, 3, 50, 100},
		{"parallel chunks", parallelMin + 5000, 3, parallelMin, 25},
		{"parallel ties", parallelMin + 5000, 2, 13, 25},
	}
	type namedSet struct {
		name  string
		faces []face
		k     int
		holds func(ix *Index) bool
	}
	var all []namedSet
	for _, set := range sets {
		all = append(all, namedSet{set.name, generate(r, set.n, set.perCase, set.pool), set.k, nil})
	}
	for _, adv := range adversarial {
		all = append(all, namedSet{adv.name, generateFrom(r, 4000, 2, adv.pool(r, 4000)), 10, adv.holds})
	}
	for _, set := range all {
		faces := set.faces
		for _, workers := range []int{1, 3} {
			ix := build(faces, workers)
			if set.holds != nil && !set.holds(ix) {
				t.Errorf("%s: the index does not show what the pool is for", set.name)
			}
			for fi, f := range filters {
				nq := batchMin + batchQ + 1 // the batch kernel, a group not full
				if len(faces) >= parallelMin {
					nq = 2*batchMin + 1 // split by queries across the workers
				}
				qs := make([]childmatch.Descriptor, nq)
				for qi := range qs {
					qs[qi] = fixtures.RandomDescriptor(r)
					if qi < 3 {
						qs[qi] = faces[r.IntN(len(faces))].d // queries equal to (or near) stored vectors
					}
					if qi == 2 {
						qs[qi][r.IntN(childmatch.DescriptorLen)] += 1e-3
					}
				}
				ff := f
				if fi%2 == 1 {
					ff.Exclude = faces[0].ref.CaseID
				}
				batch := ix.SearchBatch(qs, set.k, ff)
				for qi := range qs {
					what := fmt.Sprintf("%s, %d workers, filter %d, query %d", set.name, workers, fi, qi)
					want := naive(faces, &qs[qi], set.k, ff)
					if qi < 5 {
						same(t, what, ix.Search(&qs[qi], set.k, ff), want)
					}
					same(t, what+" in a batch", batch[qi], want)
				}
			}
		}
	}
}

// TestKernels: the assembly first pass equals the Go reference for every tail length and extreme codes.
func TestKernels(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2 on this CPU: only the Go kernel runs")
	}
	r := rand.New(rand.NewPCG(11, 12))
	for _, rows := range []int{0, 1, 3, 4, 5, 8, 255, 256, 1001} {
		for _, extreme := range []bool{false, true} {
			codes := make([]int8, rows*codeLen)
			for i := range codes {
				codes[i] = int8(r.IntN(255) - 127)
				if extreme {
					codes[i] = int8(127 - 254*(i%2)) // alternating ±127 against the opposite query
				}
			}
			q := newQuery(new(childmatch.Descriptor))
			for j := range q.code {
				q.code[j] = int8(r.IntN(255) - 127)
				if extreme {
					q.code[j] = int8(-127 + 254*(j%2))
				}
				q.wide[j] = int16(q.code[j])
			}
			want, got := make([]int32, rows), make([]int32, rows)
			l2CodesGo(&q.code, codes, want)
			l2Codes(&q.code, &q.wide, codes, got)
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("%d rows, extreme %v: row %d: %d, want %d", rows, extreme, i, got[i], want[i])
				}
			}
			if extreme && rows > 0 && want[0] != 128*254*254 {
				t.Fatalf("extreme row distance %d, want %d", want[0], 128*254*254)
			}
		}
	}
}

// TestGoKernelSearch runs the property test's core with the Go kernels, as on CPUs without AVX2, alone and
// in a batch.
func TestGoKernelSearch(t *testing.T) {
	saved := useAVX2
	useAVX2 = false
	defer func() { useAVX2 = saved }()
	r := rand.New(rand.NewPCG(13, 14))
	faces := generate(r, parallelMin+3001, 2, parallelMin)
	ix := build(faces, 2)
	agreesWithNaive(t, ix, faces, r, 10)
	qs := make([]childmatch.Descriptor, 2*batchMin+1)
	for i := range qs {
		qs[i] = fixtures.RandomDescriptor(r)
	}
	for qi, hits := range ix.SearchBatch(qs, 10, childmatch.SearchFilter{}) {
		same(t, fmt.Sprint("batch query ", qi), hits, naive(faces, &qs[qi], 10, childmatch.SearchFilter{}))
	}
}

// agreesWithNaive checks the top 10 of random queries, unfiltered, against the naive scan of faces.
func agreesWithNaive(t *testing.T, ix *Index, faces []face, r *rand.Rand, queries int) {
	t.Helper()
	for qi := 0; qi < queries; qi++ {
		q := fixtures.RandomDescriptor(r)
		same(t, fmt.Sprint("query ", qi), ix.Search(&q, 10, childmatch.SearchFilter{}), naive(faces, &q, 10, childmatch.SearchFilter{}))
	}
}

// TestUpdates: replacing, removing cases and changing their columns keeps the index equal to the naive scan
// of what remains.
func TestUpdates(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	faces := generate(r, 4000, 3, 4000)
	ix := build(faces, 2)
	// Replace some faces' vectors in place.
	for i := 0; i < 100; i++ {
		j := r.IntN(len(faces))
		faces[j].d = fixtures.RandomDescriptor(r)
		ix.Add(faces[j].ref, &faces[j].d, faces[j].attrs)
	}
	// Remove some cases.
	removed := map[childmatch.ID]bool{}
	for i := 0; i < 200; i++ {
		c := faces[r.IntN(len(faces))].ref.CaseID
		want := 0
		if !removed[c] {
			for _, f := range faces {
				if f.ref.CaseID == c {
					want++
				}
			}
		}
		if got := ix.RemoveCase(c); got != want {
			t.Fatalf("RemoveCase removed %d faces, want %d", got, want)
		}
		removed[c] = true
	}
	var kept []face
	for _, f := range faces {
		if !removed[f.ref.CaseID] {
			kept = append(kept, f)
		}
	}
	// Change some cases' columns.
	for i := 0; i < 100; i++ {
		c := kept[r.IntN(len(kept))].ref.CaseID
		a := childmatch.FaceAttrs{Kind: childmatch.KindFound, Status: childmatch.StatusClosed, Gender: childmatch.GenderOther, Age: 7}
		ix.SetCaseAttrs(c, a)
		for j := range kept {
			if kept[j].ref.CaseID == c {
				kept[j].attrs = a
			}
		}
	}
	// Replace faces again, now that removals have moved rows and shifted the id table.
	for i := 0; i < 100; i++ {
		j := r.IntN(len(kept))
		kept[j].d = fixtures.RandomDescriptor(r)
		ix.Add(kept[j].ref, &kept[j].d, kept[j].attrs)
	}
	if ix.Len() != len(kept) {
		t.Fatalf("Len %d, want %d", ix.Len(), len(kept))
	}
	kinds := map[childmatch.Kind]int{childmatch.KindMissing: 0, childmatch.KindFound: 0}
	for _, f := range kept {
		kinds[f.attrs.Kind]++
	}
	if got := ix.Kinds(); !maps.Equal(got, kinds) || kinds[childmatch.KindMissing] == 0 || kinds[childmatch.KindFound] == 0 {
		t.Fatalf("Kinds %v, want %v", got, kinds)
	}
	for qi := 0; qi < 20; qi++ {
		q := fixtures.RandomDescriptor(r)
		f := childmatch.SearchFilter{}
		if qi%2 == 1 {
			f.Statuses = []childmatch.Status{childmatch.StatusClosed}
		}
		same(t, fmt.Sprint("query ", qi), ix.Search(&q, 10, f), naive(kept, &q, 10, f))
	}
}

// TestConcurrentUse runs adds, removals, column changes and searches at once (meant for -race).
func TestConcurrentUse(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	faces := generate(r, parallelMin+1000, 2, parallelMin)
	ix := build(faces[:parallelMin], 2)
	var wg sync.WaitGroup
	wg.Add(3)
	go func() {
		defer wg.Done()
		for i := parallelMin; i < len(faces); i++ {
			ix.Add(faces[i].ref, &faces[i].d, faces[i].attrs)
		}
	}()
	go func() {
		defer wg.Done()
		for i := 0; i < 200; i++ {
			ix.RemoveCase(faces[i*2].ref.CaseID)
			ix.SetCaseAttrs(faces[i*2+1000].ref.CaseID, childmatch.FaceAttrs{Kind: childmatch.KindFound})
		}
	}()
	go func() {
		defer wg.Done()
		for i := 0; i < 50; i++ {
			q := faces[i].d
			if hits := ix.Search(&q, 10, childmatch.SearchFilter{}); len(hits) != 10 {
				t.Errorf("search during updates returned %d hits", len(hits))
			}
		}
	}()
	wg.Wait()
}

func benchIndex(b *testing.B, n, perCase int) (*Index, []childmatch.Descriptor) {
	b.Helper()
	r := rand.New(rand.NewPCG(7, 8))
	ix := New()
	ix.Grow(n)
	var c childmatch.ID
	for i := 0; i < n; i++ {
		if i%perCase == 0 {
			c = childmatch.NewID()
		}
		d := fixtures.RandomDescriptor(r)
		ix.Add(childmatch.FaceRef{FaceID: childmatch.NewID(), CaseID: c}, &d, childmatch.FaceAttrs{
			Kind: kinds[i%2], Status: childmatch.StatusOpen, Gender: genders[i%4], Age: i % 18})
	}
	qs := make([]childmatch.Descriptor, 64)
	for i := range qs {
		qs[i] = fixtures.RandomDescriptor(r)
	}
	return ix, qs
}

// BenchmarkSearch: top-10 at 10k, 100k and 1M faces, one or three faces per case, with and without a
// filter, on one worker and on every CPU.
func BenchmarkSearch(b *testing.B) {
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		for _, perCase := range []int{1, 3} {
			ix, qs := benchIndex(b, n, perCase)
			for _, bc := range []struct {
				name string
				f    childmatch.SearchFilter
			}{
				{"all", childmatch.SearchFilter{}},
				{"missing-open", childmatch.SearchFilter{Kinds: []childmatch.Kind{childmatch.KindMissing}, Statuses: []childmatch.Status{childmatch.StatusOpen}}},
			} {
				for _, workers := range []int{1, 0} {
					name := fmt.Sprintf("n=%d/faces-per-case=%d/%s/workers=%d", n, perCase, bc.name, workers)
					b.Run(name, func(b *testing.B) {
						if workers == 0 {
							ix.SetWorkers(New().workers)
						} else {
							ix.SetWorkers(workers)
						}
						b.ResetTimer()
						for i := 0; i < b.N; i++ {
							ix.Search(&qs[i%len(qs)], 10, bc.f)
						}
						b.ReportMetric(float64(ix.Bytes())/float64(n), "bytes/face")
					})
				}
			}
		}
	}
}

func BenchmarkAdd(b *testing.B) {
	r := rand.New(rand.NewPCG(9, 10))
	d := fixtures.RandomDescriptor(r)
	ix := New()
	c := childmatch.NewID()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ix.Add(childmatch.FaceRef{FaceID: childmatch.NewID(), CaseID: c}, &d, childmatch.FaceAttrs{})
	}
}
