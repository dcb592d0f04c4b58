#!/usr/bin/env bash
# tsdp on a GPU against PyTorch on the same GPU, in one device call (issue 6):
#   1. build: every example, plus the GEMM MLP in fp32/tf32/bf16, for the CUDA target (parallel)
#   2. tests: the target-parametrized suite (test/cpu-target.test.ts) with TSDP_TEST_TARGET=cuda,
#      one vitest per model, and on the GPU test/training.test.ts with NCCL forced for one rank,
#      in the background while 3 runs (both only check values)
#   3. compare: outputs, gradients, loss curves and the reverse weight load against PyTorch
#   4. bench: tsdp timings, then PyTorch's (eager DataParallel, torch.compile, max-autotune)
#   5. summary: $OUT/results.json and a table, printed last
#
#   bench/gpu-check.sh                            on the GPU machine ($OUT given by the device tool)
#   TSDP_BENCH_TARGET=cpu bench/gpu-check.sh      the dry run here: CPU target, torch on CPU, tiny sizes
#
# Environment: OUT (default bench/out), TSDP_BENCH_CAP_TORCH / _TSDP / _TESTS (phase caps, s),
# TSDP_BENCH_TORCH_ITEMS (bench.py --only: train,infer,epoch,gemm,compile,autotune), TSDP_BENCH_SKIP (comma list of build,tests,compare,
# bench-tsdp,bench-torch: a rerun skips what already came back), TSDP_BENCH_SIZE (full|tiny;
# default full on cuda, tiny on cpu), TSDP_BENCH_MODELS (default: all six examples),
# TSDP_BENCH_TESTS (models of the test suite, default all), TSDP_BENCH_WORK (default: a fresh
# temp dir), TSDP_CACHE_DIR (default: cold, in the work dir), PYTHON (default python3).
# Every phase has a time cap (seconds, below) so the whole run ends inside the device call's
# 600 s; a phase that hits its cap is recorded as such and the next one starts.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
started=$(date +%s)
target="${TSDP_BENCH_TARGET:-cuda}"
size="${TSDP_BENCH_SIZE:-$([ "$target" = cuda ] && echo full || echo tiny)}"
skip=",${TSDP_BENCH_SKIP:-},"
models="${TSDP_BENCH_MODELS:-lenet,mnist,cifar10,mlp,resnet,composed}"
OUT="${OUT:-$root/bench/out}"
work="${TSDP_BENCH_WORK:-$(mktemp -d /tmp/tsdp-bench.XXXXXX)}"
PYTHON="${PYTHON:-python3}"
mkdir -p "$OUT" "$work/build" "$work/logs"
log="$OUT/log.txt"
: >"$log"
say() { printf '[%4ss] %s\n' "$(($(date +%s) - started))" "$*" | tee -a "$log"; }
skipped() { [[ "$skip" == *",$1,"* ]]; }
# phase caps, in seconds; they sum to 540 so that setup and the summary fit in 600
CAP_BUILD=150 CAP_TESTS=150 CAP_COMPARE=120 CAP_BENCH_TSDP=80 CAP_BENCH_TORCH=160
[ "$target" = cpu ] && CAP_BUILD=900 CAP_TESTS=1200 CAP_COMPARE=900 CAP_BENCH_TSDP=600 CAP_BENCH_TORCH=300
# a rerun that skips phases may give the others more time, e.g. TSDP_BENCH_CAP_TORCH=500
CAP_BENCH_TORCH="${TSDP_BENCH_CAP_TORCH:-$CAP_BENCH_TORCH}" CAP_BENCH_TSDP="${TSDP_BENCH_CAP_TSDP:-$CAP_BENCH_TSDP}"
CAP_TESTS="${TSDP_BENCH_CAP_TESTS:-$CAP_TESTS}"

# --- setup: Node and node_modules from bench/carry when the machine has none (bench/pack-carry.sh)
carry="$root/bench/carry"
if ! command -v node >/dev/null || [ "${TSDP_BENCH_FORCE_CARRY:-0}" = 1 ]; then
  [ -f "$carry/node.xz" ] || { say "no node on this machine and no $carry/node.xz: run bench/pack-carry.sh and carry bench/carry"; exit 2; }
  mkdir -p "$work/node/bin" && xz -dc "$carry/node.xz" >"$work/node/bin/node" && chmod +x "$work/node/bin/node"
  export PATH="$work/node/bin:$PATH"
