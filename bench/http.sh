#!/usr/bin/env bash
# bench/http.sh — requests/s and latency of `sellify serve` under wrk, on a copy of the
# shipped deployment (config.yaml, catalog.yaml, rules/) with a known API key and the quota,
# rate-limit and cooldown limits raised so every request is a decision, not a refusal.
#
#   bench/http.sh [duration] [rounds]     # from anywhere; defaults 15 (seconds) and 1
#
#   (a) GET /health                       the framework's ceiling (store: synchronous full)
#   (b) POST /api/v1/decisions            varied events (bench/wrk/decisions.lua), full
#   (c) POST /api/v1/decisions            the same with store.synchronous: normal (new server)
#
#   SCENARIO=ai-hang bench/http.sh [duration] [rounds]
#       A hung AI provider: price questions marked "#ai" are AI-worded by an OpenAI-compatible
#       provider that accepts connections and never answers. wrk's template-worded decisions
#       (CONNECTIONS, default 50) run against a server with no AI provider configured, then
#       with the provider configured and no AI request waiting, then again while HANG_HELD
#       (default 4 = the provider's max_concurrency) AI-worded decisions wait on it; the
#       summary compares the p50/p99 of the three runs.
#
# Each round starts a fresh server per synchronous mode on a fresh store, runs wrk
# (-t2 -c64 --latency by default), accounts the CPU of sellify (/proc) and of wrk
# (/usr/bin/time) over the run, snapshots `top` half-way, checks the server log, the
# status codes (non-2xx must be 0) and /metrics, then stops the server with SIGTERM and
# checks it exits 0. Prints one summary table at the end.
#
# Environment: SCRATCH (build folder, default .build-release), SKIP_BUILD=1 (use the binary
# as built), THREADS (2), CONNECTIONS (64), KEEP=1 (keep the temp deployment and logs).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

DURATION=${1:-15}
[[ $DURATION =~ ^[0-9]+$ ]] && DURATION=${DURATION}s
ROUNDS=${2:-1}
SCRATCH=${SCRATCH:-.build-release}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-$([[ ${SCENARIO:-} == ai-hang ]] && echo 50 || echo 64)}
BIN=$ROOT/$SCRATCH/release/sellify
CLK_TCK=$(getconf CLK_TCK)
seconds=$(awk -v d="$DURATION" 'BEGIN { n = d + 0; if (d ~ /m$/) n *= 60; if (d ~ /h$/) n *= 3600; print n }')

# ── build ────────────────────────────────────────────────────────────────────────────────
if [[ ${SKIP_BUILD:-0} != 1 ]]; then
    log=$(mktemp)
    echo "building: swift build -c release --scratch-path $SCRATCH --product sellify"
    if ! swift build -c release --scratch-path "$SCRATCH" --product sellify >"$log" 2>&1; then
        tail -n 60 "$log"
        rm -f "$log"
        exit 1
    fi
    rm -f "$log"
fi
[[ -x $BIN ]] || { echo "error: $BIN not found (build it or unset SKIP_BUILD)" >&2; exit 1; }

# ── wrk ──────────────────────────────────────────────────────────────────────────────────
if ! command -v wrk >/dev/null; then
    echo "installing wrk"
    apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
fi

echo "machine: $(nproc) CPUs, $(uname -sr), $(swift --version 2>/dev/null | head -n 1), $(wrk -v 2>&1 | head -n 1 | cut -d' ' -f1-2)"
echo "binary:  $BIN ($(date -u -r "$BIN" +%Y-%m-%dT%H:%M:%SZ))"
echo "wrk:     -t$THREADS -c$CONNECTIONS -d$DURATION --latency, $ROUNDS round(s)"
echo "load:    $(uptime)"

