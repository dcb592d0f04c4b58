import type { Kernel, KernelPlan } from "../3-fusion/plan.ts";
import { opDef } from "../ops/index.ts";
import type { Precision, ShapeFor } from "../5-codegen/context.ts";
import { cIdentifier } from "../5-codegen/escape.ts";
import { kernelGemmMaps, type GemmShape } from "../5-codegen/kernels/gemm-shape.ts";
import { resolveGemm, resolvePointwise, resolveTensorCore, type KnobFamily, type KnobReport } from "./knobs.ts";
import type { TunableKernel, Tuning } from "./tuning-file.ts";

// The plan-level questions about tuned kernels, asked before code generation (the memory planner's
// split-K workspaces, the tuning file's check) and after it (`tsdp inspect --kernel`, `tsdp tune`):
// the same resolution (knobs.ts) the kernel builders apply, so every stage sees one shape.

type PlanKernel = Pick<Kernel, "name" | "anchor" | "pool" | "prologue" | "rowSums">;

/** The knob family of a plan's kernel under this precision; undefined: its kernel has no knobs. */
export function familyOf(k: Pick<Kernel, "anchor">, precision: Precision): KnobFamily | undefined {
  const codegen = opDef(k.anchor.op).codegen;
  if (codegen?.kind === "gemm") return precision === "fp32" ? "gemm" : "gemm_tc";
  if (codegen?.kind === "pointwise") return "pointwise";
  return undefined;
}

/** The fp32 GEMM's shape with the tuning file's knobs (for gemm-shape.ts gemmWorkspaces). */
export function tunedGemmShape(k: PlanKernel, shapeFor: ShapeFor, precision: Precision, tuning?: Tuning): GemmShape | undefined {
  if (familyOf(k, precision) !== "gemm") return undefined;
  return resolveGemm({ parts: kernelGemmMaps(k, undefined, shapeFor).parts, shapeFor }, tuning?.forKernel(cIdentifier(k.name))).shape;
}

/** A kernel's knobs, their values and origins; undefined for kernels without knobs. */
export function kernelKnobs(k: PlanKernel, shapeFor: ShapeFor, precision: Precision, tuning?: Tuning): { family: KnobFamily; knobs: KnobReport } | undefined {
  const family = familyOf(k, precision);
  const t = tuning?.forKernel(cIdentifier(k.name));
  if (family === "gemm") return { family, knobs: resolveGemm({ parts: kernelGemmMaps(k, undefined, shapeFor).parts, shapeFor }, t).knobs };
  if (family === "gemm_tc") return { family, knobs: resolveTensorCore({ parts: kernelGemmMaps(k).parts }, t).knobs };
  if (family === "pointwise") return { family, knobs: resolvePointwise(t).knobs };
  return undefined;
}

/** Every kernel of these plans once by name, with its family, for the tuning file's check. */
export function tunableKernels(plans: readonly KernelPlan[], precision: Precision): TunableKernel[] {
  const seen = new Map<string, TunableKernel>();
  for (const p of plans) for (const k of p.kernels) if (!seen.has(k.name)) seen.set(k.name, { name: k.name, family: familyOf(k, precision) });
  return [...seen.values()];
}
