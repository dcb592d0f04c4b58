// npx tsx fuzz/summarize.ts RUN.json... — the totals of several long runs (fuzz/run.ts --json):
// model files, cases, seconds, findings, and the coverage added up, least-hit ops first, so that
// "every op hit at least N times" (issue 16) is read off one table.
import { readFileSync } from "node:fs";

interface RunJson {
  readonly files: number;
  readonly cases: number;
  readonly seconds: number;
  readonly findings: readonly { seed: number; kind: string; what: string }[];
  readonly conditioning?: readonly { seed: number; kind: string; what: string }[];
  readonly coverage: Readonly<Record<string, number>>;
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: npx tsx fuzz/summarize.ts RUN.json...  (the --json files of fuzz/run.ts)");
  process.exit(2);
}
const runs = files.map((f) => JSON.parse(readFileSync(f, "utf8")) as RunJson);
const coverage = new Map<string, number>();
for (const r of runs) for (const [tag, n] of Object.entries(r.coverage)) coverage.set(tag, (coverage.get(tag) ?? 0) + n);
const sum = (pick: (r: RunJson) => number) => runs.reduce((a, r) => a + pick(r), 0);
console.log(`${runs.length} runs: ${sum((r) => r.files)} model files, ${sum((r) => r.cases)} cases, ${(sum((r) => r.seconds) / 60).toFixed(0)} min`);
const findings = runs.flatMap((r) => r.findings);
const conditioning = runs.flatMap((r) => r.conditioning ?? []);
console.log(`${findings.length} findings in ${new Set(findings.map((f) => f.seed)).size} files${conditioning.length ? `; ${conditioning.length} mismatches gone at the recheck batch (conditioning)` : ""}`);
for (const f of findings) console.log(`  seed ${f.seed}: ${f.kind}: ${f.what}`);
const sorted = [...coverage].sort((a, b) => a[1] - b[1]);
console.log(`coverage: ${sorted.length} ops and patterns, the least hit ${sorted[0]?.[1] ?? 0} times (cases per tag):`);
console.log(sorted.map(([tag, n]) => `${tag} ${n}`).join(", "));
