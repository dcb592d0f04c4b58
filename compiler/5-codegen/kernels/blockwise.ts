import { checkedBeforeTheCall, INDEX_FAULT_ARG, indexFault, outOfRange } from "../index-faults.ts";
import { imagesOf, isBatch } from "../../ir/shape.ts";
import type { Kernel } from "../../3-fusion/plan.ts";
import { cFloat } from "../../ops/elementwise.ts";
import type { Node } from "../../ir/node.ts";
import { opDef } from "../../ops/index.ts";
import { batchNorm } from "../../ops/norm.ts";
import { TORCH_IGNORES_HINT } from "../../ops/loss.ts";
import type { IndexRange } from "../../ops/op.ts";
import { reducedDims } from "../../ops/reduce.ts";
import { cCount, cDim, classesOf, cType, shapeComment, type CodegenContext } from "../context.ts";
import type { ArgView, BatchNormView, KernelView, LaunchView, LossView, ReduceView } from "../view.ts";
import { stridedReduceKernel } from "./reduce-strided.ts";
import { BLOCK_PARTIALS, TILE_TICKETS } from "./tickets.ts";
import { batchNormSplit, splitsBatchNorm } from "./batch-norm-split.ts";
import { GPU_SMS } from "./gemm-shape.ts";

// Kernels that reduce: batch norm (a block per channel; on the GPU with few channels, statistics over
// many blocks per channel and an elementwise pass: batch-norm-split.ts), reductions over any dims (a warp per
// output element, or reduce-strided.ts's kernels when the reduced elements are strided) and the losses
// (one block over the whole batch on the CPU target; on the GPU up to a wave of blocks, whose sums the
// last block adds in order: kernels/tickets.ts). Sums are fp32, combined by
// warp shuffles and then across warps through shared memory.

function arg(ctx: CodegenContext, n: Node, name: string): ArgView {
  return { decl: `const ${cType(n)}* __restrict__ ${name}`, value: ctx.pointer(n), comment: `${ctx.label(n)} ${shapeComment(n)}` };
}

function outArg(ctx: CodegenContext, k: Kernel): ArgView {
  return { decl: `${cType(k.output)}* __restrict__ out`, value: ctx.pointer(k.output), comment: shapeComment(k.output) };
}

/** The launch of a blockwise kernel: `block` threads, no dynamic shared memory. */
function launchOf(ctx: CodegenContext, k: Kernel, args: ArgView[], grid: string, block: number, scalarArgs: string, summary: string): LaunchView {
  return { name: k.name, kernel: `${k.name}_kernel`, grid, block: `dim3(${block})`, sharedBytes: "0", args, scalars: [], scalarArgs, summary, source: ctx.source(k) };
}

/** The fields every blockwise kernel view shares. */
function common(ctx: CodegenContext, k: Kernel, args: ArgView[], summary: string) {
  return { name: k.name, summary, source: ctx.source(k), rules: k.rules.join(", ") || "none", params: args.map((a) => a.decl).join(", ") };
}

export function batchNormKernel(ctx: CodegenContext, k: Kernel) {
  const n = k.anchor;
  const a = batchNorm.attrsOf(n);
  const [x, ...rest] = n.inputs;
  const C = x.shape[1] as number;
  const inner = (x.shape.slice(2) as number[]).reduce((p, q) => p * q, 1);
  const affine = a.affine ? [arg(ctx, rest[0], "weight"), arg(ctx, rest[1], "bias")] : [];
  const at = a.affine ? 2 : 0;
  // running statistics are written in train mode
  const running: ArgView[] = a.track
    ? [
        ...([[rest[at], "running_mean"], [rest[at + 1], "running_var"]] as const).map(([node, name]) => ({ decl: `float* __restrict__ ${name}`, value: ctx.pointer(node), comment: ctx.label(node) })),
        { decl: "long long* __restrict__ num_batches_tracked", value: ctx.pointer(rest[at + 2]), comment: ctx.label(rest[at + 2]) },
      ]
    : [];
  const summary = `batch_norm over ${C} channels of ${shapeComment(x)}`;
  // momentum None (cumulative): the factor is the kernel's local `momentum`, 1/(num_batches_tracked + 1)
  const cumulative = a.momentum === null;
  // a BatchNorm held in train mode runs its train-mode kernel in eval programs too
  const training = a.heldTrain ? "1" : "r->training";
  const base = { C, inner, eps: cFloat(a.eps), momentum: cumulative ? "momentum" : cFloat(a.momentum!), cumulative, affine: a.affine, track: a.track, threads: 256 };
  if (splitsBatchNorm(ctx, C)) {
    // the GPU shape with few channels: statistics over many blocks per channel, then an elementwise pass
    const s = batchNormSplit(ctx, k, x, { eps: base.eps, track: a.track, training, ...(a.track ? { running: { momentum: base.momentum, cumulative, C } } : {}), statsArgs: [arg(ctx, x, "x"), ...running] });
    const args = [arg(ctx, x, "x"), ...affine, outArg(ctx, k)];
    const kernel: BatchNormView = { template: "batch_norm", ...common(ctx, k, args, summary), ...base, split: s.view.split };
    return { kernel, launch: { ...launchOf(ctx, k, [...args, s.partsArg], s.launch.grid, 256, s.launch.scalarArgs, summary), ...s.launch }, extra: [s.view] };
  }
  const args = [arg(ctx, x, "x"), ...affine, ...running, outArg(ctx, k)];
  const kernel: BatchNormView = { template: "batch_norm", ...common(ctx, k, args, summary), ...base };
  // the kernel's `batch` is the image count N of x [N, C, …]: the batch, a multiple of it, or fixed
  return { kernel, launch: launchOf(ctx, k, args, `dim3(${C})`, 256, `${imagesOf(x.shape[0]).c}, ${training}`, summary) };
}

