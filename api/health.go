package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"childmatch"
)

type health struct {
	Status       string      `json:"status"`
	MinIO        string      `json:"minio"`
	FacesIndexed int         `json:"faces_indexed"`
	Index        indexHealth `json:"index"`
}

// indexHealth is the index's memory (dlib's and the other face models' indexes) and how it came up.
type indexHealth struct {
	// Models is the number of faces in each face model's index beside dlib's.
	Models       map[string]int        `json:"models,omitempty"`
	Bytes        int                   `json:"bytes"`
	BytesPerFace float64               `json:"bytes_per_face"`
	Start        childmatch.IndexStart `json:"start"`
}

// health is liveness plus MinIO reachability; 503 when MinIO cannot be reached, so a load balancer
// stops sending uploads that would fail.
func (s *Server) health(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), childmatch.HealthTimeout)
	defer cancel()
	h := health{Status: "ok", MinIO: "ok", FacesIndexed: s.Index.Len(),
		Index: indexHealth{Models: s.Index.ModelLens(), Bytes: s.Index.Bytes(), Start: s.Index.Started()}}
	if h.FacesIndexed > 0 {
		h.Index.BytesPerFace = float64(h.Index.Bytes) / float64(h.FacesIndexed)
	}
	status := http.StatusOK
	if err := s.Store.Ping(ctx); err != nil {
		h.Status, h.MinIO, status = "degraded", "unreachable", http.StatusServiceUnavailable
		s.log.WarnContext(ctx, "health: minio unreachable", "err", err)
	}
	c.JSON(status, h)
}
