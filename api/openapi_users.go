package api

import (
	"net/http"

	"childmatch"
)

// The API description of users, tokens, sessions and the web app's sign-in (user.go, session.go, web.go).

// me is who is signed in.
var me = fields("id", str("The user's id; admin for the bootstrap token."), "name", str(""), "organisation", str(""), "roles", []childmatch.Role{})

func init() {
	describe(
		route{Method: "GET", Path: "/v1/users", Tag: "users", Summary: "Every user",
			Answers: map[int]any{http.StatusOK: fields("users", []childmatch.User{})}, Errors: []int{http.StatusForbidden}},
		route{Method: "POST", Path: "/v1/users", Tag: "users", Summary: "Create a user",
			Body: childmatch.NewUser{}, Answers: map[int]any{http.StatusCreated: childmatch.User{}},
			Errors: []int{http.StatusBadRequest, http.StatusForbidden, http.StatusConflict}},
		route{Method: "POST", Path: "/v1/users/:id/tokens", Tag: "users", Summary: "Issue a token; its secret is in this answer only",
			Body: childmatch.NewToken{}, OptionalBody: true,
			Answers: map[int]any{http.StatusCreated: fields("token", str("The secret: store it now."), "id", str(""),
				"user_id", idSchema(), "created_at", &timeSchema, "expires_at", &timeSchema, "message", str(""))},
			Errors: []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound}},
		route{Method: "DELETE", Path: "/v1/tokens/:id", Tag: "users", Summary: "Revoke a token", TextID: true,
			Answers: map[int]any{http.StatusOK: childmatch.Token{}}, Errors: []int{http.StatusForbidden, http.StatusNotFound}},
		route{Method: "GET", Path: "/v1/sessions", Tag: "users", Summary: "The web sessions that have not ended",
			Answers: map[int]any{http.StatusOK: fields("sessions", []childmatch.SessionInfo{})}, Errors: []int{http.StatusForbidden}},
		route{Method: "DELETE", Path: "/v1/sessions/:id", Tag: "users", Summary: "End a session at once", TextID: true,
			Answers: map[int]any{http.StatusNoContent: nil}, Errors: []int{http.StatusForbidden, http.StatusNotFound}},
		route{Method: "POST", Path: "/web/signin", Tag: "web", Summary: "Exchange a token for a web session (cookies)", Public: true,
			Body: signInRequest{}, Answers: map[int]any{http.StatusOK: me},
			Errors: []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusTooManyRequests, http.StatusServiceUnavailable}},
		route{Method: "POST", Path: "/web/signout", Tag: "web", Summary: "End the web session and clear its cookies", Public: true,
			Answers: map[int]any{http.StatusNoContent: nil}, Errors: []int{http.StatusServiceUnavailable}},
		route{Method: "GET", Path: "/web/me", Tag: "web", Summary: "Who is signed in",
			Answers: map[int]any{http.StatusOK: me}},
	)
}
