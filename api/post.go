package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"childmatch"
)

// postJSON is a post as answered: a webhook's secrets are never sent back, only whether they are set.
type postJSON struct {
	ID        childmatch.ID          `json:"id"`
	Name      string                 `json:"name"`
	Kind      childmatch.PostKind    `json:"kind"`
	Area      childmatch.Area        `json:"area"`
	Users     []childmatch.ID        `json:"users"`
	Webhooks  []webhookJSON          `json:"webhooks"`
	Quiet     *childmatch.QuietHours `json:"quiet,omitempty"`
	CreatedAt time.Time              `json:"created_at"`
	CreatedBy string                 `json:"created_by"`
	UpdatedAt time.Time              `json:"updated_at"`
}

type webhookJSON struct {
	URL         string `json:"url"`
	SecretSet   bool   `json:"secret_set"`
	RotatingOut bool   `json:"previous_secret_set"`
}

func toPost(p *childmatch.Post) postJSON {
	out := postJSON{ID: p.ID, Name: p.Name, Kind: p.Kind, Area: p.Area, Users: append([]childmatch.ID{}, p.Users...),
		Webhooks: []webhookJSON{}, Quiet: p.Quiet, CreatedAt: p.CreatedAt, CreatedBy: p.CreatedBy, UpdatedAt: p.UpdatedAt}
	for _, w := range p.Webhooks {
		out.Webhooks = append(out.Webhooks, webhookJSON{URL: w.URL, SecretSet: w.Secret != "", RotatingOut: w.Previous != ""})
	}
	return out
}

// createPost: POST /v1/posts {"name", "kind", "area": {...}, "users": [...], "webhooks": [{"url", "secret"}]}.
func (s *Server) createPost(c *gin.Context) {
	var d childmatch.PostDetails
	if err := decodeJSON(c, &d); err != nil {
		s.fail(c, err)
		return
	}
	p, err := s.Posts.CreatePost(c.Request.Context(), actorOf(c), d)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Location", "/v1/posts/"+p.ID.String())
	c.JSON(http.StatusCreated, toPost(p))
}

// listPosts: GET /v1/posts.
func (s *Server) listPosts(c *gin.Context) {
	posts, err := s.Posts.Posts(c.Request.Context(), actorOf(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	out := make([]postJSON, 0, len(posts))
	for _, p := range posts {
		out = append(out, toPost(p))
	}
	c.JSON(http.StatusOK, gin.H{"posts": out})
}

// getPost: GET /v1/posts/:id.
func (s *Server) getPost(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	p, err := s.Posts.Post(c.Request.Context(), actorOf(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toPost(p))
}

// patchPost: PATCH /v1/posts/:id with the fields to change.
func (s *Server) patchPost(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var ch childmatch.PostChange
	if err := decodeJSON(c, &ch); err != nil {
		s.fail(c, err)
		return
	}
	p, err := s.Posts.UpdatePost(c.Request.Context(), actorOf(c), id, ch)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toPost(p))
}

// deletePost: DELETE /v1/posts/:id.
func (s *Server) deletePost(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	if err := s.Posts.DeletePost(c.Request.Context(), actorOf(c), id); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
