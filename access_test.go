package childmatch_test

import (
	"strings"
	"testing"

	"childmatch"
)

// TestPermissions: the README's role matrix, written out again: admins may take every action, every
// other role exactly what its row says; an actor with several roles may take what any of them may; a
// refusal names the roles that would do.
func TestPermissions(t *testing.T) {
	shelter, officer, reviewer := childmatch.RoleShelter, childmatch.RoleOfficer, childmatch.RoleReviewer
	rows := map[childmatch.Action][]childmatch.Role{
		childmatch.ActFileMissing:  {officer},
		childmatch.ActRecordFound:  {shelter, officer},
		childmatch.ActListCases:    {shelter, officer, reviewer},
		childmatch.ActReadCase:     {shelter, officer, reviewer},
		childmatch.ActAddPhoto:     {shelter, officer},
		childmatch.ActMissingPhoto: {officer},
		childmatch.ActSearch:       {officer},
		childmatch.ActViewPhotos:   {shelter, officer, reviewer},
		childmatch.ActSeeAllCases:  {officer, reviewer},
		childmatch.ActCloseCase:    {officer, reviewer},
		childmatch.ActDeleteCase:   {},
		childmatch.ActReview:       {reviewer},
		childmatch.ActDecide:       {reviewer},
		childmatch.ActManageUsers:  {},
		childmatch.ActListSessions: {},
		childmatch.ActEndSession:   {},
		childmatch.ActReadAudit:    {},
		childmatch.ActReadStats:    {},
		childmatch.ActCalibrate:    {},
		childmatch.ActManagePosts:  {},
		childmatch.ActReadAlerts:   {shelter, officer, reviewer},
		childmatch.ActPermitPublic: {officer, reviewer},
		childmatch.ActExercise:     {},
		childmatch.ActReadMetrics:  {},
		childmatch.ActExport:       {},
	}
	if len(rows) != len(childmatch.Actions()) {
		t.Errorf("the table has %d actions, this test %d", len(childmatch.Actions()), len(rows))
	}
	for act, want := range rows {
		for _, r := range childmatch.Roles {
			allowed := r == childmatch.RoleAdmin
			for _, w := range want {
				allowed = allowed || w == r
			}
			if got := childmatch.Permits(r, act); got != allowed {
				t.Errorf("%s may %s: %v, want %v", r, act, got, allowed)
			}
		}
	}
	for _, act := range childmatch.Actions() {
		if !childmatch.Permits(childmatch.RoleAdmin, act) {
			t.Errorf("an admin may not %s", act)
		}
	}
	both := childmatch.Actor{Roles: []childmatch.Role{childmatch.RoleShelter, childmatch.RoleReviewer}}
	if !both.May(childmatch.ActDecide) || !both.May(childmatch.ActRecordFound) || both.May(childmatch.ActSearch) {
		t.Error("a shelter and reviewer may not do what either may, or may what neither may")
	}
	err := childmatch.Actor{Roles: []childmatch.Role{childmatch.RoleShelter}}.Require(childmatch.ActFileMissing)
	if childmatch.ErrorCodeOf(err) != childmatch.EForbidden || !strings.Contains(err.Error(), "filing a missing report needs the role officer") {
		t.Errorf("refusal: %v", err)
	}
	err = childmatch.Actor{Roles: []childmatch.Role{childmatch.RoleOfficer}}.Require(childmatch.ActReadAudit)
	if !strings.Contains(childmatch.ErrorMessage(err), "needs the role admin") {
		t.Errorf("an admin-only refusal names no role: %v", err)
	}
}

// TestCanSee: officers, reviewers and admins see every case; a shelter its own organisation's only, and
// none when it has no organisation.
func TestCanSee(t *testing.T) {
	c := &childmatch.Case{Organisation: "Shelter A"}
	for _, tc := range []struct {
		role childmatch.Role
		org  string
		want bool
	}{
		{childmatch.RoleOfficer, "GRP", true}, {childmatch.RoleReviewer, "", true}, {childmatch.RoleAdmin, "", true},
		{childmatch.RoleShelter, "Shelter A", true}, {childmatch.RoleShelter, "Shelter B", false},
		{childmatch.RoleShelter, "", false},
	} {
		a := childmatch.Actor{Roles: []childmatch.Role{tc.role}, Organisation: tc.org}
		if got := a.CanSee(c); got != tc.want {
			t.Errorf("%s of %q sees a case of Shelter A: %v, want %v", tc.role, tc.org, got, tc.want)
		}
	}
	if (childmatch.Actor{Roles: []childmatch.Role{childmatch.RoleShelter}}).CanSee(&childmatch.Case{}) {
		t.Error("a shelter without an organisation sees a case without one")
	}
}
