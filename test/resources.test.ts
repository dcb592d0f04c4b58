// The ptxas resource report (compiler/6-build/resources.ts): parsing nvcc -Xptxas -v logs, the
// launch configurations of generated code, the rules that fail a build's check, and the manifest
// field that records them. No nvcc here: codegen.test.ts runs these on every example's real build.
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildModel } from "../compiler/6-build/build.ts";
import { generate } from "../compiler/pipeline.ts";
import { spawnSync } from "node:child_process";
import { kernelName, launchConfigs, measureResources, parsePtxasLog, resourceProblems, trigKernels } from "../compiler/6-build/resources.ts";
import { ABI_VERSION, manifestContentHash, readManifest, validateManifest } from "../runtime/manifest.ts";
import { formatResources } from "../compiler/inspect.ts";
import { scratchDir } from "./helpers.ts";

const entry = (symbol: string, arch: string, props: string, used: string) =>
  [
    `ptxas info    : Compiling entry function '${symbol}' for '${arch}'`,
    `ptxas info    : Function properties for ${symbol}`,
    `    ${props}`,
    `ptxas info    : ${used}`,
    `ptxas info    : Compile time = 10.8 ms`,
  ].join("\n");

const fc2 = "_ZN12tsdp_kernels10fc2_kernelEPKfS1_S1_Pfi";
const spilling = "_ZN12tsdp_kernels16big_conv2_kernelEPKfPfi";
const log = [
  "model.cu(1000): warning #177-D: variable \"step\" was declared but never referenced",
  "ptxas info    : 0 bytes gmem",
  entry(fc2, "sm_80", "0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads", "Used 40 registers, used 1 barriers, 16384 bytes smem, 384 bytes cmem[0]"),
  // a called device function's own frame, reported inside the kernel's section, is not the kernel's
  entry(spilling, "sm_90", "24 bytes stack frame, 24 bytes spill stores, 16 bytes spill loads", "Used 255 registers, 376 bytes cmem[0]").replace(
    "ptxas info    : Used",
    "ptxas info    : Function properties for _Z6helperf\n    999 bytes stack frame, 999 bytes spill stores, 999 bytes spill loads\nptxas info    : Used",
  ),
  entry("_ZN38_GLOBAL__N__4211a607_6_mlp_cu_bea45bbc22tsdp_accumulate_kernelEPfPKfm", "sm_90", "0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads", "Used 12 registers, used 0 barriers, 376 bytes cmem[0]"),
].join("\n");

describe("parsing nvcc -Xptxas -v", () => {
  it("reads registers, spills, stack, shared memory and barriers per kernel and architecture", () => {
    expect(parsePtxasLog(log)).toEqual([
      { kernel: "fc2_kernel", arch: "sm_80", registers: 40, spillStoreBytes: 0, spillLoadBytes: 0, stackBytes: 0, sharedBytes: 16384, barriers: 1 },
      { kernel: "big_conv2_kernel", arch: "sm_90", registers: 255, spillStoreBytes: 24, spillLoadBytes: 16, stackBytes: 24, sharedBytes: 0, barriers: 0 },
      { kernel: "tsdp_accumulate_kernel", arch: "sm_90", registers: 12, spillStoreBytes: 0, spillLoadBytes: 0, stackBytes: 0, sharedBytes: 0, barriers: 0 },
    ]);
  });

  it("names kernels from mangled symbols in a namespace, an anonymous namespace, global scope or extern \"C\"", () => {
    expect(kernelName(fc2)).toBe("fc2_kernel");
    expect(kernelName("_ZN38_GLOBAL__N__4211a607_6_mlp_cu_bea45bbc22tsdp_accumulate_kernelEPfPKfm")).toBe("tsdp_accumulate_kernel");
    expect(kernelName("_Z10fc2_kernelPKfPfi")).toBe("fc2_kernel");
    expect(kernelName("fc2_kernel")).toBe("fc2_kernel");
  });

  it("refuses a log where a kernel is announced but its usage never comes (a kernel missed is a spill missed)", () => {
    const cut = log.slice(0, log.indexOf("ptxas info    : Used 40"));
    expect(() => parsePtxasLog(cut)).toThrow(/no resource usage for _ZN12tsdp_kernels10fc2_kernel\S* \(sm_80\)/);
  });

  it("finds nothing in a log without ptxas lines", () => {
    expect(parsePtxasLog("nvcc warning : something\n")).toEqual([]);
  });
});

