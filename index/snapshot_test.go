package index

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"childmatch"
	"childmatch/fixtures"
)

// TestSnapshotRoundTrip: a loaded snapshot answers every query exactly as the index it was taken from,
// keeps its position, and takes further updates.
func TestSnapshotRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	faces := generate(r, 5000, 2, 5000)
	ix := build(faces, 2)
	ix.RemoveCase(faces[0].ref.CaseID) // rows moved: the snapshot must carry the id table's truth
	faces = faces[2:]
	pos := childmatch.NewID()
	var buf bytes.Buffer
	if err := ix.WriteSnapshot(&buf, pos); err != nil {
		t.Fatal(err)
	}
	loaded := New()
	got, err := loaded.ReadSnapshot(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if got != pos || loaded.Len() != len(faces) {
		t.Fatalf("position %s, %d faces; want %s, %d", got, loaded.Len(), pos, len(faces))
	}
	extra := generate(r, 10, 1, 10)
	for i := range extra {
		loaded.Add(extra[i].ref, &extra[i].d, extra[i].attrs)
	}
	faces[5].d = fixtures.RandomDescriptor(r)
	loaded.Add(faces[5].ref, &faces[5].d, faces[5].attrs) // a replacement finds its row through the rebuilt id table
	faces = append(faces, extra...)
	if loaded.Len() != len(faces) {
		t.Fatalf("%d faces after updates, want %d", loaded.Len(), len(faces))
	}
	agreesWithNaive(t, loaded, faces, r, 20)
}

// TestSnapshotDamage: a flipped byte anywhere, a truncation or another format is refused with
// ErrBadSnapshot, and the index keeps what it had.
func TestSnapshotDamage(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	faces := generate(r, 300, 1, 300)
	var buf bytes.Buffer
	if err := build(faces, 1).WriteSnapshot(&buf, childmatch.NewID()); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	headerLen := binary.Size(header{})
	n := len(faces)
	// resum rewrites the checksum after a change, so that the header's own checks must refuse it.
	resum := func(b []byte) []byte {
		binary.LittleEndian.PutUint32(b[len(b)-4:], crc32.Checksum(b[:len(b)-4], castagnoli))
		return b
	}
	damage := []struct {
		name string
		mod  func([]byte) []byte
	}{
		{"magic", func(b []byte) []byte { b[0] ^= 1; return b }},
		{"version", func(b []byte) []byte { b[4]++; return resum(b) }},
		{"code scale", func(b []byte) []byte { b[12] ^= 0x10; return resum(b) }},
		{"code centre", func(b []byte) []byte { b[20] ^= 1; return resum(b) }},
		{"row count", func(b []byte) []byte { b[headerLen-8]++; return b }},
		{"a descriptor", func(b []byte) []byte { b[headerLen+700] ^= 0x40; return b }},
		{"a code", func(b []byte) []byte { b[headerLen+n*512+5] ^= 1; return b }},
		{"a face id", func(b []byte) []byte { b[headerLen+n*(512+128+1)+3] ^= 0x80; return b }},
		{"a filter column", func(b []byte) []byte { b[len(b)-5] ^= 2; return b }},
		{"the checksum", func(b []byte) []byte { b[len(b)-1] ^= 1; return b }},
		{"truncated", func(b []byte) []byte { return b[:len(b)-100] }},
		{"no checksum", func(b []byte) []byte { return b[:len(b)-4] }},
		{"empty", func(b []byte) []byte { return nil }},
	}
	for _, d := range damage {
		t.Run(d.name, func(t *testing.T) {
			kept := build(faces[:7], 1)
			_, err := kept.ReadSnapshot(bytes.NewReader(d.mod(bytes.Clone(good))))
			if !errors.Is(err, ErrBadSnapshot) {
				t.Fatalf("error %v, want ErrBadSnapshot", err)
			}
			if kept.Len() != 7 {
				t.Fatalf("the index holds %d faces after a refused snapshot, want its 7", kept.Len())
			}
		})
	}
}

// BenchmarkSnapshot: writing and loading 1M faces (in memory, so the figure is the format's own cost).
func BenchmarkSnapshot(b *testing.B) {
	ix, _ := benchIndex(b, 1_000_000, 1)
	var buf bytes.Buffer
	b.Run("write", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			buf.Reset()
			if err := ix.WriteSnapshot(&buf, childmatch.ID{}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(buf.Len())/1e6, "MB")
	})
	b.Run("load", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := New().ReadSnapshot(bytes.NewReader(buf.Bytes())); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// onlyReader hides a reader's Seek, as a network stream would.
type onlyReader struct{ io.Reader }

// TestSnapshotHostileRowCount: a header declaring two billion rows over a few bytes is refused, from a
// reader that can seek and from one that cannot, without allocating for the rows it declares.
func TestSnapshotHostileRowCount(t *testing.T) {
	var buf bytes.Buffer
	if err := New().WriteSnapshot(&buf, childmatch.NewID()); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	binary.NativeEndian.PutUint64(b[binary.Size(header{})-8:], math.MaxInt32)
	b = append(b, make([]byte, 1<<20)...) // some bytes, far fewer than the rows need
	for name, r := range map[string]func() io.Reader{
		"seekable": func() io.Reader { return bytes.NewReader(b) },
		"stream":   func() io.Reader { return onlyReader{bytes.NewReader(b)} },
	} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := New().ReadSnapshot(r())
		runtime.ReadMemStats(&after)
		if !errors.Is(err, ErrBadSnapshot) {
			t.Errorf("%s: error %v, want ErrBadSnapshot", name, err)
		}
		// The declared rows would take 1.4 TB; reading what is there may take a few times its size.
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
			t.Errorf("%s: refusing took %d MB", name, alloc>>20)
		}
	}
}

// FuzzReadSnapshot: hostile snapshots never panic nor allocate beyond their size (the fuzzer would run out
// of memory); each is read alike from a reader that seeks and one that does not, and each is tried again
// with its checksum made right, so the checks behind the checksum are reached. A snapshot that loads
// writes back byte for byte.
func FuzzReadSnapshot(f *testing.F) {
	r := rand.New(rand.NewPCG(25, 26))
	for _, n := range []int{0, 1, 3} {
		var buf bytes.Buffer
		if err := build(generate(r, n, 1, n), 1).WriteSnapshot(&buf, childmatch.NewID()); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes())
		f.Add(buf.Bytes()[:buf.Len()/2])
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		tries := [][]byte{b}
		if len(b) >= 4 {
			resummed := bytes.Clone(b)
			binary.LittleEndian.PutUint32(resummed[len(b)-4:], crc32.Checksum(b[:len(b)-4], castagnoli))
			tries = append(tries, resummed)
		}
		for _, in := range tries {
			ix := New()
			pos, err := ix.ReadSnapshot(bytes.NewReader(in))
			streamed := New()
			pos2, err2 := streamed.ReadSnapshot(onlyReader{bytes.NewReader(in)})
			if (err == nil) != (err2 == nil) || pos != pos2 || ix.Len() != streamed.Len() {
				t.Fatalf("seekable: %v, %d rows; stream: %v, %d rows", err, ix.Len(), err2, streamed.Len())
			}
			if err != nil {
				if !errors.Is(err, ErrBadSnapshot) {
					t.Fatalf("error %v, want ErrBadSnapshot", err)
				}
				continue
			}
			var out bytes.Buffer
			if err := ix.WriteSnapshot(&out, pos); err != nil || !bytes.Equal(out.Bytes(), in) {
				t.Fatalf("a loaded snapshot writes back differently (%v)", err)
			}
		}
	})
}
