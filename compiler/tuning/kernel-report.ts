import { printable } from "../diagnostics/format.ts";
import type { Kernel } from "../3-fusion/plan.ts";
import { affineAt } from "../3-fusion/cost.ts";
import { CodegenContext, type Precision, type ShapeFor } from "../5-codegen/context.ts";
import { cIdentifier } from "../5-codegen/escape.ts";
import type { Program } from "../5-codegen/emit.ts";
import { GPUS, type GpuName } from "../gpu-specs.ts";
import { estimateProgram, launchesAt, type LaunchEstimate } from "../perf-model.ts";
import type { LaunchReport } from "../../runtime/manifest.ts";
import type { Compiled } from "../pipeline.ts";
import { textTable } from "../text-table.ts";
import { FAMILY_KNOBS, type KnobFamily, type KnobReport, type KnobValue } from "./knobs.ts";
import { kernelKnobs } from "./tuned-shapes.ts";
import { formatLegal, nearest } from "./tuning-file.ts";
import { kernelGemmMaps } from "../5-codegen/kernels/gemm-shape.ts";
import { conflictsPerRequest, loadSectorsPer128B, storeSectorsPer128B } from "../../runtime/counters.ts";
import type { CountersFile } from "../inspect-gpu.ts";
import { siteLines } from "../counters-sites.ts";
import { fail } from "../diagnostics/diagnostic.ts";

// `tsdp inspect --kernel NAME` (issue 18, item 1): one kernel — the TypeScript lines it came from,
// its knobs with their values, legal values and origins (heuristic, tuning file, autotuner), its
// launches and their costs, and with --gpu the performance model's estimate of each launch.

/** The programs of a compiled model, by name. */
export function programsOf(c: Pick<Compiled, "model" | "plan" | "memory" | "training">): Record<string, Program> {
  const forward = { graph: c.model.graph, plan: c.plan, memory: c.memory };
  return c.training ? { forward, evaluate: c.training.evaluate, step: c.training.step } : { forward };
}

/** Every kernel name of the model, in program order, once. */
export function kernelNames(c: Pick<Compiled, "model" | "plan" | "memory" | "training">): string[] {
  return [...new Set(Object.values(programsOf(c)).flatMap((p) => p.plan.kernels.map((k) => k.name)))];
}

/**
 * The launches of a kernel in the manifest: its own, and a per-program variant's (`<name>_step_kernel`
 * where the step's text differs). Split-K sums its splits in the same launch.
 */
export function launchesOfKernel(launches: readonly LaunchReport[], name: string): LaunchReport[] {
  const c = cIdentifier(name);
  const own = new Set([`${c}_kernel`]);
  for (const p of ["forward", "evaluate", "step"]) own.add(`${c}_${p}_kernel`);
  return launches.filter((l) => own.has(l.kernel));
}

export interface KnobRow {
  readonly knob: string;
  readonly value: KnobValue;
  readonly origin: string;
  readonly legal: string;
  readonly describe: string;
  /** Where the heuristic's default comes from. */
  readonly defaultFrom: string;
  readonly note?: string;
}

export interface KernelInspection {
  readonly name: string;
  readonly programs: readonly string[];
  readonly ops: readonly string[];
  readonly fusion: readonly string[];
  readonly source: readonly string[];
  readonly family?: KnobFamily;
  readonly shapeFor: ShapeFor;
  readonly knobs: readonly KnobRow[];
  readonly batch: number;
  readonly launches: readonly { program: string; kernel: string; template: string; grid: string; block: string; flops: number; bytes: number; estimate?: Pick<LaunchEstimate, "time" | "bound" | "peakFraction" | "waves" | "grid" | "block"> }[];
  readonly gpu?: string;
  /** Its launches in the counters files given (tsdp counters), with their worst sites. */
  readonly counted?: readonly CountedLaunch[];
}

/** One launch of the kernel as a counters file has it. */
export interface CountedLaunch {
  readonly file: string;
  readonly program: string;
  readonly batch: number;
  readonly kernel: string;
  readonly conflictsPerRequest: number;
  readonly loadsPer128B: number;
  readonly storesPer128B: number;
  /** Its three sites with the most beyond their ideal, as `tsdp counters --sites` prints them. */
  readonly sites: readonly string[];
}

