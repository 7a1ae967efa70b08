package api_test

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"childmatch"
	"childmatch/fixtures"
	"childmatch/minio"
)

// BenchmarkListsAt100k: the lists through HTTP with a real MinIO, the catalog holding 100,000 cases (half
// missing, half found, over 36 states and 24 months, a third matched, a tenth reunited) and 100,000
// review items: the review queue's first page and its tenth (by cursor), the outcome report by district
// and nationally, and a page of the case list filtered by state and free text. The cases and items are put
// in the catalog as the follower would after reading them (catalog only: a page of the queue or the report
// reads no record); the case list's page reads its 50 records, which are stored in MinIO. Reports each
// list's median and 95th percentile and the memory the catalog took (goal: a page under 100 ms).
func BenchmarkListsAt100k(b *testing.B) {
	e := newEnv(b)
	_, reviewer, _ := e.user("reviewer", "CWC", "reviewer", "officer")
	r := rand.New(rand.NewPCG(21, 22))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start, filling := time.Now().UTC().AddDate(-2, 0, 0), time.Now()
	var missing, found []*childmatch.Case
	for i := range 100_000 {
		kind := childmatch.KindMissing
		if i%2 == 1 {
			kind = childmatch.KindFound
		}
		created := start.Add(time.Duration(r.Int64N(int64(2 * 365 * 24 * time.Hour))))
		c := &childmatch.Case{ID: childmatch.NewID(), CaseDetails: childmatch.CaseDetails{Kind: kind,
			Child:      childmatch.Child{Name: fmt.Sprintf("child %d", i), Gender: childmatch.GenderUnknown},
			Sighting:   childmatch.Sighting{State: fmt.Sprintf("State %02d", i%36), District: fmt.Sprintf("District %02d", i%20)},
			References: childmatch.References{FIR: fmt.Sprintf("%d/2026", i)}},
			Status: childmatch.StatusOpen, CreatedAt: created, UpdatedAt: created}
		c.Photos = []childmatch.Photo{{ID: childmatch.NewID(), Faces: []childmatch.Face{{ID: childmatch.NewID(), Descriptor: fixtures.RandomDescriptor(r)}}}}
		c.Photos[0].Faces[0].PhotoID = c.Photos[0].ID
		if i%3 == 0 {
			c.Status = childmatch.StatusMatched
			c.Links = []childmatch.Link{{Type: childmatch.ReviewMatch, At: created.Add(time.Duration(r.IntN(60*24)) * time.Hour)}}
		}
		if i%10 == 0 {
			c.Status, c.Outcome = childmatch.StatusClosed, &childmatch.Outcome{Kind: childmatch.OutcomeReunited, At: created.Add(90 * 24 * time.Hour)}
		}
		if _, err := e.follower.Write(c.ID, func() (*childmatch.Case, error) { return c, nil }); err != nil {
			b.Fatal(err)
		}
		if kind == childmatch.KindMissing {
			missing = append(missing, c)
		} else {
			found = append(found, c)
		}
	}
	states := []childmatch.ReviewState{childmatch.ReviewPending, childmatch.ReviewPending, childmatch.ReviewConfirmed, childmatch.ReviewRejected}
	for i, f := range found {
		for j := range 2 {
			m := missing[(i+j*7919)%len(missing)]
			item := &childmatch.Review{ID: childmatch.PairKey(m.ID, f.ID), Type: childmatch.ReviewMatch, CaseA: m.ID, CaseB: f.ID,
				State: states[r.IntN(len(states))], FaceA: m.Photos[0].Faces[0].ID, FaceB: f.Photos[0].Faces[0].ID,
				Distance: 0.3 + 0.3*r.Float32(), Evidence: childmatch.Evidence{Score: 4 * r.Float64()}, CreatedAt: f.CreatedAt}
			if _, err := e.follower.WriteReview(item.ID, func() (*childmatch.Review, error) { return item, nil }); err != nil {
				b.Fatal(err)
			}
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.Logf("catalog filled in %s", time.Since(filling))
	// The case list's page: the first 50 missing cases of State 06 whose name holds "child 1", stored for
	// real (the catalog picks them; their records are read).
	store, err := minio.Open(b.Context(), e.cfg)
	if err != nil {
		b.Fatal(err)
	}
	stored := 0
	for _, c := range missing {
		if c.Sighting.State == "State 06" && strings.Contains(c.Child.Name, "child 1") && stored < 50 {
			if err := store.CreateCase(b.Context(), c); err != nil {
				b.Fatal(err)
			}
			stored++
		}
	}
	var list casePageResp
	e.as(reviewer, "GET", "/v1/cases?state=state+06&q=child+1&kind=missing", nil).decode(b, &list)
	if len(list.Cases) != 50 {
		b.Fatalf("the filtered page holds %d cases, want 50", len(list.Cases))
	}
	var tenth string // the cursor of the queue's tenth page
	for range 9 {
		var page struct {
			Next string `json:"next_cursor"`
		}
		e.as(reviewer, "GET", "/v1/reviews?state=pending&cursor="+url.QueryEscape(tenth), nil).decode(b, &page)
		tenth = page.Next
	}
	for _, tc := range []struct{ name, path, auth string }{
		{"queue-first", "/v1/reviews?state=pending", reviewer},
		{"queue-tenth", "/v1/reviews?state=pending&cursor=" + url.QueryEscape(tenth), reviewer},
		{"stats", "/v1/stats", "Bearer " + token},
		{"stats-national", "/v1/stats?by=all", "Bearer " + token},
		{"stats-csv", "/v1/stats?format=csv", "Bearer " + token},
		{"cases-filtered", "/v1/cases?state=state+06&q=child+1&kind=missing", reviewer},
	} {
		b.Run(tc.name, func(b *testing.B) {
			cpu := fixtures.CPUTime()
			var times []time.Duration
			for range b.N {
				t0 := time.Now()
				resp := e.as(tc.auth, "GET", tc.path, nil)
				times = append(times, time.Since(t0))
				if resp.status != http.StatusOK {
					b.Fatalf("%s: %d %s", tc.path, resp.status, resp.body)
				}
			}
			// The CPU of the whole process (server, MinIO client, the test's client) per request.
			b.ReportMetric(float64((fixtures.CPUTime()-cpu).Microseconds())/1000/float64(b.N), "cpu-ms/op")
			sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
			b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(times[len(times)*95/100].Microseconds())/1000, "p95-ms")
			b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "catalog+index-MB")
		})
	}
}

type casePageResp struct {
	Cases []struct {
		ID string `json:"id"`
	} `json:"cases"`
}
