import { lowerModel, type LoweredModel, type LowerOptions } from "./1-frontend/lower.ts";
import { analyzeLoss, lossKind } from "./ir/loss-combination.ts";
import { batchCouplings } from "./ir/batch-coupling.ts";
import { planKernels, type KernelPlan, type PlanOptions } from "./3-fusion/plan.ts";
import { planMemory, type MemoryPlan } from "./4-memory/plan.ts";
import { planBuckets } from "./4-memory/buckets.ts";
import { generateCuda, withManifestChanges, type CodegenInput, type GeneratedModel, type TrainingCodegen } from "./5-codegen/emit.ts";
import { differentiate } from "./2-autodiff/backward.ts";
import { CompileError, diagnostic } from "./diagnostics/diagnostic.ts";
import type { Graph, Node, OptimizerSpec, ParamGroup } from "./ir/node.ts";
import { formatShape, isBatch } from "./ir/shape.ts";
import { defaultShapeFor, type Precision, type ShapeFor } from "./5-codegen/context.ts";
import { gemmWorkspaces } from "./5-codegen/kernels/gemm-shape.ts";
import type { GemmMode } from "./5-codegen/kernels/cublaslt.ts";
import { buildModel, type BuildResult } from "./6-build/build.ts";
import { cacheLimitBytes } from "./6-build/cache-trim.ts";
import { buildRecord } from "./6-build/freshness.ts";
import { findOverrides, kernelsDirectory, overridesRecord } from "./6-build/overrides.ts";
import { applyOverrides, buildVerified } from "./6-build/overridden-build.ts";
import { basename, dirname, resolve } from "node:path";
import { cpuOptLevel, defaultOutDir, memcheckFromEnv, recordedOptions } from "./build-paths.ts";
import { checkPrecisionArchs, defaultArchs, defaultTarget, type Target } from "./6-build/toolchain.ts";
import { checkTuning, defaultTuningPath, readTuningFile, tuningOf, tuningPathFor, type TuningFile, type Tuning } from "./tuning/tuning-file.ts";
import { tunableKernels, tunedGemmShape } from "./tuning/tuned-shapes.ts";
import type { Diagnostic, SourceLoc } from "./diagnostics/diagnostic.ts";
import type { TuningReport } from "../runtime/manifest.ts";

// The compiler, stage by stage:
//
//   model.ts ─▶ 1-frontend ─▶ graph IR ─▶ 2-autodiff ─▶ 3-fusion ─▶ 4-memory ─▶ 5-codegen ─▶ 6-build ─▶ libmodel.so
//               (static       (shapes,     (loss +       (kernels    (liveness,  (view model  (nvcc, or g++
//                evaluation)   locations)   backward)     by rules)   reuse;      + templates)  + CPU shim)
//                                                                     gradient
//                                                                     buckets)
//
// Each stage takes the previous stages' results and nothing else.

export interface CompileOptions extends LowerOptions {
  readonly target?: Target;
  /** GEMM and convolution arithmetic: fp32 (default), or tensor cores in tf32 or bf16. */
  readonly precision?: Precision;
  readonly outDir?: string;
  readonly archs?: readonly string[];
  /** Gradient bucket size for the all-reduce during the backward (DDP's bucket_cap_mb; default 25). */
  readonly bucketCapMb?: number;
  /** CPU target: an AddressSanitizer build with the shim's memory checks (default: $TSDP_SHIM_MEMCHECK). */
  readonly memcheck?: boolean;
  /**
   * CPU target: the hardware-counter flavor, whose library records per kernel launch what a GPU
   * profiler would (shared-memory bank conflicts, global sectors per request; runtime/shim/counters.h).
   */
  readonly counters?: boolean;
  /**
   * Kernel shapes (GEMM tiles, split-K) chosen for the GPU or for the CPU target; default: the
   * target's. A CPU-target build with "gpu" executes the very kernels that ship to the GPU, so CI
   * checks their numbers (ARCHITECTURE.md: the CUDA source that ships is the source CI executes).
   */
  readonly shapeFor?: ShapeFor;
  /** CPU target: build at -O0 (the fuzzer's many small builds; compiler/6-build/build.ts fastFlags). */
  readonly fastBuild?: boolean;
  /**
   * Which GEMMs call cuBLASLt, loaded at run time with tsdp's kernel as the fallback (issue 20):
   * auto (default: the large dense ones), tsdp (none) or cublaslt (every dense one).
   */
  readonly gemm?: GemmMode;
  /**
   * The tuning file (issue 18): a path (--tune), or the file itself (tsdp tune's candidates), or
   * false for none; default: model.tune.json beside the model when it exists.
   */
  readonly tune?: string | TuningFile | false;
  /** Stage 1's result for this file and these options, when the caller has it (tsdp tune's many candidates). */
  readonly lowered?: LoweredModel;
  /**
   * Where user kernels (tsdp eject) are read from: default kernels/ next to the model file; false
   * reads none (`--no-kernels`: a downloaded model directory's kernels/ is native code its author
   * wrote, which the verification would build and run).
   */
  readonly kernelsDir?: string | false;
  /** Called with stages 1–5's result before the build starts (tsdp compile prints its warnings then, not after a long build). */
  readonly onGenerated?: (compiled: Compiled) => void;
}