describe("launch configurations and the rules they must keep", () => {
  const cu = [
    "#define TSDP_LAUNCH(kernel, grid, block, shared, stream, ...) kernel<<<grid, block, shared, stream>>>(__VA_ARGS__)",
    "        TSDP_LAUNCH(tsdp_kernels::fc2_kernel, dim3(1, (unsigned)((M + 63) / 64), 1), dim3(64), 0, r->stream,",
    "        TSDP_LAUNCH(tsdp_kernels::loss_kernel, dim3(1), dim3(32, 32), 1024, r->stream,",
    "        TSDP_LAUNCH(optimizer_update_kernel, dim3((unsigned)std::min<size_t>((kParamFloats + 255) / 256, 65535)), dim3(256), 0, r->stream,",
  ].join("\n");

  it("reads each launch's threads per block and dynamic shared memory", () => {
    expect(launchConfigs(cu)).toEqual([
      { kernel: "fc2_kernel", threads: 64, dynamicSharedBytes: 0 },
      { kernel: "loss_kernel", threads: 1024, dynamicSharedBytes: 1024 },
      { kernel: "optimizer_update_kernel", threads: 256, dynamicSharedBytes: 0 },
    ]);
  });

  const ok = { kernel: "k", arch: "sm_90", registers: 64, spillStoreBytes: 0, spillLoadBytes: 0, stackBytes: 0, sharedBytes: 48 * 1024, barriers: 1 };

  it("accepts a kernel at the limits: 64 registers × 1024 threads, 227 KB of shared memory in all", () => {
    expect(resourceProblems([ok], [{ kernel: "k", threads: 1024, dynamicSharedBytes: 227 * 1024 - 48 * 1024 }])).toEqual([]);
  });

  it("fails spills and local-memory stacks", () => {
    expect(resourceProblems([{ ...ok, spillStoreBytes: 8, spillLoadBytes: 4, stackBytes: 8 }], [])).toEqual([
      "k (sm_90) spills: 8 bytes stored, 4 bytes loaded",
      "k (sm_90) has a 8-byte local-memory stack frame",
    ]);
  });

  it("accepts the 32-byte frame of CUDA's trig argument reduction in a kernel that calls sinf, cosf or tanf, and no larger one", () => {
    const cu = "__global__ void __launch_bounds__(256) k(float* y) {\n  y[0] = sinf(y[1]) + cosf(y[2]);\n}\n__global__ void t(float* y) {\n  y[0] = tanf(y[0]);\n}\n__global__ void u(float* y) {\n  y[0] = expf(y[0]);\n}";
    expect(trigKernels(cu)).toEqual(new Set(["k", "t"]));
    expect(resourceProblems([{ ...ok, stackBytes: 32 }], [], new Set(["k"]))).toEqual([]);
    expect(resourceProblems([{ ...ok, stackBytes: 48 }], [], new Set(["k"]))).toEqual(["k (sm_90) has a 48-byte local-memory stack frame"]);
    expect(resourceProblems([{ ...ok, stackBytes: 32 }], [], new Set(["other"]))).toEqual(["k (sm_90) has a 32-byte local-memory stack frame"]);
    // the summary under the table says the accepted frame is there (it said "no local-memory stack")
    const summary = (stackBytes: number) => formatResources({ archs: ["90"], kernels: [{ ...ok, stackBytes }], problems: [] }).at(-1);
    expect(summary(32)).toBe("  no spills, 1 kernel with only the small stack frame of sin/cos argument reduction, every launch within its kernel's register and shared-memory limits");
    expect(summary(0)).toMatch(/^ {2}no spills, no local-memory stack,/);
  });

  it("fails launches the kernel's resources make impossible: registers, shared memory, threads", () => {
    expect(resourceProblems([{ ...ok, registers: 65 }], [{ kernel: "k", threads: 1024, dynamicSharedBytes: 0 }])).toEqual([
      "k (sm_90): 65 registers × 1024 threads need 73728 registers per block (32 warps, allocated per warp in units of 256), over 65536",
    ]);
    // 65 × 1000 = 65,000 fits by plain multiplication, but the 32 warps each get 2,304 registers
    expect(resourceProblems([{ ...ok, registers: 65 }], [{ kernel: "k", threads: 1000, dynamicSharedBytes: 0 }])).toHaveLength(1);
    expect(resourceProblems([ok], [{ kernel: "k", threads: 256, dynamicSharedBytes: 180 * 1024 }])).toEqual([
      "k (sm_90): 49152 bytes static + 184320 bytes dynamic shared memory, over 232448",
    ]);
    // an A100 (sm_80) allows 163 KB per block: what fits an H100 does not fit there
    expect(resourceProblems([{ ...ok, arch: "sm_80" }], [{ kernel: "k", threads: 256, dynamicSharedBytes: 120 * 1024 }])).toEqual([
      "k (sm_80): 49152 bytes static + 122880 bytes dynamic shared memory, over 166912",
    ]);
    expect(resourceProblems([], [{ kernel: "k", threads: 2048, dynamicSharedBytes: 0 }])).toEqual(["k is launched with 2048 threads per block, over 1024"]);
  });
});

