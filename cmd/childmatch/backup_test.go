package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"childmatch/fixtures"
	"childmatch/minio"
	"childmatch/minio/miniotest"
)

// runTool runs `childmatch <args>` from the test binary against the MinIO m, returning its output.
func runTool(t *testing.T, m *miniotest.Server, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), replicaEnv+"=1", "MINIO_ENDPOINT="+m.Endpoint, "MINIO_ACCESS_KEY="+m.AccessKey,
		"MINIO_SECRET_KEY="+m.SecretKey, "MINIO_BUCKET="+m.Bucket)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestBackupRestore: a backup of a running service's bucket, restored into an empty MinIO (with another
// encryption key), serves the same cases: found by photo, with their details and their photos byte for
// byte. A backup with one byte changed restores nothing, and a restore never writes into a bucket that
// holds objects.
func TestBackupRestore(t *testing.T) {
	if testing.Short() {
		t.Skip("starts MinIO three times and the service twice")
	}
	token := newToken()
	src := miniotest.Start(t)
	a := startReplica(t, "source", src, token, t.TempDir())
	var missing, found struct {
		ID string `json:"id"`
	}
	json.Unmarshal(a.json(t, "POST", "/v1/cases", map[string]any{"kind": "missing",
		"child": map[string]any{"name": "Asha", "age": 9}, "reporter": map[string]any{"organisation": "GRP Bhopal"}}, http.StatusCreated), &missing)
	a.photo(t, "/v1/cases/"+missing.ID+"/photos", "obama/obama1.jpg", nil, http.StatusCreated)
	json.Unmarshal(a.json(t, "POST", "/v1/cases", map[string]any{"kind": "found", "child": map[string]any{"age": 6}}, http.StatusCreated), &found)
	a.photo(t, "/v1/cases/"+found.ID+"/photos", "biden/biden1.jpg", nil, http.StatusCreated)
	_, before := a.call(t, "GET", "/v1/cases/"+missing.ID, "", nil)
	a.stop(t)

	dir := filepath.Join(t.TempDir(), "backup")
	if out, err := runTool(t, src, "backup", "--to", dir); err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	if fi, err := os.Stat(filepath.Join(dir, manifestName)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the manifest: %v, %v; want a 0600 file", err, fi)
	}
	if out, err := runTool(t, src, "backup", "--to", dir); err == nil || !strings.Contains(out, "not empty") {
		t.Fatalf("a second backup into the same folder: %v\n%s", err, out)
	}

	dst := miniotest.Start(t)
	if out, err := runTool(t, dst, "restore", "--from", dir); err != nil {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	if out, err := runTool(t, dst, "restore", "--from", dir); err == nil || !strings.Contains(out, "already holds objects") {
		t.Fatalf("a restore into a bucket that holds objects: %v\n%s", err, out)
	}
	b := startReplica(t, "restored", dst, token, t.TempDir())
	for _, tc := range []struct{ search, kind, want string }{{"obama/obama3.jpg", "missing", missing.ID}, {"biden/biden2.jpg", "found", found.ID}} {
		if ids := b.found(t, tc.search, map[string]string{"kind": tc.kind}); len(ids) == 0 || ids[0] != tc.want {
			t.Errorf("searching %s on the restored service finds %v, want %s first", tc.search, ids, tc.want)
		}
	}
	status, after := b.call(t, "GET", "/v1/cases/"+missing.ID, "", nil)
	var was, is struct {
		Child  map[string]any `json:"child"`
		Photos []struct {
			ID string `json:"id"`
		} `json:"photos"`
	}
	json.Unmarshal(before, &was)
	json.Unmarshal(after, &is)
	if status != http.StatusOK || was.Child["name"] != "Asha" || !equalJSON(was, is) || len(is.Photos) != 1 {
		t.Fatalf("the restored case: %d %s\nwas %s", status, after, before)
	}
	status, photo := b.call(t, "GET", "/v1/photos/"+is.Photos[0].ID, "", nil)
	if status != http.StatusOK || !bytes.Equal(photo, fixtures.Photo(t, "obama/obama1.jpg")) {
		t.Fatalf("the restored photo: %d, %d bytes", status, len(photo))
	}
	b.stop(t)

	// One byte changed in the photo's copy: the restore refuses before writing anything.
	path := filepath.Join(dir, objectsDir, "photos", is.Photos[0].ID)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 1
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	empty := miniotest.Start(t)
	if out, err := runTool(t, empty, "restore", "--from", dir); err == nil || !strings.Contains(out, "damaged") {
		t.Fatalf("restoring a damaged backup: %v\n%s", err, out)
	}
	store, err := minio.Open(context.Background(), minio.Config{Endpoint: empty.Endpoint, AccessKey: empty.AccessKey,
		SecretKey: empty.SecretKey, Bucket: empty.Bucket})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	store.WalkObjects(context.Background(), func(minio.Object) error { n++; return nil })
	if n != 0 {
		t.Fatalf("the damaged backup's restore wrote %d objects", n)
	}
}

// equalJSON compares two values by their JSON.
func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}
