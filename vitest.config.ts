import { relative } from "node:path";
import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

// Two projects, split by cost (README "Tests"):
//   unit   — seconds: shapes, reference, gradients, frontend, bad models, IR, codegen text,
//            safetensors, diagnostics. Nothing here builds or loads a native library.
//   native — builds libraries with g++ (the CPU target) or nvcc and runs them.
// `npm run test:unit` runs the first, `npm test` both. A test file that builds a library (through
// compile(), buildModel, `tsdp compile` without --emit, g++ or nvcc) belongs in NATIVE.
export const NATIVE = [
  "test/int-conversions-target.test.ts",
  "test/state-updates.test.ts",
  "test/unreached-params.test.ts",
  "test/gradient-accumulation.test.ts",
  "test/train-step-outputs.test.ts",
  "test/long-sums.test.ts",
  "test/named-outputs.test.ts",
  "test/distributed.test.ts",
  "test/distributed-rdzv.test.ts",
  "test/adversarial/runtime.test.ts",
  "test/async-api.test.ts",
  "test/gpt-example.test.ts",
  "test/bench-gpu-check.test.ts",
  "test/build.test.ts",
  "test/cpu-target.test.ts",
  "test/cpu-target-shuffled.test.ts",
  "test/cublaslt.test.ts",
  "test/data.test.ts",
  "test/gpu-rules.test.ts",
  "test/hardening-builddir.test.ts",
  "test/hardening-runtime.test.ts",
  "test/hardening-bounds.test.ts",
  "test/hardening-messages.test.ts",
  "test/injection.test.ts",
  "test/memcheck.test.ts",
  "test/nccl-errors.test.ts",
  "test/nvcc.test.ts",
  "test/own-project.test.ts",
  "test/precision.test.ts",
  "test/shim.test.ts",
  "test/reduce-strided.test.ts",
  "test/gpu-shapes-norm.test.ts",
  "test/loss-grad.test.ts",
  "test/gemm-shapes.test.ts",
  "test/gemm-rows-epilogue.test.ts",
  "test/int-comparisons.test.ts",
  "test/cumsum.test.ts",
  "test/softmax-extremes.test.ts",
  "test/special-values-target.test.ts",
  "test/gamma-target.test.ts",
  "test/autograd-grad-target.test.ts",
  "test/bessel-target.test.ts",
  "test/matrix-target.test.ts",
  "test/index-ranges.test.ts",
  "test/batch-share.test.ts",
  "test/pytorch-spellings-target.test.ts",
  "test/loss-combination-target.test.ts",
  "test/random-draws-target.test.ts",
  "test/step-nowait.test.ts",
  "test/precompiled-shim.test.ts",
  "test/dropout-masks.test.ts",
  "test/typed-module.test.ts",
  "test/state-dict.test.ts",
  "test/state-dict-pytorch.test.ts",
  "test/fuzz.test.ts",
  "test/tensor-cores.test.ts",
  "test/resources.test.ts",
  "test/runtime.test.ts",
  "test/shim-counters.test.ts",
  "test/training.test.ts",
  "test/typecheck.test.ts",
  "test/build-cache.test.ts",
  "test/step-errors.test.ts",
  "test/harness.test.ts",
  "test/language-ops.test.ts",
  "test/model-ops-target.test.ts",
  "test/element-losses-target.test.ts",
  "test/frozen-params.test.ts",
  "test/tuning.test.ts",
  "test/pool-grad-target.test.ts",
  "test/overrides.test.ts",
  // not native, but one child process per corpus case: a minute or two
  "test/adversarial/models.test.ts",
];

const shared = {
  // Compiling a model loads ts-morph (about a second per worker); the CLI tests spawn Node.
  testTimeout: 120_000,
  hookTimeout: 120_000,
  // Test files run in parallel workers; each compiled CPU-target model would otherwise start
  // a shim thread per core, and the oversubscribed cores starve vitest's own process (its
  // worker RPC then times out). One shim thread per worker keeps the cores shared fairly.
  //
  // The CPU target's device has 4 GiB (TSDP_SHIM_DEVICE_MEMORY_MB), as a GPU's memory is smaller
  // than its host's: the out-of-memory tests fill it with a batch the kernels can still index,
  // and never make the machine itself allocate gigabytes.
  //
  // CPU-target builds at -O1 (TSDP_CPU_OPT_LEVEL): g++ takes about half -O3's time on the generated
  // code (ResNet's: 9.0 s against 20.3 s) and model compiles are most of the suite's time; the
  // kernels run slower (LeNet's step 2.8×), and the sum still favours -O1: cpu-target-shuffled and
  // hardening-builddir from an empty cache took 125 s at -O1, 139 s at -O2, 172 and 208 s at -O3.
  // The tests check what the code computes, which -O1 and -O3 agree on within their tolerances. The
  // main job's test (test/data.test.ts) builds at -O3, as `npm start` and users do; the files whose
  // models each run one step, where g++'s time is nearly all, at -O0 (pytorch-spellings-target,
  // model-ops-target: their headers).
  env: { TSDP_SHIM_THREADS: "1", TSDP_SHIM_DEVICE_MEMORY_MB: "4096", TSDP_CPU_OPT_LEVEL: "1" },
  // A test file's scratch folders (helpers.ts writeFiles) are removed when it is done; after each
  // test the worker's event loop takes a turn (test/setup-yield.ts says why).
  setupFiles: ["test/setup-scratch.ts", "test/setup-yield.ts"],
  // Tests never block a worker for long: compilers and scripts run as child processes awaited
  // asynchronously, and long reference computations yield (test/helpers.ts). A worker that
  // computed synchronously for over 60 s would miss vitest's RPC heartbeat and fail the run.
};

