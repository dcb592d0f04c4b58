#!/usr/bin/env bash
# tsdp on a GPU against PyTorch on the same GPU, in one device call (issues 6, 12 and 17):
#   0. setup: Node and node_modules from bench/carry, NCCL from python3's nvidia-nccl package,
#      compute-sanitizer, versions                                              -> $OUT/env.txt
#   1. build: every example, plus the GEMM MLP in fp32/tf32/bf16 with --gemm cublaslt and with
#      --gemm tsdp (cuBLASLt from python3's nvidia-cublas package), and lenet-direct (LeNet with
#      bench/tsdp/lenet-direct.tune.json), for the CUDA target (parallel)
#   2. tests: test/cpu-target.test.ts with TSDP_TEST_TARGET=cuda, one vitest per model, and
#      test/training.test.ts on the GPU through NCCL with one rank; in the background  -> tests.json
#   3. sanitize: LeNet's forward and training step under compute-sanitizer memcheck, then
#      racecheck                                                                -> sanitize.txt
#   4. compare: outputs, gradients, loss curves and the reverse weight load against PyTorch
#                                                                               -> compare.json
#   5. bench: tsdp timings, then PyTorch's                      -> bench-tsdp.json, bench-torch.json
#      kernel-times (between the two): LeNet's step with every kernel timed by CUDA events
#      (TSDP_KERNEL_TIMES) beside the performance model's estimate (tsdp inspect --gpu), for
#      calibrating the model, and the same for lenet-direct (its convolutions without patch
#      staging: which staging the GPU prefers)                   -> results.json "kernelTimes", log.txt
#   results.json (every phase's status and time, the environment, all results) and log.txt are
#   rewritten after every phase, so a call cut off at its time limit still returns what ran.
#   That is 8 files in $OUT, the most a device call brings back: add no other file there.
#
#   bash bench/gpu-check.sh                        on the GPU machine ($OUT given by the device tool)
#   TSDP_BENCH_TARGET=cpu bash bench/gpu-check.sh  the dry run here: CPU target, torch on the CPU,
#                                                  tiny sizes, the sanitizer phase without the tool
#
# Time: the whole run ends inside TSDP_BENCH_BUDGET seconds (default 330 on the GPU, so that a
# device call with timeout_s 360 has 30 s to spare and a session's 15 device minutes leave room for
# the machine's start, the upload and one rerun). Each phase runs under min(its cap, the budget
# left less the summary's reserve); a phase with no time left is recorded as "no-time", never run.
#
# Environment: OUT (default bench/out), TSDP_BENCH_BUDGET (s), TSDP_BENCH_CAP_BUILD / _TESTS /
# _SANITIZE / _COMPARE / _TSDP / _KERNELS / _TORCH (phase caps, s), TSDP_BENCH_SKIP (comma list of
# build, tests, sanitize, compare, bench-tsdp, kernel-times, bench-torch: a rerun skips what already came back),
# TSDP_BENCH_SANITIZE_TOOLS (default memcheck,racecheck), TSDP_BENCH_TORCH_ITEMS (bench.py --only:
# train,infer,epoch,gemm,compile,autotune), TSDP_BENCH_SIZE (full|tiny; default full on cuda, tiny
# on cpu), TSDP_BENCH_MODELS (default: all six examples), TSDP_BENCH_TESTS (models of the test
# suite, default all), TSDP_BENCH_WORK (default /tmp/tsdp-gpu-check on cuda, kept on a warm machine
# so that a rerun may skip the build; a fresh temp dir on cpu), TSDP_CACHE_DIR (default: cold, in
# the work dir), PYTHON (default python3), TSDP_BENCH_FORCE_CARRY=1 (use the carried Node even
# where the machine has one).
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
started=$(date +%s)
target="${TSDP_BENCH_TARGET:-cuda}"
size="${TSDP_BENCH_SIZE:-$([ "$target" = cuda ] && echo full || echo tiny)}"
skip=",${TSDP_BENCH_SKIP:-},"
models="${TSDP_BENCH_MODELS:-lenet,mnist,cifar10,mlp,resnet,composed}"
OUT="${OUT:-$root/bench/out}"
if [ "$target" = cuda ]; then work="${TSDP_BENCH_WORK:-/tmp/tsdp-gpu-check}"; else work="${TSDP_BENCH_WORK:-$(mktemp -d /tmp/tsdp-bench.XXXXXX)}"; fi
PYTHON="${PYTHON:-python3}"
skipped() { [[ "$skip" == *",$1,"* ]]; }
# a fresh run starts from an empty work dir; a rerun that skips the build keeps the earlier one's
# builds and results, so its summary holds both calls' phases
skipped build || rm -rf "$work"
mkdir -p "$OUT" "$work/build" "$work/logs"
log="$OUT/log.txt"
: >"$log"
say() { printf '[%4ss] %s\n' "$(($(date +%s) - started))" "$*" | tee -a "$log"; }

