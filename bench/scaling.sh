#!/usr/bin/env bash
# bench/scaling.sh — how a decision's cost grows, in process (sellify-bench-pipeline):
#
#   1. with the forbidden list: the shipped rules/forbidden_words.lua plus 0, 200, 1,000 and
#      10,000 generated phrases — store-excluded evaluation (every stage), µs and
#      allocations per decision;
#   2. with the stored conversations: a store file holding 1,000, 10,000, 100,000 and
#      1,000,000 conversations, each with a decided message (its idempotency record), then
#      20,000 durable decisions on them (synchronous: full, THREADS deciders, default 16):
#      decisions/s, CPU per decision, allocations per decision, peak RSS of the process.
#
#   bench/scaling.sh                       # from anywhere; builds sellify-bench-pipeline
#   SKIP_BUILD=1 bench/scaling.sh          # use the binary as built
#   EVENTS=20000 THREADS=16 WORDS="0 200 1000 10000" CONVERSATIONS="1000 1000000" bench/scaling.sh
#
# The stores are filled with the sqlite3 shell (a recursive CTE: conversations in state
# "browsing" with a short memory, one decision row of 600 bytes each), after the benchmark
# has created the schema; the events then go to conversations wa:0 … wa:N-1, so with 1,000,000
# every decision reads a conversation the hot-state cache (50,000) does not hold.
# Allocations are malloc-family calls, counted by bench/alloc/count.so (LD_PRELOAD).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SCRATCH=${SCRATCH:-.build-release}
BIN=$SCRATCH/release/sellify-bench-pipeline
EVENTS=${EVENTS:-20000}
THREADS=${THREADS:-16}
WORDS=${WORDS:-0 200 1000 10000}
CONVERSATIONS=${CONVERSATIONS:-1000 10000 100000 1000000}

if [[ ${SKIP_BUILD:-0} != 1 ]]; then
    swift build -c release --scratch-path "$SCRATCH" --product sellify-bench-pipeline >/dev/null
fi
[[ -x $BIN ]] || { echo "error: $BIN not found (build it or unset SKIP_BUILD)" >&2; exit 1; }
command -v sqlite3 >/dev/null || apt-get install -y sqlite3 >/dev/null
command -v cc >/dev/null || apt-get install -y gcc >/dev/null

