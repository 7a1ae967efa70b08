package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"childmatch"
)

// casePage is the address of a case's page in the web app, which a card's QR code opens: at the configured
// public address, else this request's host.
func (s *Server) casePage(c *gin.Context, id childmatch.ID) string {
	base := strings.TrimRight(s.cfg.PublicURL, "/")
	if base == "" {
		scheme := "http"
		if c.Request.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + c.Request.Host
	}
	return base + "/app/#/case/" + id.String()
}

// private answers a child's picture or poster: never kept by a shared cache or a browser on a shared phone.
func private(c *gin.Context, contentType string, body []byte) {
	c.Header("Cache-Control", "private, no-store")
	c.Data(http.StatusOK, contentType, body)
}

// messageCard: GET /v1/alerts/:id/messages/:seq/card.png, the card of one message of an alert the user may
// see ("found, stand down" for a cancel), the user's post printed on it. An alert's id is its case's.
func (s *Server) messageCard(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	seq, err := strconv.Atoi(c.Param("seq"))
	if err != nil || seq < 1 {
		s.fail(c, childmatch.FieldError("seq", "must be a message's number, 1 or more"))
		return
	}
	png, err := s.Cards.MessageCard(c.Request.Context(), actorOf(c), id, seq, s.casePage(c, id))
	if err != nil {
		s.fail(c, err)
		return
	}
	private(c, "image/png", png)
}

// poster: GET /v1/cases/:id/poster.pdf, the A4 poster of an open missing report whose record holds the
// Child Welfare Committee's permission to publish; 403 without it.
func (s *Server) poster(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	pdf, err := s.Cards.Poster(c.Request.Context(), actorOf(c), id, s.casePage(c, id))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Content-Disposition", `inline; filename="poster-`+id.String()+`.pdf"`)
	private(c, "application/pdf", pdf)
}

// permitPublication: PUT /v1/cases/:id/publication {"by": "CWC Bhopal, Chairperson", "at": RFC 3339,
// "order": "CWC/BPL/2026/114"}, the Committee's permission to publish, as it gave it.
func (s *Server) permitPublication(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var p childmatch.Publication
	if err := decodeJSON(c, &p); err != nil {
		s.fail(c, err)
		return
	}
	cs, err := s.Publications.PermitPublication(c.Request.Context(), actorOf(c), id, p)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, cs)
}
