package index

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"childmatch"
	"childmatch/fixtures"
)

// The national-scale benchmark that bench/index.sh runs beside FAISS and hnswlib (bench/index_peers.py):
// N synthetic dlib-shaped faces with the real faces of the shared photo set planted among them, 100
// queries (the first photo of each person, then synthetic ones), top 10, one face per case.
//
// Environment:
//
//	CHILDMATCH_DESCRIPTORS  the real descriptors, as matcher's TestWriteDescriptors writes them (required)
//	INDEX_BENCH_SIZES       the values of N, default "100000 1000000 4000000"
//	CHILDMATCH_PEERS_DIR    if set, <dir>/<N>/ receives vectors.f32, queries.f32, truth.i32, genuine.i32
//	CHILDMATCH_BENCH_OUT    if set, one JSON line per (N, threads) is appended to it, keyed as the peers' lines
const (
	scaleQueries = 100
	scaleK       = 10
	scaleRounds  = 3 // passes over the queries one at a time, for the latency percentiles
	scaleWarmup  = 5
)

// scaleVersion names what is measured in the results.
func scaleVersion() string {
	kernel := "Go"
	switch {
	case useAVX2 && useVNNI:
		kernel = "AVX2 (batches: AVX-512 VNNI)"
	case useAVX2:
		kernel = "AVX2"
	}
	return fmt.Sprintf("childmatch index (int8 %s first pass + exact float32 re-rank, %s)", kernel, runtime.Version())
}

// realPhoto is one photo of the descriptors file matcher's TestWriteDescriptors writes.
type realPhoto struct {
	Person     string                `json:"person"`
	Path       string                `json:"path"`
	Descriptor childmatch.Descriptor `json:"descriptor"`
}

// scaleData is one size's data set: rows, queries, the exact answer and the genuine pairs.
type scaleData struct {
	vecs    []childmatch.Descriptor
	qs      []childmatch.Descriptor
	real    int        // qs[:real] are real photos, the rest synthetic
	genuine [][2]int32 // (query, row): the row is another photo of the query's person
	truth   [][]int32  // per query, the rows of the exact top k, nearest first
}

// scaleID is row i's face (and case) id: a fixed prefix, then the row big-endian, so that ids sort as rows
// do and the index's tie-break (distance, then face id) is the exact scan's (distance, then row).
func scaleID(row int) childmatch.ID {
	var id childmatch.ID
	id[0] = 0xc5
	binary.BigEndian.PutUint64(id[8:], uint64(row))
	return id
}

func scaleRow(id childmatch.ID) int32 { return int32(binary.BigEndian.Uint64(id[8:])) }

func scaleSizes(b *testing.B) []int {
	spec := os.Getenv("INDEX_BENCH_SIZES")
	if strings.TrimSpace(spec) == "" {
		spec = "100000 1000000 4000000"
	}
	var sizes []int
	for _, f := range strings.Fields(spec) {
		n, err := strconv.Atoi(f)
		if err != nil || n < scaleQueries {
			b.Fatalf("INDEX_BENCH_SIZES: %q is not a size of at least %d", f, scaleQueries)
		}
		sizes = append(sizes, n)
	}
	return sizes
}

// BenchmarkScale measures build, single-query latency on 1 and 2 workers, batch throughput, exactness,
// the genuine pairs found, memory and snapshot load at each size. It is meant for -benchtime 1x; b.N only
// repeats the whole measurement.
func BenchmarkScale(b *testing.B) {
	path := os.Getenv("CHILDMATCH_DESCRIPTORS")
	if path == "" {
		b.Skip("CHILDMATCH_DESCRIPTORS not set: it names the real descriptors, which bench/index.sh writes and sets")
	}
	js, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	var photos []realPhoto
	if err := json.Unmarshal(js, &photos); err != nil {
		b.Fatalf("%s: %v", path, err)
	}
	for _, n := range scaleSizes(b) {
		b.Run(fmt.Sprintf("faces=%d", n), func(b *testing.B) { benchScale(b, n, photos) })
		runtime.GC()
		debug.FreeOSMemory()
	}
}

