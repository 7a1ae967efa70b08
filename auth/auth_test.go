package auth_test

import (
	"context"
	"testing"

	"childmatch"
	"childmatch/auth"
	"childmatch/inmem"
)

// TestTokens: the bootstrap token acts as an admin; an issued token authenticates as its user until it is
// revoked; only admins manage users; the secret is never stored, only its hash.
func TestTokens(t *testing.T) {
	ctx := context.Background()
	store := inmem.New()
	s := auth.New(store, store, "bootstrap-token-0123456789")
	admin, err := s.Authenticate(ctx, "bootstrap-token-0123456789", "127.0.0.1")
	if err != nil || !admin.May(childmatch.ActManageUsers) {
		t.Fatalf("bootstrap: %+v %v", admin, err)
	}
	u, err := s.CreateUser(ctx, admin, childmatch.NewUser{Name: " R. Sharma ", Organisation: "GRP Bhopal",
		Roles: []childmatch.Role{childmatch.RoleOfficer, childmatch.RoleOfficer}})
	if err != nil || u.Name != "R. Sharma" || len(u.Roles) != 1 {
		t.Fatalf("create user: %+v %v", u, err)
	}
	secret, tok, err := s.IssueToken(ctx, admin, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Token(ctx, secret); childmatch.ErrorCodeOf(err) != childmatch.ENotFound {
		t.Error("the token is stored under its secret")
	}
	officer, err := s.Authenticate(ctx, secret, "10.0.0.9")
	if err != nil || officer.ID != u.ID.String() || officer.Organisation != "GRP Bhopal" || officer.Remote != "10.0.0.9" {
		t.Fatalf("authenticate: %+v %v", officer, err)
	}
	if _, err := s.CreateUser(ctx, officer, childmatch.NewUser{Name: "x", Organisation: "y",
		Roles: []childmatch.Role{childmatch.RoleAdmin}}); childmatch.ErrorCodeOf(err) != childmatch.EForbidden {
		t.Errorf("an officer creates an admin: %v", err)
	}
	if _, err := s.RevokeToken(ctx, admin, tok.ID); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{secret, "cm_nothing", ""} {
		if _, err := s.Authenticate(ctx, bad, ""); childmatch.ErrorCodeOf(err) != childmatch.EUnauthorized {
			t.Errorf("token %q: %v, want unauthorized", bad, err)
		}
	}
	if _, err := s.RevokeToken(ctx, admin, "nothex"); childmatch.ErrorField(err) != "id" {
		t.Errorf("a malformed token id: %v", err)
	}
}
