package main

import (
	"cmp"
	"log/slog"
	"path/filepath"

	"childmatch"
	"childmatch/live"
	"childmatch/minio"
	"childmatch/push"
)

// openLive makes the web app's live alert stream and Web Push. The VAPID keys are read from
// CHILDMATCH_VAPID_FILE (default <data dir>/vapid.json), made there on first start; replicas must share
// one file (README: alerts in the web app). CHILDMATCH_VAPID_SUBJECT is where push services can reach the
// operator (mailto: or https:), by default the public URL. The hub tells seen of each alert it reads
// because it changed.
func openLive(dataDir, publicURL string, store *minio.Store, seen func(*childmatch.Alert), log *slog.Logger) (*live.Hub, *push.Service, error) {
	keys, err := push.LoadKeys(env("CHILDMATCH_VAPID_FILE", filepath.Join(dataDir, "vapid.json")))
	if err != nil {
		return nil, nil, err
	}
	subject := cmp.Or(env("CHILDMATCH_VAPID_SUBJECT", ""), publicURL)
	if subject == "" {
		subject = "mailto:childmatch@localhost"
		log.Warn("CHILDMATCH_VAPID_SUBJECT is not set: push services may refuse messages without a real contact")
	}
	hub := live.New(live.Deps{Versions: store, Alerts: store, Posts: store, Seen: seen, Log: log})
	return hub, push.New(push.Deps{Subs: store, Posts: store, Audit: store, Keys: keys, Subject: subject, Log: log}), nil
}
