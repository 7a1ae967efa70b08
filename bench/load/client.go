package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"strconv"
	"time"
)

// requestTimeout bounds one request of the load, beyond the service's own deadline (30 s), so that a
// run ends even if the service stops answering.
const requestTimeout = 2 * time.Minute

// client is one user of the service: its own token, and its own loopback source address, as another
// device's would be (the service's rate limits count per user and per address).
type client struct {
	base, token string
	http        *http.Client
}

func newClient(base, token, from string) *client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 10 * time.Second}
	return &client{base: base, token: token, http: &http.Client{Timeout: requestTimeout,
		Transport: &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 1}}}
}

// answer is what the service said: status, body and, with a 429, when to try again.
type answer struct {
	status     int
	body       []byte
	retryAfter time.Duration
}

func (c *client) do(ctx context.Context, method, path, contentType string, body []byte) (answer, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return answer{}, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return answer{}, err
	}
	a := answer{status: resp.StatusCode, body: b}
	if secs, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil {
		a.retryAfter = time.Duration(secs) * time.Second
	}
	return a, nil
}

func (c *client) postJSON(ctx context.Context, path string, v any) (answer, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return answer{}, err
	}
	return c.do(ctx, "POST", path, "application/json", b)
}

// postPhoto sends a photo as the multipart field "photo", as the web app does.
func (c *client) postPhoto(ctx context.Context, path string, p photo) (answer, error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	part, err := w.CreateFormFile("photo", p.name)
	if err != nil {
		return answer{}, err
	}
	part.Write(p.data)
	if err := w.Close(); err != nil {
		return answer{}, err
	}
	return c.do(ctx, "POST", path, w.FormDataContentType(), buf.Bytes())
}

// must is a setup request: it waits out 429s (their Retry-After) and wants status want, decoding the
// answer into out when not nil.
func must(ctx context.Context, send func() (answer, error), want int, out any) error {
	for {
		a, err := send()
		if err != nil {
			return err
		}
		if a.status == http.StatusTooManyRequests {
			if err := sleep(ctx, a.retryAfter); err != nil {
				return err
			}
			continue
		}
		if a.status != want {
			return fmt.Errorf("answered %d, want %d: %.300s", a.status, want, a.body)
		}
		if out == nil {
			return nil
		}
		return json.Unmarshal(a.body, out)
	}
}

// sleep waits d, or less if ctx ends first (then it returns ctx's error).
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// photo is one photo of the shared set, read once.
type photo struct {
	name string
	data []byte
}

// created is the part of a created case, user or token the load needs.
type created struct {
	ID    string `json:"id"`
	Token string `json:"token"`
}

// newUser creates an officer (who may search, record found children and read every case) and returns
// a client with its token, sending from the address from.
func (c *client) newUser(ctx context.Context, name, from string) (*client, error) {
	var u, t created
	err := must(ctx, func() (answer, error) {
		return c.postJSON(ctx, "/v1/users", map[string]any{"name": name, "organisation": "Load test",
			"roles": []string{"officer"}})
	}, http.StatusCreated, &u)
	if err != nil {
		return nil, fmt.Errorf("creating user %s: %w", name, err)
	}
	err = must(ctx, func() (answer, error) { return c.do(ctx, "POST", "/v1/users/"+u.ID+"/tokens", "", nil) },
		http.StatusCreated, &t)
	if err != nil {
		return nil, fmt.Errorf("issuing a token to %s: %w", name, err)
	}
	return newClient(c.base, t.Token, from), nil
}

// caseDetails are a case's details with nothing of a real child: the load needs none.
func caseDetails(kind string) map[string]any {
	return map[string]any{"kind": kind, "child": map[string]any{"age": 9},
		"reporter": map[string]any{"organisation": "Load test"}}
}

// register creates a missing report with the photo, as the gallery's setup.
func (c *client) register(ctx context.Context, p photo) (string, error) {
	var cs created
	if err := must(ctx, func() (answer, error) { return c.postJSON(ctx, "/v1/cases", caseDetails("missing")) },
		http.StatusCreated, &cs); err != nil {
		return "", fmt.Errorf("creating a missing report: %w", err)
	}
	if err := must(ctx, func() (answer, error) { return c.postPhoto(ctx, "/v1/cases/"+cs.ID+"/photos", p) },
		http.StatusCreated, nil); err != nil {
		return "", fmt.Errorf("adding %s: %w", p.name, err)
	}
	return cs.ID, nil
}
