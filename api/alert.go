package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"childmatch"
)

type alertPageJSON struct {
	Alerts     []*childmatch.Alert `json:"alerts"`
	NextCursor string              `json:"next_cursor,omitempty"`
}

// listAlerts: GET /v1/alerts?limit=&cursor=, the alerts that reached the user's posts (every alert, for
// admins), newest first; next_cursor is the next page's cursor, absent at the end.
func (s *Server) listAlerts(c *gin.Context) {
	var q childmatch.AlertQuery
	var err error
	if q.Limit, q.After, err = pageQuery(c); err == nil {
		q.Active, err = boolQuery(c, "active")
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	page, err := s.Alerts.Alerts(c.Request.Context(), actorOf(c), q)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := alertPageJSON{Alerts: page.Alerts}
	if !page.Next.IsZero() {
		out.NextCursor = page.Next.String()
	}
	c.JSON(http.StatusOK, out)
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
