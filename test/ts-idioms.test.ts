// TypeScript idioms a port writes that the frontend must evaluate as JavaScript does: a closure
// made in `for (let i …)` keeps its iteration's i, an optional chain short-circuits as a whole,
// `export *` and `export { local as name }` re-export, `this` in a static method is the class; and
// the messages for what is refused or misspelled (default imports, a package import, a misspelled
// field, a model class written without export). Expected numbers come from running the same loop
// in JavaScript, or from the same model written without the idiom, through the float64 reference.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lowerModel } from "../compiler/1-frontend/lower.ts";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { diagnosticsOf, diagnosticsOfFile as errorsOfFile, header, lowerSource, writeFiles } from "./helpers.ts";

const model = (fields: string, forward: string, input = "x: Tensor<[Batch, 4]>", before = "") =>
  `${header}${before}\nexport class M extends nn.Module {\n  ${fields}\n  forward(${input}) {\n    ${forward}\n  }\n}\n`;

const x = nd([2, 4], [0.5, -1, 2, 0.25, -0.75, 1.5, 0, 3]);

/** The output of the model in `file` (or given as text) for x, its parameters drawn with seed 0. */
function output(src: string, file?: string): number[] {
  const { graph } = file ? lowerModel(file) : lowerSource(src);
  return Array.from(runReference(graph, { x }, initState(graph, 0)).outputs[0].data);
}
const times = (k: number) => Array.from(x.data, (v) => v * k);
const first = (src: string) => diagnosticsOf(src).map((d) => `${d.code} ${d.loc?.line}:${d.loc?.col}: ${d.message}`)[0];


describe("for (let …): each iteration's own binding, as JavaScript's CreatePerIterationEnvironment", () => {
  // Loops that push closures into vals; run here as JavaScript and in a model's constructor.
  const loops = [
    "for (let i = 1; i <= 3; i++) f.push(() => i);",
    "for (let i = 1; i <= 3; i++) { const c = i * 10; f.push(() => c + i); }",
    // the body changes i: the copy the next iteration starts from has the change
    "for (let i = 0; i < 6; i++) { f.push(() => i); i++; }",
    // continue still increments the next iteration's copy; a closure made in the initializer sees the first i
    "for (let i = 0, g = () => i * 100; i < 4; i++) { if (i === 1) continue; f.push(() => i + g()); }",
    "for (let i = 0, j = 10; i < 3; i++, j--) f.push(() => i * j);",
    // for-of with const, and a while loop's block-scoped const, already had their own bindings
    "for (const v of [7, 8]) f.push(() => v);",
    "let k = 0; while (k < 2) { const w = k + 20; f.push(() => w); k++; }",
  ].join("\n");
  const js = new Function(`const f = []; ${loops}; return f.map((g) => g());`)() as number[];

  it("closures over numbers, in a constructor, give what JavaScript gives", () => {
    expect(js).toEqual([1, 2, 3, 11, 22, 33, 1, 3, 5, 0, 2, 3, 0, 9, 16, 7, 8, 20, 21]);
    const src = model(`vals: number[];\n  constructor() {\n    super();\n    const f: Array<() => number> = [];\n    ${loops}\n    this.vals = f.map((g) => g());\n  }`, `return x.mul(0).sum(1, true).add(F.tensor(this.vals));`);
    expect(output(src)).toEqual([...js, ...js]);
  });

  it("a closure calling this.layers[i], made in the constructor, calls its own layer", () => {
    const direct = output(model("layers = new nn.ModuleList([new nn.Linear(4, 4), new nn.Linear(4, 4), new nn.Linear(4, 4)]);", "return this.layers[0](x).add(this.layers[2](x).mul(10));"));
    const viaClosures = output(
      model(
        "layers = new nn.ModuleList([new nn.Linear(4, 4), new nn.Linear(4, 4), new nn.Linear(4, 4)]);\n  acts: Array<(t: Tensor) => Tensor> = [];\n  constructor() {\n    super();\n    for (let i = 0; i < 3; i++) this.acts.push((t) => this.layers[i](t));\n  }",
        "return this.acts[0](x).add(this.acts[2](x).mul(10));",
      ),
    );
    expect(viaClosures).toEqual(direct);
  });

  it("tensor closures made in forward multiply by their iteration's i", () => {
    const src = model("", "const fs: Array<(t: Tensor) => Tensor> = [];\n    for (let i = 1; i <= 3; i++) fs.push((t) => t.mul(i));\n    return fs[0](x).add(fs[2](x).mul(10));");
    // JavaScript: x·1 + 10·(x·3)
    expect(output(src)).toEqual(times(31));
  });
});

