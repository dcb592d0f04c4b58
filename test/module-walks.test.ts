// PyTorch's module walks in constructors (compiler/1-frontend/module-tree.ts): modules(),
// namedModules(), children(), namedChildren(), parameters(), namedParameters(), apply(fn); the type
// tests initialization code makes with them (instanceof, as isinstance; a bias-free layer's bias is
// null, as PyTorch's None); classes that extend nn.Sequential (torchvision's ConvBNActivation); the
// string methods a loop over names uses (nanoGPT's pn.endswith('c_proj.weight')). Each is checked by
// what it does to the model: the parameters' initializers, names and order, and the forward's values.
import { describe, expect, it } from "vitest";
import { diagnosticsOf, header, lowerSource } from "./helpers.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { initState } from "../compiler/reference/init.ts";
import { nd, type NDArray } from "../compiler/reference/ndarray.ts";

const model = (classes: string, root: string) => `${header}${classes}\nexport class M extends nn.Module {\n${root}\n}\n`;
const inits = (source: string) => Object.fromEntries(lowerSource(source).graph.params.map((p) => [p.attrs.name, p.attrs.init]));
const messages = (source: string) => diagnosticsOf(source).map((d) => `${d.code} ${d.message} line ${d.loc?.line}`);

/**
 * The outputs of `source` and of `plain` (the same model written out with plain layers) on `x`, with
 * one state given to both by position: its parameters and buffers drawn for `source`'s names.
 */
function bothOutputs(source: string, plain: string, x: NDArray, seed: number): [number[], number[]] {
  const graph = lowerSource(source).graph;
  const plainGraph = lowerSource(plain).graph;
  const state = initState(graph, seed);
  const byPosition = <T>(nodes: readonly { attrs: { name?: unknown } }[], values: Map<string, T>) => new Map(nodes.map((n, i) => [n.attrs.name as string, [...values.values()][i]]));
  const plainState = { params: byPosition(plainGraph.params, state.params), buffers: byPosition(plainGraph.buffers, state.buffers) };
  return [Array.from(runReference(graph, { x }, state).outputs[0].data), Array.from(runReference(plainGraph, { x }, plainState).outputs[0].data)];
}

