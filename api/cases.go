package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"childmatch"
)

// The JSON the API answers with. Descriptors are 128 floats a face: they are left out unless the client
// asks with ?descriptors=true (integrators, and checking the pipeline against other dlib tools).

type faceJSON struct {
	ID         childmatch.ID          `json:"id,omitzero"`
	PhotoID    childmatch.ID          `json:"photo_id,omitzero"`
	Box        childmatch.Box         `json:"box"`
	Landmarks  []childmatch.Point     `json:"landmarks"`
	Detector   string                 `json:"detector"`
	Quality    childmatch.Quality     `json:"quality"`
	ChipURL    string                 `json:"chip_url,omitempty"`
	Descriptor *childmatch.Descriptor `json:"descriptor,omitempty"`
}

type photoJSON struct {
	ID          childmatch.ID `json:"id"`
	URL         string        `json:"url"`
	ContentType string        `json:"content_type"`
	Bytes       int64         `json:"bytes"`
	Width       int           `json:"width"`
	Height      int           `json:"height"`
	SHA256      string        `json:"sha256"`
	Faces       []faceJSON    `json:"faces"`
	UploadedAt  time.Time     `json:"uploaded_at"`
	UploadedBy  string        `json:"uploaded_by"`
}

type candidateJSON struct {
	childmatch.Candidate
	ThumbnailURL string `json:"thumbnail_url"`
	PhotoURL     string `json:"photo_url"`
}

type caseJSON struct {
	ID childmatch.ID `json:"id"`
	childmatch.CaseDetails
	Status       childmatch.Status   `json:"status"`
	Photos       []photoJSON         `json:"photos"`
	Candidates   []candidateJSON     `json:"candidates,omitempty"`
	Links        []childmatch.Link   `json:"links,omitempty"`
	Outcome      *childmatch.Outcome `json:"outcome,omitempty"`
	Organisation string              `json:"organisation"`
	CreatedAt    time.Time           `json:"created_at"`
	CreatedBy    string              `json:"created_by"`
	UpdatedAt    time.Time           `json:"updated_at"`
}

type faceMatchesJSON struct {
	Face       faceJSON        `json:"face"`
	Candidates []candidateJSON `json:"candidates"`
}

func photoURL(id childmatch.ID) string { return "/v1/photos/" + id.String() }
func chipURL(id childmatch.ID) string  { return "/v1/faces/" + id.String() }

func toFace(f *childmatch.Face, withDescriptor bool) faceJSON {
	fj := faceJSON{ID: f.ID, PhotoID: f.PhotoID, Box: f.Box, Landmarks: f.Landmarks, Detector: f.Detector,
		Quality: f.Quality}
	if !f.ID.IsZero() {
		fj.ChipURL = chipURL(f.ID)
	}
	if withDescriptor {
		d := f.Descriptor
		fj.Descriptor = &d
	}
	return fj
}

func toPhoto(p *childmatch.Photo, withDescriptor bool) photoJSON {
	pj := photoJSON{ID: p.ID, URL: photoURL(p.ID), ContentType: p.ContentType, Bytes: p.Bytes, Width: p.Width,
		Height: p.Height, SHA256: p.SHA256, Faces: []faceJSON{}, UploadedAt: p.UploadedAt, UploadedBy: p.UploadedBy}
	for i := range p.Faces {
		pj.Faces = append(pj.Faces, toFace(&p.Faces[i], withDescriptor))
	}
	return pj
}

func toCandidates(cs []childmatch.Candidate) []candidateJSON {
	out := make([]candidateJSON, 0, len(cs))
	for _, c := range cs {
		out = append(out, candidateJSON{Candidate: c, ThumbnailURL: chipURL(c.FaceID), PhotoURL: photoURL(c.PhotoID)})
	}
	return out
}

func toCase(c *childmatch.Case, withDescriptor bool) caseJSON {
	cj := caseJSON{ID: c.ID, CaseDetails: c.CaseDetails, Status: c.Status, Photos: []photoJSON{}, Links: c.Links,
		Outcome: c.Outcome, Organisation: c.Organisation, CreatedAt: c.CreatedAt, CreatedBy: c.CreatedBy,
		UpdatedAt: c.UpdatedAt}
	for i := range c.Photos {
		cj.Photos = append(cj.Photos, toPhoto(&c.Photos[i], withDescriptor))
	}
	return cj
}

