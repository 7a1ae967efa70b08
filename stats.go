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
	// By is how the counts are grouped: "district" (or ""), "state" (District is then ""), or "all" (one
	// group of every case selected, State and District ""): the national figures.
	By string
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
	// Matched is how many of the cases have a confirmed match; MedianDaysToMatch is MedianHoursToMatch
	// in days.
	Matched           int     `json:"matched"`
	MedianDaysToMatch float64 `json:"median_days_to_match"`
	// Months are the same counts month by month (UTC), oldest first: a case counts as reported in the
	// month it was created, as matched in the month of its first confirmed match, as reunited in the
	// month its outcome was recorded.
	Months []MonthStats `json:"months"`
}

// MonthStats are one month's outcome counts of one state and district.
type MonthStats struct {
	Month             string  `json:"month"` // "2006-01"
	Missing           int     `json:"missing"`
	Found             int     `json:"found"`
	Matched           int     `json:"matched"`
	Reunited          int     `json:"reunited"`
	MedianDaysToMatch float64 `json:"median_days_to_match"` // of the cases matched that month; 0 = none
}

// StatsService counts outcomes per state and district (service.Service). Admins only.
type StatsService interface {
	Stats(ctx context.Context, actor Actor, q StatsQuery) ([]Stats, error)
}
