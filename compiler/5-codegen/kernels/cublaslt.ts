import type { Kernel, KernelPlan } from "../../3-fusion/plan.ts";
import type { Node } from "../../ir/node.ts";
import { numel } from "../../ir/shape.ts";
import { opDef } from "../../ops/index.ts";
import type { DenseGemm } from "../../ops/op.ts";
import { sumReduction } from "../../ops/reduce.ts";
import { shapeComment, type CodegenContext } from "../context.ts";
import { cIdentifier } from "../escape.ts";
import type { LaunchView, PerElementView } from "../view.ts";
import { epilogue } from "./gemm.ts";
import type { GemmChoiceReport } from "../../../runtime/manifest.ts";

// Which GEMMs run on cuBLASLt (issue 20), and the call that replaces tsdp's kernel there. The
// library is loaded at run time (runtime/harness/cublaslt.cu); every site keeps tsdp's kernel as
// its fallback, so a build never needs cuBLAS and runs the same without it.
//
//   --gemm tsdp      no site: every GEMM is tsdp's own kernel (the build before issue 20).
//   --gemm cublaslt  every eligible GEMM: a plain dense one (linear, matmul — not a convolution's
//                    gather, not a pooled epilogue), whatever its size.
//   --gemm auto      (default) eligible GEMMs above AUTO_MIN_DIM and AUTO_MIN_WORK (below).
//
// Epilogues. cuBLASLt applies the bias (BIAS), ReLU or GELU after it (RELU_BIAS, RELU, GELU_BIAS,
// GELU — its GELU is the tanh approximation, so only F.gelu(x, { approximate: "tanh" }) maps) and the
// weight gradient's bias gradient (BGRADB: db[m] = Σ_k A[m, k], the sum of dy over rows that tsdp
// runs as a separate reduction kernel, which the site then skips). Any other fused epilogue
// (relu_grad's mask of the input gradient, exact GELU, tanh, …) runs as a separate per-element
// kernel after cuBLASLt's GEMM, over its output in place; cuBLASLt's DRELU/DGELU need an aux output
// of the forward's GEMM (a bitmask, or the pre-activation) that tsdp's fusion does not produce.
// A GEMM whose output shares storage with such an epilogue operand stays on tsdp's kernel (the
// separate pass would read an overwritten operand).
//
// Precision: operands are fp32 in memory; tf32 and bf16 set cuBLAS's compute type
// (CUBLAS_COMPUTE_32F_FAST_TF32, CUBLAS_COMPUTE_32F_FAST_16BF), which rounds the fp32 operands
// inside the GEMM and accumulates in fp32 — no conversion kernel, no bf16 copy in a workspace.

export type GemmMode = "auto" | "tsdp" | "cublaslt";
export const GEMM_MODES: readonly GemmMode[] = ["auto", "tsdp", "cublaslt"];

/**
 * --gemm auto's thresholds: every fixed dim of the GEMM (M, N or K that does not scale with the
 * batch) at least AUTO_MIN_DIM, and their product — its multiply-adds per sample (per matrix of a
 * batched matmul) — at least AUTO_MIN_WORK. Below them tsdp's fused kernel is as fast or faster:
 * its 64×64 tiles already cover a 256-wide dim in four where cuBLASLt's 128×256 wgmma tiles run
 * mostly empty, and at ~1M multiply-adds per sample a batch of 64 is a ~0.1 GFLOP GEMM, done in
 * about a launch's time by either, so cuBLASLt plus a separate epilogue pass costs more than the
 * one fused kernel. LeNet's GEMMs (fc1 800×500: 0.4M per sample) all stay on tsdp's kernels; the
 * 4096-wide MLP of bench/ (16.8M per sample) goes to cuBLASLt, as PyTorch's does.
 */
export const AUTO_MIN_DIM = 256;
export const AUTO_MIN_WORK = 1 << 20;

/** cuBLASLt's part of a GEMM's epilogue, as cublaslt.h's tsdp_lt_epilogue names it. */
export type BlasEpilogue = "NONE" | "BIAS" | "RELU" | "RELU_BIAS" | "GELU" | "GELU_BIAS" | "BGRADB";