fi
if [ ! -e node_modules/koffi ]; then
  # the checkout's node_modules is a link to another worktree, which does not travel
  [ -L node_modules ] && rm node_modules
  [ -f "$carry/node_modules.tar.xz" ] || { say "no node_modules and no $carry/node_modules.tar.xz: run bench/pack-carry.sh"; exit 2; }
  tar -xJf "$carry/node_modules.tar.xz" -C "$root"
fi
data=/usr/share/datasets/fashion-mnist
[ -f "$data/train-images-idx3-ubyte.gz" ] || data="$carry/fashion-mnist"
export TSDP_CACHE_DIR="${TSDP_CACHE_DIR:-$work/cache}"   # cold by default: nothing is cached on a fresh machine anyway
arch=""
if [ "$target" = cuda ]; then
  cc="$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader -i 0 2>/dev/null | head -1 | tr -d ' .')"
  arch="sm_${cc:-90}"
fi
say "tsdp gpu-check: target $target ($arch), sizes $size, models $models, node $(node --version), work $work, data $data"
{ nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || echo "no nvidia-smi"
  echo "node $(node --version)"; nvcc --version 2>/dev/null | tail -1; g++ --version | head -1
  $PYTHON -c 'import torch, numpy; print("torch", torch.__version__, "cuda", torch.version.cuda, "numpy", numpy.__version__)'
} >"$work/versions.txt" 2>&1
cat "$work/versions.txt" >>"$log"

if [ "$size" = full ]; then
  GEMM_MODEL=bench/models/gemm-mlp.ts
  CMP="--batch 64 --steps 20"
  BENCH="--lenet-batches 64,256 --epoch-batch 256 --epoch-limit 60000 --infer-batch 1024 --gemm-batch 4096 --warmup 5 --reps 30"
  TORCH_EXTRA="--gemm-width 4096"
else
  GEMM_MODEL=bench/models/gemm-mlp-small.ts
  CMP="--batch 4 --steps 20"
  BENCH="--lenet-batches 8,16 --epoch-batch 256 --epoch-limit 512 --infer-batch 64 --gemm-batch 64 --warmup 1 --reps 3"
  TORCH_EXTRA="--gemm-width 256"
fi

