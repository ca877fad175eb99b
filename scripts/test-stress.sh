#!/usr/bin/env bash
# Runs the whole test suite on a machine that is slower than it looks:
#   1. with every core kept busy by CPU hogs (`yes > /dev/null`, one per core),
#   2. pinned to a single core (`taskset -c 0`).
# Tests synchronise on observable conditions, never on sleeps, so both must pass.
# The hogs are started and stopped here; the times of each run are printed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
# Quiet like `make test` unless V=1: summaries and failures only.
quiet=--quiet
if [[ "${V:-0}" == "1" ]]; then quiet=""; fi

$SWIFT build --build-tests $quiet

hogs=()
stop_hogs() {
  for pid in "${hogs[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${hogs[@]}"; do wait "$pid" 2>/dev/null || true; done
  hogs=()
}
trap stop_hogs EXIT

for _ in $(seq "$(nproc)"); do
  yes > /dev/null &
  hogs+=("$!")
done
echo "test-stress: swift test with $(nproc) busy cores" >&2
start=$SECONDS
$SWIFT test --skip-build $quiet
busy=$((SECONDS - start))
stop_hogs

echo "test-stress: swift test pinned to one core" >&2
start=$SECONDS
taskset -c 0 $SWIFT test --skip-build $quiet
pinned=$((SECONDS - start))

echo "test-stress: passed — busy cores ${busy}s, one core ${pinned}s" >&2
