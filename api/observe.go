package api

import (
	"context"
	"log/slog"
	"regexp"
	"time"

	"github.com/gin-gonic/gin"

	"childmatch"
	"childmatch/metrics"
)

// What an operator sees of each request: one JSON log line (slog) and the request metrics, both by gin's
// route template (/v1/cases/:id), never the raw path, the query or the body, which may hold a child's
// details; and a request id, echoed in X-Request-Id and written on every log line of the request, so a
// client's complaint, a proxy's log and ours meet.

const requestIDHeader = "X-Request-Id"

// saneRequestID is what a request id from the client (or a proxy in front) may look like to be kept: a
// UUID, a hex or base64url id, up to 64 characters; anything else is replaced, so nobody writes text of
// their choosing into our logs.
var saneRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

type requestIDKey struct{}

// requestIDOf returns the request id carried by ctx, "" outside a request.
func requestIDOf(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// observe gives the request its id, then logs and measures it once answered.
func (s *Server) observe(c *gin.Context) {
	start := time.Now()
	id := c.GetHeader(requestIDHeader)
	if !saneRequestID.MatchString(id) {
		id = childmatch.NewID().String()
	}
	c.Header(requestIDHeader, id)
	c.Request = c.Request.WithContext(context.WithValue(c.Request.Context(), requestIDKey{}, id))
	c.Next()
	took, status, route := time.Since(start), c.Writer.Status(), c.FullPath()
	metrics.Request(route, c.Request.Method, status, took)
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	if route == "" {
		route = "(no route)"
	}
	s.log.Log(c.Request.Context(), level, "http", "method", c.Request.Method, "route", route,
		"status", status, "ms", took.Milliseconds(), "actor", actorOf(c).ID)
}

// withRequestID is a log handler that writes the request id of the record's context on each line, so
// that every line logged with a request's context (the request line, a failure's cause, a panic) names it.
type withRequestID struct{ slog.Handler }

func (h withRequestID) Handle(ctx context.Context, r slog.Record) error {
	if id := requestIDOf(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h withRequestID) WithAttrs(as []slog.Attr) slog.Handler {
	return withRequestID{h.Handler.WithAttrs(as)}
}

func (h withRequestID) WithGroup(name string) slog.Handler {
	return withRequestID{h.Handler.WithGroup(name)}
}

// serveMetrics: GET /metrics on the main address, for an admin's token only (ActReadMetrics). A separate
// address (CHILDMATCH_METRICS_ADDR, cmd/childmatch) serves metrics.Handler without a token.
func (s *Server) serveMetrics(c *gin.Context) {
	if err := actorOf(c).Require(childmatch.ActReadMetrics); err != nil {
		s.fail(c, err)
		return
	}
	metrics.Handler().ServeHTTP(c.Writer, c.Request)
}
