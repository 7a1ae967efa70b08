package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// getCalibration: GET /v1/calibration, the calibration evidence is weighed with.
func (s *Server) getCalibration(c *gin.Context) {
	cal, err := s.Calibrations.Calibration(c.Request.Context(), actorOf(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, cal)
}

type calibrateRequest struct {
	// Save stores the refitted calibration for every process; false only shows what it would be.
	Save bool `json:"save"`
}

// calibrate: POST /v1/calibration {"save": true|false}, refit from the deployment's own pairs.
func (s *Server) calibrate(c *gin.Context) {
	var req calibrateRequest
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	cal, err := s.Calibrations.Calibrate(c.Request.Context(), actorOf(c), req.Save)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, cal)
}
