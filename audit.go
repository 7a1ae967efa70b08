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

// AuditService reads the trail (service.Service); admins only, and the reading is itself recorded.
type AuditService interface {
	AuditEvents(ctx context.Context, actor Actor, q AuditQuery) ([]Event, error)
}

// Auditor writes the audit trail's events for the services.
type Auditor struct {
	Log AuditLog
	Now func() time.Time
}

// Record appends an audit event. If it cannot be written the action fails: an access that leaves no trace
// must not happen.
func (a Auditor) Record(ctx context.Context, actor Actor, action string, cases []ID, object string) error {
	return a.Log.Append(ctx, &Event{ID: NewID(), At: a.Now().UTC(), Actor: actor.ID, Roles: actor.Roles,
		Action: action, Cases: cases, Object: object, Remote: actor.Remote})
}