describe("the manifest's resources field", () => {
  const base = {
    format: "tsdp-model",
    abiVersion: ABI_VERSION,
    model: "M",
    sourceHash: "0".repeat(64),
    librarySha256: "0".repeat(64),
    libraryBytes: 1,
    target: "cuda",
    library: "libmodel.so",
    inputs: [{ name: "x", dtype: "float32", shape: ["Batch", 4] }],
    outputs: [{ name: "y", dtype: "float32", shape: ["Batch", 2] }],
    params: [],
    buffers: [],
  };
  const resources = parsePtxasLog(log);

  it("is outside the seal: the build adds it after the library embedded the hash", () => {
    expect(manifestContentHash({ ...base, resources })).toBe(manifestContentHash(base));
  });

  it("is optional, and validated when present", () => {
    expect(validateManifest(base, "manifest.json").resources).toBeUndefined();
    expect(validateManifest({ ...base, resources }, "manifest.json").resources).toEqual(resources);
    expect(() => validateManifest({ ...base, resources: {} }, "manifest.json")).toThrow(/"resources" must be an array, got an object/);
    expect(() => validateManifest({ ...base, resources: [{ ...resources[0], registers: -1, arch: "x" }] }, "manifest.json")).toThrow(
      /resources\[0\]\.arch must be like "sm_90", got "x"[\s\S]*resources\[0\]\.registers must be a count/,
    );
  });
});

describe("a CUDA build records what ptxas said in its manifest", () => {
  // A stand-in nvcc (TSDP_NVCC) that prints a ptxas report and writes a library: the build's
  // parsing, caching and manifest writing run in a second, without the minute a real nvcc takes.
  // Compiling the harness reports the harness's kernel, compiling model.cu the model's; the link
  // (-shared) writes the library.
  const dir = scratchDir("tsdp-fake-nvcc-");
  const fake = join(dir, "nvcc");
  const { generated } = generate("examples/mlp/model.ts", { target: "cuda" });
  writeFileSync(join(dir, "ptxas.log"), log + "\n");
  const harnessLog = entry("_ZN12tsdp_harness23optimizer_update_kernelEPfPKfS0_S0_miPK11tsdp_update", "sm_90", "0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads", "Used 32 registers, used 0 barriers");
  writeFileSync(join(dir, "harness-ptxas.log"), harnessLog + "\n");
  writeFileSync(
    fake,
    `#!/bin/sh
case "$1" in --version) echo "fake nvcc release 0.0"; exit 0;; esac
out=""; prev=""
for a in "$@"; do [ "$prev" = "-o" ] && out="$a"; prev="$a"; done
case " $* " in *" -shared "*) printf 'not really ELF ${generated.manifest.sourceHash}' > "$out"; exit 0;; esac
echo "$*" | grep -q -- "-Xptxas -v" || { echo "fake nvcc: compiled without -Xptxas -v" >&2; exit 1; }
case "$(basename "$out")" in step.o) cat "${join(dir, "harness-ptxas.log")}" >&2;; harness.o|training_abi.o|cublaslt.o|group.o|store.o) ;; *) cat "${join(dir, "ptxas.log")}" >&2;; esac
# the cache serves a library only if it embeds its manifest's hash, as a real one does
printf 'not really ELF ${generated.manifest.sourceHash}' > "$out"
`,
  );
  chmodSync(fake, 0o755);
  process.env.TSDP_NVCC = fake;
  // the stand-in's harness objects go to a cache of their own (tsdp inspect --arch uses the default one)
  process.env.TSDP_CACHE_DIR = join(dir, "default-cache");

  it("on a fresh build and on a cache hit, outside the seal", async () => {
    const cacheDir = join(dir, "cache");
    for (const expectHit of [false, true]) {
      const outDir = join(dir, `out-${expectHit}`);
      const built = await buildModel(generated, { target: "cuda", outDir, cacheDir, archs: ["80", "90"] });
      expect(built.cacheHit).toBe(expectHit);
      const manifest = await readManifest(join(outDir, "manifest.json")); // the seal still holds
      expect(manifest.resources).toEqual([...parsePtxasLog(log), ...parsePtxasLog(harnessLog)]);
    }
  });

  // tsdp inspect --from: the same report as --arch, read from the build instead of running nvcc
  const inspect = (...args: string[]) => spawnSync(process.execPath, ["bin/tsdp.js", "inspect", ...args], { encoding: "utf8", env: { ...process.env, TSDP_NVCC: join(dir, "no-such-nvcc") } });

  it("tsdp inspect --from <build> shows the recorded resources without nvcc", () => {
    const r = inspect("examples/mlp/model.ts", "--from", join(dir, "out-true"), "--json");
    expect(r.stderr).toBe("");
    const report = JSON.parse(r.stdout).resources;
    expect(report.archs).toEqual(["sm_80", "sm_90"]);
    // the model's kernels and the harness's (the optimizer update), as the build recorded them
    expect(report.kernels.map((k: { kernel: string; registers: number }) => [k.kernel, k.registers])).toEqual([...parsePtxasLog(log), ...parsePtxasLog(harnessLog)].map((k) => [k.kernel, k.registers]));
    expect(report.problems).toEqual(["big_conv2_kernel (sm_90) spills: 24 bytes stored, 16 bytes loaded", "big_conv2_kernel (sm_90) has a 24-byte local-memory stack frame"]);
    const text = inspect("examples/mlp/model.ts", "--from", join(dir, "out-true")).stdout;
    expect(text).toContain("Kernel resources (ptxas, sm_80, sm_90;");
  });

  it("tsdp inspect --from <build> --gpu models the build's launches with its ptxas report for the GPU's architecture", () => {
    type Estimate = { kernel: string; occupancy: { source: string; blocksPerSm: number } };
    const gpu = (name: string) => {
      const r = inspect("examples/mlp/model.ts", "--from", join(dir, "out-true"), "--gpu", name, "--json");
      expect(r.stderr).toBe("");
      return JSON.parse(r.stdout).gpu as { occupancyFrom: string; programs: { program: string; estimate: { launches: Estimate[] } }[] };
    };
    const h100 = gpu("h100");
    expect(h100.occupancyFrom).toMatch(/^ptxas sm_90: /);
    const step = h100.programs.find((p) => p.program === "step")!.estimate.launches;
    // the stand-in reports the update kernel (32 registers: 8 blocks of 256 threads) and no kernel of the model
    expect(step.at(-1)).toMatchObject({ kernel: "optimizer_update_kernel", occupancy: { source: "ptxas", blocksPerSm: 8 } });
    expect(step.slice(0, -1).every((e) => e.occupancy.source === "assumed")).toBe(true);
    expect(gpu("a100").occupancyFrom).toMatch(/^ptxas sm_80: /);
  });

  it("tsdp inspect --from refuses a build of another model, a directory that is no build, and --arch with it", () => {
    const other = inspect("examples/lenet/model.ts", "--from", join(dir, "out-true"));
    expect(other.status).toBe(1);
    expect(other.stderr).toMatch(/TSDP6004/);
    expect(other.stderr).toMatch(/it holds \w+, not SimpleModel|are not the ones model\.ts compiles to now/);
    // the same layers and kernel names at another width: the build's resources are another model's
    const wider = join(dir, "wider.ts");
    writeFileSync(wider, readFileSync("examples/mlp/model.ts", "utf8").replace("[512, 256]", "[500, 256]"));
    const changed = inspect(wider, "--from", join(dir, "out-true"));
    expect(changed.status).toBe(1);
    expect(changed.stderr).toMatch(/TSDP6004.*its inputs, outputs or parameters have other shapes than .*wider\.ts gives now/);
    const empty = inspect("examples/mlp/model.ts", "--from", dir);
    expect(empty.status).toBe(1);
    expect(empty.stderr).toMatch(/TSDP6004.*manifest\.json not found/);
    const both = inspect("examples/mlp/model.ts", "--from", join(dir, "out-true"), "--arch", "sm_90");
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/option '--from <dir>' cannot be used with option '--arch <list>'/);
  });
});

