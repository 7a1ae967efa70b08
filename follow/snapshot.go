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

// loadSnapshot tries the local cache, then the store's snapshot. It returns the source used ("" for
// none) and why each refused one was refused.
func (f *Follower) loadSnapshot(ctx context.Context) (childmatch.ID, string, []string) {
	var refused []string
	try := func(name string, open func() (io.ReadCloser, error)) (childmatch.ID, bool) {
		r, err := open()
		if err != nil {
			if childmatch.ErrorCodeOf(err) != childmatch.ENotFound && !errors.Is(err, os.ErrNotExist) {
				refused = append(refused, fmt.Sprintf("%s: %v", name, err))
			}
			return childmatch.ID{}, false
		}
		defer r.Close()
		pos, err := f.index.ReadSnapshot(r)
		if err == nil && pos.Time().After(time.Now().Add(childmatch.FutureSkew)) {
			err = fmt.Errorf("its position %s lies in the future: it belongs to another store", pos.Time().UTC().Format(time.RFC3339))
		}
		if err != nil {
			refused = append(refused, fmt.Sprintf("%s: %v", name, err))
			return childmatch.ID{}, false
		}
		return pos, true
	}
	if f.cfg.LocalSnapshot != "" {
		if pos, ok := try("local snapshot", func() (io.ReadCloser, error) {
			return os.Open(f.cfg.LocalSnapshot)
		}); ok {
			return pos, "local snapshot", refused
		}
	}
	if f.snapshots != nil {
		if pos, ok := try("store snapshot", func() (io.ReadCloser, error) {
			return f.snapshots.OpenSnapshot(ctx)
		}); ok {
			return pos, "store snapshot", refused
		}
	}
	return childmatch.ID{}, "", refused
}

// Save writes a snapshot of the index, when it changed since the last one or did not come from the
// local cache, to the local cache file (through a temporary file and a rename, so a crash never leaves
// half a snapshot under the name) and then to the store. Its position is the cursor, so loading it
// replays everything that could be missing from it. Call it only while Run does not run (Run calls it
// itself). A snapshot that could not be written is tried again at the next Save.
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
	tmp, err := os.CreateTemp(filepath.Dir(local), ".snapshot-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	if err := f.index.WriteSnapshot(tmp, f.cursor); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	size, err := tmp.Seek(0, io.SeekCurrent)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), local); err != nil {
		return err
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return err
	}
	return f.snapshots.PutSnapshot(ctx, tmp, size)
}
