package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"childmatch"
	"childmatch/alert"
	"childmatch/card"
	"childmatch/delivery"
	"childmatch/minio"
	"childmatch/webhook"
)

// newOutbox builds the outbox over the store with the webhook and Web Push channels and the messaging
// channels configured (channels.go), reading posts through the cache the alert service shares. The node's name is
// kept in the data folder, so a restarted process takes over its earlier life's claims at once.
func newOutbox(cfg config, store *minio.Store, posts *delivery.PostCache, links childmatch.Linker,
	short childmatch.Shortener, pushes childmatch.Sender, log *slog.Logger) (*delivery.Outbox, error) {
	node, err := keptSecret(filepath.Join(cfg.dataDir, "outbox-node"), 8)
	if err != nil {
		return nil, err
	}
	oc := delivery.DefaultConfig()
	oc.Node, oc.PublicURL = hex.EncodeToString(node), strings.TrimSuffix(cfg.publicURL, "/")
	channels, err := cfg.channels.senders(links, short)
	if err != nil {
		return nil, err
	}
	senders := map[childmatch.Channel]childmatch.Sender{childmatch.ChanWebhook: webhook.New(posts), childmatch.ChanPush: pushes}
	for _, s := range channels {
		senders[s.Channel()] = s
	}
	return delivery.New(delivery.Deps{Store: store, Alerts: store, Cases: store, Posts: posts, Audit: store,
		Visible: alert.New(alert.Deps{Posts: store, Alerts: store, Users: store, Audit: store}),
		Links:   links, Cards: card.Renderer{}, Senders: senders, Log: log}, oc), nil
}

// sealKey is the key that seals the posts' webhook secrets in the store: CHILDMATCH_SEAL_KEY (base64 of
// 32 bytes, the same on every replica), else a key kept in the data folder.
func sealKey(dataDir string) ([]byte, error) {
	return sharedKey("CHILDMATCH_SEAL_KEY", dataDir, "seal.key")
}

// sharedKey is 32 bytes from the environment variable (base64), else kept in the data folder's file.
func sharedKey(env, dataDir, file string) ([]byte, error) {
	if v := os.Getenv(env); v != "" {
		key, err := base64.StdEncoding.DecodeString(v)
		if err != nil || len(key) != 32 {
			return nil, fmt.Errorf("%s must be 32 bytes in base64", env)
		}
		return key, nil
	}
	return keptSecret(filepath.Join(dataDir, file), 32)
}

// keptSecret reads n random bytes kept in a 0600 file, making them on first use.
func keptSecret(path string, n int) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil && len(b) == n {
		return b, nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	b = make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	return b, os.WriteFile(path, b, 0o600)
}
