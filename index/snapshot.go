package index

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"slices"
	"unsafe"

	"childmatch"
)

// Snapshot format, version 3: a header, the columns as they lie in memory, the place dictionary, and a
// CRC-32C of everything before it. Codes depend on codeScale and the centre (childmatch.DescriptorMean), so
// a snapshot coded with others is refused like a corrupt one. The columns are written in the machine's byte
// order, which the header records, so that loading is a copy; a snapshot from a machine of the other order
// is refused and the index rebuilt.
//
//	magic "CMIX" | version u32 | byte-order mark u32 | code scale f64 | code centre's CRC-32C u32 |
//	position [16] | rows u64
//	vecs rows×128×f32 | codes rows×128×i8 | errs rows×u8 | faces rows×16 | cases rows×16 | attrs rows×8
//	places u32 | per place: state length u16, state, district length u16, district
//	crc32c u32 (little-endian)
const (
	snapshotMagic   = "CMIX"
	snapshotVersion = 3
	byteOrderMark   = 0x01020304
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ErrBadSnapshot is wrapped by every error ReadSnapshot returns for a snapshot that is corrupt,
// truncated or of another format; the caller rebuilds the index from the records instead.
var ErrBadSnapshot = errors.New("bad index snapshot")

// asBytes views a column as bytes, for copying it to or from a snapshot.
func asBytes[T any](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s)*int(unsafe.Sizeof(s[0])))
}

// centreSum identifies the code centre in a snapshot's header.
func centreSum() uint32 {
	return crc32.Checksum(asBytes(childmatch.DescriptorMean[:]), castagnoli)
}

type header struct {
	Magic    [4]byte
	Version  uint32
	BOM      uint32
	Scale    float64
	Centre   uint32
	Position childmatch.ID
	Rows     uint64
}

// rowBytes is what one row takes in the columns of a snapshot.
const rowBytes = int64(childmatch.DescriptorLen*4 + codeLen + 1 + 2*unsafe.Sizeof(childmatch.ID{}) + unsafe.Sizeof(attrs{}))

// growStep is the most a column grows by before its bytes have arrived, when the reader's size is unknown:
// 64 KiB, so a header declaring two billion rows costs next to nothing before its lie is found; the column
// then doubles as its bytes arrive, so a real snapshot still needs few steps.
const growStep = 64 << 10

// remainingBytes is how many bytes lie after sk's current offset, -1 if it cannot tell. It leaves the
// offset where it was.
func remainingBytes(sk io.Seeker) int64 {
	at, err := sk.Seek(0, io.SeekCurrent)
	if err != nil {
		return -1
	}
	end, err := sk.Seek(0, io.SeekEnd)
	if _, err2 := sk.Seek(at, io.SeekStart); err != nil || err2 != nil {
		return -1
	}
	return end - at
}

// readColumn reads n values. When whole, the bytes are known to be there and the column is allocated at
// once; otherwise it grows by at most growStep bytes, or doubles, ahead of what has been read.
func readColumn[T any](r io.Reader, n int, whole bool) ([]T, error) {
	step := n
	if size := int(unsafe.Sizeof(*new(T))); !whole {
		step = min(n, max(growStep/size, 1))
	}
	col := make([]T, 0, step)
	for len(col) < n {
		k := min(n-len(col), max(step, len(col)))
		col = slices.Grow(col, k)[:len(col)+k]
		if _, err := io.ReadFull(r, asBytes(col[len(col)-k:])); err != nil {
			return nil, err
		}
	}
	return col, nil
}

