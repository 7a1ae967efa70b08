package childmatch

import (
	"context"
	"slices"
	"time"
)

// Role is what a user may do.
type Role string

const (
	RoleShelter  Role = "shelter"  // creates found cases, uploads intake photos, sees its own organisation's cases
	RoleOfficer  Role = "officer"  // creates missing and found cases, searches by photo, sees every case
	RoleReviewer Role = "reviewer" // works the review queue and decides; sees every case
	RoleAdmin    Role = "admin"    // manages users, reads the audit trail and the statistics; may do everything
)

// Roles lists every role, in the order they are shown.
var Roles = []Role{RoleShelter, RoleOfficer, RoleReviewer, RoleAdmin}

func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// User is a named person with roles in an organisation ("GRP Bhopal", "Childline Indore").
type User struct {
	ID           ID        `json:"id"`
	Name         string    `json:"name"`
	Organisation string    `json:"organisation"`
	Roles        []Role    `json:"roles"`
	CreatedAt    time.Time `json:"created_at"`
	CreatedBy    string    `json:"created_by"`
}

// NewUser is what an admin provides to create a user.
type NewUser struct {
	Name         string `json:"name"`
	Organisation string `json:"organisation"`
	Roles        []Role `json:"roles"`
}

// Validate trims and checks the fields, naming the first bad one.
func (u *NewUser) Validate() error {
	if err := CleanText("name", &u.Name, MaxShortText); err != nil {
		return err
	}
	if u.Name == "" {
		return FieldError("name", "is required")
	}
	if err := CleanText("organisation", &u.Organisation, MaxShortText); err != nil {
		return err
	}
	if u.Organisation == "" {
		return FieldError("organisation", "is required")
	}
	if len(u.Roles) == 0 {
		return FieldError("roles", "at least one role is required")
	}
	for _, r := range u.Roles {
		if !r.Valid() {
			return FieldError("roles", `%q is not a role; roles are "shelter", "officer", "reviewer", "admin"`, r)
		}
	}
	slices.Sort(u.Roles)
	u.Roles = slices.Compact(u.Roles)
	return nil
}

// Token is an API token's stored form: only the SHA-256 of the secret is kept, under its hash.
type Token struct {
	ID        string     `json:"id"` // the first 16 hex digits of the hash: safe to show and to revoke by
	UserID    ID         `json:"user_id"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"` // none: the token works until it is revoked
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// NewToken is what an admin may ask of a new token: an expiry, or none.
type NewToken struct {
	ExpiresAt *time.Time `json:"expires_at"`
}

// Validate checks that an expiry, if given, lies in the future.
func (t NewToken) Validate(now time.Time) error {
	if t.ExpiresAt != nil && !t.ExpiresAt.After(now) {
		return FieldError("expires_at", "must lie in the future")
	}
	return nil
}

// Actor is who is acting: every read and change is attributed to one.
type Actor struct {
	ID           string // the user's id; "admin" for the bootstrap token
	Name         string
	Organisation string
	Roles        []Role
	Remote       string // the client address, for the audit trail
}

// UserStore keeps users and their hashed tokens.
type UserStore interface {
	CreateUser(ctx context.Context, u *User) error
	User(ctx context.Context, id ID) (*User, error)
	WalkUsers(ctx context.Context, fn func(*User) (bool, error)) error
	// CreateToken stores a token under the hex SHA-256 of its secret.
	CreateToken(ctx context.Context, hash string, t *Token) error
	Token(ctx context.Context, hash string) (*Token, error)
	// UpdateToken is an atomic read-modify-write of a token, found by its id prefix.
	UpdateToken(ctx context.Context, id string, fn func(*Token) error) (*Token, error)
}

// UserService is users, their tokens and authentication (auth.Service).
type UserService interface {
	// Authenticate turns a bearer token into the acting user; unknown and revoked tokens are EUnauthorized.
	Authenticate(ctx context.Context, secret, remote string) (Actor, error)
	CreateUser(ctx context.Context, actor Actor, nu NewUser) (*User, error)
	Users(ctx context.Context, actor Actor) ([]*User, error)
	// IssueToken returns a new token's secret, shown this once: only its hash is stored.
	IssueToken(ctx context.Context, actor Actor, userID ID, nt NewToken) (string, *Token, error)
	RevokeToken(ctx context.Context, actor Actor, tokenID string) (*Token, error)

	// SignIn exchanges a token for a new web session; unknown, revoked and expired tokens are EUnauthorized.
	SignIn(ctx context.Context, token, remote string) (*SignedIn, error)
	// AuthenticateSession turns a session's secret into the acting user. A request that changes something
	// passes changes and the CSRF token it carried, which must be the session's (else EForbidden). Ended,
	// expired and unknown sessions are EUnauthorized.
	AuthenticateSession(ctx context.Context, secret, remote string, changes bool, csrf string) (Actor, error)
	// SignOut ends the session at once; an unknown or ended one is no error.
	SignOut(ctx context.Context, secret, remote string) error
	// Sessions lists the sessions that have not ended; RevokeSession ends one by its id. Admins only.
	Sessions(ctx context.Context, actor Actor) ([]SessionInfo, error)
	RevokeSession(ctx context.Context, actor Actor, id string) error
}

// Session is a web session's stored form, under the SHA-256 of its secret (the cookie's value, never
// stored). It holds the hash of the token it was signed in with, so it ends when that token is revoked or
// expires, and its CSRF token, which a request that changes something must carry.
type Session struct {
	ID        string    `json:"id"` // the first 16 hex digits of the hash: safe to show and to revoke by
	ActorID   string    `json:"actor_id"`
	TokenHash string    `json:"token_hash"`
	CSRF      string    `json:"csrf"`
	CreatedAt time.Time `json:"created_at"`
	LastSeen  time.Time `json:"last_seen"` // rewritten at most once per SessionTouchShare of the idle limit
	Remote    string    `json:"remote,omitempty"`
}

// End is when the session ends unless it is used again: after the idle limit since its last use, and at
// the latest the absolute limit after sign-in.
func (l SessionLimits) End(s *Session) time.Time {
	idle, absolute := s.LastSeen.Add(l.Idle), s.CreatedAt.Add(l.MaxAge)
	if idle.Before(absolute) {
		return idle
	}
	return absolute
}

// SessionInfo is what an admin sees of a session: nothing that would let anyone act as it.
type SessionInfo struct {
	ID        string    `json:"id"`
	ActorID   string    `json:"actor_id"`
	TokenID   string    `json:"token_id"`
	CreatedAt time.Time `json:"created_at"`
	LastSeen  time.Time `json:"last_seen"`
	EndsAt    time.Time `json:"ends_at"`
	Remote    string    `json:"remote,omitempty"`
}

// SignedIn is a new session: its secret for the HttpOnly cookie (shown this once), its CSRF token for the
// page to send back, who signed in and when the session ends at the latest.
type SignedIn struct {
	Secret    string
	CSRF      string
	Actor     Actor
	ExpiresAt time.Time
}

// SessionStore keeps web sessions under the hex SHA-256 of their secrets.
type SessionStore interface {
	CreateSession(ctx context.Context, hash string, s *Session) error
	Session(ctx context.Context, hash string) (*Session, error)
	// UpdateSession is an atomic read-modify-write of a session.
	UpdateSession(ctx context.Context, hash string, fn func(*Session) error) (*Session, error)
	// DeleteSession removes a session by its id (16 hex digits); ENotFound if there is none.
	DeleteSession(ctx context.Context, id string) error
	WalkSessions(ctx context.Context, fn func(*Session) (bool, error)) error
}
