package channel

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"childmatch"
)

// Answer is a provider's answer to one call: its status, headers and body (at most
// childmatch.ChannelMaxAnswer bytes of it).
type Answer struct {
	Status int
	Header http.Header
	Body   []byte
}

// Call makes one request to a provider within childmatch.ChannelCallTimeout. A call that got no answer
// is a *childmatch.SendError worth trying again, saying why without the request's URL (a Telegram bot's
// token is in its path).
func Call(ctx context.Context, client *http.Client, req *http.Request, provider string) (*Answer, error) {
	ctx, cancel := context.WithTimeout(ctx, childmatch.ChannelCallTimeout)
	defer cancel()
	resp, err := client.Do(req.WithContext(ctx))
	if err != nil {
		if ue := (*url.Error)(nil); errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, &childmatch.SendError{Reason: fmt.Sprintf("no answer from %s: %v", provider, err)}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, childmatch.ChannelMaxAnswer))
	if err != nil {
		return nil, &childmatch.SendError{Status: resp.StatusCode, Reason: fmt.Sprintf("reading %s's answer: %v", provider, err)}
	}
	return &Answer{Status: resp.StatusCode, Header: resp.Header, Body: body}, nil
}

// HTTPError maps a provider's HTTP answer that is not a success: 429 waits for its Retry-After (or the
// outbox's schedule), 410 disables the endpoint, 408 and 5xx are tried again, any other 4xx (a bad
// request, bad credentials, an unknown recipient) is permanent. reason says what the provider said.
func HTTPError(status int, h http.Header, reason string) *childmatch.SendError {
	e := &childmatch.SendError{Status: status, Reason: reason, RetryAfter: RetryAfter(h)}
	switch {
	case status == http.StatusGone:
		e.Gone, e.Permanent = true, true
	case status == http.StatusTooManyRequests, status == http.StatusRequestTimeout, status >= 500:
	default:
		e.Permanent = true
	}
	return e
}

// RetryAfter reads a Retry-After header, in seconds or as an HTTP date; 0 without one.
func RetryAfter(h http.Header) time.Duration {
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(0, time.Until(t))
	}
	return 0
}
