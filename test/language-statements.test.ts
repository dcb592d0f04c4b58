// The model language's statements and declarations that ports of PyTorch code write as they are:
// while / do-while, break / continue, switch, throw (a constructor's argument check), typeof,
// enums, static class members (ResNet's Bottleneck.expansion) and getters. Each is checked by
// running the model through the float64 reference against the same model written without it,
// and each refusal by its code, line and message.
import { describe, expect, it } from "vitest";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { diagnosticsOf, header, lowerSource } from "./helpers.ts";

const model = (fields: string, forward: string, input = "x: Tensor<[Batch, 4]>", before = "") =>
  `${header}${before}\nexport class M extends nn.Module {\n  ${fields}\n  forward(${input}) {\n    ${forward}\n  }\n}\n`;

const x = nd([2, 4], [0.5, -1, 2, 0.25, -0.75, 1.5, 0, 3]);

/** The model's output for x, its parameters drawn with seed 0. */
function output(src: string): number[] {
  const { graph } = lowerSource(src);
  return Array.from(runReference(graph, { x }, initState(graph, 0)).outputs[0].data);
}

/** The parameter names and op list of a model (what it built). */
function built(src: string) {
  const { graph } = lowerSource(src);
  return { params: graph.params.map((p) => p.attrs.name), ops: graph.nodes.map((n) => n.op).filter((o) => !["input", "param", "buffer", "const"].includes(o)) };
}

const first = (src: string) => diagnosticsOf(src).map((d) => `${d.code} ${d.loc?.line}: ${d.message}`)[0];

const FC = "fc = new nn.Linear(4, 4);";
const THRICE = output(model(FC, "return this.fc(this.fc(this.fc(x)));"));
const ONCE = output(model(FC, "return this.fc(x);"));

