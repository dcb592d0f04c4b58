// `tsdp counters model.ts`: what a GPU profiler would count for one run of a model's training step
// (or forward), measured on the CPU target. Builds the counter flavor (runtime/shim/counters.h)
// with the GPU's kernel shapes (shapeFor "gpu": the launches counted are the ones the GPU would
// run), loads it, runs the program once on random data of the model's input shapes, names each
// counted site's line from the library's line tables (counters-sites.ts), and writes the counters
// file (runtime/counters.ts) that `tsdp inspect --gpu ... --counters <file>` reads.
import { mulberry32 } from "./reference/rng.ts";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { writeAtomic } from "./6-build/cache.ts";
import { dirname, join, resolve } from "node:path";
import { compile } from "./pipeline.ts";
import type { LowerOptions } from "./1-frontend/lower.ts";
import type { Precision } from "./5-codegen/context.ts";
import { defaultOutDir, sourceAsOut } from "./build-paths.ts";
import { load, tensor, type Tensor } from "../runtime/index.ts";
import { conflictsPerRequest, loadSectorsPer128B, sectorsPerLoad, sectorsPerStore, storeSectorsPer128B, type CountersFile } from "../runtime/counters.ts";
import { BATCH, type IOSpec, type Manifest } from "../runtime/manifest.ts";
import { resolveSites } from "./counters-sites.ts";
import type { Diagnostic } from "./diagnostics/diagnostic.ts";

export interface CountersOptions extends LowerOptions {
  /** Samples in the run (default 64). */
  readonly batch?: number;
  /** "step" (default when the model trains) or "forward". */
  readonly program?: "step" | "forward";
  /** The counter build's directory (default build/<model>-counters). */
  readonly buildDir?: string;
  /** Where the counters file goes (default <buildDir>/counters-<program>-b<batch>.json). */
  readonly out?: string;
  /** Seeds the parameters and the random data (default 1). */
  readonly seed?: number;
  /** GEMM arithmetic (default fp32): tf32 and bf16 count the tensor-core kernels. */
  readonly precision?: Precision;
}

/** A request the model cannot answer (a step of a model without one): a usage error, not a bug. */
export class CountersUsageError extends Error {}

export interface CountersRun {
  readonly file: CountersFile;
  readonly path: string;
  readonly buildDir: string;
  /** Why the sites have no source lines (addr2line missing or failing); absent when they have. */
  readonly sitesProblem?: string;
  /** The compile's warnings (a stale tuning entry, TSDP6104), for the caller to print as compile does. */
  readonly warnings: readonly Diagnostic[];
}

/** Builds, runs and writes; the caller prints. */
/** The largest batch `tsdp counters` runs. */
export const MAX_COUNTED_BATCH = 65_536;

export async function measureCounters(modelFile: string, options: CountersOptions = {}): Promise<CountersRun> {
  const batch = options.batch ?? 64;
  const buildDir = resolve(options.buildDir ?? `${defaultOutDir(modelFile)}-counters`);
  const source = options.out === undefined ? undefined : sourceAsOut(options.out, modelFile);
  if (source) throw new CountersUsageError(`${source}; give the counters file's path (e.g. counters.json)`);
  if (options.out !== undefined && existsSync(options.out) && statSync(options.out).isDirectory())
    throw new CountersUsageError(`--out ${options.out} is a directory; give the counters file's path (e.g. ${join(options.out, "counters.json")})`);
  // every access of the run is recorded (~10-100x the CPU target's time): a batch of profiling size
  if (batch > MAX_COUNTED_BATCH)
    throw new CountersUsageError(`--batch ${batch} is more than the ${MAX_COUNTED_BATCH} samples a counted run takes (each memory access is recorded: ~10-100x slower than the CPU target); the counters of a few waves' batch say what a larger one's do`);
  const { batch: _b, program: _p, buildDir: _d, out: _o, seed: _s, precision, ...lower } = options;
  const { warnings } = await compile(modelFile, { ...lower, target: "cpu", counters: true, shapeFor: "gpu", outDir: buildDir, precision });
  const seed = options.seed ?? 1;
  const model = await load(buildDir, { seed });
  try {
    const manifest = model.manifest;
    const program = options.program ?? (manifest.training ? "step" : "forward");
    if (program === "step" && !manifest.training)
      throw new CountersUsageError(`${manifest.model} has no training step (${manifest.trainingUnavailable ?? "it declares no loss and optimizer"}); count its forward with --program forward`);
    if (batch > (manifest.maxSamplesPerDevice ?? Infinity))
      throw new CountersUsageError(`--batch ${batch} is more samples than one device takes for this model (at most ${manifest.maxSamplesPerDevice}: its kernels index elements with 32-bit ints)`);
    const random = mulberry32(seed);
    const inputs = manifest.inputs.map((spec) => randomTensor(spec, batch, random, 0));
    model.resetHardwareCounters(); // parameter initialization launched kernels too: count the run only
    if (program === "step") {
      const spec = manifest.training!.target;
      model.train();
      if (spec) model.trainStepSync(inputs, randomTensor(spec, batch, random, classesOf(manifest)));
      else model.trainStepSync(inputs);
    } else {
      model.eval();
      model.forwardSync(...inputs);
    }
    const counted = model.hardwareCounters();
    if (!counted) throw new Error(`tsdp counters: ${buildDir} is not a counter build (internal error: compile({ counters: true }) made it)`);
    // each site's line in model.cu, from the library's line tables
    const sites = await resolveSites(join(buildDir, "libmodel.so"), counted.launches, readFileSync(join(buildDir, "model.cu"), "utf8"));
    const file: CountersFile = { version: 1, model: manifest.model, batch, program, launches: sites.launches };
    const path = resolve(options.out ?? join(buildDir, `counters-${program}-b${batch}.json`));
    mkdirSync(dirname(path), { recursive: true });
    // the default name in the build directory by rename, as compile replaces its outputs: a link
    // planted there is replaced, not written through to the file it points to; a path the user
    // names with --out is written where it leads (out.json -> /dev/stdout, a symlinked results dir)
    if (options.out === undefined) writeAtomic(path, countersJson(file));
    else writeFileSync(path, countersJson(file));
    return { file, path, buildDir, warnings, ...(sites.problem ? { sitesProblem: sites.problem } : {}) };
  } finally {
    model.dispose();
  }
}

