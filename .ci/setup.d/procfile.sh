#!/usr/bin/env bash
# Peers for the Procfile runner tests: honcho (pinned) for the comparison suite, bash for
# --profile-d, setsid/nohup/timeout for the orphan and escalation tests, and the real process
# managers every `herd export` format is checked with: systemd-analyze (systemd), supervisord
# and supervisorctl (supervisor), runsv/sv/chpst (runit), plistutil (libplist-utils) next to
# Python's plistlib, and PyYAML for the compose and Kubernetes schema checks.
set -euo pipefail
cd "$(dirname "$0")/../.."
. .ci/lib.sh
apt_install bash coreutils util-linux procps systemd supervisor runit libplist-utils python3-yaml
pip_install honcho==2.0.0
python3 -c 'import yaml' 2>/dev/null || pip_install PyYAML==6.0.2