/**
 * What each reduction computes, as C for reduce.cu.hbs's warp-per-output loop: the accumulator's
 * identity, folding in the element `v` at index `j`, combining the lanes, and the value stored.
 */
type Fold = Pick<ReduceView, "init" | "step" | "combine" | "result">;

// argmax, the one reduction without a Reduction trait: the first index of the maximum (ties go to
// the smaller index), so its lanes combine value and index together. A NaN is the maximum, as in
// PyTorch (whose max(dim) gives the NaN and its index): the first NaN's index.
const argmaxFold: Fold = {
  init: ["float best = -INFINITY;", "int best_at = 0x7fffffff;"],
  step: ["if (best_at == 0x7fffffff || (best == best && (v > best || v != v || (v == best && (int)j < best_at)))) { best = v; best_at = (int)j; }"],
  combine: [
    "#pragma unroll",
    "for (int s = 16; s > 0; s >>= 1) {",
    "    const float ob = __shfl_xor_sync(0xffffffffu, best, s);",
    "    const int oa = __shfl_xor_sync(0xffffffffu, best_at, s);",
    "    const bool o_nan = ob != ob, nan = best != best;",
    "    if (o_nan ? (!nan || oa < best_at) : (!nan && (ob > best || (ob == best && oa < best_at)))) { best = ob; best_at = oa; }",
    "}",
  ],
  result: "best_at",
};

/**
 * A lane's sum folds runs of this many elements into its total: a float sum of n same-signed
 * values drifts by up to n·u as the total outgrows what it adds (2e-3 over a row of 2^25 — 2^20 a
 * lane), while runs of 1,024 bound it by (1,024 + n/1,024)·u, with no extra traffic.
 */
export const SUM_RUN = 1024;

/**
 * The reduce template's fold for an op: the C forms of its Reduction trait (ops/reduce.ts). A sum
 * whose lanes may add more than SUM_RUN elements each (`perLane`; undefined: it depends on the
 * batch) adds them in runs.
 */
function foldOf(op: string, perLane: number | undefined): Fold {
  const r = opDef(op).traits?.reduction?.c;
  if (!r) return argmaxFold;
  const result = r.finish ? r.finish("acc", "(float)reduced") : "acc";
  if (r.warp === "tsdp_warp_sum" && (perLane === undefined || perLane > SUM_RUN))
    return {
      init: [`float acc = ${r.identity};`, `float run = ${r.identity};  // the current run of up to ${SUM_RUN} elements (SUM_RUN: a long row's rounding)`, "int in_run = 0;"],
      step: [r.combine("run", "v"), `if (++in_run == ${SUM_RUN}) { ${r.combine("acc", "run")} run = ${r.identity}; in_run = 0; }`],
      combine: [r.combine("acc", "run"), `acc = ${r.warp}(acc);`],
      result,
    };
  return {
    init: [`float acc = ${r.identity};`],
    step: [r.combine("acc", "v")],
    combine: [`acc = ${r.warp}(acc);`],
    result,
  };
}

/** Offsets of the kept and reduced coordinates, as C statements over `o` and `j`. */
export function reduceKernel(ctx: CodegenContext, k: Kernel): { kernel: KernelView; launch: LaunchView } {
  const n = k.anchor;
  const x = n.inputs[0];
  const dims = reducedDims(x.shape, n.attrs.dims as number[] | null, n.op);
  const strided = stridedReduceKernel(ctx, k, dims);
  if (strided) return strided;
  return reduceOver(ctx, k, x, dims, n.op, `${n.op} over dims [${dims.join(", ")}] of ${shapeComment(x)}`);
}

