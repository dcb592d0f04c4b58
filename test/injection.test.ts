import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lowerModel } from "../compiler/1-frontend/lower.ts";
import { planKernels } from "../compiler/3-fusion/plan.ts";
import { planMemory } from "../compiler/4-memory/plan.ts";
import { generateCuda, type GeneratedModel } from "../compiler/5-codegen/emit.ts";
import { cComment, cIdentifier, cString, jsonString } from "../compiler/5-codegen/escape.ts";
import { cacheDirectory, compileCommand, harnessFor, shimFor } from "../compiler/6-build/build.ts";
import { findCxx } from "../compiler/6-build/toolchain.ts";
import { CompileError } from "../compiler/diagnostics/diagnostic.ts";
import type { Graph, Node } from "../compiler/ir/node.ts";
import { generate, trainingPrograms } from "../compiler/pipeline.ts";
import { scratchDir } from "./helpers.ts";

// Class 1 of issue 10: nothing from a model file becomes code. Text from the model (names, the
// file's name, its source lines) reaches model.cu, model.h and manifest.json only escaped for its
// context, and names must be identifiers. The generated sources are built with a sentinel,
// -DTSDP_INJECTED=<a syntax error>: every payload below uses TSDP_INJECTED as code (and #error
// lines, and __builtin_puts("PWNED")), so a payload that survived as code fails the build, and
// one that ran would print PWNED when the library is loaded and run.

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const tmp = scratchDir("tsdp-injection-");
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const sentinel = "-DTSDP_INJECTED=tsdp_injected_code_survived(";

/** Hostile strings: each would break out of a C string, a comment or an identifier if pasted as is. */
const payloads = [
  // out of the state table's string literal, a statement that runs at load
  `q", 0, 0, F32, 0}, 0, 0, 0, 0, 0u, 0}}; static int pwn1 = __builtin_puts("PWNED") + TSDP_INJECTED; static int pwn1b[] = {{{"z`,
  // out of a // comment onto a line of its own
  `a\n#error injected through a newline\nstatic int pwn2 = TSDP_INJECTED;`,
  `b\r#error injected through a carriage return\rstatic int pwn3 = TSDP_INJECTED;`,
  // a line splice: the next generated line joins the comment, or a payload joins the code
  `c \\`,
  `d ??/`,
  // out of a /* */ comment (model.h)
  `*/ static int pwn4 = TSDP_INJECTED; /*`,
  // characters that are line breaks for JavaScript and editors, and a NUL
  `e\u2028static int pwn5 = TSDP_INJECTED;\u2029\u0000`,
  // non-ASCII, quotes, a trigraph that is a quote-escape
  `é"??'\\" static int pwn6 = TSDP_INJECTED; "`,
];

/** A copy of `graph` in which every name that comes from the model is a payload (the frontend would refuse these). */
function withHostileNames(graph: Graph): { graph: Graph; names: Map<string, string> } {
  const names = new Map<string, string>();
  const copies = new Map<Node, Node>();
  let next = 0;
  const hostile = (name: string) => {
    const h = `${payloads[next++ % payloads.length]}|${name}`;
    names.set(name, h);
    return h;
  };
  const copy = (n: Node): Node => copies.get(n)!;
  for (const n of graph.nodes) {
    const named = (n.op === "param" || n.op === "buffer" || n.op === "input") && n.attrs.name !== "target" ? { name: hostile(n.attrs.name as string) } : {};
    const c = Object.freeze({ ...n, inputs: n.inputs.map(copy), attrs: Object.freeze({ ...n.attrs, ...named }), scope: n.scope ? `${payloads[n.id % payloads.length]}.${n.scope}` : n.scope }) as Node;
    copies.set(n, c);
  }
  const g: Graph = Object.freeze({
    ...graph,
    name: payloads[0] + payloads[5],
    nodes: graph.nodes.map(copy),
    inputs: graph.inputs.map(copy),
    params: graph.params.map(copy),
    buffers: graph.buffers.map(copy),
    outputs: graph.outputs.map(copy),
    loss: graph.loss && { target: graph.loss.target && copy(graph.loss.target), value: copy(graph.loss.value) },
  });
  return { graph: g, names };
}

/** Stages 2–5 on a graph (what generate does after the frontend). */
function codegen(graph: Graph): GeneratedModel {
  const plan = planKernels(graph);
  return generateCuda({ forward: { graph, plan, memory: planMemory(graph, plan) }, target: "cpu", training: trainingPrograms(graph) });
}

