// Command load measures a running childmatch under a mix of searches, uploads and reads from many
// clients (issue 19; `make load`, bench/load.sh). For each client count it starts a fresh service with
// its own MinIO through scripts/run.sh, on 127.0.0.1 only, registers a gallery from the shared photos,
// runs the mix for a bounded time and number of requests, stops the service, and writes a Markdown table
// of throughput, latency percentiles and errors per kind of request, and of the service's memory.
//
// It is a program of its own rather than a childmatch subcommand: it is a measuring tool, not part of
// running a deployment, and it reaches the service only through its HTTP API, as any client does.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"childmatch/evaluation"
)

// maxClients keeps every client's address within 127.0.0.10–127.0.0.254.
const maxClients = 245

func main() {
	root := flag.String("root", ".", "the repository: scripts/run.sh and the bin/childmatch it runs")
	faces := flag.String("faces", "../shared/testdata/faces", "the shared photo set (person folders)")
	counts := flag.String("clients", "8,32", "the client counts, one run each")
	duration := flag.Duration("duration", 5*time.Minute, "how long each run's mix lasts (at most an hour)")
	maxOps := flag.Int("max-ops", 100_000, "each client's bound on operations per run")
	out := flag.String("out", "bench/results/load.md", "where to write the Markdown report")
	flag.Parse()
	clients, err := parseCounts(*counts)
	if err == nil && (*duration <= 0 || *duration > time.Hour || *maxOps < 1) {
		err = fmt.Errorf("-duration must be above 0 and at most 1h, and -max-ops at least 1")
	}
	if err != nil {
		fail(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *root, *faces, clients, *duration, *maxOps, *out); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "load:", err)
	os.Exit(1)
}

func parseCounts(s string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > maxClients {
			return nil, fmt.Errorf("-clients: %q is not a whole number from 1 to %d", f, maxClients)
		}
		out = append(out, n)
	}
	return out, nil
}

func run(ctx context.Context, root, faces string, clients []int, duration time.Duration, maxOps int, out string) error {
	samples, err := evaluation.Load(faces)
	if err != nil {
		return err
	}
	var photos, gallery []photo
	for i, s := range samples {
		b, err := os.ReadFile(filepath.Join(faces, s.Path))
		if err != nil {
			return err
		}
		p := photo{name: filepath.Base(s.Path), data: b}
		photos = append(photos, p)
		if i == 0 || samples[i-1].Person != s.Person {
			gallery = append(gallery, p)
		}
	}
	workers := runtime.NumCPU()
	if w, err := strconv.Atoi(os.Getenv("CHILDMATCH_WORKERS")); err == nil {
		workers = w
	}
	s := setup{command: "bin/load " + strings.Join(os.Args[1:], " "), duration: duration, workers: workers,
		cores: runtime.NumCPU(), gallery: len(gallery), photos: len(photos), maxOps: maxOps,
		started: time.Now()}
	var results []result
	for _, n := range clients {
		fmt.Fprintf(os.Stderr, "load: %d clients for %s\n", n, duration)
		r, err := runOnce(ctx, root, n, duration, maxOps, photos, gallery)
		if err != nil {
			return fmt.Errorf("%d clients: %w", n, err)
		}
		results = append(results, r)
	}
	s.stopped = time.Now()
	md := s.markdown(results)
	fmt.Print(md)
	return os.WriteFile(out, []byte(md), 0o644)
}

// runOnce starts a service, registers the gallery, creates n officers and runs the mix with them.
func runOnce(ctx context.Context, root string, n int, duration time.Duration, maxOps int, photos, gallery []photo) (result, error) {
	svc, err := startService(ctx, root, 3*time.Minute)
	if err != nil {
		return result{}, err
	}
	defer svc.stop()
	admin := newClient(svc.url, svc.token, "127.0.0.1")
	var cases []string
	for _, p := range gallery {
		id, err := admin.register(ctx, p)
		if err != nil {
			return result{}, fmt.Errorf("registering the gallery: %w", err)
		}
		cases = append(cases, id)
	}
	users := make([]*client, n)
	for i := range users {
		if users[i], err = admin.newUser(ctx, fmt.Sprintf("load-%d", i+1), fmt.Sprintf("127.0.0.%d", 10+i)); err != nil {
			return result{}, err
		}
	}
	if err := svc.resetPeak(); err != nil {
		return result{}, err
	}
	r := result{clients: n}
	if r.rssStart, _, err = svc.memory(); err != nil {
		return result{}, err
	}
	began := time.Now()
	end := began.Add(duration)
	records := make([]*record, n)
	var wg sync.WaitGroup
	for i, c := range users {
		wg.Go(func() { records[i] = c.load(ctx, end, maxOps, photos, cases, uint64(i)) })
	}
	wg.Wait()
	r.elapsed = time.Since(began)
	if err := ctx.Err(); err != nil {
		return result{}, err
	}
	for _, rec := range records {
		r.rec.merge(rec)
	}
	if r.rssEnd, r.peak, err = svc.memory(); err != nil {
		return result{}, err
	}
	return r, nil
}
