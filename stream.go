package childmatch

import "context"

// The web app hears of an alert's changes as they happen (GET /v1/alerts/stream, package live): every
// replica watches the alert store, so a change made through any replica reaches a user connected to any.

// AlertEventType says what happened to an alert.
type AlertEventType string

const (
	EventRaised       AlertEventType = "alert.raised"
	EventUpdated      AlertEventType = "alert.updated"
	EventCancelled    AlertEventType = "alert.cancelled"
	EventAcknowledged AlertEventType = "alert.acknowledged"
)

// AlertEvent is one change of an alert, as the stream tells it. It names the alert, never the child: the
// page reads the alert itself (GET /v1/alerts/{id}), so every opening stays in the audit trail.
type AlertEvent struct {
	Type   AlertEventType `json:"type"`
	Alert  ID             `json:"alert_id"`
	Case   ID             `json:"case_id"`
	Status AlertStatus    `json:"status"`
	Seq    int            `json:"seq"` // the alert's last message
	// Post and State, for an acknowledgement: which post answered what.
	Post  *ID      `json:"post,omitempty"`
	State AckState `json:"state,omitempty"`
}

// Versions lists every alert's and every post's current version without reading them, so that a watcher
// finds what changed since it last looked at the cost of one listing (minio: the objects' ETags).
type Versions interface {
	WalkAlertVersions(ctx context.Context, fn func(id ID, version string) error) error
	WalkPostVersions(ctx context.Context, fn func(id ID, version string) error) error
}

// MyPost is a post the user belongs to: the alert page offers an answer for each one the alert reached.
type MyPost struct {
	ID   ID       `json:"id"`
	Name string   `json:"name"`
	Kind PostKind `json:"kind"`
}

// AlertStream is a user's live view of the alerts they see (live.Hub).
type AlertStream interface {
	// MyPosts lists the posts the actor belongs to (GET /v1/me/posts).
	MyPosts(ctx context.Context, actor Actor) ([]MyPost, error)
	// Subscribe delivers the events of the alerts the actor sees until ctx ends or the stream stops (the
	// channel is then closed). ETooManyRequests when the actor has MaxStreamsPerUser open already.
	Subscribe(ctx context.Context, actor Actor) (<-chan AlertEvent, error)
}
