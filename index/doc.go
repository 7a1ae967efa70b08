// Package index is the in-memory vector index: exact top-k by Euclidean distance over face descriptors,
// one result per case, with filters evaluated inside the scan.
//
// Layout: struct of arrays. The descriptors sit in one contiguous []float32 (128 per face), their
// one-byte codes in one contiguous []int8, the ids, error bounds and filter columns in parallel slices,
// so there is no heap object per face and a scan reads memory sequentially. A search splits the rows
// into one contiguous chunk per worker; each keeps its own top k and the chunks are merged.
//
// Speed comes from reading less: a first pass over the codes (128 bytes a row instead of 512) computes
// a lower bound on each row's distance, and only rows whose bound does not exclude them get their
// float32 distance. quant.go proves that the answer is identical to the plain exact scan's. A batch of
// queries (batch.go) takes the first pass through another kernel (batchkernel.go) that reads each row's
// codes once for four queries, in the form -2Σqc + Σc² with Σc² kept per row (4 bytes), over query codes
// of half the resolution: the same proof, with the query's own error bound.
//
// Flat (flat.go) is the same kind of index for another face model's vectors of any dimension, without the
// first pass: a float32 scan. Both keep their faces' ids and filter columns in rows (index.go).
package index
