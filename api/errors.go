package api

import (
	"errors"
	"math"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"childmatch"
)

// statusOf is the one place that maps error codes to HTTP status codes.
var statusOf = map[childmatch.ErrorCode]int{
	childmatch.EInvalid:          http.StatusBadRequest,
	childmatch.EUnauthorized:     http.StatusUnauthorized,
	childmatch.EForbidden:        http.StatusForbidden,
	childmatch.ETooManyRequests:  http.StatusTooManyRequests,
	childmatch.ENotFound:         http.StatusNotFound,
	childmatch.EConflict:         http.StatusConflict,
	childmatch.ETooLarge:         http.StatusRequestEntityTooLarge,
	childmatch.EUnsupportedMedia: http.StatusUnsupportedMediaType,
	childmatch.ENoFace:           http.StatusUnprocessableEntity,
	childmatch.EUnavailable:      http.StatusServiceUnavailable,
	childmatch.EInternal:         http.StatusInternalServerError,
	// The client went away: nobody reads the answer, and nothing failed. 499 is the status proxies log for
	// it ("client closed request").
	childmatch.ECanceled: 499,
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    childmatch.ErrorCode `json:"code"`
	Message string               `json:"message"`
	Field   string               `json:"field,omitempty"`
	// CaseID, with 409 on a case's origin, is the case that holds it (childmatch.Error.CaseID).
	CaseID string `json:"case_id,omitempty"`
}

// fail answers err as JSON with the status of its code: the one place that turns an error into an answer.
// Errors arrive already classified where they arose; anything unclassified is internal. Internal errors
// and dependency failures (5xx) are logged with their cause (which never holds a child's details:
// messages are written for that), and the client hears only the code's message.
func (s *Server) fail(c *gin.Context, err error) {
	code := childmatch.ErrorCodeOf(err)
	status, ok := statusOf[code]
	if !ok {
		code, status = childmatch.EInternal, http.StatusInternalServerError
	}
	if status >= 500 {
		s.log.ErrorContext(c.Request.Context(), "request failed", "route", c.FullPath(), "code", code, "err", err)
	}
	var e *childmatch.Error
	if errors.As(err, &e) && e.RetryAfter > 0 {
		c.Header("Retry-After", strconv.Itoa(max(1, int(math.Ceil(e.RetryAfter.Seconds())))))
	}
	detail := errorDetail{Code: code, Message: childmatch.ErrorMessage(err), Field: childmatch.ErrorField(err)}
	if e != nil && !e.CaseID.IsZero() {
		detail.CaseID = e.CaseID.String()
	}
	c.AbortWithStatusJSON(status, errorBody{Error: detail})
}

// recovery turns a panic into a logged internal error instead of a dropped connection.
func (s *Server) recovery(c *gin.Context) {
	defer func() {
		if r := recover(); r != nil {
			if r == http.ErrAbortHandler {
				panic(r)
			}
			s.log.ErrorContext(c.Request.Context(), "panic", "route", c.FullPath(), "panic", r)
			s.fail(c, errors.New("panic"))
		}
	}()
	c.Next()
}
