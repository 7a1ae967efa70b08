package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"childmatch"
	"childmatch/alert"
	"childmatch/api"
	"childmatch/auth"
	"childmatch/card"
	"childmatch/follow"
	"childmatch/index"
	"childmatch/matcher"
	"childmatch/minio"
	"childmatch/service"
)

func main() {
	if len(os.Args) > 1 {
		commands := map[string]func([]string) error{
			"eval":      runEval,
			"calibrate": func(args []string) error { return runCalibrate(args, os.Stdout) },
			"backup":    func(args []string) error { return runBackup(context.Background(), args) },
			"restore":   func(args []string) error { return runRestore(context.Background(), args) },
			"dedupe":    func(args []string) error { return runDedupe(args, os.Stdout) },
		}
		if run, ok := commands[os.Args[1]]; ok {
			if err := run(os.Args[2:]); err != nil {
				fmt.Fprintf(os.Stderr, "childmatch %s: %v\n", os.Args[1], err)
				os.Exit(1)
			}
			return
		}
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	if len(os.Args) > 1 && os.Args[1] == "sweep" {
		if err := runSweep(log); err != nil {
			log.Error("childmatch sweep failed", "err", err)
			os.Exit(1)
		}
		return
	}
	if err := run(log); err != nil {
		log.Error("childmatch stopped", "err", err)
		os.Exit(1)
	}
}

// begin reads the configuration, watches for the signals that stop the process (stop ends the watch) and
// connects to MinIO: what the service and `childmatch sweep` both start with.
func begin(log *slog.Logger) (cfg config, store *minio.Store, ctx context.Context, stop context.CancelFunc, err error) {
	if cfg, err = loadConfig(); err != nil {
		return cfg, nil, nil, func() {}, err
	}
	ctx, stop = signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	store, err = openStore(ctx, cfg.minio, log)
	return cfg, store, ctx, stop, err
}

func run(log *slog.Logger) error {
	cfg, store, ctx, stop, err := begin(log)
	defer stop()
	if err != nil {
		return err
	}
	embedders, closeEmbedders, err := loadEmbedders(cfg.onnx, log)
	if err != nil {
		return err
	}
	defer closeEmbedders()
	faces, err := matcher.New(matcher.Config{ModelsDir: cfg.modelsDir, Limits: cfg.limits, Jitter: cfg.jitter, Embedders: embedders})
	if err != nil {
		return err
	}
	defer faces.Close()
	if err := card.Check(); err != nil {
		return err
	}
	log.Info("face models loaded", "workers", cfg.limits.Workers, "blas", matcher.LinkedBLAS())
	if err := os.MkdirAll(cfg.dataDir, 0o700); err != nil {
		return err
	}
	follower := follow.New(index.New(), store, store, store, cfg.follow, log)
	alerts := alert.New(alert.Deps{Posts: store, Alerts: store, Users: store, Audit: store})
	svc := service.New(service.Deps{Store: store, Reviews: store, Audit: store, Faces: faces, Index: follower,
		Limits: cfg.limits, Calibrations: store, Sweep: cfg.sweep, Cards: card.Renderer{}, Alerts: alerts, Log: log})
	st, err := follower.Open(ctx)
	if err != nil {
		return fmt.Errorf("loading the index: %w", err)
	}
	log.Info("index loaded", "source", st.Source, "faces", st.Faces, "replayed_cases", st.Replayed,
		"ms", st.Took.Milliseconds(), "refused", st.Refused)
	followCtx, stopFollowing := context.WithCancel(ctx)
	defer stopFollowing()
	following := make(chan struct{})
	go func() {
		defer close(following)
		follower.Run(followCtx)
	}()
	go sweepEvery(followCtx, svc, cfg.sweepEvery, log)

	handler, err := api.New(api.Services{Cases: svc, Photos: svc, Reviews: svc, Stats: svc, Audit: svc, Calibrations: svc, Cards: svc,
		Posts: alerts, Alerts: alerts,
		Users: auth.New(auth.Deps{Users: store, Sessions: store, Audit: store, AdminToken: cfg.adminToken, Limits: cfg.sessions}), Index: follower, Store: store},
		api.Config{TrustedProxies: cfg.trustedProxies, MaxUploadBytes: cfg.limits.MaxUploadBytes, RequestTimeout: cfg.requestTimeout,
			PublicURL: cfg.publicURL}, log)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Addr:              cfg.addr,
		Handler:           handler.Handler(),
		ReadHeaderTimeout: childmatch.HeaderTimeout,
		ReadTimeout:       childmatch.BodyTimeout,
		WriteTimeout:      childmatch.BodyTimeout,
		IdleTimeout:       childmatch.IdleTimeout,
		MaxHeaderBytes:    childmatch.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log.Info("listening", "addr", cfg.addr, "workers", cfg.limits.Workers)

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), childmatch.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	stopFollowing()
	<-following
	if err := follower.Save(shutdownCtx); err != nil {
		log.Warn("writing the index snapshot at shutdown", "err", err)
	}
	return nil
}

// openStore connects to MinIO, waiting up to 30 seconds for it, since it is often started alongside.
func openStore(ctx context.Context, cfg minio.Config, log *slog.Logger) (*minio.Store, error) {
	deadline := time.Now().Add(childmatch.StoreWaitAtStart)
	for {
		store, err := minio.Open(ctx, cfg)
		if err == nil || childmatch.ErrorCodeOf(err) != childmatch.EUnavailable || time.Now().After(deadline) {
			return store, err
		}
		log.Warn("waiting for MinIO", "endpoint", cfg.Endpoint)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// sweepEvery sweeps unreferenced blobs every interval until ctx ends. Every replica sweeps: two sweeps at
// once are safe (service/sweep.go), and a replica that is down leaves the work to the others.
func sweepEvery(ctx context.Context, svc *service.Service, interval time.Duration, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		rep, err := svc.Sweep(ctx)
		if err != nil {
			if ctx.Err() == nil {
				log.Warn("sweeping unreferenced blobs", "err", err, "report", rep)
			}
			continue
		}
		log.Info("swept unreferenced blobs", "report", rep)
	}
}

// runSweep is `childmatch sweep`: one sweep against the configured MinIO, with the service's configuration
// (its grace period and request deadline), printing what it did as JSON.
func runSweep(log *slog.Logger) error {
	cfg, store, ctx, stop, err := begin(log)
	defer stop()
	if err != nil {
		return err
	}
	svc := service.New(service.Deps{Store: store, Reviews: store, Audit: store, Limits: cfg.limits, Sweep: cfg.sweep, Log: log})
	rep, err := svc.Sweep(ctx)
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(rep)
}
