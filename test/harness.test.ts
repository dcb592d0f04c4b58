// The fixed harness (runtime/harness/) checked as C++ on its own: it compiles without any
// generated model, for the CPU target (g++ and the shim) and, where nvcc is installed, for sm_90;
// its objects are cached; and test/harness/driver.cu, a hand-written model, unit-tests its pieces
// (Philox, the scatter, staging, init, the C ABI's errors, the training step's all-reduce and
// CUDA-graph path) on the CPU target.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, utimesSync } from "node:fs";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { cacheDirectory, compileCommand, harnessFor } from "../compiler/6-build/build.ts";
import { harnessObjects } from "../compiler/6-build/harness.ts";
import { findNvcc, harnessDir } from "../compiler/6-build/toolchain.ts";
import { generate } from "../compiler/pipeline.ts";
import { scratchDir } from "./helpers.ts";

const cache = scratchDir("tsdp-harness-");
const cpuObject = (source: string, output: string) => compileCommand("cpu", source, output, [], false, [], true);

describe("the harness on its own, CPU target", () => {
  it("compiles without a model, and a second request is served from the cache", async () => {
    const first = await harnessObjects(cache, "cpu", cpuObject);
    expect(first.cached).toBe(false);
    for (const o of Object.values(first.objects)) expect(existsSync(o)).toBe(true);
    // a hit marks the entry used: the cache's bound evicts the least recently used (cache-trim.ts)
    const long = new Date(Date.now() - 3_600_000);
    utimesSync(first.dir, long, long);
    const second = await harnessObjects(cache, "cpu", cpuObject);
    expect(second).toMatchObject({ cached: true, objects: first.objects, dir: first.dir });
    expect(Date.now() - statSync(first.dir).mtimeMs).toBeLessThan(60_000);
    // other flags (a memcheck build) are another entry: the shared cache's, which memcheck builds use
    // anyway (a private one would compile its seven objects with AddressSanitizer once more)
    const memcheck = await harnessObjects(cacheDirectory(), "cpu", (s, o) => compileCommand("cpu", s, o, [], true, [], true));
    expect(basename(memcheck.dir)).toMatch(/^harness-[0-9a-f]{32}$/);
    expect(basename(memcheck.dir)).not.toBe(basename(first.dir));
  }, 240_000);

  it("passes its unit tests (test/harness/driver.cu)", async () => {
    const { objects } = await harnessObjects(cache, "cpu", cpuObject);
    const exe = join(cache, "driver");
    // the build's own g++ command, linking an executable instead of a library
    const command = compileCommand("cpu", "test/harness/driver.cu", exe, [], false, Object.values(objects))
      .filter((a) => a !== "-shared")
      .map((a) => (a === "-O3" ? "-O1" : a));
    const built = spawnSync(command[0], [...command.slice(1), "-ldl"], { encoding: "utf8" });
    expect(built.stderr).toBe("");
    expect(built.status).toBe(0);
    const run = spawnSync(exe, [], { encoding: "utf8", timeout: 60_000 });
    const lines = run.stdout.trim().split("\n");
    expect(lines.filter((l) => !l.startsWith("ok "))).toEqual([]);
    expect(lines.length).toBe(27);
    expect(run.status).toBe(0);
  }, 240_000);
});

describe.skipIf(!findNvcc())("the harness on its own, nvcc", () => {
  it("compiles for sm_90, and ptxas reports its kernels", async () => {
    // the shared cache's entry, as tsdp inspect --arch sm_90 builds it (resources.ts): no second nvcc build
    const h = await harnessFor(cacheDirectory(), "cuda", ["90"], "plain", undefined);
    for (const o of Object.values(h.objects)) expect(existsSync(o)).toBe(true);
    expect(h.resources?.map((r) => `${r.kernel} ${r.arch}`).sort()).toEqual(["grad_clip_factor_kernel sm_90", "grad_norm_partials_kernel sm_90", "held_gradients_kernel sm_90", "index_fault_flag_kernel sm_90", "optimizer_update_kernel sm_90", "tsdp_accumulate_kernel sm_90"]);
    expect(h.resources?.every((r) => r.spillStoreBytes === 0 && r.stackBytes === 0)).toBe(true);
  }, 300_000);
});

describe("what the generated code holds", () => {
  it("kernels, run_<program> and a descriptor with designated initializers; no harness", () => {
    const { cu } = generate("examples/lenet/model.ts", { target: "cpu" }).generated;
    expect(cu).toMatch(/^extern const tsdp_model_desc tsdp_model_description = \{$/m);
    expect(cu).toMatch(/\{\.name = "x", \.offset = \d+, \.bytes = 3136, \.dtype = TSDP_F32, \.batched = 1 \}/);
    expect(cu).toContain(".optimizer = TSDP_SGD,");
    for (const harnessOnly of ["tsdp_create", "ncclAllReduce", "cudaStreamBeginCapture", "optimizer_update_kernel", "0xD2511F53"]) expect(cu).not.toContain(harnessOnly);
  });

  it("Philox is written once, in runtime/harness/philox.h", () => {
    const files = [
      ...readdirSync(harnessDir).map((f) => join(harnessDir, f)),
      ...readdirSync("templates", { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)),
    ];
    expect(files.filter((f) => readFileSync(f, "utf8").includes("0xD2511F53")).map((f) => f.slice(f.lastIndexOf("/") + 1))).toEqual(["philox.h"]);
  });
});
