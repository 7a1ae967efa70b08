package evaluation

import (
	"context"
	"fmt"
	"io/fs"
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
	// AgeGap dates every photo (photos.csv beside the folders, or a <yyyy-mm-dd>_ or <age>_ prefix of the
	// file name), enrols each person's earliest photo (Enrol must be 1) and reports per age-gap bucket and
	// per age at that photo.
	AgeGap bool
	// Distractors is a folder whose photos' faces are added, every face as another case, after the main
	// measurement; the queries are then searched again.
	Distractors string
	// Gallery lists gallery sizes (cases) to grow to with synthetic dlib-shaped faces, after the
	// distractors, searching the queries again at each. The faces are SyntheticDescriptor's draws, in
	// order, from rand.NewPCG(Seed, Seed).
	Gallery []int
	Seed    uint64
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
	// In the age-gap mode: the date and age the photo was taken at, when given or derived (agegap.go), and
	// for queries the years since the person's enrolled photo.
	Date     string   `json:"date,omitempty"`
	Age      *float64 `json:"age,omitempty"`
	GapYears *float64 `json:"gap_years,omitempty"`
	years    float64  // the photo's place on its person's time line, in years
	// vectors are the largest face's vectors by model: dlib's (Face) and the other configured models'.
	vectors map[string][]float32
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
	P90    float64 `json:"p90"` // the nearest-rank 90th percentile: the smallest value at least 90% of them do not exceed
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
	CMC             CMC              `json:"cmc"`
	Threshold       float32          `json:"threshold"`
	Strategy        Strategy         `json:"strategy"`
	Genuine         Summary          `json:"genuine"`
	Impostor        Summary          `json:"impostor"`
	Verification    []OperatingPoint `json:"verification"`
	SecondsPerPhoto float64          `json:"seconds_per_photo"`
	AgeGap          *AgeGapReport    `json:"age_gap,omitempty"`
	Gallery         *GalleryReport   `json:"gallery,omitempty"`
	Samples         []Sample         `json:"samples"`
	Pairs           []Pair           `json:"-"`
	// Models are the figures of each face model side by side with their fusion, when models beside dlib
	// are configured and the strategy is best-pair (models.go).
	Models []ModelReport `json:"models,omitempty"`
}

// CMC is a cumulative match characteristic: CMC[k-1] is the fraction of queries whose person is within
// rank k.
type CMC []float64

// Rank returns the identification rate at rank k (1-based), 0 when k is beyond the curve.
func (c CMC) Rank(k int) float64 {
	if k < 1 || k > len(c) {
		return 0
	}
	return c[k-1]
}

// Rank returns the identification rate at rank k (1-based), 0 when k is beyond the curve.
func (r *Report) Rank(k int) float64 { return r.CMC.Rank(k) }

