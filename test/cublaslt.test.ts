// cuBLASLt loaded at run time (issue 20), on the CPU target with test/cublaslt/fake_cublaslt.cpp,
// a fake library computing a reference GEMM on the virtual device's host memory (layouts,
// transposes, strided batches, epilogues, the compute type's rounding), enqueued on the stream so
// that CUDA graphs capture it. The model (test/fixtures/cublaslt) is built with --gemm cublaslt:
// every dense GEMM role and epilogue has a site — forward (RELU_BIAS, GELU_BIAS, BIAS), input
// gradient (with relu_grad as a separate pass), weight gradient (BGRADB, replacing the bias-sum
// kernel), batched matmuls.
//
// Tolerances: the forward against the float64 reference interpreter with the project's fp32
// tolerance (rtol 1e-4, atol 1e-5); tf32 within 5e-3 and bf16 within 3e-2 of the largest
// reference value (precision.test.ts's bounds: 10 and 7 mantissa bits). Gradients and updated
// parameters with cuBLASLt against the same build on tsdp's own kernels (which the training tests
// hold to the reference), within 1e-5 relative to the largest gradient in fp32, and twice the
// forward's bound in tf32 and bf16.
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { compile, generate, type Compiled } from "../compiler/pipeline.ts";
import { AUTO_MIN_DIM, AUTO_MIN_WORK } from "../compiler/5-codegen/kernels/cublaslt.ts";
import { gpuReport } from "../compiler/inspect-gpu.ts";
import { CUBLASLT_PEAK_FRACTION } from "../compiler/perf-model.ts";
import { harnessDir, shimHeader } from "../compiler/6-build/toolchain.ts";
import { load, tensor, type CompiledModel, type Tensor } from "../runtime/index.ts";
import { expectClose, makeInputs, referenceState, runReference, TEST_TARGET } from "./target-helpers.ts";
import { scratchDir } from "./helpers.ts";

const work = scratchDir("tsdp-cublaslt-");
const fake = join(work, "fake_cublaslt.so");
const log = join(work, "calls.log");
const saved = { ...process.env };
const ENV = ["TSDP_CUBLASLT_LIBRARY", "FAKE_CUBLASLT_FAIL", "FAKE_CUBLASLT_LOG"];
const BATCH = 6;
const builds: Partial<Record<"fp32" | "tf32" | "bf16", Compiled & { build: { outDir: string } }>> = {};

async function built(precision: "fp32" | "tf32" | "bf16") {
  builds[precision] ??= await compile("test/fixtures/cublaslt/model.ts", {
    target: "cpu",
    precision,
    gemm: "cublaslt",
    outDir: join("build", "test-cublaslt", precision),
  });
  return builds[precision]!;
}

function useFake(options: { fail?: string } = {}) {
  process.env.TSDP_CUBLASLT_LIBRARY = fake;
  process.env.FAKE_CUBLASLT_LOG = log;
  rmSync(log, { force: true });
  if (options.fail) process.env.FAKE_CUBLASLT_FAIL = options.fail;
  else delete process.env.FAKE_CUBLASLT_FAIL;
}

const labels = () => tensor(Int32Array.from({ length: BATCH }, (_, i) => i % 5), [BATCH]);
const calls = () => {
  try {
    return readFileSync(log, "utf8").trim().split("\n").filter(Boolean);
  } catch {
    return [];
  }
};
const maxAbs = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => Math.max(s, Math.abs(v)), 0);

/** One SGD step; every parameter's gradient and new value. */
function step(m: CompiledModel, x: Tensor): Record<string, Float32Array> {
  m.trainStepSync(x, labels(), { lr: 0.1 });
  const out: Record<string, Float32Array> = {};
  for (const name of ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias"]) {
    out[`${name}.grad`] = Float32Array.from(m.getParameter(`${name}.grad`).data as Float32Array);
    out[name] = Float32Array.from(m.getParameter(name).data as Float32Array);
  }
  return out;
}

