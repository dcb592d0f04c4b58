// The generated CUDA: the lines that matter (FileCheck style). nvcc accepting every example is
// test/nvcc.test.ts (the native project: it runs the compiler).
import { describe, expect, it } from "vitest";
import { generate } from "../compiler/pipeline.ts";
import { ABI_VERSION } from "../runtime/manifest.ts";
import { compileCommand, precompileCommand } from "../compiler/6-build/build.ts";
import { cpuOptLevel, recordedOptions } from "../compiler/build-paths.ts";

const lenet = generate("examples/lenet/model.ts", { target: "cpu" });
const cu = lenet.generated.cu;
const forwardProgram = cu.slice(cu.indexOf("int run_forward("), cu.indexOf("int run_evaluate("));

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
    const calls = cu.split("\n").filter((l) => !l.trim().startsWith("//") && /\bcuda(Malloc|Memcpy|MemcpyAsync|StreamCreate|StreamSynchronize|SetDevice|GetLastError)\(/.test(l));
    const unchecked = calls.filter((l) => !l.includes("TSDP_CHECK(") && !/^cudaSetDevice\(r(->|\.)device\);$/.test(l.trim()) && !/cudaError_t \w+ = cuda\w+\(/.test(l) && !l.includes("(void)cudaGetLastError();"));
    expect(unchecked).toEqual([]);
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
