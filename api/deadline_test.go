package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"childmatch"
	"childmatch/fixtures"
	"childmatch/index"
)

// TestStalledMinIO: with MinIO paused (stalled, not down: connections are accepted, nothing answers) for
// longer than any deadline, reads, writes, uploads and /healthz answer 503 while it is still paused, each
// within a store call timeout of its first MinIO call; once it resumes, uploads work, and no record refers
// to a blob that is not stored.
func TestStalledMinIO(t *testing.T) {
	e := newEnv(t)
	id := e.createCase("missing", "child")
	e.minio.Pause()
	var resumed atomic.Bool
	resume := time.AfterFunc(75*time.Second, func() { resumed.Store(true); e.minio.Resume() }) // issue 19's stall
	for _, tc := range []struct {
		name string
		do   func() response
	}{
		{"health", func() response { return e.do("GET", "/healthz", "", nil, "") }},
		{"read case", func() response { return e.do("GET", "/v1/cases/"+id, "", nil, "Bearer "+token) }},
		{"create case", func() response {
			return e.postJSON("/v1/cases", map[string]any{"kind": "found"})
		}},
		{"add photo", func() response {
			return e.postPhoto("/v1/cases/"+id+"/photos", fixtures.Photo(t, "obama/obama1.jpg"), nil)
		}},
	} {
		start := time.Now()
		r := tc.do()
		took := time.Since(start)
		if r.status != http.StatusServiceUnavailable || resumed.Load() {
			t.Errorf("%s with MinIO stalled: %d %s after %v (resumed: %v), want 503 while stalled", tc.name, r.status, r.body, took, resumed.Load())
		}
		t.Logf("%s: %d after %v", tc.name, r.status, took.Round(10*time.Millisecond))
	}
	if resume.Stop() {
		e.minio.Resume()
	}
	if m := e.addPhoto(id, "obama/obama2.jpg"); m.FacesFound != 1 {
		t.Fatalf("after MinIO resumed: %+v", m)
	}
	stored := e.objects("")
	for key, b := range e.objects("cases/") {
		var c childmatch.Case
		if err := json.Unmarshal(b, &c); err != nil {
			t.Fatal(err)
		}
		for _, p := range c.Photos {
			if _, ok := stored["photos/"+p.ID.String()]; !ok {
				t.Errorf("%s refers to photo %s, which is not stored", key, p.ID)
			}
			for _, f := range p.Faces {
				if _, ok := stored["faces/"+f.ID.String()+".jpg"]; !ok {
					t.Errorf("%s refers to chip %s, which is not stored", key, f.ID)
				}
			}
		}
	}
}

// TestErasureRewritesSnapshots: after a case is erased, the index snapshot written next, in MinIO and in
// the local cache, holds none of its faces (the one before held them), and its review items are gone from
// the bucket.
func TestErasureRewritesSnapshots(t *testing.T) {
	e := newEnv(t)
	missing := e.createCase("missing", "Asha")
	e.addPhoto(missing, "obama/obama1.jpg")
	found := e.createCase("found", "")
	e.addPhoto(found, "obama/obama2.jpg")
	if n := len(e.objects("reviews/")); n != 1 {
		t.Fatalf("%d review items, want the match", n)
	}
	caseID, err := childmatch.ParseID("id", missing)
	if err != nil {
		t.Fatal(err)
	}
	// facesIn saves the snapshot and counts the case's faces in MinIO's copy and in the local cache.
	facesIn := func() (stored, local int) {
		t.Helper()
		if err := e.follower.Save(t.Context()); err != nil {
			t.Fatal(err)
		}
		count := func(b []byte) int {
			ix := index.New()
			if _, err := ix.ReadSnapshot(bytes.NewReader(b)); err != nil {
				t.Fatal(err)
			}
			return ix.RemoveCase(caseID)
		}
		b, err := os.ReadFile(e.follow.LocalSnapshot)
		if err != nil {
			t.Fatal(err)
		}
		return count(e.objects("index/snapshot")["index/snapshot"]), count(b)
	}
	if s, l := facesIn(); s != 1 || l != 1 {
		t.Fatalf("snapshots before erasure hold %d and %d faces of the case, want 1 and 1", s, l)
	}
	if r := e.as("Bearer "+token, "DELETE", "/v1/cases/"+missing, map[string]any{"reason": "erasure_request"}); r.status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	if s, l := facesIn(); s != 0 || l != 0 {
		t.Fatalf("snapshots after erasure hold %d and %d faces of the erased case", s, l)
	}
	if n := len(e.objects("reviews/")); n != 0 {
		t.Fatalf("%d review items of the erased case left", n)
	}
}
