package metrics

import (
	"testing"
	"time"
)

// BenchmarkRequest is what the request metric costs each request (a labelled histogram observation).
func BenchmarkRequest(b *testing.B) {
	for b.Loop() {
		Request("/v1/cases/:id", "GET", 200, 3*time.Millisecond)
	}
}

// BenchmarkStage is what one pipeline stage's timing costs.
func BenchmarkStage(b *testing.B) {
	start := time.Now()
	for b.Loop() {
		Since(StageDetect, start)
	}
}
