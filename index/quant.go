package index

import (
	"math"

	"childmatch"
)

// The first pass and why it is exact.
//
// Every row keeps, beside its float32 descriptor x, a code c: one signed byte per component of x relative
// to the centre m = childmatch.DescriptorMean, c_j = clamp(round((x_j - m_j)/codeScale), -127, 127), so
// x̂ = m + codeScale·c approximates x. The row also keeps an upper bound on its own quantisation error,
// e_x >= |x - x̂| (Euclidean), stored as a byte b in units of errUnit (e_x = b·errUnit), or b = errUnbounded
// when the error is larger than 254 units (components clamped, or descriptors not shaped like dlib's); such
// rows are always computed exactly. The query is coded the same way, with error e_q >= |q - q̂| computed
// in float64 and rounded up.
//
// The triangle inequality gives, for real numbers,
//
//	|q - x| >= |q̂ - x̂| - |q - q̂| - |x - x̂| >= codeScale·sqrt(D) - e_q - e_x            (1)
//
// (the centre cancels in q̂ - x̂ = codeScale·(c_q - c), so it changes no distance, only which codes
// clamp), where D = Σ(cq_j - c_j)² is computed exactly in int32 (at most 128·254² = 8,258,048). So
// LB = codeScale·sqrt(D) - e_q - e_x is a lower bound on the true distance of the row.
//
// The scan keeps the best k cases found so far; its worst kept squared distance w (computed by the
// same float32 SquaredDistance as the plain scan) is the bar a row must meet to enter. A row is skipped,
// without computing its float32 distance, only when LB > sqrt(w)·(1+relSlack) + absSlack. Then the true
// distance exceeds sqrt(w)(1+relSlack), so the float32 distance the plain scan would compute, which is
// within a relative 128·2⁻²⁴ ≈ 7.6e-6 of the true square (and relSlack covers twice that), is strictly
// greater than w: the plain scan would not have let the row in either, because it admits a row only
// when its distance is below w or equal to it (the id tie-break). As w only decreases during a scan, a
// row rejected against an earlier w is also rejected against the final one, and a case whose best row
// is skipped cannot be in the answer through that row. Every row that is not skipped goes through
// exactly the plain scan's code. Hence the answer equals the plain exact scan's, ids and distances, for
// every data set, filter and k; the property tests check it on random, tied, duplicated, all-equal,
// clamped and adversarial sets.
//
// To keep the per-row test an integer comparison, the bound is turned around: for each error byte b the
// scan precomputes limit[b] = the largest integer D for which the row may still enter,
// floor(((sqrt(w)(1+relSlack) + absSlack + e_q + b·errUnit) / codeScale)²), recomputed in float64 each time
// w changes (about k·ln(n/k) times in a scan), and skips the row when D > limit[b].

const (
	// codeScale maps a component, relative to the centre, to its code. dlib's descriptors lie around a
	// mean of norm 1.33 and spread little around it (shape.go): components of the shared set's 95 faces
	// reach ±0.54 but lie within ±0.22 of the mean (±0.225 when each person's own photos are left out of
	// the mean), and the most spread component has a standard deviation of 0.084. ±127 codes cover ±0.30
	// around the centre, a third more than any real face needs and 3.6 standard deviations of the widest
	// component, so a synthetic face clamps a few times in a million (6 of 1M); the rounding error is at
	// most codeScale/2 = 0.0012 per component, about 0.008 for a whole row.
	codeScale = 0.30 / 127
	// errUnit is the unit of a row's stored error bound: 254 units cover an error of 0.1, ten times
	// the typical one, so only rows with clamped components or foreign shapes fall back to exact.
	errUnit      = 0.1 / 254
	errUnbounded = 255
	// relSlack and absSlack cover float32 rounding in the plain scan's distances (see above).
	relSlack = 1e-4
	absSlack = 1e-6
)

// quantise codes d and returns the code and an upper bound on |d - (DescriptorMean + codeScale·code)| in float64.
func quantise(d *childmatch.Descriptor, code []int8) float64 {
	return quantiseStep(d, code, codeScale, 127)
}

// quantiseStep codes d in steps of step, clamped to ±bound, and returns an upper bound on
// |d - (DescriptorMean + step·code)| in float64.
func quantiseStep(d *childmatch.Descriptor, code []int8, step, bound float64) float64 {
	var e float64
	for j, v := range d {
		// Exact in float64 for components of ordinary size, otherwise within 1e-16, far inside absSlack.
		x := float64(v) - float64(childmatch.DescriptorMean[j])
		c := math.Round(x / step)
		c = max(-bound, min(bound, c))
		code[j] = int8(c)
		diff := x - c*step
		e += diff * diff
	}
	// float64 rounding in the sum and the square root is below 1e-15 relative; the factor covers it.
	return math.Sqrt(e) * (1 + 1e-9)
}

// errByte stores an error bound as units of errUnit, rounded up, or errUnbounded.
func errByte(e float64) uint8 {
	b := math.Ceil(e / errUnit)
	if b > errUnbounded-1 || math.IsNaN(b) {
		return errUnbounded
	}
	return uint8(b)
}

// query is a search's query in the forms the scan needs.
type query struct {
	d    *childmatch.Descriptor
	code [codeLen]int8
	wide [codeLen]int16 // code sign-extended, for the assembly kernel
	err  float64        // e_q
}

// newHalfQuery codes d for the batch kernel (batchkernel.go): code holds the half-resolution code h
// (q̂ = m + 2·codeScale·h) and err its error; wide is unused.
func newHalfQuery(d *childmatch.Descriptor) *query {
	q := &query{d: d}
	q.err = quantiseStep(d, q.code[:], 2*codeScale, halfBound)
	return q
}

func newQuery(d *childmatch.Descriptor) *query {
	q := &query{d: d}
	q.err = quantise(d, q.code[:])
	for j, c := range q.code {
		q.wide[j] = int16(c)
	}
	return q
}

// limits is limit[b] for every error byte b; see the comment at the top of this file.
type limits [256]int32

// open admits every row: the scan has not yet kept k cases.
func (l *limits) open() {
	for b := range l {
		l[b] = math.MaxInt32
	}
}

// set computes the limits for the worst kept squared distance w.
func (l *limits) set(w float32, q *query) {
	r := reach(w, q)
	for b := range l {
		l[b] = limitAt(r, uint8(b))
	}
}

// reach is the distance, in the descriptor's units, that a row's lower bound may reach and still enter
// against the worst kept squared distance w, before the row's own error: sqrt(w)(1+relSlack) + absSlack + e_q.
func reach(w float32, q *query) float64 {
	return math.Sqrt(float64(w))*(1+relSlack) + absSlack + q.err
}

// limitAt is limit[b] for the reach r.
func limitAt(r float64, b uint8) int32 {
	if b == errUnbounded {
		return math.MaxInt32
	}
	x := (r + float64(b)*errUnit) / codeScale
	return int32(min(math.Floor(x*x), math.MaxInt32))
}
