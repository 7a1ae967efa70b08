package childmatch

import (
	"context"
	"crypto/ecdh"
	"encoding/base64"
	"net/url"
	"strings"
	"time"
)

// Web Push reaches an officer's phone with the app closed: each browser that allows it gives the service a
// subscription (the push service's endpoint and the browser's keys), kept per user; an alert for a post is
// pushed to every subscription of the post's users (package push), encrypted to the browser's key
// (RFC 8291) and signed with the service's VAPID key (RFC 8292). An endpoint names one device: never logged.

// PushKeys are a browser's keys for one subscription, base64url as PushSubscription.toJSON gives them.
type PushKeys struct {
	P256dh string `json:"p256dh"` // the browser's P-256 public key, uncompressed (65 bytes)
	Auth   string `json:"auth"`   // the shared authentication secret (16 bytes)
}

// PushSubscription is one browser's subscription.
type PushSubscription struct {
	Endpoint string   `json:"endpoint"`
	Keys     PushKeys `json:"keys"`
	// ExpirationTime is when the browser says the subscription ends (ms since 1970), null for most.
	ExpirationTime *int64    `json:"expirationTime"`
	CreatedAt      time.Time `json:"created_at"`
}

// PushSubscriptions are one user's subscriptions, one per browser or phone.
type PushSubscriptions struct {
	User ID                 `json:"user"`
	Subs []PushSubscription `json:"subscriptions"`
}

// PushStore keeps users' push subscriptions.
type PushStore interface {
	// PushSubscriptions reads a user's subscriptions; a user with none has an empty list, not an error.
	PushSubscriptions(ctx context.Context, user ID) (*PushSubscriptions, error)
	// UpdatePushSubscriptions is an atomic read-modify-write of a user's subscriptions, starting from an
	// empty list for a user with none.
	UpdatePushSubscriptions(ctx context.Context, user ID, fn func(*PushSubscriptions) error) (*PushSubscriptions, error)
}

// PushService is what a user does with Web Push (push.Service).
type PushService interface {
	// PublicKey is the service's VAPID public key, base64url, for PushManager.subscribe.
	PublicKey(actor Actor) (string, error)
	// Subscribe adds or renews the actor's subscription (one per endpoint).
	Subscribe(ctx context.Context, actor Actor, s PushSubscription) error
	// Unsubscribe removes the actor's subscription of that endpoint; one that is not there is not an error.
	Unsubscribe(ctx context.Context, actor Actor, endpoint string) error
}

// Validate checks a subscription as a browser sent it: an https endpoint (http only to this machine, for
// tests), a P-256 public key and a 16-byte secret.
func (s *PushSubscription) Validate() error {
	if err := ValidPushEndpoint(s.Endpoint); err != nil {
		return err
	}
	key, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s.Keys.P256dh, "="))
	if err == nil {
		_, err = ecdh.P256().NewPublicKey(key)
	}
	if err != nil {
		return FieldError("keys.p256dh", "must be the base64url of an uncompressed P-256 public key")
	}
	auth, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s.Keys.Auth, "="))
	if err != nil || len(auth) != PushAuthBytes {
		return FieldError("keys.auth", "must be the base64url of %d bytes", PushAuthBytes)
	}
	return nil
}

// ValidPushEndpoint checks a push service's endpoint.
func ValidPushEndpoint(endpoint string) error {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" || len(endpoint) > MaxPushEndpointBytes || u.User != nil ||
		(u.Scheme != "https" && !(u.Scheme == "http" && loopback(u.Hostname()))) {
		return FieldError("endpoint", "must be a push service's https address (http only to this machine), at most %d bytes", MaxPushEndpointBytes)
	}
	return nil
}
