// Package childmatch is the domain of a service that matches photos of found children against
// missing-child reports and puts the candidates before people who decide: its types, its rules and the
// interfaces it needs. It imports no HTTP, storage or face library; each of those lives in its own
// package, given to the services through these interfaces (README: design).
//
// Where each concern lives:
//   - who may do what: access.go, the one table of actions and roles, and CanSee;
//   - every threshold and limit, with its reason: limits.go;
//   - the one error type and its codes: error.go (api/errors.go maps the codes to HTTP status);
//   - the records: case.go, photo.go, review.go, user.go, audit.go, stats.go, search.go, and their stores'
//     interfaces beside them (store.go, index.go, changes.go, snapshot.go);
//   - what an upload writes and in what order: service/photo.go; the review workflow: service/review.go;
//   - users, tokens and authentication: auth/;
//   - how the index starts, follows the other replicas and is saved: follow/;
//   - the stores: minio/ (and inmem/, in memory, for tests); the face pipeline: matcher/; the vector
//     index: index/; HTTP and the web app: api/; wiring: cmd/childmatch.
package childmatch
