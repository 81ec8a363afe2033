#!/usr/bin/env bash
# Installs the peers bench/ingest compares herd against: Etsy statsd (npm `statsd`) and
# collectd's statsd plugin (Debian `collectd-core`). Node packages go to target/bench-node.
set -euo pipefail
cd "$(dirname "$0")/../.."
. .ci/lib.sh
apt_install collectd-core procps
mkdir -p target/bench-node
if [ ! -d target/bench-node/node_modules/statsd ]; then
  (cd target/bench-node && npm install --no-audit --no-fund --silent statsd@0.9.0 >/dev/null)
fi
