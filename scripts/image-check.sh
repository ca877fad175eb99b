#!/usr/bin/env bash
# `make image-check`: builds the container image from ./Dockerfile and proves it works
# without a container engine or a registry:
#
#   1. a Debian 12 base made by debootstrap from the package mirror (cached), `podman import`ed;
#   2. the release binary built here (static Swift runtime), copied into the image by the
#      Dockerfile's BINARY=prebuilt stage; `podman build` (storage driver vfs, chroot isolation);
#   3. the image's configuration: a non-root USER, the HEALTHCHECK; its files: no secrets;
#   4. its filesystem mounted (`podman create` + `podman mount`) and, under chroot as the
#      image's user, `sellify check`, then `sellify serve` on a loopback port: /health, /ready,
#      one decision, the HEALTHCHECK command, SIGTERM → exit 0.
#
# Quiet when it passes (a few lines); a failure says which step and shows its output.
# Must run as root (podman's vfs storage, chroot, mounting /proc). Nothing is left behind
# but the cached base (image and tarball) and the podman storage under /var/lib/containers.
set -euo pipefail
cd "$(dirname "$0")/.."

SWIFT=${SWIFT:-swift}
IMAGE=localhost/sellify:image-check
BASE=localhost/sellify-base/debian:bookworm
CACHE=${SELLIFY_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sellify-image}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
podman=(podman --storage-driver vfs)

step() { echo "image-check: $*"; }
fail() { echo "image-check: FAILED: $*" >&2; exit 1; }
# Runs a command quietly; on failure prints its output and what it was doing.
quiet() {
  local what=$1; shift
  local log; log=$(mktemp)
  if ! "$@" >"$log" 2>&1; then
    tail -n 60 "$log" >&2; rm -f "$log"; fail "$what"
  fi
  rm -f "$log"
}

[[ $(id -u) -eq 0 ]] || fail "run as root (podman vfs storage, chroot and /proc need it)"
scripts/install-deps.sh --image

# ---- 1. the base image -------------------------------------------------------------
if ! "${podman[@]}" image exists "$BASE"; then
  mkdir -p "$CACHE"
  if [[ ! -s "$CACHE/bookworm-minbase.tar" ]]; then
    step "debootstrap bookworm (minbase) from $MIRROR"
    rootfs=$(mktemp -d)
    quiet "debootstrap" debootstrap --variant=minbase bookworm "$rootfs" "$MIRROR"
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    chmod 0755 "$rootfs"  # mktemp's 0700 would become the image's / (no user but root could run anything)
    tar -C "$rootfs" -cf "$CACHE/bookworm-minbase.tar.partial" .
    mv "$CACHE/bookworm-minbase.tar.partial" "$CACHE/bookworm-minbase.tar"
    rm -rf "$rootfs"
  fi
  quiet "podman import" "${podman[@]}" import "$CACHE/bookworm-minbase.tar" "$BASE"
fi

# ---- 2. the binary and the image ---------------------------------------------------
step "building the release binary (static Swift runtime; the first build takes several minutes)"
quiet "swift build -c release" "$SWIFT" build -c release --static-swift-stdlib --product sellify \
  --scratch-path .build-image
mkdir -p .image
install -m 0755 .build-image/release/sellify .image/sellify
strip .image/sellify

step "podman build (RUNTIME_IMAGE=$BASE, BINARY=prebuilt)"
quiet "podman build" "${podman[@]}" build --isolation chroot --format docker \
  --build-arg RUNTIME_IMAGE="$BASE" --build-arg BINARY=prebuilt -t "$IMAGE" .

container=""
root=""
server=""
work=$(mktemp -d)
cleanup() {
  if [[ -n "$server" ]] && kill -0 "$server" 2>/dev/null; then kill -KILL "$server" 2>/dev/null || true; fi
  if [[ -n "$root" ]]; then
    umount "$root/proc" 2>/dev/null || true
    umount "$root/dev" 2>/dev/null || true
  fi
  if [[ -n "$container" ]]; then
    "${podman[@]}" umount "$container" >/dev/null 2>&1 || true
    "${podman[@]}" rm -f "$container" >/dev/null 2>&1 || true
  fi
  "${podman[@]}" rmi -f "$IMAGE" >/dev/null 2>&1 || true
  "${podman[@]}" image prune -f >/dev/null 2>&1 || true  # the build's intermediate stages (vfs: full copies)
  rm -rf "$work" .image
}
trap cleanup EXIT

