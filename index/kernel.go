package index

import "childmatch"

// codeLen is the length of a row's first-pass code: one signed byte per descriptor component.
const codeLen = childmatch.DescriptorLen

// l2CodesGo is the reference first-pass kernel: out[i] is the squared Euclidean distance between the
// query code q and row i of codes, in integer code units. It is exact: a component difference is at
// most 254, a square at most 64516, and 128 of them at most 8,258,048, far inside int32.
func l2CodesGo(q *[codeLen]int8, codes []int8, out []int32) {
	for i := range out {
		row := codes[i*codeLen : (i+1)*codeLen : (i+1)*codeLen]
		var s0, s1 int32
		for j := 0; j < codeLen; j += 2 {
			d0 := int32(q[j]) - int32(row[j])
			d1 := int32(q[j+1]) - int32(row[j+1])
			s0 += d0 * d0
			s1 += d1 * d1
		}
		out[i] = s0 + s1
	}
}
