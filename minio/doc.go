// Package minio keeps childmatch's records and photos in one MinIO bucket:
//
//	cases/<case-id>.json      case record: details, status, photos, faces with descriptors
//	photos/<photo-id>         an upload, byte for byte
//	faces/<face-id>.jpg       an aligned face chip
//	reviews/<pair-key>.json   a review item and its decision history
//	users/<user-id>.json      a user
//	tokens/<sha256>.json      an API token, stored under the hash of its secret
//	audit/<yyyy>/<mm>/<dd>/<event-id>.json   one audit event, written once
//	changes/, index/          the change feed and the index snapshot (changes.go)
//
// Keys are built only from server-made ids and hashes, never from client strings. Records change by
// read-modify-write: the write carries If-Match with the ETag that was read, and a 412 means somebody else
// wrote first, so the change is re-applied to fresh state. New records are written with If-None-Match "*".
// MinIO is strictly consistent, so this is all the coordination the service needs.
//
// store.go holds the connection, the error classification and the case records and blobs; records.go the
// review items, users, tokens and audit events; changes.go the change feed (whose entries name the
// process that wrote them) and the index snapshot.
package minio
