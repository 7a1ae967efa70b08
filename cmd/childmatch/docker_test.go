package main

import (
	"context"
	"fmt"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"childmatch/fixtures"
	"childmatch/matcher"
	"childmatch/minio/miniotest"
)

// TestDockerImage builds the Dockerfile and runs the image against a real MinIO, where a Docker engine is
// available: the container must come up healthy with its models loaded, detecting as `make run` does
// (MTCNN first, through the ONNX Runtime the image carries). Without an engine it is skipped, saying so.
func TestDockerImage(t *testing.T) {
	if err := exec.Command("docker", "info").Run(); err != nil {
		t.Skip("no Docker engine on this machine (`docker info` failed); the Dockerfile is not built here")
	}
	root := fixtures.RepoRoot(t)
	tag := fmt.Sprintf("childmatch-test:%d", time.Now().UnixNano())
	if out, err := exec.Command("docker", "build", "-t", tag, root).CombinedOutput(); err != nil {
		t.Fatalf("docker build: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("docker", "rmi", "-f", tag).Run() })

	m := miniotest.Start(t)
	name := "childmatch-test-" + fmt.Sprint(time.Now().UnixNano())
	args := []string{"run", "-d", "--rm", "--name", name, "--network", "host",
		"-e", "CHILDMATCH_ADDR=127.0.0.1:18080", "-e", "CHILDMATCH_ADMIN_TOKEN=docker-test-token-0123456789abcdef",
		"-e", "MINIO_ENDPOINT=" + m.Endpoint, "-e", "MINIO_ACCESS_KEY=" + m.AccessKey,
		"-e", "MINIO_SECRET_KEY=" + m.SecretKey, "-e", "MINIO_BUCKET=" + m.Bucket, tag}
	if out, err := exec.Command("docker", args...).CombinedOutput(); err != nil {
		t.Fatalf("docker run: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("docker", "rm", "-f", name).Run() })

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for ctx.Err() == nil {
		resp, err := http.Get("http://127.0.0.1:18080/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				logs, _ := exec.Command("docker", "logs", name).CombinedOutput()
				if !strings.Contains(string(logs), `"detector":"`+string(matcher.MTCNNFirst)+`"`) {
					t.Fatalf("the container does not detect with %s:\n%s", matcher.MTCNNFirst, logs)
				}
				return
			}
		}
		time.Sleep(time.Second)
	}
	logs, _ := exec.Command("docker", "logs", name).CombinedOutput()
	t.Fatalf("the container did not become healthy:\n%s", logs)
}
