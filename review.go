package childmatch

import (
	"context"
	"fmt"
	"math"
	"time"
)

// ReviewType says what a review item proposes.
type ReviewType string

const (
	ReviewMatch     ReviewType = "match"      // a found child may be a missing child
	ReviewSameChild ReviewType = "same_child" // two cases of the same kind may be one child (seen twice, reported twice)
)

// ReviewState is where a review item stands. Only people move it.
type ReviewState string

const (
	ReviewPending   ReviewState = "pending"
	ReviewConfirmed ReviewState = "confirmed"
	ReviewRejected  ReviewState = "rejected"
	ReviewUnsure    ReviewState = "unsure"
)

func (s ReviewState) Valid() bool {
	return s == ReviewPending || s == ReviewConfirmed || s == ReviewRejected || s == ReviewUnsure
}

// Decision is one reviewer's decision on an item, kept in its history for good.
type Decision struct {
	State ReviewState `json:"state"`
	Note  string      `json:"note,omitempty"`
	By    string      `json:"by"`
	At    time.Time   `json:"at"`
}

// Note is something the reviewer should see before the faces: a consistency warning or an event.
type Note struct {
	Kind    string `json:"kind"` // "gender", "age", "reopened"
	Warning bool   `json:"warning"`
	Message string `json:"message"`
}

// Review is one candidate pair of cases put before reviewers, created at most once per pair however many
// photos produce it.
type Review struct {
	ID    string      `json:"id"` // PairKey of the two cases
	Type  ReviewType  `json:"type"`
	CaseA ID          `json:"case_a"` // for a match, the missing case; else the older case
	CaseB ID          `json:"case_b"` // for a match, the found case; else the newer case
	State ReviewState `json:"state"`
	// The best pair of faces and its distance.
	FaceA    ID      `json:"face_a"`
	FaceB    ID      `json:"face_b"`
	Distance float32 `json:"distance"`
	// Evidence is the strength of the best pair (evidence.go).
	Evidence Evidence `json:"evidence"`
	// ProposedRank and Reason are where the latest proposal of the pair put it among the new case's
	// candidates of its kind (1 = the heaviest), and why it was proposed (proposal.go).
	ProposedRank int    `json:"proposed_rank"`
	Reason       Reason `json:"reason"`
	// Support is how many pairs of faces (one from each case) lie within the outer bound (MinEvidence).
	Support int    `json:"support"`
	Notes   []Note `json:"notes"`
	// RejectedAt is the distance when the pair was last rejected: it is proposed again only if a new photo
	// brings it ReopenMargin closer.
	RejectedAt float32    `json:"rejected_at,omitempty"`
	History    []Decision `json:"history"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
}

// PairKey is the id of the review item of two cases: the same whichever order they come in.
func PairKey(a, b ID) string {
	if string(b[:]) < string(a[:]) {
		a, b = b, a
	}
	return a.Hex() + b.Hex()
}

// Warnings counts the notes that are warnings.
func (r *Review) Warnings() int {
	n := 0
	for _, note := range r.Notes {
		if note.Warning {
			n++
		}
	}
	return n
}

// Rank orders the queue, smaller first: minus log10 of the item's weight (proposal.go), its evidence
// lowered by ConsistencyFactor per consistency warning. A warning ranks an item lower but never hides it:
// genders are sometimes recorded wrongly and the ages of found children are guesses.
func (r *Review) Rank() float32 {
	return float32(-math.Log10(Weighed{Evidence: r.Evidence, Warnings: r.Warnings()}.Weight()))
}

// ConsistencyNotes compares what two cases say of the child: gender, and age — the missing child's age when
// last seen plus the time elapsed, against the found child's (often estimated) age.
func ConsistencyNotes(a, b *Case) []Note {
	var notes []Note
	ga, gb := a.Child.Gender, b.Child.Gender
	if ga != GenderUnknown && gb != GenderUnknown && ga != gb {
		notes = append(notes, Note{Kind: "gender", Warning: true,
			Message: fmt.Sprintf("gender differs: %s in one case, %s in the other", ga, gb)})
	}
	if a.Child.Age > 0 && b.Child.Age > 0 {
		older, newer := a, b
		if b.Date().Before(a.Date()) {
			older, newer = b, a
		}
		years := newer.Date().Sub(older.Date()).Hours() / (24 * 365.25)
		expected := float64(older.Child.Age) + years
		diff := math.Abs(expected - float64(newer.Child.Age))
		if diff > AgeToleranceYears {
			notes = append(notes, Note{Kind: "age", Warning: true, Message: fmt.Sprintf(
				"age differs: %d then would be about %.0f now, recorded %d", older.Child.Age, expected, newer.Child.Age)})
		}
	}
	return notes
}

// ReviewItem is a review with what the reviewer needs next to it: both cases' summaries and the photos
// the best pair of faces comes from.
type ReviewItem struct {
	Review
	A      Summary `json:"case_a_summary"`
	B      Summary `json:"case_b_summary"`
	PhotoA ID      `json:"photo_a"`
	PhotoB ID      `json:"photo_b"`
}

// ReviewQuery selects part of the queue.
type ReviewQuery struct {
	State ReviewState // "" = any
	Type  ReviewType  // "" = any
	Case  ID          // zero = any; else the items of this case
	Limit int
	// Cursor is the previous page's ReviewPage.Next; "" = from the best.
	Cursor string
}

// ReviewStore keeps review items, one per pair of cases.
type ReviewStore interface {
	// CreateReview writes a new item; EConflict if one exists for the pair.
	CreateReview(ctx context.Context, r *Review) error
	Review(ctx context.Context, id string) (*Review, error)
	// UpdateReview is an atomic read-modify-write, retried on concurrent change, like UpdateCase.
	UpdateReview(ctx context.Context, id string, fn func(*Review) error) (*Review, error)
	// WalkReviews calls fn for every review item until fn returns false or an error.
	WalkReviews(ctx context.Context, fn func(*Review) (bool, error)) error
	// DeleteReview removes an item (when one of its cases is erased); removing a missing one is not an error.
	DeleteReview(ctx context.Context, id string) error
}

// ReviewService is the review workflow: the queue and the decisions (service.Service).
type ReviewService interface {
	// Reviews returns a page of review items, best first.
	Reviews(ctx context.Context, actor Actor, q ReviewQuery) (*ReviewPage, error)
	// Decide records a decision; a confirmation links the two cases, a revision away from it unlinks them.
	Decide(ctx context.Context, actor Actor, id string, state ReviewState, note string) (*ReviewItem, error)
}
