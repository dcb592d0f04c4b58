// `tsdp inspect --gpu h100|h200|a100`: the performance model (perf-model.ts) over the launches the
// manifest lists (the training step's and the forward's), with ptxas's resources when known and
// the CPU target's counters when given, as a table and as JSON.

import { readRegularFile } from "../runtime/build-directory.ts";
import { validateCountersFile, type CountersFile as ShimCountersFile } from "../runtime/counters.ts";
import type { LaunchReport, Precision } from "../runtime/manifest.ts";
import { fail } from "./diagnostics/diagnostic.ts";
import { GPUS, type GpuName, type GpuSpec } from "./gpu-specs.ts";
import { estimateProgram, launchesAt, type Bound, type KernelUse, type LaunchCounters, type LaunchEstimate, type ProgramEstimate } from "./perf-model.ts";
import type { ResourceReport } from "./6-build/resources.ts";
import { textTable } from "./text-table.ts";

/** One counters file (issue 13's counters JSON, written by the CPU target's counters mode). */
export interface CountersFile extends ShimCountersFile {
  /** Where it was read from, for the messages. */
  readonly file: string;
}

export interface GpuProgramReport {
  readonly program: "step" | "forward";
  /** Whether counters were given for this program. */
  readonly counters: boolean;
  readonly estimate: ProgramEstimate;
}

export interface GpuReport {
  readonly gpu: GpuSpec;
  readonly batch: number;
  readonly precision: Precision;
  /** Where the occupancy's registers and shared memory come from, in words. */
  readonly occupancyFrom: string;
  readonly programs: readonly GpuProgramReport[];
}

/** The architecture ptxas compiles for on each GPU. */
const ARCH: Readonly<Record<GpuName, string>> = { h100: "sm_90", h200: "sm_90", a100: "sm_80" };

/** ptxas's registers and shared memory per kernel for the GPU's architecture (or the only one there is). */
function kernelUse(gpu: GpuSpec, resources: ResourceReport | null | undefined): { use?: Map<string, KernelUse>; from: string } {
  const none = "no ptxas report (pass --arch sm_90, or --from a CUDA build): blocks per SM limited by threads and the 32-block cap only";
  if (!resources || resources.kernels.length === 0) return { from: none };
  const arch = resources.kernels.some((k) => k.arch === ARCH[gpu.name]) ? ARCH[gpu.name] : resources.kernels[0].arch;
  const use = new Map(resources.kernels.filter((k) => k.arch === arch).map((k) => [k.kernel, { registers: k.registers, sharedBytes: k.sharedBytes }]));
  return { use, from: `ptxas ${arch}${arch === ARCH[gpu.name] ? "" : ` (no ${ARCH[gpu.name]} report)`}: registers and static shared memory per kernel` };
}

/**
 * The counters of a program, aligned with its launches: kernel by kernel in launch order, the
 * harness's own launches (the optimizer update) allowed to be absent from the counters. Refused
 * (TSDP6006) when the counters are of other kernels or other launch shapes.
 */
function alignCounters(launches: readonly LaunchEstimateInput[], c: CountersFile, shapes: readonly string[]): (LaunchCounters | undefined)[] {
  const out: (LaunchCounters | undefined)[] = [];
  let j = 0;
  launches.forEach((l, i) => {
    const measured = c.launches[j];
    if (measured?.kernel === l.kernel) {
      const shape = `${measured.grid.join("×")} / ${measured.block.join("×")}`;
      if (shape !== shapes[i])
        fail("unusableCounters", `${c.file}: ${l.kernel} was measured with grid / block ${shape}, this model launches it with ${shapes[i]} at batch ${c.batch}: measure a build with the GPU's kernel shapes (--shape-for gpu)`);
      out.push(measured);
      j++;
    } else if (l.template === "harness" || l.template === "cublaslt_epilogue") out.push(undefined); // the CPU target's counter builds run no cuBLASLt
    else fail("unusableCounters", `${c.file}: launch ${i + 1} of the ${c.program} is ${l.kernel}, the counters have ${measured ? measured.kernel : "no more launches"}: they were measured on another model or another version of it`);
  });
  if (j < c.launches.length) fail("unusableCounters", `${c.file}: ${c.launches.length - j} more launches than the ${c.program} has (the first: ${c.launches[j].kernel})`);
  return out;
}

type LaunchEstimateInput = Pick<LaunchReport, "kernel" | "template" | "grid" | "block" | "scalars" | "when" | "flops" | "bytes" | "scale">;

