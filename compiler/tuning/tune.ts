import { sourceAsOut } from "../build-paths.ts";
import { existsSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { lowerModel, type LowerOptions } from "../1-frontend/lower.ts";
import type { Kernel } from "../3-fusion/plan.ts";
import type { Precision } from "../5-codegen/context.ts";
import type { GemmMode } from "../5-codegen/kernels/cublaslt.ts";
import { kernelGemmMaps } from "../5-codegen/kernels/gemm-shape.ts";
import { writeExclusive } from "../6-build/cache.ts";
import { CompileError } from "../diagnostics/diagnostic.ts";
import { GPUS, type GpuName } from "../gpu-specs.ts";
import { estimateProgram, launchesAt } from "../perf-model.ts";
import { generate, type Compiled } from "../pipeline.ts";
import { textTable } from "../text-table.ts";
import { launchesOfKernel, programsOf } from "./kernel-report.ts";
import { GEMM_KNOBS, GEMM_TC_KNOBS, POINTWISE_KNOBS, type KnobOverrides, type KnobReport, type KnobValue } from "./knobs.ts";
import { familyOf, kernelKnobs } from "./tuned-shapes.ts";
import { defaultTuningPath, parseTuningFile, type TuningFile } from "./tuning-file.ts";
import { verifyTuning, type Verification, type VerifyOptions } from "./verify.ts";

// `tsdp tune model.ts` (issue 18, item 4): searches each kernel's knobs and writes the tuning file.
//
// By the performance model (--by model, the default without a GPU): every legal candidate of every
// tunable kernel of the training step (the forward when the model does not train) is estimated on
// the chosen GPU at the chosen batch (compiler/perf-model.ts, what `tsdp inspect --gpu` shows).
// A kernel's launches are estimated independently of the others', so one code generation can
// carry a candidate for every kernel at once: round r gives each kernel its r-th candidate, and
// the number of generations is the largest candidate count, not the sum. A kernel keeps the
// heuristic's shape unless a candidate is estimated at least 0.5 % faster. These are model
// estimates, labelled so wherever they are printed; the model's limits are README "Performance model".
//
// By timing (--by timing, the default where a GPU is present): not built. It would time each
// candidate with CUDA events (warm-up, medians) on the device; it refuses rather than pretend.
//
// Before anything is written the chosen file is verified (verify.ts): the model is compiled with
// it for the CPU target with the GPU's kernel shapes, and one training step is compared with the
// float64 reference. A file that fails is not written.

export class TuneUsageError extends Error {}

/** The pending tuning files of tunes that were stopped (Ctrl-C) in `dir`: their process is gone. */
function removeAbandonedPending(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = /^\.(\d+)\.pending\.tune\.json$/.exec(name)?.[1];
    if (pid === undefined || Number(pid) === process.pid) continue;
    try {
      process.kill(Number(pid), 0); // still running: its file
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ESRCH") rmSync(join(dir, name), { force: true });
    }
  }
}

export interface TuneOptions extends LowerOptions {
  readonly batch: number;
  readonly gpu: GpuName;
  readonly by: "model" | "timing";
  readonly precision?: Precision;
  readonly gemm?: GemmMode;
  /** The tuning file to write (default: model.tune.json beside the model). */
  readonly out?: string;
  /** Where the verification build goes. */
  readonly verifyDir: string;
  /** Tests of the verification: passed to verifyTuning, which must then refuse the file. */
  readonly perturb?: VerifyOptions["perturb"];
}

export interface TuneRow {
  readonly kernel: string;
  readonly before: KnobOverrides;
  readonly beforeSeconds: number;
  readonly after: KnobOverrides;
  readonly afterSeconds: number;
  readonly candidates: number;
  readonly changed: boolean;
}

export interface TuneResult {
  readonly model: string;
  readonly program: "step" | "forward";
  readonly gpu: string;
  readonly batch: number;
  readonly rows: readonly TuneRow[];
  readonly totalBefore: number;
  readonly totalAfter: number;
  /** The tuning file's text, and where it was written (undefined: verification failed). */
  readonly text: string;
  readonly written?: string;
  readonly verification: Verification;
  readonly generations: number;
}

/** At most this many split counts per tile: powers of two (the run-time count is min(this, K's depth)). */
const SPLITS = [1, 2, 4, 8, 16, 32, 64, 128];

