// Command childmatch runs the service: it reads the configuration from the environment, opens MinIO,
// loads the face models, opens the index (from a snapshot and the change feed after it, else from every
// record; package follow) and serves HTTP until told to stop, then writes the index snapshot.
// `childmatch eval --data <folder>` measures match quality on a folder of photos instead;
// `childmatch backup --to DIR` and `childmatch restore --from DIR` copy the bucket out and back. This file only
// wires the packages together.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"childmatch"
	"childmatch/api"
	"childmatch/auth"
	"childmatch/follow"
	"childmatch/index"
	"childmatch/matcher"
	"childmatch/minio"
	"childmatch/service"
)

func main() {
	if len(os.Args) > 1 {
		tools := map[string]func([]string) error{
			"eval":    runEval,
			"backup":  func(args []string) error { return runBackup(context.Background(), args) },
			"restore": func(args []string) error { return runRestore(context.Background(), args) },
		}
		if tool, ok := tools[os.Args[1]]; ok {
			if err := tool(os.Args[2:]); err != nil {
				fmt.Fprintf(os.Stderr, "childmatch %s: %v\n", os.Args[1], err)
				os.Exit(1)
			}
			return
		}
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	if err := run(log); err != nil {
		log.Error("childmatch stopped", "err", err)
		os.Exit(1)
	}
}

func run(log *slog.Logger) error {
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	store, err := openStore(ctx, cfg.minio, log)
	if err != nil {
		return err
	}
	faces, err := matcher.New(matcher.Config{ModelsDir: cfg.modelsDir, Limits: cfg.limits, Jitter: cfg.jitter})
	if err != nil {
		return err
	}
	defer faces.Close()
	log.Info("face models loaded", "workers", cfg.limits.Workers, "blas", matcher.LinkedBLAS())
	if err := os.MkdirAll(cfg.dataDir, 0o700); err != nil {
		return err
	}
	follower := follow.New(index.New(), store, store, store, cfg.follow, log)
	svc := service.New(service.Deps{Store: store, Reviews: store, Audit: store, Faces: faces, Index: follower,
		Limits: cfg.limits, Log: log})
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

	handler, err := api.New(api.Services{Cases: svc, Photos: svc, Reviews: svc, Stats: svc, Audit: svc,
		Users: auth.New(store, store, cfg.adminToken), Index: follower, Store: store},
		api.Config{TrustedProxies: cfg.trustedProxies, MaxUploadBytes: cfg.limits.MaxUploadBytes}, log)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Addr:              cfg.addr,
		Handler:           handler.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		// A 20 MiB photo over a slow mobile connection (1 Mbit/s) takes almost three minutes.
		ReadTimeout:    5 * time.Minute,
		WriteTimeout:   5 * time.Minute,
		IdleTimeout:    2 * time.Minute,
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       slog.NewLogLogger(log.Handler(), slog.LevelWarn),
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
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
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
	deadline := time.Now().Add(30 * time.Second)
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
