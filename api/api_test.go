package api_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	miniogo "github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"childmatch"
	"childmatch/alert"
	"childmatch/api"
	"childmatch/auth"
	"childmatch/card"
	"childmatch/delivery"
	"childmatch/fixtures"
	"childmatch/follow"
	"childmatch/gazetteer"
	"childmatch/index"
	"childmatch/live"
	"childmatch/matcher"
	"childmatch/minio"
	"childmatch/minio/miniotest"
	"childmatch/push"
	"childmatch/service"
)

const token = "test-admin-token-0123456789"

// matchers are the real pipelines, one per detector, loaded once for the whole package: each recognizer
// holds ~130 MB.
var matchers struct {
	sync.Mutex
	by map[matcher.Detector]*matcher.Matcher
}

// facesWith is the pipeline with detector det.
func facesWith(t testing.TB, det matcher.Detector) *matcher.Matcher {
	t.Helper()
	matchers.Lock()
	defer matchers.Unlock()
	if m := matchers.by[det]; m != nil {
		return m
	}
	library, _ := fixtures.ONNXRuntime(t)
	m, err := matcher.New(matcher.Config{ModelsDir: fixtures.ModelsDir(t), Limits: childmatch.DefaultLimits(2),
		Detector: det, ONNXLibrary: library})
	if err != nil {
		t.Fatal(err)
	}
	if matchers.by == nil {
		matchers.by = map[matcher.Detector]*matcher.Matcher{}
	}
	matchers.by[det] = m
	return m
}

// env is one service over one real MinIO, reachable through HTTP.
type env struct {
	t     testing.TB
	minio *miniotest.Server
	cfg   minio.Config
	// count counts the requests the service sends to MinIO (the store goes through it; objects() does not);
	// nil in a benchmark's env, whose store talks to MinIO directly.
	count *miniotest.Counter
	// quick makes the live hub, the outbox and the change feed look for work as often as tests need to see
	// it quickly (a benchmark's env looks as often as production does).
	quick bool
	// detector is the pipeline's detector; "" is the service's, MTCNN first.
	detector matcher.Detector
	http     *httptest.Server
	index    *index.Index
	// follower owns the index of the running service.
	follower *follow.Follower
	follow   follow.Config
	// stopFollowing ends the service's follower and waits for it.
	stopFollowing func()
	// sessions are the web sessions' limits of the next start.
	sessions childmatch.SessionLimits
	// client sends the requests of do; nil is http.DefaultClient.
	client *http.Client
	// links signs the links of messages, short makes short ones (in the running service's store).
	links *auth.Links
	short *auth.ShortLinks
	// logs receives the service's log as JSON lines, at every level; nil discards it.
	logs io.Writer
	// svc is the running service.
	svc *service.Service
	// hub is the running service's live alert stream; vapid its Web Push keys.
	hub   *live.Hub
	vapid push.Keys
}

// from returns a view of the env whose requests come from another loopback address (127.0.0.0/8 is all
// the loopback's on Linux), as another client's would: rate limits count per address.
func (e *env) from(ip string) *env {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	other := *e
	other.client = &http.Client{Transport: &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true}}
	return &other
}

func newEnv(t testing.TB) *env {
	t.Helper()
	e := bareEnv(t, 200*time.Millisecond)
	e.count, e.quick = e.minio.Count(t), true
	e.start()
	return e
}

// newBenchEnv is an env as production runs: the store talks to MinIO directly, and the change feed, the
// live hub and the outbox look as often as their defaults say, not as often as tests need to see changes
// quickly (the outbox alone listed its pending entries 44 times a second).
func newBenchEnv(b *testing.B, det matcher.Detector) *env {
	b.Helper()
	e := bareEnv(b, childmatch.DefaultCatchUp)
	e.detector = det
	e.start()
	return e
}

// faces is the env's pipeline.
func (e *env) faces(t testing.TB) *matcher.Matcher {
	if e.detector == "" {
		return facesWith(t, matcher.MTCNNFirst)
	}
	return facesWith(t, e.detector)
}

func bareEnv(t testing.TB, catchUp time.Duration) *env {
	srv := miniotest.Start(t)
	return &env{t: t, minio: srv, cfg: minio.Config{Endpoint: srv.Endpoint, AccessKey: srv.AccessKey,
		SecretKey: srv.SecretKey, Bucket: srv.Bucket, Encrypt: true},
		follow:   follow.Config{LocalSnapshot: filepath.Join(t.TempDir(), "index.snapshot"), CatchUp: catchUp, SnapshotEvery: time.Hour},
		sessions: childmatch.DefaultSessionLimits()}
}