// Run analyses every photo, enrols the first cfg.Enrol of each person in a fresh index (one case per
// person), searches with the others, and compares every pair of detected photos. In the age-gap mode the
// first photo is the earliest. With distractors or gallery sizes, the index then grows and the queries are
// searched again at each size.
func Run(ctx context.Context, faces childmatch.FaceAnalyzer, index childmatch.FaceIndex, cfg Config) (*Report, error) {
	if cfg.Enrol < 1 {
		cfg.Enrol = 1
	}
	if cfg.MaxRank < 1 {
		cfg.MaxRank = 10
	}
	if cfg.AgeGap && cfg.Enrol != 1 {
		return nil, childmatch.FieldError("enrol", "the age-gap mode enrols each person's earliest photo only, so it must be 1, not %d", cfg.Enrol)
	}
	if err := checkGallery(&cfg); err != nil {
		return nil, err
	}
	samples, err := Load(cfg.Data)
	if err != nil {
		return nil, err
	}
	if cfg.AgeGap {
		if err := date(cfg.Data, samples); err != nil {
			return nil, err
		}
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
		a, seconds, err := analyse(ctx, faces, filepath.Join(cfg.Data, s.Path))
		s.Seconds = seconds
		total += s.Seconds
		if err != nil {
			return nil, err
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
		s.vectors = map[string][]float32{childmatch.DlibModel: d[:]}
		for name, v := range largest.Embeddings {
			s.vectors[name] = v
		}
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

	var queries []*Sample
	for i := range samples {
		s := &samples[i]
		if _, ok := persons[s.Person]; ok && s.Face != nil && !s.Enrol {
			queries = append(queries, s)
		}
	}
	rep.Queries = len(queries)
	var found []int
	found, rep.CMC, _ = ranks(index, queries, persons, cfg.MaxRank)
	for i, q := range queries {
		q.Rank = found[i]
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
	rep.Verification = verification(genuine, impostor)
	if cfg.Strategy == BestPair {
		rep.Models = models(samples, cfg.MaxRank)
	}
	if cfg.AgeGap {
		rep.AgeGap = ageGaps(samples, queries, float64(cfg.Threshold), cfg.MaxRank)
	}
	if cfg.Distractors != "" || len(cfg.Gallery) > 0 {
		if rep.Gallery, err = grow(ctx, faces, index, cfg, persons, queries); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

// analyse reads and analyses one photo, timing the analysis.
func analyse(ctx context.Context, faces childmatch.FaceAnalyzer, path string) (*childmatch.Analysis, float64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, err
	}
	start := time.Now()
	a, err := faces.Analyze(ctx, data)
	seconds := time.Since(start).Seconds()
	if err != nil {
		return nil, seconds, fmt.Errorf("%s: %w", path, err)
	}
	return a, seconds, nil
}

// ranks searches the index with every query and returns each one's rank of its own person (0 = not in
// the top maxRank), the CMC they make, and each query's distance to the nearest case of someone else
// (none when the index holds only its own person).
func ranks(ix childmatch.FaceIndex, queries []*Sample, persons map[string]childmatch.ID, maxRank int) ([]int, CMC, []float64) {
	qs := make([]childmatch.Descriptor, len(queries))
	for i, q := range queries {
		qs[i] = *q.Face
	}
	found := make([]int, len(queries))
	var others []float64
	for i, hits := range ix.SearchBatch(qs, maxRank, childmatch.SearchFilter{}) {
		other := false
		for rank, h := range hits {
			if h.CaseID == persons[queries[i].Person] {
				found[i] = rank + 1
			} else if !other {
				others, other = append(others, float64(h.Distance)), true
			}
		}
	}
	return found, cmcOf(found, maxRank), others
}

// cmcOf is the CMC of the given ranks (0 = beyond maxRank).
func cmcOf(found []int, maxRank int) CMC {
	hits := make([]int, maxRank)
	for _, rank := range found {
		for k := rank - 1; rank > 0 && k < maxRank; k++ {
			hits[k]++
		}
	}
	cmc := make(CMC, maxRank)
	for k := range hits {
		cmc[k] = float64(hits[k]) / float64(max(1, len(found)))
	}
	return cmc
}

// verification is the true-accept rate at FAR 1% and 0.1%; nothing when there are no impostor pairs to
// set a threshold by.
func verification(genuine, impostor []float64) []OperatingPoint {
	if len(impostor) == 0 {
		return nil
	}
	var ops []OperatingPoint
	for _, far := range []float64{0.01, 0.001} {
		ops = append(ops, operatingPoint(genuine, impostor, far))
	}
	return ops
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

// Load lists the photos of every person folder under root, in name order (paths relative to root).
func Load(root string) ([]Sample, error) {
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
			if isPhoto(filepath.Join(root, p.Name()), f) {
				samples = append(samples, Sample{Person: p.Name(), Path: filepath.Join(p.Name(), f.Name())})
			}
		}
	}
	if len(samples) == 0 {
		return nil, fmt.Errorf("no photos in person folders under %s", root)
	}
	return samples, nil
}

// isPhoto says whether a folder entry is a file to analyse: a regular file, or a link to one (a layout
// can then point at the photos instead of copying them), not hidden.
func isPhoto(dir string, e fs.DirEntry) bool {
	if strings.HasPrefix(e.Name(), ".") {
		return false
	}
	if e.Type()&fs.ModeSymlink != 0 {
		st, err := os.Stat(filepath.Join(dir, e.Name()))
		return err == nil && st.Mode().IsRegular()
	}
	return e.Type().IsRegular()
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
		P90: s[int(math.Ceil(0.9*float64(len(s))))-1], UnderThreshold: float64(under) / float64(len(s))}
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
	if len(r.Models) > 0 {
		r.modelsTable(&b)
	}
	if r.AgeGap != nil {
		r.bucketTable(&b, "years between the enrolled and the query photo", r.AgeGap.Gaps)
		r.bucketTable(&b, "age at the enrolled photo", r.AgeGap.Ages)
	}
	if r.Gallery != nil {
		fmt.Fprintf(&b, "\n| gallery (cases) | distractor faces | synthetic faces | rank-1 | rank-10 | nearest other case: min / median | queries with another case under %.2f |\n",
			r.Threshold)
		fmt.Fprintf(&b, "|---|---|---|---|---|---|---|\n")
		for _, pt := range r.Gallery.Points {
			fmt.Fprintf(&b, "| %d | %d | %d | %.1f%% | %.1f%% | %.3f / %.3f | %.1f%% |\n", pt.Cases, pt.Distractors, pt.Synthetic,
				100*pt.CMC.Rank(1), 100*pt.CMC.Rank(10), pt.NearestOther.Min, pt.NearestOther.Median, 100*pt.NearestOther.UnderThreshold)
		}
	}
	return b.String()
}

// bucketTable renders the age-gap mode's figures of one grouping, a row per bucket.
func (r *Report) bucketTable(b *strings.Builder, grouping string, buckets []Bucket) {
	fmt.Fprintf(b, "\n| %s | queries | rank-1 | rank-5 | rank-10 | TAR at %.2f | TAR at FAR 1%% | TAR at FAR 0.1%% | genuine distance median / p90 | impostor pairs |\n",
		grouping, r.Threshold)
	fmt.Fprintf(b, "|---|---|---|---|---|---|---|---|---|---|\n")
	for _, k := range buckets {
		if k.Queries == 0 {
			fmt.Fprintf(b, "| %s | 0 | – | – | – | – | – | – | – | – |\n", k.Name)
			continue
		}
		fmt.Fprintf(b, "| %s | %d | %.1f%% | %.1f%% | %.1f%% | %.1f%% |", k.Name, k.Queries,
			100*k.CMC.Rank(1), 100*k.CMC.Rank(5), 100*k.CMC.Rank(10), 100*k.Genuine.UnderThreshold)
		for _, op := range k.Verification {
			fmt.Fprintf(b, " %.1f%% (%.3f) |", 100*op.TAR, op.Threshold)
		}
		for range 2 - len(k.Verification) {
			fmt.Fprintf(b, " – |")
		}
		fmt.Fprintf(b, " %.3f / %.3f | %d |\n", k.Genuine.Median, k.Genuine.P90, k.Impostors)
	}
}
