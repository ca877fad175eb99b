# bench/lib.sh — what the HTTP benchmarks share (sourced by bench/http.sh and bench/peer.sh):
# a config with the limits raised so every request is a decision, starting and stopping
# `sellify serve`, CPU seconds of a process, wrk's latencies in ms.
# Expects: BIN (the sellify binary), WORK (the temp deployment with config.yaml, catalog.yaml,
# rules/), entry (the bench API key's config line), CLK_TCK; sets SERVER_PID, SERVER_LOG, URL;
# appends to STOP_FAILURES.

# make_config <synchronous> -> $WORK/config-<synchronous>.yaml, store in $WORK/data-<synchronous>-<round>/
make_config() {
    local sync=$1 round=$2 file=$WORK/config-$1-$2.yaml
    awk -v entry="$entry" -v sync="$sync" -v data="data-$sync-$round" '
        $0 == "  api_keys: []"                 { print "  api_keys:"; print entry; next }
        /^  requests_per_second: /             { sub(/: [0-9]+/, ": 1000000") }
        /^  burst: /                           { sub(/: [0-9]+/, ": 1000000") }
        /^    messages_per_day: /              { sub(/: [0-9]+/, ": 100000000") }
        /^    messages_per_week: /             { sub(/: [0-9]+/, ": 100000000") }
        /^    images_per_day: /                { sub(/: [0-9]+/, ": 100000000") }
        /^    videos_per_week: /               { sub(/: [0-9]+/, ": 100000000") }
        /^    min_interval: /                  { sub(/: [0-9]+[a-z]+/, ": 0s") }
        /^    max_replies_per_hour: /          { sub(/: [0-9]+/, ": 1000000") }
        /^  synchronous: /                     { sub(/: [a-z]+/, ": " sync) }
        $0 ~ /^  path: data\/sellify\.db/      { sub(/data\/sellify\.db/, data "/sellify.db") }
        { print }
    ' "$WORK/config.yaml" >"$file"
    # every edit must have landed
    local expect
    for expect in "sha256:" "requests_per_second: 1000000" "burst: 1000000" "messages_per_day: 100000000" \
        "messages_per_week: 100000000" "images_per_day: 100000000" "videos_per_week: 100000000" \
        "min_interval: 0s" "max_replies_per_hour: 1000000" "synchronous: $sync" "path: data-$sync-$round/sellify.db"; do
        grep -q -- "$expect" "$file" || { echo "error: config edit '$expect' did not apply to $file" >&2; exit 1; }
    done
    "$BIN" check --config "$file" >"$WORK/check-$sync-$round.txt" 2>&1 || {
        echo "error: sellify check --config $file failed:" >&2; cat "$WORK/check-$sync-$round.txt" >&2; exit 1; }
    echo "$file"
}

# ── server ───────────────────────────────────────────────────────────────────────────────
start_server() {
    local config=$1 name=$2
    SERVER_LOG=$WORK/server-$name.log
    "$BIN" serve --config "$config" --port 0 >"$SERVER_LOG" 2>&1 &
    SERVER_PID=$!
    URL=
    for _ in $(seq 1 600); do
        URL=$(sed -n 's|.*serving on \(http://[^ ]*\).*|\1|p' "$SERVER_LOG" | head -n 1)
        [[ -n $URL ]] && break
        kill -0 "$SERVER_PID" 2>/dev/null || { echo "error: server exited:" >&2; cat "$SERVER_LOG" >&2; exit 1; }
        sleep 0.1
    done
    [[ -n $URL ]] || { echo "error: no 'serving on' line after 60 s" >&2; cat "$SERVER_LOG" >&2; exit 1; }
    for _ in $(seq 1 300); do
        curl -fsS -o /dev/null "$URL/ready" && break
        sleep 0.1
    done
    curl -fsS -o /dev/null "$URL/ready" || { echo "error: $URL/ready never answered 200" >&2; exit 1; }
    echo "server:  $name, pid $SERVER_PID, $URL, $(curl -fsS "$URL/ready")"
}

stop_server() {
    local status=0
    kill -TERM "$SERVER_PID"
    wait "$SERVER_PID" || status=$?
    SERVER_PID=
    echo "server:  SIGTERM -> exit status $status"
    if [[ $status != 0 ]]; then STOP_FAILURES+=("$1: exit status $status"); fi
}

proc_cpu() { awk -v t="$CLK_TCK" '{ printf "%.2f", ($14 + $15) / t }' "/proc/$1/stat"; }

to_ms() { # wrk's 850.00us / 1.23ms / 1.02s -> ms
    awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000;
                           printf "%.2f", n }'
}