# ── deployment copy ──────────────────────────────────────────────────────────────────────
WORK=$(mktemp -d /tmp/sellify-http-bench.XXXXXX)
SERVER_PID=
cleanup() {
    if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then kill -TERM "$SERVER_PID"; wait "$SERVER_PID" || true; fi
    if [[ ${KEEP:-0} == 1 ]]; then echo "kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
cp config.yaml catalog.yaml "$WORK/"
cp -R rules "$WORK/rules"

keyout=$("$BIN" keys new --name bench --scopes decide,read,admin)
export BENCH_API_KEY=$(sed -n 's/^key: //p' <<<"$keyout")
entry=$(grep -E '^ *- \{ name: bench, sha256:' <<<"$keyout")
[[ -n $BENCH_API_KEY && -n $entry ]] || { echo "error: unexpected 'sellify keys new' output:"; echo "$keyout"; exit 1; } >&2

source "$ROOT/bench/lib.sh"   # make_config, start_server, stop_server, proc_cpu, to_ms

SUMMARY=()
STOP_FAILURES=()
PROBLEMS=()

# run_wrk <label> <url> [script [script-arg]]
run_wrk() {
    local label=$1 url=$2 script=${3:-} scriptarg=${4:-} tag out
    tag=$(echo "$label" | tr -c 'a-zA-Z0-9\n' '-')
    out=$WORK/wrk-$tag.txt
    local args=(-t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency)
    [[ -n $script ]] && args+=(-s "$script")
    args+=("$url")
    [[ -n $scriptarg ]] && args+=(-- "$scriptarg")
    local load0 load1 cpu0 cpu1 wall0 wall1
    load0=$(cut -d' ' -f1-3 /proc/loadavg)
    cpu0=$(proc_cpu "$SERVER_PID")
    wall0=$(date +%s.%N)
    /usr/bin/time -f '%U %S' -o "$WORK/time-$tag.txt" wrk "${args[@]}" >"$out" 2>&1 &
    local time_pid=$!
    sleep $((seconds / 2))
    local wrk_pid
    wrk_pid=$(pgrep -P "$time_pid" wrk || true)
    {
        top -b -n 1 -w 200 | head -n 12
        [[ -n $wrk_pid ]] && top -b -n 1 -w 200 -p "$SERVER_PID,$wrk_pid" | tail -n 2
    } >"$WORK/top-$tag.txt" 2>&1 || true
    wait "$time_pid" || true
    wall1=$(date +%s.%N)
    cpu1=$(proc_cpu "$SERVER_PID")
    load1=$(cut -d' ' -f1-3 /proc/loadavg)
    echo
    echo "── $label ── (load before $load0, after $load1)"
    echo "\$ wrk ${args[*]}"
    cat "$out"
    echo "top half-way (the busiest processes, then sellify and wrk):"
    sed -n '1p;3p;7,14p' "$WORK/top-$tag.txt" | sed 's/^/    /'
    local rps p50 p99 non2xx total sockets wrkcpu srvcpu wall
    rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$out")
    p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$out")")
    p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$out")")
    non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$out")
    non2xx=${non2xx:-0}
    total=$(awk '/requests in/ { print $1 }' "$out")
    sockets=$(sed -n 's/^ *Socket errors: //p' "$out")
    sockets=${sockets:-none}
    wall=$(awk -v a="$wall0" -v b="$wall1" 'BEGIN { printf "%.2f", b - a }')
    wrkcpu=$(tail -n 1 "$WORK/time-$tag.txt" | awk -v w="$wall" '{ printf "%.0f%%", ($1 + $2) / w * 100 }')
    srvcpu=$(awk -v a="$cpu0" -v b="$cpu1" -v w="$wall" 'BEGIN { printf "%.0f%%", (b - a) / w * 100 }')
    echo "CPU over the run ($wall s wall, 200% = both cores): sellify $srvcpu, wrk $wrkcpu"
    SUMMARY+=("$(printf '%-26s %8s %8s %8s %9s %8s  %-15s %-7s %-5s %s' "$label" "${rps:--}" "$p50" "$p99" "${total:--}" "$non2xx" \
        "$load0" "$srvcpu" "$wrkcpu" "$sockets")")
    if [[ -z $rps || -z $total || $total == 0 ]]; then
        PROBLEMS+=("$label: wrk did not run (see its output above)")
    fi
    if [[ $non2xx != 0 ]]; then
        PROBLEMS+=("$label: $non2xx non-2xx responses (see 'error body' lines above)")
        echo "!! $non2xx non-2xx responses; server log tail:"
        tail -n 20 "$SERVER_LOG" | sed 's/^/    /'
    fi
    if [[ $sockets != none && $sockets != "connect 0, read 0, write 0, timeout 0" ]]; then
        PROBLEMS+=("$label: socket errors: $sockets")
    fi
}

