package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// service is one childmatch with its own MinIO on 127.0.0.1, started by scripts/run.sh (as `make run`
// starts it) in a fresh data folder, and stopped with the run.
type service struct {
	url, token string
	dir        string
	cmd        *exec.Cmd
	exited     chan struct{}
	// pid is the childmatch process's (run.sh's child), whose memory the run reports.
	pid int
}

// startService starts scripts/run.sh under root and waits until the service answers /healthz.
func startService(ctx context.Context, root string, within time.Duration) (*service, error) {
	dir, err := os.MkdirTemp("", "childmatch-load-")
	if err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	var log *os.File
	if err == nil {
		log, err = os.Create(filepath.Join(dir, "service.log"))
	}
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	defer log.Close()
	s := &service{url: "http://" + addr, token: randomHex(32), dir: dir, exited: make(chan struct{})}
	s.cmd = exec.Command(filepath.Join(root, "scripts", "run.sh"))
	s.cmd.Env = append(ownMinIO(os.Environ()), "CHILDMATCH_DATA_DIR="+filepath.Join(dir, "data"),
		"CHILDMATCH_ADDR="+addr, "CHILDMATCH_ADMIN_TOKEN="+s.token)
	s.cmd.Stdout, s.cmd.Stderr = log, log
	// Its own process group, so that stop can end MinIO too if run.sh does not; SIGTERM if this process
	// dies first, on which run.sh stops the service and then MinIO.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := s.cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	go func() { s.cmd.Wait(); close(s.exited) }()
	if err := s.waitHealthy(ctx, within); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// ownMinIO is the environment without MinIO's and the admin token's variables, so that run.sh starts
// its own MinIO and the service takes the token given here.
func ownMinIO(env []string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "MINIO_") && !strings.HasPrefix(kv, "CHILDMATCH_ADMIN_TOKEN") {
			out = append(out, kv)
		}
	}
	return out
}

func (s *service) waitHealthy(ctx context.Context, within time.Duration) error {
	deadline := time.Now().Add(within)
	probe := &http.Client{Timeout: 5 * time.Second}
	for {
		if resp, err := probe.Get(s.url + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				if s.pid, err = childNamed(s.cmd.Process.Pid, "childmatch"); err != nil {
					return err
				}
				return nil
			}
		}
		select {
		case <-s.exited:
			return fmt.Errorf("the service exited while starting:\n%s", s.logTail())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the service did not answer /healthz within %s:\n%s", within, s.logTail())
		}
	}
}

// stop sends run.sh SIGTERM (it stops the service gracefully, then its MinIO), waits for it, kills its
// process group if it takes over a minute, and removes the data folder.
func (s *service) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(time.Minute):
		syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.exited
	}
	os.RemoveAll(s.dir)
}

func (s *service) logTail() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "service.log"))
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// memory returns the service's resident set and its peak since the last resetPeak, in bytes.
func (s *service) memory() (rss, peak int64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", s.pid))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, value, _ := strings.Cut(sc.Text(), ":")
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		switch {
		case name == "VmRSS" && err == nil:
			rss = kb << 10
		case name == "VmHWM" && err == nil:
			peak = kb << 10
		}
	}
	if rss == 0 || peak == 0 {
		return 0, 0, fmt.Errorf("no VmRSS and VmHWM in /proc/%d/status", s.pid)
	}
	return rss, peak, sc.Err()
}

// resetPeak sets the service's VmHWM to its current RSS (Linux 4.0 and later).
func (s *service) resetPeak() error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", s.pid), []byte("5"), 0)
}

// childNamed returns the pid of parent's child process whose command is name.
func childNamed(parent int, name string) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", parent, parent))
	if err != nil {
		return 0, err
	}
	for _, f := range strings.Fields(string(b)) {
		comm, err := os.ReadFile("/proc/" + f + "/comm")
		if err == nil && string(bytes.TrimSpace(comm)) == name {
			return strconv.Atoi(f)
		}
	}
	return 0, fmt.Errorf("no %s process under run.sh (pid %d)", name, parent)
}

// freeAddr returns a loopback address with a port free at the time of asking.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
