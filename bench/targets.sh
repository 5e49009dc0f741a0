# Sourced by bench/compare, bench/run-all and bench/smoke-test: start and stop the servers the load
# tool drives, on loopback only. Each start sets TARGET_PID (the server process itself, so the tool
# reads its CPU and memory from /proc), TARGET_PORT and TARGET_THREADS.
#
#   switchboard     BUILD/switchboard serve --threads SB_THREADS (default: nproc), client events
#                   unlimited (SWITCHBOARD_CLIENT_EVENT_RATE=0)
#   soketi          bench/peers/soketi/start (npm ci on first use); one JavaScript thread
#   baseline        BUILD/switchboard-baseline: one write() per delivery
#   baseline-batch  BUILD/switchboard-baseline --batch: one writev() per socket per loop turn

bench_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BENCH_BUILD="${BENCH_BUILD:-$bench_dir/../build}"
BENCH_APP_ID="${BENCH_APP_ID:-app-id}"
BENCH_APP_KEY="${BENCH_APP_KEY:-app-key}"
BENCH_APP_SECRET="${BENCH_APP_SECRET:-app-secret}"

# start_target KIND PORT LOG   (PORT 0: the server picks one and prints it; not for soketi)
start_target() {
    local kind="$1" port="$2" log="$3"
    : > "$log"
    case "$kind" in
        switchboard)
            TARGET_THREADS="${SB_THREADS:-$(nproc)}"
            # Client events unlimited, as soketi is configured (peers.md): the speaker of
            # --publish client sends far more than Pusher's 10 per second per connection.
            TARGET_DATA=$(mktemp -d "${TMPDIR:-/tmp}/switchboard-bench-data.XXXXXX")
            SWITCHBOARD_CLIENT_EVENT_RATE=0 "$BENCH_BUILD/switchboard" serve --host 127.0.0.1 --port "$port" \
                --app "$BENCH_APP_ID:$BENCH_APP_KEY:$BENCH_APP_SECRET" --data-dir "$TARGET_DATA" \
                --threads "$TARGET_THREADS" >"$log" 2>&1 &
            ;;
        soketi)
            TARGET_THREADS=1
            "$bench_dir/peers/soketi/start" "$port" "$BENCH_APP_ID" "$BENCH_APP_KEY" \
                "$BENCH_APP_SECRET" >"$log" 2>&1 &
            ;;
        baseline | baseline-batch)
            TARGET_THREADS=1
            local mode=(--writes-per-delivery 1)
            [ "$kind" = baseline-batch ] && mode=(--batch)
            "$BENCH_BUILD/switchboard-baseline" --host 127.0.0.1 --port "$port" \
                --app "$BENCH_APP_ID:$BENCH_APP_KEY:$BENCH_APP_SECRET" "${mode[@]}" >"$log" 2>&1 &
            ;;
        *)
            echo "unknown target $kind (switchboard, soketi, baseline, baseline-batch)" >&2
            return 2
            ;;
    esac
    TARGET_PID=$!
    TARGET_PORT="$port"
    # Ready when it says where it listens (switchboard, baseline) or accepts a connection (soketi).
    local i
    for i in $(seq 1 600); do
        if ! kill -0 "$TARGET_PID" 2>/dev/null; then
            echo "$kind exited during start-up:" >&2
            cat "$log" >&2
            return 1
        fi
        local printed
        printed=$(grep -oE 'listening on http://127\.0\.0\.1:[0-9]+' "$log" | head -1 | grep -oE '[0-9]+$' || true)
        if [ -n "$printed" ] && [ "$printed" != 0 ]; then
            TARGET_PORT="$printed"
            return 0
        fi
        if [ "$port" != 0 ] && [ "$kind" = soketi ] && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            sleep 0.5  # the HTTP API and the WebSocket server come up together; give both a moment
            return 0
        fi
        sleep 0.1
    done
    echo "$kind did not come up within 60 s" >&2
    return 1
}

# stop_target: SIGTERM to the PID we started, SIGKILL after 10 s.
stop_target() {
    [ -n "${TARGET_PID:-}" ] || return 0
    kill -TERM "$TARGET_PID" 2>/dev/null || true
    local i
    for i in $(seq 1 100); do
        kill -0 "$TARGET_PID" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$TARGET_PID" 2>/dev/null || true
    wait "$TARGET_PID" 2>/dev/null || true
    TARGET_PID=
    if [ -n "${TARGET_DATA:-}" ]; then
        rm -rf "$TARGET_DATA"
        TARGET_DATA=
    fi
}