export class UnknownKernelError extends Error {}

/** The knob rows of a kernel: values and origins (knobs.ts), legal values from its family's table. */
function knobRows(k: Kernel, family: KnobFamily, knobs: KnobReport, shapeFor: ShapeFor): KnobRow[] {
  const parts = family === "pointwise" ? undefined : kernelGemmMaps(k, undefined, shapeFor).parts;
  const context = { parts, shapeFor, threadTile: knobs.threadTile?.value };
  return FAMILY_KNOBS[family].map((spec) => {
    const s = knobs[spec.name];
    return {
      knob: spec.name,
      value: s.value,
      origin: s.origin,
      legal: formatLegal((spec.legal as (c: unknown) => readonly KnobValue[])(context)),
      describe: spec.describe,
      defaultFrom: spec.defaultFrom,
      ...(s.note ? { note: s.note } : {}),
    };
  });
}

export interface InspectKernelOptions {
  readonly batch: number;
  readonly shapeFor: ShapeFor;
  readonly precision: Precision;
  readonly gpu?: GpuName;
  /** Counters files (tsdp counters) whose launches of this kernel to show. */
  readonly counters?: readonly CountersFile[];
}

export function inspectKernel(c: Compiled, name: string, o: InspectKernelOptions): KernelInspection {
  const programs = Object.entries(programsOf(c)).filter(([, p]) => p.plan.kernels.some((k) => k.name === name));
  if (programs.length === 0) {
    const near = nearest(name, kernelNames(c));
    // the name is the user's argument, echoed escaped: a terminal control sequence in it is shown, not run
    throw new UnknownKernelError(`${printable(name)} is not a kernel of ${c.generated.manifest.model}${near.length ? ` (nearest: ${near.join(", ")})` : ""}; tsdp inspect lists the kernels`);
  }
  const [, first] = programs[0];
  const k = first.plan.kernels.find((x) => x.name === name)!;
  const ctx = new CodegenContext(first.graph, first.plan, first.memory);
  const resolved = kernelKnobs(k, o.shapeFor, o.precision, c.tuning);
  const launches = launchesOfKernel(c.generated.manifest.launches, name);
  const estimates = new Map<LaunchReport, LaunchEstimate>();
  if (o.gpu) {
    for (const program of ["forward", "step"] as const) {
      const list = launchesAt(c.generated.manifest.launches.filter((l) => l.program === program), o.batch);
      const e = estimateProgram(list, { gpu: GPUS[o.gpu], batch: o.batch, precision: o.precision });
      list.forEach((l, i) => estimates.set(l, e.launches[i]));
    }
  }
  return {
    name,
    programs: programs.map(([p]) => p),
    ops: k.nodes.map((n) => n.op),
    fusion: k.rules.slice(),
    source: ctx.source(k),
    ...(resolved ? { family: resolved.family } : {}),
    shapeFor: o.shapeFor,
    knobs: resolved ? knobRows(k, resolved.family, resolved.knobs, o.shapeFor) : [],
    batch: o.batch,
    launches: launches.map((l) => {
      const e = estimates.get(l);
      return {
        program: l.program,
        kernel: l.kernel,
        template: l.template,
        grid: l.grid,
        block: l.block,
        flops: affineAt(l.flops, o.batch),
        bytes: affineAt(l.bytes, o.batch),
        ...(e ? { estimate: { time: e.time, bound: e.bound, peakFraction: e.peakFraction, waves: e.waves, grid: e.grid, block: e.block } } : {}),
      };
    }),
    ...(o.gpu ? { gpu: GPUS[o.gpu].label } : {}),
    ...(o.counters?.length ? { counted: countedLaunches(o.counters, c.generated.manifest.model, new Set(launches.map((l) => l.kernel))) } : {}),
  };
}

/**
 * The counted launches of these kernels (by name, as the counters file spells them), file by file;
 * refused (TSDP6006, as for the whole model's report) when a file counted another model.
 */
