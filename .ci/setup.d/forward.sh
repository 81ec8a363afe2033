#!/usr/bin/env bash
# Peers for the forwarding tests (crates/herd/tests/forward_*.rs): Debian's prometheus (scrapes
# /metrics/app, receives remote write, promtool checks the exposition) and victoria-metrics
# (remote write and Datadog v1 series JSON), and for the stand-in Datadog intake
# (crates/herd/tests/intake/) cramjam (deflate, gzip, zstd; the protobuf is read by its own strict wire-format reader).
set -euo pipefail
cd "$(dirname "$0")/../.."
. .ci/lib.sh
apt_install prometheus victoria-metrics
pip_install "cramjam==2.11.0"
# The HTTPS test makes its own CA and server certificate with the openssl command.
apt_install openssl