/**
 * reduce.cu.hbs: a warp per element of k's output, folding `x`'s `dims` with op's reduction (its
 * lanes read consecutive elements where the dims are the innermost). Also adaptive average pooling
 * to 1×1, a mean over each plane (kernels/simple.ts).
 */
export function reduceOver(ctx: CodegenContext, k: Kernel, x: Node, dims: readonly number[], op: string, summary: string): { kernel: ReduceView; launch: LaunchView } {
  const n = k.anchor;
  const shape = x.shape;
  const kept = shape.map((_, d) => d).filter((d) => !dims.includes(d));
  const stride = (d: number) => shape.slice(d + 1).map(cDim).join(" * ") || "1";
  const decompose = (list: number[], v: string, target: string) => {
    const lines = [`size_t ${target} = 0;`, `{ size_t rest = ${v};`];
    for (let q = list.length - 1; q >= 0; q--) {
      const d = list[q];
      lines.push(`  ${target} += (rest % (size_t)${cDim(shape[d])}) * (size_t)(${stride(d)}); rest /= (size_t)${cDim(shape[d])};`);
    }
    lines.push("}");
    return lines;
  };
  const count = dims.map((d) => cDim(shape[d])).join(" * ") || "1";
  const fixed = dims.every((d) => typeof shape[d] === "number") ? dims.reduce((p, d) => p * (shape[d] as number), 1) : undefined;
  const outCount = cCount(n.shape);
  const args = [arg(ctx, x, "x"), outArg(ctx, k)];
  const kernel: ReduceView = {
    template: "reduce", ...common(ctx, k, args, summary),
    outCount, outIndex: decompose(kept, "o", "base"), redIndex: decompose([...dims], "j", "off"), count, ...foldOf(op, fixed === undefined ? undefined : Math.ceil(fixed / 32)),
  };
  return { kernel, launch: launchOf(ctx, k, args, `dim3((unsigned)std::min<size_t>((${outCount} + 7) / 8, 65535))`, 256, "batch", summary) };
}

const LOSS_THREADS = 1024;
const GPU_LOSS_THREADS = 256;
/** A thread's losses per run, each run's sum then added into its total (loss.cu.hbs). */
const LOSS_RUN = 256;

/** A class range whose limit may be a C expression of `batch` (samplesAsClasses). */
type ClassRange = Omit<IndexRange, "limit"> & { readonly limit: number | string };

/**
 * The classes of a loss over an in-batch pair matrix ([Batch, Batch] logits: each sample's match
 * among the device's samples): the range is the device's share, which the runtime cannot check
 * before the call, so the kernel checks each label as it reads it (PyTorch raises past it).
 */
function samplesAsClasses(n: Node, perElement: boolean): ClassRange | undefined {
  // a loss of each element against a target of its shape (BCE, MSE) has no classes: a dim 1 that is
  // the batch (an IWAE's [K, Batch, D] samples) holds data, and its target values, not class indices
  if (perElement) return undefined;
  const classes = n.inputs[0].shape[1];
  if (classes === undefined || !isBatch(classes)) return undefined;
  const ignore = (n.attrs as { ignoreIndex?: number }).ignoreIndex;
  return ignore === undefined ? { limit: cDim(classes), torchIgnores: -100 } : { limit: cDim(classes), ignore };
}

/**
 * C: records a class target `y` outside [0, classes) (its ignoreIndex excepted). A −100 where the loss
 * ignores nothing records a site of its own whose description says that PyTorch would have ignored it.
 */
function classTargetCheck(ctx: CodegenContext, n: Node, classes: ClassRange): string {
  const what = `${n.op}'s target (a class)`;
  // where the classes are the device's samples, the message says so rather than the C name `batch`
  const size = typeof classes.limit === "number" ? classes.limit : `b, the samples of the device's share (an in-batch pair matrix's columns)`;
  const site = ctx.indexSites.site(n, what, size);
  const outside = `${outOfRange("y", classes.limit)}${classes.ignore !== undefined ? ` && y != ${classes.ignore}` : ""}`;
  if (classes.torchIgnores === undefined) return `if (${outside}) ${indexFault(site, "y")};`;
  const torchSite = ctx.indexSites.site(n, what, size, TORCH_IGNORES_HINT);
  return `if (${outside}) ${indexFault(`y == ${classes.torchIgnores} ? ${torchSite} : ${site}`, "y")};`;
}

