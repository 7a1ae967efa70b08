package api

import (
	"net/http"

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

// listReviews: GET /v1/reviews?state=pending&type=&case=&limit=&cursor=, best first; next_cursor is
// the next page's cursor, absent at the end.
func (s *Server) listReviews(c *gin.Context) {
	q := childmatch.ReviewQuery{State: childmatch.ReviewState(c.Query("state")), Type: childmatch.ReviewType(c.Query("type")),
		Cursor: c.Query("cursor")}
	var err error
	if q.Limit, err = intValue("limit", c.Query("limit")); err == nil && c.Query("case") != "" {
		q.Case, err = childmatch.ParseID("case", c.Query("case"))
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	page, err := s.Reviews.Reviews(c.Request.Context(), actorOf(c), q)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := make([]reviewJSON, 0, len(page.Items))
	for i := range page.Items {
		out = append(out, toReview(&page.Items[i]))
	}
	body := gin.H{"reviews": out}
	if page.Next != "" {
		body["next_cursor"] = page.Next
	}
	c.JSON(http.StatusOK, body)
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
	item, err := s.Reviews.Decide(c.Request.Context(), actorOf(c), c.Param("id"), d.State, d.Note)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toReview(item))
}
