#!/usr/bin/env bash
# The metrics pipeline end to end, on loopback: build herd, start the DogStatsD daemon, send it
# real traffic (a decoded sample file's worth of every message kind, then load from herd blast),
# read its self-telemetry, stop it with SIGTERM and show what the last flush emitted.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p herd --quiet
herd=target/release/herd
work=$(mktemp -d)
pid=
trap 'if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi; rm -rf "$work"' EXIT

echo "== 1. decode: what the wire format says about examples/sample.dogstatsd"
# exit 1: the sample holds two deliberate errors, reported with file:line:col.
"$herd" decode examples/sample.dogstatsd >"$work/decoded" 2>"$work/errors" || true
head -n 4 "$work/decoded"
echo "   ... $(wc -l <"$work/decoded") messages decoded; errors:"
sed 's/^/   /' "$work/errors"

echo "== 2. statsd: listen on UDP and a Unix socket, flush every second"
"$herd" statsd --udp 127.0.0.1:0 --uds "$work/dsd.sock" --http 127.0.0.1:0 \
  --flush-interval 1s --emit stdout --tags demo:yes --data-dir "$work/data" >"$work/points" 2>"$work/log" &
pid=$!
for _ in $(seq 50); do grep -q listening "$work/log" && break; sleep 0.1; done
head -n 1 "$work/log"
http=$(grep -o 'http://[^ ;]*' "$work/log" | head -n 1)
udp=$(grep -o 'udp://[^ ;]*' "$work/log" | head -n 1)

echo "== 3. send: the sample file over UDP, then 200k messages of mixed load over the Unix socket"
python3 - "$udp" examples/sample.dogstatsd <<'PY'
import socket, sys
host, port = sys.argv[1][len("udp://"):].rsplit(":", 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for line in open(sys.argv[2], "rb"):
    s.sendto(line.rstrip(b"\n"), (host, int(port)))
PY
"$herd" blast --target "unixgram://$work/dsd.sock" --messages 200000 --contexts 500 \
  --datagram-size 8192 --rate 400000

echo "== 4. self-telemetry at $http"
python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1]).read().decode())' "$http" | grep -E '^herd_dogstatsd_(messages_total\{type="metric"|aggregated_total|datagrams_dropped_total\{listener="uds")' || true

echo "== 5. SIGTERM: drain, flush every open bucket, exit 0"
kill -TERM "$pid"
code=0
wait "$pid" || code=$?
pid=
echo "exit code $code; $(wc -l <"$work/points") JSON lines emitted, for example:"
grep -E '"metric":"(page.views|request.latency.95percentile|users.uniques|request.size)"' "$work/points" | head -n 4
grep -E '"(event|service_check)"' "$work/points" | head -n 2
