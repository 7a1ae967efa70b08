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

// ModelIndex is the exact index of one face model's vectors beside dlib's (index.Flat): the same rows,
// filters and answers as FaceIndex, for vectors of the model's own dimension.
type ModelIndex interface {
	// Add refuses a vector of another dimension or one that is not finite numbers.
	Add(ref FaceRef, v []float32, attrs FaceAttrs) error
	SetCaseAttrs(caseID ID, attrs FaceAttrs)
	Clear()
	RemoveCase(caseID ID) int
	SearchBatch(qs [][]float32, k int, f SearchFilter) ([][]Hit, error)
	Len() int
	Bytes() int
}

// CaseIndex is the index as the services see it (follow.Follower): searches, and every write of a case
// record applied to the index in the order the writes happened, in this process and in the others.
type CaseIndex interface {
	Search(q *Descriptor, k int, f SearchFilter) []Hit
	SearchBatch(qs []Descriptor, k int, f SearchFilter) [][]Hit
	// SearchModel searches the vectors of a face model beside dlib (Embedder.Name); nil when the index
	// holds no such model or a query is not of its dimension.
	SearchModel(model string, qs [][]float32, k int, f SearchFilter) [][]Hit
	// Write runs write, which writes the case's record and returns it (nil when it removed the record),
	// and brings the case's faces and filter columns in the index up to what it wrote. Writes and re-reads
	// of one case are applied one at a time, so the index ends with the record's latest state.
	Write(id ID, write func() (*Case, error)) (*Case, error)
}

// IndexStart says how the index came up, for the log and /healthz.
type IndexStart struct {
	Source   string        `json:"source"`            // "local snapshot", "store snapshot" or "records"
	Refused  []string      `json:"refused,omitempty"` // why snapshots were not used
	Faces    int           `json:"faces"`
	Replayed int           `json:"replayed_cases"`
	Took     time.Duration `json:"took_ns"`
}

// IndexStatus is what /healthz tells of the index (follow.Follower).
type IndexStatus interface {
	Len() int
	// ModelLens is the number of faces in each face model's index beside dlib's, by Embedder.Name.
	ModelLens() map[string]int
	Bytes() int
	Started() IndexStart
}
