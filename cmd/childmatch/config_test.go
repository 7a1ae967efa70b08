package main

import (
	"strings"
	"testing"

	"childmatch/matcher"
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

// TestDetectorConfig: MTCNN first by default where ONNX Runtime's library is configured, HOG then CNN where
// it is not; CHILDMATCH_DETECTOR chooses, and MTCNN without the library is refused, naming it.
func TestDetectorConfig(t *testing.T) {
	for _, c := range []struct {
		detector, library string
		want              matcher.Detector
		fails             bool
	}{
		{"", "/lib/libonnxruntime.so", matcher.MTCNNFirst, false},
		{"", "", matcher.HOGThenCNN, false},
		{"hog+cnn", "/lib/libonnxruntime.so", matcher.HOGThenCNN, false},
		{"mtcnn+hog+cnn", "", "", true},
	} {
		t.Setenv("CHILDMATCH_DETECTOR", c.detector)
		got, err := detectorConfig(c.library)
		if c.fails {
			if err == nil || !strings.Contains(err.Error(), "CHILDMATCH_ONNX_LIB") {
				t.Errorf("%q without a library: %v", c.detector, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%q, library %q: %q, %v; want %q", c.detector, c.library, got, err, c.want)
		}
	}
}
