package service_test

import (
	"testing"
	"time"

	"childmatch"
)

// TestCalibrate: a deployment's confirmed pairs refit the genuine band they fall in, random pairs of
// different cases the impostor band; the saved calibration is what evidence is weighed with from then on,
// on this process at once and on another within CalibrationRefresh. Admins only.
func TestCalibrate(t *testing.T) {
	w := newWorld(t)
	if _, err := w.svc.Calibrate(w.ctx, w.reviewer, false); childmatch.ErrorCodeOf(err) != childmatch.EForbidden {
		t.Fatalf("a reviewer calibrates: %v", err)
	}
	then := w.now.AddDate(-4, 0, 0)
	// Pairs of one child four years apart, closer than the default expects (0.459).
	for range childmatch.MinCalibrationPairs {
		face := w.person()
		missing := w.newCase(w.officer, childmatch.KindMissing, age(8), seen(then))
		w.upload(w.officer, missing, face)
		found := w.newCase(w.shelter, childmatch.KindFound, age(12))
		w.upload(w.shelter, found, w.near(face, 0.3))
	}
	for _, item := range w.queue() {
		if item.Type == childmatch.ReviewMatch {
			w.decide(item.ID, childmatch.ReviewConfirmed)
		}
	}
	other := newWorldOver(t, w) // another process, which has read the calibration before it was fitted
	if c, _ := other.svc.Calibration(w.ctx, w.admin); c.Source != childmatch.DefaultCalibration().Source {
		t.Fatalf("before fitting, the calibration in use is %q", c.Source)
	}
	cal, err := w.svc.Calibrate(w.ctx, w.admin, true)
	if err != nil {
		t.Fatal(err)
	}
	refit := cal.Genuine[1] // a child, a year or more later
	if refit.Adult || refit.N < childmatch.MinCalibrationPairs || refit.Genuine.Mean > 0.31 || refit.Genuine.Mean < 0.29 {
		t.Fatalf("the children's genuine band: %+v", refit)
	}
	if cal.Impostor[0].N < 1000 || cal.Impostor[0].Impostor.Mean < 0.8 { // dlib-shaped random faces lie ~0.87 apart
		t.Fatalf("the children's impostor band: %+v", cal.Impostor[0])
	}
	got, err := w.svc.Calibration(w.ctx, w.admin)
	if err != nil || got.Source != cal.Source {
		t.Fatalf("the calibration in use: %q %v, want the saved one", got.Source, err)
	}
	// The other process picks it up after CalibrationRefresh, not before.
	if c, _ := other.svc.Calibration(w.ctx, w.admin); c.Source == cal.Source {
		t.Fatal("the other process read the calibration again before CalibrationRefresh")
	}
	other.now = other.now.Add(childmatch.CalibrationRefresh + time.Second)
	if c, _ := other.svc.Calibration(w.ctx, w.admin); c.Source != cal.Source {
		t.Fatalf("after CalibrationRefresh the other process still weighs with %q", c.Source)
	}
}
