// A user class extending a built-in layer (BiT's StdConv2d(nn.Conv2d), timm's Conv2dSame, MADE's
// MaskedLinear(nn.Linear)) and a layer's settings read as PyTorch's attributes (m.outChannels,
// conv.kernelSize[0]), through the frontend and the float64 reference. Each subclass is checked
// against the same computation written with a held layer of the same name, so the seeded initial
// values (drawn per state_dict name) are the same in both.
import { describe, expect, it } from "vitest";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd, type NDArray } from "../compiler/reference/ndarray.ts";
import { diagnosticsOf, header, lowerSource } from "./helpers.ts";

const first = (src: string) => diagnosticsOf(src).map((d) => `${d.code} ${d.loc?.line}: ${d.message}`)[0];
const grid = (shape: number[], f = (i: number) => Math.sin(i * 0.7) + 0.1 * i) => nd(shape, Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => f(i)));

function run(src: string, inputs: Record<string, NDArray>, training = false) {
  const { graph } = lowerSource(header + src);
  const state = initState(graph, 7);
  return { out: Array.from(runReference(graph, inputs, state, { training }).outputs[0].data), graph, state };
}

describe("a class extending a built-in layer", () => {
  it("its own forward reads the layer's parameters and settings (weight standardization), equal to the same code over a held conv", () => {
    const sub = `class StdConv2d extends nn.Conv2d {
  forward(x: Tensor) {
    const w = this.weight;
    const m = w.mean([1, 2, 3], true);
    const v = w.var([1, 2, 3], { keepdim: true, unbiased: false });
    return F.conv2d(x, w.sub(m).div(v.add(1e-10).sqrt()), this.bias, { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups });
  }
}
export class M extends nn.Module {
  c = new StdConv2d(4, 6, 3, { stride: 2, padding: 1, groups: 2 });
  forward(x: Tensor<[Batch, 4, 7, 7]>) { return this.c(x); }
}`;
    const held = `export class M extends nn.Module {
  c = new nn.Conv2d(4, 6, 3, { stride: 2, padding: 1, groups: 2 });
  forward(x: Tensor<[Batch, 4, 7, 7]>) {
    const w = this.c.weight;
    const m = w.mean([1, 2, 3], true);
    const v = w.var([1, 2, 3], { keepdim: true, unbiased: false });
    return F.conv2d(x, w.sub(m).div(v.add(1e-10).sqrt()), this.c.bias, { stride: 2, padding: 1, groups: 2 });
  }
}`;
    const x = grid([2, 4, 7, 7]);
    const a = run(sub, { x });
    expect(a.graph.params.map((p) => p.attrs.name)).toEqual(["c.weight", "c.bias"]);
    const b = run(held, { x });
    expect(a.out.length).toBe(2 * 6 * 4 * 4);
    a.out.forEach((v, i) => expect(v).toBeCloseTo(b.out[i], 12));
    // and not merely the plain convolution: the standardization changed the values
    const plain = run(held.replace(/return F\.conv2d\(x, [^;]*;/, "return this.c(x);"), { x });
    expect(Math.max(...plain.out.map((v, i) => Math.abs(v - a.out[i])))).toBeGreaterThan(0.1);
  });

  it("super.forward is the layer's forward (timm's Conv2dSame pads, then convolves)", () => {
    const sub = `class Conv2dSame extends nn.Conv2d {
  forward(x: Tensor) {
    const [kh, kw] = this.kernelSize;
    const [sh, sw] = this.stride;
    const ph = Math.max((Math.ceil(x.shape[2] / sh) - 1) * sh + kh - x.shape[2], 0);
    const pw = Math.max((Math.ceil(x.shape[3] / sw) - 1) * sw + kw - x.shape[3], 0);
    return super.forward(F.pad(x, [Math.floor(pw / 2), pw - Math.floor(pw / 2), Math.floor(ph / 2), ph - Math.floor(ph / 2)]));
  }
}
export class M extends nn.Module {
  c = new Conv2dSame(3, 4, [3, 2], { stride: 2 });
  forward(x: Tensor<[Batch, 3, 7, 6]>) { return this.c(x); }
}`;
    // 7 rows, stride 2, kernel 3: pad 2 (1 + 1); 6 columns, kernel 2: pad 0
    const held = `export class M extends nn.Module {
  c = new nn.Conv2d(3, 4, [3, 2], { stride: 2 });
  forward(x: Tensor<[Batch, 3, 7, 6]>) { return this.c(F.pad(x, [0, 0, 1, 1])); }
}`;
    const x = grid([2, 3, 7, 6]);
    const a = run(sub, { x });
    const b = run(held, { x });
    expect(a.out.length).toBe(2 * 4 * 4 * 3);
    a.out.forEach((v, i) => expect(v).toBeCloseTo(b.out[i], 12));
  });

  it("a buffer of its own after the layer's parameters, set through .data in the constructor (MADE's masks)", () => {
    const sub = `class MaskedLinear extends nn.Linear {
  declare mask: Tensor;
  constructor(inF: number, outF: number) {
    super(inF, outF);
    this.registerBuffer("mask", F.ones(outF, inF));
  }
  setMask(mask: Tensor) { this.mask.data.copy_(mask); }
  forward(x: Tensor) { return F.linear(x, this.mask.mul(this.weight), this.bias); }
}
export class M extends nn.Module {
  l = new MaskedLinear(4, 3);
  constructor() { super(); this.l.setMask(F.tril(F.ones(3, 4), -1)); }
  forward(x: Tensor<[Batch, 4]>) { return this.l(x); }
}`;
    const x = grid([2, 4]);
    const { out, graph, state } = run(sub, { x });
    expect(graph.params.map((p) => p.attrs.name)).toEqual(["l.weight", "l.bias"]);
    expect(graph.buffers.map((p) => p.attrs.name)).toEqual(["l.mask"]);
    expect(Array.from(state.buffers.get("l.mask")!.data)).toEqual([0, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0]);
    const w = state.params.get("l.weight")!.data;
    const bias = state.params.get("l.bias")!.data;
    const mask = state.buffers.get("l.mask")!.data;
    for (let n = 0; n < 2; n++)
      for (let o = 0; o < 3; o++) {
        let sum = bias[o];
        for (let i = 0; i < 4; i++) sum += mask[o * 4 + i] * w[o * 4 + i] * x.data[n * 4 + i];
        expect(out[n * 3 + o]).toBeCloseTo(sum, 12);
      }
  });

  it("its own forward changes the layer's buffers (PyTorch's _BatchNorm.forward written out: F.batchNorm over this.runningMean), as nn.BatchNorm2d's", () => {
    const sub = `class MyBN extends nn.BatchNorm2d {
  forward(input: Tensor) {
    const factor = this.momentum === null ? 0.0 : this.momentum;
    const bnTraining = this.training ? true : this.runningMean === null && this.runningVar === null;
    return F.batchNorm(input, !this.training || this.trackRunningStats ? this.runningMean : null, !this.training || this.trackRunningStats ? this.runningVar : null, this.weight, this.bias, bnTraining, factor, this.eps);
  }
}
`;
    const net = (layer: string) => `export class M extends nn.Module {\n  bn = new ${layer}(2, { momentum: 0.3 });\n  forward(x: Tensor<[Batch, 2, 3]>) { return this.bn(x.unsqueeze(3)).mul(x.unsqueeze(3)); }\n}`;
    const x = grid([3, 2, 3]);
    const [mine, held] = [run(sub + net("MyBN"), { x }, true), run(net("nn.BatchNorm2d"), { x }, true)];
    // float64 both, through different ops: equal to 12 digits
    const near = (got: ArrayLike<number>, want: ArrayLike<number>) => {
      expect(got.length).toBe(want.length);
      Array.from(want).forEach((w, i) => expect(got[i], `element ${i}`).toBeCloseTo(w, 12));
    };
    near(mine.out, held.out);
    for (const name of ["bn.running_mean", "bn.running_var"]) {
      near(mine.state.buffers.get(name)!.data, held.state.buffers.get(name)!.data);
      expect(Array.from(mine.state.buffers.get(name)!.data)).not.toEqual(Array.from(initState(mine.graph, 7).buffers.get(name)!.data));
    }
    near(run(sub + net("MyBN"), { x }).out, run(net("nn.BatchNorm2d"), { x }).out);
    // its int64 counter is the layer kernel's (timm's BatchNormAct2d counts it with num_batches_tracked.add_(1)): refused, naming what to write
    const counting = sub.replace("const factor", "if (this.training) this.numBatchesTracked.add_(1);\n    const factor");
    expect(first(header + counting + net("MyBN"))).toMatch(/^TSDP2018 4: add_ in forward would change the layer's int64 counter \(num_batches_tracked\).*call super\.forward\(x\)/);
  });

  it("without a forward of its own it is the layer; instanceof sees the layer's class, so initialization loops reach it", () => {
    const src = `class ZeroLinear extends nn.Linear {
  constructor(i: number, o: number) { super(i, o, { bias: true }); nn.init.zeros_(this.bias); }
}
export class M extends nn.Module {
  a = new ZeroLinear(3, 2);
  constructor() {
    super();
    for (const m of this.modules()) if (m instanceof nn.Linear) nn.init.constant_(m.weight, 0.5);
  }
  forward(x: Tensor<[Batch, 3]>) { return this.a(x); }
}`;
    const { out, graph } = run(src, { x: nd([1, 3], [1, 2, 3]) });
    expect(graph.params.map((p) => p.attrs.init)).toEqual([{ kind: "constant", value: 0.5 }, { kind: "constant", value: 0 }]);
    expect(out).toEqual([3, 3]);
  });

  it("`this.bias = null` after super() removes the parameter, as PyTorch's __setattr__ (timm's LayerNormNoBias, GroupNorm1NoBias); so does `conv.bias = null`", () => {
    const src = `class LayerNormNoBias extends nn.LayerNorm {
  constructor(c: number) { super(c); this.eps = 1e-6; this.bias = null; }
}
class GroupNorm1NoBias extends nn.GroupNorm {
  constructor(c: number) { super(1, c); this.bias = null; }
  forward(x: Tensor) { return F.groupNorm(x, this.numGroups, this.weight, this.bias, this.eps); }
}
export class M extends nn.Module {
  ln = new LayerNormNoBias(4);
  gn = new GroupNorm1NoBias(4);
  lin = new nn.Linear(4, 3);
  constructor() {
    super();
    this.lin.bias = null;
    nn.init.constant_(this.lin.weight, 0.5);
    if (this.ln.bias === null && this.gn.bias === null) nn.init.constant_(this.ln.weight, 2);
  }
  forward(x: Tensor<[Batch, 4]>) { return this.lin(this.gn(this.ln(x).view(-1, 4, 1)).view(-1, 4)); }
}`;
    // PyTorch's state_dict: ln.weight, gn.weight, lin.weight (each bias set to None leaves it)
    const x = nd([1, 4], [1, 2, 3, 5]);
    const { out, graph } = run(src, { x });
    expect(graph.params.map((p) => p.attrs.name)).toEqual(["ln.weight", "gn.weight", "lin.weight"]);
    // by hand: layer norm (eps 1e-6) of x times 2, then group norm of that (mean 0, so it normalizes again) times 1, summed · 0.5
    const mean = 11 / 4, v = [1, 2, 3, 5].reduce((a, b) => a + (b - mean) ** 2, 0) / 4;
    const ln = [1, 2, 3, 5].map((t) => (2 * (t - mean)) / Math.sqrt(v + 1e-6));
    const v2 = ln.reduce((a, b) => a + b * b, 0) / 4;
    const gn = ln.map((t) => t / Math.sqrt(v2 + 1e-5));
    const sum = 0.5 * gn.reduce((a, b) => a + b, 0);
    out.forEach((o) => expect(o).toBeCloseTo(sum, 9));
    // a BatchNorm left with its weight alone: the batch statistics, then the weight, as F.batchNorm with bias null
    const bn = `export class M extends nn.Module {
  bn = new nn.BatchNorm2d(2);
  constructor() { super(); this.bn.bias = null; nn.init.constant_(this.bn.weight, 3); }
  forward(x: Tensor<[Batch, 2, 2, 2]>) { return F.cat([this.bn(x).flatten(1), F.batchNorm(x, null, null, this.bn.weight, null, true).flatten(1)], 1); }
}`;
    const y = run(bn, { x: grid([2, 2, 2, 2]) }, true);
    expect(y.graph.params.map((p) => p.attrs.name)).toEqual(["bn.weight"]);
    for (let r = 0; r < 2; r++) for (let i = 0; i < 8; i++) expect(y.out[r * 16 + i]).toBeCloseTo(y.out[r * 16 + 8 + i], 12);
    // forward cannot compute without a Linear's weight (PyTorch's fails on None): refused at the write
    expect(first(`${header}export class M extends nn.Module {\n  lin = new nn.Linear(4, 3);\n  constructor() { super(); this.lin.weight = null; }\n  forward(x: Tensor<[Batch, 4]>) { return this.lin(x); }\n}`)).toMatch(/^TSDP2001 4: nn.Linear.weight = null: the layer's forward cannot compute without its weight/);
  });

  it("weight norm and spectral norm take such a layer; a container is not a layer to extend", () => {
    const src = `class MyConv extends nn.Conv1d {}
export class M extends nn.Module {
  c = nn.utils.weightNorm(new MyConv(2, 3, 1));
  forward(x: Tensor<[Batch, 2, 5]>) { return this.c(x); }
}`;
    expect(lowerSource(header + src).graph.params.map((p) => p.attrs.name)).toEqual(["c.bias", "c.weight_g", "c.weight_v"]);
    expect(first(`${header}class Blocks extends nn.ModuleList {}\nexport class M extends nn.Module {\n  b = new Blocks();\n  forward(x: Tensor<[Batch, 2]>) { return x; }\n}`)).toMatch(/^TSDP2001 2: extending nn.ModuleList is not supported; extend nn.Module and hold a nn.ModuleList as a field/);
  });
});

describe("a layer's settings as PyTorch's attributes", () => {
  const attrs = (ctor: string, fields = "") =>
    lowerSource(`${header}export class M extends nn.Module {\n  ${fields}\n  fc: nn.Linear;\n  constructor() {\n    super();\n    ${ctor}\n  }\n  forward(x: Tensor<[Batch, 2]>) { return this.fc(x); }\n}`);
  const outFeatures = (ctor: string, fields: string) => attrs(ctor, fields).graph.params.find((p) => p.attrs.name === "fc.weight")!.shape[0];

  it("sizes, channels and features as PyTorch keeps them: tuples for a convolution's sizes, (k,) for a 1-D one", () => {
    // the head's width is computed from another layer's settings
    expect(outFeatures("this.fc = new nn.Linear(2, this.c.outChannels * this.c.kernelSize[0] * this.c.kernelSize[1] + this.c.stride[1] + this.c.padding[0]);", "c = new nn.Conv2d(3, 5, [2, 3], { stride: [1, 4], padding: 7 });")).toBe(5 * 2 * 3 + 4 + 7);
    expect(outFeatures("this.fc = new nn.Linear(2, this.c.kernelSize.length * 10 + this.c.kernelSize[0] + this.c.dilation[0] * 100);", "c = new nn.Conv1d(3, 5, 4, { dilation: 2 });")).toBe(1 * 10 + 4 + 200);
    expect(outFeatures("this.fc = new nn.Linear(2, this.e.embeddingDim + this.e.numEmbeddings + this.n.numFeatures + (this.n.affine ? 1000 : 0));", "e = new nn.Embedding(30, 7); n = new nn.BatchNorm1d(11);")).toBe(7 + 30 + 11 + 1000);
    // the snake_case spelling reads the same setting; a string padding stays a string
    expect(outFeatures(`this.fc = new nn.Linear(2, this.l.in_features + (this.c.padding === "same" ? 100 : 0));`, `l = new nn.Linear(9, 1); c = new nn.Conv2d(1, 1, 3, { padding: "same" });`)).toBe(109);
  });

  it("a pool's stride is its kernel size when not given, as PyTorch's (pytorch-i3d's MaxPool3dSamePadding reads self.stride[dim])", () => {
    // torch/nn/modules/pooling.py: self.stride = stride if (stride is not None) else kernel_size (_MaxPoolNd, AvgPool2d/3d);
    // AvgPool1d keeps 1-tuples: _single(stride if stride is not None else kernel_size)
    expect(outFeatures("this.fc = new nn.Linear(2, this.p.stride[0] * 100 + this.p.stride[1] * 10 + this.p.stride[2]);", "p = new nn.MaxPool3d([1, 3, 3]);")).toBe(133);
    expect(outFeatures("this.fc = new nn.Linear(2, this.p.stride[0] * 100 + this.p.stride[1] * 10 + this.p.stride[2]);", "p = new nn.AvgPool3d([2, 1, 3], { stride: [1, 1, 2] });")).toBe(112);
    expect(outFeatures("this.fc = new nn.Linear(2, this.p.stride[0] * 10 + this.p.stride[1]);", "p = new nn.MaxPool2d([2, 3]);")).toBe(23);
    expect(outFeatures("this.fc = new nn.Linear(2, this.p.stride[0] * 10 + this.p.stride[1]);", "p = new nn.AvgPool2d(4);")).toBe(44);
    expect(outFeatures("this.fc = new nn.Linear(2, this.p.stride);", "p = new nn.MaxPool1d(5);")).toBe(5);
    expect(outFeatures("this.fc = new nn.Linear(2, this.p.stride[0] * 10 + this.p.kernelSize[0] + this.p.padding.length * 100);", "p = new nn.AvgPool1d(3, { padding: 1 });")).toBe(133);
  });

  // PyTorch's forward reads a layer's attributes (BatchNorm's self.momentum and self.eps, a convolution's
  // self.padding), so a write after construction computes as if the constructor had been given it
  const bnNet = (fields: string, ctor: string, forward = "return this.c(this.bn(x)).flatten(1);") =>
    `export class M extends nn.Module {\n  ${fields}\n  constructor() {\n    super();\n    ${ctor}\n  }\n  forward(x: Tensor<[Batch, 2, 4, 4]>) { ${forward} }\n}`;
  const trained = (src: string) => {
    const r = run(src, { x: grid([3, 2, 4, 4]) }, true);
    return { out: r.out, buffers: Object.fromEntries([...r.state.buffers].map(([k, v]) => [k, Array.from(v.data)])) };
  };

  it("written after construction (YOLOv5's initialize_weights: m.eps = 1e-3, m.momentum = 0.03) compute as if given to the constructor", () => {
    const written = trained(bnNet("bn = new nn.BatchNorm2d(2);\n  c = new nn.Conv2d(2, 1, 3);", "for (const m of this.modules()) if (m instanceof nn.BatchNorm2d) { m.eps = 1e-3; m.momentum = 0.03; }\n    this.c.padding = [1, 1];"));
    const given = trained(bnNet("bn = new nn.BatchNorm2d(2, { eps: 1e-3, momentum: 0.03 });\n  c = new nn.Conv2d(2, 1, 3, { padding: 1 });", ""));
    expect(written.out).toHaveLength(3 * 16);
    expect(written).toEqual(given);
    // momentum None (the cumulative average) and a Dropout's p, written the same way; the attribute reads back
    const none = trained(bnNet("bn = new nn.BatchNorm2d(2);\n  c = new nn.Conv2d(2, 1, 3);", "this.bn.momentum = null;"));
    expect(none).toEqual(trained(bnNet("bn = new nn.BatchNorm2d(2, { momentum: null });\n  c = new nn.Conv2d(2, 1, 3);", "")));
    expect(none).not.toEqual(trained(bnNet("bn = new nn.BatchNorm2d(2);\n  c = new nn.Conv2d(2, 1, 3);", "")));
    const { graph } = lowerSource(header + bnNet("d = new nn.Dropout(0.5);\n  fc = new nn.Linear(2, 2);", "this.d.p = 0.25;\n    this.fc = new nn.Linear(2, this.d.p * 12);", "return this.fc(this.d(x.mean([2, 3])));"));
    expect(graph.nodes.find((n) => n.op === "dropout")?.attrs.p).toBe(0.25);
    expect(graph.params.find((p) => p.attrs.name === "fc.weight")!.shape).toEqual([3, 2]);
    // a class extending the layer writes its own setting after super(…)
    const sub = `class BN extends nn.BatchNorm2d {\n  constructor(n: number) { super(n); this.momentum = 0.03; this.eps = 1e-3; }\n}\n`;
    expect(trained(sub + bnNet("bn = new BN(2);\n  c = new nn.Conv2d(2, 1, 3, { padding: 1 });", ""))).toEqual(given);
  });

  it("that decide the layer's parameters or buffers are fixed at construction; a written value is checked as the constructor's", () => {
    const net = (ctor: string) => `${header}${bnNet("bn = new nn.BatchNorm2d(2);\n  c = new nn.Conv2d(2, 1, 3);", ctor)}`;
    expect(first(net("this.bn.affine = false;"))).toMatch(/^TSDP2001 7: nn.BatchNorm2d.affine is a setting of the layer, fixed when it is constructed; pass it to the constructor/);
    expect(first(net("this.bn.track_running_stats = false;"))).toMatch(/^TSDP2001 7: nn.BatchNorm2d.trackRunningStats is a setting of the layer, fixed when it is constructed/);
    expect(first(net("this.c.inChannels = 3;"))).toMatch(/^TSDP2001 7: nn.Conv2d.inChannels is a setting of the layer, fixed when it is constructed/);
    expect(first(net("this.c.kernelSize = [1, 1];"))).toMatch(/^TSDP2001 7: nn.Conv2d.kernelSize is a setting of the layer/);
    expect(first(net("this.bn.momentum = 2;"))).toMatch(/^TSDP\d+ 7: .*momentum/);
    expect(first(net('this.c.padding = "same"; this.c.stride = [2, 2];'))).toMatch(/^TSDP\d+ 7: nn.Conv2d: padding "same" needs stride 1/);
  });
});