func benchScale(b *testing.B, n int, photos []realPhoto) {
	began := time.Now()
	d := makeScaleData(b, n, photos)
	b.Logf("%d faces: data in %.1f s", n, time.Since(began).Seconds())
	began = time.Now()
	d.truth = exactTop(d.vecs, d.qs, scaleK)
	b.Logf("%d faces: exact scan of %d queries in %.1f s", n, len(d.qs), time.Since(began).Seconds())
	if dir := os.Getenv("CHILDMATCH_PEERS_DIR"); dir != "" {
		writePeerFiles(b, filepath.Join(dir, strconv.Itoa(n)), d)
	}
	b.ResetTimer()
	var lines []map[string]any
	for i := 0; i < b.N; i++ {
		lines = measureScale(b, d)
	}
	b.StopTimer()
	for _, l := range lines {
		b.ReportMetric(l["single_p50_ms"].(float64), fmt.Sprintf("p50-ms/%d-workers", l["threads"]))
		b.ReportMetric(l["batch_queries_per_second"].(float64), fmt.Sprintf("batch-q/s/%d-workers", l["threads"]))
		if fps, ok := l["allpairs_faces_per_second"].(float64); ok {
			b.ReportMetric(fps, fmt.Sprintf("allpairs-faces/s/%d-workers", l["threads"]))
		}
		appendBenchLine(b, l)
	}
	b.ReportMetric(lines[0]["bytes_per_face"].(float64), "bytes/face")
	b.ReportMetric(lines[0]["snapshot_load_seconds"].(float64), "snapshot-load-s")
}

// makeScaleData draws n synthetic faces (deterministically for n, in parallel), plants every photo but the
// first of each person at random rows, and makes the queries: the first photo of each person, then
// synthetic faces up to scaleQueries.
func makeScaleData(b *testing.B, n int, photos []realPhoto) *scaleData {
	photos = slices.Clone(photos)
	sort.SliceStable(photos, func(i, j int) bool {
		if photos[i].Person != photos[j].Person {
			return photos[i].Person < photos[j].Person
		}
		return photos[i].Path < photos[j].Path
	})
	var first, planted []realPhoto
	for i, p := range photos {
		if i == 0 || p.Person != photos[i-1].Person {
			first = append(first, p)
		} else {
			planted = append(planted, p)
		}
	}
	if len(first) == 0 || len(first) > scaleQueries || len(planted) > n/2 {
		b.Fatalf("%d people and %d planted photos do not fit %d queries and %d faces", len(first), len(planted), scaleQueries, n)
	}

	d := &scaleData{vecs: make([]childmatch.Descriptor, n), real: len(first)}
	const chunk = 1 << 16
	var next atomic.Int64
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				c := int(next.Add(1) - 1)
				lo := c * chunk
				if lo >= n {
					return
				}
				r := rand.New(rand.NewPCG(uint64(n), uint64(c)))
				for i := lo; i < min(n, lo+chunk); i++ {
					d.vecs[i] = fixtures.RandomDescriptor(r)
				}
			}
		}()
	}
	wg.Wait()

	r := rand.New(rand.NewPCG(uint64(n), 0x9e3779b9))
	used := map[int]bool{}
	for qi, q := range first {
		d.qs = append(d.qs, q.Descriptor)
		for _, p := range planted {
			if p.Person != q.Person {
				continue
			}
			row := r.IntN(n)
			for used[row] {
				row = r.IntN(n)
			}
			used[row] = true
			d.vecs[row] = p.Descriptor
			d.genuine = append(d.genuine, [2]int32{int32(qi), int32(row)})
		}
	}
	rq := rand.New(rand.NewPCG(1, 2)) // the same synthetic queries at every size
	for len(d.qs) < scaleQueries {
		d.qs = append(d.qs, fixtures.RandomDescriptor(rq))
	}
	return d
}

