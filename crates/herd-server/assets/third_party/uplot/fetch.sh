#!/usr/bin/env bash
# Re-fetches uPlot (the chart library the dashboard draws with) from the npm registry with
# npm itself, checks each file against the sha256 recorded in README.md, and copies it here.
# The Rust build never runs this: the files are committed and compiled in with include_bytes!.
#
#   crates/herd-server/assets/third_party/uplot/fetch.sh          # fetch, check, copy
#   crates/herd-server/assets/third_party/uplot/fetch.sh --check  # only check the copies here
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
version=1.6.32
files=(uPlot.iife.min.js uPlot.min.css LICENSE)

expected() { # the sha256 README.md records for $1
  sed -n "s/^| \`$1\` | \`\([0-9a-f]\{64\}\)\` |.*/\1/p" "$here/README.md"
}

check() { # check DIR: every file in DIR matches README.md
  local ok=0
  for f in "${files[@]}"; do
    local want got
    want="$(expected "$f")"
    got="$(sha256sum "$1/$f" | cut -d' ' -f1)"
    if [ -z "$want" ] || [ "$want" != "$got" ]; then
      echo "fetch.sh: $1/$f: sha256 $got, README.md records '${want:-nothing}'" >&2
      ok=1
    fi
  done
  return $ok
}

if [ "${1:-}" = "--check" ]; then
  check "$here" && echo "uPlot $version: every file matches README.md"
  exit
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "uplot@$version" >/dev/null && tar xzf "uplot-$version.tgz")
mkdir -p "$work/out"
cp "$work/package/dist/uPlot.iife.min.js" "$work/package/dist/uPlot.min.css" \
   "$work/package/LICENSE" "$work/out/"
check "$work/out"
cp "$work/out/"* "$here/"
echo "uPlot $version fetched and checked"
