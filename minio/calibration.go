package minio

import (
	"context"

	"childmatch"
)

// calibrationKey holds the deployment's fitted calibration (evidence.go), rewritten whole.
const calibrationKey = "calibration.json"

var _ childmatch.CalibrationStore = (*Store)(nil)

// PutCalibration replaces the fitted calibration.
func (s *Store) PutCalibration(ctx context.Context, c childmatch.Calibration) error {
	return s.putJSON(ctx, calibrationKey, "the calibration", c, "")
}

// Calibration reads the fitted calibration; ENotFound when none was fitted yet.
func (s *Store) Calibration(ctx context.Context) (childmatch.Calibration, error) {
	var c childmatch.Calibration
	_, err := s.getJSON(ctx, calibrationKey, "the calibration", &c)
	return c, err
}