// stop stops the service as a process would at shutdown: it stops following and, if save, writes the
// index snapshot (a crash would not).
func (e *env) stop(save bool) {
	e.t.Helper()
	e.hub.Close() // the open streams end, or Close would wait for them
	e.http.Close()
	e.stopFollowing()
	if save {
		if err := e.follower.Save(context.Background()); err != nil {
			e.t.Fatal(err)
		}
	}
	e.http = nil
}

// start builds a fresh service (empty index, loaded from a snapshot or the records in MinIO) behind a
// fresh HTTP server, as a restarted process would, stopping the running one first.
func (e *env) start() {
	t := e.t
	t.Helper()
	if e.http != nil {
		e.stop(true)
	}
	counted := e.cfg
	if e.count != nil {
		counted.Endpoint = e.count.Endpoint
	}
	store, err := minio.Open(context.Background(), counted)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if e.logs != nil {
		log = slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	e.index = index.New()
	follower := follow.New(e.index, store, store, store, e.follow, log)
	limits := childmatch.DefaultLimits(2)
	stations, err := gazetteer.Load(fixtures.StationsCSV(t))
	if err != nil {
		t.Fatal(err)
	}
	e.links = auth.NewLinks([]byte("the test's link key"), nil)
	posts := delivery.CachePosts(store)
	if e.vapid, err = push.LoadKeys(filepath.Join(t.TempDir(), "vapid.json")); err != nil {
		t.Fatal(err)
	}
	pushes := push.New(push.Deps{Subs: store, Posts: store, Audit: store, Keys: e.vapid, Subject: "control@example.in", Loopback: true, Log: log})
	outbox := newOutbox(store, posts, e.links, e.quick)
	alerts := alert.New(alert.Deps{Posts: posts, Alerts: store, Users: store, Audit: store, Stations: stations, Cases: store, Links: e.links,
		Dispatch: outbox})
	svc := service.New(service.Deps{Store: store, Refs: store, Reviews: store, Audit: store, Faces: e.faces(t), Index: follower, Catalog: follower,
		Limits: limits, Calibrations: store, Cards: card.Renderer{}, Posters: card.Renderer{}, AlertViews: alerts, Alerts: alerts, Log: log})
	if _, err := follower.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		follower.Run(ctx)
	}()
	delivering := make(chan struct{})
	go func() {
		defer close(delivering)
		outbox.Run(ctx)
	}()
	e.follower, e.stopFollowing, e.svc = follower, func() { cancel(); <-done; <-delivering }, svc
	t.Cleanup(e.stopFollowing)
	// The hub looks through a store of its own, past the request counter: its listings are not the
	// requests' cost that tests count.
	watch, err := minio.Open(context.Background(), e.cfg)
	if err != nil {
		t.Fatal(err)
	}
	var poll time.Duration // production's
	if e.quick {
		poll = 100 * time.Millisecond
	}
	e.hub = live.New(live.Deps{Versions: watch, Alerts: watch, Posts: watch, Log: log, Every: poll, PostsEvery: poll})
	go e.hub.Run(ctx)
	if e.short, err = auth.NewShortLinks(store, "https://childmatch.example.in", nil); err != nil {
		t.Fatal(err)
	}
	s, err := api.New(api.Services{Cases: svc, Photos: svc, Reviews: svc, Stats: svc, Audit: svc, Calibrations: svc, Cards: svc, Publications: svc, Export: svc,
		Posts: alerts, Alerts: alerts, Deliveries: outbox,
		Users: auth.New(auth.Deps{Users: store, Sessions: store, Audit: store, AdminToken: token, Limits: e.sessions}), Index: follower, Store: store,
		Links: e.links, ShortLinks: e.short, Stream: e.hub, Push: pushes},
		api.Config{MaxUploadBytes: limits.MaxUploadBytes, StreamHeartbeat: 300 * time.Millisecond, StreamRecheck: 200 * time.Millisecond}, log)
	if err != nil {
		t.Fatal(err)
	}
	e.http = httptest.NewServer(s.Handler())
	t.Cleanup(e.http.Close)
	t.Cleanup(e.hub.Close) // before e.http.Close: cleanups run last first
}

type response struct {
	status int
	body   []byte
}

func (r response) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decoding %s: %v", r.body, err)
	}
}

type errorResponse struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field"`
	} `json:"error"`
}

func (e *env) httpClient() *http.Client {
	if e.client == nil {
		return http.DefaultClient
	}
	return e.client
}

func (e *env) do(method, path, contentType string, body []byte, auth string) response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.http.URL+path, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := e.httpClient().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return response{resp.StatusCode, b}
}

func (e *env) postJSON(path string, v any) response {
	e.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.do("POST", path, "application/json", b, "Bearer "+token)
}

