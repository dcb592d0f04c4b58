// Model-language idioms that ports of PyTorch code write and the evaluator once refused: bit
// operators on numbers, the comma operator, nested function declarations, labeled statements,
// recursion within the nesting budget, a module as a callback with bind / call / apply, forward
// settings with a default (not inputs), and static blocks. Values are checked against JavaScript
// running the same code (new Function) or against the model written without the idiom; each
// refusal by its code, line and message.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lowerModel } from "../compiler/1-frontend/lower.ts";
import { CompileError } from "../compiler/diagnostics/diagnostic.ts";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { diagnosticsOf, header, lowerSource, writeFiles } from "./helpers.ts";

const model = (forward: string, fields = "", before = "", input = "x: Tensor<[Batch, 4]>") =>
  `${header}${before}\nexport class M extends nn.Module {\n  ${fields}\n  forward(${input}) {\n    ${forward}\n  }\n}\n`;

const x = nd([2, 4], [0.5, -1, 2, 0.25, -0.75, 1.5, 0, 3]);

/** The model's outputs for x, its parameters drawn with seed 0. */
function outputs(src: string): number[][] {
  const { graph } = lowerSource(src);
  return runReference(graph, { x }, initState(graph, 0)).outputs.map((o) => Array.from(o.data));
}
const output = (src: string) => outputs(src)[0];

/** What `code` (a function body returning a number) returns when the evaluator runs it in forward. */
const evaluated = (code: string, before = "") => output(model(`const v: number = (() => {\n${code}\n})();\n    return x.mul(0).add(v);`, "", before))[0];
/** The same, run by JavaScript. */
const native = (code: string, before = "") => new Function(`${before}\nreturn (() => {\n${code}\n})();`)() as number;

/** Runs `code` both ways and expects the same number (and checks that it is the one given, so that the test can fail). */
function same(code: string, want: number, before = ""): void {
  expect(native(code, before)).toBe(want);
  expect(evaluated(code, before)).toBe(want);
}

/** Each diagnostic as "TSDPnnnn line: message". */
const diags = (src: string) => diagnosticsOf(src).map((d) => `${d.code} ${d.loc?.line}: ${d.message}`);
const first = (src: string) => diags(src)[0];

const FC = "fc = new nn.Linear(4, 4);";
const THRICE = output(model("return this.fc(this.fc(this.fc(x)));", FC));
const TWICE = output(model("return this.fc(this.fc(x));", FC));

describe("bit operators on numbers", () => {
  it("compute JavaScript's values (ToInt32 / ToUint32), and the compound assignments too", () => {
    same("return (13 >> 1) * 1000 + (13 << 2);", 6052);
    same("return -13 >>> 28;", 15);
    same("return (12 & 10) * 10000 + (12 | 3) * 100 + (12 ^ 10);", 81506);
    same("return ~5 * 10 + ~-1;", -60);
    // SAGAN's inDim / 8 | 0 truncates toward 0, as JavaScript's
    same("return (37 / 8 | 0) * 10 + (-37 / 8 | 0);", 36);
    same("return (2 ** 32 + 5) | 0;", 5);
    same("let a = 13; a >>= 1; a |= 16; a &= 0x1e; a ^= 3; a <<= 2; a >>>= 1; return a;", 42);
  });

  it("give layer widths: ShuffleNetV2's oup >> 1 and SAGAN's inDim / 8 | 0", () => {
    const src = model("return [this.branch(x), this.query(x)];", "oup = 12; branch = new nn.Linear(4, this.oup >> 1); query = new nn.Linear(4, 20 / 8 | 0);");
    const { graph } = lowerSource(src);
    expect(graph.outputs.map((o) => o.shape)).toEqual([
      [{ batch: 1 }, 6],
      [{ batch: 1 }, 2],
    ]);
  });

  it("are refused on tensors (with the logical method for masks), on the batch size and on strings", () => {
    expect(first(model("return x >> 1;"))).toMatch(/^TSDP2006 6: '>>' on a tensor: tensors have no bit operators in tsdp$/);
    expect(first(model("return x.gt(0) | x.lt(1);"))).toMatch(/^TSDP2006 6: '\|' on a tensor: write a\.logicalOr\(b\)/);
    expect(first(model("return ~x;"))).toMatch(/^TSDP2006 6: '~' on a tensor; write mask\.logicalNot\(\)/);
    expect(first(model("let y = x; y &= 1; return y;"))).toMatch(/^TSDP2006 6: '&=' on a tensor: write a\.logicalAnd\(b\)/);
    expect(first(model("const h = x.size(0) >> 1;\n    return x.view(h, 8);"))).toMatch(/^TSDP2003 6: '>>' on the batch size: the batch size is known only at run time/);
    expect(first(model('const n = "8" >> 1;\n    return x.mul(n);'))).toMatch(/^TSDP3003 6: '>>' needs numbers, got/);
  });
});

