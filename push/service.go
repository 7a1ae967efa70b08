// Package push is Web Push for childmatch: users' subscriptions (POST/DELETE /v1/push/subscriptions), the
// service's VAPID keys, and the outbox's Sender for the push channel, which sends a post's alert to every
// browser and phone of the post's users. Encryption (RFC 8291, aes128gcm) and the VAPID signature
// (RFC 8292) are webpush-go's; this package decides whom to send to and what an answer means.
package push

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	webpush "github.com/SherClockHolmes/webpush-go"

	"childmatch"
)

// Deps are what a Service is built from.
type Deps struct {
	Subs  childmatch.PushStore
	Posts childmatch.PostStore
	Audit childmatch.AuditLog
	Keys  Keys
	// Subject is the VAPID subject, where a push service can reach the operator: an https: address or an
	// email address (webpush-go adds mailto:).
	Subject string
	// Client sends to the push services; nil is one bounded by PushTimeout that sends only to public
	// addresses (dial.go), and to this machine too with Loopback (tests' push services).
	Client   *http.Client
	Loopback bool
	Log      *slog.Logger
	Now      func() time.Time
}

// Service keeps subscriptions and sends push messages.
type Service struct {
	d     Deps
	audit childmatch.Auditor
}

var (
	_ childmatch.PushService = (*Service)(nil)
	_ childmatch.Sender      = (*Service)(nil)
)

// New wires a Service.
func New(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Client == nil {
		d.Client = &http.Client{Timeout: childmatch.PushTimeout, Transport: newTransport(d.Loopback)}
	}
	return &Service{d: d, audit: childmatch.Auditor{Log: d.Audit, Now: d.Now}}
}

// PublicKey is the VAPID public key the browser subscribes with, for those who get alerts.
func (s *Service) PublicKey(actor childmatch.Actor) (string, error) {
	if err := actor.Require(childmatch.ActReadAlerts); err != nil {
		return "", err
	}
	return s.d.Keys.Public, nil
}

// userOf is the actor as a user id: the bootstrap admin is no user and has nowhere to keep subscriptions.
func userOf(actor childmatch.Actor) (childmatch.ID, error) {
	if err := actor.Require(childmatch.ActReadAlerts); err != nil {
		return childmatch.ID{}, err
	}
	id, err := childmatch.ParseID("actor", actor.ID)
	if err != nil {
		return id, childmatch.Errorf(childmatch.EForbidden, "push messages are for users of posts; sign in with a user's token")
	}
	return id, nil
}

// Subscribe keeps the actor's subscription, replacing the one of the same endpoint; beyond
// MaxPushSubscriptionsPerUser the oldest goes.
func (s *Service) Subscribe(ctx context.Context, actor childmatch.Actor, sub childmatch.PushSubscription) error {
	user, err := userOf(actor)
	if err != nil {
		return err
	}
	if err := sub.Validate(); err != nil {
		return err
	}
	if !s.reachable(sub.Endpoint) {
		return childmatch.FieldError("endpoint", "must be a push service on the internet, not this machine or a private network")
	}
	sub.CreatedAt = s.d.Now().UTC()
	_, err = s.d.Subs.UpdatePushSubscriptions(ctx, user, func(p *childmatch.PushSubscriptions) error {
		p.Subs = slices.DeleteFunc(p.Subs, func(x childmatch.PushSubscription) bool { return x.Endpoint == sub.Endpoint })
		p.Subs = append(p.Subs, sub)
		if n := len(p.Subs) - childmatch.MaxPushSubscriptionsPerUser; n > 0 {
			p.Subs = p.Subs[n:]
		}
		return nil
	})
	if err != nil {
		return err
	}
	return s.audit.Record(ctx, actor, "push.subscribe", nil, "")
}

// Unsubscribe removes the actor's subscription of the endpoint.
func (s *Service) Unsubscribe(ctx context.Context, actor childmatch.Actor, endpoint string) error {
	user, err := userOf(actor)
	if err != nil {
		return err
	}
	if err := childmatch.ValidPushEndpoint(endpoint); err != nil {
		return err
	}
	if err := s.remove(ctx, user, endpoint); err != nil {
		return err
	}
	return s.audit.Record(ctx, actor, "push.unsubscribe", nil, "")
}

