package main

import (
	"archive/zip"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"childmatch"
	"childmatch/minio/miniotest"
)

// TestExportImport: a case exported from one deployment (its own MinIO) with `childmatch export` is taken
// in by another with `childmatch import --zip`: verified against its manifest, kept under the first
// deployment's id as its origin, its faces matched at once, so the second finds the case by another photo
// of the child. The export is in the first's audit trail; a ZIP with one byte changed imports nothing;
// imported again, nothing is duplicated.
func TestExportImport(t *testing.T) {
	if testing.Short() {
		t.Skip("starts MinIO and the service twice")
	}
	token := newToken()
	a := startReplica(t, "state A", miniotest.Start(t), token, t.TempDir())
	b := startReplica(t, "state B", miniotest.Start(t), token, t.TempDir())
	var missing struct {
		ID string `json:"id"`
	}
	json.Unmarshal(a.json(t, "POST", "/v1/cases", map[string]any{"kind": "missing", "child": map[string]any{"age": 9},
		"references": map[string]any{"fir": "0042/2026"}, "reporter": map[string]any{"organisation": "GRP Bhopal"}}, http.StatusCreated), &missing)
	a.photo(t, "/v1/cases/"+missing.ID+"/photos", "obama/obama1.jpg", nil, http.StatusCreated)
	a.photo(t, "/v1/cases/"+missing.ID+"/photos", "obama/obama2.jpg", nil, http.StatusCreated)

	dir := t.TempDir()
	zipPath := filepath.Join(dir, "export.zip")
	if out, code := cli(t, token, "export", "--server", a.url, "--case", missing.ID, "--out", zipPath); code != 0 {
		t.Fatalf("export: exit %d\n%s", code, out)
	}
	var trail struct {
		Events []struct {
			Action string `json:"action"`
		} `json:"events"`
	}
	json.Unmarshal(a.json(t, "GET", "/v1/audit?case="+missing.ID, nil, http.StatusOK), &trail)
	exported := false
	for _, e := range trail.Events {
		exported = exported || e.Action == "case.export"
	}
	if !exported {
		t.Fatalf("the export is not in the audit trail: %+v", trail)
	}

	tampered := filepath.Join(dir, "tampered.zip")
	changeOnePhotoByte(t, zipPath, tampered)
	out, code := cli(t, token, "import", "--server", b.url, "--zip", tampered)
	if code != 2 || !strings.Contains(out, "does not match its SHA-256 in the manifest") {
		t.Fatalf("a tampered export: exit %d\n%s", code, out)
	}
	if n := len(b.cases(t)); n != 0 {
		t.Fatalf("a tampered export imported %d cases", n)
	}

	out, code = cli(t, token, "import", "--server", b.url, "--zip", zipPath)
	s := readSummary(t, zipPath+".summary.json")
	if code != 0 || s.Created != 1 || s.PhotosStored != 2 || s.FacesFound != 2 {
		t.Fatalf("import: exit %d, summary %+v\n%s", code, s, out)
	}
	var deployment deploymentInfo
	json.Unmarshal(a.json(t, "GET", "/v1/deployment", nil, http.StatusOK), &deployment)
	ids := b.found(t, "obama/obama3.jpg", nil)
	if len(ids) != 1 || ids[0] != s.Cases[0].CaseID {
		t.Fatalf("B's search by another photo: %v, want the imported case %s", ids, s.Cases[0].CaseID)
	}
	var imported struct {
		Origin     childmatch.Origin     `json:"origin"`
		References childmatch.References `json:"references"`
	}
	json.Unmarshal(b.json(t, "GET", "/v1/cases/"+ids[0], nil, http.StatusOK), &imported)
	if imported.Origin != (childmatch.Origin{Source: deployment.Deployment, Reference: missing.ID}) || imported.References.FIR != "0042/2026" {
		t.Fatalf("the imported case: origin %+v, references %+v; want A's deployment %s and case %s", imported.Origin,
			imported.References, deployment.Deployment, missing.ID)
	}

	out, code = cli(t, token, "import", "--server", b.url, "--zip", zipPath)
	if s := readSummary(t, zipPath+".summary.json"); code != 0 || s.Skipped != 1 || len(b.cases(t)) != 1 {
		t.Fatalf("imported again: exit %d, summary %+v\n%s", code, s, out)
	}
}

// changeOnePhotoByte copies the ZIP at src to dst with one byte of its first photo changed.
func changeOnePhotoByte(t *testing.T, src, dst string) {
	t.Helper()
	zr, err := zip.OpenReader(src)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	f, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	changed := false
	for _, zf := range zr.File {
		r, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		if !changed && strings.Contains(zf.Name, "/photos/") {
			b[len(b)/2] ^= 1
			changed = true
		}
		w, err := zw.Create(zf.Name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
	}
	if err := zw.Close(); err != nil || !changed {
		t.Fatal(err, changed)
	}
	f.Close()
}
