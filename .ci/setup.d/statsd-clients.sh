#!/usr/bin/env bash
# Real DogStatsD clients no one here wrote, for crates/herd/tests/clients.rs, and the peers
# bench/ingest compares against. Node packages go to target/ci-node (NODE_PATH in .ci/run).
set -euo pipefail
cd "$(dirname "$0")/../.."
. .ci/lib.sh
pip_install "datadog==0.56.0"
mkdir -p target/ci-node
if [ ! -d target/ci-node/node_modules/hot-shots ]; then
  (cd target/ci-node && npm install --no-audit --no-fund --silent hot-shots@17.1.1 >/dev/null)
fi
