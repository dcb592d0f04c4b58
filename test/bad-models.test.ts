import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { lowerModel } from "../compiler/1-frontend/lower.ts";
import { catalog } from "../compiler/diagnostics/catalog.ts";
import { CompileError, diagnostic, type Diagnostic } from "../compiler/diagnostics/diagnostic.ts";
import { formatDiagnostic, formatDiagnostics } from "../compiler/diagnostics/format.ts";
import { diagnosticsOf, header } from "./helpers.ts";

// The corpus of bad models: each file in test/bad-models/ is a model a user could write, with
// a header comment saying what is wrong and one `// expect: TSDP4001 12:17` line per error
// the compiler must report (code, then line:col of the offending expression, 1-based).

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const corpusDir = join(root, "test", "bad-models");
const corpus = readdirSync(corpusDir)
  .filter((f) => f.endsWith(".ts"))
  .sort();

interface Expected {
  readonly code: string;
  readonly line: number;
  readonly col: number;
}

function expectationsOf(text: string): Expected[] {
  return [...text.matchAll(/^\/\/ expect: (TSDP\d{4}) (\d+):(\d+)\s*$/gm)].map((m) => ({ code: m[1], line: Number(m[2]), col: Number(m[3]) }));
}

const key = (e: { code: string; line: number; col: number }) => `${e.code} ${e.line}:${e.col}`;

/** The diagnostics of compiling `file`; fails the test if it compiles or throws anything else. */
function compileErrors(file: string): readonly Diagnostic[] {
  let thrown: unknown;
  try {
    lowerModel(file);
  } catch (e) {
    thrown = e;
  }
  if (thrown === undefined) throw new Error(`${relative(root, file)} compiled without errors`);
  if (!(thrown instanceof CompileError))
    throw new Error(`${relative(root, file)} crashed the compiler instead of reporting a CompileError:\n${(thrown as Error)?.stack ?? String(thrown)}`);
  return thrown.diagnostics;
}

const knownCodes = new Set(Object.values(catalog).map((e) => e.code));

describe("bad-model corpus", () => {
  it("has at least 30 models", () => {
    expect(corpus.length).toBeGreaterThanOrEqual(30);
  });

  it("covers every group of user errors (1xxx to 5xxx)", () => {
    const groups = new Set(
      corpus.flatMap((f) => expectationsOf(readFileSync(join(corpusDir, f), "utf8")).map((e) => e.code.slice(0, 5))),
    );
    expect([...groups].sort()).toEqual(["TSDP1", "TSDP2", "TSDP3", "TSDP4", "TSDP5"]);
  });

  it.each(corpus)("%s", (name) => {
    const file = join(corpusDir, name);
    const text = readFileSync(file, "utf8");
    const lines = text.split("\n");

    // the file documents itself: what is wrong, what must be reported, and it is a model file
    expect(lines[0], "line 1 must be a comment saying what is wrong").toMatch(/^\/\/ \S/);
    const expected = expectationsOf(text);
    expect(expected.length, "the file needs at least one `// expect: TSDPnnnn line:col` line").toBeGreaterThan(0);
    expect(text).toMatch(/from "tsdp\/dsl"/);
    for (const e of expected) expect(lines[e.line - 1], `${key(e)} points past the end of the file`).toBeDefined();

    const diags = compileErrors(file);
    expect(diags.map((d) => `${d.code} ${d.loc?.line}:${d.loc?.col}`).sort()).toEqual(expected.map(key).sort());
    for (const d of diags) {
      expect(knownCodes.has(d.code), `${d.code} is not in the catalog`).toBe(true);
      expect(d.code).toBe(catalog[d.kind].code);
      expect(d.message.trim().length, `${d.code} has an empty message`).toBeGreaterThan(0);
      expect(d.loc?.file).toBe(file);
      expect(d.loc!.length).toBeGreaterThanOrEqual(1);
    }
  });
});

