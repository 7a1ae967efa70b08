package api

import (
	"net/http"
	"reflect"
	"strings"

	"github.com/invopop/jsonschema"

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

// caseDetailsPatch is the body of PATCH /v1/cases/{id}: an RFC 7396 merge patch of the case's details,
// any of CaseDetails' fields, each an object of the fields to change, or null to empty it. Their values
// are not typed: a patch names only some fields of each, and null, which the details' schemas refuse.
func caseDetailsPatch() *jsonschema.Schema {
	s := &jsonschema.Schema{Type: "object", Properties: jsonschema.NewProperties(),
		Description: "An RFC 7396 JSON merge patch of the case's details (CaseDetails): only the fields named change, " +
			`null empties one ({"sighting": {"station": "BPL"}, "child": {"age": 10}, "alert": {"radius_km": 100}}). ` +
			"Unknown fields are refused by name; the result is checked as a new case is, and the values it replaces go into the case's history."}
	t := reflect.TypeFor[childmatch.CaseDetails]()
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		desc := "The case's " + name + ": its new value."
		if f.Type.Kind() == reflect.Struct || f.Type.Kind() == reflect.Pointer {
			desc = "The case's " + name + ": an object of the fields to change, or null."
		}
		s.Properties.Set(name, &jsonschema.Schema{Description: desc})
	}
	return s
}

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
		route{Method: "PATCH", Path: "/v1/cases/:id", Tag: "cases", Summary: "Change a case's details by a JSON merge patch",
			Description: "The body is an RFC 7396 merge patch, sent as application/json (the route takes no other type).",
			Body:        caseDetailsPatch(), Answers: map[int]any{http.StatusOK: caseJSON{}},
			Errors: []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound, http.StatusConflict,
				http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType}},
		route{Method: "GET", Path: "/v1/cases/:id/poster.pdf", Tag: "cases", Summary: "The A4 poster of an open missing report",
			Description: "Only for a case whose record holds the Child Welfare Committee's permission to publish (PUT /v1/cases/{id}/publication); 403 without it.",
			Answers:     map[int]any{http.StatusOK: media("application/pdf")},
			Errors:      []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound, http.StatusConflict}},
		route{Method: "PUT", Path: "/v1/cases/:id/publication", Tag: "cases", Summary: "Record the Child Welfare Committee's permission to publish",
			Description: "As the Committee gave it: who, when, and its order's number. The answer is the case.",
			Body:        childmatch.Publication{}, Answers: map[int]any{http.StatusOK: caseJSON{}},
			Errors: []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound, http.StatusConflict,
				http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType}},
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