// exactTop is the reference: a naive float32 scan (the same SquaredDistance the index re-ranks with) of
// every row for every query, nearest first, ties by row. Rows are split into one chunk per CPU and
// scanned a block at a time for all queries, so that the block stays in cache.
func exactTop(vecs, qs []childmatch.Descriptor, k int) [][]int32 {
	type cand struct {
		d   float32
		row int32
	}
	before := func(a, b cand) int {
		if a.d != b.d {
			if a.d < b.d {
				return -1
			}
			return 1
		}
		return int(a.row - b.row)
	}
	workers := runtime.GOMAXPROCS(0)
	per := (len(vecs) + workers - 1) / workers
	found := make([][][]cand, workers) // [worker][query]
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := min(len(vecs), w*per), min(len(vecs), (w+1)*per)
		found[w] = make([][]cand, len(qs))
		wg.Add(1)
		go func() {
			defer wg.Done()
			const blockRows = 1024
			for start := lo; start < hi; start += blockRows {
				end := min(hi, start+blockRows)
				for qi := range qs {
					best, q := found[w][qi], &qs[qi]
					for i := start; i < end; i++ {
						dist := vecs[i].SquaredDistance(q)
						if len(best) == k && dist >= best[k-1].d {
							continue // rows come in increasing order, so an equal distance loses the tie
						}
						at := sort.Search(len(best), func(j int) bool { return best[j].d > dist })
						if len(best) < k {
							best = append(best, cand{})
						}
						copy(best[at+1:], best[at:])
						best[at] = cand{dist, int32(i)}
					}
					found[w][qi] = best
				}
			}
		}()
	}
	wg.Wait()
	out := make([][]int32, len(qs))
	for qi := range qs {
		var all []cand
		for w := range found {
			all = append(all, found[w][qi]...)
		}
		slices.SortFunc(all, before)
		for _, c := range all[:min(k, len(all))] {
			out[qi] = append(out[qi], c.row)
		}
	}
	return out
}

// scaleRecall returns recall@k of hits against the exact rows, and whether every answer is the exact one,
// row for row in order.
func scaleRecall(hits [][]childmatch.Hit, truth [][]int32) (recall float64, identical bool) {
	found, want := 0, 0
	identical = true
	for qi, hs := range hits {
		want += len(truth[qi])
		if len(hs) != len(truth[qi]) {
			identical = false
		}
		for j, h := range hs {
			row := scaleRow(h.FaceID)
			if slices.Contains(truth[qi], row) {
				found++
			}
			if j >= len(truth[qi]) || truth[qi][j] != row {
				identical = false
			}
		}
	}
	return float64(found) / float64(want), identical
}

// genuineRecall is the fraction of the genuine pairs (query, row) whose row is in the query's answer.
func genuineRecall(answers [][]int32, genuine [][2]int32) float64 {
	if len(genuine) == 0 {
		return 0
	}
	found := 0
	for _, p := range genuine {
		if slices.Contains(answers[p[0]], p[1]) {
			found++
		}
	}
	return float64(found) / float64(len(genuine))
}

func hitRows(hits [][]childmatch.Hit) [][]int32 {
	out := make([][]int32, len(hits))
	for qi, hs := range hits {
		for _, h := range hs {
			out[qi] = append(out[qi], scaleRow(h.FaceID))
		}
	}
	return out
}

// percentile is the nearest-rank percentile of sorted durations, in milliseconds.
func percentile(sorted []time.Duration, p float64) float64 {
	i := max(0, int(math.Ceil(p/100*float64(len(sorted))))-1)
	return float64(sorted[i].Nanoseconds()) / 1e6
}

