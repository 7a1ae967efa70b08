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

// Service authenticates and manages users and tokens.
type Service struct {
	users     childmatch.UserStore
	audit     childmatch.Auditor
	adminHash [sha256.Size]byte
	now       func() time.Time
}

var _ childmatch.UserService = (*Service)(nil)

// New returns the service over a user store and the audit trail. adminToken is the bootstrap token: it
// acts as an admin with no stored user.
func New(users childmatch.UserStore, audit childmatch.AuditLog, adminToken string) *Service {
	return &Service{users: users, audit: childmatch.Auditor{Log: audit, Now: time.Now},
		adminHash: sha256.Sum256([]byte(adminToken)), now: time.Now}
}

// Authenticate turns a bearer token into the acting user. Unknown and revoked tokens are EUnauthorized.
func (s *Service) Authenticate(ctx context.Context, secret, remote string) (childmatch.Actor, error) {
	sum := sha256.Sum256([]byte(secret))
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
	u, err := s.users.User(ctx, t.UserID)
	if childmatch.ErrorCodeOf(err) == childmatch.ENotFound {
		return childmatch.Actor{}, invalid
	}
	if err != nil {
		return childmatch.Actor{}, err
	}
	return childmatch.Actor{ID: u.ID.String(), Name: u.Name, Organisation: u.Organisation, Roles: u.Roles, Remote: remote}, nil
}
