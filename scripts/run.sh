#!/usr/bin/env bash
# Runs the service. Unless MINIO_ENDPOINT names a running MinIO, starts the project's own MinIO on
# 127.0.0.1 with its data, generated credentials and generated encryption key (MinIO's static KMS key,
# with which it encrypts every object at rest) under CHILDMATCH_DATA_DIR (default ./data), and stops it
# again when the service stops. Generates the admin token on first run (kept in a 0600 file) and prints it.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${CHILDMATCH_DATA_DIR:-./data}
mkdir -p "$data"
chmod 700 "$data"
umask 077

# 32 random bytes as 64 hex digits: always longer than the service's MinAdminTokenLen (32), which
# base64 with its symbols stripped was not.
random() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' ; }

if [ -z "${MINIO_ENDPOINT:-}" ]; then
  creds="$data/minio.env"
  if [ ! -f "$creds" ]; then
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    printf 'MINIO_PORT=%s\nMINIO_ROOT_USER=childmatch%s\nMINIO_ROOT_PASSWORD=%s\n' "$port" "$(random | head -c 8)" "$(random)" > "$creds"
  fi
  # The key MinIO encrypts the bucket's objects with: losing it loses every photo, so back it up apart from
  # the data (`childmatch backup` copies the objects decrypted; the backup then needs protecting itself).
  kms="$(cd "$data" && pwd)/minio-kms.key"
  if [ ! -f "$kms" ]; then
    printf 'childmatch:%s' "$(head -c 32 /dev/urandom | base64)" > "$kms"
  fi
  # shellcheck source=/dev/null
  . "$creds"
  export MINIO_ROOT_USER MINIO_ROOT_PASSWORD
  export MINIO_ENDPOINT="127.0.0.1:$MINIO_PORT" MINIO_ACCESS_KEY="$MINIO_ROOT_USER" MINIO_SECRET_KEY="$MINIO_ROOT_PASSWORD"
  # An anonymous request answers 403 once MinIO serves S3 (its health check answers earlier).
  ready() { [ "$(curl -s -o /dev/null -w '%{http_code}' "http://$MINIO_ENDPOINT/")" = 403 ]; }
  if ! ready; then
    MINIO_BROWSER=off MINIO_KMS_SECRET_KEY_FILE="$kms" "${CHILDMATCH_MINIO_BIN:-bin/minio}" server "$data/minio" --quiet --address "127.0.0.1:$MINIO_PORT" \
      --console-address "127.0.0.1:$((MINIO_PORT + 1))" >>"$data/minio.log" 2>&1 &
    minio_pid=$!
    trap 'kill $minio_pid 2>/dev/null; wait $minio_pid 2>/dev/null' EXIT
    for _ in $(seq 1 60); do
      ready && break
      kill -0 $minio_pid 2>/dev/null || { echo "MinIO failed to start; see $data/minio.log" >&2; exit 1; }
      sleep 0.5
    done
  fi
  echo "MinIO on $MINIO_ENDPOINT, data in $data/minio"
fi

if [ -z "${CHILDMATCH_ADMIN_TOKEN:-}" ] && [ -z "${CHILDMATCH_ADMIN_TOKEN_FILE:-}" ]; then
  export CHILDMATCH_ADMIN_TOKEN_FILE="$data/admin-token"
  if [ -f "$CHILDMATCH_ADMIN_TOKEN_FILE" ] && [ "$(tr -d '[:space:]' < "$CHILDMATCH_ADMIN_TOKEN_FILE" | wc -c)" -lt 32 ]; then
    echo "The admin token in $CHILDMATCH_ADMIN_TOKEN_FILE is shorter than the 32 characters the service needs: replacing it"
    rm "$CHILDMATCH_ADMIN_TOKEN_FILE"
  fi
  if [ ! -f "$CHILDMATCH_ADMIN_TOKEN_FILE" ]; then
    random > "$CHILDMATCH_ADMIN_TOKEN_FILE"
    echo "Generated the admin token (kept in $CHILDMATCH_ADMIN_TOKEN_FILE): $(cat "$CHILDMATCH_ADMIN_TOKEN_FILE")"
  else
    echo "Admin token: in $CHILDMATCH_ADMIN_TOKEN_FILE"
  fi
fi
# ONNX Runtime's library, which the default detector (MTCNN first, then dlib's HOG) runs MTCNN with.
CHILDMATCH_ONNX_LIB=${CHILDMATCH_ONNX_LIB:-$(scripts/install-onnxruntime.sh)}
export CHILDMATCH_ONNX_LIB
echo "childmatch on ${CHILDMATCH_ADDR:-:8080}"
# In the background so that a signal to this script reaches the service too (it shuts down gracefully);
# then the EXIT trap stops the MinIO this script started.
bin/childmatch &
app=$!
trap 'kill -TERM $app 2>/dev/null' INT TERM
status=0
wait $app || status=$?
if kill -0 $app 2>/dev/null; then wait $app || status=$?; fi
exit $status
