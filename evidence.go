package childmatch

import (
	"context"
	"math"
)

// How strong a candidate is: not a verdict, a statement a reviewer can weigh. Two photos of one child
// taken years apart lie much farther apart than two of one adult taken a week apart, and two unrelated
// children lie much closer than two unrelated adults (README: children across years), so one distance
// means different things for different pairs. A Calibration holds, per time between the photos, how far
// apart the same child's photos lie (genuine), and per age, how close unrelated children come (impostor);
// a candidate's evidence compares the two at its distance.

// Spread is a distance distribution, summarised as a normal one by its mean and standard deviation.
type Spread struct {
	Mean float64 `json:"mean"`
	SD   float64 `json:"sd"`
}

// below is the share of the distribution under d.
func (s Spread) below(d float64) float64 {
	return 0.5 * math.Erfc(-(d-s.Mean)/(s.SD*math.Sqrt2))
}

// GapBand is the genuine spread of pairs whose photos lie up to MaxYears apart (the last band has no upper
// end); Adult bands are for pairs whose later photo shows an adult.
type GapBand struct {
	MaxYears float64 `json:"max_years"` // 0 on the last band: no upper end
	Adult    bool    `json:"adult"`
	Genuine  Spread  `json:"genuine"`
	N        int     `json:"n,omitempty"` // the pairs it was measured on; 0 = from the default measurements
}

// AgeBand is the impostor spread of pairs whose younger photo shows someone under MaxAge (0 on the last:
// adults).
type AgeBand struct {
	MaxAge   int    `json:"max_age"`
	Impostor Spread `json:"impostor"`
	N        int    `json:"n,omitempty"`
}

// Calibration turns a candidate's distance into evidence. DefaultCalibration holds the measured one; a
// deployment refits it from its own confirmed and rejected pairs (`childmatch calibrate`).
type Calibration struct {
	Source   string    `json:"source"`
	Genuine  []GapBand `json:"genuine"`  // by MaxYears ascending within each of child and adult
	Impostor []AgeBand `json:"impostor"` // by MaxAge ascending, the adults' last
	// Models are the spreads of the face models beside dlib, by Embedder.Name, fitted from the
	// deployment's own pairs: a model's distances count in the evidence only once it has its band.
	Models map[string]ModelBand `json:"models,omitempty"`
}

// ModelBand is what a deployment measured of a face model beside dlib (`childmatch calibrate`): the spread
// of its distances between the same child's photos (confirmed pairs) and between different children's.
// It has no age or time bands: a model a deployment provides comes without the age-gap figures dlib's
// calibration was built from, and its own pairs are too few to split at first.
type ModelBand struct {
	Genuine  Spread `json:"genuine"`
	Impostor Spread `json:"impostor"`
	N        int    `json:"n"`          // the genuine pairs it was fitted from
	NImp     int    `json:"n_impostor"` // the impostor pairs
}

// ModelMatch is one face model's distance for a candidate (its nearest pair of faces), with the model's
// evidence score when the model is calibrated.
type ModelMatch struct {
	Model    string   `json:"model"`
	Distance float32  `json:"distance"`
	Score    *float64 `json:"score,omitempty"`
}

// ModelScore is the evidence score of a model's distance d, if the calibration has the model's band.
func (c Calibration) ModelScore(model string, d float32) (float64, bool) {
	b, ok := c.Models[model]
	if !ok {
		return 0, false
	}
	return logRatio(b.Genuine, b.Impostor, float64(d)) / math.Ln10, true
}

// Fuse folds the calibrated models' scores into dlib's evidence: the score is the mean of dlib's and
// theirs. The models look at the same two faces, so their evidence is not independent; adding the scores
// (as independent evidence would) counts what they agree on twice, and a mean never claims more than the
// models say on average. The false-match rate stays dlib's, measured for the pair's age.
func Fuse(dlib Evidence, models []ModelMatch) Evidence {
	sum, n := dlib.Score, 1
	for _, m := range models {
		if m.Score != nil {
			sum, n = sum+*m.Score, n+1
		}
	}
	if n == 1 {
		return dlib
	}
	return Evidence{Score: sum / float64(n), FalseMatchRate: dlib.FalseMatchRate, Level: levelOf(sum / float64(n))}
}

// DefaultCalibration is what was measured (dlib's model, Euclidean distance):
//   - photos of one person close in time: the shared photos' genuine pairs (adults, days to months apart),
//     median 0.330, largest 0.597 of 331: about N(0.33, 0.10);
//   - one child years later, still a child: a held-out age-gap set of 1,010 people, median 0.459 with
//     82.7% under 0.6: N(0.459, 0.150);
//   - one child, later an adult: the same set, median 0.631 with 37.5% under 0.6 (a fitted sd of 0.097;
//     taken as 0.150, the child-to-child spread, so that no closer pair ever counts as weaker evidence);
//   - two unrelated children: the same set, median 0.737, 9.45% under 0.6 and 1% under 0.50: N(0.737,
//     0.104), which fits both quantiles;
//   - two unrelated adults: the shared photos, median 0.911, nearest 0.620 of about 4,000 pairs: about
//     N(0.911, 0.085).
//
// Unknown ages count as children: their strangers come closer, so their evidence is weaker, never stronger.
func DefaultCalibration() Calibration {
	sameTime, childYears, toAdult := Spread{0.33, 0.10}, Spread{0.459, 0.150}, Spread{0.631, 0.150}
	return Calibration{
		Source: "default: measured on the shared photos and a held-out age-gap set (README)",
		Genuine: []GapBand{
			{MaxYears: 1, Genuine: sameTime}, {Genuine: childYears},
			{MaxYears: 1, Adult: true, Genuine: sameTime}, {Adult: true, Genuine: toAdult},
		},
		Impostor: []AgeBand{{MaxAge: 18, Impostor: Spread{0.737, 0.104}}, {Impostor: Spread{0.911, 0.085}}},
	}
}