// WriteSnapshot writes the whole index and position, the point in the change feed it reflects.
func (ix *Index) WriteSnapshot(w io.Writer, position childmatch.ID) error {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	sum := crc32.New(castagnoli)
	bw := bufio.NewWriterSize(io.MultiWriter(w, sum), 1<<20)
	h := header{Version: snapshotVersion, BOM: byteOrderMark, Scale: codeScale, Centre: centreSum(), Position: position, Rows: uint64(len(ix.faces))}
	copy(h.Magic[:], snapshotMagic)
	if err := binary.Write(bw, binary.NativeEndian, &h); err != nil {
		return err
	}
	for _, col := range [][]byte{asBytes(ix.vecs), asBytes(ix.codes), ix.errs, asBytes(ix.faces), asBytes(ix.cases), asBytes(ix.attrs)} {
		if _, err := bw.Write(col); err != nil {
			return err
		}
	}
	binary.Write(bw, binary.NativeEndian, uint32(len(ix.places.list)))
	for _, p := range ix.places.list {
		for _, str := range []string{p.state, p.district} {
			binary.Write(bw, binary.NativeEndian, uint16(len(str)))
			bw.WriteString(str)
		}
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return binary.Write(w, binary.LittleEndian, sum.Sum32())
}

// ReadSnapshot replaces the index's contents with a snapshot's and returns its position. On any error the
// index is left as it was; errors about the snapshot itself wrap ErrBadSnapshot. Memory follows the bytes
// that are there, never the row count a hostile header declares: a reader that can seek (a file, a MinIO
// object) is checked to hold the declared rows before the columns are allocated at once; from any other,
// the columns grow as their bytes arrive.
func (ix *Index) ReadSnapshot(r io.Reader) (childmatch.ID, error) {
	remaining := int64(-1) // unknown
	if sk, ok := r.(io.Seeker); ok {
		remaining = remainingBytes(sk)
	}
	bufSize := 1 << 20
	if remaining >= 0 && remaining < int64(bufSize) {
		bufSize = int(remaining) // bufio's least is 16 bytes
	}
	sum := crc32.New(castagnoli)
	tr := io.TeeReader(bufio.NewReaderSize(r, bufSize), sum)
	var h header
	if err := binary.Read(tr, binary.NativeEndian, &h); err != nil {
		return childmatch.ID{}, fmt.Errorf("%w: header: %v", ErrBadSnapshot, err)
	}
	switch {
	case string(h.Magic[:]) != snapshotMagic:
		return childmatch.ID{}, fmt.Errorf("%w: not a snapshot", ErrBadSnapshot)
	case h.Version != snapshotVersion || h.BOM != byteOrderMark || h.Scale != codeScale || h.Centre != centreSum():
		return childmatch.ID{}, fmt.Errorf("%w: format %d, byte order %#x, code scale %g, centre %#x: not this build's", ErrBadSnapshot, h.Version, h.BOM, h.Scale, h.Centre)
	case h.Rows > math.MaxInt32:
		return childmatch.ID{}, fmt.Errorf("%w: %d rows", ErrBadSnapshot, h.Rows)
	}
	n := int(h.Rows)
	// The header, the columns, the place count and the checksum, at the least.
	least := int64(binary.Size(h)) + int64(n)*rowBytes + 4 + 4
	if remaining >= 0 && remaining < least {
		return childmatch.ID{}, fmt.Errorf("%w: truncated: %d rows need at least %d bytes, %d are there", ErrBadSnapshot, n, least, remaining)
	}
	whole := remaining >= 0
	fresh := &Index{}
	var err error
	fresh.vecs, err = readColumn[float32](tr, n*childmatch.DescriptorLen, whole)
	if err == nil {
		fresh.codes, err = readColumn[int8](tr, n*codeLen, whole)
	}
	if err == nil {
		fresh.errs, err = readColumn[uint8](tr, n, whole)
	}
	if err == nil {
		fresh.faces, err = readColumn[childmatch.ID](tr, n, whole)
	}
	if err == nil {
		fresh.cases, err = readColumn[childmatch.ID](tr, n, whole)
	}
	if err == nil {
		fresh.attrs, err = readColumn[attrs](tr, n, whole)
	}
	if err != nil {
		return childmatch.ID{}, fmt.Errorf("%w: truncated: %v", ErrBadSnapshot, err)
	}
	var count uint32
	if err := binary.Read(tr, binary.NativeEndian, &count); err != nil || count > math.MaxUint16 {
		return childmatch.ID{}, fmt.Errorf("%w: place dictionary: %d places, %v", ErrBadSnapshot, count, err)
	}
	readString := func() (string, error) {
		var n uint16
		if err := binary.Read(tr, binary.NativeEndian, &n); err != nil {
			return "", err
		}
		b := make([]byte, n)
		_, err := io.ReadFull(tr, b)
		return string(b), err
	}
	for range count {
		state, err := readString()
		district, err2 := readString()
		if err != nil || err2 != nil {
			return childmatch.ID{}, fmt.Errorf("%w: place dictionary truncated", ErrBadSnapshot)
		}
		if fresh.places.encode(place{state, district}) != uint16(len(fresh.places.list)) {
			return childmatch.ID{}, fmt.Errorf("%w: place dictionary holds a place twice or an empty one", ErrBadSnapshot)
		}
	}
	want := sum.Sum32()
	var got uint32
	if err := binary.Read(tr, binary.LittleEndian, &got); err != nil {
		return childmatch.ID{}, fmt.Errorf("%w: no checksum: %v", ErrBadSnapshot, err)
	}
	if got != want {
		return childmatch.ID{}, fmt.Errorf("%w: checksum %08x, content sums to %08x", ErrBadSnapshot, got, want)
	}
	if n, _ := tr.Read(make([]byte, 1)); n > 0 {
		return childmatch.ID{}, fmt.Errorf("%w: bytes after the checksum", ErrBadSnapshot)
	}
	for _, a := range fresh.attrs {
		if a.kind > 1 || a.status > 2 || a.gender > 3 || int(a.place) > len(fresh.places.list) {
			return childmatch.ID{}, fmt.Errorf("%w: filter column out of range", ErrBadSnapshot)
		}
	}
	if !fresh.slots.build(fresh.faces) {
		return childmatch.ID{}, fmt.Errorf("%w: a face id occurs twice", ErrBadSnapshot)
	}
	fresh.norms = make([]int32, n) // not stored: 4 bytes a row recomputed from the codes
	for i := range fresh.norms {
		fresh.norms[i] = codeNorm(fresh.codes[i*codeLen : (i+1)*codeLen])
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.vecs, ix.codes, ix.errs, ix.norms = fresh.vecs, fresh.codes, fresh.errs, fresh.norms
	ix.faces, ix.cases, ix.attrs = fresh.faces, fresh.cases, fresh.attrs
	ix.slots, ix.places = fresh.slots, fresh.places
	return h.Position, nil
}
