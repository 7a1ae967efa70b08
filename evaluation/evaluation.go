// Package evaluation measures match quality on a folder of photos laid out one sub-folder per person:
// detection rate, identification rank (CMC), verification true-accept rates at fixed false-accept rates,
// and the distance distributions of genuine and impostor pairs. It runs the same face pipeline and index
// the service uses.
package evaluation

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"childmatch"
)

// Config says what to evaluate.
type Config struct {
	// Data is the folder: one sub-folder per person; sub-folders starting with "_" are not people.
	Data string
	// Enrol is how many photos of each person (in name order) are enrolled; the rest are queries.
	Enrol int
	// MaxRank is the length of the CMC curve.
	MaxRank int
	// Threshold is the review threshold whose genuine and impostor rates are reported.
	Threshold float32
	// Strategy is how a person with several enrolled photos is represented in the index.
	Strategy Strategy
}

// Strategy says how several enrolled photos of one person are matched.
type Strategy string

const (
	BestPair Strategy = "best" // every enrolled face indexed; a case ranks by its nearest face (the service's way)
	Mean     Strategy = "mean" // one entry per person: the mean of the enrolled descriptors
	Both     Strategy = "both" // every face and the mean
)

// Sample is one photo of the data set and what the pipeline made of it.
type Sample struct {
	Person  string                 `json:"person"`
	Path    string                 `json:"path"` // relative to Data
	Faces   int                    `json:"faces"`
	Seconds float64                `json:"seconds"`
	Face    *childmatch.Descriptor `json:"-"` // the largest face's descriptor; nil when none was found
	Enrol   bool                   `json:"enrolled"`
	Rank    int                    `json:"rank,omitempty"` // for queries: the true person's rank, 0 = not in the top MaxRank
}

// Pair is the distance between two detected photos.
type Pair struct {
	A, B     int // indexes into Samples
	Genuine  bool
	Distance float64
}

// Summary describes a distance distribution.
type Summary struct {
	N      int     `json:"n"`
	Min    float64 `json:"min"`
	Median float64 `json:"median"`
	Mean   float64 `json:"mean"`
	Max    float64 `json:"max"`
	// UnderThreshold is the fraction of pairs closer than the review threshold.
	UnderThreshold float64 `json:"under_threshold"`
}

// OperatingPoint is the verification result at one false-accept rate.
type OperatingPoint struct {
	FAR       float64 `json:"far"`
	Threshold float64 `json:"threshold"` // pairs closer than this are accepted
	TAR       float64 `json:"tar"`
}

// Report is the outcome of one evaluation.
type Report struct {
	Data            string           `json:"data"`
	Photos          int              `json:"photos"`
	Detected        int              `json:"detected"`
	DetectionRate   float64          `json:"detection_rate"`
	People          int              `json:"people"`
	Queries         int              `json:"queries"`
	CMC             []float64        `json:"cmc"` // CMC[k-1]: fraction of queries whose person is within rank k
	Threshold       float32          `json:"threshold"`
	Strategy        Strategy         `json:"strategy"`
	Genuine         Summary          `json:"genuine"`
	Impostor        Summary          `json:"impostor"`
	Verification    []OperatingPoint `json:"verification"`
	SecondsPerPhoto float64          `json:"seconds_per_photo"`
	Samples         []Sample         `json:"samples"`
	Pairs           []Pair           `json:"-"`
}

// Rank returns the identification rate at rank k (1-based), 0 when k is beyond the curve.
func (r *Report) Rank(k int) float64 {
	if k < 1 || k > len(r.CMC) {
		return 0
	}
	return r.CMC[k-1]
}

