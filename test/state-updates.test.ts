// Buffers forward changes (compiler/1-frontend/state-updates.ts): a running statistic of a
// module's own, kept with `this.runningMean.mul_(0.9).add_(…)` and `this.steps = this.steps.add(1)`
// in forward. Through the float64 reference (the state after each call) and on the CPU target:
// three training steps on 1, 2 and 3 devices — the parameters equal the reference's whole-batch
// steps, the buffers replica 0's (its share of each batch, as DataParallel keeps device 0's) —
// then eval mode reads the running value, and a checkpoint carries it. An integer buffer forward
// advances in every call (LitEma's num_updates from torch.tensor(0)) is int32 state the same way.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { differentiate } from "../compiler/2-autodiff/backward.ts";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { newOptimizerState, optimizerStep } from "../compiler/reference/optim.ts";
import { normals } from "../compiler/reference/rng.ts";
import { compile } from "../compiler/pipeline.ts";
import { load, readSafetensorsFile, tensor, writeSafetensorsFile } from "../runtime/index.ts";
import { diagnosticsOf, header, lowerSource, scratchDir, writeFiles } from "./helpers.ts";
import { TEST_TARGET } from "./target-helpers.ts";

const MODEL = `${header}
export class RunningNorm extends nn.Module {
  fc = new nn.Linear(3, 3);
  declare runningMean: Tensor;
  declare steps: Tensor;
  declare calls: Tensor;
  declare seen: Tensor;
  constructor() {
    super();
    this.registerBuffer("runningMean", F.zeros(3));
    this.registerBuffer("steps", F.zeros(1));
    // LitEma's num_updates (torch.tensor(0): int64 there, int32 here), advanced by every call, train or eval
    this.registerBuffer("calls", F.tensor(0));
    // not in the state_dict, but changed by forward and kept between calls as PyTorch keeps the attribute
    this.registerBuffer("seen", F.zeros(3), { persistent: false });
  }
  forward(x: Tensor<[Batch, 3]>) {
    this.calls.add_(1);
    this.seen.add_(x.mean(0));
    // a max-norm constraint (braindecode's): the trained weight's rows renormed before each use
    F.noGrad(() => this.fc.weight.renorm_(2, 0, 0.6));
    const h = this.fc(x);
    if (this.training) {
      const mean = h.mean(0).detach();
      this.runningMean.mul_(0.9).add_(mean.mul(0.1));
      this.steps = this.steps.add(1);
      return h;
    }
    // a warmup read from the count: min(calls / 8, 1)
    return h.sub(this.runningMean).mul(F.clamp(this.calls.float().div(8), { max: 1.0 }));
  }
}
export const training = new Training(RunningNorm, { loss: new nn.MSELoss(), optimizer: new optim.SGD({ lr: 0.1 }) });
`;

/** torch.renorm(w, 2, 0, maxNorm) of a [rows, cols] matrix, written out: a row of norm above maxNorm times maxNorm / (norm + 1e-7). */
function renormRows(w: ArrayLike<number>, cols: number, maxNorm: number): number[] {
  const out = Array.from(w);
  for (let r = 0; r < out.length / cols; r++) {
    const norm = Math.hypot(...out.slice(r * cols, (r + 1) * cols));
    if (norm > maxNorm) for (let c = 0; c < cols; c++) out[r * cols + c] *= maxNorm / (norm + 1e-7);
  }
  return out;
}

const near = (got: ArrayLike<number>, want: ArrayLike<number>, what: string) => {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i]), `${what}[${i}]: ${got[i]} vs ${want[i]}`).toBeLessThan(1e-5 + 1e-4 * Math.abs(want[i]));
};

