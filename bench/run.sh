#!/bin/sh
# bench/run.sh — build the benchmark (release) and run it: the Swift figures, then the
# standalone lua5.4 floor back to back, then the Swift / standalone ratios, in one output.
#
#   bench/run.sh [iterations] [runs]            # defaults 1000000 5
#   SCRATCH=.build-bench bench/run.sh 200000 3  # another build folder (not .build)
set -eu
cd "$(dirname "$0")/.."
SCRATCH=${SCRATCH:-.build}
swift build -c release --scratch-path "$SCRATCH" --product sellify-bench
echo "machine: $(nproc) CPUs, $(uname -sr), $(swift --version 2>/dev/null | head -n 1)"
echo "load:   $(uptime)"
"$SCRATCH/release/sellify-bench" "$@"
echo "load:   $(uptime)"