// multipartBody builds a multipart/form-data body with the photo (when not nil) and fields.
func multipartBody(t testing.TB, photo []byte, fields map[string]string) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		if err := w.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if photo != nil {
		fw, err := w.CreateFormFile("photo", "photo.jpg")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write(photo); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return w.FormDataContentType(), buf.Bytes()
}

func (e *env) postPhoto(path string, photo []byte, fields map[string]string) response {
	e.t.Helper()
	ct, body := multipartBody(e.t, photo, fields)
	return e.do("POST", path, ct, body, "Bearer "+token)
}

type caseResp struct {
	ID     string `json:"id"`
	Kind   string `json:"kind"`
	Status string `json:"status"`
	Photos []struct {
		ID    string `json:"id"`
		Faces []struct {
			ID         string    `json:"id"`
			ChipURL    string    `json:"chip_url"`
			Descriptor []float32 `json:"descriptor"`
		} `json:"faces"`
	} `json:"photos"`
	Candidates []candidateResp `json:"candidates"`
}

type candidateResp struct {
	Case struct {
		ID   string `json:"id"`
		Kind string `json:"kind"`
	} `json:"case"`
	FaceID         string  `json:"face_id"`
	Distance       float32 `json:"distance"`
	UnderThreshold bool    `json:"under_threshold"`
	ThumbnailURL   string  `json:"thumbnail_url"`
}

type matchesResp struct {
	FacesFound int `json:"faces_found"`
	Faces      []struct {
		Face struct {
			Descriptor []float32 `json:"descriptor"`
			Quality    struct {
				Retake  bool     `json:"retake"`
				Reasons []string `json:"reasons"`
			} `json:"quality"`
		} `json:"face"`
		Candidates []candidateResp `json:"candidates"`
	} `json:"faces"`
}

func (e *env) createCase(kind, name string) string {
	e.t.Helper()
	r := e.postJSON("/v1/cases", map[string]any{"kind": kind, "child": map[string]any{"name": name, "age": 9},
		"reporter": map[string]any{"organisation": "GRP Bhopal"}})
	if r.status != http.StatusCreated {
		e.t.Fatalf("create case: %d %s", r.status, r.body)
	}
	var c caseResp
	r.decode(e.t, &c)
	return c.ID
}

func (e *env) addPhoto(caseID, rel string) matchesResp {
	e.t.Helper()
	r := e.postPhoto("/v1/cases/"+caseID+"/photos", fixtures.Photo(e.t, rel), nil)
	if r.status != http.StatusCreated {
		e.t.Fatalf("add photo %s: %d %s", rel, r.status, r.body)
	}
	var m matchesResp
	r.decode(e.t, &m)
	return m
}

func (e *env) search(rel string, fields map[string]string) matchesResp {
	e.t.Helper()
	r := e.postPhoto("/v1/search", fixtures.Photo(e.t, rel), fields)
	if r.status != http.StatusOK {
		e.t.Fatalf("search %s: %d %s", rel, r.status, r.body)
	}
	var m matchesResp
	r.decode(e.t, &m)
	return m
}

// objects reads every object under prefix in the test bucket, straight from MinIO.
func (e *env) objects(prefix string) map[string][]byte {
	e.t.Helper()
	ctx := context.Background()
	cl, err := miniogo.New(e.cfg.Endpoint, &miniogo.Options{Creds: credentials.NewStaticV4(e.cfg.AccessKey, e.cfg.SecretKey, "")})
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string][]byte{}
	for obj := range cl.ListObjects(ctx, e.cfg.Bucket, miniogo.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if obj.Err != nil {
			e.t.Fatal(obj.Err)
		}
		o, err := cl.GetObject(ctx, e.cfg.Bucket, obj.Key, miniogo.GetObjectOptions{})
		if err != nil {
			e.t.Fatal(err)
		}
		b, err := io.ReadAll(o)
		o.Close()
		if err != nil {
			e.t.Fatal(err)
		}
		out[obj.Key] = b
	}
	return out
}

// objectCount counts the case records, photos and face chips in the test bucket.
func (e *env) objectCount() int {
	e.t.Helper()
	return len(e.objects("cases/")) + len(e.objects("photos/")) + len(e.objects("faces/"))
}

