// Package webhook delivers alert messages to partner systems following the Standard Webhooks
// specification: a POST of the JSON body with the headers webhook-id (the delivery's id, the same on every
// attempt), webhook-timestamp and webhook-signature ("v1," and the base64 HMAC-SHA256 of id.timestamp.body,
// once per secret while one is being rotated out), signed with the specification's own library.
package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"childmatch"
)

// Posts reads a post: its webhooks and their secrets (a delivery.PostCache).
type Posts interface {
	Post(ctx context.Context, id childmatch.ID) (*childmatch.Post, error)
}

// Sender is the webhook channel's Sender.
type Sender struct {
	posts  Posts
	client *http.Client
	now    func() time.Time
}

var _ childmatch.Sender = (*Sender)(nil)

// maxAnswerBytes bounds what is read of an answer before the connection is reused: a receiver should
// answer with an empty body.
const maxAnswerBytes = 4 << 10

// New returns a Sender reading secrets through posts. Redirects are not followed: a partner gives the
// address that answers, and a redirect must not send a signed alert elsewhere.
func New(posts Posts) *Sender {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = childmatch.DeliveryWorkers
	return &Sender{posts: posts, now: time.Now, client: &http.Client{
		Transport:     transport,
		Timeout:       childmatch.WebhookTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

func (s *Sender) Channel() childmatch.Channel { return childmatch.ChanWebhook }

// Send makes one attempt: nil on a 2xx answer, a *childmatch.SendError otherwise.
func (s *Sender) Send(ctx context.Context, d *childmatch.Delivery, out *childmatch.Outgoing) error {
	p, err := s.posts.Post(ctx, d.Post)
	if childmatch.ErrorCodeOf(err) == childmatch.ENotFound {
		return &childmatch.SendError{Reason: "the post no longer exists", Permanent: true}
	} else if err != nil {
		return &childmatch.SendError{Reason: "reading the post's secrets: " + childmatch.ErrorMessage(err)}
	}
	var hook *childmatch.Webhook
	for i := range p.Webhooks {
		if p.Webhooks[i].URL == d.Target {
			hook = &p.Webhooks[i]
		}
	}
	if hook == nil {
		return &childmatch.SendError{Reason: "the post no longer has this webhook", Permanent: true}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hook.URL, bytes.NewReader(out.Body))
	if err != nil {
		return &childmatch.SendError{Reason: "the webhook's address is not usable", Permanent: true}
	}
	if err := Sign(req.Header, hook, d.ID.String(), s.now(), out.Body); err != nil {
		return &childmatch.SendError{Reason: err.Error(), Permanent: true}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "childmatch-webhooks/1")
	resp, err := s.client.Do(req)
	if err != nil {
		return &childmatch.SendError{Reason: unreached(err)}
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswerBytes))
	resp.Body.Close()
	return answer(resp, s.now())
}

// Sign sets the Standard Webhooks headers of a message: its id, the timestamp, and one signature per
// secret of the webhook (the current one, and the one being rotated out).
func Sign(h http.Header, w *childmatch.Webhook, id string, at time.Time, body []byte) error {
	var sigs []string
	for _, secret := range []string{w.Secret, w.Previous} {
		if secret == "" {
			continue
		}
		wh, err := standardwebhooks.NewWebhook(secret)
		if err != nil {
			return errors.New("the webhook's secret is not of the form whsec_ and base64")
		}
		sig, err := wh.Sign(id, at, body)
		if err != nil {
			return err
		}
		sigs = append(sigs, sig)
	}
	if len(sigs) == 0 {
		return errors.New("the webhook has no secret")
	}
	h.Set(standardwebhooks.HeaderWebhookID, id)
	h.Set(standardwebhooks.HeaderWebhookTimestamp, strconv.FormatInt(at.Unix(), 10))
	h.Set(standardwebhooks.HeaderWebhookSignature, strings.Join(sigs, " "))
	return nil
}

// answer maps the receiver's HTTP answer: 2xx sent; 410 gone; 429 and 503 again after their
// Retry-After; 408, 409, 425 and 5xx again on the schedule; a redirect or another 4xx is permanent.
func answer(resp *http.Response, now time.Time) error {
	code := resp.StatusCode
	if code >= 200 && code < 300 {
		return nil
	}
	e := &childmatch.SendError{Status: code, Reason: fmt.Sprintf("the endpoint answered %d %s", code, http.StatusText(code))}
	switch {
	case code == http.StatusGone:
		e.Gone = true
	case code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable:
		e.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), now)
	case code == http.StatusRequestTimeout || code == http.StatusConflict || code == http.StatusTooEarly || code >= 500:
	default:
		e.Permanent = true
	}
	return e
}

// retryAfter reads a Retry-After header: seconds or an HTTP date; 0 when absent or unreadable.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// unreached says why no answer came, without the address (which errors of the net package carry).
func unreached(err error) string {
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		return "the endpoint did not answer in time"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "the endpoint refused the connection"
	case errors.Is(err, syscall.ECONNRESET):
		return "the endpoint reset the connection"
	case errors.Is(err, context.Canceled):
		return "the attempt was cancelled"
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return "the endpoint's name was not found"
	}
	return "the endpoint could not be reached"
}