# --- time: phase caps inside one budget -----------------------------------------------------------
if [ "$target" = cuda ]; then
  BUDGET="${TSDP_BENCH_BUDGET:-330}"
  CAP_BUILD=100 CAP_TESTS=150 CAP_SANITIZE=90 CAP_COMPARE=80 CAP_BENCH_TSDP=50 CAP_KERNELS=25 CAP_BENCH_TORCH=120
else  # the 2-core CPU target is slow: the dry run checks the plumbing, not the budget
  BUDGET="${TSDP_BENCH_BUDGET:-3600}"
  CAP_BUILD=900 CAP_TESTS=1200 CAP_SANITIZE=300 CAP_COMPARE=900 CAP_BENCH_TSDP=600 CAP_KERNELS=300 CAP_BENCH_TORCH=300
fi
CAP_BUILD="${TSDP_BENCH_CAP_BUILD:-$CAP_BUILD}" CAP_TESTS="${TSDP_BENCH_CAP_TESTS:-$CAP_TESTS}"
CAP_SANITIZE="${TSDP_BENCH_CAP_SANITIZE:-$CAP_SANITIZE}" CAP_COMPARE="${TSDP_BENCH_CAP_COMPARE:-$CAP_COMPARE}"
CAP_BENCH_TSDP="${TSDP_BENCH_CAP_TSDP:-$CAP_BENCH_TSDP}" CAP_BENCH_TORCH="${TSDP_BENCH_CAP_TORCH:-$CAP_BENCH_TORCH}"
CAP_KERNELS="${TSDP_BENCH_CAP_KERNELS:-$CAP_KERNELS}"
deadline=$((started + BUDGET))
RESERVE=10   # for the last summary
# seconds a phase capped at $1 may run now: never past the deadline less the reserve (0: none left)
allot() { local left=$((deadline - RESERVE - $(date +%s))); local a=$(($1 < left ? $1 : left)); echo $((a > 0 ? a : 0)); }

# --- results after every phase --------------------------------------------------------------------
phases="$work/phases.txt"
skipped build || : >"$phases"
sanitize_log="$OUT/sanitize.txt"
summarize() {  # quiet|table: results.json, tests.json and the copies of the phase files in $OUT
  $PYTHON bench/pytorch/summary.py --work "$work" --out "$OUT" --target "$target" --size "$size" \
    --elapsed "$(($(date +%s) - started))" --budget "$BUDGET" $([ "$1" = quiet ] && echo --quiet) >"$work/logs/summary.txt" 2>&1 \
    || say "summary: summary.py failed: $(tail -1 "$work/logs/summary.txt")"
  [ "$1" = quiet ] || tee -a "$log" <"$work/logs/summary.txt"
}
phase_t0=0
begin() { phase_t0=$(date +%s); say "$1: $2"; }
# end PHASE STATUS [DETAIL]: STATUS is ok, failed, timeout (hit its cap), no-time or skipped
end() {
  printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$(($(date +%s) - phase_t0))" "${3:-}" >>"$phases"
  say "$1: $2 after $(($(date +%s) - phase_t0))s${3:+ ($3)}"
  summarize quiet
}
status_of() { case "$1" in 0) echo ok ;; 124 | 137) echo timeout ;; *) echo failed ;; esac; }

# --- 0. setup: Node and node_modules from bench/carry when the machine has none (bench/pack-carry.sh)
phase_t0=$started
env_txt="$OUT/env.txt"
: >"$env_txt"
carry="$root/bench/carry"
# xz-utils is not promised on the GPU image; python3's lzma module reads the same files
decompress_xz() { if command -v xz >/dev/null; then xz -dc "$1"; else $PYTHON -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), sys.stdout.buffer)' "$1"; fi; }
if ! command -v node >/dev/null || [ "${TSDP_BENCH_FORCE_CARRY:-0}" = 1 ]; then
  [ -f "$carry/node.xz" ] || { say "setup: no node on this machine and no $carry/node.xz: run bench/pack-carry.sh and name bench/carry in the call's carry"; end setup failed "no node"; exit 2; }
  mkdir -p "$work/node/bin" && decompress_xz "$carry/node.xz" >"$work/node/bin/node" && chmod +x "$work/node/bin/node"
  export PATH="$work/node/bin:$PATH"
  echo "node: carried (bench/carry/node.xz)" >>"$env_txt"
