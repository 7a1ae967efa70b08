package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"

	"childmatch"
)

// newSecret returns prefix and n random bytes in base64url, and the hex SHA-256 under which it is stored.
func newSecret(prefix string, n int) (secret, hash string, err error) {
	raw := make([]byte, n)
	if _, err := rand.Read(raw); err != nil {
		return "", "", err
	}
	secret = prefix + base64.RawURLEncoding.EncodeToString(raw)
	return secret, hashOf(secret), nil
}

func hashOf(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// checkID refuses anything but the 16 hex digits of a token's or session's public id.
func checkID(id, what string) error {
	if len(id) != 16 {
		return childmatch.FieldError("id", "is not a %s id", what)
	}
	if _, err := hex.DecodeString(id); err != nil {
		return childmatch.FieldError("id", "is not a %s id", what)
	}
	return nil
}

// IssueToken makes a new API token for a user and returns its secret, which is shown this once: only its
// hash is stored. The token works until it is revoked or, if nt asks, until it expires. Admins only.
func (s *Service) IssueToken(ctx context.Context, actor childmatch.Actor, userID childmatch.ID, nt childmatch.NewToken) (string, *childmatch.Token, error) {
	if err := actor.Require(childmatch.ActManageUsers); err != nil {
		return "", nil, err
	}
	now := s.now().UTC()
	if err := nt.Validate(now); err != nil {
		return "", nil, err
	}
	if _, err := s.users.User(ctx, userID); err != nil {
		return "", nil, err
	}
	secret, hash, err := newSecret("cm_", childmatch.TokenBytes)
	if err != nil {
		return "", nil, err
	}
	t := &childmatch.Token{ID: hash[:16], UserID: userID, CreatedAt: now}
	if nt.ExpiresAt != nil {
		at := nt.ExpiresAt.UTC()
		t.ExpiresAt = &at
	}
	if err := s.users.CreateToken(ctx, hash, t); err != nil {
		return "", nil, err
	}
	if err := s.audit.Record(ctx, actor, "token.issue", nil, userID.String()); err != nil {
		return "", nil, err
	}
	return secret, t, nil
}

// RevokeToken revokes a token by its id; the token, and every session signed in with it, stops working at
// once. Admins only.
func (s *Service) RevokeToken(ctx context.Context, actor childmatch.Actor, tokenID string) (*childmatch.Token, error) {
	if err := actor.Require(childmatch.ActManageUsers); err != nil {
		return nil, err
	}
	if err := checkID(tokenID, "token"); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	t, err := s.users.UpdateToken(ctx, tokenID, func(t *childmatch.Token) error {
		if t.RevokedAt == nil {
			t.RevokedAt = &now
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.audit.Record(ctx, actor, "token.revoke", nil, t.UserID.String()); err != nil {
		return nil, err
	}
	return t, nil
}
