package delivery_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"childmatch"
	"childmatch/minio/miniotest"
	"childmatch/webhook/webhooktest"
)

// BenchmarkFanout: one alert fanned out to 1,000 and to 10,000 posts' webhooks on loopback, through a
// real MinIO (counted by a proxy in front of it) and the real webhook sender: the time from the
// report's creation to the last delivery received (the alerts issue's goal: under 2 s for 1,000), and
// what the outbox costs in MinIO requests per delivery. Run with -benchtime 1x: setting up 10,000 posts
// takes a while.
func BenchmarkFanout(b *testing.B) {
	for _, n := range []int{1000, 10_000} {
		b.Run(fmt.Sprintf("posts=%d", n), func(b *testing.B) {
			srv := miniotest.Start(b)
			counter := srv.Count(b)
			rcv := webhooktest.Start(b, hookSecret)
			r := newReplica(b, srv, counter.Endpoint, quick())
			ctx := context.Background()
			var g errgroup.Group
			g.SetLimit(32)
			for i := range n {
				g.Go(func() error {
					return r.store.CreatePost(ctx, &childmatch.Post{ID: childmatch.NewID(), Name: fmt.Sprintf("GRP %d", i), Kind: childmatch.PostGRP,
						Area: mp, Webhooks: []childmatch.Webhook{{URL: fmt.Sprintf("%s/hook/%d", rcv.URL, i), Secret: hookSecret}}})
				})
			}
			if err := g.Wait(); err != nil {
				b.Fatal(err)
			}
			// A running service has walked its posts (each alert and each opening of one does), so the
			// store lists them and reads only those that changed: the first walk, cold, is reported apart.
			cold := time.Now()
			if err := r.store.WalkPosts(ctx, func(*childmatch.Post) (bool, error) { return true, nil }); err != nil {
				b.Fatal(err)
			}
			coldWalk := time.Since(cold)
			r.run(b)
			var raised, last time.Duration
			var requests, writes, walk int
			b.ResetTimer()
			for range b.N {
				before := rcv.Count()
				counter.Reset()
				start := time.Now()
				r.report(b)
				raised += time.Since(start)
				walk += counter.Calls("GET", "posts/") // the alert's targeting, reading every post
				waitFor(b, "every delivery", 10*time.Minute, func() bool { return rcv.Count() >= before+n })
				last += time.Since(start)
				time.Sleep(100 * time.Millisecond) // the rounds' records
				requests += counter.Total()
				writes += counter.Calls("PUT", "") + counter.Calls("DELETE", "")
			}
			b.StopTimer()
			per := float64(b.N)
			b.ReportMetric(float64(coldWalk.Milliseconds()), "ms-cold-walk")
			b.ReportMetric(float64(raised.Milliseconds())/per, "ms-to-raised")
			b.ReportMetric(float64(last.Milliseconds())/per, "ms-to-last-delivery")
			b.ReportMetric(float64(requests-walk)/per/float64(n), "outbox-requests/delivery")
			b.ReportMetric(float64(writes)/per/float64(n), "writes/delivery")
			b.ReportMetric(float64(walk)/per/float64(n), "post-reads/delivery")
		})
	}
}
