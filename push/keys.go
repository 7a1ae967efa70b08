package push

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	webpush "github.com/SherClockHolmes/webpush-go"
)

// Keys are the service's VAPID key pair (RFC 8292), base64url as webpush-go takes them. The push services
// tie every subscription to the public key it was made with, so every replica must sign with the same
// pair, and it must outlive restarts: one file, made on first start, 0600, which replicas share (the same
// file mounted into each, or CHILDMATCH_VAPID_FILE naming a file on a shared volume; see the README).
type Keys struct {
	Public  string `json:"public_key"`
	Private string `json:"private_key"`
}

// LoadKeys reads the key pair from path, making it there first if the file does not exist. The file is
// put in place only if absent, so two replicas starting at once over a shared folder end with one pair: the one
// that lost the race reads the winner's.
func LoadKeys(path string) (Keys, error) {
	k, err := readKeys(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return k, err
	}
	priv, pub, err := webpush.GenerateVAPIDKeys()
	if err != nil {
		return Keys{}, fmt.Errorf("making the VAPID keys: %w", err)
	}
	k = Keys{Public: pub, Private: priv}
	b, err := json.Marshal(k)
	if err != nil {
		return Keys{}, err
	}
	// Written whole to a file of its own, then linked into place: the link fails if the name exists, so a
	// replica never reads half a file, and of two at once one wins.
	tmp, err := os.CreateTemp(filepath.Dir(path), ".vapid-*")
	if err != nil {
		return Keys{}, fmt.Errorf("writing the VAPID keys: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(b) // CreateTemp makes the file 0600
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Link(tmp.Name(), path)
	}
	if errors.Is(err, fs.ErrExist) {
		return readKeys(path)
	}
	if err != nil {
		return Keys{}, fmt.Errorf("writing the VAPID keys: %w", err)
	}
	return k, nil
}

func readKeys(path string) (Keys, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Keys{}, err
	}
	info, err := os.Stat(path)
	if err != nil {
		return Keys{}, err
	}
	if info.Mode().Perm()&0o077 != 0 {
		return Keys{}, fmt.Errorf("the VAPID key file %s is readable by others (mode %o): it must be 0600", path, info.Mode().Perm())
	}
	var k Keys
	if err := json.Unmarshal(b, &k); err != nil || k.Public == "" || k.Private == "" {
		return Keys{}, fmt.Errorf("the VAPID key file %s is not a key pair: %v", path, err)
	}
	return k, nil
}