// The files that take minutes, longest first (the sum of their tests' times in a clean-clone CI
// run on the 2-core machine, Dec 6, builds at -O1: memcheck 235 s, nvcc 204, training 161, fuzz
// 146, cpu-target-shuffled 102, pytorch-spellings-target 89, distributed 87, overrides 82,
// gemm-shapes 81, build 79, shim-counters 72, data 70, cpu-target 68, distributed-rdzv 65, limits
// 60, precision 52, tuning 47, hardening-builddir 46, tensor-cores 32, inspect-gpu 23,
// model-ops-target 22, gpt-example 22, own-project 21, precompiled-shim 17, random-draws-target
// 15, gpu-shapes-norm 15, typecheck 14, shim 14, harness 13, batch-share 13, bench-gpu-check 11;
// the other 134 files 271 together). Those sums leave out a file's beforeAll: shim's builds its
// programs there (about 36 s more: the gap before it started), adversarial/runtime and
// adversarial/models run their corpora there (66 and 53 s in session 44). Two workers take files in
// order; in a fresh clone vitest has no times of its own and orders by file size, and a
// four-minute file taken last ran while the other worker had nothing left: the run took 2,810 s
// for 4,478 s of files (session 14). Longest first, the two end close together (Dec 6: the last
// two files ended 17 s apart).
export const SLOW_FIRST = [
  "test/memcheck.test.ts",
  "test/nvcc.test.ts",
  "test/training.test.ts",
  "test/fuzz.test.ts",
  "test/cpu-target-shuffled.test.ts",
  "test/pytorch-spellings-target.test.ts",
  "test/distributed.test.ts",
  "test/overrides.test.ts",
  "test/gemm-shapes.test.ts",
  "test/build.test.ts",
  "test/shim-counters.test.ts",
  "test/data.test.ts",
  "test/cpu-target.test.ts",
  "test/adversarial/runtime.test.ts",
  "test/distributed-rdzv.test.ts",
  "test/limits.test.ts",
  "test/adversarial/models.test.ts",
  "test/precision.test.ts",
  "test/tuning.test.ts",
  "test/hardening-builddir.test.ts",
  "test/tensor-cores.test.ts",
  "test/inspect-gpu.test.ts",
  "test/model-ops-target.test.ts",
  "test/gpt-example.test.ts",
  "test/own-project.test.ts",
  "test/precompiled-shim.test.ts",
  "test/random-draws-target.test.ts",
  "test/gpu-shapes-norm.test.ts",
  "test/typecheck.test.ts",
  "test/shim.test.ts",
  "test/harness.test.ts",
  "test/batch-share.test.ts",
  "test/bench-gpu-check.test.ts",
];

/** vitest's order (its own times where it has them, else file size), with SLOW_FIRST's files first, in that order. */
class SlowFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) => {
      const at = SLOW_FIRST.indexOf(relative(this.ctx.config.root, f.moduleId).replaceAll("\\", "/"));
      return at < 0 ? SLOW_FIRST.length : at;
    };
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    // Two test files at a time: vitest's default on a 2-core machine is one worker (cores − 1), and
    // the native files spend much of their time waiting on g++ or a child process, so one file at a
    // time left the second core idle (CI: the files' times summed to the run's wall time).
    maxWorkers: 2,
    // Every file runs in a process of its own (vitest's default). Shared processes were measured on
    // Dec 7 (root poolOptions.forks.isolate false, which is where the forks pool reads it: a project's
    // `isolate` only says whether one process resets its modules between files): in a clean-clone
    // run, setup, collect and prepare fell from 177 to 29 worker-seconds, but the files' own times
    // rose 186 s (18 more tests, and unchanged files such as data and fuzz 10–17 % slower): 2,562 s
    // of CPU and 22:22 of wall, against 2,560 s and 22:21 isolated the day before; and at a load of 20,
    // the unit project alone raised 50 of vitest's "Timeout calling onTaskUpdate" errors against 1.
    sequence: { sequencer: SlowFirst },
    projects: [
      // A unit test that sets an environment variable restores it all the same.
      { test: { ...shared, name: "unit", include: ["test/**/*.test.ts"], exclude: NATIVE } },
      { test: { ...shared, name: "native", include: NATIVE } },
    ],
  },
});
