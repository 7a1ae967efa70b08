package miniotest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"childmatch/fixtures"
)

// startTimeout bounds how long a fresh server may take to answer its health check.
const startTimeout = 30 * time.Second

// Server is a running MinIO.
type Server struct {
	Endpoint  string // 127.0.0.1:port
	AccessKey string
	SecretKey string
	Bucket    string // a fresh name; the store creates it
	// KMSKey is the server's static KMS key (MINIO_KMS_SECRET_KEY, "name:base64"): a restarted server
	// keeps it, so what it encrypted stays readable.
	KMSKey string

	tb      testing.TB
	bin     string
	dir     string
	mu      sync.Mutex
	cmd     *exec.Cmd
	output  *bytes.Buffer
	stopped chan struct{}
}

// Start starts a MinIO server for the test and stops it at cleanup. The binary is $CHILDMATCH_MINIO_BIN,
// else bin/minio in the repository, else minio on PATH; without one the test fails, since `make test`
// builds it and CI must not pass without a real MinIO.
func Start(tb testing.TB) *Server {
	tb.Helper()
	s := &Server{tb: tb, bin: binary(tb), dir: tb.TempDir(), AccessKey: "test" + random(6), SecretKey: random(20),
		Bucket: "test-" + random(6), KMSKey: NewKMSKey()}
	s.Endpoint = "127.0.0.1:" + freePort(tb)
	s.start()
	tb.Cleanup(s.Stop)
	return s
}

func binary(tb testing.TB) string {
	if p := os.Getenv("CHILDMATCH_MINIO_BIN"); p != "" {
		return p
	}
	if p := filepath.Join(fixtures.RepoRoot(tb), "bin", "minio"); isExecutable(p) {
		return p
	}
	if p, err := exec.LookPath("minio"); err == nil {
		return p
	}
	tb.Fatal("no MinIO server binary: run `make test`, which builds it into bin/minio, or set CHILDMATCH_MINIO_BIN")
	return ""
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode()&0o111 != 0
}

// NewKMSKey returns a fresh static KMS key in MinIO's form: a name, a colon and 32 random bytes in base64.
func NewKMSKey() string {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		panic(err)
	}
	return "childmatch-test:" + base64.StdEncoding.EncodeToString(key)
}

func random(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

func freePort(tb testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port
}

func (s *Server) start() {
	s.tb.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.output = &bytes.Buffer{}
	cmd := exec.Command(s.bin, "server", s.dir, "--quiet", "--address", s.Endpoint, "--console-address", "127.0.0.1:"+freePort(s.tb))
	cmd.Env = append(os.Environ(), "MINIO_ROOT_USER="+s.AccessKey, "MINIO_ROOT_PASSWORD="+s.SecretKey,
		"MINIO_BROWSER=off", "MINIO_UPDATE=off", "MINIO_KMS_SECRET_KEY="+s.KMSKey)
	cmd.Stdout, cmd.Stderr = s.output, s.output
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // never outlive the test binary
	if err := cmd.Start(); err != nil {
		s.tb.Fatalf("starting MinIO %s: %v", s.bin, err)
	}
	s.cmd = cmd
	s.stopped = make(chan struct{})
	go func(done chan struct{}) { cmd.Wait(); close(done) }(s.stopped)

	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	for {
		// The health check answers before the object layer is up; an anonymous S3 request answers 503
		// until it is, and 403 (access denied) once it serves.
		req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+s.Endpoint+"/", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusForbidden {
				return
			}
		}
		select {
		case <-s.stopped:
			s.tb.Fatalf("MinIO exited while starting:\n%s", tail(s.output))
		case <-ctx.Done():
			s.tb.Fatalf("MinIO did not answer within %s:\n%s", startTimeout, tail(s.output))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func tail(b *bytes.Buffer) string {
	out := b.Bytes()
	if len(out) > 4000 {
		out = out[len(out)-4000:]
	}
	return string(out)
}

// Stop stops the server; its data stays for Restart. Stopping a stopped server does nothing.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGCONT) // a paused server would never see the SIGTERM
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.stopped:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-s.stopped
	}
	s.cmd = nil
}

// Restart starts the server again on the same address with the same data.
func (s *Server) Restart() {
	s.tb.Helper()
	s.Stop()
	s.start()
}

// Pause stops the server's process (SIGSTOP) without ending it: connections are accepted by the kernel and
// requests sent, but nothing answers, as with a stalled or overloaded MinIO. Resume undoes it; the test's
// cleanup resumes a paused server before stopping it.
func (s *Server) Pause() {
	s.tb.Helper()
	s.signal(syscall.SIGSTOP)
	// The signal stops the process's threads asynchronously; wait until the kernel says it is stopped.
	stat := fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid)
	for deadline := time.Now().Add(startTimeout); ; time.Sleep(time.Millisecond) {
		b, err := os.ReadFile(stat)
		if err != nil || time.Now().After(deadline) {
			s.tb.Fatalf("MinIO did not stop: %v", err)
		}
		// The state follows the command name in parentheses: "pid (minio) T ...".
		if _, rest, ok := bytes.Cut(b, []byte(") ")); ok && len(rest) > 0 && rest[0] == 'T' {
			return
		}
	}
}

// Resume lets a paused server run again.
func (s *Server) Resume() {
	s.tb.Helper()
	s.signal(syscall.SIGCONT)
}

func (s *Server) signal(sig syscall.Signal) {
	s.tb.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		s.tb.Fatalf("MinIO is not running")
	}
	if err := s.cmd.Process.Signal(sig); err != nil {
		s.tb.Fatalf("signalling MinIO: %v", err)
	}
}
