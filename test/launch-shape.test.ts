// The performance model takes each launch's grid and block from the launch's own C expressions
// (compiler/launch-shape.ts). These tests pin the evaluator on the generator's forms, refuse any
// other form, and evaluate every launch of every example model, checking that the expressions the
// manifest lists are the ones model.cu launches with.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generate } from "../compiler/pipeline.ts";
import { evaluateDim3, evaluateInteger, evaluateScalars, launchShape, LaunchExpressionError } from "../compiler/launch-shape.ts";
import { GRAD_NORM_BLOCKS, UPDATE_GRID } from "../compiler/5-codegen/launches.ts";
import { estimateLaunch } from "../compiler/perf-model.ts";
import { GPUS } from "../compiler/gpu-specs.ts";
import { affineAt } from "../compiler/3-fusion/cost.ts";
import { programSource } from "./helpers.ts";

const root = join(import.meta.dirname, "..");

describe("launch expression evaluator", () => {
  it("evaluates the GEMM grid: scalars first, truncating division, dim3 components", () => {
    const env = evaluateScalars(["const int M = batch * 576;"], { batch: 64 });
    expect(env.M).toBe(36_864);
    expect(evaluateDim3("dim3((unsigned)((M + 63) / 64), 8, 1)", env)).toEqual([576, 8, 1]);
    expect(evaluateDim3("dim3((unsigned)((M + 127) / 128), 1, 1)", evaluateScalars(["const int M = batch * 576;"], { batch: 3 }))).toEqual([14, 1, 1]);
  });

  it("evaluates grid-stride grids capped with std::min<size_t>, casts of literals, and one-component dim3", () => {
    const grid = "dim3((unsigned)std::min<size_t>((((size_t)11520 * batch) + 255) / 256, 65535))";
    expect(evaluateDim3(grid, { batch: 1 })).toEqual([45, 1, 1]);
    expect(evaluateDim3(grid, { batch: 4096 })).toEqual([65_535, 1, 1]); // 184,320 capped
    expect(evaluateDim3("dim3(256)", {})).toEqual([256, 1, 1]);
    expect(evaluateInteger("std::max<int>(7 % 4, 2) - 1", {})).toBe(2);
    expect(evaluateInteger("10 - 2 * 3 + 8 / 3", {})).toBe(6); // precedence, and 8 / 3 truncates
  });

  it("evaluates split-K's choice: several declarators, comparisons and conditionals (only the chosen branch must be valid)", () => {
    const scalars = [
      "const int M = 20;",
      "const long long blocks = (long long)((M + 31) / 32) * 1;",
      "const long long byGrid = 132 / blocks, byDepth = ((long long)(batch * 576) + 127) / 128;",
      "const int splits = (int)(byGrid < byDepth ? (byGrid < 32 ? (byGrid > 1 ? byGrid : 1) : 32) : (byDepth < 32 ? (byDepth > 1 ? byDepth : 1) : 32));",
    ];
    expect(evaluateScalars(scalars, { batch: 1 })).toMatchObject({ blocks: 1, byGrid: 132, byDepth: 5, splits: 5 });
    expect(evaluateScalars(scalars, { batch: 64 })).toMatchObject({ byDepth: 288, splits: 32 });
    const launch = { grid: "dim3((unsigned)((M + 31) / 32), 1, 1 * splits)", block: "dim3(128)", scalars };
    expect(launchShape(launch, 64)).toMatchObject({ grid: [1, 1, 32], block: [128, 1, 1], runs: true });
    expect(launchShape({ ...launch, when: "splits > 1" }, 64).runs).toBe(true);
    expect(launchShape({ ...launch, when: "splits > 1 && M == 21" }, 64).runs).toBe(false);
    expect(evaluateInteger("0 ? 1 / 0 : 7", {})).toBe(7); // as in C, the branch not taken is not evaluated
    expect(evaluateInteger("1 < 2 == 1 || 0", {})).toBe(1);
    expect(evaluateInteger("3 >= 3 ? 2 <= 1 : 5", {})).toBe(0);
  });

  it("refuses what the generator does not emit, naming the expression", () => {
    expect(() => evaluateInteger("batch << 2", { batch: 1 })).toThrow(LaunchExpressionError);
    expect(() => evaluateInteger("foo(1)", {})).toThrow(/unknown name foo/);
    expect(() => evaluateInteger("rows * 2", { batch: 1 })).toThrow(/unknown name rows in: rows \* 2/);
    expect(() => evaluateInteger("(float)3", {})).toThrow(LaunchExpressionError);
    expect(() => evaluateInteger("4 / (batch - 1)", { batch: 1 })).toThrow(/division by zero/);
    expect(() => evaluateScalars(["const float s = 1;"], {})).toThrow(/unsupported scalar declaration/);
    expect(() => evaluateScalars(["const int M = batch * 3000000000;"], { batch: 1 })).toThrow(/out of range/);
    expect(() => evaluateScalars(["const int M = 1, 2;"], {})).toThrow(/unsupported declarator "2"/);
    expect(() => evaluateInteger("1 ? 2", {})).toThrow(/expected ":"/);
    expect(() => evaluateInteger("1 ? 1 / 0 : 2", {})).toThrow(/division by zero/);
    expect(() => evaluateDim3("dim3(1, 2, 3, 4)", {})).toThrow(/dim3/);
    expect(() => evaluateDim3("(unsigned)4", {})).toThrow(/expected dim3/);
  });
});

const examples = readdirSync(join(root, "examples"))
  .map((d) => join(root, "examples", d, "model.ts"))
  .filter((f) => {
    try {
      return readFileSync(f, "utf8").length > 0;
    } catch {
      return false;
    }
  });


