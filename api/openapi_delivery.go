package api

import (
	"net/http"

	"childmatch"
)

// The API description of the outbox: the deliveries of alerts to posts, their replay and how fast they
// arrive (delivery.go). Every route answers 503 on a service built without an outbox.

func init() {
	describe(
		route{Method: "GET", Path: "/v1/alerts/:id/deliveries", Tag: "alerts", Summary: "Every delivery of an alert, with its attempts",
			Description: "For whoever may see the alert; the targets (addresses, chats, numbers) are shown to admins only.",
			Answers:     map[int]any{http.StatusOK: fields("deliveries", []childmatch.Delivery{})},
			Errors:      []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound}},
		route{Method: "GET", Path: "/v1/alerts/metrics", Tag: "alerts", Summary: "How fast the recent alerts reached their posts, per channel",
			Answers: map[int]any{http.StatusOK: childmatch.DeliveryMetrics{}}, Errors: []int{http.StatusForbidden}},
		route{Method: "GET", Path: "/v1/deliveries", Tag: "alerts", Summary: "The deliveries that need a hand, for admins",
			Query: []param{{Name: "status", Description: "failed (the default) or disabled.",
				Schema: oneOf(childmatch.DeliveryFailed, childmatch.DeliveryDisabled)}},
			Answers: map[int]any{http.StatusOK: fields("deliveries", []childmatch.Delivery{})},
			Errors:  []int{http.StatusBadRequest, http.StatusForbidden}},
		route{Method: "POST", Path: "/v1/deliveries/:id/replay", Tag: "alerts", Summary: "Send a failed or disabled delivery again, now",
			Description: "Admins, once the target is mended; 409 while its batch is being sent.",
			Answers:     map[int]any{http.StatusOK: childmatch.Delivery{}},
			Errors:      []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound, http.StatusConflict}},
	)
}
