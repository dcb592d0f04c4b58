// The memory planner (4-memory/plan.ts) and the bucket planner (4-memory/buckets.ts) on tiny
// graphs built op by op, whose printed IR is shown beside each test: every offset, reuse and
// bucket boundary below is worked out by hand from the rules the planners state.
import { describe, expect, it } from "vitest";
import { bucketSummary, planBuckets } from "../compiler/4-memory/buckets.ts";
import { planMemory, type MemoryPlan } from "../compiler/4-memory/plan.ts";
import { planKernels } from "../compiler/3-fusion/plan.ts";
import { trainingPrograms } from "../compiler/pipeline.ts";
import { GraphBuilder } from "../compiler/ir/builder.ts";
import type { Node, OptimizerSpec } from "../compiler/ir/node.ts";
import { printGraph } from "../compiler/ir/print.ts";
import { Batch, type Dim } from "../compiler/ir/shape.ts";

const loc = { file: "tiny.ts", line: 1, col: 1, length: 1 };
const sgd: OptimizerSpec = { kind: "SGD", lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false };

/** A chain of linear layers x → l0 → l1 → …, widths[0] in, each next width out; optionally trained with MSE. */
function linearChain(widths: readonly number[], opts: { training?: boolean } = {}) {
  const b = new GraphBuilder();
  const source = (op: "input" | "param", name: string, shape: readonly Dim[]) =>
    b.add(op, [], { name, shape, dtype: "f32", ...(op === "param" ? { init: { kind: "constant", value: 0 } } : {}) }, loc, "");
  const x = source("input", "x", [Batch, widths[0]]);
  const layers: Node[] = [];
  let h = x;
  for (let i = 1; i < widths.length; i++) {
    const w = source("param", `l${i - 1}.weight`, [widths[i], widths[i - 1]]);
    const bias = source("param", `l${i - 1}.bias`, [widths[i]]);
    h = b.add("linear", [h, w, bias], {}, loc, `l${i - 1}`);
    layers.push(h);
  }
  if (!opts.training) return { graph: b.finish("Chain", [h]), x, layers };
  const target = source("input", "target", [Batch, widths[widths.length - 1]]);
  const loss = b.add("mse_loss", [h, target], { reduction: "mean" }, loc, "");
  return { graph: b.finish("Chain", [h], { loss: { target, value: loss }, optimizer: sgd }), x, layers };
}

const slotOf = (memory: MemoryPlan, n: Node) => memory.slots.get(n)!;

