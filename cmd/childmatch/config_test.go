package main

import (
	"strings"
	"testing"
)

// TestDetectThreadsConfig: CHILDMATCH_DETECT_THREADS sets the HOG detection's threads; zero or a word is
// refused, naming the variable.
func TestDetectThreadsConfig(t *testing.T) {
	t.Setenv("CHILDMATCH_ADMIN_TOKEN", newToken())
	for k, v := range map[string]string{"MINIO_ENDPOINT": "127.0.0.1:9", "MINIO_ACCESS_KEY": "k", "MINIO_SECRET_KEY": "secret-key"} {
		t.Setenv(k, v) // read, not dialled
	}
	t.Setenv("CHILDMATCH_DETECT_THREADS", "3")
	cfg, err := loadConfig()
	if err != nil || cfg.limits.DetectThreads != 3 {
		t.Fatalf("threads %d, %v", cfg.limits.DetectThreads, err)
	}
	for _, bad := range []string{"0", "two"} {
		t.Setenv("CHILDMATCH_DETECT_THREADS", bad)
		if _, err := loadConfig(); err == nil || !strings.Contains(err.Error(), "CHILDMATCH_DETECT_THREADS") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
