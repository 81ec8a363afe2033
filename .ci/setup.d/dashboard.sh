#!/usr/bin/env bash
# The dashboard's browser test (crates/herd/tests/dashboard.rs): Debian's chromium, driven by
# playwright-core from target/ci-node (NODE_PATH in .ci/run). No browser is downloaded by npm.
set -euo pipefail
cd "$(dirname "$0")/../.."
. .ci/lib.sh
apt_install chromium
# Node.js and npm: the machine's own when it has them (an image's nodejs package may bundle npm
# and conflict with Debian's npm package); Debian's otherwise.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  apt_install nodejs npm
fi
mkdir -p target/ci-node
if [ ! -d target/ci-node/node_modules/playwright-core ]; then
  (cd target/ci-node && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund --silent playwright-core@1.49.1 >/dev/null)
fi
