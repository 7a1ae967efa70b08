package api_test

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"childmatch"
)

// session is a web session as the browser holds it: the two cookies sign-in set.
type session struct {
	secret, csrf string
	id           string // the public id an admin sees: the first 16 hex digits of the secret's SHA-256
}

// signIn signs in at /web/signin with the bearer header's token, as the web app does.
func (e *env) signIn(auth string) session {
	e.t.Helper()
	body := `{"token":"` + strings.TrimPrefix(auth, "Bearer ") + `"}`
	req, _ := http.NewRequest("POST", e.http.URL+"/web/signin", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("sign in: %d", resp.StatusCode)
	}
	var s session
	for _, c := range resp.Cookies() {
		switch c.Name {
		case "cm_session":
			s.secret = c.Value
			if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
				e.t.Fatalf("session cookie not HttpOnly/SameSite=Strict: %+v", c)
			}
		case "cm_csrf":
			s.csrf = c.Value
		}
	}
	if s.secret == "" || s.csrf == "" {
		e.t.Fatalf("sign-in set no session: %v", resp.Cookies())
	}
	sum := sha256.Sum256([]byte(s.secret))
	s.id = hex.EncodeToString(sum[:])[:16]
	return s
}

// send makes a request as the browser would with the session's cookies, a CSRF cookie of the given value
// and the X-CSRF-Token header (none when ""), and returns the status.
func (e *env) send(s session, method, path, csrfCookie, csrfHeader string) int {
	e.t.Helper()
	var body *strings.Reader
	if method == "POST" {
		body = strings.NewReader(`{"kind":"found"}`)
	} else {
		body = strings.NewReader("")
	}
	req, _ := http.NewRequest(method, e.http.URL+path, body)
	req.Header.Set("Content-Type", "application/json")
	req.AddCookie(&http.Cookie{Name: "cm_session", Value: s.secret})
	req.AddCookie(&http.Cookie{Name: "cm_csrf", Value: csrfCookie})
	if csrfHeader != "" {
		req.Header.Set("X-CSRF-Token", csrfHeader)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestSignOutReplay: after sign-out, the same cookie replayed is unauthorized, for reads and changes; an
// admin sees a session and ending it has the same effect; the secret is stored nowhere.
func TestSignOutReplay(t *testing.T) {
	e := newEnv(t)
	_, officer, _ := e.user("officer", "GRP", "officer")
	s := e.signIn(officer)
	if got := e.send(s, "GET", "/v1/cases", s.csrf, ""); got != http.StatusOK {
		t.Fatalf("read with the session: %d", got)
	}
	if got := e.send(s, "POST", "/web/signout", s.csrf, s.csrf); got != http.StatusNoContent {
		t.Fatalf("sign out: %d", got)
	}
	for _, m := range []string{"GET", "POST"} {
		if got := e.send(s, m, "/v1/cases", s.csrf, s.csrf); got != http.StatusUnauthorized {
			t.Errorf("%s with the cookie replayed after sign-out: %d, want 401", m, got)
		}
	}

	other := e.signIn(officer)
	var list struct {
		Sessions []childmatch.SessionInfo `json:"sessions"`
	}
	e.as("Bearer "+token, "GET", "/v1/sessions", nil).decode(t, &list)
	if len(list.Sessions) != 1 || list.Sessions[0].ID != other.id || list.Sessions[0].Remote != "127.0.0.1" {
		t.Fatalf("want only the live session %s, got %+v", other.id, list.Sessions)
	}
	for key, body := range e.objects("") {
		if strings.Contains(key, other.secret) || strings.Contains(string(body), other.secret) {
			t.Fatalf("the session secret is stored in %s", key)
		}
	}
	if r := e.as("Bearer "+token, "DELETE", "/v1/sessions/"+other.id, nil); r.status != http.StatusNoContent {
		t.Fatalf("end the session: %d %s", r.status, r.body)
	}
	if got := e.send(other, "GET", "/v1/cases", "", ""); got != http.StatusUnauthorized {
		t.Errorf("a session an admin ended: %d, want 401", got)
	}
}

// TestSessionIdle: with a short idle limit, a session in use lives on past it, and one left idle for it
// is unauthorized.
func TestSessionIdle(t *testing.T) {
	e := newEnv(t)
	e.sessions.Idle = 400 * time.Millisecond
	e.start()
	_, officer, _ := e.user("officer", "GRP", "officer")
	s := e.signIn(officer)
	for range 3 { // 600 ms in all: past the idle limit of the sign-in, never of the last use
		time.Sleep(e.sessions.Idle / 2)
		if got := e.send(s, "GET", "/v1/cases", "", ""); got != http.StatusOK {
			t.Fatalf("a session in use: %d", got)
		}
	}
	time.Sleep(e.sessions.Idle + 100*time.Millisecond)
	if got := e.send(s, "GET", "/v1/cases", "", ""); got != http.StatusUnauthorized {
		t.Fatalf("a session idle for its limit: %d, want 401", got)
	}
}

// TestTokenExpiresAt: a token issued with expires_at works until then and is unauthorized after.
func TestTokenExpiresAt(t *testing.T) {
	e := newEnv(t)
	id, _, _ := e.user("officer", "GRP", "officer")
	at := time.Now().Add(time.Second).UTC().Truncate(time.Millisecond)
	r := e.postJSON("/v1/users/"+id+"/tokens", map[string]any{"expires_at": at})
	var tok struct {
		Token     string    `json:"token"`
		ExpiresAt time.Time `json:"expires_at"`
	}
	r.decode(t, &tok)
	if r.status != http.StatusCreated || !tok.ExpiresAt.Equal(at) {
		t.Fatalf("issue: %d %s", r.status, r.body)
	}
	if r := e.as("Bearer "+tok.Token, "GET", "/v1/cases", nil); r.status != http.StatusOK {
		t.Fatalf("before its expiry: %d %s", r.status, r.body)
	}
	time.Sleep(time.Until(at) + 50*time.Millisecond)
	if r := e.as("Bearer "+tok.Token, "GET", "/v1/cases", nil); r.status != http.StatusUnauthorized {
		t.Fatalf("after its expiry: %d %s", r.status, r.body)
	}
	var er errorResponse
	e.postJSON("/v1/users/"+id+"/tokens", map[string]any{"expires_at": "2020-01-01T00:00:00Z"}).decode(t, &er)
	if er.Error.Field != "expires_at" {
		t.Fatalf("an expiry in the past: %+v", er)
	}
}

// retryAfter checks a 429's Retry-After: whole seconds, at least one, at most the given wait.
func retryAfter(t *testing.T, h http.Header, most time.Duration) {
	t.Helper()
	secs, err := strconv.Atoi(h.Get("Retry-After"))
	if err != nil || secs < 1 || time.Duration(secs)*time.Second > most+time.Second {
		t.Fatalf("Retry-After %q, want 1 to %v", h.Get("Retry-After"), most)
	}
}

// raw sends a request from the env's client and returns the whole response, body closed.
func (e *env) raw(method, path, auth, body string, header map[string]string) *http.Response {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.http.URL+path, strings.NewReader(body))
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := e.httpClient().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// TestGuessingLimit: 200 wrong tokens and link signatures from one address in a row are 401 up to the
// limit of failed authentications, then 429 with Retry-After, for the bearer header, sign-in and signed
// links alike; the right token from that address is then refused too, unchecked, and so is a signed link; an X-Forwarded-For the service does not trust
// changes nothing; another address is unaffected.
func TestGuessingLimit(t *testing.T) {
	e := newEnv(t)
	_, officer, _ := e.user("officer", "GRP", "officer")
	guesser := e.from("127.0.2.1")
	start := time.Now()
	counts := map[int]int{}
	for i := range 200 {
		var resp *http.Response
		switch i % 3 {
		case 0:
			resp = guesser.raw("GET", "/v1/cases", "Bearer cm_guess"+strconv.Itoa(i), "",
				map[string]string{"X-Forwarded-For": "10.9.0." + strconv.Itoa(i%250)})
		case 1:
			resp = guesser.raw("POST", "/web/signin", "", `{"token":"cm_guess`+strconv.Itoa(i)+`"}`, nil)
		default: // a signed link's signature guessed
			resp = guesser.raw("GET", guessedLink(i), "", "", nil)
		}
		counts[resp.StatusCode]++
		if i == childmatch.AuthFailureBurst-1 && counts[http.StatusUnauthorized] != childmatch.AuthFailureBurst {
			t.Fatalf("the first %d wrong tokens: %v, want all 401", childmatch.AuthFailureBurst, counts)
		}
		if resp.StatusCode == http.StatusTooManyRequests {
			retryAfter(t, resp.Header, childmatch.AuthFailureEvery)
		}
	}
	t.Logf("200 wrong tokens in %v: %v", time.Since(start).Round(time.Millisecond), counts)
	// Tokens refill one every AuthFailureEvery: a slow machine may have earned one or two more tries.
	refilled := int(time.Since(start) / childmatch.AuthFailureEvery)
	if n := counts[http.StatusUnauthorized]; n > childmatch.AuthFailureBurst+refilled || counts[http.StatusTooManyRequests] < 200-n {
		t.Fatalf("200 wrong tokens: %v, want %d 401s (+%d refilled) and the rest 429", counts, childmatch.AuthFailureBurst, refilled)
	}
	if resp := guesser.raw("GET", "/v1/cases", officer, "", nil); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("the right token from the guessing address: %d, want 429", resp.StatusCode)
	}
	for _, path := range []string{guessedLink(1), strings.Replace(guessedLink(2), "face.jpg", "cap", 1)} {
		if resp := guesser.raw("GET", path, "", "", nil); resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("a signed link from the guessing address: %d, want 429 before its signature is checked", resp.StatusCode)
		}
	}
	if resp := e.from("127.0.2.2").raw("GET", "/v1/cases", officer, "", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("the right token from another address: %d, want 200", resp.StatusCode)
	}
}

