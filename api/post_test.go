package api_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestPostsContract: the body partner systems are written against registers a post (201, with its id); a
// webhook's secret is never answered or listed; a change keeps what it does not name; a bad body names its
// field; removal answers 204 and the post is gone.
func TestPostsContract(t *testing.T) {
	e := newEnv(t)
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	r := e.postJSON("/v1/posts", map[string]any{"name": "GRP Itarsi", "kind": "grp",
		"area":     map[string]any{"states": []string{"Madhya Pradesh"}, "districts": []string{"Narmadapuram"}, "stations": []string{"ET"}},
		"webhooks": []map[string]any{{"url": "https://partner.example/hook", "secret": secret}}})
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	var p struct {
		ID       string `json:"id"`
		Kind     string `json:"kind"`
		Webhooks []struct {
			URL       string `json:"url"`
			SecretSet bool   `json:"secret_set"`
		} `json:"webhooks"`
		Area struct {
			Districts []string `json:"districts"`
		} `json:"area"`
	}
	r.decode(t, &p)
	if p.ID == "" || p.Kind != "grp" || len(p.Webhooks) != 1 || !p.Webhooks[0].SecretSet {
		t.Fatalf("created %s", r.body)
	}
	for _, path := range []string{"/v1/posts/" + p.ID, "/v1/posts"} {
		if r := e.do("GET", path, "", nil, "Bearer "+token); r.status != http.StatusOK || strings.Contains(string(r.body), secret) {
			t.Fatalf("GET %s: %d, answers the secret: %v", path, r.status, strings.Contains(string(r.body), secret))
		}
	}
	r = e.as("Bearer "+token, "PATCH", "/v1/posts/"+p.ID, map[string]any{"name": "GRP Itarsi Junction"})
	r.decode(t, &p)
	if r.status != http.StatusOK || len(p.Area.Districts) != 1 || len(p.Webhooks) != 1 {
		t.Fatalf("patch: %d %s", r.status, r.body)
	}
	var er errorResponse
	r = e.as("Bearer "+token, "PATCH", "/v1/posts/"+p.ID, map[string]any{"kind": "army"})
	r.decode(t, &er)
	if r.status != http.StatusBadRequest || er.Error.Field != "kind" {
		t.Fatalf("a bad kind: %d %s", r.status, r.body)
	}
	if r := e.do("DELETE", "/v1/posts/"+p.ID, "", nil, "Bearer "+token); r.status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	if r := e.do("GET", "/v1/posts/"+p.ID, "", nil, "Bearer "+token); r.status != http.StatusNotFound {
		t.Fatalf("a deleted post: %d", r.status)
	}
	for key, body := range e.objects("audit/") {
		if strings.Contains(string(body), secret) {
			t.Fatalf("the secret is in audit event %s", key)
		}
	}
}
