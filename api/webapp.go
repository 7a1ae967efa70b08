package api

import (
	"io/fs"
	"net/http"

	"github.com/gin-gonic/gin"
)

// The installable app: the web app manifest and the service worker. The worker is served from the root
// so that its scope covers /app/ (a worker's scope is at most its own folder); it keeps the app's own
// files for use without network, shows push messages, and opens an alert's page from its notification
// (web/sw.js). Neither file holds anything of a case.
func (s *Server) registerApp(e *gin.Engine, static fs.FS) {
	serve := func(name, contentType string) gin.HandlerFunc {
		b, err := fs.ReadFile(static, name)
		if err != nil {
			panic(err) // embedded at build time
		}
		return func(c *gin.Context) {
			c.Header("Cache-Control", "no-cache") // revalidated on every load: a new worker is picked up at once
			c.Data(http.StatusOK, contentType, b)
		}
	}
	e.GET("/sw.js", securityHeaders, serve("sw.js", "text/javascript; charset=utf-8"))
	e.GET("/manifest.webmanifest", securityHeaders, serve("manifest.webmanifest", "application/manifest+json"))
}
