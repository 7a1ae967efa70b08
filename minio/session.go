package minio

import (
	"context"

	miniogo "github.com/minio/minio-go/v7"

	"childmatch"
)

// Web sessions are sessions/<sha256 of the secret>.json; the secret itself is never stored.

var _ childmatch.SessionStore = (*Store)(nil)

func sessionKey(hash string) string { return "sessions/" + hash + ".json" }

// validSessionID keeps a client-given session id from naming any other key: an id is 16 hex digits.
func validSessionID(id string) error {
	if len(id) != 16 {
		return childmatch.Errorf(childmatch.ENotFound, "no session with that id")
	}
	for _, r := range id {
		if !('0' <= r && r <= '9' || 'a' <= r && r <= 'f') {
			return childmatch.Errorf(childmatch.ENotFound, "no session with that id")
		}
	}
	return nil
}

// CreateSession stores a new session under the hash of its secret.
func (s *Store) CreateSession(ctx context.Context, hash string, sess *childmatch.Session) error {
	return s.putJSON(ctx, sessionKey(hash), "session "+sess.ID, sess, "*")
}

// Session reads a session by the hash of its secret.
func (s *Store) Session(ctx context.Context, hash string) (*childmatch.Session, error) {
	var sess childmatch.Session
	if _, err := s.getJSON(ctx, sessionKey(hash), "session", &sess); err != nil {
		return nil, err
	}
	return &sess, nil
}

// UpdateSession changes a session atomically.
func (s *Store) UpdateSession(ctx context.Context, hash string, fn func(*childmatch.Session) error) (*childmatch.Session, error) {
	return update(ctx, s, sessionKey(hash), "session", fn)
}

// DeleteSession removes the session whose hash begins with id.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	if err := validSessionID(id); err != nil {
		return err
	}
	key, err := s.keyByPrefix(ctx, "sessions/"+id, "session with id "+id)
	if err != nil {
		return err
	}
	ctx, cancel := s.call(ctx)
	defer cancel()
	return s.fail(s.cl.RemoveObject(ctx, s.bucket, key, miniogo.RemoveObjectOptions{}), "session "+id)
}

// keyByPrefix finds the key of a record by its id, the first digits of the hash it is stored under.
func (s *Store) keyByPrefix(ctx context.Context, prefix, what string) (string, error) {
	var key string
	p := s.stream(ctx)
	defer p.done()
	for obj := range s.cl.ListObjects(p.ctx, s.bucket, miniogo.ListObjectsOptions{Prefix: prefix}) {
		if obj.Err != nil {
			return "", s.fail(p.err(obj.Err), "the listing of "+prefix)
		}
		p.kick()
		key = obj.Key
	}
	if key == "" {
		return "", childmatch.Errorf(childmatch.ENotFound, "no %s", what)
	}
	return key, nil
}

// WalkSessions reads every session.
func (s *Store) WalkSessions(ctx context.Context, fn func(*childmatch.Session) (bool, error)) error {
	return walk(ctx, s, "sessions/", "", fn)
}
