// Patch staging of a convolution forward's and weight gradient's input (issue 13, finding 4;
// compiler/5-codegen/kernels/gemm-patch.ts, gemm-patch-wgrad.ts): where it is chosen, the layout
// check that chooses it, and the `patch` knob.
// Generated CUDA only; test/shim-counters.test.ts counts the staged kernels' sectors and bank
// conflicts in the shim, and test/gemm-shapes.test.ts runs them against the reference.
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CompileError } from "../compiler/diagnostics/diagnostic.ts";
import { generate } from "../compiler/pipeline.ts";
import { lowerModel } from "../compiler/1-frontend/lower.ts";
import { trainingPrograms } from "../compiler/pipeline.ts";
import { kernelGemmMaps, kernelGemmShape } from "../compiler/5-codegen/kernels/gemm-shape.ts";
import { leastStride, patchSizes, worstWavefronts } from "../compiler/5-codegen/kernels/gemm-patch.ts";
import { columnConflicts, groupColumns, wgradPatchSizes, wgradWorstWavefronts, type ColumnOrder } from "../compiler/5-codegen/kernels/gemm-patch-wgrad.ts";
import { writeFiles } from "./helpers.ts";

const LENET = join(import.meta.dirname, "..", "examples", "lenet", "model.ts");
const CIFAR10 = join(import.meta.dirname, "..", "examples", "cifar10", "model.ts");

/** The kernels whose forward stages x's patch, and each one's comment line. */
function patched(cu: string): Map<string, string> {
  return new Map([...cu.matchAll(/\n\s+(\w+)_stage_patch\(Xs, a, m0, kBegin, kEnd, z, batch, M\);/g)].map((m) => [m[1], cu.match(new RegExp(`// x's patch \\(the kernel says why\\): [^\\n]*(?=\\n[^\\n]*\\n[^\\n]*\\n__device__ __forceinline__ int2 ${m[1]}_patch_rows)`))?.[0] ?? ""]));
}

/** A copy of a model in a fresh folder, with a tuning file beside it. */
function withTuning(model: string, kernels: Record<string, Record<string, string>>): string {
  const dir = writeFiles({ "model.tune.json": JSON.stringify({ kernels }) });
  copyFileSync(model, join(dir, "model.ts"));
  return join(dir, "model.ts");
}

describe("patch staging", () => {
  it("stages LeNet's convolution inputs on the GPU's shapes, with a conflict-free gather; not on the CPU target's", () => {
    const gpu = patched(generate(LENET, { target: "cuda", tune: false }).generated.cu);
    expect([...gpu.keys()].sort()).toEqual(["conv1_relu_pool", "conv1_relu_pool_step", "conv2_relu_pool", "conv2_relu_pool_step"]);
    for (const [name, why] of gpu) expect(why, name).toMatch(/; the gather is conflict-free\.$/);
    expect(patched(generate(LENET, { target: "cpu", tune: false }).generated.cu).size).toBe(0);
  });

  it("checks the layout by replaying the gather: LeNet's conv2 is conflict-free with its segment stride and the bottom pixels' rotation, not without either", () => {
    const plan = trainingPrograms(lowerModel(LENET).graph, undefined, "gpu")!.step.plan;
    const conv2 = plan.kernels.find((k) => k.name === "conv2_relu_pool")!;
    const shape = kernelGemmShape(conv2, "gpu", "fp32")!;
    const { parts } = kernelGemmMaps(conv2, undefined, "gpu");
    const p = parts.patchA!;
    const K = parts.K as number;
    const sizes = patchSizes(p, shape.tile, K);
    // a k-step of 32 taps reads up to 3 of conv2's 20 channels (25 taps each); 128 rows are 2 images
    expect(sizes).toEqual({ NI: 2, NC: 3, rows: 12 });
    const order = (ROT: number) => ({ rot: (ar: number) => ((ar & 3) >> 1) * ROT, ROT, PARTNER: ROT ? 2 : 0, ROW_GROUP: 4 });
    const cu = generate(LENET, { target: "cuda", tune: false }).generated.cu;
    const SEG = Number(/void conv2_relu_pool_copy_patch[\s\S]*?\* (\d+) \+ 8 - sh;/.exec(cu)![1]);
    expect(worstWavefronts(p, shape.tile, K, sizes, SEG, shape.tile.BM, order(5))).toBe(1);
    // a window's top and bottom pixels reading the same tap: two input rows of 12 floats, banks shared
    expect(worstWavefronts(p, shape.tile, K, sizes, SEG, shape.tile.BM, order(0))).toBeGreaterThan(1);
    // where a k-step crosses channels the two rows are a segment apart: only SEG ≡ 12 (mod 32) keeps them apart
    expect(SEG % 32).toBe(12);
    expect(worstWavefronts(p, shape.tile, K, sizes, SEG + 1, shape.tile.BM, order(5))).toBeGreaterThan(1);
  });

  it("keeps the direct gather where no layout is conflict-free (CIFAR-10's first convolution), unless the tuning file says on; off turns it off", () => {
    const auto = patched(generate(CIFAR10, { target: "cuda", tune: false }).generated.cu);
    expect(auto.has("conv1_relu_pool")).toBe(false);
    const on = patched(generate(withTuning(CIFAR10, { conv1_relu_pool: { patch: "on" } }), { target: "cuda" }).generated.cu);
    expect(on.get("conv1_relu_pool")).toMatch(/; up to \d wavefronts per gather request \(no conflict-free stride: patch staging is on by the tuning file\)\.$/);
    const off = patched(generate(withTuning(LENET, { conv2_relu_pool: { patch: "off" } }), { target: "cuda" }).generated.cu);
    expect([...off.keys()].sort()).toEqual(["conv1_relu_pool", "conv1_relu_pool_step"]);
  });

  it("refuses the knob on a GEMM that is not a convolution forward staged along m", () => {
    const refused = () => generate(withTuning(LENET, { fc1_relu: { patch: "on" } }), { target: "cuda" });
    expect(refused).toThrow(CompileError);
    try {
      refused();
    } catch (e) {
      expect((e as CompileError).diagnostics.map((d) => d.message).join("\n")).toMatch(/patch/);
    }
  });
});

