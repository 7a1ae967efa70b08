package main

import (
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

// TestServeMetrics: the metrics address answers GET /metrics without a token, in Prometheus' format,
// and nothing else: the API is not reachable through it.
func TestServeMetrics(t *testing.T) {
	addr, stop, err := serveMetrics("127.0.0.1:0", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, string(b)
	}
	if status, body := get("/metrics"); status != http.StatusOK || !strings.Contains(body, "# TYPE childmatch_pipeline_stage_duration_seconds histogram") {
		t.Fatalf("/metrics: %d\n%.500s", status, body)
	}
	for _, path := range []string{"/", "/v1/cases", "/openapi.json"} {
		if status, _ := get(path); status != http.StatusNotFound {
			t.Errorf("%s on the metrics address: %d, want 404", path, status)
		}
	}
	if _, _, err := serveMetrics(addr, slog.New(slog.NewTextHandler(io.Discard, nil))); err == nil {
		t.Error("a metrics address already taken was accepted")
	}
}
