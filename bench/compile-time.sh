#!/usr/bin/env bash
# How long `tsdp compile` takes on LeNet, per target, in four situations (median of RUNS runs):
#   cold          an empty build cache and a new output directory: every stage and the native build
#   warm cache    the model file edited (a comment) into a new output directory: stages 1-5 run, the
#                 library comes from the cache
#   up to date    the same command again on an unchanged model and output directory
#   new out dir   an unchanged model into a new output directory, its library in the cache
#   new model     a changed model (another layer width, so other code) into a new directory: every
#                 stage and the model's native build, the harness's objects already cached
# Usage: bench/compile-time.sh [cpu] [cuda]      (default: both; RUNS=3; the cuda target needs
# only nvcc, no GPU). Wall-clock seconds of the whole command, Node's start included.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-3}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(cpu cuda)
work=$(mktemp -d "${TMPDIR:-/tmp}/tsdp-compile-time-XXXXXX")
trap 'rm -rf "$work"' EXIT

# Seconds taken by one compile; its output goes to $work/last.log, and a failure ends the bench.
timed() {
  local t0 t1
  t0=$(date +%s.%N)
  if ! node bin/tsdp.js compile "$@" >"$work/last.log" 2>&1; then
    cat "$work/last.log" >&2
    exit 1
  fi
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc
}

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.2f", m }'; }

printf '%-6s %8s %12s %12s %12s %10s   (median of %d runs, seconds; %s)\n' target cold "warm cache" "up to date" "new out dir" "new model" "$runs" "$(uptime | sed 's/.*load/load/')"
for target in "${targets[@]}"; do
  cold=() warm=() fresh=() newdir=() newmodel=()
  for i in $(seq "$runs"); do
    run="$work/$target-$i"
    mkdir -p "$run"
    export TSDP_CACHE_DIR="$run/cache"
    cp examples/lenet/model.ts "$run/model.ts"
    cold+=("$(timed "$run/model.ts" --target "$target" --out "$run/a")")
    fresh+=("$(timed "$run/model.ts" --target "$target" --out "$run/a")")
    grep -q "up to date" "$work/last.log" || { echo "compile-time: the second compile was not up to date:" >&2; cat "$work/last.log" >&2; exit 1; }
    newdir+=("$(timed "$run/model.ts" --target "$target" --out "$run/b")")
    printf '\n// edited %s\n' "$i" >>"$run/model.ts"
    warm+=("$(timed "$run/model.ts" --target "$target" --out "$run/c")")
    grep -q "cached" "$work/last.log" || { echo "compile-time: the edited model's library was not served from the cache:" >&2; cat "$work/last.log" >&2; exit 1; }
    sed "s/nn.Linear(50 \* 4 \* 4, 500)/nn.Linear(50 * 4 * 4, $((490 + i)))/; s/nn.Linear(500, 10)/nn.Linear($((490 + i)), 10)/" examples/lenet/model.ts >"$run/other.ts"
    cmp -s examples/lenet/model.ts "$run/other.ts" && { echo "compile-time: could not change the model's layer width" >&2; exit 1; }
    newmodel+=("$(timed "$run/other.ts" --target "$target" --out "$run/d")")
    grep -q "built" "$work/last.log" || { echo "compile-time: the changed model was not built:" >&2; cat "$work/last.log" >&2; exit 1; }
  done
  printf '%-6s %8s %12s %12s %12s %10s\n' "$target" "$(median "${cold[@]}")" "$(median "${warm[@]}")" "$(median "${fresh[@]}")" "$(median "${newdir[@]}")" "$(median "${newmodel[@]}")"
done