function countedLaunches(files: readonly CountersFile[], model: string, kernels: ReadonlySet<string>): CountedLaunch[] {
  for (const f of files) if (f.model !== model) fail("unusableCounters", `${f.file}: the counters are of ${f.model}, not ${model}`);
  return files.flatMap((f) =>
    f.launches
      .filter((l) => kernels.has(l.kernel))
      .map((l) => ({
        file: f.file,
        program: f.program,
        batch: f.batch,
        kernel: l.kernel,
        conflictsPerRequest: conflictsPerRequest(l),
        loadsPer128B: loadSectorsPer128B(l),
        storesPer128B: storeSectorsPer128B(l),
        sites: siteLines(l, 3),
      })),
  );
}

const FAMILY_WORDS: Record<KnobFamily, string> = { gemm: "fp32 GEMM (templates/kernels/gemm.cu.hbs)", gemm_tc: "tensor-core GEMM (gemm_tc.cu.hbs)", pointwise: "fused pointwise (fused_pointwise.cu.hbs)" };

export function formatKernelInspection(r: KernelInspection): string {
  const out = [`Kernel ${r.name}  (${r.programs.join(", ")})`, `  ops: ${r.ops.join(" + ")}${r.fusion.length ? `  [${r.fusion.join(", ")}]` : ""}`, "  source:", ...r.source.map((s) => `      ${s}`)];
  if (r.family) {
    out.push("", `Knobs: ${FAMILY_WORDS[r.family]}, shapes for the ${r.shapeFor === "gpu" ? "GPU" : "CPU target"}`);
    out.push(...textTable([["knob", "value", "origin", "legal values", "what"], ...r.knobs.map((k) => [k.knob, String(k.value), k.origin, k.legal, k.describe + (k.note ? ` — ${k.note}` : "")])]));
    out.push(`  heuristics: ${[...new Set(r.knobs.map((k) => k.defaultFrom))].join("; ")}`);
  } else out.push("", "Knobs: none (this kernel family has no tuning knobs; compiler/tuning/knobs.ts lists the families)");
  const n = (v: number) => Math.round(v).toLocaleString("en-US");
  out.push("", `Launches at batch ${r.batch}${r.gpu ? `, ${r.gpu} performance model (a model estimate, not a measurement)` : ""}`);
  const head = ["program", "launch", "grid", "block", "FLOPs", "bytes", ...(r.gpu ? ["est. µs", "bound", "% peak"] : [])];
  const rows = r.launches.map((l) => [
    l.program,
    l.kernel.replace(/_kernel$/, ""),
    l.estimate ? l.estimate.grid.join("×") : l.grid,
    l.estimate ? String(l.estimate.block[0] * l.estimate.block[1] * l.estimate.block[2]) : l.block,
    n(l.flops),
    n(l.bytes),
    ...(r.gpu ? (l.estimate ? [(l.estimate.time * 1e6).toFixed(1), l.estimate.bound, `${Math.round(l.estimate.peakFraction * 100)}%`] : ["—", "not launched at this batch", ""]) : []),
  ]);
  out.push(...(rows.length ? textTable([head, ...rows], [4, 5, 6]) : ["  (no launch of its own: cuBLASLt or another kernel runs it)"]));
  if (!r.gpu) out.push("  (add --gpu h100 for the performance model's estimate; tsdp counters measures bank conflicts and sectors per request)");
  for (const c of r.counted ?? []) {
    out.push("", `Counted (${c.file}: the ${c.program} at batch ${c.batch}, on the CPU target with the GPU's kernel shapes)`);
    out.push(`  ${c.kernel.replace(/_kernel$/, "")}: ${c.conflictsPerRequest.toFixed(1)} bank conflicts per shared request; sectors per 128 B: loads ${c.loadsPer128B.toFixed(1)}, stores ${c.storesPer128B.toFixed(1)} (4 = whole sectors)`);
    out.push(...(c.sites.length ? c.sites : ["  every site at its ideal: no conflicts, and each request in the fewest sectors that hold its bytes"]));
  }
  return out.join("\n");
}
