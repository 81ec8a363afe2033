# Helpers sourced by .ci/run and the scripts in .ci/setup.d/.

# apt_install PKG...: install Debian packages that are not installed yet (update the lists once).
apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ ! -e /tmp/.herd-apt-updated ]; then
    apt-get update -qq && touch /tmp/.herd-apt-updated
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# pip_install PKG==VER...: install Python packages for the peer and client tests.
pip_install() {
  python3 -m pip install -q --disable-pip-version-check "$@"
}
