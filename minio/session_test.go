package minio_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"childmatch"
)

// TestSessionRecords: a session is read and changed by its hash and removed by its id; an id that is not
// 16 hex digits removes nothing, so a client cannot name a prefix of every session.
func TestSessionRecords(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t)
	now := time.Now().UTC().Truncate(time.Millisecond)
	hashes := []string{strings.Repeat("ab", 32), strings.Repeat("cd", 32)}
	for _, h := range hashes {
		if err := s.CreateSession(ctx, h, &childmatch.Session{ID: h[:16], ActorID: "admin", CreatedAt: now, LastSeen: now}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateSession(ctx, hashes[0], &childmatch.Session{ID: hashes[0][:16]}); childmatch.ErrorCodeOf(err) != childmatch.EConflict {
		t.Fatalf("a second session under one hash: %v", err)
	}
	later := now.Add(time.Minute)
	if _, err := s.UpdateSession(ctx, hashes[0], func(sess *childmatch.Session) error { sess.LastSeen = later; return nil }); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Session(ctx, hashes[0]); err != nil || !got.LastSeen.Equal(later) || got.ActorID != "admin" {
		t.Fatalf("read back: %+v %v", got, err)
	}
	for _, bad := range []string{"", "a", "ab", hashes[0][:15], hashes[0][:17], "../tokens/abcdef0"} {
		if err := s.DeleteSession(ctx, bad); childmatch.ErrorCodeOf(err) != childmatch.ENotFound {
			t.Errorf("delete %q: %v, want not found", bad, err)
		}
	}
	if err := s.DeleteSession(ctx, hashes[0][:16]); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, hashes[0]); childmatch.ErrorCodeOf(err) != childmatch.ENotFound {
		t.Fatalf("a deleted session: %v", err)
	}
	var left []string
	if err := s.WalkSessions(ctx, func(sess *childmatch.Session) (bool, error) { left = append(left, sess.ID); return true, nil }); err != nil {
		t.Fatal(err)
	}
	if len(left) != 1 || left[0] != hashes[1][:16] {
		t.Fatalf("sessions left: %v", left)
	}
}
