#!/usr/bin/env bash
# Builds the Linux x86_64 release binary the buildpack installs, and pins it in
# buildpack/herd.release (version, download URL, sha256).
#
#   bash buildpack/build-release.sh     -> target/dist/herd-x86_64-linux-gnu (+ .sha256)
#
# The binary links glibc dynamically (this build machine has no musl target); the script
# prints the newest glibc symbol version it needs, which is the oldest glibc it runs on
# (Heroku's heroku-22 stack has 2.35, heroku-24 has 2.39).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p herd
version=$(target/release/herd --version | awk '{print $2}')
mkdir -p target/dist
out=target/dist/herd-x86_64-linux-gnu
cp target/release/herd "$out"
sha=$(sha256sum "$out" | cut -d' ' -f1)
echo "$sha  herd-x86_64-linux-gnu" >"$out.sha256"
glibc=$(objdump -T "$out" | grep -o 'GLIBC_[0-9.]*' | sort -t. -k1,1 -k2,2n -k3,3n -u | tail -n 1)
size=$(stat -c %s "$out")
cat >buildpack/herd.release <<PIN
# The herd release this buildpack installs when HERD_BINARY_URL is not set: a Linux x86_64
# binary (needs ${glibc/_/ } or newer) and its sha256. buildpack/build-release.sh writes these
# lines for the binary it builds; the download is checked against the sha256 before it is used.
HERD_RELEASE_VERSION=$version
HERD_RELEASE_URL=https://github.com/herd-rs/herd/releases/download/v$version/herd-x86_64-linux-gnu
HERD_RELEASE_SHA256=$sha
PIN
echo "$out: herd $version, $size bytes, sha256 $sha, needs $glibc or newer"
