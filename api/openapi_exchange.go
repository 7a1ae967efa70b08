package api

import (
	"net/http"
	"strconv"

	"github.com/invopop/jsonschema"

	"childmatch"
)

// The API description of export and what an importer reads of the service (exchange.go).

func init() {
	describe(
		route{Method: "GET", Path: "/v1/deployment", Tag: "exchange", Summary: "What an importer needs of this service",
			Description: "Its name (the source of what it exports), how many photos it analyses at once and the limits a photo and a case must keep.",
			Answers:     map[int]any{http.StatusOK: deploymentJSON{}}},
		route{Method: "GET", Path: "/v1/export", Tag: "exchange", Summary: "Cases as one ZIP, for admins",
			Description: "The cases named, or those the case list's filters select (404 when none does), at most " +
				strconv.Itoa(childmatch.MaxExportCases) + "; the ZIP's manifest says what it holds. " +
				"A refusal is answered as JSON; a failure once the ZIP has started cuts the connection, so a ZIP without its manifest is not whole.",
			Query: []param{
				{Name: "case", Description: "A case to export; repeat it for more (case=ID&case=ID).",
					Schema: &jsonschema.Schema{Type: "array", Items: idSchema()}},
				{Name: "kind", Schema: oneOf(childmatch.KindMissing, childmatch.KindFound)},
				{Name: "status", Schema: oneOf(childmatch.StatusOpen, childmatch.StatusMatched, childmatch.StatusClosed)}},
			Answers: map[int]any{http.StatusOK: media("application/zip")},
			Errors:  []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound}},
	)
}
