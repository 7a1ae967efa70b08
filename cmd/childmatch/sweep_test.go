package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	miniogo "github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"childmatch"
	"childmatch/fixtures"
	"childmatch/minio/miniotest"
)

// bucket reads the test's bucket straight from MinIO.
type bucket struct {
	t  *testing.T
	m  *miniotest.Server
	cl *miniogo.Client
}

func testBucket(t *testing.T, m *miniotest.Server) *bucket {
	cl, err := miniogo.New(m.Endpoint, &miniogo.Options{Creds: credentials.NewStaticV4(m.AccessKey, m.SecretKey, "")})
	if err != nil {
		t.Fatal(err)
	}
	return &bucket{t: t, m: m, cl: cl}
}

// keys lists the keys under prefix; an error (MinIO down) lists none.
func (b *bucket) keys(prefix string) []string {
	var keys []string
	for obj := range b.cl.ListObjects(context.Background(), b.m.Bucket, miniogo.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if obj.Err != nil {
			return nil
		}
		keys = append(keys, obj.Key)
	}
	return keys
}

// unreferenced returns the photos and chips no case record refers to, and how many blobs there are.
func (b *bucket) unreferenced() ([]string, int) {
	b.t.Helper()
	referenced := map[string]bool{}
	for _, key := range b.keys("cases/") {
		obj, err := b.cl.GetObject(context.Background(), b.m.Bucket, key, miniogo.GetObjectOptions{})
		if err != nil {
			b.t.Fatal(err)
		}
		var c childmatch.Case
		err = json.NewDecoder(obj).Decode(&c)
		obj.Close()
		if err != nil {
			b.t.Fatal(err)
		}
		for _, p := range c.Photos {
			referenced["photos/"+p.ID.String()] = true
			for _, f := range p.Faces {
				referenced["faces/"+f.ID.String()+".jpg"] = true
			}
		}
	}
	blobs := append(b.keys("photos/"), b.keys("faces/")...)
	var left []string
	for _, key := range blobs {
		if !referenced[key] {
			left = append(left, key)
		}
	}
	return left, len(blobs)
}

// uploadUntilStored sends a photo to a case on a replica and returns once MinIO holds one more original
// than before, with the channel the upload's answer (or its failure) arrives on.
func uploadUntilStored(t *testing.T, r *replica, b *bucket, caseID, rel string) <-chan string {
	t.Helper()
	before := len(b.keys("photos/"))
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	part, _ := w.CreateFormFile("photo", "photo.jpg")
	part.Write(fixtures.Photo(t, rel))
	w.Close()
	answer := make(chan string, 1)
	go func() {
		req, _ := http.NewRequest("POST", r.url+"/v1/cases/"+caseID+"/photos", &body)
		req.Header.Set("Authorization", "Bearer "+r.token)
		req.Header.Set("Content-Type", w.FormDataContentType())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			answer <- err.Error()
			return
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		answer <- resp.Status + " " + string(out)
	}()
	within(t, 30*time.Second, "the upload's original in MinIO", func() bool { return len(b.keys("photos/")) > before })
	return answer
}

// TestSweepAfterKills: a service killed (SIGKILL) in the middle of an upload, and a MinIO stopped in the
// middle of another, leave originals no case refers to; `childmatch sweep` deletes exactly those, with an
// audit event each, and keeps the committed photo and its chip. The uploads are photos without a face,
// whose analysis (the CNN fallback, seconds) leaves time to kill between the original's put and the answer.
func TestSweepAfterKills(t *testing.T) {
	if testing.Short() {
		t.Skip("starts MinIO and service processes")
	}
	m := miniotest.Start(t)
	b := testBucket(t, m)
	token := newToken()
	a := startReplica(t, "A", m, token, t.TempDir())
	var c struct {
		ID string `json:"id"`
	}
	json.Unmarshal(a.json(t, "POST", "/v1/cases", map[string]any{"kind": "found"}, http.StatusCreated), &c)
	a.photo(t, "/v1/cases/"+c.ID+"/photos", "obama/obama1.jpg", nil, http.StatusCreated)

	answer := uploadUntilStored(t, a, b, c.ID, "_nonface/rocket.jpg")
	a.cmd.Process.Kill()
	<-a.exited
	t.Logf("service killed mid-upload; the client heard: %s", <-answer)

	r := startReplica(t, "B", m, token, t.TempDir())
	answer = uploadUntilStored(t, r, b, c.ID, "_nonface/rocket.jpg")
	m.Stop()
	t.Logf("MinIO stopped mid-upload; the client heard: %s", strings.TrimSpace(<-answer))
	m.Restart()

	left, total := b.unreferenced()
	if len(left) != 2 || total != 4 {
		t.Fatalf("before the sweep: %d blobs, unreferenced %v; want 4 with the two killed uploads' originals", total, left)
	}
	sweep := exec.Command(r.cmd.Path, "sweep")
	sweep.Env = append(mainEnv(t, m, token, t.TempDir()), "CHILDMATCH_SWEEP_GRACE=1ms", "CHILDMATCH_REQUEST_TIMEOUT=1ms")
	out, err := sweep.Output()
	if err != nil {
		t.Fatalf("childmatch sweep: %v\n%s", err, out)
	}
	var rep struct {
		Photos int `json:"photos_deleted"`
		Chips  int `json:"chips_deleted"`
		Kept   int `json:"kept"`
	}
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatalf("childmatch sweep printed %q: %v", out, err)
	}
	if left, total := b.unreferenced(); len(left) != 0 || total != 2 || rep.Photos != 2 || rep.Chips != 0 || rep.Kept != 2 {
		t.Fatalf("after the sweep (%+v): %d blobs, unreferenced %v; want the committed photo and chip only", rep, total, left)
	}
	var trail struct {
		Events []struct {
			Action string `json:"action"`
			Actor  string `json:"actor"`
		} `json:"events"`
	}
	_, body := r.call(t, "GET", "/v1/audit?case="+c.ID, "", nil)
	if err := json.Unmarshal(body, &trail); err != nil {
		t.Fatal(err)
	}
	swept := 0
	for _, e := range trail.Events {
		if e.Action == "photo.sweep" && e.Actor == "sweeper" {
			swept++
		}
	}
	if swept != 2 {
		t.Fatalf("%d photo.sweep events in the case's trail, want 2: %s", swept, body)
	}
}
