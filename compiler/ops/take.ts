import { dimEq, formatShape, isBatch, normalizeDim, type Dim } from "../ir/shape.ts";
import { nd, type NDArray } from "../reference/ndarray.ts";
import { around, checkJoinDim } from "./join.ts";
import { defineOp, requireFloat, requireIndices, ShapeError, type OpDef, type TensorType } from "./op.ts";

// Taking elements by int32 index along one dim: torch.index_select (one index vector for every
// position) and torch.gather (an index per output element), with their gradients, which sum dy
// back onto the positions each element was taken from (PyTorch's index_add / scatter_add). As for
// cat, the dim taken from must be a fixed size (the batch may come before or after it, or be the
// index's length: a row of a table for each sample). Each output element of a gradient
// loops over the dim's indices (deterministic, no atomics), as embedding_grad does.

interface TakeAttrs {
  readonly dim: number;
  /** "vector": index_select's 1-D index; "elementwise": gather's index of the output's shape. */
  readonly mode: "vector" | "elementwise";
  /**
   * The index is a row-major position of index_check'ed indices (advanced indexing): one out of its
   * dim is reported by that check, which runs first, so the kernel reports nothing of its own.
   */
  readonly reported?: boolean;
}

function checkIndex(idx: TensorType, who: string): void {
  requireIndices(idx, who);
}

const checkDim = (shape: readonly Dim[], dim: number, who: string) => checkJoinDim(shape, dim, who, "index");

/** The output shape of a take from `x` with `idx`. */
function takeShape(x: readonly Dim[], idx: TensorType, a: TakeAttrs, who: string): readonly Dim[] {
  checkDim(x, a.dim, who);
  checkIndex(idx, who);
  // an index as long as the batch (a diffusion model's a.gather(-1, t), one timestep per sample)
  // takes a row of a table for each sample: the result has the batch there, so x must have none
  const batchIndex = isBatch(idx.shape[a.mode === "vector" ? 0 : a.dim]);
  if (batchIndex && x.some(isBatch))
    throw new ShapeError(`${who}: an index as long as the batch takes from a tensor without a batch dim (a table), got ${formatShape(x)}`);
  if (a.mode === "vector") {
    if (idx.shape.length !== 1) throw new ShapeError(`${who}: the index must be a 1-D int32 tensor, got ${formatShape(idx.shape)}`);
    return x.map((d, i) => (i === a.dim ? idx.shape[0] : d));
  }
  const fits = idx.shape.length === x.length && idx.shape.every((d, i) => i === a.dim || dimEq(d, x[i]));
  if (!fits) throw new ShapeError(`${who}: the index ${formatShape(idx.shape)} must have the input's shape ${formatShape(x)} except in dim ${a.dim}`);
  return idx.shape;
}

/** For each output element (o, j, e): the flat position of its index. */
const indexAt = (a: TakeAttrs, o: number, j: number, e: number, n: number, inner: number) => (a.mode === "vector" ? j : (o * n + j) * inner + e);

function checkedIndex(k: number, size: number, who: string): number {
  if (!Number.isInteger(k) || k < 0 || k >= size) throw new RangeError(`${who}: index ${k} is out of range [0, ${size})`);
  return k;
}

/**
 * An index a composition reads by comparing rather than by loading (F.oneHot, scatter_reduce's
 * masks, advanced indexing's row-major position): itself, checked against the dim it indexes. One
 * outside [low, limit) is reported as the kernels that load through an index report theirs
 * (5-codegen/index-faults.ts), where it would make a row of zeros or another element's position.
 * With low = −limit (advanced indexing, index_fill) a negative index counts from the end: the result
 * is v + limit for v < 0, as PyTorch's; in [0, limit) it is v either way (keepsIndicesBelow).
 */
