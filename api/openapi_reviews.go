package api

import (
	"net/http"

	"childmatch"
)

// The API description of the review queue (review.go).

func init() {
	describe(
		route{Method: "GET", Path: "/v1/reviews", Tag: "reviews", Summary: "Review items, best first",
			Query: []param{
				{Name: "state", Schema: oneOf(childmatch.ReviewPending, childmatch.ReviewConfirmed, childmatch.ReviewRejected, childmatch.ReviewUnsure)},
				{Name: "type", Schema: oneOf(childmatch.ReviewMatch, childmatch.ReviewSameChild)},
				{Name: "case", Description: "Only the items of this case.", Schema: idSchema()},
				{Name: "limit", Schema: integer("")}},
			Answers: map[int]any{http.StatusOK: fields("reviews", []reviewJSON{})},
			Errors:  []int{http.StatusBadRequest, http.StatusForbidden}},
		route{Method: "POST", Path: "/v1/reviews/:id/decision", Tag: "reviews", Summary: "Decide a review item", TextID: true,
			Body: decisionRequest{}, Answers: map[int]any{http.StatusOK: reviewJSON{}},
			Errors: []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound, http.StatusConflict}},
	)
}
