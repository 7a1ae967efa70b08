package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// listSessions: GET /v1/sessions, the web sessions that have not ended.
func (s *Server) listSessions(c *gin.Context) {
	list, err := s.Users.Sessions(c.Request.Context(), actorOf(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"sessions": list})
}

// revokeSession: DELETE /v1/sessions/:id ends a session at once.
func (s *Server) revokeSession(c *gin.Context) {
	if err := s.Users.RevokeSession(c.Request.Context(), actorOf(c), c.Param("id")); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
