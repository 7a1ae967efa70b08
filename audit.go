package childmatch

import (
	"context"
	"time"
)

// Event is one entry of the audit trail: who did what to which records, when and from where. It holds ids,
// never names, photos or contact details.
type Event struct {
	ID     ID        `json:"id"`
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Roles  []Role    `json:"roles"`
	Action string    `json:"action"` // e.g. "case.read", "case.create", "photo.add", "search", "review.decide"
	Cases  []ID      `json:"cases,omitempty"`
	Object string    `json:"object,omitempty"` // another id the action touched: a photo, face, review or user
	Remote string    `json:"remote,omitempty"`
}

// AuditQuery selects audit events.
type AuditQuery struct {
	Case  ID        // zero = any
	Actor string    // "" = any
	Since time.Time // zero = from the start
	Limit int
}

// AuditLog is the append-only audit trail.
type AuditLog interface {
	// Append writes one event; an event is never rewritten.
	Append(ctx context.Context, e *Event) error
	// Events returns the events matching q, oldest first.
	Events(ctx context.Context, q AuditQuery) ([]Event, error)
}

// ReviewStore keeps review items, one per pair of cases.
type ReviewStore interface {
	// CreateReview writes a new item; EConflict if one exists for the pair.
	CreateReview(ctx context.Context, r *Review) error
	Review(ctx context.Context, id string) (*Review, error)
	// UpdateReview is an atomic read-modify-write, retried on concurrent change, like UpdateCase.
	UpdateReview(ctx context.Context, id string, fn func(*Review) error) (*Review, error)
	// WalkReviews calls fn for every review item until fn returns false or an error.
	WalkReviews(ctx context.Context, fn func(*Review) (bool, error)) error
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