/** The weight-gradient kernels that gather x from its staged patch, and each one's comment line. */
function patchedB(cu: string): Map<string, string> {
  return new Map([...cu.matchAll(/\n\s+(\w+)_stage_patch_b\(Xs, b, kBegin, kEnd, n0, z, batch\);/g)].map((m) => [m[1], cu.match(new RegExp(`// x's patch for B \\(the kernel says why\\): [^\\n]*(?=\\n(?:[^\\n]*\\n){2}__device__ __forceinline__ int2 ${m[1]}_patch_b_rows)`))?.[0] ?? ""]));
}

/** A weight gradient of a model's training step on the GPU's shapes, with its patch's replays. */
function wgradReplay(file: string, name: string) {
  const k = trainingPrograms(lowerModel(file).graph, undefined, "gpu")!.step.plan.kernels.find((kk) => kk.name === name)!;
  const tile = kernelGemmShape(k, "gpu", "fp32")!.tile;
  const { parts, onesColumn } = kernelGemmMaps(k, undefined, "gpu");
  const taps = onesColumn ?? parts.N;
  const sizes = wgradPatchSizes(parts.patchB!, tile, taps);
  return {
    tile,
    sizes,
    onesColumn,
    columns: parts.N,
    least: leastStride(parts.patchB!, sizes),
    worst: (SEG: number, order: ColumnOrder = []) => wgradWorstWavefronts(parts.patchB!, tile, taps, parts.N, sizes, SEG, Infinity, order),
    conflicts: (SEG: number, apart = false) => columnConflicts(parts.patchB!, tile, taps, parts.N, sizes, SEG, apart)!,
  };
}

