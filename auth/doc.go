// Package auth is users, their API tokens and authentication: turning a bearer token into the acting
// user, and the admin's management of users and tokens. Only hashes of token secrets are stored. Who may
// do what once authenticated is the table in the root's access.go.
package auth
