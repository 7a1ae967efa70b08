// Package email sends alert messages to control rooms' and NGOs' mailboxes over SMTP (net/smtp): one
// message per address, multipart/mixed of a multipart/alternative body (plain text and HTML, each in
// English and Hindi) and the card attached as card.png. STARTTLS is used whenever the server offers it,
// and required unless the configuration allows plain SMTP; credentials go only over TLS. A 4xx answer is tried again, a 5xx one is not.
package email

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"time"

	"childmatch"
	"childmatch/channel"
)

// Config is what a Sender needs.
type Config struct {
	// Addr is the SMTP server's host:port, as smtp.example.in:587 (submission, with STARTTLS).
	Addr string
	// From is the sender's address, as "childmatch <alerts@childmatch.example.in>".
	From string
	// Username and Password authenticate (AUTH PLAIN) when Username is set.
	Username, Password string
	// TLS verifies the server in STARTTLS; nil: the system's roots, the server named by Addr's host.
	TLS *tls.Config
	// Plain allows sending without TLS to a server that offers no STARTTLS (a relay on a private
	// network); otherwise such a server is refused.
	Plain bool
	// Hostname is the name the client gives in EHLO and in Message-ID; empty: "localhost".
	Hostname string
}

// Sender is the email channel.
type Sender struct {
	c    Config
	host string
	from *mail.Address
	pace *channel.Pacer
}

var _ childmatch.Sender = (*Sender)(nil)

// New checks c and returns a Sender.
func New(c Config) (*Sender, error) {
	host, _, err := net.SplitHostPort(c.Addr)
	if err != nil || host == "" {
		return nil, childmatch.FieldError("email.addr", "must be the SMTP server's host:port, as smtp.example.in:587")
	}
	from, err := mail.ParseAddress(c.From)
	if err != nil {
		return nil, childmatch.FieldError("email.from", "must be an email address, as \"childmatch <alerts@example.in>\"")
	}
	if c.Hostname == "" {
		c.Hostname = "localhost"
	}
	return &Sender{c: c, host: host, from: from, pace: channel.NewPacer(childmatch.EmailPerSecond, nil)}, nil
}

func (*Sender) Channel() childmatch.Channel { return childmatch.ChanEmail }

// Send mails the message to the delivery's address.
func (s *Sender) Send(ctx context.Context, d *childmatch.Delivery, out *childmatch.Outgoing) error {
	to, err := mail.ParseAddress(d.Target)
	if err != nil {
		return &childmatch.SendError{Reason: "the endpoint is not an email address", Permanent: true}
	}
	if err := s.pace.Wait(ctx, ""); err != nil {
		return err
	}
	msg, err := compose(s.from, to, d, out, s.c.Hostname, time.Now())
	if err != nil {
		return &childmatch.SendError{Reason: "composing the email: " + err.Error(), Permanent: true}
	}
	ctx, cancel := context.WithTimeout(ctx, childmatch.ChannelCallTimeout)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", s.c.Addr)
	if err != nil {
		return smtpError("connecting", err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	return s.session(conn, to.Address, msg)
}

// session speaks SMTP on conn: EHLO, STARTTLS, AUTH, MAIL, RCPT, DATA, QUIT.
func (s *Sender) session(conn net.Conn, to string, msg []byte) error {
	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		return smtpError("greeting", err)
	}
	defer c.Close()
	if err := c.Hello(s.c.Hostname); err != nil {
		return smtpError("EHLO", err)
	}
	secured, _ := c.Extension("STARTTLS")
	if secured {
		cfg := s.c.TLS
		if cfg == nil {
			cfg = &tls.Config{ServerName: s.host}
		}
		if err := c.StartTLS(cfg); err != nil {
			return smtpError("STARTTLS", err)
		}
	} else if !s.c.Plain {
		return &childmatch.SendError{Reason: "the SMTP server offers no STARTTLS and plain SMTP is not allowed", Permanent: true}
	}
	if s.c.Username != "" {
		if !secured {
			return &childmatch.SendError{Reason: "the SMTP server offers no STARTTLS: the password is not sent in the clear", Permanent: true}
		}
		if err := c.Auth(smtp.PlainAuth("", s.c.Username, s.c.Password, s.host)); err != nil {
			return smtpError("AUTH", err)
		}
	}
	if err := c.Mail(s.from.Address); err != nil {
		return smtpError("MAIL FROM", err)
	}
	if err := c.Rcpt(to); err != nil {
		return smtpError("RCPT TO", err)
	}
	w, err := c.Data()
	if err != nil {
		return smtpError("DATA", err)
	}
	if _, err := w.Write(msg); err != nil {
		return smtpError("DATA", err)
	}
	if err := w.Close(); err != nil {
		return smtpError("DATA", err)
	}
	c.Quit() // the message is accepted once DATA is: a failed QUIT loses nothing
	return nil
}

// smtpError maps a failed step: the server's 4xx is tried again and its 5xx is permanent; a certificate
// that does not verify is permanent (a setting to fix); a network fault is tried again.
func smtpError(step string, err error) error {
	var te *textproto.Error
	if errors.As(err, &te) {
		return &childmatch.SendError{Status: te.Code, Reason: fmt.Sprintf("SMTP %s: %d %s", step, te.Code, te.Msg), Permanent: te.Code >= 500}
	}
	var ve *tls.CertificateVerificationError
	var ue x509.UnknownAuthorityError
	var he x509.HostnameError
	if errors.As(err, &ve) || errors.As(err, &ue) || errors.As(err, &he) {
		return &childmatch.SendError{Reason: fmt.Sprintf("SMTP %s: the server's certificate does not verify: %v", step, err), Permanent: true}
	}
	return &childmatch.SendError{Reason: fmt.Sprintf("SMTP %s: %v", step, err)}
}
