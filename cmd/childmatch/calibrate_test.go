package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"childmatch"
	"childmatch/api"
	"childmatch/auth"
	"childmatch/follow"
	"childmatch/index"
	"childmatch/inmem"
	"childmatch/service"
)

// TestCalibrateCommand: `childmatch calibrate` asks the running service to refit, prints every band
// beside its default, and stores the calibration only with --save; a wrong token is an error.
func TestCalibrateCommand(t *testing.T) {
	const admin = "calibrate-test-admin-token-0123456789"
	store := inmem.New()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	follower := follow.New(index.New(), store, store, store, follow.Config{CatchUp: time.Hour, SnapshotEvery: time.Hour}, log)
	if _, err := follower.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	svc := service.New(service.Deps{Store: store, Reviews: store, Audit: store, Faces: inmem.Faces{}, Index: follower, Catalog: follower,
		Limits: childmatch.DefaultLimits(1), Calibrations: store, Log: log})
	srv, err := api.New(api.Services{Cases: svc, Photos: svc, Reviews: svc, Stats: svc, Audit: svc, Calibrations: svc,
		Users: auth.New(auth.Deps{Users: store, Sessions: store, Audit: store, AdminToken: admin, Limits: childmatch.DefaultSessionLimits()}), Index: follower, Store: store}, api.Config{MaxUploadBytes: 1 << 20}, log)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()

	t.Setenv("CHILDMATCH_TOKEN", admin)
	var out bytes.Buffer
	if err := runCalibrate([]string{"--server", ts.URL}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "not saved") || strings.Count(out.String(), "\n| ") != 1+len(childmatch.DefaultCalibration().Genuine)+len(childmatch.DefaultCalibration().Impostor) {
		t.Fatalf("output:\n%s", out.String())
	}
	if _, err := store.Calibration(context.Background()); childmatch.ErrorCodeOf(err) != childmatch.ENotFound {
		t.Fatalf("stored without --save: %v", err)
	}
	out.Reset()
	if err := runCalibrate([]string{"--server", ts.URL, "--save"}, &out); err != nil {
		t.Fatal(err)
	}
	if c, err := store.Calibration(context.Background()); err != nil || !strings.HasPrefix(c.Source, "fitted") {
		t.Fatalf("not stored with --save: %+v %v", c, err)
	}
	t.Setenv("CHILDMATCH_TOKEN", "cm_wrong")
	if err := runCalibrate([]string{"--server", ts.URL}, &out); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("a wrong token: %v", err)
	}
}