/** The manifest's record of a GEMM's choice (tsdp inspect shows it). */
export type GemmChoice = GemmChoiceReport;

/** What the call site adds to a launch (templates/model.cu.hbs). */
export interface BlasCallView {
  readonly comment: string;
  /** C initializer of `tsdp_lt_gemm`. */
  readonly site: string;
  /** C initializer of `tsdp_lt_operands`. */
  readonly operands: string;
  /** The separate epilogue pass, launched after cuBLASLt's GEMM. */
  readonly rest?: { readonly kernel: string; readonly grid: string; readonly block: string; readonly args: string; readonly pointers: number };
}

export interface BlasSiteResult {
  readonly choice: GemmChoice;
  readonly blas?: BlasCallView;
  /** The separate epilogue pass's kernel, to render. */
  readonly restKernel?: PerElementView;
}

const PRECISION = { fp32: "TSDP_LT_FP32", tf32: "TSDP_LT_TF32", bf16: "TSDP_LT_BF16" } as const;

const fixed = (d: number | string) => /^\d+$/.test(String(d));

interface Eligible {
  readonly dense: DenseGemm;
  readonly M: string;
  readonly N: number;
  readonly K: string;
  readonly Z: string;
  readonly a: Node;
  readonly b: Node;
  readonly bias?: Node;
}

/** A dense GEMM's operands and dims, or why the kernel is not one. */
function eligible(ctx: CodegenContext, k: Kernel): Eligible | string {
  const op = opDef(k.anchor.op);
  if (op.codegen?.kind !== "gemm") return "not a GEMM";
  if (k.pool) return "a pooled epilogue (tsdp's fusion)";
  const transposed = (n: Node) => k.prologue?.includes(n) ?? false;
  const dense = op.codegen.dense?.(k.anchor, op.attrsOf(k.anchor), { pooled: false, label: (n) => ctx.label(n), transposed });
  if (!dense) return "not a plain dense GEMM (an implicit-GEMM convolution or a broadcast batch)";
  const parts = op.codegen.maps(k.anchor, op.attrsOf(k.anchor), { pooled: false, label: (n) => ctx.label(n), transposed });
  const [a, b] = k.anchor.inputs.slice(0, 2).map((n) => (transposed(n) ? n.inputs[0] : n));
  return { dense, M: parts.M, N: parts.N, K: String(parts.K), Z: parts.Z, a, b, bias: parts.bias?.node };
}

/** Why an eligible GEMM stays on tsdp's kernel under `mode`, or undefined when it goes to cuBLASLt. */
function decide(mode: GemmMode, e: Eligible): string | undefined {
  if (mode === "tsdp") return "--gemm tsdp";
  if (mode === "cublaslt") return undefined;
  const dims = [e.M, e.N, e.K].filter(fixed).map(Number);
  const small = dims.filter((d) => d < AUTO_MIN_DIM);
  if (small.length) return `--gemm auto: a fixed dim below ${AUTO_MIN_DIM} (${small.join(", ")}), where tsdp's fused kernel wins`;
  const work = dims.reduce((p, d) => p * d, 1);
  if (work < AUTO_MIN_WORK) return `--gemm auto: ${work.toLocaleString("en-US")} multiply-adds per sample, below ${AUTO_MIN_WORK.toLocaleString("en-US")}, where tsdp's fused kernel wins`;
  return undefined;
}

/**
 * The bias-gradient kernel that BGRADB can replace: a plain sum over the rows of the weight
 * gradient's dy, launched after the GEMM (gradient buckets are cut after the sum kernel: the GEMM
 * that computes the sum instead must come before it, so the bucket's all-reduce sees the result).
 */
