package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"os"
	"testing"
	"time"

	"childmatch"
	"childmatch/fixtures"
	"childmatch/index"
	"childmatch/minio"
	"childmatch/minio/miniotest"
)

// BenchmarkRestart: a service process starting with 1M faces in its index snapshot, from exec until it
// answers with every face searchable (/healthz is served only once the index is open), once from the
// local snapshot cache and once from the store's snapshot on a fresh machine. The snapshot's position is a
// minute old, so the start also lists the change feed behind it; the bucket holds no records, so the
// figure is the snapshot's own cost plus the process start and the model load.
func BenchmarkRestart(b *testing.B) {
	const faces = 1_000_000
	m := miniotest.Start(b)
	cfg := minio.Config{Endpoint: m.Endpoint, AccessKey: m.AccessKey, SecretKey: m.SecretKey, Bucket: m.Bucket, Encrypt: true}
	store, err := minio.Open(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	ix := index.New()
	ix.Grow(faces)
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < faces; i++ {
		d := fixtures.RandomDescriptor(r)
		ix.Add(childmatch.FaceRef{FaceID: childmatch.NewID(), CaseID: childmatch.NewID()}, &d,
			childmatch.FaceAttrs{Kind: childmatch.KindMissing, Status: childmatch.StatusOpen})
	}
	var snap bytes.Buffer
	if err := ix.WriteSnapshot(&snap, childmatch.IDAt(time.Now().Add(-time.Minute))); err != nil {
		b.Fatal(err)
	}
	ix.Clear()
	if err := store.PutSnapshot(context.Background(), bytes.NewReader(snap.Bytes()), int64(snap.Len())); err != nil {
		b.Fatal(err)
	}
	token := newToken()
	for _, source := range []string{"local snapshot", "store snapshot"} {
		b.Run(source, func(b *testing.B) {
			var took time.Duration
			for i := 0; i < b.N; i++ {
				dir := b.TempDir()
				if source == "local snapshot" {
					if err := os.WriteFile(localSnapshot(dir, cfg), snap.Bytes(), 0o600); err != nil {
						b.Fatal(err)
					}
				}
				began := time.Now()
				rep := startReplica(b, "restart", m, token, dir)
				took += time.Since(began)
				var h struct {
					Faces int `json:"faces_indexed"`
					Index struct {
						Start struct {
							Source string `json:"source"`
						} `json:"start"`
					} `json:"index"`
				}
				if code, body := rep.call(b, http.MethodGet, "/healthz", "", nil); code != http.StatusOK || json.Unmarshal(body, &h) != nil {
					b.Fatalf("healthz: %d %s", code, body)
				}
				if h.Faces != faces || h.Index.Start.Source != source {
					b.Fatalf("started with %d faces from %q, want %d from %q", h.Faces, h.Index.Start.Source, faces, source)
				}
				rep.stop(b)
			}
			b.ReportMetric(took.Seconds()/float64(b.N), "s/restart")
		})
	}
}
