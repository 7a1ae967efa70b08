//go:build !amd64

package index

// useVNNI is false where there is no assembly kernel.
var useVNNI = false

// dots fills out and skip for the rows of codes (len(norms) rows, an even number), as dotsGo.
func dots(g *qgroup, codes []int8, norms []int32, out []int32, skip []uint8) {
	dotsGo(g, codes, norms, out, skip)
}
