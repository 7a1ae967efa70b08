package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"childmatch"
)

// listAlerts: GET /v1/alerts, the alerts that reached the user's posts (every alert, for admins).
func (s *Server) listAlerts(c *gin.Context) {
	alerts, err := s.Alerts.Alerts(c.Request.Context(), actorOf(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"alerts": alerts})
}

// getAlert: GET /v1/alerts/:id, with the posts it reached, when, and what they answered.
func (s *Server) getAlert(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	a, err := s.Alerts.Alert(c.Request.Context(), actorOf(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, a)
}

type ackRequest struct {
	Post  childmatch.ID       `json:"post"`
	State childmatch.AckState `json:"state"`
}

// ackAlert: POST /v1/alerts/:id/ack {"post": id, "state": "seen"|"searching"|"not_here"|"found"}.
func (s *Server) ackAlert(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var req ackRequest
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	a, err := s.Alerts.Acknowledge(c.Request.Context(), actorOf(c), id, req.Post, req.State)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, a)
}
