// Package auth is users, their API tokens, the web app's sessions and authentication: turning a bearer
// token or a session's secret into the acting user, and the admin's management of users, tokens and
// sessions. Only hashes of token and session secrets are stored. Who may do what once authenticated is the
// table in the root's access.go; how often a client may fail is api's rate limit.
package auth
