package api

import (
	"cmp"
	"context"

	"github.com/gin-gonic/gin"

	"childmatch"
)

// Every request's work has a deadline (Config.RequestTimeout), and every MinIO call its own (minio's call
// timeout), so a stalled MinIO answers 503 within a call timeout and no request waits longer than the
// request deadline, however long MinIO stays stalled. The deadline is the request context's, so the
// services stop where they are: an upload before its commit removes what it wrote (service/photo.go).
//
// The transfer of a photo is not the service's work, and over a slow mobile connection takes minutes; the
// server's read and write timeouts bound it. So the routes that read a photo start the deadline once the
// photo is read (readUpload), and the routes that stream a stored photo to the client have none: each of
// their MinIO calls, and each stretch of the stream without progress, has the call timeout.
var untimed = map[string]bool{
	"/v1/cases/:id/photos": true, "/v1/search": true, // deadline from when the photo has been read
	"/v1/photos/:id": true, "/v1/faces/:id": true, // streams: the store's call timeouts
	"/v1/export":        true, // a stream of photos too
	"/v1/alerts/stream": true, // open until the client goes: each write has its own deadline (stream.go)
}

const deadlineKey = "childmatch.deadline"

// deadline is the middleware that gives every request its deadline.
func (s *Server) deadline(c *gin.Context) {
	if !untimed[c.FullPath()] {
		s.startDeadline(c)
	}
	c.Next()
	if cancel, ok := c.Get(deadlineKey); ok {
		cancel.(context.CancelFunc)()
	}
}

// startDeadline starts the request's deadline, once.
func (s *Server) startDeadline(c *gin.Context) {
	if _, started := c.Get(deadlineKey); started {
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), cmp.Or(s.cfg.RequestTimeout, childmatch.DefaultRequestTimeout))
	c.Request = c.Request.WithContext(ctx)
	c.Set(deadlineKey, cancel)
}