describe("tsdp compile on bad models (the command line)", () => {
  const bin = join(root, "bin", "tsdp.js");
  const cases = ["shape-linear-after-view.ts", "multi-forward-errors.ts", "syntax-missing-paren.ts", "import-fs.ts"];

  it.each(cases)("%s: exit 1, a located diagnostic with a code frame, no stack trace", (name) => {
    const file = join("test", "bad-models", name);
    const r = spawnSync(process.execPath, [bin, "compile", file, "--emit", "ir"], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, TSDP_DEBUG: "", NO_COLOR: "1", FORCE_COLOR: "0" },
      timeout: 60_000,
    });
    expect(r.error).toBeUndefined();
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).toBe("");
    const err = r.stderr;
    expect(err).toContain("error TSDP");
    expect(err).toContain("-->");
    for (const e of expectationsOf(readFileSync(join(root, file), "utf8"))) {
      expect(err).toContain(`error ${e.code}:`);
      expect(err).toContain(`${file}:${e.line}:${e.col}`);
    }
    const out = err.split("\n");
    // a code frame: the source line after "N |", and a caret line "  |   ^^^"
    expect(out.some((l) => /^\s*\d+ \| /.test(l))).toBe(true);
    expect(out.some((l) => /^\s*\| *\^+\s*$/.test(l))).toBe(true);
    expect(out.filter((l) => l.startsWith("    at "))).toEqual([]);
    expect(err).not.toMatch(/internal error|Error:|\bat .*\.ts:\d+:\d+\)/);
    expect(err).toMatch(/\d+ errors?\n?$/);
  });

  it("points the caret at the offending expression in the file", () => {
    const file = join("test", "bad-models", "shape-linear-after-view.ts");
    const r = spawnSync(process.execPath, [bin, "compile", file, "--emit", "ir"], { cwd: root, encoding: "utf8", timeout: 60_000 });
    const out = r.stderr.split("\n");
    const src = out.findIndex((l) => /^16 \| /.test(l));
    expect(src).toBeGreaterThan(0);
    const code = out[src].slice("16 | ".length);
    const caret = out[src + 1].slice("   | ".length);
    expect(caret.indexOf("^")).toBe(code.indexOf("this.fc1(x)"));
    expect(caret.trim()).toBe("^".repeat("this.fc1(x)".length));
    expect(r.stderr).toContain("nn.Linear expects 800 input features, got 1250 from [Batch, 50, 5, 5]");
  });
});

