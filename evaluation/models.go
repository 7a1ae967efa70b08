package evaluation

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"childmatch"
)

// Fusion is the name of the fused scores among the models' figures.
const Fusion = "fusion"

// ModelReport is one face model's figures, or the fusion's, on the same photos, queries and pairs as the
// report: each person's enrolled photos against the queries, a case ranking by its nearest enrolled photo
// (the best-pair strategy), and every pair of detected photos. Scores are Euclidean distances (of unit
// vectors for a cosine model, so they rank as cosine does); the fusion's are z-scores (below).
type ModelReport struct {
	Model        string           `json:"model"`
	Dim          int              `json:"dim"`
	CMC          CMC              `json:"cmc"`
	Genuine      Summary          `json:"genuine"`
	Impostor     Summary          `json:"impostor"`
	Verification []OperatingPoint `json:"verification"`
}

// models measures every model the samples carry vectors of, dlib's first, and, with more than one, the
// fusion of their scores: each model's distance as a z-score against its own impostor pairs (minus their
// mean, over their standard deviation), averaged over the models. A z-score puts models of different
// scales on one: how far below a typical stranger's distance the pair lies. The fusion needs no weights;
// a deployment with confirmed pairs could fit them, this does not.
func models(samples []Sample, maxRank int) []ModelReport {
	var idx []int // the samples with a face
	for i := range samples {
		if samples[i].Face != nil {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		return nil
	}
	names := []string{childmatch.DlibModel}
	for name := range samples[idx[0]].vectors {
		if name != childmatch.DlibModel {
			names = append(names, name)
		}
	}
	sort.Strings(names[1:])
	if len(names) < 2 {
		return nil
	}
	n := len(idx)
	// dist[m][a*n+b] is model m's score between the a-th and b-th detected samples.
	dist := make([][]float64, len(names))
	var out []ModelReport
	impostors := make([][]float64, len(names))
	for m, name := range names {
		dist[m] = make([]float64, n*n)
		for a := range idx {
			for b := a + 1; b < n; b++ {
				d := math.Sqrt(float64(squaredDistance(samples[idx[a]].vectors[name], samples[idx[b]].vectors[name])))
				dist[m][a*n+b], dist[m][b*n+a] = d, d
			}
		}
		rep, imp := measure(name, len(samples[idx[0]].vectors[name]), samples, idx, dist[m], maxRank)
		out, impostors[m] = append(out, rep), imp
	}
	fused := make([]float64, n*n)
	for m := range names {
		mean, sd := meanSD(impostors[m])
		for i, d := range dist[m] {
			fused[i] += (d - mean) / max(sd, 1e-12) / float64(len(names))
		}
	}
	rep, _ := measure(Fusion, 0, samples, idx, fused, maxRank)
	return append(out, rep)
}

// measure ranks the queries and splits the pairs by the scores dist over the detected samples idx; it
// returns the impostor scores too.
func measure(name string, dim int, samples []Sample, idx []int, dist []float64, maxRank int) (ModelReport, []float64) {
	n := len(idx)
	var genuine, impostor []float64
	for a := range idx {
		for b := a + 1; b < n; b++ {
			if samples[idx[a]].Person == samples[idx[b]].Person {
				genuine = append(genuine, dist[a*n+b])
			} else {
				impostor = append(impostor, dist[a*n+b])
			}
		}
	}
	var found []int
	for a, i := range idx {
		q := &samples[i]
		if q.Enrol {
			continue
		}
		// Each person's nearest enrolled photo to the query.
		best := map[string]float64{}
		for b, j := range idx {
			if e := &samples[j]; e.Enrol {
				if d, ok := best[e.Person]; !ok || dist[a*n+b] < d {
					best[e.Person] = dist[a*n+b]
				}
			}
		}
		own, ok := best[q.Person]
		if !ok {
			continue // the query's person has no enrolled photo
		}
		rank := 1
		for person, d := range best {
			if person != q.Person && d < own {
				rank++
			}
		}
		if rank > maxRank {
			rank = 0
		}
		found = append(found, rank)
	}
	return ModelReport{Model: name, Dim: dim, CMC: cmcOf(found, maxRank), Genuine: summarise(genuine, 0),
		Impostor: summarise(impostor, 0), Verification: verification(genuine, impostor)}, impostor
}

func squaredDistance(a, b []float32) float32 {
	var s float32
	for i := range a {
		d := a[i] - b[i]
		s += d * d
	}
	return s
}

func meanSD(xs []float64) (float64, float64) {
	var sum, sq float64
	for _, x := range xs {
		sum += x
	}
	mean := sum / float64(max(1, len(xs)))
	for _, x := range xs {
		sq += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(sq / float64(max(1, len(xs))))
}

// modelsTable renders the models side by side.
func (r *Report) modelsTable(b *strings.Builder) {
	fmt.Fprintf(b, "\n| model | dim | rank-1 | rank-5 | rank-10 | TAR at FAR 1%% | TAR at FAR 0.1%% | genuine score median | impostor score median |\n")
	fmt.Fprintf(b, "|---|---|---|---|---|---|---|---|---|\n")
	for _, m := range r.Models {
		dim := "–"
		if m.Dim > 0 {
			dim = fmt.Sprint(m.Dim)
		}
		fmt.Fprintf(b, "| %s | %s | %.1f%% | %.1f%% | %.1f%% |", m.Model, dim, 100*m.CMC.Rank(1), 100*m.CMC.Rank(5), 100*m.CMC.Rank(10))
		for _, op := range m.Verification {
			fmt.Fprintf(b, " %.1f%% |", 100*op.TAR)
		}
		for range 2 - len(m.Verification) {
			fmt.Fprintf(b, " – |")
		}
		fmt.Fprintf(b, " %.3f | %.3f |\n", m.Genuine.Median, m.Impostor.Median)
	}
}