describe("tsdp inspect --arch", () => {
  it("joins ptxas's report with the launches and lists what breaks the rules", async () => {
    // the stand-in nvcc above (TSDP_NVCC) reports fc2_kernel, a spilling kernel and the accumulate kernel
    const { generated } = generate("examples/lenet/model.ts", { target: "cuda" });
    const report = await measureResources(generated.cu, ["90"]);
    expect(report.archs).toEqual(["sm_90"]);
    expect(report.kernels.find((k) => k.kernel === "fc2_kernel")).toMatchObject({ registers: 40, threads: 128 }); // the GPU shape launches LeNet's fc2 with 128 threads (GPU tiles have ≥ 128)
    expect(report.kernels.find((k) => k.kernel === "optimizer_update_kernel")).toMatchObject({ registers: 32 }); // the harness's, from its objects
    expect(report.problems).toEqual(["big_conv2_kernel (sm_90) spills: 24 bytes stored, 16 bytes loaded", "big_conv2_kernel (sm_90) has a 24-byte local-memory stack frame"]);
  });

  it("without nvcc says so, with the way out, and is not an internal error", () => {
    const r = spawnSync(process.execPath, ["bin/tsdp.js", "inspect", "examples/mlp/model.ts", "--arch", "sm_90"], { encoding: "utf8", env: { ...process.env, TSDP_NVCC: join(tmpdir(), "no-such-nvcc") } });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/nvcc was not found: --arch reads kernel resources from nvcc's ptxas/);
    expect(r.stderr).not.toMatch(/TSDP9/);
  });
});
