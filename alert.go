package childmatch

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// An alert is raised the moment a missing report is filed, for the posts whose area meets the alert's,
// so that they can look for the child before the child is moved on. It is one per case: changes and the
// stand-down are messages of the same alert (README: alerts).

// AlertStatus is where an alert stands.
type AlertStatus string

const (
	AlertActive    AlertStatus = "active"    // the child is being looked for
	AlertCancelled AlertStatus = "cancelled" // found (matched) or the case closed: stand down
)

// AckState is a post's answer to an alert.
type AckState string

const (
	AckSeen      AckState = "seen"
	AckSearching AckState = "searching"
	AckNotHere   AckState = "not_here"
	AckFound     AckState = "found"
)

func (s AckState) Valid() bool {
	return s == AckSeen || s == AckSearching || s == AckNotHere || s == AckFound
}

// Message is one message of an alert: the alert itself, an update, the cancel.
type Message struct {
	Seq  int       `json:"seq"` // 1 for the alert, then in order
	Type MsgType   `json:"msg_type"`
	At   time.Time `json:"at"`
	// Reason says what the message is about, as a code: "reported", "matched", "closed" (the Reason
	// constants).
	Reason string `json:"reason"`
	// To are the posts the message is for; nil: every post the alert reached.
	To []ID `json:"to,omitempty"`
	// Channels are the channels the message goes on; nil: every channel of the post.
	Channels []Channel `json:"channels,omitempty"`
	// Silent are the posts that have not answered, in a message telling a control room.
	Silent []ID `json:"silent,omitempty"`
}

// What a message is about (Message.Reason).
const (
	ReasonReported = "reported"     // the alert: a missing report was filed
	ReasonDetails  = "details"      // an update: the case's details changed
	ReasonSighting = "sighting"     // an update: a new sighting
	ReasonPhoto    = "photo"        // an update: a new photo of the child
	ReasonWidened  = "area_widened" // an update: the area grew, and reached new posts
	ReasonEscalate = "escalated"    // the alert again, on the post's next channel: it has not answered
	ReasonSilent   = "silent_posts" // an update to a control room: posts of its state have not answered
	ReasonFound    = "candidate"    // an update to the filing posts: a found child may be this child
	ReasonMatched  = "matched"      // the cancel: a reviewer confirmed the match
	ReasonClosed   = "closed"       // the cancel: the case was closed
)

// Reasons are every reason a message gives, for what puts them into words (alertdoc, the web app).
var Reasons = []string{ReasonReported, ReasonDetails, ReasonSighting, ReasonPhoto, ReasonWidened, ReasonEscalate,
	ReasonSilent, ReasonFound, ReasonMatched, ReasonClosed}

// For reports whether the message is for the post.
func (m Message) For(post ID) bool { return m.To == nil || slices.Contains(m.To, post) }

// Recipient is a post the alert reached, from the message it first got.
type Recipient struct {
	Post  ID        `json:"post"`
	Name  string    `json:"name"`
	Kind  PostKind  `json:"kind"`
	Since int       `json:"since_seq"`
	At    time.Time `json:"at"`
	// Due is when the post is sent the alert again on its next channel if it has not answered (the
	// escalation, Limits.AlertAck); nil: no channel is left to try, or it answered.
	Due *time.Time `json:"due,omitempty"`
	// Escalations counts the times it was sent the alert again.
	Escalations int `json:"escalations,omitempty"`
}

// Held is a message held back from a post during its quiet hours, sent when they end.
type Held struct {
	Post  ID        `json:"post"`
	Seq   int       `json:"seq"`
	Until time.Time `json:"until"`
}

// Ack is one answer of a post, kept in order.
type Ack struct {
	Post  ID        `json:"post"`
	State AckState  `json:"state"`
	By    string    `json:"by"`
	At    time.Time `json:"at"`
}

