// Package whatsapp sends alert messages one-to-one to WhatsApp numbers through Meta's Cloud API: a
// template the deployment had approved, with the card as its image header and the case's key facts as its
// body's parameters. The card is uploaded once to the business number's media (POST
// /{version}/{phone-number-id}/media) and its id reused for every number of the same post; the message
// is POST /{version}/{phone-number-id}/messages with the Bearer token. Sends are paced under the number's
// throughput and the pair rate (limits.go); the API's error codes say whether to wait, retry or give up.
package whatsapp

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"

	"childmatch"
	"childmatch/channel"
)

// Config is what a Sender needs.
type Config struct {
	// BaseURL is the Graph API's address, https://graph.facebook.com; Version its version, as v21.0.
	BaseURL, Version string
	// PhoneNumberID is the business phone number's id (WhatsApp Manager), Token a system user's access
	// token with whatsapp_business_messaging.
	PhoneNumberID, Token string
	// Template is the approved template's name and Language its language code (hi, en, en_US); Params
	// are the names of the facts (childmatch.FactNames) its body's parameters {{1}}, {{2}}, ... take.
	Template, Language string
	Params             []string
	// Client makes the calls; nil: http.DefaultClient (each call is bounded by ChannelCallTimeout).
	Client *http.Client
}

// Sender is the WhatsApp channel.
type Sender struct {
	c      Config
	api    string // base/version/phone-number-id
	client *http.Client
	pace   *channel.Pacer
	media  *expirable.LRU[[sha256.Size]byte, string]
}

var _ childmatch.Sender = (*Sender)(nil)

var version = regexp.MustCompile(`^v\d+\.\d+$`)

// New checks c and returns a Sender.
func New(c Config) (*Sender, error) {
	u, err := url.Parse(c.BaseURL)
	switch {
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
		return nil, childmatch.FieldError("whatsapp.base_url", "must be the Graph API's http(s) address, as https://graph.facebook.com")
	case !version.MatchString(c.Version):
		return nil, childmatch.FieldError("whatsapp.version", "must be a Graph API version, as v21.0")
	case c.PhoneNumberID == "" || strings.Trim(c.PhoneNumberID, "0123456789") != "":
		return nil, childmatch.FieldError("whatsapp.phone_number_id", "must be the business phone number's id, digits only")
	case c.Token == "":
		return nil, childmatch.FieldError("whatsapp.token", "must be an access token with whatsapp_business_messaging")
	case c.Template == "" || c.Language == "":
		return nil, childmatch.FieldError("whatsapp.template", "and its language must be the approved template's")
	}
	for _, p := range c.Params {
		if !slices.Contains(childmatch.FactNames, p) {
			return nil, childmatch.FieldError("whatsapp.params", "%q is not a fact; the facts are %s", p, strings.Join(childmatch.FactNames, ", "))
		}
	}
	client := c.Client
	if client == nil {
		client = http.DefaultClient
	}
	return &Sender{c: c, api: strings.TrimRight(c.BaseURL, "/") + "/" + c.Version + "/" + c.PhoneNumberID, client: client,
		pace:  channel.NewPacer(childmatch.WhatsAppPerSecond, func(string) time.Duration { return childmatch.WhatsAppPairInterval }),
		media: expirable.NewLRU[[sha256.Size]byte, string](childmatch.WhatsAppMediaKept, nil, childmatch.WhatsAppMediaReuse)}, nil
}

func (*Sender) Channel() childmatch.Channel { return childmatch.ChanWhatsApp }

