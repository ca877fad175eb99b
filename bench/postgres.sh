#!/usr/bin/env bash
# bench/postgres.sh — durable decisions on the embedded SQLite store next to the PostgreSQL
# store with one and with two `sellify serve` instances, in one run on one box: wrk posts
# POST /api/v1/decisions (bench/wrk/decisions.lua: a new message id each, 2,000
# conversations per wrk thread) at the same total connections to each setup.
#
#   bench/postgres.sh [duration] [connections]     # defaults 10 (seconds) and 64
#
# PostgreSQL 15 (Debian's postgresql-15, installed if missing) runs a cluster of this
# script's own in a temp folder on a free loopback port, durable as in production (fsync on,
# synchronous_commit on); SQLite runs with synchronous: full. Two instances share one
# database and split the connections (two wrk processes at once); their req/s add up.
# Prints a table (req/s, p50, p99 — the worse of the two for two instances — and the CPU of
# sellify and of PostgreSQL) and writes it to bench/postgres/latest.md.
# Environment: SCRATCH (build folder, default .build-release), SKIP_BUILD=1, THREADS (wrk
# threads per wrk, 2), KEEP=1 (keep the temp folder).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DURATION=${1:-10}
[[ $DURATION =~ ^[0-9]+$ ]] && DURATION=${DURATION}s
CONNECTIONS=${2:-64}
SCRATCH=${SCRATCH:-.build-release}
THREADS=${THREADS:-2}
BIN=$ROOT/$SCRATCH/release/sellify
CLK_TCK=$(getconf CLK_TCK)
PGBIN=/usr/lib/postgresql/15/bin

if [[ ${SKIP_BUILD:-0} != 1 ]]; then
    echo "building: swift build -c release --scratch-path $SCRATCH --product sellify"
    swift build -c release --scratch-path "$SCRATCH" --product sellify >/tmp/sellify-pg-bench-build.log 2>&1 ||
        { tail -n 60 /tmp/sellify-pg-bench-build.log; exit 1; }
