// Package sms sends alert messages as SMS through an Indian gateway's HTTP API with the DLT fields TRAI
// requires (principal entity id, content template id, sender id). The API is Exotel's
// (POST /v1/Accounts/{sid}/Sms/send.json, HTTP Basic with the API key and token, form fields From, To,
// Body, EncodingType, DltEntityId, DltTemplateId, SmsType). The text is the registered template with
// each {#var#} replaced by a fact of the card (at most 30 characters each, DLT's rule) and a {#url#} (or
// {#var#}) by a short link to the card as the post received it (/l/{token}, redirecting to a signed card URL). A
// text in the GSM alphabet is at most 160 characters; one with Hindi is a Unicode SMS of at most 70.
package sms

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"childmatch"
	"childmatch/channel"
)

// Config is what a Sender needs.
type Config struct {
	// BaseURL is the gateway's address: https://api.exotel.com (Singapore) or https://api.in.exotel.com
	// (Mumbai). AccountSID, APIKey and APIToken are the account's (API settings).
	BaseURL, AccountSID, APIKey, APIToken string
	// SenderID is the DLT-registered header (From), EntityID the principal entity id, TemplateID the
	// content template's id, and Template its registered text with {#var#} for each variable ({#url#} for the link).
	SenderID, EntityID, TemplateID, Template string
	// Vars are the names of the facts (childmatch.FactNames) the template's variables take, in order;
	// "link" is the short link to the card.
	Vars []string
	// Links signs the card's path and Shortener makes its short link; both are needed when Vars has "link".
	Links     childmatch.Linker
	Shortener childmatch.Shortener
	// Client makes the calls; nil: http.DefaultClient (each call is bounded by ChannelCallTimeout).
	Client *http.Client
}

// variable is a template's variable as DLT writes it: {#var#} (at most 30 characters), or {#url#} for a
// whitelisted link.
var variable = regexp.MustCompile(`\{#(var|url)#\}`)

// Sender is the SMS channel.
type Sender struct {
	c      Config
	url    string
	client *http.Client
	pace   *channel.Pacer
	now    func() time.Time
}

var _ childmatch.Sender = (*Sender)(nil)

// New checks c and returns a Sender.
func New(c Config) (*Sender, error) {
	u, err := url.Parse(c.BaseURL)
	switch {
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
		return nil, childmatch.FieldError("sms.base_url", "must be the gateway's http(s) address, as https://api.in.exotel.com")
	case c.AccountSID == "" || strings.ContainsAny(c.AccountSID, "/?#") || c.APIKey == "" || c.APIToken == "":
		return nil, childmatch.FieldError("sms.account", "needs the account's sid, API key and API token")
	case c.SenderID == "" || c.EntityID == "" || c.TemplateID == "":
		return nil, childmatch.FieldError("sms.dlt", "needs the DLT sender id, principal entity id and content template id")
	case len(variable.FindAllString(c.Template, -1)) != len(c.Vars):
		return nil, childmatch.FieldError("sms.template", "has %d variables and %d facts are named for them", len(variable.FindAllString(c.Template, -1)), len(c.Vars))
	}
	for _, v := range c.Vars {
		if !slices.Contains(childmatch.FactNames, v) {
			return nil, childmatch.FieldError("sms.vars", "%q is not a fact; the facts are %s", v, strings.Join(childmatch.FactNames, ", "))
		}
	}
	if slices.Contains(c.Vars, childmatch.FactLink) && (c.Links == nil || c.Shortener == nil) {
		return nil, childmatch.FieldError("sms.vars", "names the link, and the link needs a signer and a shortener")
	}
	if fixed := variable.ReplaceAllString(c.Template, ""); length(fixed) > limit(fixed) {
		return nil, childmatch.FieldError("sms.template", "is %d characters without its variables, more than one SMS of %d", length(fixed), limit(fixed))
	}
	client := c.Client
	if client == nil {
		client = http.DefaultClient
	}
	return &Sender{c: c, url: strings.TrimRight(c.BaseURL, "/") + "/v1/Accounts/" + c.AccountSID + "/Sms/send.json", client: client,
		pace: channel.NewPacer(childmatch.SMSPerSecond, nil), now: time.Now}, nil
}

func (*Sender) Channel() childmatch.Channel { return childmatch.ChanSMS }

// limit is the most characters one SMS of text holds: 160 in the GSM alphabet, 70 in Unicode.
func limit(text string) int {
	if isGSM(text) {
		return childmatch.SMSMaxGSM
	}
	return childmatch.SMSMaxUnicode
}

