package api

import (
	"net/http"

	"childmatch"
)

// The API description of posts and the alerts that reach them (post.go, alert.go).

func init() {
	describe(
		route{Method: "POST", Path: "/v1/posts", Tag: "alerts", Summary: "Create a post",
			Body: childmatch.PostDetails{}, Answers: map[int]any{http.StatusCreated: postJSON{}},
			Errors: []int{http.StatusBadRequest, http.StatusForbidden}},
		route{Method: "GET", Path: "/v1/posts", Tag: "alerts", Summary: "Every post",
			Answers: map[int]any{http.StatusOK: fields("posts", []postJSON{})}, Errors: []int{http.StatusForbidden}},
		route{Method: "GET", Path: "/v1/posts/:id", Tag: "alerts", Summary: "A post",
			Answers: map[int]any{http.StatusOK: postJSON{}},
			Errors:  []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound}},
		route{Method: "PATCH", Path: "/v1/posts/:id", Tag: "alerts", Summary: "Change a post's fields",
			Body: childmatch.PostChange{}, Answers: map[int]any{http.StatusOK: postJSON{}},
			Errors: []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound, http.StatusConflict}},
		route{Method: "DELETE", Path: "/v1/posts/:id", Tag: "alerts", Summary: "Delete a post",
			Answers: map[int]any{http.StatusNoContent: nil},
			Errors:  []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound}},
		route{Method: "GET", Path: "/v1/alerts", Tag: "alerts", Summary: "The alerts that reached the user's posts (every alert, for admins)",
			Answers: map[int]any{http.StatusOK: fields("alerts", []childmatch.Alert{})}, Errors: []int{http.StatusForbidden}},
		route{Method: "GET", Path: "/v1/alerts/:id", Tag: "alerts", Summary: "An alert, with the posts it reached and what they answered",
			Answers: map[int]any{http.StatusOK: childmatch.Alert{}},
			Errors:  []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound}},
		route{Method: "POST", Path: "/v1/alerts/:id/ack", Tag: "alerts", Summary: "Answer an alert for a post",
			Body: ackRequest{}, Answers: map[int]any{http.StatusOK: childmatch.Alert{}},
			Errors: []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound, http.StatusConflict}},
	)
}