function pairedBiasGradient(plan: KernelPlan, at: number, e: Eligible): Kernel | undefined {
  const k = plan.kernels[at];
  if (!e.dense.aTransposed || k.epilogue.length || !fixed(e.M)) return undefined;
  const dy = plan.storageOf(e.a);
  return plan.kernels.slice(at + 1).find((s) => {
    if (s.nodes.length !== 1 || s.epilogue.length || opDef(s.anchor.op).traits?.reduction !== sumReduction) return false;
    const x = s.anchor.inputs[0];
    const dims = s.anchor.attrs.dims as readonly number[] | null;
    const leading = x.shape.slice(0, -1).map((_, i) => i);
    return (
      plan.storageOf(x) === dy &&
      x.shape.at(-1) === Number(e.M) &&
      s.anchor.attrs.keepdim === false &&
      dims !== null &&
      dims.length === leading.length &&
      leading.every((d) => dims.includes(d)) &&
      numel(s.output.shape).p === 0
    );
  });
}

function callView(ctx: CodegenContext, k: Kernel, e: Eligible, site: number, epi: BlasEpilogue, biasPointer: string | undefined, role: string, why: string) {
  const siteInit = `{${site}, "${k.name}", ${e.dense.aTransposed ? 1 : 0}, ${e.dense.bTransposed ? 1 : 0}, TSDP_LT_${epi}, ${PRECISION[ctx.precision]}}`;
  const operands =
    `{${e.M}, ${e.N}, ${e.K}, ${e.Z}, ${ctx.pointer(e.a)}, ${e.dense.strideA}, ${ctx.pointer(e.b)}, ${e.dense.strideB}, ` +
    `${ctx.pointer(k.output)}, ${biasPointer ?? "nullptr"}}`;
  const comment = `cuBLASLt (${why}): ${role} GEMM, epilogue ${epi}, ${ctx.precision}; tsdp's kernel below when cuBLASLt is absent or has no algorithm for the shape`;
  return { siteInit, operands, comment };
}

/**
 * The cuBLASLt sites of one program: per launch, its choice and call; per skipped bias-gradient
 * kernel, the guard that skips it when its GEMM's BGRADB computed it. `firstSite` numbers sites
 * across programs (the harness caches plans per site and shape).
 */
