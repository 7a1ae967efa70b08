package email

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"childmatch"
)

// A loopback SMTP server (emersion/go-smtp) with STARTTLS on a certificate made here and AUTH PLAIN;
// recipients named busy@ get 451, gone@ get 550.
type backend struct {
	mu   sync.Mutex
	got  []received
	auth string
}

type received struct {
	from, to string
	data     []byte
	tls      bool
}

type session struct {
	b        *backend
	conn     *smtp.Conn
	from, to string
}

func (b *backend) NewSession(c *smtp.Conn) (smtp.Session, error) { return &session{b: b, conn: c}, nil }

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }
func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user+":"+pass != "alerts:s3cret" {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "Authentication failed"}
		}
		s.b.mu.Lock()
		s.b.auth = user
		s.b.mu.Unlock()
		return nil
	}), nil
}
func (s *session) Mail(from string, _ *smtp.MailOptions) error { s.from = from; return nil }
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	switch {
	case strings.HasPrefix(to, "busy@"):
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later"}
	case strings.HasPrefix(to, "gone@"):
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user"}
	}
	s.to = to
	return nil
}
func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, isTLS := s.conn.TLSConnectionState()
	s.b.mu.Lock()
	s.b.got = append(s.b.got, received{s.from, s.to, b, isTLS})
	s.b.mu.Unlock()
	return nil
}
func (s *session) Reset()        {}
func (s *session) Logout() error { return nil }

