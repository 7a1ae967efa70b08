#!/usr/bin/env bash
# Makes sure a Go toolchain that can build the module is on hand and prints the path of its `go`.
# Go 1.21 and later fetch the toolchain go.mod asks for by themselves (GOTOOLCHAIN=auto, through the module
# proxy). An older or missing Go (Debian 12 ships 1.19) is bootstrapped: Debian's golang-go downloads the
# toolchain module the ordinary way (`go mod download`), and it is unpacked under bin/.
set -euo pipefail
cd "$(dirname "$0")/.."
want=$(awk '$1 == "go" {print $2}' go.mod)
local_go="bin/go-toolchain/bin/go"

usable() { # go binary -> succeeds when it is at least 1.21
  local v
  v=$("$1" env GOVERSION 2>/dev/null) || return 1
  v=${v#go}
  [ "$(printf '%s\n' "1.21" "$v" | sort -V | head -n1)" = "1.21" ]
}

if [ -x "$local_go" ]; then echo "$PWD/$local_go"; exit 0; fi
if command -v go >/dev/null && usable "$(command -v go)"; then command -v go; exit 0; fi

if ! command -v go >/dev/null; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq golang-go >&2
fi
arch=$(dpkg --print-architecture)
mod="golang.org/toolchain@v0.0.1-go${want}.linux-${arch}"
tmp=$(mktemp -d)
trap 'chmod -R u+w "$tmp"; rm -rf "$tmp"' EXIT
(cd "$tmp" && GOPATH="$tmp/gopath" GOFLAGS=-modcacherw go mod download "$mod" >&2)
mkdir -p bin/go-toolchain
cp -a "$tmp/gopath/pkg/mod/${mod}/." bin/go-toolchain/
chmod +x bin/go-toolchain/bin/* bin/go-toolchain/pkg/tool/*/*
echo "$PWD/$local_go"
