//go:build !amd64

package index

// useAVX2 is false where there is no assembly kernel.
var useAVX2 = false

// l2Codes fills out with the first-pass distances of the rows in codes (len(out) rows).
func l2Codes(q *[codeLen]int8, _ *[codeLen]int16, codes []int8, out []int32) {
	l2CodesGo(q, codes, out)
}
