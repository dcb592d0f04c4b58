import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { scratchDir } from "./helpers.ts";

// bench/gpu-check.sh runs only on a lent GPU machine, rarely and against a 15-minute budget, so
// its mistakes must be caught here, cheaply, without a GPU and without building anything: the
// device call's rules (at most 8 files come back from $OUT, the carry is what pack-carry.sh
// packs, the first call ends inside 6 minutes) and the script's own logic with every phase
// skipped or out of time.

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const script = (name: string) => join(root, "bench", name);
const read = (name: string) => readFileSync(script(name), "utf8");
const scratch = scratchDir("tsdp-gpu-check-test-");
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const PHASES = ["setup", "build", "tests", "sanitize", "compare", "bench-tsdp", "kernel-times", "bench-torch"];
// the device tool brings back at most 8 files from $OUT, named in letters, digits, '.', '_', '-'
const OUT_FILE_LIMIT = 8;

/** The names a script uses under `$<variable>/`, first path component only. */
function namesUnder(text: string, variable: string): Set<string> {
  const re = new RegExp(`\\$\\{?${variable}\\}?/([A-Za-z0-9_.-]+)`, "g");
  return new Set([...text.matchAll(re)].map((m) => m[1]).filter((n) => !n.endsWith(".tmp")));
}

/** Runs gpu-check.sh on the CPU target with the given environment; its $OUT, log and results. */
function gpuCheck(name: string, env: Record<string, string>) {
  const out = join(scratch, name, "out");
  const work = join(scratch, name, "work");
  const r = spawnSync("bash", [script("gpu-check.sh")], {
    cwd: root,
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, OUT: out, TSDP_BENCH_WORK: work, TSDP_BENCH_TARGET: "cpu", PYTHON: "python3", ...env },
  });
  const results = existsSync(join(out, "results.json")) ? JSON.parse(readFileSync(join(out, "results.json"), "utf8")) : null;
  return { r, out, files: existsSync(out) ? readdirSync(out) : [], log: r.stdout + r.stderr, results };
}

function fakeNccl(dir: string): string {
  // a namespace package, as some nvidia-nccl-cu* wheels are: no __init__.py, hence no __file__
  mkdirSync(join(dir, "nvidia", "nccl", "lib"), { recursive: true });
  writeFileSync(join(dir, "nvidia", "nccl", "lib", "libnccl.so.2"), "");
  return join(dir, "nvidia", "nccl", "lib");
}

/** A python site with nvidia.cublas's lib directory holding libcublasLt.so.13, as PyTorch's wheel has it. */
function fakeCublas(dir: string): string {
  mkdirSync(join(dir, "nvidia", "cublas", "lib"), { recursive: true });
  writeFileSync(join(dir, "nvidia", "cublas", "lib", "libcublasLt.so.13"), "");
  return join(dir, "nvidia", "cublas", "lib");
}