// measureScale builds the index from d, measures it and loads it back from a snapshot; it returns one
// result line per worker count.
func measureScale(b *testing.B, d *scaleData) []map[string]any {
	n, m := len(d.vecs), len(d.qs)
	began := time.Now()
	ix := New()
	ix.Grow(n)
	for i := range d.vecs {
		id := scaleID(i)
		ix.Add(childmatch.FaceRef{FaceID: id, CaseID: id}, &d.vecs[i], childmatch.FaceAttrs{})
	}
	build := time.Since(began)
	bytesPerFace := float64(ix.Bytes()) / float64(n)
	exactGenuine := genuineRecall(d.truth, d.genuine)

	var lines []map[string]any
	for _, workers := range []int{1, 2} {
		ix.SetWorkers(workers)
		for qi := range min(scaleWarmup, m) {
			ix.Search(&d.qs[qi], scaleK, childmatch.SearchFilter{})
		}
		var all, real, synthetic []time.Duration
		hits := make([][]childmatch.Hit, m)
		for range scaleRounds {
			for qi := range d.qs {
				t := time.Now()
				hits[qi] = ix.Search(&d.qs[qi], scaleK, childmatch.SearchFilter{})
				took := time.Since(t)
				all = append(all, took)
				if qi < d.real {
					real = append(real, took)
				} else {
					synthetic = append(synthetic, took)
				}
			}
		}
		for _, s := range [][]time.Duration{all, real, synthetic} {
			slices.Sort(s)
		}
		if rc, same := scaleRecall(hits, d.truth); rc != 1 || !same {
			b.Fatalf("%d faces, %d workers: single-query recall@%d %.4f against the exact scan (identical: %v), want 1",
				n, workers, scaleK, rc, same)
		}

		// The whole batch in one call, repeated (at most 5 times, while under 2 s in all) for the median.
		var runs []time.Duration
		var batch [][]childmatch.Hit
		for len(runs) == 0 || (len(runs) < 5 && total(runs) < 2*time.Second) {
			t := time.Now()
			batch = ix.SearchBatch(d.qs, scaleK, childmatch.SearchFilter{})
			runs = append(runs, time.Since(t))
		}
		slices.Sort(runs)
		rc, same := scaleRecall(batch, d.truth)
		if rc != 1 || !same {
			b.Fatalf("%d faces, %d workers: batch recall@%d %.4f against the exact scan (identical: %v), want 1",
				n, workers, scaleK, rc, same)
		}
		line := map[string]any{
			"peer": "childmatch", "version": scaleVersion(), "n": n, "threads": workers,
			"build_seconds":            build.Seconds(),
			"single_p50_ms":            percentile(all, 50),
			"single_p99_ms":            percentile(all, 99),
			"real_query_p50_ms":        percentile(real, 50),
			"synthetic_query_p50_ms":   percentile(synthetic, 50),
			"batch_queries_per_second": float64(m) / runs[len(runs)/2].Seconds(),
			"recall_at_10":             rc,
			"genuine_recall":           genuineRecall(hitRows(batch), d.genuine),
			"exact_genuine_recall":     exactGenuine,
			"genuine_pairs":            len(d.genuine),
			"queries":                  m,
			"real_queries":             d.real,
			"bytes_per_face":           bytesPerFace,
		}
		if workers == 2 && n <= allPairsMax(b) {
			line["allpairs_faces_per_second"] = measureAllPairs(b, ix, d)
			line["allpairs_k"] = allPairsK
		}
		lines = append(lines, line)
	}

	// Snapshot: written to a file, the index dropped, then loaded from the file into a new index (the
	// file is fresh, so it is read from the page cache: this is the format's cost, not the disk's).
	f, err := os.CreateTemp(b.TempDir(), "snapshot-*.cmix")
	if err != nil {
		b.Fatal(err)
	}
	defer os.Remove(f.Name())
	if err := ix.WriteSnapshot(f, childmatch.ID{}); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	ix = nil
	runtime.GC()
	debug.FreeOSMemory()
	f, err = os.Open(f.Name())
	if err != nil {
		b.Fatal(err)
	}
	st, _ := f.Stat()
	began = time.Now()
	loaded := New()
	_, err = loaded.ReadSnapshot(f)
	load := time.Since(began)
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	if loaded.Len() != n {
		b.Fatalf("the snapshot holds %d faces, want %d", loaded.Len(), n)
	}
	if rc, same := scaleRecall(loaded.SearchBatch(d.qs[:1], scaleK, childmatch.SearchFilter{}), d.truth[:1]); rc != 1 || !same {
		b.Fatalf("the index loaded from the snapshot answers differently (recall %.2f)", rc)
	}
	for _, l := range lines {
		l["snapshot_load_seconds"] = load.Seconds()
		l["snapshot_bytes"] = st.Size()
	}
	return lines
}

// allPairsK is what a dedupe pass asks of each face: its ProposalsMax+1 nearest other cases, and one more
// for its own case (service/dedupe.go).
var allPairsK = childmatch.DefaultLimits(1).ProposalsMax + 2

// allPairsMax is the largest size at which the all-pairs pass is measured ($INDEX_ALLPAIRS_MAX, default
// 100,000: at 1M it would take about a hundred times as long).
func allPairsMax(b *testing.B) int {
	spec := os.Getenv("INDEX_ALLPAIRS_MAX")
	if spec == "" {
		return 100_000
	}
	n, err := strconv.Atoi(spec)
	if err != nil {
		b.Fatalf("INDEX_ALLPAIRS_MAX: %q is not a number", spec)
	}
	return n
}

