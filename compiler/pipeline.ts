import { lowerModel, type LoweredModel, type LowerOptions } from "./1-frontend/lower.ts";
import { planKernels, type KernelPlan } from "./3-fusion/plan.ts";
import { planMemory, type MemoryPlan } from "./4-memory/plan.ts";
import { generateCuda, type GeneratedModel } from "./5-codegen/emit.ts";
import type { Precision } from "./5-codegen/context.ts";
import { buildModel, type BuildResult } from "./6-build/build.ts";
import { buildRecord } from "./6-build/freshness.ts";
import { defaultOutDir, recordedOptions } from "./build-paths.ts";
import { defaultArchs, defaultTarget, type Target } from "./6-build/toolchain.ts";

// The compiler, stage by stage:
//
//   model.ts ─▶ 1-frontend ─▶ graph IR ─▶ 3-fusion ─▶ 4-memory ─▶ 5-codegen ─▶ 6-build ─▶ libmodel.so
//               (static       (shapes,     (kernels    (liveness,  (view model  (nvcc, or g++
//                evaluation)   locations)   by rules)   reuse)      + templates)  + CPU shim)
//
// Each stage takes the previous stages' results and nothing else. (Stage 2, autodiff, joins
// with training.)

export interface CompileOptions extends LowerOptions {
  readonly target?: Target;
  /** GEMM and convolution arithmetic: fp32 (default), or tensor cores in tf32 or bf16. */
  readonly precision?: Precision;
  readonly outDir?: string;
  readonly archs?: readonly string[];
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
  const plan = planKernels(model.graph); //                        3. ops → fused kernels
  const memory = planMemory(model.graph, plan); //                 4. buffers, lifetimes, reuse
  const target = options.target ?? defaultTarget();
  const generated = generateCuda(model.graph, plan, memory, target, options.precision); // 5. model.cu, model.h, manifest
  return { model, plan, memory, generated };
}

/** All stages: the compiled model directory. */
export async function compile(file: string, options: CompileOptions = {}): Promise<Compiled & { build: BuildResult }> {
  const target = options.target ?? defaultTarget();
  const archs = options.archs ?? defaultArchs();
  const compiled = generate(file, { ...options, target });
  const build = await buildModel(compiled.generated, {
    target,
    outDir: options.outDir ?? defaultOutDir(file),
    archs,
    record: buildRecord(compiled.model.sources, recordedOptions(options.model, target, archs, options.precision)),
  }); //                                                            6. nvcc | g++ + shim → libmodel.so
  return { ...compiled, build };
}


export { defaultOutDir, recordedOptions };
