// A BatchNorm over [N, C] takes its statistics from each device's share of the batch: PyTorch
// refuses one value per channel ("Expected more than 1 value per channel when training"), so the
// manifest says the fewest samples a share may hold (2) and the runtime refuses a batch that
// leaves a device one — in train mode, and in eval mode too where the BatchNorm keeps no running
// statistics — while a BatchNorm2d with H·W > 1 values per sample takes any batch. In-batch pairs
// ([Batch, Batch], CLIP's and SimCLR's losses) pair each device's share's samples (below).
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatReport, modelReport } from "../compiler/inspect.ts";
import { compile, generate } from "../compiler/pipeline.ts";
import { differentiate } from "../compiler/2-autodiff/backward.ts";
import type { Node } from "../compiler/ir/node.ts";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd, type NDArray } from "../compiler/reference/ndarray.ts";
import { newOptimizerState, optimizerStep } from "../compiler/reference/optim.ts";
import { load, tensor } from "../runtime/index.ts";
import { diagnosticsOf, header, lowerSource, writeFiles } from "./helpers.ts";
import { expectClose } from "./target-helpers.ts";

const model = (bn: string) => `${header}export class Head extends nn.Module {
  fc = new nn.Linear(4, 6);
  bn = ${bn};
  out = new nn.Linear(6, 3);
  forward(x: Tensor<[Batch, 4]>) {
    return this.out(F.relu(this.bn(this.fc(x))));
  }
}
export const training = new Training(Head, { loss: new nn.CrossEntropyLoss(), optimizer: new optim.SGD({ lr: 0.1 }) });
`;

