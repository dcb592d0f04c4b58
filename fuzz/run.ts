// npm run fuzz -- [--seed S] [--count N | --seeds S1,S2,…] [--cases K] [--batch B] [--work DIR] [--recheck-batch R] [--data-parallel] [--metamorphic]
//                 [--precisions tf32,bf16] [--shape-for gpu] [--reduce] [--minutes M] [--json FILE]
//
// Generates N random model files from seeds S, S+1, …, each packing K random cases
// (fuzz/generate.ts), or the model files of the seeds --seeds lists (a rerun of some seeds of a long
// run), and checks each against the float64 reference (fuzz/check.ts). Prints one line
// per model file, then the findings and the coverage: how many cases exercised each op and pattern.
// Exit status 1 when anything was found. Models run one after another (each build uses the cores).
// A file with reference mismatches only (no "inconsistent" bits between runs of one build) is re-run
// at --recheck-batch (16): mismatches that are gone there are
// listed as conditioning (BatchNorm over 3 nearly equal samples in fp32), not as findings.
// --shape-for gpu builds with the kernel shapes that ship to the GPU (its tiles, split-K, input
// gradients tap by tap, k-step skipping), run on the CPU target: the code nvcc would compile.
// --reduce shrinks each failing model file to a small one that fails the same way (fuzz/reduce.ts)
// and writes it to test/fixtures/fuzz/, where test/fuzz.test.ts checks it from then on.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { checkModel, type Finding } from "./check.ts";
import { generateModel } from "./generate.ts";
import { reduce, writeFixture } from "./reduce.ts";