// TestMatchEndToEnd: a missing case with one photo of a person; a search with a different photo of the same
// person ranks it first, among distractors, before and after a restart; a found case's upload of yet another
// photo of that person proposes the missing case at once.
func TestMatchEndToEnd(t *testing.T) {
	e := newEnv(t)
	obama := e.createCase("missing", "child A")
	e.addPhoto(obama, "obama/obama1.jpg")
	for _, rel := range []string{"biden/biden1.jpg", "kit_harington/kit1.jpg", "rose_leslie/rose1.jpg"} {
		e.addPhoto(e.createCase("missing", "other child"), rel)
	}
	// A found case holding obama too, to prove kind=missing filters it out.
	e.addPhoto(e.createCase("found", "found child"), "obama/obama3.jpg")

	check := func(when string) {
		m := e.search("obama/obama2.jpg", map[string]string{"kind": "missing"})
		if m.FacesFound != 1 || len(m.Faces[0].Candidates) != 4 {
			t.Fatalf("%s: want 1 face with 4 missing candidates, got %+v", when, m)
		}
		first := m.Faces[0].Candidates[0]
		if first.Case.ID != obama || !first.UnderThreshold || first.Case.Kind != "missing" {
			t.Fatalf("%s: first candidate %+v, want case %s under the threshold", when, first, obama)
		}
		for _, c := range m.Faces[0].Candidates[1:] {
			if c.Distance < first.Distance || c.UnderThreshold {
				t.Errorf("%s: distractor %+v ranks with or under the true match (%.3f)", when, c, first.Distance)
			}
		}
	}
	check("before restart")
	e.start()
	check("after restart")

	found := e.createCase("found", "found at Itarsi")
	m := e.addPhoto(found, "obama/obama4.jpg")
	if got := m.Faces[0].Candidates; len(got) == 0 || got[0].Case.ID != obama {
		t.Fatalf("found-case upload: candidates %+v, want %s first", got, obama)
	}
	var c caseResp
	r := e.do("GET", "/v1/cases/"+found, "", nil, "Bearer "+token)
	r.decode(t, &c)
	if r.status != http.StatusOK || len(c.Candidates) == 0 || c.Candidates[0].Case.ID != obama {
		t.Fatalf("GET case: %d candidates %+v, want %s first", r.status, c.Candidates, obama)
	}
	if len(c.Photos) != 1 || len(c.Photos[0].Faces) != 1 || c.Photos[0].Faces[0].Descriptor != nil {
		t.Fatalf("GET case: want one photo with one face and no descriptor, got %+v", c.Photos)
	}
	// The stored original and chip come back from MinIO.
	chip := e.do("GET", c.Photos[0].Faces[0].ChipURL, "", nil, "Bearer "+token)
	if chip.status != http.StatusOK || !bytes.HasPrefix(chip.body, []byte{0xFF, 0xD8}) {
		t.Fatalf("chip: %d, %d bytes", chip.status, len(chip.body))
	}
	orig := e.do("GET", "/v1/photos/"+c.Photos[0].ID, "", nil, "Bearer "+token)
	if orig.status != http.StatusOK || !bytes.Equal(orig.body, fixtures.Photo(t, "obama/obama4.jpg")) {
		t.Fatalf("original: %d, not the uploaded bytes", orig.status)
	}
	// Reading the found case showed the missing case as a candidate: the audit trail says so.
	var trail struct {
		Events []struct {
			Action string   `json:"action"`
			Actor  string   `json:"actor"`
			Cases  []string `json:"cases"`
		} `json:"events"`
	}
	e.do("GET", "/v1/audit?case="+obama, "", nil, "Bearer "+token).decode(t, &trail)
	shown := false
	for _, ev := range trail.Events {
		shown = shown || (ev.Action == "case.read" && ev.Actor == "admin" && len(ev.Cases) > 1 && ev.Cases[0] == found)
	}
	if !shown {
		t.Fatalf("no audit event records the missing case shown as a candidate of the found case: %+v", trail.Events)
	}
}

// TestDescriptorsOnRequest: descriptors appear only with ?descriptors=true, 128 floats, and the distance
// between the two returned descriptors is the distance the candidate reports.
func TestDescriptorsOnRequest(t *testing.T) {
	e := newEnv(t)
	id := e.createCase("missing", "child")
	r := e.postPhoto("/v1/cases/"+id+"/photos?descriptors=true", fixtures.Photo(t, "biden/biden1.jpg"), nil)
	var added matchesResp
	r.decode(t, &added)
	if r.status != http.StatusCreated || len(added.Faces) != 1 || len(added.Faces[0].Face.Descriptor) != 128 {
		t.Fatalf("add with descriptors: %d %s", r.status, r.body)
	}
	ct, body := multipartBody(t, fixtures.Photo(t, "biden/biden2.jpg"), nil)
	r = e.do("POST", "/v1/search?descriptors=true", ct, body, "Bearer "+token)
	var found matchesResp
	r.decode(t, &found)
	if len(found.Faces) != 1 || len(found.Faces[0].Candidates) != 1 {
		t.Fatalf("search: %s", r.body)
	}
	var a, b childmatch.Descriptor
	copy(a[:], added.Faces[0].Face.Descriptor)
	copy(b[:], found.Faces[0].Face.Descriptor)
	if d := a.Distance(&b); d-found.Faces[0].Candidates[0].Distance > 1e-4 || found.Faces[0].Candidates[0].Distance-d > 1e-4 {
		t.Fatalf("reported distance %.5f, descriptors give %.5f", found.Faces[0].Candidates[0].Distance, d)
	}
	plain := e.search("biden/biden2.jpg", nil)
	if plain.Faces[0].Face.Descriptor != nil {
		t.Fatal("descriptor returned without ?descriptors=true")
	}
}

// pngDeclaring returns a PNG signature and IHDR chunk declaring w×h pixels, with no pixel data.
func pngDeclaring(w, h uint32) []byte {
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	copy(ihdr[8:], []byte{8, 2, 0, 0, 0}) // 8-bit RGB
	chunk := append([]byte("IHDR"), ihdr...)
	var b bytes.Buffer
	b.Write([]byte("\x89PNG\r\n\x1a\n"))
	binary.Write(&b, binary.BigEndian, uint32(len(ihdr)))
	b.Write(chunk)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

// TestBadInput: every malformed request gets its own clear 4xx, and nothing is stored for any of them.
func TestBadInput(t *testing.T) {
	e := newEnv(t)
	id := e.createCase("missing", "child")
	before := e.objectCount()
	jpeg := fixtures.Photo(t, "obama/obama1.jpg")
	photoPath := "/v1/cases/" + id + "/photos"
	unknown := "/v1/cases/" + childmatch.NewID().String() + "/photos"
	multipartOf := func(photo []byte) (string, []byte) { return multipartBody(t, photo, nil) }

	tests := []struct {
		name   string
		method string
		path   string
		body   func() (string, []byte)
		auth   string
		status int
		code   string
		field  string
	}{
		{"empty body", "POST", photoPath, func() (string, []byte) { return "", nil }, "Bearer " + token, 400, "invalid", "photo"},
		{"multipart without photo", "POST", photoPath, func() (string, []byte) { return multipartBody(t, nil, map[string]string{"x": "y"}) }, "Bearer " + token, 400, "invalid", "photo"},
		{"empty photo", "POST", photoPath, func() (string, []byte) { return multipartOf([]byte{}) }, "Bearer " + token, 400, "invalid", "photo"},
		{"text file", "POST", photoPath, func() (string, []byte) { return multipartOf([]byte("just some notes, not a photo\n")) }, "Bearer " + token, 415, "unsupported_media", ""},
		{"truncated jpeg", "POST", photoPath, func() (string, []byte) { return multipartOf(jpeg[:len(jpeg)/3]) }, "Bearer " + token, 400, "invalid", ""},
		{"png declaring 100000x100000", "POST", photoPath, func() (string, []byte) { return multipartOf(pngDeclaring(100000, 100000)) }, "Bearer " + token, 413, "too_large", ""},
		{"30 MiB upload", "POST", photoPath, func() (string, []byte) { return multipartOf(append(bytes.Clone(jpeg), make([]byte, 30<<20)...)) }, "Bearer " + token, 413, "too_large", ""},
		{"no face", "POST", photoPath, func() (string, []byte) { return multipartOf(fixtures.Photo(t, "_nonface/coffee.jpg")) }, "Bearer " + token, 422, "no_face", ""},
		{"unknown case", "POST", unknown, func() (string, []byte) { return multipartOf(jpeg) }, "Bearer " + token, 404, "not_found", ""},

		{"bad case id", "POST", "/v1/cases/123/photos", func() (string, []byte) { return multipartOf(jpeg) }, "Bearer " + token, 400, "invalid", "id"},
		{"missing token", "POST", photoPath, func() (string, []byte) { return multipartOf(jpeg) }, "", 401, "unauthorized", ""},
		{"wrong token", "POST", photoPath, func() (string, []byte) { return multipartOf(jpeg) }, "Bearer not-the-token", 401, "unauthorized", ""},
		{"basic auth", "POST", photoPath, func() (string, []byte) { return multipartOf(jpeg) }, "Basic YWRtaW46YWRtaW4=", 401, "unauthorized", ""},
		{"search without face", "POST", "/v1/search", func() (string, []byte) { return multipartOf(fixtures.Photo(t, "_nonface/sky.jpg")) }, "Bearer " + token, 422, "no_face", ""},
		{"search bad kind", "POST", "/v1/search", func() (string, []byte) { return multipartBody(t, jpeg, map[string]string{"kind": "lost"}) }, "Bearer " + token, 400, "invalid", "kind"},
		{"search limit too big", "POST", "/v1/search", func() (string, []byte) { return multipartBody(t, jpeg, map[string]string{"limit": "101"}) }, "Bearer " + token, 400, "invalid", "limit"},
		{"case bad kind", "POST", "/v1/cases", func() (string, []byte) { return "application/json", []byte(`{"kind":"lost"}`) }, "Bearer " + token, 400, "invalid", "kind"},
		{"case unknown field", "POST", "/v1/cases", func() (string, []byte) { return "application/json", []byte(`{"kind":"found","colour":"red"}`) }, "Bearer " + token, 400, "invalid", "colour"},
		{"case wrong type", "POST", "/v1/cases", func() (string, []byte) { return "application/json", []byte(`{"kind":"found","child":{"age":"nine"}}`) }, "Bearer " + token, 400, "invalid", "child.age"},
		{"case age out of range", "POST", "/v1/cases", func() (string, []byte) { return "application/json", []byte(`{"kind":"found","child":{"age":140}}`) }, "Bearer " + token, 400, "invalid", "child.age"},
		{"case bad gender", "POST", "/v1/cases", func() (string, []byte) {
			return "application/json", []byte(`{"kind":"found","child":{"gender":"boy"}}`)
		}, "Bearer " + token, 400, "invalid", "child.gender"},
		{"case not json", "POST", "/v1/cases", func() (string, []byte) { return "application/json", []byte(`kind=found`) }, "Bearer " + token, 400, "invalid", ""},
		{"case empty", "POST", "/v1/cases", func() (string, []byte) { return "application/json", nil }, "Bearer " + token, 400, "invalid", ""},
		{"case as form", "POST", "/v1/cases", func() (string, []byte) { return "application/x-www-form-urlencoded", []byte(`kind=found`) }, "Bearer " + token, 415, "unsupported_media", ""},
		{"missing report without reporter", "POST", "/v1/cases", func() (string, []byte) {
			return "application/json", []byte(`{"kind":"missing","child":{"name":"Asha"}}`)
		}, "Bearer " + token, 400, "invalid", "reporter"},
		{"unknown case get", "GET", "/v1/cases/" + childmatch.NewID().String(), func() (string, []byte) { return "", nil }, "Bearer " + token, 404, "not_found", ""},
		{"unknown photo", "GET", "/v1/photos/" + childmatch.NewID().String(), func() (string, []byte) { return "", nil }, "Bearer " + token, 404, "not_found", ""},
		{"list bad status", "GET", "/v1/cases?status=lost", func() (string, []byte) { return "", nil }, "Bearer " + token, 400, "invalid", "status"},
		{"list bad cursor", "GET", "/v1/cases?cursor=x", func() (string, []byte) { return "", nil }, "Bearer " + token, 400, "invalid", "cursor"},
		{"no route", "GET", "/v1/nothing", func() (string, []byte) { return "", nil }, "Bearer " + token, 404, "not_found", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ct, body := tc.body()
			r := e.do(tc.method, tc.path, ct, body, tc.auth)
			var er errorResponse
			r.decode(t, &er)
			if r.status != tc.status || er.Error.Code != tc.code || er.Error.Message == "" || er.Error.Field != tc.field {
				t.Fatalf("got %d %s, want %d code %q field %q", r.status, r.body, tc.status, tc.code, tc.field)
			}
		})
	}
	if after := e.objectCount(); after != before {
		t.Fatalf("bad requests stored objects: %d before, %d after", before, after)
	}
}

// TestMinIOUnavailable: with MinIO down, writes answer 503 "unavailable" and health says so; with MinIO
// back, the service works again without a restart.
func TestMinIOUnavailable(t *testing.T) {
	e := newEnv(t)
	id := e.createCase("missing", "child")
	e.minio.Stop()
	for _, tc := range []struct {
		name string
		do   func() response
	}{
		{"create case", func() response {
			return e.postJSON("/v1/cases", map[string]any{"kind": "found"})
		}},
		{"add photo", func() response {
			return e.postPhoto("/v1/cases/"+id+"/photos", fixtures.Photo(t, "obama/obama1.jpg"), nil)
		}},
		{"health", func() response { return e.do("GET", "/healthz", "", nil, "") }},
	} {
		r := tc.do()
		if r.status != http.StatusServiceUnavailable {
			t.Errorf("%s with MinIO down: %d %s, want 503", tc.name, r.status, r.body)
		}
		if tc.name != "health" {
			var er errorResponse
			r.decode(t, &er)
			if er.Error.Code != "unavailable" || strings.Contains(er.Error.Message, "127.0.0.1") {
				t.Errorf("%s: error %+v, want code unavailable without internals", tc.name, er.Error)
			}
		}
	}
	e.minio.Restart()
	m := e.addPhoto(id, "obama/obama1.jpg")
	if m.FacesFound != 1 {
		t.Fatalf("after MinIO came back: %+v", m)
	}
	if n := e.objectCount(); n != 3 { // the case record, the photo, its face chip: nothing from the failed calls
		t.Fatalf("%d objects stored, want 3", n)
	}
}