export interface Compiled {
  readonly model: LoweredModel;
  readonly plan: KernelPlan;
  readonly memory: MemoryPlan;
  /** The evaluate and training-step programs, when the model declares its training. */
  readonly training?: TrainingCodegen;
  readonly generated: GeneratedModel;
  /** The tuning file applied, if any, and its warnings (stale entries). */
  readonly tuning?: Tuning;
  readonly warnings: readonly Diagnostic[];
}

/** The tuning file a compile of `file` applies (compiler/tuning/tuning-file.ts). */
export function tuningFor(file: string, tune: CompileOptions["tune"]): Tuning | undefined {
  if (tune === false) return undefined;
  if (typeof tune === "object") return tuningOf(tune);
  const path = tuningPathFor(file, tune);
  return path === undefined ? undefined : tuningOf(readTuningFile(path));
}

/** generate()'s options: a compile's, and whether kernels with the same code are emitted once (default true; false writes each out in full, for tests to compare). */
export interface GenerateOptions extends CompileOptions {
  readonly shareKernels?: boolean;
}

/** Stages 1–5: from the model file to CUDA source, without building it. */
export function generate(file: string, options: GenerateOptions = {}): Compiled {
  const target = options.target ?? defaultTarget();
  const shapeFor = options.shapeFor ?? defaultShapeFor(target);
  const tuning = tuningFor(file, options.tune); //                   the tuning file's knobs, if any
  const model = options.lowered ?? lowerModel(file, options); //   1. TypeScript → checked graph IR
  const training = trainingPrograms(model.graph, options.bucketCapMb, shapeFor, options.precision, tuning); // 2–4 for evaluate and the training step (when declared)
  const plan = planKernels(model.graph, undefined, planOptions(options.precision)); // 3. ops → fused kernels
  const checked = tuning ? checkTuning(tuning.file, tunableKernels([plan, ...(training ? [training.evaluate.plan, training.step.plan] : [])], options.precision ?? "fp32")) : undefined;
  const memory = planMemory(model.graph, plan, undefined, workspaces(plan, shapeFor, options.precision ?? "fp32", tuning)); // 4. buffers, lifetimes, reuse
  const forward = { graph: model.graph, plan, memory };
  let generated = generateWithTraining({ forward, target, precision: options.precision, shapeFor, gemm: options.gemm, training, tuning, shareKernels: options.shareKernels }); // 5. CUDA
  if (tuning) generated = withManifestChanges(generated, { tuning: tuningReport(tuning, checked!.stale) });
  const plans = [plan, ...(training ? [training.evaluate.plan, training.step.plan] : [])];
  const warnings = [...(checked?.warnings ?? []), ...couplingWarnings(model.graph), ...lossWarnings(model.graph), ...sizeWarnings(generated.cu, plans)];
  return { model, plan, memory, training, generated, ...(tuning ? { tuning } : {}), warnings };
}

/** Generated source past which a build takes minutes (g++ at ~1 MB a few seconds, superlinear beyond). */
export const LARGE_SOURCE_BYTES = 8 << 20;

/**
 * Source past LARGE_SOURCE_BYTES: said before the build (an LSTM unrolled over 256 steps is 25 MB,
 * 14 minutes and 4 GB of g++), with the line most kernels come from — the usual cause is a loop.
 */