// guessedLink is a face's signed link with a made-up signature.
func guessedLink(i int) string {
	return "/v1/alerts/" + childmatch.NewID().String() + "/face.jpg?exp=" + strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10) +
		"&sig=" + strings.Repeat(strconv.Itoa(i%10), 43)
}

// TestPhotoLimit: the expensive routes (search, adding a photo) share a budget per user; past it the user
// gets 429 with Retry-After on both, while another user is unaffected; and all users of one address share
// a larger budget. Requests without a photo count as the rest do, so the test needs no face work.
func TestPhotoLimit(t *testing.T) {
	e := newEnv(t)
	_, officer, _ := e.user("officer", "GRP", "officer")
	caseID := e.createCaseAs(officer, "missing").ID
	start := time.Now() // the address's bucket refills from its first request on
	for i := range childmatch.PhotoBurstPerUser {
		path := "/v1/search"
		if i%2 == 1 {
			path = "/v1/cases/" + caseID + "/photos"
		}
		if resp := e.raw("POST", path, officer, "", nil); resp.StatusCode == http.StatusTooManyRequests {
			t.Fatalf("request %d of the user's burst of %d: 429", i+1, childmatch.PhotoBurstPerUser)
		}
	}
	for _, path := range []string{"/v1/search", "/v1/cases/" + caseID + "/photos"} {
		resp := e.raw("POST", path, officer, "", nil)
		if resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("%s past the user's burst: %d, want 429", path, resp.StatusCode)
		}
		retryAfter(t, resp.Header, childmatch.PhotoEveryPerUser)
	}
	// Other users of the same address, each within their own budget, until the address's is spent (the
	// first user's refused requests spent none of it).
	for sent := childmatch.PhotoBurstPerUser; sent < childmatch.PhotoBurstPerAddress; {
		_, other, _ := e.user("another officer", "GRP", "officer")
		for range min(childmatch.PhotoBurstPerUser, childmatch.PhotoBurstPerAddress-sent) {
			if resp := e.raw("POST", "/v1/search", other, "", nil); resp.StatusCode == http.StatusTooManyRequests {
				t.Fatalf("another user's search with the address's budget unspent (%d of %d): 429", sent, childmatch.PhotoBurstPerAddress)
			}
			sent++
		}
	}
	// The address's bucket refilled meanwhile, one every PhotoEveryPerAddress: a fresh user gets what
	// refilled (more while these requests are sent, on a busy machine), then 429 from the address's limit,
	// well within the user's own burst.
	_, last, _ := e.user("yet another officer", "GRP", "officer")
	var resp *http.Response
	sent := 0
	for ; sent < childmatch.PhotoBurstPerUser-1; sent++ {
		if resp = e.raw("POST", "/v1/search", last, "", nil); resp.StatusCode == http.StatusTooManyRequests {
			break
		}
	}
	if refilled := int(time.Since(start)/childmatch.PhotoEveryPerAddress) + 1; resp.StatusCode != http.StatusTooManyRequests || sent > refilled {
		t.Fatalf("a fresh user past the address's burst: %d after %d requests, want 429 after at most the %d refilled",
			resp.StatusCode, sent, refilled)
	}
	retryAfter(t, resp.Header, childmatch.PhotoEveryPerAddress)
	if resp := e.from("127.0.3.1").raw("POST", "/v1/search", last, "", nil); resp.StatusCode == http.StatusTooManyRequests {
		t.Fatal("the same user from another address: 429")
	}
}
