package index

import "golang.org/x/sys/cpu"

// useAVX2 selects the assembly kernel; it is a variable so the tests can compare both kernels.
var useAVX2 = cpu.X86.HasAVX2

// l2Codes4AVX2 computes the first-pass distances of n rows (n a multiple of 4) four at a time: each
// component is sign-extended to 16 bits, subtracted from the query's, squared and summed in pairs by
// VPMADDWD, and the four rows' sums are reduced together. Implemented in kernel_amd64.s.
//
//go:noescape
func l2Codes4AVX2(q *[codeLen]int16, codes *int8, n int, out *int32)

// l2Codes fills out with the first-pass distances of the rows in codes (len(out) rows).
func l2Codes(q *[codeLen]int8, q16 *[codeLen]int16, codes []int8, out []int32) {
	n := len(out)
	if !useAVX2 || n < 4 {
		l2CodesGo(q, codes, out)
		return
	}
	head := n &^ 3
	l2Codes4AVX2(q16, &codes[0], head, &out[0])
	if head < n {
		l2CodesGo(q, codes[head*codeLen:], out[head:])
	}
}
