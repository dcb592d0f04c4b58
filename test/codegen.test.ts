// The generated CUDA: the lines that matter (FileCheck style). nvcc accepting every example is
// test/nvcc.test.ts (the native project: it runs the compiler).
import { describe, expect, it } from "vitest";
import { generate } from "../compiler/pipeline.ts";
import { ABI_VERSION } from "../runtime/manifest.ts";
import { compileCommand, precompileCommand } from "../compiler/6-build/build.ts";
import { cpuOptLevel, recordedOptions } from "../compiler/build-paths.ts";
import { kernelSections } from "../compiler/6-build/kernel-records.ts";
import { GPU_SMS } from "../compiler/5-codegen/kernels/gemm-shape.ts";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { programSource } from "./helpers.ts";

const lenet = generate("examples/lenet/model.ts", { target: "cpu" });
const cu = lenet.generated.cu;
const forwardProgram = programSource(cu, "forward");

describe("LeNet's generated CUDA", () => {
  it("runs forward in 4 kernels: conv+bias+relu+pool twice, fc1+bias+relu, fc2+bias", () => {
    expect(lenet.plan.kernels.map((k) => `${k.name}: ${k.nodes.map((n) => n.op).join("+")}`)).toEqual([
      "conv1_relu_pool: conv2d+relu+max_pool2d",
      "conv2_relu_pool: conv2d+relu+max_pool2d",
      "fc1_relu: linear+relu",
      "fc2: linear",
    ]);
    // the forward program launches exactly those (the library also holds the training step's kernels)
    expect(forwardProgram.match(/TSDP_LAUNCH\((?:tsdp_kernels::)?\w+_kernel,/g)).toHaveLength(4);
  });

  it("names the TypeScript line each kernel implements", () => {
    expect(cu).toContain("// conv1_relu_pool: conv2d + relu + max_pool2d: [Batch, 1, 28, 28] → [Batch, 20, 12, 12]\n//   model.ts:12  x = this.pool(F.relu(this.conv1(x)));");
    expect(cu).toContain("// fc1_relu: linear + relu: [Batch, 800] → [Batch, 500]\n//   model.ts:15  x = F.relu(this.fc1(x));");
  });

  it("fuses bias, ReLU and the 2×2 max pool into the GEMM epilogue", () => {
    const conv1 = cu.slice(cu.indexOf("conv1_relu_pool_kernel("), cu.indexOf("// conv2_relu_pool:"));
    expect(conv1).toContain("float v = tsdp_max(tsdp_max(acc[4 * s][j], acc[4 * s + 1][j]), tsdp_max(acc[4 * s + 2][j], acc[4 * s + 3][j]));");
    expect(conv1).toContain("v += bias[z * 20 + n];");
    expect(conv1).toContain("v = (v <= 0.0f ? 0.0f : v);");
  });

  it("launches every kernel through TSDP_LAUNCH and checks every CUDA call", () => {
    const defined = new Set([...cu.matchAll(/^__global__ void(?: __launch_bounds__\(\d+(?:, \d+)?\))? (\w+)\(/gm)].map((m) => m[1]));
    const launched = new Set([...cu.matchAll(/TSDP_LAUNCH\((?:tsdp_kernels::)?(\w+_kernel),/g)].map((m) => m[1]));
    expect([...launched].sort()).toEqual([...defined].sort());
    expect(cu.match(/<<</g)).toBeNull(); // the macro that may use <<< >>> is the harness's (runtime/harness/harness.h)
    expect(uncheckedCudaCalls(cu)).toEqual([]);
  });

  it("plans memory with reuse and reports it in the manifest", () => {
    const m = lenet.generated.manifest;
    expect(m.memory.activationBytesPerSample).toBeLessThan(m.memory.activationBytesPerSampleWithoutReuse);
    expect(m.params.map((p) => p.name)).toEqual(["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]);
    expect(m.inputs).toEqual([{ name: "x", dtype: "float32", shape: ["Batch", 1, 28, 28] }]);
    expect(m.outputs).toEqual([{ name: "output0", dtype: "float32", shape: ["Batch", 10] }]);
  });

  it("speaks the runtime's ABI version, in the library and in the manifest", () => {
    // runtime/manifest.ts is the one place the version is written; a stale copy would make load refuse every model
    expect(lenet.generated.manifest.abiVersion).toBe(ABI_VERSION);
    // the harness, which exports tsdp_abi_version, is compiled with the same constant
    expect(compileCommand("cpu", "harness.cu", "harness.o", [], false, [], true)).toContain(`-DTSDP_ABI_VERSION=${ABI_VERSION}`);
  });
});

/** The lines of a model.cu that call the CUDA runtime without TSDP_CHECK (the harness's own checked forms aside). */
function uncheckedCudaCalls(text: string): string[] {
  const calls = text.split("\n").filter((l) => !l.trim().startsWith("//") && /\bcuda[A-Z]\w*\(/.test(l));
  return calls.filter((l) => !l.includes("TSDP_CHECK(") && !/cudaError_t \w+ = cuda\w+\(/.test(l) && !l.includes("(void)cudaGetLastError();"));
}

/** Each `{ … }` launch block of a run_ function: its lines, from its `{   // kernel: …` title to its closing brace. */
function launchBlocks(text: string): string[][] {
  const lines = text.split("\n");
  const out: string[][] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^ {4}\{ {3}\/\/ /.test(lines[i])) continue;
    let end = i;
    while (!/^ {4}\}$/.test(lines[end])) end++;
    out.push(lines.slice(i, end + 1));
  }
  return out;
}

// The GPU shape's code, read as a performance engineer who tunes one kernel reads it (README "Tuning"):
// each kernel says where in the model it comes from, each launch which tensor goes to which
// parameter, each number in a launch why it is that number.
describe("the generated CUDA, read to tune a kernel", () => {
  const models = ["examples/lenet/model.ts", "test/fixtures/attention/model.ts", "test/fixtures/ddp-batchnorm/model.ts"];
  const generated = models.map((file) => ({ file, cu: generate(file, { target: "cuda", tune: false }).generated.cu }));

  it("names in every kernel's section the TypeScript lines it came from, as they read in the model", () => {
    for (const { file, cu } of generated) {
      const sections = kernelSections(cu);
      expect(sections.length).toBeGreaterThan(3);
      for (const s of sections) {
        const header = s.text.split("\n\n")[0].split("\n");
        const refs = header.map((l) => /^\/\/ {3}(\S+\.ts):(\d+) {2}(.*)$/.exec(l)).filter((m) => m !== null);
        expect(refs.length, `${file}: ${s.name} names no TypeScript line`).toBeGreaterThan(0);
        for (const [, name, line, text] of refs) {
          const path = join(dirname(file), name);
          if (existsSync(path)) expect(readFileSync(path, "utf8").split("\n")[Number(line) - 1].trim(), `${file}: ${s.name}`).toBe(text);
        }
      }
    }
  });

  it("passes each launch argument on a line of its own, beside the kernel parameter it binds and the tensor's shape", () => {
    for (const { file, cu } of generated) {
      const signatures = new Map(kernelSections(cu).flatMap((s) => s.record.signatures.map((sig) => [sig.slice(0, sig.indexOf("(")), sig] as const)));
      let checked = 0;
      for (const block of launchBlocks(cu)) {
        const at = block.findIndex((l) => /TSDP_LAUNCH\(tsdp_kernels::\w+, .*r->stream,$/.test(l));
        if (at < 0) continue;
        const kernel = /tsdp_kernels::(\w+),/.exec(block[at])![1];
        const end = block.findIndex((l, i) => i > at && /\);(\s+\/\/.*)?$/.test(l));
        const bound = block.slice(at + 1, end + 1).flatMap((l) => /, {2,}\/\/ (\w+): .*\]|\);\s+\/\/ (\w+): /.exec(l)?.slice(1).filter(Boolean) ?? []);
        const params = signatures.get(kernel)!.slice(kernel.length + 1, -1).split(", ").map((p) => /(\w+)$/.exec(p)![1]);
        expect(bound, `${file}: ${kernel}`).toEqual(params.slice(0, bound.length));
        expect(block.every((l) => l.length <= 260 || l.includes("TSDP_NAN_WATCH(") || l.includes("TSDP_LAUNCH(")), `${file}: ${kernel}`).toBe(true);
        checked++;
      }
      expect(checked).toBeGreaterThan(3);
    }
  });

  it("keeps an ejected kernel's record: the tensors its launch passes are read from the comments beside the arguments", () => {
    // kernels/*.cu files ejected before the arguments moved there hold records of the old layout's
    // comment list; the same record means their fingerprints still match (no false "stale")
    const lenet = kernelSections(generated[0].cu).find((s) => s.name === "fc1_relu")!.record;
    expect(lenet.shapes).toEqual(["[Batch, 800]", "fc1.weight [500, 800]", "fc1.bias [500]", "[Batch, 500]"]);
    expect(lenet.launch).toMatch(/^const int M = batch; const long long blocks = .* grid dim3\(\(unsigned\)\(\(M \+ 63\) \/ 64\), 8, 1 \* splits\) block dim3\(128\)$/);
    // a launch before the kernel's own (a split BatchNorm's statistics) records the block's own launch's tensors, as it did
    const sections = kernelSections(generated[2].cu);
    const parts = sections.find((s) => s.name.endsWith("_parts"))!;
    const reader = sections.find((s) => s.name === parts.name.slice(0, -"_parts".length))!;
    expect(parts.record.shapes.length).toBeGreaterThan(2);
    expect(parts.record.shapes).toEqual(reader.record.shapes);
  });

  it("checks every CUDA call, in every program", () => {
    for (const { cu } of generated) expect(uncheckedCudaCalls(cu)).toEqual([]);
  });

  it(`says why a launch's split count is what it is: ${GPU_SMS} blocks are a wave of the GPU's SMs`, () => {
    let splitK = 0;
    for (const { file, cu } of generated)
      for (const block of launchBlocks(cu).filter((b) => b.some((l) => l.includes(`byGrid = ${GPU_SMS} / blocks`)))) {
        expect(block.join("\n"), file).toContain(`// split-K: as many splits as keep the grid within one wave of ${GPU_SMS} blocks (an H100's ${GPU_SMS} SMs),`);
        splitK++;
      }
    expect(splitK).toBeGreaterThan(0);
    const batchNorm = generated[2].cu;
    expect(batchNorm).toMatch(new RegExp(`// BatchNorm statistics: as many blocks per channel as make two waves of an H100's ${GPU_SMS} SMs \\(at most \\d+\\),\n +// each taking at least 2048 values`));
  });

  it("puts a split BatchNorm's statistics kernels above the kernel that reads them, and names them there", () => {
    const names = kernelSections(generated[2].cu).map((s) => s.name);
    const parts = names.filter((n) => n.endsWith("_parts"));
    expect(parts.length).toBeGreaterThan(0);
    for (const p of parts) {
      const reader = p.slice(0, -"_parts".length);
      expect(names.indexOf(p)).toBeLessThan(names.indexOf(reader));
      expect(kernelSections(generated[2].cu).find((s) => s.name === reader)!.text).toContain(`(${p}_stats_kernel`);
    }
    expect(generated[2].cu).not.toContain(".cu.hbs"); // the templates are not in the reader's hands: the kernels are
  });

  it("says why the run counters are read only above the reads, and names each value of a fused chain by its op", () => {
    for (const { cu } of generated) {
      const lines = cu.split("\n");
      lines.forEach((l, i) => {
        if (l.includes("// read here so a replayed graph sees")) expect(lines[i + 2]).toMatch(/^ {4}const unsigned long long \w+ = rng_counter/);
      });
    }
    expect(generated[2].cu).toContain("// read here so a replayed graph sees"); // the fixture's dropout reads them
    expect(generated[1].cu).toMatch(/const float t0 = \(x0 \/ 2\.8284270763397217f\); {2}\/\/ div, model\.ts:23\n.*\/\/ full, model\.ts:25\n/);
  });

  it("has no trailing whitespace, and says a program's segments only where it is cut into several", () => {
    for (const { file, cu } of generated) {
      expect(cu.split("\n").filter((l) => /\s$/.test(l)), file).toEqual([]);
      expect(cu).toMatch(/\/\/ Program "forward": its kernels in order, on the replica's stream\.\n/);
    }
    expect(generated[0].cu).toMatch(/\/\/ Program "step": its kernels in order, on the replica's stream, in 2 segments \(cut where a\n/);
  });
});

describe("the CPU target's optimization level (TSDP_CPU_OPT_LEVEL)", () => {
  /** fn with TSDP_CPU_OPT_LEVEL set to `level` (unset: undefined), the variable restored after. */
  function withLevel<T>(level: string | undefined, fn: () => T): T {
    const before = process.env.TSDP_CPU_OPT_LEVEL;
    if (level === undefined) delete process.env.TSDP_CPU_OPT_LEVEL;
    else process.env.TSDP_CPU_OPT_LEVEL = level;
    try {
      return fn();
    } finally {
      if (before === undefined) delete process.env.TSDP_CPU_OPT_LEVEL;
      else process.env.TSDP_CPU_OPT_LEVEL = before;
    }
  }
  const optimizations = (command: string[]) => command.filter((a) => /^-O/.test(a));

  it("is -O3 by default and the variable's level otherwise, for a plain build's compile and its precompiled header alike", () => {
    expect(cpuOptLevel({})).toBe(3);
    expect(cpuOptLevel({ TSDP_CPU_OPT_LEVEL: " " })).toBe(3);
    expect(cpuOptLevel({ TSDP_CPU_OPT_LEVEL: "1" })).toBe(1);
    expect(withLevel(undefined, () => optimizations(compileCommand("cpu", "model.cu", "model.o", [], "plain", [], true)))).toEqual(["-O3"]);
    for (const level of ["0", "1", "2"]) {
      // g++ uses a .gch only where its options are the model compile's: the two must change together
      expect(withLevel(level, () => optimizations(compileCommand("cpu", "model.cu", "model.o", [], "plain", [], true)))).toEqual([`-O${level}`]);
      expect(withLevel(level, () => optimizations(precompileCommand("plain", "cuda_shim.h", "cuda_shim.h.gch")))).toEqual([`-O${level}`]);
    }
    // the other flavors keep their own levels, and nvcc its -O3
    expect(withLevel("1", () => optimizations(compileCommand("cpu", "model.cu", "model.o", [], "memcheck", [], true)))).toEqual(["-O0"]);
    expect(withLevel("1", () => optimizations(compileCommand("cpu", "model.cu", "model.o", [], "fast", [], true)))).toEqual(["-O0"]);
    expect(withLevel("1", () => optimizations(compileCommand("cpu", "model.cu", "model.o", [], "counters", [], true)))).toEqual(["-O2"]);
  });

  it("is recorded where it changes a build, so that a build at another level is not up to date", () => {
    const record = (level: string | undefined, target: "cpu" | "cuda" = "cpu", memcheck = false) =>
      withLevel(level, () => recordedOptions("M", target, target === "cuda" ? ["90"] : [], "fp32", 25, memcheck));
    expect(record(undefined)).toEqual(record("3")); // records of ordinary builds stay as they were
    expect(record(undefined)).not.toHaveProperty("optLevel");
    expect(record("1")).toMatchObject({ optLevel: 1 });
    expect(record("1", "cuda")).toEqual(record(undefined, "cuda"));
    expect(record("1", "cpu", true)).toEqual(record(undefined, "cpu", true));
  });

  it("refuses a value that is not 0–3, naming the variable and the value", () => {
    for (const bad of ["fast", "4", "-O2", "1.5"]) expect(() => cpuOptLevel({ TSDP_CPU_OPT_LEVEL: bad })).toThrow(`TSDP_CPU_OPT_LEVEL must be 0, 1, 2 or 3 (g++'s -O level of CPU-target builds), got ${JSON.stringify(bad)}`);
  });
});

describe("tsdp inspect: memory per device", () => {
  it("counts parameters, gradients, optimizer state and activations for a batch", async () => {
    const { spawnSync } = await import("node:child_process");
    const r = spawnSync(process.execPath, ["bin/tsdp.js", "inspect", "examples/lenet/model.ts", "--json", "--batch", "32"], { encoding: "utf8" });
    expect(r.status).toBe(0);
    const d = JSON.parse(r.stdout).perDevice;
    const params = 431_080 * 4;
    expect(d).toMatchObject({ batch: 32, parameters: params, buffers: 0, gradients: params, optimizerState: params }); // SGD with momentum: one buffer
    expect(d.activations).toBeGreaterThan(32 * 28 * 28 * 4); // at least the input batch
    expect(d.peak).toBe(d.parameters + d.buffers + d.gradients + d.optimizerState + d.activations);
  });
});