describe("--gemm: which GEMMs call cuBLASLt", () => {
  const choices = (file: string, gemm?: "auto" | "tsdp" | "cublaslt") => generate(file, { target: "cuda", shapeFor: "gpu", gemm }).generated.manifest.gemm!;

  it(`auto: the 4096-wide MLP's every GEMM (fixed dims ≥ ${AUTO_MIN_DIM}, ≥ ${AUTO_MIN_WORK} multiply-adds per sample), none of LeNet's`, () => {
    const mlp = choices("bench/models/gemm-mlp.ts");
    expect(mlp.mode).toBe("auto");
    expect(mlp.choices.filter((c) => c.library === "tsdp")).toEqual([]);
    expect(mlp.sites).toBe(4 + 4 + 4 + 4 + 3); // forward, evaluate, and the step's forward, weight and input gradients
    const lenet = choices("examples/lenet/model.ts");
    expect(lenet.sites).toBe(0);
    expect(lenet.choices.find((c) => c.kernel === "fc1_relu")!.why).toMatch(/400,000 multiply-adds per sample/);
    expect(lenet.choices.filter((c) => c.role === "convolution").every((c) => c.library === "tsdp")).toBe(true);
    expect(generate("examples/lenet/model.ts", { target: "cuda" }).generated.cu).toContain(".cublaslt_sites = 0,");
  });

  it("the performance model: cuBLASLt's GEMMs at a fraction of the precision's peak, the bias sums they replace free, the separate passes counted", () => {
    for (const precision of ["fp32", "bf16"] as const) {
      const { manifest } = generate("bench/models/gemm-mlp.ts", { target: "cuda", shapeFor: "gpu", precision }).generated;
      const step = manifest.launches.filter((l) => l.program === "step");
      // fp32: each weight gradient's kernel computes its bias gradient too (gemm-row-sums), its
      // cuBLASLt call with BGRADB; the tensor-core precisions keep separate sum kernels (the
      // tensor-core GEMM has no column of ones), which the BGRADB calls make skip (scale 0)
      const weightGradient = precision === "fp32" ? "fc1_matmul_sum_kernel" : "fc1_matmul_kernel";
      expect(step.filter((l) => l.template === "cublaslt").map((l) => l.kernel)).toContain(weightGradient);
      expect(step.filter((l) => l.template === "cublaslt_epilogue")).toHaveLength(3); // relu_grad after fc4..fc2's input gradients
      // fp32: the fallback kernels of the forward and input-gradient GEMMs split K (8×8 tiles, 32 blocks
      // at batch 64) and sum the splits themselves, so nothing is skipped; their workspace traffic is
      // the fallback's, not cuBLASLt's
      expect(step.filter((l) => l.scale === "0").map((l) => l.kernel).sort()).toEqual(
        precision === "fp32" ? [] : ["fc1_sum_kernel", "fc2_sum_kernel", "fc3_sum_kernel", "fc4_sum_kernel"],
      );
      expect(step.filter((l) => l.template === "cublaslt" && l.workspaceBytes !== undefined)).toEqual([]);
      const report = gpuReport(manifest.launches, manifest.model, { gpu: "h100", batch: 4096, precision });
      const fc1 = report.programs.find((p) => p.program === "step")!.estimate.launches.find((e) => e.kernel === weightGradient)!;
      const peak = precision === "bf16" ? report.gpu.bf16Flops : report.gpu.fp32Flops;
      expect(fc1.seconds.compute).toBeCloseTo(fc1.flops / (peak * CUBLASLT_PEAK_FRACTION), 12);
    }
  });

  it("tsdp: no site at all; cublaslt: LeNet's linear layers too, its convolutions never", () => {
    const none = choices("bench/models/gemm-mlp.ts", "tsdp");
    expect(none.sites).toBe(0);
    expect(none.choices.every((c) => c.library === "tsdp" && c.why === "--gemm tsdp")).toBe(true);
    const all = choices("examples/lenet/model.ts", "cublaslt");
    expect(all.choices.filter((c) => c.library === "cublaslt").map((c) => c.kernel)).toContain("fc2");
    expect(all.choices.filter((c) => c.kernel.startsWith("conv")).every((c) => c.library === "tsdp")).toBe(true);
  });
});

