package follow

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"childmatch"
)

// loadSnapshot tries the local cache, then the store's snapshot, each with the catalog saved beside it.
// It returns the source used ("" for none), why each refused one was refused, and whether the catalog must
// be built from the records: one missing (a snapshot written before there was a catalog), unreadable or
// not at the snapshot's position is never served; the index's snapshot still is.
func (f *Follower) loadSnapshot(ctx context.Context) (childmatch.ID, string, []string, bool) {
	var refused []string
	rebuild := false
	try := func(name string, open, openCatalog func() (io.ReadCloser, error)) (childmatch.ID, bool) {
		pos, ok := f.tryIndex(name, open, &refused)
		if !ok {
			return pos, false
		}
		r, err := openCatalog()
		if err == nil {
			defer r.Close()
			err = f.catalog.read(r, pos)
		}
		if err != nil {
			refused = append(refused, fmt.Sprintf("%s's catalog, built from the records instead: %v", name, err))
			rebuild = true
		}
		return pos, true
	}
	if f.cfg.LocalSnapshot != "" {
		if pos, ok := try("local snapshot", func() (io.ReadCloser, error) {
			return os.Open(f.cfg.LocalSnapshot)
		}, func() (io.ReadCloser, error) {
			return os.Open(catalogFile(f.cfg.LocalSnapshot))
		}); ok {
			return pos, "local snapshot", refused, rebuild
		}
	}
	if f.snapshots != nil {
		if pos, ok := try("store snapshot", func() (io.ReadCloser, error) {
			return f.snapshots.OpenSnapshot(ctx)
		}, func() (io.ReadCloser, error) {
			return f.snapshots.OpenCatalog(ctx)
		}); ok {
			return pos, "store snapshot", refused, rebuild
		}
	}
	return childmatch.ID{}, "", refused, false
}

// catalogFile is the local catalog cache, beside the local index snapshot.
func catalogFile(local string) string { return local + ".catalog" }

// tryIndex loads an index snapshot, or says why it refused it.
func (f *Follower) tryIndex(name string, open func() (io.ReadCloser, error), refused *[]string) (childmatch.ID, bool) {
	r, err := open()
	if err != nil {
		if childmatch.ErrorCodeOf(err) != childmatch.ENotFound && !errors.Is(err, os.ErrNotExist) {
			*refused = append(*refused, fmt.Sprintf("%s: %v", name, err))
		}
		return childmatch.ID{}, false
	}
	defer r.Close()
	pos, err := f.index.ReadSnapshot(r)
	if err == nil && pos.Time().After(time.Now().Add(childmatch.FutureSkew)) {
		err = fmt.Errorf("its position %s lies in the future: it belongs to another store", pos.Time().UTC().Format(time.RFC3339))
	}
	if err != nil {
		*refused = append(*refused, fmt.Sprintf("%s: %v", name, err))
		return childmatch.ID{}, false
	}
	return pos, true
}

// Save writes a snapshot of the index and one of the catalog, both at the cursor, when something changed
// since the last ones or they did not come from the local cache: each to its local cache file (through a
// temporary file and a rename, so a crash never leaves half a snapshot under the name) and then to the
// store. Loading them replays everything that could be missing from them; a pair whose positions differ
// (a crash between the two) is refused. Call it only while Run does not run (Run calls it itself). A
// snapshot that could not be written is tried again at the next Save.
func (f *Follower) Save(ctx context.Context) (err error) {
	local := f.cfg.LocalSnapshot
	if local == "" || f.snapshots == nil || !f.changed.Swap(false) {
		return nil
	}
	defer func() {
		if err != nil {
			f.changed.Store(true)
		}
	}()
	pos := f.cursor
	if err := saveFile(ctx, local, func(w io.Writer) error { return f.index.WriteSnapshot(w, pos) }, f.snapshots.PutSnapshot); err != nil {
		return err
	}
	return saveFile(ctx, catalogFile(local), func(w io.Writer) error { return f.catalog.write(w, pos) }, f.snapshots.PutCatalog)
}

// saveFile writes a snapshot to a local file through a temporary one, then puts the file in the store.
func saveFile(ctx context.Context, name string, write func(io.Writer) error,
	put func(context.Context, io.Reader, int64) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), ".snapshot-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	if err := write(tmp); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	size, err := tmp.Seek(0, io.SeekCurrent)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), name); err != nil {
		return err
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return err
	}
	return put(ctx, tmp, size)
}