// length is text's length as its SMS counts it.
func length(text string) int {
	if isGSM(text) {
		return channel.Count(text, gsm)
	}
	return channel.Count(text, ucs2)
}

// Text fills the template's variables with values in order, each cut to SMSVarMax but those kept whole
// (the link and the phone number: a part of either is worse than none), then cuts the longest other value
// a character at a time until the text fits one SMS; false when it cannot.
func Text(template string, values []string, whole []bool) (string, bool) {
	ellipsis := "..." // "…" is not in the GSM alphabet, and one would make the SMS Unicode
	if !isGSM(template + strings.Join(values, "")) {
		ellipsis = "…"
	}
	vals := make([]string, len(values))
	for i, v := range values {
		v = strings.Join(strings.Fields(v), " ")
		if v == "" {
			v = "-"
		}
		if !whole[i] {
			v = channel.Cut(v, childmatch.SMSVarMax, channel.Rune, ellipsis)
		}
		vals[i] = v
	}
	fill := func() string {
		i := 0
		return variable.ReplaceAllStringFunc(template, func(string) string {
			i++
			return vals[i-1]
		})
	}
	for text := fill(); ; text = fill() {
		if length(text) <= limit(text) {
			return text, true
		}
		longest := -1
		for i, v := range vals {
			if !whole[i] && len([]rune(v)) > 4 && (longest < 0 || len([]rune(v)) > len([]rune(vals[longest]))) {
				longest = i
			}
		}
		if longest < 0 {
			return text, false
		}
		vals[longest] = channel.Cut(vals[longest], len([]rune(vals[longest]))-1, channel.Rune, ellipsis)
	}
}

// Send texts the delivery's number.
func (s *Sender) Send(ctx context.Context, d *childmatch.Delivery, out *childmatch.Outgoing) error {
	to := strings.NewReplacer(" ", "", "-", "").Replace(d.Target)
	if to == "" || strings.Trim(strings.TrimPrefix(to, "+"), "0123456789") != "" {
		return &childmatch.SendError{Reason: "the endpoint is not a phone number", Permanent: true}
	}
	if err := s.pace.Wait(ctx, ""); err != nil {
		return err // before the short link is made: a send put off makes none
	}
	values, whole := make([]string, len(s.c.Vars)), make([]bool, len(s.c.Vars))
	for i, name := range s.c.Vars {
		whole[i] = name == childmatch.FactLink || name == childmatch.FactPhone
		if name != childmatch.FactLink {
			values[i] = out.Facts[name]
			continue
		}
		short, err := s.c.Shortener.Shorten(ctx, s.c.Links.Sign(childmatch.CardPath(d.Alert, d.Seq, d.Post), childmatch.LinkTTL), s.now().Add(childmatch.LinkTTL))
		if err != nil {
			return &childmatch.SendError{Reason: "making the card's short link: " + string(childmatch.ErrorCodeOf(err))}
		}
		values[i] = short
	}
	text, ok := Text(s.c.Template, values, whole)
	if !ok {
		return &childmatch.SendError{Reason: fmt.Sprintf("the SMS is %d characters, more than the %d of one SMS, even with its facts cut", length(text), limit(text)), Permanent: true}
	}
	encoding := "plain"
	if !isGSM(text) {
		encoding = "unicode"
	}
	form := url.Values{"From": {s.c.SenderID}, "To": {to}, "Body": {text}, "EncodingType": {encoding},
		"DltEntityId": {s.c.EntityID}, "DltTemplateId": {s.c.TemplateID}, "SmsType": {"transactional"}}
	req, _ := http.NewRequest(http.MethodPost, s.url, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(s.c.APIKey, s.c.APIToken)
	a, err := channel.Call(ctx, s.client, req, "the SMS gateway")
	if err != nil {
		return err
	}
	var ans struct {
		SMSMessage struct {
			Sid    string `json:"Sid"`
			Status string `json:"Status"`
		} `json:"SMSMessage"`
		RestException struct {
			Message string `json:"Message"`
		} `json:"RestException"`
	}
	json.Unmarshal(a.Body, &ans)
	if a.Status/100 == 2 && ans.SMSMessage.Sid != "" && ans.SMSMessage.Status != "failed" {
		return nil
	}
	if a.Status/100 == 2 {
		return &childmatch.SendError{Status: a.Status, Reason: "the SMS gateway did not queue the message", Permanent: true}
	}
	e := channel.HTTPError(a.Status, a.Header, fmt.Sprintf("SMS gateway %d: %s", a.Status, channel.Redact(ans.RestException.Message)))
	if a.Status == http.StatusPaymentRequired {
		e.Permanent = false // the account's balance, topped up within the outbox's day of retries
	}
	return e
}
