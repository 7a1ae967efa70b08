#!/usr/bin/env bash
# Builds the pinned MinIO server into bin/minio once (about 4 minutes the first time); skipped when the
# stamp says that version is there.
set -euo pipefail
cd "$(dirname "$0")/.."
version=v0.0.0-20260212201848-7aac2a2c5b7c
GO=${GO:-go}
if [ -x bin/minio ] && [ "$(cat bin/minio.version 2>/dev/null)" = "$version" ]; then
  exit 0
fi
echo "building MinIO $version into bin/ (a few minutes, once)"
mkdir -p bin
# The module downloads' lines go to a log, shown only when the build fails.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! GOBIN="$PWD/bin" CGO_ENABLED=0 "$GO" install "github.com/minio/minio@$version" >"$log" 2>&1; then
  cat "$log" >&2
  echo "building MinIO failed" >&2
  exit 1
fi
echo "$version" > bin/minio.version