func toFaceMatches(fms []childmatch.FaceMatches, withDescriptor bool) []faceMatchesJSON {
	out := make([]faceMatchesJSON, 0, len(fms))
	for i := range fms {
		out = append(out, faceMatchesJSON{Face: toFace(&fms[i].Face, withDescriptor),
			Candidates: toCandidates(fms[i].Candidates)})
	}
	return out
}

// wantDescriptors reads the descriptors query flag.
func wantDescriptors(c *gin.Context) (bool, error) {
	return boolQuery(c, "descriptors")
}

func boolQuery(c *gin.Context, name string) (bool, error) {
	v := c.Query(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, childmatch.FieldError(name, "must be true or false")
	}
	return b, nil
}

func intValue(name, v string) (int, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, childmatch.FieldError(name, "must be a whole number")
	}
	return n, nil
}

func idParam(c *gin.Context) (childmatch.ID, error) {
	return childmatch.ParseID("id", c.Param("id"))
}

// createCase: POST /v1/cases with the case details as JSON. Unknown fields are refused, so a misspelt
// field is an error the client sees rather than data silently lost.
func (s *Server) createCase(c *gin.Context) {
	var d childmatch.CaseDetails
	if err := decodeJSON(c, &d); err != nil {
		s.fail(c, err)
		return
	}
	created, err := s.svc.CreateCase(c.Request.Context(), actorOf(c), d)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Location", "/v1/cases/"+created.ID.String())
	c.JSON(http.StatusCreated, toCase(created, false))
}

// decodeJSON reads a JSON body of at most MaxCaseJSONBytes into v, naming the offending field on error.
func decodeJSON(c *gin.Context, v any) error {
	if ct := c.GetHeader("Content-Type"); ct != "" {
		if mt, _, _ := mime.ParseMediaType(ct); mt != "application/json" {
			return childmatch.Errorf(childmatch.EUnsupportedMedia, "the body must be application/json")
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, childmatch.MaxCaseJSONBytes))
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return childmatch.Errorf(childmatch.EInvalid, "the request body is empty; send it as JSON")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var typeErr *json.UnmarshalTypeError
		var syntaxErr *json.SyntaxError
		var idErr *childmatch.Error
		var timeErr *time.ParseError
		switch {
		case errors.As(err, &typeErr):
			return childmatch.FieldError(typeErr.Field, "must be a %s", typeErr.Type.String())
		case errors.As(err, &syntaxErr):
			return childmatch.Errorf(childmatch.EInvalid, "the body is not valid JSON (at byte %d)", syntaxErr.Offset)
		case errors.As(err, &idErr):
			return idErr
		case errors.As(err, &timeErr):
			return childmatch.Errorf(childmatch.EInvalid, "a time is not in RFC 3339 form (2026-01-31T14:05:00+05:30)")
		default:
			// DisallowUnknownFields names the field; a truncated body says so. Neither carries data.
			if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
				return childmatch.FieldError(strings.Trim(name, `"`), "is not a field of this request")
			}
			return childmatch.Errorf(childmatch.EInvalid, "the body does not fit this request's schema: %s", err.Error())
		}
	}
	if dec.More() {
		return childmatch.Errorf(childmatch.EInvalid, "the body holds more than one JSON value")
	}
	return nil
}

// getCase: GET /v1/cases/:id, the case with its photos, faces and current candidates.
func (s *Server) getCase(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	withDesc, err := wantDescriptors(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	cs, cands, err := s.svc.Case(c.Request.Context(), actorOf(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	cj := toCase(cs, withDesc)
	cj.Candidates = toCandidates(cands)
	c.JSON(http.StatusOK, cj)
}

type casePageJSON struct {
	Cases      []caseJSON `json:"cases"`
	NextCursor string     `json:"next_cursor,omitempty"`
}

// listCases: GET /v1/cases?kind=&status=&limit=&cursor=, in creation order.
func (s *Server) listCases(c *gin.Context) {
	q := childmatch.CaseQuery{Kind: childmatch.Kind(c.Query("kind")), Status: childmatch.Status(c.Query("status"))}
	var err error
	if q.Limit, err = intValue("limit", c.Query("limit")); err == nil && c.Query("cursor") != "" {
		q.After, err = childmatch.ParseID("cursor", c.Query("cursor"))
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	page, err := s.svc.ListCases(c.Request.Context(), actorOf(c), q)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := casePageJSON{Cases: make([]caseJSON, 0, len(page.Cases))}
	for _, cs := range page.Cases {
		out.Cases = append(out.Cases, toCase(cs, false))
	}
	if !page.Next.IsZero() {
		out.NextCursor = page.Next.String()
	}
	c.JSON(http.StatusOK, out)
}