describe("formatDiagnostic", () => {
  const file = "/virtual/model.ts";
  const text = [
    `import { nn, F, type Tensor, type Batch } from "tsdp/dsl";`,
    `export class Net extends nn.Module {`,
    `  fc1 = new nn.Linear(800, 500);`,
    `  forward(x: Tensor<[Batch, 50, 5, 5]>) {`,
    `    x = x.view(-1, 1250);`,
    `    x = F.relu(this.fc1(x));`,
    `    return x;`,
    `  }`,
    `}`,
    ...Array.from({ length: 4 }, () => ""),
    `\tconst t = x.add(y);`,
  ].join("\n");
  const sources = new Map([[file, text]]);

  /** The column (1-based) of the first caret under the source line printed for `line`. */
  function caretCol(out: string, line: number): { col: number; width: number } {
    const lines = out.split("\n");
    const i = lines.findIndex((l) => l.startsWith(`${line} | `));
    expect(i, out).toBeGreaterThan(0);
    const prefix = `${" ".repeat(String(line).length)} | `;
    expect(lines[i + 1].startsWith(prefix), out).toBe(true);
    const marks = lines[i + 1].slice(prefix.length);
    return { col: marks.indexOf("^") + 1, width: marks.trim().length };
  }

  it("renders code, message, location, code frame and help, with the caret under the column", () => {
    const col = text.split("\n")[5].indexOf("this.fc1(x)") + 1;
    const d = diagnostic("shapeMismatch", "nn.Linear expects 800 input features, got 1250 from [Batch, 50, 5, 5]", {
      file,
      line: 6,
      col,
      length: "this.fc1(x)".length,
    });
    const out = formatDiagnostic(d, { sources });
    const lines = out.split("\n");
    expect(lines[0]).toBe("error TSDP4001: nn.Linear expects 800 input features, got 1250 from [Batch, 50, 5, 5]");
    expect(lines[1]).toBe(`  --> ${file}:6:${col}`);
    expect(lines[2]).toBe("  |");
    expect(lines[3]).toBe("6 |     x = F.relu(this.fc1(x));");
    expect(lines[4]).toBe("  |                ^^^^^^^^^^^");
    expect(caretCol(out, 6)).toEqual({ col, width: 11 });
    expect(out).not.toContain("\x1b[");
  });

  it("shows the catalog's help and widens the gutter for longer line numbers", () => {
    const d = diagnostic("tensorOperator", "'+' on a tensor", { file, line: 14, col: 12, length: 8 });
    const out = formatDiagnostic(d, { sources });
    // the tab is printed as one space, so the column still lines up
    expect(out).toContain("14 |  const t = x.add(y);");
    expect(caretCol(out, 14)).toEqual({ col: 12, width: 8 });
    expect(out.split("\n").at(-1)).toBe(`   = help: ${catalog.tensorOperator.help}`);
  });

  it("clamps the underline at the end of the line and keeps at least one caret", () => {
    const atEnd = formatDiagnostic(diagnostic("syntaxError", "')' expected.", { file, line: 5, col: 25, length: 40 }), { sources });
    expect(caretCol(atEnd, 5)).toEqual({ col: 25, width: 1 });
    const empty = formatDiagnostic(diagnostic("syntaxError", "'}' expected.", { file, line: 10, col: 1, length: 0 }), { sources });
    expect(caretCol(empty, 10)).toEqual({ col: 1, width: 1 });
  });

  it("an error inside a helper names the call it came from (a helper called from many places), and calls of calls, innermost first", () => {
    const src = `${header}export class M extends nn.Module {
  w = new nn.Parameter(F.ones(21));
  r(t: Tensor, k: number) { return t.mul(this.w).sum(1, true).mul(k); }
  twice(t: Tensor) { return this.r(t, 2); }
  forward(x: Tensor<[Batch, 21]>) {
    const a = this.r(x, 1);
    const b = this.twice(x.narrow(1, 0, 14));
    return a.add(b);
  }
}
`;
    const [d, ...rest] = diagnosticsOf(src);
    expect(rest).toEqual([]);
    expect(d.message).toBe("mul: shapes [Batch, 14] * [21] do not broadcast (each trailing dim must be equal or 1)");
    const lineOf = (s: string) => src.split("\n").findIndex((l) => l.includes(s)) + 1;
    expect(d.calledFrom?.map((c) => [c.name, c.loc.line])).toEqual([
      ["M.r", lineOf("return this.r(t, 2)")],
      ["M.twice", lineOf("this.twice(x.narrow")],
    ]);
    const out = formatDiagnostic(d, { cwd: dirname(d.loc!.file) }).split("\n");
    expect(out.slice(-2)).toEqual([
      `   = in M.r, called from ${basename(d.loc!.file)}:${lineOf("return this.r(t, 2)")}:${d.calledFrom![0].loc.col}`,
      `   = in M.twice, called from ${basename(d.loc!.file)}:${lineOf("this.twice(x.narrow")}:${d.calledFrom![1].loc.col}`,
    ]);
  });

  it("prints paths relative to cwd, and without a location or source just the message", () => {
    const d = diagnostic("undefinedName", "'process' cannot be used in a model file", { file, line: 5, col: 9, length: 6 });
    expect(formatDiagnostic(d, { sources, cwd: "/virtual" }).split("\n")[1]).toBe("  --> model.ts:5:9");
    const noSource = formatDiagnostic(diagnostic("undefinedName", "x", { file: "/nowhere/missing.ts", line: 1, col: 1, length: 1 }));
    expect(noSource).toBe("error TSDP2005: x\n  --> /nowhere/missing.ts:1:1");
    expect(formatDiagnostic(diagnostic("noModel", "model.ts exports no class that extends nn.Module"))).toBe(
      `error TSDP5001: model.ts exports no class that extends nn.Module\n   = help: ${catalog.noModel.help}`,
    );
  });

  it("counts the errors after the list", () => {
    const d = diagnostic("shapeMismatch", "a", { file, line: 6, col: 5, length: 1 });
    expect(formatDiagnostics([d], { sources }).endsWith("\n\n1 error")).toBe(true);
    expect(formatDiagnostics([d, d], { sources }).endsWith("\n\n2 errors")).toBe(true);
  });
});