// Pair is what evidence depends on besides the distance: the years between the two photos' cases, the
// child's age in the later one (which picks the genuine band: a child, or an adult by then) and in the
// earlier one (which picks the impostor band: a pair with a child's photo in it is weighed against
// strangers among children, who come closer); 0: not known.
type Pair struct {
	Years      float64
	LaterAge   int
	EarlierAge int
}

// PairOf describes two cases: the years between their dates, and each one's age (a case's own, else
// the other's moved by the years).
func PairOf(a, b *Case) Pair {
	if b.Date().Before(a.Date()) {
		a, b = b, a
	}
	years := b.Date().Sub(a.Date()).Hours() / (24 * 365.25)
	later, earlier := b.Child.Age, a.Child.Age
	if later == 0 && earlier > 0 {
		later = earlier + int(years)
	}
	if earlier == 0 && later > 0 {
		earlier = max(1, later-int(years))
	}
	return Pair{Years: years, LaterAge: later, EarlierAge: earlier}
}

// Level is the strength of evidence in a word, which the app shows in English and Hindi.
type Level string

const (
	LevelStrong   Level = "strong"    // far likelier the same child than a stranger this close
	LevelModerate Level = "moderate"  // clearly likelier the same child
	LevelWeak     Level = "weak"      // somewhat likelier the same child
	LevelVeryWeak Level = "very_weak" // a stranger is about as likely to lie this close
)

// Evidence is a candidate's strength.
type Evidence struct {
	// Score is log10 of the likelihood ratio at the distance: how much likelier the same child's photos,
	// across this time, lie this far apart than those of two unrelated children of this age. 2 means a
	// hundred times likelier the same child; under 0, a stranger is likelier. It never rises with the
	// distance.
	Score float64 `json:"score"`
	// FalseMatchRate is the share of unrelated children of this age who lie this close: 0.01 is one in a
	// hundred.
	FalseMatchRate float64 `json:"false_match_rate"`
	Level          Level   `json:"level"`
}

// Evidence returns the evidence of a candidate at distance d for the pair.
func (c Calibration) Evidence(d float32, p Pair) Evidence {
	gen, imp := c.spreads(p)
	x := float64(d)
	score := logRatio(gen, imp, x) / math.Ln10
	return Evidence{Score: score, FalseMatchRate: imp.below(x), Level: levelOf(score)}
}

// levelOf says a score in a word.
func levelOf(score float64) Level {
	switch {
	case score >= EvidenceStrong:
		return LevelStrong
	case score >= EvidenceModerate:
		return LevelModerate
	case score >= 0:
		return LevelWeak
	default:
		return LevelVeryWeak
	}
}

// spreads picks the genuine band of the pair's time and adulthood, and the impostor band of its age.
func (c Calibration) spreads(p Pair) (gen, imp Spread) {
	return c.Genuine[c.genuineBand(p)].Genuine, c.Impostor[c.impostorBand(p)].Impostor
}

// genuineBand is the index of the pair's genuine band: the first of its adulthood whose time covers it,
// else the last of its adulthood.
func (c Calibration) genuineBand(p Pair) int {
	adult, last := p.LaterAge >= 18, -1
	for i, b := range c.Genuine {
		if b.Adult == adult {
			last = i
			if b.MaxYears > 0 && p.Years < b.MaxYears {
				return i
			}
		}
	}
	return last
}

// impostorBand is the index of the pair's impostor band, by its younger photo's age; unknown ages take
// the first (children's).
func (c Calibration) impostorBand(p Pair) int {
	for i, b := range c.Impostor {
		if b.MaxAge > 0 && (p.EarlierAge == 0 || p.EarlierAge < b.MaxAge) {
			return i
		}
	}
	return len(c.Impostor) - 1
}