/** Every legal knob combination of a kernel (knobs.ts's tables). */
export function candidatesOf(k: Kernel, precision: Precision): KnobOverrides[] {
  const family = familyOf(k, precision);
  if (family === "pointwise") {
    const [bs, ept] = POINTWISE_KNOBS;
    return bs.legal(undefined).flatMap((b) => ept.legal(undefined).map((e) => ({ blockSize: b, elementsPerThread: e })));
  }
  if (family === "gemm_tc") return GEMM_TC_KNOBS[0].legal({ parts: kernelGemmMaps(k).parts }).map((tile) => ({ tile }));
  if (family !== "gemm") return [];
  const g = { parts: kernelGemmMaps(k, undefined, "gpu").parts, shapeFor: "gpu" as const };
  const out: KnobOverrides[] = [];
  for (const threadTile of GEMM_KNOBS[0].legal({ ...g, threadTile: "4x4" }))
    for (const tile of GEMM_KNOBS[1].legal({ ...g, threadTile: String(threadTile) }))
      for (const splitK of GEMM_KNOBS[2].legal({ ...g, threadTile: String(threadTile) }).filter((s) => SPLITS.includes(Number(s))))
        // a conv forward's patch staging: the heuristic's choice, or off (not "on": a layout with conflicts)
        for (const patch of GEMM_KNOBS[3].legal({ ...g, threadTile: String(threadTile) }).filter((p) => p !== "on")) out.push({ threadTile, tile, splitK, patch });
  return out;
}

const valuesOf = (r: KnobReport): KnobOverrides => Object.fromEntries(Object.entries(r).map(([k, s]) => [k, s.value]));

export async function tune(file: string, o: TuneOptions): Promise<TuneResult> {
  if (o.by === "timing")
    throw new TuneUsageError(
      "tuning by timing on the GPU (each candidate timed with CUDA events, warm-up, medians) is not built in this version of tsdp; " +
        "tune by the performance model instead with --by model (its figures are model estimates, not measurements)",
    );
  // the destination checked before the search, not after it: a directory is not a tuning file
  const out = o.out ?? defaultTuningPath(file);
  const source = sourceAsOut(out, file);
  if (source) throw new TuneUsageError(`${source}; give the tuning file's path (e.g. ${defaultTuningPath(file)})`);
  if (existsSync(out) && statSync(out).isDirectory()) throw new TuneUsageError(`--out ${out} is a directory; give the tuning file's path (e.g. ${join(out, "model.tune.json")})`);
  // the rename that installs the file replaces what is at its name: /dev/null (as root) became a regular file
  const at = lstatSync(out, { throwIfNoEntry: false });
  if (at && !at.isFile() && !at.isSymbolicLink())
    throw new TuneUsageError(`--out ${out} is not a regular file (a device, FIFO or socket), which writing the tuning file would replace; give the tuning file's path (e.g. ${defaultTuningPath(file)})`);
  removeAbandonedPending(dirname(out));
  const precision = o.precision ?? "fp32";
  const lowered = lowerModel(file, o); // once: stage 1 is most of a generation's time
  const gen = (tune: TuningFile | false) => generate(file, { model: o.model, target: "cuda", shapeFor: "gpu", precision, gemm: o.gemm, tune, lowered });
  const base = gen(false);
  const program = base.training ? "step" : "forward";
  const plan = programsOf(base)[program].plan;
  const tunable = plan.kernels.filter((k) => familyOf(k, precision) !== undefined);
  const candidates = new Map(tunable.map((k) => [k.name, candidatesOf(k, precision)]));
  const times = (c: Compiled) => kernelTimes(c, program, tunable.map((k) => k.name), o);
  const before = times(base);
  const best = new Map<string, { knobs: KnobOverrides; seconds: number }>();
  const rounds = Math.max(0, ...[...candidates.values()].map((c) => c.length));
  let generations = 1;
  const consider = (assign: Map<string, KnobOverrides>) => {
    generations++;
    const t = times(gen(fileOf(assign, o, precision)));
    for (const [name, knobs] of assign) {
      const s = t.get(name)!;
      if (!best.has(name) || s < best.get(name)!.seconds) best.set(name, { knobs, seconds: s });
    }
  };
  for (let r = 0; r < rounds; r++) {
    const assign = new Map<string, KnobOverrides>();
    for (const [name, list] of candidates) if (r < list.length) assign.set(name, list[r]);
    try {
      consider(assign);
    } catch (e) {
      // a candidate the generator refuses for this model (e.g. a grid past CUDA's limits): one at a time
      if (!(e instanceof CompileError)) throw e;
      for (const [name, knobs] of assign) {
        try {
          consider(new Map([[name, knobs]]));
        } catch (e2) {
          if (!(e2 instanceof CompileError)) throw e2;
        }
      }
    }
  }
  const chosen = new Map<string, KnobOverrides>();
  for (const k of tunable) {
    const b = best.get(k.name);
    if (b && b.seconds < before.get(k.name)! * 0.995) chosen.set(k.name, b.knobs);
  }
  const tuned = gen(fileOf(chosen, o, precision));
  generations++;
  const after = times(tuned);
  const rows: TuneRow[] = tunable.map((k) => ({
    kernel: k.name,
    before: valuesOf(kernelKnobs(k, "gpu", precision)!.knobs),
    beforeSeconds: before.get(k.name)!,
    after: chosen.get(k.name) ?? valuesOf(kernelKnobs(k, "gpu", precision)!.knobs),
    afterSeconds: after.get(k.name)!,
    candidates: candidates.get(k.name)!.length,
    changed: chosen.has(k.name),
  }));
  const text = tuningText(chosen, o, precision);
  // verify before writing: a file next to the destination, renamed into place once it passes
  mkdirSync(dirname(out), { recursive: true });
  const pending = join(dirname(out), `.${process.pid}.pending.tune.json`);
  // the name is predictable (the pid): whatever is there — a stale file, a link planted in the
  // model's directory — is removed, never written through (the link's target stays as it was)
  writeExclusive(pending, text);
  let verification: Verification;
  try {
    verification = await verifyTuning(file, { model: o.model, shapeFor: "gpu", tune: pending, precision, gemm: o.gemm, outDir: o.verifyDir, perturb: o.perturb });
  } catch (e) {
    // the build or the run failed: nothing is written
    rmSync(pending, { force: true });
    throw e;
  }
  try {
    if (verification.ok) renameSync(pending, out);
    else renameSync(pending, `${out}.rejected`);
  } catch (e) {
    rmSync(pending, { force: true });
    throw e;
  }
  return {
    model: base.generated.manifest.model,
    program,
    gpu: GPUS[o.gpu].label,
    batch: o.batch,
    rows,
    totalBefore: programTime(base, program, o),
    totalAfter: programTime(tuned, program, o),
    text,
    ...(verification.ok ? { written: out } : {}),
    verification,
    generations,
  };
}

