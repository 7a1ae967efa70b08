package childmatch

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
)

// tokenBytes is the entropy of an API token: 256 bits, so tokens cannot be guessed or enumerated.
const tokenBytes = 32

// bootstrapAdmin is the actor of the bootstrap token from the environment.
const bootstrapAdmin = "admin"

// Authenticate turns a bearer token into the acting user. Unknown and revoked tokens are EUnauthorized.
func (s *Service) Authenticate(ctx context.Context, secret, remote string) (Actor, error) {
	sum := sha256.Sum256([]byte(secret))
	if subtle.ConstantTimeCompare(sum[:], s.adminHash[:]) == 1 {
		return Actor{ID: bootstrapAdmin, Name: "bootstrap admin", Roles: []Role{RoleAdmin}, Remote: remote}, nil
	}
	t, err := s.users.Token(ctx, hex.EncodeToString(sum[:]))
	if ErrorCodeOf(err) == ENotFound || (err == nil && t.RevokedAt != nil) {
		return Actor{}, Errorf(EUnauthorized, "the token is not valid")
	}
	if err != nil {
		return Actor{}, err
	}
	u, err := s.users.User(ctx, t.UserID)
	if ErrorCodeOf(err) == ENotFound {
		return Actor{}, Errorf(EUnauthorized, "the token is not valid")
	}
	if err != nil {
		return Actor{}, err
	}
	return Actor{ID: u.ID.String(), Name: u.Name, Organisation: u.Organisation, Roles: u.Roles, Remote: remote}, nil
}

// record appends an audit event. If it cannot be written the action fails: an access that leaves no trace
// must not happen.
func (s *Service) record(ctx context.Context, actor Actor, action string, cases []ID, object string) error {
	e := &Event{ID: NewID(), At: s.now().UTC(), Actor: actor.ID, Roles: actor.Roles, Action: action,
		Cases: cases, Object: object, Remote: actor.Remote}
	if err := s.audit.Append(ctx, e); err != nil {
		return err
	}
	return nil
}

// CreateUser adds a user. Admins only.
func (s *Service) CreateUser(ctx context.Context, actor Actor, nu NewUser) (*User, error) {
	if err := actor.Require("managing users", RoleAdmin); err != nil {
		return nil, err
	}
	if err := nu.Validate(); err != nil {
		return nil, err
	}
	u := &User{ID: NewID(), Name: nu.Name, Organisation: nu.Organisation, Roles: nu.Roles,
		CreatedAt: s.now().UTC(), CreatedBy: actor.ID}
	if err := s.users.CreateUser(ctx, u); err != nil {
		return nil, err
	}
	if err := s.record(ctx, actor, "user.create", nil, u.ID.String()); err != nil {
		return nil, err
	}
	return u, nil
}

// Users lists every user. Admins only.
func (s *Service) Users(ctx context.Context, actor Actor) ([]*User, error) {
	if err := actor.Require("managing users", RoleAdmin); err != nil {
		return nil, err
	}
	users := []*User{}
	err := s.users.WalkUsers(ctx, func(u *User) (bool, error) {
		users = append(users, u)
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.record(ctx, actor, "user.list", nil, ""); err != nil {
		return nil, err
	}
	return users, nil
}

// IssueToken makes a new API token for a user and returns its secret, which is shown this once: only its
// hash is stored. Admins only.
func (s *Service) IssueToken(ctx context.Context, actor Actor, userID ID) (string, *Token, error) {
	if err := actor.Require("managing users", RoleAdmin); err != nil {
		return "", nil, err
	}
	if _, err := s.users.User(ctx, userID); err != nil {
		return "", nil, err
	}
	raw := make([]byte, tokenBytes)
	if _, err := rand.Read(raw); err != nil {
		return "", nil, err
	}
	secret := "cm_" + base64.RawURLEncoding.EncodeToString(raw)
	sum := sha256.Sum256([]byte(secret))
	hash := hex.EncodeToString(sum[:])
	t := &Token{ID: hash[:16], UserID: userID, CreatedAt: s.now().UTC()}
	if err := s.users.CreateToken(ctx, hash, t); err != nil {
		return "", nil, err
	}
	if err := s.record(ctx, actor, "token.issue", nil, userID.String()); err != nil {
		return "", nil, err
	}
	return secret, t, nil
}

// RevokeToken revokes a token by its id; the token stops working at once. Admins only.
func (s *Service) RevokeToken(ctx context.Context, actor Actor, tokenID string) (*Token, error) {
	if err := actor.Require("managing users", RoleAdmin); err != nil {
		return nil, err
	}
	if len(tokenID) != 16 {
		return nil, FieldError("id", "is not a token id")
	}
	if _, err := hex.DecodeString(tokenID); err != nil {
		return nil, FieldError("id", "is not a token id")
	}
	now := s.now().UTC()
	t, err := s.users.UpdateToken(ctx, tokenID, func(t *Token) error {
		if t.RevokedAt == nil {
			t.RevokedAt = &now
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.record(ctx, actor, "token.revoke", nil, t.UserID.String()); err != nil {
		return nil, err
	}
	return t, nil
}

// AuditEvents returns the audit trail selected by q. Admins only; reading the trail is itself recorded.
func (s *Service) AuditEvents(ctx context.Context, actor Actor, q AuditQuery) ([]Event, error) {
	if err := actor.Require("reading the audit trail", RoleAdmin); err != nil {
		return nil, err
	}
	if q.Limit <= 0 {
		q.Limit = DefaultAuditPage
	}
	if q.Limit > MaxAuditPage {
		return nil, FieldError("limit", "must be at most %d", MaxAuditPage)
	}
	events, err := s.audit.Events(ctx, q)
	if err != nil {
		return nil, err
	}
	if err := s.record(ctx, actor, "audit.read", nil, ""); err != nil {
		return nil, err
	}
	return events, nil
}