// Valid reports whether the calibration has a genuine band for children and for adults, an impostor band,
// and spreads that are numbers.
func (c Calibration) Valid() error {
	if c.genuineBand(Pair{LaterAge: 5}) < 0 || c.genuineBand(Pair{LaterAge: 30}) < 0 || len(c.Impostor) == 0 {
		return Errorf(EInvalid, "the calibration needs genuine bands for children and adults and an impostor band")
	}
	for _, b := range c.Genuine {
		if !(b.Genuine.SD > 0) || math.IsNaN(b.Genuine.Mean) {
			return Errorf(EInvalid, "the calibration has a genuine band without a spread")
		}
	}
	for _, b := range c.Impostor {
		if !(b.Impostor.SD > 0) || math.IsNaN(b.Impostor.Mean) {
			return Errorf(EInvalid, "the calibration has an impostor band without a spread")
		}
		for _, g := range c.Genuine {
			if g.Genuine.Mean >= b.Impostor.Mean {
				return Errorf(EInvalid, "the calibration has the same person's photos (mean %.3f) no closer than strangers' (mean %.3f): too few or wrong decisions", g.Genuine.Mean, b.Impostor.Mean)
			}
		}
	}
	for name, b := range c.Models {
		if !(b.Genuine.SD > 0) || !(b.Impostor.SD > 0) || !(b.Genuine.Mean < b.Impostor.Mean) {
			return Errorf(EInvalid, "the calibration of face model %q has the same person's photos no closer than strangers', or no spread", name)
		}
	}
	return nil
}

// FitModel returns the model's band from its genuine and impostor distances, if both are enough
// (MinCalibrationPairs each) and the same child's photos lie closer than strangers'.
func FitModel(genuine, impostor []float64) (ModelBand, bool) {
	g, okG := spreadOf(genuine)
	i, okI := spreadOf(impostor)
	if !okG || !okI || g.Mean >= i.Mean {
		return ModelBand{}, false
	}
	return ModelBand{Genuine: g, Impostor: i, N: len(genuine), NImp: len(impostor)}, true
}

// logRatio is the natural log of the ratio of the genuine density to the impostor density at x. With
// unequal spreads that ratio turns back up far from both means (the narrower tail falls faster); beyond
// its turning point it is held at its value there, so that a closer pair is never weaker evidence.
func logRatio(gen, imp Spread, x float64) float64 {
	a := 1/(imp.SD*imp.SD) - 1/(gen.SD*gen.SD) // log ratio = a/2·x² - b·x + c
	if a != 0 {
		turn := (imp.Mean/(imp.SD*imp.SD) - gen.Mean/(gen.SD*gen.SD)) / a
		if (a > 0 && x > turn) || (a < 0 && x < turn) {
			x = turn
		}
	}
	zg, zi := (x-gen.Mean)/gen.SD, (x-imp.Mean)/imp.SD
	return -zg*zg/2 - math.Log(gen.SD) + zi*zi/2 + math.Log(imp.SD)
}

// Measured is one pair's distance and what its evidence depends on, for fitting a calibration.
type Measured struct {
	Distance float32
	Pair     Pair
}

// Fit refits a calibration from a deployment's own pairs: genuine ones (confirmed matches and same-child
// decisions) per time band, impostor ones (faces of two different cases, drawn at random) per age band.
// A band with fewer than MinCalibrationPairs pairs keeps base's figures, so a young deployment starts
// from the measured defaults and moves to its own as its decisions accumulate.
func Fit(base Calibration, genuine, impostor []Measured, source string) Calibration {
	out := Calibration{Source: source, Genuine: append([]GapBand(nil), base.Genuine...),
		Impostor: append([]AgeBand(nil), base.Impostor...)}
	for i := range out.Genuine {
		if s, n, ok := fitBand(genuine, func(p Pair) bool { return out.genuineBand(p) == i }); ok {
			out.Genuine[i].Genuine, out.Genuine[i].N = s, n
		}
	}
	for i := range out.Impostor {
		if s, n, ok := fitBand(impostor, func(p Pair) bool { return out.impostorBand(p) == i }); ok {
			out.Impostor[i].Impostor, out.Impostor[i].N = s, n
		}
	}
	return out
}

// fitBand is the spread of the pairs a band takes, if there are enough of them, and how many there are.
func fitBand(pairs []Measured, in func(Pair) bool) (Spread, int, bool) {
	var xs []float64
	for _, m := range pairs {
		if in(m.Pair) {
			xs = append(xs, float64(m.Distance))
		}
	}
	s, ok := spreadOf(xs)
	return s, len(xs), ok
}

// spreadOf is the mean and standard deviation of enough distances.
func spreadOf(xs []float64) (Spread, bool) {
	if len(xs) < MinCalibrationPairs {
		return Spread{}, false
	}
	mean := 0.0
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	v := 0.0
	for _, x := range xs {
		v += (x - mean) * (x - mean)
	}
	return Spread{Mean: mean, SD: max(math.Sqrt(v/float64(len(xs)-1)), MinCalibrationSD)}, true
}

// CalibrationStore keeps the deployment's fitted calibration, where every process reads it at start.
type CalibrationStore interface {
	PutCalibration(ctx context.Context, c Calibration) error
	// Calibration reads it; ENotFound when none was fitted yet.
	Calibration(ctx context.Context) (Calibration, error)
}

// CalibrationService reads and refits the calibration (service.Service). Admins only.
type CalibrationService interface {
	Calibration(ctx context.Context, actor Actor) (Calibration, error)
	// Calibrate refits it from the deployment's own pairs, and stores it for every process if save.
	Calibrate(ctx context.Context, actor Actor, save bool) (Calibration, error)
}
