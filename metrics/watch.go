package metrics

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"childmatch"
)

// watched is the collector of the gauges read from their sources at each scrape (the index) or counted
// in the background (the review queue): cmd/childmatch says where they read from.
var watched = &gauges{
	faces: prometheus.NewDesc(namespace+"_index_faces", "Faces in this process's index, by the kind of their case.",
		[]string{"kind"}, nil),
	bytes: prometheus.NewDesc(namespace+"_index_bytes", "Memory the index holds.", nil, nil),
	queue: prometheus.NewDesc(namespace+"_reviews_pending",
		"Review items waiting for a person's decision, counted at most every ReviewQueueEvery.", nil, nil),
}

type gauges struct {
	faces, bytes, queue *prometheus.Desc

	mu         sync.Mutex
	kinds      func() map[childmatch.Kind]int
	indexBytes func() int
	count      func(context.Context) (int, error)
	pending    int
	countedAt  time.Time // zero: never counted
	counting   bool
}

// WatchIndex says where the index's gauges read from: faces by kind, and its bytes.
func WatchIndex(kinds func() map[childmatch.Kind]int, bytes func() int) {
	watched.mu.Lock()
	defer watched.mu.Unlock()
	watched.kinds, watched.indexBytes = kinds, bytes
}

// WatchReviewQueue says how to count the pending review items, and counts them at once in the background;
// the gauge appears once a count has finished. A count that fails leaves the last one in place.
func WatchReviewQueue(count func(context.Context) (int, error)) {
	watched.mu.Lock()
	defer watched.mu.Unlock()
	watched.count, watched.countedAt = count, time.Time{}
	watched.recount()
}

// recount starts a background count when none is running and the last is older than ReviewQueueEvery.
// Call it locked.
func (g *gauges) recount() {
	if g.count == nil || g.counting || (!g.countedAt.IsZero() && time.Since(g.countedAt) < childmatch.ReviewQueueEvery) {
		return
	}
	g.counting = true
	count := g.count
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), childmatch.ReviewQueueTimeout)
		defer cancel()
		n, err := count(ctx)
		g.mu.Lock()
		defer g.mu.Unlock()
		g.counting = false
		if err == nil {
			g.pending, g.countedAt = n, time.Now()
		}
	}()
}

func (g *gauges) Describe(ch chan<- *prometheus.Desc) {
	ch <- g.faces
	ch <- g.bytes
	ch <- g.queue
}

func (g *gauges) Collect(ch chan<- prometheus.Metric) {
	g.mu.Lock()
	kinds, bytes := g.kinds, g.indexBytes
	g.recount()
	pending, counted := g.pending, !g.countedAt.IsZero()
	g.mu.Unlock()
	if kinds != nil {
		n := kinds()
		for _, k := range []childmatch.Kind{childmatch.KindMissing, childmatch.KindFound} {
			ch <- prometheus.MustNewConstMetric(g.faces, prometheus.GaugeValue, float64(n[k]), string(k))
		}
	}
	if bytes != nil {
		ch <- prometheus.MustNewConstMetric(g.bytes, prometheus.GaugeValue, float64(bytes()))
	}
	if counted {
		ch <- prometheus.MustNewConstMetric(g.queue, prometheus.GaugeValue, float64(pending))
	}
}
