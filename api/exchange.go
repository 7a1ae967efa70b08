package api

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"childmatch"
)

// deploymentJSON is what an importer needs of the service it imports into: its name (the source of what
// it exports), how many photos it analyses at once (the importer's default parallelism) and the limits a
// photo and a case must keep, so every photo is checked before anything is imported.
type deploymentJSON struct {
	Deployment       string `json:"deployment"`
	Workers          int    `json:"workers"`
	MaxUploadBytes   int64  `json:"max_upload_bytes"`
	MaxPixels        int    `json:"max_pixels"`
	MaxPhotosPerCase int    `json:"max_photos_per_case"`
}

// deploymentInfo: GET /v1/deployment, to any signed-in user.
func (s *Server) deploymentInfo(c *gin.Context) {
	c.JSON(http.StatusOK, deploymentJSON{Deployment: s.cfg.Deployment, Workers: s.cfg.Workers,
		MaxUploadBytes: s.cfg.MaxUploadBytes, MaxPixels: s.cfg.MaxPixels, MaxPhotosPerCase: childmatch.MaxPhotosPerCase})
}

// export: GET /v1/export?case=ID&case=ID... or ?kind=&status= (the case list's filters), answered as one
// ZIP (childmatch.ExportManifest says what it holds). Admins only. A refusal is answered as JSON; a failure
// once the ZIP has started cuts the connection, so a client never takes a partial ZIP for a whole one (it
// has no manifest, which an importer requires anyway).
func (s *Server) export(c *gin.Context) {
	q := childmatch.ExportQuery{Kind: childmatch.Kind(c.Query("kind")), Status: childmatch.Status(c.Query("status"))}
	for _, v := range c.QueryArray("case") {
		id, err := childmatch.ParseID("case", strings.TrimSpace(v))
		if err != nil {
			s.fail(c, err)
			return
		}
		q.Cases = append(q.Cases, id)
	}
	w := &startedWriter{c: c}
	err := s.Export.Export(c.Request.Context(), actorOf(c), q, w)
	switch {
	case err != nil && !w.started:
		s.fail(c, err)
	case err != nil:
		s.log.Error("an export failed after it started", "err", err)
		panic(http.ErrAbortHandler)
	}
}

// startedWriter sends the ZIP's headers with its first byte, so that a refusal before it can still be
// answered with its status.
type startedWriter struct {
	c       *gin.Context
	started bool
}

func (w *startedWriter) Write(b []byte) (int, error) {
	if !w.started {
		w.started = true
		w.c.Header("Content-Type", "application/zip")
		w.c.Header("Content-Disposition", `attachment; filename="childmatch-export.zip"`)
		w.c.Header("Cache-Control", "private, no-store")
		w.c.Status(http.StatusOK)
	}
	return w.c.Writer.Write(b)
}