// Run analyses every photo, enrols the first cfg.Enrol of each person in a fresh index (one case per
// person), searches with the others, and compares every pair of detected photos.
func Run(ctx context.Context, faces childmatch.FaceAnalyzer, index childmatch.FaceIndex, cfg Config) (*Report, error) {
	if cfg.Enrol < 1 {
		cfg.Enrol = 1
	}
	if cfg.MaxRank < 1 {
		cfg.MaxRank = 10
	}
	samples, err := load(cfg.Data)
	if err != nil {
		return nil, err
	}
	switch cfg.Strategy {
	case "":
		cfg.Strategy = BestPair
	case BestPair, Mean, Both:
	default:
		return nil, fmt.Errorf("unknown strategy %q: use %q, %q or %q", cfg.Strategy, BestPair, Mean, Both)
	}
	rep := &Report{Data: cfg.Data, Photos: len(samples), Threshold: cfg.Threshold, Strategy: cfg.Strategy, Samples: samples}
	persons := map[string]childmatch.ID{}
	gallery := map[string][]*childmatch.Descriptor{}
	enrolled := map[string]int{}
	var total float64
	for i := range samples {
		s := &samples[i]
		data, err := os.ReadFile(filepath.Join(cfg.Data, s.Path))
		if err != nil {
			return nil, err
		}
		start := time.Now()
		a, err := faces.Analyze(ctx, data)
		s.Seconds = time.Since(start).Seconds()
		total += s.Seconds
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.Path, err)
		}
		s.Faces = len(a.Faces)
		if s.Faces == 0 {
			continue
		}
		rep.Detected++
		largest := a.Faces[0]
		for _, f := range a.Faces[1:] {
			if f.Box.Width() > largest.Box.Width() {
				largest = f
			}
		}
		d := largest.Descriptor
		s.Face = &d
		if enrolled[s.Person] < cfg.Enrol {
			enrolled[s.Person]++
			s.Enrol = true
			if _, ok := persons[s.Person]; !ok {
				persons[s.Person] = childmatch.NewID()
			}
			gallery[s.Person] = append(gallery[s.Person], s.Face)
		}
	}
	enrolAll(index, persons, gallery, cfg.Strategy)
	rep.People = len(persons)
	rep.SecondsPerPhoto = total / float64(max(1, len(samples)))
	rep.DetectionRate = float64(rep.Detected) / float64(max(1, len(samples)))

	hits := make([]int, cfg.MaxRank)
	for i := range samples {
		s := &samples[i]
		if s.Face == nil || s.Enrol {
			continue
		}
		if _, ok := persons[s.Person]; !ok {
			continue
		}
		rep.Queries++
		for rank, h := range index.Search(s.Face, cfg.MaxRank, childmatch.SearchFilter{}) {
			if h.CaseID == persons[s.Person] {
				s.Rank = rank + 1
				for k := rank; k < cfg.MaxRank; k++ {
					hits[k]++
				}
				break
			}
		}
	}
	rep.CMC = make([]float64, cfg.MaxRank)
	for k := range hits {
		rep.CMC[k] = float64(hits[k]) / float64(max(1, rep.Queries))
	}

	var genuine, impostor []float64
	for i := range samples {
		for j := i + 1; j < len(samples); j++ {
			if samples[i].Face == nil || samples[j].Face == nil {
				continue
			}
			p := Pair{A: i, B: j, Genuine: samples[i].Person == samples[j].Person,
				Distance: float64(samples[i].Face.Distance(samples[j].Face))}
			rep.Pairs = append(rep.Pairs, p)
			if p.Genuine {
				genuine = append(genuine, p.Distance)
			} else {
				impostor = append(impostor, p.Distance)
			}
		}
	}
	rep.Genuine = summarise(genuine, float64(cfg.Threshold))
	rep.Impostor = summarise(impostor, float64(cfg.Threshold))
	for _, far := range []float64{0.01, 0.001} {
		rep.Verification = append(rep.Verification, operatingPoint(genuine, impostor, far))
	}
	return rep, nil
}

// enrolAll puts each person's enrolled faces into the index as one case, as the strategy says.
func enrolAll(index childmatch.FaceIndex, persons map[string]childmatch.ID, gallery map[string][]*childmatch.Descriptor, st Strategy) {
	attrs := childmatch.FaceAttrs{Kind: childmatch.KindMissing, Status: childmatch.StatusOpen}
	for person, faces := range gallery {
		ref := func() childmatch.FaceRef {
			return childmatch.FaceRef{FaceID: childmatch.NewID(), CaseID: persons[person]}
		}
		if st != Mean {
			for _, d := range faces {
				index.Add(ref(), d, attrs)
			}
		}
		if st != BestPair {
			var mean childmatch.Descriptor
			for _, d := range faces {
				for i := range mean {
					mean[i] += d[i] / float32(len(faces))
				}
			}
			index.Add(ref(), &mean, attrs)
		}
	}
}

