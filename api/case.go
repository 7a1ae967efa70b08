package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"childmatch"
)

type caseJSON struct {
	ID childmatch.ID `json:"id"`
	childmatch.CaseDetails
	Status       childmatch.Status     `json:"status"`
	Photos       []photoJSON           `json:"photos"`
	Candidates   []candidateJSON       `json:"candidates,omitempty"`
	Links        []childmatch.Link     `json:"links,omitempty"`
	Outcome      *childmatch.Outcome   `json:"outcome,omitempty"`
	History      []childmatch.Revision `json:"history,omitempty"`
	Exercise     bool                  `json:"exercise,omitempty"`
	Organisation string                `json:"organisation"`
	CreatedAt    time.Time             `json:"created_at"`
	CreatedBy    string                `json:"created_by"`
	UpdatedAt    time.Time             `json:"updated_at"`
}

func toCase(c *childmatch.Case, withDescriptor bool) caseJSON {
	cj := caseJSON{ID: c.ID, CaseDetails: c.CaseDetails, Status: c.Status, Photos: []photoJSON{}, Links: c.Links,
		Outcome: c.Outcome, History: c.History, Exercise: c.Exercise, Organisation: c.Organisation, CreatedAt: c.CreatedAt, CreatedBy: c.CreatedBy,
		UpdatedAt: c.UpdatedAt}
	for i := range c.Photos {
		cj.Photos = append(cj.Photos, toPhoto(&c.Photos[i], withDescriptor))
	}
	return cj
}

// newCaseRequest is a case's details with the child as a pointer, so that a missing report that names no
// child at all is told so rather than filed about nobody.
type newCaseRequest struct {
	childmatch.CaseDetails
	Child *childmatch.Child `json:"child"` // shadows CaseDetails.Child in JSON
}

// createCase: POST /v1/cases with the case details as JSON. Unknown fields are refused, so a misspelt
// field is an error the client sees rather than data silently lost.
func (s *Server) createCase(c *gin.Context) {
	var req newCaseRequest
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	d := req.CaseDetails
	if req.Child != nil {
		d.Child = *req.Child
	} else if d.Kind == childmatch.KindMissing {
		err := actorOf(c).Require(childmatch.ActFileMissing) // who may not file one hears that first
		if err == nil {
			err = childmatch.FieldError("child", "is required: a missing report is about a child")
		}
		s.fail(c, err)
		return
	}
	created, err := s.Cases.CreateCase(c.Request.Context(), actorOf(c), d)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Location", "/v1/cases/"+created.ID.String())
	c.JSON(http.StatusCreated, toCase(created, false))
}

// getCase: GET /v1/cases/:id, the case with its photos, faces and current candidates.
func (s *Server) getCase(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	withDesc, err := wantDescriptors(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	cs, cands, err := s.Cases.Case(c.Request.Context(), actorOf(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	cj := toCase(cs, withDesc)
	cj.Candidates = toCandidates(cands)
	c.JSON(http.StatusOK, cj)
}

type casePageJSON struct {
	Cases      []caseJSON `json:"cases"`
	NextCursor string     `json:"next_cursor,omitempty"`
}

// listCases: GET /v1/cases?kind=&status=&state=&q=&limit=&cursor=, in creation order; q is free text
// over the child's name and the case's references.
func (s *Server) listCases(c *gin.Context) {
	q := childmatch.CaseQuery{Kind: childmatch.Kind(c.Query("kind")), Status: childmatch.Status(c.Query("status")),
		State: c.Query("state"), Text: c.Query("q")}
	var err error
	if q.Limit, q.After, err = pageQuery(c); err != nil {
		s.fail(c, err)
		return
	}
	page, err := s.Cases.ListCases(c.Request.Context(), actorOf(c), q)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := casePageJSON{Cases: make([]caseJSON, 0, len(page.Cases))}
	for _, cs := range page.Cases {
		out.Cases = append(out.Cases, toCase(cs, false))
	}
	if !page.Next.IsZero() {
		out.NextCursor = page.Next.String()
	}
	c.JSON(http.StatusOK, out)
}

// pageQuery reads a list's ?limit= and ?cursor= (the last id of the page before).
func pageQuery(c *gin.Context) (limit int, after childmatch.ID, err error) {
	if limit, err = intValue("limit", c.Query("limit")); err == nil && c.Query("cursor") != "" {
		after, err = childmatch.ParseID("cursor", c.Query("cursor"))
	}
	return limit, after, err
}

type closeRequest struct {
	Outcome childmatch.OutcomeKind `json:"outcome"`
	Note    string                 `json:"note"`
}

// closeCase: POST /v1/cases/:id/close {"outcome": "reunited"|"transferred"|"other", "note": "..."}.
func (s *Server) closeCase(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var req closeRequest
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	cs, err := s.Cases.CloseCase(c.Request.Context(), actorOf(c), id, req.Outcome, req.Note)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toCase(cs, false))
}

type deleteRequest struct {
	Reason childmatch.DeletionReason `json:"reason"`
}

// deleteCase: DELETE /v1/cases/:id {"reason": "entered_in_error"|"duplicate"|"erasure_request"}.
func (s *Server) deleteCase(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var req deleteRequest
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	if err := s.Cases.DeleteCase(c.Request.Context(), actorOf(c), id, req.Reason); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// caseCard: GET /v1/cases/:id/card.png, the case's alert card, the asker's organisation printed on it. The
// QR code opens the case page at the configured public address (else this request's host), which asks for
// sign-in. Drawing a card costs about a tenth of a second, so it counts against the expensive routes' limits.
func (s *Server) caseCard(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	png, err := s.Cards.CaseCard(c.Request.Context(), actorOf(c), id, s.casePage(c, id))
	if err != nil {
		s.fail(c, err)
		return
	}
	private(c, "image/png", png)
}
