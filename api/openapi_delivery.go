package api

import (
	"net/http"

	"github.com/invopop/jsonschema"

	"childmatch"
)

// The API description of the outbox: the deliveries of alerts to posts, their replay and how fast they
// arrive (delivery.go). Every route answers 503 on a service built without an outbox.

func init() {
	describe(
		route{Method: "GET", Path: "/v1/alerts/:id/deliveries", Tag: "alerts", Summary: "An alert's deliveries with their attempts, in the order they were made, a page at a time",
			Description: "For whoever may see the alert; the targets (addresses, chats, numbers) are shown to admins only. " +
				"next_cursor, absent on the last page, is passed back as cursor for the next page.",
			Query:   pageParams("Deliveries per page.", &jsonschema.Schema{Type: "string", Pattern: `^[0-9]{6}-[0-9]{3}\.[0-9]+$`}),
			Answers: map[int]any{http.StatusOK: deliveryPageJSON{}},
			Errors:  []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound}},
		route{Method: "GET", Path: "/v1/alerts/metrics", Tag: "alerts", Summary: "How fast the recent alerts reached their posts, per channel",
			Answers: map[int]any{http.StatusOK: childmatch.DeliveryMetrics{}}, Errors: []int{http.StatusForbidden}},
		route{Method: "GET", Path: "/v1/deliveries", Tag: "alerts", Summary: "The deliveries that need a hand, for admins, oldest first, a page at a time",
			Description: "next_cursor, absent on the last page, is passed back as cursor for the next page.",
			Query: append([]param{{Name: "status", Description: "failed (the default) or disabled.",
				Schema: oneOf(childmatch.DeliveryFailed, childmatch.DeliveryDisabled)}}, pageParams("Deliveries per page.", idSchema())...),
			Answers: map[int]any{http.StatusOK: deliveryPageJSON{}},
			Errors:  []int{http.StatusBadRequest, http.StatusForbidden}},
		route{Method: "POST", Path: "/v1/deliveries/:id/replay", Tag: "alerts", Summary: "Send a failed or disabled delivery again, now",
			Description: "Admins, once the target is mended; 409 while its batch is being sent.",
			Answers:     map[int]any{http.StatusOK: childmatch.Delivery{}},
			Errors:      []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound, http.StatusConflict}},
	)
}
