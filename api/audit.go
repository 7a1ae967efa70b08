package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"childmatch"
)

// auditTrail: GET /v1/audit?case=&user=&since=&until=&limit=&cursor=, oldest first; until is not
// included. next_cursor, when there is one, continues the search: a page can end before it is full once
// it has read AuditScanDays days of the trail.
func (s *Server) auditTrail(c *gin.Context) {
	q := childmatch.AuditQuery{Actor: c.Query("user")}
	var err error
	if q.Since, err = timeQuery(c, "since"); err == nil {
		q.Limit, err = intValue("limit", c.Query("limit"))
	}
	if err == nil {
		q.Until, err = timeQuery(c, "until")
	}
	if err == nil && c.Query("cursor") != "" {
		q.After, err = childmatch.ParseAuditCursor(c.Query("cursor"))
	}
	if err == nil && c.Query("case") != "" {
		q.Case, err = childmatch.ParseID("case", c.Query("case"))
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	page, err := s.Audit.AuditEvents(c.Request.Context(), actorOf(c), q)
	if err != nil {
		s.fail(c, err)
		return
	}
	body := gin.H{"events": page.Events}
	if !page.Next.IsZero() {
		body["next_cursor"] = page.Next.String()
	}
	c.JSON(http.StatusOK, body)
}
