package index

// The batch kernel: the first pass of batchQ queries over a block of rows at once, two rows by four
// queries per step, so that each row's codes are loaded once for four queries while eight accumulators
// take the products. Its queries are coded at half resolution, h_j = clamp(round((q_j - m_j)/(2·codeScale)),
// -64, 64) (q̂ = m + 2·codeScale·h, with its own error bound e_q, so quant.go's proof holds unchanged with
// D = Σ(2h_j - c_j)²), because that is what lets VPMADDUBSW multiply 32 byte pairs at a time: it takes one
// side unsigned, the row's c+128 in 0..255, and sums adjacent products into words without saturating
// (|255·64 + 255·64| = 32,640 < 32,767). Then
//
//	D = Σ(2h - c)² = (4Σh² + 512Σh) - 4·Σh(c+128) + Σc²
//
// with Σc² stored per row (Index.norms) and the first term per query. Every term is an exact int32
// (|Σh(c+128)| ≤ 128·64·255), so D is the integer the proof needs, to the unit.

// batchQ is how many queries one pass of the batch kernel handles.
const batchQ = 4

// halfBound is the largest half-resolution query code.
const halfBound = 64

// qgroup is one pass's queries as the kernel reads them: their half-resolution codes, 4Σh² + 512Σh of
// each, and each one's limit for the block; the last two repeated for the two rows of a step (lanes 0-3
// row 0, 4-7 row 1). The assembly reads norms at offset 512 and limit at 544.
type qgroup struct {
	code  [batchQ][codeLen]int8
	norms [2 * batchQ]int32
	limit [2 * batchQ]int32
}

// set puts query q of the group in place: its code and its constant term.
func (g *qgroup) set(q int, code *[codeLen]int8) {
	g.code[q] = *code
	var sq, sum int32
	for _, h := range code {
		sq += int32(h) * int32(h)
		sum += int32(h)
	}
	g.norms[q], g.norms[q+batchQ] = 4*sq+512*sum, 4*sq+512*sum
}

// setLimit sets query q's limit for the next block.
func (g *qgroup) setLimit(q int, limit int32) { g.limit[q], g.limit[q+batchQ] = limit, limit }

// dotsGo is the reference batch kernel over n rows (n even): out[8p+4r+q] is D of row 2p+r against query
// q, and bit 4r+q of skip[p] is set when that D exceeds the query's limit.
func dotsGo(g *qgroup, codes []int8, norms []int32, out []int32, skip []uint8) {
	for p := range len(norms) / 2 {
		var m uint8
		for r := range 2 {
			row := codes[(2*p+r)*codeLen : (2*p+r+1)*codeLen : (2*p+r+1)*codeLen]
			for q := range batchQ {
				var dot int32
				for j, c := range row {
					dot += int32(g.code[q][j]) * (int32(c) + 128)
				}
				d := g.norms[q] - 4*dot + norms[2*p+r]
				out[8*p+4*r+q] = d
				if d > g.limit[q] {
					m |= 1 << (4*r + q)
				}
			}
		}
		skip[p] = m
	}
}

// halfD is D of one row against a half-resolution query code, Σ(2h_j - c_j)², directly.
func halfD(h *[codeLen]int8, row []int8) int32 {
	var s int32
	for j, c := range row[:codeLen] {
		d := 2*int32(h[j]) - int32(c)
		s += d * d
	}
	return s
}

// codeNorm is Σc² of a row's code.
func codeNorm(code []int8) int32 {
	var s int32
	for _, c := range code {
		s += int32(c) * int32(c)
	}
	return s
}
