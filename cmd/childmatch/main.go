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
	"childmatch/delivery"
	"childmatch/follow"
	"childmatch/gazetteer"
	"childmatch/index"
	"childmatch/matcher"
	"childmatch/metrics"
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
			"import":    func(args []string) error { return runImport(args, os.Stdout) },
			"export":    func(args []string) error { return runExport(args, os.Stdout) },
			"dedupe":    func(args []string) error { return runDedupe(args, os.Stdout) },
		}
		if run, ok := commands[os.Args[1]]; ok {
			if err := run(os.Args[2:]); err != nil {
				fmt.Fprintf(os.Stderr, "childmatch %s: %v\n", os.Args[1], err)
				os.Exit(exitStatus(err))
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
	if len(os.Args) > 1 && os.Args[1] == "reembed" {
		if err := runReembed(os.Args[2:], log, os.Stdout); err != nil {
			log.Error("childmatch reembed failed", "err", err)
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
	if cfg.minio.SealKey, err = sealKey(cfg.dataDir); err != nil {
		return cfg, nil, ctx, stop, err
	}
	store, err = openStore(ctx, cfg.minio, log)
	return cfg, store, ctx, stop, err
}

func run(log *slog.Logger) error {
	cfg, store, ctx, stop, err := begin(log)
	defer stop()
	if err != nil {
		return err
	}
	faces, embedders, closeFaces, err := openFaces(cfg, log)
	if err != nil {
		return err
	}
	defer closeFaces()
	if err := card.Check(); err != nil {
		return err
	}
	log.Info("face models loaded", "workers", cfg.limits.Workers, "blas", matcher.LinkedBLAS(), "detector", cfg.detector,
		"onnx_runtime", cfg.onnx.Library != "")
	if err := os.MkdirAll(cfg.dataDir, 0o700); err != nil {
		return err
	}
	if cfg.deployment == "" {
		id, err := store.DeploymentID(ctx)
		if err != nil {
			return err
		}
		cfg.deployment = id.String()
	}
	cfg.follow.Models = map[string]childmatch.ModelIndex{}
	for _, e := range embedders {
		cfg.follow.Models[e.Name()] = index.NewFlat(e.Dim())
	}
	faceIndex := index.New()
	metrics.WatchIndex(faceIndex.Kinds, faceIndex.Bytes)
	follower := follow.New(faceIndex, store, store, store, cfg.follow, log)
	links := auth.NewLinks(cfg.linkKey, nil)
	var short childmatch.Shortener // an SMS's short link needs the service's public address
	if cfg.publicURL != "" {
		if short, err = auth.NewShortLinks(store, cfg.publicURL, nil); err != nil {
			return err
		}
	}
	var alerts *alert.Service // made below; the hub tells it of alerts changed elsewhere once it runs
	hub, pushes, err := openLive(cfg.dataDir, cfg.publicURL, store, func(a *childmatch.Alert) { alerts.Saw(a) }, log)
	if err != nil {
		return err
	}
	posts := delivery.CachePosts(store)
	outbox, err := newOutbox(cfg, store, posts, links, short, pushes, log)
	if err != nil {
		return err
	}
	alertDeps := alert.Deps{Posts: posts, Alerts: store, Users: store, Audit: store, Cases: store, Links: links,
		AckWait: cfg.limits.AlertAck, Log: log, Dispatch: outbox}
	if cfg.stations != "" {
		stations, err := gazetteer.Load(cfg.stations)
		if err != nil {
			return err
		}
		alertDeps.Stations = stations
		log.Info("stations loaded", "stations", stations.Len())
	}
	alerts = alert.New(alertDeps)
	svc := service.New(service.Deps{Store: store, Refs: store, Reviews: store, Audit: store, Faces: faces, Index: follower, Catalog: follower,
		Limits: cfg.limits, Calibrations: store, Sweep: cfg.sweep, Cards: card.Renderer{}, Posters: card.Renderer{}, AlertViews: alerts, Alerts: alerts, Deliveries: store,
		Log: log, Deployment: cfg.deployment})
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
	go alerts.Run(followCtx)
	go hub.Run(followCtx)
	delivering := make(chan struct{})
	go func() {
		defer close(delivering)
		outbox.Run(followCtx)
	}()
	metrics.WatchReviewQueue(svc.PendingReviews)
	if cfg.metricsAddr != "" {
		_, stopMetrics, err := serveMetrics(cfg.metricsAddr, log)
		if err != nil {
			return err
		}
		defer stopMetrics()
	}

	handler, err := api.New(api.Services{Cases: svc, Photos: svc, Reviews: svc, Stats: svc, Audit: svc, Calibrations: svc, Cards: svc, Publications: svc, Export: svc,
		Posts: alerts, Alerts: alerts, Deliveries: outbox, Links: links, ShortLinks: short,
		Users: auth.New(auth.Deps{Users: store, Sessions: store, Audit: store, AdminToken: cfg.adminToken, Limits: cfg.sessions}), Index: follower, Store: store,
		Stream: hub, Push: pushes},
		api.Config{TrustedProxies: cfg.trustedProxies, MaxUploadBytes: cfg.limits.MaxUploadBytes, RequestTimeout: cfg.requestTimeout,
			PublicURL: cfg.publicURL, Deployment: cfg.deployment, Workers: cfg.limits.Workers, MaxPixels: cfg.limits.MaxPixels}, log)
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
	srv.RegisterOnShutdown(hub.Close) // open alert streams end, or Shutdown would wait for them
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
	<-delivering
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
	alerts := alert.New(alert.Deps{Posts: store, Alerts: store, Users: store, Audit: store, Cases: store, Log: log})
	svc := service.New(service.Deps{Store: store, Refs: store, Reviews: store, Audit: store, Alerts: alerts, Deliveries: store,
		Limits: cfg.limits, Sweep: cfg.sweep, Log: log})
	rep, err := svc.Sweep(ctx)
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(rep)
}
