package api_test

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	miniogo "github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

type healthResp struct {
	FacesIndexed int `json:"faces_indexed"`
	Index        struct {
		Bytes        int     `json:"bytes"`
		BytesPerFace float64 `json:"bytes_per_face"`
		Start        struct {
			Source   string   `json:"source"`
			Refused  []string `json:"refused"`
			Faces    int      `json:"faces"`
			Replayed int      `json:"replayed_cases"`
		} `json:"start"`
	} `json:"index"`
}

func (e *env) health() healthResp {
	e.t.Helper()
	r := e.do("GET", "/healthz", "", nil, "")
	if r.status != http.StatusOK {
		e.t.Fatalf("healthz: %d %s", r.status, r.body)
	}
	var h healthResp
	r.decode(e.t, &h)
	return h
}

// ranking is what a search answers, as case ids and distances, for comparing restarts.
func (e *env) ranking(rel string) []candidateResp {
	e.t.Helper()
	m := e.search(rel, nil)
	if len(m.Faces) != 1 {
		e.t.Fatalf("search %s: %d faces", rel, len(m.Faces))
	}
	return m.Faces[0].Candidates
}

// corrupt flips one byte in the middle of a snapshot.
func corrupt(t *testing.T, b []byte) []byte {
	t.Helper()
	if len(b) < 100 {
		t.Fatalf("snapshot of %d bytes", len(b))
	}
	b = bytes.Clone(b)
	b[len(b)/2] ^= 0x20
	return b
}

// TestIndexSnapshots: a restart loads the local snapshot; one that crashed before writing a snapshot
// loads the older one and replays the change feed; a corrupt local snapshot falls back to MinIO's, and
// with both corrupt the index is rebuilt from the records. Every way answers searches identically.
func TestIndexSnapshots(t *testing.T) {
	e := newEnv(t)
	for _, rel := range []string{"obama/obama1.jpg", "biden/biden1.jpg", "kit_harington/kit1.jpg"} {
		e.addPhoto(e.createCase("missing", "child"), rel)
	}
	want := e.ranking("obama/obama2.jpg")
	if len(want) != 3 {
		t.Fatalf("%d candidates before any restart, want 3", len(want))
	}

	e.start() // a clean restart: snapshot written at shutdown, loaded at start
	if h := e.health(); h.Index.Start.Source != "local snapshot" || h.FacesIndexed != 3 || h.Index.BytesPerFace <= 512 {
		t.Fatalf("after a clean restart: %+v", h)
	}
	if got := e.ranking("obama/obama2.jpg"); !slices.Equal(got, want) {
		t.Fatalf("after a clean restart: %+v, want %+v", got, want)
	}

	// A case added, then a crash: no snapshot written. The next start loads the older snapshot and
	// re-reads the case from the change feed.
	rose := e.createCase("missing", "child")
	e.addPhoto(rose, "rose_leslie/rose1.jpg")
	e.stop(false)
	e.start()
	h := e.health()
	if h.Index.Start.Source != "local snapshot" || h.Index.Start.Replayed < 1 || h.FacesIndexed != 4 {
		t.Fatalf("after a crash: %+v", h)
	}
	if got := e.ranking("rose_leslie/rose2.jpg"); len(got) != 4 || got[0].Case.ID != rose {
		t.Fatalf("the case added before the crash is not found first: %+v", got)
	}
	want = e.ranking("obama/obama2.jpg")
	e.start() // writes a snapshot of all four cases, locally and to MinIO

	// The local snapshot corrupted: MinIO's is used.
	local, err := os.ReadFile(e.follow.LocalSnapshot)
	if err != nil {
		t.Fatal(err)
	}
	e.stop(false)
	if err := os.WriteFile(e.follow.LocalSnapshot, corrupt(t, local), 0o600); err != nil {
		t.Fatal(err)
	}
	e.start()
	h = e.health()
	if h.Index.Start.Source != "store snapshot" || len(h.Index.Start.Refused) != 1 || !strings.Contains(h.Index.Start.Refused[0], "checksum") {
		t.Fatalf("with a corrupt local snapshot: %+v", h.Index.Start)
	}
	if got := e.ranking("obama/obama2.jpg"); !slices.Equal(got, want) {
		t.Fatalf("from MinIO's snapshot: %+v, want %+v", got, want)
	}

	// Both corrupted: rebuilt from the records.
	e.stop(false)
	if err := os.WriteFile(e.follow.LocalSnapshot, corrupt(t, local), 0o600); err != nil {
		t.Fatal(err)
	}
	cl, err := miniogo.New(e.cfg.Endpoint, &miniogo.Options{Creds: credentials.NewStaticV4(e.cfg.AccessKey, e.cfg.SecretKey, "")})
	if err != nil {
		t.Fatal(err)
	}
	stored := e.objects("index/snapshot")["index/snapshot"]
	bad := corrupt(t, stored)
	if _, err := cl.PutObject(context.Background(), e.cfg.Bucket, "index/snapshot", bytes.NewReader(bad), int64(len(bad)), miniogo.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	e.start()
	h = e.health()
	if h.Index.Start.Source != "records" || len(h.Index.Start.Refused) != 2 || h.FacesIndexed != 4 {
		t.Fatalf("with both snapshots corrupt: %+v", h)
	}
	if got := e.ranking("obama/obama2.jpg"); !slices.Equal(got, want) {
		t.Fatalf("rebuilt from the records: %+v, want %+v", got, want)
	}
}