WORK=$(mktemp -d /tmp/sellify-scaling.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
cc -O2 -shared -fPIC -o "$WORK/count.so" bench/alloc/count.c
export LD_PRELOAD=$WORK/count.so

echo "machine: $(nproc) CPUs, $(uname -sr), $(swift --version 2>/dev/null | head -n 1), SQLite $(sqlite3 --version | cut -d' ' -f1)"
echo "binary:  $BIN ($(date -u -r "$BIN" +%Y-%m-%dT%H:%M:%SZ)), HEAD $(git rev-parse --short HEAD 2>/dev/null || echo -)"
echo "load:    $(uptime)"

# deployment <dir> <extra words>: the shipped config, catalog and rules, the list grown by N phrases.
deployment() {
    local dir=$1 words=$2
    mkdir -p "$dir"
    cp config.yaml catalog.yaml "$dir/"
    cp -R rules "$dir/rules"
    python3 - "$dir/rules/forbidden_words.lua" "$words" <<'PY'
import random, sys
path, count = sys.argv[1], int(sys.argv[2])
random.seed(11)
syllables = ["ka", "lo", "mi", "ter", "pra", "zon", "vel", "qui", "dro", "san", "bel", "fur", "gos", "nix", "tal", "rup"]
words = set()
while len(words) < count:
    words.add("".join(random.choice(syllables) for _ in range(random.choice([3, 4, 5]))))
s = open(path).read()
head = "forbidden = {\n"
assert head in s, "forbidden_words.lua changed: update bench/scaling.sh"
entries = "".join('  { phrase = "%s", category = "false_claims", severity = "block" },\n' % w for w in sorted(words))
open(path, "w").write(s.replace(head, head + entries, 1))
PY
}

echo
echo "## forbidden entries (store excluded, 1 thread, $EVENTS events)"
echo
echo "| extra phrases | entries | µs CPU per evaluation | evaluations/s | allocations per evaluation |"
echo "|---:|---:|---:|---:|---:|"
for words in $WORDS; do
    dir=$WORK/words-$words
    deployment "$dir" "$words"
    entries=$(grep -cE '^\s*\{ *(phrase|pattern) *=' "$dir/rules/forbidden_words.lua")
    out=$(cd "$dir" && "$ROOT/$BIN" "$EVENTS" --skip-metrics --skip-durable)
    us=$(sed -n 's/^(b) store excluded.*(\([0-9.]*\) µs CPU each.*/\1/p' <<<"$out")
    rate=$(sed -n 's/^(b) store excluded, 1 thread: *\([0-9]*\) decisions.*/\1/p' <<<"$out")
    allocs=$(sed -n 's/^(b) allocations: \([0-9]*\).*/\1/p' <<<"$out")
    echo "| $words | $entries | $us | $rate | $allocs |"
done

echo
echo "## stored conversations (durable, synchronous full, $THREADS threads, $EVENTS decisions)"
echo
echo "| conversations stored | durable decisions/s | µs CPU per decision | allocations per decision | commits per transaction | peak RSS MiB | store file MiB |"
echo "|---:|---:|---:|---:|---:|---:|---:|"
dir=$WORK/words-0
[[ -d $dir ]] || deployment "$dir" 0
for count in $CONVERSATIONS; do
    store=$WORK/store-$count.db
    # The schema (and the first 100 decisions) by the benchmark itself, then the rest by SQL.
    (cd "$dir" && "$ROOT/$BIN" 100 --durable-only --threads 1 --store "$store" --conversations "$count" >/dev/null)
    sqlite3 "$store" >/dev/null <<SQL
PRAGMA journal_mode = WAL;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $count - 1)
INSERT OR IGNORE INTO conversations (id, state, opted_out, inbound_count, reply_count, last_inbound_at_ms,
    last_outbound_at_ms, recent_replies, version, memory)
SELECT 'wa:' || i, 'browsing', 0, 3, 2, 1764400000000, 1764400060000, '[1764400060000]', 3,
    '{"fallbacks":0,"language":"es","last_intent":"price_question","products":[],"recent":[]}' FROM n;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $count - 1)
INSERT INTO decisions (message_id, conversation_id, decision, created_at_ms)
SELECT 'old-' || i, 'wa:' || i, randomblob(600), 1764400000000 FROM n;
COMMIT;
PRAGMA wal_checkpoint(TRUNCATE);
SQL
    stored=$(sqlite3 "$store" "SELECT COUNT(*) FROM conversations")
    size=$(du -m "$store" | cut -f1)
    out=$(cd "$dir" && "$ROOT/$BIN" "$EVENTS" --durable-only --threads "$THREADS" --store "$store" --conversations "$count")
    line=$(grep '^(a)' <<<"$out")
    rate=$(sed -n 's/.*: *\([0-9]*\) durable decisions\/s.*/\1/p' <<<"$line")
    cpu=$(sed -n 's/.*CPU \([0-9.]*\) s.*/\1/p' <<<"$line")
    us=$(awk -v c="$cpu" -v n="$EVENTS" 'BEGIN { printf "%.0f", c / n * 1e6 }')
    allocs=$(sed -n 's/^    allocations: \([0-9]*\).*/\1/p' <<<"$out")
    batch=$(sed -n 's/^    group commit: .*, \([0-9.]*\) commits each/\1/p' <<<"$out")
    rss=$(sed -n 's/^resident: peak \([0-9]*\) MiB.*/\1/p' <<<"$out")
    echo "| $stored | $rate | $us | $allocs | $batch | $rss | $size |"
    rm -f "$store" "$store-wal" "$store-shm" "$store.lock"
done
echo
echo "load:    $(uptime)"