// certificate makes a self-signed certificate for 127.0.0.1 and the pool that trusts it.
func certificate(t *testing.T) (tls.Certificate, *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// serve starts the server; withTLS offers STARTTLS.
func serve(t *testing.T, withTLS bool) (*backend, string, *x509.CertPool) {
	b := &backend{}
	srv := smtp.NewServer(b)
	srv.Domain = "127.0.0.1"
	srv.ReadTimeout, srv.WriteTimeout = 5*time.Second, 5*time.Second
	srv.MaxMessageBytes = 2 << 20
	cert, pool := certificate(t)
	if withTLS {
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return b, l.Addr().String(), pool
}

func outgoing() (*childmatch.Delivery, *childmatch.Outgoing) {
	d := &childmatch.Delivery{ID: childmatch.NewID(), Case: childmatch.NewID(), Channel: childmatch.ChanEmail, Target: "control.bhopal@mppolice.example.in"}
	return d, &childmatch.Outgoing{Card: bytes.Repeat([]byte("\x89PNG card "), 3000), Text: "MISSING CHILD · लापता बच्चा\nरवि, लड़का, 9 वर्ष",
		Link:  "https://childmatch.example.in/l/AbCdEfGh",
		Facts: childmatch.Facts{childmatch.FactHeadline: "MISSING CHILD", childmatch.FactHeadlineHindi: "लापता बच्चा"}}
}

// TestMail: over STARTTLS with AUTH PLAIN, the message reaches the mailbox with its subject in both
// languages, a plain and an HTML alternative in both, the card attached byte for byte, and the delivery's
// id as its Message-ID.
func TestMail(t *testing.T) {
	b, addr, pool := serve(t, true)
	s, err := New(Config{Addr: addr, From: "childmatch <alerts@childmatch.example.in>", Username: "alerts", Password: "s3cret",
		TLS: &tls.Config{ServerName: "127.0.0.1", RootCAs: pool}})
	if err != nil {
		t.Fatal(err)
	}
	d, out := outgoing()
	if err := s.Send(context.Background(), d, out); err != nil {
		t.Fatal(err)
	}
	if len(b.got) != 1 || !b.got[0].tls || b.auth != "alerts" || b.got[0].from != "alerts@childmatch.example.in" || b.got[0].to != d.Target {
		t.Fatalf("received %+v, authenticated as %q", b.got, b.auth)
	}
	m, err := mail.ReadMessage(bytes.NewReader(b.got[0].data))
	if err != nil {
		t.Fatal(err)
	}
	subj, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if subj != "MISSING CHILD · लापता बच्चा · case "+d.Case.String() || m.Header.Get("Message-ID") != "<"+d.ID.String()+"@localhost>" {
		t.Fatalf("subject %q, message id %q", subj, m.Header.Get("Message-ID"))
	}
	_, params, _ := mime.ParseMediaType(m.Header.Get("Content-Type"))
	mixed := multipart.NewReader(m.Body, params["boundary"])
	alt, err := mixed.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	typ, altParams, _ := mime.ParseMediaType(alt.Header.Get("Content-Type"))
	if typ != "multipart/alternative" {
		t.Fatalf("first part %s", typ)
	}
	ar := multipart.NewReader(alt, altParams["boundary"])
	for _, want := range []string{"text/plain", "text/html"} {
		p, err := ar.NextPart() // decodes quoted-printable
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(p)
		if !strings.HasPrefix(p.Header.Get("Content-Type"), want) || !strings.Contains(string(body), "लापता बच्चा") ||
			!strings.Contains(string(body), "MISSING CHILD") || !strings.Contains(string(body), out.Link) {
			t.Fatalf("%s part: %q", want, body)
		}
	}
	att, err := mixed.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(att)
	png, err := decodeBase64(raw)
	if err != nil || !bytes.Equal(png, out.Card) || att.FileName() != "card.png" {
		t.Fatalf("attachment %q: %d bytes, err %v", att.FileName(), len(png), err)
	}
}

// TestSMTPAnswers: 451 is tried again, 550 is not; a wrong password is permanent; a server without
// STARTTLS is refused unless plain SMTP is allowed, and never gets the password; an unknown
// certificate is permanent.
func TestSMTPAnswers(t *testing.T) {
	_, addr, pool := serve(t, true)
	cfg := Config{Addr: addr, From: "alerts@childmatch.example.in", Username: "alerts", Password: "s3cret", TLS: &tls.Config{ServerName: "127.0.0.1", RootCAs: pool}}
	send := func(c Config, to string) *childmatch.SendError {
		t.Helper()
		s, err := New(c)
		if err != nil {
			t.Fatal(err)
		}
		d, out := outgoing()
		d.Target = to
		var se *childmatch.SendError
		if err := s.Send(context.Background(), d, out); err != nil && !errors.As(err, &se) {
			t.Fatalf("not a SendError: %v", err)
		}
		return se
	}
	if e := send(cfg, "busy@example.in"); e == nil || e.Permanent || e.Status != 451 {
		t.Errorf("451: %+v", e)
	}
	if e := send(cfg, "gone@example.in"); e == nil || !e.Permanent || e.Status != 550 {
		t.Errorf("550: %+v", e)
	}
	wrong := cfg
	wrong.Password = "guess"
	if e := send(wrong, "a@example.in"); e == nil || !e.Permanent || e.Status != 535 || strings.Contains(e.Reason, "guess") {
		t.Errorf("a wrong password: %+v", e)
	}
	untrusted := cfg
	untrusted.TLS = &tls.Config{ServerName: "127.0.0.1"}
	if e := send(untrusted, "a@example.in"); e == nil || !e.Permanent || !strings.Contains(e.Reason, "certificate") {
		t.Errorf("an unknown certificate: %+v", e)
	}
	pb, plainAddr, _ := serve(t, false)
	plain := Config{Addr: plainAddr, From: "alerts@childmatch.example.in", Username: "alerts", Password: "s3cret"}
	if e := send(plain, "a@example.in"); e == nil || !e.Permanent {
		t.Errorf("no STARTTLS: %+v", e)
	}
	plain.Plain = true
	if e := send(plain, "a@example.in"); e == nil || !e.Permanent || pb.auth != "" {
		t.Errorf("a password without TLS: %+v, authenticated %q", e, pb.auth)
	}
	plain.Username, plain.Password = "", ""
	if e := send(plain, "a@example.in"); e != nil || len(pb.got) != 1 || pb.got[0].tls {
		t.Errorf("plain SMTP allowed, no password: %+v, %d received", e, len(pb.got))
	}
	if e := send(cfg, "not an address"); e == nil || !e.Permanent {
		t.Errorf("a bad address: %+v", e)
	}
}

func decodeBase64(raw []byte) ([]byte, error) {
	return base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(raw)), ""))
}