describe("module walks in a constructor", () => {
  it("modules(): torchvision's init loop reaches every layer, nested and in a Sequential, with instanceof picking the kind", () => {
    const got = inits(
      model(
        "class Block extends nn.Module {\n  conv = new nn.Conv2d(4, 4, 3, { padding: 1, bias: false });\n  bn = new nn.BatchNorm2d(4);\n  forward(x: Tensor) { return this.bn(this.conv(x)); }\n}",
        [
          "  stem = new nn.Conv2d(3, 4, 3);",
          "  body = new nn.Sequential(new Block(), new Block());",
          "  head = new nn.Linear(4, 2);",
          "  constructor() {",
          "    super();",
          "    for (const m of this.modules()) {",
          '      if (m instanceof nn.Conv2d) { nn.init.kaiming_normal_(m.weight, { mode: "fan_out" }); if (m.bias !== null) nn.init.zeros_(m.bias); }',
          "      else if (m instanceof nn.BatchNorm2d) { nn.init.constant_(m.weight, 0.5); nn.init.zeros_(m.bias); }",
          "      else if (m instanceof nn.Linear) nn.init.normal_(m.weight, 0, 0.01);",
          "    }",
          "  }",
          "  forward(x: Tensor<[Batch, 3, 8, 8]>) { return this.head(this.body(this.stem(x)).mean([2, 3])); }",
        ].join("\n"),
      ),
    );
    // kaiming fan_out: std √2 / √(out · kh · kw) = √2 / 6
    const kaiming = { kind: "normal", std: Math.SQRT2 / 6 };
    expect(got).toEqual({
      "stem.weight": kaiming,
      "stem.bias": { kind: "constant", value: 0 },
      "body.0.conv.weight": kaiming,
      "body.0.bn.weight": { kind: "constant", value: 0.5 },
      "body.0.bn.bias": { kind: "constant", value: 0 },
      "body.1.conv.weight": kaiming,
      "body.1.bn.weight": { kind: "constant", value: 0.5 },
      "body.1.bn.bias": { kind: "constant", value: 0 },
      "head.weight": { kind: "normal", std: 0.01 },
      // untouched: nn.Linear's own default
      "head.bias": { kind: "uniform", bound: 0.5 },
    });
  });

  it("a plain array of modules each registered by addModule (pyGAT's attentions + add_module('attention_{i}', …)) is PyTorch's ordinary attribute: state under the registered names, forward iterates the array", () => {
    const src = `${header}class Head extends nn.Module {
  w = new nn.Parameter(F.ones([3, 2]));
  forward(x: Tensor) { return x.matmul(this.w); }
}
export class M extends nn.Module {
  heads: Head[];
  constructor() {
    super();
    this.heads = [0, 1].map(() => new Head());
    this.heads.forEach((h, i) => this.addModule(\`attention_\${i}\`, h));
  }
  forward(x: Tensor<[Batch, 3]>) { return F.cat(this.heads.map((h, i) => h(x).mul(i + 1)), -1); }
}
`;
    const { graph } = lowerSource(src);
    expect(graph.params.map((p) => p.attrs.name)).toEqual(["attention_0.w", "attention_1.w"]);
    // x·1 = row sums, each head's two columns, the second head times 2
    const out = runReference(graph, { x: nd([1, 3], [1, 2, 3]) }, initState(graph, 0)).outputs[0];
    expect(Array.from(out.data)).toEqual([6, 6, 12, 12]);
    // an array of modules registered nowhere is still refused (test/bad-models/plain-array-modules.ts)
    expect(diagnosticsOf(src.replace("this.heads.forEach((h, i) => this.addModule(\`attention_\${i}\`, h));", "")).map((d) => d.code)).toEqual(["TSDP3007"]);
  });

  it("namedModules() is pre-order with each module once under its first path; namedChildren() is assignment order", () => {
    const source = model(
      "class Inner extends nn.Module {\n  a = new nn.Linear(2, 2);\n  b = new nn.ReLU();\n}",
      [
        "  first = new Inner();",
        "  shared = new nn.Linear(2, 2);",
        "  again = this.shared;",
        "  constructor() {",
        "    super();",
        "    const paths = this.namedModules().map(([p]) => p);",
        "    const children = this.namedChildren().map(([n]) => n);",
        "    // each path's position, written where it can be read back: one Linear's init per check",
        '    nn.init.constant_(this.first.a.weight, paths.join(",") === ",first,first.a,first.b,shared" ? 1 : -1);',
        '    nn.init.constant_(this.shared.weight, children.join(",") === "first,shared" && this.children().length === 2 && this.modules().length === 5 ? 1 : -1);',
        "  }",
        "  forward(x: Tensor<[Batch, 2]>) { return this.again(this.first.b(this.first.a(x))); }",
      ].join("\n"),
    );
    const got = inits(source);
    expect(got["first.a.weight"]).toEqual({ kind: "constant", value: 1 });
    expect(got["shared.weight"]).toEqual({ kind: "constant", value: 1 });
  });

  it("apply(fn) calls fn children first (post-order), then on the module itself, and returns the module", () => {
    const got = inits(
      model(
        "class Pair extends nn.Module {\n  x = new nn.Linear(2, 2);\n  y = new nn.Linear(2, 2);\n}",
        [
          "  p = new Pair();",
          "  q = new nn.Linear(2, 2);",
          "  bias = new nn.Parameter(F.zeros([2]));",
          "  constructor() {",
          "    super();",
          "    let step = 0;",
          "    const self = this.apply((m) => {",
          "      step += 1;",
          "      if (m instanceof nn.Linear) nn.init.constant_(m.weight, step);",
          "      if (m instanceof M) nn.init.constant_(m.bias, step);",
          "    });",
          "    if (self !== this) nn.init.constant_(this.bias, -1);",
          "  }",
          "  forward(x: Tensor<[Batch, 2]>) { return this.q(this.p.y(this.p.x(x))).add(this.bias); }",
        ].join("\n"),
      ),
    );
    // p.x 1, p.y 2, p (3), q 4, the root 5
    expect([got["p.x.weight"], got["p.y.weight"], got["q.weight"], got.bias]).toEqual([1, 2, 4, 5].map((value) => ({ kind: "constant", value })));
  });

  it("namedParameters(): the state_dict's names and order, each tensor once (a tied weight under its first name), no buffers", () => {
    const source = model(
      "",
      [
        "  emb = new nn.Embedding(5, 4);",
        "  norm = new nn.BatchNorm1d(4);",
        "  head = new nn.Linear(4, 5, false);",
        "  scale = new nn.Parameter(F.ones([4]));",
        "  constructor() {",
        "    super();",
        '    this.registerBuffer("offset", F.zeros([4]));',
        "    this.emb.weight = this.head.weight;",
        '    const names = this.namedParameters().map(([n]) => n).join(",");',
        '    const want = "scale,emb.weight,norm.weight,norm.bias";',
        "    nn.init.constant_(this.scale, names === want && this.parameters().length === 4 ? 1 : -1);",
        '    for (const [n, p] of this.namedParameters()) if (n.endsWith(".bias") || n.startsWith("emb.")) nn.init.constant_(p, 7);',
        '    nn.init.constant_(this.norm.weight, this.namedParameters("model")[0][0] === "model.scale" && this.parameters(false).length === 1 ? 2 : -2);',
        "  }",
        '  forward(x: Tensor<[Batch, 3], "int32">) { return this.head(this.norm(this.emb(x).mean(1)).mul(this.scale).add(this.offset)); }',
      ].join("\n"),
    );
    const { graph } = lowerSource(source);
    expect(graph.params.map((p) => p.attrs.name)).toEqual(["scale", "emb.weight", "norm.weight", "norm.bias"]);
    const got = inits(source);
    expect(got.scale).toEqual({ kind: "constant", value: 1 });
    // the tied weight: written through emb's name, it is head's tensor
    expect(got["emb.weight"]).toEqual({ kind: "constant", value: 7 });
    expect(got["norm.bias"]).toEqual({ kind: "constant", value: 7 });
    expect(got["norm.weight"]).toEqual({ kind: "constant", value: 2 });
  });

  it("a registered buffer stays a buffer when its module or the buffer itself is asked for gradients (requiresGrad_())", () => {
    const { graph } = lowerSource(
      model(
        "",
        [
          "  fc = new nn.Linear(2, 2);",
          "  constructor() {",
          "    super();",
          '    this.registerBuffer("offset", F.zeros([2]));',
          "    this.requiresGrad_(false);",
          "    this.requiresGrad_(true);",
          "    this.offset.requiresGrad_();",
          "  }",
          "  forward(x: Tensor<[Batch, 2]>) { return this.fc(x).add(this.offset); }",
        ].join("\n"),
      ),
    );
    expect(graph.params.map((p) => p.attrs.name)).toEqual(["fc.weight", "fc.bias"]);
    expect(graph.buffers.map((b) => b.attrs.name)).toEqual(["offset"]);
  });

  it("instanceof: a user class and the classes it extends, nn.Module, nn.Sequential, nn.ModuleList, nn.Parameter; null for bias-free layers", () => {
    const got = inits(
      model(
        "class Base extends nn.Module {}\nclass Child extends Base {\n  fc = new nn.Linear(2, 2, false);\n  bn = new nn.BatchNorm1d(2, { affine: false });\n}",
        [
          "  c = new Child();",
          "  s = new nn.Sequential(new nn.ReLU());",
          "  l = new nn.ModuleList([new nn.ReLU()]);",
          "  w = new nn.Parameter(F.zeros([2]));",
          "  constructor() {",
          "    super();",
          "    const checks = [",
          "      this.c instanceof Child, this.c instanceof Base, this.c instanceof nn.Module, !(this.c instanceof M),",
          "      this.s instanceof nn.Sequential, !(this.s instanceof nn.ModuleList), this.l instanceof nn.ModuleList,",
          "      this.c.fc instanceof nn.Linear, !(this.c.fc instanceof nn.Conv2d), this.c.fc.weight instanceof nn.Parameter, this.w instanceof nn.Parameter,",
          "      this.c.fc.bias === null, this.c.bn.weight === null, this.c.bn.bias === null, !((3 as unknown) instanceof nn.Module),",
          "    ];",
          "    nn.init.constant_(this.w, checks.every((c) => c) ? 1 : checks.indexOf(false) + 100);",
          "  }",
          "  forward(x: Tensor<[Batch, 2]>) { return this.c.bn(this.c.fc(this.s(x))).add(this.w); }",
        ].join("\n"),
      ),
    );
    expect(got.w).toEqual({ kind: "constant", value: 1 });
  });

  it("a class that extends nn.Sequential: children 0, 1, ... from super(...), called in order; its own forward when it has one", () => {
    const source = model(
      [
        "class ConvBNReLU extends nn.Sequential {",
        "  constructor(cin: number, cout: number) {",
        "    super(new nn.Conv2d(cin, cout, 3, { padding: 1, bias: false }), new nn.BatchNorm2d(cout), new nn.ReLU());",
        "    this.append(new nn.Identity());",
        "  }",
        "}",
        "class Twice extends nn.Sequential {",
        "  forward(x: Tensor) { return this[1](this[0](x)).mul(2); }",
        "}",
      ].join("\n"),
      [
        "  a = new ConvBNReLU(2, 3);",
        "  b = new Twice(new nn.Flatten(), new nn.Linear(3 * 4 * 4, 5));",
        "  forward(x: Tensor<[Batch, 2, 4, 4]>) { return this.b(this.a(x)); }",
      ].join("\n"),
    );
    const { graph } = lowerSource(source);
    expect(graph.params.map((p) => p.attrs.name)).toEqual(["a.0.weight", "a.1.weight", "a.1.bias", "b.1.weight", "b.1.bias"]);
    // the same model written with plain layers computes the same values
    const plain = model(
      "",
      [
        "  a0 = new nn.Conv2d(2, 3, 3, { padding: 1, bias: false });",
        "  a1 = new nn.BatchNorm2d(3);",
        "  b1 = new nn.Linear(3 * 4 * 4, 5);",
        "  forward(x: Tensor<[Batch, 2, 4, 4]>) { return this.b1(F.relu(this.a1(this.a0(x))).flatten(1)).mul(2); }",
      ].join("\n"),
    );
    const [got, want] = bothOutputs(source, plain, nd([2, 2, 4, 4], Float64Array.from({ length: 64 }, (_, i) => Math.sin(i * 0.7))), 3);
    expect(got.length).toBe(10);
    expect(got).toEqual(want);
  });

  it("a class that extends nn.Sequential with super(object) (an OrderedDict: torchvision's RegNet BottleneckTransform): named children, called in order", () => {
    const source = model(
      [
        "class Transform extends nn.Sequential {",
        "  constructor(se: boolean) {",
        "    const layers: Record<string, nn.Module> = {};",
        '    layers["a"] = new nn.Linear(2, 3);',
        '    if (se) layers["se"] = new nn.Tanh();',
        '    layers["c"] = new nn.Linear(3, 2);',
        "    super(layers);",
        "  }",
        "}",
        "class FromMap extends nn.Sequential {",
        '  constructor() { super(new Map<string, nn.Module>([["fc", new nn.Linear(2, 2)], ["act", new nn.Sigmoid()]])); }',
        "}",
      ].join("\n"),
      ["  f = new Transform(true);", "  m = new FromMap();", "  forward(x: Tensor<[Batch, 2]>) { return this.m(this.f(x)); }"].join("\n"),
    );
    const { graph } = lowerSource(source);
    expect(graph.params.map((p) => p.attrs.name)).toEqual(["f.a.weight", "f.a.bias", "f.c.weight", "f.c.bias", "m.fc.weight", "m.fc.bias"]);
    const plain = model(
      "",
      ["  a = new nn.Linear(2, 3);", "  c = new nn.Linear(3, 2);", "  fc = new nn.Linear(2, 2);", "  forward(x: Tensor<[Batch, 2]>) { return F.sigmoid(this.fc(this.c(F.tanh(this.a(x))))); }"].join("\n"),
    );
    const [got, want] = bothOutputs(source, plain, nd([2, 2], Float64Array.from({ length: 4 }, (_, i) => Math.sin(i + 1))), 3);
    expect(got).toEqual(want);
  });

  it("nn.ModuleDict: children by name in insertion order, indexed, iterated by key, items(), has(), update() and assignment", () => {
    const source = model(
      "",
      [
        '  heads = new nn.ModuleDict({ cls: new nn.Linear(4, 2), box: new nn.Linear(4, 2) });',
        "  constructor() {",
        "    super();",
        '    this.heads.update({ aux: new nn.Linear(4, 2) });',
        '    this.heads["extra"] = new nn.Linear(4, 2);',
        '    const ok = this.heads instanceof nn.ModuleDict && this.heads.has("box") && !this.heads.has("nope") && this.heads.length === 4 && this.heads.keys().join() === "cls,box,aux,extra";',
        "    nn.init.constant_(this.heads.extra.bias, ok ? 1 : -1);",
        "  }",
        "  forward(x: Tensor<[Batch, 4]>) {",
        '    let y = this.heads["cls"](x);',
        "    for (const name of this.heads) if (name !== \"cls\") y = y.add(this.heads[name](x));",
        "    for (const [name, head] of this.heads.items()) if (name === \"aux\") y = y.add(head(x));",
        "    return y;",
        "  }",
      ].join("\n"),
    );
    const { graph } = lowerSource(source);
    expect(graph.params.map((p) => p.attrs.name)).toEqual(["heads.cls.weight", "heads.cls.bias", "heads.box.weight", "heads.box.bias", "heads.aux.weight", "heads.aux.bias", "heads.extra.weight", "heads.extra.bias"]);
    expect(inits(source)["heads.extra.bias"]).toEqual({ kind: "constant", value: 1 });
    // y = cls(x) + box(x) + aux(x) + extra(x) + aux(x): written out with plain layers, the same values
    const plain = model(
      "",
      [
        "  cls = new nn.Linear(4, 2);",
        "  box = new nn.Linear(4, 2);",
        "  aux = new nn.Linear(4, 2);",
        "  extra = new nn.Linear(4, 2);",
        "  forward(x: Tensor<[Batch, 4]>) { return this.cls(x).add(this.box(x)).add(this.aux(x)).add(this.extra(x)).add(this.aux(x)); }",
      ].join("\n"),
    );
    const [got, want] = bothOutputs(source, plain, nd([3, 4], Float64Array.from({ length: 12 }, (_, i) => Math.cos(i))), 5);
    expect(got.length).toBe(6);
    expect(got).toEqual(want);
    const dict = (ctor: string, fwd = 'return this.heads["a"](x);') => model("", `  heads = new nn.ModuleDict({ a: new nn.Linear(2, 2) });\n  constructor() {\n    super();\n    ${ctor}\n  }\n  forward(x: Tensor<[Batch, 2]>) {\n    ${fwd}\n  }`);
    expect(messages(dict("", 'return this.heads["b"](x);'))[0]).toMatch(/nn\.ModuleDict has no module 'b'; its keys are 'a' line 10$/);
    expect(messages(dict("", "return this.heads(x);"))[0]).toMatch(/nn\.ModuleDict is not callable; call one of its modules .* line 10$/);
    expect(messages(dict('this.heads["b"] = 3;'))[0]).toMatch(/nn\.ModuleDict holds modules only; 'b' is the number 3 line 7$/);
    expect(messages(dict('this.heads["not a name"] = new nn.ReLU();'))[0]).toMatch(/line 7$/);
  });

  it("nn.ModuleList and nn.Sequential answer an array's read-only methods over their children; nn.Sequential appends", () => {
    const source = model(
      "",
      [
        "  layers = new nn.ModuleList([new nn.Linear(4, 4), new nn.Linear(4, 4), new nn.Linear(4, 2)]);",
        "  seq = new nn.Sequential(new nn.ReLU());",
        "  constructor() {",
        "    super();",
        "    this.seq.append(new nn.Tanh());",
        "    const ok = this.layers.slice(1).length === 2 && this.layers.indexOf(this.layers[2]) === 2 && this.layers.some((l) => l instanceof nn.Linear) && this.seq.length === 2 && this.layers.map((l, i) => i).join() === \"0,1,2\";",
        "    this.layers.forEach((l, i) => nn.init.constant_(l.bias, ok ? i : -1));",
        "  }",
        "  forward(x: Tensor<[Batch, 4]>) {",
        "    let y = x;",
        "    for (const [i, l] of this.layers.entries()) y = i < 2 ? this.seq(l(y)) : l(y);",
        "    return this.layers.filter((l, i) => i === 0).reduce((acc, l) => acc.add(l(x).sum(1, true)), y);",
        "  }",
      ].join("\n"),
    );
    const got = inits(source);
    expect([0, 1, 2].map((i) => got[`layers.${i}.bias`])).toEqual([0, 1, 2].map((value) => ({ kind: "constant", value })));
    // l2(tanh(relu(l1(tanh(relu(l0(x))))))) plus l0(x) summed over its features: the same values written out
    const plain = model(
      "",
      [
        "  l0 = new nn.Linear(4, 4);",
        "  l1 = new nn.Linear(4, 4);",
        "  l2 = new nn.Linear(4, 2);",
        "  forward(x: Tensor<[Batch, 4]>) { return this.l2(F.tanh(F.relu(this.l1(F.tanh(F.relu(this.l0(x))))))).add(this.l0(x).sum(1, true)); }",
      ].join("\n"),
    );
    const [values, writtenOut] = bothOutputs(source, plain, nd([2, 4], Float64Array.from({ length: 8 }, (_, i) => Math.sin(i + 1))), 2);
    expect(values.length).toBe(4);
    expect(values).toEqual(writtenOut);
  });

  it("refuses, with the place: apply in forward, apply over a module that holds its ancestor, a non-function, PyTorch's spellings", () => {
    const root = (ctor: string, fwd = "return this.fc(x);") => model("", `  fc = new nn.Linear(2, 2);\n  constructor() {\n    super();\n    ${ctor}\n  }\n  forward(x: Tensor<[Batch, 2]>) {\n    ${fwd}\n  }`);
    expect(messages(root("", "this.apply((m) => m); return this.fc(x);"))[0]).toMatch(/TSDP\d+ M\.apply is called inside forward line 10$/);
    expect(messages(root("this.me = this; this.apply((m) => m);"))[0]).toMatch(/TSDP\d+ M\.apply would never end: M holds a module that contains it line 7$/);
    expect(messages(root("this.apply(3);"))[0]).toMatch(/M\.apply takes a function of one module, got the number 3 line 7$/);
    expect(messages(root("this.named_parameters();"))[0]).toMatch(/M\.named_parameters: the model language spells it namedParameters\(\) line 7$/);
    expect(messages(root('"a".endsWith(3);'))[0]).toMatch(/String\.endsWith: the suffix must be a string, got the number 3 line 7$/);
    expect(messages(root('"a".codePointAt(0);'))[0]).toMatch(/strings have no method 'codePointAt' in model code line 7$/);
  });
});