function tuningText(chosen: Map<string, KnobOverrides>, o: TuneOptions, precision: Precision): string {
  const json = {
    kernels: Object.fromEntries(chosen),
    autotuned: [...chosen.keys()],
    tunedFor: { gpu: o.gpu, batch: o.batch, precision, by: "model estimate (tsdp tune --by model: compiler/perf-model.ts)" },
  };
  return JSON.stringify(json, null, 2) + "\n";
}

function fileOf(chosen: Map<string, KnobOverrides>, o: TuneOptions, precision: Precision): TuningFile {
  return parseTuningFile(tuningText(chosen, o, precision), "<tsdp tune candidate>");
}

function estimate(c: Compiled, program: "step" | "forward", o: Pick<TuneOptions, "gpu" | "batch" | "precision">) {
  const list = launchesAt(c.generated.manifest.launches.filter((l) => l.program === program), o.batch);
  return { list, e: estimateProgram(list, { gpu: GPUS[o.gpu], batch: o.batch, precision: o.precision ?? "fp32" }) };
}

const programTime = (c: Compiled, program: "step" | "forward", o: TuneOptions) => estimate(c, program, o).e.time;

/** The model's estimate per kernel: the sum over its launches in the program. */
function kernelTimes(c: Compiled, program: "step" | "forward", names: readonly string[], o: TuneOptions): Map<string, number> {
  const { list, e } = estimate(c, program, o);
  const at = new Map(list.map((l, i) => [l, e.launches[i].time]));
  return new Map(names.map((n) => [n, launchesOfKernel(list, n).reduce((s, l) => s + (at.get(l) ?? 0), 0)]));
}

// ---- the table ----

const knobText = (k: KnobOverrides) => Object.entries(k).map(([n, v]) => `${n} ${v as KnobValue}`).join(", ");
const us = (s: number) => (s * 1e6).toFixed(1);

export function formatTune(r: TuneResult): string {
  const rows = r.rows.map((x) => [x.kernel, knobText(x.before), us(x.beforeSeconds), x.changed ? knobText(x.after) : "(heuristic kept)", us(x.afterSeconds), String(x.candidates)]);
  const out = [
    `tsdp tune: ${r.model}, the ${r.program === "step" ? "training step" : "forward"} at batch ${r.batch} per device on the ${r.gpu} performance model`,
    "  MODEL ESTIMATES, not measurements (compiler/perf-model.ts; README \"Performance model\")",
    ...textTable([["kernel", "before", "est. µs", "after", "est. µs", "candidates"], ...rows], [2, 4, 5]),
    `  ${r.program === "step" ? "step" : "forward"} total (every launch): ${us(r.totalBefore)} µs → ${us(r.totalAfter)} µs (model estimate); ${r.rows.filter((x) => x.changed).length} of ${r.rows.length} kernels changed, ${r.generations} code generations`,
    "",
    r.verification.ok
      ? `verified: built for the CPU target with the GPU's kernel shapes and this tuning; ${r.verification.compared} ${r.program === "step" ? "tensors of one training step (forward outputs, loss, gradients)" : `forward output${r.verification.compared === 1 ? "" : "s"}`} match the float64 reference (compiler/reference/compare.ts tolerances)`
      : `NOT written: the tuned build does not match the float64 reference:\n${r.verification.problems.map((p) => `  ${p}`).join("\n")}`,
  ];
  if (r.written) out.push(`→ ${r.written}`);
  return out.join("\n");
}
