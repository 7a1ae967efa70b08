package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"strconv"
	"time"

	"childmatch"
)

// Links signs links with a key every replica shares (CHILDMATCH_LINK_KEY): HMAC-SHA256 of the path and
// the expiry, so a link cannot be moved to another case or kept alive past its time.
type Links struct {
	key []byte
	now func() time.Time
}

var _ childmatch.Linker = (*Links)(nil)

// NewLinks returns a signer; nil now is time.Now.
func NewLinks(key []byte, now func() time.Time) *Links {
	if now == nil {
		now = time.Now
	}
	return &Links{key: key, now: now}
}

func (l *Links) mac(path, exp string) string {
	m := hmac.New(sha256.New, l.key)
	m.Write([]byte(path + "\n" + exp))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// Sign returns path?exp=...&sig=... (or &exp= when path has a query).
func (l *Links) Sign(path string, ttl time.Duration) string {
	exp := strconv.FormatInt(l.now().Add(ttl).Unix(), 10)
	sep := "?"
	if u, err := url.Parse(path); err == nil && u.RawQuery != "" {
		sep = "&"
	}
	return path + sep + "exp=" + exp + "&sig=" + l.mac(path, exp)
}

// Check verifies exp and sig for path (the path as signed, without exp and sig).
func (l *Links) Check(path, exp, sig string) error {
	at, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || !hmac.Equal([]byte(sig), []byte(l.mac(path, exp))) {
		return childmatch.Errorf(childmatch.EUnauthorized, "the link is not valid")
	}
	if l.now().Unix() > at {
		return childmatch.Errorf(childmatch.EUnauthorized, "the link has expired; open the alert in the app")
	}
	return nil
}
