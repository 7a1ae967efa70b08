package index

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"childmatch"
	"childmatch/fixtures"
)

// BenchmarkPeers measures the index the way bench/index.sh measures its peers (FAISS, hnswlib), on the same
// vectors and queries: N dlib-shaped random faces (one per case) and 100 random queries, top 10. It runs only
// when CHILDMATCH_PEERS_DIR names a folder: there it writes vectors.f32, queries.f32 and truth.i32 (the
// exact top 10 by a naive float32 scan, as row numbers) for the peers, and appends its own figures as JSON
// lines to results.jsonl. CHILDMATCH_PEERS_N sets N (default 1,000,000).
func BenchmarkPeers(b *testing.B) {
	dir := os.Getenv("CHILDMATCH_PEERS_DIR")
	if dir == "" {
		b.Skip("CHILDMATCH_PEERS_DIR not set; bench/index.sh sets it")
	}
	n := 1_000_000
	if v := os.Getenv("CHILDMATCH_PEERS_N"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			b.Fatal(err)
		}
	}
	const m, k = 100, 10
	r := rand.New(rand.NewPCG(11, 12))
	vecs := make([]childmatch.Descriptor, n)
	for i := range vecs {
		vecs[i] = fixtures.RandomDescriptor(r)
	}
	qs := make([]childmatch.Descriptor, m)
	for i := range qs {
		qs[i] = fixtures.RandomDescriptor(r)
	}
	truth := naiveRows(vecs, qs, k)

	began := time.Now()
	ix := New()
	ix.Grow(n)
	row := make(map[childmatch.ID]int32, n)
	for i := range vecs {
		id := childmatch.NewID()
		row[id] = int32(i)
		ix.Add(childmatch.FaceRef{FaceID: id, CaseID: id}, &vecs[i], childmatch.FaceAttrs{})
	}
	build := time.Since(began)

	recall := func(hits [][]childmatch.Hit) float64 {
		found := 0
		for qi, hs := range hits {
			for _, h := range hs {
				if slices.Contains(truth[qi], row[h.FaceID]) {
					found++
				}
			}
		}
		return float64(found) / float64(m*k)
	}
	var lines []map[string]any
	for _, workers := range []int{1, 2} {
		ix.SetWorkers(workers)
		lat := make([]time.Duration, 0, 3*m)
		hits := make([][]childmatch.Hit, m)
		for round := 0; round < 3; round++ {
			for qi := range qs {
				t := time.Now()
				hits[qi] = ix.Search(&qs[qi], k, childmatch.SearchFilter{})
				lat = append(lat, time.Since(t))
			}
		}
		slices.Sort(lat)
		var batches []time.Duration
		for len(batches) < 5 {
			t := time.Now()
			ix.SearchBatch(qs, k, childmatch.SearchFilter{})
			batches = append(batches, time.Since(t))
		}
		slices.Sort(batches)
		rc := recall(hits)
		if rc != 1 {
			b.Errorf("recall@10 %.4f against the naive scan, want 1", rc)
		}
		line := map[string]any{"peer": "childmatch", "version": "childmatch index (int8 AVX2 first pass, exact float32 re-rank)",
			"n": n, "threads": workers, "build_seconds": build.Seconds(),
			"single_p50_ms": ms(lat[len(lat)/2]), "single_p99_ms": ms(lat[len(lat)*99/100]),
			"batch_queries_per_second": float64(m) / batches[2].Seconds(), "recall_at_10": rc,
			"bytes_per_face": float64(ix.Bytes()) / float64(n)}
		lines = append(lines, line)
		b.ReportMetric(line["single_p50_ms"].(float64), fmt.Sprintf("p50-ms/%d-cores", workers))
	}
	lines = append(lines, bandwidth(b)...)

	write := func(name string, data any) {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		if err := binary.Write(f, binary.LittleEndian, data); err != nil {
			b.Fatal(err)
		}
	}
	write("vectors.f32", vecs)
	write("queries.f32", qs)
	flat := make([]int32, 0, m*k)
	for _, t := range truth {
		flat = append(flat, t...)
	}
	write("truth.i32", flat)
	out, err := os.OpenFile(filepath.Join(dir, "results.jsonl"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		b.Fatal(err)
	}
	defer out.Close()
	for _, l := range lines {
		js, _ := json.Marshal(l)
		fmt.Fprintf(out, "%s\n", js)
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// naiveRows is the reference top k by a plain float32 scan, as row numbers, split over the CPUs by query.
func naiveRows(vecs, qs []childmatch.Descriptor, k int) [][]int32 {
	out := make([][]int32, len(qs))
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for qi := range next {
				type cand struct {
					d   float32
					row int32
				}
				var best []cand
				for i := range vecs {
					d := vecs[i].SquaredDistance(&qs[qi])
					if len(best) < k || d < best[k-1].d {
						best = append(best, cand{d, int32(i)})
						slices.SortFunc(best, func(a, b cand) int {
							if a.d < b.d {
								return -1
							}
							if a.d > b.d {
								return 1
							}
							return 0
						})
						best = best[:min(len(best), k)]
					}
				}
				for _, c := range best {
					out[qi] = append(out[qi], c.row)
				}
			}
		}()
	}
	for qi := range qs {
		next <- qi
	}
	close(next)
	wg.Wait()
	return out
}

// bandwidth streams a 2 GiB buffer with bytes.IndexByte (the runtime's AVX2 scan) on 1 and 2 goroutines.
func bandwidth(b *testing.B) []map[string]any {
	buf := make([]byte, 2<<30)
	for i := 0; i < len(buf); i += 4096 {
		buf[i] = 0 // touch every page so it is really mapped
	}
	var lines []map[string]any
	for _, g := range []int{1, 2} {
		best := 0.0
		for round := 0; round < 3; round++ {
			t := time.Now()
			var wg sync.WaitGroup
			part := len(buf) / g
			for w := range g {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if bytes.IndexByte(buf[w*part:(w+1)*part], 1) >= 0 {
						b.Error("the buffer is not zero")
					}
				}()
			}
			wg.Wait()
			best = max(best, float64(len(buf))/time.Since(t).Seconds()/1e9)
		}
		lines = append(lines, map[string]any{"peer": "memory", "threads": g, "gb_per_second": best})
		b.ReportMetric(best, fmt.Sprintf("GB/s/%d-cores", g))
	}
	return lines
}