describe("the comma operator", () => {
  it("evaluates its left side, then its right, whose value it is", () => {
    same("let a = 1; const v = (a = a * 10, a + 1); return v * 100 + a;", 1110);
    same("let n = 0; for (let i = 0, j = 9; i < j; i += 2, j -= 1) n = n * 10 + i; return n;", 24);
  });

  it("runs a for loop with two counters (i++, j--)", () => {
    expect(output(model("for (let i = 0, j = 3; i < j; i++, j--) x = this.fc(x);\n    return x;", FC))).toEqual(TWICE);
  });
});

describe("nested function declarations", () => {
  it("are hoisted (callable before their line), close over their block, and may recurse", () => {
    same("const k = 2; const a = twice(3); function twice(n) { return n * k; } return a;", 6);
    same("let s = 0; for (const w of [1, 2]) { const base = 10 * w; function add(n) { return base + n; } s += add(w); } return s;", 33);
    same("function depth(n) { return n === 0 ? 0 : 1 + depth(n - 1); } return depth(7);", 7);
  });

  it("in forward and in a constructor, with tensors and layers", () => {
    const src = model(
      "const y = mix(x);\n    function mix(t: Tensor): Tensor { return fc(fc(t)); }\n    return y;",
      "fc = new nn.Linear(4, 4); blocks: nn.ModuleList;\n  constructor() { super(); function make(n: number) { return Array.from({ length: n }, () => new nn.Linear(4, 4)); } this.blocks = new nn.ModuleList(make(3)); }",
    ).replace("const y = mix(x);", "const fc = this.fc;\n    const y = mix(x);");
    expect(output(src)).toEqual(TWICE);
    expect(lowerSource(src).graph.params.map((p) => p.attrs.name)).toEqual(expect.arrayContaining(["blocks.2.weight"]));
  });

  it("are scoped to their block, as let is; one name twice in a block is refused", () => {
    expect(first(model("if (x !== null) { function f(t: Tensor) { return t; } }\n    return f(x);"))).toMatch(/^TSDP2005 7: 'f' is not defined$/);
    expect(first(model("const f = 1;\n    function f(t: Tensor) { return t; }\n    return x;"))).toMatch(/^TSDP2001 7: 'f' is declared twice in this block/);
  });
});

