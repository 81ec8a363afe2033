#!/usr/bin/env bash
# The buildpack's dyno emulation (crates/herd/tests/buildpack.rs): bubblewrap for the sandbox
# (read-only /, private /tmp, own pid and network namespaces, a non-root user), curl for the
# buildpack's release download, coreutils' sha256sum, and shellcheck for its scripts.
set -euo pipefail
cd "$(dirname "$0")/../.."
. .ci/lib.sh
apt_install bubblewrap bash coreutils curl shellcheck