describe("optional chains short-circuit as a whole", () => {
  const norm = (decl: string, expr: string) => model(decl, `return ${expr};`);
  it("a null or absent layer: the whole chain is undefined and ?? takes the fallback", () => {
    expect(output(norm("norm: nn.LayerNorm | null = null;", "this.norm?.forward(x) ?? x.mul(2)"))).toEqual(times(2));
    expect(output(norm("norm?: nn.LayerNorm;", "this.norm?.forward(x).mul(3) ?? x.mul(2)"))).toEqual(times(2));
    expect(output(norm("norm: nn.LayerNorm | null = null;", "this.norm?.(x).mul(3) ?? x.mul(2)"))).toEqual(times(2));
    // a present layer: the chain goes on (mul(3) applies)
    expect(output(norm("norm: nn.Identity | null = new nn.Identity();", "this.norm?.forward(x).mul(3) ?? x.mul(2)"))).toEqual(times(3));
  });
  it("property and element links of a plain object: cfg.a?.b.toFixed(0), cfg.a?.[0]; (cfg.a?.b).c is no chain", () => {
    const before = "const cfg: { a?: { b: number }; c?: number[] } = {};\nconst set: { c?: number[] } = { c: [5] };";
    expect(output(model("", "return x.mul(cfg.a?.b.toFixed(0).length ?? 2);", undefined, before))).toEqual(times(2));
    expect(output(model("", "return x.mul(cfg.c?.[0] ?? 2);", undefined, before))).toEqual(times(2));
    expect(output(model("", "return x.mul(set.c?.[0] ?? 2);", undefined, before))).toEqual(times(5));
    // delete through a chain that ends at a null link is true, as JavaScript's (and deletes nothing)
    const nulls = "const n: { a?: number } | null = null;\nconst m: { a?: { b?: number } } = {};\nconst d = { k: 2 };";
    expect(output(model("", "return x.mul((delete n?.a) && (delete m.a?.b) && (delete d.k) ? (d.k ?? 4) : 1);", undefined, nulls))).toEqual(times(4));
    // parentheses end the chain, as in JavaScript: (cfg.a?.b).c reads c of undefined
    const src = model("", "return x.mul((cfg.a?.b).c);", undefined, "const cfg: { a?: { b: { c: number } } } = {};");
    expect(first(src)).toMatch(/^TSDP3003 \d+:\d+: cannot read 'c' of undefined$/);
  });
});

