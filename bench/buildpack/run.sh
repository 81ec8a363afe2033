#!/usr/bin/env bash
# The buildpack's goals, measured: slug cost, time from the profile script to herd listening,
# and log lines while idle. Uses the release binary (bash buildpack/build-release.sh first)
# and the same bubblewrap dyno as crates/herd/tests/buildpack.rs.
#
#   bash bench/buildpack/run.sh [DYNOS=20] [IDLE_SECONDS=60]
set -euo pipefail
cd "$(dirname "$0")/../.."
dynos=${1:-20}
idle=${2:-60}
bin=target/dist/herd-x86_64-linux-gnu
[ -x "$bin" ] || { echo "no $bin: run bash buildpack/build-release.sh first" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/app" "$work/cache" "$work/env" "$work/results"
printf 'file:///tmp/src/herd' >"$work/env/HERD_BINARY_URL"
sha256sum "$bin" | cut -d' ' -f1 | tr -d '\n' >"$work/env/HERD_BINARY_SHA256"

# A dyno-like sandbox: system directories read-only, private /tmp, own pid and net
# namespaces, uid 1000 (see sandbox() in crates/herd/tests/buildpack.rs).
sandbox() {
  local args=() d
  for d in usr etc opt var bin sbin lib lib32 lib64; do
    if [ -L "/$d" ]; then args+=(--symlink "$(readlink "/$d")" "/$d")
    elif [ -d "/$d" ]; then args+=(--ro-bind "/$d" "/$d"); fi
  done
  bwrap "${args[@]}" --dev /dev --proc /proc --tmpfs /tmp \
    --unshare-pid --unshare-net --unshare-user --uid 1000 --gid 1000 --new-session \
    --die-with-parent --clearenv --setenv PATH /app/bin:/usr/local/bin:/usr/bin:/bin "$@"
}

sandbox --bind "$work/app" /tmp/build_bench --bind "$work/cache" /tmp/cache \
  --ro-bind "$work/env" /tmp/env --ro-bind buildpack /tmp/buildpacks/herd \
  --ro-bind "$bin" /tmp/src/herd --remount-ro / --chdir /tmp -- \
  /tmp/buildpacks/herd/bin/compile /tmp/build_bench /tmp/cache /tmp/env >"$work/compile.log"
bytes=$(du -sb "$work/app/.herd" "$work/app/.profile.d" | awk '{s += $1} END {print s}')
tgz=$(tar czf - -C "$work/app" .herd .profile.d | wc -c)
printf 'slug cost: %d bytes (%.2f MiB) unpacked, %d bytes (%.2f MiB) compressed\n' \
  "$bytes" "$(echo "$bytes / 1048576" | bc -l)" "$tgz" "$(echo "$tgz / 1048576" | bc -l)"

dyno() {
  sandbox --setenv HOME /app --setenv PORT 5000 --setenv DYNO web.1 \
    --bind "$work/app" /app --ro-bind buildpack/test/dyno.sh /platform/dyno.sh \
    --bind "$work/results" /results --remount-ro / --chdir /app -- bash /platform/dyno.sh "$@"
}
: >"$work/listening"
for _ in $(seq "$dynos"); do
  dyno probe 0 | grep -o 'listening_ms=[0-9]*' | cut -d= -f2 >>"$work/listening"
done
sort -n "$work/listening" | awk -v n="$dynos" '
  { v[NR] = $1 } END { printf "listening after the profile script: median %d ms, p90 %d ms, max %d ms (%d dynos)\n", v[int((NR + 1) / 2)], v[int(NR * 0.9 + 0.5)], v[NR], n }'

lines=$(dyno probe "$idle" | sed -n '/^--- idle from$/,/^--- idle to$/p' | grep -vc '^--- idle' || true)
echo "log lines while idle for $idle s: $lines"
