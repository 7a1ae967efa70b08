// Package telegram sends alert messages to Telegram chats and private channels through the Bot API's
// sendPhoto: the card as the photo, the message's words as the caption (at most 1,024 characters, cut
// at a word), to the chat id of the post's endpoint. Sends are paced under Telegram's limits
// (limits.go); a 429 is retried after its parameters.retry_after, a chat that is gone or has blocked the
// bot fails at once.
package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"time"

	"childmatch"
	"childmatch/channel"
)

// Config is what a Sender needs: the Bot API's address and the bot's token (from @BotFather).
type Config struct {
	// BaseURL is the Bot API's address: https://api.telegram.org, or a local Bot API server.
	BaseURL string
	Token   string
	// Client makes the calls; nil: http.DefaultClient (each call is bounded by ChannelCallTimeout).
	Client *http.Client
}

// Sender is the Telegram channel.
type Sender struct {
	base   string
	token  string
	client *http.Client
	pace   *channel.Pacer
}

var _ childmatch.Sender = (*Sender)(nil)

// New checks c and returns a Sender.
func New(c Config) (*Sender, error) {
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, childmatch.FieldError("telegram.base_url", "must be the Bot API's http(s) address, as https://api.telegram.org")
	}
	if c.Token == "" || strings.ContainsAny(c.Token, "/?# ") {
		return nil, childmatch.FieldError("telegram.token", "must be the bot's token from @BotFather")
	}
	client := c.Client
	if client == nil {
		client = http.DefaultClient
	}
	return &Sender{base: strings.TrimRight(c.BaseURL, "/"), token: c.Token, client: client,
		pace: channel.NewPacer(childmatch.TelegramPerSecond, chatInterval)}, nil
}

// chatInterval is the least time between two messages to a chat: a group's or channel's id begins with "-".
func chatInterval(chat string) time.Duration {
	if strings.HasPrefix(chat, "-") {
		return childmatch.TelegramGroupInterval
	}
	return childmatch.TelegramChatInterval
}

func (*Sender) Channel() childmatch.Channel { return childmatch.ChanTelegram }

// Caption is the photo's caption: the message's words, cut at a word to leave room for the link, then
// the link; at most TelegramCaptionMax characters as Telegram counts them (UTF-16 units).
func Caption(text, link string) string {
	if link == "" {
		return channel.Cut(text, childmatch.TelegramCaptionMax, channel.UTF16, "…")
	}
	room := childmatch.TelegramCaptionMax - channel.Count(link, channel.UTF16) - 1
	return channel.Cut(text, room, channel.UTF16, "…") + "\n" + link
}

// answer is the Bot API's answer to every method.
type answer struct {
	OK          bool   `json:"ok"`
	ErrorCode   int    `json:"error_code"`
	Description string `json:"description"`
	Parameters  struct {
		RetryAfter      int   `json:"retry_after"`
		MigrateToChatID int64 `json:"migrate_to_chat_id"`
	} `json:"parameters"`
}

// Send posts the card to the delivery's chat with sendPhoto.
func (s *Sender) Send(ctx context.Context, d *childmatch.Delivery, out *childmatch.Outgoing) error {
	if len(out.Card) == 0 {
		return &childmatch.SendError{Reason: "the message has no card to send", Permanent: true}
	}
	if err := s.pace.Wait(ctx, d.Target); err != nil {
		return err
	}
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	w.WriteField("chat_id", d.Target)
	w.WriteField("caption", Caption(out.Text, out.Link))
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="photo"; filename="card.png"`)
	h.Set("Content-Type", "image/png")
	part, _ := w.CreatePart(h)
	part.Write(out.Card)
	w.Close()
	req, err := http.NewRequest(http.MethodPost, s.base+"/bot"+s.token+"/sendPhoto", &body)
	if err != nil {
		return &childmatch.SendError{Reason: "building the request to Telegram", Permanent: true}
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	a, err := channel.Call(ctx, s.client, req, "Telegram")
	if err != nil {
		return err
	}
	var ans answer
	if json.Unmarshal(a.Body, &ans) != nil {
		return channel.HTTPError(a.Status, a.Header, fmt.Sprintf("Telegram answered %d without its JSON", a.Status))
	}
	if ans.OK && a.Status == http.StatusOK {
		return nil
	}
	return classify(a, ans)
}

// classify maps a Bot API error: 429 waits for retry_after; a group that became a supergroup has a new
// id, so its old one is gone; 400 (chat not found, a bad photo), 401 (a bad token) and 403 (the bot was
// blocked or removed) are permanent; 5xx is tried again.
func classify(a *channel.Answer, ans answer) error {
	e := channel.HTTPError(a.Status, a.Header, "Telegram: "+channel.Redact(ans.Description))
	if ans.Parameters.RetryAfter > 0 {
		e.RetryAfter = time.Duration(ans.Parameters.RetryAfter) * time.Second
	}
	if ans.Parameters.MigrateToChatID != 0 {
		e.Permanent, e.Gone = true, true
		e.Reason = "Telegram: the group became a supergroup with a new chat id; change the post's endpoint"
	}
	return e
}
