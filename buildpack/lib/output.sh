# shellcheck shell=bash
# Heroku's build output style: "-----> " for a step, six spaces for what it says.
topic() { echo "-----> $*"; }
indent() { sed -u 's/^/       /'; }
info() { echo "       $*"; }
warn() { echo " !     $*" >&2; }
fail() {
  echo " !     $*" >&2
  exit 1
}
