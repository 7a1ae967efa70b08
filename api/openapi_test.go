package api

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"childmatch/live"
	"childmatch/push"
)

// TestOpenAPIRoutes: every route the engine registers is described in the document, and every described
// route is registered, by method and path; the failure names each route and where to describe it.
func TestOpenAPIRoutes(t *testing.T) {
	// A stream and push, whatever their value, add their routes (registerLive).
	s, err := New(Services{Stream: (*live.Hub)(nil), Push: (*push.Service)(nil)}, Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	// Served without a token.
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/openapi.json", nil))
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/json" || !bytes.Equal(w.Body.Bytes(), raw) {
		t.Fatalf("GET /openapi.json without a token: %d %s, %d bytes, want the document", w.Code, w.Header().Get("Content-Type"), w.Body.Len())
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("the document is OpenAPI %q, want 3.1.0", doc.OpenAPI)
	}
	inDoc := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			inDoc[strings.ToUpper(method)+" "+path] = true
		}
	}
	registered := map[string]bool{}
	for _, r := range s.engine.Routes() {
		key := r.Method + " " + r.Path
		if undescribed[key] {
			continue
		}
		registered[r.Method+" "+openAPIPath(r.Path)] = true
		if !inDoc[r.Method+" "+openAPIPath(r.Path)] {
			t.Errorf("%s is registered but not described in /openapi.json: describe it in an init() of api/openapi_<noun>.go "+
				"(route{Method: %q, Path: %q, ...}), or list it in undescribed (api/openapi.go) if it is a web page", key, r.Method, r.Path)
		}
	}
	for key := range inDoc {
		if !registered[key] {
			t.Errorf("%s is described in /openapi.json but no such route is registered (api/server.go)", key)
		}
	}
	for key := range undescribed {
		method, path, _ := strings.Cut(key, " ")
		if !slices.ContainsFunc(s.engine.Routes(), func(r gin.RouteInfo) bool { return r.Method == method && r.Path == path }) {
			t.Errorf("%s is listed in undescribed but not registered", key)
		}
	}
}