describe("memory planner", () => {
  // graph Chain(%x: f32[Batch, 8]) -> (f32[Batch, 4]) {
  //   %l0.weight: f32[16, 8]  %l0.bias: f32[16]  …
  //   %3 = linear(%x, %l0.weight, %l0.bias) : f32[Batch, 16]
  //   %6 = linear(%3, %l1.weight, %l1.bias) : f32[Batch, 16]
  //   %9 = linear(%6, %l2.weight, %l2.bias) : f32[Batch, 16]
  //   %12 = linear(%9, %l3.weight, %l3.bias) : f32[Batch, 4]
  const { graph, x, layers } = linearChain([8, 16, 16, 16, 4]);
  const plan = planKernels(graph);
  const memory = planMemory(graph, plan);

  it("the tiny graph prints as the comment above: one kernel per linear", () => {
    const text = printGraph(graph);
    expect(text).toContain("graph Chain(%x: f32[Batch, 8]) -> (f32[Batch, 4]) {");
    expect(text).toMatch(/%\d+ = linear\(%\d+, %l3\.weight, %l3\.bias\) : f32\[Batch, 4\]/);
    expect(plan.kernels.map((k) => k.output)).toEqual(layers);
  });

  it("lays parameters out in state_dict order, each padded to a 128-byte line (whole sectors for GEMM loads)", () => {
    // l0.weight 16·8·4 = 512 B at 0; l0.bias 64 B at 512, padded to 128; l1.weight 1024 B at 640; …; l3.bias 4 floats = 16 B, padded to 128
    const offsets = graph.params.map((p) => [p.attrs.name, slotOf(memory, p).offset, slotOf(memory, p).bytes]);
    expect(offsets).toEqual([
      ["l0.weight", 0, 512],
      ["l0.bias", 512, 128],
      ["l1.weight", 640, 1024],
      ["l1.bias", 1664, 128],
      ["l2.weight", 1792, 1024],
      ["l2.bias", 2816, 128],
      ["l3.weight", 2944, 256],
      ["l3.bias", 3200, 128],
    ]);
    expect(memory.paramBytes).toBe(3328);
    expect(graph.params.every((p) => slotOf(memory, p).arena === "params")).toBe(true);
  });

  it("reuses an activation's bytes once its last reader has run, and never the caller's input", () => {
    // per sample: %3, %6, %9 are 64 B, %x 32 B, %12 16 B (32 with the sector alignment); lifetimes in kernel indices:
    //   %x [-1, 4] (the caller's: kept to the end)   %3 [0, 1]   %6 [1, 2]   %9 [2, 3]   %12 [3, 4] (an output)
    // first fit, largest first: %3 at 0; %6 overlaps %3 → 64; %9 overlaps %6 only → 0 (%3's bytes);
    // %x overlaps all three → 128; %12 overlaps %9 and %x but not %6 → 64 (%6's bytes).
    const [l0, l1, l2, l3] = layers;
    expect(slotOf(memory, l0)).toMatchObject({ arena: "batch", offset: 0, bytes: 64, live: [0, 1] });
    expect(slotOf(memory, l1)).toMatchObject({ offset: 64, live: [1, 2] });
    expect(slotOf(memory, l2)).toMatchObject({ offset: 0, live: [2, 3] });
    expect(slotOf(memory, x)).toMatchObject({ offset: 128, bytes: 32, live: [-1, 4] });
    expect(slotOf(memory, l3)).toMatchObject({ offset: 64, bytes: 32, live: [3, 4] });
    expect(memory.batchBytesPerSample).toBe(160);
    expect(memory.unsharedBatchBytesPerSample).toBe(3 * 64 + 32 + 32);
    expect(memory.fixedBytes).toBe(0);
  });

  it("never gives two values that are live at once overlapping bytes", () => {
    const slots = [...memory.slots.values()].filter((s) => s.arena === "batch");
    for (const a of slots)
      for (const b of slots) {
        if (a === b || a.live[0] > b.live[1] || b.live[0] > a.live[1]) continue;
        expect(a.offset + a.bytes <= b.offset || b.offset + b.bytes <= a.offset, `%${a.node.id} and %${b.node.id}`).toBe(true);
      }
  });

  it("puts a value without a batch dim in the fixed arena, and pins gradients to the parameters' layout", () => {
    const trained = linearChain([8, 16, 4], { training: true });
    const training = trainingPrograms(trained.graph)!;
    const { plan: stepPlan, memory: stepMemory } = training.step;
    // the scalars are the same size whatever the batch: the backward's seed (set by the harness
    // before the step, so live from the start) and the loss, each padded to a 32-byte sector
    const fixed = [...stepMemory.slots.values()].filter((s) => s.arena === "fixed").map((s) => [s.node.op, s.offset, s.bytes]);
    expect(fixed).toEqual([["loss_scale", 0, 32], ["mse_loss", 32, 32]]);
    expect(stepMemory.fixedBytes).toBe(64);
    expect(stepMemory.workspaces.size).toBe(0); // the CPU target's shapes do not split K
    for (const p of trained.graph.params) {
      const grad = slotOf(stepMemory, stepPlan.storageOf(training.gradients.get(p.attrs.name)!));
      const param = slotOf(stepMemory, p);
      expect([grad.arena, grad.offset, grad.bytes], p.attrs.name).toEqual(["grads", param.offset, param.bytes]);
    }
  });

  it("places split-K workspaces (GPU shapes) for their kernel's lifetime only, so they share bytes", () => {
    const trained = linearChain([8, 16, 4], { training: true });
    const { plan, memory } = trainingPrograms(trained.graph, undefined, "gpu")!.step;
    // the weight gradients of l1 [4, 16] and l0 [16, 8] reduce over the batch in one block each, so
    // up to 132 splits of K; both workspaces sit at offset 0, below the scalars that live throughout
    const workspaces = [...memory.workspaces].map(([anchor, s]) => [plan.kernels.findIndex((k) => k.anchor === anchor), s.arena, s.offset, s.bytes, s.live]);
    // [splits, M, N + 1 rounded up to 8] floats: each GEMM computes its bias gradient in an extra
    // column (gemm-row-sums), and partial rows are whole float4s (workspaceRow)
    expect(workspaces).toEqual([
      [6, "fixed", 0, 132 * 16 * 16 * 4, [6, 6]],
      [5, "fixed", 0, 132 * 4 * 24 * 4, [5, 5]],
    ]);
    // every buffer on a 32-byte sector: the 4-byte loss scale takes 32
    const fixed = [...memory.slots.values()].filter((s) => s.arena === "fixed").map((s) => [s.node.op, s.offset]);
    expect(fixed).toEqual([["loss_scale", 132 * 16 * 16 * 4], ["mse_loss", 132 * 16 * 16 * 4 + 32]]);
  });
});

