package api_test

import (
	"bytes"
	"image/jpeg"
	"math/rand/v2"
	"net/http"
	"sort"
	"testing"
	"time"

	"github.com/disintegration/imaging"

	"childmatch"
	"childmatch/fixtures"
)

// BenchmarkUploadAt100k: a 1080p phone photo (portrait, 1080×1920) uploaded to a new missing report, to its
// ranked candidates, through HTTP with the real pipeline and a real MinIO, with 100,000 found faces in the
// index, one of them another photo of the same person. Every upload must rank that one first under the review
// threshold, so each also proposes one review. The report is closed after its upload (timer stopped) so the
// state is the same for every iteration: no pile of earlier uploads of the same face to propose against.
// Reports the median and 95th percentile of the request time.
func BenchmarkUploadAt100k(b *testing.B) {
	e := newEnv(b)
	r := rand.New(rand.NewPCG(11, 12))
	for i := 0; i < 100_000; i++ {
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
