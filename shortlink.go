package childmatch

import (
	"context"
	"fmt"
	"time"
)

// An SMS holds 70 characters of Hindi, too few for a signed link. A short link (/l/{token}) stands for
// one: its token is random, kept in the store with the signed path it opens and its expiry, and opening it
// redirects to that path, whose own signature is checked there (README: channels).

// ShortLink is a short token standing for a signed path of this service.
type ShortLink struct {
	Token string `json:"token"`
	// Target is the path it opens, with its exp and sig: never another site's address.
	Target  string    `json:"target"`
	Expires time.Time `json:"expires"`
}

// ShortLinkStore keeps short links.
type ShortLinkStore interface {
	// CreateShortLink writes a new link; EConflict when its token is taken.
	CreateShortLink(ctx context.Context, l *ShortLink) error
	// ShortLink reads a link; ENotFound when there is none.
	ShortLink(ctx context.Context, token string) (*ShortLink, error)
}

// Shortener makes and opens short links (auth.ShortLinks).
type Shortener interface {
	// Shorten keeps target (a signed path of this service) under a fresh token until expires, and returns
	// the short link's full address.
	Shorten(ctx context.Context, target string, expires time.Time) (string, error)
	// Resolve answers the path a token stands for: ENotFound for an unknown token, EUnauthorized for one
	// that has expired.
	Resolve(ctx context.Context, token string) (string, error)
}

// CardPath is the path of the card of message seq of an alert as the post received it, opened without
// sign-in by a signed link (Linker), as an SMS's short link does: GET /c/{alert}/{seq}/{post}/card.png.
func CardPath(alert ID, seq int, post ID) string {
	return fmt.Sprintf("/c/%s/%d/%s/card.png", alert, seq, post)
}
