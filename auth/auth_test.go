package auth_test

import (
	"context"
	"testing"
	"time"

	"childmatch"
	"childmatch/auth"
	"childmatch/inmem"
)

const bootstrap = "bootstrap-token-0123456789abcdef"

// world is an auth service over an in-memory store, with a clock the test moves, and the bootstrap admin.
type world struct {
	store *inmem.Store
	s     *auth.Service
	now   time.Time
	admin childmatch.Actor
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{store: inmem.New(), now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	w.s = auth.New(auth.Deps{Users: w.store, Sessions: w.store, Audit: w.store, AdminToken: bootstrap,
		Limits: childmatch.DefaultSessionLimits(), Now: func() time.Time { return w.now }})
	var err error
	if w.admin, err = w.s.Authenticate(context.Background(), bootstrap, "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	return w
}

// officer creates an officer and returns a token's secret and the token.
func (w *world) officer(t *testing.T, nt childmatch.NewToken) (string, *childmatch.Token) {
	t.Helper()
	ctx := context.Background()
	u, err := w.s.CreateUser(ctx, w.admin, childmatch.NewUser{Name: "R. Sharma", Organisation: "GRP Bhopal",
		Roles: []childmatch.Role{childmatch.RoleOfficer}})
	if err != nil {
		t.Fatal(err)
	}
	secret, tok, err := w.s.IssueToken(ctx, w.admin, u.ID, nt)
	if err != nil {
		t.Fatal(err)
	}
	return secret, tok
}

// stored counts the sessions in the store.
func (w *world) stored(t *testing.T) int {
	t.Helper()
	n := 0
	if err := w.store.WalkSessions(context.Background(), func(*childmatch.Session) (bool, error) { n++; return true, nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestTokens: the bootstrap token acts as an admin; an issued token authenticates as its user until it is
// revoked; only admins manage users; the secret is never stored, only its hash.
func TestTokens(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	if !w.admin.May(childmatch.ActManageUsers) {
		t.Fatalf("bootstrap: %+v", w.admin)
	}
	u, err := w.s.CreateUser(ctx, w.admin, childmatch.NewUser{Name: " R. Sharma ", Organisation: "GRP Bhopal",
		Roles: []childmatch.Role{childmatch.RoleOfficer, childmatch.RoleOfficer}})
	if err != nil || u.Name != "R. Sharma" || len(u.Roles) != 1 {
		t.Fatalf("create user: %+v %v", u, err)
	}
	secret, tok, err := w.s.IssueToken(ctx, w.admin, u.ID, childmatch.NewToken{})
	if err != nil || tok.ExpiresAt != nil {
		t.Fatal(tok, err)
	}
	if _, err := w.store.Token(ctx, secret); childmatch.ErrorCodeOf(err) != childmatch.ENotFound {
		t.Error("the token is stored under its secret")
	}
	officer, err := w.s.Authenticate(ctx, secret, "10.0.0.9")
	if err != nil || officer.ID != u.ID.String() || officer.Organisation != "GRP Bhopal" || officer.Remote != "10.0.0.9" {
		t.Fatalf("authenticate: %+v %v", officer, err)
	}
	if _, err := w.s.CreateUser(ctx, officer, childmatch.NewUser{Name: "x", Organisation: "y",
		Roles: []childmatch.Role{childmatch.RoleAdmin}}); childmatch.ErrorCodeOf(err) != childmatch.EForbidden {
		t.Errorf("an officer creates an admin: %v", err)
	}
	if _, err := w.s.RevokeToken(ctx, w.admin, tok.ID); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{secret, "cm_nothing", ""} {
		if _, err := w.s.Authenticate(ctx, bad, ""); childmatch.ErrorCodeOf(err) != childmatch.EUnauthorized {
			t.Errorf("token %q: %v, want unauthorized", bad, err)
		}
	}
	if _, err := w.s.RevokeToken(ctx, w.admin, "nothex"); childmatch.ErrorField(err) != "id" {
		t.Errorf("a malformed token id: %v", err)
	}
}

// TestTokenExpiry: a token with an expiry works until then and is unauthorized from then on; an expiry in
// the past is refused at issue.
func TestTokenExpiry(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	at := w.now.Add(time.Hour)
	secret, tok := w.officer(t, childmatch.NewToken{ExpiresAt: &at})
	if tok.ExpiresAt == nil || !tok.ExpiresAt.Equal(at) {
		t.Fatalf("expiry not kept: %+v", tok)
	}
	if _, err := w.s.Authenticate(ctx, secret, ""); err != nil {
		t.Fatalf("before its expiry: %v", err)
	}
	w.now = at
	if _, err := w.s.Authenticate(ctx, secret, ""); childmatch.ErrorCodeOf(err) != childmatch.EUnauthorized {
		t.Fatalf("at its expiry: %v, want unauthorized", err)
	}
	past := w.now.Add(-time.Second)
	u, _ := w.s.Users(ctx, w.admin)
	if _, _, err := w.s.IssueToken(ctx, w.admin, u[0].ID, childmatch.NewToken{ExpiresAt: &past}); childmatch.ErrorField(err) != "expires_at" {
		t.Fatalf("an expiry in the past: %v", err)
	}
}

// TestSessions: a session authenticates as its token's user; changes need the session's own CSRF token;
// after sign-out the same secret is unauthorized; the secret is stored only hashed.
func TestSessions(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	token, _ := w.officer(t, childmatch.NewToken{})
	in, err := w.s.SignIn(ctx, token, "10.0.0.9")
	if err != nil || in.Actor.Name != "R. Sharma" || in.Secret == token || in.CSRF == "" {
		t.Fatalf("sign in: %+v %v", in, err)
	}
	if want := w.now.Add(childmatch.DefaultSessionLimits().MaxAge); !in.ExpiresAt.Equal(want) {
		t.Errorf("ends at %v, want %v", in.ExpiresAt, want)
	}
	if _, err := w.s.SignIn(ctx, "cm_wrong", ""); childmatch.ErrorCodeOf(err) != childmatch.EUnauthorized {
		t.Errorf("sign in with a wrong token: %v", err)
	}
	if _, err := w.store.Session(ctx, in.Secret); childmatch.ErrorCodeOf(err) != childmatch.ENotFound {
		t.Error("the session is stored under its secret")
	}
	a, err := w.s.AuthenticateSession(ctx, in.Secret, "10.0.0.10", false, "")
	if err != nil || a.Name != "R. Sharma" || a.Remote != "10.0.0.10" {
		t.Fatalf("read: %+v %v", a, err)
	}
	// An attacker's page can set both halves of a double-submit pair; neither half it chooses is the
	// session's.
	for _, bad := range []string{"", "attacker-chosen", in.CSRF + "x"} {
		if _, err := w.s.AuthenticateSession(ctx, in.Secret, "", true, bad); childmatch.ErrorCodeOf(err) != childmatch.EForbidden {
			t.Errorf("a change with CSRF %q: %v, want forbidden", bad, err)
		}
	}
	other, err := w.s.SignIn(ctx, token, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.AuthenticateSession(ctx, in.Secret, "", true, other.CSRF); childmatch.ErrorCodeOf(err) != childmatch.EForbidden {
		t.Errorf("another session's CSRF token: %v, want forbidden", err)
	}
	if _, err := w.s.AuthenticateSession(ctx, in.Secret, "", true, in.CSRF); err != nil {
		t.Fatalf("a change with the session's CSRF token: %v", err)
	}
	if err := w.s.SignOut(ctx, in.Secret, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.AuthenticateSession(ctx, in.Secret, "", false, ""); childmatch.ErrorCodeOf(err) != childmatch.EUnauthorized {
		t.Fatalf("the secret after sign-out: %v, want unauthorized", err)
	}
	if err := w.s.SignOut(ctx, in.Secret, ""); err != nil {
		t.Errorf("signing out twice: %v", err)
	}
	if _, err := w.s.AuthenticateSession(ctx, other.Secret, "", false, ""); err != nil {
		t.Errorf("signing out ended another session too: %v", err)
	}
}

// TestSessionLimits: a session ends after the idle limit without use, lives on while used, ends at the
// absolute limit however much it is used, and ends with its token.
func TestSessionLimits(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	lim := childmatch.DefaultSessionLimits()
	token, tok := w.officer(t, childmatch.NewToken{})
	use := func(secret string) error {
		_, err := w.s.AuthenticateSession(ctx, secret, "", false, "")
		return err
	}

	idle, _ := w.s.SignIn(ctx, token, "")
	w.now = w.now.Add(lim.Idle - time.Second)
	if err := use(idle.Secret); err != nil {
		t.Fatalf("just under the idle limit: %v", err)
	}
	w.now = w.now.Add(lim.Idle - time.Second)
	if err := use(idle.Secret); err != nil {
		t.Fatalf("used again within the idle limit of its last use: %v", err)
	}
	w.now = w.now.Add(lim.Idle)
	if err := use(idle.Secret); childmatch.ErrorCodeOf(err) != childmatch.EUnauthorized {
		t.Fatalf("idle for the idle limit: %v, want unauthorized", err)
	}

	busy, _ := w.s.SignIn(ctx, token, "")
	start := w.now
	for w.now.Sub(start) < lim.MaxAge-lim.Idle/2 {
		w.now = w.now.Add(lim.Idle / 2)
		if err := use(busy.Secret); err != nil {
			t.Fatalf("in use after %v: %v", w.now.Sub(start), err)
		}
	}
	w.now = start.Add(lim.MaxAge)
	if err := use(busy.Secret); childmatch.ErrorCodeOf(err) != childmatch.EUnauthorized {
		t.Fatalf("at the absolute limit: %v, want unauthorized", err)
	}

	revoked, _ := w.s.SignIn(ctx, token, "")
	before := w.stored(t)
	if _, err := w.s.RevokeToken(ctx, w.admin, tok.ID); err != nil {
		t.Fatal(err)
	}
	if err := use(revoked.Secret); childmatch.ErrorCodeOf(err) != childmatch.EUnauthorized {
		t.Fatalf("a session of a revoked token: %v, want unauthorized", err)
	}
	if after := w.stored(t); after != before-1 {
		t.Errorf("%d sessions stored before the revoked token's was used, %d after", before, after)
	}
}

// TestSessionAdmin: admins list the sessions that have not ended and end one by its id; no one else may.
func TestSessionAdmin(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	lim := childmatch.DefaultSessionLimits()
	token, tok := w.officer(t, childmatch.NewToken{})
	if _, err := w.s.SignIn(ctx, token, "10.0.0.1"); err != nil {
		t.Fatal(err)
	}
	w.now = w.now.Add(lim.Idle / 2)
	live, _ := w.s.SignIn(ctx, token, "10.0.0.2")
	mine, _ := w.s.SignIn(ctx, bootstrap, "127.0.0.1")
	w.now = w.now.Add(lim.Idle / 2) // old has been idle for the limit
	list, err := w.s.Sessions(ctx, w.admin)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 {
		t.Fatalf("want the two live sessions, got %+v", list)
	}
	var found childmatch.SessionInfo
	for _, si := range list {
		if si.Remote == "10.0.0.2" {
			found = si
		}
		if si.Remote == "10.0.0.1" {
			t.Errorf("the ended session is listed: %+v", si)
		}
	}
	if found.TokenID != tok.ID || !found.EndsAt.Equal(found.LastSeen.Add(lim.Idle)) {
		t.Fatalf("the live session: %+v (token %s)", found, tok.ID)
	}
	officer, _ := w.s.AuthenticateSession(ctx, live.Secret, "", false, "")
	if _, err := w.s.Sessions(ctx, officer); childmatch.ErrorCodeOf(err) != childmatch.EForbidden {
		t.Errorf("an officer lists sessions: %v", err)
	}
	if err := w.s.RevokeSession(ctx, officer, found.ID); childmatch.ErrorCodeOf(err) != childmatch.EForbidden {
		t.Errorf("an officer ends a session: %v", err)
	}
	if err := w.s.RevokeSession(ctx, w.admin, found.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.AuthenticateSession(ctx, live.Secret, "", false, ""); childmatch.ErrorCodeOf(err) != childmatch.EUnauthorized {
		t.Errorf("an ended session: %v, want unauthorized", err)
	}
	if _, err := w.s.AuthenticateSession(ctx, mine.Secret, "", false, ""); err != nil {
		t.Errorf("ending one session ended another: %v", err)
	}
	if err := w.s.RevokeSession(ctx, w.admin, found.ID); childmatch.ErrorCodeOf(err) != childmatch.ENotFound {
		t.Errorf("ending it again: %v, want not found", err)
	}
	if err := w.s.RevokeSession(ctx, w.admin, "sessions/"); childmatch.ErrorField(err) != "id" {
		t.Errorf("a malformed id: %v", err)
	}
}