// The fixed harness the generated code links with (runtime/harness/: no model text reaches it).
let harness: string[] = [];
beforeAll(async () => {
  // a build's own harness objects (the shared cache's entry, compiled with the precompiled shim)
  const shim = await shimFor(cacheDirectory(), "cpu", "plain");
  const { objects } = await harnessFor(cacheDirectory(), "cpu", [], "plain", shim);
  harness = Object.values(objects);
});

/** g++ with the CPU shim, as tsdp builds (model.cu linked with the harness), plus the sentinel; the log when it fails. */
function buildWithSentinel(cu: string, dir: string): { ok: boolean; log: string } {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "model.cu"), cu);
  const cmd = compileCommand("cpu", join(dir, "model.cu"), join(dir, "libmodel.so"), [], false, harness);
  const r = spawnSync(cmd[0], [...cmd.slice(1).filter((a) => a !== "-O3" && a !== "-march=native"), "-O0", sentinel], { encoding: "utf8", timeout: 300_000 });
  return { ok: r.status === 0, log: `${r.stdout}\n${r.stderr}` };
}

const model = (header: string, body: string) => `import { nn, F, Tensor, Batch, Training, optim } from "tsdp/dsl";
${header}
export class Tiny extends nn.Module {
  fc1 = new nn.Linear(4, 8);
  fc2 = new nn.Linear(8, 3);
  forward(x: Tensor<[Batch, 4]>) {
${body}
  }
}
export const training = new Training(Tiny, { loss: new nn.CrossEntropyLoss(), optimizer: new optim.SGD({ lr: 0.1, momentum: 0.9 }) });
`;

describe("escapers", () => {
  /** Reads a C string literal back as bytes (the escapes cString writes, and nothing else). */
  const cStringBytes = (lit: string): Buffer => {
    expect(lit.startsWith('"') && lit.endsWith('"')).toBe(true);
    const bytes: number[] = [];
    const body = lit.slice(1, -1);
    for (let i = 0; i < body.length; i++) {
      const c = body[i];
      expect(c, "an unescaped quote ends the literal").not.toBe('"');
      if (c !== "\\") {
        bytes.push(c.charCodeAt(0));
        continue;
      }
      const next = body[++i];
      if (/[0-7]/.test(next)) {
        bytes.push(parseInt(body.slice(i, i + 3), 8));
        expect(body.slice(i, i + 3)).toMatch(/^[0-7]{3}$/);
        i += 2;
      } else {
        expect(["\\", '"', "?"]).toContain(next);
        bytes.push(next.charCodeAt(0));
      }
    }
    return Buffer.from(bytes);
  };

  it.each(payloads.concat(["conv1.weight", "", "\\", "??=", "😀", "\x7f\x80", "a\0b"]))("cString %j is one printable-ASCII literal that decodes to the same bytes", (s) => {
    const lit = cString(s);
    expect(lit).toMatch(/^"[\x20-\x7e]*"$/);
    expect(lit).not.toContain("??");
    expect(cStringBytes(lit).equals(Buffer.from(s, "utf8"))).toBe(true);
  });

  it.each(payloads.concat(["x = 1; // ends with \\", "trailing \\   ", "a */ b", "??/", "tab\there", "rtl \u202e override \u2066"]))("cComment %j stays one comment line", (s) => {
    const text = cComment(s);
    expect(text).not.toMatch(/[\n\r\u2028\u2029\u0000-\u0008\u000a-\u001f\u007f\u202e]/);
    expect(text).not.toContain("*/");
    expect(text).not.toContain("??");
    expect(text).not.toMatch(/\\\s*$/);
  });

  it("cComment keeps ordinary text, non-ASCII letters included, as written", () => {
    expect(cComment("model.ts:12  x = this.pool(F.relu(this.conv1(x))); // première couche")).toBe("model.ts:12  x = this.pool(F.relu(this.conv1(x))); // première couche");
    expect(cComment("a\nb")).toBe("a\\x0ab");
    expect(cComment("a */ b")).toBe("a *\\x2f b");
    expect(cComment("a\tb \\\t")).toBe("a\tb \\x5c");
  });

  it("cIdentifier keeps tsdp's names and mangles everything else injectively into [A-Za-z0-9_]", () => {
    for (const name of ["conv1_relu_pool", "fc2_matmul_relu_grad", "body_0_kernel", "_x"]) expect(cIdentifier(name)).toBe(name);
    const inputs = [...payloads, "a.b", "a_b", "aZ2e_b", "Z", "ZZ", "Z_", "", "0", "0a", "Z30_a", "a b", "a-b", "é", "e\u0301", "😀"];
    const outputs = inputs.map(cIdentifier);
    for (const o of outputs) expect(o).toMatch(/^[A-Za-z_][A-Za-z0-9_]*$/);
    expect(new Set(outputs).size).toBe(inputs.length);
  });

  it("jsonString round-trips through JSON.parse", () => {
    for (const s of payloads) expect(JSON.parse(jsonString(s))).toBe(s);
  });
});

