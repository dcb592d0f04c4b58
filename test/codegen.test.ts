// The generated CUDA: the lines that matter (FileCheck style), and nvcc accepting every
// example for sm_80 and sm_90.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findNvcc } from "../compiler/6-build/toolchain.ts";
import { launchConfigs, parsePtxasLog, resourceProblems } from "../compiler/6-build/resources.ts";
import { compileCommand } from "../compiler/6-build/build.ts";
import { generate } from "../compiler/pipeline.ts";

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
    expect(conv1).toContain("float v = fmaxf(fmaxf(acc[0][j], acc[1][j]), fmaxf(acc[2][j], acc[3][j]));");
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
});

const examples = readdirSync("examples").filter((d) => !d.startsWith("."));

// Without nvcc on a developer's machine this part cannot run; CI has nvcc and must run it.
// The same build reports each kernel's resources (-Xptxas -v): no kernel may spill or keep a
// local-memory stack, and no launch may ask for more than its kernel's resources allow.
describe.skipIf(!findNvcc() && !process.env.CI)("nvcc builds every example for sm_80 and sm_90, without spills or impossible launches", () => {
  for (const ex of examples)
    it(ex, async () => {
      const { generated } = generate(`examples/${ex}/model.ts`, { target: "cuda" });
      const dir = mkdtempSync(join(tmpdir(), "tsdp-nvcc-"));
      writeFileSync(join(dir, "model.cu"), generated.cu);
      // -c: compile only; both architectures in one invocation. Asynchronous: nvcc can take over a
      // minute, and a worker blocked that long misses vitest's RPC heartbeat.
      const command = compileCommand("cuda", join(dir, "model.cu"), join(dir, "model.o"), ["80", "90"], false, [], true).map((a) => (a === "-O3" ? "-O1" : a));
      const { stdout, stderr } = await promisify(execFile)(command[0], command.slice(1), { maxBuffer: 64 << 20 });
      const resources = parsePtxasLog(stdout + stderr);
      const defined = [...generated.cu.matchAll(/^__global__ void(?: __launch_bounds__\(\d+(?:, \d+)?\))? (\w+)\(/gm)].map((m) => m[1]);
      // every kernel of the code is reported once per architecture (a kernel missed is a spill missed)
      for (const arch of ["sm_80", "sm_90"]) expect(resources.filter((r) => r.arch === arch && defined.includes(r.kernel)).map((r) => r.kernel).sort()).toEqual([...defined].sort());
      const launches = launchConfigs(generated.cu);
      expect(launches.length).toBe(generated.cu.split("TSDP_LAUNCH(").length - 1); // every launch
      expect(resourceProblems(resources, launches)).toEqual([]);
    });

  it("tsdp inspect --arch sm_90 shows every kernel's registers, spills, stack and shared memory", async () => {
    const r = await promisify(execFile)(process.execPath, ["bin/tsdp.js", "inspect", "examples/mlp/model.ts", "--json", "--arch", "sm_90"], { maxBuffer: 64 << 20 });
    const report = JSON.parse(r.stdout);
    expect(report.resources.archs).toEqual(["sm_90"]);
    const names = report.resources.kernels.map((k: { kernel: string }) => k.kernel);
    for (const k of report.kernels) expect(names).toContain(`${k.name}_kernel`); // every forward kernel, and the step's
    for (const k of report.resources.kernels) {
      expect(k.arch).toBe("sm_90");
      expect(k.registers).toBeGreaterThan(0);
      expect(k.registers).toBeLessThanOrEqual(255);
    }
    expect(report.resources.kernels.find((k: { kernel: string }) => k.kernel === "body_0_kernel")).toMatchObject({ threads: 256, sharedBytes: 16384 }); // two 32×64 float tiles
    expect(report.resources.problems).toEqual([]);
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