func (s *Service) remove(ctx context.Context, user childmatch.ID, endpoint string) error {
	_, err := s.d.Subs.UpdatePushSubscriptions(ctx, user, func(p *childmatch.PushSubscriptions) error {
		p.Subs = slices.DeleteFunc(p.Subs, func(x childmatch.PushSubscription) bool { return x.Endpoint == endpoint })
		return nil
	})
	return err
}

// Channel is the push channel.
func (s *Service) Channel() childmatch.Channel { return childmatch.ChanPush }

// Message is what a push message carries, decrypted by the browser and shown by the service worker
// (api/web/sw.js). The words are the outbox's (Outgoing.Text, Hindi and English); the page it opens needs
// a sign-in.
type Message struct {
	Alert    childmatch.ID      `json:"alert_id"`
	Case     childmatch.ID      `json:"case_id"`
	Type     childmatch.MsgType `json:"msg_type"`
	Seq      int                `json:"seq"`
	Exercise bool               `json:"exercise,omitempty"`
	Title    string             `json:"title"`
	Body     string             `json:"body"`
	URL      string             `json:"url"`
}

// titles say what a message is, in both languages, as the notification's first line.
var titles = map[childmatch.MsgType]string{
	childmatch.MsgAlert:  "गुमशुदा बच्चा · Missing child",
	childmatch.MsgUpdate: "अलर्ट में बदलाव · Alert updated",
	childmatch.MsgCancel: "बच्चा मिल गया, खोज बंद करें · Found, stand down",
}

// compose makes a delivery's push message.
func compose(d *childmatch.Delivery, out *childmatch.Outgoing) ([]byte, error) {
	m := Message{Alert: d.Alert, Case: d.Case, Type: d.Type, Seq: d.Seq, Exercise: d.Exercise, Title: titles[d.Type],
		Body: clip(out.Text, childmatch.MaxPushText), URL: "/app/#/alert/" + d.Alert.String()}
	if m.Title == "" {
		m.Title = titles[childmatch.MsgUpdate]
	}
	if d.Exercise {
		m.Title = "अभ्यास · EXERCISE · " + m.Title
	}
	return json.Marshal(m)
}

// clip cuts text to at most n bytes, at a rune boundary.
func clip(text string, n int) string {
	if len(text) <= n {
		return text
	}
	for n > 0 && !utf8.RuneStart(text[n]) {
		n--
	}
	return text[:n] + "…"
}

// Send pushes the delivery's message to every subscription of the post's users. A subscription the push
// service says is gone (404, 410) is removed. The delivery succeeds when at least one device took the
// message; when none did it is retried if any failure was passing (no answer, 429, 5xx), and fails for
// good otherwise (no subscription, every one gone or refused).
func (s *Service) Send(ctx context.Context, d *childmatch.Delivery, out *childmatch.Outgoing) error {
	post, err := s.d.Posts.Post(ctx, d.Post)
	if childmatch.ErrorCodeOf(err) == childmatch.ENotFound {
		return &childmatch.SendError{Reason: "the post no longer exists", Permanent: true}
	}
	if err != nil {
		return &childmatch.SendError{Reason: "reading the post: " + childmatch.ErrorMessage(err)}
	}
	body, err := compose(d, out)
	if err != nil {
		return &childmatch.SendError{Reason: "composing the message", Permanent: true}
	}
	// The post's users in parallel, PushParallel at a time: one slow push service or user does not hold
	// the others back.
	var t tally
	var wg sync.WaitGroup
	slots := make(chan struct{}, childmatch.PushParallel)
	for _, user := range post.Users {
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			s.sendToUser(ctx, user, body, d, &t)
		}()
	}
	wg.Wait()
	took, gone, passing := t.took, t.gone, t.passing
	switch {
	case took > 0:
		return nil
	case passing != nil:
		return passing
	case gone > 0:
		return &childmatch.SendError{Status: http.StatusGone, Reason: "every subscription of the post's users is gone", Permanent: true}
	}
	return &childmatch.SendError{Reason: "no user of the post has push messages on, or every push service refused the message", Permanent: true}
}