describe("nn.ModuleList with null entries (PyTorch's None: HRNet's fuse layers)", () => {
  const src = (extra = "") =>
    model(
      "",
      `  rows = new nn.ModuleList([new nn.ModuleList([null, new nn.Linear(3, 3)]), new nn.ModuleList([new nn.Linear(3, 3), null])]);
  constructor() {
    super();
    ${extra}
  }
  forward(x: Tensor<[Batch, 3]>) {
    let y = x;
    for (const row of this.rows) for (let j = 0; j < row.length; j++) y = row[j] === null ? y.add(1) : (row[j] as nn.Linear)(y);
    return [y, F.full([1], this.rows[0].length + this.rows[1].length).add(x.index(":", ":1").mul(0))];
  }`,
    );

  it("keeps each null in its place: indices (and state_dict names) count it, length and iteration see it", () => {
    const { graph } = lowerSource(src());
    expect(graph.params.map((p) => p.attrs.name)).toEqual(["rows.0.1.weight", "rows.0.1.bias", "rows.1.0.weight", "rows.1.0.bias"]);
    const state = initState(graph, 2);
    const [y, count] = runReference(graph, { x: nd([1, 3], [0.5, -1, 2]) }, state).outputs.map((o) => Array.from(o.data));
    expect(count).toEqual([4]);
    // y = L2(L1(x + 1)) + 1, with L1 = rows.0.1 and L2 = rows.1.0
    const lin = (name: string, v: number[]) => {
      const w = Array.from(state.params.get(`${name}.weight`)!.data), b = Array.from(state.params.get(`${name}.bias`)!.data);
      return [0, 1, 2].map((o) => b[o] + [0, 1, 2].reduce((s, i) => s + w[o * 3 + i] * v[i], 0));
    };
    const want = lin("rows.1.0", lin("rows.0.1", [1.5, 0, 3])).map((v) => v + 1);
    y.forEach((v, i) => expect(v).toBeCloseTo(want[i], 12));
  });

  it("append(null) and insert keep the places; nn.Sequential and other values are refused", () => {
    const { graph } = lowerSource(src("this.rows.append(new nn.ModuleList([null])); (this.rows[2] as nn.ModuleList).insert(0, new nn.Identity());"));
    expect(graph.params.map((p) => p.attrs.name)).toEqual(["rows.0.1.weight", "rows.0.1.bias", "rows.1.0.weight", "rows.1.0.bias"]);
    expect(messages(model("", "  s = new nn.Sequential(new nn.Linear(2, 2), null);\n  forward(x: Tensor<[Batch, 2]>) { return this.s(x); }"))[0]).toMatch(/^TSDP3003 nn\.Sequential takes modules/);
    expect(messages(model("", "  s = new nn.ModuleList([new nn.Linear(2, 2), 3]);\n  forward(x: Tensor<[Batch, 2]>) { return this.s[0](x); }"))[0]).toMatch(/^TSDP3003 nn\.ModuleList holds modules \(or null\) only, got the number 3/);
  });
});
