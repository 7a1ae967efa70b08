package minio_test

import (
	"bytes"
	"context"
	"io"
	"testing"

	"childmatch"
	"childmatch/fixtures"
	"childmatch/minio"
)

// TestEncryptedAtRest stores a photo in an encrypted bucket and one in a plain bucket of the same server,
// then reads each bucket's folder in MinIO's data folder: the plain one holds its JPEG's bytes in the clear
// (so the search finds what it looks for), the encrypted one does not, and its photo still reads back
// intact.
func TestEncryptedAtRest(t *testing.T) {
	s, srv := open(t) // encrypted
	ctx := context.Background()
	plain, err := minio.Open(ctx, minio.Config{Endpoint: srv.Endpoint, AccessKey: srv.AccessKey,
		SecretKey: srv.SecretKey, Bucket: srv.Bucket + "-plain"})
	if err != nil {
		t.Fatal(err)
	}
	secret := fixtures.Photo(t, "obama/obama1.jpg")
	visible := fixtures.Photo(t, "biden/biden1.jpg")
	id := childmatch.NewID()
	if err := s.PutBlob(ctx, childmatch.BlobPhoto, id, childmatch.NewID(), "image/jpeg", secret); err != nil {
		t.Fatal(err)
	}
	if err := plain.PutBlob(ctx, childmatch.BlobPhoto, childmatch.NewID(), childmatch.NewID(), "image/jpeg", visible); err != nil {
		t.Fatal(err)
	}
	b, err := s.Blob(ctx, childmatch.BlobPhoto, id)
	if err != nil {
		t.Fatal(err)
	}
	back, err := io.ReadAll(b)
	b.Close()
	if err != nil || !bytes.Equal(back, secret) {
		t.Fatalf("the encrypted photo reads back as %d bytes (%v), want the %d stored", len(back), err, len(secret))
	}
	if where := srv.InTheClear(t, srv.Bucket+"-plain", visible); where == "" {
		t.Fatal("the plain bucket's photo is not in MinIO's data folder in the clear: the search cannot find a JPEG")
	}
	if where := srv.InTheClear(t, srv.Bucket, secret); where != "" {
		t.Fatalf("the encrypted bucket's photo is in the clear in %s", where)
	}
}
