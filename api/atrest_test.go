package api_test

import (
	"bytes"
	"testing"

	"childmatch/fixtures"
)

// TestNoPhotoInTheClear: after a case's photo is uploaded, MinIO's data folder holds neither the photo nor
// any of its face chips in the clear, while both read back as JPEGs through MinIO.
func TestNoPhotoInTheClear(t *testing.T) {
	e := newEnv(t)
	const rel = "obama/obama1.jpg"
	e.addPhoto(e.createCase("missing", "Asha"), rel)
	blobs := e.objects("faces/")
	if len(blobs) == 0 {
		t.Fatal("the upload stored no face chip")
	}
	photos := e.objects("photos/")
	if len(photos) != 1 {
		t.Fatalf("%d originals stored, want 1", len(photos))
	}
	for k, v := range photos {
		if !bytes.Equal(v, fixtures.Photo(t, rel)) {
			t.Fatalf("%s does not read back as the uploaded photo", k)
		}
		blobs[k] = v
	}
	for k, v := range blobs {
		if !bytes.HasPrefix(v, []byte{0xff, 0xd8, 0xff}) {
			t.Fatalf("%s does not read back as a JPEG", k)
		}
		if where := e.minio.InTheClear(t, e.cfg.Bucket, v); where != "" {
			t.Errorf("%s is in the clear in %s", k, where)
		}
	}
}
