package childmatch

import "time"

// FaceRef says which case an indexed face belongs to. The photo it was found in is in the case record
// (Face.PhotoID), so the index does not spend 16 bytes a face on it.
type FaceRef struct {
	FaceID ID
	CaseID ID
}

// FaceAttrs are the columns a search filters on, copied from the face's case.
type FaceAttrs struct {
	Kind     Kind
	Status   Status
	Gender   Gender
	Age      int    // years; 0 = not known
	State    string // where the case was seen; "" = not recorded
	District string
	Date     time.Time // when: the sighting, else the report
}

// SearchFilter restricts a search. An empty list admits every value; Age bounds admit faces whose case age
// is unknown (0), because a filter must never hide a child whose age nobody recorded.
type SearchFilter struct {
	Kinds    []Kind
	Statuses []Status
	Genders  []Gender
	MinAge   int // 0 = no lower bound
	MaxAge   int // 0 = no upper bound
	// State and District, when set, admit only cases seen there (compared without case or surrounding
	// space); a district needs its state, since names repeat across states.
	State    string
	District string
	// From and Until bound the case's date (its sighting, else its report), both days included at day
	// precision in UTC; zero = unbounded.
	From    time.Time
	Until   time.Time
	Exclude ID // a case never to return (the case being matched); zero = none
}

// Hit is one search result: the best face of one case and its distance to the query.
type Hit struct {
	FaceRef
	Distance float32
}

// FaceIndex is the in-memory vector index. Search is exact: it returns the k cases whose best face is
// nearest to the query among those the filter admits, nearest first, ties broken by face ID.
// Implementations are safe for concurrent use.
type FaceIndex interface {
	Add(ref FaceRef, d *Descriptor, attrs FaceAttrs)
	// SetCaseAttrs changes the filter columns of every face of a case (its status changed, say).
	SetCaseAttrs(caseID ID, attrs FaceAttrs)
	// Clear removes every face.
	Clear()
	// RemoveCase removes every face of a case and returns how many there were.
	RemoveCase(caseID ID) int
	Search(q *Descriptor, k int, f SearchFilter) []Hit
	// SearchBatch answers several queries (the faces of one photo or case) in one pass over memory;
	// result i is Search(&qs[i], k, f).
	SearchBatch(qs []Descriptor, k int, f SearchFilter) [][]Hit
	Len() int
	// Bytes is the memory the index holds, for /healthz.
	Bytes() int
	Snapshotter
}
