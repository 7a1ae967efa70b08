package auth

import (
	"net/url"
	"testing"
	"time"

	"childmatch"
)

func TestLinks(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	l := NewLinks([]byte("0123456789abcdef0123456789abcdef"), func() time.Time { return now })
	signed := l.Sign("/v1/alerts/abc/cap", 72*time.Hour)
	u, err := url.Parse(signed)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if err := l.Check(u.Path, q.Get("exp"), q.Get("sig")); err != nil {
		t.Fatalf("a fresh link is refused: %v", err)
	}
	if err := l.Check("/v1/alerts/abd/cap", q.Get("exp"), q.Get("sig")); childmatch.ErrorCodeOf(err) != childmatch.EUnauthorized {
		t.Errorf("the link moved to another alert: %v", err)
	}
	if err := l.Check(u.Path, q.Get("exp")+"0", q.Get("sig")); childmatch.ErrorCodeOf(err) != childmatch.EUnauthorized {
		t.Errorf("a lengthened expiry: %v", err)
	}
	now = now.Add(73 * time.Hour)
	if err := l.Check(u.Path, q.Get("exp"), q.Get("sig")); childmatch.ErrorCodeOf(err) != childmatch.EUnauthorized {
		t.Errorf("an expired link: %v", err)
	}
	if s := l.Sign("/x?post=1", time.Hour); s[:9] != "/x?post=1" || s[9] != '&' {
		t.Errorf("a path with a query signs as %q", s)
	}
}
