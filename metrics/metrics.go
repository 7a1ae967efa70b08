// Package metrics is childmatch's Prometheus instrumentation: one registry, the metrics on it, and the
// small functions the other packages call to record what they did (Request, Stage, Wait, MinIOCall,
// SearchDone, DeliveryDone) or to say where a gauge reads from (WatchIndex, WatchReviewQueue). Handler
// serves the registry; cmd/childmatch decides where (CHILDMATCH_METRICS_ADDR, or the main address behind
// an admin token).
//
// Labels never carry a child's details: routes are gin's templates (/v1/cases/:id), never the raw path,
// and every other label comes from a small fixed set. Label values known in advance (stages, queues,
// channels and outcomes) are created at start, so a dashboard shows zero rather than "no data", and the
// dashboard test (ops/grafana) finds every metric before the first alert is ever delivered.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"childmatch"
)

const namespace = "childmatch"

// Buckets, in seconds. HTTP answers run from a record read (a few ms) to an upload's CNN detection (about
// a second) and the request timeout (tens of seconds); a pipeline stage or a MinIO call from under a
// millisecond to seconds; an index search over 100k faces takes about a millisecond.
var (
	requestBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}
	stageBuckets   = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}
	waitBuckets    = []float64{.0001, .001, .01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}
	callBuckets    = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10}
	searchBuckets  = []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25}
)

// Stages of the face pipeline (matcher.Analyze).
const (
	StageDecode = "decode" // bytes to pixels, oriented
	StageDetect = "detect" // HOG, then the CNN when HOG finds nothing
	StageEmbed  = "embed"  // dlib's descriptor of each face, and the other face models
	StageChip   = "chip"   // the aligned face chip, JPEG-encoded
)

// MinIOOperations are the operations MinIO's requests are counted by (minio/observe.go).
var MinIOOperations = []string{"list", "get", "stat", "put", "delete", "bucket"}

// Queues a photo waits in before the pipeline runs.
const (
	QueueAdmission  = "admission"  // service/admission.go: each user's share of the workers
	QueueRecognizer = "recognizer" // matcher's pool of dlib recognizers
)

var (
	registry = prometheus.NewRegistry()

	requests = histogram("http_request_duration_seconds", "HTTP requests by route template, method and status, and how long they took.",
		requestBuckets, "route", "method", "status")
	stages = histogram("pipeline_stage_duration_seconds", "Time spent in each stage of the face pipeline, once per photo.",
		stageBuckets, "stage")
	waits = histogram("pipeline_wait_duration_seconds", "Time a photo waited for a worker: its user's admission, then a free recognizer.",
		waitBuckets, "queue")
	minioCalls = histogram("minio_request_duration_seconds", "MinIO requests by operation and outcome, until the answer's headers.",
		callBuckets, "operation", "outcome")
	minioErrors = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace,
		Name: "minio_errors_total", Help: "MinIO requests that failed (5xx, or no answer), by operation."}, []string{"operation"})
	searches = histogram("index_search_duration_seconds", "Index searches by the kind of case searched (missing, found, any).",
		searchBuckets, "kind")
	deliveries = histogram("alert_delivery_duration_seconds", "Attempts to deliver an alert, by channel and the delivery's status after it.",
		callBuckets, "channel", "outcome")
)

func histogram(name, help string, buckets []float64, labels ...string) *prometheus.HistogramVec {
	return prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: namespace, Name: name, Help: help, Buckets: buckets}, labels)
}

func init() {
	registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		requests, stages, waits, minioCalls, minioErrors, searches, deliveries, watched)
	for _, s := range []string{StageDecode, StageDetect, StageEmbed, StageChip} {
		stages.WithLabelValues(s)
	}
	for _, op := range MinIOOperations {
		minioErrors.WithLabelValues(op)
	}
	for _, q := range []string{QueueAdmission, QueueRecognizer} {
		waits.WithLabelValues(q)
	}
	for _, ch := range childmatch.Channels {
		for _, o := range []childmatch.DeliveryStatus{childmatch.DeliverySent, childmatch.DeliveryPending,
			childmatch.DeliveryFailed, childmatch.DeliveryDisabled} {
			deliveries.WithLabelValues(string(ch), string(o))
		}
	}
}

// Handler serves every metric in Prometheus' text or protobuf format.
func Handler() http.Handler {
	return promhttp.HandlerFor(registry, promhttp.HandlerOpts{Registry: registry})
}

// Gatherer is the registry, for tests that read what was recorded.
func Gatherer() prometheus.Gatherer { return registry }

// Request records one HTTP request: route is gin's template (FullPath), "" for no route.
func Request(route, method string, status int, took time.Duration) {
	if route == "" {
		route = "(no route)"
	}
	requests.WithLabelValues(route, method, strconv.Itoa(status)).Observe(took.Seconds())
}

// Stage records one pipeline stage of one photo.
func Stage(stage string, took time.Duration) { stages.WithLabelValues(stage).Observe(took.Seconds()) }

// Since records the stage that began at start; `defer metrics.Since(metrics.StageDetect, time.Now())`.
func Since(stage string, start time.Time) { Stage(stage, time.Since(start)) }

// Wait records how long a photo waited in a queue.
func Wait(queue string, took time.Duration) { waits.WithLabelValues(queue).Observe(took.Seconds()) }

// MinIOCall records one request to MinIO; failed counts it as an error too.
func MinIOCall(operation, outcome string, failed bool, took time.Duration) {
	minioCalls.WithLabelValues(operation, outcome).Observe(took.Seconds())
	if failed {
		minioErrors.WithLabelValues(operation).Inc()
	}
}

// SearchDone records one index search (or batch) over the given kinds of case, begun at start.
func SearchDone(kinds []childmatch.Kind, start time.Time) {
	kind := "any"
	if len(kinds) == 1 {
		kind = string(kinds[0])
	}
	searches.WithLabelValues(kind).Observe(time.Since(start).Seconds())
}

// DeliveryDone records one attempt to deliver an alert on a channel: outcome is the delivery's status
// after the attempt (sent; pending, to be retried; failed; disabled, its endpoint gone). The outbox calls
// it once per attempt.
func DeliveryDone(channel childmatch.Channel, outcome childmatch.DeliveryStatus, took time.Duration) {
	deliveries.WithLabelValues(string(channel), string(outcome)).Observe(took.Seconds())
}