# --- 1. build ------------------------------------------------------------------------------------
if ! skipped build; then
  say "build: ${models//,/ } gemm-fp32 gemm-tf32 gemm-bf16 (cap ${CAP_BUILD}s)"
  jobs=$([ "$target" = cuda ] && nproc || echo 2)
  build_one() {  # name file precision
    node bin/tsdp.js compile "$2" --target "$target" --precision "$3" --out "$work/build/$1" ${arch:+--arch "$arch"} \
      >"$work/logs/build-$1.txt" 2>&1 && echo "built $1: $(tail -1 "$work/logs/build-$1.txt")" || echo "BUILD FAILED $1: $(tail -3 "$work/logs/build-$1.txt")"
  }
  export -f build_one && export target work arch
  { for m in ${models//,/ }; do echo "$m examples/$m/model.ts fp32"; done
    for p in fp32 tf32 bf16; do echo "gemm-$p $GEMM_MODEL $p"; done
  } | timeout "$CAP_BUILD" xargs -P "$jobs" -L 1 bash -c 'build_one "$@"' _ | tee -a "$log"
  [ "${PIPESTATUS[1]}" = 124 ] && say "build: hit its cap of ${CAP_BUILD}s"
fi

# --- 2. tests, in the background ----------------------------------------------------------------
tests_pid=""
if ! skipped tests; then
  say "tests: test/cpu-target.test.ts with TSDP_TEST_TARGET=$target, one vitest per model (cap ${CAP_TESTS}s)"
  test_one() {  # one model of the suite, with its own JSON report
    local file="$1" name
    name="$(basename "$(dirname "$file")")"
    TSDP_TEST_TARGET="$target" timeout "$CAP_TESTS" node node_modules/vitest/vitest.mjs run test/cpu-target.test.ts \
      -t "$file" --reporter=json --outputFile="$work/logs/tests-$name.json" >"$work/logs/tests-$name.txt" 2>&1
    echo "$name $?" >>"$work/logs/tests-status.txt"
  }
  (
    for file in $(ls -d examples/*/model.ts) test/fixtures/all-ops/model.ts; do
      name="$(basename "$(dirname "$file")")"
      [[ ",${TSDP_BENCH_TESTS:-$name}," == *",$name,"* ]] || continue
      # on the GPU the models run at once (16 cores); on the 2-core CPU target one at a time
      if [ "$target" = cuda ]; then test_one "$file" & else test_one "$file"; fi
    done
    if [ "$target" = cuda ]; then
      # issue 4 on a GPU: the training tests on one device, the gradients all-reduced through NCCL
      # with one rank (TSDP_ALLREDUCE=nccl), the step captured as a CUDA graph
      TSDP_TEST_TARGET=cuda TSDP_ALLREDUCE=nccl timeout "$CAP_TESTS" node node_modules/vitest/vitest.mjs run test/training.test.ts \
        --reporter=json --outputFile="$work/logs/tests-training.json" >"$work/logs/tests-training.txt" 2>&1
      echo "training $?" >>"$work/logs/tests-status.txt"
    fi &
    wait
  ) &
  tests_pid=$!
  [ "$target" = cuda ] || wait "$tests_pid"   # the 2-core CPU target runs the phases in turn
fi

# --- 3. compare against PyTorch ------------------------------------------------------------------
if ! skipped compare; then
  say "compare: ${models} against PyTorch (cap ${CAP_COMPARE}s)"
  end=$(($(date +%s) + CAP_COMPARE))
  left() { local l=$((end - $(date +%s))); echo $((l > 1 ? l : 1)); }
  timeout "$(left)" node --import tsx bench/tsdp/compare-side.ts export --work "$work" --models "$models" $CMP 2>&1 | tee -a "$log"
  timeout "$(left)" $PYTHON bench/pytorch/compare.py forward --work "$work" --models "$models" --device "$target" 2>&1 | tee -a "$log"
  timeout "$(left)" node --import tsx bench/tsdp/compare-side.ts reverse --work "$work" --models "$models" 2>&1 | tee -a "$log"
  timeout "$(left)" $PYTHON bench/pytorch/compare.py reverse --work "$work" --models "$models" --device "$target" 2>&1 | tee -a "$log"
fi

if [ -n "$tests_pid" ] && [ "$target" = cuda ]; then
  say "tests: waiting for the suite to finish before timing anything"
  wait "$tests_pid"
fi

# --- 4. benchmarks: tsdp, then PyTorch, one after the other on the same GPU ----------------------
if ! skipped bench-tsdp; then
  say "bench: tsdp (cap ${CAP_BENCH_TSDP}s)"
  timeout "$CAP_BENCH_TSDP" node --import tsx bench/tsdp/bench-side.ts --work "$work" --out "$work/bench-tsdp.json" \
    --target "$target" ${arch:+--arch $arch} --gemm-model "$GEMM_MODEL" --data "$data" $BENCH 2>&1 | tee -a "$log"
fi
if ! skipped bench-torch; then
  say "bench: PyTorch (cap ${CAP_BENCH_TORCH}s; items that would start after $((CAP_BENCH_TORCH - 30))s are skipped)"
  export TORCHINDUCTOR_CACHE_DIR="$work/inductor"   # a cold torch.compile, as tsdp's cold compile
  PYTHONUNBUFFERED=1 timeout "$CAP_BENCH_TORCH" $PYTHON bench/pytorch/bench.py --out "$work/bench-torch.json" --device "$target" \
    --data "$data" --budget-s $((CAP_BENCH_TORCH - 30)) --only "${TSDP_BENCH_TORCH_ITEMS:-train,infer,epoch,gemm,compile,autotune}" $TORCH_EXTRA $BENCH 2>&1 | tee -a "$log"
fi

# --- 5. summary ----------------------------------------------------------------------------------
$PYTHON bench/pytorch/summary.py --work "$work" --out "$OUT" --target "$target" --size "$size" --elapsed "$(($(date +%s) - started))" 2>&1 | tee -a "$log"
