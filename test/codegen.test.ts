// The generated CUDA: the lines that matter (FileCheck style). nvcc accepting every example is
// test/nvcc.test.ts (the native project: it runs the compiler).
import { describe, expect, it } from "vitest";
import { generate } from "../compiler/pipeline.ts";
import { ABI_VERSION } from "../runtime/manifest.ts";
import { compileCommand } from "../compiler/6-build/build.ts";

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
    expect(conv1).toContain("float v = fmaxf(fmaxf(acc[4 * s][j], acc[4 * s + 1][j]), fmaxf(acc[4 * s + 2][j], acc[4 * s + 3][j]));");
    expect(conv1).toContain("v += bias[z * 20 + n];");
    expect(conv1).toContain("v = fmaxf(v, 0.0f);");
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
