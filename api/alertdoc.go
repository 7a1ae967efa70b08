package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"childmatch"
	"childmatch/api/jsonbody"
)

// base is the service's address as its users reach it: the configured public address, else this
// request's scheme and host.
func (s *Server) base(c *gin.Context) string {
	if base := strings.TrimRight(s.cfg.PublicURL, "/"); base != "" {
		return base
	}
	scheme := "http"
	if c.Request.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + c.Request.Host
}

// patchCase: PATCH /v1/cases/:id with a JSON merge patch (RFC 7396) of the case's details: only the fields
// named change, null empties one ({"sighting": {"station": "BPL"}, "child": {"age": 10}, "alert":
// {"radius_km": 100}}). The result is checked as a new case is; the earlier values go into its history.
func (s *Server) patchCase(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var patch json.RawMessage
	if err := decodeJSON(c, &patch); err != nil {
		s.fail(c, err)
		return
	}
	changed, err := s.Cases.ChangeCase(c.Request.Context(), actorOf(c), id, func(d childmatch.CaseDetails) (childmatch.CaseDetails, error) {
		current, err := json.Marshal(d)
		if err != nil {
			return d, err
		}
		merged, err := childmatch.MergePatch(current, patch)
		if err != nil {
			return d, err
		}
		var next childmatch.CaseDetails
		return next, jsonbody.Decode(merged, &next)
	})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toCase(changed, false))
}

// raiseExercise: POST /v1/alerts/exercise with a made-up missing report's details, as POST /v1/cases
// takes them: files it as a drill and raises its exercise alert. Admins only.
func (s *Server) raiseExercise(c *gin.Context) {
	var d childmatch.CaseDetails
	if err := decodeJSON(c, &d); err != nil {
		s.fail(c, err)
		return
	}
	created, err := s.Cases.Exercise(c.Request.Context(), actorOf(c), d)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Location", "/v1/alerts/"+created.ID.String())
	c.JSON(http.StatusCreated, toCase(created, false))
}

// signed reports whether the request carries a signed link (exp and sig in its query), and answers an
// error when its signature does not hold for path. Such a request needs no other credential. From an
// address that has used up its failed authentications, the link is not checked: the error is the 429.
func (s *Server) signed(c *gin.Context, path string) (bool, error) {
	exp, sig := c.Query("exp"), c.Query("sig")
	if exp == "" && sig == "" {
		return false, nil
	}
	if err := s.guessed(c); err != nil {
		return true, err
	}
	if s.Links == nil {
		return true, childmatch.Errorf(childmatch.EUnauthorized, "this service signs no links")
	}
	return true, s.Links.Check(path, exp, sig)
}

// alertCAP: GET /v1/alerts/:id/cap[?seq=N], the alert's latest message (or message N) as a CAP 1.2
// document, for a signed-in user who may see the alert, or for a signed link.
func (s *Server) alertCAP(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	seq := 0
	path := "/v1/alerts/" + id.String() + "/cap"
	if q := c.Query("seq"); q != "" {
		if seq, err = strconv.Atoi(q); err != nil || seq < 1 {
			s.fail(c, childmatch.FieldError("seq", "must be a message's number, from 1"))
			return
		}
		path = childmatch.CAPPath(id, seq)
	}
	ctx := c.Request.Context()
	var doc []byte
	if linked, err := s.signed(c, path); linked {
		if err != nil {
			s.failedAuth(c, err)
			return
		}
		doc, err = s.Alerts.CAPByLink(ctx, c.ClientIP(), id, seq, s.base(c))
		s.xml(c, "application/cap+xml", doc, err)
		return
	}
	s.authenticate(c)
	if c.IsAborted() {
		return
	}
	doc, err = s.Alerts.CAP(ctx, actorOf(c), id, seq, s.base(c))
	s.xml(c, "application/cap+xml", doc, err)
}

// alertFace: GET /v1/alerts/:id/face.jpg, the face chip of the alert's case, for a signed link (signed-in
// users open /v1/faces/{id}).
func (s *Server) alertFace(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	linked, err := s.signed(c, childmatch.FacePath(id))
	if !linked {
		err = childmatch.Errorf(childmatch.EUnauthorized, "open the face through the alert's signed link, or /v1/faces/{id} signed in")
	}
	if err != nil {
		s.failedAuth(c, err)
		return
	}
	b, err := s.Alerts.FaceByLink(c.Request.Context(), c.ClientIP(), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	sendBlob(c, b)
}

// alertFeed: GET /v1/alerts/feed.atom, the active alerts of the user's posts as an Atom feed.
func (s *Server) alertFeed(c *gin.Context) {
	feed, err := s.Alerts.Feed(c.Request.Context(), actorOf(c), s.base(c))
	s.xml(c, "application/atom+xml", feed, err)
}

// xml answers a document, never cached: it holds a child's details.
func (s *Server) xml(c *gin.Context, contentType string, doc []byte, err error) {
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Cache-Control", "private, no-store")
	c.Data(http.StatusOK, contentType+"; charset=utf-8", doc)
}
