package miniotest

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// InTheClear returns the first file of the bucket's folder in the server's data that holds data's first
// 20 bytes (a JPEG's SOI marker and header) or a 64-byte run from its middle, "" if none does: what a thief
// of the disk would find of it.
func (s *Server) InTheClear(tb testing.TB, bucket string, data []byte) string {
	tb.Helper()
	if len(data) < 128 {
		tb.Fatalf("%d bytes are too few to look for", len(data))
	}
	head, middle := data[:20], data[len(data)/2:len(data)/2+64]
	found := ""
	err := filepath.WalkDir(filepath.Join(s.dir, bucket), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || found != "" {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if bytes.Contains(b, head) || bytes.Contains(b, middle) {
			found = p
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return found
}
