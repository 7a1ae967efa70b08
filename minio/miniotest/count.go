package miniotest

import (
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// Counter is a reverse proxy in front of a Server that counts the S3 requests passing through it, by
// method and object key, so a test can say how many MinIO calls an operation costs. Point a store at
// Endpoint instead of the server's; the signature stays valid because the Host header is passed on as
// the client sent it.
type Counter struct {
	Endpoint string

	mu    sync.Mutex
	calls map[string]int // "GET cases/<id>.json" -> count
}

// Count starts a counting proxy for the server, stopped when the test ends.
func (s *Server) Count(tb testing.TB) *Counter {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	c := &Counter{Endpoint: l.Addr().String(), calls: map[string]int{}}
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: s.Endpoint})
	proxy.ErrorLog = log.New(io.Discard, "", 0) // a client that hung up is not news
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, "/"+s.Bucket), "/")
		if key == "" && r.URL.Query().Has("list-type") {
			key = "?list " + r.URL.Query().Get("prefix")
		}
		c.mu.Lock()
		c.calls[r.Method+" "+key]++
		c.mu.Unlock()
		proxy.ServeHTTP(w, r)
	})}
	go srv.Serve(l)
	tb.Cleanup(func() { srv.Close() })
	return c
}

// Reset forgets every count so far.
func (c *Counter) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = map[string]int{}
}

// Calls returns how many requests had the method and a key starting with prefix ("" for any).
func (c *Counter) Calls(method, prefix string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for k, v := range c.calls {
		m, key, _ := strings.Cut(k, " ")
		if (method == "" || m == method) && strings.HasPrefix(key, prefix) {
			n += v
		}
	}
	return n
}

// Total returns every request counted.
func (c *Counter) Total() int { return c.Calls("", "") }
