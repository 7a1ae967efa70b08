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
	"childmatch/api/jsonbody"
)

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

// decodeJSON reads a JSON body of at most MaxCaseJSONBytes into v, naming the offending field on error. A
// body that is not valid UTF-8, escapes half a surrogate pair, or names a key twice in one object is refused
// (encoding/json would replace the first two with U+FFFD and keep the last of the keys, silently).
func decodeJSON(c *gin.Context, v any) error {
	if ct := c.GetHeader("Content-Type"); ct != "" {
		if mt, _, _ := mime.ParseMediaType(ct); mt != "application/json" {
			return childmatch.Errorf(childmatch.EUnsupportedMedia, "the body must be application/json")
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, childmatch.MaxCaseJSONBytes))
	if err != nil {
		return bodyError(err)
	}
	return jsonbody.Decode(body, v)
}

// timeQuery reads an RFC 3339 time or a date (2026-11-01) from the query string.
func timeQuery(c *gin.Context, name string) (time.Time, error) {
	return timeValue(name, c.Query(name))
}

// timeValue parses a date or an RFC 3339 time; "" is the zero time.
func timeValue(name, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339, time.DateOnly} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, childmatch.FieldError(name, "must be a date (2026-11-01) or an RFC 3339 time")
}

// bodyError classifies a failure to read a request body: over its limit, cut off by the client, or gone
// with a client that went away.
func bodyError(err error) error {
	var maxErr *http.MaxBytesError
	switch {
	case errors.As(err, &maxErr):
		return childmatch.Errorf(childmatch.ETooLarge, "the request is larger than %d bytes", maxErr.Limit)
	case errors.Is(err, context.Canceled):
		return childmatch.Canceled(err)
	}
	return &childmatch.Error{Code: childmatch.EInvalid, Message: "the request body was cut off", Err: err}
}
