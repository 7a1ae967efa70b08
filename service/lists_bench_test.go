package service_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"childmatch"
	"childmatch/fixtures"
	"childmatch/follow"
	"childmatch/index"
	"childmatch/inmem"
	"childmatch/service"
)

// BenchmarkListsInMemory: the review queue's first page and the outcome report by district over a
// catalog of 100,000 cases and 100,000 review items, without HTTP or MinIO: what the catalog itself costs
// (api's BenchmarkListsAt100k measures the same through the service's front door).
func BenchmarkListsInMemory(b *testing.B) {
	store := inmem.New()
	f := follow.New(index.New(), store, store, store, follow.Config{CatchUp: time.Hour, SnapshotEvery: time.Hour}, quiet)
	svc := service.New(service.Deps{Store: store, Reviews: store, Audit: store, Faces: inmem.Faces{}, Index: f, Catalog: f,
		Limits: childmatch.DefaultLimits(1), Log: quiet})
	r := rand.New(rand.NewPCG(1, 2))
	start := time.Now().UTC().AddDate(-2, 0, 0)
	var cases []*childmatch.Case
	for i := range 100_000 {
		created := start.Add(time.Duration(r.Int64N(int64(2 * 365 * 24 * time.Hour))))
		c := &childmatch.Case{ID: childmatch.NewID(), CaseDetails: childmatch.CaseDetails{Kind: []childmatch.Kind{childmatch.KindMissing, childmatch.KindFound}[i%2],
			Sighting: childmatch.Sighting{State: fmt.Sprintf("State %02d", i%36), District: fmt.Sprintf("District %02d", i%20)}},
			Status: childmatch.StatusOpen, CreatedAt: created}
		c.Photos = []childmatch.Photo{{ID: childmatch.NewID(), Faces: []childmatch.Face{{ID: childmatch.NewID(), Descriptor: fixtures.RandomDescriptor(r)}}}}
		if i%3 == 0 {
			c.Links = []childmatch.Link{{Type: childmatch.ReviewMatch, At: created.Add(time.Duration(r.IntN(60*24)) * time.Hour)}}
		}
		f.Write(c.ID, func() (*childmatch.Case, error) { return c, nil })
		cases = append(cases, c)
	}
	for i := 1; i < len(cases); i += 2 {
		for j := range 2 {
			a, c := cases[(i+j*7919+1)%len(cases)], cases[i]
			item := &childmatch.Review{ID: childmatch.PairKey(a.ID, c.ID), Type: childmatch.ReviewMatch, CaseA: a.ID, CaseB: c.ID,
				State: childmatch.ReviewPending, Evidence: childmatch.Evidence{Score: 4 * r.Float64()}, CreatedAt: c.CreatedAt}
			f.WriteReview(item.ID, func() (*childmatch.Review, error) { return item, nil })
		}
	}
	reviewer := childmatch.Actor{ID: "r", Roles: []childmatch.Role{childmatch.RoleReviewer}}
	admin := childmatch.Actor{ID: "a", Roles: []childmatch.Role{childmatch.RoleAdmin}}
	ctx := context.Background()
	b.Run("queue-first", func(b *testing.B) {
		defer cpuPerOp(b)()
		for range b.N {
			if page, err := svc.Reviews(ctx, reviewer, childmatch.ReviewQuery{State: childmatch.ReviewPending}); err != nil || len(page.Items) != childmatch.DefaultReviewPage {
				b.Fatal(err)
			}
		}
	})
	b.Run("stats", func(b *testing.B) {
		defer cpuPerOp(b)()
		for range b.N {
			if st, err := svc.Stats(ctx, admin, childmatch.StatsQuery{}); err != nil || len(st) != 180 {
				b.Fatal(len(st), err)
			}
		}
	})
}

// cpuPerOp reports the CPU time per operation of the benchmark when the returned function runs.
func cpuPerOp(b *testing.B) func() {
	start := fixtures.CPUTime()
	return func() {
		b.ReportMetric(float64((fixtures.CPUTime()-start).Microseconds())/1000/float64(b.N), "cpu-ms/op")
	}
}
