// The CUDA CPU shim (runtime/shim/cuda_shim.h): the CUDA programs in test/shim/ are compiled with
// g++ and the shim force-included, run on the CPU, and check their own results; these tests assert
// on what they print. Each program is also plain CUDA: where nvcc is on PATH, every one must
// compile with `nvcc -arch=sm_80 -c` too (compile only; no GPU is needed).
//
// Binaries are kept in the build cache (test/test-cache.ts), keyed by the headers, the source, the
// compiler and the flags, so a rerun without changes compiles nothing.
import { execFile, execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { toolVersion } from "../compiler/6-build/toolchain.ts";
import { cachedOutput } from "./test-cache.ts";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const header = join(root, "runtime", "shim", "cuda_shim.h");
const sources = join(root, "test", "shim");
const cxx = process.env.CXX ?? "g++";

const programs = [
  "sgemm",
  "reduce",
  "warp",
  "missing_sync",
  "atomics",
  "dynshared",
  "graph",
  "errors",
  "devices",
  "modes",
  "strict_devices",
  "strict_launch",
  "strict_capture",
  "strict_faults",
  "strict_unwaited",
  "counters",
] as const;
type Program = (typeof programs)[number];

/** Builds: the programs as they are, and two through the portable ucontext fallback. */
const builds: Record<string, { program: Program; flags: string[] }> = {
  // the vector-alignment rule is checked in memcheck builds and where asked for (see the shim's "Vector types")
  ...Object.fromEntries(programs.map((p) => [p, { program: p, flags: p === "strict_faults" ? ["-DTSDP_SHIM_CHECK_VECTORS=1"] : ([] as string[]) }])),
  "reduce-ucontext": { program: "reduce", flags: ["-DTSDP_SHIM_USE_UCONTEXT"] },
  "missing_sync-ucontext": { program: "missing_sync", flags: ["-DTSDP_SHIM_USE_UCONTEXT"] },
};

const baseFlags = ["-std=c++20", "-O2", "-Wall", "-Wextra", "-Wno-unknown-pragmas", "-pthread"];

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function exec(file: string, args: string[], env?: Record<string, string>, timeout = 120_000): Promise<Result> {
  return new Promise((done) => {
    execFile(file, args, { env, timeout, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
      done({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** Runs `jobs` with at most `limit` at a time. */
async function pooled<T>(jobs: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return results;
}

const sourceOf = (p: Program) => join(sources, `${p}.cu`);
// The programs share check.h, the strict-rule ones strict_common.h too: part of their cache key.
const commonHeaders = [join(sources, "check.h"), join(sources, "strict_common.h")];

const binaries = new Map<string, string>();
const compileLogs = new Map<string, string>();

/** Compiles one build (or finds it in the build cache) and records its binary and compiler diagnostics. */
async function build(name: string): Promise<void> {
  const { program, flags } = builds[name];
  const args = [...baseFlags, ...flags, "-x", "c++", "-include", header, sourceOf(program)];
  const wmma = join(root, "runtime", "shim", "wmma_shim.h");
  const inputs = [cxx, args.join(" "), ...[header, sourceOf(program), ...commonHeaders, wmma].map((f) => readFileSync(f, "utf8"))];
  const { path, log } = await cachedOutput(`shim test ${name}`, inputs, (output) => exec(cxx, [...args, "-o", output]));
  binaries.set(name, path);
  compileLogs.set(name, log);
}

/** Runs a build with a clean TSDP_SHIM_* environment plus `env`. */
function run(name: string, env: Record<string, string> = {}): Promise<Result> {
  const exe = binaries.get(name);
  if (!exe) throw new Error(`${name} was not built`);
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k, v]) => !k.startsWith("TSDP_SHIM_") && v !== undefined),
  ) as Record<string, string>;
  return exec(exe, [], { ...base, ...env });
}

/** Runs and expects the program to pass (exit 0, last line OK). */
async function passes(name: string, env: Record<string, string> = {}): Promise<string> {
  const r = await run(name, env);
  const context = `${name} ${JSON.stringify(env)}\n${r.stdout}${r.stderr}`;
  expect(r.code, context).toBe(0);
  expect(r.stdout.trim().split("\n").at(-1), context).toBe("OK");
  return r.stdout;
}

const orders = ["forward", "reverse", "shuffle"] as const;

describe("CUDA CPU shim (g++)", () => {
  beforeAll(async () => {
    await pooled(
      Object.keys(builds).map((name) => () => build(name)),
      Math.max(1, availableParallelism()),
    );
  }, 600_000);

  it("compiles every program without a warning from the header", () => {
    for (const [name, log] of compileLogs) expect(log.includes("cuda_shim.h"), `${name}:\n${log}`).toBe(false);
  });

  it("runs a 64x64 register-tiled SGEMM (two barriers per k-tile) exactly", async () => {
    const out = await passes("sgemm");
    expect(out).toContain("sgemm 256x192x320: match");
    expect(out).toContain("sgemm 100x70x45: match");
  });

  it("gives the same SGEMM for any thread order, pool size and stack size", async () => {
    await passes("sgemm", { TSDP_SHIM_ORDER: "reverse", TSDP_SHIM_THREADS: "1" });
    await passes("sgemm", { TSDP_SHIM_ORDER: "shuffle", TSDP_SHIM_THREADS: "3" });
    await passes("sgemm", { TSDP_SHIM_STACK_KB: "16" });
  });

  it.each(orders)("reduces 100,000 values with warp shuffles (%s order)", async (order) => {
    const out = await passes("reduce", { TSDP_SHIM_ORDER: order });
    expect(out).toContain("sum n=100000 threads=256 blocks=64");
    expect(out).toContain("sum n=100000 threads=200 blocks=50");
    expect(out).not.toContain("MISMATCH");
  });

  it.each(orders)("implements shuffles and votes as CUDA defines them (%s order)", async (order) => {
    await passes("warp", { TSDP_SHIM_ORDER: order });
  });

  it("gets a kernel with a missing __syncthreads right only in forward order", async () => {
    const forward = await passes("missing_sync", { TSDP_SHIM_ORDER: "forward" });
    expect(forward).toContain("racy-direct: RIGHT");
    expect(forward).toContain("racy-fiber: RIGHT");
    expect(forward).toContain("synced: RIGHT");
    for (const order of ["reverse", "shuffle"]) {
      const out = await passes("missing_sync", { TSDP_SHIM_ORDER: order });
      expect(out, order).toContain("racy-direct: WRONG");
      expect(out, order).toContain("racy-fiber: WRONG");
      expect(out, order).toContain("synced: RIGHT");
    }
    // tsdp_shim_set_order at run time
    expect(forward).toContain("api-forward: racy-direct RIGHT, racy-fiber RIGHT, synced RIGHT");
    expect(forward).toContain("api-reverse: racy-direct WRONG, racy-fiber WRONG, synced RIGHT");
    expect(forward).toContain("api-shuffle: racy-direct WRONG, racy-fiber WRONG, synced RIGHT");
  });

  it("runs atomics from blocks on several OS threads", async () => {
    await passes("atomics");
    await passes("atomics", { TSDP_SHIM_THREADS: "4" });
    await passes("atomics", { TSDP_SHIM_THREADS: "1", TSDP_SHIM_ORDER: "shuffle" });
  });

  it("sizes and aligns dynamic shared memory per launch", async () => {
    await passes("dynshared");
    await passes("dynshared", { TSDP_SHIM_ORDER: "reverse" });
  });

  it("records a captured stream into a graph and replays it twice", async () => {
    const out = await passes("graph");
    expect(out).toContain("after capture: as expected");
    expect(out).toContain("after launch 1: as expected");
    expect(out).toContain("after launch 2: as expected");
  });

  it("reports launch and device errors and carries on", async () => {
    const out = await passes("errors");
    expect(out).toContain("2048 threads per block: cudaErrorInvalidConfiguration (9)");
    expect(out).toContain("last error after reading it: cudaSuccess (0)");
    expect(out).toContain("empty grid: cudaErrorInvalidConfiguration (9)");
    expect(out).toContain("elements written by failed launches: 0");
    expect(out).toContain("cudaSetDevice(5): cudaErrorInvalidDevice (101)");
    expect(out).toContain("cudaMalloc(1 << 62): cudaErrorMemoryAllocation (2)");
  });

  it("has one virtual device by default and TSDP_SHIM_DEVICES of them on request", async () => {
    expect(await passes("devices")).toContain("devices=1\n");
    const three = await passes("devices", { TSDP_SHIM_DEVICES: "3" });
    expect(three).toContain("devices=3\n");
    for (const d of [0, 1, 2]) expect(three).toContain(`device ${d}: match`);
  });

  it("runs barrier-free kernels without fiber switches and promotes on the first barrier", async () => {
    const out = await passes("modes");
    expect(out).toContain("direct-switches=0");
    expect(out).toContain("maybe-barrier(0) switches=0");
    expect(out).toMatch(/maybe-barrier\(1\) switches=[1-9]\d*/);
    expect(out).toContain("barrier on second launch: match");
    expect(out).toContain("half-warp shuffle: match");
    await passes("modes", { TSDP_SHIM_ORDER: "shuffle", TSDP_SHIM_THREADS: "3" });
  });

  it("does not hang on divergent warp code, and warns once", async () => {
    const r = await run("modes", { TSDP_SHIM_THREADS: "1" });
    expect(r.stdout).toContain("divergent warp code: cudaSuccess");
    expect(r.stderr.match(/warning: a full-mask warp operation/g)?.length).toBe(1);
  });

  // The strict rules: each program breaks every rule of its group once (must fail with CUDA's
  // code, and the shim names the rule on stderr) and runs the correct twin (must succeed).
  async function strict(name: Program, env: Record<string, string>, rules: [string, string][], named: string[]) {
    const r = await run(name, env);
    const context = `${name}\n${r.stdout}${r.stderr}`;
    expect(r.code, context).toBe(0);
    expect(r.stdout.trim().split("\n").at(-1), context).toBe("OK");
    for (const [what, code] of rules) expect(r.stdout, context).toContain(`${what}: ${code}\n`);
    for (const rule of named) expect(r.stderr, context).toContain(rule);
  }

  it("refuses launches into another device's stream, and events recorded across devices", async () => {
    await strict("strict_devices", { TSDP_SHIM_DEVICES: "2", TSDP_SHIM_ORDER: "shuffle" }, [
      ["launch into device 1's stream on device 0", "cudaErrorInvalidResourceHandle"],
      ["launch into device 1's stream on device 1", "cudaSuccess"],
      ["record device 0's event into device 1's stream", "cudaErrorInvalidResourceHandle"],
      ["record device 1's event into device 1's stream", "cudaSuccess"],
      ["device 1's stream waits for device 0's event", "cudaSuccess"],
      ["elapsed time between events of two devices", "cudaErrorInvalidResourceHandle"],
      ["a new host thread launching into device 1's stream", "cudaErrorInvalidResourceHandle"],
      ["the same after its own cudaSetDevice(1)", "cudaSuccess"],
      ["kernel on device 0 given device 1's memory", "cudaErrorIllegalAddress"],
      ["the same kernel replayed from a graph on device 0", "cudaErrorIllegalAddress"],
      ["device 0 enables peer access to device 1", "cudaSuccess"],
      ["and enables it again", "cudaErrorPeerAccessAlreadyEnabled"],
      ["kernel on device 0 given device 1's memory after peer access", "cudaSuccess"],
      ["the graph replayed after peer access", "cudaSuccess"],
      ["cudaFree of the same pointer twice", "cudaErrorInvalidValue"],
      ["cudaFree of a pointer inside an allocation", "cudaErrorInvalidValue"],
    ], [
      "a kernel launch into a stream of another device",
      "an event is recorded only into a stream of the device it was created on",
      "a kernel reads or writes another device's memory only after cudaDeviceEnablePeerAccess",
      "cudaFree takes a pointer cudaMalloc or cudaMallocManaged returned, once",
    ]);
  });

  it("enforces CUDA's launch limits and the dynamic shared memory opt-in", async () => {
    await strict("strict_launch", { TSDP_SHIM_ORDER: "shuffle" }, [
      ["block of 1025 threads", "cudaErrorInvalidConfiguration"],
      ["block of 1024 threads", "cudaSuccess"],
      ["block.z of 65", "cudaErrorInvalidConfiguration"],
      ["block.z of 64", "cudaSuccess"],
      ["grid.y of 65536", "cudaErrorInvalidConfiguration"],
      ["grid.z of 65536", "cudaErrorInvalidConfiguration"],
      ["grid.x of 70000", "cudaSuccess"],
      ["grid.y of 65535", "cudaSuccess"],
      ["64 KB of dynamic shared memory without opting in", "cudaErrorInvalidValue"],
      ["48 KB without opting in", "cudaSuccess"],
      ["opting in to 228 KB", "cudaErrorInvalidValue"],
      ["64 KB after opting in to 64 KB", "cudaSuccess"],
      ["64 KB + 4 after opting in to 64 KB", "cudaErrorInvalidValue"],
    ], ["grid.y and grid.z <= 65535", "dynamic shared memory above 48 KB needs cudaFuncSetAttribute"]);
  });

  it("enforces the stream-capture rules and pinned memory for captured host copies", async () => {
    await strict("strict_capture", { TSDP_SHIM_ORDER: "shuffle" }, [
      ["cudaMalloc during a global capture", "cudaErrorStreamCaptureUnsupported"],
      ["cudaDeviceSynchronize during a thread-local capture", "cudaErrorStreamCaptureUnsupported"],
      ["synchronous cudaMemcpy during a capture", "cudaErrorStreamCaptureImplicit"],
      ["a kernel on the legacy default stream during a capture", "cudaErrorStreamCaptureImplicit"],
      ["  the capture after it", "cudaErrorStreamCaptureInvalidated"],
      ["captured cudaMemcpyAsync from pageable memory", "cudaErrorStreamCaptureUnsupported"],
      ["captured cudaMemcpyAsync from pinned memory", "cudaSuccess"],
      ["the correct capture", "cudaSuccess"],
      ["cudaMalloc during a relaxed capture", "cudaSuccess"],
    ], ["not permitted while a stream capture is open", "needs page-locked memory"]);
    const out = (await run("strict_capture")).stdout;
    expect(out.match(/the capture after it: cudaErrorStreamCaptureInvalidated/g)?.length).toBe(4);
    expect(out).toContain("replayed graph: match");
  });

  it("fails a launch on a misaligned WMMA tile or ldm, and on a __syncthreads only part of the block reaches", async () => {
    await strict("strict_faults", { TSDP_SHIM_ORDER: "shuffle" }, [
      ["WMMA load from a 16-byte aligned pointer", "cudaErrorMisalignedAddress"],
      ["WMMA load with ldm 6 floats", "cudaErrorMisalignedAddress"],
      ["WMMA load from a 32-byte aligned pointer, ldm 8", "cudaSuccess"],
      ["float4 load from a 4-byte aligned pointer", "cudaErrorMisalignedAddress"],
      ["float4 store to an 8-byte aligned pointer", "cudaErrorMisalignedAddress"],
      ["float4 copy between 16-byte aligned pointers", "cudaSuccess"],
      ["__syncthreads reached by half of the block", "cudaErrorLaunchFailure"],
      ["__syncthreads reached by the whole block", "cudaSuccess"],
    ], ["not 32-byte (256-bit) aligned", "not a multiple of 16 bytes", "a float4 load from an address that is not 16-byte aligned", "a float4 store to an address that is not 16-byte aligned", "a __syncthreads reached by only part of the block"]);
  });

  it("reports a synchronous copy of memory that a not-yet-waited-for non-blocking stream still uses", async () => {
    const r = await run("strict_unwaited", { TSDP_SHIM_ORDER: "shuffle" });
    const context = `strict_unwaited\n${r.stdout}${r.stderr}`;
    expect(r.code, context).toBe(0);
    expect(r.stdout.trim().split("\n").at(-1), context).toBe("OK");
    const racy = r.stdout.split("\n").filter((l) => /: 1 race$/.test(l));
    expect(racy, context).toHaveLength(4);
    expect(r.stdout, context).toContain("copy out of memory a non-blocking stream's kernel writes, not waited for: 1 race\n");
    expect(r.stdout, context).toContain("the copy after cudaStreamSynchronize: 0 races\n");
    expect(r.stdout, context).toContain("the copy after synchronizing a stream that waited for the kernel's stream: 0 races\n");
    expect(r.stdout, context).toContain("copy out of memory a graph launched into a non-blocking stream writes: 1 race\n");
    expect(r.stderr.match(/tsdp cuda shim: race: cudaMem(cpy|set) uses memory/g) ?? [], context).toHaveLength(4);
  });

  it("runs the hardware counters' known-answer kernels in an ordinary build too (test/shim-counters.test.ts counts them)", async () => {
    const out = await passes("counters", { TSDP_SHIM_ORDER: "shuffle" });
    expect(out).toContain("mismatches: 0");
    expect(out).not.toContain("COUNTERS");
  });

  it("works through the portable ucontext fallback", async () => {
    await passes("reduce-ucontext", { TSDP_SHIM_ORDER: "reverse" });
    const out = await passes("missing_sync-ucontext");
    expect(out).toContain("racy-direct: RIGHT");
    expect(out).toContain("api-reverse: racy-direct WRONG, racy-fiber WRONG, synced RIGHT");
  });
});

function hasNvcc(): boolean {
  try {
    execFileSync("nvcc", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!hasNvcc())("the shim's test programs are plain CUDA (nvcc)", () => {
  const results = new Map<Program, Result>();

  beforeAll(async () => {
    await pooled(
      programs.map((p) => async () => {
        // A passing check is cached by the source's hash (and nvcc's version): only failures rerun.
        const inputs = [toolVersion("nvcc"), readFileSync(sourceOf(p), "utf8"), ...commonHeaders.map((f) => readFileSync(f, "utf8"))];
        try {
          await cachedOutput(`nvcc -arch=sm_80 -c ${p}.cu`, inputs, (output) => exec("nvcc", ["-arch=sm_80", "-c", sourceOf(p), "-o", output]));
          results.set(p, { code: 0, stdout: "", stderr: "" });
        } catch (e) {
          results.set(p, { code: 1, stdout: "", stderr: (e as Error).message });
        }
      }),
      Math.max(1, availableParallelism()),
    );
  }, 600_000);

  it.each(programs)("%s.cu compiles with nvcc -arch=sm_80", (p) => {
    const r = results.get(p);
    expect(r?.code, r?.stderr).toBe(0);
  });
});
