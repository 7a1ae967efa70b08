package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"gonum.org/v1/gonum/stat"

	"childmatch"
)

// result is one run: its clients, how long the mix ran, what each kind of request got, and the
// service's memory.
type result struct {
	clients int
	elapsed time.Duration
	rec     record
	// rssStart is the service's RSS after start-up and the gallery's registration, when the mix begins;
	// rssEnd when it has ended; peak the highest RSS in between (VmHWM, reset as the mix begins).
	rssStart, rssEnd, peak int64
}

// setup is what every run of a report shares.
type setup struct {
	command          string
	duration         time.Duration
	workers, cores   int
	gallery, photos  int
	maxOps           int
	started, stopped time.Time
}

func (s setup) markdown(results []result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Load on one childmatch (%d face workers) with its own MinIO, both on 127.0.0.1 of a %d-core machine that also runs the load generator; %s to %s.\n",
		s.workers, s.cores, s.started.Format("2006-01-02 15:04"), s.stopped.Format("15:04 MST"))
	fmt.Fprintf(&b, "Produced by `%s`.\n\n", s.command)
	fmt.Fprintf(&b, "Each run starts a fresh service and MinIO (`scripts/run.sh`), registers a gallery of %d missing reports (the first photo of each person folder of the shared set), creates one officer per client, then runs the mix for %s (or %d operations per client): per operation %d%% search, %d%% upload (a new found case, then its photo), %d%% reads (half `GET /v1/cases/{id}`, half `GET /v1/cases`); every photo is drawn at random from the %d photos of the person folders. ",
		s.gallery, s.duration, s.maxOps, searchShare, uploadShare, 100-searchShare-uploadShare, s.photos)
	fmt.Fprintf(&b, "Each client has its own token and its own loopback address (127.0.0.10 up), sends its next request when the previous one has answered, and waits out a 429's `Retry-After`. Latencies are of the 2xx answers, and 2xx/s counts them over the time the mix ran.\n\n")
	fmt.Fprintf(&b, "The limits the figures meet (limits.go): photos (search and upload) per user %d at once, then one per %s; per address %d, then one per %s; a user's analyses run on at most %.0f%% of the workers, with at most %d running or waiting, beyond which 429.\n\n",
		childmatch.PhotoBurstPerUser, childmatch.PhotoEveryPerUser, childmatch.PhotoBurstPerAddress,
		childmatch.PhotoEveryPerAddress, 100*childmatch.AdmissionUserShare, childmatch.AdmissionQueuePerUser)
	b.WriteString("| clients | request | answers | 2xx/s | p50 ms | p95 ms | p99 ms | 429 | other errors |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range results {
		for k, t := range r.rec {
			fmt.Fprintf(&b, "| %d | %s | %d | %.2f | %s | %s | %s | %d | %s |\n", r.clients, kindNames[k], t.answers(),
				float64(len(t.ok))/r.elapsed.Seconds(), t.percentile(0.5), t.percentile(0.95), t.percentile(0.99),
				t.statuses[429], t.errors())
		}
	}
	b.WriteString("\n| clients | mix ran | 2xx/s, all requests | service RSS at start | at end | peak during the mix |\n|---|---|---|---|---|---|\n")
	for _, r := range results {
		ok := 0
		for _, t := range r.rec {
			ok += len(t.ok)
		}
		fmt.Fprintf(&b, "| %d | %.1f s | %.2f | %s | %s | %s |\n", r.clients, r.elapsed.Seconds(),
			float64(ok)/r.elapsed.Seconds(), mib(r.rssStart), mib(r.rssEnd), mib(r.peak))
	}
	return b.String()
}

func (t *tally) answers() int {
	n := len(t.ok) + t.failed
	for _, c := range t.statuses {
		n += c
	}
	return n
}

// percentile is the p quantile of the 2xx latencies in milliseconds (the nearest rank), "-" if none.
func (t *tally) percentile(p float64) string {
	if len(t.ok) == 0 {
		return "-"
	}
	ms := make([]float64, len(t.ok))
	for i, d := range t.ok {
		ms[i] = float64(d.Microseconds()) / 1000
	}
	slices.Sort(ms)
	return fmt.Sprintf("%.0f", stat.Quantile(p, stat.Empirical, ms, nil))
}

// errors lists the answers other than 2xx and 429 by status, and the requests that got none.
func (t *tally) errors() string {
	var parts []string
	for _, s := range slices.Sorted(maps.Keys(t.statuses)) {
		if s != 429 {
			parts = append(parts, fmt.Sprintf("%d: %d", s, t.statuses[s]))
		}
	}
	if t.failed > 0 {
		parts = append(parts, fmt.Sprintf("no answer: %d", t.failed))
	}
	if len(parts) == 0 {
		return "0"
	}
	return strings.Join(parts, ", ")
}

func mib(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }
