package api_test

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/prometheus/promql/parser"

	"childmatch/fixtures"
	"childmatch/metrics"
)

// lockedBuffer is a log destination written by the service's goroutines and read by the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestLogsKeepNoChildDetails: a case filed, given a photo, searched, read, refused and closed with a
// distinctive name, phone, e-mail and note leaves JSON log lines, one per request, each with the request
// id the client heard in X-Request-Id, and none holding the name, the contact or the photo's bytes.
func TestLogsKeepNoChildDetails(t *testing.T) {
	e := newEnv(t)
	logs := &lockedBuffer{}
	e.logs = logs
	e.start()
	const name, phone, email, note = "Zubeida Qaraishi Farooqui", "+91 98111 47329", "zq.family@example.in", "Zubeida went home with her aunt"
	r := e.postJSON("/v1/cases", map[string]any{"kind": "missing",
		"child":    map[string]any{"name": name, "age": 8, "description": "red frock, " + name},
		"reporter": map[string]any{"name": "Farooqui " + name, "phone": phone, "email": email}})
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	var c caseResp
	r.decode(t, &c)
	photo := fixtures.Photo(t, "obama/obama1.jpg")
	if r := e.postPhoto("/v1/cases/"+c.ID+"/photos", photo, nil); r.status != http.StatusCreated {
		t.Fatalf("photo: %d %s", r.status, r.body)
	}
	e.search("obama/obama2.jpg", nil)
	e.do("GET", "/v1/cases/"+c.ID, "", nil, "Bearer "+token)
	// Refused: a field misspelt, with the name in it.
	if r := e.postJSON("/v1/cases", map[string]any{"kind": "missing", "child": map[string]any{"nam": name}}); r.status != http.StatusBadRequest {
		t.Fatalf("misspelt field: %d %s", r.status, r.body)
	}
	if r := e.postJSON("/v1/cases/"+c.ID+"/close", map[string]any{"outcome": "reunited", "note": note}); r.status != http.StatusOK {
		t.Fatalf("close: %d %s", r.status, r.body)
	}

	// A request id of the client's own is kept; one that is not sane is replaced.
	req, _ := http.NewRequest("GET", e.http.URL+"/healthz", nil)
	req.Header.Set("X-Request-Id", "lb-7f3a9c01")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("X-Request-Id"); got != "lb-7f3a9c01" {
		t.Errorf("a sane incoming request id came back as %q", got)
	}
	req.Header.Set("X-Request-Id", name)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("X-Request-Id"); got == name || got == "" {
		t.Errorf("an incoming request id with spaces came back as %q, want a fresh one", got)
	}

	text := logs.String()
	photoChunk := base64.StdEncoding.EncodeToString(photo[1000:1030])
	for _, secret := range []string{"Zubeida", "Qaraishi", "Farooqui", "98111", "47329", email, "aunt", photoChunk, string(photo[1000:1016])} {
		if strings.Contains(text, secret) {
			t.Errorf("the log holds %q", secret)
		}
	}
	requests, ids := 0, map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("a log line is not JSON: %s", sc.Text())
		}
		if line["msg"] == "http" {
			requests++
			id, _ := line["request_id"].(string)
			if id == "" || ids[id] {
				t.Errorf("request line without its own request id: %s", sc.Text())
			}
			ids[id] = true
			if route, _ := line["route"].(string); strings.Contains(route, c.ID) {
				t.Errorf("a request line names the raw path: %s", sc.Text())
			}
		}
	}
	if requests < 8 || !ids["lb-7f3a9c01"] {
		t.Fatalf("%d request lines, the client's request id logged: %v; want one line per request:\n%s", requests, ids["lb-7f3a9c01"], text)
	}
}

// TestMetricsAndDashboard: after a case is filed, given a photo and searched, /metrics (an admin's token
// on the main address; 401 without one) holds request metrics by route template, never by raw path, and
// every metric the Grafana dashboard (ops/grafana/childmatch.json) queries is in the registry.
func TestMetricsAndDashboard(t *testing.T) {
	e := newEnv(t)
	metrics.WatchIndex(e.index.Kinds, e.index.Bytes)
	missing := e.createCase("missing", "child A")
	e.addPhoto(missing, "obama/obama1.jpg")
	e.addPhoto(e.createCase("found", "found child"), "obama/obama3.jpg") // a review item
	e.search("obama/obama2.jpg", nil)
	e.do("GET", "/v1/cases/"+missing, "", nil, "Bearer "+token)

	if r := e.do("GET", "/metrics", "", nil, ""); r.status != http.StatusUnauthorized {
		t.Fatalf("/metrics without a token: %d, want 401", r.status)
	}
	r := e.do("GET", "/metrics", "", nil, "Bearer "+token)
	if r.status != http.StatusOK {
		t.Fatalf("/metrics as admin: %d %s", r.status, r.body)
	}
	body := string(r.body)
	if !strings.Contains(body, `childmatch_http_request_duration_seconds_count{method="GET",route="/v1/cases/:id",status="200"}`) {
		t.Errorf("no request metric of GET /v1/cases/:id:\n%s", grepLines(body, "childmatch_http"))
	}
	if strings.Contains(body, missing) {
		t.Error("/metrics names a case id: a raw path became a label")
	}

	// The review queue is counted in the background, at once when watched: wait for that count.
	metrics.WatchReviewQueue(e.svc.PendingReviews)
	var families []*dto.MetricFamily
	deadline := time.Now().Add(10 * time.Second)
	for {
		var err error
		if families, err = metrics.Gatherer().Gather(); err != nil {
			t.Fatal(err)
		}
		if value(families, "childmatch_reviews_pending") >= 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got := value(families, "childmatch_reviews_pending"); got < 1 {
		t.Errorf("childmatch_reviews_pending is %v after a found child matched a missing report", got)
	}
	if got := value(families, "childmatch_index_faces"); got != 2 {
		t.Errorf("childmatch_index_faces sums to %v, want the 2 faces indexed", got)
	}
	present := map[string]bool{}
	for _, f := range families {
		present[f.GetName()] = true
		if len(f.GetMetric()) == 0 {
			continue
		}
		if f.GetType() == dto.MetricType_HISTOGRAM {
			present[f.GetName()+"_bucket"], present[f.GetName()+"_count"], present[f.GetName()+"_sum"] = true, true, true
		}
	}
	for _, stage := range []string{metrics.StageDecode, metrics.StageDetect, metrics.StageEmbed, metrics.StageChip} {
		if count(families, "childmatch_pipeline_stage_duration_seconds", "stage", stage) == 0 {
			t.Errorf("the pipeline stage %s was never timed", stage)
		}
	}
	if count(families, "childmatch_minio_request_duration_seconds", "operation", "put") == 0 {
		t.Error("no MinIO put was timed")
	}

	queried := dashboardMetrics(t, filepath.Join(fixtures.RepoRoot(t), "ops", "grafana", "childmatch.json"))
	if len(queried) < 10 {
		t.Fatalf("the dashboard queries only %d metrics", len(queried))
	}
	for name, panel := range queried {
		if !present[name] {
			t.Errorf("the dashboard's panel %q queries %s, which the service does not export", panel, name)
		}
	}
}

// dashboardMetrics parses every PromQL expression of a Grafana dashboard and returns the metric names
// they select, each with a panel that queries it.
func dashboardMetrics(t *testing.T, path string) map[string]string {
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatal(err)
	}
	// Grafana's variables, as it would fill them in.
	vars := strings.NewReplacer("$__rate_interval", "5m", "$instance", ".*")
	p := parser.NewParser(parser.Options{})
	names := map[string]string{}
	for _, panel := range dash.Panels {
		for _, target := range panel.Targets {
			expr, err := p.ParseExpr(vars.Replace(target.Expr))
			if err != nil {
				t.Fatalf("panel %q: %v", panel.Title, err)
			}
			parser.Inspect(expr, func(n parser.Node, _ []parser.Node) error {
				if vs, ok := n.(*parser.VectorSelector); ok {
					names[vs.Name] = panel.Title
				}
				return nil
			})
		}
	}
	return names
}

// value sums the values of a gauge family.
func value(families []*dto.MetricFamily, name string) float64 {
	sum := 0.0
	for _, f := range families {
		if f.GetName() == name {
			for _, m := range f.GetMetric() {
				sum += m.GetGauge().GetValue()
			}
		}
	}
	return sum
}

// count is the observations of a histogram family's series with the label.
func count(families []*dto.MetricFamily, name, label, want string) uint64 {
	var n uint64
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == label && l.GetValue() == want {
					n += m.GetHistogram().GetSampleCount()
				}
			}
		}
	}
	return n
}

func grepLines(text, prefix string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
