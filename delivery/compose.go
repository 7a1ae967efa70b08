package delivery

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"childmatch"
)

// What a delivery carries is composed at each attempt from the alert, its case and the post, so a signed
// link is fresh and a post's new name is on its card; the body's timestamp is the message's, the same on
// every attempt.

// source is what one alert's deliveries are composed from, read once per ComposeCacheTTL.
type source struct {
	alert *childmatch.Alert
	c     *childmatch.Case
	// chip is the latest face chip, read once when a card needs it.
	chip     []byte
	chipErr  error
	chipOnce sync.Once
}

// Body is a webhook's JSON body, as the contract with partner systems says: {"type", "timestamp", "data"}.
type Body struct {
	Type      string    `json:"type"`
	Timestamp time.Time `json:"timestamp"`
	Data      BodyData  `json:"data"`
}

// BodyData is what a webhook tells of the message. The child's details are behind cap_url, a signed link
// that expires (LinkTTL).
type BodyData struct {
	AlertID  childmatch.ID          `json:"alert_id"`
	CaseID   childmatch.ID          `json:"case_id"`
	MsgType  childmatch.MsgType     `json:"msg_type"`
	Seq      int                    `json:"seq"`
	Reason   string                 `json:"reason"`
	Post     childmatch.ID          `json:"post_id"`
	Status   childmatch.AlertStatus `json:"alert_status"`
	Exercise bool                   `json:"exercise"`
	CapURL   string                 `json:"cap_url"`
}

// needsCard: the channels whose message is the card (Telegram, WhatsApp, email) or its facts (an SMS's
// template, which links to the card).
func needsCard(ch childmatch.Channel) bool {
	return ch == childmatch.ChanTelegram || ch == childmatch.ChanWhatsApp || ch == childmatch.ChanEmail || ch == childmatch.ChanSMS
}

// compose makes what a delivery carries.
func (o *Outbox) compose(ctx context.Context, d *childmatch.Delivery) (*childmatch.Outgoing, error) {
	src, err := o.source(ctx, d.Alert, d.Seq)
	if err != nil {
		return nil, err
	}
	m := src.alert.Messages[d.Seq-1]
	capURL := o.cfg.PublicURL + o.d.Links.Sign(childmatch.CAPPath(d.Alert, d.Seq), childmatch.LinkTTL)
	out := &childmatch.Outgoing{Link: capURL, Text: summary(d, m, src.c)}
	out.Body, err = json.Marshal(Body{Type: d.Event, Timestamp: d.CreatedAt.UTC(), Data: BodyData{AlertID: d.Alert, CaseID: d.Case,
		MsgType: d.Type, Seq: d.Seq, Reason: m.Reason, Post: d.Post, Status: src.alert.Status, Exercise: d.Exercise, CapURL: capURL}})
	if err != nil {
		return nil, err
	}
	if needsCard(d.Channel) && o.d.Cards != nil {
		p, err := o.d.Posts.Post(ctx, d.Post)
		if err != nil {
			return nil, err
		}
		if err := o.readChip(ctx, src); err != nil {
			return nil, err
		}
		card := childmatch.CardOf(src.c, d.Type, p.Name, o.cfg.PublicURL+"/app/#/case/"+src.c.ID.String())
		card.Exercise, card.FaceChip = d.Exercise, src.chip
		out.Facts = o.d.Cards.Facts(card)
		if d.Channel != childmatch.ChanSMS {
			if out.Card, err = o.d.Cards.Render(card); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// source reads the alert and its case, from the cache when the cached alert has the message.
func (o *Outbox) source(ctx context.Context, alert childmatch.ID, seq int) (*source, error) {
	if s, ok := o.messages.Get(alert); ok && len(s.alert.Messages) >= seq {
		return s, nil
	}
	a, err := o.d.Alerts.Alert(ctx, alert)
	if err != nil {
		return nil, err
	}
	if seq < 1 || seq > len(a.Messages) {
		return nil, childmatch.Errorf(childmatch.ENotFound, "alert %s has no message %d", alert, seq)
	}
	c, err := o.d.Cases.Case(ctx, a.Case)
	if err != nil {
		return nil, err
	}
	s := &source{alert: a, c: c}
	o.messages.Add(alert, s)
	return s, nil
}

// readChip reads the case's latest face chip once; a case without a face has none.
func (o *Outbox) readChip(ctx context.Context, s *source) error {
	s.chipOnce.Do(func() {
		faces := s.c.Faces()
		if len(faces) == 0 {
			return
		}
		b, err := o.d.Cases.Blob(ctx, childmatch.BlobChip, faces[len(faces)-1].ID)
		if err != nil {
			if childmatch.ErrorCodeOf(err) != childmatch.ENotFound {
				s.chipErr = err
			}
			return
		}
		defer b.Close()
		s.chip, s.chipErr = io.ReadAll(io.LimitReader(b, childmatch.CardMaxChipBytes))
	})
	return s.chipErr
}

// summary says the message in a few words, Hindi first then English: an SMS, a caption, a push.
func summary(d *childmatch.Delivery, m childmatch.Message, c *childmatch.Case) string {
	var b strings.Builder
	if d.Exercise {
		b.WriteString("अभ्यास / EXERCISE. ")
	}
	switch d.Type {
	case childmatch.MsgCancel:
		fmt.Fprintf(&b, "बच्चा मिल गया, खोज बंद करें / Child found, stand down. Case %s.", c.ID)
		return b.String()
	case childmatch.MsgUpdate:
		b.WriteString("अपडेट / Update: ")
	}
	b.WriteString("गुमशुदा बच्चा / Missing child")
	if c.Child.Name != "" {
		b.WriteString(": " + c.Child.Name)
	}
	if c.Child.Age > 0 {
		fmt.Fprintf(&b, ", %d वर्ष / years", c.Child.Age)
	}
	where := strings.Join(nonEmpty(c.Sighting.Station, c.Sighting.Place, c.Sighting.District, c.Sighting.State), ", ")
	if where != "" {
		b.WriteString(". अंतिम बार देखा / Last seen: " + where)
	}
	if !c.Sighting.Time.IsZero() {
		b.WriteString(" " + c.Sighting.Time.In(ist).Format("02 Jan 15:04") + " IST")
	}
	if c.Reporter.Phone != "" {
		b.WriteString(". संपर्क / Call " + c.Reporter.Phone)
	}
	fmt.Fprintf(&b, ". Case %s.", c.ID)
	return b.String()
}

var ist = time.FixedZone("IST", 5*3600+1800)

func nonEmpty(vs ...string) []string {
	out := vs[:0]
	for _, v := range vs {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}
