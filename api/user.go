package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"childmatch"
)

// listUsers: GET /v1/users.
func (s *Server) listUsers(c *gin.Context) {
	users, err := s.Users.Users(c.Request.Context(), actorOf(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"users": users})
}

// createUser: POST /v1/users {"name", "organisation", "roles": [...]}.
func (s *Server) createUser(c *gin.Context) {
	var nu childmatch.NewUser
	if err := decodeJSON(c, &nu); err != nil {
		s.fail(c, err)
		return
	}
	u, err := s.Users.CreateUser(c.Request.Context(), actorOf(c), nu)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, u)
}

// issueToken: POST /v1/users/:id/tokens, with no body or {"expires_at": RFC 3339}. The secret is in this
// answer only.
func (s *Server) issueToken(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var nt childmatch.NewToken
	if c.Request.ContentLength != 0 {
		if err := decodeJSON(c, &nt); err != nil {
			s.fail(c, err)
			return
		}
	}
	secret, t, err := s.Users.IssueToken(c.Request.Context(), actorOf(c), id, nt)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, gin.H{"token": secret, "id": t.ID, "user_id": t.UserID, "created_at": t.CreatedAt,
		"expires_at": t.ExpiresAt, "message": "shown once: store it now; only its hash is kept"})
}

// revokeToken: DELETE /v1/tokens/:id.
func (s *Server) revokeToken(c *gin.Context) {
	t, err := s.Users.RevokeToken(c.Request.Context(), actorOf(c), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, t)
}