# ---- 3. the image's configuration and files ------------------------------------------
"${podman[@]}" image inspect "$IMAGE" >"$work/inspect.json"
inspect() { python3 -c "import json, re, sys; image = json.load(open(sys.argv[1]))[0]; config = image['Config']; $1" "$work/inspect.json"; }
user=$(inspect 'print(config.get("User") or "")')
[[ -n "$user" && "$user" != root && "$user" != 0 ]] || fail "the image runs as root (USER is '${user:-unset}')"
healthcheck=$(inspect '
test = ((image.get("Healthcheck") or config.get("Healthcheck") or {}).get("Test")) or []
if test[:1] != ["CMD"]: sys.exit("no HEALTHCHECK CMD in the image")
print("\n".join(test[1:]))') || fail "no HEALTHCHECK in the image"
secret_env=$(inspect '
for e in config.get("Env") or []:
    name, _, value = e.partition("=")
    if re.search(r"KEY|TOKEN|SECRET|PASSWORD", name, re.I) and value: print(name)')
[[ -z "$secret_env" ]] || fail "the image sets secrets in its environment: $secret_env"

container=$("${podman[@]}" create "$IMAGE")
root=$("${podman[@]}" mount "$container")
uid=$(chroot "$root" id -u "$user") || fail "user '$user' is not in the image's /etc/passwd"
gid=$(chroot "$root" id -g "$user")
[[ "$uid" != 0 ]] || fail "user '$user' has uid 0"
[[ $(stat -c %a "$root") == 755 ]] || fail "the image's / has mode $(stat -c %a "$root"), not 755"

# No secrets: nothing in the volume, no key files, no private keys, no API keys, no .git.
leftovers=$(find "$root/var/lib/sellify" -mindepth 1 | head)
[[ -z "$leftovers" ]] || fail "the image's volume is not empty: $leftovers"
keyfiles=$(find "$root/etc/sellify" "$root/usr/local" "$root/var/lib/sellify" "$root/root" "$root/home" \
  \( -name '*.key' -o -name 'api-key*' -o -name '*.pem' -o -name '.env' -o -name '*.db' -o -name '.git' \) \
  2>/dev/null | head)
[[ -z "$keyfiles" ]] || fail "key, store or repository files in the image: $keyfiles"
secrets=$(grep -rlIE 'BEGIN [A-Z ]*PRIVATE KEY|sk_[A-Za-z0-9]{20,}' "$root/etc" "$root/usr/local" "$root/var/lib" \
  "$root/root" 2>/dev/null | head -n 5 | tr '\n' ' ' || true)
[[ -z "$secrets" ]] || fail "private keys or API keys in the image: $secrets"
step "image: user $user (uid $uid), no secrets, $(du -sh "$root" | cut -f1) on disk"

# ---- 4. the binary, from the image's filesystem ---------------------------------------
mount -t proc proc "$root/proc"
mount --bind /dev "$root/dev"
as_user=(chroot --userspec="$uid:$gid" "$root" env -i HOME=/var/lib/sellify PATH=/usr/local/bin:/usr/bin:/bin)

"${as_user[@]}" sellify version >"$work/version" 2>&1 || { cat "$work/version" >&2; fail "sellify version"; }
(cd / && "${as_user[@]}" sh -c 'cd /var/lib/sellify && sellify check --config /etc/sellify/config.yaml') \
  >"$work/check" 2>&1 || { cat "$work/check" >&2; fail "sellify check --config /etc/sellify/config.yaml"; }

"${as_user[@]}" sh -c 'cd /var/lib/sellify && exec sellify serve --config /etc/sellify/config.yaml --host 127.0.0.1 --port 0' \
  >"$work/serve.out" 2>"$work/serve.err" &
server=$!
port=""
for _ in $(seq 1 600); do
  port=$(grep -oE 'serving on http://127\.0\.0\.1:[0-9]+' "$work/serve.err" | grep -oE '[0-9]+$' || true)
  [[ -n "$port" ]] && break
  kill -0 "$server" 2>/dev/null || break
  sleep 0.1
done
[[ -n "$port" ]] || { cat "$work/serve.err" >&2; fail "sellify serve did not start"; }
key=$(grep -oE 'sk_[A-Za-z0-9_-]+' "$work/serve.err" | head -n 1)
[[ -n "$key" ]] || { cat "$work/serve.err" >&2; fail "serve printed no generated API key"; }
url="http://127.0.0.1:$port"

probe() {  # probe NAME EXPECTED-STATUS curl-args…
  local name=$1 expected=$2; shift 2
  local status
  status=$(curl -sS -o "$work/body" -w '%{http_code}' "$@") || fail "$name: curl failed"
  [[ "$status" == "$expected" ]] || { cat "$work/body" >&2; echo >&2; fail "$name: HTTP $status, expected $expected"; }
}
probe "GET /health" 200 "$url/health"
probe "GET /ready" 200 "$url/ready"
grep -q '"status":"ready"' "$work/body" || { cat "$work/body" >&2; fail "GET /ready: not ready"; }
probe "POST /api/v1/decisions" 200 -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
  -d '{"conversation_id":"wa:image-check","message_id":"m1","text":"hola, ¿cuánto cuesta el Plan Premium?","received_at":"2026-12-01T12:00:00Z"}' \
  "$url/api/v1/decisions"
action=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["action"])' "$work/body")
[[ "$action" == RespondText ]] || { cat "$work/body" >&2; fail "the decision is $action, expected RespondText"; }

# The HEALTHCHECK as the image declares it (it assumes port 8080: point it at this one).
mapfile -t check_cmd <<<"${healthcheck//8080/$port}"
"${as_user[@]}" "${check_cmd[@]}" || fail "the image's HEALTHCHECK command failed against the server"

kill -TERM "$server"
status=0
wait "$server" || status=$?
server=""
[[ $status -eq 0 ]] || { cat "$work/serve.err" >&2; fail "sellify serve exited $status after SIGTERM"; }
[[ -s "$root/var/lib/sellify/sellify.db" ]] || fail "the store did not land in /var/lib/sellify"
step "ok: $(cat "$work/version" | head -n 1) from the image: check, serve on 127.0.0.1:$port, /health, /ready, a $action decision, the HEALTHCHECK, SIGTERM → exit 0"
