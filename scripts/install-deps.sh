#!/usr/bin/env bash
# Installs the system packages Sellify needs to build, test and run — only the
# ones that are missing, so a second run is a no-op. Debian/Ubuntu (apt-get).
#
#   scripts/install-deps.sh          # build + run dependencies
#   scripts/install-deps.sh --test   # also the tools the test suite drives
#   scripts/install-deps.sh --image  # what `make image-check` builds and checks the image with
set -euo pipefail

packages=(pkg-config liblua5.4-dev libyaml-dev libsqlite3-dev)
if [[ "${1:-}" == "--image" ]]; then
  # podman builds the image (storage driver vfs, chroot isolation: no daemon, no registry);
  # debootstrap makes its Debian base from the package mirror; curl probes the server;
  # libcurl4-openssl-dev: the static Swift runtime links FoundationNetworking (the webhook sink) to libcurl.
  packages=(podman debootstrap curl libcurl4-openssl-dev)
fi
if [[ "${1:-}" == "--test" ]]; then
  # lua5.4: the standalone interpreter (benchmarks' floor); sqlite3: the shell the store tests use;
  # prometheus: promtool, which checks the metrics exposition; lua-check: luacheck, which
  # `sellify check` runs over the rules (the lint tests need it and fail without it);
  # postgresql-15: the server the PostgreSQL store's tests start a throw-away cluster of
  packages+=(lua5.4 sqlite3 prometheus lua-check postgresql-15)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q >&2
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