server_report() { # metrics and log after a server's runs
    local name=$1 metrics
    metrics=$(curl -fsS "$URL/metrics")
    echo "metrics: $(grep -E '^sellify_decisions_total' <<<"$metrics" | sed 's/sellify_decisions_total{action="\([A-Za-z]*\)"}/\1/' | tr '\n' ' ')"
    echo "         $(grep -E '^sellify_audit_logs_total|^sellify_process_resident_memory_bytes' <<<"$metrics" | tr '\n' ' ')"
    # Every evaluation runs the normalizer stage once; a commit that finds the state changed since
    # its read (.conflict) re-reads and re-evaluates. So normalizer runs / decisions = evaluations
    # per decision (1.00 = no conflict).
    local evals decided
    evals=$(grep -E '^sellify_stage_outcomes_total\{stage="normalizer"' <<<"$metrics" | awk '{ s += $NF } END { print s + 0 }')
    decided=$(grep -E '^sellify_decisions_total\{' <<<"$metrics" | awk '{ s += $NF } END { print s + 0 }')
    echo "         pipeline evaluations $evals for $decided decisions: $(awk -v e="$evals" -v d="$decided" 'BEGIN { if (d > 0) printf "%.2f", e / d; else print "-" }') evaluations per decision"
    EVALS_PER_DECISION=$(awk -v e="$evals" -v d="$decided" 'BEGIN { if (d > 0) printf "%.2f", e / d; else print "-" }')
    local errors
    errors=$(grep -E '^sellify_stage_errors_total\{[^}]*\} [1-9]' <<<"$metrics" || true)
    if [[ -n $errors ]]; then
        echo "         stage errors: $errors"
        PROBLEMS+=("$name: stage errors: $(tr '\n' ' ' <<<"$errors")")
    fi
    grep -E '^sellify_http_requests_total\{' <<<"$metrics" | grep -v 'status="2' | sed 's/^/         http non-2xx: /' || true
    local lines
    lines=$(wc -l <"$SERVER_LOG")
    # log lines: "<RFC 3339 time> <level> <label>: <message>" (format: text)
    echo "log:     $lines lines; by level: $(awk '$1 ~ /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-/ { print $2 }' "$SERVER_LOG" |
        sort | uniq -c | awk '{ printf "%s %s  ", $2, $1 }')"
    local noisy
    # (a handoff notice — the mix asks for people — is the log sink's delivery, not a problem)
    noisy=$(awk '$1 ~ /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-/ && $2 ~ /^(warning|error|critical)$/ && !/condition=handoff/ { print NR ": " $0 }' "$SERVER_LOG")
    if [[ -n $noisy ]]; then
        echo "         first warning/error lines:"
        head -n 10 <<<"$noisy" | cut -c1-400 | sed 's/^/           /'
        PROBLEMS+=("$name: $(wc -l <<<"$noisy") warning/error log lines (first: $(head -n 1 <<<"$noisy" | cut -c1-300))")
    fi
}

