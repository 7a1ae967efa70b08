package api_test

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"
	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"

	"childmatch/api"
	"childmatch/api/apiclient"
	"childmatch/fixtures"
)

// TestOpenAPIClientCurrent: api/apiclient holds the document the service serves and the client
// oapi-codegen generates from it today, so a route changed without regenerating fails here.
func TestOpenAPIClientCurrent(t *testing.T) {
	doc, err := api.OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	kept, err := os.ReadFile(filepath.Join("apiclient", "openapi.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(kept, append(doc, '\n')) {
		t.Fatal("api/apiclient/openapi.json is not the document the service serves: run `go generate ./api/apiclient`")
	}
	// The configuration as kept, writing elsewhere: its output is the committed file.
	cfg, err := os.ReadFile(filepath.Join("apiclient", "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	out, tmpCfg := filepath.Join(dir, "client.gen.go"), filepath.Join(dir, "config.yaml")
	cfg = bytes.Replace(cfg, []byte("output: client.gen.go"), []byte("output: "+out), 1)
	if err := os.WriteFile(tmpCfg, cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "tool", "oapi-codegen", "-config", tmpCfg, "openapi.json")
	cmd.Dir = "apiclient"
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("oapi-codegen: %v\n%s", err, msg)
	}
	generated, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	committed, err := os.ReadFile(filepath.Join("apiclient", "client.gen.go"))
	if err != nil {
		t.Fatal(err)
	}
	if len(generated) < 1000 || !bytes.Equal(generated, committed) {
		t.Fatalf("api/apiclient/client.gen.go (%d bytes) is not what oapi-codegen generates from openapi.json (%d bytes): "+
			"run `go generate ./api/apiclient`", len(committed), len(generated))
	}
}

// TestOpenAPIClientDrivesCase: the generated client files a missing report, adds a photo of the child
// and searches with another photo of the same person, against a real service; the report is the first
// candidate.
func TestOpenAPIClientDrivesCase(t *testing.T) {
	e := newEnv(t)
	doc, err := api.OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	described, err := libopenapi.NewDocument(doc)
	if err != nil {
		t.Fatal(err)
	}
	v, errs := validator.NewValidator(described)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	checked := &describedAnswers{t: t, v: v, next: http.DefaultTransport}
	cl, err := apiclient.NewClientWithResponses(e.http.URL, apiclient.WithHTTPClient(&http.Client{Transport: checked}),
		apiclient.WithRequestEditorFn(
			func(_ context.Context, r *http.Request) error {
				r.Header.Set("Authorization", "Bearer "+token)
				return nil
			}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	kind, name, age, org := "missing", "child A", 9, "GRP Bhopal"
	created, err := cl.PostCasesWithResponse(ctx, apiclient.NewCaseRequest{Kind: &kind,
		Child: &apiclient.Child{Name: &name, Age: &age}, Reporter: &apiclient.Contact{Organisation: &org}})
	if err != nil {
		t.Fatal(err)
	}
	if created.JSON201 == nil || created.JSON201.Id == nil {
		t.Fatalf("create: %d %s", created.StatusCode(), created.Body)
	}
	id := *created.JSON201.Id

	ct, body := multipartBody(t, fixtures.Photo(t, "obama/obama1.jpg"), nil)
	added, err := cl.PostCasesIdPhotosWithBodyWithResponse(ctx, id, nil, ct, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if added.JSON201 == nil || added.JSON201.FacesFound != 1 || added.JSON201.CaseId != id {
		t.Fatalf("add photo: %d %s", added.StatusCode(), added.Body)
	}

	ct, body = multipartBody(t, fixtures.Photo(t, "obama/obama2.jpg"), map[string]string{"kind": "missing"})
	found, err := cl.PostSearchWithBodyWithResponse(ctx, nil, ct, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if found.JSON200 == nil || found.JSON200.FacesFound != 1 || found.JSON200.Faces[0].Candidates == nil ||
		len(*found.JSON200.Faces[0].Candidates) == 0 {
		t.Fatalf("search: %d %s", found.StatusCode(), found.Body)
	}
	first := (*found.JSON200.Faces[0].Candidates)[0]
	if first.Case == nil || first.Case.Id == nil || *first.Case.Id != id || first.UnderThreshold == nil || !*first.UnderThreshold {
		t.Fatalf("search: first candidate %s, want case %s under the threshold", found.Body, id)
	}

	read, err := cl.GetCasesIdWithResponse(ctx, id, nil)
	if err != nil {
		t.Fatal(err)
	}
	if read.JSON200 == nil || read.JSON200.Photos == nil || len(*read.JSON200.Photos) != 1 || *read.JSON200.Child.Name != name {
		t.Fatalf("read: %d %s", read.StatusCode(), read.Body)
	}
	// An error answers in the described shape: a missing case is 404 with its code.
	missing, err := cl.GetCasesIdWithResponse(ctx, openapi_types.UUID{1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if missing.JSON404 == nil || missing.JSON404.Error == nil || *missing.JSON404.Error.Code != "not_found" {
		t.Fatalf("missing case: %d %s", missing.StatusCode(), missing.Body)
	}

	// The routes the alerts and exchange work added: a merge patch, the Committee's permission, the poster
	// it allows, and an export of the case.
	changed, err := cl.PatchCasesIdWithResponse(ctx, id, apiclient.PatchCasesIdJSONRequestBody{Child: map[string]any{"age": age + 1}})
	if err != nil {
		t.Fatal(err)
	}
	if changed.JSON200 == nil || *changed.JSON200.Child.Age != age+1 || *changed.JSON200.Child.Name != name ||
		changed.JSON200.History == nil || len(*changed.JSON200.History) != 1 {
		t.Fatalf("patch: %d %s", changed.StatusCode(), changed.Body)
	}
	by, at := "CWC Bhopal, Chairperson", time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	permitted, err := cl.PutCasesIdPublicationWithResponse(ctx, id, apiclient.Publication{By: &by, At: &at})
	if err != nil {
		t.Fatal(err)
	}
	if permitted.JSON200 == nil || permitted.JSON200.Publication == nil || *permitted.JSON200.Publication.By != by {
		t.Fatalf("publication: %d %s", permitted.StatusCode(), permitted.Body)
	}
	poster, err := cl.GetCasesIdPosterPdfWithResponse(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if poster.StatusCode() != http.StatusOK || !bytes.HasPrefix(poster.Body, []byte("%PDF-")) {
		t.Fatalf("poster: %d %.200s", poster.StatusCode(), poster.Body)
	}
	exported, err := cl.GetExportWithResponse(ctx, &apiclient.GetExportParams{Case: &[]openapi_types.UUID{id}})
	if err != nil {
		t.Fatal(err)
	}
	if zr, err := zip.NewReader(bytes.NewReader(exported.Body), int64(len(exported.Body))); exported.StatusCode() != http.StatusOK || err != nil ||
		!slices.ContainsFunc(zr.File, func(f *zip.File) bool { return f.Name == "manifest.json" }) {
		t.Fatalf("export: %d, %d bytes, %v", exported.StatusCode(), len(exported.Body), err)
	}
	if checked.n != 9 {
		t.Fatalf("%d answers were checked against the document, want 9", checked.n)
	}
}

// describedAnswers checks every answer against the document (pb33f/libopenapi-validator, which reads
// OpenAPI 3.1): its status is described for its route, and its body fits the schema described for it.
type describedAnswers struct {
	t    *testing.T
	v    validator.Validator
	next http.RoundTripper
	n    int
}

func (d *describedAnswers) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := d.next.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if ok, errs := d.v.ValidateHttpResponse(r, resp); !ok {
		for _, e := range errs {
			d.t.Errorf("%s %s answered %d, not as described: %s %s %v", r.Method, r.URL.Path, resp.StatusCode, e.Message, e.Reason, e.SchemaValidationErrors)
		}
	}
	d.n++
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}
