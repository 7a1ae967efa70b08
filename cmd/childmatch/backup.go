package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"childmatch"
	"childmatch/minio"
)

// A backup is a folder: manifest.json lists every object with its SHA-256, and objects/ holds each object
// under its key, as MinIO serves it (decrypted: the backup must be kept as safe as the service's data).
const (
	manifestName   = "manifest.json"
	objectsDir     = "objects"
	manifestFormat = 1
	// derivedPrefix holds the index snapshot, which the records rebuild: it is left out, so a restored
	// service always builds its index from the restored records.
	derivedPrefix = "index/"
)

type manifest struct {
	Format    int           `json:"format"`
	CreatedAt time.Time     `json:"created_at"`
	Bucket    string        `json:"bucket"`
	Objects   []backupEntry `json:"objects"`
}

type backupEntry struct {
	minio.Object
	SHA256 string `json:"sha256"`
}

// runBackup is `childmatch backup --to DIR`: every object of the bucket MINIO_* names is copied into DIR
// (which must not exist or be empty), then the manifest is written, last, so that a backup cut off half way
// has none and cannot be restored.
func runBackup(ctx context.Context, args []string) error {
	to, err := folderArg("backup", "to", "folder to write the backup to; it must not exist or be empty", args)
	if err != nil {
		return err
	}
	if entries, err := os.ReadDir(to); err == nil && len(entries) > 0 {
		return fmt.Errorf("%s is not empty: a backup goes into a new folder", to)
	}
	store, cfg, err := openBucket(ctx)
	if err != nil {
		return err
	}
	var objects []minio.Object
	if err := store.WalkObjects(ctx, func(o minio.Object) error {
		if !strings.HasPrefix(o.Key, derivedPrefix) {
			objects = append(objects, o)
		}
		return nil
	}); err != nil {
		return err
	}
	m := manifest{Format: manifestFormat, CreatedAt: time.Now().UTC(), Bucket: cfg.Bucket}
	var total int64
	for _, listed := range objects {
		e, err := copyOut(ctx, store, listed.Key, filepath.Join(to, objectsDir))
		if childmatch.ErrorCodeOf(err) == childmatch.ENotFound {
			continue // deleted since the listing
		}
		if err != nil {
			return err
		}
		m.Objects = append(m.Objects, e)
		total += e.Size
	}
	if err := writeFileSynced(filepath.Join(to, manifestName), func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", " ")
		return enc.Encode(m)
	}); err != nil {
		return err
	}
	fmt.Printf("backed up %d objects (%d bytes) of bucket %s to %s\n", len(m.Objects), total, cfg.Bucket, to)
	return nil
}

// folderArg reads a tool's one flag, --name DIR, which is required.
func folderArg(tool, name, usage string, args []string) (string, error) {
	fs := flag.NewFlagSet(tool, flag.ContinueOnError)
	dir := fs.String(name, "", usage)
	if err := fs.Parse(args); err != nil {
		return "", err
	}
	if *dir == "" || fs.NArg() > 0 {
		return "", fmt.Errorf("usage: childmatch %s --%s DIR (s3:// is not supported: use a folder and copy it)", tool, name)
	}
	return *dir, nil
}

// openBucket opens the bucket the MINIO_* settings name.
func openBucket(ctx context.Context) (*minio.Store, minio.Config, error) {
	cfg, err := storeConfig()
	if err != nil {
		return nil, cfg, err
	}
	store, err := minio.Open(ctx, cfg)
	return store, cfg, err
}

// copyOut copies one object into dir under its key, hashing it on the way.
func copyOut(ctx context.Context, store *minio.Store, key, dir string) (backupEntry, error) {
	path, err := objectPath(dir, key)
	if err != nil {
		return backupEntry{}, err
	}
	r, o, err := store.ReadObject(ctx, key)
	if err != nil {
		return backupEntry{}, err
	}
	defer r.Close()
	h := sha256.New()
	var n int64
	err = writeFileSynced(path, func(w io.Writer) error {
		n, err = io.Copy(io.MultiWriter(w, h), r)
		return err
	})
	if err != nil {
		return backupEntry{}, fmt.Errorf("backing up %s: %w", key, err)
	}
	if n != o.Size {
		return backupEntry{}, fmt.Errorf("backing up %s: read %d bytes of %d", key, n, o.Size)
	}
	return backupEntry{Object: o, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// objectPath is where an object's key lies under dir. Keys are made by the service from ids, so a key
// that would leave dir (from a doctored manifest) is refused.
func objectPath(dir, key string) (string, error) {
	if !filepath.IsLocal(key) || strings.HasSuffix(key, "/") {
		return "", fmt.Errorf("object key %q is not a plain relative path", key)
	}
	return filepath.Join(dir, filepath.FromSlash(key)), nil
}

// writeFileSynced creates path (and its folders) readable by the owner only, writes it and syncs it.
func writeFileSynced(path string, write func(io.Writer) error) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