fi
[[ -x $BIN ]] || { echo "error: $BIN not found (build it or unset SKIP_BUILD)" >&2; exit 1; }
missing=()
command -v wrk >/dev/null || missing+=(wrk)
[[ -x $PGBIN/postgres ]] || missing+=(postgresql-15)
if ((${#missing[@]})); then
    echo "installing: ${missing[*]}"
    apt-get install -y "${missing[@]}" >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y "${missing[@]}" >/dev/null; }
fi

WORK=$(mktemp -d /tmp/sellify-pg-bench.XXXXXX)
SERVER_PID=
SERVERS=()
PG_PID=
as_postgres=()
[[ $(id -u) == 0 ]] && as_postgres=(setpriv --reuid=postgres --regid=postgres --init-groups --)
cleanup() {
    for pid in "${SERVERS[@]}" $SERVER_PID; do kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; done
    if [[ -n $PG_PID ]]; then kill -INT "$PG_PID" 2>/dev/null; wait "$PG_PID" 2>/dev/null || true; fi
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
# Instances sharing a store must seal with the same audit key.
head -c 32 /dev/urandom | base64 >"$WORK/audit.key"
chmod 600 "$WORK/audit.key"

# ── PostgreSQL ───────────────────────────────────────────────────────────────────────────
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PG_PORT=$(free_port)
mkdir -p "$WORK/pg"
if [[ $(id -u) == 0 ]]; then chmod 711 "$WORK"; chown postgres:postgres "$WORK/pg"; fi
"${as_postgres[@]}" "$PGBIN/initdb" -D "$WORK/pg/data" -U sellify --auth=trust -E UTF8 --locale=C >"$WORK/pg/initdb.log" 2>&1 ||
    { cat "$WORK/pg/initdb.log" >&2; exit 1; }
"${as_postgres[@]}" "$PGBIN/postgres" -D "$WORK/pg/data" -p "$PG_PORT" -k "$WORK/pg" -c listen_addresses=127.0.0.1 \
    -c max_connections=200 >"$WORK/pg/server.log" 2>&1 </dev/null &
PG_PID=$!
for _ in $(seq 1 600); do
    [[ $(tail -n 1 "$WORK/pg/data/postmaster.pid" 2>/dev/null | tr -d ' ') == ready ]] && break
    kill -0 "$PG_PID" 2>/dev/null || { cat "$WORK/pg/server.log" >&2; exit 1; }
    sleep 0.1
done
psql_() { psql -X -q -A -t -h 127.0.0.1 -p "$PG_PORT" -U sellify -d "${2:-postgres}" -c "$1"; }
pg_pids() { pgrep -u postgres -f "postgres" | tr '\n' ' '; }

# postgres_config <round> <database> -> a config on the PostgreSQL store
postgres_config() {
    local file
    file=$(make_config full "$1")
    psql_ "CREATE DATABASE $2" >/dev/null
    python3 - "$file" "postgres://sellify@127.0.0.1:$PG_PORT/$2" "$WORK/audit.key" <<'PY'
import re, sys
path, url, key = sys.argv[1:]
s = open(path).read()
s, n = re.subn(r"(?m)^  type: sqlite .*$", "  type: postgres\n  url: %s\n  tls: disable" % url, s, count=1)
s, m = re.subn(r"(?m)^  keys: \[\]$", "  keys:\n    - { id: bench, file: %s }" % key, s, count=1)
assert n == 1 and m == 1, "config.yaml changed: update bench/postgres.sh"
open(path, "w").write(s)
PY
    echo "$file"
}

echo "machine: $(nproc) CPUs, $(uname -sr), $(wrk -v 2>&1 | head -n 1 | cut -d' ' -f1-2), $("$PGBIN/postgres" --version)"
echo "binary:  $BIN ($(date -u -r "$BIN" +%Y-%m-%dT%H:%M:%SZ)), HEAD $(git rev-parse --short HEAD 2>/dev/null || echo -)"
echo "wrk:     -t$THREADS -d$DURATION --latency, $CONNECTIONS connections in all; PostgreSQL fsync on, port $PG_PORT"
echo "load:    $(uptime)"
echo

cpu_of() { local total=0 pid; for pid in $1; do [[ -r /proc/$pid/stat ]] && total=$(awk -v t="$CLK_TCK" -v s="$total" '{ printf "%.2f", s + ($14 + $15) / t }' "/proc/$pid/stat"); done; echo "$total"; }
ROWS=()
# run <name> <sellify pids> <url>… : one wrk per url at CONNECTIONS / urls each, at once
run() {
    local name=$1 pids=$2; shift 2
    local urls=("$@") each=$((CONNECTIONS / $#)) i wrks=() threads=$THREADS
    ((threads > each)) && threads=$each
    local s0 p0 w0 s1 p1 w1
    s0=$(cpu_of "$pids"); p0=$(cpu_of "$(pg_pids)"); w0=$(date +%s.%N)
    for i in "${!urls[@]}"; do
        wrk -t"$threads" -c"$each" -d"$DURATION" --latency -s "$ROOT/bench/wrk/decisions.lua" "${urls[$i]}/api/v1/decisions" \
            -- "$name-$i-$$" >"$WORK/wrk-$name-$i.txt" 2>&1 &
        wrks+=($!)
    done
    wait "${wrks[@]}" || true
    w1=$(date +%s.%N); s1=$(cpu_of "$pids"); p1=$(cpu_of "$(pg_pids)")
    local rps=0 p50=0 p99=0 non2xx=0 out r
    for i in "${!urls[@]}"; do
        out=$WORK/wrk-$name-$i.txt
        r=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$out")
        [[ -n $r ]] || PROBLEMS+=("$name: wrk did not run: $(tail -n 3 "$out" | tr '\n' ' ')")
        rps=$((rps + ${r:-0}))
        p50=$(awk -v a="$p50" -v b="$(to_ms "$(awk '$1 == "50%" { print $2 }' "$out")")" 'BEGIN { print (b > a ? b : a) }')
        p99=$(awk -v a="$p99" -v b="$(to_ms "$(awk '$1 == "99%" { print $2 }' "$out")")" 'BEGIN { print (b > a ? b : a) }')
        n=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$out"); non2xx=$((non2xx + ${n:-0}))
    done
    local scpu pcpu
    scpu=$(awk -v a="$s0" -v b="$s1" -v w0="$w0" -v w1="$w1" 'BEGIN { printf "%.0f", (b - a) / (w1 - w0) * 100 }')
    pcpu=$(awk -v a="$p0" -v b="$p1" -v w0="$w0" -v w1="$w1" 'BEGIN { printf "%.0f", (b - a) / (w1 - w0) * 100 }')
    printf '%-22s %7s req/s, p50 %7s ms, p99 %7s ms, sellify CPU %4s%%, PostgreSQL CPU %4s%%, non-2xx %s\n' \
        "$name" "$rps" "$p50" "$p99" "$scpu" "$pcpu" "$non2xx"
    ROWS+=("$name|$rps|$p50|$p99|$scpu|$pcpu|$non2xx")
    [[ $non2xx == 0 ]] || PROBLEMS+=("$name: $non2xx non-2xx ($(grep -h statuses "$WORK"/wrk-"$name"-*.txt | tr '\n' ' '))")
}

# 1. SQLite, one instance
config=$(make_config full 1)
start_server "$config" sqlite
run sqlite "$SERVER_PID" "$URL"
stop_server sqlite

# 2. PostgreSQL, one instance
config=$(postgres_config 2 bench_one)
start_server "$config" postgres-1
run postgres-1-instance "$SERVER_PID" "$URL"
stop_server postgres-1

# 3. PostgreSQL, two instances on one database
config=$(postgres_config 3 bench_two)
start_server "$config" postgres-2a
A_PID=$SERVER_PID A_URL=$URL
SERVERS+=("$A_PID")
start_server "$config" postgres-2b
B_PID=$SERVER_PID B_URL=$URL
SERVERS+=("$B_PID")
SERVER_PID=
run postgres-2-instances "$A_PID $B_PID" "$A_URL" "$B_URL"
answers=$(psql_ "SELECT count(*) FROM decisions" bench_two)
verify=$("$BIN" audit verify --config "$config" 2>&1 | tail -n 1)
for pid in "$A_PID" "$B_PID"; do kill -TERM "$pid"; wait "$pid" || STOP_FAILURES+=("postgres-2: exit $?"); done
SERVERS=()
echo "two instances: $answers decisions stored; audit verify: $verify"

mkdir -p bench/postgres
{
    echo "# bench/postgres.sh $DURATION $CONNECTIONS — $(date -u +%Y-%m-%dT%H:%M:%SZ), HEAD $(git rev-parse --short HEAD 2>/dev/null || echo -)"
    echo
    echo "$(nproc) CPUs; wrk -t$THREADS --latency, $CONNECTIONS connections in all (split between two instances);"
    echo "SQLite synchronous: full; PostgreSQL 15 fsync on, synchronous_commit on; all on this box."
    echo
    echo "| setup | req/s | vs SQLite | p50 ms | p99 ms | sellify CPU | PostgreSQL CPU | non-2xx |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|"
    base=$(cut -d'|' -f2 <<<"${ROWS[0]}")
    for row in "${ROWS[@]}"; do
        IFS='|' read -r name rps p50 p99 scpu pcpu non2xx <<<"$row"
        ratio=$(awk -v r="$rps" -v b="$base" 'BEGIN { if (b > 0) printf "%.2f×", r / b; else print "-" }')
        echo "| $name | $rps | $ratio | $p50 | $p99 | $scpu% | $pcpu% | $non2xx |"
    done
    echo
    echo "Two instances: $answers decisions stored; \`sellify audit verify\`: $verify"
} >bench/postgres/latest.md
echo
cat bench/postgres/latest.md
if ((${#PROBLEMS[@]} + ${#STOP_FAILURES[@]})); then
    printf 'problem: %s\n' "${PROBLEMS[@]}" "${STOP_FAILURES[@]}" >&2
    exit 1
fi
