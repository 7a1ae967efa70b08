package api

import (
	"net/http"

	"childmatch"
)

// The API description of the cases, their photos, the search by photo, stored photos and chips, and the
// alert card (case.go, photo.go).

var (
	descriptorsParam = param{Name: "descriptors", Description: "true adds each face's 128 numbers to the answer.",
		Schema: boolean("")}
	limitField = param{Name: "limit", Description: "How many candidates per face (default 10, at most 100).",
		Schema: integer("")}
	// photoMatches is the answer of an upload or a search: each face found, with its candidates.
	photoMatches = []any{"faces_found", integer("How many faces the photo holds."), "faces", []faceMatchesJSON{}}
)

func init() {
	describe(
		route{Method: "POST", Path: "/v1/cases", Tag: "cases", Summary: "File a missing report or record a found child",
			Description: "Unknown fields are refused by name. A missing report needs a child.",
			Body:        newCaseRequest{}, Answers: map[int]any{http.StatusCreated: caseJSON{}},
			Errors: []int{http.StatusBadRequest, http.StatusForbidden, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType}},
		route{Method: "GET", Path: "/v1/cases", Tag: "cases", Summary: "List cases in creation order, a page at a time",
			Query: []param{{Name: "kind", Schema: oneOf(childmatch.KindMissing, childmatch.KindFound)},
				{Name: "status", Schema: oneOf(childmatch.StatusOpen, childmatch.StatusMatched, childmatch.StatusClosed)},
				{Name: "limit", Description: "Cases per page.", Schema: integer("")},
				{Name: "cursor", Description: "The next_cursor of the page before.", Schema: idSchema()}},
			Answers: map[int]any{http.StatusOK: casePageJSON{}}, Errors: []int{http.StatusBadRequest, http.StatusForbidden}},
		route{Method: "GET", Path: "/v1/cases/:id", Tag: "cases", Summary: "A case with its photos, faces and current candidates",
			Query: []param{descriptorsParam}, Answers: map[int]any{http.StatusOK: caseJSON{}},
			Errors: []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound}},
		route{Method: "GET", Path: "/v1/cases/:id/card.png", Tag: "cases", Summary: "The case's alert card",
			Answers: map[int]any{http.StatusOK: media("image/png")},
			Errors:  []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound}},
		route{Method: "POST", Path: "/v1/cases/:id/photos", Tag: "cases", Summary: "Add a photo to a case",
			Description: "Stores the photo, finds and describes every face, indexes them and matches each against the cases of the other kind.",
			Query:       []param{descriptorsParam}, Body: multipart{Fields: []param{limitField}},
			Answers: map[int]any{http.StatusCreated: fields(append([]any{"case_id", idSchema(), "photo", photoJSON{},
				"message", str("What was found, in words.")}, photoMatches...)...)},
			Errors: []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound, http.StatusRequestEntityTooLarge,
				http.StatusUnsupportedMediaType, http.StatusUnprocessableEntity}},
		route{Method: "POST", Path: "/v1/search", Tag: "cases", Summary: "Search the cases by photo; nothing is stored",
			Query: []param{descriptorsParam},
			Body: multipart{Fields: []param{
				{Name: "kind", Schema: oneOf("missing", "found", "any"), Description: "Which cases to search (default missing)."},
				limitField,
				{Name: "status", Schema: oneOf("open", "any"), Description: "any includes matched and closed cases."},
				{Name: "gender", Schema: oneOf(childmatch.GenderFemale, childmatch.GenderMale, childmatch.GenderOther, childmatch.GenderUnknown)},
				{Name: "min_age", Schema: integer("")}, {Name: "max_age", Schema: integer("")},
				{Name: "state"}, {Name: "district", Description: "Needs state."},
				{Name: "from", Schema: dateOrTime("The earliest sighting or report.")},
				{Name: "until", Schema: dateOrTime("The latest sighting or report.")}}},
			Answers: map[int]any{http.StatusOK: fields(photoMatches...)},
			Errors: []int{http.StatusBadRequest, http.StatusForbidden, http.StatusRequestEntityTooLarge,
				http.StatusUnsupportedMediaType, http.StatusUnprocessableEntity}},
		route{Method: "GET", Path: "/v1/photos/:id", Tag: "cases", Summary: "A stored photo's bytes",
			Answers: map[int]any{http.StatusOK: media("image/*")},
			Errors:  []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound}},
		route{Method: "GET", Path: "/v1/faces/:id", Tag: "cases", Summary: "A face's chip (JPEG)",
			Answers: map[int]any{http.StatusOK: media("image/jpeg")},
			Errors:  []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound}},
		route{Method: "POST", Path: "/v1/cases/:id/close", Tag: "cases", Summary: "Close a case with its outcome",
			Body: closeRequest{}, Answers: map[int]any{http.StatusOK: caseJSON{}},
			Errors: []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound, http.StatusConflict}},
		route{Method: "DELETE", Path: "/v1/cases/:id", Tag: "cases", Summary: "Delete a case, its photos and faces, for a reason",
			Body: deleteRequest{}, Answers: map[int]any{http.StatusNoContent: nil},
			Errors: []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound, http.StatusConflict}},
	)
}