describe("re-exports", () => {
  const main = (name: string, from: string) => `${header}import { ${name} } from "${from}";\nexport class M extends nn.Module {\n  forward(x: Tensor<[Batch, 4]>) {\n    return x.mul(${name});\n  }\n}\n`;
  it("export * from a file, through two levels and a cycle; export { local as five }", () => {
    const dir = writeFiles({
      "inner.ts": "export const W = 3;\nexport * from \"./mid.ts\";\n",
      "mid.ts": "export * from \"./inner.ts\";\nconst local = 5;\n// not what importers of 'five' get: export { local as five } names local\nconst five = 1;\nexport { local as five };\nexport { five as one };\n",
      "top.ts": "export * from \"./mid.ts\";\n",
      "star.ts": main("W", "./top.ts"),
      "alias.ts": main("five", "./mid.ts"),
      "own.ts": main("one", "./mid.ts"),
    });
    expect(output("", join(dir, "star.ts"))).toEqual(times(3));
    expect(output("", join(dir, "alias.ts"))).toEqual(times(5));
    expect(output("", join(dir, "own.ts"))).toEqual(times(1));
  });
  it("two export * giving one name two values leave it ambiguous, as JavaScript's: refused; one value reached twice (a diamond) is that value", () => {
    const dir = writeFiles({
      "a.ts": "export const X = 1;\nexport const Y = 7;\n",
      "b.ts": "export const X = 2;\nexport * from \"./a.ts\";\n",
      "c.ts": "export * from \"./a.ts\";\n",
      "both.ts": "export * from \"./a.ts\";\nexport * from \"./b.ts\";\n",
      "diamond.ts": "export * from \"./c.ts\";\nexport * from \"./a.ts\";\n",
      "x.ts": main("X", "./both.ts"),
      "y.ts": main("Y", "./diamond.ts"),
    });
    expect(errorsOfFile(join(dir, "x.ts")).map((d) => `${d.code}: ${d.message}`)).toEqual([
      "TSDP1004: 'X' is exported by both a.ts and b.ts through export * in both.ts, which leaves it ambiguous (not exported, as in JavaScript); import it from one of them, or re-export one by name",
    ]);
    expect(output("", join(dir, "y.ts"))).toEqual(times(7));
  });

  it("a name no file of the export * chain declares, and export * as ns, are refused", () => {
    const dir = writeFiles({ "inner.ts": "export const W = 3;\n", "mid.ts": "export * from \"./inner.ts\";\n", "ns.ts": "export * as inner from \"./inner.ts\";\n", "missing.ts": main("V", "./mid.ts"), "named.ts": main("inner", "./ns.ts") });
    expect(errorsOfFile(join(dir, "missing.ts")).map((d) => `${d.code} ${d.loc?.line}: ${d.message}`)).toEqual(["TSDP1004 2: 'V' is not declared in mid.ts"]);
    // reported once, where it is written: the import of the name it would bind stays quiet
    expect(errorsOfFile(join(dir, "named.ts")).map((d) => `${d.code} ${d.loc?.file?.split("/").pop()}:${d.loc?.line}: ${d.message}`)).toEqual([
      'TSDP1003 ns.ts:1: export * as inner from "./inner.ts" is not supported; re-export the names (export { a, b } from "./inner.ts") or all of them (export * from "./inner.ts")',
    ]);
  });
});

describe("static methods and imports", () => {
  it("`this` in a static method is the class: static create() { return new this(); }, also called on a subclass", () => {
    const cls = "class Mlp extends nn.Module {\n  fc = new nn.Linear(4, 3);\n  static create() { return new this(); }\n  forward(x: Tensor) { return this.fc(x); }\n}\nclass Wide extends Mlp {\n  fc = new nn.Linear(4, 5);\n}\n";
    const { graph } = lowerSource(model("a = Mlp.create();\n  b = Wide.create();", "return F.cat([this.a(x), this.b(x)], 1);", undefined, cls));
    expect(graph.params.map((p) => `${p.attrs.name} ${p.shape.join("x")}`)).toEqual(["a.fc.weight 3x4", "a.fc.bias 3", "b.fc.weight 5x4", "b.fc.bias 5"]);
  });
  it("default imports and import { default as … } say they are not supported; a package import says only tsdp/dsl and your files can be imported", () => {
    const src = (imp: string) => `${header}${imp}\nexport class M extends nn.Module {\n  forward(x: Tensor<[Batch, 4]>) {\n    return x;\n  }\n}\n`;
    const rel = (imp: string) => {
      const d = writeFiles({ "head.ts": "export default class Head { k = 2; }\n", "model.ts": src(imp) });
      return errorsOfFile(join(d, "model.ts")).map((e) => `${e.code} ${e.loc?.line}:${e.loc?.col}: ${e.message}`)[0];
    };
    expect(rel('import { default as Head } from "./head.ts";')).toBe(`TSDP1003 2:10: default exports and imports are not supported ('default as Head'); export it by name (export class Head …) and import { Head } from "./head.ts"`);
    expect(rel('import Head from "./head.ts";')).toBe(`TSDP1003 2:8: default imports are not supported ('Head'); use named imports (export it by name and import { Head } from "./head.ts")`);
    expect(first(src('import fs from "fs";'))).toBe("TSDP1003 2:16: cannot import 'fs' into a model file");
    expect(first(src('import _ from "lodash";'))).toBe("TSDP1003 2:15: cannot import 'lodash' into a model file");
  });
});