describe("loops: while, do-while, break and continue", () => {
  it("a while loop runs while its constant condition holds", () => {
    expect(THRICE).not.toEqual(ONCE);
    expect(output(model(FC, "let i = 0; while (i < 3) { x = this.fc(x); i++; } return x;"))).toEqual(THRICE);
    // a false condition runs the body no times
    expect(output(model(FC, "let i = 5; while (i < 3) { x = this.fc(x); i++; } return this.fc(x);"))).toEqual(ONCE);
  });

  it("a do-while loop runs its body before the first test", () => {
    expect(output(model(FC, "let i = 5; do { x = this.fc(x); i++; } while (i < 3); return x;"))).toEqual(ONCE);
    expect(output(model(FC, "let i = 0; do { x = this.fc(x); i += 1; } while (i < 3); return x;"))).toEqual(THRICE);
  });

  it("break leaves the innermost loop; continue goes on with its next iteration", () => {
    expect(output(model(FC, "for (let i = 0; i < 10; i++) { if (i === 3) break; x = this.fc(x); } return x;"))).toEqual(THRICE);
    expect(output(model(FC, "let i = 0; while (true) { if (i++ >= 3) break; x = this.fc(x); } return x;"))).toEqual(THRICE);
    // continue in a for loop still runs the incrementor
    expect(output(model(FC, "for (let i = 0; i < 6; i++) { if (i % 2 === 1) continue; x = this.fc(x); } return x;"))).toEqual(THRICE);
    // a break in the inner loop leaves only the inner one
    expect(output(model(FC, "for (let i = 0; i < 3; i++) { for (let j = 0; j < 5; j++) { if (j === 1) break; x = this.fc(x); } } return x;"))).toEqual(THRICE);
    // over a ModuleList: skip the first block, stop before the last
    const blocks = "blocks = new nn.ModuleList([new nn.Linear(4, 4), new nn.Linear(4, 4), new nn.Linear(4, 4), new nn.Linear(4, 4)]);";
    expect(output(model(blocks, "for (const [i, b] of this.blocks.entries()) { if (i === 0) continue; if (i === 3) break; x = b(x); } return x;"))).toEqual(
      output(model(blocks, "return this.blocks[2](this.blocks[1](x));")),
    );
  });

  it("a return inside a loop returns from forward", () => {
    expect(output(model(FC, "for (let i = 0; ; i++) { x = this.fc(x); if (i === 2) return x; } ", "x: Tensor<[Batch, 4]>"))).toEqual(THRICE);
  });

  it("a loop that never ends, a condition on tensor values and a loop while one holds are refused where written; a labeled break leaves the loop it names", () => {
    expect(first(model(FC, "let i = 0;\n    while (i < 3) { x = this.fc(x); }\n    return x;"))).toMatch(/^TSDP2008 7: this loop ran 100000 times/);
    expect(first(model(FC, "if (x.sum().gt(0)) { x = this.fc(x); }\n    return x;"))).toMatch(/^TSDP2007 6: this condition depends on tensor values, which are known only when the model runs; to choose between values by it, compute both and select per element: F\.where\(cond, a, b\)/);
    // a loop's own advice (the Universal Transformer's ACT: while ((hp < threshold) & (n < max_hop)).any()), in each loop form
    const loopAdvice = /^TSDP2007 6: this loop's condition depends on tensor values, so how many times it runs is known only when the model runs; run it a fixed number of times, the bound the condition also checks .*and keep finished elements unchanged with masks/;
    expect(first(model(FC, "while (x.sum().gt(0)) { x = this.fc(x); }\n    return x;"))).toMatch(loopAdvice);
    expect(first(model(FC, "for (let i = 0; x.sum().gt(i); i++) { x = this.fc(x); }\n    return x;"))).toMatch(loopAdvice);
    expect(first(model(FC, "do { x = this.fc(x); } while (x.sum().gt(0));\n    return x;"))).toMatch(/^TSDP2007 \d: this loop's condition depends on tensor values/);
    expect(output(model(FC, "outer: for (let i = 0; i < 2; i++) { for (;;) { x = this.fc(x); break outer; } }\n    return x;"))).toEqual(ONCE);
    expect(first(model(FC, "for (;;) { break outer; }\n    return x;"))).toMatch(/^TSDP2001 6: break outer: no statement around it in this function is labeled 'outer'/);
  });
});

describe("switch", () => {
  const act = (kind: string) =>
    model(
      `fc = new nn.Linear(4, 4); act: nn.Module;\n  constructor(kind = "${kind}") { super(); switch (kind) { case "gelu": this.act = new nn.GELU(); break; case "silu": case "swish": this.act = new nn.SiLU(); break; default: this.act = new nn.ReLU(); } }`,
      "return this.act(this.fc(x));",
    );
  it("picks the case === the discriminant, shares clauses that fall through, and runs default otherwise", () => {
    expect(built(act("gelu")).ops).toContain("gelu");
    expect(built(act("swish")).ops).toContain("silu");
    expect(built(act("silu")).ops).toContain("silu");
    expect(built(act("tanh")).ops).toContain("relu");
    expect(output(act("gelu"))).toEqual(output(model("fc = new nn.Linear(4, 4); act = new nn.GELU();", "return this.act(this.fc(x));")));
  });

  it("falls through until a break, and a return inside returns from the function", () => {
    const through = (n: number) => output(model(FC, `switch (${n}) { case 1: x = this.fc(x); case 2: x = this.fc(x); case 3: x = this.fc(x); break; default: return x; }\n    return x;`));
    expect(through(1)).toEqual(THRICE);
    expect(through(3)).toEqual(ONCE);
    expect(through(9)).toEqual(Array.from(x.data));
  });

  it("a continue inside a switch continues the loop around it", () => {
    expect(output(model(FC, "for (let i = 0; i < 5; i++) { switch (i) { case 1: case 3: continue; } x = this.fc(x); }\n    return x;"))).toEqual(THRICE);
  });

  it("a switch on the batch size is refused (on this.training, see test/mode-branches.test.ts)", () => {
    expect(first(model(FC, "switch (x.size(0)) { case 2: return this.fc(x); }\n    return x;"))).toMatch(/^TSDP2007 6: this condition depends on the batch size/);
  });

  it("a loop over the batch's samples (CleanRL's C51 projection: t[i].index_add_ for each i) is refused with the batched form; another comparison is not given it", () => {
    const loop = "const t = F.zerosLike(x);\n    const idx = x.floor().clamp(0, 3).long();\n    for (let i = 0; i < x.size(0); i++) t[i].indexAdd_(0, idx[i], x[i]);\n    return t;";
    expect(first(model(FC, loop))).toMatch(/^TSDP2007 8: this comparison depends on the batch size, which is known only at run time: a loop over the batch's samples is one op over the batch dim — t\[i\]\.indexAdd_\(0, idx\[i\], v\[i\]\) for each i is t\.scatterAdd_\(1, idx, v\)/);
    expect(first(model(FC, "let i = 0;\n    while (i < x.size(0)) i++;\n    return x;"))).toMatch(/a loop over the batch's samples is one op/);
    expect(first(model(FC, "const big = x.size(0) > 4;\n    return big ? x : this.fc(x);"))).toMatch(/^TSDP2007 6: this comparison depends on the batch size, which is known only at run time$/);
    expect(first(model(FC, "return x.size(0) === 3 ? x : this.fc(x);"))).toMatch(/^TSDP2007 6: this comparison depends on the batch size/);
  });
  it("the batch size compared with null, a string or an array is known: it is a number (QANet's [x if x != None else -1 for x in logits.size()])", () => {
    const shapes = "const shapes = [...x.size()].map((d) => (d !== null ? d : -1));\n    const odd = x.size(0) == (undefined as any) || x.size(0) === ('2' as any);\n    return odd ? x : x.view(shapes[0], 2, 2).sum(1);";
    expect(output(model("", shapes))).toEqual([2.5, -0.75, -0.75, 4.5]);
  });
});

describe("throw", () => {
  const checked = (n: number) =>
    model(`fc: nn.Linear;\n  constructor(n = ${n}) {\n    super();\n    if (n % 2 !== 0) throw new RangeError(\`n must be even, got \${n}\`);\n    this.fc = new nn.Linear(4, n);\n  }`, "return this.fc(x);");
  it("a throw that does not run changes nothing; one that runs is TSDP2017 with the model's message at the throw", () => {
    expect(built(checked(4)).params).toEqual(["fc.weight", "fc.bias"]);
    expect(first(checked(3))).toBe("TSDP2017 7: RangeError: n must be even, got 3");
    expect(first(model(FC, 'throw "unreachable";', "x: Tensor<[Batch, 4]>"))).toBe("TSDP2017 6: the model threw unreachable");
    expect(first(model(FC, "if (x.size(1) !== 4) throw new Error();\n    throw new Error(`width ${x.size(1)}`);"))).toBe("TSDP2017 7: Error: width 4");
  });
});

describe("typeof", () => {
  it("gives JavaScript's answer for what each value is in the model's TypeScript", () => {
    const src = model(
      FC,
      `const kinds = [typeof 1, typeof "a", typeof true, typeof undefined, typeof null, typeof [1], typeof { a: 1 }, typeof this.fc, typeof x, typeof x.size(0), typeof this.training, typeof ((v: number) => v), typeof nn.Linear, typeof notDeclared];
    if (kinds.join(",") !== "number,string,boolean,undefined,object,object,object,object,object,number,boolean,function,function,undefined") throw new Error(kinds.join(","));
    return x;`,
    );
    expect(() => lowerSource(src)).not.toThrow();
    // a union option a port checks with typeof
    const kernel = (k: string) => model(`c: nn.Conv1d;\n  constructor(k: number | number[] = ${k}) { super(); this.c = new nn.Conv1d(1, 1, typeof k === "number" ? k : k[0]); }`, "return this.c(x).flatten(1);", "x: Tensor<[Batch, 1, 8]>");
    expect(built(kernel("3")).params).toEqual(built(kernel("[3]")).params);
    expect(lowerSource(kernel("[3]")).graph.outputs[0].shape.at(-1)).toBe(6);
  });
  it("void x evaluates x and is undefined (a port's mark of a value it leaves unused)", () => {
    expect(output(model(FC, "const [h, unused] = [this.fc(x), x.size(0)]; void unused; if (void 0 !== undefined) throw new Error('void'); return h;"))).toEqual(ONCE);
    expect(first(model(FC, "void x.foo(); return x;"))).toMatch(/foo/);
  });
});

describe("enums", () => {
  const enums = `enum Width { Small = 2, Medium, Large = Medium * 2 }\nenum Act { Relu = "relu", Gelu = "gelu" }\nconst enum Zero { A, B }`;
  it("numbers count on from the last initializer, strings are strings, numbers map back to names", () => {
    const src = model(
      FC,
      `const got = [Width.Small, Width.Medium, Width.Large, Width[3], Act.Gelu, Zero.B];
    if (got.join(",") !== "2,3,6,Medium,gelu,1") throw new Error(got.join(","));
    return x;`,
      undefined,
      enums,
    );
    expect(() => lowerSource(src)).not.toThrow();
  });

  it("choose layers in a constructor, as a port's config enum does", () => {
    const src = model(`fc = new nn.Linear(4, Width.Large); act: nn.Module;\n  constructor(a: Act = Act.Gelu) { super(); switch (a) { case Act.Relu: this.act = new nn.ReLU(); break; case Act.Gelu: this.act = new nn.GELU(); } }`, "return this.act(this.fc(x));", undefined, enums);
    const { graph } = lowerSource(src);
    expect(graph.outputs[0].shape).toEqual([expect.anything(), 6]);
    expect(built(src).ops).toContain("gelu");
  });

  it("a member with no value is refused where written", () => {
    expect(first(model(FC, "return this.fc(x);", undefined, 'enum E { A = "a", B }\nconst b = E.B;'))).toMatch(/^TSDP2003 2: enum member E\.B needs an initializer/);
  });
});

describe("static class members and getters", () => {
  const resnet = `class Basic extends nn.Module {
  static expansion = 1;
  conv: nn.Linear;
  constructor(inP: number, planes: number, expansion = Basic.expansion) { super(); this.conv = new nn.Linear(inP, planes * expansion); }
  forward(x: Tensor) { return F.relu(this.conv(x)); }
}
class Bottleneck extends Basic {
  static expansion = 2;
  constructor(inP: number, planes: number) { super(inP, planes, Bottleneck.expansion); }
  static widthOf(planes: number) { return planes * Bottleneck.expansion; }
}
class Plain extends Basic {}`;
  const net = (block: string) =>
    model(`b: nn.Module; head: nn.Linear;\n  constructor(block: typeof Basic = ${block}) { super(); this.b = new block(4, 2); this.head = new nn.Linear(2 * block.expansion, 3); }`, "return this.head(this.b(x));", undefined, resnet);
  it("a class passed as an argument reads its own static field, a subclass inherits its base's", () => {
    const widths = (block: string) => lowerSource(net(block)).graph.params.map((p) => `${p.attrs.name}:${p.shape.join("x")}`);
    expect(widths("Basic")).toEqual(["b.conv.weight:2x4", "b.conv.bias:2", "head.weight:3x2", "head.bias:3"]);
    expect(widths("Bottleneck")).toEqual(["b.conv.weight:4x4", "b.conv.bias:4", "head.weight:3x4", "head.bias:3"]);
    expect(widths("Plain")).toEqual(widths("Basic"));
  });

  it("static methods are called on the class; Cls.name is its name", () => {
    const src = model(FC, "if (Bottleneck.widthOf(3) !== 6 || Plain.name !== \"Plain\") throw new Error(\"static\");\n    return x;", undefined, resnet);
    expect(() => lowerSource(src)).not.toThrow();
  });

  it("a static field that reads itself, and one that does not exist, are refused", () => {
    expect(first(model(FC, "return this.fc(x).mul(Loop.a);", undefined, "class Loop { static a: number = Loop.a + 1; }"))).toMatch(/^TSDP2004 \d+: the value of Loop\.a depends on itself/);
    expect(first(model(FC, "return this.fc(x).mul(Basic.missing);", undefined, resnet))).toMatch(/^TSDP2011 \d+: Basic has no static member 'missing'/);
  });

  it("a getter is computed where it is read, in the constructor and in forward, and is inherited", () => {
    const src = model(
      `hidden = 4; fc: nn.Linear;\n  get width() { return this.hidden * 2; }\n  get scaled() { return this.fc.weight.mul(0); }\n  constructor() { super(); this.fc = new nn.Linear(4, this.width); }`,
      "return this.fc(x).sum(1, true).add(this.scaled.sum());",
    );
    expect(lowerSource(src).graph.params.find((p) => p.attrs.name === "fc.weight")!.shape).toEqual([8, 4]);
    expect(() => lowerSource(src)).not.toThrow();
    const inherited = `${header}class Base extends nn.Module { get width() { return 3; } }\nexport class M extends Base {\n  fc = new nn.Linear(4, this.width);\n  forward(x: Tensor<[Batch, 4]>) { return this.fc(x); }\n}\n`;
    expect(lowerSource(inherited).graph.outputs[0].shape.at(-1)).toBe(3);
  });
});

describe("JavaScript's globals and array methods that configuration code uses", () => {
  // each check throws (TSDP2017, naming what it got) unless the value is JavaScript's
  const checks = (lines: string[]) => model(FC, `${lines.map((l) => `{ const [got, want] = ${l}; if (JSON_(got) !== JSON_(want)) throw new Error(\`${l.replace(/[`$\\]/g, "")} gave \${JSON_(got)}\`); }`).join("\n    ")}\n    return x;`, undefined, "const JSON_ = (v: unknown): string => (Array.isArray(v) ? v.join(\",\") : String(v));");
  const cases: [string, string][] = [
    ["Object.keys / values / entries keep insertion order", "[Object.entries({ b: 1, a: 2 }).flat(), ['b', 1, 'a', 2]]"],
    ["Object.keys", "[Object.keys({ b: 1, a: 2 }).concat(Object.values({ c: 3 }) as never[]), ['b', 'a', 3]]"],
    ["Object.fromEntries and Object.assign", "[Object.values(Object.assign(Object.fromEntries([['a', 1], ['b', 2]]), { b: 5 }, { c: 6 })), [1, 5, 6]]"],
    ["Math", "[[Math.sign(-3), Math.cbrt(27), Math.log10(1000), Math.hypot(3, 4), Math.hypot(1, 2, 2), Math.atan2(1, 1) * 4 / Math.PI, Math.max(...[1, 5, 2])], [-1, 3, 3, 5, 3, 1, 5]]"],
    // port73: BigBird's fixed random blocks picked by a seeded mulberry32 (Math.imul, >>>, ^); Math.imul was TSDP2011
    ["Math.imul and Math.clz32 (a seeded integer hash)", "[[Math.imul(0x6d2b79f5, 0x7fffffff), Math.imul(-5, 12), Math.clz32(1), ((Math.imul(7 ^ (7 >>> 15), 1 | 7) >>> 0) % 1000)], [315917835, -60, 31, 49]]"],
    ["Array(n), new Array(n), Array.of", "[[Array(3).fill(0), new Array(2).fill(7), Array.of(1, 2), Array(1, 2)].flat(), [0, 0, 0, 7, 7, 1, 2, 1, 2]]"],
    ["Number, String, Boolean, parseInt, parseFloat, isNaN", "[[Number('2.5'), String(4) + 'x', Boolean(0), parseInt('12px'), parseInt('ff', 16), parseFloat('1.5e3'), isNaN(Number('a')), Number.isNaN(NaN), Number.parseInt('7')], [2.5, '4x', false, 12, 255, 1500, true, true, 7]]"],
    ["find, findIndex, findLast, lastIndexOf, keys, values", "[[[4, 5, 6].find((v) => v > 4), [4, 5, 6].findIndex((v) => v > 4), [4, 5, 6].findLast((v) => v < 6), [1, 2, 1].lastIndexOf(1), [...[7, 8].keys()], [7, 8].values()].flat(), [5, 1, 5, 2, 0, 1, 7, 8]]"],
    ["flatMap, sort with a comparator, reduce without an initial value", "[[[1, 2].flatMap((v) => [v, v * 10]), [3, 1, 2].sort((a, b) => a - b), [1, 2, 3].reduce((a, b) => a * b)].flat(), [1, 10, 2, 20, 1, 2, 3, 6]]"],
    ["pop, shift, unshift", "[(() => { const a = [1, 2, 3]; a.pop(); a.shift(); a.unshift(8, 9); return a; })(), [8, 9, 2]]"],
  ];
  for (const [what, line] of cases)
    it(what, () => {
      expect(() => lowerSource(checks([line]))).not.toThrow();
    });

  it("a wrong expectation fails (the checks can fail)", () => {
    expect(first(checks(["[Math.sign(-3), 1]"]))).toMatch(/^TSDP2017 \d+: Error: .* gave -1$/);
  });

  it("an optional layer called with ?.() is undefined when unset; console is refused with why, but for console.assert", () => {
    const optional = (init: string) => model(`fc = new nn.Linear(4, 4); norm?: nn.Module${init};`, "return this.norm?.(this.fc(x)) ?? this.fc(x);");
    // as JavaScript's, the arguments of a call that does not happen are not evaluated
    expect(built(optional("")).ops).toEqual(["linear"]);
    expect(built(optional(" = new nn.LayerNorm(4)")).ops).toContain("layer_norm");
    expect(first(model(FC, "console.log(x.shape);\n    return this.fc(x);"))).toMatch(/^TSDP2005 6: console cannot be used in a model file: tsdp reads the model without running it, so nothing would print/);
    // a port's `assert x.shape[1] % 2 == 0, "…"`: checked when the model is compiled
    expect(built(model(FC, "console.assert(x.shape[1] % 2 === 0, 'even features');\n    return this.fc(x);")).ops).toEqual(["linear"]);
    expect(first(model(FC, "console.assert(x.shape[1] % 3 === 0, 'features', x.shape[1], 'not a multiple of', 3);\n    return this.fc(x);"))).toMatch(/^TSDP2017 6: console.assert failed: features 4 not a multiple of 3$/);
    expect(first(model(FC, "console.assert(x.sum().gt(0), 'positive');\n    return this.fc(x);"))).toMatch(/^TSDP200\d 6: /);
  });
});

describe("super.method() and for-in", () => {
  it("super.forward(x) runs the base class's forward on this module (PyTorch's super().forward(x)); on an nn.Sequential subclass, its children", () => {
    const base = `class Base extends nn.Module {\n  fc = new nn.Linear(4, 4);\n  forward(x: Tensor) { return this.fc(x); }\n  scale() { return 2; }\n}\nclass Mid extends Base {\n  forward(x: Tensor) { return super.forward(x).mul(this.scale()); }\n}`;
    const src = `${header}${base}\nexport class M extends Mid {\n  forward(x: Tensor<[Batch, 4]>) { return super.forward(x).add(super.scale()); }\n}\n`;
    const plain = model(FC, "return this.fc(x).mul(2).add(2);");
    expect(output(src)).toEqual(output(plain));
    const seq = `${header}class Stack extends nn.Sequential {\n  constructor() { super(new nn.Linear(4, 4), new nn.Tanh()); }\n  forward(x: Tensor) { return super.forward(x).mul(3); }\n}\nexport class M extends nn.Module {\n  s = new Stack();\n  forward(x: Tensor<[Batch, 4]>) { return this.s(x); }\n}\n`;
    expect(built(seq).ops).toEqual(["linear", "tanh", "mul"]);
    expect(first(`${header}${base}\nexport class M extends Mid {\n  forward(x: Tensor<[Batch, 4]>) { return super.missing(x); }\n}\n`)).toMatch(/^TSDP2011 \d+: super\.missing: Mid has no method 'missing'/);
  });
  it("for (const k in obj) walks an object's keys, a ModuleDict's names and an array's indices, in JavaScript's order", () => {
    const src = model(
      "heads = new nn.ModuleDict({ a: new nn.Linear(4, 2), b: new nn.Linear(4, 3) }); widths = { a: 2, b: 3 };",
      "const outs: Tensor[] = []; for (const k in this.widths) outs.push(this.heads[k](x)); for (const k in this.heads) outs.push(this.heads[k](x)); for (const i in [0, 0]) outs.push(x.narrow(1, Number(i), 1)); return F.cat(outs, 1);",
    );
    const plain = model("heads = new nn.ModuleDict({ a: new nn.Linear(4, 2), b: new nn.Linear(4, 3) });", "return F.cat([this.heads.a(x), this.heads.b(x), this.heads.a(x), this.heads.b(x), x.narrow(1, 0, 1), x.narrow(1, 1, 1)], 1);");
    expect(output(src)).toEqual(output(plain));
    expect(first(model(FC, "for (const k in x.size(0)) x = this.fc(x); return x;"))).toMatch(/for-in walks an object's keys \(or an array's indices\); got/);
  });
});
