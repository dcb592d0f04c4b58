// Reductions over leading dims (the bias gradients' Σ over [0] and [0, 2, 3]) run in kernels that
// read along the contiguous dim (compiler/5-codegen/kernels/reduce-strided.ts): their values
// against the float64 reference (rtol 1e-4, atol 1e-5) for a sum, a mean and a max, at batch sizes
// that take the unrolled loop (64) and only its remainder (1, 7), and the same bits on every run.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../compiler/pipeline.ts";
import type { Graph } from "../compiler/ir/node.ts";
import { load, tensor, type CompiledModel } from "../runtime/index.ts";
import { header, removeScratch, writeFiles } from "./helpers.ts";
import { cachedReference } from "./reference-cache.ts";
import { compileForTestTarget, expectClose, makeInputs, referenceState } from "./target-helpers.ts";

const file = "test/fixtures/batch-statistics/model.ts";

/** Each batch's forward against the reference (inputs from seed(batch)), and the same bits on a second run. */
async function expectForwardRepeats(m: CompiledModel, graph: Graph, batches: readonly number[], seed: (batch: number) => number) {
  const state = referenceState(graph, 0);
  for (const batch of batches) {
    const { tensors, reference } = makeInputs(graph, batch, seed(batch));
    const got = m.forwardAllSync(...tensors)[0].data as Float32Array;
    const [want] = await cachedReference(graph, reference, state);
    expectClose(got, want.data, `batch ${batch}`);
    expect(Array.from(m.forwardAllSync(...tensors)[0].data as Float32Array), `batch ${batch}, second run`).toEqual(Array.from(got));
  }
}

describe("reductions over the batch (strided inputs)", () => {
  it("use the column and channel kernels, equal the reference, and repeat bit for bit", async () => {
    const { model, build, generated } = await compileForTestTarget(file, "build/test-reduce-strided");
    // Σ, mean and max over [0] of [Batch, 40]; over [0, 2, 3] of [Batch, 6, 5, 9] and [Batch, 3, 8, 8]
    expect(generated.cu.match(/^\/\/ Each column of a \[/gm)).toHaveLength(3);
    expect(generated.cu.match(/^\/\/ A block per output element \(a channel\)/gm)).toHaveLength(6);
    expect(generated.cu.match(/^\/\/ elements, \d+ apart, read as float4s\./gm)).toHaveLength(3);
    const m = await load(build.outDir);
    try {
      await expectForwardRepeats(m, model.graph, [1, 7, 64], (batch) => batch);
    } finally {
      m.dispose();
    }
  }, 600_000);
});

describe("channel reductions split over blocks (the GPU shape, run on the CPU target)", () => {
  it("split each channel's loads where the channels are few, combine the parts in order: the reference's values, the same bits every run", async () => {
    // 3 and 2 channels: a block each would leave an H100's SMs idle. At batch 9 the 45×45 maps'
    // 18,225 loads per channel take 9 splits and the 64×64 maps' 9,216 float4 loads 5; at batch 1
    // one split (the block stores its result directly)
    const file = "test/fixtures/channel-statistics/model.ts";
    const { model, build } = await compile(file, { target: "cpu", shapeFor: "gpu", outDir: join("build", "test-reduce-split") });
    const { generated } = await compileForTestTarget(file, join("build", "test-reduce-split-cpu"));
    expect(generated.cu).not.toContain("// Split over blocks");
    const m = await load(build.outDir);
    try {
      const cu = readFileSync(join(build.outDir, "model.cu"), "utf8");
      expect(cu.match(/^\/\/ Split over blocks: an output's loads are cut into `splits` chunks/gm)).toHaveLength(6);
      await expectForwardRepeats(m, model.graph, [1, 5, 9], (batch) => batch + 40);
    } finally {
      m.dispose();
    }
  }, 600_000);
});

describe("a long row's sum (a warp per output or row, 2^17 elements a lane)", () => {
  it("adds each lane's elements in runs of 1,024 — a sum, a mean and a softmax's Σexp: within 1e-5 of float64, where one float32 total drifted by 1.2e-4", async () => {
    const n = 1 << 22;
    const src = writeFiles({ "model.ts": `${header}export class M extends nn.Module {\n  forward(x: Tensor<[Batch, ${n}]>) {\n    return F.cat([x.sum(1, true), x.mean(1, true), x.softmax(1).narrow(1, 0, 1)], 1);\n  }\n}\n` });
    const { build, generated } = await compile(join(src, "model.ts"), { target: "cpu", outDir: join("build", "test-reduce-long-row") });
    expect(generated.cu).toContain("if (++in_run == 1024)");
    expect(generated.cu).toContain("if (++s_in_run == 1024)");
    // same-signed values: a float32 total far above each addend rounds the same way again and again
    const x = Float32Array.from({ length: n }, (_, i) => 0.1 + (i % 7) * 0.01);
    let want = 0;
    let max = -Infinity;
    for (const v of x) [want, max] = [want + v, Math.max(max, v)];
    let exps = 0;
    for (const v of x) exps += Math.exp(v - max);
    const m = await load(build.outDir);
    try {
      const [sum, mean, first] = m.forwardAllSync(tensor(x, [1, n]))[0].data as Float32Array;
      expect(Math.abs(sum / want - 1)).toBeLessThan(1e-5);
      expect(Math.abs(mean / (want / n) - 1)).toBeLessThan(1e-5);
      expect(Math.abs(first / (Math.exp(x[0] - max) / exps) - 1)).toBeLessThan(1e-5);
    } finally {
      m.dispose();
      removeScratch();
    }
  }, 600_000);
});
