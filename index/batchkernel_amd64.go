package index

import "golang.org/x/sys/cpu"

// useVNNI selects the AVX-512 VNNI batch kernel where the CPU has it (VPDPBUSD on 256-bit registers needs
// AVX512VL too); like useAVX2, a variable so the tests can compare every kernel.
var useVNNI = cpu.X86.HasAVX512VNNI && cpu.X86.HasAVX512VL

// dotsAsm is dotsGo over pairs pairs of rows (2·pairs rows), multiplying with AVX-512 VNNI when vnni is
// set and with AVX2 otherwise. Implemented in batchkernel_amd64.s.
//
//go:noescape
func dotsAsm(grp *qgroup, codes *int8, norms *int32, pairs int, out *int32, skip *uint8, vnni bool)

// dots fills out and skip for the rows of codes (len(norms) rows, an even number), as dotsGo.
func dots(g *qgroup, codes []int8, norms []int32, out []int32, skip []uint8) {
	if !useAVX2 || len(norms) < 2 {
		dotsGo(g, codes, norms, out, skip)
		return
	}
	dotsAsm(g, &codes[0], &norms[0], len(norms)/2, &out[0], &skip[0], useVNNI)
}