# ── a hung AI provider ───────────────────────────────────────────────────────────────────
# make_ai_config <config>: the config with a generative provider at $HANG_PORT that never
# answers, and rules that ask it to word price questions whose text holds "#ai".
make_ai_config() {
    local config=$1 file=${1%.yaml}-ai.yaml
    awk -v port="$HANG_PORT" '
        /^  options: \{\}/ { print "  options: {}"; print "  deadline: 300s";
                              print "  providers:";
                              print "    - { type: openai, base_url: \"http://127.0.0.1:" port "/v1\", model: hang, timeout: 300s }";
                              print "    - type: template"; next }
        { print }
    ' "$config" >"$file"
    grep -q "model: hang" "$file" || { echo "error: the ai.providers edit did not apply to $file" >&2; exit 1; }
    mkdir -p "$WORK/rules-ai"
    cp -R "$WORK/rules/." "$WORK/rules-ai/"
    python3 - "$WORK/rules-ai/decision.lua" <<'PY'
import sys
path = sys.argv[1]
s = open(path).read()
old = "           state = state, product = product and product.id }"
assert old in s, "respond() changed: update bench/http.sh"
s = s.replace(old, "           state = state, product = product and product.id,\n"
              "           wording = rule == \"price_question\" and ai_wording or nil,\n"
              "           brief = rule == \"price_question\" and ai_wording and \"answer the price question\" or nil }", 1)
s = s.replace("local function respond(", "local ai_wording = nil\nlocal function respond(", 1)
old = "  local event    = ctx.event or NONE\n"
assert old in s, "decide() changed: update bench/http.sh"
s = s.replace(old, old + "  ai_wording = string.find(event.text or \"\", \"#ai\", 1, true) and \"ai\" or nil\n", 1)
open(path, "w").write(s)
PY
    sed -i "s|^  directory: rules|  directory: rules-ai|" "$file"
    grep -q "^  directory: rules-ai" "$file" || { echo "error: the rules.directory edit did not apply to $file" >&2; exit 1; }
    "$BIN" check --config "$file" >"$WORK/check-ai.txt" 2>&1 || {
        echo "error: sellify check --config $file failed:" >&2; cat "$WORK/check-ai.txt" >&2; exit 1; }
    echo "$file"
}

if [[ ${SCENARIO:-} == ai-hang ]]; then
    HANG_HELD=${HANG_HELD:-4}
    # The provider: accepts every connection, reads nothing, answers nothing; counts them.
    python3 -u -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0)); s.listen(256)
print(s.getsockname()[1], flush=True)
held = []
while True:
    c, _ = s.accept(); held.append(c)
    open(sys.argv[1], "w").write(str(len(held)))
