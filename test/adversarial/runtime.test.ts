import { describe, beforeAll, expect, it } from "vitest";
import { compile } from "../../compiler/pipeline.ts";
import { runInChildren, type ChildOutcome } from "./child-runner.ts";
import type { RuntimeCase } from "./runtime-case.ts";
import { fixtureBuild, fixtureModels, fixtureSource, loadCases, root } from "./runtime-cases.ts";
import { join } from "node:path";

// The adversarial runtime corpus (test/adversarial/runtime/*.cases.ts): what a hostile or
// careless user can do to a compiled model, its directory, its checkpoints and the CLI. Each case
// runs in a child process on a private copy of a compiled fixture; the run counts crashes (a
// signal or an abort of that process), hangs (past the case's time limit) and mismatches with the
// case's expected outcome — all must be 0.

interface CaseResult {
  readonly id: string;
  readonly outcome: "ok" | "error";
  readonly name?: string;
  readonly message?: string;
}

const cases: RuntimeCase[] = await loadCases();
let outcomes: Map<string, ChildOutcome<CaseResult>>;

function describeOutcome(o: ChildOutcome<CaseResult> | undefined): string {
  if (!o) return "no outcome";
  if (o.kind === "crash") return `crashed the process (signal ${o.signal}, exit code ${o.exitCode}): ${o.stderr.slice(-800)}`;
  if (o.kind === "hang") return `still running after ${o.seconds} s`;
  return o.result.outcome === "ok" ? "completed" : `threw ${o.result.name}: ${o.result.message}`;
}

describe("adversarial runtime corpus", () => {
  beforeAll(async () => {
    // The fixtures are ordinary compiles (cached across runs); built in parallel.
    await Promise.all(fixtureModels.map((m) => compile(fixtureSource(m), { target: "cpu", outDir: fixtureBuild(m) })));
    const byName = new Map(cases.map((c) => [c.name, c]));
    outcomes = await runInChildren<CaseResult>({
      script: ["--expose-gc", "--import", "tsx", join(root, "test", "adversarial", "run-runtime-cases.ts")],
      ids: cases.map((c) => c.name),
      timeoutOf: (id) => byName.get(id)?.timeoutSeconds ?? 60,
      cwd: root,
    });
    const all = [...outcomes.values()];
    const count = (k: string) => all.filter((o) => o.kind === k).length;
    const perClass = [2, 3, 6, 7, 8].map((k) => `class ${k}: ${cases.filter((c) => c.class === k).length}`).join(", ");
    console.log(`adversarial runtime cases: ${cases.length} (${perClass}); ${count("crash")} crashes, ${count("hang")} hangs`);
  }, 30 * 60_000);

  it("has at least 100 cases with unique names", () => {
    expect(cases.length).toBeGreaterThanOrEqual(100);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  it("0 crashes, 0 hangs", () => {
    const bad = cases.filter((c) => outcomes.get(c.name)?.kind !== "result").map((c) => `${c.name}: ${describeOutcome(outcomes.get(c.name))}`);
    expect(bad).toEqual([]);
  });

  it.each(cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const o = outcomes.get(c.name);
    expect(o?.kind, describeOutcome(o)).toBe("result");
    const r = (o as { result: CaseResult }).result;
    if (c.expect === "ok") {
      expect(r.outcome, describeOutcome(o)).toBe("ok");
      return;
    }
    expect(r.outcome, `expected ${c.expect.error}, but the case ${describeOutcome(o)}`).toBe("error");
    expect(r.name, describeOutcome(o)).toBe(c.expect.error);
    if (c.expect.message) expect(r.message).toMatch(c.expect.message);
  });
});
