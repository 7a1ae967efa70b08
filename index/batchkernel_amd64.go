package index

// dotsAVX2 is dotsGo over pairs pairs of rows (2·pairs rows). Implemented in batchkernel_amd64.s.
//
//go:noescape
func dotsAVX2(grp *qgroup, codes *int8, norms *int32, pairs int, out *int32, skip *uint8)

// dots fills out and skip for the rows of codes (len(norms) rows, an even number), as dotsGo.
func dots(g *qgroup, codes []int8, norms []int32, out []int32, skip []uint8) {
	if !useAVX2 || len(norms) < 2 {
		dotsGo(g, codes, norms, out, skip)
		return
	}
	dotsAVX2(g, &codes[0], &norms[0], len(norms)/2, &out[0], &skip[0])
}
