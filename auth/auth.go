package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"time"

	"childmatch"
)

// bootstrapAdmin is the actor id of the bootstrap token from the environment.
const bootstrapAdmin = "admin"

// Service authenticates and manages users, tokens and web sessions.
type Service struct {
	users     childmatch.UserStore
	sessions  childmatch.SessionStore
	audit     childmatch.Auditor
	adminHash [sha256.Size]byte
	limits    childmatch.SessionLimits
	now       func() time.Time
}

var _ childmatch.UserService = (*Service)(nil)

// Deps are what the service works with.
type Deps struct {
	Users    childmatch.UserStore
	Sessions childmatch.SessionStore
	Audit    childmatch.AuditLog
	// AdminToken is the bootstrap token: it acts as an admin with no stored user.
	AdminToken string
	Limits     childmatch.SessionLimits
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// New returns the service over its stores.
func New(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Service{users: d.Users, sessions: d.Sessions, audit: childmatch.Auditor{Log: d.Audit, Now: d.Now},
		adminHash: sha256.Sum256([]byte(d.AdminToken)), limits: d.Limits, now: d.Now}
}

// Authenticate turns a bearer token into the acting user. Unknown, revoked and expired tokens are
// EUnauthorized.
func (s *Service) Authenticate(ctx context.Context, secret, remote string) (childmatch.Actor, error) {
	return s.actor(ctx, sha256.Sum256([]byte(secret)), remote)
}

// actor finds the user of the token with the given hash.
func (s *Service) actor(ctx context.Context, sum [sha256.Size]byte, remote string) (childmatch.Actor, error) {
	if subtle.ConstantTimeCompare(sum[:], s.adminHash[:]) == 1 {
		return childmatch.Actor{ID: bootstrapAdmin, Name: "bootstrap admin", Roles: []childmatch.Role{childmatch.RoleAdmin},
			Remote: remote}, nil
	}
	invalid := childmatch.Errorf(childmatch.EUnauthorized, "the token is not valid")
	t, err := s.users.Token(ctx, hex.EncodeToString(sum[:]))
	if childmatch.ErrorCodeOf(err) == childmatch.ENotFound || (err == nil && t.RevokedAt != nil) {
		return childmatch.Actor{}, invalid
	}
	if err != nil {
		return childmatch.Actor{}, err
	}
	if t.ExpiresAt != nil && !s.now().Before(*t.ExpiresAt) {
		return childmatch.Actor{}, childmatch.Errorf(childmatch.EUnauthorized, "the token has expired")
	}
	u, err := s.users.User(ctx, t.UserID)
	if childmatch.ErrorCodeOf(err) == childmatch.ENotFound {
		return childmatch.Actor{}, invalid
	}
	if err != nil {
		return childmatch.Actor{}, err
	}
	return childmatch.Actor{ID: u.ID.String(), Name: u.Name, Organisation: u.Organisation, Roles: u.Roles, Remote: remote}, nil
}
