package evaluation_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"childmatch"
	"childmatch/evaluation"
	"childmatch/fixtures"
	"childmatch/index"
	"childmatch/matcher"
)

// The buckets issue 15 asks for, in years, as upper edges: the age-gap buckets under 1, 1–3, 3–6 and 6
// and over; the age at the first photo under 6, 6–12, 12–18 and adult, then age unknown.
var (
	wantGapEdges = []float64{1, 3, 6, math.Inf(1)}
	wantAgeEdges = []float64{6, 12, 18, math.Inf(1)}
)

func bucketOf(edges []float64, x float64) int {
	for i, e := range edges {
		if x < e {
			return i
		}
	}
	panic("no bucket")
}

// truth is what the layout says of one photo: its time line in years (dates or ages) and, when known,
// the age it was taken at.
type truth struct {
	years float64
	age   float64
	known bool // the age is known
}

// ageGapLayout lays the shared photos out as an age-gap set in dir, linking to the photos: every other
// two-photo person goes to dir/_distractors, the others are person folders dated three ways in turn:
// <yyyy-mm-dd>_ name prefixes (no age), <age>_ name prefixes, or photos.csv giving every photo's date and
// one later photo's age. A person's earliest photo is not always the first by name; the first photos are
// taken just under and just over each age edge in turn, and the later ones just under and over each gap
// edge after it, so that every bucket has queries and a misplaced edge moves some. It returns the truth
// per photo path relative to dir.
func ageGapLayout(t *testing.T, dir string) map[string]truth {
	t.Helper()
	faces := fixtures.FacesDir(t)
	people := fixtures.People(t)
	names := make([]string, 0, len(people))
	for n := range people {
		names = append(names, n)
	}
	sort.Strings(names)
	link := func(rel, src string) {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, rel)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(filepath.Join(faces, src), filepath.Join(dir, rel)); err != nil {
			t.Fatal(err)
		}
	}
	csv := []string{"path,date,age"}
	out := map[string]truth{}
	twos, p := 0, 0
	for _, name := range names {
		photos := people[name]
		if len(photos) == 2 {
			if twos++; twos%2 == 1 {
				for _, ph := range photos {
					link(filepath.Join("_distractors", ph), ph)
				}
				continue
			}
		}
		first := []float64{5.9, 6.1, 11.9, 12.1, 17.9, 18.1}[(p/2)%6]
		born := time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 37*p)
		var birth float64 // for photos.csv: where the time line of dates puts the birth, by the one given age
		var rels []string
		for k, ph := range photos {
			r := (k + p) % len(photos) // 0: the earliest
			age := first
			if r > 0 {
				age += []float64{0.5, 0.95, 1.05, 2.95, 3.05, 5.95, 6.05, 9}[(p+r)%8] + 0.001*float64(r)
			}
			age = math.Round(age*100) / 100
			ageText := strconv.FormatFloat(age, 'f', -1, 64)
			day := born.AddDate(0, 0, int(math.Round(age*365.2425)))
			years := float64(day.Unix()) / (365.2425 * 24 * 3600)
			rel := filepath.Join(name, filepath.Base(ph))
			switch p % 3 {
			case 0:
				rel = filepath.Join(name, day.Format(time.DateOnly)+"_"+filepath.Base(ph))
				out[rel] = truth{years: years}
			case 1:
				rel = filepath.Join(name, ageText+"_"+filepath.Base(ph))
				out[rel] = truth{years: age, age: age, known: true}
			case 2:
				if r != 1 {
					ageText = ""
				} else {
					birth = years - age
				}
				csv = append(csv, fmt.Sprintf("%s,%s,%s", filepath.ToSlash(rel), day.Format(time.DateOnly), ageText))
				out[rel] = truth{years: years}
			}
			link(rel, ph)
			rels = append(rels, rel)
		}
		for _, rel := range rels {
			if p%3 == 2 {
				out[rel] = truth{years: out[rel].years, age: out[rel].years - birth, known: true}
			}
		}
		p++
	}
	if err := os.WriteFile(filepath.Join(dir, "photos.csv"), []byte(strings.Join(csv, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestAgeGapOnSharedPhotos runs the age-gap mode and the gallery sizes on a layout of the shared photos
// and recomputes every bucket's figures and every gallery point's ranks, independently, from the layout's
// own dates and ages and the raw descriptors. CHILDMATCH_AGEGAP_LAYOUT=<dir> keeps the layout there (for
// `childmatch eval --age-gap --data <dir> --distractors <dir>/_distractors`).
func TestAgeGapOnSharedPhotos(t *testing.T) {
	dir := os.Getenv("CHILDMATCH_AGEGAP_LAYOUT")
	if dir == "" {
		dir = t.TempDir()
	}
	layout := ageGapLayout(t, dir)
	limits := childmatch.DefaultLimits(2)
	m, err := matcher.New(matcher.Config{ModelsDir: fixtures.ModelsDir(t), Limits: limits})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	const seed = 7
	sizes := []int{10000, 2000}
	rep, err := evaluation.Run(context.Background(), m, index.New(), evaluation.Config{Data: dir, MaxRank: 10,
		Threshold: limits.ReviewThreshold, AgeGap: true, Distractors: filepath.Join(dir, "_distractors"), Gallery: sizes, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Photos != len(layout) {
		t.Fatalf("report has %d photos, the layout %d", rep.Photos, len(layout))
	}

	// The enrolled photo of each person is its earliest detected one.
	earliest := map[string]evaluation.Sample{}
	for _, s := range rep.Samples {
		if e, ok := earliest[s.Person]; s.Face != nil && (!ok || layout[s.Path].years < layout[e.Path].years) {
			earliest[s.Person] = s
		}
	}
	for _, s := range rep.Samples {
		if s.Enrol != (s.Face != nil && earliest[s.Person].Path == s.Path) {
			t.Errorf("%s: enrolled %v, but the earliest detected photo of %s is %s", s.Path, s.Enrol, s.Person, earliest[s.Person].Path)
		}
	}

	// Each query in its buckets, by the layout's truth.
	type figures struct {
		queries          int
		within           [10]int
		genuine, imposts []float64
	}
	gaps := make([]figures, len(wantGapEdges))
	ages := make([]figures, len(wantAgeEdges)+1)
	var queries []evaluation.Sample
	for _, s := range rep.Samples {
		if s.Enrol || s.Face == nil {
			continue
		}
		queries = append(queries, s)
		e := earliest[s.Person]
		gap := layout[s.Path].years - layout[e.Path].years
		if s.GapYears == nil || math.Abs(*s.GapYears-gap) > 1e-6 {
			t.Errorf("%s: report gap %v, layout %.6f years", s.Path, s.GapYears, gap)
		}
		a := len(wantAgeEdges)
		if tr := layout[e.Path]; tr.known {
			a = bucketOf(wantAgeEdges, tr.age)
		}
		rank, _ := recomputedRank(rep.Samples, s, nil)
		if rank != s.Rank {
			t.Errorf("%s: report rank %d, recomputed %d", s.Path, s.Rank, rank)
		}
		for _, f := range []*figures{&gaps[bucketOf(wantGapEdges, gap)], &ages[a]} {
			f.queries++
			for k := rank; rank > 0 && k <= 10; k++ {
				f.within[k-1]++
			}
			for _, g := range rep.Samples {
				if !g.Enrol {
					continue
				}
				d := float64(s.Face.Distance(g.Face))
				if g.Person == s.Person {
					f.genuine = append(f.genuine, d)
				} else {
					f.imposts = append(f.imposts, d)
				}
			}
		}
	}
	if len(queries) != rep.Queries {
		t.Errorf("queries: report %d, recomputed %d", rep.Queries, len(queries))
	}
	check := func(what string, b evaluation.Bucket, f figures) {
		if f.queries == 0 {
			t.Errorf("%s: the layout puts no query in it", what)
		}
		if b.Queries != f.queries || b.Impostors != len(f.imposts) || b.Genuine.N != len(f.genuine) {
			t.Errorf("%s: report %d queries, %d genuine and %d impostor pairs; recomputed %d, %d and %d",
				what, b.Queries, b.Genuine.N, b.Impostors, f.queries, len(f.genuine), len(f.imposts))
			return
		}
		for k := 1; k <= 10; k++ {
			if want := float64(f.within[k-1]) / float64(f.queries); math.Abs(b.CMC.Rank(k)-want) > 1e-12 {
				t.Errorf("%s: rank-%d report %.4f, recomputed %.4f", what, k, b.CMC.Rank(k), want)
			}
		}
		if got := rate(f.genuine, float64(limits.ReviewThreshold)); math.Abs(got-b.Genuine.UnderThreshold) > 1e-12 {
			t.Errorf("%s: TAR at the review threshold: report %.4f, recomputed %.4f", what, b.Genuine.UnderThreshold, got)
		}
		// The median splits the genuine distances in halves; at least 90% lie at or under p90, fewer under.
		below, atMost := 0, 0
		for _, d := range f.genuine {
			if d < b.Genuine.Median {
				below++
			}
			if d <= b.Genuine.Median {
				atMost++
			}
		}
		if 2*below > len(f.genuine) || 2*atMost < len(f.genuine) {
			t.Errorf("%s: median %.4f has %d under and %d at most of %d", what, b.Genuine.Median, below, atMost, len(f.genuine))
		}
		if under := 1 - rate(f.genuine, math.Nextafter(b.Genuine.P90, math.Inf(1))); under > 0.1+1e-12 || rate(f.genuine, b.Genuine.P90) >= 0.9 {
			t.Errorf("%s: p90 %.4f is not the nearest-rank 90th percentile", what, b.Genuine.P90)
		}
		if len(b.Verification) != 2 {
			t.Errorf("%s: %d operating points, want FAR 1%% and 0.1%%", what, len(b.Verification))
		}
		checkVerification(t, what+": ", b.Verification, f.genuine, f.imposts)
	}
	if len(rep.AgeGap.Gaps) != len(wantGapEdges) || len(rep.AgeGap.Ages) != len(wantAgeEdges)+1 {
		t.Fatalf("report has %d gap and %d age buckets, want %d and %d", len(rep.AgeGap.Gaps), len(rep.AgeGap.Ages),
			len(wantGapEdges), len(wantAgeEdges)+1)
	}
	for i, b := range rep.AgeGap.Gaps {
		check("gap bucket "+b.Name, b, gaps[i])
	}
	for i, b := range rep.AgeGap.Ages {
		check("age bucket "+b.Name, b, ages[i])
	}

	// Gallery sizes: the registered people, then every face of the distractor photos, then the synthetic
	// faces drawn in order from the report's seed.
	var extra []childmatch.Descriptor
	err = filepath.WalkDir(filepath.Join(dir, "_distractors"), func(path string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		a, err := m.Analyze(context.Background(), fixtures.Photo(t, strings.TrimPrefix(path, filepath.Join(dir, "_distractors")+"/")))
		if err != nil {
			return err
		}
		for _, f := range a.Faces {
			extra = append(extra, f.Descriptor)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	people := len(earliest)
	want := []evaluation.GalleryPoint{{Cases: people}, {Cases: people + len(extra), Distractors: len(extra)}}
	sort.Ints(sizes)
	for _, n := range sizes {
		want = append(want, evaluation.GalleryPoint{Cases: n, Distractors: len(extra), Synthetic: n - people - len(extra)})
	}
	if len(rep.Gallery.Points) != len(want) {
		t.Fatalf("gallery: %d points, want %d", len(rep.Gallery.Points), len(want))
	}
	r := rand.New(rand.NewPCG(seed, seed))
	for i, pt := range rep.Gallery.Points {
		w := want[i]
		if pt.Cases != w.Cases || pt.Distractors != w.Distractors || pt.Synthetic != w.Synthetic {
			t.Errorf("gallery point %d: %d cases (%d distractor, %d synthetic faces), want %d (%d, %d)", i,
				pt.Cases, pt.Distractors, pt.Synthetic, w.Cases, w.Distractors, w.Synthetic)
		}
		for len(extra) < w.Distractors+w.Synthetic {
			extra = append(extra, evaluation.SyntheticDescriptor(r))
		}
		others := extra[:w.Distractors+w.Synthetic]
		var within [10]int
		var nearest []float64 // per query, the nearest case of someone else
		for _, q := range queries {
			rank, _ := recomputedRank(rep.Samples, q, others)
			for k := rank; rank > 0 && k <= 10; k++ {
				within[k-1]++
			}
			near := math.Inf(1)
			for _, g := range rep.Samples {
				if g.Enrol && g.Person != q.Person {
					near = min(near, float64(q.Face.Distance(g.Face)))
				}
			}
			for j := range others {
				near = min(near, float64(q.Face.Distance(&others[j])))
			}
			nearest = append(nearest, near)
		}
		sort.Float64s(nearest)
		if n := pt.NearestOther; n.N != len(queries) || math.Abs(n.Min-nearest[0]) > 1e-5 ||
			math.Abs(n.Max-nearest[len(nearest)-1]) > 1e-5 ||
			math.Abs(n.UnderThreshold-rate(nearest, float64(limits.ReviewThreshold))) > 1e-12 {
			t.Errorf("gallery of %d: nearest other case n=%d min %.4f max %.4f, %.4f under the threshold; recomputed n=%d min %.4f max %.4f, %.4f",
				pt.Cases, n.N, n.Min, n.Max, n.UnderThreshold, len(queries), nearest[0], nearest[len(nearest)-1],
				rate(nearest, float64(limits.ReviewThreshold)))
		}
		for k := 1; k <= 10; k++ {
			if got, want := pt.CMC.Rank(k), float64(within[k-1])/float64(len(queries)); math.Abs(got-want) > 1e-12 {
				t.Errorf("gallery of %d: rank-%d report %.4f, recomputed %.4f", pt.Cases, k, got, want)
			}
		}
	}

	t.Logf("\n%s", rep.Markdown())
	if err := rep.Write(t.TempDir()); err != nil {
		t.Fatal(err)
	}
}

// TestAgeGapRefusesBadDates: a photo the age-gap mode cannot place in time is refused, naming it, before
// any photo is analysed.
func TestAgeGapRefusesBadDates(t *testing.T) {
	photos := fixtures.Folder(t, "obama")
	cases := []struct {
		name  string
		files []string // layout file names of obama's first photos, in the folder "p"
		csv   string
		cfg   evaluation.Config
		want  string // in the message
	}{
		{"no date or age", []string{"2001-02-03_a.jpg", "b.jpg"}, "", evaluation.Config{}, "p/b.jpg: no date or age"},
		{"not a day", []string{"2001-02-30_a.jpg"}, "", evaluation.Config{}, `"2001-02-30" is not a day`},
		{"a year as an age", []string{"2001_a.jpg"}, "", evaluation.Config{}, `age "2001" is over 120 years`},
		{"mixed without a link", []string{"2001-02-03_a.jpg", "7_b.jpg"}, "", evaluation.Config{}, "p: some photos have only a date"},
		{"csv of an unknown photo", []string{"a.jpg"}, "path,date\np/x.jpg,2001-02-03\n", evaluation.Config{}, `photos.csv line 2: "p/x.jpg" is not a photo`},
		{"csv listing a photo twice", []string{"a.jpg"}, "path,age\np/a.jpg,3\np/a.jpg,4\n", evaluation.Config{}, `photos.csv line 3: "p/a.jpg" is listed a second time`},
		{"csv without a date or age column", []string{"a.jpg"}, "path,when\np/a.jpg,3\n", evaluation.Config{}, "must name a path column and a date or age column"},
		{"csv age not a number", []string{"a.jpg"}, "path,age\np/a.jpg,three\n", evaluation.Config{}, `photos.csv line 2: age "three" is not a number`},
		{"several enrolled", []string{"3_a.jpg"}, "", evaluation.Config{Enrol: 2}, "enrol: the age-gap mode enrols each person's earliest photo only"},
		{"gallery size not positive", []string{"3_a.jpg"}, "", evaluation.Config{Gallery: []int{0}}, "gallery: a gallery size is a number of cases"},
		{"distractors not a folder", []string{"3_a.jpg"}, "", evaluation.Config{Distractors: "/nonexistent"}, "distractors: /nonexistent is not a folder"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.Mkdir(filepath.Join(dir, "p"), 0o755); err != nil {
				t.Fatal(err)
			}
			for i, f := range c.files {
				if err := os.Symlink(filepath.Join(fixtures.FacesDir(t), photos[i]), filepath.Join(dir, "p", f)); err != nil {
					t.Fatal(err)
				}
			}
			if c.csv != "" {
				if err := os.WriteFile(filepath.Join(dir, "photos.csv"), []byte(c.csv), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			cfg := c.cfg
			cfg.Data, cfg.AgeGap = dir, true
			_, err := evaluation.Run(context.Background(), nil, index.New(), cfg) // refused before any analysis
			var e *childmatch.Error
			if !errors.As(err, &e) || e.Code != childmatch.EInvalid || !strings.Contains(e.Message, c.want) {
				t.Fatalf("error %v, want an invalid-input error saying %q", err, c.want)
			}
		})
	}
}
