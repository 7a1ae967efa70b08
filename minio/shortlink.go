package minio

import (
	"context"

	"childmatch"
)

// links/<token>.json: a short link, the signed path it opens and its expiry.

var _ childmatch.ShortLinkStore = (*Store)(nil)

func shortLinkKey(token string) string { return "links/" + token + ".json" }

// CreateShortLink writes a new short link; EConflict when the token is taken.
func (s *Store) CreateShortLink(ctx context.Context, l *childmatch.ShortLink) error {
	return s.putJSON(ctx, shortLinkKey(l.Token), "short link", l, "*")
}

// ShortLink reads a short link.
func (s *Store) ShortLink(ctx context.Context, token string) (*childmatch.ShortLink, error) {
	var l childmatch.ShortLink
	if _, err := s.getJSON(ctx, shortLinkKey(token), "short link", &l); err != nil {
		return nil, err
	}
	return &l, nil
}
