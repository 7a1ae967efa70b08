package childmatch

import (
	"context"
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
	// Reason says what the message is about, as a code: "reported", "matched", "closed".
	Reason string `json:"reason"`
	// Channels restricts the message to these channels (escalation resends on the next one); nil: all.
	Channels []Channel `json:"channels,omitempty"`
}

// Recipient is a post the alert reached, from the message it first got.
type Recipient struct {
	Post  ID        `json:"post"`
	Name  string    `json:"name"`
	Kind  PostKind  `json:"kind"`
	Since int       `json:"since_seq"`
	At    time.Time `json:"at"`
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
	CreatedAt  time.Time   `json:"created_at"`
	UpdatedAt  time.Time   `json:"updated_at"`
}

// Reached reports whether the alert reached the post.
func (a *Alert) Reached(post ID) bool {
	return slices.ContainsFunc(a.Recipients, func(r Recipient) bool { return r.Post == post })
}

// Meets reports whether an alert's area a meets a post's area p: whether the post covers somewhere the
// alert is to be looked for. Places are compared without case or surrounding space. A post that names
// only states covers those states whole; an alert's state meets every post in it.
func (a Area) Meets(p Area) bool {
	if a.All {
		return true
	}
	eq := func(x, y string) bool { return strings.EqualFold(strings.TrimSpace(x), strings.TrimSpace(y)) }
	in := func(list []string, v string) bool {
		return slices.ContainsFunc(list, func(x string) bool { return eq(x, v) })
	}
	postWhole := len(p.Districts) == 0 && len(p.Stations) == 0 && p.Point == nil
	for _, st := range a.States {
		if in(p.States, st) && (postWhole || len(a.Districts) == 0) {
			return true // the alert's whole state, or a post covering the whole state
		}
		for _, d := range a.Districts {
			if in(p.States, st) && in(p.Districts, d) {
				return true
			}
		}
	}
	for _, s := range a.Stations {
		if in(p.Stations, s) {
			return true
		}
	}
	return false
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
	// Raise raises the case's alert for the posts whose area meets the alert's area.
	Raise(ctx context.Context, c *Case) (*Alert, error)
	// StandDown cancels the case's alert, if it has one, for every post it reached.
	StandDown(ctx context.Context, c *Case, reason string) error
	// Erase removes the alert of an erased case, if it has one.
	Erase(ctx context.Context, caseID ID) error
}

// AlertService is what users do with alerts (alert.Service): see those of their posts, answer them.
type AlertService interface {
	Alerts(ctx context.Context, actor Actor) ([]*Alert, error)
	Alert(ctx context.Context, actor Actor, id ID) (*Alert, error)
	Acknowledge(ctx context.Context, actor Actor, id, post ID, state AckState) (*Alert, error)
}
