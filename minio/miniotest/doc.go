// Package miniotest starts a real MinIO server for tests: on 127.0.0.1, on a free port, with its data in a
// temporary folder and random credentials, stopped when the test ends.
package miniotest
