#!/usr/bin/env bash
# bench/peer.sh — sellify next to a peer, in one run on one box: rspamd 3.4 (Debian's
# `rspamd`) scanning a ~200-character message against a 200-word list with one Lua rule
# deciding the action, and sellify's POST /api/v1/validate (the same texts, the same 200 words
# added to rules/forbidden_words.lua) and POST /api/v1/decisions (the same texts as customer
# messages, a new message id each, store.synchronous: full), each under wrk at 1, 8, 64 and
# 256 connections.
#
#   bench/peer.sh [duration] ["connections…"]     # defaults 10 (seconds) and "1 8 64 256"
#
# Prints a table (req/s, req/s per server core, p50, p99, server CPU, non-2xx) and writes it
# to bench/peer/latest.md with a chart of throughput and p99 against connections,
# bench/peer/latest.png (gnuplot). rspamd runs 2 normal workers (one per core) on a config of
# this script's own (bench/peer/rspamd-rules.lua: the word list in rspamd's Aho–Corasick
# trie, a symbol of score 10; the actions by score); sellify runs the shipped deployment
# with the limits raised (bench/lib.sh). "Per core" divides req/s by the server's CPU over
# the run (all its processes), so servers that use the cores differently compare.
#
# PERF=validate|decisions|rspamd profiles that server during its runs (perf record, DWARF call
# graphs; the children-sorted report goes to bench/peer/perf-<name>-<connections>.txt).
# Environment: SCRATCH (build folder, default .build-release), SKIP_BUILD=1, THREADS (wrk
# threads, 2; never more than connections), KEEP=1 (keep the temp folder).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DURATION=${1:-10}
[[ $DURATION =~ ^[0-9]+$ ]] && DURATION=${DURATION}s
CONNECTION_LIST=${2:-1 8 64 256}
SCRATCH=${SCRATCH:-.build-release}
THREADS=${THREADS:-2}
BIN=$ROOT/$SCRATCH/release/sellify
CLK_TCK=$(getconf CLK_TCK)

if [[ ${SKIP_BUILD:-0} != 1 ]]; then
    echo "building: swift build -c release --scratch-path $SCRATCH --product sellify"
    swift build -c release --scratch-path "$SCRATCH" --product sellify >/tmp/sellify-peer-build.log 2>&1 ||
        { tail -n 60 /tmp/sellify-peer-build.log; exit 1; }
fi
[[ -x $BIN ]] || { echo "error: $BIN not found (build it or unset SKIP_BUILD)" >&2; exit 1; }
missing=()
for tool in wrk:wrk rspamd:rspamd gnuplot:gnuplot-nox; do
    command -v "${tool%%:*}" >/dev/null || missing+=("${tool#*:}")
