package childmatch

import (
	"math"
	"sort"
)

// Which candidates become review items. Proposing everything under a threshold buried reviewers: among
// children, one stranger in ten lies under 0.6, so against 10,000 registered children every found child
// would propose about 900 pairs. A new case proposes instead its best few candidates of each kind, by
// weight: each candidate's likelihood ratio (evidence.go), lowered by ConsistencyFactor for each
// consistency warning (a gender or age that does not fit). It proposes the heaviest, and each next one
// only while its share of the candidates' total weight is at least ProposalShare: one candidate when one
// stands out, several when the evidence is ambiguous. A candidate outside the outer bound (evidence under
// MinEvidence: too weak to be worth a reviewer's look at this age and time between the photos) is never
// proposed, and never more than ProposalsMax.

// Reason says why a candidate was proposed.
type Reason string

const (
	ReasonBest      Reason = "best"      // the strongest candidate of its kind for the new case
	ReasonAmbiguous Reason = "ambiguous" // nearly as strong as the best: the reviewer must tell them apart
)

// Weighed is a candidate as the rule sees it.
type Weighed struct {
	Evidence Evidence
	Warnings int
}

// Weight is the candidate's likelihood ratio, lowered for each consistency warning.
func (w Weighed) Weight() float64 {
	return math.Pow(10, w.Evidence.Score) * math.Pow(ConsistencyFactor, float64(w.Warnings))
}

// Propose returns the indexes of the candidates proposed, heaviest first. Those outside the outer bound
// still count in the total weight (they are why the evidence is ambiguous), but are never proposed.
func Propose(cands []Weighed, l Limits) []int {
	var order []int
	total := 0.0
	for i, c := range cands {
		total += c.Weight()
		if c.Evidence.Score >= l.MinEvidence {
			order = append(order, i)
		}
	}
	sort.SliceStable(order, func(i, j int) bool { return cands[order[i]].Weight() > cands[order[j]].Weight() })
	n := 0
	for n < len(order) && n < l.ProposalsMax && (n == 0 || cands[order[n]].Weight() >= l.ProposalShare*total) {
		n++
	}
	return append([]int{}, order[:n]...)
}
