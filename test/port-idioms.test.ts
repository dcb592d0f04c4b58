// Idioms PyTorch ports are written with, through the frontend and the float64 reference: initial
// values set through the parameter (p.data.normal_(…), fill_, mul_, copy_ under torch.no_grad,
// nn.init.eye_ / dirac_, requires_grad = False), named children (an OrderedDict Sequential,
// add_module, a ModuleDict subclass as torchvision's DenseNet, ModuleList.insert), torch.no_grad
// in forward, a table's rows per sample (a[t]), repeat by the batch, F.tensor of int32 indices, an
// int32 buffer (Swin's relative_position_index). test/pytorch-spellings-target.test.ts runs
// test/fixtures/port-idioms on the CPU target.
import { describe, expect, it } from "vitest";
import { differentiate } from "../compiler/2-autodiff/backward.ts";
import type { Init } from "../compiler/ir/node.ts";
import { formatShape } from "../compiler/ir/shape.ts";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd, type NDArray } from "../compiler/reference/ndarray.ts";
import { gradCheck } from "./gradcheck.ts";
import { diagnosticsOf, header, lowerSource } from "./helpers.ts";

const model = (body: string, input: string, fields = "", before = "") => `${header}${before}\nexport class M extends nn.Module {\n  ${fields}\n  forward(${input}) {\n    ${body}\n  }\n}\n`;
const first = (src: string) => diagnosticsOf(src).map((d) => `${d.code} ${d.loc?.line}: ${d.message}`)[0];

/** Each parameter's and buffer's initializer, by name, and which are buffers. */
function declared(src: string) {
  const { graph } = lowerSource(src);
  const init = new Map<string, Init>([...graph.params, ...graph.buffers].map((p) => [p.attrs.name as string, p.attrs.init as Init]));
  return { init, params: graph.params.map((p) => p.attrs.name as string), buffers: graph.buffers.map((b) => b.attrs.name as string), graph };
}
const values = (init: Init | undefined) => (init?.kind === "values" ? Array.from(init.values) : undefined);

function outputs(src: string, inputs: Record<string, NDArray>): number[][] {
  const { graph } = lowerSource(src);
  return runReference(graph, inputs, initState(graph, 0)).outputs.map((o) => Array.from(o.data));
}