describe("a BatchNorm's share of the batch", () => {
  it("a BatchNorm whose output forward drops still updates its running statistics in a step, as PyTorch's eager call does (GatedGCN's last edge norm)", async () => {
    // the kernel plan kept only what the loss reads, so bn's update never ran: running_mean stayed 0
    const src = `${header}export class M extends nn.Module {\n  fc = new nn.Linear(4, 3);\n  bn = new nn.BatchNorm1d(3);\n  forward(x: Tensor<[Batch, 4]>) {\n    const h = this.fc(x);\n    const dropped = this.bn(h);\n    return h;\n  }\n}\nexport const training = new Training(M, { loss: (o: Tensor, y: Tensor<[Batch, 3]>) => F.mseLoss(o, y), optimizer: new optim.SGD({ lr: 0.1 }) });\n`;
    const dir = writeFiles({ "model.ts": src });
    const { build } = await compile(join(dir, "model.ts"), { target: "cpu", outDir: join(dir, "build") });
    const m = await load(build.outDir);
    try {
      const B = 5;
      const xs = Float32Array.from({ length: 4 * B }, (_, i) => Math.sin(i + 1));
      const [w, b] = ["fc.weight", "fc.bias"].map((n) => m.getParameter(n).data as Float32Array);
      // (tolerance: target-helpers RTOL/ATOL) h = x·Wᵀ + b with the weights the step's forward sees; momentum 0.1: r ← 0.9·r + 0.1·stat, the variance unbiased (÷ (B − 1))
      const h = Array.from({ length: B }, (_, i) => Array.from({ length: 3 }, (_, o) => b[o] + [0, 1, 2, 3].reduce((acc, k) => acc + xs[i * 4 + k] * w[o * 4 + k], 0)));
      const mean = [0, 1, 2].map((c) => h.reduce((acc, r) => acc + r[c], 0) / B);
      const unbiased = [0, 1, 2].map((c) => h.reduce((acc, r) => acc + (r[c] - mean[c]) ** 2, 0) / (B - 1));
      m.trainStepSync(tensor(xs, [B, 4]), tensor(new Float32Array(3 * B), [B, 3]));
      expectClose(m.getParameter("bn.running_mean").data as Float32Array, mean.map((v) => 0.1 * v), "running_mean");
      expectClose(m.getParameter("bn.running_var").data as Float32Array, unbiased.map((v) => 0.9 + 0.1 * v), "running_var");
      expect(Number(m.getParameter("bn.num_batches_tracked").data[0])).toBe(1);
    } finally {
      m.dispose();
    }
  });

  it("the manifest says 2 for BatchNorm1d of [N, C] (eval too without running statistics), nothing for BatchNorm2d", () => {
    const dir = writeFiles({
      "bn1d.ts": model("new nn.BatchNorm1d(6)"),
      "stateless.ts": model("new nn.BatchNorm1d(6, { trackRunningStats: false })"),
      "bn2d.ts": `${header}export class Conv extends nn.Module {\n  bn = new nn.BatchNorm2d(2);\n  forward(x: Tensor<[Batch, 2, 3, 3]>) {\n    return this.bn(x);\n  }\n}\n`,
    });
    expect(generate(join(dir, "bn1d.ts"), { target: "cpu" }).generated.manifest.minSamplesPerDevice).toEqual({ training: 2, eval: 1 });
    expect(generate(join(dir, "stateless.ts"), { target: "cpu" }).generated.manifest.minSamplesPerDevice).toEqual({ training: 2, eval: 2 });
    expect(generate(join(dir, "bn2d.ts"), { target: "cpu" }).generated.manifest.minSamplesPerDevice).toBeUndefined();
  });

  it("each mode counts the BatchNorms its forward reaches: one behind `if (this.training)` does not limit eval's batch, one in eval only not train's", () => {
    // PyTorch's eval call never runs a BatchNorm reached in train mode only, so one sample per device is valid there
    // (and a tracking one reached in eval only normalizes by its running statistics, any batch)
    const branch = (bn: string, test: string) => model(bn).replace("return this.out(F.relu(this.bn(this.fc(x))));", `let h = this.fc(x);\n    if (${test}) h = this.bn(h);\n    return this.out(F.relu(h));`);
    const dir = writeFiles({
      "trainOnly.ts": branch("new nn.BatchNorm1d(6, { trackRunningStats: false })", "this.training"),
      "evalOnlyStateless.ts": branch("new nn.BatchNorm1d(6, { trackRunningStats: false })", "!this.training"),
      "evalOnly.ts": branch("new nn.BatchNorm1d(6)", "!this.training"),
    });
    const fewest = (file: string) => generate(join(dir, file), { target: "cpu" }).generated.manifest.minSamplesPerDevice;
    expect(fewest("trainOnly.ts")).toEqual({ training: 2, eval: 1 });
    expect(fewest("evalOnlyStateless.ts")).toEqual({ training: 1, eval: 2 });
    expect(fewest("evalOnly.ts")).toBeUndefined();
  });

  it("the runtime refuses a share of one sample in train mode, on one device and on the last of two; eval takes it", async () => {
    const dir = writeFiles({ "model.ts": model("new nn.BatchNorm1d(6)") });
    const { build } = await compile(join(dir, "model.ts"), { target: "cpu", outDir: join(dir, "build") });
    const x = (b: number) => tensor(Float32Array.from({ length: 4 * b }, (_, i) => Math.sin(i)), [b, 4]);
    const y = (b: number) => tensor(Int32Array.from({ length: b }, (_, i) => i % 3), [b]);
    const one = await load(build.outDir);
    try {
      const before = Array.from(one.getParameter("bn.running_mean").data as Float32Array);
      expect(() => one.trainStepSync(x(1), y(1))).toThrow(/expected more than 1 value per channel when training \(PyTorch's error\): a batch of 1 on 1 device\(s\) leaves 1 sample on its device.*use a batch of 2 \(or eval\(\) for inference\)/);
      expect(() => one.forwardSync(x(1))).toThrow(/more than 1 value per channel when training/);
      expect(Array.from(one.getParameter("bn.running_mean").data as Float32Array)).toEqual(before);
      expect(Number.isFinite(one.trainStepSync(x(2), y(2)))).toBe(true);
      one.eval();
      expect(one.forwardAllSync(x(1))[0].shape).toEqual([1, 3]);
    } finally {
      one.dispose();
    }
    const two = await load(build.outDir, { devices: [0, 1] });
    try {
      // 3 samples on 2 devices: chunks of 2 and 1
      expect(() => two.trainStepSync(x(3), y(3))).toThrow(/a batch of 3 on 2 device\(s\) leaves 1 sample on the last.*use a batch of 4/);
      // 1 sample on 2 devices: one share of 1, the other device none (not "1 sample on each")
      expect(() => two.trainStepSync(x(1), y(1))).toThrow(/a batch of 1 on 2 device\(s\) leaves 1 sample on the one device it fills.*use a batch of 4/);
      expect(Number.isFinite(two.trainStepSync(x(4), y(4)))).toBe(true);
    } finally {
      two.dispose();
    }
    const three = await load(build.outDir, { devices: [0, 1, 2] });
    try {
      // 7 on 3 devices: 3, 3, 1; the batches that fit are the nearest ones that split well (6: 2, 2, 2; 8: 3, 3, 2), not "at least 6"
      expect(() => three.trainStepSync(x(7), y(7))).toThrow(/a batch of 7 on 3 device\(s\) leaves 1 sample on the last.*use a batch of 6 or 8/);
      for (const b of [6, 8]) expect(Number.isFinite(three.trainStepSync(x(b), y(b)))).toBe(true);
    } finally {
      three.dispose();
    }
  }, 300_000);
});

describe("batch statistics PyTorch refuses whatever the batch, and F.batchNorm's share", () => {
  const withInput = (body: string, fields: string, input = "x: Tensor<[Batch, 4]>") =>
    `${header}export class M extends nn.Module {\n  ${fields}\n  forward(${input}) {\n    ${body}\n  }\n}\n`;
  it("F.batchNorm over [N, C] gets BatchNorm1d's share check; one value per channel in a fixed shape, or one spatial element of a tracking InstanceNorm, refuses train mode (compile-time where every mode would)", () => {
    const dir = writeFiles({
      "always.ts": withInput("return F.batchNorm(x, null, null, { training: true });", ""),
      "tracked.ts": withInput("return F.batchNorm(x, this.m, this.v, { training: this.training });", "constructor() { super(); this.registerBuffer('m', F.zeros(4)); this.registerBuffer('v', F.ones(4)); }"),
      "instance.ts": withInput("return this.n(x.view(-1, 4, 1, 1)).flatten(1);", "n = new nn.InstanceNorm2d(4, { trackRunningStats: true });"),
      "fixed.ts": withInput("return x.add(this.bn(x.mean(0, true)));", "bn = new nn.BatchNorm1d(4);"),
      "fixedStateless.ts": withInput("return x.add(this.bn(x.mean(0, true)));", "bn = new nn.BatchNorm1d(4, { trackRunningStats: false });"),
      // reached in eval mode only: a train-mode call never runs them, so PyTorch trains (train mode was refused)
      "evalOnly.ts": withInput("if (this.training) return x; return this.n(x.view(-1, 4, 1, 1)).flatten(1).add(this.bn(x.mean(0, true)));", "n = new nn.InstanceNorm2d(4, { trackRunningStats: true }); bn = new nn.BatchNorm1d(4);"),
      "beforeModeTest.ts": withInput("const h = this.n(x.view(-1, 4, 1, 1)).flatten(1);\n    if (this.training) return h;\n    return h.mul(2);", "n = new nn.InstanceNorm2d(4, { trackRunningStats: true });"),
      "evalOnlyFunctional.ts": withInput("if (this.training) return x; return F.batchNorm(x, null, null, { training: true });", ""),
    });
    const manifest = (file: string) => generate(join(dir, file), { target: "cpu" }).generated.manifest;
    expect(manifest("always.ts").minSamplesPerDevice).toEqual({ training: 2, eval: 2 });
    expect(manifest("tracked.ts").minSamplesPerDevice).toEqual({ training: 2, eval: 1 });
    expect(manifest("instance.ts").refusedInTraining).toEqual([
      "nn.InstanceNorm2d (instance.ts:5): expected more than 1 spatial element when training (PyTorch's error), got input size [Batch, 4, 1, 1]: each sample's channel is normalized over its own positions, and one position has no variance",
    ]);
    expect(manifest("fixed.ts").refusedInTraining).toEqual(["nn.BatchNorm1d (fixed.ts:5): expected more than 1 value per channel when training (PyTorch's error), got input size [1, 4]: a channel's statistics over one value"]);
    expect(manifest("evalOnly.ts").refusedInTraining).toBeUndefined();
    // code before a test of this.training runs again per mode: its refusal is listed once
    expect(manifest("beforeModeTest.ts").refusedInTraining).toHaveLength(1);
    // inspect says so, not only the first train-mode call
    expect(formatReport(modelReport(generate(join(dir, "instance.ts"), { target: "cpu" })))).toMatch(/\nTrain mode  refused when the model runs, as PyTorch refuses it \(eval runs\):\n  nn\.InstanceNorm2d \(instance\.ts:5\): expected more than 1 spatial element when training/);
    expect(manifest("evalOnlyFunctional.ts").minSamplesPerDevice).toEqual({ training: 1, eval: 2 });
    expect(() => generate(join(dir, "fixedStateless.ts"), { target: "cpu" })).toThrow(/TSDP4001.*nn\.BatchNorm1d: expected more than 1 value per channel when training \(PyTorch's error\), got input size \[1, 4\]/s);
  });
  it("the runtime refuses train mode for such a model, naming the layer and its line; eval runs on the running statistics", async () => {
    const dir = writeFiles({ "instance.ts": withInput("return this.n(x.view(-1, 4, 1, 1)).flatten(1);", "n = new nn.InstanceNorm2d(4, { trackRunningStats: true });") });
    const { build } = await compile(join(dir, "instance.ts"), { target: "cpu", outDir: join(dir, "build") });
    const m = await load(build.outDir);
    try {
      const x = tensor(Float32Array.from({ length: 8 }, (_, i) => i), [2, 4]);
      expect(() => m.forwardSync(x)).toThrow(/M\.forward.*: nn\.InstanceNorm2d \(instance\.ts:5\): expected more than 1 spatial element when training \(PyTorch's error\).*; in eval\(\) mode the model runs on its running statistics$/);
      m.eval();
      // running mean 0, variance 1: (x − 0)/√(1 + 1e-5)
      const y = Array.from(m.forwardAllSync(x)[0].data as Float32Array);
      y.forEach((v, i) => expect(v).toBeCloseTo(i / Math.sqrt(1 + 1e-5), 5));
    } finally {
      m.dispose();
    }
  }, 300_000);
});

// In-batch pairs ([Batch, Batch]: CLIP's logits a·bᵀ over the batch): each device pairs the samples of
// its own share, as PyTorch's DDP does without an all_gather (README, "In-batch pairs"); one device
// pairs the whole batch, PyTorch's [B, B] exactly. The loss is a mean, so the harness weights each
// replica's by its share: 2 devices on 5 samples give (3/5)·L(first 3) + (2/5)·L(last 2).
describe("in-batch pairs: each device pairs its own share", () => {
  const clip = `${header}export class Clip extends nn.Module {
  img = new nn.Linear(6, 4);
  txt = new nn.Linear(5, 4);
  logitScale = new nn.Parameter(F.ones([]).mul(Math.log(1 / 0.07)));
  forward(x: Tensor<[Batch, 6]>, t: Tensor<[Batch, 5]>) {
    const a = F.normalize(this.img(x), { dim: -1 });
    const b = F.normalize(this.txt(t), { dim: -1 });
    return { a: a.mul(this.logitScale.exp()), b };
  }
}
// CLIP's symmetric loss: torch.arange(len(logits)) labels, the mean of both directions' cross-entropy
// (plus a small mean over the pairs, whose count is b²)
function clipLoss(o: { a: Tensor; b: Tensor }) {
  const logits = o.a.matmul(o.b.t());
  const labels = F.arange(logits.size(0));
  return F.crossEntropy(logits, labels).add(F.crossEntropy(logits.t(), labels)).div(2).add(logits.pow(2).mean().mul(0.01));
}
export const training = new Training(Clip, { loss: clipLoss, optimizer: new optim.SGD({ lr: 0.5 }) });
`;
  // SimCLR's NT-Xent over cat([z1, z2]) (2B×2B, its diagonal masked, positives at (i + B) mod 2B),
  // written by its B×B blocks (simclrCat below is the same written as PyTorch's SimCLR does). Row i of the first view
  // is lse([s12_i, s11_i without i]) − s12_ii, the second view's likewise; the mean of both halves.
  const simclr = `${header}export class SimClr extends nn.Module {
  proj = new nn.Linear(6, 4);
  forward(x1: Tensor<[Batch, 6]>, x2: Tensor<[Batch, 6]>) {
    return { z1: F.normalize(this.proj(x1), { dim: -1 }), z2: F.normalize(this.proj(x2), { dim: -1 }) };
  }
}
function ntXent(o: { z1: Tensor; z2: Tensor }) {
  const tau = 0.5;
  const idx = F.arange(o.z1.size(0));
  const self = idx.unsqueeze(1).eq(idx.unsqueeze(0));
  const s11 = o.z1.matmul(o.z1.t()).div(tau).maskedFill(self, -1e9);
  const s12 = o.z1.matmul(o.z2.t()).div(tau);
  const s22 = o.z2.matmul(o.z2.t()).div(tau).maskedFill(self, -1e9);
  const pos = o.z1.mul(o.z2).sum(1).div(tau);
  const first = s12.logsumexp(1).logaddexp(s11.logsumexp(1)).sub(pos);
  const second = s12.t().logsumexp(1).logaddexp(s22.logsumexp(1)).sub(pos);
  return first.mean().add(second.mean()).div(2);
}
export const training = new Training(SimClr, { loss: ntXent, optimizer: new optim.SGD({ lr: 0.5 }) });
`;

  // The same NT-Xent as PyTorch's SimCLR writes it: one [2B, 2B] similarity matrix, its positions
  // cat([arange(b), arange(b) + b]) and labels cat([arange(b) + b, arange(b)]) (the batch size in
  // tensor arithmetic), plus a term b·mean(sim) that scales with each device's own b (DataParallel's
  // x.size(0) is its share's).
  const simclrCat = simclr.replace(/function ntXent[^]*?\n}\n/, `function ntXent(o: { z1: Tensor; z2: Tensor }) {
  const b = o.z1.size(0);
  const z = F.cat([o.z1, o.z2]);
  const sim = z.matmul(z.t()).div(0.5);
  const at = F.cat([F.arange(b), F.arange(b).add(b)]);
  const self = at.unsqueeze(1).eq(at.unsqueeze(0));
  const labels = F.cat([F.arange(b).add(b), F.arange(b)]);
  return F.crossEntropy(sim.maskedFill(self, -1e9), labels).add(sim.mean().mul(b).mul(0.01));
}
`);

  it("SimCLR with the batch size in tensor arithmetic (labels arange(b) + b, loss · b) trains on the CPU target as the reference, each device its own b", async () => {
    expect(simclrCat).toContain("F.arange(b).add(b)");
    const dir = writeFiles({ "simclrCat.ts": simclrCat });
    await trainsAsReference(dir, "simclrCat.ts");
  }, 600_000);

  it("the batch size in forward's arithmetic (a GEMM's output times b, a fill of b, b − x, arange(b) + b, x % b, where/maskedFill/clamp/fullLike/pow of b, b − 1) is each device's own share's", async () => {
    const src = `${header}export class M extends nn.Module {
  fc = new nn.Linear(3, 3);
  forward(x: Tensor<[Batch, 3]>) {
    const b = x.size(0);
    const positions = F.arange(b).add(b).float().unsqueeze(1);
    const selects = F.where(x.gt(0), this.fc(x), b).add(x.mul(3).clamp(-1, b)).add(x.pow(b)).add(F.fullLike(x, b)).add(x.maskedFill(x.lt(-0.5), b)).add(x.div(b + 1)).add(F.arange(b).add(b - 1).float().unsqueeze(1).mul(1 - b));
    return [this.fc(x).mul(b), x.add(F.full([b, 3], b)), x.rsub(b).mul(x.sum(1, true).mul(b * 2)), positions.add(x).sub(b), F.arange(b).add(1).remainder(b).float().unsqueeze(1).add(x.remainder(b)), selects, F.arange(b).add(1).pow(b).clampMax(b * 9).float().unsqueeze(1)];
  }
}
`;
    const dir = writeFiles({ "model.ts": src });
    const { model: lowered, build } = await compile(join(dir, "model.ts"), { target: "cpu", outDir: join(dir, "build") });
    const graph = lowered.graph;
    const state = initState(graph, 0);
    const x = Float32Array.from({ length: 15 }, (_, i) => Math.sin(1.3 * i));
    // rows [from, to) on their own: the reference with that share's b
    const share = (from: number, to: number) => runReference(graph, { x: nd([to - from, 3], x.subarray(3 * from, 3 * to)) }, state).outputs.map((o) => Array.from(o.data));
    for (const shares of [[[0, 5]], [[0, 3], [3, 5]]] as const) {
      const m = await load(build.outDir, { seed: 0, devices: shares.length });
      try {
        for (const [name, p] of state.params) m.setParameter(name, { shape: p.shape, data: Float32Array.from(p.data) });
        const got = m.forwardAllSync(tensor(x, [5, 3]));
        const want = shares.map(([from, to]) => share(from, to));
        got.forEach((g, i) => expectClose(g.data as Float32Array, want.flatMap((w) => w[i]), `${shares.length} device(s): output ${i}`));
      } finally {
        m.dispose();
      }
    }
  }, 300_000);

  it("a [Batch, Batch] in the loss compiles: the manifest and inspect name its lines, the memory plan gives it a pairs arena", () => {
    const dir = writeFiles({ "clip.ts": clip });
    const compiled = generate(join(dir, "clip.ts"), { target: "cpu" });
    const { manifest } = compiled.generated;
    expect(manifest.pairsPerReplica).toEqual(["clip.ts:15", "clip.ts:17"]);
    // logits and their transpose, and the gradients of both: 4 floats a pair at most, reused
    expect(manifest.memory!.arenaBytesPerPair).toBeGreaterThan(0);
    expect(compiled.model.graph.nodes.some((n) => n.op === "pair_dot")).toBe(true);
    // a device of b samples indexes c·b² elements with 32-bit ints
    expect(manifest.maxSamplesPerDevice).toBeLessThanOrEqual(Math.floor(Math.sqrt(2 ** 31 - 1)));
    const report = formatReport(modelReport(compiled));
    expect(report).toContain("In-batch pairs  clip.ts:15, clip.ts:17: [Batch, Batch] — each device pairs the samples of its own share (PyTorch's DDP without all_gather)");
    expect(report).toMatch(/activations .* B per pair of samples \(× 64²\)/);
    const plain = writeFiles({ "model.ts": model("new nn.BatchNorm1d(6)") });
    expect(generate(join(plain, "model.ts"), { target: "cpu" }).generated.manifest.pairsPerReplica).toBeUndefined();
  });

  it("refuses a [Batch, Batch] returned by forward and a third batch dim; pairs a batched product over fixed leading dims", () => {
    const fwd = (body: string) => `${header}export class M extends nn.Module {\n  forward(x: Tensor<[Batch, 3]>) {\n    ${body}\n  }\n}\n`;
    const first = (body: string) => diagnosticsOf(fwd(body)).map((d) => `${d.code} ${d.loc?.line}: ${d.message}`)[0];
    // the runtime gathers outputs along dim 0: the replicas' [b, b] blocks are no [B, B] matrix
    expect(first("return x.matmul(x.t());")).toBe("TSDP4005 4: forward must return tensors with the batch in dim 0 only, got [Batch, Batch]");
    expect(first("return x.matmul(x.t()).unsqueeze(2).mul(x.sum(1).view(1, 1, -1)).sum([1, 2]);")).toMatch(/^TSDP4001 4: mul: the result \[Batch, Batch, Batch\] has the batch in 3 dims; at most 2 \(an in-batch pair matrix \[Batch, Batch\], each device's own samples paired\) are supported/);
    expect(first("return x.mul(x.matmul(x.t()).numel());")).toMatch(/^TSDP\d+ 4: numel: \[Batch, Batch\] holds c·b² elements on a device of b samples, which is not a size tsdp computes with/);
    // over leading dims of fixed size the product pairs each slice's rows (SAINT's intersample attention)
    expect(lowerSource(fwd("return x.unsqueeze(0).matmul(x.t().unsqueeze(0)).squeeze(0).sum(1, true);")).graph.nodes.some((n) => n.op === "pair_dot")).toBe(true);
  });

  // forward + 3 SGD steps on the CPU target equal the reference run on each device's share (its
  // loss and gradients weighted by the share's rows), on one device and on two, at expectClose's tolerance
  const trainsAsReference = async (dir: string, file: string) => {
    const { model: lowered, build } = await compile(join(dir, file), { target: "cpu", outDir: join(dir, `build-${file}`) });
    const graph = lowered.graph;
    const { graph: stepGraph, gradients } = differentiate(graph);
    const B = 5;
    // batch s's inputs, rows [from, to) of them
    const inputs = (s: number, [from, to]: readonly [number, number]) =>
      graph.inputs.map((n, j) => {
        const width = n.shape[1] as number;
        const all = Float64Array.from({ length: B * width }, (_, i) => Math.sin(0.7 * i + 2.1 * j + 0.37 * s));
        return { name: n.attrs.name as string, shape: [to - from, width], data: all.subarray(from * width, to * width) };
      });
    for (const shares of [[[0, 5]], [[0, 3], [3, 5]]] as const) {
      const state = initState(graph, 0);
      const optimizer = newOptimizerState();
      // one reference run per share, its loss and gradients weighted by the share's rows
      const referenceStep = (s: number) => {
        let loss = 0;
        const grads = new Map<string, NDArray>();
        for (const share of shares) {
          const weight = (share[1] - share[0]) / B;
          const run = runReference(stepGraph, Object.fromEntries(inputs(s, share).map((t) => [t.name, nd(t.shape, t.data)])), state, { training: true });
          loss += weight * run.loss!;
          for (const [name, g] of gradients) {
            const v = run.values.get(g as Node)!;
            const sum = grads.get(name) ?? nd(v.shape);
            v.data.forEach((x, i) => (sum.data[i] += weight * x));
            grads.set(name, sum);
          }
        }
        return { loss, grads };
      };
      const m = await load(build.outDir, { seed: 0, devices: shares.length });
      try {
        for (const [name, p] of initState(graph, 0).params) m.setParameter(name, { shape: p.shape, data: Float32Array.from(p.data) });
        const batch = (s: number) => inputs(s, [0, B]).map((t) => tensor(Float32Array.from(t.data), t.shape));
        const what = `${file} on ${shares.length} device(s)`;
        expectClose([(await m.evaluate(batch(0))).loss], [referenceStep(0).loss], `${what}: evaluate's loss`);
        for (let s = 0; s < 3; s++) {
          const want = referenceStep(s);
          expectClose([m.trainStepSync(batch(s))], [want.loss], `${what}: step ${s + 1}'s loss`);
          optimizerStep(graph.optimizer!, optimizer, state.params, want.grads);
        }
        for (const [name, p] of state.params) expectClose(m.getParameter(name).data as Float32Array, p.data, `${what}: ${name} after 3 steps`);
      } finally {
        m.dispose();
      }
    }
  };

  // CPC's InfoNCE (jefflai108's CDCK2): nce = Σ diag(log_softmax(total)), nce /= −B·K — the diagonal of
  // each device's own [b, b] block, as a DDP replica's torch.diag
  const cpc = clip.replace(
    /function clipLoss[^]*?\n}\n/,
    `function clipLoss(o: { a: Tensor; b: Tensor }) {
  const total = o.a.matmul(o.b.t());
  const nce = F.sum(F.diag(F.logSoftmax(total, 1))).add(total.t().logSoftmax(1).diagonal().sum());
  return nce.div(-1.0 * o.a.size(0) * 2);
}
`,
  );
  it("the main diagonal of a pair matrix (F.diag, x.diagonal(): CPC's InfoNCE) is each device's own samples with themselves", async () => {
    expect(cpc).toContain("F.diag(F.logSoftmax(total, 1))");
    await trainsAsReference(writeFiles({ "cpc.ts": cpc }), "cpc.ts");
    const fwd = (body: string) => `${header}export class M extends nn.Module {\n  forward(x: Tensor<[Batch, 3]>) {\n    ${body}\n  }\n}\n`;
    const first = (body: string) => diagnosticsOf(fwd(body)).map((d) => `${d.code} ${d.loc?.line}: ${d.message}`)[0];
    expect(first("return F.diag(x.matmul(x.t()), 1).unsqueeze(1);")).toMatch(/^TSDP4001 4: F\.diag takes a tensor of fixed sizes, got \[Batch, Batch\] \(diagonal 1 of an in-batch pair matrix depends on each device's share/);
    expect(first("return x.matmul(x.t()).diagonal(-1).unsqueeze(1);")).toMatch(/^TSDP4001 4: .*diagonal -1 of an in-batch pair matrix depends on each device's share/);
  }, 600_000);

  it("CLIP and SimCLR train on the CPU target as the reference: one device on the whole batch, two on each share", async () => {
    const dir = writeFiles({ "clip.ts": clip, "simclr.ts": simclr });
    for (const file of ["clip.ts", "simclr.ts"]) await trainsAsReference(dir, file);
  }, 600_000);

  it("a class target from the host indexes the device's own samples: one past its share is refused as PyTorch's per-rank IndexError", async () => {
    const src = `${header}export class Clip extends nn.Module {
  img = new nn.Linear(6, 4);
  txt = new nn.Linear(5, 4);
  forward(x: Tensor<[Batch, 6]>, t: Tensor<[Batch, 5]>) {
    return { a: F.normalize(this.img(x), { dim: -1 }), b: F.normalize(this.txt(t), { dim: -1 }) };
  }
}
export const training = new Training(Clip, {
  loss: (o: { a: Tensor; b: Tensor }, y: Tensor<[Batch], "int32">) => F.crossEntropy(o.a.matmul(o.b.t()), y),
  optimizer: new optim.SGD({ lr: 0.1 }),
});
`;
    const dir = writeFiles({ "model.ts": src });
    const { model: lowered, build } = await compile(join(dir, "model.ts"), { target: "cpu", outDir: join(dir, "build") });
    const x = Float64Array.from({ length: 30 }, (_, i) => Math.sin(i));
    const t = Float64Array.from({ length: 25 }, (_, i) => Math.cos(i));
    const labels = [0, 1, 2, 0, 1];
    const state = initState(lowered.graph, 0);
    // 2 devices: rows 0–2 and 3–4, each share's labels indexing its own samples, weighted 3/5 and 2/5
    const share = (from: number, to: number) =>
      runReference(lowered.graph, { x: nd([to - from, 6], x.subarray(6 * from, 6 * to)), t: nd([to - from, 5], t.subarray(5 * from, 5 * to)), target: nd([to - from], labels.slice(from, to)) }, state, { training: true }).loss!;
    const m = await load(build.outDir, { seed: 0, devices: 2 });
    try {
      for (const [name, p] of state.params) m.setParameter(name, { shape: p.shape, data: Float32Array.from(p.data) });
      const inputs = [tensor(Float32Array.from(x), [5, 6]), tensor(Float32Array.from(t), [5, 5])];
      expectClose([(await m.evaluate(inputs, tensor(Int32Array.from(labels), [5]))).loss], [0.6 * share(0, 3) + 0.4 * share(3, 5)], "2 devices: evaluate's loss");
      // label 3 on the second device, which holds 2 samples
      await expect(m.evaluate(inputs, tensor(Int32Array.from([0, 1, 2, 3, 4]), [5]))).rejects.toThrow(
        /index 3 is out of range for a dim of size b, the samples of the device's share \(an in-batch pair matrix's columns\): cross_entropy's target \(a class\) at model\.ts:10:71/,
      );
    } finally {
      m.dispose();
    }
  }, 300_000);
});

// Losses that mine or mask in-batch pairs along the pair matrix's batch dims (reference only; the
// CPU target ran these ports in port106's sweep): torch.max(dim)/min(dim) along a batch dim, F.eye
// of the batch size, and scatter of a number at each row's own position — each device's share's, as
// a DDP replica computes them. Tolerance: float64 against float64 loops, 1e-12 relative.
describe("in-batch mining and masks along the batch dims", () => {
  const rowsOf = (a: NDArray) => Array.from({ length: a.shape[0] }, (_, i) => Array.from(a.data.slice(i * a.shape[1], (i + 1) * a.shape[1])));
  const dot = (u: number[], v: number[]) => u.reduce((s, x, i) => s + x * v[i], 0);
  const near = (got: number, want: number, what: string) => expect(Math.abs(got - want), `${what}: ${got} vs ${want}`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want)));
  const x = nd([5, 3], Float64Array.from({ length: 15 }, (_, i) => Math.sin(1.7 * i + 0.3)));
  const labels = nd([5], Int32Array.from([0, 1, 0, 2, 1]));

  it("batch-hard triplet mining (omoindrot's, F.eye(b) and dist.max(1)/min(1) of [Batch, Batch]) is PyTorch's formula; max(0) of [Batch, C] sends its gradient to the one row it picks", () => {
    // before: F.eye(labels.size(0)) was TSDP2003 and max(1) of the pair matrix TSDP4001 ("cannot index along dim 1")
    const src = `${header}export class M extends nn.Module {
  fc = new nn.Linear(3, 4);
  forward(x: Tensor<[Batch, 3]>) { return this.fc(x); }
}
function tripletLoss(e: Tensor, labels: Tensor<[Batch], "int32">) {
  const dot = e.matmul(e.t());
  const sq = F.diag(dot);
  const dist = sq.unsqueeze(0).sub(dot.mul(2)).add(sq.unsqueeze(1)).clamp({ min: 0 });
  const notSelf = F.eye(labels.size(0)).bool().logicalNot();
  const same = labels.unsqueeze(0).eq(labels.unsqueeze(1));
  const [hardestPositive] = same.logicalAnd(notSelf).float().mul(dist).max(1, true);
  const [farthest] = dist.max(1, true);
  const [hardestNegative] = dist.add(farthest.mul(same.float())).min(1, true);
  const ones = F.eye(e.size(0)).sum();
  return F.relu(hardestPositive.sub(hardestNegative).add(0.5)).mean().add(ones.mul(0));
}
export const training = new Training(M, { loss: tripletLoss, optimizer: new optim.SGD({ lr: 0.1 }) });
`;
    const { graph } = lowerSource(src);
    const state = initState(graph, 0);
    const run = runReference(differentiate(graph).graph, { x, target: labels }, state, { training: true });
    const e = rowsOf(runReference(graph, { x }, state).outputs[0]);
    const y = Array.from(labels.data);
    const d = e.map((a) => e.map((b) => Math.max(dot(a, a) - 2 * dot(a, b) + dot(b, b), 0)));
    let want = 0;
    d.forEach((row, i) => {
      const pos = Math.max(...row.map((v, j) => (j !== i && y[i] === y[j] ? v : 0)));
      const neg = Math.min(...row.map((v, j) => v + (y[i] === y[j] ? Math.max(...row) : 0)));
      want += Math.max(pos - neg + 0.5, 0) / 5;
    });
    near(run.loss!, want, "triplet loss");

    // max(0) of [Batch, C]: values and indices of the share, the gradient on the picked row alone
    const maxSrc = `${header}export class M extends nn.Module {
  fc = new nn.Linear(3, 4);
  forward(x: Tensor<[Batch, 3]>) { return this.fc(x); }
}
export const training = new Training(M, { loss: (h: Tensor) => h.max(0).values.sum(), optimizer: new optim.SGD({ lr: 0.1 }) });
`;
    const m = lowerSource(maxSrc).graph;
    const { graph: step, gradients } = differentiate(m);
    const ms = initState(m, 0);
    const r = runReference(step, { x }, ms, { training: true });
    const h = rowsOf(runReference(m, { x }, ms).outputs[0]);
    const xs = rowsOf(x);
    const picked = [0, 1, 2, 3].map((c) => h.reduce((best, row, i) => (row[c] > h[best][c] ? i : best), 0));
    near(r.loss!, picked.reduce((s, i, c) => s + h[i][c], 0), "max(0)'s values");
    const gw = r.values.get(gradients.get("fc.weight") as Node)!;
    picked.forEach((i, c) => xs[i].forEach((v, k) => near(gw.data[c * 3 + k], v, `fc.weight.grad[${c}, ${k}]: row ${i}'s input alone`)));
    // a maximum over each device's share is no sum over samples: weighted as a mean and warned, as x.amax(0)'s
    const dir = writeFiles({ "max0.ts": maxSrc, "amax0.ts": maxSrc.replace("h.max(0).values.sum()", "h.amax(0).sum()") });
    for (const file of ["max0.ts", "amax0.ts"]) expect(generate(join(dir, file), { target: "cpu" }).warnings.map((d) => d.code), file).toEqual(["TSDP5006"]);
  });

  it("SupCon's logits_mask, scatter(ones_like(mask), 1, arange(b·n).view(-1, 1), 0), is 1 − eye over [2·Batch, 2·Batch]; other scatters along the batch stay refused", () => {
    // before: TSDP4001 "F.scatter: dim 1 of [2*Batch, 2*Batch] is the batch"
    const src = `${header}export class M extends nn.Module {
  fc = new nn.Linear(3, 4);
  forward(x: Tensor<[Batch, 3]>) { return F.normalize(this.fc(x), { dim: 1 }); }
}
function supCon(f: Tensor, labels: Tensor<[Batch], "int32">) {
  const b = f.shape[0];
  const l = labels.contiguous().view(-1, 1);
  let mask = F.eq(l, l.T).float().repeat(2, 2);
  const c = F.cat([f, f.mul(2)], { dim: 0 });
  const logits = F.div(F.matmul(c, c.T), 0.5);
  const logitsMask = F.scatter(F.onesLike(mask), 1, F.arange(b * 2).view(-1, 1), 0);
  mask = mask.mul(logitsMask);
  const logProb = logits.sub(F.log(F.exp(logits).mul(logitsMask).sum(1, { keepdim: true })));
  return mask.mul(logProb).sum(1).div(mask.sum(1)).neg().view(2, b).mean();
}
export const training = new Training(M, { loss: supCon, optimizer: new optim.SGD({ lr: 0.1 }) });
`;
    const { graph } = lowerSource(src);
    const state = initState(graph, 0);
    const loss = runReference(differentiate(graph).graph, { x, target: labels }, state, { training: true }).loss!;
    const f = rowsOf(runReference(graph, { x }, state).outputs[0]);
    const c = [...f, ...f.map((r) => r.map((v) => 2 * v))];
    const y = Array.from(labels.data);
    let want = 0;
    c.forEach((ci, i) => {
      const lg = c.map((cj) => dot(ci, cj) / 0.5);
      const den = Math.log(lg.reduce((s, v, j) => s + (j === i ? 0 : Math.exp(v)), 0));
      const pos = lg.map((_, j) => j).filter((j) => j !== i && y[i % 5] === y[j % 5]);
      want += -pos.reduce((s, j) => s + lg[j] - den, 0) / pos.length / c.length;
    });
    near(loss, want, "SupCon loss");

    const fwd = (body: string) => `${header}export class M extends nn.Module {\n  forward(x: Tensor<[Batch, 3]>) {\n    ${body}\n  }\n}\n`;
    const first = (body: string) => diagnosticsOf(fwd(body)).map((d) => `${d.code} ${d.loc?.line}: ${d.message}`)[0];
    // an index that is not each row's own position could name another device's sample: refused as before
    expect(first("const m = x.matmul(x.t()); return F.scatter(m, 1, F.arange(x.size(0)).add(1).view(-1, 1), 0);")).toMatch(/^TSDP4001 4: F\.scatter: dim 1 of \[Batch, Batch\] is the batch/);
    expect(first("return x.matmul(x.t()).scatter(1, F.arange(x.size(0)).view(-1, 1), x.matmul(x.t()));")).toMatch(/^TSDP4001 4: scatter: dim 1 of \[Batch, Batch\] is the batch/);
    expect(first("return F.eye(x.size(0), 3);")).toMatch(/^TSDP2003 4: F\.eye with the batch size is the identity of an in-batch pair matrix/);
  });
});
