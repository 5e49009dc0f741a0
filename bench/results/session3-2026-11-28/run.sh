#!/usr/bin/env bash
# The third sitting's measurements, exactly as run (docs/benchmarks.md, "Third sitting").
# Release build (cmake --preset release && cmake --build build); servers on 127.0.0.1:182xx,
# Redis on 26410. Writes JSON and tables beside this script.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
build="$root/build"
source "$root/bench/targets.sh"
BENCH_BUILD="$build"
log=$(mktemp)
trap 'stop_target; rm -f "$log"' EXIT

note() { echo "$(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg) $*" | tee -a "$here/load.txt"; }

note "presence: start"
SB_THREADS=2 start_target switchboard 18200 "$log"
"$build/switchboard-bench" presence --target "127.0.0.1:$TARGET_PORT" --subscribers 1000 \
    --observers 10 --join-rate 100 --hold-ms 500 --rate 200 --fanout-subscribers 1000 \
    --duration 10 --server-pid "$TARGET_PID" --server-threads "$TARGET_THREADS" \
    --label switchboard --json "$here/presence-1000.json" | tee "$here/presence-1000.txt"
stop_target
note "presence: end"

note "history: start"
SB_THREADS=2 start_target switchboard 18201 "$log"
"$build/switchboard-bench" history --target "127.0.0.1:$TARGET_PORT" --subscribers 1000 \
    --rate 200 --duration 10 --fetch-rate 50 --fetchers 4 --page-size 50 \
    --server-pid "$TARGET_PID" --server-threads "$TARGET_THREADS" \
    --label switchboard --json "$here/history-1000.json" | tee "$here/history-1000.txt"
stop_target
note "history: end"

note "cluster: start"
"$root/bench/cluster" --build "$build" --subscribers 1000 --ramp 200:3000:200:3 \
    --cmd-rate 500 --cmd-short 3 --cmd-long 13 --out "$here/cluster" | tee "$here/cluster.txt"
note "cluster: end"

# Then, by hand, the second cluster run in the other order (1, 3, 3, 1 alternating overall):
#   bench/cluster --build build --nodes "3 1" --subscribers 1000 --ramp 200:3000:200:3 \
#       --cmd-rate 500 --cmd-short 3 --cmd-long 13 --out bench/results/session3-2026-11-28/cluster-run2
