package evaluation

import (
	"encoding/csv"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"childmatch"
)

// The buckets of the age-gap mode (issue 15), in years. They are evaluation parameters, not limits of the
// service: they only group the figures. A value falls in the first bucket whose upper edge exceeds it.
var (
	gapBuckets = buckets{edges: []float64{1, 3, 6},
		names: []string{"under 1 year", "1–3 years", "3–6 years", "6 years and over"}}
	ageBuckets = buckets{edges: []float64{6, 12, 18},
		names: []string{"under 6", "6–12", "12–18", "adult (18 and over)"}}
)

// ageUnknown is the age bucket of people none of whose photos gives an age.
const ageUnknown = "age unknown"

// maxAge bounds an age in years: a larger number in a file name prefix is more likely a year written
// without its month and day, and is refused as such.
const maxAge = 120

// photosCSV is the file beside the person folders that dates photos: a header naming the columns path
// (relative to the folder, as person/file.jpg) and date (yyyy-mm-dd) or age (years) or both; other columns
// are ignored. A photo it lists takes its date and age from it alone, the others from their file names.
const photosCSV = "photos.csv"

const secondsPerYear = 365.2425 * 24 * 3600

type buckets struct {
	edges []float64
	names []string
}

func (b buckets) of(x float64) int {
	return sort.Search(len(b.edges), func(i int) bool { return x < b.edges[i] })
}

// AgeGapReport holds the age-gap mode's figures: each query against its person's enrolled (earliest)
// photo, by the years between the two and by the age at the enrolled photo.
type AgeGapReport struct {
	Gaps []Bucket `json:"gaps"`
	Ages []Bucket `json:"ages"`
}

// Bucket is the figures of the queries of one bucket. The genuine pairs are each query with its person's
// enrolled photo; the impostor pairs each query with every other person's.
type Bucket struct {
	Name         string           `json:"name"`
	Queries      int              `json:"queries"`
	CMC          CMC              `json:"cmc"`
	Genuine      Summary          `json:"genuine"` // Genuine.UnderThreshold is the TAR at the review threshold
	Impostors    int              `json:"impostors"`
	Verification []OperatingPoint `json:"verification"`
}

// ageGaps buckets the queries, whose ranks are set, by the gap to their person's enrolled photo and by the
// age at that photo, and sets each query's GapYears.
func ageGaps(samples []Sample, queries []*Sample, threshold float64, maxRank int) *AgeGapReport {
	enrolled := map[string]*Sample{}
	for i := range samples {
		if samples[i].Enrol {
			enrolled[samples[i].Person] = &samples[i]
		}
	}
	gaps := make([][]*Sample, len(gapBuckets.names))
	ages := make([][]*Sample, len(ageBuckets.names)+1) // the last: age unknown
	for _, q := range queries {
		e := enrolled[q.Person]
		gap := q.years - e.years
		q.GapYears = &gap
		gaps[gapBuckets.of(gap)] = append(gaps[gapBuckets.of(gap)], q)
		a := len(ageBuckets.names)
		if e.Age != nil {
			a = ageBuckets.of(*e.Age)
		}
		ages[a] = append(ages[a], q)
	}
	rep := &AgeGapReport{}
	for i, qs := range gaps {
		rep.Gaps = append(rep.Gaps, bucket(gapBuckets.names[i], qs, enrolled, threshold, maxRank))
	}
	for i, qs := range ages {
		if i < len(ageBuckets.names) {
			rep.Ages = append(rep.Ages, bucket(ageBuckets.names[i], qs, enrolled, threshold, maxRank))
		} else if len(qs) > 0 {
			rep.Ages = append(rep.Ages, bucket(ageUnknown, qs, enrolled, threshold, maxRank))
		}
	}
	return rep
}

func bucket(name string, qs []*Sample, enrolled map[string]*Sample, threshold float64, maxRank int) Bucket {
	var found []int
	var genuine, impostor []float64
	for _, q := range qs {
		found = append(found, q.Rank)
		for person, e := range enrolled {
			d := float64(q.Face.Distance(e.Face))
			if person == q.Person {
				genuine = append(genuine, d)
			} else {
				impostor = append(impostor, d)
			}
		}
	}
	b := Bucket{Name: name, Queries: len(qs), CMC: cmcOf(found, maxRank), Genuine: summarise(genuine, threshold),
		Impostors: len(impostor)}
	if len(genuine) > 0 {
		b.Verification = verification(genuine, impostor)
	}
	return b
}

// when is what a photo says of when it was taken.
type when struct {
	date    time.Time
	age     float64
	hasDate bool
	hasAge  bool
}

var (
	datePrefix = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
	agePrefix  = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)
)

func parseDate(s string) (time.Time, error) {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return d, childmatch.Errorf(childmatch.EInvalid, "date %q is not a day written yyyy-mm-dd", s)
	}
	return d, nil
}

func parseAge(s string) (float64, error) {
	a, err := strconv.ParseFloat(s, 64)
	if err != nil || !agePrefix.MatchString(s) {
		return 0, childmatch.Errorf(childmatch.EInvalid, "age %q is not a number of years such as 7 or 7.5", s)
	}
	if a > maxAge {
		return 0, childmatch.Errorf(childmatch.EInvalid, "age %q is over %d years (write a date as yyyy-mm-dd)", s, maxAge)
	}
	return a, nil
}

