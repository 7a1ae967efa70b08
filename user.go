package childmatch

import (
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
	if err := cleanText("name", &u.Name, MaxShortText); err != nil {
		return err
	}
	if u.Name == "" {
		return FieldError("name", "is required")
	}
	if err := cleanText("organisation", &u.Organisation, MaxShortText); err != nil {
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

// Has reports whether the actor holds any of the roles. Admins hold every role.
func (a Actor) Has(roles ...Role) bool {
	for _, r := range a.Roles {
		if r == RoleAdmin || slices.Contains(roles, r) {
			return true
		}
	}
	return false
}

// Require returns EForbidden unless the actor holds one of the roles.
func (a Actor) Require(what string, roles ...Role) error {
	if a.Has(roles...) {
		return nil
	}
	return Errorf(EForbidden, "%s needs the role %s", what, joinRoles(roles))
}

func joinRoles(roles []Role) string {
	s := ""
	for i, r := range roles {
		if i > 0 {
			s += " or "
		}
		s += string(r)
	}
	return s
}
