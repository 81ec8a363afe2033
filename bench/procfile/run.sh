#!/usr/bin/env bash
# Procfile runner benchmarks: herd start against honcho in the same run.
#
#   bash bench/procfile/run.sh     # LINES=2000000 HONCHO_LINES=200000 RUNS=3 by default
#
# Measures, with public tools only (/proc and bash's EPOCHREALTIME clock):
#   1. relayed lines per second from one chatty child (`yes | head -n LINES`), output to a
#      file, for herd and honcho, and their ratio;
#   2. herd's own RSS (VmRSS and VmHWM of the herd process, not its children) while
#      supervising a chatty child plus a sleeping one;
#   3. start-to-first-exec latency: bash's clock just before exec'ing the runner, against
#      the clock read by the first child (`date`, exec'd directly), median of 20.
# Prints a Markdown section for docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
LINES=${LINES:-2000000}
# honcho relays ~20-30 k lines/s: a tenth of the lines keeps its runs under a minute; the
# rate is steady long before that.
HONCHO_LINES=${HONCHO_LINES:-200000}
RUNS=${RUNS:-3}
HERD=${HERD:-target/release/herd}
[ -x "$HERD" ] || cargo build --release -p herd >/dev/null
command -v honcho >/dev/null || { echo "honcho is required: pip install honcho==2.0.0" >&2; exit 1; }
# Call honcho's own entry point, not a version-manager shim that would add its start-up time.
HONCHO=${HONCHO:-$(pyenv which honcho 2>/dev/null || command -v honcho)}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export PYTHONUNBUFFERED=1
unset PORT NO_COLOR FORCE_COLOR

# 1. Throughput.
cat > "$work/Procfile" <<P
chatty: yes 'GET /health 200 0.4ms request_id=0123456789abcdef' | head -n $LINES
P
cat > "$work/Procfile.honcho" <<P
chatty: yes 'GET /health 200 0.4ms request_id=0123456789abcdef' | head -n $HONCHO_LINES
P
best() { sort -g | head -n 1; }
runner_seconds() { # runs "$@" RUNS times, output to $work/out; prints the best wall time
  local t0 t1
  for _ in $(seq "$RUNS"); do
    t0=$EPOCHREALTIME
    "$@" > "$work/out" 2>/dev/null || true
    t1=$EPOCHREALTIME
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
  done | best
}
herd_s=$(runner_seconds "$HERD" start -f "$work/Procfile")
herd_relayed=$(grep -c 'GET /health' "$work/out")
honcho_s=$(runner_seconds "$HONCHO" -f "$work/Procfile.honcho" start)
honcho_relayed=$(grep -c 'GET /health' "$work/out")
herd_lps=$(awk -v n="$herd_relayed" -v t="$herd_s" 'BEGIN { printf "%.0f", n / t }')
honcho_lps=$(awk -v n="$honcho_relayed" -v t="$honcho_s" 'BEGIN { printf "%.0f", n / t }')
ratio=$(awk -v a="$herd_lps" -v b="$honcho_lps" 'BEGIN { printf "%.1f", a / b }')

# 2. herd's own peak RSS while supervising a chatty child and an idle one.
cat > "$work/Procfile.rss" <<P
chatty: yes 'GET /health 200 0.4ms request_id=0123456789abcdef'
idle: exec sleep 60
P
"$HERD" start -f "$work/Procfile.rss" > /dev/null 2>&1 &
hpid=$!
sleep 3
herd_hwm=$(awk '/VmHWM/ { print $2 }' "/proc/$hpid/status")
herd_rss=$(awk '/VmRSS/ { print $2 }' "/proc/$hpid/status")
kill -TERM "$hpid"; wait "$hpid" || true
"$HONCHO" -f "$work/Procfile.rss" start > /dev/null 2>&1 &
ppid_=$!
sleep 3
honcho_hwm=$(awk '/VmHWM/ { print $2 }' "/proc/$ppid_/status")
honcho_rss=$(awk '/VmRSS/ { print $2 }' "/proc/$ppid_/status")
kill -TERM "$ppid_"; wait "$ppid_" || true

# 3. Start to first child exec.
cat > "$work/Procfile.start" <<'P'
first: date +%s.%6N
P
latency() { # prints the median latency in ms over 20 runs of "$@"
  for _ in $(seq 20); do
    t0=$EPOCHREALTIME
    "$@" > "$work/lat" 2>&1 || true
    t1=$(grep -oE '[0-9]{10}\.[0-9]{6}' "$work/lat" | head -n 1)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", (b - a) * 1000 }'
  done | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
base_ms=$(latency date +%s.%6N)
herd_ms=$(latency "$HERD" start -f "$work/Procfile.start")
honcho_ms=$(latency "$HONCHO" -f "$work/Procfile.start" start)

cpu=$(lscpu | grep 'Model name' | sed 's/Model name:[[:space:]]*//')
cat <<MD

## Procfile runner (herd start)

Machine: $cpu, $(nproc) vCPU. Command: \`LINES=$LINES HONCHO_LINES=$HONCHO_LINES RUNS=$RUNS bash bench/procfile/run.sh\`
(herd release build; honcho $("$HONCHO" --version 2>&1 | awk '{ print $2 }'), Python $(python3 --version | awk '{ print $2 }')).

| measure | herd | honcho | herd vs honcho | goal |
|---|---|---|---|---|
| lines relayed per second (\`yes \| head -n N\`, N = $LINES for herd and $HONCHO_LINES for honcho, best of $RUNS, timestamps on, output to a file) | $herd_lps ($herd_relayed lines in ${herd_s} s) | $honcho_lps ($honcho_relayed lines in ${honcho_s} s) | ${ratio}× | ≥ 1,000,000/s and ≥ 10× honcho |
| runner's own RSS while supervising (VmRSS after 3 s) | $herd_rss KiB | $honcho_rss KiB | $(awk -v a="$honcho_rss" -v b="$herd_rss" 'BEGIN { printf "%.1f", a / b }')× smaller | ≤ 4 MiB |
| runner's own peak RSS, start-up included (VmHWM) | $herd_hwm KiB | $honcho_hwm KiB | $(awk -v a="$honcho_hwm" -v b="$herd_hwm" 'BEGIN { printf "%.1f", a / b }')× smaller | |
| start to first child exec, median of 20 (bash exec'ing \`date\` directly: $base_ms ms) | $herd_ms ms | $honcho_ms ms | $(awk -v a="$honcho_ms" -v b="$herd_ms" 'BEGIN { printf "%.0f", a / b }')× faster | ≤ 5 ms |

Throughput is measured by wall time (bash's \`EPOCHREALTIME\` around the run) of the whole run, start to last
line, with every line counted in the output (\`grep -c\`), so lost lines would show. RSS is read
from \`/proc/PID/status\` of the runner process itself (not its children) after 3 s of
supervising \`yes\` at full speed and an idle \`sleep\`; shared-library pages count in both
runners' figures. Once its processes are started herd drops the resident copies of code pages
that only start-up used (\`MADV_DONTNEED\` on clean executable mappings), which is the
difference between its VmHWM and VmRSS. Start latency
includes the runner's own exec and the child's \`date\` startup (the baseline column).
MD