export function sizeWarnings(cu: string, plans: readonly KernelPlan[]): Diagnostic[] {
  if (cu.length <= LARGE_SOURCE_BYTES) return [];
  const byLine = new Map<string, { loc: SourceLoc; count: number }>();
  let total = 0;
  for (const k of plans.flatMap((p) => p.kernels)) {
    const loc = k.anchor.loc;
    const key = `${loc.file}:${loc.line}`;
    const entry = byLine.get(key) ?? { loc, count: 0 };
    entry.count += 1;
    byLine.set(key, entry);
    total += 1;
  }
  const top = [...byLine.values()].sort((a, b) => b.count - a.count)[0];
  const share = top ? ` — ${Math.round((100 * top.count) / total)}% of them from this line` : "";
  const mb = (cu.length / 2 ** 20).toFixed(1);
  return [{ ...diagnostic("largeGeneratedCode", `the generated code is ${mb} MB (${total.toLocaleString("en-US")} kernels${share}): its build may take many minutes and gigabytes`, top?.loc), severity: "warning" }];
}

/**
 * A loss of no kind (ir/loss-combination.ts: an RMSE's square root of a mean, a mean plus a sum)
 * trains on several devices as DDP's does, not as one device on the whole batch: said at compile
 * time, where the loss is written, rather than found as a drift between device counts.
 */
function lossWarnings(graph: Graph): Diagnostic[] {
  const loss = graph.loss;
  // a mean over targets with ignoreIndex or class weights is weighted by each replica's count or weight sum: exact
  if (!loss || !graph.optimizer || loss.ignoreIndex !== undefined || loss.classWeights !== undefined) return [];
  const { kind, coupledAt } = analyzeLoss(loss.value, graph.perReplicaStatistics);
  if (kind !== undefined) return [];
  if (coupledAt) {
    const at = `${basename(coupledAt.loc.file)}:${coupledAt.loc.line}`;
    const why = `the loss's per-sample terms read a reduction over the batch (${coupledAt.op} at ${at}), which each device takes over its own share, as DDP without all_reduce or all_gather; so the loss is neither a mean nor a sum of per-sample terms`;
    return [{ ...diagnostic("lossOfNoKind", why, loss.value.loc), severity: "warning" }];
  }
  return [{ ...diagnostic("lossOfNoKind", "the loss is neither a mean nor a sum over the batch (a square root of a mean, a mean plus a sum, …)", loss.value.loc), severity: "warning" }];
}

/**
 * A forward value that depends on other samples of the batch (ir/batch-coupling.ts: a reduction
 * over the batch mixed back into per-sample values, or kept in a buffer) is each device's share's
 * on several devices, as DDP's, and the whole batch's on one: said where the reduction is written.
 */
function couplingWarnings(graph: Graph): Diagnostic[] {
  return batchCouplings(graph).map(({ reduction, readBy, kept, gradientAt }) => {
    const loc = gradientAt ?? reduction.loc;
    const here = (n: Node) => `${basename(n.loc.file)}:${n.loc.line}`;
    const at = (n: Node) => (n.loc.line === loc.line && n.loc.file === loc.file ? "" : ` (at ${here(n)})`);
    const uses = [
      ...(readBy ? [`uses the result in every sample's values${at(readBy)}`] : []),
      ...(kept ? [`keeps it in buffer \`${kept.buffer.attrs.name}\`${at(kept.value)}, where replica 0's value is kept`] : []),
    ];
    const where = `${uses.join(" and ")}: on several devices each replica computes it from its own share of the batch`;
    const what = gradientAt
      ? `forward takes a gradient here that sums over the batch's samples (of ${formatShape(reduction.shape)}, as a parameter's: MAML's inner step)`
      : `forward reduces over the batch here (${reduction.op} of ${formatShape(reduction.inputs.find((i) => i.shape.some(isBatch))!.shape)})`;
    const why = `${what} and ${where}, as DistributedDataParallel does without an all_reduce or all_gather; on one device it is the whole batch's, as PyTorch's on one GPU`;
    return { ...diagnostic("batchCoupledForward", why, loc), severity: "warning" as const };
  });
}

