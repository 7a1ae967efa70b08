package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"

	"childmatch"
)

// IssueToken makes a new API token for a user and returns its secret, which is shown this once: only its
// hash is stored. Admins only.
func (s *Service) IssueToken(ctx context.Context, actor childmatch.Actor, userID childmatch.ID) (string, *childmatch.Token, error) {
	if err := actor.Require(childmatch.ActManageUsers); err != nil {
		return "", nil, err
	}
	if _, err := s.users.User(ctx, userID); err != nil {
		return "", nil, err
	}
	raw := make([]byte, childmatch.TokenBytes)
	if _, err := rand.Read(raw); err != nil {
		return "", nil, err
	}
	secret := "cm_" + base64.RawURLEncoding.EncodeToString(raw)
	sum := sha256.Sum256([]byte(secret))
	hash := hex.EncodeToString(sum[:])
	t := &childmatch.Token{ID: hash[:16], UserID: userID, CreatedAt: s.now().UTC()}
	if err := s.users.CreateToken(ctx, hash, t); err != nil {
		return "", nil, err
	}
	if err := s.audit.Record(ctx, actor, "token.issue", nil, userID.String()); err != nil {
		return "", nil, err
	}
	return secret, t, nil
}

// RevokeToken revokes a token by its id; the token stops working at once. Admins only.
func (s *Service) RevokeToken(ctx context.Context, actor childmatch.Actor, tokenID string) (*childmatch.Token, error) {
	if err := actor.Require(childmatch.ActManageUsers); err != nil {
		return nil, err
	}
	if len(tokenID) != 16 {
		return nil, childmatch.FieldError("id", "is not a token id")
	}
	if _, err := hex.DecodeString(tokenID); err != nil {
		return nil, childmatch.FieldError("id", "is not a token id")
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
