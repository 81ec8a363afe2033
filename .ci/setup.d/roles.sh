#!/usr/bin/env bash
# herd roles: Graphviz renders PNG/SVG/HTML, and its `sccmap` and `tred` are the test oracles for
# cycles and redundant run-list entries; GNU patch applies `herd roles fix --dry-run`'s diff in a
# test. The `-G html` browser test (crates/herd/tests/roles_html.rs) uses the chromium and
# playwright-core that dashboard.sh sets up.
set -euo pipefail
cd "$(dirname "$0")/../.."
. .ci/lib.sh
apt_install graphviz patch