/** Split-K workspaces for the memory planner, with the tuning file's split counts. */
function workspaces(plan: KernelPlan, shapeFor: ShapeFor, precision: Precision, tuning?: Tuning) {
  return gemmWorkspaces(plan, shapeFor, precision, (k) => tunedGemmShape(k, shapeFor, precision, tuning));
}

/** What the manifest records of the tuning file applied. */
function tuningReport(t: Tuning, staleNames: readonly string[]): TuningReport {
  const stale = new Set(staleNames);
  return {
    file: t.file.file,
    sha256: t.file.sha256,
    kernels: Object.fromEntries([...t.file.entries.values()].filter((e) => !stale.has(e.kernel)).map((e) => [e.kernel, { ...e.knobs }])),
    stale: [...stale],
    ...(t.file.tunedFor ? { tunedFor: t.file.tunedFor } : {}),
  };
}

/** The tensor-core GEMM template (gemm_tc.cu.hbs) has no column of ones for gemm-row-sums. */
function planOptions(precision: Precision = "fp32"): PlanOptions {
  return precision === "fp32" ? {} : { without: ["gemm-row-sums"] };
}

/**
 * The evaluate (forward + loss) and training-step programs of a model with a training
 * declaration: autodiff builds the backward, each program gets its own kernel and memory plan, and
 * the step's gradients are grouped into the buckets that are all-reduced during its backward.
 */
export function trainingPrograms(graph: Graph, bucketCapMb?: number, shapeFor: ShapeFor = "cpu", precision: Precision = "fp32", tuning?: Tuning): TrainingCodegen | undefined {
  if (!graph.loss || !graph.optimizer) return undefined;
  const loss = graph.loss.value;
  const { graph: stepGraph, gradients, lossScale, unreached } = differentiate(graph, { seed: "loss_scale" }); // 2. backward
  const evalPlan = planKernels(graph, [...graph.outputs, loss], planOptions(precision)); //            3. kernels
  // the forward's outputs are materialized in the step too: trainStep copies them back when asked
  const stepPlan = planKernels(stepGraph, [loss, ...stepGraph.outputs, ...gradients.values()], planOptions(precision));
  // split-K GEMMs (weight gradients) get their partial-sum workspace from the memory planner
  const stepMemory = planMemory(stepGraph, stepPlan, gradients, workspaces(stepPlan, shapeFor, precision, tuning)); // 4. memory
  const buckets = planBuckets(graph.params, gradients, stepPlan, stepMemory, bucketCapMb); //        4. gradient buckets
  return {
    evaluate: { graph, plan: evalPlan, memory: planMemory(graph, evalPlan, undefined, workspaces(evalPlan, shapeFor, precision, tuning)) },
    step: { graph: stepGraph, plan: stepPlan, memory: stepMemory },
    gradients,
    lossScale: lossScale!,
    optimizer: skipUnreached(graph.optimizer, graph.params.map((p) => p.attrs.name as string), unreached),
    // a loss that sums over the batch combines the replicas' by summing; any other by their shares (ir/loss-combination.ts)
    reduction: graph.loss.ignoreIndex === undefined && graph.loss.classWeights === undefined && lossKind(loss, graph.perReplicaStatistics) === "sum" ? "sum" : "mean",
    buckets,
  };
}

/**
 * The optimizer with the parameters the loss does not reach in a group of their own that the
 * update skips (lr 0, weight decay 0, and marked skipped: an update from a zero gradient is not a
 * no-op where eps is 0): PyTorch's zero_grad sets their .grad to None and its
 * optimizers skip them, so an unused head or a threshold read only through a comparison keeps its
 * value, where weight decay (AdamW's default 0.01) would otherwise shrink it every step.
 */
function skipUnreached(spec: OptimizerSpec, params: readonly string[], unreached: ReadonlySet<string>): OptimizerSpec {
  if (unreached.size === 0) return spec;
  const reached = (names: readonly string[]) => names.filter((n) => !unreached.has(n));
  const groups: ParamGroup[] = spec.groups ? spec.groups.map((g) => ({ ...g, params: reached(g.params) })) : [{ params: reached(params), internal: true }];
  // one skipped group (the harness has room for one internal group beyond the model's 8): the
  // parameters in no declared group (lower.ts withGroups) are skipped already
  const skipped = groups.find((g) => g.skipped);
  if (skipped) return { ...spec, groups: groups.map((g) => (g === skipped ? { ...g, params: [...g.params, ...unreached] } : g)) };
  return { ...spec, groups: [...groups, { params: [...unreached], lr: 0, weightDecay: 0, internal: true, skipped: true }] };
}

