package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"childmatch/minio"
)

// errNotEmpty stops the listing of a bucket at its first object.
var errNotEmpty = errors.New("the bucket already holds objects: restore only into an empty bucket")

// runRestore is `childmatch restore --from DIR`: every object of a backup is checked against the
// manifest's size and SHA-256 before anything is written, then written into the bucket MINIO_* names,
// which must be empty (encrypted at rest like any other, when MINIO_ENCRYPT is on).
func runRestore(ctx context.Context, args []string) error {
	from, err := folderArg("restore", "from", "folder of a backup made by `childmatch backup`", args)
	if err != nil {
		return err
	}
	b, err := os.ReadFile(filepath.Join(from, manifestName))
	if err != nil {
		return fmt.Errorf("%s holds no finished backup: %w", from, err)
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil || m.Format != manifestFormat {
		return fmt.Errorf("%s: not a backup manifest of format %d (%v)", manifestName, manifestFormat, err)
	}
	dir := filepath.Join(from, objectsDir)
	var total int64
	for _, e := range m.Objects {
		if err := verify(dir, e); err != nil {
			return fmt.Errorf("the backup is damaged, nothing was restored: %w", err)
		}
		total += e.Size
	}
	store, cfg, err := openBucket(ctx)
	if err != nil {
		return err
	}
	if err := store.WalkObjects(ctx, func(minio.Object) error { return errNotEmpty }); err != nil {
		return fmt.Errorf("bucket %s: %w", cfg.Bucket, err)
	}
	for _, e := range m.Objects {
		path, _ := objectPath(dir, e.Key) // checked by verify
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		err = store.WriteObject(ctx, e.Object, f)
		f.Close()
		if err != nil {
			return fmt.Errorf("restoring %s: %w", e.Key, err)
		}
	}
	fmt.Printf("restored %d objects (%d bytes) from %s into bucket %s\n", len(m.Objects), total, from, cfg.Bucket)
	return nil
}

// verify checks one object's file against its manifest entry.
func verify(dir string, e backupEntry) error {
	path, err := objectPath(dir, e.Key)
	if err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return fmt.Errorf("%s: %w", e.Key, err)
	}
	if n != e.Size || hex.EncodeToString(h.Sum(nil)) != e.SHA256 {
		return fmt.Errorf("%s: %d bytes with SHA-256 %x, the manifest says %d bytes with %s", e.Key, n, h.Sum(nil), e.Size, e.SHA256)
	}
	return nil
}
