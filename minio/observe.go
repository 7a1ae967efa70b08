package minio

import (
	"net/http"
	"strings"
	"time"

	"childmatch/metrics"
)

// observed is the client's transport measured: every request minio-go makes (each retry on its own) goes
// through it, so the latency and errors on /metrics are MinIO's as this process saw them, by operation,
// until the answer's headers (a blob's bytes stream after).
type observed struct {
	next   http.RoundTripper
	bucket string
}

func (o observed) RoundTrip(r *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := o.next.RoundTrip(r)
	outcome, failed := "ok", false
	switch {
	case err != nil:
		outcome, failed = "no_answer", true
	case resp.StatusCode == http.StatusNotFound:
		outcome = "not_found"
	case resp.StatusCode == http.StatusPreconditionFailed:
		outcome = "precondition_failed"
	case resp.StatusCode >= 500:
		outcome, failed = "server_error", true
	case resp.StatusCode >= 400:
		outcome = "refused"
	}
	metrics.MinIOCall(o.operation(r), outcome, failed, time.Since(start))
	return resp, err
}

// operation names an S3 request by what it does: list, get, stat, put, delete, or bucket for calls on the
// bucket itself (its existence, location and encryption).
func (o observed) operation(r *http.Request) string {
	q := r.URL.Query()
	path := strings.Trim(r.URL.Path, "/")
	object := path != "" // virtual-host style: bucket.host/key
	if !strings.HasPrefix(r.URL.Host, o.bucket+".") {
		object = strings.Contains(path, "/") // path style: host/bucket/key
	}
	switch {
	case r.Method == http.MethodGet && !object && (q.Has("list-type") || q.Has("prefix") || q.Has("delimiter")):
		return "list"
	case !object:
		return "bucket"
	case r.Method == http.MethodGet:
		return "get"
	case r.Method == http.MethodHead:
		return "stat"
	case r.Method == http.MethodPut:
		return "put"
	case r.Method == http.MethodDelete:
		return "delete"
	}
	return strings.ToLower(r.Method)
}
