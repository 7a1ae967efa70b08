package childmatch

import "time"

// SearchAnyKind searches missing reports and found children alike.
const SearchAnyKind Kind = "any"

// SearchQuery is a search by photo that creates nothing.
type SearchQuery struct {
	Kind      Kind // KindMissing (the default, ""), KindFound or SearchAnyKind
	Limit     int
	AnyStatus bool // include matched and closed cases
	Gender    Gender
	MinAge    int
	MaxAge    int
	State     string    // where the case was seen; "" = anywhere
	District  string    // needs State
	From      time.Time // the case's date (sighting, else report) on or after this day; zero = any
	Until     time.Time // on or before this day; zero = any
}

// SearchResult holds, per face found in the photo, the ranked candidates.
type SearchResult struct {
	Faces []FaceMatches `json:"faces"`
}

// Candidate is a case whose face lies near a query face. The machine never decides: a candidate under the
// review threshold is put before a reviewer, nothing more.
type Candidate struct {
	Case     Summary `json:"case"`
	PhotoID  ID      `json:"photo_id"`
	FaceID   ID      `json:"face_id"`
	Distance float32 `json:"distance"`
	// Evidence is how strong the candidate is, for this pair's age and time between the photos.
	Evidence Evidence `json:"evidence"`
	// UnderThreshold: the distance is under the deployment's review threshold (0.6: adults' operating
	// point; Evidence is the figure to read for children).
	UnderThreshold bool `json:"under_threshold"`
	// Models are the distances of the face models beside dlib, where both cases have their vectors;
	// Evidence is fused from the calibrated ones (Fuse).
	Models []ModelMatch `json:"models,omitempty"`
}

// FaceMatches is one face of a photo and the cases nearest to it.
type FaceMatches struct {
	Face       Face        `json:"face"`
	Candidates []Candidate `json:"candidates"`
}