interface IndexCheckAttrs {
  readonly limit: number;
  /** The smallest index allowed: 0, or −limit where negatives count from the end (advanced indexing). */
  readonly low?: number;
  /** The op named in the report ("one_hot", "x[idx]"). */
  readonly what: string;
}
export const indexCheck: OpDef<IndexCheckAttrs> = defineOp<IndexCheckAttrs>({
  name: "index_check",
  family: "elementwise",
  inputs: ["index"],
  traits: {
    // a model input read through it is checked before the call too (index-limits.ts), naming the input
    indexes: (node, input) => (input === 0 && !indexCheck.attrsOf(node).low ? { limit: indexCheck.attrsOf(node).limit } : undefined),
    keepsIndicesBelow: (node) => indexCheck.attrsOf(node).limit,
  },
  infer: ([idx], _, who) => {
    requireIndices(idx, who);
    return { shape: idx.shape, dtype: "i32" };
  },
  reference: ([idx], a) => {
    const low = a.low ?? 0;
    const checked = (k: number) => {
      if (!Number.isInteger(k) || k < low || k >= a.limit) throw new RangeError(`${a.what}: index ${k} is out of range [${low}, ${a.limit})`);
      return k < 0 ? k + a.limit : k;
    };
    return { shape: idx.shape, data: idx.data.map(checked) };
  },
  codegen: {
    kind: "pointwise",
    expr: ([v], a, ctx) => {
      if (!ctx.indexSite) throw new Error("codegen: index_check outside an elementwise kernel");
      const site = ctx.indexSite(a.what, a.limit);
      // checked before the call within [0, limit): every value passes unchanged
      if (site === undefined) return v;
      return a.low ? `tsdp_index_from_end(index_fault, ${site}, ${v}, ${a.limit})` : `tsdp_index_checked(index_fault, ${site}, ${v}, 0, ${a.limit})`;
    },
  },
});

export const take: OpDef<TakeAttrs> = defineOp<TakeAttrs>({
  name: "take",
  family: "gather",
  inputs: ["x", "index"],
  codegen: { kind: "kernel", builder: "take" },
  traits: {
    indexes: (node, input) => {
      const x = node.inputs[0];
      const size = x.shape[normalizeDim((node.attrs as TakeAttrs).dim, x.shape.length) ?? -1];
      return input === 1 && typeof size === "number" ? { limit: size } : undefined;
    },
  },
  infer: ([x, idx], a, who) => {
    requireFloat(x, who);
    return { shape: takeShape(x.shape, idx, a, who), dtype: "f32" };
  },
  reference: ([x, idx], a) => {
    const shape = a.mode === "vector" ? x.shape.map((d, i) => (i === a.dim ? idx.shape[0] : d)) : idx.shape;
    const [outer, n, inner] = around(shape, a.dim);
    const size = x.shape[a.dim];
    const out = nd(shape);
    for (let o = 0; o < outer; o++)
      for (let j = 0; j < n; j++)
        for (let e = 0; e < inner; e++) {
          const k = checkedIndex(idx.data[indexAt(a, o, j, e, n, inner)], size, "take");
          out.data[(o * n + j) * inner + e] = x.data[(o * size + k) * inner + e];
        }
    return out;
  },
  grad: ({ node, dy, emit }) => [emit("take_grad", [dy, node.inputs[1]], { ...node.attrs, size: node.inputs[0].shape[take.attrsOf(node).dim] }), null],
});

/** take's gradient: dx[o, k, e] = Σ over j with index (o, j, e) = k of dy[o, j, e]. */
export const takeGrad: OpDef<TakeAttrs & { readonly size: number }> = defineOp<TakeAttrs & { readonly size: number }>({
  name: "take_grad",
  family: "gather",
  inputs: ["dy", "index"],
  codegen: { kind: "kernel", builder: "take" },
  // scatter's and index_add's index: PyTorch raises outside the written dim, as take's
  traits: { indexes: (node, input) => (input === 1 ? { limit: takeGrad.attrsOf(node).size } : undefined) },
  infer: ([dy, idx], a, who) => {
    requireFloat(dy, who, "gradient");
    const expected = takeShape(dy.shape.map((d, i) => (i === a.dim ? a.size : d)), idx, a, who);
    if (!expected.every((d, i) => dimEq(d, dy.shape[i]))) throw new ShapeError(`${who}: dy ${formatShape(dy.shape)} does not fit the index ${formatShape(idx.shape)}`);
    return { shape: dy.shape.map((d, i) => (i === a.dim ? a.size : d)), dtype: "f32" };
  },
  reference: ([dy, idx], a) => {
    const shape = dy.shape.map((d, i) => (i === a.dim ? a.size : d));
    const [outer, n, inner] = around(dy.shape, a.dim);
    const out: NDArray = nd(shape);
    for (let o = 0; o < outer; o++)
      for (let j = 0; j < n; j++)
        for (let e = 0; e < inner; e++) {
          const k = checkedIndex(idx.data[indexAt(a, o, j, e, n, inner)], a.size, "take_grad");
          out.data[(o * a.size + k) * inner + e] += dy.data[(o * n + j) * inner + e];
        }
    return out;
  },
  // a sum of dy's elements at their indices (scatter_add, index_add): each element's gradient is
  // the output gradient where it went, a take with the same index
  grad: ({ node, dy, emit }) => {
    const { dim, mode } = takeGrad.attrsOf(node);
    return [emit("take", [dy, node.inputs[1]], { dim, mode }), null];
  },
});
