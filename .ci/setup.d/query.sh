#!/usr/bin/env bash
# Datadog's own Python API client, for crates/herd-query/tests/v1_json.rs: it must parse every
# /api/v1/query response herd writes.
set -euo pipefail
cd "$(dirname "$0")/../.."
. .ci/lib.sh
pip_install "datadog-api-client==2.62.0"
