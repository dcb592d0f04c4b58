// The hardware counters of the CPU target (runtime/shim/counters.h): kernels with known answers
// (test/shim/counters.cu) built in the counter flavor (compiler/6-build/build.ts countersFlags),
// the shim's other programs still right when every access is counted, and `tsdp counters` on a
// small model. Each expected number below is derived in its comment from the hardware's rules:
// 32 banks of 4 bytes (a float4 access in 4 phases of 8 lanes), 32-byte sectors.
import { execFile } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileCommand, countersFlags, linkCommand } from "../compiler/6-build/build.ts";
import { toolVersion } from "../compiler/6-build/toolchain.ts";
import { loadSectorsPer128B, storeSectorsPer128B, validateCountersFile, type LaunchCounters, type ShimCounters } from "../runtime/counters.ts";
import { resolveSites, siteExcess } from "../compiler/counters-sites.ts";
import { cachedOutput } from "./test-cache.ts";
import { scratchDir, writeFiles } from "./helpers.ts";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const shimDir = join(root, "runtime", "shim");
const header = join(shimDir, "cuda_shim.h");
const cxx = process.env.CXX ?? "g++";

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function exec(file: string, args: string[], env: Record<string, string> = {}, timeout = 300_000): Promise<Result> {
  return new Promise((done) => {
    const base = Object.fromEntries(Object.entries(process.env).filter(([k, v]) => !k.startsWith("TSDP_SHIM_") && v !== undefined)) as Record<string, string>;
    execFile(file, args, { env: { ...base, ...env }, timeout, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
      done({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** A test program built in the counter flavor: compiled instrumented, linked without libtsan. */
async function counterBuild(program: string): Promise<string> {
  const source = join(root, "test", "shim", `${program}.cu`);
  const args = ["-std=c++20", ...countersFlags, "-Wall", "-Wextra", "-Wno-unknown-pragmas", "-pthread", "-x", "c++", "-include", header, source];
  const shimText = ["cuda_shim.h", "counters.h", "counters_tsan.h", "wmma_shim.h"].map((f) => readFileSync(join(shimDir, f), "utf8"));
  const inputs = [toolVersion(cxx), args.join(" "), readFileSync(source, "utf8"), ...["check.h", "strict_common.h"].map((f) => readFileSync(join(root, "test", "shim", f), "utf8")), ...shimText];
  const { path } = await cachedOutput(`shim counters ${program}`, inputs, async (output) => {
    const compiled = await exec(cxx, [...args, "-c", "-o", `${output}.o`]);
    if (compiled.code !== 0) return compiled;
    const linked = await exec(cxx, ["-pthread", `${output}.o`, "-o", output]);
    rmSync(`${output}.o`, { force: true });
    return { ...linked, stderr: compiled.stderr + linked.stderr };
  });
  return path;
}

describe("hardware counters on the CPU target (counter flavor)", () => {
  const launches = new Map<string, LaunchCounters>();
  let binaries: Record<string, string> = {};

  beforeAll(async () => {
    const programs = ["counters", "sgemm", "reduce", "warp", "atomics", "dynshared"];
    const built = await Promise.all(programs.map((p) => counterBuild(p)));
    binaries = Object.fromEntries(programs.map((p, i) => [p, built[i]]));
    const r = await exec(binaries.counters, []);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const json = /COUNTERS\n([\s\S]*)END\n/.exec(r.stdout)?.[1];
    expect(json, r.stdout).toBeDefined();
    for (const l of (JSON.parse(json!) as ShimCounters).launches) launches.set(l.kernel, l);
  }, 600_000);

  const launch = (kernel: string): LaunchCounters => {
    const l = launches.get(kernel);
    if (!l) throw new Error(`no launch of ${kernel} counted; counted: ${[...launches.keys()].join(", ")}`);
    return l;
  };

  it("counts 32-way bank conflicts in a transpose through tile[32][32], none through tile[32][33]", () => {
    // 32 warps (block 32×32), each: one row store (32 consecutive words: 1 wavefront) and one
    // column load. tile[x][y] for x = lane: stride 32 words, all 32 lanes in one bank → 32 wavefronts.
    const conflicted = launch("transpose_conflicted");
    expect(conflicted.grid).toEqual([1, 1, 1]);
    expect(conflicted.block).toEqual([32, 32, 1]);
    expect(conflicted.shared).toEqual({ requests: 64, wavefronts: 32 * 1 + 32 * 32, idealWavefronts: 64 });
    // stride 33 words: lane x in bank (33x + y) mod 32, all different → 1 wavefront per request
    expect(launch("transpose_padded").shared).toEqual({ requests: 64, wavefronts: 64, idealWavefronts: 64 });
  });

  it("counts 4 sectors per coalesced warp request and 32 per stride-32 request", () => {
    // 4 blocks × 8 warps = 32 warp requests each way; 32 lanes × 4 bytes = 128 contiguous bytes = 4 sectors
    const coalesced = launch("copy_coalesced").global;
    expect(coalesced).toMatchObject({ loadRequests: 32, loadSectors: 128, loadIdealSectors: 128, storeRequests: 32, storeSectors: 128 });
    expect(coalesced).toMatchObject({ bytesRead: 4096, bytesWritten: 4096, uniqueBytesRead: 4096, uniqueBytesWritten: 4096 });
    // lanes 128 bytes apart: one sector each; the ideal stays 4 (128 bytes of useful data), and
    // L2 serves 8× the bytes the threads use
    const strided = launch("copy_strided").global;
    expect(strided).toMatchObject({ loadRequests: 32, loadSectors: 32 * 32, loadIdealSectors: 128, storeSectors: 128 });
    expect(strided).toMatchObject({ bytesRead: 32 * 32 * 32, uniqueBytesRead: 4096 });
  });

  it("counts by site: each memory instruction's requests with its line, adding up to the launch's totals", async () => {
    // Every launch's sites sum to its counters, and the conflicts and extra sectors fall on the
    // lines that make them (addr2line on the program, built with -g1 like a counter build).
    for (const l of launches.values()) {
      const sites = l.sites ?? [];
      const sum = (access: string, field: "requests" | "wavefronts" | "idealWavefronts" | "sectors" | "idealSectors") =>
        sites.filter((s) => (access === "shared" ? s.access === "shared" : s.access === access)).reduce((n, s) => n + (s[field] ?? 0), 0);
      expect(sum("shared", "requests"), l.kernel).toBe(l.shared.requests);
      expect(sum("shared", "wavefronts"), l.kernel).toBe(l.shared.wavefronts);
      expect(sum("shared", "idealWavefronts"), l.kernel).toBe(l.shared.idealWavefronts);
      expect(sum("load", "requests") + sum("store", "requests"), l.kernel).toBe(l.global.loadRequests + l.global.storeRequests);
      expect(sum("load", "sectors"), l.kernel).toBe(l.global.loadSectors);
      expect(sum("load", "idealSectors"), l.kernel).toBe(l.global.loadIdealSectors);
      expect(sum("store", "sectors"), l.kernel).toBe(l.global.storeSectors);
    }
    const { launches: named, problem } = await resolveSites(binaries.counters, [launch("transpose_conflicted"), launch("copy_strided")]);
    expect(problem).toBeUndefined();
    const lines = readFileSync(join(root, "test", "shim", "counters.cu"), "utf8").split("\n");
    const lineOf = (text: string, after: string) => lines.indexOf(text, lines.indexOf(after)) + 1;
    const where = (s: { source?: { frames: readonly { file: string; line: number; function: string }[] } }) => s.source?.frames[0];
    // the transpose: the column load tile[x][y] alone conflicts, 31 extra wavefronts in each of 32 requests
    const [transpose, strided] = named;
    const conflicted = transpose.sites!.filter((s) => siteExcess(s) > 0);
    expect(conflicted).toHaveLength(1);
    expect(conflicted[0]).toMatchObject({ access: "shared", requests: 32, wavefronts: 32 * 32, idealWavefronts: 32 });
    expect(where(conflicted[0])).toEqual({ function: "transpose_conflicted", file: "counters.cu", line: lineOf("  out[y * 32 + x] = tile[x][y];", "__global__ void transpose_conflicted(const float* in, float* out) {") });
    // the strided copy: its load of in[i * 32] takes 32 sectors a request, its store 4
    const load = strided.sites!.find((s) => s.access === "load")!;
    expect(load).toMatchObject({ requests: 32, sectors: 32 * 32, idealSectors: 128 });
    expect(where(load)).toEqual({ function: "copy_strided", file: "counters.cu", line: lineOf("  out[i] = in[i * 32];", "__global__ void copy_strided(const float* in, float* out) {") });
    expect(strided.sites!.find((s) => s.access === "store")).toMatchObject({ requests: 32, sectors: 128, idealSectors: 128 });
  });

  it("counts a float4 shared load by 32 consecutive lanes as one request of 4 wavefronts without conflicts", () => {
    // 4 staging stores of 32 consecutive floats (1 wavefront each), then one LDS.128: 4 phases of
    // 8 lanes × 16 bytes = 128 bytes each, 1 wavefront per phase. Were the float4 split into
    // four scalar loads (GCC's SRA without -fno-tree-sra), this would be 8 requests and 20 wavefronts.
    expect(launch("shared_float4").shared).toEqual({ requests: 5, wavefronts: 8, idealWavefronts: 8 });
  });

  it("counts a broadcast (all lanes read one word) as 1 wavefront", () => {
    // one store of 32 consecutive words, one load of s[7] by every lane
    expect(launch("shared_broadcast").shared).toEqual({ requests: 2, wavefronts: 2, idealWavefronts: 2 });
  });

  it("counts dynamic shared memory as shared, and an atomic as one request per warp", () => {
    // 2 warps × (a store and a load of 32 consecutive words)
    expect(launch("dynamic_reverse").shared).toEqual({ requests: 4, wavefronts: 4, idealWavefronts: 4 });
    expect(launch("dynamic_reverse").global).toMatchObject({ loadRequests: 2, loadSectors: 8, storeRequests: 2, storeSectors: 8 });
    // 64 lanes atomicAdd one float: the shim's CAS loop and its loads are one request per warp
    expect(launch("atomic_sum").global).toMatchObject({ storeRequests: 2, storeSectors: 2, storeIdealSectors: 2, uniqueBytesWritten: 4 });
  });

  it("matches a divergent warp's lanes by instruction, not by count", () => {
    // a load by the 16 even lanes (in[t + 32]: 64 bytes spread over 128, 4 sectors, ideally 2),
    // then one by all 32 (4 sectors); by count, the odd lanes' only load would have joined the
    // even lanes' first (8 sectors) and the even lanes' second gone alone (4)
    expect(launch("divergent_loads").global).toMatchObject({ loadRequests: 2, loadSectors: 8, loadIdealSectors: 6, uniqueBytesRead: 192 });
  });

  it("counts the same whatever order the shim runs a block's threads in", async () => {
    for (const order of ["reverse", "shuffle"]) {
      const r = await exec(binaries.counters, [], { TSDP_SHIM_ORDER: order });
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const counted = (JSON.parse(/COUNTERS\n([\s\S]*)END\n/.exec(r.stdout)![1]) as ShimCounters).launches;
      expect(counted, order).toEqual([...launches.values()]);
    }
  });

  it("lists launches in order with the names spelled at the launch", () => {
    expect([...launches.keys()]).toEqual([
      "transpose_conflicted",
      "transpose_padded",
      "copy_coalesced",
      "copy_strided",
      "shared_float4",
      "shared_broadcast",
      "dynamic_reverse",
      "atomic_sum",
      "divergent_loads",
    ]);
  });

  it("runs the shim's programs unchanged when every access is counted (atomics and shuffles keep their semantics)", async () => {
    for (const program of ["sgemm", "reduce", "warp", "atomics", "dynshared"]) {
      for (const order of ["forward", "shuffle"]) {
        const r = await exec(binaries[program], [], { TSDP_SHIM_ORDER: order });
        expect(r.code, `${program} ${order}\n${r.stdout}${r.stderr}`).toBe(0);
        expect(r.stdout.trim().split("\n").at(-1), `${program} ${order}`).toBe("OK");
      }
    }
  });

  it("writes the counters to TSDP_SHIM_COUNTERS at exit", async () => {
    const dir = scratchDir("tsdp-counters-");
    try {
      const path = join(dir, "sgemm.json");
      const r = await exec(binaries.sgemm, ["64", "64", "64"], { TSDP_SHIM_COUNTERS: path });
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const written = JSON.parse(readFileSync(path, "utf8")) as ShimCounters;
      expect(written.version).toBe(1);
      // one launch, one 64×64 tile: 256 threads = 8 warps; per 16-deep k-step (4 of them) each
      // thread stages 4 floats of A and 4 of B (8 store requests per warp) and reads a float4 of
      // each tile 16 times (32 load requests per warp)
      expect(written.launches).toHaveLength(1);
      const l = written.launches[0];
      expect(l).toMatchObject({ kernel: "sgemm_64x64", grid: [1, 1, 1], block: [256, 1, 1] });
      expect(l.shared.requests).toBe(8 * (64 / 16) * (8 + 32));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the counter flavor's build commands", () => {
  it("instruments the compile with the shim's own ThreadSanitizer entry points and links without libtsan", () => {
    const compile = compileCommand("cpu", "model.cu", "model.o", [], "counters", [], true);
    expect(compile).toEqual(expect.arrayContaining(["-fsanitize=thread", "-fno-tree-sra", "-fno-tree-vectorize", "-DTSDP_SHIM_COUNTERS=1"]));
    expect(compile).not.toContain("-O3");
    expect(linkCommand("cpu", ["model.o"], "libmodel.so", "counters").join(" ")).not.toContain("sanitize");
    // the plain and memcheck flavors are as they were
    expect(compileCommand("cpu", "model.cu", "model.o", [], false, [], true)).not.toContain("-fsanitize=thread");
    expect(compileCommand("cpu", "model.cu", "model.o", [], true, [], true)).toContain("-fsanitize=address");
  });
});

describe("tsdp counters", () => {
  const dir = scratchDir("tsdp-counters-cli-");
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("counts a small model's training step and writes a valid counters file", async () => {
    const out = join(dir, "step.json");
    const r = await exec(process.execPath, [join(root, "bin", "tsdp.js"), "counters", join(root, "test", "fixtures", "hardening-mlp", "model.ts"), "--batch", "8", "--build", join(dir, "build"), "--out", out]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const file = validateCountersFile(JSON.parse(readFileSync(out, "utf8")), out);
    expect(file).toMatchObject({ version: 1, model: "HardeningMlp", batch: 8, program: "step" });
    const kernels = file.launches.map((l) => l.kernel);
    // forward, loss, backward, optimizer update: every kernel of the step's manifest, in order
    const manifest = JSON.parse(readFileSync(join(dir, "build", "manifest.json"), "utf8")) as { training: { stepKernels: number } };
    expect(kernels.length).toBe(manifest.training.stepKernels + 1);
    expect(kernels[0]).toBe("fc1_relu_kernel"); // relu in the GEMM epilogue, in training too
    expect(kernels.at(-1)).toBe("optimizer_update_kernel");
    // fc1: 8 samples × 16 outputs, one GEMM block; it reads x and the weight (so some
    // sectors), and writes 8 × 16 floats = 512 bytes, each exactly once
    const fc1 = file.launches[0];
    expect(fc1.shared.requests).toBeGreaterThan(0);
    expect(fc1.global.uniqueBytesWritten).toBe(8 * 16 * 4);
    expect(fc1.global.uniqueBytesRead).toBeGreaterThanOrEqual((8 * 8 + 16 * 8 + 16) * 4);
    expect(r.stdout).toContain("fc1_relu_kernel");
    expect(r.stdout).toContain(`→ ${out}`);
    // each launch's sites add up to it, and each site but the atomics' names its line: in model.cu,
    // or for the optimizer's kernel in the harness (runtime/harness/step.cu)
    const cu = readFileSync(join(dir, "build", "model.cu"), "utf8").split("\n");
    for (const l of file.launches) {
      expect(l.sites!.reduce((n, s) => n + (s.access === "load" ? s.sectors! : 0), 0), l.kernel).toBe(l.global.loadSectors);
      expect(l.sites!.reduce((n, s) => n + (s.access === "shared" ? s.wavefronts! : 0), 0), l.kernel).toBe(l.shared.wavefronts);
      for (const s of l.sites!.filter((s) => s.at >= 0)) {
        const frames = s.source?.frames ?? [];
        const outermost = frames.at(-1);
        expect(outermost, `${l.kernel} +0x${s.at.toString(16)}`).toBeDefined();
        expect(outermost!.file).toBe(l.kernel === "optimizer_update_kernel" ? "step.cu" : "model.cu");
        // the kernel, or its k-step's multiply-adds (fc1_relu_tile_fma), which the CPU shim keeps
        // out of line: every helper of a kernel is named after it
        expect(outermost!.function === l.kernel || outermost!.function.startsWith(l.kernel.replace(/_kernel$/, "_")), outermost!.function).toBe(true);
        for (const f of frames.filter((f) => f.file === "model.cu")) expect(cu[f.line - 1], `${l.kernel} model.cu:${f.line}`).toBeDefined();
      }
    }
    // every ThreadSanitizer entry point the instrumentation calls is the shim's (none left for a libtsan)
    const undefinedSymbols = await exec("nm", ["-D", "-u", join(dir, "build", "libmodel.so")]);
    expect(undefinedSymbols.code, undefinedSymbols.stderr).toBe(0);
    expect(undefinedSymbols.stdout).not.toMatch(/__tsan/);
  });

  it("counts the index-fault flag kernel of a step that reads a computed index, as the manifest's stepKernels and launches do", async () => {
    const source = writeFiles({ "computed-index.ts": `import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";
export class Shift extends nn.Module {
  emb = new nn.Embedding(8, 4);
  forward(ids: Tensor<[Batch], "int32">) {
    return this.emb(ids.add(1));
  }
}
export const training = new Training(Shift, { loss: new nn.MSELoss(), optimizer: new optim.SGD({ lr: 0.1 }) });
` });
    const model = join(source, "computed-index.ts");
    const out = join(dir, "computed-index.json");
    const r = await exec(process.execPath, [join(root, "bin", "tsdp.js"), "counters", model, "--batch", "4", "--build", join(dir, "computed-build"), "--out", out]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const kernels = validateCountersFile(JSON.parse(readFileSync(out, "utf8")), out).launches.map((l) => l.kernel);
    const manifest = JSON.parse(readFileSync(join(dir, "computed-build", "manifest.json"), "utf8")) as { training: { stepKernels: number }; launches: { program: string; kernel: string }[] };
    // the embedding's index ids + 1 is checked as read: step.cu then launches the flag kernel before the update
    expect(kernels.slice(-2)).toEqual(["index_fault_flag_kernel", "optimizer_update_kernel"]);
    expect(kernels.length).toBe(manifest.training.stepKernels + 1);
    expect(manifest.launches.filter((l) => l.program === "step").map((l) => l.kernel)).toEqual(kernels);
  });
  it("counts whole sectors where a weight gradient's runs start mid-sector: window staging and float4 stores with the bias gradient's column", async () => {
    // fc1's weight gradient stages dy [8, 36] and x [8, 44] along their features: sample k's run
    // starts at 36·k or 44·k floats, 16 bytes into a sector for odd k. On a 64×64 tile (the tuning
    // file: windows need runs of 64 or more) each is read from the sector boundary (window staging,
    // GPU shape), and each warp request touches exactly the sectors its bytes need: 4 per 128 B (as
    // each run was read from where it starts, 4.4). Its output [36, 44] plus the bias gradient's
    // column (gemm-row-sums) goes out as float4 runs and one scalar per row: under 5 per 128 B where
    // rows of 44 floats start mid-sector (the 4×4 sub-tile's scalar stores took 14.5).
    const model = writeFiles({
      "model.tune.json": JSON.stringify({ kernels: { fc1_matmul_sum: { tile: "64x64" } } }),
      "model.ts": `import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";\nexport class Runs extends nn.Module {\n  fc1 = new nn.Linear(44, 36);\n  fc2 = new nn.Linear(36, 3);\n  forward(x: Tensor<[Batch, 44]>) {\n    return this.fc2(F.relu(this.fc1(x)));\n  }\n}\nexport const training = new Training(Runs, { loss: new nn.CrossEntropyLoss(), optimizer: new optim.SGD({ lr: 0.1 }) });\n`,
    });
    const out = join(dir, "runs.json");
    const r = await exec(process.execPath, [join(root, "bin", "tsdp.js"), "counters", join(model, "model.ts"), "--batch", "8", "--build", join(dir, "runs"), "--out", out, "--sites", "2"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    // --sites 2: the weight gradient's stores that straddle sectors (rows of 44 floats) are among its two
    // worst sites, named by their line in model.cu with the line's text under it
    const listed = r.stdout.slice(r.stdout.indexOf("Sites over their ideal"));
    const ofWgrad = listed.slice(listed.indexOf("\nfc1_matmul_sum_kernel\n") + 1).split("\n").slice(1);
    const siteLines = ofWgrad.slice(0, ofWgrad.findIndex((line) => !line.startsWith("  ")));
    expect(siteLines.filter((line) => /^  model\.cu:\d+ +(shared|load|store) /.test(line)).length, listed).toBeGreaterThan(0);
    expect(siteLines.filter((line) => /^  model\.cu:\d+ /.test(line)).length, listed).toBeLessThanOrEqual(2);
    expect(siteLines.join("\n"), listed).toMatch(/^  model\.cu:\d+ +store .*per 128 B/m);
    expect(siteLines.join("\n"), listed).toMatch(/reinterpret_cast<float4\*>\(&out\[/);
    const file = validateCountersFile(JSON.parse(readFileSync(out, "utf8")), out);
    const wgrad = file.launches.find((l) => l.kernel === "fc1_matmul_sum_kernel");
    expect(wgrad, file.launches.map((l) => l.kernel).join(", ")).toBeDefined();
    expect(readFileSync(join(dir, "runs", "model.cu"), "utf8")).toMatch(/fc1_matmul_sum_stage_a_window\(As\[[\s\S]*fc1_matmul_sum_stage_b_window\(Bs\[/);
    expect(wgrad!.global.loadRequests).toBeGreaterThan(0);
    expect(loadSectorsPer128B(wgrad!)).toBe(4);
    expect(storeSectorsPer128B(wgrad!)).toBeLessThan(5);
    // 36 × 44 weight-gradient floats and 36 bias-gradient floats, each written once
    expect(wgrad!.global.uniqueBytesWritten).toBe((36 * 44 + 36) * 4);
  });

  it("counts whole sectors and no bank conflicts where a convolution forward or weight gradient gathers x from its rows staged in shared memory (patch staging), against the direct gather", async () => {
    // LeNet's two convolutions at 4 and 8 channels. Gathered from global memory, a warp's request for
    // one tap is the 16-pixel rows of 8 pooling windows at a column offset: 2–3 sectors per 64 bytes.
    // Patch staging (compiler/5-codegen/kernels/gemm-patch.ts) copies each k-step's input rows once,
    // whole sectors, and gathers from shared memory with no conflicts; the tuning file's "off" keeps
    // the direct gather, for the comparison in one run.
    const source =
      `import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";\n` +
      `export class SmallConv extends nn.Module {\n  conv1 = new nn.Conv2d(1, 4, 5);\n  conv2 = new nn.Conv2d(4, 8, 5);\n  pool = new nn.MaxPool2d(2);\n  fc = new nn.Linear(8 * 4 * 4, 10);\n` +
      `  forward(x: Tensor<[Batch, 1, 28, 28]>) {\n    const h = this.pool(F.relu(this.conv1(x)));\n    return this.fc(this.pool(F.relu(this.conv2(h))).flatten(1));\n  }\n}\n` +
      `export const training = new Training(SmallConv, { loss: new nn.CrossEntropyLoss(), optimizer: new optim.SGD({ lr: 0.1 }) });\n`;
    const staged = writeFiles({ "model.ts": source });
    const direct = writeFiles({ "model.ts": source, "model.tune.json": JSON.stringify({ kernels: { conv1_relu_pool: { patch: "off" }, conv2_relu_pool: { patch: "off" }, conv2_conv2d_grad_weight_sum: { patch: "off" }, conv1_conv2d_grad_weight_sum: { patch: "off" } } }) });
    const count = async (model: string, name: string) => {
      const out = join(dir, `${name}.json`);
      const r = await exec(process.execPath, [join(root, "bin", "tsdp.js"), "counters", join(model, "model.ts"), "--batch", "4", "--build", join(dir, name), "--out", out]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const file = validateCountersFile(JSON.parse(readFileSync(out, "utf8")), out);
      const cu = readFileSync(join(dir, name, "model.cu"), "utf8");
      return { file, cu, launch: (kernel: string) => file.launches.find((l) => l.kernel === kernel)! };
    };
    const patch = await count(staged, "patch");
    const plain = await count(direct, "direct");
    for (const conv of ["conv1_relu_pool_step", "conv2_relu_pool_step"]) {
      expect(patch.cu).toContain(`${conv}_stage_patch(Xs, a, m0, kBegin, kEnd, z, batch, M);`);
      expect(plain.cu).not.toContain(`${conv}_stage_patch(`);
      const [p, d] = [patch.launch(`${conv}_kernel`), plain.launch(`${conv}_kernel`)];
      expect(p.shared.wavefronts, conv).toBe(p.shared.idealWavefronts);
      // the copy's requests (one site or more: the compiler may repeat the loop) are whole sectors from a sector boundary
      const copy = p.sites!.filter((s) => s.access === "load" && s.source?.frames[0].function === `${conv}_copy_patch`);
      expect(copy.length, conv).toBeGreaterThan(0);
      for (const site of copy) expect(site.sectors, conv).toBe(site.idealSectors);
      // the direct gather of x is over 4 sectors per 128 B (the weights' ring is the same in both)
      const gather = d.sites!.filter((s) => s.access === "load" && s.source?.frames[0].function === `${conv}_gather_a`);
      expect(gather.length, conv).toBeGreaterThan(0);
      const sum = (key: "sectors" | "idealSectors") => gather.reduce((n, s) => n + s[key]!, 0);
      expect((4 * sum("sectors")) / sum("idealSectors"), conv).toBeGreaterThan(5);
      expect(loadSectorsPer128B(p), conv).toBeLessThan(loadSectorsPer128B(d));
      expect(p.global.loadSectors, conv).toBeLessThan(d.global.loadSectors / 2);
    }
    // The weight gradients gather x from its staged rows too (compiler/5-codegen/kernels/gemm-patch-wgrad.ts):
    // conv2's (rows of 12) with its columns in order, conv1's (rows of 28, where taps in order collide)
    // with them grouped, a thread class's order in one word; directly, a request's 8 pixels × 4 taps
    // start wherever the tap puts them. The shim's lanes run the grouped gather as the replay does:
    // one read instruction (a read under a lane's own condition would pair other steps' reads).
    expect(patch.cu).toMatch(/unsigned long long border = br0 == 0 \? 0x[0-9a-f]+ull :[^;]*;\n[^\n]*\n[^\n]*\n\s+asm volatile\(""/);
    const gatherSites = patch.launch("conv1_conv2d_grad_weight_sum_kernel").sites!.filter((s) => s.access === "shared" && s.source?.frames[0].function === "conv1_conv2d_grad_weight_sum_gather_b_patch");
    expect(gatherSites).toHaveLength(1);
    expect(gatherSites[0].wavefronts).toBe(gatherSites[0].idealWavefronts);
    for (const wgrad of ["conv2_conv2d_grad_weight_sum", "conv1_conv2d_grad_weight_sum"]) {
      expect(patch.cu).toContain(`${wgrad}_stage_patch_b(Xs, b, kBegin, kEnd, n0, z, batch);`);
      expect(plain.cu).not.toContain(`${wgrad}_stage_patch_b(`);
      const [p, d] = [patch.launch(`${wgrad}_kernel`), plain.launch(`${wgrad}_kernel`)];
      expect(p.shared.wavefronts, wgrad).toBe(p.shared.idealWavefronts);
      const copy = p.sites!.filter((s) => s.access === "load" && s.source?.frames[0].function === `${wgrad}_copy_patch`);
      expect(copy.length, wgrad).toBeGreaterThan(0);
      for (const site of copy) expect(site.sectors, wgrad).toBe(site.idealSectors);
      expect(loadSectorsPer128B(d), wgrad).toBeGreaterThan(4);
      expect(loadSectorsPer128B(p), wgrad).toBeLessThan(loadSectorsPer128B(d));
      expect(p.global.loadSectors, wgrad).toBeLessThan(d.global.loadSectors);
    }
    // Flat staging (compiler/5-codegen/kernels/gemm-flat.ts): fc's output gradient (rows of 10) is one
    // k-step of packed rows, copied as one span: every request whole sectors from a sector boundary,
    // and the transpose conflict-free. (conv1's weights, 4 rows of 25 on a 16-row tile, have no
    // conflict-free box and keep the ring.)
    expect(patch.cu).toContain("fc_matmul_stage_a_flat(As, a, m0, z, batch, tid, M);");
    expect(patch.cu).toContain("conv1_relu_pool_step_stage_b_ring(Bs,");
    const flat = patch.file.launches.flatMap((l) => l.sites!.filter((s) => s.access === "load" && /_stage_[ab]_flat$/.test(s.source?.frames[0].function ?? "")).map((s) => ({ kernel: l.kernel, s })));
    expect(flat.map((f) => f.kernel), patch.file.launches.map((l) => l.kernel).join(", ")).toContain("fc_matmul_kernel");
    for (const { kernel, s } of flat) {
      expect(s.sectors, kernel).toBe(s.idealSectors);
      const launch = patch.launch(kernel);
      expect(launch.shared.wavefronts, kernel).toBe(launch.shared.idealWavefronts);
    }
  });

  it("counts one request per tap and warp, and no bank conflicts, where a stride-2 input gradient sums its taps from shared memory (the col2im epilogue)", async () => {
    // conv2's input gradient (11×14 images, 4 channels a group × 4×4 taps, stride 2, dilation 2) sums
    // C's tile by input pixel: every lane reads every tap, one instruction per tap, so a warp's reads
    // are 16 requests per pass, nearby words of one column each. With && and a select, GCC read the
    // tap under a branch and the counts paired one lane's tap with another's next: 1,248 conflicts
    // over the tap read's 1,272 requests that the hardware would not see (compiler/ops/conv-col2im.ts).
    const model = writeFiles({
      "model.ts":
        `import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";\n` +
        `export class Strided extends nn.Module {\n  conv1 = new nn.Conv2d(3, 12, 3);\n  conv2 = new nn.Conv2d(12, 6, 4, { stride: 2, dilation: 2, groups: 3, bias: false });\n  fc = new nn.Linear(6 * 3 * 4, 10);\n` +
        `  forward(x: Tensor<[Batch, 3, 13, 16]>) {\n    return this.fc(F.relu(this.conv2(F.relu(this.conv1(x)))).flatten(1));\n  }\n}\n` +
        `export const training = new Training(Strided, { loss: new nn.CrossEntropyLoss(), optimizer: new optim.SGD({ lr: 0.1 }) });\n`,
    });
    const out = join(dir, "col2im.json");
    const r = await exec(process.execPath, [join(root, "bin", "tsdp.js"), "counters", join(model, "model.ts"), "--batch", "4", "--build", join(dir, "col2im"), "--out", out]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const file = validateCountersFile(JSON.parse(readFileSync(out, "utf8")), out);
    expect(readFileSync(join(dir, "col2im", "model.cu"), "utf8")).toContain("// Epilogue col2im");
    const launch = file.launches.find((l) => l.kernel === "conv2_conv2d_grad_input_relu_grad_kernel")!;
    const read = launch.sites!.filter((s) => s.access === "shared" && (s.source?.text ?? "").startsWith("const float c = Cs["));
    expect(read).toHaveLength(1);
    // a block's 2 images × 4 channels × 11×14 pixels are 39 passes of a warp (the last 8 lanes), 16
    // taps each; 2 × 1 × 3 blocks (M = 4 · 16 rows on 32-row tiles, 3 groups)
    expect(launch.grid).toEqual([2, 1, 3]);
    expect(read[0].requests).toBe(39 * 16 * 6);
    expect(read[0].wavefronts).toBe(read[0].idealWavefronts);
    expect(launch.shared.wavefronts).toBe(launch.shared.idealWavefronts);
  });

  it("counts the forward of a model without training, and refuses to count a step it does not have", async () => {
    const model = join(root, "test", "fixtures", "batched-matmul", "model.ts");
    const build = join(dir, "bmm");
    const out = join(dir, "forward.json");
    const r = await exec(process.execPath, [join(root, "bin", "tsdp.js"), "counters", model, "--batch", "2", "--build", build, "--out", out]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const file = validateCountersFile(JSON.parse(readFileSync(out, "utf8")), out);
    expect(file).toMatchObject({ model: "BatchedMatmul", batch: 2, program: "forward" });
    expect(file.launches.length).toBeGreaterThan(0);
    // x · xᵀ for 2 × 8 matrices of 3×4 floats: x (2·8·12 floats) is read, and the last kernel
    // writes the output (2·8·3·3 floats), each byte once
    expect(file.launches.reduce((n, l) => n + l.global.uniqueBytesRead, 0)).toBeGreaterThanOrEqual(2 * 8 * 12 * 4);
    expect(file.launches.at(-1)!.global.uniqueBytesWritten).toBe(2 * 8 * 9 * 4);
    const step = await exec(process.execPath, [join(root, "bin", "tsdp.js"), "counters", model, "--program", "step", "--build", build, "--out", join(dir, "step-bmm.json")]);
    expect(step.code).toBe(2);
    expect(step.stderr).toContain("BatchedMatmul has no training step");
    expect(step.stderr).not.toContain("internal error");
  });

  it("refuses a CUDA-target counter build with a clear error", async () => {
    const r = await exec(process.execPath, [join(root, "bin", "tsdp.js"), "compile", join(root, "test", "fixtures", "hardening-mlp", "model.ts"), "--target", "cuda", "--counters", "--out", join(dir, "cuda")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--counters is for --target cpu");
  });
});
