package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"childmatch"
)

// auditTrail: GET /v1/audit?case=&user=&since=&limit=.
func (s *Server) auditTrail(c *gin.Context) {
	q := childmatch.AuditQuery{Actor: c.Query("user")}
	var err error
	if q.Since, err = timeQuery(c, "since"); err == nil {
		q.Limit, err = intValue("limit", c.Query("limit"))
	}
	if err == nil && c.Query("case") != "" {
		q.Case, err = childmatch.ParseID("case", c.Query("case"))
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	events, err := s.Audit.AuditEvents(c.Request.Context(), actorOf(c), q)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"events": events})
}