export function blasSites(
  ctx: CodegenContext,
  program: string,
  plan: KernelPlan,
  mode: GemmMode,
  firstSite: number,
): { results: (BlasSiteResult | undefined)[]; guards: Map<number, { comment: string; site: string; operands: string }>; sites: number } {
  const results: (BlasSiteResult | undefined)[] = [];
  const guards = new Map<number, { comment: string; site: string; operands: string }>();
  let site = firstSite;
  plan.kernels.forEach((planned, at) => {
    // the kernel's C names, as emit.ts mangles them
    const k = { ...planned, name: cIdentifier(planned.name) };
    const e = eligible(ctx, k);
    if (typeof e === "string") {
      const isGemm = opDef(k.anchor.op).codegen?.kind === "gemm";
      results.push(isGemm ? { choice: { kernel: k.name, program, role: k.pool || !opDef(k.anchor.op).codegen || e.startsWith("not a plain") ? "convolution" : "other", library: "tsdp", why: e } } : undefined);
      return;
    }
    const refused = decide(mode, e);
    if (refused) {
      results.push({ choice: { kernel: k.name, program, role: e.dense.role, library: "tsdp", why: refused } });
      return;
    }
    // cuBLASLt's epilogue: the bias, then ReLU when it is the first fused op; the rest separately
    let rest = k.epilogue;
    let epi: BlasEpilogue = e.bias ? "BIAS" : "NONE";
    const activation = rest.length ? opDef(rest[0].op).traits?.blasEpilogue?.(opDef(rest[0].op).attrsOf(rest[0])) : undefined;
    if (activation) {
      epi = activation === "relu" ? (e.bias ? "RELU_BIAS" : "RELU") : e.bias ? "GELU_BIAS" : "GELU";
      rest = rest.slice(1);
    }
    const { statements, extras } = epilogue({ ...k, epilogue: rest, anchor: activation ? k.epilogue[0] : k.anchor }, "i");
    if (extras.some((x) => ctx.pointer(x) === ctx.pointer(k.output))) {
      results.push({ choice: { kernel: k.name, program, role: e.dense.role, library: "tsdp", why: "its output shares storage with an epilogue operand that a separate pass would read" } });
      return;
    }
    // A weight gradient whose bias gradient the fusion put in its kernel (gemm-row-sums: C's extra
    // column Σ_k A[m, k]) is BGRADB's db[m] = Σ_k A[m, k] exactly; without BGRADB cuBLASLt cannot
    // give it, so such a GEMM stays on tsdp's kernel.
    const rowSums = k.rowSums && epi === "NONE" && rest.length === 0 && e.dense.aTransposed && fixed(e.M) ? k.rowSums : undefined;
    if (k.rowSums && !rowSums) {
      results.push({ choice: { kernel: k.name, program, role: e.dense.role, library: "tsdp", why: "its kernel also computes the bias gradient (gemm-row-sums), which cuBLASLt's BGRADB gives only for a plain dyᵀ·x" } });
      return;
    }
    const paired = !rowSums && epi === "NONE" && rest.length === 0 ? pairedBiasGradient(plan, at, e) : undefined;
    if (paired || rowSums) epi = "BGRADB";
    const why = mode === "cublaslt" ? "--gemm cublaslt" : `--gemm auto: fixed dims ≥ ${AUTO_MIN_DIM}, ≥ ${AUTO_MIN_WORK.toLocaleString("en-US")} multiply-adds per sample`;
    const biasPointer = rowSums ? ctx.pointer(rowSums) : paired ? ctx.pointer(paired.output) : e.bias ? ctx.pointer(e.bias) : undefined;
    const view = callView(ctx, k, e, site, epi, biasPointer, e.dense.role, why);
    const count = `(size_t)(${e.M}) * ${e.N} * (size_t)(${e.Z})`;
    const args = [
      ...extras.map((x, i) => ({ decl: `const float* __restrict__ e${i}`, value: ctx.pointer(x), comment: `${ctx.label(x)} ${shapeComment(x)} (epilogue operand)` })),
      { decl: "float* __restrict__ out", value: ctx.pointer(k.output), comment: shapeComment(k.output) },
    ];
    const restKernel: PerElementView | undefined = rest.length
      ? {
          template: "per_element",
          name: `${k.name}_blas_epilogue`,
          summary: `${rest.map((n) => n.op).join(" + ")} over cuBLASLt's ${shapeComment(k.output)} result, in place`,
          source: ctx.source(k),
          rules: "cuBLASLt epilogue pass",
          params: args.map((a) => a.decl).join(", "),
          count,
          body: ["float v = out[i];", ...statements, "out[i] = v;"],
        }
      : undefined;
    results.push({
      choice: {
        kernel: k.name,
        program,
        role: e.dense.role,
        library: "cublaslt",
        epilogue: epi,
        ...(rest.length ? { separateEpilogue: rest.map((n) => n.op) } : {}),
        ...(paired ? { replaces: cIdentifier(paired.name) } : {}),
        why,
      },
      blas: {
        comment: view.comment,
        site: view.siteInit,
        operands: view.operands,
        ...(restKernel
          ? { rest: { kernel: `${restKernel.name}_kernel`, grid: `dim3((unsigned)std::min<size_t>((${count} + 255) / 256, 65535))`, block: "dim3(256)", args: [...args.map((a) => a.value), "batch"].join(", "), pointers: args.length } }
          : {}),
      },
      restKernel,
    });
    if (paired) guards.set(plan.kernels.indexOf(paired), { comment: `skipped when ${k.name}'s cuBLASLt GEMM computes it (epilogue BGRADB)`, site: view.siteInit, operands: view.operands });
    site++;
  });
  return { results, guards, sites: site - firstSite };
}

/** The launch with its cuBLASLt call (the kernel's own launch then runs only as the fallback). */
export function withBlas(launch: LaunchView, blas: BlasCallView | undefined, guard: { comment: string; site: string; operands: string } | undefined): LaunchView {
  return { ...launch, ...(blas ? { blas } : {}), ...(guard ? { blasGuard: guard } : {}) };
}
