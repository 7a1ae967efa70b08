// Package inmem holds in-process implementations of every store the services need (cases and blobs,
// review items, users and tokens, the audit trail, the change feed and the index snapshot) and a fake face
// analyzer, so the domain's rules can be tested in milliseconds without MinIO or dlib. They keep the
// contracts of the root's interfaces (copies in and out, conflicts, not-found, creation order), but
// nothing else of a real store: they are for tests only, never for the main path.
package inmem
