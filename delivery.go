package childmatch

import (
	"context"
	"time"
)

// Every message of an alert reaches each post it is for on each of the post's channels as one delivery.
// A delivery is written to the outbox in the store before it is attempted, so a crash or a dead
// endpoint loses nothing; it is sent at least once, in order per target, with retries (README: delivery).

// Channel is a way a post is reached.
type Channel string

const (
	ChanWebhook  Channel = "webhook"  // a partner system, Standard Webhooks (Post.Webhooks)
	ChanPush     Channel = "push"     // Web Push to the post's users' browsers and phones
	ChanTelegram Channel = "telegram" // a Telegram chat or private channel, through the Bot API
	ChanWhatsApp Channel = "whatsapp" // WhatsApp Cloud API, one-to-one to each number
	ChanSMS      Channel = "sms"      // an Indian SMS gateway, DLT-registered template
	ChanEmail    Channel = "email"    // SMTP, the card attached
)

// Channels lists every channel, in the order a post is tried on them when it stays silent (escalation).
var Channels = []Channel{ChanPush, ChanWebhook, ChanTelegram, ChanWhatsApp, ChanSMS, ChanEmail}

// Endpoint is one address of a post on a messaging channel: a Telegram chat id, a WhatsApp or SMS
// number, an email address. Webhooks have their own field (Post.Webhooks), push subscriptions belong to
// users. Addresses are contacts: never logged.
type Endpoint struct {
	Channel Channel `json:"channel"`
	Address string  `json:"address"`
}

// DeliveryStatus is where a delivery stands.
type DeliveryStatus string

const (
	DeliveryPending  DeliveryStatus = "pending"  // waiting for its first or next attempt
	DeliverySent     DeliveryStatus = "sent"     // the target accepted it
	DeliveryFailed   DeliveryStatus = "failed"   // refused for good, or still failing after DeliveryGiveUp: shown to admins, replayable
	DeliveryDisabled DeliveryStatus = "disabled" // the endpoint is gone (410): not tried again until an admin changes it
)

// Attempt is one try of a delivery.
type Attempt struct {
	At time.Time `json:"at"`
	// Status is the target's answer (an HTTP status where the channel has one), 0 when none came.
	Status int `json:"status,omitempty"`
	// Error says why the attempt failed, without the target's address or the message's contents.
	Error string        `json:"error,omitempty"`
	Took  time.Duration `json:"took_ns"`
}

// Delivery is one message of one alert to one target of one post.
type Delivery struct {
	// ID is the same on every attempt (the webhook-id), so a target can drop a repeat.
	ID    ID      `json:"id"`
	Alert ID      `json:"alert_id"`
	Case  ID      `json:"case_id"`
	Seq   int     `json:"seq"` // the alert message's
	Type  MsgType `json:"msg_type"`
	// Event is the webhook event type: alert.raised, alert.updated, alert.cancelled, candidate.found,
	// alert.exercise.
	Event    string  `json:"event"`
	Exercise bool    `json:"exercise,omitempty"`
	Post     ID      `json:"post"`
	Channel  Channel `json:"channel"`
	// Target is which of the post's addresses on the channel: the webhook's URL, the chat, the number.
	Target    string         `json:"target"`
	Status    DeliveryStatus `json:"status"`
	Attempts  []Attempt      `json:"attempts"`
	NextAt    time.Time      `json:"next_at"`
	CreatedAt time.Time      `json:"created_at"`
	SentAt    *time.Time     `json:"sent_at,omitempty"`
	// ReplayedAt is when an admin last replayed it: its retries and DeliveryGiveUp count from then.
	ReplayedAt *time.Time `json:"replayed_at,omitempty"`
}

// Dispatcher is told of every new message of an alert and the posts it is for, and writes their
// deliveries to the outbox before it returns (alert.Outbox). The alert service calls it after the
// message is stored.
type Dispatcher interface {
	Dispatch(ctx context.Context, a *Alert, m Message, to []Recipient) error
	// Erase removes an erased alert's deliveries from the outbox (DeliveryStore.EraseDeliveries): none
	// is attempted again, and nothing of where it was sent is kept.
	Erase(ctx context.Context, alert ID) error
}

// Outgoing is what one delivery carries, composed once per attempt from the alert, its case and the post.
type Outgoing struct {
	// Body is the webhook's JSON body, {"type", "timestamp", "data"}.
	Body []byte
	// Card is the alert card of this message as PNG, the receiving post's name printed on it.
	Card []byte
	// Text says the message in words, Hindi and English: a caption, an SMS, an email's body.
	Text string
	// Link is a signed link to the alert that expires (LinkTTL), for channels that carry a link.
	Link string
	// Facts are the card's key facts by name (card.Facts), for template channels (WhatsApp, SMS).
	Facts Facts
}

// Sender sends deliveries on one channel (package webhook, telegram, whatsapp, sms, email, push).
type Sender interface {
	Channel() Channel
	// Send makes one attempt. It answers nil when the target accepted the message, a *SendError saying
	// whether and when to try again otherwise.
	Send(ctx context.Context, d *Delivery, out *Outgoing) error
}

// SendError is a failed attempt, as the channel's answer tells it.
type SendError struct {
	Status int // the target's answer, 0 when none came (a timeout, a refused connection)
	// Reason says what failed, without the target's address or the message's contents.
	Reason string
	// Permanent: trying again cannot help (a bad request, an unknown chat): the delivery fails now.
	Permanent bool
	// Gone: the endpoint no longer exists (HTTP 410): the delivery is disabled.
	Gone bool
	// RetryAfter is the wait the target asked for (429's Retry-After, Telegram's retry_after), 0 for the
	// outbox's own schedule.
	RetryAfter time.Duration
}

func (e *SendError) Error() string { return e.Reason }
