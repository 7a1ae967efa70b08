package childmatch

import (
	"context"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Kind says which side of a match a case is on.
type Kind string

const (
	KindMissing Kind = "missing" // a missing-child report, filed by family or police
	KindFound   Kind = "found"   // a child found or rescued, photographed at intake
)

// Opposite returns the kind a case of this kind is matched against.
func (k Kind) Opposite() Kind {
	if k == KindMissing {
		return KindFound
	}
	return KindMissing
}

func (k Kind) Valid() bool { return k == KindMissing || k == KindFound }

// Status is where a case stands.
type Status string

const (
	StatusOpen    Status = "open"    // being searched for; takes part in auto-matching
	StatusMatched Status = "matched" // a reviewer confirmed a match; out of default searches
	StatusClosed  Status = "closed"  // finished (reunited, transferred, ...); out of default searches
)

func (s Status) Valid() bool { return s == StatusOpen || s == StatusMatched || s == StatusClosed }

// Gender as recorded on the case. Unknown is a real answer: found children do not always say.
type Gender string

const (
	GenderUnknown Gender = "unknown"
	GenderFemale  Gender = "female"
	GenderMale    Gender = "male"
	GenderOther   Gender = "other"
)

func (g Gender) Valid() bool {
	return g == GenderUnknown || g == GenderFemale || g == GenderMale || g == GenderOther
}

// Child holds what is known of the child. For a found child most of it is estimated or unknown.
type Child struct {
	Name             string   `json:"name,omitempty"`
	Age              int      `json:"age,omitempty"`           // years; 0 = not known
	AgeEstimated     bool     `json:"age_estimated,omitempty"` // true when Age is a guess (usual for found children)
	Gender           Gender   `json:"gender"`
	Languages        []string `json:"languages,omitempty"`
	Description      string   `json:"description,omitempty"`
	IdentifyingMarks string   `json:"identifying_marks,omitempty"`
}

// Sighting is where and when: last seen for a missing child, found for a found child.
type Sighting struct {
	Place    string    `json:"place,omitempty"`
	Station  string    `json:"station,omitempty"` // railway station, when it happened at or near one
	District string    `json:"district,omitempty"`
	State    string    `json:"state,omitempty"`
	Time     time.Time `json:"time,omitempty"`
}

// References are the numbers other systems know the case by.
type References struct {
	FIR       string `json:"fir,omitempty"` // First Information Report number
	GD        string `json:"gd,omitempty"`  // General Diary entry number
	Childline string `json:"childline,omitempty"`
	CWC       string `json:"cwc,omitempty"` // Child Welfare Committee reference
}

// Contact is the person or shelter who reported the case and how to reach them.
type Contact struct {
	Name         string `json:"name,omitempty"`
	Organisation string `json:"organisation,omitempty"`
	Phone        string `json:"phone,omitempty"`
	Email        string `json:"email,omitempty"`
}

// CaseDetails is everything a client provides about a case.
type CaseDetails struct {
	Kind       Kind       `json:"kind"`
	Child      Child      `json:"child"`
	Sighting   Sighting   `json:"sighting"`
	References References `json:"references"`
	Reporter   Contact    `json:"reporter"`
	// Alert is where a missing child's alert is to be looked for; nil: the sighting's state, or every
	// state when no state is known.
	Alert *Area `json:"alert,omitempty"`
	// Publication records the Child Welfare Committee's permission to publish the child's identity (JJ Act
	// s.74): without it no poster is made.
	Publication *Publication `json:"publication,omitempty"`
	// Origin is the system an imported case came from and its reference there (origin.go); nil: filed here.
	Origin *Origin `json:"origin,omitempty"`
}

// Case is one missing-child report or one found child, with its photos and their faces.
type Case struct {
	ID ID `json:"id"`
	CaseDetails
	Status Status  `json:"status"`
	Photos []Photo `json:"photos"`
	// Links are the cases a reviewer confirmed as this child: its match, or the same child's other cases.
	Links   []Link   `json:"links,omitempty"`
	Outcome *Outcome `json:"outcome,omitempty"`
	// History keeps every change of the details, oldest first, with the values it replaced.
	History []Revision `json:"history,omitempty"`
	// Exercise marks a drill's made-up report (POST /v1/alerts/exercise): its alert is an exercise, and
	// it is never proposed for review.
	Exercise bool `json:"exercise,omitempty"`
	// Organisation is the creator's: a shelter sees its own organisation's cases only.
	Organisation string    `json:"organisation"`
	CreatedAt    time.Time `json:"created_at"`
	CreatedBy    string    `json:"created_by"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// Link records a confirmed review between two cases.
type Link struct {
	Case   ID         `json:"case"`
	Type   ReviewType `json:"type"`
	Review string     `json:"review"`
	At     time.Time  `json:"at"`
	By     string     `json:"by"`
}

// OutcomeKind is how a case was closed.
type OutcomeKind string

const (
	OutcomeReunited    OutcomeKind = "reunited"
	OutcomeTransferred OutcomeKind = "transferred"
	OutcomeOther       OutcomeKind = "other"
)

func (o OutcomeKind) Valid() bool {
	return o == OutcomeReunited || o == OutcomeTransferred || o == OutcomeOther
}

// DeletionReason is why a case was erased. It is a code, not free text, because it is kept in the audit
// trail, which holds no names or details.
type DeletionReason string

const (
	DeletedInError   DeletionReason = "entered_in_error" // a test, a wrong kind, a record that should never have been
	DeletedDuplicate DeletionReason = "duplicate"        // the same report filed twice
	DeletedErasure   DeletionReason = "erasure_request"  // a lawful request to erase the child's data
)

func (r DeletionReason) Valid() bool {
	return r == DeletedInError || r == DeletedDuplicate || r == DeletedErasure
}

// Outcome is how and when a case was closed.
type Outcome struct {
	Kind OutcomeKind `json:"kind"`
	Note string      `json:"note,omitempty"`
	At   time.Time   `json:"at"`
	By   string      `json:"by"`
}

// Faces returns every face of every photo of the case.
func (c *Case) Faces() []Face {
	var faces []Face
	for _, p := range c.Photos {
		faces = append(faces, p.Faces...)
	}
	return faces
}

// Date is when the case happened: its sighting, else its report.
func (c *Case) Date() time.Time {
	if !c.Sighting.Time.IsZero() {
		return c.Sighting.Time
	}
	return c.CreatedAt
}

// Attrs are the columns the index filters the case's faces on.
func (c *Case) Attrs() FaceAttrs {
	return FaceAttrs{Kind: c.Kind, Status: c.Status, Gender: c.Child.Gender, Age: c.Child.Age,
		State: c.Sighting.State, District: c.Sighting.District, Date: c.Date()}
}

// LatestFace is the first face of the latest photo that has one, false when none has.
func (c *Case) LatestFace() (ID, bool) {
	for i := len(c.Photos) - 1; i >= 0; i-- {
		if len(c.Photos[i].Faces) > 0 {
			return c.Photos[i].Faces[0].ID, true
		}
	}
	return ID{}, false
}

// PhotoOf returns the photo holding a face of the case, zero if none does.
func (c *Case) PhotoOf(face ID) ID {
	for _, f := range c.Faces() {
		if f.ID == face {
			return f.PhotoID
		}
	}
	return ID{}
}

// Descriptors returns the faces' descriptors, for a batch search.
func Descriptors(faces []Face) []Descriptor {
	out := make([]Descriptor, len(faces))
	for i := range faces {
		out[i] = faces[i].Descriptor
	}
	return out
}

// Summary is what a candidate list shows of a case: enough to judge, nothing of the reporter.
type Summary struct {
	ID       ID       `json:"id"`
	Kind     Kind     `json:"kind"`
	Status   Status   `json:"status"`
	Name     string   `json:"name,omitempty"`
	Age      int      `json:"age,omitempty"`
	Gender   Gender   `json:"gender"`
	Sighting Sighting `json:"sighting"`
}

func (c *Case) Summary() Summary {
	return Summary{ID: c.ID, Kind: c.Kind, Status: c.Status, Name: c.Child.Name, Age: c.Child.Age,
		Gender: c.Child.Gender, Sighting: c.Sighting}
}

// CaseQuery selects a page of cases.
type CaseQuery struct {
	Kind   Kind   // "" = any
	Status Status // "" = any
	State  string // "" = any; the sighting's state, compared without case
	Text   string // "" = any; free text over the child's name and the case's references
	Limit  int
	After  ID // the cursor: the last id of the previous page; zero = from the start
}

// CasePage is a page of cases in creation order; Next is the cursor of the next page, zero at the end.
type CasePage struct {
	Cases []*Case
	Next  ID
}

// CaseService keeps cases: missing reports and found children (service.Service).
type CaseService interface {
	CreateCase(ctx context.Context, actor Actor, d CaseDetails) (*Case, error)
	// Case returns a case the actor may see, with its current candidates.
	Case(ctx context.Context, actor Actor, id ID) (*Case, []Candidate, error)
	ListCases(ctx context.Context, actor Actor, q CaseQuery) (*CasePage, error)
	// CloseCase closes a case with its outcome, and the cases confirmed as its match with it.
	CloseCase(ctx context.Context, actor Actor, id ID, kind OutcomeKind, note string) (*Case, error)
	// DeleteCase erases a case: its record, photos, chips and indexed faces.
	DeleteCase(ctx context.Context, actor Actor, id ID, reason DeletionReason) error
	// ChangeCase changes a case's details: change answers the new details from the current ones (a JSON
	// merge patch, in the API). The earlier values go into the case's history, and an open alert's
	// posts get an update.
	ChangeCase(ctx context.Context, actor Actor, id ID, change func(CaseDetails) (CaseDetails, error)) (*Case, error)
	// Exercise files a drill's made-up missing report and raises its exercise alert. Admins only.
	Exercise(ctx context.Context, actor Actor, d CaseDetails) (*Case, error)
}

// Validate normalises d (trims text, fills defaults) and checks every field, naming the first bad one.
func (d *CaseDetails) Validate(now time.Time) error {
	if !d.Kind.Valid() {
		return FieldError("kind", `must be "missing" or "found"`)
	}
	if d.Child.Gender == "" {
		d.Child.Gender = GenderUnknown
	}
	if !d.Child.Gender.Valid() {
		return FieldError("child.gender", `must be one of "female", "male", "other", "unknown"`)
	}
	if d.Child.Age < 0 || d.Child.Age > MaxChildAge {
		return FieldError("child.age", "must be between 0 (unknown) and %d years", MaxChildAge)
	}
	if !d.Sighting.Time.IsZero() && d.Sighting.Time.After(now.Add(MaxClockSkew)) {
		return FieldError("sighting.time", "is in the future")
	}
	if !d.Sighting.Time.IsZero() && d.Sighting.Time.Year() < MinSightingYear {
		return FieldError("sighting.time", "is before %d", MinSightingYear)
	}
	if len(d.Child.Languages) > MaxLanguages {
		return FieldError("child.languages", "lists more than %d languages", MaxLanguages)
	}
	for i := range d.Child.Languages {
		if err := CleanText("child.languages", &d.Child.Languages[i], MaxShortText); err != nil {
			return err
		}
		if d.Child.Languages[i] == "" {
			return FieldError("child.languages", "has an empty entry")
		}
	}
	for _, f := range []struct {
		name string
		v    *string
		max  int
	}{
		{"child.name", &d.Child.Name, MaxShortText},
		{"child.description", &d.Child.Description, MaxLongText},
		{"child.identifying_marks", &d.Child.IdentifyingMarks, MaxLongText},
		{"sighting.place", &d.Sighting.Place, MaxShortText},
		{"sighting.station", &d.Sighting.Station, MaxShortText},
		{"sighting.district", &d.Sighting.District, MaxShortText},
		{"sighting.state", &d.Sighting.State, MaxShortText},
		{"references.fir", &d.References.FIR, MaxShortText},
		{"references.gd", &d.References.GD, MaxShortText},
		{"references.childline", &d.References.Childline, MaxShortText},
		{"references.cwc", &d.References.CWC, MaxShortText},
		{"reporter.name", &d.Reporter.Name, MaxShortText},
		{"reporter.organisation", &d.Reporter.Organisation, MaxShortText},
		{"reporter.phone", &d.Reporter.Phone, MaxShortText},
		{"reporter.email", &d.Reporter.Email, MaxShortText},
	} {
		if err := CleanText(f.name, f.v, f.max); err != nil {
			return err
		}
	}
	if d.Reporter.Email != "" && !strings.Contains(d.Reporter.Email, "@") {
		return FieldError("reporter.email", "is not an email address")
	}
	if err := d.Publication.Validate(now); err != nil {
		return err
	}
	if d.Alert != nil {
		if d.Kind != KindMissing {
			return FieldError("alert", "is for missing reports: a found child raises no alert")
		}
		if err := d.Alert.validate("alert", true); err != nil {
			return err
		}
		if d.Alert.RadiusKm > 0 && d.Alert.Point == nil && d.Sighting.Station == "" {
			return FieldError("alert.radius_km", "needs a point, or the last-seen station (sighting.station) to be drawn around")
		}
	}
	if d.Origin != nil {
		if err := d.Origin.Validate(); err != nil {
			return err
		}
	}
	if d.Kind == KindMissing && d.Reporter.Name == "" && d.Reporter.Organisation == "" {
		return FieldError("reporter", "a missing report needs the reporting person or organisation")
	}
	return nil
}

// CleanText trims *s, normalises it to Unicode NFC (so one name has one spelling, whatever keyboard typed
// it) and checks it is valid UTF-8 of at most max bytes with no control characters, no bidirectional
// controls (which make "Asha\u202egpj.exe" show as "Ashaexe.jpg") and not only invisible characters.
func CleanText(field string, s *string, max int) error {
	if !utf8.ValidString(*s) {
		return FieldError(field, "is not valid UTF-8")
	}
	*s = norm.NFC.String(strings.TrimSpace(*s))
	if len(*s) > max {
		return FieldError(field, "is longer than %d bytes", max)
	}
	visible := *s == ""
	for _, r := range *s {
		switch {
		case r < 0x20 && r != '\n' && r != '\t', r >= 0x7f && r < 0xa0:
			return FieldError(field, "holds a control character")
		case isBidiControl(r):
			return FieldError(field, "holds a bidirectional control character (U+%04X), which can disguise text", r)
		case !isInvisible(r):
			visible = true
		}
	}
	if !visible {
		return FieldError(field, "holds only invisible characters")
	}
	return nil
}

// JoinNonEmpty joins the values that are not blank, trimmed, with sep: "ET, Itarsi, Narmadapuram".
func JoinNonEmpty(sep string, values ...string) string {
	var kept []string
	for _, v := range values {
		if v = strings.TrimSpace(v); v != "" {
			kept = append(kept, v)
		}
	}
	return strings.Join(kept, sep)
}

// AlertArea is where the case's alert is to be looked for: the one its report asked for, else its
// sighting's state, else every state (a child last seen nobody knows where is looked for everywhere).
func (c *Case) AlertArea() Area {
	switch {
	case c.Alert != nil:
		return *c.Alert
	case c.Sighting.State != "":
		return Area{States: []string{c.Sighting.State}}
	}
	return Area{All: true}
}

// isBidiControl reports the characters that reorder the text around them: the embeddings and overrides
// (U+202A–U+202E), the isolates (U+2066–U+2069) and the marks (U+200E, U+200F, U+061C).
func isBidiControl(r rune) bool {
	return r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 || r == 0x200e || r == 0x200f || r == 0x061c
}

// isInvisible reports characters that show nothing on their own: spaces, format characters (zero-width
// space and joiners, the BOM), combining marks without a base, and the blank letters of Hangul and Braille.
// Joiners are ordinary inside Devanagari words; only a text made of nothing else is refused.
func isInvisible(r rune) bool {
	return unicode.IsSpace(r) || unicode.In(r, unicode.Cf, unicode.Mn, unicode.Me) ||
		r == 0x115f || r == 0x1160 || r == 0x3164 || r == 0xffa0 || r == 0x2800
}