done
if ((${#missing[@]})); then
    echo "installing: ${missing[*]}"
    apt-get install -y "${missing[@]}" >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y "${missing[@]}" >/dev/null; }
fi

WORK=$(mktemp -d /tmp/sellify-peer.XXXXXX)
SERVER_PID=
RSPAMD_PIDFILE=$WORK/rspamd/rspamd.pid
cleanup() {
    if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then kill -TERM "$SERVER_PID"; wait "$SERVER_PID" || true; fi
    if [[ -s $RSPAMD_PIDFILE ]]; then kill -TERM "$(cat "$RSPAMD_PIDFILE")" 2>/dev/null || true; fi
    if [[ ${KEEP:-0} == 1 ]]; then echo "kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
cp config.yaml catalog.yaml "$WORK/"
cp -R rules "$WORK/rules"
keyout=$("$BIN" keys new --name bench --scopes decide,read,admin)
export BENCH_API_KEY=$(sed -n 's/^key: //p' <<<"$keyout")
entry=$(grep -E '^ *- \{ name: bench, sha256:' <<<"$keyout")
STOP_FAILURES=()
PROBLEMS=()
source "$ROOT/bench/lib.sh"

# ── the 200 words, for both ─────────────────────────────────────────────────────────────
python3 - "$WORK/words.txt" "$WORK/rules/forbidden_words.lua" <<'PY'
import random, sys
random.seed(7)
syllables = ["ka", "lo", "mi", "ter", "pra", "zon", "vel", "qui", "dro", "san", "bel", "fur", "gos", "nix", "tal", "rup"]
words = set()
while len(words) < 200:
    words.add("".join(random.choice(syllables) for _ in range(3)))
words = sorted(words)
open(sys.argv[1], "w").write("\n".join(words) + "\n")
path = sys.argv[2]
s = open(path).read()
head = "forbidden = {\n"
assert head in s, "forbidden_words.lua changed: update bench/peer.sh"
entries = "".join('  { phrase = "%s", category = "false_claims", severity = "block" },\n' % w for w in words)
open(path, "w").write(s.replace(head, head + entries, 1))
PY
WORD=$(sed -n '100p' "$WORK/words.txt")

echo "machine: $(nproc) CPUs, $(uname -sr), $(swift --version 2>/dev/null | head -n 1), $(wrk -v 2>&1 | head -n 1 | cut -d' ' -f1-2), $(rspamd --version | head -n 1)"
echo "binary:  $BIN ($(date -u -r "$BIN" +%Y-%m-%dT%H:%M:%SZ)), HEAD $(git rev-parse --short HEAD 2>/dev/null || echo -)"
echo "wrk:     -t${THREADS} (at most the connections) -d$DURATION --latency, connections: $CONNECTION_LIST"
echo "load:    $(uptime)"

# ── rspamd ───────────────────────────────────────────────────────────────────────────────
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
mkdir -p "$WORK/rspamd"
RSPAMD_PORT=$(free_port)
cat >"$WORK/rspamd/rspamd.conf" <<CONF
options { pidfile = "$RSPAMD_PIDFILE"; dns { nameserver = ["127.0.0.1:53"]; timeout = 0.1s; retransmits = 0; } }
logging { type = "file"; filename = "$WORK/rspamd/rspamd.log"; level = "error"; }
worker "normal" { bind_socket = "127.0.0.1:$RSPAMD_PORT"; count = 2; mime = true; task_timeout = 8s; }
actions { reject = 15; "add header" = 6; greylist = 4; }
lua = "$ROOT/bench/peer/rspamd-rules.lua";
CONF
start_rspamd() {
    SELLIFY_PEER_WORDS=$WORK/words.txt rspamd -c "$WORK/rspamd/rspamd.conf" -u "$(id -un)" -g "$(id -gn)" >"$WORK/rspamd/stdout.log" 2>&1 </dev/null
    for _ in $(seq 1 100); do
        curl -fsS -o /dev/null --data-binary $'Subject: x\r\n\r\nhola' "http://127.0.0.1:$RSPAMD_PORT/checkv2" 2>/dev/null && break
        sleep 0.1
    done
    local probe
    probe=$(curl -fsS --data-binary $'Subject: x\r\n\r\nhola '"$WORD" "http://127.0.0.1:$RSPAMD_PORT/checkv2") ||
        { echo "error: rspamd did not answer:" >&2; cat "$WORK/rspamd/"*.log >&2; exit 1; }
    grep -q FORBIDDEN_WORD <<<"$probe" || { echo "error: rspamd did not find '$WORD': $probe" >&2; exit 1; }
    echo "rspamd:  127.0.0.1:$RSPAMD_PORT, main pid $(cat "$RSPAMD_PIDFILE"), finds the words ($probe)" | cut -c1-220
}
rspamd_pids() { pgrep -f '^rspamd: ' | tr '\n' ' '; }

# ── one wrk run ──────────────────────────────────────────────────────────────────────────
cpu_of() { local total=0 pid; for pid in $1; do [[ -r /proc/$pid/stat ]] && total=$(awk -v t="$CLK_TCK" -v s="$total" '{ printf "%.2f", s + ($14 + $15) / t }' "/proc/$pid/stat"); done; echo "$total"; }
ROWS=()
# measure <name> <url> <target> <pids>
measure() {
    local name=$1 url=$2 target=$3 pids=$4 c out threads
    for c in $CONNECTION_LIST; do
        threads=$THREADS; ((threads > c)) && threads=$c
        out=$WORK/wrk-$name-$c.txt
        local cpu0 cpu1 wall0 wall1
        local perf=
        if [[ ${PERF:-} == "$name" ]]; then
            perf record -q -F 499 --call-graph dwarf,16384 -p "${pids// /,}" -o "$WORK/perf-$name-$c.data" -- sleep "$DURATION" >/dev/null 2>&1 &
            perf=$!
        fi
        cpu0=$(cpu_of "$pids"); wall0=$(date +%s.%N)
        wrk -t"$threads" -c"$c" -d"$DURATION" --latency -s "$ROOT/bench/wrk/peer.lua" "$url" -- "$target" "$name-$c-$$" "$WORD" >"$out" 2>&1 || true
        wall1=$(date +%s.%N); cpu1=$(cpu_of "$pids")
        if [[ -n $perf ]]; then
            wait "$perf" || true
            perf report -i "$WORK/perf-$name-$c.data" --children --sort symbol -g none 2>/dev/null | grep -v '^#' | head -n 150 >"$ROOT/bench/peer/perf-$name-$c.txt"
            echo "perf:    bench/peer/perf-$name-$c.txt (perf record --call-graph dwarf of the server over the run)"
        fi
        local rps p50 p99 non2xx cpu percore
        rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$out")
        p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$out")")
        p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$out")")
        non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$out"); non2xx=${non2xx:-0}
        cpu=$(awk -v a="$cpu0" -v b="$cpu1" -v w0="$wall0" -v w1="$wall1" 'BEGIN { printf "%.0f", (b - a) / (w1 - w0) * 100 }')
        percore=$(awk -v r="${rps:-0}" -v c="$cpu" 'BEGIN { if (c > 0) printf "%.0f", r / (c / 100); else print "-" }')
        printf '%-10s %5s conns: %7s req/s, %7s per core, p50 %7s ms, p99 %7s ms, CPU %4s%%, non-2xx %s\n' \
            "$name" "$c" "${rps:--}" "$percore" "$p50" "$p99" "$cpu" "$non2xx"
        ROWS+=("$name $c ${rps:-0} $percore $p50 $p99 $cpu $non2xx")
        [[ -n $rps ]] || PROBLEMS+=("$name at $c connections: wrk did not run: $(tail -n 3 "$out" | tr '\n' ' ')")
        [[ $non2xx == 0 ]] || PROBLEMS+=("$name at $c connections: $non2xx non-2xx ($(grep statuses "$out"))")
    done
}

# The store's group commit over the server's runs: transactions and commits per transaction.
group_commit() {
    local metrics transactions commits
    metrics=$(curl -fsS "$URL/metrics")
    transactions=$(awk '$1 == "sellify_store_transactions_total" { print $2 }' <<<"$metrics")
    commits=$(awk '$1 == "sellify_store_commits_total" { print $2 }' <<<"$metrics")
    echo "store:   ${transactions:-0} transactions, $(awk -v t="${transactions:-0}" -v c="${commits:-0}" 'BEGIN { if (t > 0) printf "%.1f", c / t; else print "-" }') commits each"
}

echo
start_rspamd
measure rspamd "http://127.0.0.1:$RSPAMD_PORT/checkv2" rspamd "$(rspamd_pids)"
kill -TERM "$(cat "$RSPAMD_PIDFILE")"; rm -f "$RSPAMD_PIDFILE"
echo
config=$(make_config full 1)
start_server "$config" "validate"
measure validate "$URL/api/v1/validate" validate "$SERVER_PID"
group_commit
stop_server validate
config=$(make_config full 2)
start_server "$config" "decisions"
measure decisions "$URL/api/v1/decisions" decisions "$SERVER_PID"
group_commit
stop_server decisions

# ── table and chart ──────────────────────────────────────────────────────────────────────
mkdir -p "$ROOT/bench/peer"
printf '%s\n' "${ROWS[@]}" >"$WORK/rows.txt"
{
    echo "| server | connections | req/s | req/s per server core | p50 ms | p99 ms | server CPU | non-2xx |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|"
    awk '{ printf "| %s | %s | %s | %s | %s | %s | %s%% | %s |\n", $1, $2, $3, $4, $5, $6, $7, $8 }' "$WORK/rows.txt"
    echo
    echo "Ratios to rspamd at the same connections (per server core):"
    echo
    awk '$1 == "rspamd" { base[$2] = $4 } $1 != "rspamd" && base[$2] > 0 { printf "- %s at %s: %.2f×\n", $1, $2, $4 / base[$2] }' "$WORK/rows.txt"
} >"$ROOT/bench/peer/latest.md"
for name in rspamd validate decisions; do awk -v n="$name" '$1 == n { print $2, $3, $6 }' "$WORK/rows.txt" >"$WORK/$name.dat"; done
gnuplot <<GP
set terminal png size 1100,450
set output "$ROOT/bench/peer/latest.png"
set multiplot layout 1,2 title "sellify vs rspamd 3.4, wrk -d$DURATION, $(nproc) CPUs, $(date -u +%Y-%m-%d)"
set logscale x 2
set xlabel "connections"
set key top left
set grid
set title "throughput"
set ylabel "requests/s"
plot "$WORK/rspamd.dat" using 1:2 with linespoints title "rspamd /checkv2", \
     "$WORK/validate.dat" using 1:2 with linespoints title "sellify /api/v1/validate", \
     "$WORK/decisions.dat" using 1:2 with linespoints title "sellify /api/v1/decisions (durable)"
set title "p99 latency"
set ylabel "ms"
set logscale y 10
plot "$WORK/rspamd.dat" using 1:3 with linespoints title "rspamd /checkv2", \
     "$WORK/validate.dat" using 1:3 with linespoints title "sellify /api/v1/validate", \
     "$WORK/decisions.dat" using 1:3 with linespoints title "sellify /api/v1/decisions (durable)"
unset multiplot
GP
echo
cat "$ROOT/bench/peer/latest.md"
echo
echo "written: bench/peer/latest.md, bench/peer/latest.png"
echo "load:    $(uptime)"
if ((${#STOP_FAILURES[@]})); then printf 'SHUTDOWN: %s\n' "${STOP_FAILURES[@]}"; fi
if ((${#PROBLEMS[@]})); then printf 'PROBLEM: %s\n' "${PROBLEMS[@]}"; exit 1; fi