describe("every launch of every example model evaluates, and is the launch model.cu makes", () => {
  it("finds the example models", () => expect(examples.length).toBeGreaterThanOrEqual(5));

  it.each(examples.map((f) => [f.slice(root.length + 1), f]))("%s", (_name, file) => {
    const { generated } = generate(file, { target: "cuda" });
    const { launches, training } = generated.manifest;
    for (const program of ["forward", "step"] as const) {
      const listed = launches.filter((l) => l.program === program && l.template !== "harness");
      if (program === "step" && !training) {
        expect(listed).toEqual([]);
        continue;
      }
      const text = programSource(generated.cu, program);
      // the same launches, in the same order, with the same expressions
      const inCode = [...text.matchAll(/TSDP_LAUNCH\(tsdp_kernels::(\w+), /g)].map((m) => m[1]);
      expect(listed.map((l) => l.kernel)).toEqual(inCode);
      let at = 0;
      for (const [i, l] of listed.entries()) {
        // a conditional launch follows its kernel's launch, in the same block, under `if (when)`; a
        // launch after one that precedes it in its block (a split BatchNorm) shares that one's scalars
        const previous = listed[i - 1]?.precedes;
        const shared = previous !== undefined && (previous === l.kernel || previous === l.precedes);
        const before = l.when !== undefined ? [`if (${l.when}) {`] : shared ? [] : l.scalars;
        for (const s of before) {
          const found = text.indexOf(s, at);
          expect(found, `${l.kernel}: ${s}`).toBeGreaterThanOrEqual(at);
          at = found;
        }
        const launch = `TSDP_LAUNCH(tsdp_kernels::${l.kernel}, ${l.grid}, ${l.block}, `;
        const found = text.indexOf(launch, at);
        expect(found, launch).toBeGreaterThanOrEqual(at);
        at = found + launch.length;
        // up to the most samples a device takes, where a GEMM's M = batch · rows must still fit an int
        for (const batch of [1, 64, 256, 4096, generated.manifest.maxSamplesPerDevice]) {
          const { grid, block } = launchShape(l, batch);
          for (const d of [...grid, ...block]) expect(Number.isInteger(d) && d >= 1).toBe(true);
          expect(grid[1]).toBeLessThanOrEqual(65_535);
          expect(grid[2]).toBeLessThanOrEqual(65_535);
          expect(block[0] * block[1] * block[2]).toBeLessThanOrEqual(1024);
        }
      }
    }
    // the harness's optimizer update ends the step of a model that trains
    const update = launches.filter((l) => l.template === "harness");
    expect(update.map((l) => l.kernel)).toEqual(training ? ["optimizer_update_kernel"] : []);
    for (const l of update) expect(launchShape(l, 64).grid[0]).toBeGreaterThanOrEqual(1);
  });

  it("a split-K launch is one launch whose partial tiles' traffic the model adds to its bytes, from its scalars", () => {
    const { manifest } = generate(join(root, "examples", "lenet", "model.ts"), { target: "cuda", shapeFor: "gpu" }).generated;
    const step = manifest.launches.filter((l) => l.program === "step");
    const conv1 = step.find((l) => l.kernel === "conv1_conv2d_grad_weight_sum_kernel")!;
    // no second pass: the tile's last block sums the splits
    expect(step.filter((l) => l.kernel.startsWith("conv1_conv2d_grad_weight_sum"))).toHaveLength(1);
    expect(conv1.workspaceBytes).toBeDefined();
    for (const batch of [64, 256]) {
      const shape = launchShape(conv1, batch);
      const splits = shape.env.splits;
      expect(splits, `batch ${batch}`).toBeGreaterThan(1);
      expect(shape.grid[2]).toBe(splits);
      // conv1's weight gradient: M = 20 rows of 32 floats (25 taps, the bias column, padding to 8), each split's stored and read back
      const estimate = estimateLaunch(conv1, { gpu: GPUS.h100, batch, precision: "fp32" });
      expect(estimate.bytes).toBe(affineAt(conv1.bytes, batch) + 2 * 4 * splits * 20 * 32);
    }
  });

  it("the optimizer update's grid is the one runtime/harness/step.cu launches", () => {
    const step = readFileSync(join(root, "runtime", "harness", "step.cu"), "utf8");
    expect(step).toContain(`TSDP_LAUNCH(optimizer_update_kernel, ${UPDATE_GRID.replace("param_floats", "t.param_floats")}, dim3(256), `);
  });

  it("a step that clips lists the harness's two clipping launches before the update, shaped as step.cu launches them", () => {
    const internal = readFileSync(join(root, "runtime", "harness", "harness_internal.h"), "utf8");
    expect(internal).toContain(`constexpr int kGradNormBlocks = ${GRAD_NORM_BLOCKS};`);
    const step = readFileSync(join(root, "runtime", "harness", "step.cu"), "utf8");
    expect(step).toContain("TSDP_LAUNCH(grad_norm_partials_kernel, dim3(kGradNormBlocks), dim3(kGradNormThreads), ");
    expect(step).toContain("TSDP_LAUNCH(grad_clip_factor_kernel, dim3(1), dim3(32), ");
    const stepKernels = (file: string) => generate(file, { target: "cpu" }).generated.manifest.launches.filter((l) => l.program === "step").map((l) => l.kernel).slice(-3);
    // the nanoGPT port declares clipGradNorm 1.0; LeNet does not
    expect(stepKernels("test/fixtures/ports/nanogpt.ts")).toEqual(["grad_norm_partials_kernel", "grad_clip_factor_kernel", "optimizer_update_kernel"]);
    expect(stepKernels("examples/lenet/model.ts")).not.toContain("grad_norm_partials_kernel");
  });
});
