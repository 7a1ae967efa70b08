package index

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"childmatch"
	"childmatch/fixtures"
)

// randomGroup is a query group of random half-resolution codes (or ±64 against the rows' ∓127 when
// extreme), with random limits across the distances' range.
func randomGroup(r *rand.Rand, extreme bool) *qgroup {
	g := new(qgroup)
	for q := range batchQ {
		var code [codeLen]int8
		for j := range code {
			code[j] = int8(r.IntN(2*halfBound+1) - halfBound)
			if extreme {
				code[j] = int8(-halfBound + 2*halfBound*(j%2))
			}
		}
		g.set(q, &code)
		g.setLimit(q, int32(r.IntN(128*255*255)))
	}
	return g
}

// randomCodes are rows of random codes, or of alternating ±127 (against the extreme queries' ∓64).
func randomCodes(r *rand.Rand, rows int, extreme bool) ([]int8, []int32) {
	codes := make([]int8, rows*codeLen)
	for i := range codes {
		codes[i] = int8(r.IntN(255) - 127)
		if extreme {
			codes[i] = int8(127 - 254*(i%2))
		}
	}
	norms := make([]int32, rows)
	for i := range norms {
		norms[i] = codeNorm(codes[i*codeLen : (i+1)*codeLen])
	}
	return codes, norms
}

// batchKernels names the assembly batch kernels this CPU runs, each with the value of useVNNI that selects it.
func batchKernels() map[string]bool {
	kernels := map[string]bool{}
	if useAVX2 {
		kernels["avx2"] = false
		if useVNNI {
			kernels["vnni"] = true
		}
	}
	return kernels
}

// withKernel runs fn with the batch kernel that vnni selects.
func withKernel(vnni bool, fn func()) {
	saved := useVNNI
	useVNNI = vnni
	defer func() { useVNNI = saved }()
	fn()
}

// TestBatchKernel: each assembly batch kernel the CPU runs equals the Go reference, and both equal the
// direct Σ(2h - c)², distances and skip bits, for random and extreme codes and any even row count.
func TestBatchKernel(t *testing.T) {
	kernels := batchKernels()
	if len(kernels) == 0 {
		t.Log("no assembly batch kernel on this CPU: the Go reference alone is checked")
		testBatchKernel(t)
	}
	for name, vnni := range kernels {
		t.Run(name, func(t *testing.T) { withKernel(vnni, func() { testBatchKernel(t) }) })
	}
}

func testBatchKernel(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for _, rows := range []int{0, 2, 4, 6, 128, 1000} {
		for _, extreme := range []bool{false, true} {
			codes, norms := randomCodes(r, rows, extreme)
			g := randomGroup(r, extreme)
			want, got := make([]int32, batchQ*rows), make([]int32, batchQ*rows)
			wantSkip, gotSkip := make([]uint8, rows/2), make([]uint8, rows/2)
			dotsGo(g, codes, norms, want, wantSkip)
			dots(g, codes, norms, got, gotSkip)
			for i := range rows {
				for q := range batchQ {
					d := halfD(&g.code[q], codes[i*codeLen:])
					at := 8*(i/2) + batchQ*(i%2) + q
					if want[at] != d || got[at] != d {
						t.Fatalf("%d rows, extreme %v: row %d query %d: Go %d, kernel %d, direct %d", rows, extreme, i, q, want[at], got[at], d)
					}
					if skipped := gotSkip[i/2]>>(batchQ*(i%2)+q)&1 == 1; skipped != (d > g.limit[q]) || wantSkip[i/2] != gotSkip[i/2] {
						t.Fatalf("%d rows: row %d query %d: skip %v for D %d against limit %d", rows, i, q, skipped, d, g.limit[q])
					}
				}
			}
			if extreme && rows > 0 && want[0] != 128*(2*halfBound+127)*(2*halfBound+127) {
				t.Fatalf("extreme distance %d, want %d", want[0], 128*(2*halfBound+127)*(2*halfBound+127))
			}
		}
	}
}

// BenchmarkKernels: the first-pass kernels over 1024 rows (in L1/L2), the single-query kernel for one
// query and the batch kernel for a group of batchQ; pairs/s is (row, query) pairs a second on one core.
func BenchmarkKernels(b *testing.B) {
	r := rand.New(rand.NewPCG(23, 24))
	const rows = 1024
	codes, norms := randomCodes(r, rows, false)
	b.Run("single", func(b *testing.B) {
		q := newQuery(new(childmatch.Descriptor))
		out := make([]int32, rows)
		for b.Loop() {
			l2Codes(&q.code, &q.wide, codes, out)
		}
		b.ReportMetric(float64(b.N)*rows/b.Elapsed().Seconds(), "pairs/s")
	})
	for name, vnni := range batchKernels() {
		b.Run("batch/"+name, func(b *testing.B) {
			withKernel(vnni, func() {
				g := randomGroup(r, false)
				out, skip := make([]int32, batchQ*rows), make([]uint8, rows/2)
				for b.Loop() {
					dots(g, codes, norms, out, skip)
				}
				b.ReportMetric(float64(b.N)*rows*batchQ/b.Elapsed().Seconds(), "pairs/s")
			})
		})
	}
}

// BenchmarkSearchBatch: top-10 of a batch of 100 queries at 100k and 1M faces, on one worker and on every
// CPU, in queries a second (bench/index.sh measures the same beside faiss-cpu).
func BenchmarkSearchBatch(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		ix, _ := benchIndex(b, n, 1)
		r := rand.New(rand.NewPCG(25, 26))
		qs := make([]childmatch.Descriptor, 100)
		for i := range qs {
			qs[i] = fixtures.RandomDescriptor(r)
		}
		for _, workers := range []int{1, 0} {
			b.Run(fmt.Sprintf("n=%d/batch=%d/workers=%d", n, len(qs), workers), func(b *testing.B) {
				if workers == 0 {
					ix.SetWorkers(New().workers)
				} else {
					ix.SetWorkers(workers)
				}
				for b.Loop() {
					ix.SearchBatch(qs, 10, childmatch.SearchFilter{})
				}
				b.ReportMetric(float64(b.N*len(qs))/b.Elapsed().Seconds(), "queries/s")
			})
		}
	}
}