// Send sends the template to the delivery's number, the card as its header.
func (s *Sender) Send(ctx context.Context, d *childmatch.Delivery, out *childmatch.Outgoing) error {
	if len(out.Card) == 0 {
		return &childmatch.SendError{Reason: "the message has no card to send", Permanent: true}
	}
	to := strings.TrimPrefix(strings.NewReplacer(" ", "", "-", "").Replace(d.Target), "+")
	if to == "" || strings.Trim(to, "0123456789") != "" {
		return &childmatch.SendError{Reason: "the endpoint is not a phone number with its country code", Permanent: true}
	}
	if err := s.pace.Wait(ctx, to); err != nil {
		return err
	}
	media, err := s.upload(ctx, out.Card)
	if err != nil {
		return err
	}
	body, _ := json.Marshal(s.message(to, media, out))
	req, _ := http.NewRequest(http.MethodPost, s.api+"/messages", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	var ok struct {
		Messages []struct {
			ID string `json:"id"`
		} `json:"messages"`
	}
	if err := s.call(ctx, req, &ok); err != nil {
		return err
	}
	if len(ok.Messages) == 0 {
		return &childmatch.SendError{Status: http.StatusOK, Reason: "WhatsApp accepted the call but named no message"}
	}
	return nil
}

// upload puts the card in the business number's media, once per card while its id is remembered.
func (s *Sender) upload(ctx context.Context, png []byte) (string, error) {
	key := sha256.Sum256(png)
	if id, ok := s.media.Get(key); ok {
		return id, nil
	}
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	w.WriteField("messaging_product", "whatsapp")
	w.WriteField("type", "image/png")
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file"; filename="card.png"`)
	h.Set("Content-Type", "image/png")
	part, _ := w.CreatePart(h)
	part.Write(png)
	w.Close()
	req, _ := http.NewRequest(http.MethodPost, s.api+"/media", &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	var ok struct {
		ID string `json:"id"`
	}
	if err := s.call(ctx, req, &ok); err != nil {
		return "", err
	}
	if ok.ID == "" {
		return "", &childmatch.SendError{Status: http.StatusOK, Reason: "WhatsApp took the card but named no media id"}
	}
	s.media.Add(key, ok.ID)
	return ok.ID, nil
}

type component struct {
	Type       string      `json:"type"`
	Parameters []parameter `json:"parameters"`
}

type parameter struct {
	Type  string            `json:"type"`
	Text  string            `json:"text,omitempty"`
	Image map[string]string `json:"image,omitempty"`
}

// message is the template message to one number.
func (s *Sender) message(to, media string, out *childmatch.Outgoing) map[string]any {
	body := component{Type: "body", Parameters: []parameter{}}
	for _, name := range s.c.Params {
		v := out.Facts[name]
		if name == childmatch.FactLink {
			v = out.Link
		}
		body.Parameters = append(body.Parameters, parameter{Type: "text", Text: param(v)})
	}
	components := []component{{Type: "header", Parameters: []parameter{{Type: "image", Image: map[string]string{"id": media}}}}}
	if len(body.Parameters) > 0 {
		components = append(components, body)
	}
	return map[string]any{"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": "template",
		"template": map[string]any{"name": s.c.Template, "language": map[string]string{"code": s.c.Language}, "components": components}}
}

var spaces = regexp.MustCompile(`\s+`)

// param makes a fact a template parameter: the API refuses an empty one and one with new lines, tabs or
// more than four spaces in a row, so lines are joined with " · " and runs of space made one.
func param(v string) string {
	v = strings.Join(strings.FieldsFunc(v, func(r rune) bool { return r == '\n' || r == '\r' }), " · ")
	v = strings.TrimSpace(spaces.ReplaceAllString(v, " "))
	if v == "" {
		return "-"
	}
	return channel.Cut(v, childmatch.WhatsAppParamMax, channel.Rune, "…")
}

// graphError is the Graph API's error answer.
type graphError struct {
	Error struct {
		Message string `json:"message"`
		Code    int    `json:"code"`
	} `json:"error"`
}

// call makes one authenticated call and decodes a success into ok.
func (s *Sender) call(ctx context.Context, req *http.Request, ok any) error {
	req.Header.Set("Authorization", "Bearer "+s.c.Token)
	a, err := channel.Call(ctx, s.client, req, "WhatsApp")
	if err != nil {
		return err
	}
	if a.Status/100 == 2 {
		if json.Unmarshal(a.Body, ok) != nil {
			return &childmatch.SendError{Status: a.Status, Reason: "WhatsApp's answer is not its JSON"}
		}
		return nil
	}
	var ge graphError
	json.Unmarshal(a.Body, &ge)
	return classify(a, ge.Error.Code)
}
