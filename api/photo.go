package api

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
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

func toFaceMatches(fms []childmatch.FaceMatches, withDescriptor bool) []faceMatchesJSON {
	out := make([]faceMatchesJSON, 0, len(fms))
	for i := range fms {
		out = append(out, faceMatchesJSON{Face: toFace(&fms[i].Face, withDescriptor),
			Candidates: toCandidates(fms[i].Candidates)})
	}
	return out
}

// upload is a parsed multipart request: the photo's bytes and the other fields.
type upload struct {
	photo  []byte
	fields map[string]string
}

// readUpload streams a multipart/form-data body, keeping the "photo" part (at most MaxUploadBytes) in
// memory and the small fields, then starts the request's deadline (deadline.go). It never writes a temporary file and never trusts the part's file name or
// content type: the face pipeline sniffs the bytes.
func (s *Server) readUpload(c *gin.Context) (*upload, error) {
	max := s.cfg.MaxUploadBytes
	if c.Request.ContentLength > max+childmatch.MultipartSlack {
		return nil, childmatch.Errorf(childmatch.ETooLarge, "the photo is larger than the limit of %d MiB", max>>20)
	}
	mt, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if mt != "multipart/form-data" {
		return nil, childmatch.FieldError("photo", "send the photo as multipart/form-data in a field named \"photo\"")
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, max+childmatch.MultipartSlack)
	mr, err := c.Request.MultipartReader()
	if err != nil {
		return nil, childmatch.FieldError("photo", "the multipart body cannot be read")
	}
	u := &upload{fields: map[string]string{}}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, uploadError(err)
		}
		name := part.FormName()
		if name == "photo" {
			if u.photo != nil {
				return nil, childmatch.FieldError("photo", "send one photo per request")
			}
			u.photo, err = io.ReadAll(io.LimitReader(part, max+1))
			if err != nil {
				return nil, uploadError(err)
			}
			if int64(len(u.photo)) > max {
				return nil, childmatch.Errorf(childmatch.ETooLarge, "the photo is larger than the limit of %d MiB", max>>20)
			}
			continue
		}
		v, err := io.ReadAll(io.LimitReader(part, childmatch.MaxFormFieldBytes+1))
		if err != nil {
			return nil, uploadError(err)
		}
		if len(v) > childmatch.MaxFormFieldBytes {
			return nil, childmatch.FieldError(name, "is longer than %d bytes", childmatch.MaxFormFieldBytes)
		}
		u.fields[name] = string(v)
	}
	if u.photo == nil {
		return nil, childmatch.FieldError("photo", "is missing: send the image in a multipart field named \"photo\"")
	}
	if len(u.photo) == 0 {
		return nil, childmatch.FieldError("photo", "is empty")
	}
	s.startDeadline(c)
	return u, nil
}

// uploadError classifies a failure to read a multipart body.
func uploadError(err error) error {
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) || errors.Is(err, context.Canceled) {
		return bodyError(err)
	}
	return &childmatch.Error{Code: childmatch.EInvalid, Field: "photo", Message: "photo: the multipart body is malformed or was cut off", Err: err}
}

// field returns a form field, falling back to the query string so both styles of client work.
func (u *upload) field(c *gin.Context, name string) string {
	if v, ok := u.fields[name]; ok {
		return v
	}
	return c.Query(name)
}

// addPhoto: POST /v1/cases/:id/photos with multipart "photo". Stores, detects, embeds, indexes and
// matches each face against the opposite kind.
func (s *Server) addPhoto(c *gin.Context) {
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
	u, err := s.readUpload(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	limit, err := intValue("limit", u.field(c, "limit"))
	if err != nil {
		s.fail(c, err)
		return
	}
	res, err := s.Photos.AddPhoto(c.Request.Context(), actorOf(c), id, u.photo, limit)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Location", photoURL(res.Photo.ID))
	c.JSON(http.StatusCreated, gin.H{
		"case_id":     res.CaseID,
		"photo":       toPhoto(&res.Photo, withDesc),
		"faces_found": len(res.Faces),
		"message":     facesMessage(len(res.Faces)),
		"faces":       toFaceMatches(res.Faces, withDesc),
		"proposed":    res.Proposed,
	})
}

func facesMessage(n int) string {
	if n == 1 {
		return "one face found"
	}
	return strconv.Itoa(n) + " faces found; all are kept and matched"
}

// search: POST /v1/search with multipart "photo" and fields kind (missing, found or any; default
// missing), limit (default 10, at most 100), status=any to include matched and closed cases, gender,
// min_age and max_age. Nothing is stored.
func (s *Server) search(c *gin.Context) {
	withDesc, err := wantDescriptors(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	u, err := s.readUpload(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	q, err := searchQuery(c, u)
	if err != nil {
		s.fail(c, err)
		return
	}
	res, err := s.Photos.Search(c.Request.Context(), actorOf(c), u.photo, q)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"faces_found": len(res.Faces), "faces": toFaceMatches(res.Faces, withDesc)})
}

func searchQuery(c *gin.Context, u *upload) (childmatch.SearchQuery, error) {
	q := childmatch.SearchQuery{Kind: childmatch.Kind(u.field(c, "kind")), Gender: childmatch.Gender(u.field(c, "gender"))}
	switch st := u.field(c, "status"); st {
	case "", "open":
	case "any":
		q.AnyStatus = true
	default:
		return q, childmatch.FieldError("status", `must be "open" or "any"`)
	}
	var err error
	for _, f := range []struct {
		name string
		v    *int
	}{{"limit", &q.Limit}, {"min_age", &q.MinAge}, {"max_age", &q.MaxAge}} {
		if *f.v, err = intValue(f.name, u.field(c, f.name)); err != nil {
			return q, err
		}
	}
	q.State, q.District = u.field(c, "state"), u.field(c, "district")
	if q.From, err = timeValue("from", u.field(c, "from")); err != nil {
		return q, err
	}
	q.Until, err = timeValue("until", u.field(c, "until"))
	return q, err
}

// blob streams a stored photo or face chip from MinIO.
func (s *Server) blob(kind childmatch.BlobKind) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, err := idParam(c)
		if err != nil {
			s.fail(c, err)
			return
		}
		b, err := s.Photos.Blob(c.Request.Context(), actorOf(c), kind, id)
		if err != nil {
			s.fail(c, err)
			return
		}
		sendBlob(c, b)
	}
}

// sendBlob answers a stored photo or chip and closes it. Children's photos: never kept by a shared cache
// or a browser on a shared phone.
func sendBlob(c *gin.Context, b *childmatch.Blob) {
	defer b.Close()
	c.Header("Cache-Control", "private, no-store")
	c.Header("X-Content-Type-Options", "nosniff")
	c.DataFromReader(http.StatusOK, b.Size, b.ContentType, b, nil)
}