const integer = (min: number) => (v: string) => {
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer ≥ ${min}`);
  return n;
};

const seedList = (v: string) => {
  const list = v.split(",").map((s) => s.trim());
  for (const s of list) if (!/^\d+$/.test(s) || !Number.isSafeInteger(Number(s))) throw new InvalidArgumentError(`expected seeds separated by commas, got ${s}`);
  return list.map(Number);
};

const shapeFor = (v: string) => {
  if (v !== "cpu" && v !== "gpu") throw new InvalidArgumentError(`expected cpu or gpu, got ${v}`);
  return v as "cpu" | "gpu";
};

const precisionList = (v: string) => {
  const list = v.split(",").map((p) => p.trim());
  for (const p of list) if (p !== "tf32" && p !== "bf16") throw new InvalidArgumentError(`expected tf32 and/or bf16, got ${p}`);
  return list as ("tf32" | "bf16")[];
};

const program = new Command("fuzz")
  .description("differential fuzzing: random models, compiled for the CPU target, against the float64 reference")
  .option("--seed <n>", "first seed", integer(0), 1)
  .option("--count <n>", "model files to generate", integer(1), 10)
  .option("--seeds <list>", "these seeds' model files instead (comma-separated; --seed and --count are then ignored)", seedList)
  .option("--cases <n>", "random cases packed in each model file (one build)", integer(1), 8)
  .option("--batch <n>", "batch of the checks", integer(2), 3)
  .option("--work <dir>", "where model files and builds go", "build/fuzz")
  .option("--data-parallel", "also compare the step on 2 and 3 virtual devices", false)
  .option("--metamorphic", "also run each model with its threads shuffled and with CUDA graphs off (must be bit-identical)", false)
  .option("--shape-for <machine>", "kernel shapes: cpu (the CPU target's) or gpu (those that ship to the GPU, run on the CPU target)", shapeFor, "cpu")
  .option("--precisions <list>", "also rebuild each model at these precisions (tf32, bf16) and compare with fp32", precisionList)
  .option("--recheck-batch <n>", "re-run a model with mismatches at this batch: gone there, they are listed as conditioning, not findings", integer(2), 16)
  .option("--reduce", "shrink each failing model into test/fixtures/fuzz/ (a regression test)", false)
  .option("--minutes <n>", "start no new model file after this many minutes (the summary is still written)", integer(1))
  .option("--json <file>", "write findings and coverage as JSON");
program.parse();
const opts = program.opts<{ shapeFor: "cpu" | "gpu"; seed: number; count: number; seeds?: number[]; cases: number; batch: number; recheckBatch: number; work: string; dataParallel: boolean; metamorphic: boolean; precisions?: ("tf32" | "bf16")[]; reduce: boolean; minutes?: number; json?: string }>();

// the reducer checks with these too: a finding of the metamorphic checks (seed 60063's first
// sign) does not show without them
const checks = { batch: opts.batch, shapeFor: opts.shapeFor, dataParallel: opts.dataParallel, metamorphic: opts.metamorphic || opts.precisions ? { order: opts.metamorphic, precisions: opts.precisions } : undefined };
const findings: Finding[] = [];
const conditioning: Finding[] = [];
const coverage = new Map<string, number>();
const started = performance.now();
let compileSeconds = 0;
let files = 0;
const seeds = opts.seeds ?? Array.from({ length: opts.count }, (_, i) => opts.seed + i);
for (const seed of seeds) {
  if (opts.minutes !== undefined && performance.now() - started > opts.minutes * 60_000) break;
  files++;
  const model = generateModel(seed, opts.cases);
  for (const c of model.cases) for (const t of c.tags) coverage.set(t, (coverage.get(t) ?? 0) + 1);
  const result = await checkModel(model, { work: join(opts.work, `seed-${seed}`), ...checks });
  compileSeconds += result.compileSeconds;
  // mismatches only: the same build again at a larger batch. A wrong index or a lost term errs at
  // every batch (the kernels are the same code); a BatchNorm over 3 nearly equal samples is
  // ill-conditioned in fp32 and settles at 16. Those are listed apart, not dropped.
  const onlyMismatches = result.findings.length > 0 && result.findings.every((f) => f.kind === "mismatch");
  const recheck = onlyMismatches && opts.recheckBatch > opts.batch ? await checkModel(model, { work: join(opts.work, `seed-${seed}`), batch: opts.recheckBatch, shapeFor: opts.shapeFor }) : undefined;
  const settled = recheck !== undefined && recheck.findings.length === 0;
  (settled ? conditioning : findings).push(...result.findings);
  const status = result.findings.length === 0 ? "ok" : `${result.findings.length} finding${result.findings.length === 1 ? "" : "s"}${settled ? `, none at batch ${opts.recheckBatch} (conditioning)` : ""}`;
  console.log(`seed ${seed}: ${opts.cases} cases, ${status} (compile ${result.compileSeconds.toFixed(1)} s, check ${result.checkSeconds.toFixed(1)} s)`);
  for (const f of result.findings) console.log(`  ${f.kind}: ${f.what}: ${f.message.split("\n")[0]}`);
  if (opts.reduce && result.findings.length && !settled) {
    const reduced = await reduce(seed, opts.cases, result.findings[0], join(opts.work, `seed-${seed}-reduce`), (line) => console.log(line), async (m, dir) => (await checkModel(m, { work: dir, ...checks })).findings);
    console.log(`  reduced in ${reduced.builds} builds: ${writeFixture("test/fixtures/fuzz", reduced)}`);
  }
}
const seconds = (performance.now() - started) / 1000;
console.log(`\n${files} model files, ${files * opts.cases} cases, ${findings.length} findings${conditioning.length ? ` (and ${conditioning.length} mismatches gone at batch ${opts.recheckBatch}: conditioning)` : ""} in ${seconds.toFixed(0)} s (${compileSeconds.toFixed(0)} s compiling)`);
console.log("coverage (cases per op or pattern):");
for (const [tag, n] of [...coverage].sort((a, b) => b[1] - a[1])) console.log(`  ${tag.padEnd(24)} ${n}`);
if (opts.json) writeFileSync(opts.json, JSON.stringify({ options: opts, files, cases: files * opts.cases, seconds, findings, conditioning, coverage: Object.fromEntries(coverage) }, null, 2) + "\n");
process.exitCode = findings.length ? 1 : 0;
