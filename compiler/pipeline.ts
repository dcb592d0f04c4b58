import { lowerModel, type LoweredModel, type LowerOptions } from "./1-frontend/lower.ts";
import { planKernels, type KernelPlan } from "./3-fusion/plan.ts";
import { planMemory, type MemoryPlan } from "./4-memory/plan.ts";
import { generateCuda, withManifestChanges, type GeneratedModel, type Program, type TrainingCodegen } from "./5-codegen/emit.ts";
import { differentiate } from "./2-autodiff/backward.ts";
import { CompileError } from "./diagnostics/diagnostic.ts";
import type { Graph } from "./ir/node.ts";
import type { Precision } from "./5-codegen/context.ts";
import { buildModel, type BuildResult } from "./6-build/build.ts";
import { buildRecord } from "./6-build/freshness.ts";
import { defaultOutDir, memcheckFromEnv, recordedOptions } from "./build-paths.ts";
import { defaultArchs, defaultTarget, type Target } from "./6-build/toolchain.ts";

// The compiler, stage by stage:
//
//   model.ts ─▶ 1-frontend ─▶ graph IR ─▶ 2-autodiff ─▶ 3-fusion ─▶ 4-memory ─▶ 5-codegen ─▶ 6-build ─▶ libmodel.so
//               (static       (shapes,     (loss +       (kernels    (liveness,  (view model  (nvcc, or g++
//                evaluation)   locations)   backward)     by rules)   reuse)      + templates)  + CPU shim)
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
}

export interface Compiled {
  readonly model: LoweredModel;
  readonly plan: KernelPlan;
  readonly memory: MemoryPlan;
  readonly generated: GeneratedModel;
}

/** Stages 1–5: from the model file to CUDA source, without building it. */
export function generate(file: string, options: CompileOptions = {}): Compiled {
  const model = lowerModel(file, options); //                      1. TypeScript → checked graph IR
  const training = trainingPrograms(model.graph); //               2. + loss and backward (when declared)
  const plan = planKernels(model.graph); //                        3. ops → fused kernels
  const memory = planMemory(model.graph, plan); //                 4. buffers, lifetimes, reuse
  const target = options.target ?? defaultTarget();
  const forward = { graph: model.graph, plan, memory };
  const generated = generateWithTraining(model.graph, forward, target, options, training); // 5. CUDA
  return { model, plan, memory, generated };
}

/**
 * The evaluate (forward + loss) and training-step programs of a model with a training
 * declaration: autodiff builds the backward, and each program gets its own kernel and memory plan.
 */
export function trainingPrograms(graph: Graph): TrainingCodegen | undefined {
  if (!graph.loss || !graph.optimizer) return undefined;
  const loss = graph.loss.value;
  const evalPlan = planKernels(graph, [...graph.outputs, loss]);
  const { graph: stepGraph, gradients, lossScale } = differentiate(graph, { seed: "loss_scale" });
  const roots = [loss, ...gradients.values()];
  const stepPlan = planKernels(stepGraph, roots);
  return {
    evaluate: { graph, plan: evalPlan, memory: planMemory(graph, evalPlan) },
    step: { graph: stepGraph, plan: stepPlan, memory: planMemory(stepGraph, stepPlan, gradients) },
    gradients,
    lossScale: lossScale!,
    optimizer: graph.optimizer,
    reduction: loss.attrs.reduction === "sum" ? "sum" : "mean",
  };
}

/**
 * Generates the library with its training step when every backward op has a kernel; otherwise
 * the library is forward-only and its manifest says why it cannot train.
 */
function generateWithTraining(graph: Graph, forward: Program, target: Target, options: CompileOptions, training: TrainingCodegen | undefined): GeneratedModel {
  const precision = options.precision;
  if (!training) return generateCuda(graph, forward, target, precision);
  try {
    return generateCuda(graph, forward, target, precision, training, options.bucketCapMb);
  } catch (e) {
    if (!(e instanceof CompileError) || e.diagnostics[0]?.kind !== "noLowering") throw e;
    const generated = generateCuda(graph, forward, target, precision);
    return withManifestChanges(generated, { trainingUnavailable: e.diagnostics[0].message });
  }
}

/** All stages: the compiled model directory. */
export async function compile(file: string, options: CompileOptions = {}): Promise<Compiled & { build: BuildResult }> {
  const target = options.target ?? defaultTarget();
  const archs = options.archs ?? defaultArchs();
  const compiled = generate(file, { ...options, target });
  const memcheck = options.memcheck ?? memcheckFromEnv();
  const build = await buildModel(compiled.generated, {
    target,
    outDir: options.outDir ?? defaultOutDir(file),
    archs,
    memcheck,
    record: buildRecord(file, compiled.model.sources, recordedOptions(options.model, target, archs, options.precision, options.bucketCapMb, memcheck)),
  }); //                                                            6. nvcc | g++ + shim → libmodel.so
  return { ...compiled, build };
}


export { defaultOutDir, recordedOptions };
