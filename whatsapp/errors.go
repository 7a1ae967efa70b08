package whatsapp

import (
	"fmt"
	"time"

	"childmatch"
	"childmatch/channel"
)

// The Cloud API's error codes (Meta's "WhatsApp error codes" page) that decide what the outbox does; the
// HTTP status decides the rest (channel.HTTPError).
type class int

const (
	retry     class = iota // a passing fault: the outbox's schedule
	wait                   // a rate limit: the wait given
	permanent              // a setting or a recipient that trying again cannot help
)

type code struct {
	title string
	class class
	wait  time.Duration
}

var codes = map[int]code{
	130429: {"throughput of the business number reached", wait, time.Second},
	131056: {"pair rate limit: too many messages to this number", wait, childmatch.WhatsAppPairInterval},
	4:      {"the app's call rate limit reached", retry, 0},
	80007:  {"the business account's rate limit reached", retry, 0},
	131048: {"spam rate limit: messages were blocked as unwanted", retry, 0},
	1:      {"API unknown error", retry, 0},
	2:      {"API service temporarily unavailable", retry, 0},
	131000: {"something went wrong", retry, 0},
	131016: {"service unavailable", retry, 0},
	133004: {"server temporarily unavailable", retry, 0},
	0:      {"authentication failed: renew the access token", permanent, 0},
	190:    {"the access token has expired: renew it", permanent, 0},
	3:      {"the app lacks the capability or permission", permanent, 0},
	10:     {"permission denied", permanent, 0},
	100:    {"invalid parameter", permanent, 0},
	131008: {"a required parameter is missing", permanent, 0},
	131009: {"a parameter value is not valid", permanent, 0},
	131026: {"message undeliverable: the number is not on WhatsApp or cannot receive it", permanent, 0},
	131031: {"the business account is locked", permanent, 0},
	131042: {"a payment problem of the business account", permanent, 0},
	131051: {"unsupported message type", permanent, 0},
	131052: {"the recipient's media could not be downloaded", permanent, 0},
	131053: {"the card could not be uploaded", permanent, 0},
	132000: {"the template's parameter count does not match the configuration", permanent, 0},
	132001: {"the template does not exist in this language", permanent, 0},
	132005: {"the template's text is too long with these parameters", permanent, 0},
	132007: {"the template's format breaks a policy", permanent, 0},
	132012: {"the template's parameter format does not match", permanent, 0},
	132015: {"the template is paused for low quality", permanent, 0},
	132016: {"the template is disabled", permanent, 0},
	133010: {"the business phone number is not registered", permanent, 0},
	368:    {"temporarily blocked for policy violations", permanent, 0},
}

// classify maps an error answer by its code; the HTTP status maps a code not listed.
func classify(a *channel.Answer, c int) *childmatch.SendError {
	known, ok := codes[c]
	if !ok {
		return channel.HTTPError(a.Status, a.Header, fmt.Sprintf("WhatsApp error %d (HTTP %d)", c, a.Status))
	}
	e := &childmatch.SendError{Status: a.Status, Reason: fmt.Sprintf("WhatsApp error %d: %s", c, known.title), RetryAfter: channel.RetryAfter(a.Header)}
	switch known.class {
	case wait:
		e.RetryAfter = max(e.RetryAfter, known.wait)
	case permanent:
		e.Permanent = true
	}
	return e
}
