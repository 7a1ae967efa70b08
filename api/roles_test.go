package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"childmatch"
	"childmatch/fixtures"
)

// user creates a user with the roles through the API and returns a bearer header for a fresh token.
func (e *env) user(name, org string, roles ...string) (id, auth, tokenID string) {
	e.t.Helper()
	r := e.postJSON("/v1/users", map[string]any{"name": name, "organisation": org, "roles": roles})
	if r.status != http.StatusCreated {
		e.t.Fatalf("create user: %d %s", r.status, r.body)
	}
	var u struct {
		ID string `json:"id"`
	}
	r.decode(e.t, &u)
	r = e.do("POST", "/v1/users/"+u.ID+"/tokens", "", nil, "Bearer "+token)
	if r.status != http.StatusCreated {
		e.t.Fatalf("issue token: %d %s", r.status, r.body)
	}
	var tok struct {
		Token string `json:"token"`
		ID    string `json:"id"`
	}
	r.decode(e.t, &tok)
	return u.ID, "Bearer " + tok.Token, tok.ID
}

// as sends a request with the given bearer header; body is JSON unless ct says otherwise.
func (e *env) as(auth, method, path string, body any) response {
	e.t.Helper()
	if body == nil {
		return e.do(method, path, "", nil, auth)
	}
	if photo, ok := body.([]byte); ok {
		ct, b := multipartBody(e.t, photo, nil)
		return e.do(method, path, ct, b, auth)
	}
	b, err := json.Marshal(body)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.do(method, path, "application/json", b, auth)
}

func (e *env) createCaseAs(auth, kind string) caseResp {
	e.t.Helper()
	r := e.as(auth, "POST", "/v1/cases", map[string]any{"kind": kind, "child": map[string]any{"age": 10},
		"reporter": map[string]any{"organisation": "test"}})
	if r.status != http.StatusCreated {
		e.t.Fatalf("create %s case: %d %s", kind, r.status, r.body)
	}
	var c caseResp
	r.decode(e.t, &c)
	return c
}

func (e *env) addPhotoAs(auth, caseID, rel string) caseResp {
	e.t.Helper()
	r := e.as(auth, "POST", "/v1/cases/"+caseID+"/photos", fixtures.Photo(e.t, rel))
	if r.status != http.StatusCreated {
		e.t.Fatalf("add photo: %d %s", r.status, r.body)
	}
	var c caseResp
	e.as(auth, "GET", "/v1/cases/"+caseID, nil).decode(e.t, &c)
	return c
}

