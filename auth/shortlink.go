package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/url"
	"strings"
	"time"

	"childmatch"
)

// ShortLinks makes short links under the service's public address: https://host/l/{token}, the token
// ShortLinkBytes random bytes in base64url.
type ShortLinks struct {
	store childmatch.ShortLinkStore
	base  string
	now   func() time.Time
}

var _ childmatch.Shortener = (*ShortLinks)(nil)

// NewShortLinks returns a shortener whose links begin with base (the service's public address); nil now
// is time.Now.
func NewShortLinks(store childmatch.ShortLinkStore, base string, now func() time.Time) (*ShortLinks, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, childmatch.FieldError("public_url", "must be the service's http(s) address, for its short links")
	}
	if now == nil {
		now = time.Now
	}
	return &ShortLinks{store: store, base: strings.TrimRight(base, "/"), now: now}, nil
}

// tokenLen is the length of a token in base64url.
var tokenLen = base64.RawURLEncoding.EncodedLen(childmatch.ShortLinkBytes)

// Shorten keeps target under a fresh token. Only a path of this service is kept, so a short link can
// never send anyone elsewhere.
func (s *ShortLinks) Shorten(ctx context.Context, target string, expires time.Time) (string, error) {
	if !strings.HasPrefix(target, "/") || strings.HasPrefix(target, "//") {
		return "", childmatch.FieldError("target", "must be a path of this service")
	}
	for {
		b := make([]byte, childmatch.ShortLinkBytes)
		rand.Read(b)
		l := &childmatch.ShortLink{Token: base64.RawURLEncoding.EncodeToString(b), Target: target, Expires: expires.UTC()}
		err := s.store.CreateShortLink(ctx, l)
		if childmatch.ErrorCodeOf(err) == childmatch.EConflict {
			continue // 1 in 2^48 per link kept: draw again
		}
		if err != nil {
			return "", err
		}
		return s.base + "/l/" + l.Token, nil
	}
}

// Resolve answers the path of a token that has not expired.
func (s *ShortLinks) Resolve(ctx context.Context, token string) (string, error) {
	if len(token) != tokenLen || strings.Trim(token, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
		return "", childmatch.Errorf(childmatch.ENotFound, "no such link")
	}
	l, err := s.store.ShortLink(ctx, token)
	if err != nil {
		return "", err
	}
	if s.now().After(l.Expires) {
		return "", childmatch.Errorf(childmatch.EUnauthorized, "the link has expired; open the alert in the app")
	}
	return l.Target, nil
}