fi
if [ ! -e node_modules/koffi ]; then
  # the checkout's node_modules is a link to another worktree, which does not travel
  [ -L node_modules ] && rm node_modules
  [ -f "$carry/node_modules.tar.xz" ] || { say "setup: no node_modules and no $carry/node_modules.tar.xz: run bench/pack-carry.sh and carry bench/carry"; end setup failed "no node_modules"; exit 2; }
  decompress_xz "$carry/node_modules.tar.xz" | tar -xf - -C "$root" || { say "setup: unpacking node_modules failed"; end setup failed "node_modules"; exit 2; }
  echo "node_modules: carried (bench/carry/node_modules.tar.xz)" >>"$env_txt"
  [ "$(cat "$carry/package-lock.sha256" 2>/dev/null)" = "$(sha256sum package-lock.json | cut -d' ' -f1)" ] \
    || say "setup: WARNING: bench/carry's node_modules were packed from another package-lock.json: rerun bench/pack-carry.sh"
fi
data=/usr/share/datasets/fashion-mnist
[ -f "$data/train-images-idx3-ubyte.gz" ] || data="$carry/fashion-mnist"
[ -f "$data/train-images-idx3-ubyte.gz" ] || say "setup: no Fashion-MNIST in /usr/share/datasets or bench/carry: the epoch benchmarks will fail"
export TSDP_CACHE_DIR="${TSDP_CACHE_DIR:-$work/cache}"   # cold by default: nothing is cached on a fresh machine anyway

# NCCL: only inside python3's nvidia-nccl-cu* package on the GPU machine; tsdp dlopens libnccl.so.2
# by name, so its directory goes on LD_LIBRARY_PATH. Without it the training tests use the stand-in.
allreduce=standin
if nccl_dir="$(bench/find-nccl.sh "$PYTHON")"; then
  export LD_LIBRARY_PATH="$nccl_dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  allreduce=nccl
  say "nccl: $nccl_dir/libnccl.so.2 (from $PYTHON's nvidia-nccl package), put on LD_LIBRARY_PATH"
elif ldconfig -p 2>/dev/null | grep -q 'libnccl\.so\.2 '; then
  allreduce=nccl
  say "nccl: the system's libnccl.so.2"
else
  say "nccl: NOT FOUND (no nvidia.nccl in $PYTHON, none in ldconfig): the training tests fall back to the in-process stand-in (TSDP_ALLREDUCE=standin); NCCL is NOT tested in this run"
