package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"time"

	"childmatch"
)

// Web sessions: signing in exchanges an API token for a session whose secret only the browser's HttpOnly
// cookie holds; the store keeps its hash. A session ends at sign-out, when an admin ends it, when it has
// been idle for the idle limit, at the absolute limit after sign-in, and when its token is revoked or
// expires. Each session has its own random CSRF token, which every request that changes something must
// carry: one a page of another site invents is refused, whatever cookies it managed to set.

// SignIn checks the token and starts a session for its user.
func (s *Service) SignIn(ctx context.Context, token, remote string) (*childmatch.SignedIn, error) {
	sum := sha256.Sum256([]byte(token))
	actor, err := s.actor(ctx, sum, remote)
	if err != nil {
		return nil, err
	}
	secret, hash, err := newSecret("cms_", childmatch.SessionBytes)
	if err != nil {
		return nil, err
	}
	csrf := make([]byte, 24)
	if _, err := rand.Read(csrf); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	sess := &childmatch.Session{ID: hash[:16], ActorID: actor.ID, TokenHash: hex.EncodeToString(sum[:]),
		CSRF: base64.RawURLEncoding.EncodeToString(csrf), CreatedAt: now, LastSeen: now, Remote: remote}
	if err := s.sessions.CreateSession(ctx, hash, sess); err != nil {
		return nil, err
	}
	if err := s.audit.Record(ctx, actor, "session.start", nil, sess.ID); err != nil {
		return nil, err
	}
	return &childmatch.SignedIn{Secret: secret, CSRF: sess.CSRF, Actor: actor, ExpiresAt: now.Add(s.limits.MaxAge)}, nil
}

// AuthenticateSession turns a session's secret into its user, checking the CSRF token of a request that
// changes something, and notes the use.
func (s *Service) AuthenticateSession(ctx context.Context, secret, remote string, changes bool, csrf string) (childmatch.Actor, error) {
	hash := hashOf(secret)
	sess, err := s.sessions.Session(ctx, hash)
	if childmatch.ErrorCodeOf(err) == childmatch.ENotFound {
		return childmatch.Actor{}, childmatch.Errorf(childmatch.EUnauthorized, "the session has ended; sign in again")
	}
	if err != nil {
		return childmatch.Actor{}, err
	}
	now := s.now().UTC()
	if !now.Before(s.limits.End(sess)) {
		if err := s.end(ctx, sess.ID); err != nil {
			return childmatch.Actor{}, err
		}
		return childmatch.Actor{}, childmatch.Errorf(childmatch.EUnauthorized, "the session has expired; sign in again")
	}
	if changes && subtle.ConstantTimeCompare([]byte(csrf), []byte(sess.CSRF)) != 1 {
		return childmatch.Actor{}, childmatch.Errorf(childmatch.EForbidden, "the request lacks its CSRF token; reload the page")
	}
	var sum [sha256.Size]byte
	if n, err := hex.Decode(sum[:], []byte(sess.TokenHash)); err != nil || n != len(sum) {
		return childmatch.Actor{}, &childmatch.Error{Code: childmatch.EInternal, Message: "a session record is unreadable", Err: err}
	}
	actor, err := s.actor(ctx, sum, remote)
	if childmatch.ErrorCodeOf(err) == childmatch.EUnauthorized {
		if err := s.end(ctx, sess.ID); err != nil {
			return childmatch.Actor{}, err
		}
	}
	if err != nil {
		return childmatch.Actor{}, err
	}
	if touch := time.Duration(float64(s.limits.Idle) * childmatch.SessionTouchShare); now.Sub(sess.LastSeen) >= touch {
		_, err := s.sessions.UpdateSession(ctx, hash, func(sess *childmatch.Session) error {
			if now.After(sess.LastSeen) {
				sess.LastSeen = now
			}
			return nil
		})
		// A concurrent request noted the use, or a sign-out just ended the session: either way this
		// request was authenticated before.
		if code := childmatch.ErrorCodeOf(err); code != "" && code != childmatch.EConflict && code != childmatch.ENotFound {
			return childmatch.Actor{}, err
		}
	}
	return actor, nil
}

// end removes a session that has ended; one already gone is no error.
func (s *Service) end(ctx context.Context, id string) error {
	if err := s.sessions.DeleteSession(ctx, id); childmatch.ErrorCodeOf(err) != childmatch.ENotFound {
		return err
	}
	return nil
}

// SignOut ends the session of the secret.
func (s *Service) SignOut(ctx context.Context, secret, remote string) error {
	sess, err := s.sessions.Session(ctx, hashOf(secret))
	if childmatch.ErrorCodeOf(err) == childmatch.ENotFound {
		return nil
	}
	if err != nil {
		return err
	}
	if err := s.end(ctx, sess.ID); err != nil {
		return err
	}
	return s.audit.Record(ctx, childmatch.Actor{ID: sess.ActorID, Remote: remote}, "session.end", nil, sess.ID)
}

// Sessions lists the sessions that have not ended, removing those that have. Admins only.
func (s *Service) Sessions(ctx context.Context, actor childmatch.Actor) ([]childmatch.SessionInfo, error) {
	if err := actor.Require(childmatch.ActListSessions); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	list := []childmatch.SessionInfo{}
	err := s.sessions.WalkSessions(ctx, func(sess *childmatch.Session) (bool, error) {
		end := s.limits.End(sess)
		if !now.Before(end) {
			return true, s.end(ctx, sess.ID)
		}
		list = append(list, childmatch.SessionInfo{ID: sess.ID, ActorID: sess.ActorID, TokenID: sess.TokenHash[:16],
			CreatedAt: sess.CreatedAt, LastSeen: sess.LastSeen, EndsAt: end, Remote: sess.Remote})
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.audit.Record(ctx, actor, "session.list", nil, ""); err != nil {
		return nil, err
	}
	return list, nil
}

// RevokeSession ends a session by its id. Admins only.
func (s *Service) RevokeSession(ctx context.Context, actor childmatch.Actor, id string) error {
	if err := actor.Require(childmatch.ActEndSession); err != nil {
		return err
	}
	if err := checkID(id, "session"); err != nil {
		return err
	}
	if err := s.sessions.DeleteSession(ctx, id); err != nil {
		return err
	}
	return s.audit.Record(ctx, actor, "session.revoke", nil, id)
}