describe("class expressions: a TypeScript mixin (Python's mixin classes) and a class held in a const", () => {
  const lin = "class Lin extends nn.Module {\n  fc = new nn.Linear(4, 4);\n  forward(x: Tensor) { return this.fc(x); }\n}\n";
  it("a mixin's `return class extends Base { … }` adds its fields and runs super.forward of the base it was given: the class written out's names, order and numbers", () => {
    const mixin =
      "type Ctor = new (...args: any[]) => nn.Module & { forward(x: Tensor): Tensor };\n" +
      "function WithScale<B extends Ctor>(Base: B, k: number) {\n  return class extends Base {\n    scale = new nn.Parameter(F.full([1], k));\n    forward(x: Tensor) { return super.forward(x).mul(this.scale); }\n  };\n}\n" +
      lin + "const Scaled = WithScale(Lin, 2.0);\nconst Neg = class extends nn.Module {\n  forward(x: Tensor) { return x.neg(); }\n};\n";
    const written = lin + "class Scaled extends Lin {\n  scale = new nn.Parameter(F.full([1], 2.0));\n  forward(x: Tensor) { return super.forward(x).mul(this.scale); }\n}\nclass Neg extends nn.Module {\n  forward(x: Tensor) { return x.neg(); }\n}\n";
    const fields = "body = new Scaled();\n  neg = new Neg();";
    const mixed = lowerSource(model(fields, "return this.neg(this.body(x));", undefined, mixin));
    // PyTorch's state_dict: the module's own parameter, then its children's
    expect(mixed.graph.stateDict!.map((k) => k.key)).toEqual(["body.scale", "body.fc.weight", "body.fc.bias"]);
    const out = output(model(fields, "return this.neg(this.body(x));", undefined, mixin));
    expect(out).toEqual(output(model(fields, "return this.neg(this.body(x));", undefined, written)));
    expect(out.some((v) => v !== 0)).toBe(true);
    // applied twice: each super.forward runs its own base's (it looped on the outer class); the
    // inner field is replaced by the outer one, as JavaScript's initializers run: one scale, 3
    const twice = mixin.replace("WithScale(Lin, 2.0)", "WithScale(WithScale(Lin, 2.0), 3.0)");
    const twiceWritten = written.replace("F.full([1], 2.0)", "F.full([1], 3.0)").replace("super.forward(x).mul(this.scale)", "super.forward(x).mul(this.scale).mul(this.scale)");
    expect(lowerSource(model(fields, "return this.neg(this.body(x));", undefined, twice)).graph.stateDict!.map((k) => k.key)).toEqual(["body.scale", "body.fc.weight", "body.fc.bias"]);
    expect(output(model(fields, "return this.neg(this.body(x));", undefined, twice))).toEqual(output(model(fields, "return this.neg(this.body(x));", undefined, twiceWritten)));
  });
});

