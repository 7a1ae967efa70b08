package childmatch_test

import (
	"testing"

	"childmatch"
)

// TestNewUserValidate: a user's name and organisation are cleaned like a case's text: a name that shows
// as another (a right-to-left override before "admin") or shows nothing is refused, naming the field.
func TestNewUserValidate(t *testing.T) {
	ok := func() childmatch.NewUser {
		return childmatch.NewUser{Name: " Meena ", Organisation: "GRP Bhopal", Roles: []childmatch.Role{childmatch.RoleOfficer}}
	}
	u := ok()
	if err := u.Validate(); err != nil || u.Name != "Meena" {
		t.Fatalf("a good user: %v, %q", err, u.Name)
	}
	for _, tc := range []struct {
		field string
		bad   func(*childmatch.NewUser)
	}{
		{"name", func(u *childmatch.NewUser) { u.Name = "\u202eadmin" }},
		{"name", func(u *childmatch.NewUser) { u.Name = "\u200b\u200b" }},
		{"name", func(u *childmatch.NewUser) { u.Name = "" }},
		{"organisation", func(u *childmatch.NewUser) { u.Organisation = "GRP\u2067Bhopal" }},
		{"roles", func(u *childmatch.NewUser) { u.Roles = []childmatch.Role{"root"} }},
	} {
		u := ok()
		tc.bad(&u)
		if err := u.Validate(); childmatch.ErrorField(err) != tc.field {
			t.Errorf("want field %s refused, got %v", tc.field, err)
		}
	}
}