describe("labeled statements", () => {
  it("continue and break an outer for loop by its label", () => {
    same("let n = 0; outer: for (let i = 0; i < 4; i++) { for (let j = 0; j < 4; j++) { if (j === 2) continue outer; if (i === 3) break outer; n = n * 10 + j + 1; } } return n;", 121212);
  });

  it("label while, do-while, for-of and for-in loops, and a block or a switch inside a loop", () => {
    same("let n = 0, i = 0; w: while (i < 5) { i++; let j = 0; do { j++; if (j === i) continue w; if (i === 4) break w; n += 1; } while (j < 10); } return n * 100 + i;", 304);
    same("let n = 0; rows: for (const r of [[1, 2], [3, -1, 5], [6]]) { for (const v of r) { if (v < 0) continue rows; n = n * 10 + v; } } return n;", 1236);
    same('let s = ""; keys: for (const k in { a: 1, b: 2, c: 3 }) { for (const c of ["x", "y"]) { if (k === "b") continue keys; if (k === "c" && c === "y") break keys; s += k + c; } } return s.length * 10 + (s === "axayc" + "x" ? 1 : 0);', 61);
    same("let n = 0; found: { for (let i = 0; i < 9; i++) { n = i; if (i * i > 10) break found; } n = -1; } return n;", 4);
    same("let n = 0; loop: for (let i = 0; i < 9; i++) { switch (i) { case 3: break loop; default: n += i; } } return n;", 3);
    same("let n = 0; a: b: for (let i = 0; i < 5; i++) { for (;;) { if (i % 2) continue a; n += i; continue b; } } return n;", 6);
  });

  it("leave a loop over layers early (the pyramid's labeled continue with two counters)", () => {
    expect(output(model("let i = 0;\n    outer: for (const b of [this.fc, this.fc, this.fc, this.fc]) {\n      for (let r = 0; r < 2; r++) { x = b(x); i++; if (i === 3) break outer; if (r === 0) continue outer; }\n    }\n    return x;", FC))).toEqual(THRICE);
  });

  it("are refused where JavaScript refuses them: continue of a block, a label that is not around, across a function", () => {
    expect(first(model("blk: { for (;;) { continue blk; } }\n    return x;"))).toMatch(/^TSDP2001 6: continue blk: 'blk' labels a block, not a loop/);
    expect(first(model("for (;;) { break nope; }\n    return x;"))).toMatch(/^TSDP2001 6: break nope: no statement around it in this function is labeled 'nope'/);
    expect(first(model("out: for (const i of [1, 2]) { [1].forEach(() => { break out; }); }\n    return x;"))).toMatch(/^TSDP2001 6: break out: no statement around it/);
  });
});

/** ALiBi's slopes (the paper's get_slopes), which calls itself for a count that is not a power of 2. */
const GET_SLOPES = `function getSlopes(n) {
  const pow2 = (n) => { const start = 2 ** (-(2 ** -(Math.log2(n) - 3))); return Array.from({ length: n }, (_, i) => start * start ** i); };
  if (Math.log2(n) % 1 === 0) return pow2(n);
  const closest = 2 ** Math.floor(Math.log2(n));
  return [...pow2(closest), ...getSlopes(2 * closest).filter((_, i) => i % 2 === 0).slice(0, n - closest)];
}`;