describe("layer and input names (TSDP3008)", () => {
  const cases: [string, string, string][] = [
    ["a quoted field name with a C payload", `  'q", 0}}; static int x = __builtin_puts("PWNED"); {{"z' = new nn.Linear(4, 4);`, "return this.fc2(F.relu(this.fc1(x)));"],
    ["a digit-only field", "  0 = new nn.Linear(4, 4);", "return this.fc2(F.relu(this.fc1(x)));"],
    ["a fractional field", "  0.5 = new nn.Linear(4, 4);", "return this.fc2(F.relu(this.fc1(x)));"],
    ["a field with a dot", `  "a.b" = new nn.Linear(4, 4);`, "return this.fc2(F.relu(this.fc1(x)));"],
    ["an empty field name", `  "" = new nn.Linear(4, 4);`, "return this.fc2(F.relu(this.fc1(x)));"],
    ["a non-ASCII identifier", "  café = new nn.Linear(4, 4);", "return this.fc2(F.relu(this.fc1(x)));"],
  ];
  it.each(cases)("%s is TSDP3008 at the name", (_what, field, body) => {
    const file = join(tmp, `names-${cases.findIndex((c) => c[1] === field)}.ts`);
    writeFileSync(file, model("", body).replace("  fc1 = new nn.Linear(4, 8);", `${field}\n  fc1 = new nn.Linear(4, 8);`));
    const e = (() => {
      try {
        lowerModel(file);
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(CompileError);
    const d = (e as CompileError).diagnostics;
    expect(d.map((x) => `${x.code} ${x.loc?.line}:${x.loc?.col}`)).toEqual(["TSDP3008 4:3"]);
  });

  it("this['my layer'](x) is TSDP3008 at the name, not 'undefined is not a function'", () => {
    const file = join(tmp, "names-read.ts");
    writeFileSync(file, model("", `    return this["my layer"](this.fc2(F.relu(this.fc1(x))));`));
    let thrown: unknown;
    try {
      lowerModel(file);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(CompileError);
    expect((thrown as CompileError).diagnostics.map((d) => `${d.code} ${d.loc?.line}:${d.loc?.col}`)).toEqual(["TSDP3008 7:17"]);
  });
});

describe("generated sources with hostile text", () => {
  const cxx = findCxx();

  it("the sentinel fails a build where TSDP_INJECTED is code, and not where it is a string or a comment", () => {
    expect(cxx, "g++ is needed for this test").toBeTruthy();
    const check = (src: string) => {
      const f = join(tmp, `sentinel-${Math.random().toString(36).slice(2)}.cc`);
      writeFileSync(f, src);
      return spawnSync(cxx!, ["-std=c++20", "-fsyntax-only", sentinel, f]).status === 0;
    };
    expect(check("static int x = TSDP_INJECTED;\n")).toBe(false);
    expect(check('#error injected\n')).toBe(false);
    expect(check('// TSDP_INJECTED\nstatic const char* s = "TSDP_INJECTED";\n')).toBe(true);
  });

  it("names from a graph that bypassed the frontend are data in model.cu, model.h and manifest.json: it builds under the sentinel, and a C program finds every parameter by its exact name and prints nothing else", () => {
    const file = join(tmp, "tiny.ts");
    writeFileSync(file, model("", "    return this.fc2(F.relu(this.fc1(x)));"));
    const { graph, names } = withHostileNames(lowerModel(file).graph);
    const gen = codegen(graph);

    // a hostile name appears as written only after // on its line (escaped there for a comment);
    // everywhere else it is a C string literal
    for (const text of [gen.cu, gen.header])
      for (const line of text.split("\n"))
        for (const h of [...names.values(), graph.name]) {
          const at = line.indexOf(h);
          if (at >= 0) expect(line.slice(0, at), `${h} outside a comment`).toContain("//");
        }
    expect(gen.header).not.toContain(graph.name);
    expect(gen.cu).toContain(cString(names.get("fc1.weight")!));
    expect(JSON.parse(JSON.stringify(gen.manifest)).params.map((p: { name: string }) => p.name)).toEqual([...names.entries()].filter(([k]) => k !== "x").map(([, v]) => v));

    const dir = join(tmp, "hostile-names");
    const built = buildWithSentinel(gen.cu, dir);
    expect(built.ok, built.log).toBe(true);
    writeFileSync(join(dir, "model.h"), gen.header);

    // a C driver through model.h (compiled under the sentinel too): create, forward, every parameter by name
    const params = [...names.entries()].filter(([k]) => k !== "x");
    const driver = `#include <cstdio>
#include <cstring>
#include <vector>
#include "model.h"
int main() {
  tsdp_config cfg = {0, nullptr, 1};
  tsdp_model* m = nullptr;
  if (tsdp_create(&cfg, &m) != 0) { std::printf("CREATE-FAILED\\n"); return 1; }
  float x[2 * 4] = {1, 2, 3, 4, 5, 6, 7, 8}, y[2 * 3] = {0};
  const void* in[] = {x};
  void* out[] = {y};
  if (tsdp_forward(m, 2, in, out) != 0) { std::printf("FORWARD-FAILED %s\\n", tsdp_last_error(m)); return 1; }
  const char* names[] = {${params.map(([, v]) => cString(v)).join(", ")}};
  const unsigned long long bytes[] = {${params.map(([k]) => (k.endsWith("weight") ? (k.startsWith("fc1") ? 32 * 4 : 24 * 4) : k.startsWith("fc1") ? 8 * 4 : 3 * 4)).join(", ")}};
  int found = 0;
  for (int i = 0; i < ${params.length}; ++i) {
    std::vector<float> host(bytes[i] / 4);
    if (tsdp_get_param(m, names[i], host.data(), bytes[i]) == 0) ++found;
  }
  // a name that is a prefix of a hostile one is not found
  float scratch[32];
  const int wrong = tsdp_get_param(m, "q", scratch, sizeof scratch);
  std::printf("found=%d wrong=%d finite=%d\\n", found, wrong != 0, y[0] == y[0]);
  tsdp_destroy(m);
  return 0;
}
`;
    writeFileSync(join(dir, "driver.cc"), driver);
    const exe = join(dir, "driver");
    const d = spawnSync(cxx!, ["-std=c++20", sentinel, "-I", dir, join(dir, "driver.cc"), join(dir, "libmodel.so"), `-Wl,-rpath,${dir}`, "-o", exe], { encoding: "utf8" });
    expect(d.status, d.stderr).toBe(0);
    const run = spawnSync(exe, [], { encoding: "utf8", timeout: 60_000 });
    expect(run.signal).toBeNull();
    expect(run.status, run.stderr).toBe(0);
    expect(`${run.stdout}${run.stderr}`).not.toContain("PWNED");
    expect(run.stdout.trim()).toBe(`found=${params.length} wrong=1 finite=1`);
  }, 400_000);

  it("a model file named with newlines, #define and __builtin_puts, with hostile source lines, compiles under the sentinel, and load + forward in Node print nothing", () => {
    // A file name cannot live in git with a newline in it: it is made here.
    const dir = mkdtempSync(join(tmp, "file-"));
    const name = `m\n#define TSDP_PWN 1\nstatic int pwn = __builtin_puts("PWNED") + TSDP_INJECTED;\n#error injected.ts`;
    const file = join(dir, name);
    // The quoted lines end in a backslash (a line splice in a // comment), hold */, a ??/ trigraph,
    // a lone \r and U+2028 (line breaks for TypeScript, not for the line splitter).
    writeFileSync(
      file,
      model(
        "// a comment line \\",
        [
          "    const h = F.relu(this.fc1(x)); // continues: \\",
          "    const g = F.relu(h); /* */ // */ static int pwn2 = TSDP_INJECTED; /* ??/",
          "    const k = F.relu(g); // \r// #error injected through a lone CR",
          "    const j = F.relu(k); // \u2028// static int pwn3 = TSDP_INJECTED;",
          "    return this.fc2(j); // the last line \\",
        ].join("\n"),
      ).replace("export class Tiny", "export class Modèle_Tiny").replace("new Training(Tiny", "new Training(Modèle_Tiny"),
    );
    const { generated: gen } = generate(file, { target: "cpu" });
    expect(gen.manifest.sourceFile).toBe(name);
    expect(gen.manifest.model).toBe("Modèle_Tiny");
    // the paths were taken: the file name and the hostile lines are quoted, escaped
    expect(gen.cu).toContain("m\\x0a#define TSDP_PWN 1\\x0astatic int pwn");
    expect(gen.cu).toMatch(/continues: \\x5c/);
    expect(gen.cu).toContain("*\\x2f static int pwn2");
    // lone CR and U+2028 are line breaks for TypeScript: the quoted lines are the lines it numbers
    expect(gen.cu).not.toMatch(/[\r\u2028\u2029]/);
    expect(gen.cu).toContain("const k = F.relu(g); //\n");
    expect(gen.cu).toContain("const j = F.relu(k); //\n");
    expect(gen.cu).not.toMatch(/^#define TSDP_PWN/m);
    expect(gen.header).not.toMatch(/^#define TSDP_PWN/m);

    const out = join(dir, "build");
    const built = buildWithSentinel(gen.cu, out);
    expect(built.ok, built.log).toBe(true);
    writeFileSync(join(out, "model.h"), gen.header);
    // sealed as tsdp's build seals it: the library's sha256 and size in the manifest
    const library = readFileSync(join(out, "libmodel.so"));
    const sealed = { ...gen.manifest, librarySha256: createHash("sha256").update(library).digest("hex"), libraryBytes: library.length };
    writeFileSync(join(out, "manifest.json"), JSON.stringify(sealed, null, 2));
    const hdr = spawnSync(cxx!, ["-std=c++20", "-fsyntax-only", sentinel, "-x", "c++", join(out, "model.h")], { encoding: "utf8" });
    expect(hdr.status, hdr.stderr).toBe(0);

    const script = `
      import { load, tensor } from "tsdp";
      const m = await load(${JSON.stringify(out)}, { seed: 3 });
      const y = m.forwardSync(tensor(new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]), [2, 4]));
      m.dispose();
      console.log(JSON.stringify({ shape: y.shape, finite: [...y.data].every(Number.isFinite) }));`;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { cwd: root, encoding: "utf8", timeout: 120_000 });
    expect(r.signal).toBeNull();
    expect(r.status, r.stderr).toBe(0);
    expect(`${r.stdout}${r.stderr}`).not.toContain("PWNED");
    expect(JSON.parse(r.stdout.trim().split("\n").pop()!)).toEqual({ shape: [2, 3], finite: true });
  }, 400_000);
});

// The inject-* files of test/adversarial/models/ are run by test/adversarial/models.test.ts.
describe("the inject-* corpus", () => {
  it("has at least 25 model files, hostile names refused (TSDP3008) and hostile text that must compile", () => {
    const dir = join(root, "test", "adversarial", "models");
    const texts = readdirSync(dir).filter((f) => f.startsWith("inject-") && f.endsWith(".ts")).map((f) => readFileSync(join(dir, f), "utf8"));
    expect(texts.length).toBeGreaterThanOrEqual(25);
    expect(texts.filter((t) => /^\/\/ expect: TSDP3008 /m.test(t)).length).toBeGreaterThanOrEqual(10);
    expect(texts.filter((t) => /^\/\/ expect: ok$/m.test(t)).length).toBeGreaterThanOrEqual(10);
  });
});

describe("compiler arguments", () => {
  it("no path given to g++ or nvcc can be read as an option, and architectures must be numbers", () => {
    const cmd = compileCommand("cpu", "-o/tmp/evil.cu", "-shared.so", []);
    expect(cmd).toContain("./-o/tmp/evil.cu");
    expect(cmd).toContain("./-shared.so");
    expect(cmd).not.toContain("-o/tmp/evil.cu");
    expect(() => compileCommand("cuda", "model.cu", "libmodel.so", ["90,code=sm_90 -Xcompiler -fplugin=x"])).toThrow(RangeError);
    expect(() => compileCommand("cuda", "model.cu", "libmodel.so", ["-90"])).toThrow(RangeError);
  });
});
