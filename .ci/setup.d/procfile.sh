#!/usr/bin/env bash
# Peers for the Procfile runner tests: honcho (pinned) for the comparison suite, bash for
# --profile-d, setsid/nohup/timeout for the orphan and escalation tests.
set -euo pipefail
cd "$(dirname "$0")/../.."
. .ci/lib.sh
apt_install bash coreutils util-linux
pip_install honcho==2.0.0