describe("recursion within the nesting budget", () => {
  it("ALiBi's getSlopes(n) and mutual recursion compute JavaScript's values", () => {
    const slopes = new Function(`${GET_SLOPES}\nreturn getSlopes(6);`)() as number[];
    expect(slopes).toHaveLength(6);
    expect(output(model("return x.mul(0).sum(1, true).add(F.tensor(getSlopes(6)).view(1, 6));", "", GET_SLOPES))).toEqual([...slopes, ...slopes].map((s) => expect.closeTo(s, 12)));
    same("return isEven(9) ? 1 : 2;", 2, "function isEven(n) { return n === 0 ? true : isOdd(n - 1); }\nfunction isOdd(n) { return n === 0 ? false : isEven(n - 1); }");
  });

  it("a method recursing n levels (the stacked hourglass), and forward calling itself with a setting", () => {
    const rec = "private rec(n: number, t: Tensor): Tensor { return n === 0 ? t : this.rec(n - 1, this.fc(t)); }";
    expect(output(model("return this.rec(3, x);", `${FC}\n  ${rec}`))).toEqual(THRICE);
    expect(output(model("return n === 0 ? x : this.forward(this.fc(x), n - 1);", FC, "", "x: Tensor<[Batch, 4]>, n = 2"))).toEqual(TWICE);
  });

  it("a recursion that never stops ends at the nesting budget, naming the function, where it calls itself", () => {
    const runaway = diags(model("const k = f(0);\n    return x;", "", "function f(n: number): number {\n  return f(n + 1);\n}"));
    expect(runaway).toHaveLength(1);
    expect(runaway[0]).toMatch(/^TSDP2014 3: f calls itself \d+ levels deep \(directly or through other calls\) and has not stopped.*\(limit 1000; raise it with --max-depth N/);
    expect(first(model("return this.forward(x);", FC))).toMatch(/^TSDP2014 6: M\.forward calls itself \d+ levels deep/);
    // through another function: named as the innermost that called itself again, where it did (g's call of h)
    expect(first(model("return g(x);", "", "function g(t: Tensor): Tensor { return h(t); }\nfunction h(t: Tensor): Tensor { return g(t.mul(2)); }"))).toMatch(/^TSDP2014 2: h calls itself/);
  });

  it("a recursion that branches without end runs out of steps, not time", () => {
    const dir = writeFiles({ "model.ts": model("const k = fib(40);\n    return x.mul(k);", "", "function fib(n: number): number { return n < 2 ? n : fib(n - 1) + fib(n - 2); }") });
    let thrown: unknown;
    try {
      lowerModel(join(dir, "model.ts"), { maxEvalSteps: 200_000 });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(CompileError);
    expect((thrown as CompileError).diagnostics.map((d) => d.code)).toEqual(["TSDP2013"]);
  });

  it("a top-level value defined by itself is still refused", () => {
    expect(first(model("return x.mul(a);", "", "const a: number = b;\nconst b: number = a;"))).toMatch(/^TSDP2004 2: the value of 'a' depends on itself/);
  });
});

describe("a module as a callback; bind, call and apply", () => {
  it("xs.map(this.proj) passes each item alone to a layer; a user module's forward gets what it declares (the index)", () => {
    const scale = "class Scale extends nn.Module {\n  forward(t: Tensor, i: number) { return t.mul(i + 1); }\n}\n";
    const [a, b] = outputs(model("return [x, x].map(this.fc);", FC));
    expect(a).toEqual(output(model("return this.fc(x);", FC)));
    expect(b).toEqual(a);
    expect(outputs(model("return Array.from([x, x], this.s);", "s = new Scale();", scale))).toEqual([Array.from(x.data), Array.from(x.data, (v) => v * 2)]);
    expect(outputs(model("const out: Tensor[] = []; [x].forEach((t) => out.push(t)); return [x].map(this.seq).concat(out);", "seq = new nn.Sequential(new nn.Linear(4, 4));"))[0]).toHaveLength(8);
    // F.checkpoint(layer, ...args) is no array callback: the layer gets every argument
    const bil = "bil = new nn.Bilinear(4, 4, 2);";
    expect(output(model("return F.checkpoint(this.bil, x, x.mul(2));", bil))).toEqual(output(model("return this.bil(x, x.mul(2));", bil)));
  });

  it("this.proj.forward.bind(this.proj), a method bound to another module, bound arguments, call and apply", () => {
    const ONCE = output(model("return this.fc(x);", FC));
    expect(output(model("return [x].map(this.fc.forward.bind(this.fc))[0];", FC))).toEqual(ONCE);
    const twice = "class Twice extends nn.Module {\n  fc = new nn.Linear(4, 4);\n  run(t: Tensor) { return this.fc(this.fc(t)); }\n  forward(t: Tensor) { return t; }\n}\n";
    const [ab, bb] = outputs(model("return [this.b.run.bind(this.a)(x), this.b.run.call(this.b, x)];", "a = new Twice(); b = new Twice();", twice));
    expect(ab).toEqual(outputs(model("return [this.a.run(x)];", "a = new Twice(); b = new Twice();", twice))[0]);
    expect(bb).not.toEqual(ab);
    const mul = "function mul(k: number, t: Tensor) { return t.mul(k); }\n";
    expect(output(model("return [x].map(mul.bind(null, 3))[0];", "", mul))).toEqual(Array.from(x.data, (v) => v * 3));
    expect(output(model("return mul.apply(null, [5, x]);", "", mul))).toEqual(Array.from(x.data, (v) => v * 5));
    expect(first(model("return mul.apply(null, x);", "", mul))).toMatch(/^TSDP3003 7: mul\.apply takes its arguments as an array, got/);
  });
});

describe("forward settings with a default", () => {
  it("are compile-time constants bound to their default; the compiled model takes only the tensors", () => {
    for (const [param, body, want] of [
      ["hasMask = true", "return hasMask ? x.mul(2) : x;", 2],
      ['mode: "norm" | "denorm" = "denorm"', 'return mode === "norm" ? x : x.mul(3);', 3],
      ["eps: number = 0.5", "return x.mul(eps);", 0.5],
    ] as const) {
      const src = model(body, "", "", `x: Tensor<[Batch, 4]>, ${param}`);
      expect(lowerSource(src).graph.inputs.map((i) => i.attrs.name)).toEqual(["x"]);
      expect(output(src)).toEqual(Array.from(x.data, (v) => v * want));
    }
  });

  it("an optional tensor input is still refused", () => {
    for (const param of ["mask?: Tensor<[Batch, 4]>", "mask: Tensor<[Batch, 4]> | null = null"])
      expect(first(model("return mask ? x.mul(mask) : x;", "", "", `x: Tensor<[Batch, 4]>, ${param}`))).toMatch(/^TSDP4003 5: forward parameter 'mask' is optional/);
    // PyTorch's mask=None, untyped: an input without a shape, not a setting
    expect(first(model("return mask ? x.mul(mask) : x;", "", "", "x: Tensor<[Batch, 4]>, mask = null"))).toMatch(/^TSDP4003 5: forward parameter 'mask' has no type/);
  });

  it("an input typed as a class of the file (Tree-LSTM's parse tree) says a per-sample structure cannot steer the compiled model, and how to pass it as tensors", () => {
    const src = model("return x;", "", "class Tree { children: Tree[] = []; }\n", "tree: Tree, x: Tensor<[Batch, 4]>");
    expect(first(src)).toMatch(/^TSDP4003 \d+: forward parameter 'tree' must be typed Tensor<\[Batch, \.\.\.\]>, got Tree, an object of the port's own: .*Tree-LSTM's parse tree.*int32 indices padded to a maximum count, with a 0\/1 mask/);
  });
});

describe("static blocks", () => {
  it("run once, in order with the static fields, where the class is first used; `this` is the class", () => {
    const fields = "static base = 3;\n  static widths: number[];\n  static { M.widths = [2, 4, 6].map((w) => w * M.base); this.base = 100; }\n  fc = new nn.Linear(4, Math.max(...M.widths));";
    const { graph } = lowerSource(model("return this.fc(x).mul(M.base);", fields));
    expect(graph.outputs[0].shape).toEqual([{ batch: 1 }, 18]);
    expect(output(model("return x.mul(M.base);", fields))).toEqual(Array.from(x.data, (v) => v * 100));
  });

  it("a static field set outside its class's static block is refused", () => {
    expect(first(model("return x;", "static n = 0;\n  constructor() { super(); M.n = 1; }"))).toMatch(/^TSDP2001 5: M\.n = …: a static field is set by its initializer or in its class's static block/);
  });
});

describe("more of JavaScript's builtins: splice, reduceRight, padStart/padEnd, toFixed/toPrecision/toString", () => {
  it("compute as JavaScript's", () => {
    same("const a = [1, 2, 3, 4, 5]; const r = a.splice(1, 2, 9, 8, 7); return a.join('').length * 1000 + Number(a.join('')) % 1000 + r[0] * 0.5;", 6000 + 745 + 1);
    same("return [1, 2, 3, 4].reduceRight((acc, v, i) => acc * 10 + v + i * 0, 0);", 4321);
    same("return Number(String(7).padStart(3, '0') + 'x'.padEnd(3, '1').slice(1));", 711);
    same("return Number((3.14159).toFixed(2)) * 100 + Number((1234.5).toPrecision(2)) + Number((255).toString(16) === 'ff');", 314 + 1200 + 1);
    expect(diags(model("const s = (1).toFixed(101); return x;"))[0]).toMatch(/^TSDP3004 \d+: toFixed: the digits are an integer from 0 to 100/);
  });
});

describe("delete", () => {
  it("removes a plain object's property (IntermediateLayerGetter's trimmed copy of the layers); a module's child in forward or an array's are refused (a constructor's delete this.head: test/port-idioms.test.ts)", () => {
    same("const o = { a: 1, b: 2, c: 3 }; delete o.b; delete o['c']; return Object.keys(o).length * 10 + (o.b === undefined ? 1 : 0);", 11);
    expect(diags(model("delete (this as any).fc; return x;", "fc = new nn.Linear(4, 4);"))[0]).toMatch(/^TSDP2001 \d+: delete removes a property of a plain object, not of a module M \(a module's children are fixed once built\)/);
    expect(diags(model("const a = [1, 2]; delete a[0]; return x;"))[0]).toMatch(/^TSDP2001 \d+: delete removes a property of a plain object, not of an array of 2/);
  });
});

describe("JavaScript's call and array semantics", () => {
  it("callbacks get (item, index, array); a function or arrow ignores arguments past its parameters; past an array's end is undefined", () => {
    same("return [1, 2, 3].map((v, i, a) => v * 100 + i * 10 + a.length).reduce((s, v, i, a) => s + v + a.length, 0);", 103 + 213 + 323 + 9);
    same("const f = () => 5; const g = function (a) { return a * 2; }; return f(1, 2) + g(3, 4);", 11);
    same("const a = [1, 2]; const v = a[5] ?? 7; return v + (a[-1] === undefined ? 10 : 0);", 17);
  });
  it("Number(t.item()) of a value forward computes is refused saying why (a constructor's tensor gives its number)", () => {
    expect(first(model("const k = Number(x.sum().item()); return x.roll(k, 1);"))).toMatch(/^TSDP2003 \d+: Number\(tensor\): a tensor made in a constructor gives its number through \.item\(\); one computed in forward has its values only when the compiled model runs/);
    expect(output(model("const k = F.tensor([2.5]).item(); return x.mul(k);"))).toEqual(Array.from(x.data, (v) => v * 2.5));
  });
  it("a built-in function as a callback still gets the item and its index only; a ModuleList's index past its end is still refused", () => {
    expect(output(model("return [x, x.neg()].map(F.relu).reduce((s, t) => s.add(t));"))).toEqual(Array.from(x.data, Math.abs));
    expect(first(model("return this.layers[2](x);", "layers = new nn.ModuleList([new nn.Linear(4, 4), new nn.Linear(4, 4)]);"))).toMatch(/index 2 is out of range for 2 items/);
  });
});

describe("JSON on a model file's plain values", () => {
  it("stringify and parse compute JavaScript's (an inline config, shapes compared as text)", () => {
    same("const cfg = JSON.parse('{\"depth\": 3, \"widths\": [4, 8], \"act\": \"gelu\", \"x\": null}'); return cfg.depth * 100 + cfg.widths[1] * 10 + (cfg.act === 'gelu' ? 1 : 0) + (cfg.x === null ? 1000 : 0);", 1381);
    same("return JSON.stringify({ a: [1, 2], b: 'c', d: undefined, e: true }).length + (JSON.stringify([1, 2]) === '[1,2]' ? 100 : 0) + JSON.stringify({ k: 1 }, null, 2).length * 1000;", 28 + 100 + 12000);
  });
  it("refuses what has no JSON form here, and reports a parse error as the model's throw", () => {
    expect(first(model("const s = JSON.stringify({ t: x }); return x;"))).toMatch(/^TSDP3003 \d+: JSON.stringify: a tensor has no JSON form in a model file/);
    expect(first(model("const v = JSON.parse('{bad'); return x;"))).toMatch(/^TSDP2017 \d+: JSON.parse: /);
    expect(first(model(`const v = JSON.parse('${"[".repeat(100)}${"]".repeat(100)}'); return x;`))).toMatch(/JSON.parse: the value nests deeper than 64 levels/);
  });
});
