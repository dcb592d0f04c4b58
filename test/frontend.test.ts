// The frontend's static evaluation of the model language: what it accepts and what it builds.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lowerModel } from "../compiler/1-frontend/lower.ts";
import { formatReport, modelReport } from "../compiler/inspect.ts";
import { generate } from "../compiler/pipeline.ts";
import { formatShape } from "../compiler/ir/shape.ts";
import { CompileError } from "../compiler/diagnostics/diagnostic.ts";
import { diagnosticsOf, header, lowerSource, writeFiles } from "./helpers.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";

const names = (m: ReturnType<typeof lowerSource>) => m.graph.params.map((p) => p.attrs.name);
const ops = (m: ReturnType<typeof lowerSource>) => m.graph.nodes.filter((n) => !["input", "param", "buffer", "const"].includes(n.op)).map((n) => n.op);

describe("model composition", () => {
  it("evaluates constructor parameters with defaults, loops, helpers and module-level constants", () => {
    const m = lowerSource(`${header}
const WIDTH = 8;
function double(n: number) { return n * 2; }
class Block extends nn.Module {
  fc: nn.Linear;
  constructor(width: number, readonly scale = 1) {
    super();
    this.fc = new nn.Linear(width, width);
  }
  forward(x: Tensor) { return F.relu(this.fc(x)).mul(this.scale); }
}
export class Net extends nn.Module {
  blocks = new nn.ModuleList();
  head: nn.Linear;
  constructor(depth = 3, width = double(WIDTH)) {
    super();
    for (let i = 0; i < depth; i++) this.blocks.append(new Block(width, i + 1));
    this.head = new nn.Linear(width, 2);
  }
  forward(x: Tensor<[Batch, 16]>) {
    for (const block of this.blocks) x = block(x);
    return this.head(x);
  }
}`);
    expect(names(m)).toEqual([
      "blocks.0.fc.weight", "blocks.0.fc.bias", "blocks.1.fc.weight", "blocks.1.fc.bias",
      "blocks.2.fc.weight", "blocks.2.fc.bias", "head.weight", "head.bias",
    ]);
    expect(ops(m)).toEqual(["linear", "relu", "mul", "linear", "relu", "mul", "linear", "relu", "mul", "linear"]);
    // the scale constants 1, 2, 3 are the constructor's i + 1
    expect(m.graph.nodes.filter((n) => n.op === "const").map((n) => n.attrs.value)).toEqual([1, 2, 3]);
  });

  it("follows imports of the user's own files and Sequential children named 0, 1, 2", () => {
    const dir = writeFiles({
      "blocks.ts": `${header}export class Stem extends nn.Module {
  body = new nn.Sequential(new nn.Conv2d(3, 4, 3, { padding: 1 }), new nn.BatchNorm2d(4), new nn.ReLU());
  forward(x: Tensor) { return this.body(x); }
}`,
      "model.ts": `${header}import { Stem } from "./blocks.js";
export class Net extends nn.Module {
  stem = new Stem();
  pool = new nn.AdaptiveAvgPool2d(1);
  fc = new nn.Linear(4, 10);
  forward(x: Tensor<[Batch, 3, 8, 8]>) {
    x = this.pool(this.stem(x));
    return this.fc(x.view(x.size(0), -1));
  }
}`,
    });
    const m = lowerModel(join(dir, "model.ts"));
    expect(names(m)).toEqual(["stem.body.0.weight", "stem.body.0.bias", "stem.body.1.weight", "stem.body.1.bias", "fc.weight", "fc.bias"]);
    expect(m.graph.buffers.map((b) => b.attrs.name)).toEqual(["stem.body.1.running_mean", "stem.body.1.running_var", "stem.body.1.num_batches_tracked"]);
    expect(m.graph.buffers[2].dtype).toBe("i64");
    expect(formatShape(m.graph.outputs[0].shape)).toBe("[Batch, 10]");
    expect(m.layers.map((l) => l.path)).toEqual(["", "stem", "stem.body", "stem.body.0", "stem.body.1", "stem.body.2", "pool", "fc"]);
  });

  it("supports destructuring, ternaries, Array.from, spread and x.shape", () => {
    const m = lowerSource(`${header}
export class Net extends nn.Module {
  layers = new nn.ModuleList(Array.from({ length: 2 }, (_, i) => new nn.Linear(i === 0 ? 12 : 6, 6)));
  forward(x: Tensor<[Batch, 3, 4]>) {
    const [n, c, w] = x.shape;
    let y = x.reshape(n, c * w);
    for (const [i, layer] of [...this.layers].entries()) y = i % 2 === 0 ? F.gelu(layer(y)) : layer(y).tanh();
    return y.sum(1, true);
  }
}`);
    expect(ops(m)).toEqual(["reshape", "linear", "gelu", "linear", "tanh", "sum"]);
    expect(formatShape(m.graph.outputs[0].shape)).toBe("[Batch, 1]");
  });

  it("keeps the train/eval switch symbolic: nn.Dropout and F.dropout(x, p, this.training) follow the mode, F.dropout(x) always drops as in PyTorch", () => {
    const m = lowerSource(`${header}
export class Net extends nn.Module {
  drop = new nn.Dropout(0.25);
  forward(x: Tensor<[Batch, 4]>) {
    return F.dropout(F.dropout(this.drop(x), 0.5, this.training), { p: 0.1 });
  }
}`);
    expect(m.graph.nodes.filter((n) => n.op === "dropout").map((n) => [n.attrs.p, n.attrs.mode])).toEqual([[0.25, "train"], [0.5, "train"], [0.1, "always"]]);
  });

  it("an overridden train(mode) (mmdet's norm_eval) is evaluated per mode; what it may not do is refused at its line", () => {
    const backbone = (body: string, extra = "") => `${header}
class Backbone extends nn.Module {
  bn = new nn.BatchNorm2d(1);
  ${extra}
  train(mode = true) {
    ${body}
  }
  forward(x: Tensor) { return this.bn(x); }
}
export class Net extends nn.Module {
  body = new Backbone();
  forward(x: Tensor<[Batch, 1, 2, 2]>) { return this.body(x); }
}`;
    const ok = lowerSource(backbone("super.train(mode);\n    for (const m of this.modules()) if (m instanceof nn.BatchNorm2d) m.eval();\n    return this;"));
    expect(ok.graph.heldModes).toEqual({ "body.bn": "eval" });
    expect(ok.graph.nodes.filter((n) => n.op === "batch_norm" || n.op === "mode_select")).toEqual([]);
    const first = (src: string) => diagnosticsOf(src).map((d) => `${d.code} ${d.loc?.line}:${d.loc?.col} ${d.message}`)[0];
    expect(first(backbone("super.train(mode);\n    return mode;"))).toMatch(/^TSDP2001 6:3 Backbone\.train must return this \(nn\.Module\.train returns the module\), got true/);
    expect(first(backbone("super.train(mode);\n    this.frozen = mode;\n    return this;", "frozen = false;"))).toMatch(/^TSDP2001 8:5 an overridden train\(mode\) may set modules' modes .* it sets 'frozen' here/);
    expect(first(backbone("super.train(mode);\n    nn.init.zeros_(this.bn.weight);\n    return this;"))).toMatch(/^TSDP2001 8:5 nn\.init\.zeros_ in an overridden train\(mode\)/);
    expect(first(backbone("super.train(mode);\n    this.bn.weight.data.zero_();\n    return this;"))).toMatch(/^TSDP2001 8:5 .*\.data in an overridden train\(mode\): the override is evaluated when the model is compiled/);
    expect(first(backbone("super.train(!mode);\n    return this;"))).toMatch(/^TSDP2001 \d+:\d+ body \(Backbone\) ends in eval mode when the model trains and in train mode when it evaluates/);
    const evalOverride = diagnosticsOf(backbone("super.train(mode);\n    return this;").replace("  forward(x: Tensor) {", "  eval() { return this.train(false); }\n  forward(x: Tensor) {"));
    expect(evalOverride.map((d) => `${d.code} ${d.loc?.line}:${d.loc?.col}`)).toEqual(["TSDP2001 10:3"]);
    expect(evalOverride[0].message).toMatch(/^Backbone\.eval overrides nn\.Module\.eval, which model\.train\(false\) never calls .* override train\(mode\) instead/);
  });

  it("try/catch says why it is refused and what to write instead (SASRec's init loop skips 1-D parameters by catching xavier's error)", () => {
    const d = diagnosticsOf(`${header}export class Net extends nn.Module {
  fc = new nn.Linear(2, 2);
  constructor() {
    super();
    for (const p of this.parameters()) {
      try { nn.init.xavierNormal_(p); } catch { /* just ignore those failed init layers */ }
    }
  }
  forward(x: Tensor<[Batch, 2]>) { return this.fc(x); }
}`);
    expect(d.map((x) => `${x.code} ${x.loc?.line}:${x.loc?.col}`)).toEqual(["TSDP2001 7:7"]);
    expect(d[0].message).toMatch(/^try\/catch is not supported in model code: it runs when the model is compiled, .*`if \(p\.dim\(\) >= 2\) nn\.init\.xavierNormal_\(p\)` \(a catch that only throws again, with no finally, is accepted/);
  });

  it("a try whose catch only throws again runs its block (LayoutLM's bbox lookups in try/except IndexError: raise)", () => {
    const net = (body: string) => `${header}export class Net extends nn.Module {
  e = new nn.Embedding(5, 2);
  forward(x: Tensor<[Batch, 3], "int32">) {
    let y: Tensor;
    try {
      ${body}
    } catch (e) {
      throw new Error("The bbox coordinate values should be within 0-1000 range.");
    }
    return y;
  }
}`;
    const { graph } = lowerSource(net("y = this.e(x.index(\":\", \"1:\")).mul(2);"));
    expect(formatShape(graph.outputs[0].shape)).toBe("[Batch, 2, 2]");
    const { params } = graph;
    expect(params.map((p) => p.attrs.name)).toEqual(["e.weight"]);
    // an error inside the block is the compile's own, where it is written (not the catch's message)
    const d = diagnosticsOf(net("y = this.e(x).view(7);"));
    expect(d.map((x) => `${x.code} ${x.loc?.line}`)).toEqual([`${d[0]?.code} 7`]);
    expect(d[0].message).not.toMatch(/bbox/);
    // a catch that does anything else, or a finally, is still refused
    expect(diagnosticsOf(net("y = this.e(x);").replace("throw new Error", "y = x; throw new Error"))[0].message).toMatch(/^try\/catch is not supported/);
  });

  it("x.max(dim) gives PyTorch's (values, indices)", () => {
    const m = lowerSource(`${header}
export class Net extends nn.Module {
  forward(x: Tensor<[Batch, 4]>) { const r = x.max(1); return [r.values, r[0].add(1)]; }
}`);
    // the values are x taken at the argmax (a tie's gradient to that index alone), its dim dropped
    expect(m.graph.outputs.map((o) => o.op)).toEqual(["reshape", "add"]);
    const taken = m.graph.outputs[0].inputs[0];
    expect([taken.op, taken.inputs[0].op, taken.inputs[1].op]).toEqual(["take", "input", "argmax"]);
  });

  it("reads the training declaration: loss, target type and optimizer defaults", () => {
    const m = lowerSource(`${header}
export class Net extends nn.Module {
  fc = new nn.Linear(4, 3);
  forward(x: Tensor<[Batch, 4]>) { return this.fc(x); }
}
export const training = new Training(Net, {
  loss: (out: Tensor, y: Tensor<[Batch, 3]>) => F.mseLoss(out, y).mul(0.5),
  optimizer: new optim.AdamW({ lr: 3e-4 }),
});`);
    expect(m.graph.loss?.target?.dtype).toBe("f32");
    expect(formatShape(m.graph.loss!.target!.shape)).toBe("[Batch, 3]");
    expect(m.graph.loss?.value.op).toBe("mul");
    expect(m.graph.optimizer).toEqual({ kind: "AdamW", lr: 3e-4, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 });
  });

  it("a loss module gives an int32 [Batch] target for cross entropy", () => {
    const m = lowerSource(`${header}
export class Net extends nn.Module {
  fc = new nn.Linear(4, 3);
  forward(x: Tensor<[Batch, 4]>) { return this.fc(x); }
}
export const training = new Training(Net, { loss: new nn.CrossEntropyLoss({ labelSmoothing: 0.1 }), optimizer: new optim.SGD({ lr: 0.1, momentum: 0.9, nesterov: true }) });`);
    expect(m.graph.loss?.target?.dtype).toBe("i32");
    expect(m.graph.loss?.value.attrs).toEqual({ reduction: "mean", labelSmoothing: 0.1 });
    expect(m.graph.optimizer).toMatchObject({ kind: "SGD", nesterov: true, momentum: 0.9 });
  });
});

describe("tsdp inspect's layer settings", () => {
  it("name every setting that differs from the default: stride, padding, dilation, groups, no bias", () => {
    const { layers } = lowerSource(
      `${header}export class M extends nn.Module {\n  a = new nn.Conv2d(4, 8, 3, { padding: 2, dilation: 2, groups: 2, bias: false });\n  b = new nn.Conv1d(4, 4, 3, { dilation: 3 });\n  c = new nn.ConvTranspose2d(4, 4, 3, { stride: 2, dilation: 2 });\n  d = new nn.Conv2d(4, 4, [3, 5], { padding: [1, 2] });\n  e = new nn.Conv3d(4, 4, 3, { padding: 1, dilation: 2 });\n  f = new nn.ConvTranspose1d(4, 4, 3, { stride: 2, padding: 1, outputPadding: 1, dilation: 2 });\n  forward(x: Tensor<[Batch, 4, 16, 16]>, s: Tensor<[Batch, 4, 20]>, v: Tensor<[Batch, 4, 8, 8, 8]>) {\n    return [this.a(x), this.b(s), this.c(x), this.d(x), this.e(v), this.f(s)];\n  }\n}\n`,
    );
    const settings = Object.fromEntries(layers.filter((l) => l.path !== "").map((l) => [l.path, l.summary]));
    expect(settings).toEqual({
      a: "4 → 8, kernel=3, padding=2, dilation=2, groups=2, no bias",
      b: "4 → 4, kernel=3, dilation=3",
      c: "4 → 4, kernel=3, stride=2, dilation=2",
      d: "4 → 4, kernel=3×5, padding=1×2",
      e: "4 → 4, kernel=3, padding=1, dilation=2",
      f: "4 → 4, kernel=3, stride=2, padding=1, output_padding=1, dilation=2",
    });
  });
});

describe("tsdp inspect's layer parameter counts", () => {
  it("count trained parameters only, as the Parameters table's total does: a registered buffer and a frozen parameter are not counted", () => {
    const dir = writeFiles({
      "model.ts": `${header}class Pos extends nn.Module {\n  declare pe: Tensor;\n  scale = new nn.Parameter(F.ones(4), { requiresGrad: false });\n  constructor() {\n    super();\n    this.registerBuffer("pe", F.zeros(6, 4));\n  }\n  forward(x: Tensor) { return x.add(this.pe.sum(0)).mul(this.scale); }\n}\nexport class M extends nn.Module {\n  pos = new Pos();\n  fc = new nn.Linear(4, 3);\n  bn = new nn.BatchNorm1d(3);\n  forward(x: Tensor<[Batch, 4]>) { return this.bn(this.fc(this.pos(x))); }\n}\n`,
    });
    const report = modelReport(generate(join(dir, "model.ts"), { target: "cpu" }));
    const counts = Object.fromEntries(report.layers.filter((l) => l.path !== "").map((l) => [l.path, l.params]));
    // pe's 24 values are state, listed under Buffers; BatchNorm's running stats too. scale is a frozen
    // parameter: PyTorch's named_parameters() lists it, so the Parameters table does, marked frozen
    expect(counts).toEqual({ pos: 0, fc: 15, bn: 6 });
    expect(report.totalParameters).toBe(21);
    expect(report.frozenParameters).toBe(4);
    expect(report.buffers.map((b) => b.name).sort()).toEqual(["bn.num_batches_tracked", "bn.running_mean", "bn.running_var", "pos.pe"].sort());
    expect(report.parameters.filter((p) => p.frozen).map((p) => p.name)).toEqual(["pos.scale"]);
  });
  it("list a frozen parameter (requires_grad false) as a parameter, in PyTorch's named_parameters() order, not as a buffer", () => {
    const dir = writeFiles({
      "model.ts": `${header}export class M extends nn.Module {
  a = new nn.Linear(3, 4);
  bn = new nn.BatchNorm1d(4);
  b = new nn.Linear(4, 2);
  constructor() {
    super();
    this.a.weight.requiresGrad = false;
    for (const p of this.bn.parameters()) p.requires_grad = false;
  }
  forward(x: Tensor<[Batch, 3]>) { return this.b(this.bn(this.a(x))); }
}
`,
    });
    const report = modelReport(generate(join(dir, "model.ts"), { target: "cpu" }));
    // model.named_parameters(): a.weight, a.bias, bn.weight, bn.bias, b.weight, b.bias
    expect(report.parameters.map((p) => `${p.name}${p.frozen ? " frozen" : ""}`)).toEqual(["a.weight frozen", "a.bias", "bn.weight frozen", "bn.bias frozen", "b.weight", "b.bias"]);
    expect(report.buffers.map((b) => b.name)).toEqual(["bn.running_mean", "bn.running_var", "bn.num_batches_tracked"]);
    expect([report.totalParameters, report.frozenParameters]).toEqual([14, 20]);
    expect(formatReport(report)).toMatch(/\n  a\.weight +\[4, 3\] +12  frozen \(requires_grad false\)\n  a\.bias +\[4\] +4\n/);
  });
});

describe("optimizer flags PyTorch users pass", () => {
  const net = (optimizer: string) => `${header}
export class Net extends nn.Module {
  fc = new nn.Linear(4, 3);
  forward(x: Tensor<[Batch, 4]>) { return this.fc(x); }
}
export const training = new Training(Net, { loss: new nn.MSELoss(), optimizer: ${optimizer} });`;
  it("torch.optim's optimizers tsdp does not implement, and swa_utils (a weight average kept in the loop), are refused saying what to do", () => {
    const first = (optimizer: string) => diagnosticsOf(net(optimizer)).map((d) => `${d.code} ${d.message}`)[0];
    expect(first("new optim.LBFGS({ lr: 1 })")).toMatch(/^TSDP3001 optim\.LBFGS is not supported: .*closure.*tsdp's optimizers are optim\.SGD, Adam/);
    expect(first("new optim.Rprop()")).toMatch(/^TSDP3001 optim\.Rprop is not supported: Rprop is not implemented; tsdp's optimizers are/);
    for (const spelled of ["swaUtils", "swa_utils"])
      expect(first(`new optim.SGD(), extra: new optim.${spelled}.AveragedModel()`)).toMatch(/^TSDP3001 optim\.swa(Utils|_utils) is not supported: .*after optimizer\.step\(\).*model\.stateDict\(\).*loadStateDict/);
  });
  it("implementation switches (foreach, fused, capturable, differentiable) and the variants at their default (amsgrad, maximize: false) change nothing", () => {
    const plain = lowerSource(net("new optim.Adam({ lr: 0.01 })")).graph.optimizer;
    const flagged = lowerSource(net("new optim.Adam({ lr: 0.01, amsgrad: false, maximize: false, foreach: null, fused: true, capturable: false, differentiable: false })")).graph.optimizer;
    expect(flagged).toEqual(plain);
    expect(lowerSource(net("new optim.SGD({ lr: 0.1, momentum: 0.9, maximize: false, foreach: true })")).graph.optimizer).toEqual(lowerSource(net("new optim.SGD({ lr: 0.1, momentum: 0.9 })")).graph.optimizer);
    // RMSprop's defaults are PyTorch's: lr 1e-2, alpha 0.99, eps 1e-8
    expect(lowerSource(net("new optim.RMSprop({ centered: false, foreach: true })")).graph.optimizer).toEqual({ kind: "RMSprop", lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0 });
  });
  it("the variants when true are the spec's switches (the update's: compiler/reference/optim.ts); a flag that is not a boolean is refused at the option", () => {
    expect(lowerSource(net("new optim.AdamW({ amsgrad: true, maximize: true })")).graph.optimizer).toMatchObject({ kind: "AdamW", amsgrad: true, maximize: true });
    expect(lowerSource(net("new optim.RMSprop({ centered: true })")).graph.optimizer).toMatchObject({ kind: "RMSprop", centered: true });
    expect(lowerSource(net("new optim.NAdam({ decoupledWeightDecay: true })")).graph.optimizer).toMatchObject({ kind: "NAdam", decoupledWeightDecay: true });
    expect(lowerSource(net("new optim.Adagrad({ lrDecay: 0.1, initialAccumulatorValue: 0.2 })")).graph.optimizer).toMatchObject({ kind: "Adagrad", lrDecay: 0.1, initialAccumulatorValue: 0.2 });
    // the column of the option's value in the declaration's line
    const first = (optimizer: string, value: string) => {
      const line = net(optimizer).split("\n").at(-1)!;
      return diagnosticsOf(net(optimizer)).map((d) => `${d.code} ${d.message} ${d.loc?.col === line.indexOf(value) + 1 ? "at the value" : `at col ${d.loc?.col}`}`)[0];
    };
    expect(first('new optim.Adam({ fused: "yes" })', '"yes"')).toMatch(/^TSDP\d+ optim\.Adam: fused must be true, false or null, got the string "yes" at the value$/);
    expect(first('new optim.Adam({ amsgrad: "yes" })', '"yes"')).toMatch(/^TSDP\d+ optim\.Adam: amsgrad must be true or false, got the string "yes" at the value$/);
    // a switch of another optimizer is no option of this one
    expect(first("new optim.SGD({ amsgrad: true })", "amsgrad")).toMatch(/^TSDP3004 optim\.SGD has no option 'amsgrad'/);
  });
  it("param groups (PyTorch's param_groups): each trained parameter in at most one, by a function of (name, p), one in none left as it is; a group's own weight decay", () => {
    const groups = (g: string) => net(`new optim.AdamW([${g}], { lr: 0.01 })`);
    expect(lowerSource(groups("{ params: (n: string, p: Tensor) => p.dim() >= 2, weightDecay: 0.1 }, { params: (n: string, p: Tensor) => p.dim() < 2 }")).graph.optimizer).toEqual({
      kind: "AdamW", lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01,
      groups: [{ params: ["fc.weight"], weightDecay: 0.1 }, { params: ["fc.bias"] }],
    });
    const first = (g: string) => diagnosticsOf(groups(g)).map((d) => `${d.code} ${d.message}`)[0];
    expect(first("{ params: (n: string) => n.startsWith(\"fc\") }, { params: (n: string) => n.endsWith(\"bias\") }")).toMatch(/^TSDP5004 parameter 'fc\.bias' \[3\] is in param groups 0 and 1; each trained parameter must be in exactly one$/);
    // one in no group is not updated, as PyTorch's optimizer over some of the parameters (optim.SGD(model.fc.parameters())):
    // the internal group the update skips; a declaration in which no group holds any parameter is refused, as PyTorch's empty parameter list
    expect(lowerSource(groups("{ params: (n: string) => n === \"fc.weight\", weightDecay: 0.1 }")).graph.optimizer!.groups).toEqual([
      { params: ["fc.weight"], weightDecay: 0.1 },
      { params: ["fc.bias"], lr: 0, weightDecay: 0, internal: true, skipped: true },
    ]);
    expect(first("{ params: (n: string) => n.startsWith(\"head\") }")).toMatch(/^TSDP5004 no trained parameter is in any param group, so AdamW would update nothing .*'fc\.weight', 'fc\.bias'$/);
    expect(first("{ params: (n: string) => 1 }")).toMatch(/^TSDP5004 param group 0's params function must return true or false, got the number 1/);
    // a group's own betas and eps (PyTorch's param_groups keys); a switch that shapes every parameter's update is the optimizer's
    expect(lowerSource(groups("{ params: (n: string) => n === \"fc.weight\", betas: [0.5, 0.9], eps: 1e-3 }, { params: (n: string) => n === \"fc.bias\" }")).graph.optimizer!.groups).toEqual([
      { params: ["fc.weight"], beta1: 0.5, beta2: 0.9, eps: 1e-3 },
      { params: ["fc.bias"] },
    ]);
    expect(first("{ params: (n: string) => true, amsgrad: true }")).toMatch(/^TSDP3004 optim\.AdamW: param group 0 sets amsgrad, which tsdp compiles into the update of every parameter .*set it in the optimizer's options instead/);
    expect(first("{ params: (n: string) => true, momentum: 0.9 }")).toMatch(/^TSDP3004 optim\.AdamW: param group 0 sets momentum; a group of optim\.AdamW may set params, lr, weightDecay, betas, eps$/);
    expect(first("{ params: (n: string) => true, betas: [0.9, 1] }")).toMatch(/^TSDP3004 optim\.AdamW: param group 0's betas must be two numbers in \[0, 1\), got /);
    expect(lowerSource(groups("{ params: (n: string) => true, lr: 0.5 }")).graph.optimizer!.groups).toEqual([{ params: ["fc.weight", "fc.bias"], lr: 0.5 }]);
    expect(diagnosticsOf(net("new optim.SGD([{ params: (n: string) => true, lr: 0.5 }], { lr: 0 })")).map((d) => `${d.code} ${d.message}`)[0]).toMatch(/^TSDP5004 a param group sets its own lr.*the optimizer's lr must then be > 0, got 0/);
    // each optimizer's own per-group keys: SGD's momentum, dampening, nesterov (torch.optim.SGD's nesterov rule per group,
    // with the optimizer's where the group has none), RMSprop's alpha, eps, momentum, Adadelta's rho (held as alpha)
    const sgd = (g: string, o = "{ lr: 0.1, momentum: 0.9 }") => net(`new optim.SGD([${g}], ${o})`);
    expect(lowerSource(sgd("{ params: (n: string) => n === \"fc.weight\", momentum: 0.5, dampening: 0.1 }, { params: (n: string) => n === \"fc.bias\", nesterov: true }")).graph.optimizer!.groups).toEqual([
      { params: ["fc.weight"], momentum: 0.5, dampening: 0.1 },
      { params: ["fc.bias"], nesterov: true },
    ]);
    expect(diagnosticsOf(sgd("{ params: (n: string) => true, nesterov: true }", "{ lr: 0.1 }")).map((d) => `${d.code} ${d.message}`)[0]).toMatch(/^TSDP3004 optim\.SGD: param group 0: nesterov momentum requires a momentum > 0 and zero dampening, got momentum 0 and dampening 0$/);
    expect(lowerSource(net("new optim.RMSprop([{ params: (n: string) => true, alpha: 0.5, eps: 0.1, momentum: 0.2 }])")).graph.optimizer!.groups).toEqual([{ params: ["fc.weight", "fc.bias"], alpha: 0.5, eps: 0.1, momentum: 0.2 }]);
    expect(lowerSource(net("new optim.Adadelta([{ params: (n: string) => true, rho: 0.5 }])")).graph.optimizer!.groups).toEqual([{ params: ["fc.weight", "fc.bias"], alpha: 0.5 }]);
    expect(diagnosticsOf(net("new optim.NAdam([{ params: (n: string) => true, betas: [0.5, 0.9] }])")).map((d) => `${d.code} ${d.message}`)[0]).toMatch(/^TSDP3004 optim\.NAdam: param group 0 sets betas; a group of optim\.NAdam may set params, lr, weightDecay, eps \(NAdam's μ product is kept once/);
    expect(first("{ params: [\"fc.weight\"] }")).toMatch(/^TSDP3003 optim\.AdamW: param group 0's params must be a function/);
    expect(first(Array(9).fill("{ params: (n: string) => true }").join(", "))).toMatch(/^TSDP3004 optim\.AdamW: param groups must be 1 to 8 objects/);
  });
  it("clipGradNorm in the Training (clip_grad_norm_'s max_norm) goes with the optimizer's hyperparameters; 0 is none; a negative one is refused at the value", () => {
    expect(lowerSource(net("new optim.SGD({ lr: 0.1 }), clipGradNorm: 1.5")).graph.optimizer).toEqual({ kind: "SGD", lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, clipGradNorm: 1.5 });
    expect(lowerSource(net("new optim.SGD({ lr: 0.1 }), clipGradNorm: 0")).graph.optimizer).toEqual(lowerSource(net("new optim.SGD({ lr: 0.1 })")).graph.optimizer);
    const source = net("new optim.SGD({ lr: 0.1 }), clipGradNorm: -1");
    const [d] = diagnosticsOf(source);
    expect(`${d.code} ${d.message}`).toMatch(/^TSDP3004 .*clipGradNorm.*-1/);
    expect(d.loc?.col).toBe(source.split("\n").at(-1)!.indexOf("-1") + 1);
  });
  it("clipGradNorm as { maxNorm, normType } is clip_grad_norm_'s norm_type (Infinity or \"inf\": the largest |g|); clipGradValue is clip_grad_value_; both, a bad normType or errorIfNonfinite are refused", () => {
    const spec = (o: string) => lowerSource(net(`new optim.SGD({ lr: 0.1 }), ${o}`)).graph.optimizer;
    expect(spec("clipGradNorm: { maxNorm: 1, normType: Infinity }")).toMatchObject({ clipGradNorm: 1, clipGradNormType: "inf" });
    expect(spec("clipGradNorm: { maxNorm: 1, normType: \"inf\" }")).toMatchObject({ clipGradNorm: 1, clipGradNormType: "inf" });
    expect(spec("clipGradNorm: { maxNorm: 0.5, normType: 1 }")).toMatchObject({ clipGradNorm: 0.5, clipGradNormType: 1 });
    // norm_type 2 is the default: the same spec as the plain number
    expect(spec("clipGradNorm: { maxNorm: 1.5, normType: 2 }")).toEqual(spec("clipGradNorm: 1.5"));
    expect(spec("clipGradValue: 0.25")).toMatchObject({ clipGradValue: 0.25 });
    expect(spec("clipGradValue: 0.25")).not.toHaveProperty("clipGradNorm");
    const first = (o: string) => diagnosticsOf(net(`new optim.SGD({ lr: 0.1 }), ${o}`)).map((d) => `${d.code} ${d.message}`)[0];
    expect(first("clipGradNorm: 1, clipGradValue: 0.5")).toMatch(/^TSDP3004 Training: clipGradNorm and clipGradValue together: .*declare one$/);
    expect(first("clipGradNorm: { maxNorm: 1, normType: 0 }")).toMatch(/^TSDP3004 Training: clipGradNorm's normType must be a number > 0, or Infinity/);
    expect(first("clipGradNorm: { maxNorm: 1, errorIfNonfinite: true }")).toMatch(/^TSDP3004 Training: clipGradNorm's errorIfNonfinite is not supported: .*detectNonFinite/);
    expect(first("clipGradNorm: { normType: 1 }")).toMatch(/maxNorm/);
  });
});

describe("F.zerosLike, F.onesLike, F.fullLike", () => {
  const like = (body: string, input = "Tensor<[Batch, 3]>") => `${header}export class M extends nn.Module {\n  forward(x: ${input}) {\n    ${body}\n  }\n}\n`;
  it("are the value at every element of x's shape, the batch's included, whatever x holds (NaN too)", () => {
    const { graph } = lowerSource(like("return [F.zerosLike(x), F.onesLike(x).mul(2), F.fullLike(x, -Infinity)];"));
    // every output is x's shape, its symbolic batch dim included
    for (const o of graph.outputs) expect(formatShape(o.shape)).toBe("[Batch, 3]");
    const x = nd([2, 3], [1, Number.NaN, -2, Infinity, 0, 5]);
    const out = runReference(graph, { x }, { params: new Map(), buffers: new Map() }).outputs.map((o) => Array.from(o.data));
    expect(out).toEqual([Array(6).fill(0), Array(6).fill(2), Array(6).fill(-Infinity)]);
  });
  it("of an int32 input are int32 (PyTorch's), unless dtype says float32; in a constructor, are a tensor made there", () => {
    const ints = lowerSource(like('return [F.zerosLike(x).add(1), F.fullLike(x, 2.9), F.onesLike(x, { dtype: "float32" })];', 'Tensor<[Batch, 3], "int32">')).graph;
    expect(ints.outputs.map((o) => o.dtype)).toEqual(["i32", "i32", "f32"]);
    const got = runReference(ints, { x: nd([1, 3], [7, 8, 9]) }, { params: new Map(), buffers: new Map() }).outputs.map((o) => Array.from(o.data));
    // an int32 fill is the value rounded toward zero
    expect(got).toEqual([[1, 1, 1], [2, 2, 2], [1, 1, 1]]);
    const { graph } = lowerSource(`${header}export class M extends nn.Module {\n  p = new nn.Parameter(F.onesLike(F.zeros([2])));\n  forward(x: Tensor<[Batch, 2]>) { return x.add(this.p); }\n}\n`);
    expect(graph.params.map((p) => [p.attrs.name, p.shape, p.attrs.init])).toEqual([["p", [2], { kind: "constant", value: 1 }]]);
  });
});

describe("F.zeros, F.ones, F.full sized by the batch (x.size(0)) in forward", () => {
  const net = (body: string) => `${header}export class M extends nn.Module {\n  forward(x: Tensor<[Batch, 3]>) {\n    ${body}\n  }\n}\n`;
  it("are each replica's own batch of the value, the batch in any dim, as torch.zeros(layers, x.size(0), H)", () => {
    const { graph } = lowerSource(net("const h = F.ones(2, x.size(0), 3);\n    return [F.zeros([x.size(0), 3]).add(x), h.transpose(0, 1).flatten(1), F.full([x.size(0), 2], -1.5)];"));
    expect(graph.outputs.map((o) => formatShape(o.shape))).toEqual(["[Batch, 3]", "[Batch, 6]", "[Batch, 2]"]);
    const x = nd([2, 3], [1, Number.NaN, -2, Infinity, 0, 5]);
    const out = runReference(graph, { x }, { params: new Map(), buffers: new Map() }).outputs.map((o) => Array.from(o.data));
    expect(out).toEqual([Array.from(x.data), Array(12).fill(1), Array(4).fill(-1.5)]);
  });
  it("refuse the batch twice, at the call, and draw with it anywhere", () => {
    const first = (source: string) => diagnosticsOf(source).map((d) => `${d.code} ${d.message} line ${d.loc?.line}`)[0];
    expect(first(net("return F.zeros([x.size(0), x.size(0)]).sum(1, true);"))).toMatch(/^TSDP2003 F\.zeros: the size names the batch size 2 times \(dims 0, 1\); a tensor may have one batch dim line 4$/);
    expect(first(net("return x.add(F.randn([x.size(0), x.size(0)]).sum(1, true));"))).toMatch(/^TSDP2003 F\.randn: the size names the batch size 2 times.* line 4$/);
    expect(() => lowerSource(net("return x.add(F.randn(3, x.size(0)).t());"))).not.toThrow();
  });
});

describe("the batch size (x.size(0)) as a number in tensor arithmetic", () => {
  const net = (body: string) => `${header}export class M extends nn.Module {\n  forward(x: Tensor<[Batch, 3]>) {\n    const b = x.size(0);\n    ${body}\n  }\n}\n`;
  it("is a batch_size op, each call's batch times its multiple, an integer as PyTorch's Python int (an int32 tensor plus it stays int32)", () => {
    const { graph } = lowerSource(
      net("return [x.add(b), F.stack([F.arange(b).add(b), F.arange(b)], 1), x.rsub(b), x.mul(b * 2), F.full([b, 2], b), x.gt(0).add(b), x.floorDivide(b)];"),
    );
    expect(graph.nodes.filter((n) => n.op === "batch_size").map((n) => n.attrs.c)).toEqual([1, 1, 1, 2, 1, 1, 1]);
    expect(graph.outputs.map((o) => `${o.dtype} ${formatShape(o.shape)}`)).toEqual(["f32 [Batch, 3]", "i32 [Batch, 2]", "f32 [Batch, 3]", "f32 [Batch, 3]", "i32 [Batch, 2]", "i32 [Batch, 3]", "f32 [Batch, 3]"]);
    // a batch of 2: b = 2
    const x = nd([2, 3], [1, -2, 3.5, 0, 5, -1]);
    const out = runReference(graph, { x }, { params: new Map(), buffers: new Map() }).outputs.map((o) => Array.from(o.data));
    expect(out).toEqual([[3, 0, 5.5, 2, 7, 1], [2, 0, 3, 1], [1, 4, -1.5, 2, -3, 3], [4, -8, 14, 0, 20, -4], [2, 2, 2, 2], [3, 2, 3, 2, 3, 2], [0, -1, 1, 0, 2, -1]]);
  });
  // PyTorch: x % b and torch.fmod(t, b) with b = x.size(0), a Python int (SimCLR's shifted labels
  // (arange(b) + 1) % b); an int tensor's result is integer, a float one's float, Python's sign rules
  it("is the divisor of remainder and fmod (an int tensor's result int32)", () => {
    const { graph } = lowerSource(net("return [F.arange(b).add(1).remainder(b), x.remainder(b), F.fmod(x, b), x.mul(0).add(1).sub(F.arange(b).unsqueeze(1).mul(3)).remainder(b * 2)];"));
    expect(graph.nodes.filter((n) => n.op === "batch_size").map((n) => n.attrs.c)).toEqual([1, 1, 1, 2]);
    expect(graph.outputs.map((o) => `${o.dtype} ${formatShape(o.shape)}`)).toEqual(["i32 [Batch]", "f32 [Batch, 3]", "f32 [Batch, 3]", "f32 [Batch, 3]"]);
    // a batch of 2: (i + 1) % 2, x % 2 (sign of the divisor), fmod (sign of x), (1 − 3i) % 4
    const x = nd([2, 3], [1, -3, 3.5, 0, 5, -1]);
    const out = runReference(graph, { x }, { params: new Map(), buffers: new Map() }).outputs.map((o) => Array.from(o.data));
    expect(out).toEqual([[1, 0], [1, 1, 1.5, 0, 1, 1], [1, -1, 1.5, 0, 1, -1], [1, 1, 1, 2, 2, 2]]);
  });
  // PyTorch takes a Python int in each: masked_fill and full_like keep x's dtype (the value cast to
  // it; a bool x takes True), torch.where of a tensor and an int keeps the tensor's dtype and of two
  // ints is int64, clamp of an int tensor by ints stays int, int ** int is int (type promotion docs)
  it("is the value of maskedFill, F.where, clamp's bounds, F.fullLike and pow's exponent, in PyTorch's dtypes", () => {
    const { graph } = lowerSource(
      net(`const i = F.arange(b).unsqueeze(1).mul(2);
    return [x.maskedFill(x.gt(0), b), i.maskedFill(i.gt(0), b), x.gt(0).maskedFill(x.lt(-1), b), F.where(x.gt(0), x, b), F.where(x.gt(0), b, 0), F.where(i.gt(0), i, b),
      x.mul(10).clamp(0, b), i.clamp(b), x.clampMax(b), F.clamp(x, { min: b }), F.fullLike(x, b), F.fullLike(i, b), x.pow(b), i.pow(b),
      F.pow(b, x), F.pow(b, i), x.mul(1).fill_(b), i.mul(1).fill_(b), x.gt(0).fill_(b), i.add(F.tensor(b)), x.add(F.tensor(b, { dtype: "float32" }))];`),
    );
    expect(graph.outputs.map((o) => `${o.dtype}${o.shape.length}`).join(" ")).toBe("f322 i322 f322 f322 i322 i322 f322 i322 f322 f322 f322 i322 f322 i322 f322 i322 f322 i322 f322 i322 f322");
    const x = [1, -2, 3.5, 0, 5, -1, 2.5, -0.5, 4];
    // each output's values at batch B (b = B) from x's first B rows and i = 2·[0, …, B − 1]
    const want = (B: number) => {
      const xs = x.slice(0, 3 * B);
      const i = Array.from({ length: B }, (_, k) => 2 * k);
      return [
        xs.map((v) => (v > 0 ? B : v)), i.map((v) => (v > 0 ? B : v)), xs.map((v) => (v < -1 || v > 0 ? 1 : 0)),
        xs.map((v) => (v > 0 ? v : B)), xs.map((v) => (v > 0 ? B : 0)), i.map((v) => (v > 0 ? v : B)),
        xs.map((v) => Math.min(Math.max(10 * v, 0), B)), i.map((v) => Math.max(v, B)), xs.map((v) => Math.min(v, B)), xs.map((v) => Math.max(v, B)),
        xs.map(() => B), i.map(() => B), xs.map((v) => v ** B), i.map((v) => v ** B),
        xs.map((v) => B ** v), i.map((v) => B ** v), xs.map(() => B), i.map(() => B), xs.map(() => 1), i.map((v) => v + B), xs.map((v) => v + B),
      ];
    };
    for (const B of [2, 3]) {
      const out = runReference(graph, { x: nd([B, 3], x.slice(0, 3 * B)) }, { params: new Map(), buffers: new Map() }).outputs.map((o) => Array.from(o.data));
      expect(out).toEqual(want(B));
    }
  });
  // torch.scalar_tensor(b) is a float32 0-dim tensor of the int (the default dtype, as scalar_tensor(3) is
  // tensor(3.)); with dtype an int one. Was TSDP2003 "s cannot depend on the batch size", where F.tensor(b) worked
  it("is F.scalarTensor's number: float32 by default, int with dtype int32", () => {
    const { graph } = lowerSource(net(`return [x.mul(0).add(F.scalarTensor(b)), F.arange(b).add(F.scalarTensor(b - 1, { dtype: "int32" }))];`));
    expect(graph.outputs.map((o) => o.dtype)).toEqual(["f32", "i32"]);
    for (const B of [2, 3]) {
      const out = runReference(graph, { x: nd([B, 3], new Array(3 * B).fill(1)) }, { params: new Map(), buffers: new Map() }).outputs.map((o) => Array.from(o.data));
      expect(out).toEqual([new Array(3 * B).fill(B), Array.from({ length: B }, (_, k) => k + B - 1)]);
    }
  });
  // torch.add(x, y, alpha=b), torch.lerp(x, y, b), F.threshold(x, t, b), x.index_fill(d, i, b), addcmul's value,
  // index_add's alpha and addmm's beta/alpha take a Python int: were TSDP2003 "… cannot depend on the batch size"
  it("is the alpha of add and sub, lerp's weight, threshold's bounds, indexFill's value and the scale factors of addcmul, addcdiv, indexAdd and addmm", () => {
    const { graph } = lowerSource(
      net(`const i = F.arange(b).unsqueeze(1).mul(2);
    return [x.add(x, { alpha: b }), x.sub(1, { alpha: b - 1 }), x.add(b, { alpha: 2 }), i.add(i, { alpha: b }), x.lerp(x.mul(3), b), F.threshold(x, 0.5, b), F.threshold(x, b, -1),
      x.indexFill(1, F.tensor([0, 2]), b), i.indexFill(1, F.tensor([0]), b), x.addcmul(x, x, { value: b }), x.addcdiv(x, x.abs().add(1), { value: b }),
      x.indexAdd(1, F.tensor([2]), x.narrow(1, 0, 1), { alpha: b }), F.addmm(x, x, F.eye(3), { beta: b, alpha: 1 - b })];`),
    );
    expect(graph.outputs.map((o) => `${o.dtype}${o.shape.length}`).join(" ")).toBe("f322 f322 f322 i322 f322 f322 f322 f322 i322 f322 f322 f322 f322");
    const x = [1, -2, 3.5, 0, 5, -1, 2.5, -0.5, 4];
    // each output's values at batch B (b = B) from x's first B rows and i = 2·[0, …, B − 1], by torch's formulas
    const want = (B: number) => {
      const xs = x.slice(0, 3 * B);
      const i = Array.from({ length: B }, (_, k) => 2 * k);
      const col = (k: number) => k % 3;
      return [
        xs.map((v) => v + B * v), xs.map((v) => v - (B - 1)), xs.map((v) => v + 2 * B), i.map((v) => v + B * v), xs.map((v) => v + B * (3 * v - v)),
        xs.map((v) => (v <= 0.5 ? B : v)), xs.map((v) => (v <= B ? -1 : v)),
        xs.map((v, k) => (col(k) === 1 ? v : B)), i.map(() => B), xs.map((v) => v + B * v * v), xs.map((v) => v + (B * v) / (Math.abs(v) + 1)),
        xs.map((v, k) => (col(k) === 2 ? v + B * xs[k - 2] : v)), xs.map((v) => B * v + (1 - B) * v),
      ];
    };
    for (const B of [2, 3]) {
      const out = runReference(graph, { x: nd([B, 3], x.slice(0, 3 * B)) }, { params: new Map(), buffers: new Map() }).outputs.map((o) => Array.from(o.data));
      out.forEach((o, k) => o.forEach((v, j) => expect(v, `output ${k} [${j}] at batch ${B}`).toBeCloseTo(want(B)[k][j], 5)));
    }
  });
  // int_tensor.add(3, alpha=b) is int64 in PyTorch (3·b a Python int); was float32: 3·b multiplied as 0-dim tensors
  // is a float32 that type promotion reads as a float, where batch_size {c, d} alone reads as an int
  it("keeps an integer tensor's dtype when a number times b is added: i.add(3, { alpha: b }), i.sub(b - 1, { alpha: 2 })", () => {
    const { graph } = lowerSource(
      net(`const i = F.arange(b).unsqueeze(1);
    return [i.add(3, { alpha: b }), i.sub(b - 1, { alpha: 2 }), F.add(i, -2, { alpha: b }), i.add(3.0, { alpha: b }), i.add(2.5, { alpha: b })];`),
    );
    expect(graph.outputs.map((o) => o.dtype)).toEqual(["i32", "i32", "i32", "f32", "f32"]);
    for (const B of [2, 3]) {
      const out = runReference(graph, { x: nd([B, 3], new Array(3 * B).fill(0)) }, { params: new Map(), buffers: new Map() }).outputs.map((o) => Array.from(o.data));
      const i = Array.from({ length: B }, (_, k) => k);
      expect(out).toEqual([i.map((v) => v + 3 * B), i.map((v) => v - 2 * (B - 1)), i.map((v) => v - 2 * B), i.map((v) => v + 3 * B), i.map((v) => v + 2.5 * B)]);
    }
  });
  // PyTorch's b - 1, b + 1, 2 * b - 2, -b are Python ints too: c·b + d is batch_size {c, d}; only k·b is a size
  it("takes c·b + d written in JavaScript (b - 1, 1 - b, -b) as a number of tensor arithmetic, and b - 1 + 1 as a size again", () => {
    const { graph } = lowerSource(
      net(`const i = F.arange(b);
    return [x.add(b - 1), i.add(b - 1), x.div(b + 1), F.full([b, 1], 1 - b), x.mul(-b), x.maskedFill(x.gt(0), 2 * b - 2), i.pow(b - 1), x.clamp(0, (2 * b - 2) / 2), x.view(b - 1 + 1, 3).mul(b - b)];`),
    );
    expect(graph.nodes.filter((n) => n.op === "batch_size").map((n) => [n.attrs.c, n.attrs.d])).toEqual([[1, -1], [1, -1], [1, 1], [-1, 1], [-1, undefined], [2, -2], [1, -1], [1, -1]]);
    expect(graph.outputs.map((o) => `${o.dtype} ${formatShape(o.shape)}`).join(" ")).toBe("f32 [Batch, 3] i32 [Batch] f32 [Batch, 3] i32 [Batch, 1] f32 [Batch, 3] f32 [Batch, 3] i32 [Batch] f32 [Batch, 3] f32 [Batch, 3]");
    const x = [1, -2, 3.5, 0, 5, -1, 2.5, -0.5, 4];
    for (const B of [2, 3]) {
      const xs = x.slice(0, 3 * B);
      const i = Array.from({ length: B }, (_, k) => k);
      const out = runReference(graph, { x: nd([B, 3], xs) }, { params: new Map(), buffers: new Map() }).outputs.map((o) => Array.from(o.data));
      expect(out).toEqual([
        xs.map((v) => v + B - 1), i.map((v) => v + B - 1), xs.map((v) => v / (B + 1)), i.map(() => 1 - B), xs.map((v) => v * -B), xs.map((v) => (v > 0 ? 2 * B - 2 : v)),
        i.map((v) => v ** (B - 1)), xs.map((v) => Math.min(Math.max(v, 0), B - 1)), xs.map((v) => v * 0),
      ]);
    }
    const first = (body: string) => diagnosticsOf(net(body)).map((d) => `${d.code} ${d.message}`)[0];
    // a shape from b - 1 would change with each share in another way than the batch's: refused, saying what works
    expect(first("return F.zeros(b + 1, 3);")).toMatch(/^TSDP2003 F\.zeros: a size of b \+ 1 \(b the batch size: a number of tensor arithmetic, not a size\): only the batch size or a multiple of it/);
    expect(first("return x.view(b - 1, -1);")).toMatch(/^TSDP3003 view: sizes must be integers, got b - 1 \(b the batch size/);
    expect(first("return F.arange(b - 1);")).toMatch(/^TSDP2003 F\.arange over the batch size runs from 0 to it in steps of 1/);
    expect(first("if (b - 1 > 2) return x;\n    return x.mul(2);")).toBe("TSDP2007 this comparison depends on the batch size, which is known only at run time");
  });
  it("a comparison every batch size answers alike is that answer (torchcfm's assert len(t) == x0.shape[0]); one that depends on it is refused", () => {
    const first = (body: string) => diagnosticsOf(net(body)).map((d) => `${d.code} ${d.message}`)[0];
    // each returns x when the comparison is true, -x when false: a run at B = 2 tells which was taken
    const taken = (cond: string) => {
      const { graph } = lowerSource(net(`const t = F.rand(b);\n    if (${cond}) return x;\n    return x.neg();`));
      const out = runReference(graph, { x: nd([2, 3], [1, 1, 1, 1, 1, 1]) }, { params: new Map(), buffers: new Map() }).outputs[0];
      return out.data[0] === 1;
    };
    expect(taken("t.shape[0] === x.shape[0]")).toBe(true);
    expect(taken("t.size(0) !== b")).toBe(false);
    expect(taken("b - 1 < b")).toBe(true);
    expect(taken("0 < b")).toBe(true);
    expect(taken("b >= 1")).toBe(true);
    expect(taken("2 * b === b")).toBe(false);
    expect(taken("b === 0")).toBe(false);
    expect(taken("b + 1 <= 1")).toBe(false);
    expect(taken("b === b + 1")).toBe(false);
    // the runtime never runs a share of 0 samples, so B ≥ 1; where B decides, the refusal stands
    for (const cond of ["b === 4", "1 < b", "2 * b === b + 3", "b - 1 > 2"])
      expect(first(`if (${cond}) return x;\n    return x.neg();`)).toBe("TSDP2007 this comparison depends on the batch size, which is known only at run time");
  });
  it("uses the batch size where an op's argument must be known when compiling: a clear refusal", () => {
    const first = (body: string) => diagnosticsOf(net(body)).map((d) => `${d.code} ${d.message}`)[0];
    // torch.pow(2, 3) raises TypeError: one of them must be a tensor
    expect(first("return x.add(F.pow(2, b));")).toMatch(/^TSDP3003 F\.pow: one of input and exponent must be a tensor/);
    // b / 2 is a float in PyTorch, b * b no c·b + d: the message says how to write them
    expect(first("return x.mul(b / 2);")).toBe("TSDP2003 '/' with the batch size b: tensor arithmetic takes c·b + d of whole c and d (b - 1, 2 * b + 1), and a size only k·b; for b / 2 or b % 2 give b itself to tensor arithmetic (x.mul(b).div(2) for x · (b / 2), F.full([], b).floorDivide(2) for b // 2)");
    expect(first("return x.mul(b * b);")).toMatch(/^TSDP2003 '\*' with the batch size b: tensor arithmetic takes c·b \+ d/);
    // where the batch cancels the quotient is a number at every batch size: (6·b) / (2·b) = 3 (TimeSformer's copies per sample)
    const { graph } = lowerSource(net("const r = Math.floor(x.repeat(6, 1).size(0) / x.repeat(2, 1).size(0));\n    return x.mul(r).add((b + 1) / (2 * b + 2));"));
    expect(Array.from(runReference(graph, { x: nd([2, 3], [1, 1, 1, 1, 1, 1]) }, { params: new Map(), buffers: new Map() }).outputs[0].data)).toEqual([3.5, 3.5, 3.5, 3.5, 3.5, 3.5]);
    expect(first("return x.mul(b / (b + 1));")).toMatch(/^TSDP2003 '\/' with the batch size b/);
    expect(first("return F.arange(1, b).float();")).toMatch(/^TSDP2003 F\.arange over the batch size runs from 0 to it in steps of 1/);
    // not folded as a constant (it was, at batch 1: a mask of [1, 0, 0] selected one column at every batch size)
    expect(first("return x.index(':', F.arange(3).lt(b));")).toMatch(/^TSDP3003 index: a tensor index must be an int32 tensor .*a mask of 0\/1 floats selects a data-dependent count/);
    expect(first("return x.repeatInterleave(F.ones(3).mul(b).int(), 1);")).toMatch(/^TSDP3004 repeatInterleave: repeats must be a positive integer/);
  });
});

describe("array destructuring assignment ([h, c] = cell(x, [h, c]))", () => {
  const net = (body: string) => `${header}export class M extends nn.Module {\n  forward(x: Tensor<[Batch, 3]>) {\n    ${body}\n  }\n}\n`;
  it("assigns each element in order, after the right side is evaluated (a swap works), with holes, rest and defaults", () => {
    const { graph } = lowerSource(net("let a = x.mul(2);\n    let b = x.mul(3);\n    [a, b] = [b, a];\n    let c = x;\n    let rest: Tensor[] = [];\n    [, c, ...rest] = [a, b, a, b];\n    let d = x;\n    [d = x.mul(5)] = [];\n    return [a, c, rest[1], d];"));
    const x = nd([1, 3], [1, 2, 3]);
    const out = runReference(graph, { x }, { params: new Map(), buffers: new Map() }).outputs.map((o) => Array.from(o.data));
    expect(out).toEqual([[3, 6, 9], [2, 4, 6], [2, 4, 6], [5, 10, 15]]);
  });
  it("refuses a constant among the targets, at the name", () => {
    const d = diagnosticsOf(net("const a = x;\n    let b = x;\n    [b, a] = [x, x];\n    return b;"))[0];
    expect(`${d.code} ${d.message} line ${d.loc?.line}`).toMatch(/^TSDP\d+ 'a' is a constant line 6$/);
  });
});

describe("model selection", () => {
  const two = `${header}
export class Small extends nn.Module { fc = new nn.Linear(2, 2); forward(x: Tensor<[Batch, 2]>) { return this.fc(x); } }
export class Big extends nn.Module { fc = new nn.Linear(2, 4); forward(x: Tensor<[Batch, 2]>) { return this.fc(x); } }`;
  it("defaults to the exported model that no other class uses", () => {
    const m = lowerSource(`${header}
export class Part extends nn.Module { fc = new nn.Linear(2, 2); forward(x: Tensor) { return this.fc(x); } }
export class Whole extends nn.Module { part = new Part(); forward(x: Tensor<[Batch, 2]>) { return this.part(x); } }`);
    expect(m.graph.name).toBe("Whole");
  });
  it("asks for --model when several qualify, and takes it", () => {
    expect(diagnosticsOf(two).map((d) => d.code)).toEqual(["TSDP5002"]);
    expect(lowerSource(two, "Big").graph.name).toBe("Big");
    expect(diagnosticsOf(two, "Huge")[0].message).toMatch(/no model class 'Huge'.*Small, Big/);
  });
  it("trains a class imported from another file when the file declares no model of its own", () => {
    const dir = writeFiles({
      "net.ts": `${header}export class Net extends nn.Module {
  fc = new nn.Linear(4, 3);
  forward(x: Tensor<[Batch, 4]>) { return this.fc(x); }
}
export const training = new Training(Net, { loss: new nn.CrossEntropyLoss(), optimizer: new optim.SGD({ lr: 0.1 }) });`,
      "adam.ts": `${header}import { Net } from "./net.js";
export const training = new Training(Net, { loss: new nn.CrossEntropyLoss(), optimizer: new optim.Adam({ lr: 0.001 }) });`,
      "two.ts": `${header}import { Net } from "./net.js";
export class Other extends nn.Module { fc = new nn.Linear(4, 2); forward(x: Tensor<[Batch, 4]>) { return this.fc(x); } }
`,
      "both.ts": `${header}import { Net } from "./net.js";
import { Other } from "./two.js";
export const a = new Training(Net, { loss: new nn.CrossEntropyLoss(), optimizer: new optim.SGD({ lr: 0.1 }) });
export const b = new Training(Other, { loss: new nn.CrossEntropyLoss(), optimizer: new optim.SGD({ lr: 0.1 }) });`,
    });
    const adam = lowerModel(join(dir, "adam.ts"));
    expect(adam.graph.name).toBe("Net");
    expect(adam.graph.optimizer?.kind).toBe("Adam");
    expect(names(adam)).toEqual(["fc.weight", "fc.bias"]);
    // two imported models trained in one file: which one is the user's to say
    const ambiguous = (() => {
      try {
        lowerModel(join(dir, "both.ts"));
      } catch (e) {
        return (e as CompileError).diagnostics[0];
      }
    })();
    expect(ambiguous?.code).toBe("TSDP5002");
    expect(ambiguous?.message).toMatch(/trains 2 models \(Net, Other\); choose one with --model/);
    expect(lowerModel(join(dir, "both.ts"), { model: "Other" }).graph.name).toBe("Other");
  });
});

describe("the compiler never runs model code", () => {
  it("rejects code that would have side effects, and the side effect does not happen", () => {
    const dir = writeFiles({});
    const marker = join(dir, "ran.txt");
    const diags = diagnosticsOf(`${header}
export class Net extends nn.Module {
  marker = require("node:fs").writeFileSync(${JSON.stringify(marker)}, "ran");
  fc = new nn.Linear(2, 2);
  forward(x: Tensor<[Batch, 2]>) { return this.fc(x); }
}`);
    expect(diags.map((d) => d.code)).toEqual(["TSDP2005"]);
    expect(diags[0].message).toMatch(/'require' cannot be used in a model file/);
    expect(existsSync(marker)).toBe(false);
  });
});

describe("calling what is no function", () => {
  const net = (ctor: string, forward = "return this.fc(x);") =>
    `${header}export class Net extends nn.Module {\n  fc = new nn.Linear(2, 2);\n  size = 3;\n  constructor() {\n    super();\n    ${ctor}\n  }\n  forward(x: Tensor<[Batch, 2]>) {\n    ${forward}\n  }\n}\n`;
  const message = (src: string) => diagnosticsOf(src).map((d) => `${d.code} ${d.loc?.line}:${d.loc?.col} ${d.message}`)[0];
  it("names the callee as written and what it is; PyTorch's add_module gets the way tsdp writes it", () => {
    expect(message(net('this.add_module("extra", new nn.Linear(2, 2));'))).toBe("TSDP2011 7:5 Net.add_module: the model language spells it addModule(name, module)");
    expect(message(net('this.fc.addModule("extra", new nn.Linear(2, 2));'))).toBe("TSDP2001 7:5 nn.Linear.addModule: nn.Linear has no children to add to");
    expect(message(net("", "return this.project(x);"))).toBe("TSDP2010 10:12 this.project is undefined, not a function; 'project' is not defined on this");
    expect(message(net("", "return this.fc(x).mul(this.size());"))).toMatch(/^TSDP2010 10:27 this\.size is the number 3, not a function$/);
  });
  it("PyTorch's in-place tensor methods are their out-of-place results; what value semantics cannot follow names the way to write it", () => {
    expect(lowerSource(net("", "return this.fc(x).mul_(2);")).graph.outputs[0].op).toBe("mul");
    // a view's change shows in its base, as in PyTorch (views.ts)
    expect(lowerSource(net("", "const v = x.view(-1); v.mul_(2); return x;")).graph.outputs[0].op).toBe("reshape");
    expect(message(net("", "const v = x.narrow(1, 0, 1).expand(-1, 4); v.mul_(2); return x;"))).toMatch(/^TSDP2018 10:48 mul_ writes into an expanded view, whose elements share memory locations \(PyTorch refuses it too\)/);
    expect(message(net("", "return this.fc(x).nonsense_(2);"))).toMatch(/^TSDP2011 10:12 tensors have no property 'nonsense_'/);
  });
});
