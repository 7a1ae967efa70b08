package api

import (
	"net/http"

	"childmatch"
)

// The API description of health, this document, metrics, the audit trail, statistics and calibration
// (health.go, observe.go, audit.go, stats.go, calibration.go).

func init() {
	describe(
		route{Method: "GET", Path: "/healthz", Tag: "operations", Summary: "Liveness and MinIO's reachability", Public: true,
			Answers: map[int]any{http.StatusOK: health{}, http.StatusServiceUnavailable: health{}}},
		route{Method: "GET", Path: "/openapi.json", Tag: "operations", Summary: "This document", Public: true,
			Answers: map[int]any{http.StatusOK: fields()}},
		route{Method: "GET", Path: "/metrics", Tag: "operations", Summary: "Prometheus metrics, for an admin",
			Description: "Also served without a token on CHILDMATCH_METRICS_ADDR, when it is set.",
			Answers:     map[int]any{http.StatusOK: media("text/plain")}, Errors: []int{http.StatusForbidden}},
		route{Method: "GET", Path: "/v1/audit", Tag: "operations", Summary: "The audit trail, newest first",
			Query: []param{{Name: "case", Schema: idSchema()}, {Name: "user", Description: "A user's id."},
				{Name: "since", Schema: dateOrTime("")}, {Name: "limit", Schema: integer("")}},
			Answers: map[int]any{http.StatusOK: fields("events", []childmatch.Event{})},
			Errors:  []int{http.StatusBadRequest, http.StatusForbidden}},
		route{Method: "GET", Path: "/v1/stats", Tag: "operations", Summary: "Outcome counts per state and district",
			Query: []param{{Name: "state"}, {Name: "district"}, {Name: "since", Schema: dateOrTime("")},
				{Name: "until", Schema: dateOrTime("")}},
			Answers: map[int]any{http.StatusOK: fields("stats", []childmatch.Stats{})},
			Errors:  []int{http.StatusBadRequest, http.StatusForbidden}},
		route{Method: "GET", Path: "/v1/calibration", Tag: "operations", Summary: "The calibration evidence is weighed with",
			Answers: map[int]any{http.StatusOK: childmatch.Calibration{}}, Errors: []int{http.StatusForbidden}},
		route{Method: "POST", Path: "/v1/calibration", Tag: "operations", Summary: "Refit the calibration from the deployment's own pairs",
			Body: calibrateRequest{}, Answers: map[int]any{http.StatusOK: childmatch.Calibration{}},
			Errors: []int{http.StatusBadRequest, http.StatusForbidden}},
	)
}
