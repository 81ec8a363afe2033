#!/usr/bin/env bash
# The paint benchmark's six widget queries against a running `herd statsd` that
# crates/herd/tests/browser/paint-bench.mjs has filled (24 h of bench.cpu, 1,000 series):
# each alone (median and range of N runs, ms), then all six at once (each one's time, ms).
#   bash bench/dashboard/queries.sh HTTP_PORT [N]
set -euo pipefail
port=$1 n=${2:-9}
now=$(date +%s)
queries=(
  'avg:bench.cpu{*} by {host}'
  'avg:bench.cpu{*}'
  'max:bench.cpu{*} by {shard}'
  'min:bench.cpu{shard:3} by {host}'
  "top(avg:bench.cpu{*} by {host}, 5, 'mean', 'desc')"
  'avg:bench.cpu{host IN (host-1, host-2, host-3)} by {host,shard}'
)
ask() {
  curl -s -o /dev/null -H 'Accept-Encoding: gzip' -w '%{time_total}\n' -G \
    "http://127.0.0.1:$port/api/v1/query" --data-urlencode "query=$1" \
    --data-urlencode "from=$((now - 86400))" --data-urlencode "to=$now"
}
echo "alone: median [min-max] ms"
for q in "${queries[@]}"; do
  for _ in $(seq "$n"); do ask "$q"; done | sort -n |
    awk -v q="$q" '{a[NR]=$1*1000} END {printf "%7.1f [%.1f-%.1f]  %s\n", a[int((NR+1)/2)], a[1], a[NR], q}'
done
echo "six at once: ms each"
for _ in 1 2 3; do
  for q in "${queries[@]}"; do ask "$q" & done | awk '{printf " %.0f", $1*1000} END {print ""}'
  wait
done
