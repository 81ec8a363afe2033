#!/usr/bin/env bash
# Peers for the Procfile runner's comparison tests: honcho (pinned) and bash for --profile-d.
set -euo pipefail
cd "$(dirname "$0")/../.."
. .ci/lib.sh
apt_install bash procps
pip_install honcho==2.0.0
