package api

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"childmatch"
)

// casePage is the address of a case's page in the web app, which a card's QR code opens.
func (s *Server) casePage(c *gin.Context, id childmatch.ID) string {
	return s.base(c) + "/app/#/case/" + id.String()
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
	c.JSON(http.StatusOK, toCase(cs, false))
}

// addressLimit bounds the routes opened without sign-in by the client's address, as the photo routes'
// addresses are bounded.
func (s *Server) addressLimit(c *gin.Context) {
	if wait := s.limits.photoAddresses.take(addressKey(c.ClientIP())); wait > 0 {
		s.tooMany(c, wait, "links from this address")
		return
	}
	c.Next()
}

// badLink answers a link that does not open, in words a person on a phone reads, in both languages.
func badLink(c *gin.Context, err error) {
	status := http.StatusNotFound
	if childmatch.ErrorCodeOf(err) == childmatch.EUnauthorized {
		status = http.StatusGone
	}
	c.Data(status, "text/plain; charset=utf-8", []byte("This link has expired or is not valid: open the alert in the childmatch app.\n"+
		"यह लिंक पुराना हो गया है या सही नहीं है: childmatch ऐप में अलर्ट खोलें।\n"))
}

// shortLink: GET /l/:token, an SMS's short link: a redirect to the signed path it stands for.
func (s *Server) shortLink(c *gin.Context) {
	if s.ShortLinks == nil {
		badLink(c, nil)
		return
	}
	target, err := s.ShortLinks.Resolve(c.Request.Context(), c.Param("token"))
	if err != nil {
		if code := childmatch.ErrorCodeOf(err); code != childmatch.ENotFound && code != childmatch.EUnauthorized {
			s.fail(c, err)
			return
		}
		badLink(c, err)
		return
	}
	c.Header("Cache-Control", "private, no-store")
	c.Redirect(http.StatusFound, target)
}

// linkedCard: GET /c/:alert/:seq/:post/card.png?exp=&sig=, the card of an alert's message as the post got
// it, opened by a signed link without sign-in (childmatch.CardPath).
func (s *Server) linkedCard(c *gin.Context) {
	if s.Links == nil {
		badLink(c, nil)
		return
	}
	if err := s.Links.Check(c.Request.URL.Path, c.Query("exp"), c.Query("sig")); err != nil {
		badLink(c, err)
		return
	}
	alert, err1 := childmatch.ParseID("alert", c.Param("alert"))
	post, err2 := childmatch.ParseID("post", c.Param("post"))
	seq, err3 := strconv.Atoi(c.Param("seq"))
	if err1 != nil || err2 != nil || err3 != nil {
		badLink(c, nil)
		return
	}
	png, err := s.Cards.LinkedCard(c.Request.Context(), alert, seq, post, s.casePage(c, alert))
	if err != nil {
		if childmatch.ErrorCodeOf(err) == childmatch.ENotFound {
			badLink(c, err)
			return
		}
		s.fail(c, err)
		return
	}
	private(c, "image/png", png)
}
