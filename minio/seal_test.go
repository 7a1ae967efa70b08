package minio_test

import (
	"bytes"
	"context"
	"io"
	"testing"

	"childmatch"
	"childmatch/minio"
)

// TestSealedSecrets: a post's webhook secrets are sealed in its record, which a reader of the bucket or a
// backup sees; the store answers them in clear, through a read, a walk and a change; a store with another
// key cannot read them.
func TestSealedSecrets(t *testing.T) {
	ctx := context.Background()
	_, srv := open(t)
	cfg := minio.Config{Endpoint: srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, Bucket: srv.Bucket,
		SealKey: bytes.Repeat([]byte{7}, 32)}
	s, err := minio.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	const secret, previous = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"
	p := &childmatch.Post{ID: childmatch.NewID(), Name: "GRP Itarsi", Webhooks: []childmatch.Webhook{{URL: "https://partner.example/", Secret: secret}}}
	if err := s.CreatePost(ctx, p); err != nil {
		t.Fatal(err)
	}
	if p.Webhooks[0].Secret != secret {
		t.Fatal("sealing changed the caller's post")
	}
	raw := func() []byte {
		r, _, err := s.ReadObject(ctx, "posts/"+p.ID.String()+".json")
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		b, _ := io.ReadAll(r)
		return b
	}
	if b := raw(); bytes.Contains(b, []byte(secret[6:])) || !bytes.Contains(b, []byte("sealed:v1:")) {
		t.Fatalf("the record holds %s", b)
	}
	got, err := s.Post(ctx, p.ID)
	if err != nil || got.Webhooks[0].Secret != secret {
		t.Fatalf("read back %+v %v", got, err)
	}
	changed, err := s.UpdatePost(ctx, p.ID, func(p *childmatch.Post) error {
		if p.Webhooks[0].Secret != secret {
			t.Errorf("the change sees the secret %q", p.Webhooks[0].Secret)
		}
		p.Webhooks[0].Previous, p.Webhooks[0].Secret = p.Webhooks[0].Secret, previous
		return nil
	})
	if err != nil || changed.Webhooks[0].Secret != previous || changed.Webhooks[0].Previous != secret {
		t.Fatalf("changed %+v %v", changed, err)
	}
	if b := raw(); bytes.Contains(b, []byte(secret[6:])) || bytes.Contains(b, []byte(previous[6:])) {
		t.Fatalf("after the change the record holds %s", b)
	}
	for range 2 { // read, then kept by ETag
		n := 0
		err := s.WalkPosts(ctx, func(w *childmatch.Post) (bool, error) {
			n++
			if w.Webhooks[0].Secret != previous || w.Webhooks[0].Previous != secret {
				t.Errorf("walked %+v", w.Webhooks)
			}
			return true, nil
		})
		if err != nil || n != 1 {
			t.Fatalf("walk: %d %v", n, err)
		}
	}
	cfg.SealKey = bytes.Repeat([]byte{8}, 32)
	other, err := minio.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Post(ctx, p.ID); childmatch.ErrorCodeOf(err) != childmatch.EInternal {
		t.Fatalf("a store with another key reads the post: %v", err)
	}
}
