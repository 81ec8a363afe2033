#!/usr/bin/env bash
# Bytes per sample on disk after sealing, for a day of statsd-shaped series at 10 s (the
# issue's goal: <= 1.0; a whole day sealed is compacted into one day block), by default and
# with float minute rollups stored for every series, and the encodings table of
# docs/storage.md. Prints JSON lines. Takes about two minutes after the build.
#   bash bench/tsdb/bytes-per-sample.sh [series] [hours] [block hours]   (default 10000 24 2)
set -euo pipefail
cd "$(dirname "$0")/../.."
series=${1:-10000} hours=${2:-24} block=${3:-2}
cargo build --quiet --profile bench -p herd-tsdb --example bytes_per_sample --example encodings
bin=target/release/examples
"$bin/encodings"
"$bin/bytes_per_sample" "$series" "$hours" "$block"
HERD_BPS_MINUTE_ROLLUPS=1 "$bin/bytes_per_sample" "$series" "$hours" "$block"
HERD_BPS_HISTOGRAMS=1 "$bin/bytes_per_sample" "$series" "$hours" "$block"
