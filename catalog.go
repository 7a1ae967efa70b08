package childmatch

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"
)

// CaseRow is what the lists and the outcome report need of one case, kept in memory beside the index
// (follow.Catalog) so that a page is answered without reading every record.
type CaseRow struct {
	Summary
	Organisation string      `json:"organisation"`
	References   References  `json:"references"`
	CreatedAt    time.Time   `json:"created_at"`
	MatchedAt    time.Time   `json:"matched_at,omitempty"` // the first confirmed match; zero: none
	Outcome      OutcomeKind `json:"outcome,omitempty"`
	OutcomeAt    time.Time   `json:"outcome_at,omitempty"`
	Chip         ID          `json:"chip,omitempty"`     // the first face's chip; zero: no face yet
	Exercise     bool        `json:"exercise,omitempty"` // a drill's made-up report: counted apart
	// FacePhotos says which photo each face is in, so a review item shows its photos without the record.
	FacePhotos []FacePhoto `json:"-"`
	// Text is the name and the references folded (FoldText), one per line, for the free-text filter.
	Text string `json:"-"`
	// Locality is the row's state and district as a number the catalog gives each pair it holds
	// (Catalog.Localities), so a report groups 100,000 rows by indexing, not by hashing their names.
	Locality int `json:"-"`
}

// Locality is a state and a district as the cases name them.
type Locality struct{ State, District string }

// CaseFact is what the outcome report counts of a case, kept in a dense table so that a report over
// 100,000 cases reads one slice: times as Unix seconds (0: none) and their months (MonthOf).
type CaseFact struct {
	Created, Matched, Outcome                int64
	CreatedMonth, MatchedMonth, OutcomeMonth int32
	Locality                                 int32 // CaseRow.Locality
	Missing, Reunited, Exercise              bool
}

// ReviewFact is what the outcome report counts of a review item: when it was made, where its first case
// was seen (-1: that case is gone) and where it stands.
type ReviewFact struct {
	Created  int64
	Locality int32
	State    ReviewState
}

// MonthOf numbers the month of t (UTC): year*12 + month - 1.
func MonthOf(t time.Time) int32 {
	t = t.UTC()
	return int32(t.Year()*12 + int(t.Month()) - 1)
}

// MonthName is the "2006-01" of a MonthOf.
func MonthName(m int32) string { return fmt.Sprintf("%04d-%02d", m/12, m%12+1) }

// Fact is what the report counts of the row's case.
func (r *CaseRow) Fact() CaseFact {
	f := CaseFact{Created: r.CreatedAt.Unix(), CreatedMonth: MonthOf(r.CreatedAt), Locality: int32(r.Locality),
		Missing: r.Kind == KindMissing, Reunited: r.Outcome == OutcomeReunited, Exercise: r.Exercise}
	if !r.MatchedAt.IsZero() {
		f.Matched, f.MatchedMonth = r.MatchedAt.Unix(), MonthOf(r.MatchedAt)
	}
	if r.Outcome != "" {
		f.Outcome, f.OutcomeMonth = r.OutcomeAt.Unix(), MonthOf(r.OutcomeAt)
	}
	return f
}

// FacePhoto is one face of a case and the photo it was found in.
type FacePhoto struct{ Face, Photo ID }

// PhotoOf returns the photo holding a face of the row's case, zero if none does.
func (r *CaseRow) PhotoOf(face ID) ID {
	for _, fp := range r.FacePhotos {
		if fp.Face == face {
			return fp.Photo
		}
	}
	return ID{}
}

// RowOf is the case's row.
func RowOf(c *Case) CaseRow {
	r := CaseRow{Summary: c.Summary(), Organisation: c.Organisation, References: c.References, CreatedAt: c.CreatedAt, Exercise: c.Exercise}
	refs := c.References
	r.Text = FoldText(strings.Join([]string{c.Child.Name, refs.FIR, refs.GD, refs.Childline, refs.CWC}, "\n"))
	for _, l := range c.Links {
		if l.Type == ReviewMatch && (r.MatchedAt.IsZero() || l.At.Before(r.MatchedAt)) {
			r.MatchedAt = l.At
		}
	}
	if c.Outcome != nil {
		r.Outcome, r.OutcomeAt = c.Outcome.Kind, c.Outcome.At
	}
	for _, f := range c.Faces() {
		r.FacePhotos = append(r.FacePhotos, FacePhoto{Face: f.ID, Photo: f.PhotoID})
	}
	if len(r.FacePhotos) > 0 {
		r.Chip = r.FacePhotos[0].Face
	}
	return r
}

// Visible reports whether the actor may see the row's case (Actor.CanSee goes by its organisation).
func (r *CaseRow) Visible(a Actor) bool { return a.CanSee(&Case{Organisation: r.Organisation}) }

// Matches reports whether the row's name or one of its references holds text (already folded by FoldText).
func (r *CaseRow) Matches(text string) bool { return text == "" || strings.Contains(r.Text, text) }

// FoldText is how free text is compared: NFC, lower case, trimmed.
func FoldText(s string) string { return strings.ToLower(norm.NFC.String(strings.TrimSpace(s))) }

// QueuePosition is where a page of the queue starts: after this item, by its id and its rank when the
// previous page ended (QueueCursor); a zero position is the best item.
type QueuePosition struct {
	ID   string
	Rank float32
}

// Catalog is the lists' table in memory (follow.Catalog): a row per case and every review item, kept
// current by the index's follower, so that the review queue, the case list and the outcome report read
// memory only.
type Catalog interface {
	// CaseRows returns up to q.Limit rows after q.After, in creation order, that q and see admit, and the
	// cursor of the next page (zero at the end).
	CaseRows(q CaseQuery, see func(*CaseRow) bool) ([]CaseRow, ID)
	// CaseRow returns the row of a case; false when there is none.
	CaseRow(id ID) (CaseRow, bool)
	// Queue returns up to q.Limit of the review items q selects after the position, in queue order
	// (Review.Rank, then id), and the id of the page's last item when there is a next page ("" at the
	// end); q.Cursor is not read.
	Queue(q ReviewQuery, after QueuePosition) ([]*Review, string)
	// WriteReview runs write, which writes a review item and returns it (nil when it removed the item
	// named id), and brings the catalog up to what it wrote.
	WriteReview(id string, write func() (*Review, error)) (*Review, error)
	// EachFact calls cases for the facts of every case and reviews for those of every review item, in
	// no promised order, and returns the localities they number; neither may keep its argument.
	EachFact(cases func(*CaseFact), reviews func(*ReviewFact)) []Locality
}

// ReviewPage is a page of the review queue; Next is the cursor of the next page, "" at the end.
type ReviewPage struct {
	Items []ReviewItem
	Next  string
}

// QueueCursor is the cursor after a review item: its rank then (8 hex digits of the float's bits) and
// its id, so the next page starts where this one ended even if the item moved since.
func QueueCursor(r *Review) string { return fmt.Sprintf("%08x%s", math.Float32bits(r.Rank()), r.ID) }

// ParseQueueCursor reads a QueueCursor.
func ParseQueueCursor(s string) (QueuePosition, error) {
	bits, err := strconv.ParseUint(s[:min(8, len(s))], 16, 32)
	if len(s) != 8+64 || err != nil || strings.Trim(s[8:], "0123456789abcdef") != "" {
		return QueuePosition{}, FieldError("cursor", "is not a cursor this list gave")
	}
	return QueuePosition{ID: s[8:], Rank: math.Float32frombits(uint32(bits))}, nil
}
