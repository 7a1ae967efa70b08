package index

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"childmatch"
)

// withVectors gives each face a dim-component vector drawn from a pool of pool vectors (a small pool:
// exact ties), keyed by face id.
func withVectors(r *rand.Rand, faces []face, dim, pool int) map[childmatch.ID][]float32 {
	vs := make([][]float32, pool)
	for i := range vs {
		vs[i] = make([]float32, dim)
		for j := range vs[i] {
			vs[i][j] = float32(r.NormFloat64() / math.Sqrt(float64(dim)))
		}
	}
	out := map[childmatch.ID][]float32{}
	for _, f := range faces {
		out[f.ref.FaceID] = vs[r.IntN(pool)]
	}
	return out
}

func buildFlat(t testing.TB, faces []face, vecs map[childmatch.ID][]float32, dim, workers int) *Flat {
	ix := NewFlat(dim)
	ix.SetWorkers(workers)
	ix.Grow(len(faces))
	for _, f := range faces {
		if err := ix.Add(f.ref, vecs[f.ref.FaceID], f.attrs); err != nil {
			t.Fatal(err)
		}
	}
	return ix
}

// TestFlatMatchesNaive: at 512 and at odd dimensions, with ties, several faces per case, every filter, split
// across workers or not, alone and in a batch, and after replacing faces, removing cases and changing their
// columns, the flat index returns exactly the naive scan's hits.
func TestFlatMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for _, set := range []struct {
		name                     string
		n, perCase, pool, dim, k int
	}{
		{"512", 3000, 2, 3000, 512, 10},
		{"512 ties", 3000, 3, 11, 512, 10},
		{"odd dimension", 2000, 1, 2000, 37, 20},
		{"parallel", parallelMin + 3000, 3, parallelMin, 64, 25},
	} {
		faces := generate(r, set.n, set.perCase, 1)
		vecs := withVectors(r, faces, set.dim, set.pool)
		check := func(ix *Flat, faces []face, what string) {
			t.Helper()
			for fi, f := range filters {
				qs := make([][]float32, 4)
				for qi := range qs {
					qs[qi] = withVectors(r, faces[:1], set.dim, 1)[faces[0].ref.FaceID]
					if qi < 2 {
						qs[qi] = vecs[faces[r.IntN(len(faces))].ref.FaceID]
					}
				}
				if fi%2 == 1 {
					f.Exclude = faces[0].ref.CaseID
				}
				batch, err := ix.SearchBatch(qs, set.k, f)
				if err != nil {
					t.Fatal(err)
				}
				for qi, q := range qs {
					want := naiveBy(faces, func(fc *face) float32 { return squaredL2(q, vecs[fc.ref.FaceID]) }, set.k, f)
					got, err := ix.Search(q, set.k, f)
					if err != nil {
						t.Fatal(err)
					}
					name := fmt.Sprintf("%s, %s, filter %d, query %d", set.name, what, fi, qi)
					same(t, name, got, want)
					same(t, name+" in a batch", batch[qi], want)
				}
			}
		}
		for _, workers := range []int{1, 3} {
			check(buildFlat(t, faces, vecs, set.dim, workers), faces, fmt.Sprintf("%d workers", workers))
		}
		ix := buildFlat(t, faces, vecs, set.dim, 2)
		removed := map[childmatch.ID]bool{}
		for i := 0; i < 50; i++ {
			c := faces[r.IntN(len(faces))].ref.CaseID
			want := 0
			for _, f := range faces {
				if f.ref.CaseID == c && !removed[c] {
					want++
				}
			}
			if got := ix.RemoveCase(c); got != want {
				t.Fatalf("%s: RemoveCase removed %d faces, want %d", set.name, got, want)
			}
			removed[c] = true
		}
		var kept []face
		for _, f := range faces {
			if !removed[f.ref.CaseID] {
				kept = append(kept, f)
			}
		}
		for i := 0; i < 50; i++ {
			j := r.IntN(len(kept))
			vecs[kept[j].ref.FaceID] = withVectors(r, kept[j:j+1], set.dim, 1)[kept[j].ref.FaceID]
			if err := ix.Add(kept[j].ref, vecs[kept[j].ref.FaceID], kept[j].attrs); err != nil {
				t.Fatal(err)
			}
			a := childmatch.FaceAttrs{Kind: childmatch.KindFound, Status: childmatch.StatusClosed, Gender: childmatch.GenderOther, Age: 7}
			ix.SetCaseAttrs(kept[j].ref.CaseID, a)
			for m := range kept {
				if kept[m].ref.CaseID == kept[j].ref.CaseID {
					kept[m].attrs = a
				}
			}
		}
		if ix.Len() != len(kept) {
			t.Fatalf("%s: Len %d, want %d", set.name, ix.Len(), len(kept))
		}
		check(ix, kept, "after updates")
	}
}

