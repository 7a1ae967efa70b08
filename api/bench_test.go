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

// BenchmarkUploadAt100k: a 1080p phone photo (portrait, 1080×1920) uploaded to a case, to its ranked candidates, through HTTP
// with the real pipeline and a real MinIO, with 100,000 faces in the index. Reports the median and 95th
// percentile of the request time.
func BenchmarkUploadAt100k(b *testing.B) {
	e := newEnv(b)
	r := rand.New(rand.NewPCG(11, 12))
	for i := 0; i < 100_000; i++ {
		d := fixtures.RandomDescriptor(r)
		e.index.Add(childmatch.FaceRef{FaceID: childmatch.NewID(), CaseID: childmatch.NewID()}, &d,
			childmatch.FaceAttrs{Kind: childmatch.KindFound, Status: childmatch.StatusOpen})
	}
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
		if resp.status != http.StatusCreated {
			b.Fatalf("upload: %d %s", resp.status, resp.body)
		}
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(times[len(times)*95/100].Microseconds())/1000, "p95-ms")
}
