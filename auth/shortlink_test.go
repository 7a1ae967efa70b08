package auth

import (
	"context"
	"strings"
	"testing"
	"time"

	"childmatch"
	"childmatch/inmem"
)

// TestShortLinks: a short link fits an SMS, opens its path until it expires, and keeps only paths of
// this service; unknown and malformed tokens are not found.
func TestShortLinks(t *testing.T) {
	now := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	s, err := NewShortLinks(&inmem.ShortLinks{}, "https://childmatch.example.in/", clock)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	target := "/c/x/1/y/card.png?exp=1&sig=abc"
	link, err := s.Shorten(ctx, target, now.Add(childmatch.LinkTTL))
	if err != nil {
		t.Fatal(err)
	}
	token, ok := strings.CutPrefix(link, "https://childmatch.example.in/l/")
	if !ok || len(token) != 8 {
		t.Fatalf("short link %q", link)
	}
	if again, _ := s.Shorten(ctx, target, now.Add(time.Hour)); again == link {
		t.Error("two links got one token")
	}
	if got, err := s.Resolve(ctx, token); err != nil || got != target {
		t.Fatalf("resolve: %q, %v", got, err)
	}
	now = now.Add(childmatch.LinkTTL + time.Second)
	if _, err := s.Resolve(ctx, token); childmatch.ErrorCodeOf(err) != childmatch.EUnauthorized {
		t.Errorf("an expired link: %v", err)
	}
	for _, bad := range []string{"AAAAAAAA", "../../x", "a"} {
		if _, err := s.Resolve(ctx, bad); childmatch.ErrorCodeOf(err) != childmatch.ENotFound {
			t.Errorf("token %q: %v", bad, err)
		}
	}
	for _, bad := range []string{"https://evil.example/x", "//evil.example/x", "card.png"} {
		if _, err := s.Shorten(ctx, bad, now); childmatch.ErrorField(err) != "target" {
			t.Errorf("target %q: %v", bad, err)
		}
	}
}
