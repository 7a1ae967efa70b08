package main

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"childmatch/fixtures"
	"childmatch/minio/miniotest"
)

// replicaEnv, when set, makes the test binary run main instead of the tests: TestReplicas starts two
// service processes from it.
const replicaEnv = "CHILDMATCH_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(replicaEnv) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// replica is one childmatch process of the test.
type replica struct {
	name, url, token string
	cmd              *exec.Cmd
	logs             bytes.Buffer
	exited           chan error
}

func startReplica(t testing.TB, name string, m *miniotest.Server, token, dataDir string) *replica {
	t.Helper()
	return startReplicaWith(t, name, m, token, dataDir)
}

// startReplicaWith starts a replica with more of the environment (NAME=value). The port is one the system
// had free a moment before; another process may take it first, and then the replica starts again on
// another.
func startReplicaWith(t testing.TB, name string, m *miniotest.Server, token, dataDir string, env ...string) *replica {
	t.Helper()
	for attempt := 1; ; attempt++ {
		r := launchReplica(t, name, m, token, dataDir, env...)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		healthy, err := r.waitHealthy(ctx)
		cancel()
		switch {
		case healthy:
			return r
		case err != nil && attempt < 3 && strings.Contains(r.logs.String(), "address already in use"):
			continue
		case err != nil:
			t.Fatalf("replica %s exited at start: %v\n%s", name, err, r.logs.String())
		default:
			t.Fatalf("replica %s not healthy after 2 minutes:\n%s", name, r.logs.String())
		}
	}
}

// launchReplica starts a replica's process on a free port, killed when the test ends.
func launchReplica(t testing.TB, name string, m *miniotest.Server, token, dataDir string, env ...string) *replica {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	r := &replica{name: name, url: "http://" + addr, token: token, exited: make(chan error, 1)}
	r.cmd = exec.Command(os.Args[0])
	r.cmd.Env = append(append(mainEnv(t, m, token, dataDir), "CHILDMATCH_ADDR="+addr), env...)
	r.cmd.Stdout, r.cmd.Stderr = &r.logs, &r.logs
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { r.exited <- r.cmd.Wait() }()
	t.Cleanup(func() {
		if r.cmd.ProcessState == nil {
			r.cmd.Process.Kill()
			<-r.exited
		}
		if t.Failed() {
			t.Logf("replica %s output:\n%s", r.name, r.logs.String())
		}
	})
	return r
}

// waitHealthy waits until the replica answers /healthz (true), exits (its error), or ctx ends.
func (r *replica) waitHealthy(ctx context.Context) (bool, error) {
	for {
		select {
		case err := <-r.exited:
			return false, cmp.Or(err, errors.New("exit status 0"))
		case <-ctx.Done():
			return false, nil
		case <-time.After(100 * time.Millisecond):
		}
		if resp, err := http.Get(r.url + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return true, nil
			}
		}
	}
}

// mainEnv is the environment of a childmatch process of the test, against the test's MinIO.
func mainEnv(t testing.TB, m *miniotest.Server, token, dataDir string) []string {
	return append(os.Environ(), replicaEnv+"=1",
		"CHILDMATCH_DATA_DIR="+dataDir,
		"CHILDMATCH_MODELS_DIR="+fixtures.ModelsDir(t),
		"CHILDMATCH_ADMIN_TOKEN="+token,
		"CHILDMATCH_WORKERS=1",
		"MINIO_ENDPOINT="+m.Endpoint, "MINIO_ACCESS_KEY="+m.AccessKey, "MINIO_SECRET_KEY="+m.SecretKey,
		"MINIO_BUCKET="+m.Bucket)
}

// stop asks the process to shut down as an orchestrator would, and checks it does so cleanly.
func (r *replica) stop(t testing.TB) {
	t.Helper()
	r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-r.exited:
		if err != nil {
			t.Errorf("replica %s after SIGTERM: %v\n%s", r.name, err, r.logs.String())
		}
	case <-time.After(30 * time.Second):
		t.Errorf("replica %s did not stop within 30 s of SIGTERM", r.name)
	}
}

