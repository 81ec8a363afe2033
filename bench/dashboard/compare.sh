#!/usr/bin/env bash
# Two herd builds side by side on the paint benchmark, alternating, on one data directory:
# for each build, N loads each right after a daemon restart (the store's read cache empty),
# then crates/herd/tests/browser/paint-bench.mjs with LOADS loads, then queries.sh.
#   bash bench/dashboard/compare.sh BUILD_A BUILD_B DATA_DIR [ROUNDS] [LOADS] [N]
# Needs NODE_PATH with playwright-core (target/ci-node/node_modules) and Debian's chromium.
# The first round fills DATA_DIR (24 h of 1,000 series) if it is empty.
set -euo pipefail
a=$1 b=$2 data=$3 rounds=${4:-2} loads=${5:-15} n=${6:-3}
udp=127.0.0.1:18125 http=18128
here=$(cd "$(dirname "$0")" && pwd)
bench="$here/../../crates/herd/tests/browser/paint-bench.mjs"
pid=
stop() { if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=; fi; }
trap stop EXIT
start() {
  stop
  "$1" statsd --udp "$udp" --http "127.0.0.1:$http" --data-dir "$data" >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$http/metrics" >/dev/null && return; sleep 0.1; done
  echo "$1 did not start" >&2; exit 1
}
paint() { node "$bench" "http://127.0.0.1:$http" "$udp" "$1" 2>/dev/null | tr -d '\n ' | grep -o '"first_meaningful_paint_ms":{[^}]*}'; }
for round in $(seq "$rounds"); do
  for build in "$a" "$b"; do
    echo "== $build, round $round"
    for _ in $(seq "$n"); do start "$build"; echo "after a restart: $(paint 1)"; done
    echo "$loads loads: $(paint "$loads")"
    bash "$here/queries.sh" "$http" 5
  done
done