describe("initial values set through the parameter, in a constructor", () => {
  const ctor = (body: string, fields = "fc = new nn.Linear(2, 2); w = new nn.Parameter(F.zeros(2, 2));") =>
    model("return this.fc(x).add(x.matmul(this.w));", "x: Tensor<[Batch, 2]>", `${fields}\n  constructor() {\n    super();\n    ${body}\n  }`);
  it("p.data.normal_ / uniform_ / zero_ / fill_, and mul_ / add_ / sub_ / div_ on the draw, are the initializers they describe", () => {
    const { init } = declared(ctor("this.fc.weight.data.normal_(0.5, 0.6).mul_(0.5); this.fc.bias.data.uniform_(-0.2, 0.4).add_(0.1); this.w.data.fill_(3).div_(2).sub_(1);"));
    // N(0.5, 0.6²)·0.5 = N(0.25, 0.3²); U(−0.2, 0.4) + 0.1 = U(−0.1, 0.5); (3 / 2) − 1
    expect(init.get("fc.weight")).toEqual({ kind: "normal", std: 0.3, mean: 0.25 });
    const bias = init.get("fc.bias") as Extract<Init, { kind: "uniform" }>;
    expect(bias.kind).toBe("uniform");
    expect(bias.bound).toBeCloseTo(0.3, 15);
    expect(bias.center).toBeCloseTo(0.2, 15);
    expect(init.get("w")).toEqual({ kind: "constant", value: 0.5 });
    expect(declared(ctor("this.fc.weight.zero_(); this.w.data.normal_();")).init.get("fc.weight")).toEqual({ kind: "constant", value: 0 });
    // a negative scale keeps the spread positive
    expect(declared(ctor("this.w.normal_(1, 2).mul_(-3);")).init.get("w")).toEqual({ kind: "normal", std: 6, mean: -3 });
  });
  it("copy_ (under F.noGrad, as torch.no_grad) and p.data = t take a constructor tensor's values; eye_ and dirac_ as PyTorch's", () => {
    const { init } = declared(ctor("F.noGrad(() => { this.w.copy_(F.arange(4).view(2, 2)); }); this.fc.weight.data = F.eye(2).mul(3);"));
    expect(values(init.get("w"))).toEqual([0, 1, 2, 3]);
    expect(values(init.get("fc.weight"))).toEqual([3, 0, 0, 3]);
    // copy_ broadcasts as PyTorch's: a row to every row
    expect(values(declared(ctor("this.w.copy_(F.tensor([5.0, 7]));")).init.get("w"))).toEqual([5, 7, 5, 7]);
    expect(values(declared(ctor("this.w.copy_(F.tensor([[5.0], [7]]));")).init.get("w"))).toEqual([5, 5, 7, 7]);
    // eye_ of [2, 3]: ones on the leading diagonal
    const eye = model("return x.matmul(this.w);", "x: Tensor<[Batch, 2]>", "w = new nn.Parameter(F.zeros(2, 3));\n  constructor() { super(); nn.init.eye_(this.w); }");
    expect(values(declared(eye).init.get("w"))).toEqual([1, 0, 0, 0, 1, 0]);
    // dirac_ of a conv weight [4, 2, 3, 3] in 2 groups: out channel g·2 + d reads in channel d at the centre (1, 1)
    const dirac = values(
      declared(model("return this.c(x).flatten(1);", "x: Tensor<[Batch, 4, 3, 3]>", "c = new nn.Conv2d(4, 4, 3, { groups: 2 });\n  constructor() { super(); nn.init.dirac_(this.c.weight, 2); }")).init.get("c.weight"),
    )!;
    const ones = dirac.flatMap((v, i) => (v === 1 ? [i] : []));
    // element (o, i, 1, 1) is at ((o·2 + i)·3 + 1)·3 + 1: (o, i) = (0, 0), (1, 1), (2, 0), (3, 1)
    expect(ones).toEqual([0, 3, 4, 7].map((oi) => (oi * 3 + 1) * 3 + 1));
    expect(dirac.reduce((a, b) => a + b, 0)).toBe(4);
    // RCAN's MeanShift: weight.data.div_(std.view(3, 1, 1, 1)) after copy_ — by a constructor tensor, broadcast
    expect(values(declared(ctor("this.w.data.copy_(F.eye(2).mul(6)); this.w.data.div_(F.tensor([2.0, 3]).view(2, 1)).add_(F.tensor([1.0, 0])).mul_(F.ones(2)).sub_(F.full([1], 0.5));")).init.get("w"))).toEqual([3.5, -0.5, 0.5, 1.5]);
    // a draw scaled by a small tensor (port71, Mega's beta): each column its own part, N(0, 1) and N(0, 2²)
    const scaled = declared(ctor("this.w.data.normal_(); this.w.data.mul_(F.tensor([1.0, 2]));")).init.get("w");
    expect(scaled?.kind).toBe("parts");
    if (scaled?.kind === "parts") expect(scaled.patches.map((p) => [p.box.offset, p.init])).toEqual([[0, { kind: "normal", std: 1 }], [1, { kind: "normal", std: 2 }]]);
    expect(first(ctor("this.w.data.mul_(F.tensor([1.0, 2, 3]));"))).toMatch(/the other tensor's shape \[3\] does not broadcast to the parameter's \[2, 2\]/);
  });
  it("requiresGrad = false freezes a parameter (state, no gradient), as requiresGrad_(false); reading it answers", () => {
    const { params, buffers } = declared(ctor("for (const p of this.fc.parameters()) p.requiresGrad = false; if (this.w.requiresGrad) this.w.requiresGrad = true;"));
    expect(params).toEqual(["w"]);
    expect(buffers.sort()).toEqual(["fc.bias", "fc.weight"]);
    // PyTorch's spelling, p.requires_grad = False
    expect(declared(ctor("for (const p of this.fc.parameters()) (p as any).requires_grad = false;")).params).toEqual(["w"]);
  });
  it("p.detach_() freezes the parameter, as PyTorch's clears a leaf's requires_grad (HF DistilBERT's sinusoidal embeddings); a part is refused", () => {
    // DistilBERT's create_sinusoidal_embeddings: out.requires_grad = False; out[:, 0::2] = …; out.detach_()
    const { params, buffers, init } = declared(ctor('this.w.index(":", "0::2").copy_(F.ones(2, 1)); this.w.detach_(); this.fc.weight.data.detach_();'));
    expect(params).toEqual(["fc.bias"]);
    expect(buffers.sort()).toEqual(["fc.weight", "w"]);
    expect(values(init.get("w"))).toEqual([1, 0, 1, 0]);
    // PyTorch: "Can't detach views in-place. Use detach() instead."
    expect(first(ctor('this.w.index(":", 0).detach_();'))).toMatch(/^TSDP3004 7: .*detach_: a view cannot be detached in place/);
  });
  it("a layer's parameter replaced by nn.Parameter(t, false) is frozen, as PyTorch's; one tied to a trained weight trains (RoFormer's sinusoidal table)", () => {
    // HF RoFormer: an nn.Embedding subclass whose weight becomes nn.Parameter(table, requires_grad=False)
    const sub = `${header}class E extends nn.Embedding { constructor() { super(5, 4); this.weight = new nn.Parameter(F.ones(5, 4), false); } }
export class M extends nn.Module { e = new E(); l = new nn.Linear(4, 3); constructor() { super(); this.l.weight = new nn.Parameter(F.ones(3, 4), { requiresGrad: false }); } forward(x: Tensor<[Batch, 3], "int32">) { return this.l(this.e(x)); } }\n`;
    const { params, buffers } = declared(sub);
    expect(params).toEqual(["l.bias"]);
    expect(buffers.sort()).toEqual(["e.weight", "l.weight"]);
    // frozen after the replacement, or tied to a trained nn.Parameter: the new tensor's own flag
    expect(declared(ctor("this.fc.weight = new nn.Parameter(F.zeros(2, 2)); this.fc.weight.requiresGrad = false;")).buffers).toEqual(["fc.weight"]);
    expect(declared(ctor("this.fc.weight = this.w;")).params).toEqual(["w", "fc.bias"]);
  });
  it("a parameter's dtype and device in a constructor are a tensor's (HF's torch.empty(n, dim, dtype=self.weight.dtype))", () => {
    const { init } = declared(ctor('const out = F.empty([2, 2], { dtype: this.fc.weight.dtype, device: this.w.device }); out.index(":", 0).copy_(F.ones(2)); this.w.data.copy_(out); if (this.fc.weight.dtype !== "float32") throw new Error(this.fc.weight.dtype);'));
    expect(values(init.get("w"))).toEqual([1, 0, 1, 0]); // out[:, 0] = 1
  });
  it("refuses what has no initializer, with where and why", () => {
    expect(first(ctor("this.w.data.fill_(Infinity);"))).toMatch(/^TSDP3004 7: an nn.Parameter \[2, 2\]\.fill_: value must be a finite number, got the number Infinity/);
    expect(first(ctor("this.w.copy_(F.ones(3));"))).toMatch(/^TSDP\d+ 7: an nn.Parameter \[2, 2\]\.copy_: the source's shape \[3\] does not broadcast to the parameter's \[2, 2\]/);
    expect(first(ctor("this.w.uniform_(1, 0);"))).toMatch(/from must not exceed to, got \[1, 0\]/);
    expect(first(ctor("nn.init.orthogonal_(this.w); this.w.add_(1);"))).toMatch(/an orthogonal initial value can be scaled \(its gain\), not shifted/);
    expect(first(ctor("this.w.mul_(this.w);"))).toMatch(/^TSDP\d+ 7: .*mul_/);
    // other math on the values is no initializer (RecurrentGemma's p.data.uniform_(a, b).log_().mul_(0.5))
    expect(first(ctor("this.w.data.uniform_(0.8, 0.99).log_().mul_(0.5);"))).toMatch(/has no property 'log_' in a constructor: a parameter's values there are its initializer .* compute the values as a tensor and copy_ them, or apply log in forward/);
    // NVAE's log_weight_norm = log(norm(self.weight) + 1e-2): another parameter from this one's draw; the message names weight norm
    // Demucs's rescale_conv reads the draw's std: the message gives the law's std as the number to write
    expect(first(ctor("const s = this.fc.weight.std();"))).toMatch(/has no property 'std' in a constructor: .*The draw's std is known only when the model is created, from its seed; its law's is a number you can write instead \(a uniform draw in \[−b, b\] has std b\/√3/);
    expect(first(ctor("const n = this.fc.weight.mul(this.fc.weight).sum(1);"))).toMatch(/has no property 'mul' in a constructor: .*NVAE's log_weight_norm = log\(‖w‖ \+ 0\.01\)\) exists only when the model is created; nn\.utils\.weightNorm\(layer\) starts its g as ‖v‖/);
    expect(first(ctor("this.w.requiresGrad = 1;"))).toMatch(/requiresGrad is true or false, got the number 1/);
  });
});

describe("named children", () => {
  it("an object in nn.Sequential names its children (PyTorch's OrderedDict); addModule adds a named one anywhere", () => {
    const { params } = declared(
      model(
        "return this.head(this.s(x));",
        "x: Tensor<[Batch, 2]>",
        's = new nn.Sequential({ fc: new nn.Linear(2, 3), act: new nn.ReLU() });\n  constructor() { super(); this.s.addModule("out", new nn.Linear(3, 2)); this.addModule("head", new nn.Linear(2, 1)); }',
      ),
    );
    expect(params).toEqual(["s.fc.weight", "s.fc.bias", "s.out.weight", "s.out.bias", "head.weight", "head.bias"]);
    // the named children run in order: fc, act, out
    const src = model("return [this.s(x), this.s.out(this.s.act(this.s.fc(x)))];", "x: Tensor<[Batch, 2]>", 's = new nn.Sequential({ fc: new nn.Linear(2, 3), act: new nn.ReLU() });\n  constructor() { super(); this.s.addModule("out", new nn.Linear(3, 2)); }');
    const [whole, parts] = outputs(src, { x: nd([2, 2], [1, -2, 3, 0.5]) });
    expect(whole).toEqual(parts);
    expect(first(model("return this.s(x);", "x: Tensor<[Batch, 2]>", 's = new nn.Sequential(new nn.Tanh());\n  constructor() { super(); this.s.addModule("0", new nn.ReLU()); }'))).toMatch(/^TSDP3004 5: nn.Sequential.addModule: nn.Sequential already has a child '0'/);
    expect(first(model("return this.s(x);", "x: Tensor<[Batch, 2]>", 's = new nn.Sequential({ a: new nn.Tanh() });\n  constructor() { super(); this.s.addModule("a", new nn.ReLU()); }'))).toMatch(/already has a child 'a'/);
  });
  it("a child's name may start with a digit or hold / and - (VoVNet's \"OSA2_1/conv\", a RefineNet block's setattr(self, \"1_outvar_dimred\", …)), as PyTorch's; '.', quotes and digits only are refused", () => {
    const src = model(
      'return this["1_outvar_dimred"](this.body(x));',
      "x: Tensor<[Batch, 2]>",
      '[k: string]: any;\n  body = new nn.Sequential({ "stem_1/fc": new nn.Linear(2, 3), "stem-1/act": new nn.ReLU() });\n  constructor() { super(); this.addModule("1_outvar_dimred", new nn.Linear(3, 2)); }',
    );
    expect(declared(src).params).toEqual(["body.stem_1/fc.weight", "body.stem_1/fc.bias", "1_outvar_dimred.weight", "1_outvar_dimred.bias"]);
    for (const [name, why] of [["a.b", "'.' separates the levels"], ['a"b', "other than ASCII letters, digits, _, / and -"], ["a*/b", "other than ASCII"], ["12", "digit-only names"]])
      expect(first(model("return x;", "x: Tensor<[Batch, 2]>", `constructor() { super(); this.addModule(${JSON.stringify(name)}, new nn.Linear(2, 2)); }`)), name).toContain(why);
  });
  it("a class extending nn.ModuleDict (torchvision's _DenseBlock) adds children by name and walks them with items()", () => {
    const block = `class Block extends nn.ModuleDict {\n  constructor(n: number) { super(); for (let i = 0; i < n; i++) this.addModule(\`layer\${i + 1}\`, new nn.Linear(2 + i, 1)); }\n  forward(x: Tensor) { const fs = [x]; for (const [, l] of this.items()) fs.push(l(F.cat(fs, 1))); return F.cat(fs, 1); }\n}`;
    const src = model("return this.b(x);", "x: Tensor<[Batch, 2]>", "b = new Block(2);\n  isDict = this.b instanceof nn.ModuleDict;", block);
    const { params, graph } = declared(src);
    expect(params).toEqual(["b.layer1.weight", "b.layer1.bias", "b.layer2.weight", "b.layer2.bias"]);
    expect(graph.outputs[0].shape).toEqual([{ batch: 1 }, 4]);
    // the same model with the layers called by name
    const byName = model("const a = this.b.layer1(x); const c = F.cat([x, a], 1); return F.cat([c, this.b.layer2(c)], 1);", "x: Tensor<[Batch, 2]>", "b = new Block(2);", block);
    const x = nd([2, 2], [0.5, -1, 2, 3]);
    expect(outputs(src, { x })).toEqual(outputs(byName, { x }));
  });
  it("ModuleList.insert puts a module before the others, renumbered as Python's list.insert", () => {
    const { graph } = lowerSource(model("for (const f of this.l) x = f(x); return x;", "x: Tensor<[Batch, 2]>", "l = new nn.ModuleList([new nn.Linear(3, 4), new nn.Linear(4, 5)]);\n  constructor() { super(); this.l.insert(0, new nn.Linear(2, 3)); this.l.insert(-1, new nn.Tanh()); }"));
    expect(graph.params.map((p) => `${p.attrs.name}${JSON.stringify(p.shape)}`).filter((n) => n.includes("weight"))).toEqual(["l.0.weight[3,2]", "l.1.weight[4,3]", "l.3.weight[5,4]"]);
  });
});

describe("torch.no_grad, a table's rows per sample, repeat by the batch, int32 tensors", () => {
  it("F.noGrad in forward gives the values without their gradient", () => {
    const src = model("return F.noGrad(() => this.fc(x)).add(this.g(x));", "x: Tensor<[Batch, 2]>", "fc = new nn.Linear(2, 2); g = new nn.Linear(2, 2);");
    const { graph } = lowerSource(`${src}export const training = new Training(M, { loss: new nn.MSELoss(), optimizer: new optim.SGD({ lr: 0.1 }) });\n`);
    // one step's gradients through the reference: none reaches fc, used only under no_grad
    const { graph: step, gradients } = differentiate(graph);
    const x = nd([1, 2], [0.3, -0.7]);
    const got = runReference(step, { x, target: nd([1, 2], [1, 2]) }, initState(graph, 0), { training: true });
    const norm = (name: string) => Array.from(got.values.get(gradients.get(name)!)!.data).reduce((a, v) => a + Math.abs(v), 0);
    expect(["fc.weight", "fc.bias"].map(norm)).toEqual([0, 0]);
    expect(norm("g.weight")).toBeGreaterThan(0);
    const plain = model("return this.fc(x).add(this.g(x));", "x: Tensor<[Batch, 2]>", "fc = new nn.Linear(2, 2); g = new nn.Linear(2, 2);");
    expect(outputs(src, { x })).toEqual(outputs(plain, { x }));
    expect(first(model("return F.noGrad(x);", "x: Tensor<[Batch, 2]>"))).toMatch(/F\.noGrad takes a function of no arguments/);
  });
  it("F.autocast with enabled: false is its block (tsdp computes in float32, as the block does); an enabled one is refused, naming --precision", () => {
    const x = nd([1, 2], [0.3, -0.7]);
    const fields = "fc = new nn.Linear(2, 2);";
    const plain = outputs(model("return this.fc(x.float()).softmax(-1);", "x: Tensor<[Batch, 2]>", fields), { x });
    expect(outputs(model("return F.autocast('cuda', { dtype: F.bfloat16, enabled: false }, () => this.fc(x.float()).softmax(-1));", "x: Tensor<[Batch, 2]>", fields), { x })).toEqual(plain);
    expect(first(model("return F.autocast('cuda', { dtype: F.bfloat16 }, () => this.fc(x));", "x: Tensor<[Batch, 2]>", fields))).toMatch(/^TSDP3004 6: F\.autocast: an enabled autocast block computes its matmuls and convolutions in bfloat16.*--precision bf16/);
    expect(first(model("return F.autocast('cuda', { enabled: false });", "x: Tensor<[Batch, 2]>"))).toMatch(/^TSDP3003 6: F\.autocast takes the block as its last argument/);
  });
  it("table[t] and table.gather(0, t) with t as long as the batch take a row (an element) per sample", () => {
    const src = model(
      "return [this.table[t], this.table.view(-1).gather(0, t).unsqueeze(1), this.table.indexSelect(0, t)];",
      'x: Tensor<[Batch, 2]>, t: Tensor<[Batch], "int32">',
      "constructor() { super(); this.registerBuffer('table', F.arange(6).view(3, 2)); }",
    );
    const [rows, elements, selected] = outputs(src, { x: nd([3, 2], [0, 0, 0, 0, 0, 0]), t: nd([3], [2, 0, 1]) });
    expect(rows).toEqual([4, 5, 0, 1, 2, 3]);
    expect(elements).toEqual([2, 0, 1]);
    expect(selected).toEqual(rows);
    expect(first(model("return x.indexSelect(1, t.view(-1));", 'x: Tensor<[Batch, 2]>, t: Tensor<[Batch], "int32">'))).toMatch(/an index as long as the batch takes from a tensor without a batch dim/);
  });
  it("a diffusion schedule: ᾱ = cumprod(1 − β) computed in the constructor, read per sample", () => {
    const src = model(
      "return x.mul(this.alphaBar[t].sqrt().unsqueeze(1));",
      'x: Tensor<[Batch, 1]>, t: Tensor<[Batch], "int32">',
      "constructor() { super(); this.registerBuffer('alphaBar', F.cumprod(F.ones(3).sub(F.tensor([0.1, 0.2, 0.5])), 0)); }",
    );
    const [y] = outputs(src, { x: nd([3, 1], [1, 1, 2]), t: nd([3], [0, 1, 2]) });
    // ᾱ = 0.9, 0.72, 0.36 (float32's values of the constants)
    [Math.sqrt(0.9), Math.sqrt(0.72), 2 * Math.sqrt(0.36)].forEach((v, i) => expect(y[i]).toBeCloseTo(v, 6));
  });
  it("repeat by x.size(0) of a dim of 1 is the batch (PointNet's identity); F.tensor lists int32 indices; F.emptyLike is zeros", () => {
    const src = model('return [F.eye(2).view(1, 4).repeat(x.size(0), 1).add(x), x.indexSelect(1, F.tensor([3, 0], { dtype: "int32" })), F.emptyLike(x)];', "x: Tensor<[Batch, 4]>");
    const [tiled, picked, empty] = outputs(src, { x: nd([2, 4], [1, 2, 3, 4, 5, 6, 7, 8]) });
    expect(tiled).toEqual([2, 2, 3, 5, 6, 6, 7, 9]);
    expect(picked).toEqual([4, 1, 8, 5]);
    expect(empty).toEqual(Array(8).fill(0));
    expect(first(model('return x.indexSelect(1, F.tensor([0.5], { dtype: "int32" }));', "x: Tensor<[Batch, 4]>"))).toMatch(/dtype int32 takes integers of at most 2\^24 in magnitude, got 0\.5/);
    expect(first(model("return x.repeat(x.size(0), 1);", "x: Tensor<[Batch, 4]>"))).toMatch(/repeat: \[Batch\] copies of \[Batch, 4\], which holds the batch already, would make a tensor with two dims of the batch/);
    expect(first(model("return F.ones(2, 3).repeat(x.size(0), x.size(0)).add(1);", "x: Tensor<[Batch, 4]>"))).toMatch(/are repeated by the batch in another dim too/);
  });
  it("repeat by the batch of a fixed dim longer than 1 (DeBERTa's position projections .repeat(B·H // H, 1, 1)) tiles it per sample", () => {
    // [2, 3] tiled B times along dim 0 is [2·B, 3]; viewed [B, 2, 3] each sample holds the whole table
    const src = model("return F.arange(6).float().view(2, 3).repeat(Math.floor(x.size(0) * 2 / 2), 1).view(-1, 2, 3).add(x);", "x: Tensor<[Batch, 2, 3]>");
    const { graph } = lowerSource(src);
    expect(formatShape(graph.outputs[0].shape)).toBe("[Batch, 2, 3]");
    expect(outputs(src, { x: nd([2, 2, 3], [0, 0, 0, 0, 0, 0, 10, 10, 10, 10, 10, 10]) })[0]).toEqual([0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15]);
  });
  it("an int32 buffer (Swin's relative_position_index) is a constant index table, read as the rows it names", () => {
    const src = model(
      "return this.table[this.index.view(-1)].view(2, 2).sum(1).unsqueeze(0).add(x);",
      "x: Tensor<[Batch, 2]>",
      "table = new nn.Parameter(F.arange(3).float());\n  constructor() { super(); this.registerBuffer('index', F.tensor([[2, 0], [1, 1]]).long()); }",
    );
    const { params, buffers } = declared(src);
    expect(params).toEqual(["table"]);
    expect(buffers).toEqual([]);
    // rows [2, 0] and [1, 1] of [0, 1, 2]: sums 2 and 2
    expect(outputs(src, { x: nd([1, 2], [0, 1]) })[0]).toEqual([2, 3]);
  });
});

describe("weight norm (nn.utils.weightNorm, nn.utils.parametrizations.weightNorm)", () => {
  const wrapped = (wrap: string, fields = "") => model("return this.fc(x);", "x: Tensor<[Batch, 3]>", `fc = ${wrap};${fields}`);
  it("g and v replace the weight, with PyTorch's names; g starts as the norms of v's rows, so the layer starts as it was", () => {
    const legacy = lowerSource(wrapped("nn.utils.weightNorm(new nn.Linear(3, 2))"));
    expect(legacy.graph.params.map((p) => `${p.attrs.name}${JSON.stringify(p.shape)}`)).toEqual(["fc.bias[2]", "fc.weight_g[2,1]", "fc.weight_v[2,3]"]);
    const state = initState(legacy.graph, 7);
    const v = state.params.get("fc.weight_v")!.data;
    const g = Array.from(state.params.get("fc.weight_g")!.data);
    // ‖v_r‖ of float32 v, row by row
    g.forEach((n, r) => expect(n).toBeCloseTo(Math.hypot(...Array.from(v.subarray(r * 3, r * 3 + 3), Math.fround)), 12));
    // a plain nn.Linear with the same initial values computes the same outputs
    const plain = lowerSource(model("return this.fc(x);", "x: Tensor<[Batch, 3]>", "fc = new nn.Linear(3, 2);"));
    const x = nd([2, 3], [1, -2, 0.5, 3, 0.25, -1]);
    const got = runReference(legacy.graph, { x }, state).outputs[0].data;
    const want = runReference(plain.graph, { x }, { params: new Map([["fc.weight", nd([2, 3], v)], ["fc.bias", state.params.get("fc.bias")!]]), buffers: new Map() }).outputs[0].data;
    // within float32's rounding of v, which g's norms are taken of (as the harness holds v)
    Array.from(got).forEach((y, i) => expect(y).toBeCloseTo(want[i], 7));
    const parametrized = lowerSource(model("return this.fc(x.unsqueeze(2)).flatten(1);", "x: Tensor<[Batch, 3]>", "fc = nn.utils.parametrizations.weightNorm(new nn.Conv1d(3, 2, 1));"));
    expect(parametrized.graph.params.map((p) => p.attrs.name)).toEqual(["fc.bias", "fc.parametrizations.weight.original0", "fc.parametrizations.weight.original1"]);
    expect(parametrized.graph.params[1].shape).toEqual([2, 1, 1]);
  });
  it("g's and v's gradients are autodiff's through w = v·(g/‖v‖), against central differences", () => {
    expect(gradCheck(model("return this.fc(x).add(this.c(x.view(-1, 1, 3)).flatten(1));", "x: Tensor<[Batch, 3]>", "fc = nn.utils.weightNorm(new nn.Linear(3, 2)); c = nn.utils.parametrizations.weightNorm(new nn.Conv1d(1, 2, 3));").slice(header.length)).checked).toBeGreaterThan(0);
  });
  it("g keeps a constructor's values: the norms of the rows, computed when compiled", () => {
    const { init } = declared(wrapped("nn.utils.weightNorm(new nn.Linear(3, 2))", "\n  constructor() { super(); this.fc.weight_v.copy_(F.tensor([[3, 4, 0], [0, 0, 2]])); }"));
    // copied after wrapping: v is the copy, g keeps the norms of the weight's own draw
    expect(init.get("fc.weight_g")?.kind).toBe("sliceNorm");
    const before = declared(model("return this.fc(x);", "x: Tensor<[Batch, 3]>", "fc = new nn.Linear(3, 2);\n  constructor() { super(); this.fc.weight.copy_(F.tensor([[3, 4, 0], [0, 0, 2]])); nn.utils.weightNorm(this.fc); }"));
    expect(values(before.init.get("fc.weight_g"))).toEqual([5, 2]);
  });
  it("g is the norm over every dim but `dim` (wav2vec2's dim 2), or of all of v for None and −1, at the start and in forward", () => {
    // v = 1..24 as [2, 3, 4]: the slices along dim 2 are v[:, :, j], 6 values 4 apart each
    const ctor = "\n  constructor() { super(); this.c.weight.copy_(F.arange(24).add(1).view(2, 3, 4)); nn.utils.weightNorm(this.c, 'weight', 2); nn.utils.weightNorm(this.d, 'weight', null); nn.utils.parametrizations.weightNorm(this.e, 'weight', -2); }";
    const src = model("return [this.c(x), this.d(x), this.e(x)];", "x: Tensor<[Batch, 3, 5]>", "c = new nn.Conv1d(3, 2, 4, { bias: false }); d = new nn.Conv1d(3, 2, 4, { bias: false }); e = new nn.Conv1d(3, 2, 4, { bias: false });" + ctor);
    const { graph } = lowerSource(src);
    expect(graph.params.map((p) => `${p.attrs.name}${JSON.stringify(p.shape)}`)).toEqual([
      "c.weight_g[1,1,4]", "c.weight_v[2,3,4]", "d.weight_g[]", "d.weight_v[2,3,4]", "e.parametrizations.weight.original0[1,3,1]", "e.parametrizations.weight.original1[2,3,4]",
    ]);
    const { init } = declared(src);
    const column = (j: number) => Math.hypot(...Array.from({ length: 6 }, (_, s) => 1 + j + 4 * s));
    values(init.get("c.weight_g"))!.forEach((g, j) => expect(g).toBeCloseTo(column(j), 5));
    expect(init.get("d.weight_g")?.kind).toBe("sliceNorm");
    const state = initState(graph, 3);
    const v = (name: string) => Array.from(state.params.get(name)!.data, Math.fround);
    // the drawn v's whole norm, and the norms over dims 0 and 2 (dim −2 is dim 1 of 3)
    expect(state.params.get("d.weight_g")!.data[0]).toBeCloseTo(Math.hypot(...v("d.weight_v")), 9);
    const e = v("e.parametrizations.weight.original1");
    Array.from(state.params.get("e.parametrizations.weight.original0")!.data).forEach((g, i) => expect(g).toBeCloseTo(Math.hypot(...e.filter((_, k) => Math.floor(k / 4) % 3 === i)), 9));
    // so each layer starts as it was: w = v (g / ‖v‖ = 1), against a plain conv with weight v
    const x = nd([1, 3, 5], Array.from({ length: 15 }, (_, i) => Math.sin(i)));
    const got = runReference(graph, { x }, state).outputs;
    const conv = (w: number[]) => [0, 1].flatMap((o) => [0, 1].map((t) => [0, 1, 2].reduce((s, c) => s + [0, 1, 2, 3].reduce((a, k) => a + w[o * 12 + c * 4 + k] * Math.sin(c * 5 + t + k), 0), 0)));
    conv(v("c.weight_v")).forEach((y, i) => expect(got[0].data[i]).toBeCloseTo(y, 5));
    conv(v("d.weight_v")).forEach((y, i) => expect(got[1].data[i]).toBeCloseTo(y, 5));
    conv(e).forEach((y, i) => expect(got[2].data[i]).toBeCloseTo(y, 5));
    expect(gradCheck(model("return this.c(x).flatten(1);", "x: Tensor<[Batch, 2, 4]>", "c = nn.utils.weightNorm(new nn.Conv1d(2, 2, 3), 'weight', 2);").slice(header.length)).checked).toBeGreaterThan(0);
  });
  it("a user module's nn.Parameter (RealNVP's weight-normed Rescale): g and v after its other parameters", () => {
    const cls = "class Rescale extends nn.Module {\n  bias = new nn.Parameter(F.zeros(2, 1));\n  weight = new nn.Parameter(F.ones(2, 1).mul(F.tensor([[3], [-4]])));\n  forward(x: Tensor) { return this.weight.mul(x).add(this.bias); }\n}\n";
    const src = `${header}${cls}export class M extends nn.Module {\n  r = nn.utils.weightNorm(new Rescale());\n  forward(x: Tensor<[Batch, 2, 3]>) { return this.r(x); }\n}\n`;
    const { graph } = lowerSource(src);
    expect(graph.params.map((p) => `${p.attrs.name}${JSON.stringify(p.shape)}`)).toEqual(["r.bias[2,1]", "r.weight_g[2,1]", "r.weight_v[2,1]"]);
    const { init } = declared(src);
    expect(values(init.get("r.weight_g"))).toEqual([3, 4]);
    const out = runReference(graph, { x: nd([1, 2, 3], [1, 2, 3, 4, 5, 6]) }, initState(graph, 0)).outputs[0].data;
    expect(Array.from(out)).toEqual([3, 6, 9, -16, -20, -24]);
    expect(gradCheck(`${cls}export class M extends nn.Module {\n  r = nn.utils.weightNorm(new Rescale());\n  forward(x: Tensor<[Batch, 2, 3]>) { return this.r(x).tanh(); }\n}\n`).checked).toBeGreaterThan(0);
    expect(first(`${header}${cls}export class M extends nn.Module {\n  r = nn.utils.weightNorm(new Rescale(), 'scale');\n  forward(x: Tensor<[Batch, 2, 3]>) { return this.r(x); }\n}\n`)).toMatch(/Rescale has no nn\.Parameter 'scale' \(its parameters: bias, weight\)/);
  });
  it("refuses what PyTorch's weight norm would do otherwise, where written", () => {
    expect(first(wrapped("nn.utils.weightNorm(new nn.Linear(3, 2), 'weight', 2)"))).toMatch(/^TSDP3004 4: nn\.utils\.weightNorm: dim 2 is out of range for nn\.Linear\.weight \[2, 3\]/);
    expect(first(wrapped("nn.utils.weightNorm(new nn.Linear(3, 2), 'scale')"))).toMatch(/nn\.Linear has no parameter 'scale' \(its parameters: weight, bias\)/);
    expect(first(wrapped("nn.utils.weightNorm(new nn.Sequential(new nn.Linear(3, 2)))"))).toMatch(/nn\.utils\.weightNorm takes a module with the parameter \(nn\.Linear, nn\.Conv1d, a module of yours with an nn\.Parameter\), got/);
  });
  it("a write into the weight after weight norm changes nothing, as PyTorch's recomputed weight (HiFi-GAN's init_weights); freezing, tying or copying from it is refused", () => {
    // PyTorch's weight_norm recomputes module.weight from g and v in a forward pre-hook (a
    // parametrization on each access), so m.weight.data.normal_(0, 0.01) after it writes into a
    // tensor that is thrown away (jik876/hifi-gan#145, locuslab/TCN#1): g and v keep their values
    const wrap = (init: string, norm = "nn.utils.weightNorm") =>
      model("return this.fc(x);", "x: Tensor<[Batch, 3]>", `fc = ${norm}(new nn.Linear(3, 2));\n  constructor() { super(); ${init} }`);
    for (const norm of ["nn.utils.weightNorm", "nn.utils.parametrizations.weightNorm", "nn.utils.parametrizations.spectralNorm"]) {
      const plain = [...declared(wrap("", norm)).init];
      for (const init of ["this.fc.weight.data.normal_(0, 0.01);", "nn.init.zeros_(this.fc.weight);", "this.fc.weight.fill_(2).mul_(3);", "this.fc.weight.data.copy_(F.ones(2, 3));", "if (this.fc.weight.size(1) !== 3 || this.fc.weight instanceof nn.Parameter) throw new Error('shape');"])
        expect([...declared(wrap(init, norm)).init], `${norm}: ${init}`).toEqual(plain);
    }
    // the legacy spectral_norm instead leaves module.weight = weight.data, weight_orig's storage
    // (torch/nn/utils/spectral_norm.py SpectralNorm.apply), so there the write initializes weight_orig
    expect(declared(wrap("nn.init.zeros_(this.fc.weight);", "nn.utils.spectralNorm")).init.get("fc.weight_orig")).toEqual({ kind: "constant", value: 0 });
    expect(first(wrap("this.fc.weight.requiresGrad_(false);"))).toMatch(/^TSDP2001 5: cannot freeze nn\.Linear\.weight: it is computed before each forward from the parameters weight_g, weight_v .*; freeze those/);
    expect(first(wrap("this.fc.weight.requiresGrad = false;"))).toMatch(/cannot freeze nn\.Linear\.weight/);
    expect(first(wrap("this.g.weight = this.fc.weight;").replace("fc = ", "g = new nn.Linear(3, 2); fc = "))).toMatch(/cannot tie a parameter to nn\.Linear\.weight: .*parametrizations\.weight|cannot tie a parameter to nn\.Linear\.weight: .*weight_g, weight_v/);
    expect(first(wrap("this.g.weight.data.copy_(this.fc.weight);").replace("fc = ", "g = new nn.Linear(3, 2); fc = "))).toMatch(/cannot copy from nn\.Linear\.weight: it is computed before each forward/);
  });
  it("a write into the weight after wrapping changes nothing, as PyTorch's (locuslab TCN's init_weights: conv.weight.data.normal_(0, 0.01))", () => {
    // PyTorch's weight_norm sets module.weight to a tensor computed once and its forward pre-hook
    // recomputes it from g and v before every forward (torch/nn/utils/weight_norm.py; locuslab/TCN#1:
    // "L34 is not effective here"), so g and v keep their values
    const plain = declared(wrapped("nn.utils.weightNorm(new nn.Linear(3, 2))"));
    const inits = "\n  constructor() { super(); this.fc.weight.data.normal_(0, 0.01); nn.init.zeros_(this.fc.weight); this.c.weight.fill_(3); }";
    const written = declared(model("return this.fc(x).add(this.c(x.unsqueeze(1)).flatten(1));", "x: Tensor<[Batch, 3]>", `fc = nn.utils.weightNorm(new nn.Linear(3, 2)); c = nn.utils.parametrizations.weightNorm(new nn.Conv1d(1, 1, 2));${inits}`));
    for (const name of ["fc.weight_g", "fc.weight_v"]) expect(written.init.get(name)).toEqual(plain.init.get(name));
    expect(written.init.get("c.parametrizations.weight.original1")?.kind).toBe("uniform");
    expect(written.init.get("c.parametrizations.weight.original0")?.kind).toBe("sliceNorm");
    // the copy is recomputed from g and v before each forward: another parameter cannot start as it
    expect(first(model("return this.fc(x).add(this.g(x));", "x: Tensor<[Batch, 3]>", "fc = nn.utils.weightNorm(new nn.Linear(3, 2)); g = new nn.Linear(3, 2);\n  constructor() { super(); this.g.weight.data.copy_(this.fc.weight.data); }"))).toMatch(
      /cannot copy from nn\.Linear\.weight: it is computed before each forward/,
    );
  });
});

describe("more torch.nn layers as compositions (more-layers.ts)", () => {
  it("nn.Bilinear: y_o = x1ᵀ·A_o·x2 + b_o", () => {
    const src = model(
      "return [this.b(x1, x2), F.bilinear(x1, x2, this.b.weight, this.b.bias)];",
      "x1: Tensor<[Batch, 2]>, x2: Tensor<[Batch, 3]>",
      "b = new nn.Bilinear(2, 3, 2);\n  constructor() { super(); this.b.weight.copy_(F.arange(12).view(2, 2, 3)); this.b.bias.fill_(0.5); }",
    );
    const [y, f] = outputs(src, { x1: nd([1, 2], [1, 2]), x2: nd([1, 3], [1, 0, -1]) });
    // A_0 = [[0, 1, 2], [3, 4, 5]]: x1ᵀA_0 = [6, 9, 12], · x2 = −6; A_1 = A_0 + 6: x1ᵀA_1 = [24, 27, 30], · x2 = −6
    expect(y).toEqual([-5.5, -5.5]);
    expect(f).toEqual(y);
    expect(gradCheck(model("return this.b(x, x.narrow(1, 0, 2));", "x: Tensor<[Batch, 3]>", "b = new nn.Bilinear(3, 2, 2);")).checked).toBeGreaterThan(0);
  });
  it("nn.EmbeddingBag's padding row starts as zeros (a negative paddingIdx counts from the end) and is left out of the bags", () => {
    const src = model("return [this.p(ids), F.embedding(ids, this.p.weight).flatten(1), this.n(ids)];", 'ids: Tensor<[Batch, 2], "int32">', "p = new nn.EmbeddingBag(3, 2, { mode: 'sum', paddingIdx: 2 }); n = new nn.EmbeddingBag(3, 2, { paddingIdx: -1 });");
    const { graph } = lowerSource(src);
    const state = initState(graph, 0);
    const [p, n] = ["p.weight", "n.weight"].map((k) => Array.from(state.params.get(k)!.data));
    expect(p.slice(4)).toEqual([0, 0]);
    expect(n.slice(4)).toEqual([0, 0]);
    const [bags, rows, mean] = runReference(graph, { ids: nd([1, 2], [0, 2]) }, state).outputs.map((o) => Array.from(o.data));
    expect(bags).toEqual(p.slice(0, 2));
    expect(rows).toEqual([...p.slice(0, 2), 0, 0]);
    // paddingIdx −1 is row 2: the mean of row 0 alone
    expect(mean).toEqual(n.slice(0, 2));
  });
  it("nn.EmbeddingBag over equal-length bags: sum, mean, max, per-sample weights, padding rows left out", () => {
    const ctor = "\n  constructor() { super(); for (const e of [this.s, this.m, this.x, this.p, this.w]) e.weight.copy_(F.arange(8).view(4, 2)); }";
    const src = model(
      "return [this.s(ids), this.m(ids), this.x(ids), this.p(ids), this.w(ids, null, F.onesLike(ids.float()).mul(2))];",
      'ids: Tensor<[Batch, 3], "int32">',
      "s = new nn.EmbeddingBag(4, 2, { mode: 'sum' }); m = new nn.EmbeddingBag(4, 2); x = new nn.EmbeddingBag(4, 2, { mode: 'max' }); p = new nn.EmbeddingBag(4, 2, { paddingIdx: 0 }); w = new nn.EmbeddingBag(4, 2, { mode: 'sum' });" + ctor,
    );
    // rows [0, 1], [2, 3], [4, 5], [6, 7]; bags [1, 3, 0] and [0, 0, 0]
    const [sum, mean, max, padded, weighted] = outputs(src, { ids: nd([2, 3], [1, 3, 0, 0, 0, 0]) });
    expect(sum).toEqual([8, 11, 0, 3]);
    [8 / 3, 11 / 3, 0, 1].forEach((v, i) => expect(mean[i]).toBeCloseTo(v, 12));
    expect(max).toEqual([6, 7, 0, 1]);
    // padding index 0 left out: the mean of rows 1 and 3; a bag of padding only is zeros
    expect(padded).toEqual([4, 5, 0, 0]);
    expect(weighted).toEqual([16, 22, 0, 6]);
    expect(first(model("return this.e(ids, ids);", 'ids: Tensor<[Batch, 3], "int32">', "e = new nn.EmbeddingBag(4, 2);"))).toMatch(/bags given by offsets \(a 1-D input\) are not supported/);
  });
  it("nn.EmbeddingBag mode 'max': a tied maximum's gradient goes to the first row holding it, as PyTorch's max_indices", () => {
    const src = model("return this.x(ids);", 'ids: Tensor<[Batch, 3], "int32">', "x = new nn.EmbeddingBag(4, 2, { mode: 'max' });\n  constructor() { super(); this.x.weight.copy_(F.tensor([[1, 2], [1, 0], [3, 2], [0, 0]])); }");
    const { graph } = lowerSource(`${src}export const training = new Training(M, { loss: new nn.MSELoss({ reduction: 'sum' }), optimizer: new optim.SGD({ lr: 0.1 }) });\n`);
    const { graph: step, gradients } = differentiate(graph);
    // bag [0, 1, 2]: feature 0's maximum 3 is row 2's; feature 1's 2 is in rows 0 and 2, and PyTorch's
    // kernel keeps row 0 (a later row replaces it only when greater). Loss Σ(y − 0)²: dy = 2y = [6, 4]
    const got = runReference(step, { ids: nd([1, 3], [0, 1, 2]), target: nd([1, 2], [0, 0]) }, initState(graph, 0), { training: true });
    expect(Array.from(got.values.get(gradients.get("x.weight")!)!.data)).toEqual([0, 4, 0, 0, 6, 0, 0, 0]);
    // with paddingIdx 2 the padding row is skipped (row 0's [1, 2] wins); a bag of padding only is zeros
    const padded = model("return this.x(ids);", 'ids: Tensor<[Batch, 3], "int32">', "x = new nn.EmbeddingBag(4, 2, { mode: 'max', paddingIdx: 2 });\n  constructor() { super(); this.x.weight.copy_(F.tensor([[1, 2], [1, 0], [3, 2], [0, 0]])); }");
    expect(outputs(padded, { ids: nd([2, 3], [0, 1, 2, 2, 2, 2]) })).toEqual([[1, 2, 0, 0]]);
  });
  it("F.cdist: the distance of every pair of rows", () => {
    const [d, d1] = outputs(model("return [F.cdist(x.view(-1, 2, 2), x.view(-1, 2, 2).flip([1])).flatten(1), F.cdist(x.view(-1, 2, 2), x.view(-1, 2, 2), 1).flatten(1)];", "x: Tensor<[Batch, 4]>"), { x: nd([1, 4], [0, 0, 3, 4]) });
    // rows (0, 0) and (3, 4): against themselves reversed
    expect(d).toEqual([5, 0, 0, 5]);
    expect(d1).toEqual([0, 7, 7, 0]);
    expect(gradCheck(model("return F.cdist(x.view(-1, 2, 2), this.w.weight.view(1, 3, 2)).flatten(1);", "x: Tensor<[Batch, 4]>", "w = new nn.Linear(2, 3, false);")).checked).toBeGreaterThan(0);
  });
  it("nn.AlphaDropout keeps a SELU net's statistics: each element a·x + α·a·p (kept) or α·a·(p − 1) (dropped); eval passes x", () => {
    const { graph } = lowerSource(model("return this.d(x);", "x: Tensor<[Batch, 4096]>", "d = new nn.AlphaDropout(0.2);"));
    const xs = Float64Array.from({ length: 4096 }, (_, i) => Math.sin(i * 12.9898) * 1.7);
    const state = initState(graph, 0);
    const train = runReference(graph, { x: nd([1, 4096], xs) }, state, { training: true }).outputs[0].data;
    const evaluated = runReference(graph, { x: nd([1, 4096], xs) }, state, { training: false }).outputs[0].data;
    expect(Array.from(evaluated)).toEqual(Array.from(xs));
    const [alpha, p] = [1.7580993408473766, 0.2];
    const a = 1 / Math.sqrt((alpha * alpha * p + 1) * (1 - p));
    let dropped = 0;
    train.forEach((y, i) => {
      const kept = Math.abs(y - (a * xs[i] + alpha * a * p)) < 1e-9;
      if (!kept) expect(y).toBeCloseTo(alpha * a * (p - 1), 9);
      dropped += kept ? 0 : 1;
    });
    // Bernoulli(0.2) over 4,096 draws: within 4 standard errors (±102) of 819
    expect(Math.abs(dropped - 819)).toBeLessThan(4 * Math.sqrt(4096 * 0.2 * 0.8));
  });
  it("nn.ConvTranspose1d/2d/3d's forward(x, outputSize) picks PyTorch's output padding; nn.Dropout3d zeroes whole channels", () => {
    const shapes = (src: string) => lowerSource(src).graph.outputs.map((o) => formatShape(o.shape));
    expect(shapes(model("return [this.up(x, [8, 8]), this.up(x, [1, 2, 7, 7]), this.up(x)];", "x: Tensor<[Batch, 2, 4, 4]>", "up = new nn.ConvTranspose2d(2, 1, 3, { stride: 2, padding: 1 });"))).toEqual([
      "[Batch, 1, 8, 8]",
      "[Batch, 1, 7, 7]",
      "[Batch, 1, 7, 7]",
    ]);
    expect(first(model("return this.up(x, [9, 9]);", "x: Tensor<[Batch, 2, 4, 4]>", "up = new nn.ConvTranspose2d(2, 1, 3, { stride: 2, padding: 1 });"))).toMatch(/an output size of 9 along dim 2 is out of reach: from 4 positions this layer gives 7 to 8/);
    // ConvTranspose1d and 3d take it too: the extra position is the output padding's, the rest as without it
    const up1 = lowerSource(model("return [this.up(x, [8]).flatten(1), this.up(x).flatten(1)];", "x: Tensor<[Batch, 2, 4]>", "up = new nn.ConvTranspose1d(2, 1, 3, { stride: 2, padding: 1 });")).graph;
    expect(up1.outputs.map((o) => formatShape(o.shape))).toEqual(["[Batch, 8]", "[Batch, 7]"]);
    const [padded, plain] = runReference(up1, { x: nd([1, 2, 4], [1, -2, 3, 0.5, 2, 1, -1, 4]) }, initState(up1, 0)).outputs.map((o) => Array.from(o.data));
    expect(padded.slice(0, 7)).toEqual(plain);
    expect(shapes(model("return this.up(x, [6, 5, 6]);", "x: Tensor<[Batch, 2, 3, 3, 3]>", "up = new nn.ConvTranspose3d(2, 1, 3, { stride: 2, padding: 1 });"))).toEqual(["[Batch, 1, 6, 5, 6]"]);
    expect(first(model("return this.up(x, [7, 5, 5]);", "x: Tensor<[Batch, 2, 3, 3, 3]>", "up = new nn.ConvTranspose3d(2, 1, 3, { stride: 2, padding: 1 });"))).toMatch(/an output size of 7 along dim 2 is out of reach: from 3 positions this layer gives 5 to 6/);
    // a size PyTorch reaches through the dilation alone is refused saying so (tsdp's output padding stays below the stride)
    expect(first(model("return this.up(x, [5, 5, 6]);", "x: Tensor<[Batch, 2, 3, 3, 3]>", "up = new nn.ConvTranspose3d(2, 1, 3, { stride: [2, 2, 1], padding: 1, dilation: [1, 1, 2] });"))).toMatch(/an output size of 6 along dim 4 is out of reach: from 3 positions this layer gives 5 \(PyTorch reaches 6 through the dilation/);
    expect(first(model("return this.up(x, [6, 5]);", "x: Tensor<[Batch, 2, 3, 3, 3]>", "up = new nn.ConvTranspose3d(2, 1, 3, { stride: 2, padding: 1 });"))).toMatch(/outputSize is the output's \[D, H, W\] \(or \[N, C, D, H, W\], as x\.size\(\)\)/);
    const { graph } = lowerSource(model("return this.d(x.view(-1, 8, 2, 2, 2)).flatten(1);", "x: Tensor<[Batch, 64]>", "d = new nn.Dropout3d(0.5);"));
    const y = runReference(graph, { x: nd([2, 64], Array(128).fill(1)) }, initState(graph, 0), { training: true }).outputs[0].data;
    // each channel's 8 values are all 0 or all 2
    for (let ch = 0; ch < 16; ch++) expect(new Set(Array.from(y.subarray(ch * 8, ch * 8 + 8))).size).toBe(1);
    expect(new Set(Array.from(y))).toEqual(new Set([0, 2]));
  });
});

describe("scatter, scatterAdd and indexAdd (gather's and index_select's inverses)", () => {
  it("write or add src at the indices along dim, PyTorch's values; repeated indices add up", () => {
    const src = model(
      "return [F.zeros(x.size(0), 4).scatter(1, y.view(-1, 1), 1), F.zeros(x.size(0), 3).scatterAdd(1, j, x), x.scatter(1, j, 9), x.indexAdd(1, F.tensor([2, 2, 0], { dtype: 'int32' }), x, { alpha: 2 })];",
      'x: Tensor<[Batch, 3]>, y: Tensor<[Batch], "int32">, j: Tensor<[Batch, 3], "int32">',
    );
    const [oneHot, added, written, indexAdded] = outputs(src, { x: nd([2, 3], [1, 2, 3, 4, 5, 6]), y: nd([2], [3, 1]), j: nd([2, 3], [0, 2, 0, 1, 1, 1]) });
    expect(oneHot).toEqual([0, 0, 0, 1, 0, 1, 0, 0]);
    // row 0: x[0] + x[2] at 0, x[1] at 2; row 1: all at 1
    expect(added).toEqual([4, 0, 2, 0, 15, 0]);
    expect(written).toEqual([9, 2, 9, 4, 9, 6]);
    // source columns 0 and 1 added (×2) at column 2, column 2 at column 0
    expect(indexAdded).toEqual([1 + 6, 2, 3 + 6, 4 + 12, 5, 6 + 18]);
    expect(first(model("return x.scatterAdd(1, j, x.narrow(1, 0, 2));", 'x: Tensor<[Batch, 3]>, j: Tensor<[Batch, 3], "int32">'))).toMatch(/^TSDP4001 6: scatterAdd: the index \[Batch, 3\] must have the input's 2 dims, be no larger than the input \[Batch, 3\] besides dim 1 and no larger than src \[Batch, 2\]/);
  });
  it("an index smaller than the input besides dim, and a src larger than the index, as PyTorch allows: the index's extent is written, src's first elements read", () => {
    // z [B, 3, 4]; index [B, 2, 2] along dim 1 writes z[b, j[b, i, k], k] = src[b, i, k] for k < 2
    const src = model(
      "const z = F.zeros(x.size(0), 3, 4); const s = x.view(-1, 2, 3);\n    return [z.scatter(1, j, s).flatten(1), z.scatterAdd(1, j, s).flatten(1)];",
      'x: Tensor<[Batch, 6]>, j: Tensor<[Batch, 2, 2], "int32">',
    );
    const [written, added] = outputs(src, { x: nd([1, 6], [1, 2, 3, 4, 5, 6]), j: nd([1, 2, 2], [2, 0, 1, 1]) });
    // src rows [1, 2, 3], [4, 5, 6]: (i 0, k 0) → z[2][0] = 1; (0, 1) → z[0][1] = 2; (1, 0) → z[1][0] = 4; (1, 1) → z[1][1] = 5
    const want = [0, 2, 0, 0, 4, 5, 0, 0, 1, 0, 0, 0];
    expect(written).toEqual(want);
    expect(added).toEqual(want);
  });
  it("a one-hot scattered over the batch folded into rows (VQ-VAE's flat_input = x.view(-1, D)): the rows' dim is the same batch multiple, not a smaller index", () => {
    // it was refused as a slice along the batch: [2*Batch, 4] from two separate view ops compared as objects
    const src = model("const flat = x.view(-1, 4); const idx = F.argmin(flat, 1).unsqueeze(1);\n    const enc = F.zeros(idx.shape[0], 4);\n    enc.scatter_(1, idx, 1);\n    return enc.view(-1, 8);", "x: Tensor<[Batch, 2, 4]>");
    const [oneHot] = outputs(src, { x: nd([2, 2, 4], [3, 1, 2, 5, 0, 9, 9, 9, 4, 4, 4, -1, 7, 2, 8, 9]) });
    // each row's argmin: 1, 0, 3, 1
    expect(oneHot).toEqual([0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0]);
  });
});

describe("a layer made outside the model", () => {
  const file = (made: string, act: string, loss: string) =>
    `${header}${made}\nexport class M extends nn.Module {\n  fc = new nn.Linear(4, 3);\n  forward(x: Tensor<[Batch, 2, 4]>) { return ${act}; }\n}\nexport const training = new Training(M, { loss: (out: Tensor, y: Tensor<[Batch, 2], "int32">) => ${loss}, optimizer: new optim.SGD({ lr: 0.1 }) });\n`;
  it("with no state and the same in both modes (the tutorials' module-level criterion, an activation) is called as PyTorch calls it", () => {
    const outside = file("const criterion = new nn.CrossEntropyLoss({ labelSmoothing: 0.1 });\nconst act = new nn.Softplus({ beta: 2 });", "act(this.fc(x))", "criterion(out.view(-1, 3), y.view(-1))");
    const inline = file("", "F.softplus(this.fc(x), { beta: 2 })", "F.crossEntropy(out.view(-1, 3), y.view(-1), { labelSmoothing: 0.1 })");
    const inputs = { x: nd([2, 2, 4], Array.from({ length: 16 }, (_, i) => Math.sin(i))), target: nd([2, 2], [0, 2, 1, 1]) };
    const [a, b] = [outside, inline].map((src) => {
      const { graph } = lowerSource(src);
      const run = runReference(graph, inputs, initState(graph, 0));
      return [Array.from(run.outputs[0].data), Array.from(run.values.get(graph.loss!.value)!.data)];
    });
    expect(a[1][0]).toBeGreaterThan(0);
    expect(a).toEqual(b);
  });
  it("a loss module of the user's own with no state (timm's LabelSmoothingCrossEntropy, a FocalLoss) is called as PyTorch calls it; one with state or reading training is refused", () => {
    // before: refused, "this FocalLoss is not registered in the model" (TSDP3007)
    const focal = "class FocalLoss extends nn.Module {\n  constructor(public gamma = 2) { super(); }\n  forward(x: Tensor, y: Tensor) { const ce = F.crossEntropy(x, y, { reduction: 'none' }); return F.exp(ce.neg()).rsub(1).pow(this.gamma).mul(ce).mean(); }\n}\n";
    const outside = file(`${focal}const criterion = new FocalLoss(2);`, "this.fc(x)", "criterion(out.view(-1, 3), y.view(-1))");
    const inline = file("", "this.fc(x)", "F.exp(F.crossEntropy(out.view(-1, 3), y.view(-1), { reduction: 'none' }).neg()).rsub(1).pow(2).mul(F.crossEntropy(out.view(-1, 3), y.view(-1), { reduction: 'none' })).mean()");
    const inputs = { x: nd([2, 2, 4], Array.from({ length: 16 }, (_, i) => Math.sin(i))), target: nd([2, 2], [0, 2, 1, 1]) };
    const [a, b] = [outside, inline].map((src) => {
      const { graph } = lowerSource(src);
      return runReference(graph, inputs, initState(graph, 0)).values.get(graph.loss!.value)!.data[0];
    });
    expect(a).toBeGreaterThan(0);
    expect(a).toBeCloseTo(b, 12);
    const withState = "class Scaled extends nn.Module {\n  w = new nn.Parameter(F.ones(3));\n  forward(x: Tensor, y: Tensor) { return F.crossEntropy(x.mul(this.w), y); }\n}\nconst criterion = new Scaled();";
    expect(first(file(withState, "this.fc(x)", "criterion(out.view(-1, 3), y.view(-1))"))).toMatch(/^TSDP3007 \d+: this Scaled is not registered in the model/);
    const moded = "class Moded extends nn.Module {\n  forward(x: Tensor, y: Tensor) { return F.crossEntropy(F.dropout(x, 0.5, this.training), y); }\n}\nconst criterion = new Moded();";
    expect(first(file(moded, "this.fc(x)", "criterion(out.view(-1, 3), y.view(-1))"))).toMatch(/^TSDP3007 \d+: this Moded is not registered in the model/);
  });
  it("with parameters, or a dropout (PyTorch's stays in training mode outside the model), is refused", () => {
    expect(first(file("const head = new nn.Linear(3, 3);", "head(this.fc(x))", "F.crossEntropy(out.view(-1, 3), y.view(-1))"))).toMatch(/^TSDP3007 \d+: this nn\.Linear is not registered in the model/);
    expect(first(file("const drop = new nn.Dropout(0.5);", "drop(this.fc(x))", "F.crossEntropy(out.view(-1, 3), y.view(-1))"))).toMatch(/^TSDP3007 \d+: this nn\.Dropout is not registered in the model/);
  });
});

describe("Math.trunc / floor / ceil / round of the batch size", () => {
  it("k·Batch is whole, so each is itself (Swin's window_reverse: B = int(windows.shape[0] / windows_per_image)); Batch / 2 is still refused", () => {
    const body = (f: string) => model(`const w = x.view(-1, 2, 2);\n    const B = Math.${f}(w.shape[0] / 2);\n    return w.view(B, 4, 2);`, "x: Tensor<[Batch, 4, 2]>");
    const x = { x: nd([2, 4, 2], Array.from({ length: 16 }, (_, i) => i)) };
    for (const f of ["trunc", "floor", "ceil", "round"]) expect(outputs(body(f), x)[0]).toEqual(Array.from({ length: 16 }, (_, i) => i));
    expect(first(model("return x.view(Math.trunc(x.shape[0] / 2), 8);", "x: Tensor<[Batch, 4, 2]>"))).toMatch(/^TSDP\d+ \d+: .*batch size/);
  });
});

describe("the batch folded into a convolution's groups (StyleGAN2's modulated conv)", () => {
  it("is refused naming why and the form that computes the same (test/bad-models/conv-groups-batch.ts has the position)", () => {
    const body = "const [b, c, h, w] = x.shape;\n    return F.conv2d(x.view(1, b * c, h, w), F.ones(4, 1, 3, 3), null, { padding: 1, groups: b }).view(b, 4, h, w);";
    expect(first(model(body, "x: Tensor<[Batch, 4, 8, 8]>"))).toMatch(
      /^TSDP2003 \d+: F\.conv2d: groups cannot depend on the batch size \(the batch is split across devices, so it cannot be folded into the channels\): .*scale the input by the per-sample factor before the conv and the output after it \(rosinality's ModulatedConv2d with fused=False\)$/,
    );
  });
});

describe("StyleGAN2's minibatch stddev (group = min(batch, 4), view(group, -1, …))", () => {
  it("is refused where the batch size enters Math.min or is split by a view, naming why and ProGAN's whole-share form", () => {
    const body = (group: string) => `const [batch, c, h, w] = x.shape;\n    const group = ${group};\n    const s = x.view(group, -1, 1, c, h, w).var(0, { unbiased: false }).add(1e-8).sqrt().mean([2, 3, 4], true).squeeze(2);\n    return F.cat([x, s.repeat(group, 1, h, w)], 1);`;
    expect(first(model(body("Math.min(batch, 4)"), "x: Tensor<[Batch, 2, 3, 3]>"))).toMatch(
      /^TSDP2003 7: Math\.min of the batch size: the batch is split across devices, so each device's share is known only at run time; tsdp follows it through \+ − × ÷ \(x\.div\(b - 1\)\), not through Math\.min; StyleGAN2's minibatch stddev .*\(ProGAN's MinibatchStdDev/,
    );
    expect(first(model("return x.div(Math.max(x.size(0), 1));", "x: Tensor<[Batch, 2]>"))).toMatch(/^TSDP2003 6: Math\.max of the batch size: .*not through Math\.max$/);
    expect(first(model(body("4"), "x: Tensor<[Batch, 2, 3, 3]>"))).toMatch(/^TSDP4001 8: view\(4, -1, 1, 2, 3, 3\) cannot reshape .*: 18\*Batch is not a multiple of 72 \(the sizes would split the batch into groups/);
  });
});

describe("registerBuffer(name, null)", () => {
  it("reads null and is no state (Swin's attn_mask without a shift); a tensor in the other branch is a buffer", () => {
    const swin = (shift: number) =>
      `${header}export class M extends nn.Module {\n  fc = new nn.Linear(4, 4);\n  declare mask: Tensor | null;\n  constructor(shift = ${shift}) {\n    super();\n    this.registerBuffer("mask", shift > 0 ? F.full([4], 2.0) : null);\n  }\n  forward(x: Tensor<[Batch, 4]>) {\n    const y = this.fc(x);\n    return this.mask !== null ? y.mul(this.mask) : y;\n  }\n}\n`;
    expect(declared(swin(0)).buffers).toEqual([]);
    expect(declared(swin(1)).buffers).toEqual(["mask"]);
    const x = { x: nd([1, 4], [1, 2, 3, 4]) };
    const [plain] = outputs(swin(0), x);
    const [masked] = outputs(swin(1), x);
    expect(masked).toEqual(plain.map((v) => v * 2));
  });
});

describe("F.interpolate's bicubic and trilinear modes", () => {
  it("bicubic: Keys' cubic (A = −0.75) over four taps, indices clamped at the border, as PyTorch's", () => {
    const src = model("return [F.interpolate(x, { scaleFactor: [1, 2], mode: 'bicubic' }).flatten(1), F.interpolate(x, { size: [1, 11], mode: 'bicubic', alignCorners: true }).flatten(1), F.interpolate(x.mul(0).add(3), { size: [2, 9], mode: 'bicubic' }).flatten(1)];", "x: Tensor<[Batch, 1, 1, 6]>");
    const [up, aligned, flat] = outputs(src, { x: nd([1, 1, 1, 6], [0, 1, 2, 3, 4, 5]) });
    // output 4: src = 4.5/2 − ½ = 1.75, taps 0…3 at distances 1.75, 0.75, 0.25, 1.25: weights
    // −0.03516, 0.26172, 0.87891, −0.10547 (c₂(1.75), c₁(0.75), c₁(0.25), c₂(1.25)), so 109/64
    expect(up[4]).toBeCloseTo(109 / 64, 6);
    // aligned, output 1: src = 0.5, taps −1 (clamped to 0), 0, 1, 2 weighted −3/32, 19/32, 19/32, −3/32: 0.40625
    expect(aligned[1]).toBeCloseTo(0.40625, 6);
    expect(aligned.filter((_, i) => i % 2 === 0)).toEqual([0, 1, 2, 3, 4, 5]);
    // the weights sum to 1: a constant image stays constant
    flat.forEach((v) => expect(v).toBeCloseTo(3, 5)); // within float32 rounding of the weights
    expect(gradCheck(model("return F.interpolate(x.view(-1, 1, 2, 3), { size: [3, 5], mode: 'bicubic' }).flatten(1);", "x: Tensor<[Batch, 6]>").slice(header.length)).checked).toBeGreaterThan(0);
  });
  it("trilinear (and nearest) over [N, C, D, H, W]: the linear rule along each of the three dims", () => {
    const src = model("return [F.interpolate(x, { size: [3, 3, 3], mode: 'trilinear', alignCorners: true }).flatten(1), F.interpolate(x, { scaleFactor: 2 }).flatten(1)];", "x: Tensor<[Batch, 1, 2, 2, 2]>");
    const [tri, near] = outputs(src, { x: nd([1, 1, 2, 2, 2], [0, 1, 2, 3, 4, 5, 6, 7]) });
    // the corners are the input's, the centre the mean of all eight
    expect([tri[0], tri[2], tri[6], tri[26], tri[13]]).toEqual([0, 1, 2, 7, 3.5]);
    // nearest doubles each voxel: output (d, h, w) reads input (⌊d/2⌋, ⌊h/2⌋, ⌊w/2⌋)
    near.forEach((v, i) => {
      const [d, h, w] = [Math.floor(i / 16), Math.floor(i / 4) % 4, i % 4];
      expect(v).toBe(Math.floor(d / 2) * 4 + Math.floor(h / 2) * 2 + Math.floor(w / 2));
    });
    expect(first(model("return F.interpolate(x, { scaleFactor: 2, mode: 'trilinear' });", "x: Tensor<[Batch, 1, 4, 4]>"))).toMatch(/mode "trilinear" needs a 5-D input \[N, C, D, H, W\], got \[Batch, 1, 4, 4\]/);
  });
});

describe("F.unfold / F.fold (im2col, col2im) and LPPool", () => {
  it("unfold lists each block's window, channel-major then tap by tap; fold sums them back (fold(unfold(x)) = x times each pixel's count)", () => {
    const src = model(
      "return [F.unfold(x, 2).flatten(1), this.u(x).flatten(1), F.fold(F.unfold(x, [2, 2], { padding: 1, stride: [1, 2] }), [2, 3], [2, 2], { padding: 1, stride: [1, 2] }).flatten(1), F.fold(F.unfold(x.mul(0).add(1), 2), [2, 3], 2).flatten(1), F.fold(F.unfold(x, 2), [2, 3], 2).flatten(1)];",
      "x: Tensor<[Batch, 1, 2, 3]>",
      "u = new nn.Unfold([1, 2], { dilation: [1, 2] });",
    );
    const [cols, dilated, padded, counts, roundTrip] = outputs(src, { x: nd([1, 1, 2, 3], [1, 2, 3, 4, 5, 6]) });
    // blocks at columns 0 and 1; rows: taps (0,0), (0,1), (1,0), (1,1)
    expect(cols).toEqual([1, 2, 2, 3, 4, 5, 5, 6]);
    // a 1×2 window with dilation 2: the pixel and the one two to its right, on each row
    expect(dilated).toEqual([1, 4, 3, 6]);
    // padded to 4×5: row windows [0, 2), [1, 3), [2, 4) read each image row twice, column windows
    // [0, 2), [2, 4) each image column once, so every pixel comes back twice
    expect(padded).toEqual([2, 4, 6, 8, 10, 12]);
    expect(counts).toEqual([1, 2, 1, 1, 2, 1]);
    expect(roundTrip).toEqual([1, 4, 3, 4, 10, 6]);
    expect(gradCheck(model("return [F.unfold(x.view(-1, 1, 3, 3), 2, { padding: 1, stride: 2 }).flatten(1), F.fold(x.view(-1, 4, 2), [2, 3], 2).flatten(1)];", "x: Tensor<[Batch, 9]>").slice(header.length).replace("x.view(-1, 4, 2)", "x.narrow(1, 0, 8).view(-1, 4, 2)")).checked).toBeGreaterThan(0);
    expect(first(model("return F.fold(x, [2, 3], 2);", "x: Tensor<[Batch, 4, 3]>"))).toMatch(/3 blocks given, but a 2×3 output has 1×2 = 2 of them/);
  });
  it("LPPool2d: (Σ x^p)^(1/p) over each window", () => {
    const [y] = outputs(model("return this.p(x).flatten(1);", "x: Tensor<[Batch, 1, 2, 4]>", "p = new nn.LPPool2d(2, [1, 2]);"), { x: nd([1, 1, 2, 4], [3, 4, 1, 0, 6, 8, 5, 12]) });
    expect(y.map((v) => +v.toFixed(12))).toEqual([5, 1, 10, 13]);
    expect(gradCheck(model("return F.lpPool1d(x.view(-1, 1, 4).abs().add(0.5), 3, 2).flatten(1);", "x: Tensor<[Batch, 4]>").slice(header.length)).checked).toBeGreaterThan(0);
  });
  it("LPPool with ceilMode: PyTorch's partial window at the far edge, Σ x^p scaled by the kernel's size over the window's (avg_pool2d's clipped divisor, then × k)", () => {
    // 1-D, kernel 2, stride 2 over 5 values: windows [3, 4], [1, 0], and [6] alone: √(36·2/1)
    const [y] = outputs(model("return F.lpPool1d(x.view(-1, 1, 5), 2, 2, 2, true).flatten(1);", "x: Tensor<[Batch, 5]>"), { x: nd([1, 5], [3, 4, 1, 0, 6]) });
    expect(y.map((v) => +v.toFixed(12))).toEqual([5, 1, +Math.sqrt(72).toFixed(12)]);
    const [z] = outputs(model("return this.p(x).flatten(1);", "x: Tensor<[Batch, 1, 3, 3]>", "p = new nn.LPPool2d(1, 2, 2, true);"), { x: nd([1, 1, 3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9]) });
    // windows: [1 2; 4 5] = 12, [3; 6]·4/2 = 18, [7 8]·4/2 = 30, [9]·4 = 36
    expect(z.map((v) => +v.toFixed(12))).toEqual([12, 18, 30, 36]);
    expect(gradCheck(model("return F.lpPool1d(x.view(-1, 1, 5).abs().add(0.5), 2, 2, 2, true).flatten(1);", "x: Tensor<[Batch, 5]>").slice(header.length)).checked).toBeGreaterThan(0);
  });
});

describe("functional forms of layers (F.convTranspose1d/2d, F.instanceNorm, F.channelShuffle, F.embeddingBag, F.upsample)", () => {
  it("each equals its layer, given the layer's parameters", () => {
    const src = model(
      "return [F.convTranspose2d(x, this.up.weight, this.up.bias, 2, 1, 1).flatten(1), this.up(x).flatten(1), F.convTranspose1d(x.flatten(2), this.up1.weight, null, 2).flatten(1), this.up1(x.flatten(2)).flatten(1), F.instanceNorm(x).flatten(1), this.inorm(x).flatten(1), F.channelShuffle(x, 2).flatten(1), this.shuffle(x).flatten(1), F.upsample(x, { scaleFactor: 2 }).flatten(1), F.interpolate(x, { scaleFactor: 2 }).flatten(1), F.upsampleBilinear(x, { size: [3, 3] }).flatten(1), F.interpolate(x, { size: [3, 3], mode: 'bilinear', alignCorners: true }).flatten(1)];",
      "x: Tensor<[Batch, 4, 2, 2]>",
      "up = new nn.ConvTranspose2d(4, 2, 3, { stride: 2, padding: 1, outputPadding: 1 }); up1 = new nn.ConvTranspose1d(4, 3, 2, { stride: 2, bias: false }); inorm = new nn.InstanceNorm2d(4); shuffle = new nn.ChannelShuffle(2);",
    );
    const got = outputs(src, { x: nd([1, 4, 2, 2], Array.from({ length: 16 }, (_, i) => Math.cos(i))) });
    for (let i = 0; i < got.length; i += 2) expect(got[i], `pair ${i / 2}`).toEqual(got[i + 1]);
    const bag = model("return [F.embeddingBag(ids, this.e.weight, null, { mode: 'sum' }), this.e(ids)];", 'ids: Tensor<[Batch, 3], "int32">', "e = new nn.EmbeddingBag(5, 2, { mode: 'sum' });");
    const [f, layer] = outputs(bag, { ids: nd([2, 3], [0, 1, 4, 2, 2, 3]) });
    expect(f).toEqual(layer);
    // antialias is PyTorch's for bilinear and bicubic on 4-D only
    expect(first(model("return F.interpolate(x, { size: [1, 1], mode: 'nearest', antialias: true });", "x: Tensor<[Batch, 4, 2, 2]>"))).toMatch(/antialias: true needs mode "bilinear" or "bicubic" and a 4-D input/);
  });
});

describe("torch.searchsorted, torch.bucketize, torch.take_along_dim", () => {
  it("count the sorted values below (or at, with right) each value; take_along_dim is gather", () => {
    const src = model(
      "const seq = F.tensor([[1.0, 3, 5, 7]]).expand(x.size(0), -1); return [F.searchsorted(seq, x).float(), F.searchsorted(seq, x, { right: true }).float(), F.bucketize(x, F.tensor([1.0, 3, 5, 7])).float(), F.takeAlongDim(x, F.searchsorted(seq, x).float().clampMax(2).int(), 1)];",
      "x: Tensor<[Batch, 3]>",
    );
    const [left, right, buckets, taken] = outputs(src, { x: nd([1, 3], [0, 3, 8]) });
    expect(left).toEqual([0, 1, 4]);
    expect(right).toEqual([0, 2, 4]);
    expect(buckets).toEqual([0, 1, 4]);
    // indices 0, 1, 2 (clamped): x[0], x[1], x[2]
    expect(taken).toEqual([0, 3, 8]);
  });
  it("searchsorted against a 1-D sequence for values of any shape; take_along_dim broadcasts; gather's index may be smaller than the input", () => {
    const src = model(
      "const v = x.view(-1, 2, 3); const idx = F.tensor([[[2, 0]]], { dtype: 'int32' }); const g = F.tensor([[[1], [0]]], { dtype: 'int32' }).expand(x.size(0), -1, -1);\n    return [F.searchsorted(F.tensor([1.0, 3, 5, 7]), x).float(), F.takeAlongDim(v, idx, 2).flatten(1), v.gather(2, g).flatten(1), F.gather(v, 1, F.tensor([[[1, 0]]], { dtype: 'int32' }).expand(x.size(0), -1, -1)).flatten(1)];",
      "x: Tensor<[Batch, 6]>",
    );
    const xs = [0, 3, 8, 2, 6, 4];
    const [counts, along, gathered, rows] = outputs(src, { x: nd([1, 6], xs) });
    expect(counts).toEqual([0, 1, 4, 1, 3, 2]);
    // v = [[0, 3, 8], [2, 6, 4]]; indices [2, 0] broadcast to both rows: [8, 0], [4, 2]
    expect(along).toEqual([8, 0, 4, 2]);
    // index [1, 2, 1] ([[1], [0]]): row 0 takes v[0][1], row 1 v[1][0]
    expect(gathered).toEqual([3, 2]);
    // index [1, 1, 2] along dim 1, over the first 2 columns: [v[1][0], v[0][1]]
    expect(rows).toEqual([2, 3]);
  });
  it("take_along_dim of indices with fewer dims than the input is refused as PyTorch refuses it, naming both ranks", () => {
    expect(first(model("return F.takeAlongDim(x, F.tensor([[0], [1]], { dtype: 'int32' }), 2);", "x: Tensor<[Batch, 2, 3]>"))).toMatch(
      /^TSDP4001 \d+: F.takeAlongDim: input and indices should have the same number of dimensions.*got \[Batch, 2, 3\] and \[2, 1\]/,
    );
  });
});

describe("torch.argmax / argmin without dim", () => {
  it("is the position in the flattened tensor (ties: the first), 0-dim or with keepdim all size-1 dims; over the batch it is refused", () => {
    const src = model("const t = F.tensor([[1.0, 5], [5, -5]]); const k = F.argmin(t, { keepdim: true });\n    return [x.mul(0).add(t.argmax()), x.mul(0).add(k).add(k.size(0) * 10 + k.size(1) * 100), x.argmax(1, true).float()];", "x: Tensor<[Batch, 1]>");
    const [max, min, along] = outputs(src, { x: nd([1, 1], [0]) });
    expect(max).toEqual([1]);
    expect(min).toEqual([113]);
    expect(along).toEqual([0]);
    expect(first(model("return x.argmax().unsqueeze(0);", "x: Tensor<[Batch, 3]>"))).toMatch(/^TSDP4001 \d+: argmax: without dim, the position among every element of \[Batch, 3\] counts across the batch.*x\.flatten\(1\)\.argmax\(1\)/);
  });
});

describe("torch.broadcast_to", () => {
  it("is expand, as a function and a method (-1 keeps a size)", () => {
    const src = model("const r = x.unsqueeze(1); return [F.broadcastTo(r, [x.size(0), 2, 3]).flatten(1), r.broadcastTo([-1, 2, -1]).flatten(1), F.broadcast_to(r, [x.size(0), 2, 3]).flatten(1)];", "x: Tensor<[Batch, 3]>");
    const [f, method, snake] = outputs(src, { x: nd([1, 3], [1, 2, 3]) });
    expect(f).toEqual([1, 2, 3, 1, 2, 3]);
    expect(method).toEqual(f);
    expect(snake).toEqual(f);
  });
});

describe("floor division (torch.floor_divide, torch.div(…, rounding_mode))", () => {
  it("rounds the quotient down or toward zero; int32 operands stay int32", () => {
    const src = model(
      "return [F.floorDivide(x, 2), x.div(2, { roundingMode: 'trunc' }), x.floorDivide(x.mul(0).add(-3)), F.floorDivide(t, 2).float().unsqueeze(1).add(x.mul(0))];",
      'x: Tensor<[Batch, 3]>, t: Tensor<[Batch], "int32">',
    );
    const { graph } = lowerSource(src);
    expect(graph.outputs.map((o) => o.dtype)).toEqual(["f32", "f32", "f32", "f32"]);
    const [floor, trunc, byNegative, ints] = outputs(src, { x: nd([1, 3], [-3, 5, 7]), t: nd([1], [-7]) });
    expect(floor).toEqual([-2, 2, 3]);
    expect(trunc).toEqual([-1, 2, 3]);
    expect(byNegative).toEqual([1, -2, -3]);
    // −7 // 2 = −4, as Python's
    expect(ints).toEqual([-4, -4, -4]);
  });
});

describe("TypeScript's private fields (#fc)", () => {
  it("are the module's fields under their names without #, in the state_dict as PyTorch's self.fc", () => {
    const src = model(
      "return this.#act(this.#fc(x)).mul(this.#scale);",
      "x: Tensor<[Batch, 2]>",
      "#fc = new nn.Linear(2, 3);\n  #scale: number;\n  #head: nn.Linear;\n  constructor() { super(); this.#scale = 2; this.#head = new nn.Linear(3, 1); }\n  #act(y: Tensor) { return this.#head.weight.sum().mul(0).add(y.relu()); }",
    );
    const { graph } = lowerSource(src);
    expect(graph.params.map((p) => p.attrs.name).sort()).toEqual(["fc.bias", "fc.weight", "head.bias", "head.weight"]);
    const state = initState(graph, 0);
    const [w, b] = [state.params.get("fc.weight")!.data, state.params.get("fc.bias")!.data];
    const [out] = runReference(graph, { x: nd([1, 2], [0.5, -1]) }, state).outputs.map((o) => Array.from(o.data));
    const want = [0, 1, 2].map((j) => 2 * Math.max(0, w[j * 2] * 0.5 - w[j * 2 + 1] + b[j]));
    out.forEach((v, j) => expect(v).toBeCloseTo(want[j], 12));
  });
  it("refuses a class that declares both #fc and fc (one state_dict name)", () => {
    expect(first(model("return this.fc(x);", "x: Tensor<[Batch, 2]>", "fc = new nn.Linear(2, 2);\n  #fc = new nn.Linear(2, 2);"))).toMatch(/^TSDP3008 \d+: M declares both #fc and fc/);
  });
});

describe("torch's factory keywords, x.type, nn.init in camelCase", () => {
  it("device and requiresGrad are accepted; dtype int32 (or int64) makes int32 fills", () => {
    const src = model(
      "const p = F.arange(3, { device: x.device }); const z = F.zeros([x.size(0), 3], { dtype: 'int64', device: 'cuda' }); const f = F.full([3], 2.9, { dtype: 'int32' }); const batch = F.zerosLike(z); return [x.add(p).add(F.ones(3, { requiresGrad: true })), z, batch.add(f), batch.add(F.arange(0, 6, 2, { dtype: 'int64' }))];",
      "x: Tensor<[Batch, 3]>",
    );
    const { graph } = lowerSource(src);
    expect(graph.outputs.map((o) => o.dtype)).toEqual(["f32", "i32", "i32", "i32"]);
    const [sum, z, f, a] = outputs(src, { x: nd([1, 3], [1, 1, 1]) });
    expect(sum).toEqual([2, 3, 4]);
    expect(z).toEqual([0, 0, 0]);
    expect(f).toEqual([2, 2, 2]);
    expect(a).toEqual([0, 2, 4]);
  });
  it("x.type(dtype) converts; x.type() is PyTorch's type name", () => {
    const src = model("const i = x.type('int32'); return x.type() === 'torch.cuda.FloatTensor' ? i.type('float32').add(i.type() === 'torch.cuda.IntTensor' ? 10 : 0) : x;", "x: Tensor<[Batch, 3]>");
    expect(outputs(src, { x: nd([1, 3], [1.5, -2.5, 3]) })[0]).toEqual([11, 8, 13]);
  });
  it("nn.init.kaimingNormal_ and the other camelCase names are PyTorch's snake_case initializers", () => {
    const ctor = (call: string) => declared(model("return this.fc(x);", "x: Tensor<[Batch, 4]>", `fc = new nn.Linear(4, 3);\n  constructor() { super(); ${call} }`)).init.get("fc.weight");
    for (const [camel, snake] of [
      ["kaimingNormal_(this.fc.weight, { mode: 'fan_out', nonlinearity: 'relu' })", "kaiming_normal_(this.fc.weight, { mode: 'fan_out', nonlinearity: 'relu' })"],
      ["xavierUniform_(this.fc.weight, nn.init.calculateGain('tanh'))", "xavier_uniform_(this.fc.weight, nn.init.calculate_gain('tanh'))"],
      ["truncNormal_(this.fc.weight, { std: 0.02 })", "trunc_normal_(this.fc.weight, { std: 0.02 })"],
    ])
      expect(ctor(`nn.init.${camel};`)).toEqual(ctor(`nn.init.${snake};`));
    expect(ctor("nn.init.kaimingNormal_(this.fc.weight, { mode: 'fan_out', nonlinearity: 'relu' });")).toEqual({ kind: "normal", std: Math.sqrt(2) / Math.sqrt(3) });
  });
});

describe("a field holding a layer's parameter (PyTorch's self.w = self.fc.weight)", () => {
  it("reads in forward as the layer's parameter: one tensor, its gradient from both uses", () => {
    const x = { x: nd([2, 2], [1, 2, 3, -1]) };
    const aliased = model("return x.matmul(this.w).add(this.fc(x));", "x: Tensor<[Batch, 2]>", "fc = new nn.Linear(2, 2);\n  w: nn.Parameter;\n  constructor() { super(); this.w = this.fc.weight; }");
    const direct = model("return x.matmul(this.fc.weight).add(this.fc(x));", "x: Tensor<[Batch, 2]>", "fc = new nn.Linear(2, 2);");
    expect(declared(aliased).params).toEqual(["fc.weight", "fc.bias"]);
    expect(outputs(aliased, x)).toEqual(outputs(direct, x));
  });
});

describe("x.to's keywords (nGPT's sinusoidal table .to(device=q.device))", () => {
  it("device alone is the tensor itself; a device then a dtype converts to the dtype; cpu is refused", () => {
    const { graph } = lowerSource(model('return [x.to({ device: x.device }).add(1), x.to(x.device, "int32"), x.to({ device: "cuda", dtype: "int32" }), x.to("cuda:0", { nonBlocking: true })];', "x: Tensor<[Batch, 2]>"));
    expect(graph.outputs.map((o) => o.dtype)).toEqual(["f32", "i32", "i32", "f32"]);
    expect(first(model('return x.to({ device: "cpu" });', "x: Tensor<[Batch, 2]>"))).toMatch(/^TSDP\d+ 6: to: a model's tensors stay on its GPU/);
  });
});

describe("F.checkpoint (torch.utils.checkpoint.checkpoint)", () => {
  it("is the call it wraps: a module, a function of several arguments, with PyTorch's keywords", () => {
    const fields = "blk = new nn.Linear(3, 3);";
    const src = (body: string) => model(body, "x: Tensor<[Batch, 3]>", fields);
    const x = nd([2, 3], [0.5, -1, 2, 1.5, 0.25, -0.75]);
    const plain = outputs(src("return this.blk(x).add(this.blk(x.mul(2)).mul(x));"), { x });
    expect(outputs(src("return F.checkpoint(this.blk, x, { useReentrant: false }).add(F.checkpoint((a: Tensor, b: Tensor) => this.blk(a).mul(b), x.mul(2), x));"), { x })).toEqual(plain);
    expect(first(src("return F.checkpoint(3, x);"))).toMatch(/F\.checkpoint takes the function or module to run and its arguments/);
  });
  it("checkpointSequential (checkpoint_sequential) runs an nn.Sequential's modules, or an array's functions, in order; segments past their count are refused", () => {
    const fields = "seq = new nn.Sequential(new nn.Linear(3, 4), new nn.Tanh(), new nn.Linear(4, 3));";
    const src = (body: string) => model(body, "x: Tensor<[Batch, 3]>", fields);
    const x = nd([2, 3], [0.5, -1, 2, 1.5, 0.25, -0.75]);
    const plain = outputs(src("return this.seq(x).add(F.relu(this.seq(x)).mul(2));"), { x });
    expect(plain[0].some((v) => v !== 0)).toBe(true);
    const viaCheckpoint = "return F.checkpointSequential(this.seq, 2, x, { useReentrant: false }).add(F.checkpoint_sequential([this.seq, (t: Tensor) => F.relu(t), (t: Tensor) => t.mul(2)], 3, x));";
    expect(outputs(src(viaCheckpoint), { x })).toEqual(plain);
    expect(first(src("return F.checkpointSequential(this.seq, 4, x);"))).toMatch(/^TSDP3004 \d+: F\.checkpointSequential: 4 segments of 3 functions leave a segment empty/);
  });
});

describe("torch.nansum / nanmean / diff, nn.RReLU, nn.Embedding.fromPretrained", () => {
  it("nansum and nanmean leave NaNs out; diff is the n-th forward difference, prepend and append joined", () => {
    const src = model("return [x.nansum(1, true), F.nanmean(x, 1, true), x.diff(), F.diff(x, { n: 2, prepend: x.narrow(1, 0, 1) })];", "x: Tensor<[Batch, 4]>");
    const [s, m, d1, d2] = outputs(src, { x: nd([1, 4], [1, NaN, 4, 9]) });
    expect(s).toEqual([14]);
    expect(m[0]).toBeCloseTo(14 / 3, 12);
    expect(d1.map((v) => (Number.isNaN(v) ? "NaN" : v))).toEqual(["NaN", "NaN", 5]);
    // [1, 1, NaN, 4, 9] → [0, NaN, NaN, 5] → [NaN, NaN, NaN]
    expect(d2.every(Number.isNaN)).toBe(true);
    const [d3] = outputs(model("return F.diff(x, { n: 2, append: x.narrow(1, 0, 1) });", "x: Tensor<[Batch, 4]>"), { x: nd([1, 4], [1, 2, 4, 9]) });
    // [1, 2, 4, 9, 1] → [1, 2, 5, −8] → [1, 3, −13]
    expect(d3).toEqual([1, 3, -13]);
  });
  it("RReLU: in eval the mean slope; in train a slope in [lower, upper] per negative element, positives unchanged", () => {
    const src = model("return this.r(x);", "x: Tensor<[Batch, 6]>", "r = new nn.RReLU(0.1, 0.3);");
    const { graph } = lowerSource(src);
    const x = nd([2, 6], [-1, 2, -3, 0.5, -0.25, -8, 1, -1, -1, 3, -2, 0]);
    const run = (training: boolean) => Array.from(runReference(graph, { x }, initState(graph, 0), { training, step: 4 }).outputs[0].data);
    expect(run(false)).toEqual(Array.from(x.data, (v) => (v >= 0 ? v : v * 0.2)));
    const train = run(true);
    const slopes = Array.from(x.data).flatMap((v, i) => (v < 0 ? [train[i] / v] : (expect(train[i]).toBe(v), [])));
    for (const a of slopes) expect(a >= 0.1 - 1e-12 && a <= 0.3 + 1e-12).toBe(true);
    // drawn per element: not one slope for all
    expect(new Set(slopes.map((a) => a.toFixed(6))).size).toBeGreaterThan(1);
  });
  it("Embedding.fromPretrained starts from the table, frozen unless freeze is false; a maxNorm PyTorch refuses is refused with why", () => {
    const emb = (ctor: string) => model("return this.e(ids).flatten(1);", 'ids: Tensor<[Batch, 2], "int32">', `e = ${ctor};`);
    const frozen = declared(emb("nn.Embedding.fromPretrained(F.arange(6).view(3, 2).div(2))"));
    expect(frozen.params).toEqual([]);
    expect(frozen.buffers).toEqual(["e.weight"]);
    expect(values(frozen.init.get("e.weight"))).toEqual([0, 0.5, 1, 1.5, 2, 2.5]);
    const trained = declared(emb("nn.Embedding.fromPretrained(F.ones(3, 2), { freeze: false, paddingIdx: 0 })"));
    expect(trained.params).toEqual(["e.weight"]);
    expect(trained.init.get("e.weight")).toEqual({ kind: "constant", value: 1 });
    // (a maxNorm is supported: test/state-updates.test.ts)
    expect(first(emb("new nn.Embedding(3, 2, { maxNorm: -1 })"))).toMatch(/nn\.Embedding: maxNorm must be a finite number ≥ 0 or null, got -1/);
  });
});

describe("TypeScript's Map and Set, logical and exponent assignments, object rest", () => {
  it("a Map of sizes and a Set of skipped blocks build the model; for…of and forEach walk them in insertion order", () => {
    const src = model(
      "let y = x; for (let i = 0; i < this.blocks.length; i++) if (!this.skip.has(i)) y = this.blocks[i](y); return y.mul(this.seen);",
      "x: Tensor<[Batch, 4]>",
      "blocks = new nn.ModuleList();\n  skip = new Set([1]);\n  seen = 0;\n  constructor() {\n    super();\n    const widths = new Map<string, number>([['a', 4], ['b', 4]]);\n    widths.set('c', 4);\n    for (const [, w] of widths) this.blocks.append(new nn.Linear(w, 4));\n    widths.forEach((w, k) => { this.seen += k === 'b' ? w : 0; });\n    this.seen **= 0.5;\n  }",
    );
    const { graph } = lowerSource(src);
    expect(graph.params.map((p) => p.attrs.name).sort()).toEqual(["blocks.0.bias", "blocks.0.weight", "blocks.1.bias", "blocks.1.weight", "blocks.2.bias", "blocks.2.weight"]);
    // block 1 skipped: blocks 0 and 2 run, then × √4
    const lin = (p: string, v: number[]) => {
      const s = initState(graph, 0);
      const [w, b] = [s.params.get(`${p}.weight`)!.data, s.params.get(`${p}.bias`)!.data];
      return [0, 1, 2, 3].map((o) => b[o] + v.reduce((acc, vi, i) => acc + w[o * 4 + i] * vi, 0));
    };
    const input = [0.5, -1, 2, 0.25];
    const want = lin("blocks.2", lin("blocks.0", input)).map((v) => v * 2);
    outputs(src, { x: nd([1, 4], input) })[0].forEach((v, i) => expect(v).toBeCloseTo(want[i], 12));
  });
  it("??=, ||=, &&= assign only when their test says so; **= and %=; const { a, ...rest } = cfg", () => {
    const src = model(
      "const cfg = { scale: 3, shift: 1, extra: 2 }; const { scale, ...rest } = cfg; let a: number | null = null; a ??= 5; a ??= 7; let b = 0; b ||= 2; let c = 4; c &&= 6; let d = 3; d **= 2; d %= 5; return x.mul(scale).add(rest.shift + rest.extra + a + b + c + d + Object.keys(rest).length);",
      "x: Tensor<[Batch, 1]>",
    );
    // 3x + (1 + 2 + 5 + 2 + 6 + 4 + 2)
    expect(outputs(src, { x: nd([1, 1], [1]) })[0]).toEqual([3 + 22]);
    expect(first(model("const m = new Map([[[1], 2]]); return x;", "x: Tensor<[Batch, 1]>"))).toMatch(/new Map: keys are numbers, strings or booleans in model code, got an array of 1/);
  });
});

describe("cross-entropy's other target forms: positions ([N, C, d…] with [N, d…]) and class probabilities", () => {
  const logSoftmax = (row: number[]) => {
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
    return row.map((v) => v - lse);
  };
  it("over positions: the mean of −log p[y] over every position not ignored; reduction none keeps [N, d…]", () => {
    const src = model("return [F.crossEntropy(x, y, { ignoreIndex: 9 }).view(1).expand(x.size(0)).unsqueeze(1), F.crossEntropy(x, y, { ignoreIndex: 9, reduction: 'none' }).flatten(1)];", 'x: Tensor<[Batch, 3, 2]>, y: Tensor<[Batch, 2], "int32">');
    const xs = [0.5, -1, 2, 0.25, 1, -0.5, 3, 0, -2, 1, 0.5, 0.5];
    const ys = [2, 0, 9, 1];
    const [mean, each] = outputs(src, { x: nd([2, 3, 2], xs), y: nd([2, 2], ys) });
    // position (n, j): the scores x[n, :, j]
    const per = [0, 1, 2, 3].map((k) => {
      const [n, j] = [Math.floor(k / 2), k % 2];
      return ys[k] === 9 ? 0 : -logSoftmax([0, 1, 2].map((c) => xs[(n * 3 + c) * 2 + j]))[ys[k]];
    });
    each.forEach((v, k) => expect(v).toBeCloseTo(per[k], 12));
    expect(mean[0]).toBeCloseTo((per[0] + per[1] + per[3]) / 3, 12);
  });
  it("class probabilities: −Σ y′·log p per row, the mean over rows; label smoothing mixes in ε/C", () => {
    const src = model("return F.crossEntropy(x, p, { labelSmoothing: 0.3 }).view(1).expand(x.size(0)).unsqueeze(1);", "x: Tensor<[Batch, 3]>, p: Tensor<[Batch, 3]>");
    const [xs, ps] = [[1, 2, 0.5, -1, 0, 3], [0.2, 0.5, 0.3, 1, 0, 0]];
    const rows = [0, 1].map((n) => {
      const lp = logSoftmax(xs.slice(n * 3, n * 3 + 3));
      return -lp.reduce((s, v, c) => s + (0.7 * ps[n * 3 + c] + 0.1) * v, 0);
    });
    expect(outputs(src, { x: nd([2, 3], xs), p: nd([2, 3], ps) })[0][0]).toBeCloseTo((rows[0] + rows[1]) / 2, 12);
  });
});

describe("nn.MultiMarginLoss / F.multiMarginLoss", () => {
  it("Σ_{i ≠ y} w_y·max(0, margin − x_y + x_i)^p / C per sample, PyTorch's formula", () => {
    const src = model("return [F.multiMarginLoss(x, y, { reduction: 'none' }).unsqueeze(1), F.multiMarginLoss(x, y, { p: 2, margin: 0.5, weight: F.tensor([1, 2, 3]), reduction: 'none' }).unsqueeze(1)];", 'x: Tensor<[Batch, 3]>, y: Tensor<[Batch], "int32">');
    const [xs, ys] = [[0.1, 0.2, 0.4, 0.8, -1, 0.3], [3 - 3, 1]];
    const direct = (p: number, margin: number, w: number[]) =>
      [0, 1].map((n) => {
        const row = xs.slice(n * 3, n * 3 + 3);
        const yv = ys[n];
        return (row.reduce((s, v, i) => (i === yv ? s : s + Math.max(0, margin - row[yv] + v) ** p), 0) * w[yv]) / 3;
      });
    const [plain, weighted] = outputs(src, { x: nd([2, 3], xs), y: nd([2], ys) });
    plain.forEach((v, i) => expect(v).toBeCloseTo(direct(1, 1, [1, 1, 1])[i], 12));
    weighted.forEach((v, i) => expect(v).toBeCloseTo(direct(2, 0.5, [1, 2, 3])[i], 12));
    // as a Training's loss: int32 class indices, one per sample
    const { graph } = lowerSource(`${header}export class M extends nn.Module { fc = new nn.Linear(2, 3); forward(x: Tensor<[Batch, 2]>) { return this.fc(x); } }\nexport const training = new Training(M, { loss: new nn.MultiMarginLoss(), optimizer: new optim.SGD({ lr: 0.1 }) });`);
    expect([graph.loss!.target!.dtype, formatShape(graph.loss!.target!.shape)]).toEqual(["i32", "[Batch]"]);
  });
});

describe("a layer without state created where it is called (Hugging Face's loss_fct = CrossEntropyLoss() inside forward)", () => {
  const x = nd([2, 3], [1, -2, 0.5, 3, 0, -1]);
  it("computes as its F. function, in forward and in a loss function", () => {
    expect(outputs(model("const sm = new nn.Softmax(-1); return sm(x).add(new nn.GELU({ approximate: 'tanh' })(x));", "x: Tensor<[Batch, 3]>"), { x })).toEqual(
      outputs(model("return F.softmax(x, -1).add(F.gelu(x, { approximate: 'tanh' }));", "x: Tensor<[Batch, 3]>"), { x }),
    );
    const training = (loss: string) =>
      `${model("return x.mul(this.s);", "x: Tensor<[Batch, 3]>", "s = new nn.Parameter(F.ones(3));")}export const training = new Training(M, { loss: ${loss}, optimizer: new optim.SGD({ lr: 0.1 }) });\n`;
    const lossOf = (loss: string) => {
      const { graph } = lowerSource(training(loss));
      return runReference(graph, { x, target: nd([2], [2, 0]) }, initState(graph, 0)).loss!;
    };
    const hf = lossOf("(logits: Tensor, labels: Tensor<[Batch], 'int32'>) => { const lossFct = new nn.CrossEntropyLoss({ labelSmoothing: 0.1 }); return lossFct(logits.view(-1, 3), labels.view(-1)); }");
    expect(hf).toBe(lossOf("(logits: Tensor, labels: Tensor<[Batch], 'int32'>) => F.crossEntropy(logits, labels, { labelSmoothing: 0.1 })"));
    expect(Number.isFinite(hf) && hf > 0).toBe(true);
  });

  it("one with parameters, buffers or train/eval behaviour is refused, saying which", () => {
    expect(first(model("const fc = new nn.Linear(3, 3); return fc(x);", "x: Tensor<[Batch, 3]>"))).toMatch(/^TSDP3005 6: nn\.Linear is created inside forward: its parameters would be new at every call and not part of the model/);
    expect(first(model("const bn = new nn.BatchNorm1d(3, { affine: false }); return bn(x);", "x: Tensor<[Batch, 3]>"))).toMatch(/^TSDP3005 6: nn\.BatchNorm1d is created inside forward: its buffers would be new/);
    expect(first(model("const d = new nn.Dropout(0.2); return d(x);", "x: Tensor<[Batch, 3]>"))).toMatch(/^TSDP3005 6: nn\.Dropout is created inside forward: PyTorch's new module is in train mode whatever model\.eval\(\) set/);
    // a norm without running statistics computes alike in both modes (rev54)
    expect(lowerSource(model("const bn = new nn.BatchNorm1d(3, { affine: false, trackRunningStats: false }); return bn(x);", "x: Tensor<[Batch, 3]>")).graph.params).toEqual([]);
    // a model class with state made in forward says where it belongs
    const withState = (fields: string) => model("const s = new Scale(); return s(x);", "x: Tensor<[Batch, 3]>", "", `class Scale extends nn.Module { ${fields} forward(x: Tensor) { return x.mul(2); } }`);
    expect(first(withState("w = new nn.Parameter(F.ones(3));"))).toMatch(/^TSDP3005 \d+: nn\.Parameter is created inside forward/);
    expect(first(withState("fc = new nn.Linear(3, 3);"))).toMatch(/^TSDP3005 \d+: nn\.Linear is created inside forward: its parameters would be new/);
    expect(first(withState("constructor() { super(); this.registerBuffer('b', F.ones(3)); }"))).toMatch(/^TSDP3005 \d+: .*registerBuffer is called inside forward/);
  });

  it("a module class of the model file without state (pytorch-qrnn's ForgetMult()(f, z, h)) is a function of its call, in train mode as PyTorch's new module", () => {
    const scale = "class Scale extends nn.Module { constructor(readonly k = 2.0) { super(); } act = new nn.Tanh(); forward(x: Tensor) { return this.act(x.mul(this.training ? this.k : 1.0)); } }";
    const made = model("return new Scale(3.0)(x).add(new Scale()(x));", "x: Tensor<[Batch, 3]>", "", scale);
    const { graph } = lowerSource(made);
    // PyTorch: a module made in forward has training=True, so eval mode multiplies by k too
    const want = outputs(model("return F.tanh(x.mul(3.0)).add(F.tanh(x.mul(2.0)));", "x: Tensor<[Batch, 3]>"), { x });
    for (const training of [true, false]) expect(Array.from(runReference(graph, { x }, initState(graph, 0), { training }).outputs[0].data)).toEqual(want[0]);
    expect(graph.params).toEqual([]);
  });
});

describe("torch names tsdp knows and refuses say why and what to write instead", () => {
  it("each refused name (refused-names.ts) is refused with its reason, where it is written", async () => {
    const { REFUSED_NAMES } = await import("../compiler/1-frontend/refused-names.ts");
    for (const [name, why] of Object.entries(REFUSED_NAMES)) {
      const message = first(model(`const f = ${name}; return x;`, "x: Tensor<[Batch, 2]>"));
      expect(message, name).toBe(`${message.split(" ")[0]} 6: ${name} is not supported: ${why}`);
    }
  });
  it("a bfloat16 constant (RecurrentGemma's torch.tensor(h ** 0.5, dtype=torch.bfloat16)) is refused naming the float32 number it rounds to", () => {
    // sqrt(32) = 5.65685…: bfloat16 keeps 8 significant bits, 5.65625
    expect(first(model("return x.mul(F.tensor(32 ** 0.5, { dtype: F.bfloat16 }));", "x: Tensor<[Batch, 2]>"))).toMatch(/^TSDP\d+ 6: F\.tensor: dtype bfloat16 is not a tsdp dtype: .*tsdp compile --precision.* \(5\.656854249492381 in bfloat16 is 5\.65625: write F\.tensor\(5\.65625\)\)$/);
    expect(first(model("return x.mul(F.tensor([1, 2], { dtype: F.float16 }));", "x: Tensor<[Batch, 2]>"))).toMatch(/^TSDP\d+ 6: F\.tensor: dtype float16 is not a tsdp dtype: .*written as the float32 number it rounds to$/);
  });
});

describe("softmax without dim (old ports' nn.Softmax()): PyTorch's implicit choice", () => {
  it("dim 1 for a 2-D or 4-D input; dim 0 of a 3-D input is the batch, refused with the dim to pass", () => {
    const x = nd([2, 3], [1, 2, 3, -1, 0, 4]);
    expect(outputs(model("return [this.s(x), F.logSoftmax(x), F.softmin(x)];", "x: Tensor<[Batch, 3]>", "s = new nn.Softmax();"), { x })).toEqual(
      outputs(model("return [F.softmax(x, 1), F.logSoftmax(x, 1), F.softmin(x, 1)];", "x: Tensor<[Batch, 3]>"), { x }),
    );
    expect(first(model("return F.softmax(x).flatten(1);", "x: Tensor<[Batch, 2, 3]>"))).toMatch(/F\.softmax: without dim, PyTorch's implicit choice for a 3-D input is dim 0, which is the batch of \[Batch, 2, 3\]/);
  });
});

describe("torch's function forms of tensor methods: torch.sum(x, 1) is x.sum(1)", () => {
  const x = nd([3, 4, 2], Array.from({ length: 24 }, (_, i) => Math.sin(i * 1.3)));
  const run = (body: string) => outputs(model(body, "x: Tensor<[Batch, 4, 2]>"), { x })[0];
  it("each F.<method>(x, …) equals x.<method>(…), values exactly", () => {
    const pairs: [string, string][] = [
      ["return F.sum(x, 1);", "return x.sum(1);"],
      ["return F.mean(x, [1, 2], true).flatten(1);", "return x.mean([1, 2], true).flatten(1);"],
      ["return F.max(x, 1)[0].add(F.min(x, 2).values.sum(1, true));", "return x.max(1)[0].add(x.min(2).values.sum(1, true));"],
      ["return F.max(x, x.flip([1])).flatten(1);", "return x.maximum(x.flip([1])).flatten(1);"],
      ["return F.argmax(x, -1).float().add(F.amax(x, [1, 2]).unsqueeze(1));", "return x.argmax(-1).float().add(x.amax([1, 2]).unsqueeze(1));"],
      ["return F.transpose(x, 1, 2).flatten(1);", "return x.transpose(1, 2).flatten(1);"],
      ["return F.permute(x, [0, 2, 1]).flatten(1);", "return x.permute(0, 2, 1).flatten(1);"],
      ["return F.reshape(x, [-1, 8]);", "return x.reshape(-1, 8);"],
      ["return F.add(x, 1, { alpha: 2 }).flatten(1);", "return x.add(2).flatten(1);"],
      ["return F.mul(F.sub(x, 0.5), F.rsub(x, 1)).flatten(1);", "return x.sub(0.5).mul(x.neg().add(1)).flatten(1);"],
      ["return F.maskedFill(x, F.gt(x, 0), 0).flatten(1);", "return x.maskedFill(x.gt(0), 0).flatten(1);"],
      ["return F.unsqueeze(F.sum(x, [1, 2]), 1).mul(F.numel(F.ones(4, 2)));", "return x.flatten(1).sum(1, true).mul(8);"],
      ["return F.cat(F.unbind(F.narrow(x, 1, 1, 2), 1), 1);", "return x.narrow(1, 1, 2).flatten(1);"],
      // a reduction's dtype: float32 is what it computes in; an int32 sum of an int32 tensor stays int32
      ["return x.sum(1, false, { dtype: 'float32' }).add(x.gt(0).int().sum(1, false, { dtype: 'float32' }));", "return x.sum(1).add(x.gt(0).sum(1));"],
      ["return x.gt(0).int().sum([1, 2], true, { dtype: 'int64' }).float();", "return x.gt(0).sum([1, 2], true);"],
    ];
    for (const [fn, method] of pairs) expect(run(fn), fn).toEqual(run(method));
  });
  it("F.indexCopy and F.indexFill write the slices index names (torch.index_copy, index_fill)", () => {
    const y = run("const rows = F.tensor([2, 0], { dtype: 'int32' }); return F.indexFill(F.indexCopy(x, 1, rows, x.narrow(1, 0, 2).mul(10)), 2, F.tensor([1], { dtype: 'int32' }), -1).flatten(1);");
    // per sample: row 2 ← 10·row 0, row 0 ← 10·row 1, then column 1 of every row ← −1
    for (let b = 0; b < 3; b++)
      for (let r = 0; r < 4; r++)
        for (let c = 0; c < 2; c++) {
          const src = r === 2 ? 10 * x.data[b * 8 + c] : r === 0 ? 10 * x.data[b * 8 + 2 + c] : x.data[b * 8 + r * 2 + c];
          expect(y[b * 8 + r * 2 + c]).toBeCloseTo(c === 1 ? -1 : src, 12);
        }
  });
});

describe("integer aranges, tensors as iterables, paired tensor indices", () => {
  it("F.arange of integers is int32 as PyTorch's integer arange (straight into nn.Embedding); fractional bounds or dtype float32 give float32", () => {
    const { graph } = lowerSource(model("return x.narrow(1, 0, 1).add(F.arange(0, 4).add(F.arange(0, 2, 0.5)).add(F.arange(4, { dtype: 'float32' })));", "x: Tensor<[Batch, 2]>"));
    const aranges = graph.nodes.filter((n) => n.op === "arange" || n.op === "arange_int").map((n) => `${n.op} ${n.dtype}`);
    expect(aranges.sort()).toEqual(["arange f32", "arange f32", "arange_int i32"]);
    // GPT's pos_emb(arange(T)): the rows of the table in order
    const gpt = model("return this.pos(F.arange(0, 3)).flatten().unsqueeze(0).expand(x.size(0), -1);", "x: Tensor<[Batch, 2]>", "pos = new nn.Embedding(3, 2);\n  constructor() { super(); F.noGrad(() => this.pos.weight.copy_(F.arange(6).view(3, 2))); }");
    expect(outputs(gpt, { x: nd([1, 2], [0, 0]) })[0]).toEqual([0, 1, 2, 3, 4, 5]);
    // PyTorch refuses an integer nn.Parameter; .float() is the fix
    expect(first(model("return x.add(this.p);", "x: Tensor<[Batch, 2]>", "p = new nn.Parameter(F.arange(2));"))).toMatch(/^TSDP3003 \d+: nn\.Parameter: a parameter or buffer is float32; this tensor is int32 \(convert it with \.float\(\); F\.tensor and F\.full of integers/);
  });

  it("Array.from over a ModuleList (PSPNet's stages), for…of over a tensor's dim 0, const [rows, cols] = F.trilIndices(…)", () => {
    const x = nd([2, 3], [1, 2, 3, 4, 5, 6]);
    const psp = model("return F.cat(Array.from(this.scales, (s, i) => s(x).mul(i + 1)), 1);", "x: Tensor<[Batch, 3]>", "scales = new nn.ModuleList([new nn.Identity(), new nn.Identity()]);");
    expect(outputs(psp, { x })[0]).toEqual([1, 2, 3, 2, 4, 6, 4, 5, 6, 8, 10, 12]);
    const rows = model("let y = x; for (const row of this.w) y = y.add(row); return y;", "x: Tensor<[Batch, 3]>", "w = new nn.Parameter(F.tensor([[1.0, 2, 3], [10, 20, 30]]));");
    expect(outputs(rows, { x })[0]).toEqual([12, 24, 36, 15, 27, 39]);
    expect(first(model("for (const row of x) {} return x;", "x: Tensor<[Batch, 3]>"))).toMatch(/^TSDP2007 \d+: iterating over a tensor of shape \[Batch, 3\]: dim 0 is the batch/);
    // DLRM's pairwise interactions Z[:, li, lj] below the diagonal, row by row
    const dlrm = model("const z = x.unsqueeze(2).mul(x.unsqueeze(1)); const [li, lj] = F.trilIndices(3, 3, -1); return z.index(':', li, lj);", "x: Tensor<[Batch, 3]>");
    expect(outputs(dlrm, { x })[0]).toEqual([2 * 1, 3 * 1, 3 * 2, 5 * 4, 6 * 4, 6 * 5]);
    const triu = model("return F.triuIndices(2, 3, 1).float().flatten().unsqueeze(0).add(x.narrow(1, 0, 1).mul(0));", "x: Tensor<[Batch, 3]>");
    expect(outputs(triu, { x: nd([1, 3], [0, 0, 0]) })[0]).toEqual([0, 0, 1, 1, 2, 2]);
  });

  it("F.zerosLike(this.weight) in a constructor is a constructor tensor of the parameter's shape", () => {
    const src = model("return x.add(this.extra);", "x: Tensor<[Batch, 3]>", "w = new nn.Parameter(F.ones(3)); extra: nn.Parameter;\n  constructor() { super(); this.extra = new nn.Parameter(F.onesLike(this.w).mul(2)); }");
    expect(outputs(src, { x: nd([1, 3], [1, 2, 3]) })[0]).toEqual([3, 4, 5]);
  });
});

describe("torch.prod", () => {
  it("is the product along dim (keepdim as PyTorch's), of every element without dim; its gradient is cumprod's", () => {
    const x = nd([2, 3], [1, 2, 3, 0, 5, -6]);
    const [along, kept, all] = outputs(model("return [x.prod(1, true), F.prod(x, 1).unsqueeze(1), x.add(F.tensor([[1, 2], [3, 4]]).prod())];", "x: Tensor<[Batch, 3]>"), { x });
    expect(along).toEqual([6, -0]);
    expect(kept).toEqual([6, -0]);
    expect(all).toEqual([25, 26, 27, 24, 29, 18]);
    expect(first(model("return x.prod().expand(x.size(0), 1);", "x: Tensor<[Batch, 3]>"))).toMatch(/^TSDP4001 \d+: prod: the product of every element of \[Batch, 3\] multiplies across the batch/);
    expect(gradCheck(model("return x.prod(1, true).add(x.view(-1, 3, 1).prod(-1));", "x: Tensor<[Batch, 3]>")).checked).toBeGreaterThan(0);
  });
  it("prod's and cumprod's dtype= convert the input first, as PyTorch's (an int32 tensor's float product)", () => {
    const ids = nd([2, 3], Int32Array.from([1, 2, 3, 4, 5, 6]));
    const [prod, kept, running] = outputs(model("return [x.prod(1, { dtype: F.float32 }).div(4), F.prod(x, 1, { keepdim: true, dtype: F.float32 }).div(4), x.cumprod(1, { dtype: F.float32 }).div(4)];", 'x: Tensor<[Batch, 3], "int32">'), { x: ids });
    // 6/4 and 120/4: float32 division, where int32 arithmetic would have floored
    expect(prod).toEqual([1.5, 30]);
    expect(kept).toEqual([1.5, 30]);
    expect(running).toEqual([0.25, 0.5, 1.5, 1, 5, 30]);
  });
});

describe("small PyTorch idioms: finfo, item, an adaptive pool's None, `is None` on a tensor, blocks nesting their own class", () => {
  const x = nd([2, 2, 2, 3], Array.from({ length: 24 }, (_, i) => Math.cos(i)));
  const run = (body: string, fields = "", before = "") => outputs(model(body, "x: Tensor<[Batch, 2, 2, 3]>", fields, before), { x })[0];
  it("F.finfo(dtype)'s limits are the type's; x.item() is the value as a 0-dim tensor without gradient", () => {
    expect(run("return x.flatten(1).maskedFill(x.flatten(1).gt(0), F.finfo(x.dtype).min);").filter((v) => v < -1e38)).toEqual(Array(x.data.filter((v) => v > 0).length).fill(-3.4028234663852886e38));
    expect(run("const f = F.finfo('float16'); return x.flatten(1).mul(0).add(f.max + f.eps + f.bits);")[0]).toBe(65504 + 2 ** -10 + 16);
    // an integer tensor's dtype (the typings take any tensor's): PyTorch's "torch.finfo() requires a floating point input type"
    expect(first(model("return x.add(F.finfo(x.int().dtype).min);", "x: Tensor<[Batch, 2, 2, 3]>"))).toMatch(/^TSDP3004 \d+: F\.finfo: type must be one of .*got .*int32/);
    expect(run("return x.flatten(1).mul(this.s.item());", "s = new nn.Parameter(F.tensor(3.0));")).toEqual(Array.from(x.data, (v) => v * 3));
    // the value has no gradient, as PyTorch's Python number
    const { graph } = lowerSource(model("return x.flatten(1).mul(this.s.item());", "x: Tensor<[Batch, 2, 2, 3]>", "s = new nn.Parameter(F.tensor(3.0));"));
    expect(graph.nodes.some((n) => n.op === "detach" && n.inputs[0].op === "param")).toBe(true);
    expect(first(model("return x.flatten(1).mul(x.item());", "x: Tensor<[Batch, 2, 2, 3]>"))).toMatch(/^TSDP3004 \d+: item: a tensor of one element has a value, \[Batch, 2, 2, 3\] has one per sample/);
  });
  it("F.iinfo(dtype)'s limits are the integer type's (a fill value, a sentinel); a tensor's int dtype, ambiguous here, and a float type are refused", () => {
    const flat = "x.flatten(1)";
    expect(run(`return ${flat}.maskedFill(${flat}.gt(0), F.iinfo(F.long).min);`).filter((v) => v < -1e18)).toEqual(Array(x.data.filter((v) => v > 0).length).fill(-(2 ** 63)));
    expect(run(`return ${flat}.mul(0).add(F.iinfo(F.int32).max + F.iinfo(F.uint8).max + F.iinfo('int16').min + F.iinfo({ type: F.int8 }).bits);`)[0]).toBe(2 ** 31 - 1 + 255 - 32768 + 8);
    // tsdp holds int64 as int32, so an int tensor's dtype does not say which PyTorch's was
    expect(first(model("return x.add(F.iinfo(x.int().dtype).max);", "x: Tensor<[Batch, 2, 2, 3]>"))).toMatch(/^TSDP3004 \d+: F\.iinfo: this int32 type may be PyTorch's int64/);
    expect(first(model("return x.add(F.iinfo(x.dtype).max);", "x: Tensor<[Batch, 2, 2, 3]>"))).toMatch(/^TSDP3004 \d+: F\.iinfo: "float32" is not an integer type/);
  });
  it("x.isFloatingPoint() and F.isFloatingPoint(x) answer from the dtype: float32 yes, an int32 tensor or a bool mask no", () => {
    const flat = "x.flatten(1)";
    expect(run(`return ${flat}.mul(Number(x.isFloatingPoint()) * 4 + Number(F.isFloatingPoint(x.int())) * 2 + Number(x.gt(0).isFloatingPoint()));`)).toEqual(Array.from(x.data, (v) => v * 4));
  });
  it("AdaptiveAvgPool2d([null, 1]) keeps the rows and averages each; F.adaptiveAvgPool2d(x, [1, null]) the columns", () => {
    const [r, c] = outputs(model("return [this.p(x).flatten(1), F.adaptiveAvgPool2d(x, [1, null]).flatten(1)];", "x: Tensor<[Batch, 2, 2, 3]>", "p = new nn.AdaptiveAvgPool2d([null, 1]);"), { x });
    const at = (n: number, ch: number, i: number, j: number) => x.data[((n * 2 + ch) * 2 + i) * 3 + j];
    for (let n = 0; n < 2; n++)
      for (let ch = 0; ch < 2; ch++) {
        for (let i = 0; i < 2; i++) expect(r[(n * 2 + ch) * 2 + i]).toBeCloseTo((at(n, ch, i, 0) + at(n, ch, i, 1) + at(n, ch, i, 2)) / 3, 12);
        for (let j = 0; j < 3; j++) expect(c[(n * 2 + ch) * 3 + j]).toBeCloseTo((at(n, ch, 0, j) + at(n, ch, 1, j)) / 2, 12);
      }
  });
  it("`h === null` on a tensor is false (Python's `is None`); an optional forward input is refused with why", () => {
    expect(run("let h: Tensor | null = null; const out: Tensor[] = []; for (let i = 0; i < 2; i++) { h = h === null ? x.flatten(1) : h.mul(2); out.push(h); } return out[1];")).toEqual(Array.from(x.data, (v) => v * 2));
    expect(first(model("return mask === null ? x : x.mul(mask);", "x: Tensor<[Batch, 3]>, mask: Tensor<[Batch, 3]> | null = null"))).toMatch(/^TSDP4003 \d+: forward parameter 'mask' is optional; the compiled model takes every forward input on every call/);
  });
  it("pix2pix's blocks nest blocks of their own class, each forward calling its submodule's; a method calling itself recurses until it stops, or is refused at the nesting budget", () => {
    const block =
      "class Block extends nn.Module {\n  inner: nn.Module | null;\n  fc: nn.Linear;\n  constructor(depth: number) { super(); this.fc = new nn.Linear(12, 12); this.inner = depth > 0 ? new Block(depth - 1) : null; }\n  forward(x: Tensor): Tensor { const y = this.fc(x); return this.inner === null ? y : F.cat([y, this.inner(y)], 1).view(-1, 2, 12).sum(1); }\n}\n";
    expect(run("return this.net(x.flatten(1));", "net = new Block(2);", block)).toHaveLength(24);
    expect(run("return this.f(x.flatten(1), 3);", "f(t: Tensor, n: number): Tensor { return n === 0 ? t : this.f(t.mul(2), n - 1); }")).toEqual(Array.from(x.data, (v) => v * 8));
    expect(first(model("return this.f(x, 3);", "x: Tensor<[Batch, 3]>", "f(t: Tensor, n: number): Tensor { return this.f(t, n - 1); }"))).toMatch(/^TSDP2014 \d+: M\.f calls itself \d+ levels deep/);
  });
});

describe("F's in-place functions and an OrderedDict written as a Map", () => {
  it("F.relu_(h) and F.leakyRelu_(h, 0.2) change h, as { inplace: true } does; new nn.Sequential(new Map([[name, layer], …])) names its children", () => {
    const x = nd([2, 3], [1, -2, 3, -4, 5, -6]);
    const [relu, leaky] = outputs(model("const h = x.mul(1); const r = F.relu_(h); const k = x.mul(1); F.leakyRelu_(k, 0.2); return [h.add(r.mul(0)), k];", "x: Tensor<[Batch, 3]>"), { x });
    expect(relu).toEqual([1, 0, 3, 0, 5, 0]);
    expect(leaky).toEqual(Array.from(x.data, (v) => (v > 0 ? v : 0.2 * v)));
    const { graph } = lowerSource(model("return this.s(x);", "x: Tensor<[Batch, 3]>", "s = new nn.Sequential(new Map([['fc', new nn.Linear(3, 2)], ['act', new nn.ReLU()]]));"));
    expect(graph.params.map((p) => p.attrs.name)).toEqual(["s.fc.weight", "s.fc.bias"]);
  });
});

describe("F.batchNorm (MAML's functional forward)", () => {
  it("equals nn.BatchNorm1d — output, and the running statistics kept in a module's buffers — in train and eval mode; without statistics, the batch's", () => {
    const x = nd([4, 3], [1, 2, 3, -1, 0.5, 2, 4, -2, 1, 0, 1, -3]);
    const src = model(
      "return [F.batchNorm(x, this.rm, this.rv, this.w, this.b, this.training, 0.2), this.bn(x), F.batchNorm(x, null, null)];",
      "x: Tensor<[Batch, 3]>",
      "bn = new nn.BatchNorm1d(3, { momentum: 0.2 });\n  w = new nn.Parameter(F.ones(3));\n  b = new nn.Parameter(F.zeros(3));\n  declare rm: Tensor;\n  declare rv: Tensor;\n  constructor() { super(); this.registerBuffer('rm', F.zeros(3)); this.registerBuffer('rv', F.ones(3)); }",
    );
    const { graph } = lowerSource(src);
    const state = initState(graph, 0);
    for (const training of [true, true, false]) {
      const [fn, layer, plain] = runReference(graph, { x }, state, { training }).outputs.map((o) => Array.from(o.data));
      fn.forEach((v, i) => expect(v).toBeCloseTo(layer[i], 12));
      if (training) plain.forEach((v, i) => expect(v).toBeCloseTo(layer[i], 12));
      for (const [mine, theirs] of [["rm", "bn.running_mean"], ["rv", "bn.running_var"]])
        Array.from(state.buffers.get(mine)!.data).forEach((v, i) => expect(v).toBeCloseTo(state.buffers.get(theirs)!.data[i], 12));
    }
    expect(first(model("return F.batchNorm(x, this.w, this.w, null, null, true);", "x: Tensor<[Batch, 3]>", "w = new nn.Parameter(F.ones(3));"))).toMatch(/^TSDP2018 \d+: F\.batchNorm's running mean in forward would change the model's parameter/);
  });
});

describe("torch.linalg's norms, cross, isclose, diagonal, randint, randperm", () => {
  const x = nd([2, 2, 3], [3, 4, 0, 1, -2, 2, 0.5, 0.5, 0.5, -1, 0, 0]);
  const run = (body: string, input = "x: Tensor<[Batch, 2, 3]>") => outputs(model(body, input), { x });
  it("F.linalg.vectorNorm / norm / matrixNorm are x.norm's; cross and isclose are PyTorch's formulas", () => {
    const [vec, norm, fro, manual] = run("return [F.linalg.vectorNorm(x, 2, -1, true).flatten(1), F.linalg.norm(x, { dim: -1 }), F.linalg.matrixNorm(x).unsqueeze(1), x.norm(2, -1)];");
    expect(vec).toEqual(manual);
    expect(norm).toEqual(manual);
    expect(fro.map((v) => v * v)[0]).toBeCloseTo(9 + 16 + 1 + 4 + 4, 10);
    const [c] = run("return [F.cross(x.select(1, 0), x.select(1, 1), -1)];");
    // (3, 4, 0) × (1, −2, 2) = (8, −6, −10); (0.5, 0.5, 0.5) × (−1, 0, 0) = (0, −0.5, 0.5)
    expect(c).toEqual([8, -6, -10, 0, -0.5, 0.5]);
    // without dim, torch.cross takes the first dim of size 3 (F.linalg.cross the last): [B, 3, 3] rows × rows
    const m = nd([1, 3, 3], [1, 0, 0, 0, 1, 0, 0, 0, 2]);
    const n = nd([1, 3, 3], [0, 1, 0, 0, 0, 1, 3, 0, 0]);
    const [first, last, method] = outputs(model("return [F.cross(a, b), F.linalg.cross(a, b), a.cross(b, null)];", "a: Tensor<[Batch, 3, 3]>, b: Tensor<[Batch, 3, 3]>"), { a: m, b: n });
    // dim 1: column j of a × column j of b; columns (1, 0, 0)×(0, 0, 3), (0, 1, 0)×(1, 0, 0), (0, 0, 2)×(0, 1, 0)
    expect(first).toEqual([0, 0, -2, -3, 0, 0, 0, -1, 0].map((v) => v + 0));
    // dim 2: row i of a × row i of b; (1, 0, 0)×(0, 1, 0) = (0, 0, 1), (0, 1, 0)×(0, 0, 1) = (1, 0, 0), (0, 0, 2)×(3, 0, 0) = (0, 6, 0)
    expect(last).toEqual([0, 0, 1, 1, 0, 0, 0, 6, 0]);
    expect(method).toEqual(first);
    const [close] = run("return [F.isclose(x, x.add(1e-7)).flatten(1).add(x.isclose(x.add(1), { atol: 0.5 }).flatten(1))];");
    // within rtol·|b| + atol of 1e-7 only where |x| is large enough: 1e-7 ≤ 1e-8 + 1e-5·|x + 1e-7|
    expect(close).toEqual(Array.from(x.data, (v) => (1e-7 <= 1e-8 + 1e-5 * Math.abs(v + 1e-7) + 1e-15 || v === v + 1e-7 ? 1 : 0)));
    // against infinities: equal ones are close; a finite value (or −∞) is not close to ∞, though ∞'s
    // allowed error rtol·|∞| is ∞ — PyTorch counts an infinite |a − b| as never within it
    const a = nd([1, 6], [1, Infinity, -Infinity, Infinity, NaN, 2]);
    const b = nd([1, 6], [Infinity, Infinity, Infinity, -Infinity, Infinity, -Infinity]);
    const [toInf, toInfNan] = outputs(model("return [a.isclose(b).float(), F.isclose(a, b, { equalNan: true, atol: 1e30 }).float()];", "a: Tensor<[Batch, 6]>, b: Tensor<[Batch, 6]>"), { a, b });
    expect(toInf).toEqual([0, 1, 0, 0, 0, 0]);
    expect(toInfNan).toEqual([0, 1, 0, 0, 0, 0]);
  });
  it("x.diagonal(offset, dim1, dim2) is the (i, i + offset) elements, a view a change goes through", () => {
    const m3 = nd([1, 3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const [d0, d1, dm1, written] = outputs(model("const y = x.clone(); y.diagonal(0, 1, 2).zero_(); return [x.diagonal(0, 1, 2), x.diagonal(1, 1, 2), x.diagonal(-1, -2, -1), y.flatten(1)];", "x: Tensor<[Batch, 3, 3]>"), { x: m3 });
    expect(d0).toEqual([1, 5, 9]);
    expect(d1).toEqual([2, 6]);
    expect(dm1).toEqual([4, 8]);
    expect(written).toEqual([0, 2, 3, 4, 0, 6, 7, 8, 0]);
  });
  it("F.randint in [low, high) as int32, and F.randperm a permutation, each drawn afresh", () => {
    const { graph } = lowerSource(model("return [F.randint(2, 5, [x.size(0), 50]).float(), F.randperm(40).float().unsqueeze(0).expand(x.size(0), -1)];", "x: Tensor<[Batch, 2, 3]>"));
    const [ints, perm] = runReference(graph, { x }, initState(graph, 0), { step: 3 }).outputs.map((o) => Array.from(o.data));
    expect(ints.every((v) => Number.isInteger(v) && v >= 2 && v < 5)).toBe(true);
    expect(new Set(ints).size).toBe(3);
    expect([...perm.slice(0, 40)].sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(perm.slice(0, 40)).not.toEqual(Array.from({ length: 40 }, (_, i) => i));
  });
  it("F.linspace(0, (b − 1)·k, b) over the batch size (C51's projection offsets) is F.arange(b)·k; other spacings are refused with the form to write", () => {
    const { graph } = lowerSource(model("const b = x.size(0);\n    return [F.linspace(0, (b - 1) * 11, b).unsqueeze(1).expand(b, 3), F.linspace(2, b + 1, { steps: b }).unsqueeze(1)];", "x: Tensor<[Batch, 2, 3]>"));
    const [offsets, shifted] = runReference(graph, { x: nd([4, 2, 3], new Array(24).fill(0)) }, initState(graph, 0)).outputs.map((o) => Array.from(o.data));
    expect(offsets).toEqual([0, 0, 0, 11, 11, 11, 22, 22, 22, 33, 33, 33]);
    expect(shifted).toEqual([2, 3, 4, 5]);
    expect(first(model("const b = x.size(0);\n    return F.linspace(0, 1, b).unsqueeze(1);", "x: Tensor<[Batch, 2, 3]>"))).toMatch(/^TSDP2003 \d+: F.linspace with the batch size: .*evenly spaced by a compile-time step only when .*F.arange\(x.size\(0\)\).mul\(k\).add\(start\)/);
  });
  it("F.randint and F.randperm with dtype float32 (DrQ-v2's shifts, dtype=x.dtype): whole numbers in a float tensor", () => {
    const { graph } = lowerSource(model("return [F.randint(0, 5, { size: [x.size(0), 1, 1, 2], dtype: x.dtype }), F.randperm(6, { dtype: F.float32 }).unsqueeze(0).expand(x.size(0), -1)];", "x: Tensor<[Batch, 2, 3]>"));
    expect(graph.outputs.map((o) => o.dtype)).toEqual(["f32", "f32"]);
    const [shift, perm] = runReference(graph, { x: nd([200, 2, 3], new Array(1200).fill(0)) }, initState(graph, 0), { step: 2 }).outputs.map((o) => Array.from(o.data));
    expect([new Set(shift).size, shift.every((v) => Number.isInteger(v) && v >= 0 && v < 5)]).toEqual([5, true]);
    expect([...perm.slice(0, 6)].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5]);
  });
  it("F.randintLike draws over the input's shape, in its dtype (float32 whole numbers) unless dtype says", () => {
    const src = model('return [F.randintLike(x, 3), F.randintLike(x.int(), -2, 2).float(), F.randintLike(x, 0, 7, { dtype: "int32" }).float(), F.randintLike(x.int(), 5), F.randintLike(x, 5, { dtype: "int64" })];', "x: Tensor<[Batch, 2, 3]>");
    const { graph } = lowerSource(src);
    expect(graph.outputs.map((o) => o.dtype)).toEqual(["f32", "f32", "f32", "i32", "i32"]);
    const big = nd([40, 2, 3], Array.from({ length: 240 }, (_, i) => i));
    const [a, b, c] = runReference(graph, { x: big }, initState(graph, 0), { step: 1 }).outputs.map((o) => Array.from(o.data));
    expect([a.length, new Set(a).size, a.every((v) => Number.isInteger(v) && v >= 0 && v < 3)]).toEqual([240, 3, true]);
    expect([new Set(b).size, b.every((v) => v >= -2 && v < 2)]).toEqual([4, true]);
    expect([new Set(c).size, c.every((v) => v >= 0 && v < 7)]).toEqual([7, true]);
    expect(diagnosticsOf(model("return F.randintLike(x, 2, 2);", "x: Tensor<[Batch, 2, 3]>")).map((d) => d.message)[0]).toMatch(/F\.randintLike: high must exceed low, got \[2, 2\)/);
    // PyTorch's keyword forms: randint_like(x, 2, high=5) and randint(2, high=5, size=…) take 2 as low (both were refused: 'high' given twice)
    const keywords = lowerSource(model('return [F.randintLike(x, 2, { high: 5 }), F.randint(2, { high: 5, size: [x.size(0), 6] }).float(), F.randintLike(x, { low: 2, high: 5 }), F.randint(5, { size: [x.size(0), 6] }).float()];', "x: Tensor<[Batch, 2, 3]>")).graph;
    const drawn = runReference(keywords, { x: big }, initState(keywords, 0), { step: 1 }).outputs.map((o) => Array.from(o.data));
    expect(drawn.map((d) => [Math.min(...d), Math.max(...d)])).toEqual([[2, 4], [2, 4], [2, 4], [0, 4]]);
  });
  it("F.randint over wide ranges is uniform: every value reachable, high never drawn", () => {
    // [2^24 − 4, 2^24): ⌊u·4⌋ of a 24-bit u rounded in float32 never gave the odd ones and gave high
    const [top] = run("return [F.randint(16777212, 16777216, [x.size(0), 512]).float()];");
    const counts = [0, 0, 0, 0];
    for (const v of top) counts[v - 16777212]++;
    expect(counts.reduce((a, b) => a + b, 0)).toBe(1024);
    // 1,024 draws of 4 values: each count within 5 standard deviations of 256
    for (const c of counts) expect(Math.abs(c - 256)).toBeLessThan(5 * Math.sqrt(1024 * 0.25 * 0.75));
    // [0, 3·2^22): residues mod 3 equally likely (chi-square, 2 degrees of freedom, p = 1e-4 at 18.4)
    const [wide] = run("return [F.randint(0, 12582912, [x.size(0), 8192]).float()];");
    const residues = [0, 0, 0];
    for (const v of wide) residues[v % 3]++;
    const expected = wide.length / 3;
    expect(residues.reduce((chi, r) => chi + (r - expected) ** 2 / expected, 0)).toBeLessThan(18.4);
    // past ±2^24 the kernels' floats would not hold the integers
    expect(diagnosticsOf(model("return F.randint(0, 2 ** 25, [x.size(0), 4]).float();", "x: Tensor<[Batch, 2, 3]>")).map((d) => `${d.code} ${d.message}`)[0]).toMatch(/^TSDP3004 F\.randint: \[0, 33554432\) reaches past ±2²⁴/);
  });
});

describe("nn.InstanceNorm2d with trackRunningStats", () => {
  it("train mode normalizes each instance and blends the batch's average instance mean and unbiased variance into the running statistics; eval normalizes by them", () => {
    const x = nd([2, 2, 2, 2], [1, 2, 3, 5, -1, 0, 2, 2, 4, 4, 0, 1, 3, -2, 1, 6]);
    const src = model("return this.n(x).flatten(1);", "x: Tensor<[Batch, 2, 2, 2]>", "n = new nn.InstanceNorm2d(2, { trackRunningStats: true, momentum: 0.3 });");
    const { graph } = lowerSource(src);
    expect(graph.buffers.map((b) => b.attrs.name)).toEqual(["n.running_mean", "n.running_var", "n.num_batches_tracked"]);
    const state = initState(graph, 0);
    const inst = (n: number, c: number) => Array.from(x.data.slice((n * 2 + c) * 4, (n * 2 + c) * 4 + 4));
    const meanOf = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    const unbiased = (v: number[]) => v.reduce((a, b) => a + (b - meanOf(v)) ** 2, 0) / (v.length - 1);
    let [rm, rv] = [[0, 0], [1, 1]];
    for (let call = 0; call < 2; call++) {
      const out = runReference(graph, { x }, state, { training: true }).outputs[0].data;
      // each instance normalized by its own (biased) statistics
      const v00 = inst(0, 0);
      const biased = v00.reduce((a, b) => a + (b - meanOf(v00)) ** 2, 0) / 4;
      expect(out[0]).toBeCloseTo((v00[0] - meanOf(v00)) / Math.sqrt(biased + 1e-5), 10);
      rm = rm.map((r, c) => 0.7 * r + 0.3 * meanOf([meanOf(inst(0, c)), meanOf(inst(1, c))]));
      rv = rv.map((r, c) => 0.7 * r + 0.3 * meanOf([unbiased(inst(0, c)), unbiased(inst(1, c))]));
      Array.from(state.buffers.get("n.running_mean")!.data).forEach((v, c) => expect(v).toBeCloseTo(rm[c], 12));
      Array.from(state.buffers.get("n.running_var")!.data).forEach((v, c) => expect(v).toBeCloseTo(rv[c], 12));
    }
    const evalOut = runReference(graph, { x }, state, { training: false }).outputs[0].data;
    Array.from(evalOut).forEach((v, i) => {
      const c = Math.floor(i / 4) % 2;
      expect(v).toBeCloseTo((x.data[i] - rm[c]) / Math.sqrt(rv[c] + 1e-5), 10);
    });
  });

  it("momentum null is PyTorch's 0.0 for instance norms: the running statistics never move (BatchNorm's null is a cumulative average, test/gpu-shapes-norm.test.ts)", () => {
    const x = nd([2, 2, 2, 2], [1, 2, 3, 5, -1, 0, 2, 2, 4, 4, 0, 1, 3, -2, 1, 6]);
    const { graph } = lowerSource(model("return this.n(x).flatten(1);", "x: Tensor<[Batch, 2, 2, 2]>", "n = new nn.InstanceNorm2d(2, { trackRunningStats: true, momentum: null });"));
    const state = initState(graph, 0);
    runReference(graph, { x }, state, { training: true });
    expect(Array.from(state.buffers.get("n.running_mean")!.data)).toEqual([0, 0]);
    expect(Array.from(state.buffers.get("n.running_var")!.data)).toEqual([1, 1]);
  });
});

describe("x.requiresGrad", () => {
  it("is true for a trained parameter and what is computed from one, false for inputs, buffers, detached values and comparisons", () => {
    const src = model(
      "return [this.w.requiresGrad, x.requiresGrad, x.mul(this.w).requiresGrad, x.mul(this.w).detach().requiresGrad, x.mul(this.w).gt(0).requiresGrad, this.b.requiresGrad].map((r) => (r ? x.add(1) : x));",
      "x: Tensor<[Batch, 3]>",
      "w = new nn.Parameter(F.ones(3));\n  declare b: Tensor;\n  constructor() { super(); this.registerBuffer('b', F.ones(3)); }",
    );
    const outs = outputs(src, { x: nd([1, 3], [0, 0, 0]) });
    expect(outs.map((o) => o[0])).toEqual([1, 0, 1, 0, 0, 0]);
  });
});

describe("m.constructor.name, instanceof Array, a list index", () => {
  it("DCGAN's weights_init tests each module's class name (Python's m.__class__.__name__): a layer's is PyTorch's, a user class's its own", () => {
    const src = `${header}
function weightsInit(m: nn.Module) {
  const name = m.constructor.name;
  if (name.includes("Conv")) nn.init.constant_((m as nn.Conv2d).weight, name === "ConvTranspose2d" ? 2 : 3);
  else if (name === "Head") nn.init.constant_((m as Head).w, 5);
}
class Head extends nn.Module {
  w = new nn.Parameter(F.zeros(2));
  forward(x: Tensor) { return x.mul(this.w); }
}
export class M extends nn.Module {
  up = new nn.ConvTranspose2d(1, 1, 1, { bias: false });
  conv = new nn.Conv2d(1, 1, 1, { bias: false });
  head = new Head();
  constructor() { super(); this.apply(weightsInit); }
  forward(x: Tensor<[Batch, 1, 1, 2]>) { return this.head(this.conv(this.up(x))); }
}
`;
    const { init } = declared(src);
    expect([init.get("up.weight"), init.get("conv.weight"), init.get("head.w")]).toEqual([2, 3, 5].map((value) => ({ kind: "constant", value })));
    expect(outputs(src, { x: nd([1, 1, 1, 2], [1, -1]) })[0]).toEqual([30, -30]);
  });

  it("DenseNet's `inputs instanceof Array` tells a list of tensors from one tensor", () => {
    const src = model("const cat = (v: Tensor | Tensor[]) => (v instanceof Array ? F.cat(v, 1) : v.mul(10));\n    return F.cat([cat([x, x]), cat(x)], 1);", "x: Tensor<[Batch, 2]>");
    expect(outputs(src, { x: nd([1, 2], [1, 2]) })[0]).toEqual([1, 2, 1, 2, 10, 20]);
  });

  it("a list of integers keeps the dim (nanoGPT's x[:, [-1], :]), negatives from the end", () => {
    const src = model("return x.index(':', [-1, 0], ':').flatten(1);", "x: Tensor<[Batch, 3, 2]>");
    expect(outputs(src, { x: nd([1, 3, 2], [0, 1, 2, 3, 4, 5]) })[0]).toEqual([4, 5, 0, 1]);
    expect(first(model("return x.index(':', [3]);", "x: Tensor<[Batch, 3, 2]>"))).toMatch(/^TSDP3004 6: index: index 3 is out of range for dim 1 of size 3/);
    expect(first(model("return x.index([0]);", "x: Tensor<[Batch, 3, 2]>"))).toMatch(/^TSDP4001 6: index: dim 0 of \[Batch, 3, 2\] is the batch/);
  });
});

describe("a constructor tensor's numbers: tolist and item", () => {
  it("timm's stochastic depth rates `[x.item() for x in torch.linspace(0, 0.2, depth)]` are float32 numbers; forward's tensors have none", () => {
    const rates = (expr: string) => {
      const src = model("return F.cat(this.rates.map((r: number) => x.mul(r)), 1);", "x: Tensor<[Batch, 1]>", `rates: number[];\n  constructor() { super(); this.rates = ${expr}; }`);
      return outputs(src, { x: nd([1, 1], [1]) })[0];
    };
    const want = [0, 0.1, 0.2].map(Math.fround).map((v) => v * 1);
    expect(rates("F.linspace(0, 0.2, 3).tolist()")).toEqual(want);
    expect(rates("Array.from({ length: 3 }, (_, i) => F.linspace(0, 0.2, 3)[i].item())")).toEqual(want);
    // nested: a 2-D constant's rows
    expect(rates("F.arange(4).view(2, 2).tolist()[1]")).toEqual([2, 3]);
    expect(first(model("const v = x.tolist();\n    return x;", "x: Tensor<[Batch, 2]>"))).toMatch(/^TSDP2003 6: tolist: the values of a tensor computed in forward from the data exist only when the model runs/);
    // one forward computes from constants alone has its numbers (FNO's torch.tensor(np.linspace(0, 1, size_x)))
    const grid = model("const g = F.tensor(F.linspace(0, 1, 3).tolist(), { dtype: 'float32' });\n    return x.mul(g);", "x: Tensor<[Batch, 3]>");
    expect(outputs(grid, { x: nd([1, 3], [2, 2, 2]) })[0]).toEqual([0, 1, 2]);
  });
  it("item() of a value forward computes from constants alone is its number, as Python's (torchdiffeq's int((t[1] - t[0]) / step_size))", () => {
    const src = model("const t = this.t.typeAs(x);\n    const n = Math.round(t[1].sub(t[0]).item() / 0.25);\n    return x.mul(n);", "x: Tensor<[Batch, 1]>", "t = F.tensor([0, 1]).float();");
    expect(outputs(src, { x: nd([1, 1], [1.5]) })[0]).toEqual([6]);
    // a value that depends on the input stays a 0-dim tensor: a JavaScript operator on it is refused
    expect(first(model("return x.mul(x.sum().item() / 2);", "x: Tensor<[Batch, 1]>"))).toMatch(/^TSDP2006 6: '\/' on a tensor and a number: .*its value exists only when the model runs, so no size, count or branch can depend on it/);
    // TimesNet's period from a topk of the data's spectrum, as a size: the same reason, at the operator
    const period = "const [, top] = F.topk(F.fft.rfft(x, { dim: 1 }).abs().mean(0).mean(-1), 2);\n    const period = F.floorDivide(F.tensor(8), top)[0];\n    return 8 % period !== 0 ? x : x.mul(2);";
    expect(first(model(period, "x: Tensor<[Batch, 8, 3]>"))).toMatch(/^TSDP2006 8: '%' on a tensor and a number: .*TimesNet's periods\), its value exists only when the model runs/);
    // and its top_list.detach().cpu().numpy(), at the .cpu()
    expect(first(model("const [, top] = F.topk(x.mean(0).mean(-1), 2);\n    const p = (top.detach().cpu() as any).numpy();\n    return x;", "x: Tensor<[Batch, 8, 3]>"))).toMatch(/^TSDP3004 7: cpu: .*TimesNet's top_list\.detach\(\)\.cpu\(\)\.numpy\(\) periods\): it exists only when the model runs/);
  });
});

describe("'key' in obj (Python's hasattr)", () => {
  it("finds a module's fields, a layer's parameters and settings, methods; an object's keys; an array's indices", () => {
    const src = model(
      `const checks = ["down" in this, "missing" in this, "bias" in this.fc, "inFeatures" in this.fc, "scale" in this, "a" in { a: 1 }, 2 in [1, 2], 2 in [1, 2, 3]];\n    return F.cat(checks.map((c) => (c ? x : x.mul(0))), 1);`,
      "x: Tensor<[Batch, 1]>",
      "down: nn.Module | null = null;\n  fc = new nn.Linear(1, 1);\n  scale() { return 2; }",
    );
    expect(outputs(src, { x: nd([1, 1], [1]) })[0]).toEqual([1, 0, 1, 1, 1, 1, 0, 1]);
  });
});

describe("state made from one constructor draw (VQ-VAE's embed_avg = embed.clone())", () => {
  it("holds the same numbers: a clone (or an affine map of it) draws from the first state's stream; nn.init draws anew", () => {
    const src = (after = "") =>
      model("return x.matmul(this.a).add(x.matmul(this.b));", "x: Tensor<[Batch, 2]>", `declare a: Tensor;\n  b: nn.Parameter;\n  constructor() {\n    super();\n    const d = F.randn(2, 3);\n    this.registerBuffer("a", d);\n    this.b = new nn.Parameter(d.clone().mul(2).add(1));\n    ${after}\n  }`);
    const { graph } = lowerSource(src());
    expect(graph.params[0].attrs.init).toEqual({ kind: "normal", std: 2, mean: 1, stream: "a" });
    const state = initState(graph, 5);
    const [a, b] = [state.buffers.get("a")!.data, state.params.get("b")!.data];
    Array.from(a).forEach((v, i) => expect(b[i]).toBeCloseTo(2 * v + 1, 12));
    // a redraw is the parameter's own
    expect(lowerSource(src("nn.init.normal_(this.b, 0, 0.5);")).graph.params[0].attrs.init).toEqual({ kind: "normal", std: 0.5 });
    // two separate draws stay separate
    const two = lowerSource(model("return x.matmul(this.a).add(x.matmul(this.b));", "x: Tensor<[Batch, 2]>", "a = new nn.Parameter(F.randn(2, 3));\n  b = new nn.Parameter(F.randn(2, 3));"));
    expect(two.graph.params.map((p) => p.attrs.init)).toEqual([{ kind: "normal", std: 1 }, { kind: "normal", std: 1 }]);
  });
});

describe("a slice of an nn.Sequential (PyTorch's self.features[:2])", () => {
  it("is an nn.Sequential of those children: callable in forward, a child of its own in a constructor (the children's parameters named once)", () => {
    const fields = "features = new nn.Sequential(new nn.Linear(2, 2), new nn.Tanh(), new nn.Linear(2, 2));";
    const sliced = model("return [this.features.slice(0, 2)(x), this.trunk(x), this.features.slice(-1)(x)];", "x: Tensor<[Batch, 2]>", `${fields}\n  trunk: nn.Sequential;\n  constructor() { super(); this.trunk = this.features.slice(0, -1); }`);
    const written = model("return [this.features[1](this.features[0](x)), this.features[1](this.features[0](x)), this.features[2](x)];", "x: Tensor<[Batch, 2]>", fields);
    const x = nd([2, 2], [0.5, -1, 2, 0.25]);
    expect(outputs(sliced, { x })).toEqual(outputs(written, { x }));
    expect(declared(sliced).params).toEqual(["features.0.weight", "features.0.bias", "features.2.weight", "features.2.bias"]);
  });

  it("keeps its children's names, as PyTorch's OrderedDict of the sliced items: features[1:]'s state_dict keys are tail.2.weight, not tail.1.weight; indexing it stays positional", () => {
    const fields = "features = new nn.Sequential(new nn.Linear(2, 2), new nn.Tanh(), new nn.Linear(2, 2));\n  tail: nn.Sequential;\n  constructor() { super(); this.tail = this.features.slice(1); }";
    const sliced = model("return [this.tail(x), this.tail[1](x), this.tail[-1](x)];", "x: Tensor<[Batch, 2]>", fields);
    const written = model("return [this.features[2](this.features[1](x)), this.features[2](x), this.features[2](x)];", "x: Tensor<[Batch, 2]>", fields);
    const x = nd([2, 2], [0.5, -1, 2, 0.25]);
    expect(outputs(sliced, { x })).toEqual(outputs(written, { x }));
    expect(lowerSource(sliced).graph.stateDict!.map((k) => k.key)).toEqual(["features.0.weight", "features.0.bias", "features.2.weight", "features.2.bias", "tail.2.weight", "tail.2.bias"]);
  });
});

describe("a slice of an nn.ModuleList (PyTorch's self.layers[1:])", () => {
  it("is an nn.ModuleList numbered from 0: a field's state_dict keys name the same tensors (tail.0.weight is layers.1.weight); iterated, measured and spread as the children", () => {
    const fields = "layers = new nn.ModuleList([new nn.Linear(2, 2), new nn.Linear(2, 2), new nn.Linear(2, 2)]);\n  tail: nn.ModuleList;\n  seq: nn.Sequential;\n  constructor() { super(); this.tail = this.layers.slice(1); this.seq = new nn.Sequential(...this.layers.slice(0, 2)); }";
    const sliced = model("let y = x;\n    for (const l of this.tail) y = l(y);\n    return [y, this.seq(x).mul(this.layers.slice(-2).length), this.tail[0](x)];", "x: Tensor<[Batch, 2]>", fields);
    const written = model("return [this.layers[2](this.layers[1](x)), this.layers[1](this.layers[0](x)).mul(2), this.layers[1](x)];", "x: Tensor<[Batch, 2]>", "layers = new nn.ModuleList([new nn.Linear(2, 2), new nn.Linear(2, 2), new nn.Linear(2, 2)]);");
    const x = nd([2, 2], [0.5, -1, 2, 0.25]);
    expect(outputs(sliced, { x })).toEqual(outputs(written, { x }));
    const own = ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias", "layers.2.weight", "layers.2.bias"];
    expect(declared(sliced).params).toEqual(own);
    expect(lowerSource(sliced).graph.stateDict!.map((k) => k.key)).toEqual([...own, "tail.0.weight", "tail.0.bias", "tail.1.weight", "tail.1.bias", "seq.0.weight", "seq.0.bias", "seq.1.weight", "seq.1.bias"]);
  });
});

describe("seq[i] = module on an nn.Sequential or nn.ModuleList (torchvision's fine-tuning: model.classifier[6] = nn.Linear(4096, n))", () => {
  it("replaces the child at that position under its name and in its place, negative indices from the end; out of range is PyTorch's IndexError", () => {
    const fields = "classifier = new nn.Sequential(new nn.Linear(2, 4), new nn.ReLU(), new nn.Linear(4, 4));\n  blocks = new nn.ModuleList([new nn.Linear(3, 3), new nn.Linear(3, 3)]);\n  tail = new nn.Linear(3, 1);";
    const replaced = model(
      "return [this.classifier(x), this.blocks[0](this.blocks[1](this.classifier(x)))];",
      "x: Tensor<[Batch, 2]>",
      `${fields}\n  constructor() { super(); this.classifier[-1] = new nn.Linear(4, 3, false); this.blocks[0] = new nn.Linear(3, 3, false); }`,
    );
    expect(lowerSource(replaced).graph.stateDict!.map((k) => k.key)).toEqual(["classifier.0.weight", "classifier.0.bias", "classifier.2.weight", "blocks.0.weight", "blocks.1.weight", "blocks.1.bias", "tail.weight", "tail.bias"]);
    expect(lowerSource(replaced).graph.params.find((p) => p.attrs.name === "classifier.2.weight")!.shape).toEqual([3, 4]);
    expect(diagnosticsOf(model("return x;", "x: Tensor<[Batch, 2]>", `${fields}\n  constructor() { super(); this.blocks[2] = new nn.Linear(3, 3); }`)).map((d) => d.message)[0]).toMatch(/index 2 is out of range for 2 modules/);
  });

  it("delete this.head is PyTorch's del self.head (the child and its state leave); an nn.Sequential has insert and extend as PyTorch's", () => {
    const src = model(
      "return this.seq(x);",
      "x: Tensor<[Batch, 2]>",
      "seq = new nn.Sequential(new nn.Linear(2, 4), new nn.GELU());\n  head?: nn.Linear = new nn.Linear(2, 2);\n  constructor() { super(); this.seq.extend(new nn.Sequential(new nn.Linear(4, 2))); this.seq.insert(0, new nn.Tanh()); delete this.head; }",
    );
    expect(lowerSource(src).graph.stateDict!.map((k) => k.key)).toEqual(["seq.1.weight", "seq.1.bias", "seq.3.weight", "seq.3.bias"]);
    const written = model("return this.seq(x);", "x: Tensor<[Batch, 2]>", "seq = new nn.Sequential(new nn.Tanh(), new nn.Linear(2, 4), new nn.GELU(), new nn.Linear(4, 2));");
    const x = nd([2, 2], [0.5, -1, 2, 0.25]);
    expect(outputs(src, { x })).toEqual(outputs(written, { x }));
  });
});

describe("F.cartesianProd and Object.entries of an nn.ModuleDict", () => {
  it("torch.cartesian_prod's rows in order; a ModuleDict's entries as its items()", () => {
    const prod = model("return x.mul(F.cartesianProd(F.tensor([1, 2]), F.tensor([3, 4, 5])).flatten().unsqueeze(0));", "x: Tensor<[Batch, 12]>");
    expect(outputs(prod, { x: nd([1, 12], new Array(12).fill(1)) })[0]).toEqual([1, 3, 1, 4, 1, 5, 2, 3, 2, 4, 2, 5]);
    const heads = model("return F.cat(Object.entries(this.heads).map(([k, h]) => (h as nn.Linear)(x).mul(k === 'b' ? 10 : 1)), 1);", "x: Tensor<[Batch, 1]>", "heads = new nn.ModuleDict({ a: new nn.Linear(1, 1, false), b: new nn.Linear(1, 1, false) });\n  constructor() { super(); nn.init.constant_(this.heads.a.weight, 2); nn.init.constant_(this.heads.b.weight, 3); }");
    expect(outputs(heads, { x: nd([1, 1], [1]) })[0]).toEqual([2, 30]);
  });
});

describe("reductions over an empty dim list", () => {
  it("x.sum([]), x.mean([]) and x.amax([]) reduce every dim, as PyTorch's dim=[] (mean_flat over range(1, ndim) of a 1-D tensor)", () => {
    const x = nd([2, 3], [1, -2, 3.5, 4, 0.25, -6]);
    const [sum, mean, amax, perSample] = outputs(model("return [x.sum([]).view(1, 1).expand(x.size(0), 1), x.mean([]).view(1, 1).expand(x.size(0), 1), x.amax([]).view(1, 1).expand(x.size(0), 1), x.sum(1).mean(Array.from({ length: 0 }, (_, i) => i + 1)).view(1, 1).expand(x.size(0), 1)];", "x: Tensor<[Batch, 3]>"), { x });
    expect(sum).toEqual([0.75, 0.75]);
    expect(mean).toEqual([0.125, 0.125]);
    expect(amax).toEqual([4, 4]);
    expect(perSample).toEqual([0.375, 0.375]);
  });
});

describe("what a port cannot write, said once and with the way around it", () => {
  it("a constant bool mask over two dims (x[:, torch.eye(3, dtype=bool)]) takes the elements where it is true, as the 1-D mask of the flattened dims does", () => {
    const x = { x: nd([1, 3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9]) };
    const [masked, flat] = outputs(model('const m = F.eye(3, { dtype: F.bool });\n    return [x.index(":", m), x.flatten(1, 2).index(":", m.flatten())];', "x: Tensor<[Batch, 3, 3]>"), x);
    // the diagonal of each sample's 3×3, PyTorch's x[:, mask] of shape [B, 3]
    expect(masked).toEqual([1, 5, 9]);
    expect(flat).toEqual(masked);
  });

  it("an error inside a named loss function is the only one: no second TSDP5004 about what it returned", () => {
    // chunk(3) of the batch: sizes that depend on it (a cat along the batch, this test's error before 718cdbf, joins now)
    const src = `${header}export class M extends nn.Module {\n  fc = new nn.Linear(4, 3);\n  forward(x: Tensor<[Batch, 4]>) { return this.fc(x); }\n}\nexport function myLoss(z: Tensor, _t: Tensor<[Batch]>) {\n  return F.logSoftmax(z.chunk(3, 0)[0], 1).mean();\n}\nexport const training = new Training(M, { loss: myLoss, optimizer: new optim.SGD({ lr: 0.1 }) });\n`;
    expect(diagnosticsOf(src).map((d) => d.code)).toEqual(["TSDP4001"]);
  });

  it("Base.prototype.forward.call(this, x) (Python's nn.LayerNorm.forward(self, x), SqueezeBERT's NCW LayerNorm) names super.forward(x)", () => {
    const sub = (call: string) => `${header}class NCW extends nn.LayerNorm {\n  forward(x: Tensor) {\n    return ${call}.permute(0, 2, 1);\n  }\n}\nexport class M extends nn.Module {\n  n = new NCW(3);\n  forward(x: Tensor<[Batch, 4, 3]>) { return this.n(x); }\n}\n`;
    expect(first(sub("nn.LayerNorm.prototype.forward.call(this, x)"))).toMatch(/^TSDP2011 4: the class nn\.LayerNorm\.prototype is not part of the model language: .* is super\.forward\(x\)/);
    expect(formatShape(lowerSource(sub("super.forward(x)")).graph.outputs[0].shape)).toBe("[Batch, 3, 4]");
  });
});

describe("nn.Module() as a container (the diffusion codebases' self.temb = nn.Module())", () => {
  it("registers what is assigned to it under its path, and is not callable", () => {
    const src = model("return this.temb.dense[1](this.temb.dense[0](x));", "x: Tensor<[Batch, 4]>", "temb: any = new nn.Module();\n  constructor() {\n    super();\n    this.temb.dense = new nn.ModuleList([new nn.Linear(4, 4), new nn.Linear(4, 2)]);\n  }");
    const { graph } = lowerSource(src);
    expect(graph.params.map((p) => p.attrs.name)).toEqual(["temb.dense.0.weight", "temb.dense.0.bias", "temb.dense.1.weight", "temb.dense.1.bias"]);
    expect(graph.outputs[0].shape[1]).toBe(2);
    expect(first(model("return this.temb(x);", "x: Tensor<[Batch, 4]>", "temb = new nn.Module();"))).toMatch(/^TSDP3006 \d+: nn\.Module has no forward method/);
    expect(first(model("return x;", "x: Tensor<[Batch, 4]>", "temb = new nn.Module(4);"))).toMatch(/nn\.Module\(\) takes no arguments/);
  });
});

describe("Transformer-XL's idioms: triu(ones).byte() masks, `attn_mask.any().item()` of a mask made from sizes, _rel_shift", () => {
  const x = nd([2, 2, 3], Array.from({ length: 12 }, (_, i) => i - 4.5));
  const run = (body: string) => outputs(model(body, "x: Tensor<[Batch, 2, 3]>"), { x })[0];
  it("byte(), char() and short() are integer conversions toward zero (int32 here, as F.uint8); a byte mask masks where it is nonzero", () => {
    expect(run("return x.byte().add(0);")).toEqual(Array.from(x.data, (v) => Math.trunc(v) + 0));
    expect(run("return x.char().add(0).mul(x.short());")).toEqual(Array.from(x.data, (v) => Math.trunc(v) ** 2));
    // PyTorch ≤ 2.0's masked_fill of a uint8 mask (Transformer-XL's dec_attn_mask): where it is 1
    const masked = run("const m = F.triu(x.newOnes(2, 3), 1).byte(); return x.maskedFill(m.index(null, ':', ':'), -100);");
    expect(masked).toEqual(Array.from(x.data, (v, i) => (i % 3 > Math.floor(i / 3) % 2 ? -100 : v)));
  });
  it("a one-element tensor whose value the compiler knows (made in forward from sizes and constants) is a number to item() and to a branch, as Python's bool()", () => {
    const branch = (cond: string) => run(`const m = F.triu(x.newOnes(2, 3), ${cond}).byte().index(':', ':', null);\n    if (m.any().item()) return x.mul(2);\n    return x;`);
    expect(branch("1")).toEqual(Array.from(x.data, (v) => v * 2));
    // diagonal 3 of [2, 3] leaves no ones: any() is 0
    expect(branch("3")).toEqual(Array.from(x.data));
    expect(run("if (F.ones([2, 2]).sum().gt(3)) return x.mul(3);\n    return x;")).toEqual(Array.from(x.data, (v) => v * 3));
    expect(run("return x.mul(F.arange(4).sum().item());")).toEqual(Array.from(x.data, (v) => v * 6));
    // a value of the data still has none: refused, with the way around it
    expect(first(model("if (x.sum().item()) return x.mul(2);\n    return x;", "x: Tensor<[Batch, 2, 3]>"))).toMatch(/^TSDP2007 \d+: this condition depends on tensor values/);
  });
  it("_rel_shift (cat a zero column, view as [k + 1, q], drop the first row, view_as) shifts row i left by q − 1 − i, as PyTorch's storage does", () => {
    // x[i][j] = 3i + j for q = 2, k = 3: padded [[0,0,1,2],[0,3,4,5]] read as [4, 2], rows 1…3: [[1,2],[0,3],[4,5]] → [[1,2,0],[3,4,5]]
    const src = model(
      "const s = F.arange(6).float().view(2, 3, 1, 1);\n    const zeroPad = F.zeros([s.size(0), 1, ...s.size().slice(2)], { dtype: s.dtype });\n    const p = F.cat([zeroPad, s], 1).view(s.size(1) + 1, s.size(0), ...s.size().slice(2));\n    return x.mul(0).add(p.index('1:').viewAs(s).view(1, 2, 3));",
      "x: Tensor<[Batch, 2, 3]>",
    );
    expect(outputs(src, { x })[0]).toEqual([1, 2, 0, 3, 4, 5, 1, 2, 0, 3, 4, 5]);
  });
});

describe("a run-time number where a compile-time one is needed (Tacotron 2's torch.arange(0, torch.max(lengths).item()))", () => {
  it("is refused naming the argument and why, with the way around it; a 0-dim tensor by position is arange's end, not its dtype", () => {
    const src = model("const maxLen = F.max(lengths).item();\n    return F.arange(0, maxLen).unsqueeze(0).lt(lengths.unsqueeze(1)).float().mul(x);", "x: Tensor<[Batch, 4]>, lengths: Tensor<[Batch], \"int32\">");
    expect(first(src)).toMatch(/^TSDP2003 7: F\.arange: end must be a number known when the model is compiled, got a tensor of shape \[\]: its values exist only when the model runs .*take a size from a shape \(x\.size\(1\)/);
    expect(first(model("return x.view(x.size(0), x.sum().item());", "x: Tensor<[Batch, 4]>"))).toMatch(/^TSDP2003 6: .*must be a number known when the model is compiled/);
  });
});

describe("a function's length (Python's len(inspect.signature(fn).parameters), HF's apply_chunking_to_forward)", () => {
  it("counts the parameters before a default or rest one, a bound method's less the arguments bound", () => {
    const fields = "ff(a: Tensor, b: Tensor, c = 1, ...rest: number[]) { return a.add(b).mul(c); }\n  one(a: Tensor) { return a; }";
    const run = (body: string) => outputs(model(body, "x: Tensor<[Batch, 2]>", fields), { x: nd([1, 2], [1, 1]) })[0];
    expect(run("return x.mul(this.ff.length);")).toEqual([2, 2]);
    expect(run("return x.mul(this.ff.bind(this, x).length + this.one.bind(this).length * 10);")).toEqual([11, 11]);
    expect(run("const f = (p: Tensor, q = 2) => p; const g = function (p: Tensor, q: Tensor) { return p; }; return x.mul(f.length * 10 + g.length);")).toEqual([12, 12]);
  });
});

describe("an attribute of the port's own on a tensor (the time-series codebases' `pe.require_grad = False`)", () => {
  it("is kept with the tensor and read back, as Python's; tsdp's own tensor names are not overwritten", () => {
    const ctor = (body: string) => model("return x.add(this.pe);", "x: Tensor<[Batch, 2]>", `declare pe: Tensor;\n  constructor() {\n    super();\n    ${body}\n  }`);
    expect(outputs(ctor("const pe = F.ones(2); (pe as any).require_grad = false; this.registerBuffer('pe', pe.mul((pe as any).require_grad ? 1 : 3));"), { x: nd([1, 2], [1, 2]) })[0]).toEqual([4, 5]);
    expect(first(ctor("const pe = F.ones(2); (pe as any).shape = [3]; this.registerBuffer('pe', pe);"))).toMatch(/^TSDP2001 \d+: cannot set 'shape' on a tensor/);
    expect(first(ctor("const pe = F.ones(2); (pe as any).view = 1; this.registerBuffer('pe', pe);"))).toMatch(/^TSDP2001 \d+: cannot set 'view' on a tensor/);
  });
  it("and on a parameter, an nn.Parameter or a layer's (the state-spaces codebases' setattr(p, '_optim', {lr, weight_decay})), kept and read back in the constructor", () => {
    const src = (body: string) => model("return this.fc(x).mul(this.w);", "x: Tensor<[Batch, 2]>", `fc = new nn.Linear(2, 2);\n  w = new nn.Parameter(F.ones(2));\n  constructor() {\n    super();\n    ${body}\n  }`);
    // the attribute read back picks the initializer: fill_ with its lr (0.5) times 4, with the bias's weight_decay (3) for w
    const body = "for (const [name, p] of Object.entries(this.fc.stateDict())) ((this.fc as any)[name] as any)._optim = { lr: 0.5, weight_decay: 3 };\n    (this.w as any)._optim = { lr: 0.25 };\n    this.fc.weight.data.fill_((this.fc.weight as any)._optim.lr * 4); this.fc.bias.data.fill_(0); this.w.data.fill_((this.fc.bias as any)._optim.weight_decay + (this.w as any)._optim.lr);";
    expect(outputs(src(body), { x: nd([1, 2], [1, 1]) })[0]).toEqual([4 * 3.25, 4 * 3.25]);
    expect(first(src("(this.fc.weight as any).shape = [3];"))).toMatch(/^TSDP2001 \d+: cannot set 'shape' on/);
  });
});

describe("torch.tensor of a tensor and the legacy constructors torch.Tensor / FloatTensor / LongTensor (N-BEATS's bases, Conv-TasNet's norms)", () => {
  const ctor = (body: string, fields = "declare w: nn.Parameter;") =>
    model("return x.mul(this.w);", "x: Tensor<[Batch, 3]>", `${fields}\n  constructor() {\n    super();\n    ${body}\n  }`);
  const ones = { x: nd([1, 3], [1, 1, 1]) };
  it("F.tensor(t) copies t's values, converted to the dtype asked for, with no gradient to what t was made from", () => {
    // torch.tensor(np.power(np.arange(3) / 3, 2), dtype=torch.float32): [0, 1/9, 4/9]
    expect(outputs(ctor("this.w = new nn.Parameter(F.tensor(F.pow(F.arange(3).div(3), 2), { dtype: F.float32 }), false);"), ones)[0].map((v) => Math.fround(v)))
      .toEqual([0, 1 / 9, 4 / 9].map(Math.fround));
    // in forward: int64 truncates as PyTorch's conversion (2.5 → 2), and the copy is cut from autograd
    const src = model("return F.tensor(x.mul(2.5), { dtype: F.int64 }).float().add(this.fc(x).mul(F.tensor(this.fc.weight.sum())));", "x: Tensor<[Batch, 1]>", "fc = new nn.Linear(1, 1, { bias: false });");
    const { graph } = lowerSource(src);
    const state = initState(graph, 0);
    const w = state.params.get("fc.weight")!.data[0];
    expect(runReference(graph, { x: nd([1, 1], [1]) }, state).outputs[0].data[0]).toBeCloseTo(2 + w * w, 6);
    // the copy of fc.weight's sum is a detach: autograd does not reach the parameter through it
    expect(graph.nodes.filter((n) => n.op === "detach").length).toBe(2);
  });
  it("F.Tensor(n, m) is F.empty's tensor (zeros), filled by the port's initializer; a list is its values as float32 (LongTensor: int32)", () => {
    expect(outputs(ctor("this.w = new nn.Parameter(F.Tensor(1, 3)); this.w.data.fill_(2);"), ones)[0]).toEqual([2, 2, 2]);
    expect(outputs(ctor("this.w = new nn.Parameter(F.Tensor(3));"), ones)[0]).toEqual([0, 0, 0]);
    expect(outputs(ctor("this.w = new nn.Parameter(F.Tensor([1, 2, 3]).div(2));"), ones)[0]).toEqual([0.5, 1, 1.5]);
    expect(outputs(ctor("this.registerBuffer('w', F.LongTensor([1, 2, 3]).div(2, { roundingMode: 'floor' }));", "declare w: Tensor;"), ones)[0]).toEqual([0, 1, 1]);
    expect(first(ctor("this.w = new nn.Parameter(F.Tensor());"))).toMatch(/^TSDP3004 \d+: F\.Tensor\(\) is PyTorch's tensor of no elements/);
  });
});

describe("'name' in a library namespace (HF wav2vec2's hasattr(nn.utils.parametrizations, \"weight_norm\"))", () => {
  it("is whether tsdp has the member, as Python's hasattr on the module; other values on the right are still refused", () => {
    const pick = (cond: string) => outputs(model(`return ${cond} ? x.mul(2) : x;`, "x: Tensor<[Batch, 1]>"), { x: nd([1, 1], [3]) })[0][0];
    expect(pick('"weight_norm" in nn.utils.parametrizations')).toBe(6);
    expect(pick('"weightNorm" in nn.utils')).toBe(6);
    expect(pick('"no_such_norm" in nn.utils.parametrizations')).toBe(3);
    expect(first(model('return "a" in 3 ? x : x;', "x: Tensor<[Batch, 1]>"))).toMatch(/^TSDP3003 \d+: 'in' looks in an object, an array, a module or a namespace, got/);
  });
});

describe("Funnel's, Autoformer's and wav2vec2's idioms: arange bounds from 0-dim tensors of sizes, torch.cat(axis=…), this.x! *= 2, int(t), LayerDrop", () => {
  it("a 0-dim tensor the compiler knows is a number where a call needs one: Funnel's relative_pos for seq 8, block 1 is arange(7, -9, -1)", () => {
    // pos = arange(8); pooled_pos = cat([-1], pos[1:-1][::2]) = [-1, 1, 3, 5]; ref_point = -1, num_remove = 2·4,
    // max_dist = ref_point + 8·1 = 7, min_dist = pooled_pos[0] − pos[-1] = −8: torch.arange(7, −9, −1)
    const body = [
      "const pos = F.arange(0, 8, { dtype: F.int64 }).to(x.dtype);",
      "const pooled = F.cat([pos.newTensor([-1]), pos.index('1:-1').index('::2')], 0);",
      "const refPoint = pooled.index(0).sub(pos.index(0));",
      "const maxDist = refPoint.add(2 * pooled.size(0) * 1);",
      "const minDist = pooled.index(0).sub(pos.index(-1));",
      "return x.add(F.arange(maxDist, minDist.sub(1), -1, { dtype: F.long }).float());",
    ].join("\n    ");
    expect(outputs(model(body, "x: Tensor<[Batch, 16]>"), { x: nd([1, 16], new Array(16).fill(0)) })[0]).toEqual([7, 6, 5, 4, 3, 2, 1, 0, -1, -2, -3, -4, -5, -6, -7, -8]);
    // a value known only when the model runs stays refused (Tacotron 2's torch.max(lengths).item())
    expect(first(model("return F.arange(x.max()).float();", "x: Tensor<[Batch, 4]>"))).toMatch(/^TSDP2003 \d+: F\.arange: end must be a number known when the model is compiled/);
  });
  it("Math's functions (Python's int(t), math.floor(t)) of a one-element tensor take its value where the compiler knows it, and say why where it exists only at run time (Autoformer's int(index[i]) of a topk)", () => {
    expect(outputs(model("const n = F.arange(0, 8).sum(); return x.add(Math.trunc(n.div(3)));", "x: Tensor<[Batch, 1]>"), { x: nd([1, 1], [0]) })[0]).toEqual([9]);
    expect(first(model("const index = F.topk(x.mean(0), 2)[1]; return F.roll(x, -Math.trunc(index.index(0).item()), -1);", "x: Tensor<[Batch, 6]>")))
      .toMatch(/^TSDP2003 \d+: Math\.trunc: its argument must be a number known when the model is compiled, got a tensor of shape \[\]: its values exist only when the model runs/);
  });
  it("a branch on a draw (HF wav2vec2's LayerDrop, `self.training and torch.rand([]) < p`) is TSDP2007 naming the select that computes it; a branch on other data does not get that hint", () => {
    const layerDrop = first(model("const skip = this.training && F.rand([]).lt(0.1); if (skip) return x; return this.fc(x);", "x: Tensor<[Batch, 2]>", "fc = new nn.Linear(2, 2);"));
    expect(layerDrop).toMatch(/^TSDP2007 \d+: this condition depends on tensor values.*LayerDrop's F\.rand\(\[\]\)\.lt\(p\)\) is y = F\.where\(F\.rand\(\[\]\)\.lt\(p\), x, layer\(x\)\)/);
    expect(first(model("if (x.sum().gt(0)) return x; return x.mul(2);", "x: Tensor<[Batch, 2]>"))).not.toMatch(/LayerDrop/);
  });
  it("a draw compared with a number its range [0, 1) decides is that boolean (HF LayerDrop at its default 0 never skips); between 0 and 1 the refusal names the select", () => {
    const fc = "fc = new nn.Linear(2, 2, { bias: false });\n  constructor() { super(); F.noGrad(() => { this.fc.weight.copy_(F.tensor([[1.0, 2], [3, 4]])); }); }";
    const x = { x: nd([1, 2], [1, 1]) };
    const plain = outputs(model("return this.fc(x);", "x: Tensor<[Batch, 2]>", fc), x)[0];
    expect(plain).toEqual([3, 7]);
    // Python's random.random(), torch.rand([]).item() and torch.rand([]) < p, with the draw on either side
    for (const skip of ["Math.random() < 0", "F.rand([]).item() < 0.0", "F.rand([]).lt(0).item()", "0 > Math.random()", "Math.random() >= 1", "F.rand([1]).item() > 1"]) {
      const src = model(`if (this.training && ${skip}) return x; return this.fc(x);`, "x: Tensor<[Batch, 2]>", fc);
      expect(outputs(src, x)[0], skip).toEqual(plain);
    }
    // always true: every draw is below 1 and at least 0
    for (const skip of ["Math.random() < 1", "F.rand([]).ge(0).item()", "1 > F.rand([]).item()"])
      expect(outputs(model(`if (${skip}) return x; return this.fc(x);`, "x: Tensor<[Batch, 2]>", fc), x)[0], skip).toEqual([1, 1]);
    // the draw decides: refused, with the select to write
    expect(first(model("if (this.training && Math.random() < 0.1) return x; return this.fc(x);", "x: Tensor<[Batch, 2]>", fc)))
      .toMatch(/^TSDP2007 \d+: '<' compares a random draw with a number between 0 and 1, which only the draw decides when the model runs; a random skip of a layer \(LayerDrop's/);
    // a number drawn while compiling would be baked in
    expect(first(model("return x.mul(this.s);", "x: Tensor<[Batch, 2]>", "s: number;\n  constructor() { super(); this.s = Math.random(); }")))
      .toMatch(/^TSDP\d+ \d+: Math\.random\(\) outside forward would draw one number while compiling/);
  });
  it("numpy's axis and keepdims are dim and keepdim for torch's functions and tensor methods, as PyTorch's argument parser takes them", () => {
    const out = outputs(model("return F.cat([x.sum({ axis: 1, keepdims: true }), F.cat([x, x], { axis: 1 })], { axis: 1 });", "x: Tensor<[Batch, 2]>"), { x: nd([1, 2], [1, 2]) })[0];
    expect(out).toEqual([3, 1, 2, 1, 2]);
    expect(first(model("return F.cat([x, x], { axis: 1, dim: 1 });", "x: Tensor<[Batch, 2]>"))).toMatch(/^TSDP3004 \d+: F\.cat has no option 'axis'/);
  });
  it("an assignment through TypeScript's non-null or type assertion assigns the expression asserted", () => {
    const src = model("this.mult = 1; this.mult! *= 2; (this.mult as number) += 1; return x.mul(this.mult!);", "x: Tensor<[Batch, 1]>", "mult: number | null = null;");
    expect(outputs(src, { x: nd([1, 1], [2]) })[0]).toEqual([6]);
  });
});

describe("nn.init._calculate_fan_in_and_fan_out (custom layers' reset_parameters, timm's lecun_normal_)", () => {
  const ctor = (body: string) =>
    model("return this.conv(x).flatten(1).matmul(this.w);", "x: Tensor<[Batch, 3, 4, 4]>", `conv = new nn.Conv2d(3, 6, 3); w = new nn.Parameter(F.empty(24, 5));\n  constructor() {\n    super();\n    ${body}\n  }`);
  it("is [size(1), size(0)] times the kernel's elements, as PyTorch's: a bound or std from it initializes", () => {
    // conv weight [6, 3, 3, 3]: fan_in 3·9 = 27, fan_out 6·9 = 54; w [24, 5]: fan_in 5, fan_out 24
    const { init } = declared(ctor("const [fanIn, fanOut] = nn.init._calculate_fan_in_and_fan_out(this.conv.weight); nn.init.uniform_(this.conv.bias, -fanIn, fanOut); const [a, b] = nn.init._calculateFanInAndFanOut(this.w); nn.init.normal_(this.w, 0, 1 / Math.sqrt(a * b));"));
    expect(init.get("conv.bias")).toMatchObject({ kind: "uniform", bound: (27 + 54) / 2, center: (54 - 27) / 2 });
    expect(init.get("w")).toEqual({ kind: "normal", std: 1 / Math.sqrt(5 * 24) });
  });
  it("refuses a tensor of fewer than 2 dims, as PyTorch's ValueError", () => {
    expect(first(ctor("nn.init._calculate_fan_in_and_fan_out(this.conv.bias);"))).toMatch(/^TSDP\d+ \d+: nn.init._calculate_fan_in_and_fan_out: fan in and fan out cannot be computed for a tensor with fewer than 2 dims, got \[6\]/);
  });
  it("_calculate_correct_fan(w, mode) is the one the mode names (SampleRNN's lecun_uniform: U(±√(3 / fan_in)))", () => {
    const { init } = declared(ctor("const fanIn = nn.init._calculate_correct_fan(this.conv.weight, 'fan_in'); nn.init.uniform_(this.conv.weight, -Math.sqrt(3 / fanIn), Math.sqrt(3 / fanIn)); nn.init.normal_(this.w, 0, nn.init._calculateCorrectFan(this.w, 'fan_out'));"));
    expect(init.get("conv.weight")).toMatchObject({ kind: "uniform", bound: Math.sqrt(3 / 27) });
    expect(init.get("w")).toEqual({ kind: "normal", std: 24 });
    expect(first(ctor("nn.init._calculate_correct_fan(this.w, 'fan_avg');"))).toMatch(/^TSDP\d+ \d+: .*mode.*fan_in.*fan_out/);
  });
});

describe("rows of the batch folded into dim 0, taken by idx + arange(B)·N (DGCNN's get_graph_feature)", () => {
  // x [B, 2, 3] (2 features of 3 points); each point's 2 nearest other points by a fixed index table
  const body = `const B = x.size(0); const N = x.size(2);
    const idx = F.tensor([[[1, 2], [2, 0], [0, 1]]], { dtype: "int32" }).repeat(B, 1, 1).add(F.arange(0, B).view(-1, 1, 1).mul(N)).view(-1);
    const flat = x.transpose(2, 1).contiguous();
    return flat.view(B * N, -1).index(idx, ":").view(B, N, 2, 2);`;
  const src = model(body, "x: Tensor<[Batch, 2, 3]>");
  it("takes each sample's own rows, as PyTorch's view(B·N, -1)[idx, :] on the whole batch", () => {
    const x = [0, 1, 2, 10, 11, 12, 100, 101, 102, 110, 111, 112];
    const [out] = outputs(src, { x: nd([2, 2, 3], x) });
    // sample 0's point 0 takes points 1 and 2 ([1, 11], [2, 12]); sample 1's point 2 takes 0 and 1
    expect(out.slice(0, 4)).toEqual([1, 11, 2, 12]);
    expect(out.slice(20, 24)).toEqual([100, 110, 101, 111]);
    expect(gradCheck(`export class M extends nn.Module {\n  forward(x: Tensor<[Batch, 2, 3]>) {\n    ${body.replace("return flat", "return flat.tanh()")}\n  }\n}\n`).checked).toBeGreaterThan(0);
  });
  it("reports an index that reaches another sample's rows (another device's share), and refuses an index without the batch", () => {
    const across = model("const B = x.size(0); return x.view(B * 3, -1).index(F.arange(0, B).mul(3).add(3), \":\");", "x: Tensor<[Batch, 3, 2]>");
    expect(() => outputs(across, { x: nd([2, 3, 2], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]) })).toThrow(/index 3 is out of range \[0, 3\)/);
    expect(first(model("const B = x.size(0); return x.view(B * 3, -1).index(F.tensor([0, 4], { dtype: \"int32\" }), \":\");", "x: Tensor<[Batch, 3, 2]>"))).toMatch(/^TSDP4001 \d+: index: a tensor index takes rows of dim 0 of \[3\*Batch, 2\], the batch/);
    // one row per sample: an index of data names another sample's row (mixup's x[randperm(B)]), refused where written
    expect(first(model("return x.index(x.select(1, 0).abs().int(), \":\");", "x: Tensor<[Batch, 2]>"))).toMatch(/^TSDP4001 \d+: index: a tensor index takes rows of dim 0 of \[Batch, 2\], the batch/);
  });
});

describe("x[mask] = y[mask] with a mask of data (PointNet++'s farthest_point_sample and query_ball_point)", () => {
  it("writes y's elements where the mask is true, as PyTorch's (a mask over x's first dims takes whole rows)", () => {
    const x = [1, -2, 3, -4, -5, 6, 7, -8];
    const flip = model("const y = x.mul(-1); const mask = x.gt(0); const z = x.clone(); z[mask] = y[mask]; const w = x.clone(); w.indexPut_([mask], y.index(mask)); return [z, w];", "x: Tensor<[Batch, 4]>");
    const [z, w] = outputs(flip, { x: nd([2, 4], x) });
    expect(z).toEqual(x.map((v) => -Math.abs(v)));
    expect(w).toEqual(z);
    // rows: mask [B, 2] over x [B, 2, 2]; int32 tensors keep their dtype (group_idx[mask] = group_first[mask])
    const rows = model("const mask = x.sum(-1).gt(0); const ids = F.arange(4, { dtype: \"int32\" }).view(1, 2, 2).repeat(x.size(0), 1, 1); const first = ids.index(\":\", \":\", 0).unsqueeze(-1).repeat(1, 1, 2); ids[mask] = first[mask]; return ids.float().add(x.mul(0));", "x: Tensor<[Batch, 2, 2]>");
    expect(outputs(rows, { x: nd([1, 2, 2], [1, 1, -1, -1]) })[0]).toEqual([0, 0, 2, 3]);
    expect(gradCheck(`export class M extends nn.Module {\n  forward(x: Tensor<[Batch, 4]>) {\n    const y = x.tanh(); const mask = x.gt(0.1); const z = x.mul(2); z[mask] = y[mask]; return z;\n  }\n}\n`).checked).toBeGreaterThan(0);
  });
  it("x[mask] = x[mask].sub(1) (PyTorch's x[mask] -= 1, C51's projection fix-ups): elementwise methods of numbers keep the selection", () => {
    // l = [1, 3, 3, 0], u = [2, 3, 4, 0] per row: l == u at 3 and at 0; (u > 0)·(l == u) picks the 3
    const src = model("const l = x.index(\":\", 0).long(); const u = x.index(\":\", 1).long(); const fix = u.gt(0).logicalAnd(l.eq(u)); l[fix] = l[fix].sub(1); const g = x.index(\":\", 0).clone(); g[fix] = g[fix].mul(2).add(0.5).clamp({ max: 6 }); return [l.float(), g];", "x: Tensor<[Batch, 2, 4]>");
    const [l, g] = outputs(src, { x: nd([1, 2, 4], [1, 3, 3, 0, 2, 3, 4, 0]) });
    expect(l).toEqual([1, 2, 3, 0]);
    expect(g).toEqual([1, 6, 3, 0]);
    // a tensor operand would pair by the selection's order: still refused
    expect(first(model("const m = x.gt(0); const z = x.clone(); z[m] = z[m].add(x); return z;", "x: Tensor<[Batch, 4]>"))).toMatch(/^TSDP3003 \d+: .*x\[mask\] = y\[mask\] through the same mask is taken/);
  });
  it("refuses y[mask] read any other way, and a write through another mask, saying what to write", () => {
    expect(first(model("return x.index(x.gt(0)).sum();", "x: Tensor<[Batch, 4]>"))).toMatch(/^TSDP3003 \d+: index: a tensor index must be an int32 tensor .*x\[mask\] = y\[mask\] through the same mask is taken/);
    expect(first(model("const z = x.clone(); z[x.gt(0)] = x.index(x.lt(0)); return z;", "x: Tensor<[Batch, 4]>"))).toMatch(/x\[mask\] = y\[other\] writes another mask's selection.*F\.where\(mask, y, x\)/);
  });
});

describe("x[torch.where(c)] = v and a mask over x's first dims (Mask2Former's `attn_mask[torch.where(attn_mask.sum(-1) == L)] = False`)", () => {
  it("writes through the mask the coordinates come from, whole rows along x's other dims, as PyTorch's", () => {
    // x = [[1, 2], [-3, 0.5]]: the mask x > 0 is [[1, 1], [0, 1]]; row 0 is all true, so it is cleared
    const src = model(
      "const m = x.gt(0); m[F.where(m.sum(-1).eq(2))] = false; const y = x.clone(); y.indexPut_(F.where(x.lt(-1)), 0); const z = x.clone(); const idx = F.where(x.gt(1)); z[idx] = x.mul(10)[idx]; const r = x.clone(); r[x.sum(-1).lt(0)] = 7; return [m.float(), y, z, r];",
      "x: Tensor<[Batch, 2, 2]>",
    );
    expect(outputs(src, { x: nd([1, 2, 2], [1, 2, -3, 0.5]) })).toEqual([[0, 0, 0, 1], [1, 2, 0, 0.5], [1, 20, -3, 0.5], [1, 2, 7, 7]]);
  });
  it("mask.nonzero(as_tuple=True) is torch.where(mask): x[mask.nonzero(as_tuple=True)] = v is x[mask] = v; nonzero() and a coordinate read alone are refused", () => {
    const src = model("const y = x.clone(); y.indexPut_(x.lt(-1).nonzero({ asTuple: true }), 0); const z = x.clone(); z[F.nonzero(x.gt(1), { asTuple: true })] = 9; return [y, z];", "x: Tensor<[Batch, 2, 2]>");
    expect(outputs(src, { x: nd([1, 2, 2], [1, 2, -3, 0.5]) })).toEqual([[1, 2, 0, 0.5], [1, 9, -3, 0.5]]);
    expect(first(model("return x.nonzero().float();", "x: Tensor<[Batch, 2]>"))).toMatch(/^TSDP2001 \d+: nonzero: nonzero's result has as many elements as the data selects.*write x\.nonzero\(\{ asTuple: true \}\) there/);
    expect(first(model("const [i] = x.gt(0).nonzero({ asTuple: true }); return x.add(i);", "x: Tensor<[Batch, 2]>"))).toMatch(/^TSDP2001 \d+: nonzero\(as_tuple=True\): .*as many elements as the data selects/);
  });
  it("a tensor value is each selected row's (HF wav2vec2/HuBERT's hidden_states[mask_time_indices] = masked_spec_embed), and its gradient reaches it", () => {
    const src = model("const h = x.mul(1); h[m.bool()] = this.emb; const g = x.mul(1); g.indexPut_([m.bool()], this.emb.view(1, 2)); return [h, g];", "x: Tensor<[Batch, 3, 2]>, m: Tensor<[Batch, 3], \"int32\">", "emb = new nn.Parameter(F.tensor([5.0, 6]));");
    const x = [1, 2, 3, 4, 5, 6];
    const [h, g] = outputs(src, { x: nd([1, 3, 2], x), m: nd([1, 3], [0, 1, 0]) });
    expect(h).toEqual([1, 2, 5, 6, 5, 6]);
    expect(g).toEqual(h);
    // a value with the selection's count (PyTorch's [count, 2]) is the data's: refused, saying what to write
    expect(first(model("const h = x.mul(1); h[x.sum(-1).gt(0)] = x.index(\":\", 0); return h;", "x: Tensor<[Batch, 3, 2]>"))).toMatch(/^TSDP2001 \d+: x\[mask\] = v takes a number, a 0-dim tensor or one that broadcasts to a selected row/);
    expect(gradCheck(`export class M extends nn.Module {\n  emb = new nn.Parameter(F.tensor([0.5, -1]));\n  forward(x: Tensor<[Batch, 3, 2]>) {\n    const h = x.tanh(); h[x.sum(-1).gt(0)] = this.emb.mul(2); return h.mul(x);\n  }\n}\n`).checked).toBeGreaterThan(0);
  });
  it("refuses the coordinates read any other way, saying why and what to write", () => {
    expect(first(model("const [i, j] = F.where(x.gt(0)); return x.add(i);", "x: Tensor<[Batch, 2]>"))).toMatch(/^TSDP2001 \d+: F\.where\(condition\) with one argument is PyTorch's nonzero.*x\[F\.where\(mask\)\] = v is x\[mask\] = v/);
    expect(first(model("const [, j] = F.where(x.gt(0)); x[j] = 0; return x;", "x: Tensor<[Batch, 2]>"))).toMatch(/^TSDP2001 \d+: F\.where\(condition\)/);
    // read whole, it is x[mask] of a mask of data: a count only the data knows
    expect(first(model("return x.index(F.where(x.gt(0))).sum();", "x: Tensor<[Batch, 2]>"))).toMatch(/^TSDP3003 \d+: index: .*a mask of 0\/1 floats selects a data-dependent count/);
    // a mask whose dims are not x's first ones (PyTorch's IndexError)
    expect(first(model("const r = x.clone(); r[x.sum(-1).index(\":\", \"0:1\").gt(0)] = 1; return r;", "x: Tensor<[Batch, 2, 2]>"))).toMatch(/^TSDP4001 \d+: x\[mask\] = v: the mask \[Batch, 1\] must match x \[Batch, 2, 2\]'s first 2 dims/);
  });
});

describe("self._modules (LeViT's Linear_BN: `l, bn = self._modules.values()`)", () => {
  it("is the children by name in registration order, as a Map", () => {
    const cls = `class LinearBN extends nn.Sequential {\n  constructor() { super(); this.addModule("c", new nn.Linear(2, 2, { bias: false })); this.addModule("s", new Scale()); }\n  forward(x: Tensor) { const [l, s] = this._modules.values(); return s(l(x)).add([...this._modules.keys()].length); }\n}\nclass Scale extends nn.Module { forward(x: Tensor) { return x.mul(3); } }\n`;
    const src = `${header}${cls}export class M extends nn.Module {\n  lb = new LinearBN();\n  constructor() { super(); nn.init.eye_(this.lb.c.weight); }\n  forward(x: Tensor<[Batch, 2]>) { return this.lb(x); }\n}\n`;
    expect(outputs(src, { x: nd([1, 2], [1, -2]) })[0]).toEqual([5, -4]);
  });
});

describe("plain attributes set on any module from outside (YOLOv5's parse_model: m_.i, m_.f, m_.type, m_.np = …)", () => {
  it("a built-in layer or container keeps a number, string, boolean or array of them, which forward reads", () => {
    const src = model(
      "let y = x;\n    for (const m of this.layers) y = m.f === -1 ? m(y) : m(y).mul(m.f.length);\n    return y.add(this.layers[0].i).add(this.layers[1].tag.length);",
      "x: Tensor<[Batch, 2]>",
      "layers = new nn.Sequential(new nn.Identity(), new nn.ReLU());\n  constructor() {\n    super();\n    const [a, b] = [...this.layers];\n    [a.i, a.f, a.tag] = [5, -1, \"x\"];\n    [b.i, b.f, b.tag] = [6, [0, -1, 2], \"relu\"];\n  }",
    );
    // relu(x)·3 + 5 + 4
    expect(outputs(src, { x: nd([1, 2], [1, -2]) })[0]).toEqual([12, 9]);
  });
  it("refuses a tensor or module attribute on a built-in layer, saying what it takes", () => {
    const src = model("return this.l(x);", "x: Tensor<[Batch, 2]>", "l = new nn.ReLU();\n  constructor() { super(); this.l.extra = F.ones(2); }");
    expect(first(src)).toMatch(/cannot set 'extra' on nn\.ReLU: a built-in layer takes plain attributes \(numbers, strings, booleans and arrays of them\)/);
  });
});

describe("scatter_add_ into the batch folded into dim 0 (EGNN's unsorted_segment_sum over edges offset by i·n_nodes)", () => {
  it("sums each sample's messages into its own rows, as PyTorch's on the whole batch", () => {
    // 2 nodes per graph, edges 0→1 and 1→0 (rows [1, 0]); messages m = x·10 + edge position
    const body = `const B = x.size(0); const h = x.view(B * 2, -1);
    const row = F.tensor([[1, 0]], { dtype: "int32" }).add(F.arange(B).view(-1, 1).mul(2)).view(-1);
    const msg = h.index(row).mul(10);
    const out = h.newFull([B * 2, 3], 0);
    out.scatterAdd_(0, row.unsqueeze(-1).expand(-1, 3), msg);
    return out.add(h).view(B, 6);`;
    const x = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
    // node 0 receives node 1's message sent back to it: out[r] = h[r] + 10·h[r] (row r's edge reads row r and writes row r)
    expect(outputs(model(body, "x: Tensor<[Batch, 2, 3]>"), { x: nd([2, 2, 3], x) })[0]).toEqual(x.map((v) => 11 * v));
    expect(gradCheck(`export class M extends nn.Module {\n  forward(x: Tensor<[Batch, 2, 3]>) {\n    ${body.replace(".mul(10)", ".tanh()")}\n  }\n}\n`).checked).toBeGreaterThan(0);
  });
});

describe("older ports' constructor idioms: this._modules, nn.init's names without _, torch.manual_seed, module.to(device)", () => {
  it("walk the children by name, initialize as the underscored functions, and seed nothing", () => {
    // 1Konny's beta-VAE: for block in self._modules: for m in self._modules[block]: kaiming_init(m)
    const src = model(
      "return this.dec(this.enc(x));",
      "x: Tensor<[Batch, 2]>",
      "enc = new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU()); dec = new nn.Sequential(new nn.Linear(3, 2)); seed: any;\n  constructor() { super(); this.seed = F.manualSeed(0); for (const block in this._modules) for (const m of this._modules[block]) if (m instanceof nn.Linear) { nn.init.kaiming_normal(m.weight); nn.init.constant(m.bias, 0.5); } }",
    );
    const { init } = declared(src);
    expect(init.get("enc.0.weight")).toEqual({ kind: "normal", std: 1 });
    const dec = init.get("dec.0.weight") as Extract<Init, { kind: "normal" }>;
    expect(dec.kind).toBe("normal");
    expect(dec.std).toBeCloseTo(Math.sqrt(2 / 3), 14);
    expect(init.get("dec.0.bias")).toEqual({ kind: "constant", value: 0.5 });
    expect(first(model("F.manualSeed(0); return x;", "x: Tensor<[Batch, 2]>"))).toMatch(/^TSDP2001 6: F\.manualSeed in forward would give every call the same draws/);
    // DeepCTR's self.to(device) in a constructor, and .cuda() / .cpu() / .float(): the module itself
    const moved = model("return this.fc(x);", "x: Tensor<[Batch, 2]>", 'fc = new nn.Linear(2, 2).cuda();\n  constructor() { super(); this.to("cuda"); this.fc.float().cpu(); }');
    expect(declared(moved).params).toEqual(["fc.weight", "fc.bias"]);
    expect(first(model("return this.fc(x);", "x: Tensor<[Batch, 2]>", "fc = new nn.Linear(2, 2).double();"))).toMatch(/^TSDP3004 4: nn\.Linear\.double\(\): tsdp's modules compute in float32/);
  });
});

describe("a layer's factory keywords (PyTorch's device= and dtype=)", () => {
  it("deepxde's nn.Linear(…, dtype=config.real(torch)) builds the layer; another dtype is refused", () => {
    const { params } = declared(model("return this.fc(this.ln(x));", "x: Tensor<[Batch, 2]>", 'fc = new nn.Linear(2, 3, { dtype: F.float32, device: "cuda" }); ln = new nn.LayerNorm(2, { device: "cuda" });'));
    expect(params).toEqual(["fc.weight", "fc.bias", "ln.weight", "ln.bias"]);
    expect(first(model("return this.fc(x);", "x: Tensor<[Batch, 2]>", "fc = new nn.Linear(2, 3, { bias: false, dtype: F.float64 });"))).toMatch(/^TSDP3004 4: nn\.Linear: dtype "float64": a layer's parameters are float32 in tsdp/);
  });
});

describe("super.<nn.Module method> in a class that overrides it", () => {
  it("SAC's policy: to(device) moves its tensors, then returns super.to(device); super.parameters() too", () => {
    const src = `${header}class Policy extends nn.Module {\n  fc = new nn.Linear(2, 2);\n  scale = F.tensor([2.0, 3]);\n  to(device: unknown) { this.scale = this.scale.to(device as string); return super.to(device); }\n  count() { return super.parameters().length; }\n  forward(x: Tensor) { return this.fc(x).mul(this.scale).mul(this.count()); }\n}\nexport class M extends nn.Module {\n  policy = new Policy().to("cuda");\n  forward(x: Tensor<[Batch, 2]>) { return this.policy(x); }\n}\n`;
    const { graph } = lowerSource(src);
    expect(graph.params.map((p) => p.attrs.name)).toEqual(["policy.fc.weight", "policy.fc.bias"]);
    expect(diagnosticsOf(src.replace("return super.to(device);", "return super.bogus(device);")).map((d) => d.message)[0]).toMatch(/^super\.bogus: nn\.Module has no method 'bogus'/);
  });
});

describe("a loss of one element of any shape (PyTorch's backward() takes it)", () => {
  it("trains as its scalar; more elements are refused with PyTorch's reason", () => {
    // beta-VAE's total_kld = klds.sum(1).mean(0, True), shape [1], in recon_loss + beta * total_kld
    const src = (reduce: string) => `${header}export class M extends nn.Module {\n  fc = new nn.Linear(2, 2);\n  forward(x: Tensor<[Batch, 2]>) { return this.fc(x); }\n}\nexport const training = new Training(M, { loss: (y: Tensor, t: Tensor<[Batch, 2]>) => y.sub(t).pow(2)${reduce}, optimizer: new optim.SGD({ lr: 0.1 }) });\n`;
    const one = lowerSource(src(".sum(1).mean(0, true).view(1, 1)")).graph;
    const scalar = lowerSource(src(".sum(1).mean()")).graph;
    const inputs = { x: nd([2, 2], [1, -2, 0.5, 3]), target: nd([2, 2], [0, 1, 2, -1]) };
    const loss = (g: typeof one) => runReference(differentiate(g).graph, inputs, initState(g, 0), { training: true }).loss;
    expect(one.loss!.value.shape).toEqual([]);
    expect(loss(one)).toBe(loss(scalar));
    expect(diagnosticsOf(src(".sum(1)")).map((d) => `${d.code} ${d.message}`)[0]).toMatch(/^TSDP5004 the loss must be a tensor of one element, as PyTorch's backward\(\) needs, got a tensor of shape \[Batch\]/);
  });
});

describe("nn.init.sparse_ (Martens' sparse initialization)", () => {
  const src = (ctor: string, fields = "fc = new nn.Linear(10, 30);") => model("return this.fc(x);", "x: Tensor<[Batch, 10]>", `${fields}\n  constructor() {\n    super();\n    ${ctor}\n  }`);
  it("draws N(0, std²) with ceil(sparsity·rows) zeros in every column, at rows that differ between columns", () => {
    const { graph } = lowerSource(src("nn.init.sparse_(this.fc.weight, 0.3, 0.5);"));
    expect(graph.params.find((p) => p.attrs.name === "fc.weight")!.attrs.init).toEqual({ kind: "sparse", std: 0.5, zeros: 9 });
    const w = Array.from(initState(graph, 0).params.get("fc.weight")!.data);
    const [rows, cols] = [30, 10];
    const zeroRows = Array.from({ length: cols }, (_, c) => Array.from({ length: rows }, (_, r) => r).filter((r) => w[r * cols + c] === 0).join(","));
    // PyTorch's: exactly ceil(0.3·30) = 9 zeros per column, chosen per column
    for (const z of zeroRows) expect(z.split(",")).toHaveLength(9);
    expect(new Set(zeroRows).size).toBeGreaterThan(1);
    // the 210 others N(0, 0.25): mean within 6σ/√n = 0.21, std within 6·0.71/√n = 29% of 0.5
    const rest = w.filter((v) => v !== 0);
    expect(rest).toHaveLength(210);
    const mean = rest.reduce((a, b) => a + b, 0) / rest.length;
    const std = Math.sqrt(rest.reduce((a, b) => a + (b - mean) ** 2, 0) / (rest.length - 1));
    expect(Math.abs(mean)).toBeLessThan(0.21);
    expect(Math.abs(std / 0.5 - 1)).toBeLessThan(0.29);
    // scaled afterwards it stays sparse (std 0.05); the default std is 0.01; a keyword sparsity binds
    expect(declared(src("nn.init.sparse_(this.fc.weight, { sparsity: 0.1 }); this.fc.weight.data.mul_(-5);")).init.get("fc.weight")).toEqual({ kind: "sparse", std: 0.05, zeros: 3 });
  });
  it("is refused on other than a matrix, for a sparsity outside [0, 1], and shifted", () => {
    expect(first(src("nn.init.sparse_(this.fc.bias, 0.5);"))).toMatch(/^TSDP\d+ \d+: nn\.init\.sparse_: only tensors with 2 dimensions are supported, got \[30\]/);
    expect(first(src("nn.init.sparse_(this.fc.weight, 1.5);"))).toMatch(/^TSDP\d+ \d+: nn\.init\.sparse_: sparsity is the fraction of each column set to zero, between 0 and 1, got 1\.5/);
    expect(first(src("nn.init.sparse_(this.fc.weight, 0.5); this.fc.weight.data.add_(1);"))).toMatch(/can be scaled, not shifted: its zeros would move/);
  });
});

describe("a built-in layer's reset_parameters() (PyG's SchNet, custom init re-run)", () => {
  const ctor = (body: string, fields = "fc = new nn.Linear(3, 2); emb = new nn.Embedding(5, 3, { paddingIdx: 0 });") =>
    model("return this.fc(this.emb(i).sum(1));", "i: Tensor<[Batch, 2], \"int32\">", `${fields}\n  constructor() {\n    super();\n    ${body}\n  }`);
  it("puts back the layer's default initialization over nn.init and .data writes, as PyTorch's", () => {
    const defaults = declared(ctor("")).init;
    const { init } = declared(ctor("nn.init.zeros_(this.fc.weight); this.fc.bias.data.fill_(3); nn.init.ones_(this.emb.weight); this.fc.resetParameters(); this.emb.reset_parameters();"));
    expect(init.get("fc.weight")).toEqual(defaults.get("fc.weight"));
    expect(init.get("fc.bias")).toEqual(defaults.get("fc.bias"));
    // nn.Embedding's: N(0, 1) with the padding row zeroed again
    expect(init.get("emb.weight")).toEqual({ kind: "normal", std: 1, zeroRow: 0 });
    // an init written after the reset stays
    expect(declared(ctor("this.fc.resetParameters(); nn.init.zeros_(this.fc.bias);")).init.get("fc.bias")).toEqual({ kind: "constant", value: 0 });
  });
  it("is found by 'in' (PyG's reset(): hasattr(m, 'reset_parameters'), else the children), as PyTorch's hasattr", () => {
    const reset = `function reset(value: any) {\n  if ("resetParameters" in value) value.resetParameters();\n  else for (const child of "children" in value ? value.children() : []) reset(child);\n}\n`;
    const src = `${header}${reset}export class M extends nn.Module {\n  net = new nn.Sequential(new nn.Linear(3, 2), new nn.ReLU());\n  constructor() {\n    super();\n    nn.init.zeros_(this.net[0].weight);\n    if ("reset_parameters" in this.net[1] || "resetParameters" in this.net) throw new Error("ReLU and Sequential have none");\n    reset(this.net);\n  }\n  forward(x: Tensor<[Batch, 3]>) {\n    return this.net(x);\n  }\n}\n`;
    expect(declared(src).init.get("net.0.weight")).toMatchObject({ kind: "uniform" });
  });
  it("is a subclass's own reset_parameters where it defines one, and refused outside a constructor", () => {
    const sub = `${header}\nclass Z extends nn.Linear {\n  resetParameters() { nn.init.zeros_(this.weight); }\n}\nexport class M extends nn.Module {\n  fc = new Z(3, 2);\n  constructor() {\n    super();\n    this.fc.resetParameters();\n  }\n  forward(x: Tensor<[Batch, 3]>) {\n    return this.fc(x);\n  }\n}\n`;
    expect(declared(sub).init.get("fc.weight")).toEqual({ kind: "constant", value: 0 });
    expect(first(model("this.fc.resetParameters(); return this.fc(x);", "x: Tensor<[Batch, 3]>", "fc = new nn.Linear(3, 2);"))).toMatch(/^TSDP\d+ \d+: nn.Linear.resetParameters/);
    // a tied weight is another layer's parameter: refused, saying where to initialize it
    const tied = "a = new nn.Linear(3, 3); b = new nn.Linear(3, 3);\n  constructor() {\n    super();\n    this.b.weight = this.a.weight;\n    this.b.resetParameters();\n  }";
    expect(first(model("return this.b(this.a(x));", "x: Tensor<[Batch, 3]>", tied))).toMatch(/^TSDP2011 \d+: nn.Linear.resetParameters: its 'weight' is tied to another module's parameter; initialize the shared parameter where it is declared/);
  });
  it("is what the layer's own constructor runs, when a subclass overrides it (PyTorch's Linear.__init__ calls self.reset_parameters())", () => {
    const sub = (classes: string, field: string, input = "x: Tensor<[Batch, 4]>", body = "return this.m(x);") =>
      `${header}\n${classes}\nexport class M extends nn.Module {\n  m = ${field};\n  forward(${input}) {\n    ${body}\n  }\n}\n`;
    // no explicit call: the override runs inside super(…), both spellings, a layer's settings readable there
    const linear = declared(sub("class Z extends nn.Linear {\n  resetParameters() { nn.init.zeros_(this.weight); nn.init.constant_(this.bias, 0.5); }\n}", "new Z(4, 2)")).init;
    expect(linear.get("m.weight")).toEqual({ kind: "constant", value: 0 });
    expect(linear.get("m.bias")).toEqual({ kind: "constant", value: 0.5 });
    const conv = "class C extends nn.Conv2d {\n  reset_parameters() {\n    const n = this.in_channels * this.kernel_size[0] * this.kernel_size[1];\n    this.weight.data.uniform_(-1 / n, 1 / n);\n    this.bias!.data.zero_();\n  }\n}";
    const convInit = declared(sub(conv, "new C(2, 3, 3)", "x: Tensor<[Batch, 2, 5, 5]>")).init;
    expect(convInit.get("m.weight")).toMatchObject({ kind: "uniform", bound: 1 / 18 });
    expect(convInit.get("m.bias")).toEqual({ kind: "constant", value: 0 });
    // super.reset_parameters() in the override is the layer's default; then scaled, as the override writes it
    const scaled = declared(sub("class S extends nn.Linear {\n  reset_parameters() { super.reset_parameters(); F.noGrad(() => this.weight.mul_(0.1)); }\n}", "new S(4, 4)")).init;
    expect(scaled.get("m.weight")).toMatchObject({ kind: "uniform", bound: 0.05 });
    expect(scaled.get("m.bias")).toMatchObject({ kind: "uniform", bound: 0.5 });
    // nn.MultiheadAttention's constructor calls _reset_parameters(); a BatchNorm override may call reset_running_stats()
    const mha = "class A extends nn.MultiheadAttention {\n  _reset_parameters() { nn.init.zeros_(this.in_proj_weight); }\n}";
    const q = "const t = x.unsqueeze(1);\n    const [o] = this.m(t, t, t);\n    return o.squeeze(1);";
    expect(declared(sub(mha, "new A(4, 2, { batchFirst: true })", undefined, q)).init.get("m.in_proj_weight")).toEqual({ kind: "constant", value: 0 });
    const bn = declared(sub("class B extends nn.BatchNorm1d {\n  reset_parameters() { this.reset_running_stats(); nn.init.uniform_(this.weight); nn.init.zeros_(this.bias); }\n}", "new B(4)")).init;
    expect(bn.get("m.weight")).toMatchObject({ kind: "uniform", bound: 0.5, center: 0.5 });
    expect(bn.get("m.running_var")).toEqual({ kind: "constant", value: 1 });
    // nn.TransformerEncoderLayer's constructor calls no reset: a method of that name is only a method
    const layer = declared(sub("class T extends nn.TransformerEncoderLayer {\n  resetParameters() { nn.init.zeros_(this.linear1.weight); }\n}", "new T(4, 2, 8, 0.0)", undefined, "return this.m(x.unsqueeze(0)).squeeze(0);")).init;
    expect(layer.get("m.linear1.weight")).toMatchObject({ kind: "uniform", bound: 0.5 });
  });
});

describe("torch's out= keyword (PyG DimeNet's torch.arange(1, n + 1, out=self.freq).mul_(PI))", () => {
  const bessel = "freq = new nn.Parameter(F.Tensor(4));\n  constructor() {\n    super();\n    F.noGrad(() => F.arange(1, this.freq.numel() + 1, { out: this.freq }).mul_(Math.PI));\n  }";

  it("writes the result into a parameter in a constructor (its initializer), converting the dtype, and returns out", () => {
    const { init } = declared(model("return x.mul(this.freq);", "x: Tensor<[Batch, 4]>", bessel));
    expect(values(init.get("freq"))).toEqual([1, 2, 3, 4].map((k) => Math.fround(k * Math.PI)));
  });

  it("in forward, a tensor takes the result in place; out=None is a new tensor; other options still apply", () => {
    const src = model("const buf = F.zeros([x.size(0), 8]);\n    const r = F.cat([x, x.neg()], { dim: 1, out: buf });\n    return [buf, r, F.add(x, 1, { out: null }), F.linspace(0, 1, 4, { out: F.empty(4) }).expand(x.size(0), 4)];", "x: Tensor<[Batch, 4]>");
    const xs = [1, -2, 0.5, 3, 0, -1, 2, 4];
    const [buf, r, added, lin] = outputs(src, { x: nd([2, 4], xs) });
    const joined = [0, 1].flatMap((b) => [...xs.slice(4 * b, 4 * b + 4), ...xs.slice(4 * b, 4 * b + 4).map((v) => -v)]);
    expect(buf).toEqual(joined);
    expect(r).toEqual(joined);
    expect(added).toEqual(xs.map((v) => v + 1));
    [0, 1, 2, 3, 0, 1, 2, 3].forEach((k, i) => expect(lin[i]).toBeCloseTo(k / 3, 12));
  });

  it("an out of another shape is refused (PyTorch would resize it), saying to assign the result", () => {
    expect(first(model("return F.cat([x, x], { dim: 1, out: F.zeros([x.size(0), 4]) });", "x: Tensor<[Batch, 4]>"))).toMatch(
      /^TSDP4001 \d+: F\.cat: out= is \[Batch, 4\] and the result \[Batch, 8\]; PyTorch would resize out to it: assign the result instead/,
    );
  });
});

describe("GCN ports' sparse products (sparse.ts)", () => {
  it("torch.sparse.mm and torch.spmm of a dense adjacency buffer are its mm; to_dense and coalesce are the tensor, is_sparse false; a sparse constructor is refused with the dense form", () => {
    // LightGCN's normalized adjacency built densely: a mask write of the inf degrees, then D^-1/2 A D^-1/2
    const fields = `declare g: Tensor;
  constructor() {
    super();
    const adj = F.tensor([[0, 1, 1], [1, 0, 0], [1, 0, 0]], { dtype: F.float32 });
    adj.index(2, 0).fill_(0);
    adj.index(0, 2).fill_(0);
    const dInv = adj.sum(1).pow(-0.5);
    dInv[F.isinf(dInv) as any] = 0;
    this.registerBuffer("g", dInv.index(":", null).mul(adj).mul(dInv.index(null, ":")).coalesce());
  }`;
    const body = "const e = x.t();\n    const a = F.sparse.mm(this.g, e);\n    const b = F.spmm(this.g.toDense(), e);\n    return F.cat([a.t(), b.t(), x.mul(this.g.isSparse ? 0 : 1)], 1);";
    const [out] = outputs(model(body, "x: Tensor<[Batch, 3]>", fields), { x: nd([3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9]) });
    // g = [[0, 1, 0], [1, 0, 0], [0, 0, 0]] (node 2 isolated, its degree 0 → d^-1/2 zeroed): g·xᵀ swaps nodes 0 and 1 and zeroes node 2
    expect(out).toEqual([2, 1, 0, 2, 1, 0, 1, 2, 3, 5, 4, 0, 5, 4, 0, 4, 5, 6, 8, 7, 0, 8, 7, 0, 7, 8, 9]);
    expect(first(model("return x.add(F.sparseCooTensor(F.tensor([[0], [1]]), F.tensor([1.0]), [3, 3]).toDense().sum(0));", "x: Tensor<[Batch, 3]>"))).toMatch(/^TSDP3001 6: F\.sparseCooTensor is not supported: tsdp's tensors are dense: build the matrix densely .*indexPut_\(\[rows, cols\], values, true\)/);
  });
});

describe("graph batches folded into dim 0 (PyG's Batch): index_select, gather, index_add_, index_copy, index_fill, scatter_reduce, index_put_ (folded-batch.ts)", () => {
  // 2 graphs of 4 nodes with 3 features ([Batch, 4, 3] → [4·Batch, 3]) and 5 edges j → i each, offset by b·4
  const fold = "const B = x.size(0); const h = x.reshape(B * 4, 3); const ei = e.add(F.arange(B).view(-1, 1, 1).mul(4)).permute(1, 0, 2).reshape(2, -1); const row = ei[0], col = ei[1];";
  const gnn = (body: string) => model(`${fold}\n    ${body}`, "x: Tensor<[Batch, 4, 3]>, e: Tensor<[Batch, 2, 5], \"int32\">");
  const x = Array.from({ length: 24 }, (_, i) => ((i * 7) % 11) - 5 + i / 10);
  // graph 0: 0→1, 2→1, 3→1, 1→0, 1→1 (node 2 and 3 have no in-edges); graph 1: 3→0, 3→0, 0→2, 2→2, 1→3
  const e = [0, 2, 3, 1, 1, 1, 1, 1, 0, 1, 3, 3, 0, 2, 1, 0, 0, 2, 2, 3];
  const run = (body: string) => outputs(gnn(body), { x: nd([2, 4, 3], x), e: nd([2, 2, 5], Int32Array.from(e)) });
  // the same per graph, as plain loops: node n's features, and the edges of graph b
  const feat = (b: number, n: number) => x.slice((b * 4 + n) * 3, (b * 4 + n + 1) * 3);
  const edges = (b: number) => [0, 1, 2, 3, 4].map((k) => [e[b * 10 + k], e[b * 10 + 5 + k]]);
  const perNode = (f: (b: number, n: number, incoming: number[]) => number[]) => [0, 1].flatMap((b) => [0, 1, 2, 3].flatMap((n) => f(b, n, edges(b).filter(([, i]) => i === n).map(([j]) => j))));
  const sum = (b: number, js: number[]) => [0, 1, 2].map((c) => js.reduce((t, j) => t + feat(b, j)[c], 0));
  it("gather forms take each graph's own rows, and the scatter forms write them, as PyTorch's on the whole batch", () => {
    const sources = [0, 1].flatMap((b) => edges(b).flatMap(([j]) => feat(b, j)));
    expect(run("return [h.index_select(0, row).view(B, 5, 3), h.gather(0, row.unsqueeze(-1).expand(-1, 3)).view(B, 5, 3), h.gather(0, row.view(-1, 1)).view(B, 5, 1)];")).toEqual([sources, sources, sources.filter((_, i) => i % 3 === 0)]);
    // index_add_ (alpha 2) and index_put_ with accumulate: Σ over in-edges; a node without any keeps x's 0
    const added = perNode((b, n, js) => sum(b, js).map((v) => 2 * v));
    const [viaIndexAdd, viaIndexPut] = run("return [F.zerosLike(h).index_add_(0, col, h[row], { alpha: 2 }).view(B, 4, 3), F.zerosLike(h).index_put_([col], h[row].mul(2), true).view(B, 4, 3)];");
    expect(viaIndexAdd.map((v, i) => v - added[i]).every((d) => Math.abs(d) < 1e-12)).toBe(true);
    expect(viaIndexPut.map((v, i) => v - added[i]).every((d) => Math.abs(d) < 1e-12)).toBe(true);
    // index_fill: rows named by col set to -1, the rest x's; index_copy of a full permutation (each graph's nodes reversed)
    const [filled, copied] = run("return [h.index_fill(0, col, -1).view(B, 4, 3), F.zerosLike(h).index_copy(0, F.arange(B * 4).view(B, 4).flip(1).reshape(-1), h).view(B, 4, 3)];");
    expect(filled).toEqual(perNode((b, n, js) => (js.length ? [-1, -1, -1] : feat(b, n))));
    expect(copied).toEqual([0, 1].flatMap((b) => [3, 2, 1, 0].flatMap((n) => feat(b, n))));
  });
  it("scatter_reduce amax and mean with include_self=False (GAT's segment max, SAGE's mean) and global_add_pool by the batch vector", () => {
    const [amax, mean] = run("const msg = h[row]; const idx = col.unsqueeze(-1).expand_as(msg); return [F.zerosLike(h).scatter_reduce(0, idx, msg, \"amax\", { includeSelf: false }).view(B, 4, 3), F.zerosLike(h).scatter_reduce(0, idx, msg, \"mean\", { includeSelf: false }).view(B, 4, 3)];");
    expect(amax).toEqual(perNode((b, _, js) => (js.length ? [0, 1, 2].map((c) => Math.max(...js.map((j) => feat(b, j)[c]))) : [0, 0, 0])));
    const means = perNode((b, _, js) => sum(b, js).map((v) => (js.length ? v / js.length : 0)));
    expect(mean.every((v, i) => Math.abs(v - means[i]) < 1e-12)).toBe(true);
    // one row per graph, indexed by each node's graph id: zeros(B, F).index_add_(0, batch, x), and u[batch] back on the nodes
    const [pooled, back] = run("const batch = F.arange(B).repeat_interleave(4); const u = F.zeros(B, 3).index_add_(0, batch, h); return [u, u[batch].view(B, 4, 3)];");
    const graphSums = [0, 1].flatMap((b) => sum(b, [0, 1, 2, 3]));
    expect(pooled.every((v, i) => Math.abs(v - graphSums[i]) < 1e-12)).toBe(true);
    expect(back.every((v, i) => Math.abs(v - graphSums[Math.floor(i / 12) * 3 + (i % 3)]) < 1e-12)).toBe(true);
  });
  it("gradients: the gathers' scatter back (repeated rows summed), the scatters' gather, amax's to its arguments", () => {
    const body = (b: string) => `export class M extends nn.Module {\n  forward(x: Tensor<[Batch, 4, 3]>, e: Tensor<[Batch, 2, 5], "int32">) {\n    ${fold}\n    ${b}\n  }\n}\n`;
    expect(gradCheck(body("const m = h.index_select(0, row).tanh(); return F.zerosLike(h).index_add_(0, col, m).add(F.zerosLike(h).scatter_reduce(0, col.unsqueeze(-1).expand_as(m), m.mul(h.gather(0, row.view(-1, 1).expand(-1, 3))), \"amax\", { includeSelf: false })).view(B, 4, 3);"), { intLimit: 3 }).checked).toBeGreaterThan(0);
  });
  it("an index in torch.cat's order along the folded batch (PyG's add_self_loops on the batched edge_index: every graph's edges, then every graph's loops) pairs as PyTorch's", () => {
    // before: each sample read m consecutive elements, so graph 0 got graph 1's edges and the call failed ("index 8 is out of range")
    const loops = "const loop = F.arange(0, B * 4).unsqueeze(0).repeat(2, 1); const both = F.cat([ei, loop], 1); const r = both[0], c = both[1];";
    const withLoops = perNode((b, n, js) => sum(b, [...js, n]));
    const [added, taken, put, amax] = run(`${loops} const m = h[r]; return [F.zerosLike(h).index_add_(0, c, m).view(B, 4, 3), h.index_select(0, r).view(B, 9, 3), F.zerosLike(h).index_put_([c], m, true).view(B, 4, 3), F.zerosLike(h).scatter_reduce(0, c.unsqueeze(-1).expand_as(m), m, "amax", { includeSelf: false }).view(B, 4, 3)];`);
    expect(added.every((v, i) => Math.abs(v - withLoops[i]) < 1e-12)).toBe(true);
    expect(put.every((v, i) => Math.abs(v - withLoops[i]) < 1e-12)).toBe(true);
    // index_select keeps cat's order: graph 0's edges, graph 1's, then graph 0's loops, graph 1's (viewed [2, 9, 3] as PyTorch's would be)
    const catOrder = [...[0, 1].flatMap((b) => edges(b).flatMap(([j]) => feat(b, j))), ...[0, 1].flatMap((b) => [0, 1, 2, 3].flatMap((n) => feat(b, n)))];
    expect(taken).toEqual(catOrder);
    expect(amax).toEqual(perNode((b, n, js) => [0, 1, 2].map((k) => Math.max(...[...js, n].map((j) => feat(b, j)[k])))));
    // src paired with a cat-ordered index position by position, also when the src itself is not a cat (the GCN norm's messages)
    const norm = run(`${loops} const deg = F.zeros(B * 4).scatter_add_(0, c, F.onesLike(c, { dtype: F.float })); const d = deg.pow(-0.5); return F.zerosLike(h).index_add_(0, c, d[r].mul(d[c]).view(-1, 1).mul(h[r])).view(B, 4, 3);`)[0];
    const gcn = perNode((b, n, js) => { const deg = (k: number) => 1 + edges(b).filter(([, t]) => t === k).length; return [0, 1, 2].map((k) => [...js, n].reduce((t, j) => t + feat(b, j)[k] / Math.sqrt(deg(j) * deg(n)), 0)); });
    expect(norm.every((v, i) => Math.abs(v - gcn[i]) < 1e-12)).toBe(true);
    expect(gradCheck(`export class M extends nn.Module {\n  forward(x: Tensor<[Batch, 4, 3]>, e: Tensor<[Batch, 2, 5], "int32">) {\n    ${fold}\n    ${loops}\n    return F.zerosLike(h).index_add_(0, c, h[r].tanh()).view(B, 4, 3);\n  }\n}\n`, { intLimit: 3 }).checked).toBeGreaterThan(0);
    // a sparse matrix of the edge list (PyG's SparseTensor / torch.sparse.mm of edge_index) says what to write instead
    expect(first(gnn("return F.sparse.mm(F.sparse_coo_tensor(ei, F.ones(ei.size(1)), [B * 4, B * 4]), h).view(B, 4, 3);"))).toMatch(/^TSDP\d+ \d+: F\.sparseCooTensor is not supported: .*edge list .*index_add_\(0, row, x\[col\]\.mul\(w\.unsqueeze\(-1\)\)\)/);
  });
});

describe("GRU4Rec's reset_parameters: nn.init's private _no_grad_* helpers and p.set_(…) of the initialized parameter", () => {
  const src = (body: string) =>
    model("const [e, o] = F.cat([x, x.mul(2)]).split(x.shape[0], 0);\n    return this.g(e, o).add(this.emb(x.long().clamp(0, 3)).sum(1));", "x: Tensor<[Batch, 2]>", `g = new nn.GRUCell(2, 2);\n  emb = new nn.Embedding(4, 1);\n  constructor() {\n    super();\n    ${body}\n  }`, `function initParameterMatrix(t: Tensor, s0 = 1, s1 = 1) {\n  const sigma = Math.sqrt(6.0 / (t.size(0) / s0 + t.size(1) / s1));\n  return nn.init._no_grad_uniform_(t, -sigma, sigma);\n}\n`);
  it("set_ of the tensor its initializer returned keeps that draw; of a constructor tensor, its values; _no_grad_normal_, _fill_ and _zero_ are normal_, constant_ and zeros_", () => {
    const { init } = declared(src("F.noGrad(() => {\n      this.g.weight_ih.set_(initParameterMatrix(this.g.weight_ih, 3));\n      this.g.weight_hh.set_(F.ones(6, 2).mul(0.5));\n      nn.init._no_grad_normal_(this.g.bias_ih, 1, 0.25);\n      nn.init._no_grad_fill_(this.g.bias_hh, 3);\n      nn.init._no_grad_zero_(this.emb.weight);\n    });"));
    expect(init.get("g.weight_ih")).toEqual({ kind: "uniform", bound: Math.sqrt(6 / (6 / 3 + 2)) });
    expect(init.get("g.weight_hh")).toMatchObject({ kind: "constant", value: 0.5 });
    expect(init.get("g.bias_ih")).toMatchObject({ kind: "normal", std: 0.25, mean: 1 });
    expect(init.get("g.bias_hh")).toMatchObject({ kind: "constant", value: 3 });
    expect(init.get("emb.weight")).toMatchObject({ kind: "constant", value: 0 });
  });
  it("refuses set_ of another parameter (weight tying) or of another shape, and a slice at the batch size says to split", () => {
    expect(first(src("this.g.weight_ih.set_(this.g.weight_hh);"))).toMatch(/^TSDP2001 \d+: .*set_ of another parameter makes the two share storage, which is weight tying/);
    expect(first(src("this.g.weight_ih.set_(F.ones(2, 2));"))).toMatch(/^TSDP4001 \d+: .*set_ would give the parameter the source's shape \[2, 2\] in place of \[6, 2\]/);
    const sliced = model("const b = x.shape[0];\n    const xy = F.cat([x, x]);\n    return xy.index(`:${b}`);", "x: Tensor<[Batch, 2]>");
    expect(first(sliced)).toMatch(/^TSDP2003 8: cannot put the batch size in a string.*taken apart by x\.split\(b, 0\)/);
    expect(first(model("const b = x.shape[0];\n    return F.cat([x, x]).narrow(0, 0, b);", "x: Tensor<[Batch, 2]>"))).toMatch(/^TSDP2003 7: narrow: length cannot depend on the batch size .*x\.split\(b, 0\)/);
  });
});

describe("quantization wrappers that rebuild a layer (lsq-net's QuanConv2d, quan/func.py)", () => {
  it("new nn.Parameter(m.weight.detach()) starts with m.weight's values: its law when m is a temporary, its numbers when m is registered too", () => {
    // before: refused, "nn.Parameter takes a tensor made in the constructor …, got the parameter nn.Conv2d.weight"
    const wrapped = `${header}class QuanConv2d extends nn.Conv2d {
  constructor(m: nn.Conv2d) {
    super(m.in_channels, m.out_channels, m.kernel_size, { padding: m.padding, bias: m.bias !== null });
    this.weight = new nn.Parameter(m.weight.detach());
    if (m.bias !== null) this.bias = new nn.Parameter(m.bias.detach());
  }
}
export class M extends nn.Module {
  plain = new nn.Conv2d(2, 3, 3);
  q = new QuanConv2d(new nn.Conv2d(2, 3, 3));
  w = new nn.Parameter(this.plain.weight.data);
  forward(x: Tensor<[Batch, 2, 5, 5]>) { return this.q(x).add(this.plain(x)).add(this.w.sum()); }
}
`;
    const { init, params, graph } = declared(wrapped);
    // a module's own parameters before its children's, as named_parameters()
    expect(params).toEqual(["w", "plain.weight", "plain.bias", "q.weight", "q.bias"]);
    // the layer's default, U(±1/√fan_in) with fan_in = 2·3·3
    expect(init.get("q.weight")).toMatchObject({ kind: "uniform", bound: 1 / Math.sqrt(18) });
    expect(init.get("q.bias")).toMatchObject({ kind: "uniform", bound: 1 / Math.sqrt(18) });
    const state = initState(graph, 3);
    const value = (n: string) => Array.from(state.params.get(n)!.data);
    expect(value("w")).toEqual(value("plain.weight"));
    expect(value("q.weight")).not.toEqual(value("plain.weight"));
  });
  it("registerBuffer(name, p.detach().clone()) (an EMA's shadow weights) starts with p's numbers; a clone is a copy, so a draw into it leaves p as it was", () => {
    // before: refused, "the parameter nn.Linear.weight has no property 'clone' in a constructor" (TSDP2011)
    const src = `${header}export class M extends nn.Module {
  head = new nn.Linear(4, 3);
  declare ema_weight: Tensor;
  declare ema_bias: Tensor;
  other: nn.Parameter;
  constructor() {
    super();
    this.registerBuffer("ema_weight", this.head.weight.detach().clone());
    this.registerBuffer("ema_bias", this.head.bias.data.clone());
    this.other = new nn.Parameter(this.head.weight.clone().normal_(0, 2));
  }
  forward(x: Tensor<[Batch, 4]>) { return this.head(x).add(F.linear(x, this.ema_weight, this.ema_bias)).add(F.linear(x, this.other)); }
}
`;
    const { init, graph } = declared(src);
    expect(init.get("other")).toMatchObject({ kind: "normal", std: 2 });
    expect(init.get("head.weight")).toMatchObject({ kind: "uniform", bound: 0.5 });
    const state = initState(graph, 4);
    const value = (n: string) => Array.from((state.params.get(n) ?? state.buffers.get(n))!.data);
    expect(value("ema_weight")).toEqual(value("head.weight"));
    expect(value("ema_bias")).toEqual(value("head.bias"));
    expect(new Set(value("ema_weight")).size).toBe(12);
    // PixelCNN's mask: register_buffer("mask", self.weight.data.clone()), then fill_(1) and a part fill_(0)
    const pixel = `${header}class MaskedConv2d extends nn.Conv2d {
  declare mask: Tensor;
  constructor() {
    super(1, 2, 3, { padding: 1 });
    this.registerBuffer("mask", this.weight.data.clone());
    this.mask.fill_(1);
    this.mask.index(":", ":", 1, "1:").fill_(0);
    this.mask.index(":", ":", "2:").fill_(0);
  }
  forward(x: Tensor) { return F.conv2d(x, this.weight.mul(this.mask), this.bias, { padding: 1 }); }
}
export class M extends nn.Module {
  conv = new MaskedConv2d();
  forward(x: Tensor<[Batch, 1, 4, 4]>) { return this.conv(x); }
}
`;
    const masked = declared(pixel);
    expect(Array.from(initState(masked.graph, 0).buffers.get("conv.mask")!.data)).toEqual([1, 1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0]);
  });
  it("a convolution's _conv_forward(input, weight, bias) is its convolution with that weight and bias (stride, padding and its mode, dilation, groups)", () => {
    const src = (call: string) => `${header}class QConv extends nn.Conv2d {
  forward(x: Tensor) { return ${call}; }
}
export class M extends nn.Module {
  conv = new QConv(4, 6, 3, { stride: 2, padding: 2, dilation: 2, groups: 2, paddingMode: "reflect" });
  forward(x: Tensor<[Batch, 4, 7, 7]>) { return this.conv(x); }
}
`;
    const x = { x: nd([2, 4, 7, 7], Array.from({ length: 2 * 4 * 49 }, (_, i) => Math.sin(i * 0.37))) };
    const viaMethod = outputs(src("this._conv_forward(x, this.weight.round().add(this.weight.sign()), this.bias)"), x)[0];
    const written = outputs(src("F.conv2d(F.pad(x, [2, 2, 2, 2], { mode: 'reflect' }), this.weight.round().add(this.weight.sign()), this.bias, { stride: 2, dilation: 2, groups: 2 })"), x)[0];
    expect(viaMethod.length).toBe(2 * 6 * 4 * 4);
    expect(viaMethod).toEqual(written);
    const noBias = outputs(src("this._conv_forward(x, this.weight, null)"), x)[0];
    const plain = outputs(src("F.conv2d(F.pad(x, [2, 2, 2, 2], { mode: 'reflect' }), this.weight, null, { stride: 2, dilation: 2, groups: 2 })"), x)[0];
    expect(noBias).toEqual(plain);
  });
});

describe("nn.DataParallel inside a model (muzero-general wraps each network)", () => {
  it("keeps the wrapped module under `module`, calls it as it is, and reads its attributes through .module", () => {
    const src = model(
      "return this.net(x).add(this.wrapped.module[0](x)).mul(this.net.module.length);",
      "x: Tensor<[Batch, 3]>",
      `net = new nn.DataParallel(new nn.Sequential(new nn.Linear(3, 3), new nn.ELU()));
  wrapped = new nn.DataParallel(new nn.Sequential(new nn.Linear(3, 3)), [0], 0, 0);`,
    );
    const { params, graph } = declared(src);
    expect(params).toEqual(["net.module.0.weight", "net.module.0.bias", "wrapped.module.0.weight", "wrapped.module.0.bias"]);
    // the same as the unwrapped layers, (elu(W₁x + b₁) + W₂x + b₂)·2
    const state = initState(graph, 0);
    const x = nd([2, 3], [0.5, -1, 2, 0.25, 0.75, -0.5]);
    const got = runReference(graph, { x }, state).outputs[0].data;
    const [w1, b1, w2, b2] = params.map((p) => state.params.get(p)!.data);
    for (let r = 0; r < 2; r++)
      for (let o = 0; o < 3; o++) {
        const dot = (w: ArrayLike<number>, b: ArrayLike<number>) => b[o] + [0, 1, 2].reduce((s, i) => s + w[o * 3 + i] * x.data[r * 3 + i], 0);
        const h = dot(w1, b1);
        expect(got[r * 3 + o]).toBeCloseTo(((h > 0 ? h : Math.expm1(h)) + dot(w2, b2)) * 2, 12);
      }
    expect(first(model("return this.net(x);", "x: Tensor<[Batch, 3]>", "net = new nn.DataParallel(3);"))).toMatch(/^TSDP3003 \d+: nn.DataParallel wraps a module, got/);
  });
  it("nn.parallel.DistributedDataParallel and nn.parallel.DataParallel wrap the same way, DDP's options taken (was 'nn.parallel is not part of tsdp's model language')", () => {
    const src = model(
      "return this.net(x).add(this.dp(x));",
      "x: Tensor<[Batch, 3]>",
      `net = new nn.parallel.DistributedDataParallel(new nn.Linear(3, 3), { deviceIds: [0], findUnusedParameters: true, bucketCapMb: 25 });
  dp = new nn.parallel.DataParallel(new nn.Linear(3, 3));`,
    );
    const { params, graph } = declared(src);
    expect(params).toEqual(["net.module.weight", "net.module.bias", "dp.module.weight", "dp.module.bias"]);
    const state = initState(graph, 0);
    const x = nd([1, 3], [0.5, -1, 2]);
    const got = runReference(graph, { x }, state).outputs[0].data;
    const [w1, b1, w2, b2] = params.map((p) => state.params.get(p)!.data);
    for (let o = 0; o < 3; o++) expect(got[o]).toBeCloseTo([w1, w2].reduce((s, w, k) => s + [b1, b2][k][o] + [0, 1, 2].reduce((t, i) => t + w[o * 3 + i] * x.data[i], 0), 0), 12);
    // each rank's own buffers has no counterpart: replica 0's are kept, as DDP's default
    expect(first(model("return this.net(x);", "x: Tensor<[Batch, 3]>", "net = new nn.parallel.DistributedDataParallel(new nn.Linear(3, 3), { broadcastBuffers: false });"))).toMatch(
      /^TSDP3004 \d+: nn\.parallel\.DistributedDataParallel: broadcastBuffers false keeps each rank's own buffers; tsdp keeps replica 0's/,
    );
  });
});

describe("a parameter deleted in the constructor and set in forward (AWD-LSTM's WeightDrop, salesforce/awd-lstm-lm weight_drop.py)", () => {
  // WeightDrop as written there (the dropout replaced by a scale, so that the values can be checked):
  // del module._parameters[name]; module.register_parameter(name + '_raw', Parameter(w.data)); in
  // forward setattr(module, name, f(raw)), then module(x). An LSTM by hand beside it reads the same tensors.
  const weightDrop = (set: string, extra = "") => `${header}class WeightDrop extends nn.Module {
  module: nn.LSTM;
  constructor(module: nn.LSTM, readonly weights: string[]) {
    super();
    this.module = module;
    for (const nameW of this.weights) {
      const w = (this.module as any)[nameW];
      delete this.module._parameters[nameW];
      this.module.registerParameter(nameW + "_raw", new nn.Parameter(w.data));
    }
  }
  forward(x: Tensor) {
    ${set}
    return this.module(x)[0];
  }
}
export class M extends nn.Module {
  rnn = new WeightDrop(new nn.LSTM(2, 3, { batchFirst: true }), ["weight_hh_l0"]);${extra}
  forward(x: Tensor<[Batch, 2, 2]>) {
    const out = this.rnn(x);
    const m = this.rnn.module as any;
    let h = F.zeros(x.size(0), 3);
    let c = F.zeros(x.size(0), 3);
    const whh = m.weight_hh_l0_raw.mul(2);
    const hs = [];
    for (let t = 0; t < 2; t++) {
      const gates = x.select(1, t).matmul(m.weight_ih_l0.t()).add(m.bias_ih_l0).add(h.matmul(whh.t())).add(m.bias_hh_l0);
      const [i, f, g, o] = gates.chunk(4, 1);
      c = f.sigmoid().mul(c).add(i.sigmoid().mul(g.tanh()));
      h = o.sigmoid().mul(c.tanh());
      hs.push(h);
    }
    return [out, F.stack(hs, 1)];
  }
}
`;
  const setIt = `for (const nameW of this.weights) (this.module as any)[nameW] = (this.module as any)[nameW + "_raw"].mul(2);`;
  it("the raw parameter comes after the layer's others, and the layer computes with the tensor forward set", () => {
    // before: TSDP2011 "nn.LSTM has no property '_parameters'", then "cannot assign into a module nn.LSTM"
    const src = weightDrop(setIt);
    const { params } = declared(src);
    expect(params).toEqual(["rnn.module.weight_ih_l0", "rnn.module.bias_ih_l0", "rnn.module.bias_hh_l0", "rnn.module.weight_hh_l0_raw"]);
    const x = nd([2, 2, 2], Float64Array.from([0.3, -1.2, 0.5, 0.8, -0.4, 0.1, 1.5, -0.7]));
    const [layer, byHand] = outputs(src, { x });
    // float64 throughout: the two are the same arithmetic up to rounding
    layer.forEach((v, i) => expect(v).toBeCloseTo(byHand[i], 12));
    // and the gradient reaches the raw parameter through the tensor set in forward
    expect(gradCheck(src.slice(header.length)).checked).toBeGreaterThan(0);
  });
  it("a read before forward sets it, a tensor of another shape and a delete in forward are refused, naming the line", () => {
    expect(first(weightDrop("this.module.weight_hh_l0_raw.sum();"))).toMatch(/^TSDP2001 9: nn\.LSTM\.weight_hh_l0 was deleted from its parameters here, and forward reads it before setting it/);
    expect(first(weightDrop(`(this.module as any).weight_hh_l0 = F.zeros(3, 12);`))).toMatch(/^TSDP\d+ 14: nn\.LSTM\.weight_hh_l0 is \[12, 3\] \(the parameter deleted in the constructor\), got a tensor \[3, 12\]/);
    expect(first(weightDrop(`${setIt} delete this.module._parameters["bias_ih_l0"];`))).toMatch(/^TSDP3005 14: delete nn\.LSTM\.bias_ih_l0 is called inside forward/);
  });
});

describe("AWD-LSTM's embedded_dropout (embed_regularize.py): weight.data.new().resize_((V, 1)).bernoulli_(1 - p)", () => {
  it("x.new() is an empty tensor that resize_ sizes; the mask drops whole rows of the table, the rest scaled by 1/(1 − p)", () => {
    // before: TSDP3002 "F.empty expects a size (numbers or an array of them), got nothing"
    const src = model(
      `const w = this.encoder.weight;
    const mask = w.data.new().resize_([w.size(0), 1]).bernoulli_(1 - 0.5).expandAs(w).div(1 - 0.5);
    return F.embedding(ids, mask.mul(w), -1);`,
      `ids: Tensor<[Batch, 40], "int32">`,
      "encoder = new nn.Embedding(40, 3);",
    );
    const { graph } = lowerSource(src);
    const ids = nd([1, 40], Int32Array.from({ length: 40 }, (_, i) => i));
    const state = initState(graph, 0);
    const out = Array.from(runReference(graph, { ids }, state, { training: true }).outputs[0].data);
    const w = Array.from(state.params.get("encoder.weight")!.data);
    let dropped = 0;
    for (let r = 0; r < 40; r++) {
      const row = out.slice(3 * r, 3 * r + 3);
      const kept = row.every((v, j) => Math.abs(v - 2 * w[3 * r + j]) < 1e-12);
      const zero = row.every((v) => v === 0);
      expect(kept || zero, `row ${r}`).toBe(true);
      if (zero) dropped++;
    }
    // 40 rows at p = 0.5: some dropped, some kept
    expect(dropped).toBeGreaterThan(5);
    expect(dropped).toBeLessThan(35);
  });
});

describe("a constructor draw kept beside the buffer made from it (pytorch-ntm's init_r)", () => {
  it("reads in forward as that buffer: PyTorch's tensor shares the buffer's storage", () => {
    // ntm.py: init_r_bias = torch.randn(1, M) * 0.01; register_buffer("read0_bias", init_r_bias.data);
    // self.init_r += [init_r_bias]; in forward init_r[0].clone().repeat(batch_size, 1)
    // before: TSDP2001 "a random draw … can be scaled and shifted by numbers …, not .repeat"
    const src = `${header}export class M extends nn.Module {
  declare read0_bias: Tensor;
  init_r: Tensor[] = [];
  constructor() {
    super();
    const initRBias = F.randn(1, 3).mul(0.01);
    this.registerBuffer("read0_bias", initRBias.data);
    this.init_r.push(initRBias);
  }
  forward(x: Tensor<[Batch, 3]>) {
    return [x.add(this.init_r[0].clone().repeat(x.size(0), 1)), this.read0_bias.expand(x.size(0), 3)];
  }
}
`;
    const x = nd([2, 3], Float64Array.from([1, 2, 3, 4, 5, 6]));
    const [sum, bias] = outputs(src, { x });
    expect(bias.some((v) => v !== 0)).toBe(true);
    sum.forEach((v, i) => expect(v).toBeCloseTo(x.data[i] + bias[i], 12));
    // a draw not registered, or registered after another law, is still refused in forward
    expect(first(src.replace("this.init_r.push(initRBias)", "this.init_r.push(initRBias.mul(2))"))).toMatch(/^TSDP2001 \d+: a random draw .* not \.repeat/);
  });
});

describe("Python's calls and iteration written the way they read (einops sweep)", () => {
  const block = `class FF extends nn.Module {\n  fc = new nn.Linear(2, 2);\n  forward(x: Tensor) { return this.fc(x); }\n}\nclass PreNorm extends nn.Module {\n  fn = new FF();\n  forward(x: Tensor, kwargs = {}) { return this.fn(x, kwargs); }\n}\n`;
  it("self.fn(x, **kwargs) with kwargs empty: this.fn(x, kwargs), this.fn(x, {}) and new FF({}) drop the empty extra as Python's call does", () => {
    const x = nd([2, 2], [1, -2, 3, 0.5]);
    const plain = outputs(model("return this.p.fn(x);", "x: Tensor<[Batch, 2]>", "p = new PreNorm();", block), { x });
    expect(outputs(model("return this.p(x);", "x: Tensor<[Batch, 2]>", "p = new PreNorm();", block), { x })).toEqual(plain);
    expect(outputs(model("return this.p.fn(x, {}, undefined, []);", "x: Tensor<[Batch, 2]>", "p = new PreNorm();", block), { x })).toEqual(plain);
    expect(() => lowerSource(model("return this.f(x);", "x: Tensor<[Batch, 2]>", "f = new FF({});", block))).not.toThrow();
  });
  it("an extra argument that carries a value stays refused (Python's TypeError), with why", () => {
    const msg = first(model("return this.p.fn(x, x);", "x: Tensor<[Batch, 2]>", "p = new PreNorm();", block));
    expect(msg).toMatch(/^TSDP3002 \d+: FF\.forward expects 1 argument, got 2: JavaScript would drop the extra ones, but Python raises a TypeError/);
    expect(first(model("return this.p.fn(x, { mask: x });", "x: Tensor<[Batch, 2]>", "p = new PreNorm();", block))).toMatch(/^TSDP3002 .*got 2: /);
  });
  it("a tensor iterates over dim 0: destructuring, for-of and Array.from give unbind(0)'s slices; the batch dim is refused with what to write", () => {
    const x = nd([2, 3, 2], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    // x.transpose(0, 1) is [3, Batch, 2]: slices x[:, 0], x[:, 1], x[:, 2]; q + 10·k + 100·v
    const unbound = outputs(model("const [q, k, v] = x.transpose(0, 1).unbind(0); return q.add(k.mul(10)).add(v.mul(100));", "x: Tensor<[Batch, 3, 2]>"), { x });
    expect(unbound[0]).toEqual([420, 531, 1086, 1197]);
    for (const form of ["const [q, k, v] = x.transpose(0, 1);", "const [q, k, v] = Array.from(x.transpose(0, 1));", "const [q, k, v] = [...x.transpose(0, 1)];"])
      expect(outputs(model(`${form} return q.add(k.mul(10)).add(v.mul(100));`, "x: Tensor<[Batch, 3, 2]>"), { x })).toEqual(unbound);
    expect(first(model("const [a, b] = x; return a.add(b);", "x: Tensor<[Batch, 3, 2]>"))).toMatch(/^TSDP2007 \d+: iterating over a tensor of shape \[Batch, 3, 2\]: dim 0 is the batch.*x\.unbind\(1\)/);
  });
  it("x.to_sparse() and its layouts refuse with the dense form to write (to_dense() is x itself)", () => {
    for (const name of ["to_sparse", "toSparse", "to_sparse_csr"])
      expect(first(model(`return (x as any).${name}();`, "x: Tensor<[Batch, 2]>"))).toMatch(/^TSDP2011 \d+: tensors have no \w+ in tsdp: to_sparse\w* converts to a sparse layout, which tsdp does not have: drop the call and keep x dense/);
    expect(() => lowerSource(model("return x.toDense().coalesce();", "x: Tensor<[Batch, 2]>"))).not.toThrow();
  });
});