describe("messages for a misspelled field and an unexported model", () => {
  it("this.fc_1(x) where fc1 exists: did you mean fc1?", () => {
    const src = model("fc1 = new nn.Linear(4, 4);", "return this.fc_1(x);");
    expect(first(src)).toBe("TSDP2010 6:12: this.fc_1 is undefined, not a function; 'fc_1' is not defined on this; did you mean fc1?");
    // a method is a candidate too
    expect(first(model("fc1 = new nn.Linear(4, 4);\n  project(t: Tensor) { return this.fc1(t); }", "return this.projet(x);"))).toMatch(/did you mean project\?$/);
  });
  it("reading a member the class never declares nor assigns is PyTorch's AttributeError, not undefined (a default taken quietly)", () => {
    // F.layerNorm(x, [4], null, null, this.epsilon) took eps = 1e-5 where the field says 0.5
    expect(first(model("eps = 0.5;", "return F.layerNorm(x, [4], null, null, this.epsilon);"))).toBe(
      `TSDP2011 6:49: M has no attribute 'epsilon': its class neither declares nor assigns it (PyTorch's AttributeError, tsc's "property does not exist")`,
    );
    expect(first(model("dropP = 0.1;", "return F.dropout(x, this.drop_p, this.training);"))).toMatch(/^TSDP2011 6:30: M has no attribute 'drop_p'.*; did you mean dropP\?$/);
    expect(first(model("", "if (!this.trainig) return x;\n    return x.mul(2);"))).toMatch(/^TSDP2011 6:15: .*'trainig'.*did you mean training\?$/);
    // in a constructor too, and on a child module of a user class
    expect(first(model("hiddenSize = 8;\n  fc: nn.Linear;\n  constructor() { super(); this.fc = new nn.Linear(4, this.hidden_size); }", "return this.fc(x);"))).toMatch(/^TSDP2011 .*'hidden_size'.*did you mean hiddenSize\?$/);
    // a child read through a field typed nn.Module or a Sequential's index (types from tsdp/dsl,
    // which the compiler's checker does not resolve: its error type is not a written any)
    const act = `${header}class Act extends nn.Module {\n  negativeSlope = 0.2;\n  forward(x: Tensor) { return x; }\n}\nexport class M extends nn.Module {\n  act: nn.Module = new Act();\n  body = new nn.Sequential(new nn.Linear(4, 4), new Act());\n  forward(x: Tensor<[Batch, 4]>) { return F.leakyRelu(x, BODY); }\n}\n`;
    expect(first(act.replace("BODY", "this.act.negative_slope"))).toMatch(/^TSDP2011 .*Act has no attribute 'negative_slope'.*did you mean negativeSlope\?$/);
    expect(first(act.replace("BODY", "this.body[1].negative_slope"))).toMatch(/^TSDP2011 .*Act has no attribute 'negative_slope'/);
    // an interface merged with the class declares the member: undefined, as tsc accepts it
    expect(() => lowerSource(`${header}export interface M { gain?: number }\nexport class M extends nn.Module {\n  forward(x: Tensor<[Batch, 4]>) { return x.mul(this.gain ?? 3); }\n}\n`)).not.toThrow();
    const child = `${header}class Block extends nn.Module {\n  scale = 2;\n  forward(x: Tensor) { return x; }\n}\nexport class M extends nn.Module {\n  b = new Block();\n  forward(x: Tensor<[Batch, 4]>) { return x.mul(this.b.scal); }\n}\n`;
    expect(first(child)).toMatch(/^TSDP2011 8:56: Block has no attribute 'scal'.*did you mean scale\?$/);
    // declared and unset (an optional field), assigned in a branch not taken, read through a cast
    // or by a computed name: undefined, as JavaScript reads it
    for (const [fields, body] of [
      ["downsample?: nn.Linear;", "return this.downsample ? this.downsample(x) : x;"],
      ["constructor(useProj = false) { super(); if (useProj) this.proj = new nn.Linear(4, 4); }\n  proj: nn.Linear | undefined;", "return this.proj ? this.proj(x) : x;"],
      ["constructor(useProj = false) { super(); if (useProj) (this as any).extra = 1; }", "return x.mul((this as any).extra ?? 3);"],
      ["", "return x.mul(this['gain'] ?? 3);"],
      // a member set by a name the source does not spell (this[key] = v, a JavaScript model file's setattr loop)
      ["constructor() { super(); for (const k of ['gain']) this[k] = 2; }", "return x.mul(this.gain);"],
      // what tsc accepts: a receiver typed any (getattr's `m: any`, a `self: any` alias), an index signature
      ["", "const self: any = this;\n    return x.mul(self.gain ?? 3);"],
      ["static getattr(m: any, d: number) { return m.useScale ?? d; }", "return x.mul(M.getattr(this, 2));"],
      ["[key: string]: any;", "return x.mul(this.gain ?? 3);"],
    ])
      expect(() => lowerSource(model(fields, body))).not.toThrow();
  });
  it("a built-in layer's attribute read through a cast is getattr with a default, as a model's own module's (Inception v3's stddev over every Conv2d and Linear)", () => {
    // torchvision's Inception3: `stddev = float(m.stddev) if hasattr(m, "stddev") else 0.1` where only the aux fc has one
    const src = `${header}export class M extends nn.Module {\n  conv = new nn.Conv2d(3, 4, 1);\n  fc = new nn.Linear(4, 2);\n  constructor() {\n    super();\n    (this.fc as any).stddev = 0.001;\n    for (const m of this.modules())\n      if (m instanceof nn.Conv2d || m instanceof nn.Linear) nn.init.normal_(m.weight, 0, (m as nn.Module & { stddev?: number }).stddev ?? 0.1);\n  }\n  forward(x: Tensor<[Batch, 3, 2, 2]>) { return this.fc(this.conv(x).mean([2, 3])); }\n}\n`;
    const inits = new Map(lowerSource(src).graph.params.map((p) => [p.attrs.name as string, p.attrs.init]));
    expect(inits.get("conv.weight")).toEqual({ kind: "normal", std: 0.1 });
    expect(inits.get("fc.weight")).toEqual({ kind: "normal", std: 0.001 });
    // read by its declared type, a name the layer does not have is still refused
    expect(first(src.replace("(m as nn.Module & { stddev?: number }).stddev ?? 0.1", "this.conv.stdev"))).toMatch(/^TSDP2011 .*nn\.Conv2d has no property 'stdev'/);
  });
  it("`A.prototype instanceof B` is issubclass, strictly, as JavaScript's prototype chain (timm's MetaFormerStage: issubclass(token_mixer, Attention))", () => {
    // run as JavaScript: class Attn {}; class Sub extends Attn {}; class Pool {} — Sub.prototype instanceof Attn is true,
    // Attn.prototype instanceof Attn false, Pool.prototype instanceof Attn false
    const before = `class Attn extends nn.Module {}\nclass Sub extends Attn {}\nclass Pool extends nn.Module {}\nclass GN1 extends nn.GroupNorm {}`;
    const flags = "[Sub.prototype instanceof Attn, Attn.prototype instanceof Attn, Pool.prototype instanceof Attn, Pool.prototype instanceof nn.Module, GN1.prototype instanceof nn.GroupNorm, GN1.prototype instanceof nn.LayerNorm]";
    const k = [true, false, false, true, true, false].reduce((acc, b, i) => acc + (b ? 2 ** i : 0), 0);
    expect(output(model("", `const f = ${flags}; return x.mul(f.reduce((a: number, b: boolean, i: number) => a + (b ? 2 ** i : 0), 0));`, undefined, before))).toEqual(times(k));
  });
  it("a class that extends nn.Module but is not exported: pointed at, and told to export it", () => {
    const src = `${header}class Net extends nn.Module {\n  fc = new nn.Linear(4, 3);\n  forward(x: Tensor<[Batch, 4]>) { return this.fc(x); }\n}\n`;
    expect(first(src)).toBe("TSDP5001 2:7: model.ts exports no class that extends nn.Module: Net extends nn.Module but is not exported; write export class Net");
  });
  it("an exported class with a forward but no base: pointed at, and told to extend nn.Module", () => {
    const src = `${header}export class Net {\n  fc = new nn.Linear(4, 3);\n  forward(x: Tensor<[Batch, 4]>) { return this.fc(x); }\n}\n`;
    expect(first(src)).toBe("TSDP5001 2:14: model.ts exports no class that extends nn.Module: Net has a forward but extends nothing; write class Net extends nn.Module (and call super() first in its constructor)");
  });
});
