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
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
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
	IssueToken(ctx context.Context, actor Actor, userID ID) (string, *Token, error)
	RevokeToken(ctx context.Context, actor Actor, tokenID string) (*Token, error)
}