// prefixed reads the <yyyy-mm-dd>_ or <age>_ prefix of a file name, if it has one.
func prefixed(name string) (when, error) {
	pre, _, ok := strings.Cut(name, "_")
	var w when
	var err error
	switch {
	case !ok:
	case datePrefix.MatchString(pre):
		w.date, err = parseDate(pre)
		w.hasDate = err == nil
	case agePrefix.MatchString(pre):
		w.age, err = parseAge(pre)
		w.hasAge = err == nil
	}
	return w, err
}

// readPhotosCSV reads photos.csv beside the person folders, if there is one, keyed by sample path.
func readPhotosCSV(root string, samples []Sample) (map[string]when, error) {
	f, err := os.Open(filepath.Join(root, photosCSV))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.TrimLeadingSpace = true
	header, err := r.Read()
	if err != nil {
		return nil, childmatch.Errorf(childmatch.EInvalid, "%s: no header line: %v", photosCSV, err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	pathCol, okPath := col["path"]
	dateCol, okDate := col["date"]
	ageCol, okAge := col["age"]
	if !okPath || (!okDate && !okAge) {
		return nil, childmatch.Errorf(childmatch.EInvalid, "%s: the header must name a path column and a date or age column (or both), not %q",
			photosCSV, strings.Join(header, ","))
	}
	known := map[string]bool{}
	for _, s := range samples {
		known[filepath.ToSlash(s.Path)] = true
	}
	out := map[string]when{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, childmatch.Errorf(childmatch.EInvalid, "%s: %v", photosCSV, err)
		}
		line, _ := r.FieldPos(0)
		fail := func(err error) error {
			return childmatch.Errorf(childmatch.EInvalid, "%s line %d: %v", photosCSV, line, childmatch.ErrorMessage(err))
		}
		p := filepath.ToSlash(filepath.Clean(strings.TrimSpace(rec[pathCol])))
		if !known[p] {
			return nil, fail(childmatch.Errorf(childmatch.EInvalid, "%q is not a photo in a person folder", p))
		}
		if _, dup := out[p]; dup {
			return nil, fail(childmatch.Errorf(childmatch.EInvalid, "%q is listed a second time", p))
		}
		var w when
		if v := strings.TrimSpace(field(rec, dateCol, okDate)); v != "" {
			if w.date, err = parseDate(v); err != nil {
				return nil, fail(err)
			}
			w.hasDate = true
		}
		if v := strings.TrimSpace(field(rec, ageCol, okAge)); v != "" {
			if w.age, err = parseAge(v); err != nil {
				return nil, fail(err)
			}
			w.hasAge = true
		}
		out[p] = w
	}
}

func field(rec []string, i int, ok bool) string {
	if !ok {
		return ""
	}
	return rec[i]
}

// date gives every sample its place on its person's time line, and its age where it is given or follows
// from it, then sorts each person's samples earliest first (ties in name order). Within a person, a photo
// with both a date and an age fixes the birth date, so that dated photos and photos with only an age can
// be ordered together and a dated photo's age follows; without such a photo, all must have dates or all
// ages.
func date(root string, samples []Sample) error {
	given, err := readPhotosCSV(root, samples)
	if err != nil {
		return err
	}
	whens := make([]when, len(samples))
	for i, s := range samples {
		w, listed := given[filepath.ToSlash(s.Path)]
		if !listed {
			var err error
			if w, err = prefixed(filepath.Base(s.Path)); err != nil {
				return childmatch.Errorf(childmatch.EInvalid, "%s: file name prefix: %s, or list the photo in %s",
					s.Path, childmatch.ErrorMessage(err), photosCSV)
			}
		}
		if !w.hasDate && !w.hasAge {
			return childmatch.Errorf(childmatch.EInvalid, "%s: no date or age: give one in %s or as a <yyyy-mm-dd>_ or <age>_ prefix of the file name",
				s.Path, photosCSV)
		}
		whens[i] = w
	}
	for lo := 0; lo < len(samples); {
		hi := lo + 1
		for hi < len(samples) && samples[hi].Person == samples[lo].Person {
			hi++
		}
		if err := timeline(samples[lo:hi], whens[lo:hi]); err != nil {
			return err
		}
		lo = hi
	}
	sort.SliceStable(samples, func(i, j int) bool {
		if samples[i].Person != samples[j].Person {
			return samples[i].Person < samples[j].Person
		}
		return samples[i].years < samples[j].years
	})
	return nil
}

// timeline places one person's photos on a time line in years.
func timeline(ps []Sample, ws []when) error {
	var birth float64
	anchored, allDates, allAges := false, true, true
	for _, w := range ws {
		if w.hasDate && w.hasAge && !anchored {
			birth, anchored = years(w.date)-w.age, true
		}
		allDates = allDates && w.hasDate
		allAges = allAges && w.hasAge
	}
	for i, w := range ws {
		s := &ps[i]
		switch {
		case w.hasDate && (anchored || allDates):
			s.years = years(w.date)
		case w.hasAge && anchored:
			s.years = birth + w.age
		case allAges:
			s.years = w.age
		default:
			return childmatch.Errorf(childmatch.EInvalid, "%s: some photos have only a date and others only an age, and none has both, so their order is unknown",
				s.Person)
		}
		if w.hasDate {
			s.Date = w.date.Format(time.DateOnly)
		}
		switch {
		case w.hasAge:
			age := w.age
			s.Age = &age
		case anchored:
			age := s.years - birth
			s.Age = &age
		}
	}
	return nil
}

// years is a date's place on the time line.
func years(t time.Time) float64 { return float64(t.Unix()) / secondsPerYear }