// tally counts a delivery's outcomes over the post's users.
type tally struct {
	mu         sync.Mutex
	took, gone int
	passing    *childmatch.SendError // the last passing failure, with the longest wait asked for
}

// fail counts a passing failure.
func (t *tally) fail(e *childmatch.SendError) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.passing != nil {
		e.RetryAfter = max(e.RetryAfter, t.passing.RetryAfter)
	}
	t.passing = e
}

// sendToUser pushes the message to every subscription of one user, removing those that are gone.
func (s *Service) sendToUser(ctx context.Context, user childmatch.ID, body []byte, d *childmatch.Delivery, t *tally) {
	subs, err := s.d.Subs.PushSubscriptions(ctx, user)
	if err != nil {
		t.fail(&childmatch.SendError{Reason: "reading subscriptions: " + childmatch.ErrorMessage(err)})
		return
	}
	for _, sub := range subs.Subs {
		status, wait, err := s.push(ctx, body, d, sub)
		switch {
		case err == nil && status >= 200 && status < 300:
			t.mu.Lock()
			t.took++
			t.mu.Unlock()
		case status == http.StatusNotFound || status == http.StatusGone:
			t.mu.Lock()
			t.gone++
			t.mu.Unlock()
			if err := s.remove(ctx, user, sub.Endpoint); err != nil {
				s.d.Log.Warn("removing a push subscription the push service says is gone", "post", d.Post, "err", err)
			}
		case errors.Is(err, errNotPublic):
			// Never sent, and never will be: the subscription goes, as one the push service says is gone.
			t.mu.Lock()
			t.gone++
			t.mu.Unlock()
			s.d.Log.Warn("a push subscription's endpoint is not a public address: removed", "post", d.Post)
			if err := s.remove(ctx, user, sub.Endpoint); err != nil {
				s.d.Log.Warn("removing a push subscription whose endpoint is not a public address", "post", d.Post, "err", err)
			}
		case err != nil || status == http.StatusTooManyRequests || status >= 500:
			e := &childmatch.SendError{Status: status, Reason: "the push service answered " + strconv.Itoa(status), RetryAfter: wait}
			if err != nil {
				e.Reason = "the push service did not answer" // err names the endpoint: not said
			}
			t.fail(e)
		default: // 400, 401, 403, 413: this message or our keys are refused; a retry is refused too
			s.d.Log.Warn("a push service refused a message", "post", d.Post, "status", status)
		}
	}
}

// push sends one message to one subscription and answers the push service's status and the wait it asked
// for (Retry-After, in seconds).
func (s *Service) push(ctx context.Context, body []byte, d *childmatch.Delivery, sub childmatch.PushSubscription) (int, time.Duration, error) {
	urgency := webpush.UrgencyHigh // a missing child: wake the phone
	if d.Exercise {
		urgency = webpush.UrgencyNormal
	}
	// webpush-go pads the message by appending to the slice it is given: clipped, the append copies, and
	// the goroutines sending the same message to other phones keep theirs intact (the race detector found it).
	resp, err := webpush.SendNotificationWithContext(ctx, slices.Clip(body), &webpush.Subscription{Endpoint: sub.Endpoint,
		Keys: webpush.Keys{P256dh: sub.Keys.P256dh, Auth: sub.Keys.Auth}}, &webpush.Options{
		HTTPClient: s.d.Client, Subscriber: s.d.Subject, VAPIDPublicKey: s.d.Keys.Public, VAPIDPrivateKey: s.d.Keys.Private,
		TTL: int(childmatch.PushTTL / time.Second), Urgency: urgency,
		// A message still waiting at the push service is replaced by the alert's next one (an update, the
		// stand-down): a phone that was off hears the latest.
		Topic: d.Alert.Hex(),
	})
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	wait := time.Duration(0)
	if secs, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && secs > 0 {
		wait = time.Duration(secs) * time.Second
	}
	return resp.StatusCode, wait, nil
}
