#!/usr/bin/env bash
# The service under load (issue 19): 8 and 32 clients, each an officer with its own token and loopback
# address, 70% searches, 20% uploads, 10% reads, LOAD_DURATION each (default 5m). Every run starts its own
# MinIO and service on 127.0.0.1 (scripts/run.sh) and stops them. Writes bench/results/load.md.
set -euo pipefail
cd "$(dirname "$0")/.."
data=$(cd "${1:-../shared/testdata/faces}" && pwd)
GO=${GO:-go}
"$GO" build -o bin/load ./bench/load
bin/load -faces "$data" -clients "${LOAD_CLIENTS:-8,32}" -duration "${LOAD_DURATION:-5m}" -out "${LOAD_OUT:-bench/results/load.md}"
