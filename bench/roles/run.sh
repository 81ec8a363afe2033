#!/usr/bin/env bash
# Whole-process benchmark of `herd roles` on a synthetic repository of 10,000 roles and 50,000
# nodes (the issue's goal: parsed, analysed and written as DOT in at most 1 s), with reading the
# same files with `cat` as the floor, and the openstreetmap corpus when present.
# Usage: bench/roles/run.sh [DIR]   (needs hyperfine; builds the release binary)
set -euo pipefail
cd "$(dirname "$0")/../.."
dir="${1:-${TMPDIR:-/tmp}/herd-roles-synth}"
cargo build --release -p herd
if [ ! -d "$dir/roles" ]; then
  cargo run --release -p herd-roles --example synth_repo -- "$dir"
fi
herd=target/release/herd
cmds=(
  "$herd roles graph $dir -G dot -o $dir.dot"
  "$herd roles check $dir --format json"
  "sh -c 'find $dir -type f -print0 | xargs -0 cat > /dev/null'"
)
corpus=../shared/corpus/chef/openstreetmap__chef
[ -d "$corpus" ] && cmds+=("$herd roles check $corpus")
hyperfine --warmup 1 --runs 10 -N "${cmds[@]}"
/usr/bin/time -v "$herd" roles graph "$dir" -G dot -o "$dir.dot" 2>&1 >/dev/null | grep -E 'Elapsed|Maximum resident'