// TestRoleMatrix checks every route against every role: allowed roles get their success status, others 403
// (or 404 where the record must not even be seen to exist), and revoked or unknown tokens 401 everywhere.
func TestRoleMatrix(t *testing.T) {
	e := newEnv(t)
	auths := map[string]string{"bootstrap": "Bearer " + token}
	for _, role := range []string{"shelter", "officer", "reviewer", "admin"} {
		_, auths[role], _ = e.user("user "+role, "org "+role, role)
	}
	_, otherShelter, _ := e.user("other shelter", "org elsewhere", "shelter")
	_, revoked, revokedID := e.user("revoked officer", "GRP", "officer")
	if r := e.do("DELETE", "/v1/tokens/"+revokedID, "", nil, "Bearer "+token); r.status != http.StatusOK {
		t.Fatalf("revoke: %d %s", r.status, r.body)
	}

	// Fixtures: a missing case with a photo (officer), a found case of the shelter's organisation with a
	// photo of the same person, hence a review item.
	missing := e.addPhotoAs(auths["officer"], e.createCaseAs(auths["officer"], "missing").ID, "obama/obama1.jpg")
	found := e.addPhotoAs(auths["shelter"], e.createCaseAs(auths["shelter"], "found").ID, "obama/obama2.jpg")
	var queue struct {
		Reviews []struct {
			ID string `json:"id"`
		} `json:"reviews"`
	}
	e.as(auths["reviewer"], "GET", "/v1/reviews?state=pending", nil).decode(t, &queue)
	if len(queue.Reviews) != 1 {
		t.Fatalf("want one review item, got %+v", queue)
	}
	reviewID := queue.Reviews[0].ID
	jpeg := fixtures.Photo(t, "obama/obama3.jpg")

	const (
		ok      = 200
		created = 201
		deleted = 204
		denied  = 403
		hidden  = 404
	)
	// Each row is a route and the action of the root's permission table it takes: a role the table permits
	// gets the route's success status, any other 403; hidden names the roles to whom the record must not
	// even be seen to exist (404).
	type row struct {
		name    string
		method  string
		path    func(role string) string
		body    func(role string) any
		act     childmatch.Action
		success int
		hidden  []string
	}
	fresh := func(kind string) func(string) string {
		return func(string) string { return "/v1/cases/" + e.createCaseAs("Bearer "+token, kind).ID + "/close" }
	}
	static := func(p string) func(string) string { return func(string) string { return p } }
	none := func(string) any { return nil }
	rows := []row{
		{"create found case", "POST", static("/v1/cases"), func(string) any { return map[string]any{"kind": "found"} },
			childmatch.ActRecordFound, created, nil},
		{"create missing case", "POST", static("/v1/cases"), func(string) any {
			return map[string]any{"kind": "missing", "child": map[string]any{"age": 9}, "reporter": map[string]any{"name": "x"}}
		}, childmatch.ActFileMissing, created, nil},
		{"list cases", "GET", static("/v1/cases"), none, childmatch.ActListCases, ok, nil},
		{"read own org's case", "GET", static("/v1/cases/" + found.ID), none, childmatch.ActReadCase, ok, nil},
		{"own org's case card", "GET", static("/v1/cases/" + found.ID + "/card.png"), none, childmatch.ActReadCase, ok, nil},
		{"another org's case card", "GET", static("/v1/cases/" + missing.ID + "/card.png"), none, childmatch.ActReadCase, ok, []string{"shelter"}},
		{"record the CWC's permission to publish", "PUT", static("/v1/cases/" + missing.ID + "/publication"), func(string) any {
			return map[string]any{"by": "CWC Bhopal", "at": "2026-01-02T03:04:05Z"}
		}, childmatch.ActPermitPublic, ok, nil},
		{"read another org's case", "GET", static("/v1/cases/" + missing.ID), none, childmatch.ActReadCase, ok, []string{"shelter"}},
		{"add photo to missing case", "POST", static("/v1/cases/" + missing.ID + "/photos"), func(string) any { return jpeg },
			childmatch.ActAddPhoto, created, []string{"shelter"}},
		{"add photo to own found case", "POST", static("/v1/cases/" + found.ID + "/photos"), func(string) any { return jpeg },
			childmatch.ActAddPhoto, created, nil},
		{"search", "POST", static("/v1/search"), func(string) any { return jpeg }, childmatch.ActSearch, ok, nil},
		{"own org's photo", "GET", static("/v1/photos/" + found.Photos[0].ID), none, childmatch.ActViewPhotos, ok, nil},
		{"another org's photo", "GET", static("/v1/photos/" + missing.Photos[0].ID), none, childmatch.ActViewPhotos, ok, []string{"shelter"}},
		{"face chip", "GET", static("/v1/faces/" + missing.Photos[0].Faces[0].ID), none, childmatch.ActViewPhotos, ok, nil},
		{"close case", "POST", fresh("found"), func(string) any { return map[string]any{"outcome": "other"} }, childmatch.ActCloseCase, ok, nil},
		{"delete case", "DELETE", func(string) string { return "/v1/cases/" + e.createCaseAs("Bearer "+token, "found").ID },
			func(string) any { return map[string]any{"reason": "duplicate"} }, childmatch.ActDeleteCase, deleted, nil},
		{"review queue", "GET", static("/v1/reviews"), none, childmatch.ActReview, ok, nil},
		{"decide", "POST", static("/v1/reviews/" + reviewID + "/decision"), func(string) any { return map[string]any{"state": "unsure"} },
			childmatch.ActDecide, ok, nil},
		{"list users", "GET", static("/v1/users"), none, childmatch.ActManageUsers, ok, nil},
		{"create user", "POST", static("/v1/users"), func(string) any {
			return map[string]any{"name": "n", "organisation": "o", "roles": []string{"officer"}}
		}, childmatch.ActManageUsers, created, nil},
		{"issue token", "POST", func(string) string { id, _, _ := e.user("t", "o", "officer"); return "/v1/users/" + id + "/tokens" }, none,
			childmatch.ActManageUsers, created, nil},
		{"revoke token", "DELETE", func(string) string { _, _, tid := e.user("t", "o", "officer"); return "/v1/tokens/" + tid }, none,
			childmatch.ActManageUsers, ok, nil},
		{"list sessions", "GET", static("/v1/sessions"), none, childmatch.ActListSessions, ok, nil},
		{"end a session", "DELETE", func(string) string {
			_, officer, _ := e.user("t", "o", "officer")
			return "/v1/sessions/" + e.signIn(officer).id
		}, none, childmatch.ActEndSession, deleted, nil},
		{"audit trail", "GET", static("/v1/audit"), none, childmatch.ActReadAudit, ok, nil},
		{"stats", "GET", static("/v1/stats"), none, childmatch.ActReadStats, ok, nil},
		{"export", "GET", static("/v1/export?case=" + missing.ID), none, childmatch.ActExport, ok, nil},
		{"calibration", "GET", static("/v1/calibration"), none, childmatch.ActCalibrate, ok, nil},
		{"create post", "POST", static("/v1/posts"), func(string) any {
			return map[string]any{"name": "GRP Itarsi", "kind": "grp", "area": map[string]any{"states": []string{"Madhya Pradesh"}}}
		}, childmatch.ActManagePosts, created, nil},
		{"list posts", "GET", static("/v1/posts"), none, childmatch.ActManagePosts, ok, nil},
		{"list alerts", "GET", static("/v1/alerts"), none, childmatch.ActReadAlerts, ok, nil},
		{"alert feed", "GET", static("/v1/alerts/feed.atom"), none, childmatch.ActReadAlerts, ok, nil},
		{"raise an exercise", "POST", static("/v1/alerts/exercise"), func(string) any {
			return map[string]any{"sighting": map[string]any{"state": "Madhya Pradesh"}, "reporter": map[string]any{"name": "drill"}}
		}, childmatch.ActExercise, created, nil},
		{"change own org's found case", "PATCH", static("/v1/cases/" + found.ID), func(string) any {
			return map[string]any{"child": map[string]any{"description": "blue shirt"}}
		}, childmatch.ActRecordFound, ok, nil},
		{"change another org's missing case", "PATCH", static("/v1/cases/" + missing.ID), func(string) any {
			return map[string]any{"child": map[string]any{"description": "blue shirt"}}
		}, childmatch.ActFileMissing, ok, []string{"shelter"}},
		{"metrics", "GET", static("/metrics"), none, childmatch.ActReadMetrics, ok, nil},
		{"my posts", "GET", static("/v1/me/posts"), none, childmatch.ActReadAlerts, ok, nil},
		{"push key", "GET", static("/v1/push/key"), none, childmatch.ActReadAlerts, ok, nil},
		{"calibrate", "POST", static("/v1/calibration"), func(string) any { return map[string]any{"save": false} },
			childmatch.ActCalibrate, ok, nil},
	}
	covered := map[childmatch.Action]bool{}
	for _, r := range rows {
		covered[r.act] = true
	}
	for _, act := range childmatch.Actions() {
		if !covered[act] && act != childmatch.ActMissingPhoto && act != childmatch.ActSeeAllCases {
			t.Errorf("no route of the matrix takes the action %q", act)
		}
	}
	for i, r := range rows {
		want := map[string]int{}
		for _, role := range childmatch.Roles {
			switch {
			case slices.Contains(r.hidden, string(role)):
				want[string(role)] = hidden
			case childmatch.Permits(role, r.act):
				want[string(role)] = r.success
			default:
				want[string(role)] = denied
			}
		}
		want["bootstrap"] = want["admin"]
		for role, want := range want {
			t.Run(r.name+"/"+role, func(t *testing.T) {
				resp := e.as(auths[role], r.method, r.path(role), r.body(role))
				if resp.status != want {
					t.Fatalf("%s as %s: %d %s, want %d", r.name, role, resp.status, resp.body, want)
				}
				if want >= 400 {
					var er errorResponse
					resp.decode(t, &er)
					if wantCode := map[int]string{denied: "forbidden", hidden: "not_found"}[want]; er.Error.Code != wantCode {
						t.Fatalf("error code %q, want %q", er.Error.Code, wantCode)
					}
				}
			})
		}
		// From an address of the row's own, so that the failures stay under the limit of failed
		// authentications per address.
		client := e.from(fmt.Sprintf("127.0.1.%d", i+1))
		for name, auth := range map[string]string{"revoked": revoked, "unknown": "Bearer cm_nottoken", "none": ""} {
			t.Run(r.name+"/"+name+" token", func(t *testing.T) {
				if resp := client.as(auth, r.method, r.path("admin"), r.body("admin")); resp.status != http.StatusUnauthorized {
					t.Fatalf("%d %s, want 401", resp.status, resp.body)
				}
			})
		}
	}

	// A shelter lists only its own organisation's cases.
	var page struct {
		Cases []caseResp `json:"cases"`
	}
	e.as(otherShelter, "GET", "/v1/cases", nil).decode(t, &page)
	if len(page.Cases) != 0 {
		t.Fatalf("a shelter of another organisation sees %d cases", len(page.Cases))
	}
	e.as(auths["shelter"], "GET", "/v1/cases", nil).decode(t, &page)
	for _, c := range page.Cases {
		var full struct {
			Organisation string `json:"organisation"`
		}
		e.as(auths["shelter"], "GET", "/v1/cases/"+c.ID, nil).decode(t, &full)
		if full.Organisation != "org shelter" {
			t.Fatalf("shelter listed case %s of %q", c.ID, full.Organisation)
		}
	}
	if len(page.Cases) == 0 {
		t.Fatal("the shelter does not see its own cases")
	}
}

// TestTokensStoredHashed: the token secret appears nowhere in the bucket.
func TestTokensStoredHashed(t *testing.T) {
	e := newEnv(t)
	_, auth, _ := e.user("u", "o", "officer")
	secret := strings.TrimPrefix(auth, "Bearer ")
	for key, body := range e.objects("") {
		if strings.Contains(key, secret) || strings.Contains(string(body), secret) {
			t.Fatalf("the token secret is stored in %s", key)
		}
	}
}