// measureAllPairs is a dedupe pass's search over the index: every row's vector as a query, DedupeBatch at
// a time, allPairsK nearest each; it returns the faces a second. The first batch's answers are checked
// against the naive scan.
func measureAllPairs(b *testing.B, ix *Index, d *scaleData) float64 {
	first := d.vecs[:childmatch.DedupeBatch]
	if _, same := scaleRecall(ix.SearchBatch(first, allPairsK, childmatch.SearchFilter{}), exactTop(d.vecs, first, allPairsK)); !same {
		b.Fatalf("%d faces: the all-pairs answers differ from the exact scan's", len(d.vecs))
	}
	began := time.Now()
	for lo := 0; lo < len(d.vecs); lo += childmatch.DedupeBatch {
		ix.SearchBatch(d.vecs[lo:min(len(d.vecs), lo+childmatch.DedupeBatch)], allPairsK, childmatch.SearchFilter{})
	}
	return float64(len(d.vecs)) / time.Since(began).Seconds()
}

func total(ds []time.Duration) time.Duration {
	var s time.Duration
	for _, d := range ds {
		s += d
	}
	return s
}

// writePeerFiles writes the data set for bench/index_peers.py: vectors.f32 (n×128 float32 little-endian),
// queries.f32, truth.i32 (queries×k rows) and genuine.i32 (pairs query, row).
func writePeerFiles(b *testing.B, dir string, d *scaleData) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	write := func(name string, count int, put func(i int, buf []byte) []byte) {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			b.Fatal(err)
		}
		w := bufio.NewWriterSize(f, 1<<20)
		buf := make([]byte, 0, 4*childmatch.DescriptorLen)
		for i := range count {
			if _, err := w.Write(put(i, buf[:0])); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
	}
	descriptors := func(ds []childmatch.Descriptor) func(int, []byte) []byte {
		return func(i int, buf []byte) []byte {
			for _, v := range ds[i] {
				buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
			}
			return buf
		}
	}
	write("vectors.f32", len(d.vecs), descriptors(d.vecs))
	write("queries.f32", len(d.qs), descriptors(d.qs))
	write("truth.i32", len(d.truth), func(i int, buf []byte) []byte {
		if len(d.truth[i]) != scaleK {
			b.Fatalf("query %d has %d exact neighbours, want %d", i, len(d.truth[i]), scaleK)
		}
		for _, row := range d.truth[i] {
			buf = binary.LittleEndian.AppendUint32(buf, uint32(row))
		}
		return buf
	})
	write("genuine.i32", len(d.genuine), func(i int, buf []byte) []byte {
		buf = binary.LittleEndian.AppendUint32(buf, uint32(d.genuine[i][0]))
		return binary.LittleEndian.AppendUint32(buf, uint32(d.genuine[i][1]))
	})
}

// appendBenchLine appends one JSON line to $CHILDMATCH_BENCH_OUT, if set.
func appendBenchLine(b *testing.B, line map[string]any) {
	path := os.Getenv("CHILDMATCH_BENCH_OUT")
	if path == "" {
		return
	}
	js, err := json.Marshal(line)
	if err != nil {
		b.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(append(js, '\n')); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkMemoryBandwidth streams a 2 GiB buffer on 1 and 2 goroutines, each reading its own half, with
// bytes.IndexByte (the runtime's AVX2 scan; Go itself does not vectorise loops). The buffer is written
// first so that its pages are really mapped rather than the kernel's shared zero page. The best of 3
// scans per iteration is reported in GB/s: the floor under any scan of memory-resident vectors.
func BenchmarkMemoryBandwidth(b *testing.B) {
	buf := make([]byte, 2<<30)
	for i := 0; i < len(buf); i += 4096 {
		buf[i] = 0
	}
	for _, g := range []int{1, 2} {
		b.Run(fmt.Sprintf("threads=%d", g), func(b *testing.B) {
			best := 0.0
			for i := 0; i < b.N; i++ {
				for range 3 {
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
			}
			b.ReportMetric(best, "GB/s")
			// What a scan must read per face: the first pass reads a row's code and its error byte (the
			// filter columns only for rows the bound admits); a plain scan reads the float32 descriptor.
			appendBenchLine(b, map[string]any{"peer": "memory", "threads": g, "gb_per_second": best, "buffer_bytes": len(buf),
				"first_pass_bytes_per_face": codeLen + 1, "vector_bytes_per_face": 4 * childmatch.DescriptorLen})
		})
	}
	runtime.KeepAlive(buf)
}