// Alert is a case's alert, its messages, the posts it reached and their answers.
type Alert struct {
	ID         ID          `json:"id"` // the case's id: one alert per case
	Case       ID          `json:"case_id"`
	Status     AlertStatus `json:"status"`
	Area       Area        `json:"area"`
	Messages   []Message   `json:"messages"`
	Recipients []Recipient `json:"recipients"`
	Acks       []Ack       `json:"acks"`
	// Exercise marks a drill's alert, everywhere it goes (webhook type alert.exercise, CAP status
	// Exercise); it is counted apart from real alerts.
	Exercise  bool      `json:"exercise,omitempty"`
	Held      []Held    `json:"held,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Reached reports whether the alert reached the post.
func (a *Alert) Reached(post ID) bool {
	return slices.ContainsFunc(a.Recipients, func(r Recipient) bool { return r.Post == post })
}

// Answered reports whether the post answered the alert.
func (a *Alert) Answered(post ID) bool {
	return slices.ContainsFunc(a.Acks, func(k Ack) bool { return k.Post == post })
}

// Urgent reports whether a message must reach a post even in its quiet hours: all but an exercise's and
// an update that neither brings a photo nor reaches new posts nor names a candidate or silent posts.
func (a *Alert) Urgent(m Message) bool {
	if a.Exercise {
		return false
	}
	return m.Type != MsgUpdate || slices.Contains([]string{ReasonPhoto, ReasonWidened, ReasonFound, ReasonSilent}, m.Reason)
}

// Event is the message's webhook event type: alert.raised, alert.updated, alert.cancelled,
// candidate.found, alert.exercise.
func (a *Alert) Event(m Message) string {
	switch {
	case a.Exercise:
		return "alert.exercise"
	case m.Reason == ReasonFound:
		return "candidate.found"
	case m.Type == MsgUpdate:
		return "alert.updated"
	case m.Type == MsgCancel:
		return "alert.cancelled"
	}
	return "alert.raised"
}

// Meets reports whether an alert's area a meets a post's area p: whether the post covers somewhere the
// alert is to be looked for. Places are compared without case or surrounding space. A post that names
// only states covers those states whole; an alert's state meets every post in it. With the gazetteer g
// (nil: stations have no places), a station is also in its state and district, and in every circle
// whose centre lies within the circle's radius of it; an alert's circle meets a post's circle when the
// two overlap. A time window on a station says when to look there, not who is told: it never narrows the
// posts.
func (a Area) Meets(p Area, g Gazetteer) bool {
	if a.All {
		return true
	}
	for _, st := range a.States {
		if in(p.States, st) && (p.namesOnlyStates() || len(a.Districts) == 0) {
			return true // the alert's whole state, or a post covering the whole state
		}
		for _, d := range a.Districts {
			if in(p.States, st) && in(p.Districts, d) {
				return true
			}
		}
	}
	for _, code := range a.Stations {
		if in(p.Stations, code) {
			return true
		}
		if s, ok := lookup(g, code); ok && p.covers(s) {
			return true
		}
	}
	for _, code := range p.Stations {
		if s, ok := lookup(g, code); ok && a.covers(s) {
			return true
		}
	}
	return a.circle() && p.circle() && DistanceKm(*a.Point, *p.Point) <= a.RadiusKm+p.RadiusKm
}

// namesOnlyStates: an area of whole states.
func (a Area) namesOnlyStates() bool {
	return len(a.Districts) == 0 && len(a.Stations) == 0 && a.Point == nil
}

// circle: the area has a point with a radius.
func (a Area) circle() bool { return a.Point != nil && a.RadiusKm > 0 }

// covers reports whether the area holds the station: by its code, its district or whole state, or its
// circle.
func (a Area) covers(s Station) bool {
	switch {
	case in(a.Stations, s.Code):
		return true
	case in(a.States, s.State) && (a.namesOnlyStates() || in(a.Districts, s.District)):
		return true
	}
	return a.circle() && DistanceKm(*a.Point, s.Place()) <= a.RadiusKm
}

// in reports whether list holds v, without case or surrounding space.
func in(list []string, v string) bool {
	return slices.ContainsFunc(list, func(x string) bool { return strings.EqualFold(strings.TrimSpace(x), strings.TrimSpace(v)) })
}

// AlertStore keeps alerts, one per case.
type AlertStore interface {
	// CreateAlert writes a new alert; EConflict when the case has one.
	CreateAlert(ctx context.Context, a *Alert) error
	Alert(ctx context.Context, id ID) (*Alert, error)
	UpdateAlert(ctx context.Context, id ID, fn func(*Alert) error) (*Alert, error)
	// DeleteAlert removes an alert; removing one that does not exist is not an error.
	DeleteAlert(ctx context.Context, id ID) error
	// WalkAlerts calls fn for every alert in creation order until fn returns false or an error.
	WalkAlerts(ctx context.Context, fn func(*Alert) (bool, error)) error
}

// Alerter is what the case service tells the alerting side (alert.Service): a missing report was filed,
// a case was matched or closed.
type Alerter interface {
	// Target answers where the case's alert is to be looked for, its radius drawn around the last-seen
	// station: a FieldError when that station is not in the gazetteer.
	Target(c *Case) (Area, error)
	// Raise raises the case's alert for the posts whose area meets the alert's area.
	Raise(ctx context.Context, c *Case) (*Alert, error)
	// Update sends an update of the case's open alert (reason: ReasonPhoto, ReasonDetails,
	// ReasonSighting), to posts the area now reaches too; a case without an alert has it raised.
	Update(ctx context.Context, c *Case, reason string) error
	// Candidate tells the reviewers' posts and the posts that filed the missing report that a found
	// child's intake proposed it for review (candidate.found).
	Candidate(ctx context.Context, missing, found *Case) error
	// StandDown cancels the case's alert, if it has one, for every post it reached.
	StandDown(ctx context.Context, c *Case, reason string) error
	// Erase removes the alert of an erased case, if it has one.
	Erase(ctx context.Context, caseID ID) error
	// AlertCases calls fn with the case of every alert it knows of (one another replica wrote moments ago
	// may be missing until its next look), for the sweeper to find those an erasure left behind.
	AlertCases(ctx context.Context, fn func(ID) error) error
}

// AlertQuery selects a page of the alerts a user sees, newest first (by their case's id).
type AlertQuery struct {
	Limit int
	After ID // the cursor: the last id of the previous page; zero = from the newest
	// Active keeps only the alerts not stood down: those a post may still have to answer.
	Active bool
}

// AlertPage is a page of alerts, newest first; Next is the cursor of the next page, zero at the end.
type AlertPage struct {
	Alerts []*Alert
	Next   ID
}

// AlertService is what users do with alerts (alert.Service): see those of their posts, answer them.
type AlertService interface {
	// Alerts answers a page of the alerts that reached the actor's posts (every alert, for admins).
	Alerts(ctx context.Context, actor Actor, q AlertQuery) (*AlertPage, error)
	Alert(ctx context.Context, actor Actor, id ID) (*Alert, error)
	Acknowledge(ctx context.Context, actor Actor, id, post ID, state AckState) (*Alert, error)
	// CAP answers message seq of an alert the actor may see (0: the latest of those for the actor's
	// posts) as a CAP 1.2 document; base is the service's address as its users reach it.
	CAP(ctx context.Context, actor Actor, id ID, seq int, base string) ([]byte, error)
	// CAPByLink is CAP for a signed link the API has checked: seq 0 is the latest message for every post.
	CAPByLink(ctx context.Context, remote string, id ID, seq int, base string) ([]byte, error)
	// Feed answers the active alerts of the actor's posts (every one, for admins) as an Atom feed.
	Feed(ctx context.Context, actor Actor, base string) ([]byte, error)
	// Face opens the face chip of an alert's case, as its documents link to it (a signed link).
	FaceByLink(ctx context.Context, remote string, id ID) (*Blob, error)
}

// LinkActor is who opened a signed link, in the audit trail: whoever the message was sent to.
const LinkActor = "signed-link"

// CAPPath is the path of the CAP document of an alert's message, as links sign it.
func CAPPath(id ID, seq int) string { return fmt.Sprintf("/v1/alerts/%s/cap?seq=%d", id, seq) }

// FacePath is the path of an alert's face chip, as links sign it.
func FacePath(id ID) string { return fmt.Sprintf("/v1/alerts/%s/face.jpg", id) }
