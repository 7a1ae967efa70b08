package main

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"childmatch/fixtures"
	"childmatch/minio/miniotest"
)

// TestSecondModelServed: with an ONNX model configured (the generated stand-in), every face's vector goes
// into the model's index, search answers carry the model's distance beside dlib's, and after a restart
// from the local snapshot (dlib's index only) the model's index holds the face again (TestModelsFromRecords
// checks that it comes from the records, not only from the change feed's replay).
func TestSecondModelServed(t *testing.T) {
	lib, _ := fixtures.ONNXRuntime(t)
	env := []string{"CHILDMATCH_ONNX_MODEL=" + filepath.Join(fixtures.ONNXModels(t), "projection.onnx"), "CHILDMATCH_ONNX_LIB=" + lib}
	m := miniotest.Start(t)
	token, dir := newToken(), t.TempDir()
	r := startReplicaWith(t, "a", m, token, dir, env...)
	photos := fixtures.Folder(t, "john_salley")
	var c struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(r.json(t, "POST", "/v1/cases", map[string]any{"kind": "missing",
		"child": map[string]any{"age": 9}, "reporter": map[string]any{"organisation": "GRP"}}, http.StatusCreated), &c); err != nil {
		t.Fatal(err)
	}
	r.photo(t, "/v1/cases/"+c.ID+"/photos", photos[0], nil, http.StatusCreated)
	search := func(r *replica) {
		t.Helper()
		var res struct {
			Faces []struct {
				Candidates []struct {
					Case struct {
						ID string `json:"id"`
					} `json:"case"`
					Distance float64 `json:"distance"`
					Models   []struct {
						Model    string  `json:"model"`
						Distance float64 `json:"distance"`
					} `json:"models"`
				} `json:"candidates"`
			} `json:"faces"`
		}
		if err := json.Unmarshal(r.photo(t, "/v1/search", photos[1], nil, http.StatusOK), &res); err != nil {
			t.Fatal(err)
		}
		if len(res.Faces) != 1 || len(res.Faces[0].Candidates) != 1 {
			t.Fatalf("search answered %+v, want the one case", res)
		}
		cand := res.Faces[0].Candidates[0]
		if cand.Case.ID != c.ID || len(cand.Models) != 1 || cand.Models[0].Model != "projection" || !(cand.Models[0].Distance > 0) {
			t.Fatalf("the candidate %+v, want case %s with the projection model's distance", cand, c.ID)
		}
	}
	search(r)
	if _, models := indexHealth(t, r); models["projection"] != 1 {
		t.Fatalf("the model's index holds %v faces, want 1", models)
	}
	r.stop(t)
	r = startReplicaWith(t, "a again", m, token, dir, env...)
	if source, models := indexHealth(t, r); source != "local snapshot" || models["projection"] != 1 {
		t.Fatalf("the restart loaded the index from %q, the model's index holds %v faces; want the local snapshot and 1", source, models)
	}
	search(r)
}

// indexHealth is where the replica's index came from and how many faces each model's index holds.
func indexHealth(t *testing.T, r *replica) (string, map[string]int) {
	t.Helper()
	var health struct {
		Index struct {
			Models map[string]int `json:"models"`
			Start  struct {
				Source string `json:"source"`
			} `json:"start"`
		} `json:"index"`
	}
	if err := json.Unmarshal(r.json(t, "GET", "/healthz", nil, http.StatusOK), &health); err != nil {
		t.Fatal(err)
	}
	return health.Index.Start.Source, health.Index.Models
}

// TestReembedServed: faces enrolled before a second model was configured get its vectors from
// `childmatch reembed` run beside the serving service, which picks each case up from the change feed;
// a second run resumes after the saved position and has nothing left to do.
func TestReembedServed(t *testing.T) {
	lib, _ := fixtures.ONNXRuntime(t)
	env := []string{"CHILDMATCH_ONNX_MODEL=" + filepath.Join(fixtures.ONNXModels(t), "projection.onnx"), "CHILDMATCH_ONNX_LIB=" + lib}
	m := miniotest.Start(t)
	token, dir := newToken(), t.TempDir()
	r := startReplica(t, "without the model", m, token, dir)
	var ids []string
	for _, person := range []string{"john_salley", "biden"} {
		var c struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(r.json(t, "POST", "/v1/cases", map[string]any{"kind": "missing",
			"child": map[string]any{"age": 9}, "reporter": map[string]any{"organisation": "GRP"}}, http.StatusCreated), &c); err != nil {
			t.Fatal(err)
		}
		r.photo(t, "/v1/cases/"+c.ID+"/photos", fixtures.Folder(t, person)[0], nil, http.StatusCreated)
		ids = append(ids, c.ID)
	}
	r.stop(t)
	r = startReplicaWith(t, "with the model", m, token, dir, env...)
	if _, models := indexHealth(t, r); models["projection"] != 0 {
		t.Fatalf("before reembed the model's index holds %v faces, want 0", models)
	}
	reembed := func() string {
		t.Helper()
		cmd := exec.Command(os.Args[0], "reembed", "--workers", "2")
		cmd.Env = append(mainEnv(t, m, token, t.TempDir()), env...)
		cmd.Env = append(cmd.Env, "CHILDMATCH_DATA_DIR="+filepath.Join(dir, "reembed"))
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("childmatch reembed: %v\n%s", err, out)
		}
		return string(out)
	}
	if err := os.MkdirAll(filepath.Join(dir, "reembed"), 0o700); err != nil {
		t.Fatal(err)
	}
	out := reembed()
	if !strings.Contains(out, "2 cases (2 written, 0 failed), 2 photos, 2 faces (0 not found again)") || !strings.Contains(out, "reembed: done") {
		t.Fatalf("the first run said:\n%s", out)
	}
	within(t, 10*time.Second, "the serving replica indexes the new vectors", func() bool {
		_, models := indexHealth(t, r)
		return models["projection"] == 2
	})
	out = reembed()
	if !strings.Contains(out, "resuming after case "+ids[1]) || !strings.Contains(out, "0 cases (0 written") {
		t.Fatalf("the second run said:\n%s", out)
	}
}