describe("bucket planner", () => {
  // Three linears trained with MSE: l0 8→16, l1 16→16, l2 16→4. Parameters (and so gradients):
  //   l0.weight [0, 512)  l0.bias [512, 640)  l1.weight [640, 1664)  l1.bias [1664, 1792)
  //   l2.weight [1792, 2048)  l2.bias [2048, 2176)   (each padded to a 128-byte line)
  const trained = linearChain([8, 16, 16, 4], { training: true });
  const training = trainingPrograms(trained.graph)!;
  // Planned without gemm-row-sums, so that a layer's weight and bias gradients come from two
  // kernels and a bucket can become ready before one that closed earlier (the step the compiler
  // plans writes both from one kernel: the last test).
  const plan = planKernels(training.step.graph, [training.step.graph.loss!.value, ...training.gradients.values()], { without: ["gemm-row-sums"] });
  const memory = planMemory(training.step.graph, plan, training.gradients);
  const buckets = (capBytes: number) => planBuckets(trained.graph.params, training.gradients, plan, memory, capBytes / (1 << 20));
  const lastWriter = (name: string) => {
    const storage = plan.storageOf(training.gradients.get(name)!);
    return plan.kernels.reduce((last, k, i) => (k.nodes.some((n) => plan.storageOf(n) === storage) ? i : last), -1);
  };

  // The step program (13 kernels; each weight gradient reads dyᵀ in place) writes the gradients in this order:
  //   6 l2_matmul_2 → l2.weight   7 l2_sum → l2.bias   9 l1_matmul_2 → l1.weight   10 l1_sum → l1.bias
  //   11 l0_matmul → l0.weight    12 l0_sum → l0.bias
  it("the step program writes the gradients where the comment above says", () => {
    expect(plan.kernels).toHaveLength(13);
    const writers = Object.fromEntries(trained.graph.params.map((p) => [p.attrs.name, plan.kernels[lastWriter(p.attrs.name)].name]));
    expect(writers).toEqual({
      "l2.weight": "l2_matmul_2",
      "l2.bias": "l2_sum",
      "l1.weight": "l1_matmul_2",
      "l1.bias": "l1_sum",
      "l0.weight": "l0_matmul",
      "l0.bias": "l0_sum",
    });
  });

  it("groups gradients in reverse registration order, closing a bucket once it reaches the cap", () => {
    // cap 500 B: l2.bias (128) + l2.weight (256) = 384 < 500, + l1.bias → 512 closes the first;
    // l1.weight alone is 1024 ≥ 500; l0.bias + l0.weight = 640 closes the last.
    const groups = buckets(500).buckets.map((b) => [b.params, b.offsetFloats, b.countFloats]);
    expect(groups).toEqual(
      expect.arrayContaining([
        [["l2.bias", "l2.weight", "l1.bias"], 1664 / 4, 512 / 4],
        [["l1.weight"], 640 / 4, 1024 / 4],
        [["l0.bias", "l0.weight"], 0, 640 / 4],
      ]),
    );
    expect(groups).toHaveLength(3);
  });

  it("cuts the step right after the kernel that writes a bucket's last gradient, buckets in the order they become ready", () => {
    // the first bucket waits for l1.bias (kernel 10), so l1.weight's bucket (kernel 9) is ready first
    const p = buckets(500);
    expect(p.segments).toEqual([[0, 10], [10, 11], [11, 13]]);
    expect(p.buckets.map((b) => [b.params[0], b.segment])).toEqual([["l1.weight", 0], ["l2.bias", 1], ["l0.bias", 2]]);
    expect(bucketSummary(p, plan).map((b) => [b.afterKernel, b.bytes])).toEqual([["l1_matmul_2", 1024], ["l1_sum", 512], ["l0_sum", 640]]);
  });

  it("with DDP's default cap, a small model is one bucket, ready after the step's last kernel", () => {
    const p = planBuckets(trained.graph.params, training.gradients, plan, memory);
    expect(p.buckets).toEqual([{ params: ["l2.bias", "l2.weight", "l1.bias", "l1.weight", "l0.bias", "l0.weight"], offsetFloats: 0, countFloats: 2176 / 4, segment: 0 }]);
    expect(p.segments).toEqual([[0, 13]]);
  });

  it("refuses a gradient outside the gradient arena (the memory plan was made without the gradients)", () => {
    const unpinned = planMemory(training.step.graph, plan);
    expect(() => planBuckets(trained.graph.params, training.gradients, plan, unpinned)).toThrow(/the gradient of l2.bias is not in the gradient arena/);
  });

  it("is what the training programs carry to codegen (pipeline stage 4)", () => {
    const withCap = trainingPrograms(trained.graph, 300 / (1 << 20))!;
    expect(withCap.buckets).toEqual(planBuckets(trained.graph.params, withCap.gradients, withCap.step.plan, withCap.step.memory, 300 / (1 << 20)));
    // there each layer's weight and bias gradients come from one kernel (gemm-row-sums), and with
    // gradients on 128-byte lines each layer's pair fills the 300-byte cap: every bucket is one
    // layer, ready after that layer's kernel
    const step = withCap.step.plan;
    expect(withCap.buckets.buckets.map((b) => [b.params, step.kernels[withCap.buckets.segments[b.segment][1] - 1].name])).toEqual([
      [["l2.bias", "l2.weight"], "l2_matmul_sum"],
      [["l1.bias", "l1.weight"], "l1_matmul_sum"],
      [["l0.bias", "l0.weight"], "l0_matmul_sum"],
    ]);
  });
});