export interface GpuReportOptions {
  readonly gpu: GpuName;
  readonly batch: number;
  readonly precision: Precision;
  readonly resources?: ResourceReport | null;
  readonly counters?: readonly CountersFile[];
}

export function gpuReport(launches: readonly LaunchReport[], model: string, o: GpuReportOptions): GpuReport {
  const gpu = GPUS[o.gpu];
  const { use, from } = kernelUse(gpu, o.resources);
  const programs: GpuProgramReport[] = [];
  for (const c of o.counters ?? []) {
    if (c.model !== model) fail("unusableCounters", `${c.file}: the counters are of ${c.model}, not ${model}`);
    if (c.batch !== o.batch) fail("unusableCounters", `${c.file}: the counters were measured at batch ${c.batch}, the estimate is for batch ${o.batch}: pass --batch ${c.batch}`);
    if (c.program !== "step" && c.program !== "forward") fail("unusableCounters", `${c.file}: counters of the ${JSON.stringify(c.program)} program; the model estimates "step" and "forward"`);
    if (!launches.some((l) => l.program === c.program)) fail("unusableCounters", `${c.file}: counters of the ${c.program}, which ${model} has not (no training step)`);
    const twin = o.counters!.find((d) => d !== c && d.program === c.program);
    if (twin) fail("unusableCounters", `${c.file} and ${twin.file} are both counters of the ${c.program}: give one file per program`);
  }
  for (const program of ["step", "forward"] as const) {
    const list = launchesAt(launches.filter((l) => l.program === program), o.batch);
    if (list.length === 0) continue;
    const counted = o.counters?.find((c) => c.program === program);
    const base = { gpu, batch: o.batch, precision: o.precision, resources: use };
    // the launch shapes at this batch, to check the counters were measured on the same ones
    const plain = estimateProgram(list, base);
    const counters = counted && alignCounters(list, counted, plain.launches.map((e) => `${e.grid.join("×")} / ${e.block.join("×")}`));
    programs.push({ program, counters: Boolean(counted), estimate: counters ? estimateProgram(list, { ...base, counters }) : plain });
  }
  return { gpu, batch: o.batch, precision: o.precision, occupancyFrom: from, programs };
}

/** The largest counters file read: a step's launches with their sites are a few MB. */
const MAX_COUNTERS_BYTES = 256 << 20;

/** Reads and checks a counters JSON file; refused (TSDP6006) with what is wrong in it. */
export function readCounters(file: string): CountersFile {
  let json: unknown;
  try {
    // a regular file of a counters file's size at most (a FIFO or /dev/zero named here hung or filled memory)
    json = JSON.parse(readRegularFile(file, MAX_COUNTERS_BYTES).toString("utf8"));
  } catch (e) {
    return fail("unusableCounters", `--counters ${file}: ${(e as Error).message}`);
  }
  try {
    // one schema, the runtime's (runtime/counters.ts)
    return { ...validateCountersFile(json, `--counters ${file}`), file };
  } catch (e) {
    return fail("unusableCounters", (e as Error).message);
  }
}

// ---- the table ----

const si = (v: number, unit = "") => {
  const steps: [number, string][] = [[1e12, "T"], [1e9, "G"], [1e6, "M"], [1e3, "k"]];
  // three significant digits: 66.9 TFLOP/s, 3.35 TB/s, 147 M
  for (const [s, p] of steps) if (Math.abs(v) >= s) return `${Number((v / s).toPrecision(3))} ${p}${unit}`;
  return `${Math.round(v)} ${unit}`.trimEnd();
};
const us = (s: number) => (s * 1e6 >= 100 ? Math.round(s * 1e6).toLocaleString("en-US") : (s * 1e6).toFixed(1));
const pct = (f: number) => `${Math.round(f * 100)}%`;
const short = (kernel: string) => kernel.replace(/_kernel$/, "");


const BOUND_WORDS: Record<Bound, string> = { compute: "compute", memory: "memory", shared: "shared memory", launch: "launch/latency" };

const head = (counters: boolean) => ["kernel", "grid", "block", "SM use", "waves", "blk/SM", "occ.", "FLOPs", "bytes", ...(counters ? ["bank confl.", "sect/req"] : []), "compute µs", "memory µs", "est. µs", "% peak", "bound"];

