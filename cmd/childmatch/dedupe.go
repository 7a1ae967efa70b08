package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"childmatch/follow"
	"childmatch/index"
	"childmatch/service"
)

// runDedupe is `childmatch dedupe [--restart] [--every PERCENT]`, an administrator's command run beside
// the service against the same MinIO: it loads the index as a replica does and runs a dedupe pass
// (service/dedupe.go), every face against every other of both kinds, writing the proposals into the
// shared review queue. It prints a line every PERCENT of the faces and keeps its position in the data
// folder after every batch, beside the index's snapshot cache and named after the same store, so a
// stopped pass continues where it stopped when run again; --restart starts over.
func runDedupe(args []string, out io.Writer) error {
	flags := flag.NewFlagSet("dedupe", flag.ContinueOnError)
	restart := flags.Bool("restart", false, "start over instead of continuing from the kept position")
	every := flags.Float64("every", 5, "print the progress every this many percent of the faces")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if *every <= 0 || *every > 100 {
		return fmt.Errorf("--every %v: a percentage above 0 and at most 100 is needed", *every)
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	cfg, store, ctx, stop, err := begin(log)
	defer stop()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.dataDir, 0o700); err != nil {
		return err
	}
	follower := follow.New(index.New(), store, store, store, cfg.follow, log)
	st, err := follower.Open(ctx)
	if err != nil {
		return fmt.Errorf("loading the index: %w", err)
	}
	svc := service.New(service.Deps{Store: store, Reviews: store, Audit: store, Index: follower, Limits: cfg.limits,
		Calibrations: store, Log: log})
	checkpoint := localSnapshot(cfg.dataDir, cfg.minio) + ".dedupe"
	var p service.DedupeProgress
	if !*restart {
		if err = readCheckpoint(checkpoint, &p); err != nil {
			return err
		}
	}
	total := max(1, st.Faces)
	fmt.Fprintf(out, "dedupe: %d faces indexed, %d done before\n", st.Faces, p.Faces)
	began, from, next := time.Now(), p.Faces, *every*float64(int(100*float64(p.Faces)/float64(total) / *every)+1)
	line := func(p service.DedupeProgress) {
		rate := float64(p.Faces-from) / max(time.Since(began).Seconds(), 1e-3)
		fmt.Fprintf(out, "dedupe: %5.1f%%  %d of %d faces, %d cases, %d proposals, %.0f faces/s\n",
			100*float64(p.Faces)/float64(total), p.Faces, total, p.Cases, p.Proposals, rate)
	}
	p, err = svc.Dedupe(ctx, p, func(p service.DedupeProgress) error {
		if err := writeCheckpoint(checkpoint, p); err != nil {
			return err
		}
		if pct := 100 * float64(p.Faces) / float64(total); pct >= next {
			line(p)
			for next <= pct {
				next += *every
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("stopped (run again to continue from the last kept position): %w", err)
	}
	line(p)
	fmt.Fprintln(out, "dedupe: done; run with --restart to compare everything again")
	return nil
}
