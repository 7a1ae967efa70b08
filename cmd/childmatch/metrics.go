package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"

	"childmatch"
	"childmatch/metrics"
)

// serveMetrics serves GET /metrics without a token on addr (CHILDMATCH_METRICS_ADDR), an address the
// operator binds to a private interface for Prometheus, apart from the public one, where /metrics needs
// an admin's token. It fails at once when addr cannot be listened on; it returns the address it listens
// on, and stop, which ends it.
func serveMetrics(addr string, log *slog.Logger) (bound string, stop func(), err error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("CHILDMATCH_METRICS_ADDR: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: childmatch.HeaderTimeout, ReadTimeout: childmatch.BodyTimeout,
		WriteTimeout: childmatch.BodyTimeout, IdleTimeout: childmatch.IdleTimeout, MaxHeaderBytes: childmatch.MaxHeaderBytes,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	go func() {
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics server stopped", "err", err)
		}
	}()
	log.Info("metrics listening", "addr", l.Addr().String())
	return l.Addr().String(), func() {
		ctx, cancel := context.WithTimeout(context.Background(), childmatch.ShutdownTimeout)
		defer cancel()
		srv.Shutdown(ctx) //nolint:errcheck // at exit: nothing to do about it
	}, nil
}
