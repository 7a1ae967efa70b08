package index

import (
	"hash/maphash"

	"childmatch"
)

// slots maps a face id to its row: open addressing with linear probing over row numbers (row+1; 0 is
// empty), the keys read from the faces column. It costs 4 bytes per cell and at most 8 per face at its
// lowest load, against about 30 for a Go map of 16-byte keys, and it is the index's only per-face
// structure beside the columns.
type slots struct {
	cells []int32
	used  int
	seed  maphash.Seed
}

func (t *slots) home(id childmatch.ID) int {
	return int(maphash.Comparable(t.seed, id) & uint64(len(t.cells)-1))
}

// find returns the cell holding id, or -1.
func (t *slots) find(id childmatch.ID, faces []childmatch.ID) int {
	if len(t.cells) == 0 {
		return -1
	}
	mask := len(t.cells) - 1
	for i := t.home(id); ; i = (i + 1) & mask {
		r := t.cells[i]
		if r == 0 {
			return -1
		}
		if faces[r-1] == id {
			return i
		}
	}
}

// insert records that id (not present) is at row; faces[row] must already be id.
func (t *slots) insert(id childmatch.ID, row int, faces []childmatch.ID) {
	if (t.used+1)*4 > len(t.cells)*3 {
		t.grow(faces, row)
	}
	mask := len(t.cells) - 1
	i := t.home(id)
	for t.cells[i] != 0 {
		i = (i + 1) & mask
	}
	t.cells[i] = int32(row + 1)
	t.used++
}

// grow doubles the table and reinserts rows 0..upto-1 (the rows present before the one being added).
func (t *slots) grow(faces []childmatch.ID, upto int) {
	if t.seed == (maphash.Seed{}) {
		t.seed = maphash.MakeSeed()
	}
	t.cells = make([]int32, max(64, 2*len(t.cells)))
	mask := len(t.cells) - 1
	for row := 0; row < upto; row++ {
		i := t.home(faces[row])
		for t.cells[i] != 0 {
			i = (i + 1) & mask
		}
		t.cells[i] = int32(row + 1)
	}
}

// build makes the table for every row of faces at once, sized so it will not grow until the index does
// by a third. It reports false, leaving the table unusable, if an id occurs twice.
func (t *slots) build(faces []childmatch.ID) bool {
	t.seed = maphash.MakeSeed()
	size := 64
	for size*3 < len(faces)*4+4 {
		size *= 2
	}
	t.cells, t.used = make([]int32, size), 0
	for row, id := range faces {
		if t.find(id, faces) >= 0 {
			return false
		}
		t.insert(id, row, faces)
	}
	return true
}

// remove empties cell i and shifts back the entries after it that would no longer be found.
func (t *slots) remove(i int, faces []childmatch.ID) {
	mask := len(t.cells) - 1
	t.cells[i] = 0
	t.used--
	for j := (i + 1) & mask; t.cells[j] != 0; j = (j + 1) & mask {
		h := t.home(faces[t.cells[j]-1])
		// The entry at j may move to the hole at i unless its home lies cyclically in (i, j].
		if (j > i && (h <= i || h > j)) || (j < i && h <= i && h > j) {
			t.cells[i], t.cells[j] = t.cells[j], 0
			i = j
		}
	}
}

// bytes is the table's memory.
func (t *slots) bytes() int { return cap(t.cells) * 4 }