fi
# cuBLASLt (issue 20): likewise only inside python3's nvidia-cublas package (PyTorch's own cuBLAS);
# tsdp dlopens libcublasLt.so.13/.12 by name. Without it the --gemm cublaslt builds run tsdp's
# kernels (their describe() says so, recorded in bench-tsdp.json).
if cublas_dir="$(bench/find-cublas.sh "$PYTHON")"; then
  export LD_LIBRARY_PATH="$cublas_dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  say "cublaslt: $cublas_dir (from $PYTHON's nvidia-cublas package), put on LD_LIBRARY_PATH"
else
  cublas_dir=""
  say "cublaslt: NOT FOUND in $PYTHON's nvidia-cublas package: the GEMM MLP's --gemm cublaslt builds fall back to tsdp's kernels"
fi
$PYTHON -c 'import torch, numpy' 2>/dev/null || say "setup: $PYTHON cannot import torch and numpy: the compare and bench-torch phases will fail (PYTHON= another python3)"
[ "$target" = cuda ] || allreduce=standin   # the CPU target's virtual devices always use the stand-in
sanitizer="$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer /usr/local/cuda/compute-sanitizer/compute-sanitizer 2>/dev/null | head -1 || true)"
arch=""
if [ "$target" = cuda ]; then
  cc="$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader -i 0 2>/dev/null | head -1 | tr -d ' .')"
  arch="sm_${cc:-90}"
fi
say "tsdp gpu-check: target $target ($arch), sizes $size, models $models, node $(node --version), budget ${BUDGET}s, work $work, data $data"
{ echo "date $(date -u '+%Y-%m-%d %H:%M UTC'), kernel $(uname -r) ($(uname -m)), $(nproc) cores"
  nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv,noheader 2>/dev/null || echo "no nvidia-smi"
  echo "node $(node --version) at $(command -v node)"; nvcc --version 2>/dev/null | tail -1; g++ --version | head -1
  $PYTHON -c 'import sys, torch, numpy; print("python", sys.version.split()[0], sys.executable, "torch", torch.__version__, "cuda", torch.version.cuda, "numpy", numpy.__version__)'
  echo "allreduce for the training tests: $allreduce${nccl_dir:+ (libnccl.so.2 in $nccl_dir)}"
  echo "cublaslt: ${cublas_dir:-not found, so the tsdp kernels run}"
  echo "compute-sanitizer: ${sanitizer:-not found}"
  [ -n "$sanitizer" ] && "$sanitizer" --version 2>&1 | tail -1
  echo "fashion-mnist: $data"
} >>"$env_txt" 2>&1
cp "$env_txt" "$work/versions.txt"
cat "$env_txt" >>"$log"
end setup ok

if [ "$size" = full ]; then
  GEMM_MODEL=bench/models/gemm-mlp.ts
  CMP="--batch 64 --steps 20"
  BENCH="--lenet-batches 64,256 --epoch-batch 256 --epoch-limit 60000 --infer-batch 1024 --gemm-batch 4096 --warmup 5 --reps 30"
  TORCH_EXTRA="--gemm-width 4096"
  KERNEL_TIMES="--batches 64,256 --steps 20"
else
  GEMM_MODEL=bench/models/gemm-mlp-small.ts
  CMP="--batch 4 --steps 20"
  BENCH="--lenet-batches 8,16 --epoch-batch 256 --epoch-limit 512 --infer-batch 64 --gemm-batch 64 --warmup 1 --reps 3"
  TORCH_EXTRA="--gemm-width 256"
  KERNEL_TIMES="--batches 8 --steps 2"
fi

# run_phase NAME CAP DESCRIPTION -- COMMAND...: COMMAND under the phase's allotment, output to log.txt
run_phase() {
  local name="$1" cap="$2" what="$3"; shift 4
  if skipped "$name"; then printf '%s\tskipped\t0\t\n' "$name" >>"$phases"; return; fi
  local t; t=$(allot "$cap")
  begin "$name" "$what (cap ${cap}s, allotted ${t}s)"
  if [ "$t" -lt 1 ]; then end "$name" no-time "the budget of ${BUDGET}s is spent"; return; fi
  "$@" "$t" 2>&1 | tee -a "$log"
  local rc=${PIPESTATUS[0]}
  end "$name" "$(status_of "$rc")" "exit $rc"
}

# --- 1. build ------------------------------------------------------------------------------------
build_all() {  # seconds
  local jobs; jobs=$([ "$target" = cuda ] && nproc || echo 2)
  build_one() {  # name file precision [gemm] [tuning file]
    node bin/tsdp.js compile "$2" --target "$target" --precision "$3" --gemm "${4:-auto}" ${5:+--tune "$5"} --out "$work/build/$1" ${arch:+--arch "$arch"} \
      >"$work/logs/build-$1.txt" 2>&1 && echo "built $1: $(tail -1 "$work/logs/build-$1.txt")" || { echo "BUILD FAILED $1: $(tail -3 "$work/logs/build-$1.txt")"; return 1; }
  }
  export -f build_one && export target work arch
  { for m in ${models//,/ }; do echo "$m examples/$m/model.ts fp32"; done
    # the GEMM MLP twice per precision: its GEMMs on cuBLASLt, and on tsdp's own kernels
    for p in fp32 tf32 bf16; do echo "gemm-$p $GEMM_MODEL $p cublaslt"; echo "gemm-$p-tsdp $GEMM_MODEL $p tsdp"; done
    # LeNet with its convolutions' direct gather (patch staging off), for kernel-times' comparison
    case ",$models," in *,lenet,*) echo "lenet-direct examples/lenet/model.ts fp32 auto bench/tsdp/lenet-direct.tune.json" ;; esac
  } | timeout "$1" xargs -P "$jobs" -L 1 bash -c 'build_one "$@"' _
}
run_phase build "$CAP_BUILD" "${models//,/ } gemm-fp32 gemm-tf32 gemm-bf16 (--gemm cublaslt) and the same with -tsdp (--gemm tsdp)" -- build_all

# --- 2. tests, in the background on the GPU -------------------------------------------------------
test_one() {  # file seconds: one model of the suite, with its own JSON report
  local name; name="$(basename "$(dirname "$1")")"
  TSDP_TEST_TARGET="$target" timeout "$2" node node_modules/vitest/vitest.mjs run test/cpu-target.test.ts \
    -t "$1" --reporter=json --outputFile="$work/logs/tests-$name.json" >"$work/logs/tests-$name.txt" 2>&1
  echo "$name $?" >>"$work/logs/tests-status.txt"
}
tests_all() {  # seconds
  for file in $(ls -d examples/*/model.ts) test/fixtures/all-ops/model.ts; do
    local name; name="$(basename "$(dirname "$file")")"
    [[ ",${TSDP_BENCH_TESTS:-$name}," == *",$name,"* ]] || continue
    # on the GPU the models run at once (16 cores); on the 2-core CPU target one at a time
    if [ "$target" = cuda ]; then test_one "$file" "$1" & else test_one "$file" "$1"; fi
  done
  if [ "$target" = cuda ]; then
    # the training tests on one device, the gradients all-reduced through NCCL with one rank (or the
    # stand-in where NCCL is missing, said in env.txt), the step captured as a CUDA graph
    TSDP_TEST_TARGET=cuda TSDP_ALLREDUCE=$allreduce timeout "$1" node node_modules/vitest/vitest.mjs run test/training.test.ts \
      --reporter=json --outputFile="$work/logs/tests-training.json" >"$work/logs/tests-training.txt" 2>&1
    echo "training $?" >>"$work/logs/tests-status.txt"
  fi
  wait
  [ -s "$work/logs/tests-status.txt" ] && ! grep -qv ' 0$' "$work/logs/tests-status.txt"
}
tests_pid=""
if skipped tests; then printf 'tests\tskipped\t0\t\n' >>"$phases"
else
  rm -f "$work"/logs/tests-*
  if [ "$target" = cuda ]; then
    t=$(allot "$CAP_TESTS")
    say "tests: test/cpu-target.test.ts with TSDP_TEST_TARGET=cuda, one vitest per model, and test/training.test.ts (TSDP_ALLREDUCE=$allreduce), in the background (allotted ${t}s)"
    tests_t0=$(date +%s)
    if [ "$t" -ge 1 ]; then tests_all "$t" >>"$work/logs/tests.txt" 2>&1 & tests_pid=$!; else printf 'tests\tno-time\t0\t\n' >>"$phases"; fi
  else
    run_phase tests "$CAP_TESTS" "test/cpu-target.test.ts with TSDP_TEST_TARGET=cpu, one model at a time" -- tests_all
  fi
fi

# --- 3. sanitize: LeNet's step under compute-sanitizer ---------------------------------------------
sanitize_all() {  # seconds: each tool gets its share of them
  local tools="${TSDP_BENCH_SANITIZE_TOOLS:-memcheck,racecheck}" rc=0 t0 one
  local step=(node --import tsx bench/tsdp/sanitize-step.ts --work "$work" --model lenet --batch 8 --steps 3)
  [ -d "$work/build/lenet" ] || { echo "sanitize: no LeNet build in $work/build/lenet (the build phase failed or was skipped)"; return 1; }
  if [ "$target" != cuda ] || [ -z "$sanitizer" ]; then
    echo "sanitize: compute-sanitizer $([ "$target" = cuda ] && echo "not found" || echo "needs the GPU (target $target)"): LeNet's step runs once WITHOUT it, to check that it runs; nothing is sanitized" | tee -a "$sanitize_log"
    t0=$(date +%s)
    timeout "$1" "${step[@]}" >>"$sanitize_log" 2>&1; rc=$?
    printf '%s\t%s\t%s\t%s\n' sanitize-plain "$(status_of $rc)" "$(($(date +%s) - t0))" "exit $rc, no sanitizer" >>"$phases"
    return $rc
  fi
  local n; n=$(tr ',' '\n' <<<"$tools" | grep -c .)
  for tool in ${tools//,/ }; do
    one=$(( $(allot "$1") / n )); n=$((n - 1)); t0=$(date +%s)
    echo "== compute-sanitizer --tool $tool, LeNet forward + 3 training steps, batch 8 (${one}s) ==" >>"$sanitize_log"
    # exit 86 marks errors found by the tool, apart from the program's own failure
    timeout "$one" "$sanitizer" --tool "$tool" --error-exitcode 86 --print-limit 30 --target-processes all "${step[@]}" >>"$sanitize_log" 2>&1
    local r=$?
    local verdict; verdict=$(case $r in 0) echo ok ;; 86) echo errors-found ;; 124 | 137) echo timeout ;; *) echo failed ;; esac)
    local summary_line; summary_line=$(grep -E 'ERROR SUMMARY|RACECHECK SUMMARY' "$sanitize_log" | tail -1)
    printf '%s\t%s\t%s\t%s\n' "sanitize-$tool" "$verdict" "$(($(date +%s) - t0))" "exit $r; ${summary_line:-no summary line}" >>"$phases"
    echo "sanitize: $tool: $verdict (exit $r; ${summary_line:-no summary line})"
    [ $r = 0 ] || rc=1
  done
  return $rc
}
: >"$sanitize_log"
run_phase sanitize "$CAP_SANITIZE" "LeNet forward + training step under compute-sanitizer (${TSDP_BENCH_SANITIZE_TOOLS:-memcheck,racecheck})" -- sanitize_all

# --- 4. compare against PyTorch ------------------------------------------------------------------
compare_all() {  # seconds
  local end=$(($(date +%s) + $1)) rc=0
  left() { local l=$((end - $(date +%s))); echo $((l > 1 ? l : 1)); }
  timeout "$(left)" node --import tsx bench/tsdp/compare-side.ts export --work "$work" --models "$models" $CMP || rc=$?
  timeout "$(left)" $PYTHON bench/pytorch/compare.py forward --work "$work" --models "$models" --device "$target" || rc=$?
  timeout "$(left)" node --import tsx bench/tsdp/compare-side.ts reverse --work "$work" --models "$models" || rc=$?
  timeout "$(left)" $PYTHON bench/pytorch/compare.py reverse --work "$work" --models "$models" --device "$target" || rc=$?
  return $rc
}
skipped compare || rm -f "$work/compare.json"
run_phase compare "$CAP_COMPARE" "${models} against PyTorch" -- compare_all

if [ -n "$tests_pid" ]; then
  say "tests: waiting for the suite to finish before timing anything"
  wait "$tests_pid"; rc=$?
  phase_t0=$tests_t0
  end tests "$(status_of "$rc")" "exit $rc; per model in tests.json"
fi

# --- 5. benchmarks: tsdp, then PyTorch, one after the other on the same GPU ----------------------
bench_tsdp() {  # seconds
  timeout "$1" node --import tsx bench/tsdp/bench-side.ts --work "$work" --out "$work/bench-tsdp.json" \
    --target "$target" ${arch:+--arch $arch} --gemm-model "$GEMM_MODEL" --data "$data" $BENCH
}
skipped bench-tsdp || rm -f "$work/bench-tsdp.json"
run_phase bench-tsdp "$CAP_BENCH_TSDP" "tsdp timings" -- bench_tsdp
kernel_times() {  # seconds: each batch in its own process, the step eager so that every launch is timed
  [ -d "$work/build/lenet" ] || { echo "kernel-times: no LeNet build in $work/build/lenet (the build phase failed or was skipped)"; return 1; }
  timeout "$1" node --import tsx bench/tsdp/kernel-times.ts --work "$work" --out "$work/kernel-times.json" --variants lenet-direct $KERNEL_TIMES
}
skipped kernel-times || rm -f "$work/kernel-times.json"
run_phase kernel-times "$CAP_KERNELS" "LeNet's step, each kernel timed with CUDA events beside the performance model's estimate" -- kernel_times
bench_torch() {  # seconds: bench.py skips the items that would start within 30 s of the end
  export TORCHINDUCTOR_CACHE_DIR="$work/inductor"   # a cold torch.compile, as tsdp's cold compile
  PYTHONUNBUFFERED=1 timeout "$1" $PYTHON bench/pytorch/bench.py --out "$work/bench-torch.json" --device "$target" \
    --data "$data" --budget-s $(($1 > 60 ? $1 - 30 : $1 / 2)) --only "${TSDP_BENCH_TORCH_ITEMS:-train,infer,epoch,gemm,compile,autotune}" $TORCH_EXTRA $BENCH
}
skipped bench-torch || rm -f "$work/bench-torch.json"
run_phase bench-torch "$CAP_BENCH_TORCH" "PyTorch timings" -- bench_torch

# --- summary: the table, last in the log --------------------------------------------------------
say "done in $(($(date +%s) - started))s of the ${BUDGET}s budget; phases:"
column -t -s $'\t' "$phases" 2>/dev/null | tee -a "$log" || cat "$phases" | tee -a "$log"
summarize table
