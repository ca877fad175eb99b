#!/bin/sh
# bench/run.sh — build the benchmark (release) and run it: the Swift figures, then the
# standalone lua5.4 floor back to back, then the Swift / standalone ratios, in one output.
#
#   bench/run.sh [iterations] [runs]            # defaults 1000000 5
#   SCRATCH=.build-bench bench/run.sh 200000 3  # another build folder than .build
set -eu
cd "$(dirname "$0")/.."
SCRATCH=${SCRATCH:-.build}
log=$(mktemp)
if ! swift build -c release --scratch-path "$SCRATCH" --product sellify-bench >"$log" 2>&1; then
    cat "$log"
    rm -f "$log"
    exit 1
fi
rm -f "$log"
echo "machine: $(nproc) CPUs, $(uname -sr), $(swift --version 2>/dev/null | head -n 1), $(lua5.4 -v 2>&1 | cut -d' ' -f1-2)"
echo "load:    $(uptime)"
"$SCRATCH/release/sellify-bench" "$@"
echo "load:    $(uptime)"
