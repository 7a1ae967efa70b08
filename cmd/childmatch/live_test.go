package main

import (
	"bufio"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"childmatch/minio/miniotest"
)

// TestLiveAcrossReplicas: two service processes over one MinIO, sharing one VAPID key file. A stream open
// on B hears of the alert raised through A; both answer the same push key; B stops cleanly on SIGTERM
// with the stream still open, and the stream ends.
func TestLiveAcrossReplicas(t *testing.T) {
	if testing.Short() {
		t.Skip("starts MinIO and two service processes")
	}
	m := miniotest.Start(t)
	token := newToken()
	t.Setenv("CHILDMATCH_VAPID_FILE", filepath.Join(t.TempDir(), "vapid.json"))
	t.Setenv("CHILDMATCH_VAPID_SUBJECT", "mailto:control@example.in")
	a := startReplica(t, "A", m, token, t.TempDir())
	b := startReplica(t, "B", m, token, t.TempDir())
	var keyA, keyB struct {
		PublicKey string `json:"public_key"`
	}
	_, body := a.call(t, "GET", "/v1/push/key", "", nil)
	json.Unmarshal(body, &keyA)
	_, body = b.call(t, "GET", "/v1/push/key", "", nil)
	json.Unmarshal(body, &keyB)
	if keyA.PublicKey == "" || keyA.PublicKey != keyB.PublicKey {
		t.Fatalf("the replicas sign with different VAPID keys: %q and %q", keyA.PublicKey, keyB.PublicKey)
	}

	req, _ := http.NewRequest("GET", b.url+"/v1/alerts/stream", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("stream on B: %v %v", err, resp)
	}
	defer resp.Body.Close()
	events := make(chan string, 16)
	go func() {
		defer close(events)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				events <- data
			}
		}
	}()
	time.Sleep(3 * time.Second) // B's first look at the alerts

	var c struct {
		ID string `json:"id"`
	}
	json.Unmarshal(a.json(t, "POST", "/v1/cases", map[string]any{"kind": "missing", "child": map[string]any{"age": 9},
		"sighting": map[string]any{"state": "Madhya Pradesh"}, "reporter": map[string]any{"organisation": "GRP"}}, http.StatusCreated), &c)
	start := time.Now()
	select {
	case data := <-events:
		var ev struct {
			Type  string `json:"type"`
			Alert string `json:"alert_id"`
		}
		json.Unmarshal([]byte(data), &ev)
		if ev.Type != "alert.raised" || ev.Alert != c.ID {
			t.Fatalf("B's stream heard %s, want alert.raised of %s", data, c.ID)
		}
		t.Logf("the alert raised on A reached B's stream in %v", time.Since(start).Round(10*time.Millisecond))
	case <-time.After(10 * time.Second):
		t.Fatal("the alert raised on A did not reach B's stream within 10 s")
	}
	b.stop(t) // fails the test if B does not exit cleanly within 30 s
	select {
	case _, open := <-events:
		if open {
			t.Fatal("an event after B stopped")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("B's stream is still open after B stopped")
	}
}
