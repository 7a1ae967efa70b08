package api

import (
	"net/http"

	"childmatch"
)

// The API description of the web app's live alerts and Web Push (stream.go, push.go); a service built
// without a stream or without push has not these routes.

func init() {
	describe(
		route{Method: "GET", Path: "/v1/alerts/stream", Tag: "alerts", Summary: "Server-Sent Events of the alerts the user sees",
			Description: "One data line of JSON (AlertEvent) per change, a comment as a heartbeat; the stream ends after a while so that " +
				"the credential is checked again, and EventSource reconnects after the retry it set. 429 beyond the open streams a user or the server may have.",
			Answers: map[int]any{http.StatusOK: media("text/event-stream")}, Errors: []int{http.StatusForbidden}},
		route{Method: "GET", Path: "/v1/me/posts", Tag: "alerts", Summary: "The posts the user belongs to",
			Answers: map[int]any{http.StatusOK: fields("posts", []childmatch.MyPost{})}, Errors: []int{http.StatusForbidden}},
		route{Method: "GET", Path: "/v1/push/key", Tag: "alerts", Summary: "The VAPID public key a browser subscribes with",
			Answers: map[int]any{http.StatusOK: fields("public_key", str("base64url, for PushManager.subscribe."))},
			Errors:  []int{http.StatusForbidden}},
		route{Method: "POST", Path: "/v1/push/subscriptions", Tag: "alerts", Summary: "Keep a browser's push subscription",
			Description: "The PushSubscription as its toJSON() gives it; one per endpoint, the oldest dropped beyond a user's limit. created_at is set by the service.",
			Body:        childmatch.PushSubscription{}, Answers: map[int]any{http.StatusNoContent: nil},
			Errors: []int{http.StatusBadRequest, http.StatusForbidden, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType}},
		route{Method: "DELETE", Path: "/v1/push/subscriptions", Tag: "alerts", Summary: "Remove the user's subscription of an endpoint",
			Description: "One that is not there is not an error.",
			Body:        unsubscribeRequest{}, Answers: map[int]any{http.StatusNoContent: nil},
			Errors: []int{http.StatusBadRequest, http.StatusForbidden, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType}},
	)
}
