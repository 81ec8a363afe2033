#!/usr/bin/env bash
# herd roles: Graphviz renders PNG/SVG, and its `sccmap` and `tred` are the test oracles for
# cycles and redundant run-list entries.
set -euo pipefail
cd "$(dirname "$0")/../.."
. .ci/lib.sh
apt_install graphviz
