package push_test

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"childmatch"
)

// browser is one subscribed browser: its keys, as PushManager.subscribe makes them.
type browser struct {
	priv *ecdh.PrivateKey
	auth []byte
}

func newBrowser(t *testing.T) browser {
	t.Helper()
	priv, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	auth := make([]byte, childmatch.PushAuthBytes)
	rand.Read(auth)
	return browser{priv: priv, auth: auth}
}

func (b browser) keys() childmatch.PushKeys {
	return childmatch.PushKeys{P256dh: base64.RawURLEncoding.EncodeToString(b.priv.PublicKey().Bytes()),
		Auth: base64.RawURLEncoding.EncodeToString(b.auth)}
}

// decrypt opens an aes128gcm message (RFC 8188) encrypted to the browser by RFC 8291, as a browser does.
func (b browser) decrypt(body []byte) ([]byte, error) {
	if len(body) < 21 {
		return nil, errors.New("shorter than the header")
	}
	salt, rs, idlen := body[:16], binary.BigEndian.Uint32(body[16:20]), int(body[20])
	if len(body) < 21+idlen {
		return nil, errors.New("key id cut short")
	}
	senderPub, record := body[21:21+idlen], body[21+idlen:]
	if uint32(len(record)) > rs {
		return nil, fmt.Errorf("a record of %d bytes beyond the record size %d: more than one record", len(record), rs)
	}
	as, err := ecdh.P256().NewPublicKey(senderPub)
	if err != nil {
		return nil, fmt.Errorf("sender key: %w", err)
	}
	secret, err := b.priv.ECDH(as)
	if err != nil {
		return nil, err
	}
	info := append(append([]byte("WebPush: info\x00"), b.priv.PublicKey().Bytes()...), senderPub...)
	ikm, err := hkdf.Key(sha256.New, secret, b.auth, string(info), 32)
	if err != nil {
		return nil, err
	}
	cek, err := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: aes128gcm\x00", 16)
	if err != nil {
		return nil, err
	}
	nonce, err := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: nonce\x00", 12)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	plain, err := gcm.Open(nil, nonce, record, nil)
	if err != nil {
		return nil, fmt.Errorf("opening the record: %w", err)
	}
	end := bytes.LastIndexFunc(plain, func(r rune) bool { return r != 0 })
	if end < 0 || plain[end] != 2 { // the last record's delimiter, then zero padding
		return nil, errors.New("no last-record delimiter")
	}
	return plain[:end], nil
}

// received is one message the loopback push service took.
type received struct {
	path    string
	plain   []byte
	headers http.Header
}

// pushService is a loopback push service: it checks each message's VAPID JWT (RFC 8292) against the key
// the request names and against the expected one, decrypts it with the browser of its path, and answers
// what answer says for that path.
type pushService struct {
	*httptest.Server
	t        *testing.T
	vapidPub string
	subject  string
	mu       sync.Mutex
	browsers map[string]browser
	answer   map[string]func(http.ResponseWriter)
	got      []received
	bad      []string
}

func newPushService(t *testing.T, vapidPub, subject string) *pushService {
	p := &pushService{t: t, vapidPub: vapidPub, subject: subject, browsers: map[string]browser{}, answer: map[string]func(http.ResponseWriter){}}
	p.Server = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.Close)
	return p
}

// subscribe makes a browser subscribed at path, answered by answer (nil: 201 Created).
func (p *pushService) subscribe(t *testing.T, path string, answer func(http.ResponseWriter)) childmatch.PushSubscription {
	b := newBrowser(t)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.browsers[path] = b
	if answer != nil {
		p.answer[path] = answer
	}
	return childmatch.PushSubscription{Endpoint: p.URL + path, Keys: b.keys()}
}

func (p *pushService) serve(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	body, _ := io.ReadAll(r.Body)
	if err := p.check(r, body); err != nil {
		p.bad = append(p.bad, r.URL.Path+": "+err.Error())
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if a := p.answer[r.URL.Path]; a != nil {
		a(w)
		return
	}
	plain, err := p.browsers[r.URL.Path].decrypt(body)
	if err != nil {
		p.bad = append(p.bad, r.URL.Path+": "+err.Error())
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	p.got = append(p.got, received{path: r.URL.Path, plain: plain, headers: r.Header.Clone()})
	w.WriteHeader(http.StatusCreated)
}

// check verifies what every push service requires: the encoding, a TTL, and a VAPID JWT signed by the
// key in k=, which is the application server's, for this origin, naming a contact, expiring within 24 h.
func (p *pushService) check(r *http.Request, body []byte) error {
	if r.Method != http.MethodPost || r.Header.Get("Content-Encoding") != "aes128gcm" || r.Header.Get("TTL") == "" || len(body) == 0 {
		return fmt.Errorf("not a Web Push request: %s, encoding %q, TTL %q", r.Method, r.Header.Get("Content-Encoding"), r.Header.Get("TTL"))
	}
	auth, ok := strings.CutPrefix(r.Header.Get("Authorization"), "vapid ")
	if !ok {
		return errors.New("no vapid authorization")
	}
	var token, key string
	for _, part := range strings.Split(auth, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			token = v
		case "k":
			key = v
		}
	}
	if key != p.vapidPub {
		return fmt.Errorf("k= is not the application server's key")
	}
	raw, err := base64.RawURLEncoding.DecodeString(key)
	if err != nil || len(raw) != 65 || raw[0] != 4 {
		return fmt.Errorf("k= is not an uncompressed P-256 key")
	}
	pub := &ecdsa.PublicKey{Curve: elliptic.P256(), X: new(big.Int).SetBytes(raw[1:33]), Y: new(big.Int).SetBytes(raw[33:])}
	claims := jwt.MapClaims{}
	_, err = jwt.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return pub, nil },
		jwt.WithValidMethods([]string{"ES256"}), jwt.WithAudience("http://"+r.Host), jwt.WithExpirationRequired())
	if err != nil {
		return fmt.Errorf("the VAPID JWT: %w", err)
	}
	exp, _ := claims.GetExpirationTime()
	if time.Until(exp.Time) > 24*time.Hour {
		return errors.New("the VAPID JWT expires more than 24 h ahead (RFC 8292)")
	}
	if sub, _ := claims.GetSubject(); sub != p.subject {
		return fmt.Errorf("the VAPID JWT's sub is %q, not %q", sub, p.subject)
	}
	return nil
}

func (p *pushService) received() ([]received, []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]received(nil), p.got...), append([]string(nil), p.bad...)
}
