package childmatch

import (
	"context"
	"time"
)

// StatsQuery selects the cases counted: by where their sighting was and when they were created.
type StatsQuery struct {
	State    string
	District string
	Since    time.Time // zero = from the start
	Until    time.Time // zero = until now
}

// Stats are the outcome counts of one state and district.
type Stats struct {
	State              string  `json:"state"`
	District           string  `json:"district"`
	Missing            int     `json:"missing"`
	Found              int     `json:"found"`
	Exercises          int     `json:"exercises"` // drills' made-up reports (POST /v1/alerts/exercise), not in Missing
	Proposed           int     `json:"candidates_proposed"`
	Confirmed          int     `json:"confirmed"`
	Rejected           int     `json:"rejected"`
	Reunited           int     `json:"reunited"`
	MedianHoursToMatch float64 `json:"median_hours_to_match"` // creation to confirmed match; 0 = none yet
}

// StatsService counts outcomes per state and district (service.Service). Admins only.
type StatsService interface {
	Stats(ctx context.Context, actor Actor, q StatsQuery) ([]Stats, error)
}