' "$WORK/hang-count" >"$WORK/hang-port" &
    HANG_PID=$!
    trap 'kill $HANG_PID 2>/dev/null || true; cleanup' EXIT
    for _ in $(seq 1 100); do [[ -s $WORK/hang-port ]] && break; sleep 0.1; done
    HANG_PORT=$(head -n 1 "$WORK/hang-port")
    [[ -n $HANG_PORT ]] || { echo "error: the hanging provider did not start" >&2; exit 1; }
    plain=$(make_config full 1)
    config=$(make_ai_config "$plain")
    echo
    echo "════ no AI provider configured, store.synchronous: full ════"
    start_server "$plain" "no-ai"
    run_wrk "no AI configured" "$URL/api/v1/decisions" "$ROOT/bench/wrk/decisions.lua" "plain-$$"
    server_report "no-ai"
    stop_server "no-ai"
    echo
    echo "════ a hung AI provider (127.0.0.1:$HANG_PORT), store.synchronous: full ════"
    start_server "$config" "ai-hang"
    run_wrk "no AI request waiting" "$URL/api/v1/decisions" "$ROOT/bench/wrk/decisions.lua" "quiet-$$"
    CURLS=()
    for i in $(seq 1 "$HANG_HELD"); do
        curl -sS -o "$WORK/held-$i.json" -w '%{http_code}' -H "Authorization: Bearer $BENCH_API_KEY" \
            -H 'Content-Type: application/json' \
            -d '{"conversation_id":"bench:held-'"$i-$$"'","message_id":"held-'"$i-$$"'","type":"text","text":"How much is the Basic Plan? #ai","received_at":"'"$(date -u +%Y-%m-%dT%H:%M:%SZ)"'"}' \
            "$URL/api/v1/decisions" >"$WORK/held-$i.status" 2>&1 &
        CURLS+=($!)
    done
    for _ in $(seq 1 600); do [[ $(cat "$WORK/hang-count" 2>/dev/null || echo 0) -ge $HANG_HELD ]] && break; sleep 0.1; done
    echo "hung:    $(cat "$WORK/hang-count" 2>/dev/null || echo 0) AI requests held by the provider"
    [[ $(cat "$WORK/hang-count" 2>/dev/null || echo 0) -ge $HANG_HELD ]] || PROBLEMS+=("the provider never held $HANG_HELD requests")
    run_wrk "$HANG_HELD AI requests hung" "$URL/api/v1/decisions" "$ROOT/bench/wrk/decisions.lua" "hung-$$"
    still=0
    for pid in "${CURLS[@]}"; do kill -0 "$pid" 2>/dev/null && still=$((still + 1)); done
    echo "hung:    $still of $HANG_HELD AI-worded decisions still waiting after the run (they wait for ai.deadline)"
    [[ $still == "$HANG_HELD" ]] || PROBLEMS+=("only $still of $HANG_HELD held decisions were still waiting: the hang did not last the run")
    server_report "ai-hang"
    stop_server "ai-hang"
    for pid in "${CURLS[@]}"; do wait "$pid" 2>/dev/null || true; done
    echo "held:    statuses after the shutdown: $(cat "$WORK"/held-*.status | tr '\n' ' ')"
    echo
    echo "summary (ms; CPU = share of one core over the run, 200% = both; load = 1/5/15-min load average before the run)"
    printf '%-26s %8s %8s %8s %9s %8s  %-15s %-7s %-5s %s\n' "run" "req/s" "p50" "p99" "requests" "non-2xx" "load" "sellify" "wrk" "socket errors"
    printf '%s\n' "${SUMMARY[@]}"
    if ((${#PROBLEMS[@]})); then printf 'PROBLEM: %s\n' "${PROBLEMS[@]}"; exit 1; fi
    exit 0
fi

for round in $(seq 1 "$ROUNDS"); do
    for sync in full normal; do
        config=$(make_config "$sync" "$round")
        echo
        echo "════ round $round, store.synchronous: $sync ════"
        start_server "$config" "$sync-$round"
        if [[ $sync == full ]]; then
            run_wrk "r$round /health" "$URL/health"
        fi
        run_wrk "r$round decisions ($sync)" "$URL/api/v1/decisions" "$ROOT/bench/wrk/decisions.lua" "r$round-$sync-$$"
        server_report "$sync-$round"
        SUMMARY[${#SUMMARY[@]} - 1]+="  (evaluations/decision $EVALS_PER_DECISION)"
        stop_server "$sync-$round"
        echo "log tail:"
        tail -n 3 "$SERVER_LOG" | sed 's/^/    /'
    done
done

echo
echo "load:    $(uptime)"
echo
echo "summary (ms; CPU = share of one core over the run, 200% = both; load = 1/5/15-min load average before the run)"
printf '%-26s %8s %8s %8s %9s %8s  %-15s %-7s %-5s %s\n' "run" "req/s" "p50" "p99" "requests" "non-2xx" "load" "sellify" "wrk" "socket errors"
printf '%s\n' "${SUMMARY[@]}"
if ((${#STOP_FAILURES[@]})); then printf 'SHUTDOWN: %s\n' "${STOP_FAILURES[@]}"; fi
if ((${#PROBLEMS[@]})); then printf 'PROBLEM: %s\n' "${PROBLEMS[@]}"; fi
if ((${#STOP_FAILURES[@]} + ${#PROBLEMS[@]})); then exit 1; fi
echo "no non-2xx, no socket errors, no warning/error log lines, every server exited 0"