describe("bench/gpu-check.sh", () => {
  it.each(["gpu-check.sh", "pack-carry.sh", "find-nccl.sh", "find-cublas.sh", "find-wheel-lib.sh"])("%s parses (bash -n)", (name) => {
    const r = spawnSync("bash", ["-n", script(name)], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it("reads from bench/carry exactly what pack-carry.sh puts there", () => {
    const packed = namesUnder(read("pack-carry.sh"), "carry");
    const used = namesUnder(read("gpu-check.sh"), "carry");
    expect([...packed].sort()).toEqual(["fashion-mnist", "node.xz", "node_modules.tar.xz", "package-lock.sha256"]);
    expect([...used].sort()).toEqual([...packed].sort());
  });

  it("names at most 8 files in $OUT, one level down, in the names the device tool brings back", () => {
    const named = new Set([...namesUnder(read("gpu-check.sh"), "OUT")]);
    // summary.py writes these into --out: joined to A.out, or copied there from the work dir
    const summary = read("pytorch/summary.py");
    for (const m of summary.matchAll(/os\.path\.join\(A\.out, "([^"]+)"\)/g)) named.add(m[1]);
    const copied = /for name in \(([^)]*)\):\s*\n[^\n]*\n\s*shutil\.copy\([^\n]*A\.out, name\)/.exec(summary);
    expect(copied, "summary.py's copy of the phase files into A.out").not.toBeNull();
    for (const m of copied![1].matchAll(/"([^"]+)"/g)) named.add(m[1]);
    expect(named.size).toBeLessThanOrEqual(OUT_FILE_LIMIT);
    for (const n of named) expect(n).toMatch(/^[A-Za-z0-9._-]+$/);
    expect(named).toContain("log.txt");
    expect(named).toContain("results.json");
    expect(named).toContain("sanitize.txt");
  });

  it("budgets the first GPU call at no more than 6 minutes", () => {
    const text = read("gpu-check.sh");
    const budget = Number(/BUDGET="\$\{TSDP_BENCH_BUDGET:-(\d+)\}"/.exec(text)?.[1]);
    expect(budget).toBeGreaterThan(0);
    expect(budget).toBeLessThanOrEqual(360);
  });

  it("with every phase skipped, writes env, log and a results.json listing each phase", () => {
    const { r, files, results, log } = gpuCheck("skipped", { TSDP_BENCH_SKIP: PHASES.slice(1).join(",") });
    expect(r.status, log).toBe(0);
    expect(files.length).toBeLessThanOrEqual(OUT_FILE_LIMIT);
    expect(files).toEqual(expect.arrayContaining(["env.txt", "log.txt", "results.json", "tests.json"]));
    expect(results.phases.map((p: { phase: string }) => p.phase)).toEqual(PHASES);
    expect(results.phases.slice(1).every((p: { status: string }) => p.status === "skipped")).toBe(true);
  });

  it("runs no phase once the budget is spent, and records each as no-time", () => {
    // the budget equals the summary's reserve, so nothing is left for any phase
    const { r, results, log } = gpuCheck("no-time", { TSDP_BENCH_BUDGET: "10" });
    expect(r.status, log).toBe(0);
    const statuses = Object.fromEntries(results.phases.map((p: { phase: string; status: string }) => [p.phase, p.status]));
    expect(statuses).toEqual({ setup: "ok", build: "no-time", tests: "no-time", sanitize: "no-time", compare: "no-time", "bench-tsdp": "no-time", "kernel-times": "no-time", "bench-torch": "no-time" });
    expect(log).not.toMatch(/built |BUILD FAILED/);
  });

  it("puts python's nvidia-nccl lib directory on LD_LIBRARY_PATH, and says so when there is none", () => {
    const lib = fakeNccl(join(scratch, "site"));
    const found = gpuCheck("nccl", { PYTHONPATH: join(scratch, "site"), TSDP_BENCH_SKIP: PHASES.slice(1).join(",") });
    expect(found.log).toContain(`nccl: ${lib}/libnccl.so.2`);
    // a python3 that sees no site-packages, so no nvidia.nccl even where one is installed
    const bare = join(scratch, "python3-bare");
    writeFileSync(bare, '#!/bin/sh\nexec python3 -I -S "$@"\n', { mode: 0o755 });
    const missing = gpuCheck("no-nccl", { PYTHON: bare, TSDP_BENCH_SKIP: PHASES.slice(1).join(",") });
    expect(missing.log).toMatch(/nccl: NOT FOUND .*stand-in/);
  });
  it("puts python's nvidia-cublas lib directory on LD_LIBRARY_PATH for the --gemm cublaslt builds, and says so when there is none", () => {
    const lib = fakeCublas(join(scratch, "site-cublas"));
    const found = gpuCheck("cublas", { PYTHONPATH: join(scratch, "site-cublas"), TSDP_BENCH_SKIP: PHASES.slice(1).join(",") });
    expect(found.log).toContain(`cublaslt: ${lib} (from`);
    const bare = join(scratch, "python3-bare-cublas");
    writeFileSync(bare, '#!/bin/sh\nexec python3 -I -S "$@"\n', { mode: 0o755 });
    const missing = gpuCheck("no-cublas", { PYTHON: bare, TSDP_BENCH_SKIP: PHASES.slice(1).join(",") });
    expect(missing.log).toMatch(/cublaslt: NOT FOUND .*fall back to tsdp's kernels/);
  });

  it("builds the GEMM MLP with --gemm cublaslt and --gemm tsdp in every precision, and times both", () => {
    const text = read("gpu-check.sh");
    expect(text).toContain('for p in fp32 tf32 bf16; do echo "gemm-$p $GEMM_MODEL $p cublaslt"; echo "gemm-$p-tsdp $GEMM_MODEL $p tsdp"; done');
    expect(text).toContain('--gemm "${4:-auto}"');
    const side = readFileSync(join(root, "bench", "tsdp", "bench-side.ts"), "utf8");
    expect(side).toContain('[["gemm_mlp", ""], ["gemm_mlp_tsdp", "-tsdp"]]');
  });

  it("builds lenet-direct (the convolutions without patch staging) and times its kernels beside LeNet's", async () => {
    const text = read("gpu-check.sh");
    expect(text).toContain('echo "lenet-direct examples/lenet/model.ts fp32 auto bench/tsdp/lenet-direct.tune.json"');
    expect(text).toContain('${5:+--tune "$5"}');
    expect(text).toMatch(/kernel-times\.ts --work "\$work" --out "\$work\/kernel-times\.json" --variants lenet-direct /);
    // the tuning file turns off what it names: LeNet's four convolution forwards and two weight
    // gradients stage x's patch by default and gather it directly with the file (a renamed kernel
    // would leave it a no-op)
    const { generate } = await import("../compiler/pipeline.ts");
    const patched = (tune: string | false) => (generate(join(root, "examples", "lenet", "model.ts"), { target: "cuda", tune }).generated.cu.match(/_stage_patch(?:_b)?\(Xs, [ab], (?:m0, )?kBegin/g) ?? []).length;
    expect(patched(false)).toBe(6);
    expect(patched(join(root, "bench", "tsdp", "lenet-direct.tune.json"))).toBe(0);
  });

  it("runs LeNet's step under compute-sanitizer memcheck, then racecheck, and records each tool's verdict", () => {
    // a stand-in compute-sanitizer on PATH: memcheck finds errors (exit 86, as gpu-check asks), racecheck none
    const bin = join(scratch, "bin");
    mkdirSync(bin, { recursive: true });
    writeFileSync(
      join(bin, "compute-sanitizer"),
      `#!/bin/sh
[ "$1" = --version ] && { echo "fake sanitizer"; exit 0; }
echo "ran: $*"
case "$2" in
  memcheck) echo "========= ERROR SUMMARY: 2 errors"; exit 86 ;;
  *) echo "========= RACECHECK SUMMARY: 0 hazards displayed (0 errors, 0 warnings)"; exit 0 ;;
esac
`,
      { mode: 0o755 },
    );
    // the phase needs LeNet's build; the build phase is skipped, so the work dir is kept
    mkdirSync(join(scratch, "sanitize", "work", "build", "lenet"), { recursive: true });
    const { r, out, results, log } = gpuCheck("sanitize", {
      TSDP_BENCH_TARGET: "cuda",
      PATH: `${bin}:${process.env.PATH}`,
      TSDP_BENCH_SKIP: "build,tests,compare,bench-tsdp,bench-torch",
    });
    expect(r.status, log).toBe(0);
    const text = readFileSync(join(out, "sanitize.txt"), "utf8");
    expect(text).toMatch(/ran: --tool memcheck .*bench\/tsdp\/sanitize-step\.ts --work \S+ --model lenet/);
    expect(text.indexOf("--tool memcheck")).toBeLessThan(text.indexOf("--tool racecheck"));
    const byPhase = Object.fromEntries(results.phases.map((p: { phase: string; status: string; detail: string }) => [p.phase, p]));
    expect(byPhase["sanitize-memcheck"]).toMatchObject({ status: "errors-found", detail: expect.stringContaining("ERROR SUMMARY: 2 errors") });
    expect(byPhase["sanitize-racecheck"]).toMatchObject({ status: "ok", detail: expect.stringContaining("RACECHECK SUMMARY") });
    expect(byPhase.sanitize.status).toBe("failed");
  });
});

describe("gpu-check's kernel-times phase: measured per-kernel times beside the model's estimate", () => {
  it("fails, and says why, without a LeNet build", () => {
    const { r, results, log } = gpuCheck("kernel-times", { TSDP_BENCH_SKIP: PHASES.filter((p) => p !== "setup" && p !== "kernel-times").join(",") });
    expect(r.status, log).toBe(0);
    expect(log).toMatch(/kernel-times: no LeNet build in \S+\/build\/lenet/);
    expect(results.phases.find((p: { phase: string }) => p.phase === "kernel-times").status).toBe("failed");
    expect(results.kernelTimes).toBeNull();
  });

  it("joins the measured kernels with the model's launches of the step, and lists what does not match", async () => {
    const { generate } = await import("../compiler/pipeline.ts");
    const { gpuReport } = await import("../compiler/inspect-gpu.ts");
    const { kernelTimeTable, formatKernelTimeTable } = await import("../bench/tsdp/kernel-times-table.ts");
    const { generated } = generate(join(root, "examples", "lenet", "model.ts"), { target: "cuda" });
    const step = gpuReport(generated.manifest.launches, "SimpleModel", { gpu: "h200", batch: 64, precision: "fp32" }).programs[0];
    const first = step.estimate.launches[0];
    const measured = {
      kernels: [
        { kernel: first.kernel, launches: 20, medianUs: 3 * first.time * 1e6, meanUs: 0, totalMs: 0 },
        { kernel: "tsdp_accumulate_kernel", launches: 20, medianUs: 5, meanUs: 5, totalMs: 0.1 },
      ],
    };
    const t = kernelTimeTable(step, measured);
    expect(t.rows.map((r) => r.kernel)).toEqual(step.estimate.launches.map((l) => l.kernel));
    expect(t.rows[0]).toMatchObject({ launches: 20, ratio: expect.closeTo(3, 9) });
    expect(t.measuredUs).toBeCloseTo(3 * first.time * 1e6, 6);
    expect(t.unmatched).toContain("tsdp_accumulate_kernel (not in the model)");
    expect(t.unmatched).toContain(`${step.estimate.launches[1].kernel} (not measured)`);
    expect(formatKernelTimeTable(kernelTimeTable(step, null), "t")).toMatch(/^ {2}total +[\d.]+ +— +—$/m);
    // summary.py carries the table into results.json and its summary line
    const work = join(scratch, "kt-summary");
    mkdirSync(work, { recursive: true });
    writeFileSync(join(work, "kernel-times.json"), JSON.stringify({ gpu: "h200", batches: { 64: t } }));
    const out = join(work, "out");
    const py = spawnSync("python3", [join(root, "bench", "pytorch", "summary.py"), "--work", work, "--out", out, "--target", "cuda", "--size", "full", "--elapsed", "1", "--budget", "330"], { encoding: "utf8" });
    expect(py.status, py.stderr).toBe(0);
    expect(py.stdout).toMatch(/LeNet step kernels b64 \(us, sum\): model h200 \/ measured/);
    expect(JSON.parse(readFileSync(join(out, "results.json"), "utf8")).kernelTimes.batches["64"].rows).toHaveLength(step.estimate.launches.length);
  });
});

describe("bench/find-nccl.sh", () => {
  it("prints the lib directory of nvidia.nccl when it holds libnccl.so.2, else fails with no output", () => {
    const lib = fakeNccl(join(scratch, "site2"));
    const found = spawnSync("bash", [script("find-nccl.sh"), "python3"], { encoding: "utf8", env: { ...process.env, PYTHONPATH: join(scratch, "site2") } });
    expect(found.stdout.trim()).toBe(lib);
    expect(found.status).toBe(0);
    rmSync(join(lib, "libnccl.so.2"));
    const empty = spawnSync("bash", [script("find-nccl.sh"), "python3"], { encoding: "utf8", env: { ...process.env, PYTHONPATH: join(scratch, "site2") } });
    expect(empty.stdout).toBe("");
    expect(empty.status).toBe(1);
  });
});

describe("bench/find-cublas.sh", () => {
  it("prints the lib directory of nvidia.cublas when it holds libcublasLt.so.13 or .12, else fails with no output", () => {
    const lib = fakeCublas(join(scratch, "site3"));
    const run = () => spawnSync("bash", [script("find-cublas.sh"), "python3"], { encoding: "utf8", env: { ...process.env, PYTHONPATH: join(scratch, "site3") } });
    expect(run().stdout.trim()).toBe(lib);
    renameSync(join(lib, "libcublasLt.so.13"), join(lib, "libcublasLt.so.12"));
    expect(run().stdout.trim()).toBe(lib);
    rmSync(join(lib, "libcublasLt.so.12"));
    expect(run().stdout).toBe("");
    expect(run().status).toBe(1);
  });
});