/** The counters file's text: one launch per line, so that diffs of two runs read by kernel. */
export function countersJson(file: CountersFile): string {
  const { launches, ...head } = file;
  return `${JSON.stringify(head).slice(0, -1)},"launches":[\n${launches.map((l) => ` ${JSON.stringify(l)}`).join(",\n")}\n]}\n`;
}

/** The class count of a class-index target: the first output's last dimension. */
function classesOf(manifest: Manifest): number {
  const last = manifest.outputs[0]?.shape.at(-1);
  return typeof last === "number" ? last : 1;
}

/**
 * Random data of a spec's shape: floats uniform in [-1, 1); integers (class indices) uniform in
 * [0, classes), or 0 where the range is unknown (an integer model input).
 */
function randomTensor(spec: IOSpec, batch: number, random: () => number, classes: number): Tensor {
  const shape = spec.shape.map((d) => (d === BATCH ? batch : d));
  const n = shape.reduce((a, b) => a * b, 1);
  if (spec.dtype === "float32") return tensor(Float32Array.from({ length: n }, () => 2 * random() - 1), shape);
  return tensor(Int32Array.from({ length: n }, () => (classes > 0 ? Math.floor(random() * classes) : 0)), shape);
}


/** The per-launch table `tsdp counters` prints. */
export function formatCounters(file: CountersFile): string {
  const rows = file.launches.map((l) => [
    l.kernel,
    l.grid.join("×"),
    String(l.block[0] * l.block[1] * l.block[2]),
    String(l.shared.requests),
    l.shared.requests ? conflictsPerRequest(l).toFixed(1) : "-",
    String(l.global.loadRequests),
    l.global.loadRequests ? sectorsPerLoad(l).toFixed(1) : "-",
    l.global.loadRequests ? loadSectorsPer128B(l).toFixed(1) : "-",
    String(l.global.storeRequests),
    l.global.storeRequests ? sectorsPerStore(l).toFixed(1) : "-",
    l.global.storeRequests ? storeSectorsPer128B(l).toFixed(1) : "-",
    bytes(l.global.bytesRead),
    bytes(l.global.bytesWritten),
    bytes(l.global.uniqueBytesRead),
  ]);
  const header = ["kernel", "grid", "threads", "shared req", "conflicts/req", "loads", "sectors/load", "per 128 B", "stores", "sectors/store", "per 128 B", "L2 read", "L2 write", "unique read"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [
    `${file.model}, ${file.program}, batch ${file.batch}: ${file.launches.length} launches (requests are warp-level; conflicts = wavefronts − ideal; sectors are 32 bytes; per 128 B: sectors per 128 bytes requested, 4 = coalesced)`,
    line(header),
    ...rows.map(line),
  ].join("\n");
}

const bytes = (n: number): string => (n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} KB` : `${n} B`);