export function lossKernel(ctx: CodegenContext, k: Kernel) {
  const n = k.anchor;
  const [input, target] = n.inputs;
  const op = opDef(n.op);
  if (op.codegen?.kind !== "kernel" || op.codegen.builder !== "loss") throw new Error(`codegen: ${n.op} is not a loss`);
  const loss = op.codegen.loss;
  const reduction = n.attrs.reduction as "mean" | "sum" | "none";
  const perElement = loss.perElement;
  // the classes: a number, or the batch where they are its samples (CLIP's [Batch, Batch] logits)
  const C = perElement ? 1 : classesOf(input.shape[1]);
  // loss-gradient: the gradient op's scale (its dy, ÷ rows for "mean") and statements, and its output
  const g = k.gradient;
  const gradOp = g && opDef(g.op);
  if (g && gradOp?.codegen?.kind !== "kernel") throw new Error(`codegen: ${k.name}: ${g.op} is not a kernel`);
  const gradCodegen = gradOp?.codegen?.kind === "kernel" && gradOp.codegen.builder === "classification_grad" ? gradOp.codegen : undefined;
  if (g && !gradCodegen) throw new Error(`codegen: ${k.name}: ${g.op} is not a classification gradient`);
  const gradArgs = g
    ? [arg(ctx, g.inputs[0], "dy"), { decl: "float* __restrict__ grad", value: ctx.pointer(g), comment: `${shapeComment(g)}: ∂loss/∂input (loss-gradient)` }]
    : [];
  // a class-index target computed in forward (y.select(1, 0).long()) is checked as it is read
  // (index-faults.ts); the target itself, before the call
  const indexes = op.traits?.indexes?.(n, 1) ?? samplesAsClasses(n, perElement);
  const classes = indexes && !checkedBeforeTheCall(ctx.graph, target, indexes.limit, indexes.ignore) ? indexes : undefined;
  const targetCheck = classes ? [classTargetCheck(ctx, n, classes)] : [];
  const args = [arg(ctx, input, "input"), arg(ctx, target, "target"), outArg(ctx, k), ...gradArgs, ...(classes ? [INDEX_FAULT_ARG] : [])];
  const summary = `${n.op} (${reduction}) ${perElement ? "of" : "over"} ${shapeComment(input)}${g ? ", and its gradient" : ""}`;
  const count = perElement ? cCount(input.shape) : cDim(input.shape[0]);
  // The CPU target sums in one block (its blocks are threads of a few cores); the GPU spreads the
  // rows over up to a wave of blocks — one 1,024-thread block reading the 4096-class MLP's logits at
  // batch 4096 was ~1 ms on one SM's share of bandwidth — and adds the blocks' sums in block order.
  const blockSums = ctx.shapeFor === "gpu" && reduction !== "none";
  // on the GPU, blocks of 8 warps: 8 rows a pass, so a batch of 256 rows is 32 blocks (32 rows a block left 124 SMs idle)
  const threads = blockSums ? GPU_LOSS_THREADS : LOSS_THREADS;
  const perBlock = perElement ? threads : threads / 32; // elements, or rows (a warp each), per pass
  const grid = reduction === "none" ? "dim3(64)" : blockSums ? `dim3((unsigned)std::min<size_t>(((size_t)${count} + ${perBlock - 1}) / ${perBlock}, ${GPU_SMS}))` : "dim3(1)";
  const workspace = blockSums
    ? [
        { decl: "float* __restrict__ partials", value: BLOCK_PARTIALS, comment: `each block's sum (at most ${GPU_SMS})` },
        { decl: "unsigned* __restrict__ tickets", value: TILE_TICKETS, comment: "the blocks' ticket (zero between launches)" },
      ]
    : [];
  const kernel: LossView = {
    template: "loss", ...common(ctx, k, args, summary), threads,
    count,
    classes: C,
    perElement,
    lossOf: [...targetCheck, ...loss.statements(op.attrsOf(n), C)],
    none: reduction === "none",
    finish: reduction === "mean" ? "total / (float)rows" : "total",
    runSteps: LOSS_RUN,
    blockSums,
    ...(g && gradCodegen
      ? {
          gradient: {
            // the gradient op's reduction gives its scale: dy per row for "none", dy ÷ rows for "mean"
            scale: (g.attrs.reduction as string) === "none" ? "dy[row]" : (g.attrs.reduction as string) === "mean" ? "dy[0] / (float)rows" : "dy[0]",
            ...(({ row, element }) => ({ rowStatements: row, element }))(gradCodegen.grad(gradOp!.attrsOf(g), C)),
          },
        }
      : {}),
  };
  const launch = launchOf(ctx, k, [...args, ...workspace], grid, threads, "batch", summary);
  return { kernel, launch: blockSums ? { ...launch, tileTickets: 1, blockPartials: GPU_SMS } : launch };
}
