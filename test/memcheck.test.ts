// The memcheck mode of the CPU target (TSDP_SHIM_MEMCHECK=1 / tsdp compile --memcheck): builds
// with AddressSanitizer and the shim's memory checks (compiler/6-build/build.ts memcheckFlags).
// - Planted bugs in a small CUDA program (test/shim/memcheck.cu): a read one past a cudaMalloc'd
//   array, one past a block's dynamic shared memory and one past a static __shared__ array are
//   stopped with a report naming the kernel and the line; device memory nobody wrote reads as NaN; the correct kernels run clean.
// - Examples: forward and one training step of examples under memcheck, with no report and no NaN.
// - The NaN watch: it names the kernel that computed the first NaN, with its TypeScript lines; the
//   reduced fuzz model of seed 60063 reads no memory that nothing wrote.
// An ASan library aborts a process that did not preload the ASan runtime, so every run is a child
// process (node with LD_PRELOAD); the test worker only checks that load() refuses such a library.
import { execFile, execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { cachedOutput } from "./test-cache.ts";
import { compileCommand, memcheckFlags } from "../compiler/6-build/build.ts";
import { recordedOptions } from "../compiler/build-paths.ts";
import { compile } from "../compiler/pipeline.ts";
import { load } from "../runtime/index.ts";
import { BuildDirectoryError } from "../runtime/errors.ts";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const header = join(root, "runtime", "shim", "cuda_shim.h");
const program = join(root, "test", "shim", "memcheck.cu");
const cxx = process.env.CXX ?? "g++";

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function exec(file: string, args: string[], env: NodeJS.ProcessEnv, timeout = 180_000): Promise<Result> {
  return new Promise((done) => {
    execFile(file, args, { env, timeout, maxBuffer: 64 << 20, cwd: root }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
      done({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** The ASan runtime of the compiler that builds the CPU target, for LD_PRELOAD. */
function asanRuntime(): string {
  const path = execFileSync(cxx, ["-print-file-name=libasan.so"], { encoding: "utf8" }).trim();
  if (!existsSync(path)) throw new Error(`${cxx} has no AddressSanitizer runtime (it printed ${JSON.stringify(path)}): install libasan`);
  return path;
}

/** The environment of a memcheck child: ASan preloaded, no leak check (Node itself keeps memory at exit). */
function memcheckEnv(): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("TSDP_SHIM_") && k !== "ASAN_OPTIONS"));
  return { ...base, LD_PRELOAD: asanRuntime(), ASAN_OPTIONS: "detect_leaks=0" };
}

describe("memcheck mode: planted bugs in test/shim/memcheck.cu", () => {
  let exe = "";
  beforeAll(async () => {
    // Built as the model libraries of the memcheck mode are, kept in the build cache (test/test-cache.ts).
    const args = ["-std=c++20", ...memcheckFlags, "-pthread", "-I", dirname(header), "-x", "c++", "-include", header, program];
    const inputs = [cxx, ...args, readFileSync(header, "utf8"), readFileSync(program, "utf8"), readFileSync(join(root, "test", "shim", "check.h"), "utf8")];
    exe = (await cachedOutput("memcheck.cu", inputs, (output) => exec(cxx, [...args, "-o", output], process.env))).path;
  }, 300_000);
  const run = (mode: string, env: NodeJS.ProcessEnv = {}) => exec(exe, [mode], { ...memcheckEnv(), LD_PRELOAD: "", ...env });

  it("the correct kernels run with no report, threads in any order", async () => {
    for (const order of ["forward", "shuffle"]) {
      const r = await run("clean", { TSDP_SHIM_ORDER: order });
      expect(r.stderr, order).not.toContain("AddressSanitizer");
      expect(r.code, `${order}\n${r.stdout}${r.stderr}`).toBe(0);
      expect(r.stdout).toContain("clean: done");
    }
  });

  it("a read one float past a cudaMalloc'd array is reported, naming the kernel and line", async () => {
    const r = await run("global");
    expect(r.code).not.toBe(0);
    expect(r.stdout).not.toContain("global: done");
    expect(r.stderr).toMatch(/ERROR: AddressSanitizer: (heap-buffer-overflow|use-after-poison)/);
    expect(r.stderr).toContain("READ of size 4");
    expect(r.stderr).toMatch(/#0 .* in read_past_global\(float const\*, float\*, int, int\) .*memcheck\.cu:\d+/);
  });

  it("a read one float past a block's dynamic shared memory is reported, naming the kernel and line", async () => {
    // The block has a barrier, so its threads run as fibers: the report also shows the fiber
    // switch annotations at work (no false stack reports on the fiber stacks).
    const r = await run("shared");
    expect(r.code).not.toBe(0);
    expect(r.stdout).not.toContain("shared: done");
    expect(r.stderr).toMatch(/ERROR: AddressSanitizer: (heap-buffer-overflow|use-after-poison)/);
    expect(r.stderr).toContain("READ of size 4");
    expect(r.stderr).toMatch(/#0 .* in read_past_shared\(float const\*, float\*, int\) .*memcheck\.cu:\d+/);
  });

  it("a read one float past a static __shared__ array is reported, naming the kernel and line", async () => {
    const r = await run("static");
    expect(r.code).not.toBe(0);
    expect(r.stdout).not.toContain("static: done");
    expect(r.stderr).toContain("ERROR: AddressSanitizer: global-buffer-overflow");
    expect(r.stderr).toContain("READ of size 4");
    expect(r.stderr).toMatch(/#0 .* in read_past_static_shared\(float const\*, float\*, int\) .*memcheck\.cu:\d+/);
    expect(r.stderr).toMatch(/located 0 bytes (to the right of|after) global variable 'tile'/);
  });

  it("device memory that nothing wrote reads as NaN", async () => {
    const r = await run("uninit");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("uninit: 1000 of 1000 outputs are NaN");
  });

  it("in a plain build too, for allocations made while TSDP_SHIM_FRESH_NAN=1 (the fuzzer's second instance)", async () => {
    const args = ["-std=c++20", "-O1", "-pthread", "-I", dirname(header), "-x", "c++", "-include", header, program];
    const inputs = [cxx, ...args, readFileSync(header, "utf8"), readFileSync(program, "utf8"), readFileSync(join(root, "test", "shim", "check.h"), "utf8")];
    const plain = (await cachedOutput("memcheck-plain.cu", inputs, (output) => exec(cxx, [...args, "-o", output], process.env))).path;
    const r = await exec(plain, ["uninit"], { ...memcheckEnv(), LD_PRELOAD: "", TSDP_SHIM_FRESH_NAN: "1" });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("uninit: 1000 of 1000 outputs are NaN");
  }, 300_000);
});

// Every example (each has a training declaration): forward, a training step and the forward again
// at batch 3; LeNet two steps, the second a captured graph's replay. ASan builds are -O0 -g1 to
// keep CI time down (-O1 halves a step's time but nearly doubles g++'s: LeNet's build and two steps
// took 12.0 s of CPU at -O0, 16.3 s at -O1); resnet is the longest (a 23 s build and 26 s for two
// steps on an idle 2-core machine).
const examples = ["mlp", "lenet", "mnist", "cifar10", "composed", "resnet"];

describe("memcheck mode: examples' forward and training step", () => {
  const built = new Map<string, string>();

  for (const name of examples)
    it(`${name}: no out-of-bounds access, no read of unwritten memory`, async () => {
      const b = await compile(join(root, "examples", name, "model.ts"), { target: "cpu", memcheck: true, outDir: join(root, "build", "test-memcheck", name) });
      expect(b.build.command).toContain("-fsanitize=address");
      built.set(name, b.build.outDir);
      // one step but LeNet's: a replayed graph runs the kernels the eager step ran, with the same
      // arguments (enqueue_step in runtime/harness/step.cu issues both), so a second step checks the
      // graph's own path, which LeNet's does, here and on 3 devices below. (mlp, mnist and cifar10
      // took two until Dec 6: 13.1 s of the children's CPU, 9.3 s with one.)
      const steps = name === "lenet" ? "2" : "1";
      const r = await exec(process.execPath, ["--import", "tsx", join(root, "test", "memcheck", "step.ts"), b.build.outDir, "3", "1", "graphs", steps], memcheckEnv());
      expect(r.stderr).not.toContain("AddressSanitizer");
      expect(r.code, r.stderr).toBe(0);
      const summary = JSON.parse(r.stdout.trim().split("\n").at(-1)!);
      expect(summary.trained).toBe(true);
      expect(summary.nonFinite).toEqual([]);
      expect(Number.isFinite(summary.loss)).toBe(true);
    }, 300_000);

  // The GPU's kernel shapes (tiles, staging, split-K with its workspace, col2im, BatchNorm and channel
  // sums over many blocks with their parts and tickets) under the same checks; test/fixtures/gpu-shapes
  // at batch 5, where its 16 channels' 5,120 values split over 3 blocks each
  const gpuShaped = [["lenet", "examples/lenet/model.ts", 70], ["mlp", "examples/mlp/model.ts", 70], ["gpu-shapes", "test/fixtures/gpu-shapes/model.ts", 5]] as const;
  for (const [name, file, batch] of gpuShaped)
    it(`${name} with the GPU's kernel shapes: no out-of-bounds access, no read of unwritten memory`, async () => {
      const b = await compile(join(root, file), { target: "cpu", memcheck: true, shapeFor: "gpu", outDir: join(root, "build", "test-memcheck", `${name}-gpu-shapes`) });
      if (name === "gpu-shapes") {
        // the paths the fixture is for
        const cu = readFileSync(join(b.build.outDir, "model.cu"), "utf8");
        for (const path of ["// Epilogue col2im", "_parts_stats_kernel(", "_parts_sums_kernel(", "// Split over blocks", "// Tiles: 16×"]) expect(cu, path).toContain(path);
      }
      // one step, as above: the graph's replay would run the same kernels with the same arguments
      // (two until Dec 6: the three children took 27.5 s of CPU, 16.6 s with one)
      const r = await exec(process.execPath, ["--import", "tsx", join(root, "test", "memcheck", "step.ts"), b.build.outDir, String(batch), "1", "graphs", "1"], memcheckEnv());
      expect(r.stderr).not.toContain("AddressSanitizer");
      expect(r.code, r.stderr).toBe(0);
      const summary = JSON.parse(r.stdout.trim().split("\n").at(-1)!);
      expect(summary.trained).toBe(true);
      expect(summary.nonFinite).toEqual([]);
    }, 300_000);

  for (const mode of ["graphs", "eager"])
    it(`lenet on 3 virtual devices (${mode}): the replicas' kernels and the gradient all-reduce, no report`, async () => {
      const dir = built.get("lenet");
      expect(dir, "lenet was built").toBeDefined();
      const r = await exec(process.execPath, ["--import", "tsx", join(root, "test", "memcheck", "step.ts"), dir!, "6", "3", mode], { ...memcheckEnv(), TSDP_SHIM_DEVICES: "3" });
      expect(r.stderr).not.toContain("AddressSanitizer");
      expect(r.code, r.stderr).toBe(0);
      const summary = JSON.parse(r.stdout.trim().split("\n").at(-1)!);
      expect(summary.nonFinite).toEqual([]);
      expect(summary.stats.bucketAllReduces).toBeGreaterThan(0);
      // two steps (test/memcheck/step.ts): both eager, or the warm-up eager and the second captured
      if (mode === "eager") expect([summary.stats.eagerSteps, summary.stats.graphCaptures]).toEqual([2, 0]);
      else expect([summary.stats.eagerSteps, summary.stats.graphCaptures]).toEqual([1, 1]);
    }, 300_000);

  it("load() in a process without the ASan runtime refuses a memcheck build with an error that says how", async () => {
    const dir = built.get(examples[0]);
    expect(dir, "the first example was built").toBeDefined();
    const err = await load(dir!).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BuildDirectoryError);
    expect((err as Error).message).toMatch(/memcheck build \(AddressSanitizer\).*LD_PRELOAD=/);
  });
});

// The NaN watch (runtime/harness/nan_watch.h): TSDP_SHIM_NAN_WATCH=N names the first N kernels
// that read or left NaN, with the TypeScript lines they came from.
describe("memcheck mode: the NaN watch", () => {
  const step = (dir: string, watch: string) =>
    exec(process.execPath, ["--import", "tsx", join(root, "test", "memcheck", "step.ts"), dir, "3"], { ...memcheckEnv(), TSDP_SHIM_NAN_WATCH: watch });
  const reports = (stderr: string) => stderr.split("\n").filter((l) => l.startsWith("tsdp nan watch: "));

  it("names the kernel that computed the first NaN and its lines, then the kernels it reaches; off unless asked", async () => {
    const b = await compile(join(root, "test", "fixtures", "nan-watch", "model.ts"), { target: "cpu", memcheck: true, outDir: join(root, "build", "test-memcheck", "nan-watch") });
    const first = await step(b.build.outDir, "1");
    expect(first.code, first.stderr).toBe(0);
    // the log of sigmoid − 2 (line 11), fused with the mul of line 12: its output, all NaN
    expect(reports(first.stderr)).toEqual([expect.stringMatching(/^tsdp nan watch: \w*log\w*_kernel left NaN in its output %\d+ \(12 of 12 elements, the first at 0\); from model\.ts:11,12$/)]);
    const more = reports((await step(b.build.outDir, "3")).stderr);
    expect(more).toHaveLength(3);
    expect(more[1]).toMatch(/^tsdp nan watch: out_kernel read NaN from its input %\d+ .*; from model\.ts:12$/);
    expect(more[2]).toMatch(/^tsdp nan watch: out_kernel left NaN in its output %\d+ \(9 of 9 elements/);
    expect(reports((await step(b.build.outDir, "0")).stderr)).toEqual([]);
  }, 300_000);

  it("fuzz seed 60063: no kernel of the forward or the step reads memory nothing wrote (the step's renamed GEMM did)", async () => {
    const b = await compile(join(root, "test", "fixtures", "fuzz", "seed-60063.ts"), { target: "cpu", memcheck: true, outDir: join(root, "build", "test-memcheck", "seed-60063") });
    const r = await step(b.build.outDir, "5");
    expect(r.stderr).not.toContain("AddressSanitizer");
    expect(r.code, r.stderr).toBe(0);
    expect(reports(r.stderr)).toEqual([]);
    expect(JSON.parse(r.stdout.trim().split("\n").at(-1)!).nonFinite).toEqual([]);
  }, 300_000);
});

describe("memcheck mode: turning it on", () => {
  it("is part of what a CPU build records, so switching it on or off rebuilds instead of reusing the other build", () => {
    const off = recordedOptions(undefined, "cpu", [], "fp32", 25);
    const on = recordedOptions(undefined, "cpu", [], "fp32", 25, true);
    expect(on).not.toEqual(off);
    expect(off).not.toHaveProperty("memcheck");
    expect(compileCommand("cpu", "model.cu", "libmodel.so", [], true)).toEqual(expect.arrayContaining(["-fsanitize=address", "-DTSDP_SHIM_MEMCHECK=1"]));
    expect(compileCommand("cpu", "model.cu", "libmodel.so", [])).not.toContain("-fsanitize=address");
  });

  it("tsdp compile --memcheck for the cuda target is a usage error that points to compute-sanitizer", async () => {
    const r = await exec(process.execPath, [join(root, "bin", "tsdp.js"), "compile", join(root, "examples", "mlp", "model.ts"), "--target", "cuda", "--memcheck", "--out", join(tmpdir(), "tsdp-memcheck-cuda")], process.env, 60_000);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain("--memcheck (or TSDP_SHIM_MEMCHECK) is for --target cpu");
    expect(r.stderr).toContain("compute-sanitizer");
    expect(r.stderr).not.toContain("internal error");
  });
});
