import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { catalog } from "../../compiler/diagnostics/catalog.ts";
import { runInChildren, type ChildOutcome } from "./child-runner.ts";

// The adversarial model corpus: hostile or careless model files, each saying in its header what
// must happen — `// expect: ok` (stages 1–5 compile it), or one `// expect: TSDPnnnn L:C` line per
// diagnostic. Every case runs in a child process with a time limit (`// timeout: N`, default
// 60 s), so the run counts crashes (a signal exit), hangs (past the limit) and internal errors
// (TSDP9xxx, or an exception that is not a CompileError) — all must be 0.

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const corpusDir = join(root, "test", "adversarial", "models");
const files = readdirSync(corpusDir)
  .filter((f) => f.endsWith(".ts"))
  .sort();

interface Case {
  readonly name: string;
  readonly path: string;
  readonly ok: boolean;
  readonly expected: string[];
  readonly timeout: number;
}

const cases: Case[] = files.map((name) => {
  const path = join(corpusDir, name);
  const text = readFileSync(path, "utf8");
  const expected = [...text.matchAll(/^\/\/ expect: (TSDP\d{4}) (\d+):(\d+)\s*$/gm)].map((m) => `${m[1]} ${m[2]}:${m[3]}`);
  const ok = /^\/\/ expect: ok\s*$/m.test(text);
  const timeout = Number(/^\/\/ timeout: (\d+)\s*$/m.exec(text)?.[1] ?? 60);
  return { name, path, ok, expected, timeout };
});

interface ProbeResult {
  readonly id: string;
  readonly outcome: "ok" | "diagnostics" | "exception";
  readonly diagnostics?: { code: string; file?: string; line?: number; col?: number; message: string }[];
  readonly message?: string;
  readonly ms: number;
}

let outcomes: Map<string, ChildOutcome<ProbeResult>>;

function isInternal(o: ChildOutcome<ProbeResult> | undefined): boolean {
  if (o?.kind !== "result") return false;
  return o.result.outcome === "exception" || (o.result.diagnostics ?? []).some((d) => d.code.startsWith("TSDP9"));
}

describe("adversarial model corpus", () => {
  beforeAll(async () => {
    const byPath = new Map(cases.map((c) => [c.path, c]));
    outcomes = await runInChildren<ProbeResult>({
      script: ["--import", "tsx", join(root, "test", "adversarial", "probe-models.ts")],
      ids: cases.map((c) => c.path),
      timeoutOf: (id) => byPath.get(id)?.timeout ?? 60,
      cwd: root,
    });
    const all = [...outcomes.values()];
    const count = (k: string) => all.filter((o) => o.kind === k).length;
    const internal = cases.filter((c) => isInternal(outcomes.get(c.path))).length;
    const slowest = cases
      .map((c) => ({ name: c.name, o: outcomes.get(c.path) }))
      .filter((x) => x.o?.kind === "result")
      .sort((a, b) => (b.o as { result: ProbeResult }).result.ms - (a.o as { result: ProbeResult }).result.ms)[0];
    console.log(
      `adversarial models: ${cases.length} cases, ${count("crash")} crashes, ${count("hang")} hangs, ${internal} internal errors` +
        (slowest ? `; slowest ${slowest.name} ${(slowest.o as { result: ProbeResult }).result.ms} ms` : ""),
    );
  }, 30 * 60_000);

  it("has at least 100 model files, each stating its outcome", () => {
    expect(cases.length).toBeGreaterThanOrEqual(100);
    for (const c of cases) {
      expect(c.ok !== c.expected.length > 0, `${c.name}: give either \`// expect: ok\` or \`// expect: TSDPnnnn L:C\` lines`).toBe(true);
      expect(readFileSync(c.path, "utf8").split("\n")[0], `${c.name}: line 1 must say what the file tries`).toMatch(/^\/\/ \S/);
    }
  });

  it("0 crashes, 0 hangs, 0 internal errors", () => {
    const bad = cases.flatMap((c) => {
      const o = outcomes.get(c.path);
      if (!o) return [`${c.name}: no outcome`];
      if (o.kind === "crash") return [`${c.name}: crashed (signal ${o.signal}, exit ${o.exitCode}) ${o.stderr.slice(-500)}`];
      if (o.kind === "hang") return [`${c.name}: still running after ${o.seconds} s`];
      if (isInternal(o)) return [`${c.name}: internal error ${o.result.message ?? JSON.stringify(o.result.diagnostics)}`];
      return [];
    });
    expect(bad).toEqual([]);
  });

  const knownCodes = new Set(Object.values(catalog).map((e) => e.code));

  it.each(cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const o = outcomes.get(c.path);
    expect(o?.kind, JSON.stringify(o)).toBe("result");
    const r = (o as { result: ProbeResult }).result;
    if (c.ok) {
      expect(r.outcome, `expected to compile: ${r.message ?? JSON.stringify(r.diagnostics)}`).toBe("ok");
      return;
    }
    expect(r.outcome, r.message ?? "compiled, but diagnostics were expected").toBe("diagnostics");
    for (const d of r.diagnostics!) {
      expect(knownCodes.has(d.code), `${d.code} is not in the catalog`).toBe(true);
      expect(d.file, `${d.code} must point into the model file`).toBe(c.path);
      expect(d.message.trim().length).toBeGreaterThan(0);
    }
    expect(r.diagnostics!.map((d) => `${d.code} ${d.line}:${d.col}`).sort()).toEqual([...c.expected].sort());
  });
});
