package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"childmatch"
)

// client is what `childmatch import` and `childmatch export` know of a running service: its address and a
// user's token, over HTTP only (no MinIO credentials).
type client struct {
	base  string
	token string
	http  *http.Client
}

// apiError is the service's error answer (api/errors.go).
type apiError struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
	CaseID  string `json:"case_id,omitempty"`
}

func (e *apiError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("the service answered %d", e.Status)
	}
	return fmt.Sprintf("%s (%d %s)", e.Message, e.Status, e.Code)
}

// tokenFrom reads the token from --token-file, else CHILDMATCH_TOKEN.
func tokenFrom(file string) (string, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("--token-file: %v", err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	if t := strings.TrimSpace(os.Getenv("CHILDMATCH_TOKEN")); t != "" {
		return t, nil
	}
	return "", fmt.Errorf("no token: set CHILDMATCH_TOKEN or give --token-file")
}

// connect is the client of --server with the token of --token-file or CHILDMATCH_TOKEN; what is wrong
// with either is a usage error.
func connect(server, tokenFile string) (*client, error) {
	token, err := tokenFrom(tokenFile)
	if err != nil {
		return nil, usageError("%v", err)
	}
	if !strings.HasPrefix(server, "http://") && !strings.HasPrefix(server, "https://") {
		return nil, usageError("--server must be the service's http:// or https:// address, got %q", server)
	}
	return &client{base: strings.TrimRight(server, "/"), token: token,
		http: &http.Client{Timeout: childmatch.BodyTimeout}}, nil
}

// do sends one request, again while the service answers 429 (after its Retry-After) or is unavailable (503,
// or no answer: after a growing pause), at most ImportAttempts times. A 2xx answer is decoded into out; any
// other is returned as an *apiError.
func (c *client) do(ctx context.Context, method, path, contentType string, body []byte, out any) error {
	var err error
	for attempt := 1; ; attempt++ {
		var wait time.Duration
		wait, err = c.once(ctx, method, path, contentType, body, out)
		if wait == 0 || attempt == childmatch.ImportAttempts {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
	}
}

// once sends the request once; a non-zero wait says the answer is worth trying again after it.
func (c *client) once(ctx context.Context, method, path, contentType string, body []byte, out any) (time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return childmatch.ImportRetryWait, fmt.Errorf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 == 2 {
		if w, ok := out.(io.Writer); ok {
			_, err = io.Copy(w, resp.Body)
		} else if out != nil {
			err = json.NewDecoder(resp.Body).Decode(out)
		}
		return 0, err
	}
	e := &apiError{Status: resp.StatusCode}
	var wrapped struct {
		Error *apiError `json:"error"`
	}
	wrapped.Error = e
	json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&wrapped)
	e.Status = resp.StatusCode
	switch resp.StatusCode {
	case http.StatusTooManyRequests:
		secs, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
		return max(time.Duration(secs)*time.Second, childmatch.ImportRetryWait), e
	case http.StatusServiceUnavailable, http.StatusBadGateway, http.StatusGatewayTimeout:
		return childmatch.ImportRetryWait, e
	}
	return 0, e
}

// json sends v as JSON and decodes the answer into out.
func (c *client) json(ctx context.Context, method, path string, v, out any) error {
	var body []byte
	if v != nil {
		var err error
		if body, err = json.Marshal(v); err != nil {
			return err
		}
	}
	return c.do(ctx, method, path, "application/json", body, out)
}

// photo uploads one photo to a case.
func (c *client) photo(ctx context.Context, caseID, name string, data []byte, out any) error {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	part, err := w.CreateFormFile("photo", name)
	if err != nil {
		return err
	}
	part.Write(data)
	w.Close()
	return c.do(ctx, http.MethodPost, "/v1/cases/"+caseID+"/photos", w.FormDataContentType(), buf.Bytes(), out)
}

// deploymentInfo is GET /v1/deployment.
type deploymentInfo struct {
	Deployment       string `json:"deployment"`
	Workers          int    `json:"workers"`
	MaxUploadBytes   int64  `json:"max_upload_bytes"`
	MaxPixels        int    `json:"max_pixels"`
	MaxPhotosPerCase int    `json:"max_photos_per_case"`
}

func (c *client) deployment(ctx context.Context) (*deploymentInfo, error) {
	var d deploymentInfo
	if err := c.json(ctx, http.MethodGet, "/v1/deployment", nil, &d); err != nil {
		return nil, err
	}
	return &d, nil
}
