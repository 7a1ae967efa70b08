package childmatch

import "time"

// A message that leaves the service (a webhook, a chat message, an SMS, a CAP document) carries links
// to the alert, its card and its face chip. They are never public: each is signed and expires after
// LinkTTL (auth.Links), and every opening is in the audit trail.

// Linker signs links and checks them.
type Linker interface {
	// Sign returns path with its expiry and signature added as the query's exp and sig.
	Sign(path string, ttl time.Duration) string
	// Check verifies a signed path's exp and sig: EUnauthorized when either is wrong or the link expired.
	Check(path, exp, sig string) error
}
