package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// A long pass over every case (dedupe, reembed) keeps its position in the data folder, so a stop by
// Ctrl-C or a crash goes on where it stopped.

// readCheckpoint reads a kept position into v; there is none before the first pass (v is left as it is).
func readCheckpoint(path string, v any) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err == nil {
		err = json.Unmarshal(b, v)
	}
	if err != nil {
		return fmt.Errorf("the kept position %s: %v (remove it or run with --restart)", path, err)
	}
	return nil
}

// writeCheckpoint keeps the position v through a temporary file (0600) and a rename, so a stop never
// leaves half of one.
func writeCheckpoint(path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".checkpoint-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