// TestFlatRefuses: vectors of another length or not finite are refused, in adds and in queries.
func TestFlatRefuses(t *testing.T) {
	ix := NewFlat(4)
	ref := childmatch.FaceRef{FaceID: childmatch.NewID(), CaseID: childmatch.NewID()}
	for _, v := range [][]float32{{1, 2, 3}, {1, 2, 3, float32(math.NaN())}, {1, 2, 3, float32(math.Inf(-1))}} {
		if err := ix.Add(ref, v, childmatch.FaceAttrs{}); err == nil {
			t.Errorf("Add(%v) accepted", v)
		}
		if _, err := ix.Search(v, 1, childmatch.SearchFilter{}); err == nil {
			t.Errorf("Search(%v) accepted", v)
		}
	}
	if err := ix.Add(ref, []float32{1, 2, 3}, childmatch.FaceAttrs{}); err == nil || !strings.Contains(err.Error(), "3 components in an index of 4") {
		t.Errorf("wrong length: %v", err)
	}
	if ix.Len() != 0 {
		t.Errorf("%d faces after refused adds", ix.Len())
	}
}

// TestSquaredL2: the kernel's distance equals a float64 sum for every tail length.
func TestSquaredL2(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	for n := 1; n < 40; n++ {
		a, b := make([]float32, n), make([]float32, n)
		want := 0.0
		for i := range a {
			a[i], b[i] = float32(r.NormFloat64()), float32(r.NormFloat64())
			want += float64(a[i]-b[i]) * float64(a[i]-b[i])
		}
		if got := float64(squaredL2(a, b)); math.Abs(got-want) > 1e-5*max(1, want) {
			t.Errorf("n=%d: %g, want %g", n, got, want)
		}
	}
}

// BenchmarkFlatSearch: top-10 over 512-d vectors at 10k and 100k faces, one query and a batch of 8, on one
// worker and on every CPU; it reports the memory per face. The scan is linear in the faces: 1M takes ten
// times 100k's time and 2 GiB, too much to build in a benchmark on a shared machine.
func BenchmarkFlatSearch(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		r := rand.New(rand.NewPCG(19, 20))
		faces := generate(r, n, 2, 1)
		vecs := withVectors(r, faces, 512, n)
		ix := buildFlat(b, faces, vecs, 512, 1)
		qs := make([][]float32, 8)
		for i := range qs {
			qs[i] = vecs[faces[r.IntN(n)].ref.FaceID]
		}
		for _, batch := range []int{1, 8} {
			for _, workers := range []int{1, 0} {
				b.Run(fmt.Sprintf("n=%d/dim=512/batch=%d/workers=%d", n, batch, workers), func(b *testing.B) {
					if workers == 0 {
						ix.SetWorkers(NewFlat(1).workers)
					} else {
						ix.SetWorkers(workers)
					}
					for b.Loop() {
						if _, err := ix.SearchBatch(qs[:batch], 10, childmatch.SearchFilter{}); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(ix.Bytes())/float64(n), "bytes/face")
				})
			}
		}
	}
}