describe("buffers forward changes", () => {
  it("through the reference: the running mean and the count after each call in train mode; eval reads them and changes nothing but the int32 call count", () => {
    const { graph } = lowerSource(MODEL);
    // seen: registered with persistent false, state all the same (before: TSDP2018 "would change the model's constant")
    expect(graph.stateUpdates?.map((u) => `${u.buffer.attrs.name} ${u.buffer.dtype}${u.buffer.attrs.persistent === false ? " not persistent" : ""}`)).toEqual(["calls i32", "seen f32 not persistent", "fc.weight f32", "runningMean f32", "steps f32"]);
    expect(graph.stateDict?.map((k) => k.key)).toEqual(["runningMean", "steps", "calls", "fc.weight", "fc.bias"]);
    const state = initState(graph, 0);
    const x = nd([2, 3], [1, 2, 3, 3, 4, 5]);
    // the weight's rows of norm above 0.6 scaled to it, as torch.renorm: one call changes it, later ones keep it
    const w = renormRows(state.params.get("fc.weight")!.data, 3, 0.6);
    expect(w.some((v, i) => v !== state.params.get("fc.weight")!.data[i]), "a row the constraint changes").toBe(true);
    const b = state.params.get("fc.bias")!.data;
    const h = [0, 1].map((n) => [0, 1, 2].map((o) => b[o] + [0, 1, 2].reduce((s, i) => s + w[o * 3 + i] * x.data[n * 3 + i], 0)));
    const mean = [0, 1, 2].map((o) => (h[0][o] + h[1][o]) / 2);
    runReference(graph, { x }, state, { training: true });
    runReference(graph, { x }, state, { training: true });
    // m ← 0.9·m + 0.1·mean, twice from 0
    near(state.buffers.get("runningMean")!.data, mean.map((v) => 0.1 * v * 0.9 + 0.1 * v), "runningMean");
    expect(Array.from(state.buffers.get("steps")!.data)).toEqual([2]);
    near(state.params.get("fc.weight")!.data, w, "fc.weight, renormed");
    const out = runReference(graph, { x }, state, { training: false }).outputs[0].data;
    // the third call: calls = 3, so the warmup's factor is 3/8
    near(out, h.flatMap((row) => row.map((v, o) => (v - 0.19 * mean[o]) * (3 / 8))), "eval output");
    expect(Array.from(state.buffers.get("steps")!.data)).toEqual([2]);
    expect(Array.from(state.buffers.get("calls")!.data)).toEqual([3]);
    // x's column means, once a call, train or eval: [2, 3, 4] three times
    near(state.buffers.get("seen")!.data, [6, 9, 12], "seen");
  });

  it("refused with why: changing a parameter or a constant in forward, assigning another shape, an attribute read before forward sets it", () => {
    const first = (fields: string, body: string) => diagnosticsOf(`${header}export class M extends nn.Module {\n  ${fields}\n  forward(x: Tensor<[Batch, 3]>) {\n    ${body}\n  }\n}\n`).map((d) => `${d.code} ${d.message}`)[0];
    expect(first("w = new nn.Parameter(F.ones(3));", "this.w.add_(1); return x.mul(this.w);")).toMatch(/^TSDP2018 add_ in forward would change the model's parameter/);
    expect(first("declare b: Tensor;\n  constructor() { super(); this.registerBuffer('b', F.zeros(3)); }", "this.b = x.sum(0, true); return x;")).toMatch(/^TSDP4001 this\.b = …: the buffer is float32 \[3\]; a value of another shape \(float32 \[1, 3\]\)/);
    // torchdiffeq's self.nfe += 1: the value would carry from call to call
    expect(first("nfe = 0;", "this.nfe += 1; return x;")).toMatch(/^TSDP2001 forward cannot set this\.nfe: forward read this\.nfe before setting it, so its value would carry from one call to the next; state that persists between calls is a buffer/);
    expect(first("fc = new nn.Linear(3, 3);", "this.fc = new nn.Identity(); return x;")).toMatch(/^TSDP2001 .*forward cannot set this\.fc: this\.fc is a module nn\.Linear, fixed when the model is built|^TSDP3005/);
    expect(first("", "if (this.training) this.last = x; return x;")).toMatch(/^TSDP2001 forward cannot set this\.last: this code runs once per mode/);
    // a trained parameter changed where autograd records it: PyTorch's "a leaf Variable that requires grad is being used in an in-place operation"
    for (const body of ["this.fc.weight.clamp_(-0.1, 0.1); return this.fc(x);", "this.fc.weight.index(0).mul_(2); return this.fc(x);"])
      expect(first("fc = new nn.Linear(3, 3);", body), body).toMatch(/^TSDP2018 \w+_ in forward would change the model's parameter( \(through a view of it\))? where autograd records it, which PyTorch refuses too \("a leaf Variable that requires grad is being used in an in-place operation"\): change it under F\.noGrad/);
    // an integer buffer forward advances is int32 state (below); PyTorch's in-place cast rule holds for it:
    // `self.n += 0.5` raises "result type Float can't be cast to the desired output type Long"
    const counter = "declare n: Tensor;\n  constructor() { super(); this.registerBuffer('n', F.tensor(0)); }";
    for (const body of ["this.n.add_(0.5); return x;", "this.n.add_(x.sum()); return x;"])
      expect(first(counter, body), body).toMatch(/^TSDP4002 add_: the result is float32 and x is int32; .*PyTorch refuses this cast \("result type Float can't be cast to the desired output type Long"/);
    expect(first(counter, "this.n = this.n.add(0.5); return x;")).toMatch(/^TSDP4002 this\.n = …: the buffer is int32 \[\] and the value float32; a buffer keeps its dtype here/);
    expect(first("declare flag: Tensor;\n  constructor() { super(); this.registerBuffer('flag', F.zeros([])); }", "if (this.flag.item() === 0) return x; return x.mul(2);")).toMatch(/^TSDP2006 '===' compares a tensor with a number, but a tensor's values exist only when the compiled model runs \(x\.item\(\) in forward is still a 0-dim tensor\).*x\.eq\(v\)/);
    // the refused set is the one error: the attribute's reads after it say nothing more (RepVGG's cached id tensor)
    const all = diagnosticsOf(`${header}export class M extends nn.Module {\n  fc = new nn.Linear(3, 3);\n  cached?: Tensor;\n  forward(x: Tensor<[Batch, 3]>) {\n    if (!this.training) {\n      if (this.cached === undefined) this.cached = this.fc.weight.mul(2);\n      return x.matmul(this.cached.T);\n    }\n    return this.fc(x);\n  }\n}\n`);
    expect(all.map((d) => `${d.code} ${d.message}`)).toEqual([expect.stringMatching(/^TSDP2001 forward cannot set this\.cached: this code runs once per mode/)]);
  });

  it("a cache of a tensor computed from sizes alone, set where it is None, is forward's first call (word_language_model's src_mask); a counter or a value of the inputs is refused", () => {
    const src = (set: string) => `${header}export class M extends nn.Module {\n  src_mask: Tensor | null = null;\n  forward(x: Tensor<[Batch, 3]>) {\n    ${set}\n    return x.add(this.src_mask!.sum(0));\n  }\n}\n`;
    const cache = `if (this.src_mask === null || this.src_mask.size(0) !== x.size(1)) {
      const mask = F.triu(F.ones(3, 3)).eq(1).transpose(0, 1);
      this.src_mask = mask.float().maskedFill(mask.eq(0), -1).maskedFill(mask.eq(1), 0.0);
    }`;
    const { graph } = lowerSource(src(cache));
    const x = [1, 2, 3, 4, 5, 6];
    // the lower triangle with the diagonal is 0, the rest −1: column sums 0, −1, −2
    expect(Array.from(runReference(graph, { x: nd([2, 3], x) }, initState(graph, 0)).outputs[0].data)).toEqual(x.map((v, i) => v + [0, -1, -2][i % 3]));
    const first = (set: string) => diagnosticsOf(src(set)).map((d) => `${d.code} ${d.message}`)[0];
    // a counter started from None: its next value would be computed from this one
    expect(first("if (this.src_mask === null) this.src_mask = F.zeros(3, 3); this.src_mask = this.src_mask.add(1);")).toMatch(/^TSDP2001 forward cannot set this\.src_mask: forward read this\.src_mask before setting it/);
    // a value of the inputs or a random draw differs from call to call
    expect(first("if (this.src_mask === null) this.src_mask = x.sum(0).expand(3, 3);")).toMatch(/^TSDP2001 forward cannot set this\.src_mask: forward read this\.src_mask before setting it/);
    expect(first("if (this.src_mask === null) this.src_mask = F.rand(3, 3);")).toMatch(/^TSDP2001 forward cannot set this\.src_mask: forward read this\.src_mask before setting it/);
  });

  it("an attribute set under a test of this.training to the value it already holds is taken (MEGA's self._coeffs = None in both modes)", () => {
    const src = (set: string) => `${header}export class M extends nn.Module {\n  _coeffs: Tensor | null = null;\n  scale = 2;\n  forward(x: Tensor<[Batch, 3]>) {\n    if (this.training) return x;\n    ${set}\n    return x.mul(this.scale);\n  }\n}\n`;
    for (const set of ["this._coeffs = null;", "this.scale = 2;"]) {
      const { graph } = lowerSource(src(set));
      expect(runReference(graph, { x: nd([1, 3], [1, 2, 3]) }, initState(graph, 0), { training: false }).outputs[0].data, set).toEqual(Float64Array.from([2, 4, 6]));
    }
    // another value is still one per mode, and the message says how a cache of parameters is written
    expect(diagnosticsOf(src("this.scale = 3;")).map((d) => `${d.code} ${d.message}`)[0]).toMatch(/^TSDP2001 forward cannot set this\.scale: this code runs once per mode .*MEGA's eval-time self\._kernel, is the same computed on every call/);
  });

  it("buf.data = v in forward gives a module's own buffer the value, as this.buf = v does", () => {
    const { graph } = lowerSource(MODEL.replace("this.steps = this.steps.add(1);", "const bufs = [this.steps]; bufs[0].data = bufs[0].add(1);"));
    expect(graph.stateUpdates?.map((u) => u.buffer.attrs.name)).toEqual(["calls", "seen", "fc.weight", "runningMean", "steps"]);
    const state = initState(graph, 0);
    for (let i = 0; i < 3; i++) runReference(graph, { x: nd([1, 3], [1, 2, 3]) }, state, { training: true });
    expect(Array.from(state.buffers.get("steps")!.data)).toEqual([3]);
  });

  it("integer buffers forward advances, through the reference: LitEma's num_updates and decay, a step counter's warmup, a VQ-VAE's per-code usage counts", () => {
    // before: TSDP2018 "would change the model's constant … register F.tensor(0.0)" — an integer buffer was a constant
    const { graph } = lowerSource(`${header}export class M extends nn.Module {
  decay = 0.9;
  declare numUpdates: Tensor;
  declare shadow: Tensor;
  declare step: Tensor;
  declare usage: Tensor;
  constructor() {
    super();
    this.registerBuffer("numUpdates", F.tensor(0, { dtype: F.int32 }));
    this.registerBuffer("shadow", F.zeros(2));
    this.registerBuffer("step", F.tensor(5));
    this.registerBuffer("usage", F.zeros(3, { dtype: F.int64 }));
  }
  forward(x: Tensor<[Batch, 2]>) {
    // LitEma: self.num_updates += 1; decay = min(self.decay, (1 + n) / (10 + n)); shadow -= (1 - decay) * (shadow - x)
    this.numUpdates.add_(1);
    const n = this.numUpdates.float();
    const decay = F.clamp(n.add(1).div(n.add(10)), { max: this.decay });
    this.shadow.sub_(decay.neg().add(1).mul(this.shadow.sub(x.mean(0))));
    // VQ-VAE's dead-code count: each code's uses, an int32 sum added into the int32 buffer
    const idx = x.argmax(1);
    this.usage.add_(F.oneHot(idx, 3).sum(0));
    // a step counter's warmup: scale = clamp(step / 10, max=1)
    this.step = this.step.add(1);
    return x.mul(F.clamp(this.step.float().div(10), { max: 1.0 }));
  }
}
`);
    expect(graph.stateUpdates?.map((u) => `${u.buffer.attrs.name} ${u.buffer.dtype}`)).toEqual(["numUpdates i32", "shadow f32", "usage i32", "step i32"]);
    const state = initState(graph, 0);
    const xs = [[1, 2, 3, 1], [4, -1, 0, 5], [2, 2, -3, 1]];
    let shadow = [0, 0];
    const outs: number[][] = [];
    for (const [i, v] of xs.entries()) {
      outs.push(Array.from(runReference(graph, { x: nd([2, 2], v) }, state, { training: i !== 1 }).outputs[0].data));
      const n = i + 1;
      const decay = Math.min(0.9, (1 + n) / (10 + n));
      shadow = shadow.map((s, j) => s - (1 - decay) * (s - (v[j] + v[2 + j]) / 2));
    }
    // every call advances them, eval ones too (the second), as PyTorch's forward runs the statements in any mode
    expect(Array.from(state.buffers.get("numUpdates")!.data)).toEqual([3]);
    expect(Array.from(state.buffers.get("step")!.data)).toEqual([8]);
    near(state.buffers.get("shadow")!.data, shadow, "shadow");
    // argmax of the rows [1, 2], [3, 1] | [4, −1], [0, 5] | [2, 2], [−3, 1]: 1, 0 | 0, 1 | 0 (a tie takes the first), 1
    expect(Array.from(state.buffers.get("usage")!.data)).toEqual([3, 3, 0]);
    // the warmup's factor read after the count moved: 6/10, 7/10, 8/10
    near(outs.flat(), xs.flatMap((v, i) => v.map((e) => e * ((6 + i) / 10))), "outputs");
  });

  it("a frozen parameter is state forward may change: MoCo's momentum update of its key encoder under no_grad, read by the layer at its new value in the same call", () => {
    // before: TSDP2018 "would change the model's buffer … not a layer's" (in place) and TSDP2001 "cannot set 'data' on a tensor"
    for (const update of [
      "for (const [pk, pq] of this.k.parameters().map((p, i) => [p, this.q.parameters()[i]])) pk.data = pk.data.mul(0.9).add(pq.data.mul(0.1));",
      // pq without .data: still no gradient through k's new value (no_grad; the .data setter records nothing) — q's was 0.9 of PyTorch's
      "this.k.weight.data = this.k.weight.data.mul(0.9).add(this.q.weight.mul(0.1)); this.k.bias.data = this.k.bias.mul(0.9).add(this.q.bias.mul(0.1));",
      "this.k.weight.mul_(0.9).add_(this.q.weight.detach().mul(0.1)); this.k.bias.data.mul_(0.9).add_(this.q.bias.data.mul(0.1));",
    ]) {
      const { graph } = lowerSource(`${header}export class M extends nn.Module {
  q = new nn.Linear(3, 2);
  k = new nn.Linear(3, 2);
  constructor() { super(); this.k.requiresGrad_(false); }
  forward(x: Tensor<[Batch, 3]>) {
    F.noGrad(() => { ${update} });
    return this.q(x).sub(this.k(x));
  }
}
export const training = new Training(M, { loss: new nn.MSELoss({ reduction: "sum" }), optimizer: new optim.SGD({ lr: 0.1 }) });
`);
      expect(graph.stateUpdates?.map((u) => u.buffer.attrs.name), update).toEqual(["k.weight", "k.bias"]);
      const state = initState(graph, 2);
      const [q, k0] = [["q.weight", "q.bias"].map((n) => Array.from(state.params.get(n)!.data)), ["k.weight", "k.bias"].map((n) => Array.from(state.buffers.get(n)!.data))];
      const x = [1, -2, 0.5];
      const out = Array.from(runReference(graph, { x: nd([1, 3], x) }, state).outputs[0].data);
      // k ← 0.9·k + 0.1·q, and the output reads the new k: q(x) − k'(x) = 0.9·(q(x) − k0(x))
      const k1 = k0.map((t, j) => t.map((v, i) => 0.9 * v + 0.1 * q[j][i]));
      near(state.buffers.get("k.weight")!.data, k1[0], "k.weight");
      near(state.buffers.get("k.bias")!.data, k1[1], "k.bias");
      const lin = ([w, b]: number[][], o: number) => b[o] + [0, 1, 2].reduce((s, i) => s + w[o * 3 + i] * x[i], 0);
      near(out, [0, 1].map((o) => 0.9 * (lin(q, o) - lin(k0, o))), "output");
      // k's new value carries no gradient (no_grad): Σout² with target 0 gives q.weight 2·out[o]·x[i], not 0.9 of it
      const { graph: step, gradients } = differentiate(graph);
      const before = initState(graph, 2);
      const values = runReference(step, { x: nd([1, 3], x), target: nd([1, 2], [0, 0]) }, before, { training: true }).values;
      near(values.get(gradients.get("q.weight")!)!.data, [0, 1].flatMap((o) => x.map((v) => 2 * out[o] * v)), `${update}: q.weight's gradient`);
    }
  });

  it("a trained parameter forward changes where autograd does not record it takes the values: forward and the gradient use them, the optimizer updates them (max-norm constraints, PixelCNN's mask)", () => {
    // before: TSDP2001 "never a trained one (the optimizer's)" and TSDP2018 "would change the model's parameter"; F.renorm was TSDP3001
    // w's rows: norm 1.3 (scaled to 0.5) and 0.3 (kept)
    const rows = [0.5, -1.2, 0, 0.1, 0.2, -0.2];
    const forms: [string, (w: number[]) => number[]][] = [
      // braindecode's Conv2dWithConstraint / LinearWithConstraint: self.weight.data = torch.renorm(self.weight.data, p=2, dim=0, maxnorm=…)
      ["this.fc.weight.data = F.renorm(this.fc.weight.data, 2, 0, 0.5);", (w) => renormRows(w, 3, 0.5)],
      ["F.noGrad(() => this.fc.weight.copy_(this.fc.weight.renorm(2, 0, 0.5)));", (w) => renormRows(w, 3, 0.5)],
      ["F.noGrad(() => { for (const [name, p] of this.fc.namedParameters()) if (name === \"weight\") p.renorm_(2, 0, 0.5); });", (w) => renormRows(w, 3, 0.5)],
      // PixelCNN's self.weight.data *= self.mask (a mask buffer: the second column zeroed)
      ["this.fc.weight.data.mul_(this.mask);", (w) => w.map((v, i) => (i % 3 === 1 ? 0 : v))],
      // a weight decay applied in forward, through a list of the parameters (MoCo's loop, on a trained parameter)
      ["for (const p of [this.fc.weight]) p.data = p.data.mul(0.9);", (w) => w.map((v) => 0.9 * v)],
    ];
    for (const [update, changed] of forms) {
      const { graph } = lowerSource(`${header}export class M extends nn.Module {
  fc = new nn.Linear(3, 2);
  declare mask: Tensor;
  constructor() {
    super();
    this.fc.weight.data.copy_(F.tensor([${rows.join(", ")}]).view(2, 3));
    this.registerBuffer("mask", F.tensor([1, 0, 1]));
  }
  forward(x: Tensor<[Batch, 3]>) {
    ${update}
    return this.fc(x);
  }
}
export const training = new Training(M, { loss: new nn.MSELoss({ reduction: "sum" }), optimizer: new optim.SGD({ lr: 0.1 }) });
`);
      expect(graph.stateUpdates?.map((u) => u.buffer.attrs.name), update).toEqual(["fc.weight"]);
      const x = [1, -2, 0.5];
      const state = initState(graph, 0);
      const b = Array.from(state.params.get("fc.bias")!.data);
      const w1 = changed(rows);
      const out = [0, 1].map((o) => b[o] + [0, 1, 2].reduce((s, i) => s + w1[o * 3 + i] * x[i], 0));
      // forward reads the changed weight and leaves it in the parameter, as PyTorch's .data setter does
      near(runReference(graph, { x: nd([1, 3], x) }, state).outputs[0].data, out, `${update}: output`);
      near(state.params.get("fc.weight")!.data, w1, `${update}: the weight after forward`);
      // a step: Σout² with target 0 gives the weight 2·out[o]·x[i] (at the changed values), and SGD updates the changed values
      const { graph: step, gradients } = differentiate(graph);
      const trained = initState(graph, 0);
      const r = runReference(step, { x: nd([1, 3], x), target: nd([1, 2], [0, 0]) }, trained, { training: true });
      const grad = [0, 1].flatMap((o) => x.map((v) => 2 * out[o] * v));
      near(r.values.get(gradients.get("fc.weight")!)!.data, grad, `${update}: fc.weight's gradient`);
      optimizerStep(graph.optimizer!, newOptimizerState(), trained.params, new Map([...gradients].map(([n, g]) => [n, r.values.get(g)!])));
      near(trained.params.get("fc.weight")!.data, w1.map((v, i) => v - 0.1 * grad[i]), `${update}: fc.weight after the step`);
    }
    // F.renorm itself: p = 1 and the slices along dim 1 (columns of 2 elements), a zero column kept
    const { graph } = lowerSource(`${header}export class M extends nn.Module {
  forward(x: Tensor<[Batch, 3]>) {
    return F.renorm(x.view(-1, 3), 1, 1, 1.5);
  }
}
`);
    const x = [1, 0, -2, 3, 0, 0.5];
    const cols = [0, 1, 2].map((c) => Math.abs(x[c]) + Math.abs(x[3 + c]));
    near(runReference(graph, { x: nd([2, 3], x) }, initState(graph, 0)).outputs[0].data, x.map((v, i) => (cols[i % 3] > 1.5 ? (v * 1.5) / (cols[i % 3] + 1e-7) : v)), "F.renorm p=1 dim 1");
    expect(diagnosticsOf(`${header}export class M extends nn.Module {
  forward(x: Tensor<[Batch, 3]>) {
    return F.renorm(x, 0, 0, 1);
  }
}
`).map((d) => `${d.code} ${d.message}`)[0]).toMatch(/^TSDP\d+ F\.renorm: p must be a number > 0 .*non-positive-norm not supported/);
  });

  it("nn.Embedding's maxNorm renormalizes the rows the batch looks up, in the weight, before the lookup (torch.embedding_renorm_); F.embedding's too", () => {
    // before: TSDP2004 "maxNorm is not supported"
    // rows of norm 5, 0.5, 2.5 and 10: rows 0 and 2 are looked up and over 1 (scaled to it), row 1 is under it, row 3 is not looked up
    const rows = [3, 4, 0.3, -0.4, 1.5, 2, 6, -8];
    for (const lookup of ["this.emb(ids)", "F.embedding(ids, this.emb.weight, { maxNorm: 1 })"]) {
      const { graph } = lowerSource(`${header}export class M extends nn.Module {
  emb = new nn.Embedding(4, 2, { maxNorm: ${lookup.startsWith("F.") ? "null" : "1"} });
  constructor() { super(); this.emb.weight.data.copy_(F.tensor([${rows.join(", ")}]).view(4, 2)); }
  forward(ids: Tensor<[Batch, 3], "int32">) { return ${lookup}.sum(1); }
}
export const training = new Training(M, { loss: new nn.MSELoss({ reduction: "sum" }), optimizer: new optim.SGD({ lr: 0.1 }) });
`);
      const scaled = (r: number) => { const [a, b] = rows.slice(2 * r, 2 * r + 2); const n = Math.hypot(a, b); return n > 1 ? [a / (n + 1e-7), b / (n + 1e-7)] : [a, b]; };
      const w1 = [scaled(0), [0.3, -0.4], scaled(2), [6, -8]].flat();
      const ids = [0, 2, 0];
      const state = initState(graph, 0);
      const out = [0, 1].map((j) => ids.reduce((s, k) => s + w1[2 * k + j], 0));
      near(runReference(graph, { ids: nd([1, 3], ids) }, state).outputs[0].data, out, `${lookup}: output`);
      near(state.params.get("emb.weight")!.data, w1, `${lookup}: the weight after forward`);
      // a step: Σout² gives each looked-up row 2·out per lookup (row 0 twice), and SGD moves the renormed rows
      const { graph: step, gradients } = differentiate(graph);
      const trained = initState(graph, 0);
      const r = runReference(step, { ids: nd([1, 3], ids), target: nd([1, 2], [0, 0]) }, trained, { training: true });
      const grad = [0, 1, 2, 3].flatMap((k) => [0, 1].map((j) => 2 * out[j] * ids.filter((i) => i === k).length));
      near(r.values.get(gradients.get("emb.weight")!)!.data, grad, `${lookup}: the weight's gradient`);
      optimizerStep(graph.optimizer!, newOptimizerState(), trained.params, new Map([...gradients].map(([n, g]) => [n, r.values.get(g)!])));
      near(trained.params.get("emb.weight")!.data, w1.map((v, i) => v - 0.1 * grad[i]), `${lookup}: the weight after the step`);
    }
    const first = (src: string) => diagnosticsOf(`${header}export class M extends nn.Module {\n  emb = new nn.Embedding(4, 2);\n  forward(ids: Tensor<[Batch, 3], "int32">) { return ${src}; }\n}\n`).map((d) => `${d.code} ${d.message}`)[0];
    // the weight a computed tensor: PyTorch would renorm a temporary
    expect(first("F.embedding(ids, this.emb.weight.mul(2), { maxNorm: 1 })")).toMatch(/^TSDP2001 F\.embedding: maxNorm renormalizes rows of the weight in place, which must then be a module's parameter or buffer/);
  });

  it("forward's this.n_ = this.n_.to(x.device) keeps the constructor's tensor (SincNet's SincConv_fast); a changed value stays refused", () => {
    // SincNet (mravanelli/SincNet dnn_models.py): self.n_ = self.n_.to(waveforms.device) at the top of forward.
    // The same tensor every call, so nothing carries between calls; main refused it with TSDP2001
    const model = (line: string) => `${header}export class M extends nn.Module {\n  n_: Tensor;\n  constructor() { super(); this.n_ = F.arange(3).float().add(1); }\n  forward(x: Tensor<[Batch, 3]>) {\n    ${line}\n    return x.mul(this.n_);\n  }\n}\n`;
    const { graph } = lowerSource(model("this.n_ = this.n_.to(x.device).to(x.dtype);"));
    const out = runReference(graph, { x: nd([1, 3], [2, -1, 0.5]) }, initState(graph, 0)).outputs[0].data;
    expect(Array.from(out)).toEqual([2, -2, 1.5]);
    expect(diagnosticsOf(model("this.n_ = this.n_.mul(2);")).map((d) => `${d.code} ${d.message}`)[0]).toMatch(/^TSDP2001 forward cannot set this\.n_: forward read this\.n_ before setting it/);
  });

  it("an attribute forward sets holds for the rest of its call (RevIN's self.mean from its 'norm' call, read by its 'denorm' call)", () => {
    const src = `${header}class RevIN extends nn.Module {
  mean!: Tensor;
  forward(x: Tensor, mode: "norm" | "denorm") {
    if (mode === "norm") {
      this.mean = x.mean(1, true).detach();
      return x.sub(this.mean);
    }
    return x.add(this.mean);
  }
}
export class M extends nn.Module {
  revin = new RevIN();
  attn: Tensor | null = null;
  forward(x: Tensor<[Batch, 3]>) {
    const z = this.revin(x, "norm").mul(2);
    this.attn = z.softmax(-1);
    return [this.revin(z, "denorm"), this.attn];
  }
}
`;
    const { graph } = lowerSource(src);
    const xs = [1, 2, 6, -3, 0, 3];
    const [out, attn] = runReference(graph, { x: nd([2, 3], xs) }, initState(graph, 0)).outputs.map((o) => Array.from(o.data));
    // 2(x − m) + m per row
    const means = [3, 0];
    expect(out).toEqual(xs.map((v, i) => 2 * (v - means[Math.floor(i / 3)]) + means[Math.floor(i / 3)]));
    expect(attn.length).toBe(6);
  });

  it("on the CPU target: three steps on 1, 2 and 3 devices — parameters as the whole batch's, buffers as replica 0's share's; eval and a checkpoint", async () => {
    const dir = writeFiles({ "model.ts": MODEL });
    const { model, build } = await compile(join(dir, "model.ts"), { target: TEST_TARGET, outDir: join(scratchDir("tsdp-state-"), "out") });
    const graph = model.graph;
    const { graph: step, gradients } = differentiate(graph);
    const batch = 5;
    const xs = Float32Array.from(normals(batch * 3, 31, 1));
    const ys = Float32Array.from(normals(batch * 3, 32, 1));
    for (const devices of TEST_TARGET === "cpu" ? [1, 2, 3] : [1]) {
      // replica 0 takes the first ⌈5 / devices⌉ samples
      const share = Math.ceil(batch / devices);
      const state = initState(graph, 0);
      const opt = newOptimizerState();
      for (let s = 0; s < 3; s++) {
        const before = new Map([...state.buffers].map(([k, v]) => [k, v]));
        const r = runReference(step, { x: nd([batch, 3], xs), target: nd([batch, 3], ys) }, state, { training: true, step: s });
        // the buffers: replica 0's forward, from the buffers before this step
        const shareState = { params: state.params, buffers: before };
        runReference(graph, { x: nd([share, 3], xs.slice(0, share * 3)) }, shareState, { training: true, step: s });
        for (const [k, v] of shareState.buffers) state.buffers.set(k, v);
        optimizerStep(graph.optimizer!, opt, state.params, new Map([...gradients].map(([n, g]) => [n, r.values.get(g)!])));
      }
      const m = await load(build.outDir, { devices });
      try {
        for (let s = 0; s < 3; s++) m.trainStepSync(tensor(xs, [batch, 3]), tensor(ys, [batch, 3]));
        for (const [name, p] of state.params) near(m.getParameter(name).data as Float32Array, p.data, `${devices} devices: ${name}`);
        near(m.getParameter("runningMean").data as Float32Array, state.buffers.get("runningMean")!.data, `${devices} devices: runningMean`);
        expect(Array.from(m.getParameter("steps").data as Float32Array), `${devices} devices: steps`).toEqual([3]);
        expect(m.getParameter("calls").data, `${devices} devices: calls`).toEqual(Int32Array.of(3));
        // persistent false: state kept between calls (replica 0's share's), which stateDict leaves out
        near(m.getParameter("seen").data as Float32Array, state.buffers.get("seen")!.data, `${devices} devices: seen`);
        expect(Object.keys(m.stateDict())).toEqual(["runningMean", "steps", "calls", "fc.weight", "fc.bias"]);
        // eval: (h − runningMean)·min(calls / 8, 1), and no change but the call count's
        m.train(false);
        const out = m.forwardAllSync(tensor(xs, [batch, 3]))[0];
        near(out.data as Float32Array, runReference(graph, { x: nd([batch, 3], xs) }, { params: state.params, buffers: new Map(state.buffers) }, { training: false }).outputs[0].data, `${devices} devices: eval`);
        expect(Array.from(m.getParameter("steps").data as Float32Array)).toEqual([3]);
        expect(m.getParameter("calls").data).toEqual(Int32Array.of(4));
        // a checkpoint carries the changed buffers; the count as PyTorch's torch.tensor(0) holds it, int64
        const file = join(scratchDir("tsdp-state-ckpt-"), "m.safetensors");
        await m.saveCheckpoint(file);
        const again = await load(build.outDir, { devices });
        try {
          await again.loadCheckpoint(file);
          near(again.getParameter("runningMean").data as Float32Array, state.buffers.get("runningMean")!.data, "reloaded runningMean");
          const { tensors } = await readSafetensorsFile(file);
          expect([tensors.get("calls")!.dtype, Array.from(tensors.get("calls")!.data as BigInt64Array)]).toEqual(["I64", [4n]]);
          expect(again.getParameter("calls").data).toEqual(Int32Array.of(4));
          // not saved, so the loaded model keeps its own (PyTorch's load_state_dict does not touch it); a dict naming it is refused
          expect(tensors.has("seen")).toBe(false);
          expect(Array.from(again.getParameter("seen").data as Float32Array)).toEqual([0, 0, 0]);
          expect(() => again.loadStateDict({ ...m.stateDict(), seen: tensor(new Float32Array(3), [3]) })).toThrow(/unexpected "seen"/);
          // a PyTorch int64 count past int32 is refused, naming it; within it, it loads (torch.int's I32 too)
          const withCalls = (dtype: string, data: BigInt64Array | Int32Array) => [...tensors].map(([name, t]) => (name === "calls" ? { name, dtype, shape: [], data } : { name, dtype: t.dtype, shape: t.shape, data: t.data }));
          await writeSafetensorsFile(file, withCalls("I64", BigInt64Array.of(2n ** 40n)));
          await expect(again.loadCheckpoint(file)).rejects.toThrow(/"calls" is I64, the model's calls is int32: value 0 is 1099511627776, outside int32/);
          await writeSafetensorsFile(file, withCalls("I32", Int32Array.of(7)));
          await again.loadCheckpoint(file);
          expect(again.getParameter("calls").data).toEqual(Int32Array.of(7));
        } finally {
          again.dispose();
        }
      } finally {
        m.dispose();
      }
    }
  }, 300_000);

  it("on the CPU target: a BatchNorm1d held in train mode updates its statistics in eval calls, on 1 and 2 devices as the reference's (replica 0's share)", async () => {
    const src = `${header}
export class Net extends nn.Module {
  bn = new nn.BatchNorm1d(3);
  fc = new nn.Linear(3, 2);
  train(mode = true) { super.train(mode); this.bn.train(); return this; }
  forward(x: Tensor<[Batch, 3]>) { return this.fc(this.bn(x)); }
}
`;
    const dir = writeFiles({ "model.ts": src });
    const { model, build } = await compile(join(dir, "model.ts"), { target: TEST_TARGET, outDir: join(scratchDir("tsdp-held-train-"), "out") });
    const graph = model.graph;
    const batch = 6;
    const xs = Float32Array.from(normals(batch * 3, 51, 1));
    for (const devices of TEST_TARGET === "cpu" ? [1, 2] : [1]) {
      const share = Math.ceil(batch / devices);
      const state = initState(graph, 0);
      let want: ArrayLike<number> = [];
      for (let call = 0; call < 2; call++) want = runReference(graph, { x: nd([share, 3], xs.slice(0, share * 3)) }, state, { training: false }).outputs[0].data;
      const m = await load(build.outDir, { devices });
      try {
        m.train(false);
        let out: ArrayLike<number> = [];
        for (let call = 0; call < 2; call++) out = m.forwardAllSync(tensor(xs, [batch, 3]))[0].data as Float32Array;
        near(Array.from(out).slice(0, share * 2), want, `${devices} devices: eval output, replica 0's share`);
        for (const name of ["bn.running_mean", "bn.running_var"]) near(m.getParameter(name).data as Float32Array, state.buffers.get(name)!.data, `${devices} devices: ${name}`);
        expect(m.getParameter("bn.num_batches_tracked").data).toEqual(BigInt64Array.of(2n));
      } finally {
        m.dispose();
      }
    }
  }, 300_000);

  it("on the CPU target: a buffer forward changes in eval too is replica 0's on every replica of the next call, on 1, 2 and 3 devices", async () => {
    // DataParallel replicates device 0's module on every call, so each replica reads device 0's
    // buffer; before, an eval run left each replica its own share's (batch 7 on 2 devices: rows 4..6
    // of the second call read the mean of the first call's rows 4..6, not of rows 0..3)
    const src = `${header}
export class M extends nn.Module {
  declare seen: Tensor;
  constructor() { super(); this.registerBuffer("seen", F.zeros(3), { persistent: false }); }
  forward(x: Tensor<[Batch, 3]>) {
    const out = x.add(this.seen);
    this.seen.add_(x.mean(0));
    return out;
  }
}
`;
    const dir = writeFiles({ "model.ts": src });
    const { build } = await compile(join(dir, "model.ts"), { target: TEST_TARGET, outDir: join(scratchDir("tsdp-eval-state-"), "out") });
    const first = Float32Array.from({ length: 21 }, (_, i) => i);
    const second = Float32Array.from({ length: 21 }, (_, i) => 100 * (i % 3));
    for (const devices of TEST_TARGET === "cpu" ? [1, 2, 3] : [1]) {
      const share = Math.ceil(7 / devices);
      // seen after the first call: the mean of replica 0's rows 0..share-1 of [[0,1,2],[3,4,5],…], exact in float32
      const seen = [0, 1, 2].map((c) => (3 * (share - 1)) / 2 + c);
      for (const training of [false, true]) {
        const m = await load(build.outDir, { devices });
        try {
          m.train(training);
          m.forwardAllSync(tensor(first, [7, 3]));
          const out = m.forwardAllSync(tensor(second, [7, 3]))[0].data as Float32Array;
          expect(Array.from(out), `${devices} devices, training ${training}`).toEqual(Array.from(second, (v, i) => v + seen[i % 3]));
        } finally {
          m.dispose();
        }
      }
    }
  }, 300_000);

  it("on the CPU target: an nn.Embedding with maxNorm, three Adam steps on 1, 2 and 3 devices as DataParallel's (each replica renorms its share's rows, replica 0's weight kept)", async () => {
    // OlgaChernytska/word2vec-pytorch's CBOW: nn.Embedding(vocab, dim, max_norm=1), the context's mean, a linear.
    // Which rows change depends on each replica's share, so the replicas would drift apart without the
    // harness's copy of replica 0's weight (without it, 2 devices' embeddings.weight[0] is 10× the tolerance off)
    const src = `${header}
export class Cbow extends nn.Module {
  embeddings = new nn.Embedding(20, 6, { maxNorm: 1 });
  linear = new nn.Linear(6, 20);
  forward(inputs: Tensor<[Batch, 4], "int32">) { return this.linear(this.embeddings(inputs).mean(1)); }
}
export const training = new Training(Cbow, { loss: new nn.CrossEntropyLoss(), optimizer: new optim.Adam({ lr: 0.05 }) });
`;
    const dir = writeFiles({ "model.ts": src });
    const { model, build } = await compile(join(dir, "model.ts"), { target: TEST_TARGET, outDir: join(scratchDir("tsdp-max-norm-"), "out") });
    const graph = model.graph;
    const { graph: step, gradients } = differentiate(graph);
    const batch = 5;
    const xs = Int32Array.from({ length: batch * 4 }, (_, i) => (i * 7 + 3) % 20);
    const ys = Int32Array.from([0, 11, 2, 19, 5]);
    for (const devices of TEST_TARGET === "cpu" ? [1, 2, 3] : [1]) {
      // DataParallel: replica k renorms the rows its chunk looks up in its copy, its gradient is its
      // chunk's mean weighted by its share, and the summed gradient updates replica 0's copy
      const share = Math.ceil(batch / devices);
      const chunks = Array.from({ length: Math.ceil(batch / share) }, (_, k) => [k * share, Math.min(batch, (k + 1) * share)]);
      const state = initState(graph, 0);
      const opt = newOptimizerState();
      for (let s = 0; s < 3; s++) {
        const total = new Map<string, number[]>();
        const copies = chunks.map(([a, b]) => {
          const copy = { params: new Map(state.params), buffers: new Map(state.buffers) };
          const r = runReference(step, { inputs: nd([b - a, 4], xs.slice(a * 4, b * 4)), target: nd([b - a], ys.slice(a, b)) }, copy, { training: true, step: s });
          for (const [n, g] of gradients) {
            const sum = total.get(n) ?? new Array<number>(r.values.get(g)!.data.length).fill(0);
            r.values.get(g)!.data.forEach((v, i) => (sum[i] += (v * (b - a)) / batch));
            total.set(n, sum);
          }
          return copy;
        });
        for (const [n, p] of copies[0].params) state.params.set(n, p);
        optimizerStep(graph.optimizer!, opt, state.params, new Map([...total].map(([n, d]) => [n, nd([...state.params.get(n)!.shape], d)])));
      }
      const m = await load(build.outDir, { devices });
      try {
        for (let s = 0; s < 3; s++) m.trainStepSync(tensor(xs, [batch, 4]), tensor(ys, [batch]));
        for (const [name, p] of state.params) near(m.getParameter(name).data as Float32Array, p.data, `${devices} devices: ${name}`);
      } finally {
        m.dispose();
      }
    }
  }, 300_000);

  it("on the CPU target: a BatchNorm2d and a Dropout an overridden train(mode) holds in eval (norm_eval), 2 steps on 1 and 2 devices, as the reference's", async () => {
    const src = `${header}
class Backbone extends nn.Module {
  conv = new nn.Conv2d(2, 3, 1);
  bn = new nn.BatchNorm2d(3);
  drop = new nn.Dropout(0.5);
  normEval = true;
  train(mode = true) {
    super.train(mode);
    if (this.normEval && mode) for (const m of this.modules()) if (m instanceof nn.BatchNorm2d || m instanceof nn.Dropout) m.eval();
    return this;
  }
  forward(x: Tensor) { return this.drop(F.relu(this.bn(this.conv(x)))); }
}
export class Net extends nn.Module {
  body = new Backbone();
  bn = new nn.BatchNorm1d(3);
  head = new nn.Linear(3, 2);
  forward(x: Tensor<[Batch, 2, 2, 2]>) { return this.head(this.bn(this.body(x).mean([2, 3]))); }
}
export const training = new Training(Net, { loss: new nn.MSELoss(), optimizer: new optim.SGD({ lr: 0.1 }) });
`;
    const dir = writeFiles({ "model.ts": src });
    const { model, build } = await compile(join(dir, "model.ts"), { target: TEST_TARGET, outDir: join(scratchDir("tsdp-held-"), "out") });
    const graph = model.graph;
    expect(graph.heldModes).toEqual({ "body.bn": "eval", "body.drop": "eval" });
    const { graph: step, gradients } = differentiate(graph);
    const batch = 4;
    const xs = Float32Array.from(normals(batch * 8, 41, 1));
    const ys = Float32Array.from(normals(batch * 2, 42, 1));
    for (const devices of TEST_TARGET === "cpu" ? [1, 2] : [1]) {
      const share = Math.ceil(batch / devices);
      const state = initState(graph, 0);
      const opt = newOptimizerState();
      for (let s = 0; s < 2; s++) {
        const before = new Map([...state.buffers].map(([k, v]) => [k, v]));
        const r = runReference(step, { x: nd([batch, 2, 2, 2], xs), target: nd([batch, 2], ys) }, state, { training: true, step: s });
        // the buffers: replica 0's forward on its share, as nn.DataParallel keeps device 0's
        const shareState = { params: state.params, buffers: before };
        runReference(graph, { x: nd([share, 2, 2, 2], xs.slice(0, share * 8)) }, shareState, { training: true, step: s });
        for (const [k, v] of shareState.buffers) state.buffers.set(k, v);
        optimizerStep(graph.optimizer!, opt, state.params, new Map([...gradients].map(([n, g]) => [n, r.values.get(g)!])));
      }
      const m = await load(build.outDir, { devices });
      try {
        const initial = (name: string) => Array.from(m.getParameter(name).data as Float32Array);
        const [weight0, bias0] = [initial("body.bn.weight"), initial("body.bn.bias")];
        m.train(true);
        // the held Dropout draws nothing: two train-mode calls give the same
        const [a, b] = [0, 1].map(() => Array.from(m.forwardAllSync(tensor(xs, [batch, 2, 2, 2]))[0].data as Float32Array));
        expect(a).toEqual(b);
        // and equal the reference's train-mode forward (the held BatchNorm2d by its running statistics)
        near(a.slice(0, share * 2), runReference(graph, { x: nd([share, 2, 2, 2], xs.slice(0, share * 8)) }, initState(graph, 0), { training: true }).outputs[0].data.slice(0, share * 2), `${devices} devices: train-mode forward, replica 0's share`);
        // (those calls moved the un-held BatchNorm1d's statistics, as PyTorch's train-mode forward does: start again)
        const fresh = await load(build.outDir, { devices });
        m.dispose();
        for (let s = 0; s < 2; s++) fresh.trainStepSync(tensor(xs, [batch, 2, 2, 2]), tensor(ys, [batch, 2]));
        // the whole batch's parameters on one device; on two the un-held BatchNorm1d normalizes each
        // replica's share by its own statistics (nn.DataParallel's), which the whole-batch reference does not
        if (devices === 1) for (const [name, p] of state.params) near(fresh.getParameter(name).data as Float32Array, p.data, `${devices} devices: ${name}`);
        // the held BatchNorm's statistics as initialized (0 and 1, exactly); its weight and bias trained
        expect(Array.from(fresh.getParameter("body.bn.running_mean").data as Float32Array)).toEqual([0, 0, 0]);
        expect(Array.from(fresh.getParameter("body.bn.running_var").data as Float32Array)).toEqual([1, 1, 1]);
        expect(Array.from(fresh.getParameter("body.bn.weight").data as Float32Array)).not.toEqual(weight0);
        expect(Array.from(fresh.getParameter("body.bn.bias").data as Float32Array)).not.toEqual(bias0);
        // the un-held one's moved (on one device as the reference's)
        for (const name of ["bn.running_mean", "bn.running_var"]) {
          if (devices === 1) near(fresh.getParameter(name).data as Float32Array, state.buffers.get(name)!.data, `${devices} devices: ${name}`);
          expect(Array.from(fresh.getParameter(name).data as Float32Array)).not.toEqual(name.endsWith("mean") ? [0, 0, 0] : [1, 1, 1]);
        }
        fresh.dispose();
      } catch (e) {
        m.dispose();
        throw e;
      }
    }
  }, 300_000);
});