func (r *replica) call(t testing.TB, method, path, contentType string, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, r.url+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+r.token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s on %s: %v", method, path, r.name, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

func (r *replica) json(t *testing.T, method, path string, v any, want int) []byte {
	t.Helper()
	body, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	status, out := r.call(t, method, path, "application/json", body)
	if status != want {
		t.Fatalf("%s %s on %s: %d %s, want %d", method, path, r.name, status, out, want)
	}
	return out
}

func (r *replica) photo(t *testing.T, path, rel string, fields map[string]string, want int) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	part, err := w.CreateFormFile("photo", filepath.Base(rel))
	if err != nil {
		t.Fatal(err)
	}
	part.Write(fixtures.Photo(t, rel))
	w.Close()
	status, out := r.call(t, "POST", path, w.FormDataContentType(), buf.Bytes())
	if status != want {
		t.Fatalf("POST %s on %s: %d %s, want %d", path, r.name, status, out, want)
	}
	return out
}

// found searches the replica with a photo and returns the candidate case ids.
func (r *replica) found(t *testing.T, rel string, fields map[string]string) []string {
	t.Helper()
	var res struct {
		Faces []struct {
			Candidates []struct {
				Case struct {
					ID string `json:"id"`
				} `json:"case"`
			} `json:"candidates"`
		} `json:"faces"`
	}
	if err := json.Unmarshal(r.photo(t, "/v1/search", rel, fields, http.StatusOK), &res); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, f := range res.Faces {
		for _, c := range f.Candidates {
			ids = append(ids, c.Case.ID)
		}
	}
	return ids
}

func newToken() string {
	secret := make([]byte, 16)
	rand.Read(secret)
	return hex.EncodeToString(secret)
}

// within polls cond until it holds or the deadline passes, and returns how long it took.
func within(t *testing.T, deadline time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > deadline {
			t.Fatalf("%s: not seen within %v", what, deadline)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(start)
}

// TestReplicas runs two service processes, with their default configuration, against one MinIO: what one
// writes, the other finds within a second; closing a case and deleting one on either replica takes it out
// of the other's searches just as fast. (With the pinned MinIO the change feed's listing is what delivers
// in time; see README: Several replicas.)
func TestReplicas(t *testing.T) {
	if testing.Short() {
		t.Skip("starts MinIO and two service processes")
	}
	const propagation = time.Second
	m := miniotest.Start(t)
	token := newToken()
	a := startReplica(t, "A", m, token, t.TempDir())
	b := startReplica(t, "B", m, token, t.TempDir())

	for _, tc := range []struct {
		name          string
		write, read   *replica
		photo, search string
	}{
		{"A writes, B reads", a, b, "obama/obama1.jpg", "obama/obama3.jpg"},
		{"B writes, A reads", b, a, "biden/biden1.jpg", "biden/biden2.jpg"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c struct {
				ID string `json:"id"`
			}
			json.Unmarshal(tc.write.json(t, "POST", "/v1/cases", map[string]any{"kind": "missing",
				"child": map[string]any{"age": 9}, "reporter": map[string]any{"organisation": "GRP"}}, http.StatusCreated), &c)
			tc.write.photo(t, "/v1/cases/"+c.ID+"/photos", tc.photo, nil, http.StatusCreated)
			took := within(t, propagation, "a new case on the other replica", func() bool {
				return slices.Contains(tc.read.found(t, tc.search, nil), c.ID)
			})
			t.Logf("created on %s, found on %s after %v", tc.write.name, tc.read.name, took)

			tc.write.json(t, "POST", "/v1/cases/"+c.ID+"/close", map[string]any{"outcome": "reunited"}, http.StatusOK)
			took = within(t, propagation, "a closed case leaving the other replica's default search", func() bool {
				return !slices.Contains(tc.read.found(t, tc.search, nil), c.ID)
			})
			if !slices.Contains(tc.read.found(t, tc.search, map[string]string{"status": "any"}), c.ID) {
				t.Fatal("the closed case is not found with status=any on the other replica")
			}
			t.Logf("closed on %s, out of %s's default search after %v", tc.write.name, tc.read.name, took)

			tc.write.json(t, "DELETE", "/v1/cases/"+c.ID, map[string]any{"reason": "entered_in_error"}, http.StatusNoContent)
			took = within(t, propagation, "a deleted case leaving the other replica", func() bool {
				return !slices.Contains(tc.read.found(t, tc.search, map[string]string{"status": "any"}), c.ID)
			})
			if status, _ := tc.read.call(t, "GET", "/v1/cases/"+c.ID, "", nil); status != http.StatusNotFound {
				t.Fatalf("reading the deleted case on %s: %d", tc.read.name, status)
			}
			t.Logf("deleted on %s, gone from %s after %v", tc.write.name, tc.read.name, took)
		})
	}

	for _, r := range []*replica{a, b} {
		r.stop(t)
	}
}