describe.skipIf(TEST_TARGET !== "cpu")("cuBLASLt GEMMs (the CPU target with a fake libcublasLt)", () => {
  beforeAll(async () => {
    execFileSync(process.env.CXX ?? "g++", ["-std=c++20", "-O2", "-shared", "-fPIC", "-I", harnessDir, "-I", join(shimHeader, ".."), "-include", shimHeader, "test/cublaslt/fake_cublaslt.cpp", "-o", fake]);
    await built("fp32");
  }, 300_000);
  afterEach(() => {
    for (const k of ENV) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });

  it("marks every dense GEMM's choice in the generated code and the manifest", async () => {
    const { generated } = await built("fp32");
    const choices = generated.manifest.gemm!.choices;
    expect(generated.manifest.gemm!.mode).toBe("cublaslt");
    const onLt = choices.filter((c) => c.library === "cublaslt");
    expect(new Set(onLt.map((c) => c.role))).toEqual(new Set(["forward", "batched", "input-gradient", "weight-gradient"]));
    expect(new Set(onLt.map((c) => c.epilogue))).toEqual(new Set(["RELU_BIAS", "GELU_BIAS", "BIAS", "NONE", "BGRADB"]));
    expect(onLt.some((c) => c.separateEpilogue?.includes("relu_grad"))).toBe(true);
    // every weight gradient's bias gradient comes from BGRADB: fc2's and fc3's were in their GEMM's
    // kernel already (gemm-row-sums), fc1's (a 3-D input: a sum over two dims) replaces its sum kernel
    expect(onLt.filter((c) => c.role === "weight-gradient").map((c) => [c.kernel, c.epilogue, c.replaces ?? ""])).toEqual([
      ["fc3_matmul_sum", "BGRADB", ""],
      ["fc2_matmul_sum", "BGRADB", ""],
      ["fc1_matmul", "BGRADB", "fc1_sum"],
    ]);
    expect(generated.cu).toMatch(/\/\/ cuBLASLt \(--gemm cublaslt\): weight-gradient GEMM, epilogue BGRADB, fp32/);
    expect(generated.cu).toContain("if (!::tsdp_harness::lt_will_run(m, r, lt_site, lt_operands)) {");
  });

  for (const graphs of [false, true])
    it(`fp32: the forward equals the reference and a step's gradients equal tsdp's kernels' (CUDA graphs ${graphs ? "on" : "off"})`, async () => {
      const { model, build } = await built("fp32");
      const { tensors, reference } = makeInputs(model.graph, BATCH, 7);
      const want = runReference(model.graph, reference, referenceState(model.graph)).outputs[0];

      useFake();
      const lt = await load<Tensor>(build.outDir, { cudaGraphs: graphs });
      expect(lt.describe()).toMatch(/cuBLASLt: .*fake_cublaslt\.so for \d+ GEMM site\(s\)/);
      lt.eval();
      expectClose(Array.from(lt.forwardSync(...tensors).data as Float32Array), Array.from(want.data), "forward on cuBLASLt");
      expect(calls().some((c) => c.includes("epilogue=6 "))).toBe(true); // RELU_BIAS
      expect(calls().some((c) => c.includes("epilogue=36 "))).toBe(true); // GELU_BIAS (tanh)
      expect(calls().some((c) => /batch=(?!1 )\d+/.test(c))).toBe(true); // a strided batch
      lt.train();
      rmSync(log, { force: true });
      const viaLt = [step(lt, tensors[0]), step(lt, tensors[0])];
      const epilogues = new Set(calls().map((c) => /epilogue=(\d+)/.exec(c)![1]));
      expect(epilogues).toEqual(new Set(["1", "4", "6", "512"])); // NONE, BIAS, RELU_BIAS, BGRADB
      lt.dispose();

      delete process.env.TSDP_CUBLASLT_LIBRARY;
      const own = await load<Tensor>(build.outDir, { cudaGraphs: graphs });
      expect(own.describe()).toMatch(/cuBLASLt: not used \(the CPU target has no cuBLASLt/);
      own.eval();
      expectClose(Array.from(own.forwardSync(...tensors).data as Float32Array), Array.from(want.data), "forward on tsdp's kernels");
      own.train();
      const viaOwn = [step(own, tensors[0]), step(own, tensors[0])];
      own.dispose();
      for (const [s, byLt] of viaLt.entries())
        for (const [name, values] of Object.entries(byLt)) {
          const ref = viaOwn[s][name];
          const scale = Math.max(maxAbs(ref), 1e-3);
          const err = maxAbs(values.map((v, i) => v - ref[i]));
          expect(err / scale, `step ${s + 1}: ${name}`).toBeLessThan(1e-5);
        }
    }, 300_000);

  for (const [precision, tolerance] of [["tf32", 5e-3], ["bf16", 3e-2]] as const)
    it(`${precision}: the forward is within ${tolerance} of the reference, rounded by the compute type; the step's gradients near tsdp's kernels'`, async () => {
      const { model, build, generated } = await built(precision);
      expect(generated.cu).toContain(`TSDP_LT_${precision.toUpperCase()}}`);
      const { tensors, reference } = makeInputs(model.graph, BATCH, 3);
      const want = runReference(model.graph, reference, referenceState(model.graph)).outputs[0];
      useFake();
      const m = await load<Tensor>(build.outDir);
      m.eval();
      const got = m.forwardSync(...tensors).data as Float32Array;
      const err = maxAbs(Array.from(got).map((v, i) => v - want.data[i]));
      expect(err / maxAbs(want.data)).toBeLessThan(tolerance);
      expect(err).toBeGreaterThan(0); // rounded: not fp32 by accident
      expect(calls().every((c) => c.includes(`compute=${precision === "tf32" ? 77 : 75}`))).toBe(true);
      // a training step: every role and epilogue on cuBLASLt in this precision, its gradients close
      // to tsdp's own tensor-core kernels' in the same precision (twice the forward's bound: they
      // round the same operands but sum in another order, through two layers more)
      m.train();
      rmSync(log, { force: true });
      const viaLt = step(m, tensors[0]);
      expect(new Set(calls().map((c) => /epilogue=(\d+)/.exec(c)![1]))).toEqual(new Set(["1", "4", "6", "512"]));
      m.dispose();
      delete process.env.TSDP_CUBLASLT_LIBRARY;
      const own = await load<Tensor>(build.outDir);
      own.train();
      const viaOwn = step(own, tensors[0]);
      own.dispose();
      for (const [name, values] of Object.entries(viaLt)) {
        if (!name.endsWith(".grad")) continue;
        const ref = viaOwn[name];
        const err = maxAbs(values.map((v, i) => v - ref[i]));
        expect(err / Math.max(maxAbs(ref), 1e-6), name).toBeLessThan(2 * tolerance);
      }
    }, 300_000);

  it("two replicas: a handle, workspace and plans per device; the step equals tsdp's kernels' on two replicas", async () => {
    const { model, build } = await built("fp32");
    const { tensors } = makeInputs(model.graph, BATCH, 11);
    useFake();
    const lt = await load<Tensor>(build.outDir, { devices: 2 });
    expect(lt.describe()).toMatch(/^2 replica\(s\).*cuBLASLt: .*fake_cublaslt\.so/);
    const viaLt = step(lt, tensors[0]);
    lt.dispose();
    // both replicas' chunks (3 samples each) went through the fake: 4·3 rows for fc1's forward, twice
    expect(calls().filter((c) => c.includes("epilogue=6 ") && c.includes("cols=12 "))).toHaveLength(2);
    delete process.env.TSDP_CUBLASLT_LIBRARY;
    const own = await load<Tensor>(build.outDir, { devices: 2 });
    const viaOwn = step(own, tensors[0]);
    own.dispose();
    for (const [name, values] of Object.entries(viaLt)) {
      const err = maxAbs(values.map((v, i) => v - viaOwn[name][i]));
      expect(err / Math.max(maxAbs(viaOwn[name]), 1e-3), name).toBeLessThan(1e-5);
    }
  }, 300_000);

  it("without the library, or with no algorithm for a shape, tsdp's kernels give the same results", async () => {
    const { model, build } = await built("fp32");
    const { tensors } = makeInputs(model.graph, BATCH, 9);
    process.env.TSDP_CUBLASLT_LIBRARY = join(work, "missing.so");
    const missing = await load<Tensor>(build.outDir);
    expect(missing.describe()).toMatch(/cuBLASLt: not used \(library not loaded: .*missing\.so/);
    missing.eval();
    const a = missing.forwardSync(...tensors).data as Float32Array;
    missing.dispose();
    useFake({ fail: "heuristic" });
    const none = await load<Tensor>(build.outDir);
    none.eval();
    const b = none.forwardSync(...tensors).data as Float32Array;
    expect(calls()).toEqual([]); // every site fell back
    none.train();
    step(none, tensors[0]);
    none.dispose();
    expect(Array.from(b)).toEqual(Array.from(a));
  }, 300_000);

  it("a model with no cuBLASLt site never loads the library, and says so", async () => {
    const { build } = await compile("test/fixtures/hardening-mlp/model.ts", { target: "cpu", outDir: join("build", "test-cublaslt", "no-sites") });
    useFake();
    const m = await load<Tensor>(build.outDir);
    expect(m.describe()).toMatch(/cuBLASLt: not used \(no GEMM chosen for it at compile time: --gemm tsdp, or none above the --gemm auto threshold\)$/);
    m.forwardSync(tensor(new Float32Array(2 * 8), [2, 8]));
    expect(calls()).toEqual([]);
    m.dispose();
  }, 300_000);

  it("a failing cublasLtMatmul fails the run with cuBLASLt's reason; later runs use tsdp's kernels", async () => {
    const { model, build } = await built("fp32");
    const { tensors } = makeInputs(model.graph, BATCH, 9);
    useFake({ fail: "matmul:2" });
    const m = await load<Tensor>(build.outDir, { cudaGraphs: false });
    m.eval();
    expect(() => m.forwardSync(...tensors)).toThrow(/cublasLtMatmul for \w+ failed: the GPU program failed to execute \(fake\).*cuBLASLt is off/);
    expect(m.describe()).toMatch(/cuBLASLt: off after an error/);
    const after = m.forwardSync(...tensors).data as Float32Array;
    expect(after.every(Number.isFinite)).toBe(true);
    m.dispose();
  }, 300_000);
});
