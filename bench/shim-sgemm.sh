#!/usr/bin/env bash
# SGEMM throughput of the CUDA CPU shim (runtime/shim/cuda_shim.h).
#
# Builds test/shim/sgemm.cu (64x64 register-tiled SGEMM, 256 threads per block, two __syncthreads
# per k-tile) with the shim force-included, and prints GFLOP/s for an N^3 product (default 512),
# one OS thread and all cores, at -O3 and at -O3 -march=native.
#
#   bench/shim-sgemm.sh [N]          REPS=10 timed launches after one warm-up; CXX=g++
#
# Measured on the 2-core AMD EPYC dev VM (g++ 12.2; other jobs were running, so the numbers move
# by +-15% and the 2-thread figure needs the second core to be idle):
#   -O3                 1 thread: 4.7-5.6 GFLOP/s    2 threads: 9.6-10.5 GFLOP/s (idle machine)
#   -O3 -march=native   1 thread: 5.1-5.5 GFLOP/s
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cxx="${CXX:-g++}"
n="${1:-512}"
reps="${REPS:-10}"
cores="$(nproc 2>/dev/null || echo 1)"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

for flags in "-O3" "-O3 -march=native"; do
  # shellcheck disable=SC2086
  "$cxx" -std=c++20 $flags -x c++ -include "$root/runtime/shim/cuda_shim.h" "$root/test/shim/sgemm.cu" \
    -pthread -o "$out/sgemm"
  for threads in $(printf '%s\n' 1 "$cores" | sort -un); do
    line="$(TSDP_SHIM_THREADS="$threads" "$out/sgemm" "$n" "$n" "$n" "$reps" | head -n 1)"
    printf '%-20s threads=%-3s %s\n' "$flags" "$threads" "$line"
  done
done