// load lists the photos of every person folder, in name order.
func load(root string) ([]Sample, error) {
	people, err := os.ReadDir(root)
	if err != nil {
		return nil, err
	}
	var samples []Sample
	for _, p := range people {
		if !p.IsDir() || strings.HasPrefix(p.Name(), "_") {
			continue
		}
		files, err := os.ReadDir(filepath.Join(root, p.Name()))
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			if f.Type().IsRegular() && !strings.HasPrefix(f.Name(), ".") {
				samples = append(samples, Sample{Person: p.Name(), Path: filepath.Join(p.Name(), f.Name())})
			}
		}
	}
	if len(samples) == 0 {
		return nil, fmt.Errorf("no photos in person folders under %s", root)
	}
	return samples, nil
}

func summarise(xs []float64, threshold float64) Summary {
	if len(xs) == 0 {
		return Summary{}
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	sum, under := 0.0, 0
	for _, x := range s {
		sum += x
		if x < threshold {
			under++
		}
	}
	med := s[len(s)/2]
	if len(s)%2 == 0 {
		med = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return Summary{N: len(s), Min: s[0], Median: med, Mean: sum / float64(len(s)), Max: s[len(s)-1],
		UnderThreshold: float64(under) / float64(len(s))}
}

// operatingPoint finds the largest threshold that accepts at most far of the impostor pairs (accepting
// means distance < threshold) and the fraction of genuine pairs it accepts.
func operatingPoint(genuine, impostor []float64, far float64) OperatingPoint {
	imp := append([]float64(nil), impostor...)
	sort.Float64s(imp)
	allowed := int(math.Floor(far * float64(len(imp))))
	threshold := math.Inf(1)
	if allowed < len(imp) {
		threshold = imp[allowed] // exactly `allowed` impostors lie strictly below it, fewer with ties
	}
	accepted := 0
	for _, g := range genuine {
		if g < threshold {
			accepted++
		}
	}
	return OperatingPoint{FAR: far, Threshold: threshold, TAR: float64(accepted) / float64(max(1, len(genuine)))}
}

// Markdown renders the headline figures as a table.
func (r *Report) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "| measure | value |\n|---|---|\n")
	fmt.Fprintf(&b, "| photos | %d in %d person folders |\n", r.Photos, r.People)
	fmt.Fprintf(&b, "| face detection rate | %.1f%% (%d/%d) |\n", 100*r.DetectionRate, r.Detected, r.Photos)
	fmt.Fprintf(&b, "| queries (photos beyond the enrolled ones) | %d |\n", r.Queries)
	for _, k := range []int{1, 5, 10} {
		fmt.Fprintf(&b, "| rank-%d identification | %.1f%% |\n", k, 100*r.Rank(k))
	}
	for _, op := range r.Verification {
		fmt.Fprintf(&b, "| TAR at FAR %.1f%% | %.1f%% (threshold %.3f) |\n", 100*op.FAR, 100*op.TAR, op.Threshold)
	}
	fmt.Fprintf(&b, "| genuine pairs: distance min / median / max | %.3f / %.3f / %.3f (n=%d; %.1f%% under %.2f) |\n",
		r.Genuine.Min, r.Genuine.Median, r.Genuine.Max, r.Genuine.N, 100*r.Genuine.UnderThreshold, r.Threshold)
	fmt.Fprintf(&b, "| impostor pairs: distance min / median / max | %.3f / %.3f / %.3f (n=%d; %.2f%% under %.2f) |\n",
		r.Impostor.Min, r.Impostor.Median, r.Impostor.Max, r.Impostor.N, 100*r.Impostor.UnderThreshold, r.Threshold)
	fmt.Fprintf(&b, "| time per photo (decode to descriptor) | %.0f ms |\n", 1000*r.SecondsPerPhoto)
	return b.String()
}