describe("patch staging of a weight gradient's x", () => {
  it("stages both of LeNet's weight gradients on the GPU's shapes with a conflict-free gather (conv1's, rows of 28, with its columns grouped); not on the CPU target", () => {
    const gpu = patchedB(generate(LENET, { target: "cuda", tune: false }).generated.cu);
    expect([...gpu.keys()]).toEqual(["conv2_conv2d_grad_weight_sum", "conv1_conv2d_grad_weight_sum"]);
    expect(gpu.get("conv2_conv2d_grad_weight_sum")).toMatch(/; the gather is conflict-free\.$/);
    expect(gpu.get("conv1_conv2d_grad_weight_sum")).toMatch(/; the gather is conflict-free; its columns grouped into requests that pair no colliding taps\.$/);
    expect(patchedB(generate(LENET, { target: "cpu", tune: false }).generated.cu).size).toBe(0);
  });

  it("checks the layout by replaying the gather: conv2's is conflict-free with its segment stride, not with the least; conv1's kernel rows collide in order with every stride, not once grouped", () => {
    const replay = (name: string) => wgradReplay(LENET, name);
    const conv2 = replay("conv2_conv2d_grad_weight_sum");
    // a k-step's 32 pixels are 4 of an image's 8 output rows: 8 input rows; 128 taps reach 6 of 20 channels
    expect(conv2.sizes).toEqual({ NI: 1, NC: 6, rows: 8 });
    const cu = generate(LENET, { target: "cuda", tune: false }).generated.cu;
    const SEG = Number(/conv2_conv2d_grad_weight_sum_b_patch_row_of[\s\S]*?r\.off = max\(t \/ 25 - n0 \/ 25, 0\) \* (\d+)/.exec(cu)![1]);
    expect(conv2.worst(SEG)).toBe(1);
    // a request crossing into the next channel: its two rows a segment apart share banks at the least stride
    expect(conv2.worst(conv2.least)).toBeGreaterThan(1);
    // conv1: in order, a request's 4 taps cross into the next kernel row, 28 words on: 4 banks back, on the words the row before reads
    const conv1 = replay("conv1_conv2d_grad_weight_sum");
    for (let s = conv1.least; s < conv1.least + 32; s++) expect(conv1.worst(s), `SEG ${s}`).toBeGreaterThan(1);
    // e.g. taps 4 (kernel row 0, column 4) and 6 (row 1, column 1), which request 1 pairs in order
    const bad = conv1.conflicts(conv1.least);
    const BN = conv1.tile.BN;
    expect(bad[4 * BN + 6]).toBe(1);
    // taps of one kernel row never collide (overlapping runs of one row: the same words or other banks)
    expect(bad[0 * BN + 1] + bad[1 * BN + 2] + bad[0 * BN + 3]).toBe(0);
    // grouped: no request pairs two colliding columns, every class takes each of its columns once, and the replay agrees
    const order = groupColumns(bad, conv1.tile)!;
    const R = conv1.tile.THREADS / conv1.tile.BK;
    for (const steps of order) expect([...steps].sort((x, y) => x - y)).toEqual([...Array(conv1.tile.B_LOADS).keys()]);
    for (let i = 0; i < conv1.tile.B_LOADS; i++) {
      const request = order.map((steps, j) => j + R * steps[i]);
      for (const c1 of request) for (const c2 of request) expect(bad[c1 * BN + c2], `request ${i}: ${request}`).toBe(0);
    }
    expect(conv1.worst(conv1.least, order)).toBe(1);
    // the kernel takes the columns in that order (class br0's word, 4 bits a step)
    const word = /unsigned long long border = br0 == 0 \? (0x[0-9a-f]+)ull : br0 == 1 \? (0x[0-9a-f]+)ull : br0 == 2 \? (0x[0-9a-f]+)ull : (0x[0-9a-f]+)ull;/.exec(cu)!;
    expect(word.slice(1).map((w) => Array.from({ length: 16 }, (_, i) => Number((BigInt(w) >> BigInt(4 * i)) & 15n)))).toEqual(order);
  });

  it("a block of the bias's column of ones alone (64 taps on 64-wide tiles) reads, masked, in its first segment: generated with the patch auto and on", () => {
    const file = join(import.meta.dirname, "fixtures", "ones-alone", "model.ts");
    const name = "conv_conv2d_grad_weight_sum";
    const wgrad = wgradReplay(file, name);
    expect([wgrad.tile.BN, wgrad.onesColumn, wgrad.columns]).toEqual([64, 64, 65]);
    // the conflict maps replay the block of n0 = 64 too (its column's tap was a channel before the block's, a segment before the buffer: a TypeError)
    for (const apart of [true, false]) expect(wgrad.conflicts(wgrad.least, apart)).toHaveLength(64 * 64);
    expect(patchedB(generate(file, { target: "cuda", tune: false }).generated.cu).has(name)).toBe(false); // (auto: no conflict-free layout)
    const cu = generate(withTuning(file, { [name]: { patch: "on" } }), { target: "cuda" }).generated.cu;
    expect(patchedB(cu).has(name)).toBe(true);
    expect(cu).toContain("r.off = max(t / 16 - n0 / 16, 0) * ");
  });

  it("keeps the direct gather where the tuning file says off, and with on and no conflict-free layout states its wavefronts", () => {
    const off = patchedB(generate(withTuning(LENET, { conv1_conv2d_grad_weight_sum: { patch: "off" }, conv2_conv2d_grad_weight_sum: { patch: "off" } }), { target: "cuda" }).generated.cu);
    expect(off.size).toBe(0);
    const on = patchedB(generate(withTuning(CIFAR10, { conv1_conv2d_grad_weight_sum: { patch: "on" } }), { target: "cuda" }).generated.cu);
    expect(on.get("conv1_conv2d_grad_weight_sum")).toMatch(/; up to \d wavefronts per gather request \(no conflict-free stride: patch staging is on by the tuning file\)\.$/);
  });
});