/**
 * Generates the library with its training step when every backward op has a kernel; otherwise
 * the library is forward-only and its manifest says why it cannot train.
 */
function generateWithTraining(input: CodegenInput): GeneratedModel {
  if (!input.training) return generateCuda(input);
  try {
    return generateCuda(input);
  } catch (e) {
    if (!(e instanceof CompileError) || e.diagnostics[0]?.kind !== "noKernel") throw e;
    const generated = generateCuda({ ...input, training: undefined });
    return withManifestChanges(generated, { trainingUnavailable: e.diagnostics[0].message });
  }
}

/** All stages: the compiled model directory. */
export async function compile(file: string, options: CompileOptions = {}): Promise<Compiled & { build: BuildResult }> {
  const target = options.target ?? defaultTarget();
  const archs = options.archs ?? defaultArchs();
  if (target === "cuda") checkPrecisionArchs(options.precision, archs); // before the stages' work, as the settings below
  cacheLimitBytes(); // the build's settings before the stages' work: a bad TSDP_CACHE_MAX_MB is TSDP3004 now
  if (target === "cpu") cpuOptLevel(); // and a bad TSDP_CPU_OPT_LEVEL
  const compiled = generate(file, { ...options, target });
  options.onGenerated?.(compiled);
  // the tuning file read from disk (an in-memory one, tsdp tune's candidate, is not recorded as a source)
  const tunePath = compiled.tuning && typeof options.tune !== "object" ? compiled.tuning.file.file : undefined;
  const tuneRecord = compiled.tuning ? (tunePath ?? `${compiled.tuning.file.file}@${compiled.tuning.file.sha256}`) : undefined;
  const counters = options.counters === true;
  if (counters && target !== "cpu") throw new RangeError("compile: counters is a CPU-target flavor (target: 'cpu'); on a GPU, profile with Nsight Compute");
  // A counter build is not also a memcheck build unless asked explicitly (then buildModel refuses both).
  const memcheck = options.memcheck ?? (counters ? false : memcheckFromEnv());
  const buildOptions = {
    target,
    outDir: options.outDir ?? defaultOutDir(file),
    archs,
    memcheck,
    counters,
    fast: options.fastBuild === true,
    record: buildRecord(
      file,
      [...compiled.model.sources, ...(tunePath ? [tunePath] : [])],
      {
        ...recordedOptions(options.model, target, archs, options.precision, options.bucketCapMb, memcheck, options.shapeFor, counters, options.gemm, options.fastBuild === true, options.tune === false ? false : tuneRecord),
        ...(options.kernelsDir === false ? {} : overridesRecord(file, options.kernelsDir)),
      },
      // a model.tune.json that appears later must rebuild
      options.tune === undefined && !tunePath ? [defaultTuningPath(file)] : [],
    ),
  };
  // User kernels (kernels/NAME.cu) replace generated ones once they pass verification.
  const kernelsDir = options.kernelsDir === false ? undefined : kernelsDirectory(file, options.kernelsDir);
  const overrides = kernelsDir === undefined ? [] : findOverrides(compiled.generated.cu, kernelsDir, dirname(resolve(file)));
  if (overrides.length > 0) {
    const generated = applyOverrides(compiled.generated, overrides);
    // a CUDA build's kernels run on the CPU target with the GPU's shapes; its records must match too
    const cpuTwin = () => {
      const twin = generate(file, { ...options, target: "cpu", shapeFor: options.shapeFor ?? "gpu" }).generated;
      return applyOverrides(twin, findOverrides(twin.cu, kernelsDir!, dirname(resolve(file))));
    };
    const build = await buildVerified(generated, buildOptions, compiled.model.graph, overrides, cpuTwin); // 6. verified, then installed
    return { ...compiled, generated, build };
  }
  const build = await buildModel(compiled.generated, buildOptions); //  6. nvcc | g++ + shim → libmodel.so
  return { ...compiled, build };
}


export { defaultOutDir, recordedOptions };
