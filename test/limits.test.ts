import { execFile, spawnSync } from "node:child_process";
import { promisify } from "node:util";
import { rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { catalog } from "../compiler/diagnostics/catalog.ts";
import { CompileError, type Diagnostic } from "../compiler/diagnostics/diagnostic.ts";
import { defaultLimits, resolveLimits, type Limits } from "../compiler/limits.ts";
import { generate, LARGE_SOURCE_BYTES, sizeWarnings } from "../compiler/pipeline.ts";
import { lowerModel } from "../compiler/1-frontend/lower.ts";
import { scratchDir } from "./helpers.ts";

// Class 4 of issue 10, compiler limits: every budget (evaluation steps, nesting depth, array and
// string sizes, op count) ends a hostile model with its own code at the place it was hit, and says
// how to raise it; nothing a model can write overflows the compiler's stack; large legal models
// compile. Budgets are lowered through the options where that keeps a case fast.

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const dir = scratchDir("tsdp-limits-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const header = `import { nn, optim, Training, type Tensor, type Batch } from "tsdp/dsl";\n`;
let counter = 0;

/** Writes a model file: `pre` at the top level, then a model with `ctor` and `fwd` statements. */
function modelFile(parts: { pre?: string; fields?: string; ctor?: string; fwd?: string; train?: boolean }): { file: string; text: string } {
  const text =
    header +
    (parts.pre ?? "") +
    "export class M extends nn.Module {\n" +
    (parts.fields ?? "  fc = new nn.Linear(4, 4);\n") +
    "  constructor() {\n    super();\n" +
    (parts.ctor ?? "") +
    "  }\n  forward(x: Tensor<[Batch, 4]>) {\n    x = this.fc(x);\n" +
    (parts.fwd ?? "") +
    "    return x;\n  }\n}\n" +
    (parts.train ? "export const training = new Training(M, { loss: new nn.MSELoss(), optimizer: new optim.SGD({ lr: 0.1 }) });\n" : "");
  const file = join(dir, `m${counter++}.ts`);
  writeFileSync(file, text);
  return { file, text };
}

/** 1-based line:col of the first occurrence of `needle` (or of its `nth` occurrence). */
function at(text: string, needle: string, nth = 1): string {
  let pos = -1;
  for (let k = 0; k < nth; k++) pos = text.indexOf(needle, pos + 1);
  if (pos < 0) throw new Error(`'${needle}' is not in the model`);
  const before = text.slice(0, pos).split("\n");
  return `${before.length}:${before[before.length - 1].length + 1}`;
}

/** The diagnostics of stages 1–5; fails on success and on anything but a CompileError. */
function errorsOf(file: string, limits: Partial<Limits> = {}): readonly Diagnostic[] {
  try {
    generate(file, { target: "cpu", ...limits });
  } catch (e) {
    if (e instanceof CompileError) return e.diagnostics;
    throw e;
  }
  throw new Error("the model compiled");
}

/** The one diagnostic of a budget: its code, where, and that it names the limit and how to raise it. */
function expectLimit(diags: readonly Diagnostic[], code: string, where: string, flag: string, env: string, value: number): void {
  expect(diags.map((d) => `${d.code} ${d.loc?.line}:${d.loc?.col}`)).toEqual([`${code} ${where}`]);
  expect(diags[0].message).toContain(`limit ${value}`);
  expect(diags[0].message).toContain(flag);
  expect(diags[0].message).toContain(env);
  expect(diags.some((d) => d.code.startsWith("TSDP9"))).toBe(false);
}

describe("the evaluation-step budget (TSDP2013)", () => {
  it("ends two nested loops, each under the per-loop limit, at the outer loop", () => {
    const m = modelFile({ ctor: "    let s = 0;\n    for (let i = 0; i < 99999; i++) {\n      for (let j = 0; j < 99999; j++) s = s + 1;\n    }\n" });
    expectLimit(errorsOf(m.file, { maxEvalSteps: 200_000 }), "TSDP2013", at(m.text, "for (let i"), "--max-eval-steps", "TSDP_MAX_EVAL_STEPS", 200_000);
  });

  it("blames the outermost loop when the work is in a helper function", () => {
    const m = modelFile({
      pre: "function work(n: number): number {\n  let s = 0;\n  for (let i = 0; i < n; i++) s = s + i;\n  return s;\n}\n",
      fwd: "    let t = 0;\n    for (let k = 0; k < 99999; k++) t = t + work(1000);\n",
    });
    expectLimit(errorsOf(m.file, { maxEvalSteps: 100_000 }), "TSDP2013", at(m.text, "for (let k"), "--max-eval-steps", "TSDP_MAX_EVAL_STEPS", 100_000);
  });

  it("counts the elements array builtins walk, so a search in a loop cannot hide its cost", () => {
    const m = modelFile({ ctor: "    const xs = Array.from({ length: 50000 }, () => 1);\n    let n = 0;\n    for (let i = 0; i < 1000; i++) n = n + xs.indexOf(2);\n" });
    // 1,000 searches of 50,000 elements: ~3 M element-steps, far more than the ~10,000 syntax steps
    expectLimit(errorsOf(m.file, { maxEvalSteps: 500_000 }), "TSDP2013", at(m.text, "for (let i"), "--max-eval-steps", "TSDP_MAX_EVAL_STEPS", 500_000);
  });

  it.each([
    ["re-spreading an object", "    let o = {};\n    for (let i = 0; i < 99999; i++) o = { ...o, [`k${i}`]: i };\n"],
    ["comparing long strings", '    let s = "x";\n    for (let i = 0; i < 16; i++) s = s + s;\n    const t = s + "";\n    let n = 0;\n    for (let i = 0; i < 99999; i++) if (s === t) n++;\n'],
    ["copying arrays with slice", "    const xs = Array.from({ length: 20000 }, () => 1);\n    let n = 0;\n    for (let i = 0; i < 99999; i++) n = n + xs.slice(0).length;\n"],
  ])("counts the hidden per-element work of %s in a loop", (_, ctor) => {
    const m = modelFile({ ctor });
    const loops = [...m.text.matchAll(/for \(let i/g)];
    const last = loops[loops.length - 1].index!;
    const before = m.text.slice(0, last).split("\n");
    // the loops' own syntax takes ~1.3 M steps, under this budget: only the counted copies exceed it
    expectLimit(errorsOf(m.file, { maxEvalSteps: 3_000_000 }), "TSDP2013", `${before.length}:${before[before.length - 1].length + 1}`, "--max-eval-steps", "TSDP_MAX_EVAL_STEPS", 3_000_000);
  });

  it("reports a loop outside any other at the place it ran out, also in a top-level const", () => {
    const m = modelFile({ pre: "function big(): number {\n  let s = 0;\n  for (let i = 0; i < 99999; i++) for (let j = 0; j < 99999; j++) s++;\n  return s;\n}\nconst K = big();\n", ctor: "    const k = K;\n" });
    expectLimit(errorsOf(m.file, { maxEvalSteps: 50_000 }), "TSDP2013", at(m.text, "for (let i"), "--max-eval-steps", "TSDP_MAX_EVAL_STEPS", 50_000);
  });

  it("is a budget for the whole model: errors found before it are kept", () => {
    const m = modelFile({ ctor: "    const bad = undefinedThing;\n    let s = 0;\n    for (let i = 0; i < 99999; i++) for (let j = 0; j < 99999; j++) s++;\n" });
    const diags = errorsOf(m.file, { maxEvalSteps: 50_000 });
    expect(diags.map((d) => `${d.code} ${d.loc?.line}:${d.loc?.col}`)).toEqual([`${catalog.undefinedName.code} ${at(m.text, "undefinedThing")}`, `TSDP2013 ${at(m.text, "for (let i")}`]);
  });
});

describe("the nesting budget (TSDP2014)", () => {
  // each is refused on the line of the deep code, before anything recurses into it
  const cases: { name: string; parts: Parameters<typeof modelFile>[0]; line: string }[] = [
    {
      name: "10,000 nested parentheses, refused before TypeScript's parser recurses into them",
      parts: { ctor: `    const k = ${"(".repeat(10_000)}1${")".repeat(10_000)};\n` },
      line: "(".repeat(250),
    },
    {
      name: "a 20,000-long .relu() chain written as one expression",
      parts: { fwd: `    x = x${".relu()".repeat(20_000)};\n` },
      line: ".relu()",
    },
    {
      name: "a 5,000-deep constant expression",
      parts: { ctor: `    const k = ${"1 + ".repeat(5_000)}1;\n` },
      line: "+",
    },
    {
      name: "an else-if chain 2,000 long",
      parts: { ctor: `    const n = 3;\n    let k = 0;\n    ${Array.from({ length: 2000 }, (_, i) => `if (n === ${i}) k = ${i};`).join(" else ")}\n` },
      line: "if (n === 0)",
    },
    {
      name: "3,000 stacked unary minus signs",
      parts: { ctor: `    const k = ${"- ".repeat(3000)}1;\n` },
      line: "- ",
    },
    {
      name: "5,000 nested if statements without braces",
      parts: { ctor: `    let k = 0;\n    ${"if (k === 0) ".repeat(5000)}k = 1;\n` },
      line: "if (k === 0)",
    },
    {
      name: "3,000 nested for loops without braces",
      parts: { ctor: `    let k = 0;\n    ${"for (let i = 0; i < 1; i++) ".repeat(3000)}k++;\n` },
      line: "for (let i",
    },
    {
      name: "a type nested 3,000 deep",
      parts: { ctor: `    const k: ${"Array<".repeat(3000)}number${">".repeat(3000)} = [];\n` },
      line: "Array<",
    },
  ];
  it("refuses new new ... X() with one `new` per line, which no line break resets", () => {
    const m = modelFile({ ctor: `    const k = ${"new\n".repeat(5000)}nn.ReLU();\n` });
    const diags = errorsOf(m.file);
    expect(diags.map((d) => d.code)).toEqual(["TSDP2014"]);
    expect(m.text.split("\n")[diags[0].loc!.line - 1]).toBe("new");
  });

  it.each(cases)("refuses $name", ({ parts, line }) => {
    const m = modelFile(parts);
    const diags = errorsOf(m.file);
    expect(diags.map((d) => d.code)).toEqual(["TSDP2014"]);
    expect(diags[0].loc?.line).toBe(Number(at(m.text, line).split(":")[0]));
    expect(diags[0].loc!.col).toBeGreaterThan(Number(at(m.text, line).split(":")[1]));
    expect(diags[0].message).toMatch(/limit 1000; raise it with --max-depth N or TSDP_MAX_DEPTH/);
  });

  it("refuses 1,000 nested module classes at the construction that goes too deep", () => {
    let pre = "";
    for (let i = 0; i < 1000; i++)
      pre += `class C${i} extends nn.Module {\n  c = ${i < 999 ? `new C${i + 1}()` : "new nn.Linear(4, 4)"};\n  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }\n}\n`;
    const m = modelFile({ pre, fields: "  fc = new C0();\n" });
    const diags = errorsOf(m.file);
    expect(diags.map((d) => d.code)).toEqual(["TSDP2014"]);
    expect(diags[0].message).toContain("nest more than 1000 levels");
    // where the ~200th nested construction goes one level too deep: its field or its base class
    const line = m.text.split("\n")[diags[0].loc!.line - 1];
    expect(line).toMatch(/^ {2}c = new C\d+\(\);$|^class C\d+ extends nn\.Module \{$/);
    expect(Number(/C(\d+)/.exec(line)![1])).toBeGreaterThan(100);
  });

  it("registers a 5,000-deep module tree built in a loop without recursion (forward through it, each Wrap calling the next one's forward, is then refused at the nesting budget)", () => {
    const m = modelFile({
      pre: "class Wrap extends nn.Module {\n  constructor(public inner: nn.Module = new nn.Identity()) {\n    super();\n  }\n  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> {\n    return this.inner(x);\n  }\n}\n",
      fields: "  fc: nn.Module;\n",
      ctor: "    let m: nn.Module = new nn.Linear(4, 4);\n    for (let i = 0; i < 5000; i++) m = new Wrap(m);\n    this.fc = m;\n",
    });
    const diags = errorsOf(m.file);
    expect(diags.map((d) => `${d.code} ${d.loc?.line}:${d.loc?.col}`)).toEqual([`TSDP2014 ${at(m.text, "this.inner(x)")}`]);
  });

  it("refuses 5,000 top-level consts each defined by the next (their lazy evaluation nests like calls)", () => {
    const pre = Array.from({ length: 5000 }, (_, i) => `const a${i} = a${i + 1} + 1;\n`).join("") + "const a5000 = 0;\n";
    const m = modelFile({ pre, fields: "  fc = new nn.Linear(4, 4 + a0 - a0);\n" });
    const diags = errorsOf(m.file);
    expect(diags.map((d) => d.code)).toEqual(["TSDP2014"]);
    expect(m.text.split("\n")[diags[0].loc!.line - 1]).toMatch(/^const a\d+ = a\d+ \+ 1;$/);
  });

  it("refuses a chain of 5,000 re-exports of a file from itself, and resolves a chain of 100", () => {
    for (const n of [5000, 100]) {
      const file = join(dir, `reexports-${n}.ts`);
      const me = `./reexports-${n}.ts`;
      const text =
        header +
        `import { r${n} } from "${me}";\nexport const r0 = 4;\n` +
        Array.from({ length: n }, (_, i) => `export { r${i} as r${i + 1} } from "${me}";\n`).join("") +
        `export class M extends nn.Module {\n  fc = new nn.Linear(4, r${n});\n  forward(x: Tensor<[Batch, 4]>) {\n    return this.fc(x);\n  }\n}\n`;
      writeFileSync(file, text);
      if (n === 100) expect(lowerModel(file).graph.outputs[0].shape[1]).toBe(4);
      else {
        const diags = errorsOf(file);
        expect(diags.map((d) => d.code)).toEqual(["TSDP2014"]);
        expect(text.split("\n")[diags[0].loc!.line - 1]).toMatch(/^export \{ r\d+ as r\d+ \}/);
      }
    }
  });

  it("refuses an extends chain of 1,500 classes", () => {
    let pre = "class B0 extends nn.Module {\n  fc = new nn.Linear(4, 4);\n  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.fc(x); }\n}\n";
    for (let i = 1; i < 1500; i++) pre += `class B${i} extends B${i - 1} {}\n`;
    const m = modelFile({ pre, fields: "  fc = new B1499();\n" });
    const diags = errorsOf(m.file);
    expect(diags.map((d) => d.code)).toEqual(["TSDP2014"]);
  });

  it("follows the limit it is given: 150 nested parentheses pass by default and fail under --max-depth 500", () => {
    const m = modelFile({ ctor: `    const k = ${"(".repeat(150)}1${")".repeat(150)};\n` });
    expect(() => lowerModel(m.file)).not.toThrow();
    expect(errorsOf(m.file, { maxDepth: 500 }).map((d) => d.code)).toEqual(["TSDP2014"]);
  });

  it("does not count long flat code: 5,000 statements, 1,000 fields without semicolons, a chain split over lines", () => {
    const fields = Array.from({ length: 1000 }, (_, i) => `  f${i} = new nn.Linear(4, 4)\n`).join("");
    const m = modelFile({ fields: `  fc = new nn.Linear(4, 4)\n${fields}`, ctor: "    let k = 0;\n" + "    k = k + 1;\n".repeat(5000), fwd: `    x = x\n${"      .relu()\n".repeat(150)};\n` });
    expect(() => lowerModel(m.file)).not.toThrow();
  });
});

describe("the array and string budget (TSDP2015)", () => {
  const cases: { name: string; ctor: string; needle: string; limit?: number }[] = [
    { name: "an array doubled 40 times", ctor: "    let a = [1];\n    for (let i = 0; i < 40; i++) a = a.concat(a);\n", needle: "a.concat(a)" },
    { name: "an array spread into itself", ctor: "    let a = [1];\n    for (let i = 0; i < 40; i++) a = [...a, ...a];\n", needle: "[...a, ...a]" },
    { name: "push(...a) of itself", ctor: "    const a = [1];\n    for (let i = 0; i < 40; i++) a.push(...a);\n", needle: "a.push(...a)" },
    { name: "Array.from of a billion", ctor: "    const a = Array.from({ length: 1000000000 });\n", needle: "Array.from" },
    { name: "an index far past the end", ctor: "    const a: number[] = [];\n    a[2000000000] = 1;\n", needle: "a[2000000000]" },
    { name: "a string doubled 40 times", ctor: '    let s = "ab";\n    for (let i = 0; i < 40; i++) s = s + s;\n', needle: "s + s" },
    { name: "a string doubled in a template", ctor: '    let s = "ab";\n    for (let i = 0; i < 40; i++) s = `${s}${s}`;\n', needle: "`${s}${s}`" },
    { name: "a join longer than the limit", ctor: '    const s = Array.from({ length: 2000 }, () => "0123456789").join("");\n', needle: "Array.from({ length: 2000 }, () => \"0123456789\").join(\"\")", limit: 10_000 },
    { name: "spread arguments past the limit", ctor: "    const a = Array.from({ length: 6000 }, () => 1);\n    const k = Math.max(...a, ...a);\n", needle: "...a, ...a", limit: 10_000 },
  ];
  it.each(cases)("refuses $name where it is built", ({ ctor, needle, limit }) => {
    const m = modelFile({ ctor });
    const max = limit ?? defaultLimits.maxArray;
    const diags = errorsOf(m.file, limit ? { maxArray: limit } : {});
    const where = needle === "...a, ...a" ? at(m.text, "...a, ...a", 1).replace(/:(\d+)$/, (_, c) => `:${Number(c) + 6}`) : at(m.text, needle);
    expectLimit(diags, "TSDP2015", where, "--max-array", "TSDP_MAX_ARRAY", max);
  });
});

describe("arrays within the budget never reach a native spread", () => {
  it("folds Math.max/min and concat over 600,000 spread arguments (a native spread overflows past ~150,000)", () => {
    const m = modelFile({
      fields: "  fc: nn.Linear;\n",
      ctor: "    const xs = Array.from({ length: 600000 }, (_, i) => i % 5);\n    const ys: number[] = [].concat(...xs);\n    this.fc = new nn.Linear(4, Math.max(...xs) + Math.min(...xs) + Math.floor(...xs) + ys.length / 200000);\n",
    });
    const graph = lowerModel(m.file).graph;
    expect(graph.outputs[0].shape[1]).toBe(7); // 4 + 0 + 0 + 3
  }, 60_000);
});

describe("the op budget (TSDP2016)", () => {
  it("ends for i < 99,999 { for j < 10 { x = x.add(1) } } at the op that is one too many", () => {
    const m = modelFile({ fwd: "    for (let i = 0; i < 99999; i++) {\n      for (let j = 0; j < 10; j++) x = x.add(1);\n    }\n" });
    expectLimit(errorsOf(m.file, { maxOps: 20_000 }), "TSDP2016", at(m.text, "x.add(1)"), "--max-ops", "TSDP_MAX_OPS", 20_000);
  });

  it("counts the ops of modules called in forward", () => {
    const m = modelFile({ fields: "  fc: nn.Sequential;\n", ctor: "    this.fc = new nn.Sequential(...Array.from({ length: 3000 }, () => new nn.ReLU()));\n" });
    const diags = errorsOf(m.file, { maxOps: 1000 });
    expect(diags.map((d) => d.code)).toEqual(["TSDP2016"]);
  });

  it("reads the limit from TSDP_MAX_OPS and --max-ops in the CLI", () => {
    const m = modelFile({ fwd: "    for (let i = 0; i < 500; i++) x = x.relu();\n" });
    const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
      spawnSync(process.execPath, [join(root, "bin", "tsdp.js"), "compile", m.file, "--target", "cpu", "-o", join(dir, "out"), ...args], {
        encoding: "utf8",
        env: { ...process.env, ...env },
        timeout: 120_000,
      });
    const byEnv = cli([], { TSDP_MAX_OPS: "100" });
    expect(byEnv.status).not.toBe(0);
    expect(byEnv.stderr + byEnv.stdout).toMatch(/TSDP2016[\s\S]*limit 100; raise it with --max-ops N or TSDP_MAX_OPS/);
    const byFlag = cli(["--max-ops", "200"], { TSDP_MAX_OPS: "100" });
    expect(byFlag.stderr + byFlag.stdout).toMatch(/TSDP2016[\s\S]*limit 200;/);
  }, 120_000);
});

describe("many errors", () => {
  it("reports 20,000 independent errors once each (locations and duplicates are found without scanning the file)", () => {
    const m = modelFile({ ctor: Array.from({ length: 20_000 }, (_, i) => `    const a${i} = nope${i};\n`).join("") });
    let diags: readonly Diagnostic[] = [];
    try {
      lowerModel(m.file);
    } catch (e) {
      if (!(e instanceof CompileError)) throw e;
      diags = e.diagnostics;
    }
    expect(diags).toHaveLength(20_000);
    expect(new Set(diags.map((d) => d.loc?.line)).size).toBe(20_000);
    expect(`${diags[19_999].code} ${diags[19_999].loc?.line}:${diags[19_999].loc?.col}`).toBe(`${catalog.undefinedName.code} ${at(m.text, "nope19999")}`);
  }, 120_000);
});

describe("limits are resolved from options, then the environment, then the defaults", () => {
  it("prefers an option to the environment", () => {
    expect(resolveLimits({ maxDepth: 7 }, { TSDP_MAX_DEPTH: "9" }).maxDepth).toBe(7);
    expect(resolveLimits({}, { TSDP_MAX_DEPTH: "9", TSDP_MAX_ARRAY: "12" })).toEqual({ ...defaultLimits, maxDepth: 9, maxArray: 12 });
    expect(resolveLimits({}, {})).toEqual(defaultLimits);
  });

  it.each(["0", "-3", "1.5", "lots", "1e400"])("refuses TSDP_MAX_EVAL_STEPS=%s with a user error", (raw) => {
    let thrown: unknown;
    try {
      resolveLimits({}, { TSDP_MAX_EVAL_STEPS: raw });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(CompileError);
    expect((thrown as CompileError).diagnostics[0].code).toBe("TSDP3004");
    expect((thrown as CompileError).diagnostics[0].message).toContain("TSDP_MAX_EVAL_STEPS");
  });
});

describe("large legal models compile, in time linear in their size", () => {
  // each in a child process (test/limits/compile-summary.ts says why), awaited
  const compileSummary = async (file: string, ...flags: string[]) => {
    const r = await promisify(execFile)(process.execPath, ["--import", "tsx", join(root, "test", "limits", "compile-summary.ts"), file, ...flags], { cwd: root, maxBuffer: 16 << 20 });
    return JSON.parse(r.stdout) as { params: number; nodes: number; kernels: number; trainingUnavailable: unknown; reluLines?: number; finiteLoss?: boolean };
  };

  it("compiles a 5,000-layer MLP with its training step through stages 1–5", async () => {
    const m = modelFile({
      fields: "  fc: nn.Sequential;\n",
      ctor: "    const layers: nn.Module[] = [];\n    for (let i = 0; i < 5000; i++) layers.push(new nn.Linear(4, 4), new nn.ReLU());\n    this.fc = new nn.Sequential(...layers);\n",
      train: true,
    });
    const compiled = await compileSummary(m.file);
    expect(compiled.params).toBe(10_000);
    expect(compiled.kernels).toBe(5000); // each Linear with its ReLU in its epilogue
    expect(compiled.trainingUnavailable).toBeNull();
  }, 300_000);

  it("compiles a 20,000-op .relu() chain built by a loop, with its backward, into one forward kernel", async () => {
    const m = modelFile({ fwd: "    for (let i = 0; i < 20000; i++) x = x.relu();\n", train: true });
    const compiled = await compileSummary(m.file, "--reference-step");
    expect(compiled.nodes).toBeGreaterThan(20_000);
    expect(compiled.kernels).toBe(1);
    // the other passes over the chain: the IR printer, and the reference interpreter on the step
    expect(compiled.reluLines).toBe(20_000);
    expect(compiled.finiteLoss).toBe(true);
  }, 300_000);

  it("compiles a chain whose pointwise producers are pulled into one kernel (40,000 ops)", async () => {
    const m = modelFile({ fwd: "    let z = x.exp();\n    for (let i = 0; i < 20000; i++) z = z.mul(0.5).add(1);\n    x = x.add(z);\n" });
    const compiled = await compileSummary(m.file);
    expect(compiled.nodes).toBeGreaterThan(40_000);
    expect(compiled.kernels).toBeLessThanOrEqual(2);
  }, 300_000);
});

describe("a model whose generated code is large", () => {
  it("is warned about before the build, at the line most kernels come from (an unrolled loop)", () => {
    const dir = scratchDir("large-code-");
    const file = join(dir, "model.ts");
    writeFileSync(
      file,
      `import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";\nexport class M extends nn.Module {\n  fc = new nn.Linear(4, 4);\n  forward(x: Tensor<[Batch, 4]>) {\n    let h = x;\n    for (let t = 0; t < 6; t++) h = F.tanh(this.fc(h));\n    return F.relu(h);\n  }\n}\nexport const training = new Training(M, { loss: new nn.MSELoss(), optimizer: new optim.SGD({ lr: 0.1 }) });\n`,
    );
    const compiled = generate(file, { target: "cpu" });
    expect(compiled.warnings.map((w) => w.code)).not.toContain("TSDP6009");
    const plans = [compiled.plan, compiled.training!.evaluate.plan, compiled.training!.step.plan];
    // the same kernels as if their source were past the bound
    const [w] = sizeWarnings("x".repeat(LARGE_SOURCE_BYTES + 1), plans);
    expect(w).toMatchObject({ code: "TSDP6009", severity: "warning", loc: { line: 6 } });
    expect(w.message).toMatch(/^the generated code is 8\.0 MB \([\d,]+ kernels — \d+% of them from this line\): its build may take many minutes and gigabytes$/);
    expect(sizeWarnings("x".repeat(LARGE_SOURCE_BYTES), plans)).toEqual([]);
  });
});
