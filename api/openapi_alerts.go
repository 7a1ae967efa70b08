package api

import (
	"net/http"

	"github.com/invopop/jsonschema"

	"childmatch"
)

// The API description of posts and the alerts that reach them, with their documents and cards (post.go,
// alert.go, alertdoc.go, card.go).

// pageParams are a paged list's limit (described as per) and cursor (of the schema).
func pageParams(per string, cursor *jsonschema.Schema) []param {
	return []param{{Name: "limit", Description: per, Schema: integer("")},
		{Name: "cursor", Description: "The next_cursor of the page before.", Schema: cursor}}
}

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
		route{Method: "GET", Path: "/v1/alerts", Tag: "alerts", Summary: "The alerts that reached the user's posts (every alert, for admins), newest first, a page at a time",
			Description: "next_cursor, absent on the last page, is passed back as cursor for the next page.",
			Query: append(pageParams("Alerts per page.", idSchema()),
				param{Name: "active", Description: "true: only the alerts not stood down, which a post may still have to answer.", Schema: boolean("")}),
			Answers: map[int]any{http.StatusOK: alertPageJSON{}}, Errors: []int{http.StatusBadRequest, http.StatusForbidden}},
		route{Method: "GET", Path: "/v1/alerts/:id", Tag: "alerts", Summary: "An alert, with the posts it reached and what they answered",
			Answers: map[int]any{http.StatusOK: childmatch.Alert{}},
			Errors:  []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound}},
		route{Method: "POST", Path: "/v1/alerts/:id/ack", Tag: "alerts", Summary: "Answer an alert for a post",
			Body: ackRequest{}, Answers: map[int]any{http.StatusOK: childmatch.Alert{}},
			Errors: []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound, http.StatusConflict}},
		route{Method: "GET", Path: "/v1/alerts/feed.atom", Tag: "alerts", Summary: "The active alerts of the user's posts as an Atom feed",
			Answers: map[int]any{http.StatusOK: media("application/atom+xml")}, Errors: []int{http.StatusForbidden}},
		route{Method: "POST", Path: "/v1/alerts/exercise", Tag: "alerts", Summary: "File a drill's made-up missing report and raise its exercise alert",
			Description: "The details as POST /v1/cases takes them; admins only. Location names the alert.",
			Body:        childmatch.CaseDetails{}, Answers: map[int]any{http.StatusCreated: caseJSON{}},
			Errors: []int{http.StatusBadRequest, http.StatusForbidden, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType}},
		route{Method: "GET", Path: "/v1/alerts/:id/cap", Tag: "alerts", Summary: "An alert's message as a CAP 1.2 document",
			Description: "The latest message, or message seq; for a signed-in user who may see the alert, or for a signed link without a credential.",
			Signed:      true, Query: []param{{Name: "seq", Description: "The message's number, from 1; the latest when not given.", Schema: integer("")}},
			Answers: map[int]any{http.StatusOK: media("application/cap+xml")},
			Errors:  []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound}},
		route{Method: "GET", Path: "/v1/alerts/:id/face.jpg", Tag: "alerts", Summary: "The face of the alert's case, for its signed link",
			Description: "Signed-in users open /v1/faces/{id}; without a signed link this answers 401.",
			Public:      true, Signed: true, Answers: map[int]any{http.StatusOK: media("image/jpeg")},
			Errors: []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusNotFound, http.StatusServiceUnavailable}},
		route{Method: "GET", Path: "/v1/alerts/:id/messages/:seq/card.png", Tag: "alerts", Summary: "The card of one message of an alert, the user's post printed on it",
			Description: "An alert's id is its case's. A stand-down's card says found.",
			PathSchemas: seqParam, Answers: map[int]any{http.StatusOK: media("image/png")},
			Errors: []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound}},
	)
}
