package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"childmatch"
)

type reviewJSON struct {
	childmatch.ReviewItem
	Rank    float32 `json:"rank"`
	ChipA   string  `json:"chip_a_url"`
	ChipB   string  `json:"chip_b_url"`
	PhotoAU string  `json:"photo_a_url"`
	PhotoBU string  `json:"photo_b_url"`
	CaseAU  string  `json:"case_a_url"`
	CaseBU  string  `json:"case_b_url"`
}

func toReview(r *childmatch.ReviewItem) reviewJSON {
	return reviewJSON{ReviewItem: *r, Rank: r.Rank(), ChipA: chipURL(r.FaceA), ChipB: chipURL(r.FaceB),
		PhotoAU: photoURL(r.PhotoA), PhotoBU: photoURL(r.PhotoB),
		CaseAU: "/v1/cases/" + r.CaseA.String(), CaseBU: "/v1/cases/" + r.CaseB.String()}
}

// listReviews: GET /v1/reviews?state=pending&type=&case=&limit=, best first.
func (s *Server) listReviews(c *gin.Context) {
	q := childmatch.ReviewQuery{State: childmatch.ReviewState(c.Query("state")), Type: childmatch.ReviewType(c.Query("type"))}
	var err error
	if q.Limit, err = intValue("limit", c.Query("limit")); err == nil && c.Query("case") != "" {
		q.Case, err = childmatch.ParseID("case", c.Query("case"))
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	items, err := s.svc.Reviews(c.Request.Context(), actorOf(c), q)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := make([]reviewJSON, 0, len(items))
	for i := range items {
		out = append(out, toReview(&items[i]))
	}
	c.JSON(http.StatusOK, gin.H{"reviews": out})
}

type decisionRequest struct {
	State childmatch.ReviewState `json:"state"`
	Note  string                 `json:"note"`
}

// decide: POST /v1/reviews/:id/decision {"state": "confirmed"|"rejected"|"unsure", "note": "..."}.
func (s *Server) decide(c *gin.Context) {
	var d decisionRequest
	if err := decodeJSON(c, &d); err != nil {
		s.fail(c, err)
		return
	}
	item, err := s.svc.Decide(c.Request.Context(), actorOf(c), c.Param("id"), d.State, d.Note)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toReview(item))
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
	cs, err := s.svc.CloseCase(c.Request.Context(), actorOf(c), id, req.Outcome, req.Note)
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
	if err := s.svc.DeleteCase(c.Request.Context(), actorOf(c), id, req.Reason); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// listUsers: GET /v1/users.
func (s *Server) listUsers(c *gin.Context) {
	users, err := s.svc.Users(c.Request.Context(), actorOf(c))
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
	u, err := s.svc.CreateUser(c.Request.Context(), actorOf(c), nu)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, u)
}

// issueToken: POST /v1/users/:id/tokens. The secret is in this answer only.
func (s *Server) issueToken(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	secret, t, err := s.svc.IssueToken(c.Request.Context(), actorOf(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, gin.H{"token": secret, "id": t.ID, "user_id": t.UserID, "created_at": t.CreatedAt,
		"message": "shown once: store it now; only its hash is kept"})
}

// revokeToken: DELETE /v1/tokens/:id.
func (s *Server) revokeToken(c *gin.Context) {
	t, err := s.svc.RevokeToken(c.Request.Context(), actorOf(c), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, t)
}

// timeQuery reads an RFC 3339 time or a date (2026-11-01) from the query string.
func timeQuery(c *gin.Context, name string) (time.Time, error) {
	return timeValue(name, c.Query(name))
}

// timeValue parses a date or an RFC 3339 time; "" is the zero time.
func timeValue(name, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339, time.DateOnly} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, childmatch.FieldError(name, "must be a date (2026-11-01) or an RFC 3339 time")
}

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
	events, err := s.svc.AuditEvents(c.Request.Context(), actorOf(c), q)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"events": events})
}

// stats: GET /v1/stats?state=&district=&since=&until=.
func (s *Server) stats(c *gin.Context) {
	q := childmatch.StatsQuery{State: c.Query("state"), District: c.Query("district")}
	var err error
	if q.Since, err = timeQuery(c, "since"); err == nil {
		q.Until, err = timeQuery(c, "until")
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	st, err := s.svc.Stats(c.Request.Context(), actorOf(c), q)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"stats": st})
}
