package api_test

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"math/rand/v2"
	"net/http"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/disintegration/imaging"

	"childmatch"
	"childmatch/fixtures"
	"childmatch/matcher"
)

// BenchmarkUpload: a 1080p phone photo (portrait, 1080×1920) uploaded to a new missing report, to its
// ranked candidates, through HTTP with the real pipeline and a real MinIO, with 100,000 and 1,000,000 found
// faces in the index, one of them another photo of the same person. Every upload must rank that one first
// under the review threshold, so each also proposes one review. The report is closed after its upload (timer
// stopped) so the state is the same for every iteration: no pile of earlier uploads of the same face to
// propose against. Reports the median and 95th percentile of the request time, with the service's detector
// (MTCNN first) and, beside it in the same run, HOG on the whole working image as before it.
func BenchmarkUpload(b *testing.B) {
	for _, faces := range []int{100_000, 1_000_000} {
		for _, det := range []matcher.Detector{matcher.MTCNNFirst, matcher.HOGThenCNN} {
			b.Run(fmt.Sprintf("faces=%dk/detector=%s", faces/1000, det), func(b *testing.B) { benchmarkUpload(b, faces, det) })
		}
	}
}

func benchmarkUpload(b *testing.B, faces int, det matcher.Detector) {
	e := newBenchEnv(b, det)
	r := rand.New(rand.NewPCG(11, 12))
	for i := 0; i < faces; i++ {
		d := fixtures.RandomDescriptor(r)
		e.index.Add(childmatch.FaceRef{FaceID: childmatch.NewID(), CaseID: childmatch.NewID()}, &d,
			childmatch.FaceAttrs{Kind: childmatch.KindFound, Status: childmatch.StatusOpen})
	}
	found := e.createCase("found", "child")
	e.addPhoto(found, "obama/obama2.jpg")
	src, err := imaging.Decode(bytes.NewReader(fixtures.Photo(b, "obama/obama1.jpg")))
	if err != nil {
		b.Fatal(err)
	}
	var photo bytes.Buffer
	jpeg.Encode(&photo, imaging.Fill(src, 1080, 1920, imaging.Top, imaging.Lanczos), &jpeg.Options{Quality: 90})
	ct, body := multipartBody(b, photo.Bytes(), nil)
	var times []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		id := e.createCase("missing", "child")
		b.StartTimer()
		start := time.Now()
		resp := e.do("POST", "/v1/cases/"+id+"/photos", ct, body, "Bearer "+token)
		times = append(times, time.Since(start))
		b.StopTimer()
		if resp.status != http.StatusCreated {
			b.Fatalf("upload: %d %s", resp.status, resp.body)
		}
		var m matchesResp
		resp.decode(b, &m)
		if len(m.Faces) != 1 || len(m.Faces[0].Candidates) == 0 || m.Faces[0].Candidates[0].Case.ID != found ||
			!m.Faces[0].Candidates[0].UnderThreshold {
			b.Fatalf("the other photo of the same person is not the first candidate under the threshold: %s", resp.body)
		}
		if r := e.postJSON("/v1/cases/"+id+"/close", map[string]any{"outcome": "other", "note": "benchmark"}); r.status != http.StatusOK {
			b.Fatalf("close: %d %s", r.status, r.body)
		}
		b.StartTimer()
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(times[len(times)*95/100].Microseconds())/1000, "p95-ms")
}

// BenchmarkSearchUnderFlood: an officer's ordinary searches (a photo with a face, one at a time), alone
// and while another user floods the service with photos without a face (4 clients at once, each photo
// running the CNN fallback), through HTTP with the real pipeline, 2 workers and a real MinIO. Reports the
// ordinary search's p50 both ways and their ratio (goal: within 1.5×), and what the flood's requests got.
// Each b.N is one round of 20 searches alone and 20 under the flood.
func BenchmarkSearchUnderFlood(b *testing.B) {
	e := newEnv(b)
	e.addPhoto(e.createCase("missing", "child"), "obama/obama1.jpg")
	// Each phase's searches are an officer's own (a user may search 30 times at once, then once a second).
	_, flooder, _ := e.user("flooder", "somewhere", "officer")
	ordinary, flood := e.from("127.0.0.2"), e.from("127.0.0.3")
	face := fixtures.Photo(b, "obama/obama2.jpg")
	r := rand.New(rand.NewPCG(5, 6))
	noise := image.NewGray(image.Rect(0, 0, 1700, 1700))
	for i := range noise.Pix {
		noise.Pix[i] = uint8(r.IntN(256))
	}
	var noFace bytes.Buffer
	jpeg.Encode(&noFace, noise, &jpeg.Options{Quality: 90})
	search := func(env *env, auth string, photo []byte) (int, time.Duration) {
		ct, body := multipartBody(b, photo, nil)
		start := time.Now()
		resp := env.do("POST", "/v1/search", ct, body, auth)
		return resp.status, time.Since(start)
	}
	p50 := func(name string) float64 {
		_, officer, _ := e.user(name, "GRP Bhopal", "officer")
		search(ordinary, officer, face) // warm up
		var times []time.Duration
		for range 20 {
			status, took := search(ordinary, officer, face)
			if status != http.StatusOK {
				b.Fatalf("an ordinary search answered %d", status)
			}
			times = append(times, took)
		}
		sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
		return float64(times[len(times)/2].Microseconds()) / 1000
	}
	for i := range b.N {
		alone := p50(fmt.Sprintf("officer alone %d", i))
		stop := make(chan struct{})
		var wg sync.WaitGroup
		var mu sync.Mutex
		answers := map[int]int{}
		for range 4 {
			wg.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
					}
					status, _ := search(flood, flooder, noFace.Bytes())
					mu.Lock()
					answers[status]++
					mu.Unlock()
					if status == http.StatusTooManyRequests {
						time.Sleep(200 * time.Millisecond) // a client that honours nothing, but does not spin
					}
				}
			})
		}
		time.Sleep(time.Second) // the flood under way
		flooded := p50(fmt.Sprintf("officer under the flood %d", i))
		close(stop)
		wg.Wait()
		b.ReportMetric(alone, "p50-alone-ms")
		b.ReportMetric(flooded, "p50-flood-ms")
		b.ReportMetric(flooded/alone, "ratio")
		b.ReportMetric(float64(answers[http.StatusUnprocessableEntity]), "flood-analysed")
		b.ReportMetric(float64(answers[http.StatusTooManyRequests]), "flood-429")
	}
}
