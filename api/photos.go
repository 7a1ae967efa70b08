package api

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"childmatch"
)

// multipartSlack is what a multipart body may hold beyond the photo: boundaries, part headers and the
// small form fields.
const multipartSlack = 64 << 10

// maxFieldBytes bounds a form field other than the photo.
const maxFieldBytes = 1 << 10

// upload is a parsed multipart request: the photo's bytes and the other fields.
type upload struct {
	photo  []byte
	fields map[string]string
}

// readUpload streams a multipart/form-data body, keeping the "photo" part (at most MaxUploadBytes) in
// memory and the small fields. It never writes a temporary file and never trusts the part's file name or
// content type: the face pipeline sniffs the bytes.
func (s *Server) readUpload(c *gin.Context) (*upload, error) {
	max := s.svc.Limits().MaxUploadBytes
	if c.Request.ContentLength > max+multipartSlack {
		return nil, childmatch.Errorf(childmatch.ETooLarge, "the photo is larger than the limit of %d MiB", max>>20)
	}
	mt, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if mt != "multipart/form-data" {
		return nil, childmatch.FieldError("photo", "send the photo as multipart/form-data in a field named \"photo\"")
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, max+multipartSlack)
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
		v, err := io.ReadAll(io.LimitReader(part, maxFieldBytes+1))
		if err != nil {
			return nil, uploadError(err)
		}
		if len(v) > maxFieldBytes {
			return nil, childmatch.FieldError(name, "is longer than %d bytes", maxFieldBytes)
		}
		u.fields[name] = string(v)
	}
	if u.photo == nil {
		return nil, childmatch.FieldError("photo", "is missing: send the image in a multipart field named \"photo\"")
	}
	if len(u.photo) == 0 {
		return nil, childmatch.FieldError("photo", "is empty")
	}
	return u, nil
}

func uploadError(err error) error {
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		return err // fail() answers it as too_large
	}
	return childmatch.FieldError("photo", "the multipart body is malformed or was cut off")
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
	res, err := s.svc.AddPhoto(c.Request.Context(), actorOf(c), id, u.photo, limit)
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
	res, err := s.svc.Search(c.Request.Context(), actorOf(c), u.photo, q)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"faces_found": len(res.Faces), "faces": toFaceMatches(res.Faces, withDesc)})
}

func searchQuery(c *gin.Context, u *upload) (childmatch.SearchQuery, error) {
	q := childmatch.SearchQuery{Gender: childmatch.Gender(u.field(c, "gender"))}
	switch kind := u.field(c, "kind"); kind {
	case "", "missing":
		q.Kind = childmatch.KindMissing
	case "found":
		q.Kind = childmatch.KindFound
	case "any":
	default:
		return q, childmatch.FieldError("kind", `must be "missing", "found" or "any"`)
	}
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
		b, err := s.svc.Blob(c.Request.Context(), actorOf(c), kind, id)
		if err != nil {
			s.fail(c, err)
			return
		}
		defer b.Close()
		// Children's photos: never kept by a shared cache or a browser on a shared phone.
		c.Header("Cache-Control", "private, no-store")
		c.Header("X-Content-Type-Options", "nosniff")
		c.DataFromReader(http.StatusOK, b.Size, b.ContentType, b, nil)
	}
}