function launchRows(launches: readonly LaunchEstimate[], counters: boolean): string[][] {
  return [
    head(counters),
    ...launches.map((e) => [
      short(e.kernel),
      e.grid.join("×"),
      String(e.threadsPerBlock),
      pct(e.smShare),
      e.waves.toFixed(2),
      String(e.occupancy.blocksPerSm),
      pct(e.occupancy.theoretical),
      si(e.flops),
      si(e.bytes, "B"),
      ...(counters ? [e.counters ? e.counters.bankConflicts.toLocaleString("en-US") : "—", e.counters ? e.counters.sectorsPerRequest.toFixed(1) : "—"] : []),
      us(e.seconds.compute),
      us(e.seconds.memory),
      us(e.time),
      pct(e.peakFraction),
      BOUND_WORDS[e.bound],
    ]),
  ];
}

export function formatGpuReport(r: GpuReport): string[] {
  const g = r.gpu;
  const out = [
    `Performance model: ${g.label} (${g.sms} SMs, ${si(g.fp32Flops, "FLOP/s")} fp32, ${si(g.hbmBytesPerSecond, "B/s")} HBM, ${us(g.launchSeconds)} µs launch floor), batch ${r.batch} per device, ${r.precision}`,
    `  an upper bound on speed: each kernel at max(FLOPs / (peak · SM share), bytes / bandwidth, launch floor); README "Performance model"`,
    `  occupancy: ${r.occupancyFrom}`,
  ];
  for (const p of r.programs) {
    const e = p.estimate;
    const name = p.program === "step" ? "Training step" : "Forward";
    out.push("", `${name}: ${e.launches.length} launches${p.counters ? ", with counters" : ""}`);
    const numeric = [...Array(head(p.counters).length).keys()].slice(2).filter((c) => c !== head(p.counters).length - 1);
    out.push(...textTable(launchRows(e.launches, p.counters), numeric));
    const byBound = (Object.keys(e.timeByBound) as Bound[]).filter((b) => e.timeByBound[b] > 0).map((b) => `${BOUND_WORDS[b]} ${us(e.timeByBound[b])}`).join(", ");
    out.push(
      `  total ${us(e.time)} µs: ${BOUND_WORDS[e.bound]}-bound (µs in launches bound by ${byBound})`,
      `  dominated by ${short(e.dominant.kernel)} (${pct(e.dominant.share)} of the ${p.program === "step" ? "step" : "forward"})`,
      `  floors: all FLOPs at peak ${us(e.floors.compute)} µs, all bytes at HBM bandwidth ${us(e.floors.memory)} µs, ${e.launches.length} launches × ${us(g.launchSeconds)} µs = ${us(e.floors.launch)} µs`,
    );
    out.push(...partialWaves(e.launches));
  }
  return out;
}

/** A launch keeps fewer than this share of the SMs busy: it is listed with what a full wave would gain. */
const PARTIAL_WAVE = 0.9;

/**
 * The launches that leave SMs idle (the issue's "≥ 1 full wave, or a stated reason"), each with the
 * model's time if the same work kept every SM busy: where that is no shorter, the reason is the
 * bound that stays (the launch floor, bandwidth); else how much a fuller grid could gain.
 */
function partialWaves(launches: readonly LaunchEstimate[]): string[] {
  const partial = launches.filter((e) => e.smShare < PARTIAL_WAVE);
  if (partial.length === 0) return [`  every launch keeps ≥ ${pct(PARTIAL_WAVE)} of the SMs busy`];
  const gain = partial.reduce((s, e) => s + (e.time - e.fullUseTime), 0);
  return [
    `  ${partial.length} launch${partial.length === 1 ? "" : "es"} under ${pct(PARTIAL_WAVE)} of the SMs; with every SM busy (same work) they would take ${us(partial.reduce((s, e) => s + e.fullUseTime, 0))} µs instead of ${us(partial.reduce((s, e) => s + e.time, 0))}:`,
    ...partial.map((e) => {
      const why =
        e.time - e.fullUseTime < 0.05 * e.time
          ? `no gain: ${e.fullUseTime <= e.seconds.launch * 1.0001 ? "the launch floor bounds it" : "bandwidth bounds it"}`
          : `a fuller grid could save ${us(e.time - e.fullUseTime)} µs`;
      return `    ${short(e.kernel)}: ${e.blocks.toLocaleString("en-US")} block${e.blocks === 1 ? "" : "s"}, ${pct(e.smShare)} of the SMs, ${us(e.time)} µs (${us(e.fullUseTime)} with every SM busy): ${why}`;
    }),
    `    at most ${us(gain)} µs of the ${us(launches.reduce((s, e) => s + e.time, 0))} µs to gain from fuller grids`,
  ];
}
