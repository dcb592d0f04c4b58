import type { Node } from "../ir/node.ts";
import { formatShape, normalizeDim, numel, type Shape } from "../ir/shape.ts";
import { reduce, type NDArray } from "../reference/ndarray.ts";
import { defineOp, requireFloat, ShapeError, type GradContext, type OpDef, type Reduction, type TensorType } from "./op.ts";

// Reductions over a set of dims (`dims: null` reduces everything), optionally keeping them as 1.

interface ReduceAttrs {
  readonly dims: readonly number[] | null;
  readonly keepdim: boolean;
  [k: string]: unknown;
}

/** Normalized, sorted, distinct dims; every dim when `dims` is null. */
export function reducedDims(shape: Shape, dims: readonly number[] | null, who: string): number[] {
  if (dims === null) return shape.map((_, i) => i);
  const out = new Set<number>();
  for (const d of dims) {
    const n = normalizeDim(d, shape.length);
    if (n === undefined)
      throw new ShapeError(
        `${who}: dim ${d} is out of range for ${formatShape(shape)} (expected ${-Math.max(shape.length, 1)} to ${Math.max(shape.length, 1) - 1})`,
        "invalidArgument",
      );
    if (out.has(n)) throw new ShapeError(`${who}: dim ${d} appears twice`, "invalidArgument");
    out.add(n);
  }
  return [...out].sort((a, b) => a - b);
}

function reducedShape(x: TensorType, a: ReduceAttrs, who: string): Shape {
  const dims = new Set(reducedDims(x.shape, a.dims, who));
  return a.keepdim ? x.shape.map((d, i) => (dims.has(i) ? 1 : d)) : x.shape.filter((_, i) => !dims.has(i));
}

function dimsOf(shape: readonly number[], a: ReduceAttrs): number[] {
  return a.dims === null ? shape.map((_, i) => i) : a.dims.map((d) => (d < 0 ? d + shape.length : d)).sort((p, q) => p - q);
}

// The reductions, shared by the reduce kernels and window pooling.
export const sumReduction: Reduction = {
  identity: 0,
  combine: (s, v) => s + v,
  c: { identity: "0.0f", combine: (acc, v) => `${acc} += ${v};`, warp: "tsdp_warp_sum" },
};
export const meanReduction: Reduction = {
  ...sumReduction,
  finish: (s, n) => s / n,
  c: { ...sumReduction.c, finish: (acc, count) => `${acc} / ${count}` },
};
/** The maximum; a NaN wins and stays, as in PyTorch (v != v is true only for NaN). */
export const maxReduction: Reduction = {
  identity: -Infinity,
  combine: (m, v) => (v > m || Number.isNaN(v) ? v : m),
  c: { identity: "-INFINITY", combine: (acc, v) => `${acc} = (${v} > ${acc} || ${v} != ${v}) ? ${v} : ${acc};  // NaN wins, as in PyTorch`, warp: "tsdp_warp_max" },
};

/** Reduces x over the attrs' dims with `r`, PyTorch's reference in float64. */
function reduceWith(r: Reduction, x: NDArray, a: ReduceAttrs): NDArray {
  return reduce(x, dimsOf(x.shape, a), a.keepdim, r.identity, r.combine, r.finish);
}

/** dy of a reduction, reshaped to keepdim form and broadcast back over the reduced dims. */
function spread(ctx: GradContext, a: ReduceAttrs): Node {
  const x = ctx.node.inputs[0];
  const dims = new Set(reducedDims(x.shape, a.dims, ctx.node.op));
  const kept = x.shape.map((d, i) => (dims.has(i) ? 1 : d));
  const dy = a.keepdim ? ctx.dy : ctx.emit("reshape", [ctx.dy], { shape: kept });
  return ctx.expand(dy, x.shape);
}

/** The number of reduced elements as c·Batch^p. */
function reducedCount(ctx: GradContext, a: ReduceAttrs): { c: number; p: number } {
  const x = ctx.node.inputs[0];
  const dims = reducedDims(x.shape, a.dims, ctx.node.op);
  return numel(dims.map((d) => x.shape[d]));
}

export const sum: OpDef<ReduceAttrs> = defineOp<ReduceAttrs>({
  name: "sum",
  family: "reduce",
  codegen: { kind: "kernel", builder: "reduce" },
  traits: { reduction: sumReduction },
  inputs: ["x"],
  infer: ([x], a, who) => {
    requireFloat(x, who);
    return { shape: reducedShape(x, a, who), dtype: "f32" };
  },
  reference: ([x], a) => reduceWith(sumReduction, x, a),
  grad: (ctx) => [spread(ctx, sum.attrsOf(ctx.node))],
});

