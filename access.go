package childmatch

import "strings"

// Who may do what: one table of actions and the roles that may take them, consulted by every service
// method and read by the role-matrix test, and canSee, the one rule of which cases an actor may see.
// Nothing else lives here.

// Action is something a user may do. Each is one row of the README's role matrix.
type Action string

const (
	ActFileMissing  Action = "filing a missing report"
	ActRecordFound  Action = "recording a found child"
	ActListCases    Action = "listing cases"
	ActReadCase     Action = "reading a case"
	ActAddPhoto     Action = "adding a photo"
	ActMissingPhoto Action = "adding a photo to a missing report"
	ActSearch       Action = "searching by photo"
	ActViewPhotos   Action = "viewing photos"
	ActSeeAllCases  Action = "seeing every organisation's cases"
	ActCloseCase    Action = "closing a case"
	ActDeleteCase   Action = "deleting a case"
	ActReview       Action = "working the review queue"
	ActDecide       Action = "deciding a review"
	ActManageUsers  Action = "managing users"
	ActListSessions Action = "listing sessions"
	ActEndSession   Action = "ending another's session"
	ActReadAudit    Action = "reading the audit trail"
	ActReadStats    Action = "reading statistics"
	ActCalibrate    Action = "calibrating the evidence"
	ActManagePosts  Action = "managing posts"
	ActReadAlerts   Action = "reading and answering alerts"
	ActPermitPublic Action = "recording the CWC's permission to publish"
	ActExercise     Action = "raising an exercise alert"
	ActReadMetrics  Action = "reading the service's metrics"
	ActExport       Action = "exporting cases to another agency"
)

// permissions is the role matrix: the roles that may take each action. Admins may take every action.
var permissions = map[Action][]Role{
	ActFileMissing:  {RoleOfficer},
	ActRecordFound:  {RoleShelter, RoleOfficer},
	ActListCases:    {RoleShelter, RoleOfficer, RoleReviewer},
	ActReadCase:     {RoleShelter, RoleOfficer, RoleReviewer},
	ActAddPhoto:     {RoleShelter, RoleOfficer},
	ActMissingPhoto: {RoleOfficer},
	ActSearch:       {RoleOfficer},
	ActViewPhotos:   {RoleShelter, RoleOfficer, RoleReviewer},
	ActSeeAllCases:  {RoleOfficer, RoleReviewer},
	ActCloseCase:    {RoleOfficer, RoleReviewer},
	ActDeleteCase:   {},
	ActReview:       {RoleReviewer},
	ActDecide:       {RoleReviewer},
	ActManageUsers:  {},
	ActListSessions: {},
	ActEndSession:   {},
	ActReadAudit:    {},
	ActReadStats:    {},
	ActCalibrate:    {},
	ActManagePosts:  {},
	ActReadAlerts:   {RoleShelter, RoleOfficer, RoleReviewer},
	ActPermitPublic: {RoleOfficer, RoleReviewer},
	ActExercise:     {},
	ActReadMetrics:  {},
	ActExport:       {},
}

// Actions lists every action of the table, for tests and documentation.
func Actions() []Action {
	out := make([]Action, 0, len(permissions))
	for a := range permissions {
		out = append(out, a)
	}
	return out
}

// Permits reports whether the role may take the action.
func Permits(r Role, a Action) bool {
	roles, ok := permissions[a]
	if !ok {
		panic("childmatch: action without a row in the permissions table: " + string(a))
	}
	if r == RoleAdmin {
		return true
	}
	for _, have := range roles {
		if have == r {
			return true
		}
	}
	return false
}

// May reports whether any of the actor's roles permits the action.
func (a Actor) May(act Action) bool {
	for _, r := range a.Roles {
		if Permits(r, act) {
			return true
		}
	}
	return false
}

// Require returns EForbidden, naming the roles that would do, unless the actor may take the action.
func (a Actor) Require(act Action) error {
	if a.May(act) {
		return nil
	}
	roles := make([]string, 0, len(permissions[act]))
	for _, r := range permissions[act] {
		roles = append(roles, string(r))
	}
	if len(roles) == 0 {
		roles = append(roles, string(RoleAdmin))
	}
	return Errorf(EForbidden, "%s needs the role %s", act, strings.Join(roles, " or "))
}

// CanSee is the one rule of visibility: officers, reviewers and admins see every case; a shelter sees its
// own organisation's. A case the actor may not see answers as if it did not exist, so ids cannot be probed.
func (a Actor) CanSee(c *Case) bool {
	return a.May(ActSeeAllCases) || (a.May(ActReadCase) && a.Organisation != "" && c.Organisation == a.Organisation)
}
