// Package api serves childmatch over HTTP with gin: routes, authentication, request parsing and the one
// mapping of error codes to HTTP status codes.
//
// Where things are: server.go (the routes, authentication and api.Services, the interfaces the routes
// call), errors.go (the one table of error codes to HTTP status, and fail(), the one place an error
// becomes an answer), request.go (parsing bodies, queries and ids, classifying their errors where they
// arise), one file per noun of the routes (case.go, photo.go, review.go, user.go, audit.go, stats.go,
// health.go), web.go with web/ (the embedded web app and its cookie sign-in), observe.go (request ids,
// the request log and metrics, /metrics), and openapi.go with openapi_<noun>.go (the OpenAPI document
// at /openapi.json, each noun's routes described beside its handlers; apiclient/ is the Go client
// generated from it).
package api