export const mean: OpDef<ReduceAttrs> = defineOp<ReduceAttrs>({
  name: "mean",
  family: "reduce",
  codegen: { kind: "kernel", builder: "reduce" },
  traits: { reduction: meanReduction },
  inputs: ["x"],
  infer: ([x], a, who) => {
    requireFloat(x, who);
    return { shape: reducedShape(x, a, who), dtype: "f32" };
  },
  reference: ([x], a) => reduceWith(meanReduction, x, a),
  grad: (ctx) => {
    const a = mean.attrsOf(ctx.node);
    return [ctx.emit("div_count", [spread(ctx, a)], reducedCount(ctx, a))];
  },
});

/**
 * torch.amax: the maxima (NaN wins, as in PyTorch). `evenly`: the gradient of torch.max(x) and
 * torch.min(x) over every element, which goes to the NaNs where the maximum is NaN
 * (derivatives.yaml: evenly_distribute_backward); amax's own (scale_grad_by_count with
 * `result == self`) finds no element equal to a NaN maximum, and its row's gradient is 0/0, NaN.
 */
export const amax: OpDef<ReduceAttrs & { readonly evenly?: boolean }> = defineOp<ReduceAttrs & { readonly evenly?: boolean }>({
  name: "amax",
  family: "reduce",
  codegen: { kind: "kernel", builder: "reduce" },
  traits: { reduction: maxReduction },
  inputs: ["x"],
  infer: ([x], a, who) => {
    requireFloat(x, who);
    return { shape: reducedShape(x, a, who), dtype: "f32" };
  },
  reference: ([x], a) => reduceWith(maxReduction, x, a),
  // PyTorch's amax gradient: dy shared evenly among the elements equal to the maximum
  grad: (ctx) => {
    const x = ctx.node.inputs[0];
    const a = amax.attrsOf(ctx.node);
    const max = ctx.expand(a.keepdim ? ctx.node : ctx.emit("reshape", [ctx.node], { shape: keptShape(ctx, a) }), x.shape);
    const hits = ctx.emit(a.evenly ? "eq_mask" : "eq", [x, max]);
    const ties = ctx.expand(ctx.emit("sum", [hits], { dims: a.dims, keepdim: true }), x.shape);
    return [ctx.emit("mul", [spread(ctx, a), ctx.emit("div", [hits, ties])])];
  },
});

function keptShape(ctx: GradContext, a: ReduceAttrs): Shape {
  const x = ctx.node.inputs[0];
  const dims = new Set(reducedDims(x.shape, a.dims, ctx.node.op));
  return x.shape.map((d, i) => (dims.has(i) ? 1 : d));
}

/** 1 where a == b (NaN matching NaN: where the maximum is NaN, its positions are the NaNs, as PyTorch's evenly_distribute_backward), else 0: the positions of torch.max(x)'s maximum. */
export const eqMask = defineOp<{}>({
  name: "eq_mask",
  family: "elementwise",
  inputs: ["a", "b"],
  infer: ([a]) => ({ shape: a.shape, dtype: "f32" }),
  reference: ([a, b]) => ({ shape: a.shape, data: a.data.map((v, i) => (v === b.data[i] || (Number.isNaN(v) && Number.isNaN(b.data[i])) ? 1 : 0)) }),
  codegen: { kind: "pointwise", expr: ([a, b]) => `((${a} == ${b} || (${a} != ${a} && ${b} != ${b})) ? 1.0f : 0.0f)` },
});

/** torch.argmax along one dim: the first index of the maximum (a NaN's, if any), as int32. */
export const argmax = defineOp<ReduceAttrs>({
  name: "argmax",
  family: "reduce",
  codegen: { kind: "kernel", builder: "reduce" },
  inputs: ["x"],
  infer: ([x], a, who) => {
    requireFloat(x, who);
    if (a.dims === null || a.dims.length !== 1)
      throw new ShapeError(`${who} takes exactly one dim`, "invalidArgument");
    return { shape: reducedShape(x, a, who), dtype: "i32" };
  },
  reference: ([x], a) => {
    const [dim] = dimsOf(x.shape, a);
    const outer = x.shape.slice(0, dim).reduce((p, q) => p * q, 1);
    const n = x.shape[dim];
    const inner = x.shape.slice(dim + 1).reduce((p, q) => p * q, 1);
    const data = new Float64Array(outer * inner);
    for (let o = 0; o < outer; o++)
      for (let i = 0; i < inner; i++) {
        let best = 0;
        for (let k = 1; k < n; k++) {
          const v = x.data[(o * n + k) * inner + i];
          const m = x.data[(o * n + best) * inner + i];
          // a NaN is the maximum (PyTorch's): the first one's index
          if (!Number.isNaN(m) && (v > m || Number.isNaN(v))) best = k;
        }
        data[o * inner + i] = best;
      }
    const shape = a.keepdim ? x.shape.map((s, i) => (i === dim ? 1 : s)) : x.shape.filter((_, i) => i !== dim);
    return { shape, data };
  },
});
