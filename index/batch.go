package index

import (
	"encoding/binary"
	"math"
	"math/bits"
	"slices"
	"sync"

	"childmatch"
)

// batchMin is the batch size from which SearchBatch uses the batch kernel (batchkernel.go): below it the
// single-query kernel's full-resolution codes reject more rows than the batch kernel's speed gains.
const batchMin = 8

// batchBlock is how many rows the batch kernel handles at a time: 128 rows of codes (16 KiB) and a
// batch's codes (128 bytes a query) stay in the 32 KiB L1 cache while every query group passes over them.
const batchBlock = 128

// searchSplit answers a batch with each worker scanning every row for its own share of the queries
// (whole groups of batchQ): each query then keeps one top k instead of one per worker, so the rows a top
// k admits before it tightens, which a split by rows pays once per worker, are paid once. The caller
// holds the read lock.
func (ix *Index) searchSplit(queries []*query, f *filter, k int) [][]childmatch.Hit {
	tops := make([]topK, len(queries))
	for i := range tops {
		tops[i] = topK{k: k}
	}
	per := (len(queries) + ix.workers - 1) / ix.workers
	per = (per + batchQ - 1) / batchQ * batchQ
	var wg sync.WaitGroup
	for lo := 0; lo < len(queries); lo += per {
		hi := min(len(queries), lo+per)
		wg.Go(func() { ix.scanBatch(newStates(queries[lo:hi], tops[lo:hi], false), f, 0, len(ix.faces)) })
	}
	wg.Wait()
	out := make([][]childmatch.Hit, len(queries))
	for i := range tops {
		out[i] = tops[i].hits()
	}
	return out
}

// blockLimit is reachLimit(b), computed again only when the reach or b changed since the last block.
func (s *state) blockLimit(b uint8) int32 {
	if s.reach != s.blockReach || b != s.blockErr {
		s.blockReach, s.blockErr, s.blockLim = s.reach, b, s.reachLimit(b)
	}
	return s.blockLim
}

// scanBatch is scan by the batch kernel: for each block of rows, each group of batchQ queries gets the
// first-pass distances of every row at once and a skip bit for each pair whose distance exceeds the
// query's limit for the block's largest error byte. The limits only grow looser with the error byte
// (quant.go), so a skipped pair is one consider would reject; every other pair goes through consider,
// with the exact limit of its row's error byte and the query's current worst distance.
func (ix *Index) scanBatch(states []state, f *filter, lo, hi int) {
	groups := make([]qgroup, (len(states)+batchQ-1)/batchQ)
	for qi := range states {
		groups[qi/batchQ].set(qi%batchQ, &states[qi].q.code)
	}
	for qi := len(states); qi < len(groups)*batchQ; qi++ {
		groups[qi/batchQ].setLimit(qi%batchQ, -1) // padding: D ≥ 0 always exceeds it
	}
	var out [batchQ * batchBlock]int32
	var skip [batchBlock / 2]uint8
	for start := lo; start < hi; start += batchBlock {
		end := min(hi, start+batchBlock)
		even := start + (end-start)&^1
		worst := slices.Max(ix.errs[start:end])
		for gi := range groups {
			g := &groups[gi]
			sts := states[gi*batchQ : min(len(states), (gi+1)*batchQ)]
			for q := range sts {
				g.setLimit(q, sts[q].blockLimit(worst))
			}
			pairs := (even - start) / 2
			dots(g, ix.codes[start*codeLen:even*codeLen], ix.norms[start:even], out[:8*pairs], skip[:pairs])
			words := (pairs + 7) / 8
			for p := pairs; p < 8*words; p++ {
				skip[p] = 0xff // the tail of a short block's last word: nothing to consider
			}
			for w := range words {
				if binary.LittleEndian.Uint64(skip[8*w:]) == math.MaxUint64 {
					continue // eight pairs of rows skipped for every query: the usual case
				}
				for p := 8 * w; p < 8*w+8; p++ {
					for m := skip[p]; m != 0xff; {
						bit := bits.TrailingZeros8(^m)
						m |= 1 << bit
						if q, i := bit%batchQ, start+2*p+bit/batchQ; q < len(sts) && out[8*p+bit] <= sts[q].reachLimit(ix.errs[i]) {
							sts[q].consider(ix, f, i)
						}
					}
				}
			}
			if even < end {
				for q := range sts {
					if halfD(&sts[q].q.code, ix.codes[even*codeLen:]) <= sts[q].reachLimit(ix.errs[even]) {
						sts[q].consider(ix, f, even)
					}
				}
			}
		}
	}
}