// TestListCases pages through cases in creation order with kind filters.
func TestListCases(t *testing.T) {
	e := newEnv(t)
	var missing []string
	for i := 0; i < 5; i++ {
		missing = append(missing, e.createCase("missing", "m"))
		e.createCase("found", "f")
	}
	var got []string
	cursor := ""
	for pages := 0; pages < 10; pages++ {
		r := e.do("GET", "/v1/cases?kind=missing&limit=2&cursor="+cursor, "", nil, "Bearer "+token)
		var page struct {
			Cases []caseResp `json:"cases"`
			Next  string     `json:"next_cursor"`
		}
		r.decode(t, &page)
		if r.status != http.StatusOK || len(page.Cases) > 2 {
			t.Fatalf("page: %d %s", r.status, r.body)
		}
		for _, c := range page.Cases {
			got = append(got, c.ID)
		}
		if page.Next == "" {
			break
		}
		cursor = page.Next
	}
	if strings.Join(got, ",") != strings.Join(missing, ",") {
		t.Fatalf("listed %v, want %v", got, missing)
	}
}

// TestDeleteCase: bad requests are refused naming the field; a deleted case's record, photos and chips leave
// the bucket, its faces leave the index and the review queue, and the audit trail keeps why.
func TestDeleteCase(t *testing.T) {
	e := newEnv(t)
	missing := e.createCase("missing", "Asha")
	e.addPhoto(missing, "obama/obama1.jpg")
	found := e.createCase("found", "")
	e.addPhoto(found, "obama/obama2.jpg")
	if got := e.search("obama/obama3.jpg", map[string]string{"kind": "any"}); len(got.Faces) != 1 || len(got.Faces[0].Candidates) != 2 {
		t.Fatalf("before deleting, want both cases found: %+v", got)
	}
	before := e.objects("")

	for _, tc := range []struct {
		name, id string
		body     any
		status   int
		code     string
		field    string
	}{
		{"no reason", missing, map[string]any{}, http.StatusBadRequest, "invalid", "reason"},
		{"free text reason", missing, map[string]any{"reason": "the mother asked"}, http.StatusBadRequest, "invalid", "reason"},
		{"unknown field", missing, map[string]any{"reason": "duplicate", "force": true}, http.StatusBadRequest, "invalid", "force"},
		{"malformed id", "not-an-id", map[string]any{"reason": "duplicate"}, http.StatusBadRequest, "invalid", "id"},
		{"no such case", childmatch.NewID().String(), map[string]any{"reason": "duplicate"}, http.StatusNotFound, "not_found", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.as("Bearer "+token, "DELETE", "/v1/cases/"+tc.id, tc.body)
			var er errorResponse
			r.decode(t, &er)
			if r.status != tc.status || er.Error.Code != tc.code || er.Error.Field != tc.field {
				t.Fatalf("%d %s, want %d %s field %q", r.status, r.body, tc.status, tc.code, tc.field)
			}
		})
	}
	if after := e.objects(""); len(after) != len(before) {
		t.Fatalf("refused deletes changed the bucket: %d objects, was %d", len(after), len(before))
	}

	if r := e.as("Bearer "+token, "DELETE", "/v1/cases/"+missing, map[string]any{"reason": "erasure_request"}); r.status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	// Gone: the record, the photo and its chip, the review item of the pair and its marker, the case's
	// alert, and nothing else; the change entries and the audit trail keep the case's id, no details.
	left := e.objects("")
	var gone []string
	for key := range before {
		if _, ok := left[key]; !ok {
			gone = append(gone, key)
		}
	}
	for key := range left {
		if strings.Contains(key, missing) && !strings.HasPrefix(key, "changes/") && !strings.HasPrefix(key, "audit/") {
			t.Errorf("%s is still stored", key)
		}
	}
	if len(gone) != 6 || !slices.Contains(gone, "cases/"+missing+".json") || !slices.Contains(gone, "alerts/"+missing+".json") ||
		len(e.objects("photos/")) != 1 || len(e.objects("faces/")) != 1 || len(e.objects("reviews/")) != 0 || len(e.objects("review-of/")) != 0 {
		t.Errorf("removed %v, want the record, its photo, its chip, the review item, its marker and the alert", gone)
	}
	if r := e.as("Bearer "+token, "GET", "/v1/cases/"+missing, nil); r.status != http.StatusNotFound {
		t.Errorf("reading the deleted case: %d", r.status)
	}
	for _, status := range []string{"", "any"} {
		got := e.search("obama/obama3.jpg", map[string]string{"kind": "any", "status": status})
		if ids := caseIDs(got); slices.Contains(ids, missing) || !slices.Contains(ids, found) {
			t.Errorf("search (status %q) after delete: %v", status, ids)
		}
	}
	if rs := e.reviews("Bearer "+token, ""); len(rs) != 0 {
		t.Errorf("the review queue still shows items of the deleted case: %+v", rs)
	}
	var trail struct {
		Events []struct {
			Action string `json:"action"`
			Object string `json:"object"`
		} `json:"events"`
	}
	e.as("Bearer "+token, "GET", "/v1/audit?case="+missing, nil).decode(t, &trail)
	if i := slices.IndexFunc(trail.Events, func(ev struct {
		Action string `json:"action"`
		Object string `json:"object"`
	}) bool {
		return ev.Action == "case.delete"
	}); i < 0 || trail.Events[i].Object != "erasure_request" {
		t.Errorf("no case.delete event with its reason: %+v", trail.Events)
	}
}

