package childmatch

import (
	"context"
	"encoding/hex"
	"slices"
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
	Until time.Time // zero = until now; the moment itself is not included
	Limit int
	After AuditCursor // where the previous page stopped; zero = from Since
}

// AuditPage is a page of the trail; Next is where the next page starts, zero at the end.
type AuditPage struct {
	Events []Event
	Next   AuditCursor
}

// AuditCursor is a position in the trail, which is kept day by day (UTC) and within a day in event-id
// order: after the event After of Day, or at the start of Day when After is zero. A page may end before
// it is full, at a day boundary, when it has scanned AuditScanDays days: the trail is read a day at a
// time, so a search that matches little reaches far back page by page, never in one long request.
type AuditCursor struct {
	Day   time.Time
	After ID
}

func (c AuditCursor) IsZero() bool { return c.Day.IsZero() }

// String is the cursor as a client carries it: the day as 8 digits, then the event's 32 hex digits.
func (c AuditCursor) String() string {
	if c.IsZero() {
		return ""
	}
	s := c.Day.Format("20060102")
	if !c.After.IsZero() {
		s += c.After.Hex()
	}
	return s
}

// ParseAuditCursor reads an AuditCursor's String.
func ParseAuditCursor(s string) (AuditCursor, error) {
	bad := FieldError("cursor", "is not a cursor this list gave")
	if len(s) != 8 && len(s) != 8+32 {
		return AuditCursor{}, bad
	}
	day, err := time.Parse("20060102", s[:8])
	if err != nil {
		return AuditCursor{}, bad
	}
	c := AuditCursor{Day: day}
	if len(s) > 8 {
		b, err := hex.DecodeString(s[8:])
		if err != nil {
			return AuditCursor{}, bad
		}
		copy(c.After[:], b)
	}
	return c, nil
}

// AuditDay is the day (UTC, at midnight) an event is kept under.
func AuditDay(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Admits reports whether q selects e, cursor aside.
func (q *AuditQuery) Admits(e *Event) bool {
	return !e.At.Before(q.Since) && (q.Until.IsZero() || e.At.Before(q.Until)) && (q.Actor == "" || e.Actor == q.Actor) &&
		(q.Case.IsZero() || slices.Contains(e.Cases, q.Case))
}

// Add puts e on the page if q selects it, it lies after q's cursor and the page has room. It returns false
// once the page is full, with Next set after the page's last event: the caller stops there.
func (p *AuditPage) Add(q *AuditQuery, e *Event) bool {
	day := AuditDay(e.At)
	if !q.After.IsZero() && (day.Before(q.After.Day) ||
		day.Equal(q.After.Day) && !q.After.After.IsZero() && e.ID.String() <= q.After.After.String()) {
		return true
	}
	if !q.Admits(e) {
		return true
	}
	if len(p.Events) == q.Limit {
		last := &p.Events[len(p.Events)-1]
		p.Next = AuditCursor{Day: AuditDay(last.At), After: last.ID}
		return false
	}
	p.Events = append(p.Events, *e)
	return true
}

// AuditLog is the append-only audit trail.
type AuditLog interface {
	// Append writes one event; an event is never rewritten.
	Append(ctx context.Context, e *Event) error
	// Events returns a page of the events matching q, oldest first.
	Events(ctx context.Context, q AuditQuery) (*AuditPage, error)
}

// AuditService reads the trail (service.Service); admins only, and the reading is itself recorded.
type AuditService interface {
	AuditEvents(ctx context.Context, actor Actor, q AuditQuery) (*AuditPage, error)
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