// TestSearchByPlaceAndDate: the place and date filters of a search are evaluated in the index, so a case
// is found exactly when it was seen in the state (and district) and within the days asked for.
func TestSearchByPlaceAndDate(t *testing.T) {
	e := newEnv(t)
	r := e.postJSON("/v1/cases", map[string]any{"kind": "missing", "child": map[string]any{"age": 9},
		"sighting": map[string]any{"district": "Bhopal", "state": "Madhya Pradesh", "time": "2026-11-01T18:30:00+05:30"},
		"reporter": map[string]any{"organisation": "GRP Bhopal"}})
	var c caseResp
	r.decode(t, &c)
	e.addPhoto(c.ID, "obama/obama1.jpg")
	for _, tc := range []struct {
		name   string
		fields map[string]string
		found  bool
		field  string // the field a refusal names
	}{
		{"no filter", nil, true, ""},
		{"state, other spelling", map[string]string{"state": " madhya PRADESH"}, true, ""},
		{"other state", map[string]string{"state": "Bihar"}, false, ""},
		{"state and district", map[string]string{"state": "Madhya Pradesh", "district": "bhopal"}, true, ""},
		{"other district", map[string]string{"state": "Madhya Pradesh", "district": "Itarsi"}, false, ""},
		{"district without state", map[string]string{"district": "Bhopal"}, false, "state"},
		{"from the next day", map[string]string{"from": "2026-11-02"}, false, ""},
		{"until that day", map[string]string{"until": "2026-11-01"}, true, ""},
		{"a window around it", map[string]string{"from": "2026-10-01", "until": "2026-11-30T00:00:00Z"}, true, ""},
		{"until the day before", map[string]string{"until": "2026-10-31"}, false, ""},
		{"not a date", map[string]string{"from": "1 Nov"}, false, "from"},
		{"window backwards", map[string]string{"from": "2026-11-02", "until": "2026-11-01"}, false, "until"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.postPhoto("/v1/search", fixtures.Photo(t, "obama/obama3.jpg"), tc.fields)
			if tc.field != "" {
				var er errorResponse
				r.decode(t, &er)
				if r.status != http.StatusBadRequest || er.Error.Field != tc.field {
					t.Fatalf("%d %s, want 400 naming %q", r.status, r.body, tc.field)
				}
				return
			}
			var m matchesResp
			r.decode(t, &m)
			if r.status != http.StatusOK || slices.Contains(caseIDs(m), c.ID) != tc.found {
				t.Fatalf("%d: candidates %v, want the case found: %v", r.status, caseIDs(m), tc.found)
			}
		})
	}
}

// TestRetakeVerdict: the upload and search answers say per face whether to take the photo again, with
// reason codes: none for a clear photo, "small" for the same photo taken from far away.
func TestRetakeVerdict(t *testing.T) {
	e := newEnv(t)
	clear := e.addPhoto(e.createCase("found", ""), "obama/obama1.jpg")
	if len(clear.Faces) != 1 || clear.Faces[0].Face.Quality.Retake || len(clear.Faces[0].Face.Quality.Reasons) != 0 {
		t.Fatalf("a clear photo: %+v", clear.Faces)
	}
	r := e.postPhoto("/v1/search", fixtures.Shrunk(t, "obama/obama1.jpg", 160), nil)
	var far matchesResp
	r.decode(t, &far)
	if r.status != http.StatusOK || len(far.Faces) != 1 || !far.Faces[0].Face.Quality.Retake ||
		!slices.Contains(far.Faces[0].Face.Quality.Reasons, "small") {
		t.Fatalf("a face from far away: %d %s", r.status, r.body)
	}
}
