import { fail } from "../diagnostics/diagnostic.ts";
import { isBooleanMask, markBoolean } from "./boolean-masks.ts";
import { floatOnlyRefusal } from "./int-arithmetic.ts";
import type { SourceLoc } from "../diagnostics/diagnostic.ts";
import { formatShape, isBatch, normalizeDim, type Dim } from "../ir/shape.ts";
import { arg, bindArgs, locOfArg, opt, type Bound } from "./args.ts";
import { ops } from "./composite-ops.ts";
import { MAX_CAT_INPUTS } from "../ops/join.ts";
import { cat } from "./joins.ts";
import { cross, diagonal, isclose, isPairMatrix, pairDiagonal } from "./linalg.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { legacyUnbiasedArgs, pointwiseComposites, varianceArgs } from "./pointwise-composites.ts";
import { BuiltinFunction, describe, ObjectValue, TensorValue, type CallSite, type Value } from "./values.ts";
import { sizes } from "./factories.ts";
import { matrixQueries } from "./matrix-functions.ts";
import { convert } from "./tensor-spellings.ts";

// What ports ask of a tensor beyond arithmetic: torch.isnan / isinf / isfinite / nan_to_num, the
// boolean reductions all / any / count_nonzero, torch.std_mean / var_mean, torch.diag,
// Tensor.unfold's sliding windows, torch.meshgrid (Swin's relative-position grid) and
// x.new_tensor. Each is a composition of tsdp's ops, written as method and F function alike.

type Lowering = (x: TensorValue, b: Bound, site: CallSite, em: GraphEmitter, who: string) => Value;
interface Query {
  /** The arguments after x. */
  readonly args: Parameters<typeof bindArgs>[1];
  readonly lower: Lowering;
  /** The arguments after x as `args` binds them, where an overload of PyTorch's puts one elsewhere. */
  readonly rebind?: (args: readonly Value[]) => Value[];
}

const dims = opt("dim", "ints", null, { nullable: true });
const keepdim = opt("keepdim", "bool", false);

/** dim as a non-negative index into `shape`, or a located error when it is out of range. */
function dimIn(shape: readonly Dim[], d: number, who: string, at: SourceLoc): number {
  const n = normalizeDim(d, shape.length);
  return n ?? fail("invalidArgument", `${who}: dim ${d} is out of range for ${formatShape(shape)}`, at);
}

/** The positions 0…n−1 of dim `dim` as int32, shaped to broadcast along it (what an argmax along dim is compared with). */
function positionsAlong(shape: readonly Dim[], dim: number, n: number, em: GraphEmitter, who: string, site: CallSite): TensorValue {
  return ops(em, who, site).op("reshape", [em.tensor("arange_int", [], { start: 0, step: 1, length: n }, who, site)], { shape: shape.map((_, i) => (i === dim ? n : 1)) });
}

/** ±∞ as a graph value: a fill (constants are finite). */
const infinity = (sign: 1 | -1, em: GraphEmitter, who: string, site: CallSite) => em.node("full", [], { shape: [], value: sign * Infinity }, who, site);

/** x ≠ 0 as a 0/1 mask; NaN counts as nonzero (true), as PyTorch's bool(). */
const nonzero = (x: TensorValue, em: GraphEmitter, who: string, site: CallSite) => ops(em, who, site).op("ne", [x, 0]);

const queries: Record<string, Query> = {
  // NaN is the one value unequal to itself
  isnan: { args: [], lower: (x, _b, site, em, who) => ops(em, who, site).op("ne", [x, x]) },
  isinf: { args: [], lower: (x, _b, site, em, who) => ops(em, who, site).op("eq", [ops(em, who, site).op("abs", [x]), infinity(1, em, who, site)]) },
  // finite: x − x is 0 exactly for finite x, NaN for ±∞ and NaN
  isfinite: { args: [], lower: (x, _b, site, em, who) => { const c = ops(em, who, site); return c.op("eq", [c.op("sub", [x, x]), 0]); } },
  isposinf: { args: [], lower: (x, _b, site, em, who) => ops(em, who, site).op("eq", [x, infinity(1, em, who, site)]) },
  isneginf: { args: [], lower: (x, _b, site, em, who) => ops(em, who, site).op("eq", [x, infinity(-1, em, who, site)]) },
  // torch.nan_to_num(x, nan=0, posinf=float32 max, neginf=float32 lowest)
  nanToNum: {
    args: [opt("nan", "number", 0), opt("posinf", "number", null, { nullable: true }), opt("neginf", "number", null, { nullable: true })],
    lower: (x, b, site, em, who) => {
      const c = ops(em, who, site);
      const max = 3.4028234663852886e38;
      const finite = c.op("where", [c.op("eq", [x, infinity(1, em, who, site)]), b.posinf ?? max, c.op("where", [c.op("eq", [x, infinity(-1, em, who, site)]), b.neginf ?? -max, x])]);
      return c.op("where", [c.op("ne", [x, x]), b.nan, finite]);
    },
  },
  // 1 where every (some) element along dims is nonzero; a 0/1 float32 tensor, as tsdp's masks
  all: { args: [dims, keepdim], lower: (x, b, site, em, who) => { const c = ops(em, who, site); return markBoolean(c.op("neg", [c.op("amax", [c.op("neg", [nonzero(x, em, who, site)])], { dims: b.dim, keepdim: b.keepdim })])); } },
  any: { args: [dims, keepdim], lower: (x, b, site, em, who) => ops(em, who, site).op("amax", [nonzero(x, em, who, site)], { dims: b.dim, keepdim: b.keepdim }) },
  // torch.isin(elements, test_elements, invert): whether each element equals one of the test
  // elements (a tensor without the batch, or a number), every pair compared; NaN is in nothing
  isin: {
    args: [arg("testElements", "numberOrTensor"), opt("assumeUnique", "bool", false), opt("invert", "bool", false)],
    lower: (x, b, site, em, who) => {
      const c = ops(em, who, site);
      const test = b.testElements as TensorValue | number;
      let found: TensorValue;
      if (typeof test === "number") found = c.op("eq", [x, test]);
      else {
        if (test.node.shape.some(isBatch)) fail("shapeMismatch", `${who}: the test elements ${formatShape(test.node.shape)} hold the batch, which is split across devices; give a tensor of fixed shape`, locOfArg(b, "testElements", site));
        const m = test.node.shape.reduce((p: number, d) => p * (d as number), 1);
        found = c.op("amax", [c.op("eq", [c.reshape(x, [...x.node.shape, 1]), c.reshape(test, [m])])], { dims: [x.node.shape.length], keepdim: false });
      }
      return markBoolean(b.invert ? c.op("eq", [found, 0]) : found);
    },
  },
  // PyTorch's int64 counts: int32 here, as a bool mask's sum (int-arithmetic.ts countsBooleans)
  countNonzero: { args: [dims], lower: (x, b, site, em, who) => ops(em, who, site).op("sum", [nonzero(x, em, who, site)], { dims: b.dim, keepdim: false }) },
  // torch.std_mean / var_mean: (std or var, mean) over the same dims, as a pair
  stdMean: { args: varianceArgs.slice(1), rebind: legacyUnbiasedArgs, lower: (x, b, site, em, who) => [pointwiseComposites.std({ ...b, x }, site, em, who), meanOf(x, b, site, em, who)] },
  varMean: { args: varianceArgs.slice(1), rebind: legacyUnbiasedArgs, lower: (x, b, site, em, who) => [pointwiseComposites.var({ ...b, x }, site, em, who), meanOf(x, b, site, em, who)] },
  diag: { args: [opt("diagonal", "int", 0)], lower: (x, b, site, em, who) => diag(x, b.diagonal, site, em, who) },
  // torch.nansum / nanmean: NaNs left out (as 0 in the sum, not counted in the mean); all NaN: 0 and NaN, as PyTorch's
  nansum: { args: [dims, keepdim], lower: (x, b, site, em, who) => nanReduce("sum", x, b, site, em, who) },
  nanmean: { args: [dims, keepdim], lower: (x, b, site, em, who) => nanReduce("mean", x, b, site, em, who) },
  // torch.diff(x, n=1, dim=-1, prepend, append): x[i + 1] − x[i] along dim, n times, after the joins
  diff: {
    args: [opt("n", "nonNegInt", 1), opt("dim", "int", -1), opt("prepend", "tensor", null, { nullable: true }), opt("append", "tensor", null, { nullable: true })],
    lower: (x, b, site, em, who) => difference(x, b, site, em, who),
  },
  unfold: { args: [arg("dimension", "int"), arg("size", "posInt"), arg("step", "posInt")], lower: (x, b, site, em, who) => slidingWindows(x, b, site, em, who) },
  // linalg.ts: Tensor.diagonal (a view), torch.cross, torch.isclose
  diagonal: { args: [opt("offset", "int", 0), opt("dim1", "int", 0), opt("dim2", "int", 1)], lower: (x, b, site, em, who) => diagonal(x, b.offset, b.dim1, b.dim2, site, em, who) },
  cross: { args: [arg("other", "tensor"), opt("dim", "int", null, { nullable: true })], lower: (x, b, site, em, who) => cross(x, b.other, b.dim, site, em, who) },
  isclose: {
    args: [arg("other", "tensor"), opt("rtol", "nonNegNumber", 1e-5), opt("atol", "nonNegNumber", 1e-8), opt("equalNan", "bool", false)],
    lower: (x, b, site, em, who) => isclose(x, b.other, b.rtol, b.atol, b.equalNan, site, em, who),
  },
};

/** Σ (or the mean) of the non-NaN elements over dims (all when null): NaN read as 0, the count of the others. */
function nanReduce(op: "sum" | "mean", x: TensorValue, b: Bound, site: CallSite, em: GraphEmitter, who: string): TensorValue {
  const refused = op === "mean" ? floatOnlyRefusal(x.node, who, (t) => `nanmean(): expected input to have floating point or complex dtype but got ${t}`) : undefined;
  if (refused) fail("dtypeMismatch", refused, site.loc);
  const c = ops(em, who, site);
  const d = b.dim === null ? x.node.shape.map((_, i) => i) : b.dim;
  const present = c.op("eq", [x, x]);
  // the select takes its gradient to the present elements only, as PyTorch's nansum backward
  const sum = c.op("sum", [c.op("where", [present, x, 0])], { dims: d, keepdim: b.keepdim });
  return op === "sum" ? sum : c.op("div", [sum, c.op("sum", [present], { dims: d, keepdim: b.keepdim })]);
}

/** torch.diff: the n-th forward difference along dim, prepend and append joined first (a fixed-size dim). */
function difference(x: TensorValue, b: Bound, site: CallSite, em: GraphEmitter, who: string): TensorValue {
  const dim = dimIn(x.node.shape, b.dim, who, site.loc);
  const c = ops(em, who, site);
  let t = x;
  const parts = [b.prepend, x, b.append].filter((p): p is TensorValue => p !== null);
  if (parts.length > 1) t = cat(who, parts, dim, site, em);
  for (let k = 0; k < b.n; k++) {
    const size = t.node.shape[dim];
    if (isBatch(size)) fail("shapeMismatch", `${who}: dim ${dim} of ${formatShape(t.node.shape)} is the batch, which is split across devices`, site.loc);
    if (size < 2) fail("shapeMismatch", `${who}: dim ${dim} has ${size} element${size === 1 ? "" : "s"} left after ${k} differences; tsdp's tensors are not empty`, site.loc);
    const [next, prev] = [c.narrow(t, dim, 1, size - 1), c.narrow(t, dim, 0, size - 1)];
    // of bools, where a difference cannot be −1, PyTorch's diff is their logical_xor (a bool: where the mask changes)
    t = isBooleanMask(t.node) ? markBoolean(c.op("ne", [next, prev])) : c.op("sub", [next, prev]);
  }
  return t;
}

function meanOf(x: TensorValue, b: Bound, site: CallSite, em: GraphEmitter, who: string): TensorValue {
  const d = b.dim === null ? x.node.shape.map((_, i) => i) : b.dim;
  return ops(em, who, site).op("mean", [x], { dims: d, keepdim: b.keepdim });
}

/** The 0/1 mask of diagonal k of a rows × cols matrix (column − row = k): tril and triu of ones at k. */
function diagonalMask(rows: number, cols: number, k: number, c: ReturnType<typeof ops>) {
  const ones = c.op("full", [], { shape: [rows, cols], value: 1 });
  return c.op("triangle", [c.op("triangle", [ones], { diagonal: k, upper: true })], { diagonal: k, upper: false });
}

/**
 * torch.diag: a vector's square matrix with it on diagonal k (k > 0 above the main one), or a
 * matrix's diagonal k as a vector. Sizes are fixed (the batch cannot be either side). Both select
 * by the diagonal's mask (not a product with it, which would turn ±∞ and NaN off the diagonal into
 * NaN: CCNet's diag(inf·1)), so each element's gradient is its own.
 */
function diag(x: TensorValue, k: number, site: CallSite, em: GraphEmitter, who: string): TensorValue {
  const shape = x.node.shape;
  if (k === 0 && isPairMatrix(shape)) return pairDiagonal(x, ops(em, who, site));
  if (shape.some(isBatch))
    fail("shapeMismatch", `${who} takes a tensor of fixed sizes, got ${formatShape(shape)}${isPairMatrix(shape) ? ` (diagonal ${k} of an in-batch pair matrix depends on each device's share of the batch; the main one, k = 0, is each sample with itself)` : ""}`, site.loc);
  const c = ops(em, who, site);
  if (shape.length === 1) {
    const n = shape[0] as number;
    const size = n + Math.abs(k);
    // M[r, r + k] = v[r] (k ≥ 0: v down the rows) or M[c − k, c] = v[c] (k < 0: v along the columns), v padded with |k| zeros
    const padded = k === 0 ? x : cat(who, [x, c.op("full", [], { shape: [Math.abs(k)], value: 0 })], 0, site, em);
    const line = c.op("reshape", [padded], { shape: k >= 0 ? [size, 1] : [1, size] });
    return c.op("where", [diagonalMask(size, size, k, c), c.op("expand", [line], { shape: [size, size] }), 0]);
  }
  if (shape.length !== 2) fail("shapeMismatch", `${who} takes a vector or a matrix, got ${formatShape(shape)}`, site.loc);
  const [rows, cols] = shape as number[];
  const length = Math.max(0, Math.min(rows, cols - k, rows + k, cols));
  if (length === 0) fail("invalidArgument", `${who}: diagonal ${k} of a ${rows}×${cols} matrix is empty`, site.loc);
  // row r holds diagonal element r + min(k, 0): each row's masked sum, then the rows that have one
  const sums = c.op("sum", [c.op("where", [diagonalMask(rows, cols, k, c), x, 0])], { dims: [1], keepdim: false });
  return c.narrow(sums, 0, Math.max(0, -k), length);
}

/**
 * Tensor.unfold(dim, size, step): the windows x[…, i·step : i·step + size, …] along dim, dim then
 * holding the ⌊(n − size)/step⌋ + 1 windows and a new last dim their `size` positions — one narrow
 * per window, stacked, so each position's gradient sums over the windows that hold it.
 */
function slidingWindows(x: TensorValue, b: Bound, site: CallSite, em: GraphEmitter, who: string): TensorValue {
  const shape = x.node.shape;
  const dim = dimIn(shape, b.dimension, who, locOfArg(b, "dimension", site));
  const n = shape[dim];
  if (typeof n !== "number") fail("shapeMismatch", `${who}: the windows cannot run along the batch dim of ${formatShape(shape)}`, locOfArg(b, "dimension", site));
  if (b.size > n) fail("invalidArgument", `${who}: a window of ${b.size} is longer than dim ${dim} (${n})`, locOfArg(b, "size", site));
  const count = Math.floor((n - b.size) / b.step) + 1;
  if (count > MAX_CAT_INPUTS) fail("invalidArgument", `${who}: ${count} windows; tsdp builds one narrow per window and joins at most ${MAX_CAT_INPUTS}`, site.loc);
  const c = ops(em, who, site);
  // each window [.., size at dim, ..] with its positions moved last and a window dim of 1 at dim
  const toEnd = [...shape.keys()].filter((d) => d !== dim).concat(dim);
  const windows = Array.from({ length: count }, (_, i) => {
    const moved = c.op("permute", [c.narrow(x, dim, i * b.step, b.size)], { perm: toEnd });
    const withWindow = [...moved.node.shape];
    withWindow.splice(dim, 0, 1);
    return c.op("reshape", [moved], { shape: withWindow });
  });
  return cat(who, windows, dim, site, em);
}

/** The largest k topk takes one max and mask at a time; past it, every element's rank orders the dim. */
const MAX_TOPK = 32;
/** The longest dim ranked (n² comparisons per row). */
const MAX_RANKED = 4096;

/**
 * torch.topk(x, k, dim=-1, largest=True): the k largest (smallest) along a fixed-size dim, in
 * order, with their int32 indices — k rounds, each taking the first index among the best elements
 * not yet taken; the values are then x gathered at the indices, so each value's gradient reaches
 * exactly the element it came from (ties included, as PyTorch's). NaN ranks above every number, as
 * PyTorch's sort and topk order it (first in descending order, last in ascending), and ±∞ are
 * values like others (a taken element is excluded by a mask, not by writing −∞ over it). Up to
 * MAX_TOPK elements; sort and argsort of a dim that short are topk of all of it. Past that,
 * sortedByRank orders the whole dim and topk is its first k.
 */
function topk(x: TensorValue, k: number, dimArg: number, largest: boolean, site: CallSite, em: GraphEmitter, who: string): { values: TensorValue; indices: TensorValue } {
  const shape = x.node.shape;
  const dim = dimIn(shape, dimArg, who, site.loc);
  const n = shape[dim];
  if (typeof n !== "number") fail("shapeMismatch", `${who}: cannot select along the batch dim of ${formatShape(shape)}`, site.loc);
  if (!(Number.isInteger(k) && k >= 1 && k <= n)) fail("invalidArgument", `${who}: k must be between 1 and the dim's size ${n}, got ${k}`, site.loc);
  const c = ops(em, who, site);
  if (k > MAX_TOPK) {
    if (n > MAX_RANKED) fail("invalidArgument", `${who}: ${k} of ${n} elements; past ${MAX_TOPK}, tsdp ranks every element against every other, along a dim of at most ${MAX_RANKED}`, site.loc);
    const sorted = sortedByRank(x, dim, n, largest, site, em, who);
    return k === n ? sorted : { values: c.narrow(sorted.values, dim, 0, k), indices: c.narrow(sorted.indices, dim, 0, k) };
  }
  const positions = positionsAlong(shape, dim, n, em, who, site);
  const lowest = infinity(-1, em, who, site);
  const value = x.node.dtype === "i32" ? c.op("to_float", [x]) : x;
  const key = largest ? value : c.op("neg", [value]);
  const isNaN = c.op("ne", [value, value]);
  let left = c.op("expand", [new TensorValue(em.node("full", [], { shape: [], value: 1 }, who, site))], { shape: [...shape] });
  const indices: TensorValue[] = [];
  for (let j = 0; j < k; j++) {
    // the best number left, and which elements left hold it (none when only NaN is left)
    const numbers = c.op("mul", [left, c.op("eq", [isNaN, 0])]);
    const best = c.op("amax", [c.op("where", [numbers, key, lowest])], { dims: [dim], keepdim: true });
    const holders = c.op("mul", [numbers, c.op("eq", [key, best])]);
    const nans = c.op("mul", [left, isNaN]);
    // NaN before the numbers in descending order, after them in ascending; the first index of the preferred kind
    const score = largest ? c.op("add", [c.op("mul", [nans, 2]), holders]) : c.op("add", [c.op("mul", [holders, 2]), nans]);
    const index = c.op("argmax", [score], { dims: [dim], keepdim: true });
    indices.push(index);
    if (j + 1 < k) left = c.op("mul", [left, c.op("ne", [positions, index])]);
  }
  const taken = cat(who, indices, dim, site, em);
  return { values: em.tensor("take", [x, taken], { dim, mode: "elementwise" }, who, site), indices: taken };
}

/**
 * The whole dim in order (descending when `largest`): element i's rank is the count of elements
 * before it in that order — larger ones, and equal ones at a lower index (ties keep their order,
 * as topk takes the first among equals); NaN before every number in descending order and after
 * them in ascending, NaNs among themselves by index — and each element is written at its rank
 * (take's gradient: a permutation, so every position is written once, exactly; the values'
 * gradient is the gather back).
 */
function sortedByRank(x: TensorValue, dim: number, n: number, largest: boolean, site: CallSite, em: GraphEmitter, who: string): { values: TensorValue; indices: TensorValue } {
  const c = ops(em, who, site);
  const shape = x.node.shape;
  const value = x.node.dtype === "i32" ? c.op("to_float", [x]) : x;
  const key = largest ? value : c.op("neg", [value]);
  // [..., i, ..., 1] against [..., 1, ..., j] along a new last dim: j before i in the order
  const mine = c.reshape(key, [...shape, 1]);
  const theirs = c.reshape(c.op("permute", [c.reshape(key, [...shape, 1])], { perm: [...shape.map((_, d) => (d === dim ? shape.length : d)), dim] }), [...shape.map((d, i) => (i === dim ? 1 : d)), n]);
  const earlier = c.reshape(em.tensor("triangle", [em.tensor("full", [], { shape: [n, n], value: 1 }, who, site)], { diagonal: -1, upper: false }, who, site), [...shape.map((_, i) => (i === dim ? n : 1)), n]);
  const [mineNaN, theirNaN] = [c.op("ne", [mine, mine]), c.op("ne", [theirs, theirs])];
  const [mineNumber, theirNumber] = [c.op("eq", [mineNaN, 0]), c.op("eq", [theirNaN, 0])];
  const numbers = c.op("mul", [c.op("mul", [mineNumber, theirNumber]), c.op("add", [c.op("gt", [theirs, mine]), c.op("mul", [c.op("eq", [theirs, mine]), earlier])])]);
  const bothNaN = c.op("mul", [c.op("mul", [mineNaN, theirNaN]), earlier]);
  const nanFirst = largest ? c.op("mul", [theirNaN, mineNumber]) : c.op("mul", [theirNumber, mineNaN]);
  const before = c.op("add", [c.op("add", [numbers, bothNaN]), nanFirst]);
  const rank = c.op("to_int", [c.op("sum", [before], { dims: [shape.length], keepdim: false })]);
  const place = (t: TensorValue) => em.tensor("take_grad", [t, rank], { dim, mode: "elementwise", size: n }, who, site);
  const positions = c.op("expand", [c.op("to_float", [positionsAlong(shape, dim, n, em, who, site)])], { shape: [...shape] });
  const values = x.node.dtype === "i32" ? c.op("to_int", [place(c.op("to_float", [x]))]) : place(x);
  return { values, indices: c.op("to_int", [place(positions)]) };
}

/**
 * torch.mode along dim: of the values seen most often, the smallest, at its last index — PyTorch's
 * CPU kernel sorts the row and keeps a run only when it is strictly longer than the longest before
 * it, reporting the run's last element (torch.mode's documented example: column [0, 0, 2, 2, 1]
 * gives 0 at index 1). The counts compare every pair along dim (n² per slice, as sortedByRank); the
 * value is taken at its index, so the gradient reaches that element alone (derivatives.yaml's
 * value_selecting_reduction_backward). NaN equals nothing: it is the mode only of an all-NaN slice.
 */
function mode(x: TensorValue, dimArg: number, keepdim: boolean, site: CallSite, em: GraphEmitter, who: string): { values: TensorValue; indices: TensorValue } {
  const c = ops(em, who, site);
  const shape = x.node.shape;
  const dim = dimIn(shape, dimArg, who, site.loc);
  const n = sizeAlong(x, dim, site, who);
  const key = x.node.dtype === "i32" ? c.op("to_float", [x]) : c.op("detach", [x]);
  // [..., i, ..., 1] against [..., 1, ..., j] along a new last dim: how many j equal i
  const mine = c.reshape(key, [...shape, 1]);
  const theirs = c.reshape(c.op("permute", [mine], { perm: [...shape.map((_, d) => (d === dim ? shape.length : d)), dim] }), [...shape.map((d, i) => (i === dim ? 1 : d)), n]);
  const count = c.op("sum", [c.op("eq", [mine, theirs])], { dims: [shape.length], keepdim: false });
  const along = { dims: [dim], keepdim: true };
  const frequent = c.op("eq", [count, c.op("amax", [count], along)]);
  // the smallest of the most frequent: the others stand in as +∞ (not the slice's largest value, which
  // is NaN where the slice holds one: a NaN counts 0, and is never among the most frequent of a slice
  // with a number in it)
  const smallest = c.op("neg", [c.op("amax", [c.op("neg", [c.op("where", [frequent, key, infinity(1, em, who, site)])])], along)]);
  const positions = c.op("to_float", [positionsAlong(shape, dim, n, em, who, site)]);
  // its last index; an all-NaN slice matches nothing: NaN at index 0, as PyTorch's CPU kernel gives
  // for a short one (its sort leaves the unordered NaNs in place, and the first run of 1 wins)
  const index = c.op("to_int", [c.op("amax", [c.op("where", [c.op("eq", [key, smallest]), positions, 0])], along)]);
  const values = em.tensor("take", [x, index], { dim, mode: "elementwise" }, who, site);
  const drop = (v: TensorValue) => (keepdim ? v : c.reshape(v, shape.filter((_, i) => i !== dim)));
  return { values: drop(values), indices: drop(index) };
}

/** (values, indices) as torch's named tuple: { values, indices }, or [0], [1], or destructured. */
const pair = (t: { values: TensorValue; indices: TensorValue }) => new ObjectValue(new Map<string, Value>([["values", t.values], ["indices", t.indices], ["0", t.values], ["1", t.indices]]));

const selections: Record<string, Query> = {
  topk: {
    args: [arg("k", "posInt"), opt("dim", "int", -1), opt("largest", "bool", true), opt("sorted", "bool", true)],
    lower: (x, b, site, em, who) => pair(topk(x, b.k, b.dim, b.largest, site, em, who)),
  },
  sort: {
    args: [opt("dim", "int", -1), opt("descending", "bool", false), opt("stable", "bool", false)],
    lower: (x, b, site, em, who) => pair(topk(x, sizeAlong(x, b.dim, site, who), b.dim, b.descending, site, em, who)),
  },
  // torch.msort(x): x sorted along dim 0, the values alone (sort(x, dim=0).values)
  msort: {
    args: [],
    lower: (x, _b, site, em, who) => topk(x, sizeAlong(x, 0, site, who), 0, false, site, em, who).values,
  },
  argsort: {
    args: [opt("dim", "int", -1), opt("descending", "bool", false), opt("stable", "bool", false)],
    lower: (x, b, site, em, who) => topk(x, sizeAlong(x, b.dim, site, who), b.dim, b.descending, site, em, who).indices,
  },
  // torch.median(x, dim, keepdim): the lower median ((n − 1)/2-th smallest) with its index; NaN (at
  // its first index) where the dim holds one, as PyTorch's (nanmedian leaves them out); without a
  // dim, of a tensor without the batch, the whole tensor's value alone
  median: {
    args: [opt("dim", "int", null, { nullable: true }), keepdim],
    lower: (x, b, site, em, who) => {
      const c = ops(em, who, site);
      const whole = b.dim === null;
      if (whole && x.node.shape.some(isBatch)) fail("shapeMismatch", `${who}: the median of every element of ${formatShape(x.node.shape)} takes the whole batch, which is split across devices; give a dim`, site.loc);
      const t = whole ? c.reshape(x, [x.node.shape.reduce((p: number, d) => p * (d as number), 1)]) : x;
      const dim = whole ? 0 : dimIn(t.node.shape, b.dim, who, site.loc);
      const n = sizeAlong(t, dim, site, who);
      const k = Math.floor((n - 1) / 2);
      const smallest = topk(t, k + 1, dim, false, site, em, who);
      const nan = c.op("ne", [t, t]);
      const anyNaN = c.op("gt", [c.op("amax", [nan], { dims: [dim], keepdim: true }), 0]);
      const at = c.op("where", [anyNaN, c.op("argmax", [nan], { dims: [dim], keepdim: true }), c.narrow(smallest.indices, dim, k, 1)]);
      const index = c.op("to_int", [at]);
      const values = em.tensor("take", [t, index], { dim, mode: "elementwise" }, who, site);
      if (whole) return evenAmongTies(c, t, values);
      const drop = (v: TensorValue) => (b.keepdim ? v : c.reshape(v, v.node.shape.filter((_, i) => i !== dim)));
      return pair({ values: drop(values), indices: drop(index) });
    },
  },
  // torch.kthvalue(x, k, dim=-1, keepdim): the k-th smallest along dim with its index (NaN the largest, as sort puts it)
  kthvalue: {
    args: [arg("k", "posInt"), opt("dim", "int", -1), keepdim],
    lower: (x, b, site, em, who) => {
      const c = ops(em, who, site);
      const dim = dimIn(x.node.shape, b.dim, who, site.loc);
      const smallest = topk(x, b.k, dim, false, site, em, who);
      const kth = (v: TensorValue) => (b.keepdim ? c.narrow(v, dim, b.k - 1, 1) : c.reshape(c.narrow(v, dim, b.k - 1, 1), x.node.shape.filter((_, i) => i !== dim)));
      return pair({ values: kth(smallest.values), indices: kth(smallest.indices) });
    },
  },
  // torch.mode(x, dim=-1, keepdim): the value seen most often along dim, with its index
  mode: {
    args: [opt("dim", "int", -1), keepdim],
    lower: (x, b, site, em, who) => pair(mode(x, b.dim, b.keepdim, site, em, who)),
  },
  // torch.quantile(x, q, dim, keepdim, interpolation): q a number or an array of them (a leading dim
  // then); NaN where the dim holds one, as PyTorch's
  quantile: {
    args: [arg("q", "any"), opt("dim", "int", null, { nullable: true }), keepdim, opt("interpolation", "string", "linear", { choices: ["linear", "lower", "higher", "midpoint", "nearest"] })],
    lower: (x, b, site, em, who) => quantile(x, b, site, em, who),
  },
  // torch.nanmedian(x, dim, keepdim): the lower median of the values that are not NaN, with its
  // index; a slice of NaNs only gives NaN; without a dim, of a tensor without the batch
  nanmedian: {
    args: [opt("dim", "int", null, { nullable: true }), keepdim],
    lower: (x, b, site, em, who) => {
      const c = ops(em, who, site);
      const r = nanRanked(x, b.dim, b.keepdim, who, site, em, (count: TensorValue) => c.op("floor", [c.op("div", [c.op("sub", [count, 1]), 2])]));
      const index = c.op("to_int", [r.rank]);
      const [values, indices] = [r.at(index, "values"), r.at(index, "indices")];
      if (b.dim === null) return r.shaped(evenAmongTies(c, r.flat, values));
      return pair({ values: r.shaped(values), indices: r.shaped(indices) });
    },
  },
  // torch.nanquantile: quantile of the values that are not NaN (their count per slice sets the rank)
  nanquantile: {
    args: [arg("q", "any"), opt("dim", "int", null, { nullable: true }), keepdim, opt("interpolation", "string", "linear", { choices: ["linear", "lower", "higher", "midpoint", "nearest"] })],
    lower: (x, b, site, em, who) => {
      const c = ops(em, who, site);
      const qs = quantileQs(b.q, who, site);
      const parts = qs.map((q) => {
        const r = nanRanked(x, b.dim, b.keepdim, who, site, em, (count: TensorValue) => c.op("mul", [c.op("sub", [count, 1]), q]));
        const [lo, hi] = [c.op("floor", [r.rank]), c.op("ceil", [r.rank])];
        const value = (i: TensorValue) => r.at(c.op("to_int", [i]), "values");
        let v: TensorValue;
        if (b.interpolation === "lower") v = value(lo);
        else if (b.interpolation === "higher") v = value(hi);
        else if (b.interpolation === "nearest") v = value(c.op("round", [r.rank]));
        else {
          const w = b.interpolation === "midpoint" ? c.op("mul", [c.op("ne", [lo, hi]), 0.5]) : c.op("sub", [r.rank, lo]);
          v = lerp(c, value(lo), value(hi), w);
        }
        return r.shaped(v);
      });
      if (typeof b.q === "number") return parts[0];
      return em.tensor("concat", parts.map((p) => c.reshape(p, [1, ...p.node.shape])), { dim: 0 }, who, site);
    },
  },
  // torch.aminmax(x, dim, keepdim): { min, max }
  aminmax: {
    args: [opt("dim", "int", null, { nullable: true }), keepdim],
    lower: (x, b, site, em, who) => {
      const c = ops(em, who, site);
      const dims = b.dim === null ? null : [b.dim];
      const [min, max] = [c.op("neg", [c.op("amax", [c.op("neg", [x])], { dims, keepdim: b.keepdim })]), c.op("amax", [x], { dims, keepdim: b.keepdim })];
      return new ObjectValue(new Map<string, Value>([["min", min], ["max", max], ["0", min], ["1", max]]));
    },
  },
};
Object.assign(queries, selections, matrixQueries);

/**
 * torch.quantile: along dim (every element without one), the sorted values at rank q·(n − 1),
 * between the two around it by `interpolation` — PyTorch's lerp (start + w·(end − start) for w < ½,
 * end − (end − start)·(1 − w) above), "nearest" rounding the rank half to even — and NaN where the
 * dim holds one (sort puts NaNs last: the last value is NaN).
 */
/**
 * PyTorch's lerp(a, z, w): a + w·(z − a) for w < ½, z − (z − a)·(1 − w) above, so that w = 1
 * gives z exactly; w a number (one branch chosen here) or a tensor (a select).
 */
function lerp(c: ReturnType<typeof ops>, a: TensorValue, z: TensorValue, w: number | TensorValue): TensorValue {
  const span = c.op("sub", [z, a]);
  const below = () => c.op("add", [a, c.op("mul", [span, w])]);
  const above = () => c.op("sub", [z, c.op("mul", [span, typeof w === "number" ? 1 - w : c.op("sub", [1, w])])]);
  if (typeof w === "number") return w < 0.5 ? below() : above();
  return c.op("where", [c.op("lt", [w, 0.5]), below(), above()]);
}

/** quantile's q: a number or a non-empty array of numbers, each in [0, 1]. */
function quantileQs(q: Value, who: string, site: CallSite): number[] {
  const qs: number[] = typeof q === "number" ? [q] : Array.isArray(q) && q.every((v) => typeof v === "number") ? (q as number[]) : fail("wrongArgumentType", `${who}: q is a number or an array of numbers in [0, 1], got ${describe(q)}`, site.loc);
  if (qs.length === 0 || qs.some((v) => !(v >= 0 && v <= 1))) fail("invalidArgument", `${who}: q values must be in the range [0, 1], got ${JSON.stringify(q)}`, site.loc);
  return qs;
}

/**
 * A whole tensor's median (`picked`, [1], of the flat `t`) as a 0-d value whose gradient is shared
 * evenly among the elements equal to it, as PyTorch's median() and nanmedian() without a dim
 * (evenly_distribute_backward: the elements equal to it, or the NaNs when it is NaN; with a dim the
 * gradient goes to the index). A finite median v is v − Σ_ties (t̂ − t)/k with t̂ detached: v
 * exactly (each term is 0; a −0 stays −0) with 1/k to each of the k ties. An infinite or NaN one
 * (where t̂ − t is NaN) is the extreme of its ties alone — amax with the others at −FLT_MAX, amin
 * (−amax of −x) at +FLT_MAX for −∞ — whose gradient amax shares evenly among them, NaN with NaN.
 */
function evenAmongTies(c: ReturnType<typeof ops>, t: TensorValue, picked: TensorValue): TensorValue {
  const v = c.op("detach", [picked]);
  const nan = (x: TensorValue) => c.op("ne", [x, x]);
  const tie = c.op("where", [nan(v), nan(t), c.op("eq", [t, v])]);
  const over = { dims: [0], keepdim: false };
  const ties = c.op("sum", [c.op("where", [tie, 1, 0])], over);
  const spread = c.op("div", [c.op("sum", [c.op("where", [tie, c.op("sub", [c.op("detach", [t]), t]), 0])], over), ties]);
  // (evenly: max()'s gradient, which goes to the NaNs, not amax's NaN for a NaN maximum)
  const high = c.op("amax", [c.op("where", [tie, t, -FLOAT32_MAX])], { ...over, evenly: true });
  const low = c.op("neg", [c.op("amax", [c.op("neg", [c.op("where", [tie, t, FLOAT32_MAX])])], { ...over, evenly: true })]);
  const extreme = c.op("where", [c.op("lt", [v, -FLOAT32_MAX]), low, high]);
  const finite = c.op("eq", [c.op("sub", [v, v]), 0]);
  return c.reshape(c.op("where", [finite, c.op("sub", [v, spread]), extreme]), []);
}

/** float32's largest finite value: the fill no tie of a finite median is below (above, for amin). */
const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * The nan- selections' common part: x sorted along dim (every element without one; NaNs last), the
 * count of values that are not NaN per slice, a rank from it (`rankOf`, a float position among
 * those values; 0 where a slice holds NaNs only, whose first sorted value is NaN), the sorted values
 * and indices at a position (int32, keepdim's shape), and the result's shape (keepdim or not).
 */
function nanRanked(x: TensorValue, dimArg: number | null, keepdim: boolean, who: string, site: CallSite, em: GraphEmitter, rankOf: (count: TensorValue) => TensorValue) {
  const c = ops(em, who, site);
  const whole = dimArg === null;
  if (whole && x.node.shape.some(isBatch)) fail("shapeMismatch", `${who}: every element of ${formatShape(x.node.shape)} takes the whole batch, which is split across devices; give a dim`, site.loc);
  const t = whole ? c.reshape(x, [x.node.shape.reduce((p: number, d) => p * (d as number), 1)]) : x;
  const dim = whole ? 0 : dimIn(t.node.shape, dimArg, who, site.loc);
  const sorted = topk(t, sizeAlong(t, dim, site, who), dim, false, site, em, who);
  const count = c.op("sum", [c.op("eq", [t, t])], { dims: [dim], keepdim: true });
  const rank = c.op("where", [c.op("eq", [count, 0]), 0, rankOf(count)]);
  return {
    rank,
    flat: t,
    at: (index: TensorValue, part: "values" | "indices") => em.tensor("take", [sorted[part], index], { dim, mode: "elementwise" }, who, site),
    shaped: (v: TensorValue) => (whole ? c.reshape(v, keepdim ? x.node.shape.map(() => 1) : []) : keepdim ? v : c.reshape(v, t.node.shape.filter((_, i) => i !== dim))),
  };
}

function quantile(x: TensorValue, b: Bound, site: CallSite, em: GraphEmitter, who: string): TensorValue {
  const c = ops(em, who, site);
  const qs = quantileQs(b.q, who, site);
  const whole = b.dim === null;
  if (whole && x.node.shape.some(isBatch)) fail("shapeMismatch", `${who}: the quantile of every element of ${formatShape(x.node.shape)} takes the whole batch, which is split across devices; give a dim`, site.loc);
  const t = whole ? c.reshape(x, [x.node.shape.reduce((p: number, d) => p * (d as number), 1)]) : x;
  const dim = whole ? 0 : dimIn(t.node.shape, b.dim, who, site.loc);
  const n = sizeAlong(t, dim, site, who);
  const sorted = topk(t, n, dim, false, site, em, who).values;
  const hasNaN = c.op("ne", [c.narrow(sorted, dim, n - 1, 1), c.narrow(sorted, dim, n - 1, 1)]);
  const at = (i: number) => c.narrow(sorted, dim, i, 1);
  const parts = qs.map((q) => {
    const rank = q * (n - 1);
    const [lo, hi] = [Math.floor(rank), Math.ceil(rank)];
    const halfEven = rank - lo === 0.5 ? (lo % 2 === 0 ? lo : hi) : Math.round(rank);
    const w = b.interpolation === "midpoint" ? 0.5 : rank - lo;
    let v: TensorValue;
    if (b.interpolation === "lower") v = at(lo);
    else if (b.interpolation === "higher") v = at(hi);
    else if (b.interpolation === "nearest") v = at(halfEven);
    else if (lo === hi) v = at(lo);
    else {
      v = lerp(c, at(lo), at(hi), w);
    }
    const valued = c.op("where", [hasNaN, at(n - 1), v]);
    const kept = whole ? (b.keepdim ? c.reshape(valued, x.node.shape.map(() => 1)) : c.reshape(valued, [])) : b.keepdim ? valued : c.reshape(valued, t.node.shape.filter((_, i) => i !== dim));
    return kept;
  });
  if (typeof b.q === "number") return parts[0];
  return em.tensor("concat", parts.map((p) => c.reshape(p, [1, ...p.node.shape])), { dim: 0 }, who, site);
}

// Running products, log-sum-exps and extremes along a fixed-size dim (ops/scan.ts): torch.cumprod
// (a diffusion schedule's ᾱ = cumprod(1 − β), in a constructor or forward), logcumsumexp, and
// cummax / cummin as (values, indices) pairs.
// cumprod's and prod's dtype= converts the input first, as PyTorch's (and as cumsum's, tensor-methods.ts cumsumOf)
const scanDtype = opt("dtype", "string", null, { nullable: true });
const converted = (x: TensorValue, b: Bound, site: CallSite, em: GraphEmitter, who: string) => (b.dtype === null ? x : convert(x, b.dtype as string, who, site, em));
const scans: Record<string, Query> = {
  cumprod: { args: [arg("dim", "int"), scanDtype], lower: (x, b, site, em, who) => em.tensor("cumprod", [converted(x, b, site, em, who)], { dim: b.dim }, who, site) },
  logcumsumexp: { args: [arg("dim", "int")], lower: (x, b, site, em, who) => em.tensor("logcumsumexp", [x], { dim: b.dim }, who, site) },
  // torch.prod(x, dim, keepdim): the running product's last element, so its gradient is cumprod's,
  // exact where elements are zero (no division by x); without dim, over every element (fixed sizes)
  prod: { args: [opt("dim", "int", null, { nullable: true }), keepdim, scanDtype], lower: (x, b, site, em, who) => product(converted(x, b, site, em, who), b, site, em, who) },
  ...Object.fromEntries(
    (["cummax", "cummin"] as const).map((name) => [
      name,
      {
        args: [arg("dim", "int")],
        lower: (x: TensorValue, b: Bound, site: CallSite, em: GraphEmitter, who: string) => {
          const of = (indices: boolean) => em.tensor("cum_extreme", [x], { dim: b.dim, largest: name === "cummax", indices }, who, site);
          return pair({ values: of(false), indices: of(true) });
        },
      },
    ]),
  ),
};
Object.assign(queries, scans);

function product(x: TensorValue, b: Bound, site: CallSite, em: GraphEmitter, who: string): TensorValue {
  const c = ops(em, who, site);
  const shape = x.node.shape;
  if (b.dim === null) {
    if (shape.some(isBatch)) fail("shapeMismatch", `${who}: the product of every element of ${formatShape(shape)} multiplies across the batch, which is split across devices; give a dim`, site.loc);
    if (shape.length === 0) return x;
    const flat = c.reshape(x, [-1]);
    const n = flat.node.shape[0] as number;
    return c.reshape(c.narrow(em.tensor("cumprod", [flat], { dim: 0 }, who, site), 0, n - 1, 1), []);
  }
  const dim = dimIn(shape, b.dim, who, site.loc);
  const n = shape[dim];
  if (isBatch(n)) fail("shapeMismatch", `${who}: dim ${dim} of ${formatShape(shape)} is the batch, which is split across devices`, site.loc);
  const last = c.narrow(em.tensor("cumprod", [x], { dim }, who, site), dim, n - 1, 1);
  return b.keepdim ? last : c.reshape(last, shape.filter((_, i) => i !== dim));
}

/**
 * Where values fall among sorted ones, as int32 indices: torch.searchsorted(sorted [*, M], values
 * [*, K], right) — how many of a row's M sorted values are < v (≤ v with right) — and
 * torch.bucketize(input, boundaries [M], right), the same against one 1-D list of boundaries
 * (NeRF's hierarchical sampling, quantization). Counted by comparing every pair: M·K compares.
 */
function countBelow(sorted: TensorValue, values: TensorValue, right: boolean, rowWise: boolean, site: CallSite, em: GraphEmitter, who: string): TensorValue {
  const c = ops(em, who, site);
  const [s, v] = [sorted.node.shape, values.node.shape];
  if (sorted.node.dtype !== "f32" || values.node.dtype !== "f32") fail("wrongArgumentType", `${who} compares float32 tensors, got ${sorted.node.dtype} and ${values.node.dtype}`, site.loc);
  if (rowWise && (s.length !== v.length || s.slice(0, -1).some((d, i) => formatShape([d]) !== formatShape([v[i]]))))
    fail("shapeMismatch", `${who}: the sorted sequence ${formatShape(s)} and the values ${formatShape(v)} must have the same dims but the last`, site.loc);
  if (!rowWise && (s.length !== 1 || isBatch(s[0]))) fail("shapeMismatch", `${who}: boundaries must be a 1-D tensor of fixed size, got ${formatShape(s)}`, site.loc);
  // [*, K, 1] against [*, 1, M] (bucketize: [..., 1] against [M])
  const expandedValues = c.reshape(values, [...v, 1]);
  const expandedSorted = rowWise ? c.reshape(sorted, [...s.slice(0, -1), 1, s[s.length - 1]]) : sorted;
  const below = c.op(right ? "le" : "lt", [expandedSorted, expandedValues]);
  return c.op("to_int", [c.op("sum", [below], { dims: [v.length], keepdim: false })]);
}
Object.assign(queries, {
  searchsorted: {
    // torch.searchsorted(sorted_sequence, input, *, out_int32, right, side, sorter): the flags keyword-only
    args: [arg("values", "tensor"), opt("outInt32", "bool", false, { keywordOnly: true }), opt("right", "bool", false, { keywordOnly: true }), opt("side", "string", null, { nullable: true, choices: ["left", "right"], keywordOnly: true })],
    // a 1-D sorted sequence is one list for every value, whatever the values' shape (as bucketize)
    lower: (x, b, site, em, who) => countBelow(x, b.values, b.right || b.side === "right", x.node.shape.length !== 1, site, em, who),
  },
  bucketize: {
    args: [arg("boundaries", "tensor"), opt("outInt32", "bool", false, { keywordOnly: true }), opt("right", "bool", false, { keywordOnly: true })],
    lower: (x, b, site, em, who) => countBelow(b.boundaries, x, b.right, false, site, em, who),
  },
  // torch.take_along_dim(x, indices, dim): gather, with the index as long as x along dim or broadcast
  takeAlongDim: {
    args: [arg("indices", "tensor"), arg("dim", "int")],
    lower: (x, b, site, em, who) => {
      const dim = dimIn(x.node.shape, b.dim, who, site.loc);
      const [input, indices] = broadcastBesides(x, b.indices, dim, em, who, site);
      return em.tensor("take", [input, indices], { dim, mode: "elementwise" }, who, site);
    },
  },
} satisfies Record<string, Query>);

/** torch.take_along_dim's operands broadcast against each other in every dim but `dim`, where each keeps its own size. */
function broadcastBesides(x: TensorValue, index: TensorValue, dim: number, em: GraphEmitter, who: string, site: CallSite): [TensorValue, TensorValue] {
  const [xs, is] = [x.node.shape, index.node.shape];
  // PyTorch checks the ranks before broadcasting (a [3, 1] index of a [B, 3, 4] input raises there too)
  if (xs.length !== is.length)
    fail("shapeMismatch", `${who}: input and indices should have the same number of dimensions, as PyTorch's take_along_dim checks, got ${formatShape(xs)} and ${formatShape(is)}; unsqueeze the indices to ${xs.length} dims`, site.loc);
  const joined = xs.map((d, i) => (i === dim ? d : d === 1 ? is[i] : d));
  const grow = (t: TensorValue, shape: readonly Dim[]) => {
    const want = shape.map((d, i) => (i === dim ? t.node.shape[i] : d));
    return want.every((d, i) => formatShape([d]) === formatShape([t.node.shape[i]])) ? t : em.tensor("expand", [t], { shape: want }, who, site);
  };
  return [grow(x, joined), grow(index, joined)];
}

function sizeAlong(x: TensorValue, dimArg: number, site: CallSite, who: string): number {
  const shape = x.node.shape;
  const d = shape[dimIn(shape, dimArg, who, site.loc)];
  if (typeof d === "number") return d;
  return fail("shapeMismatch", `${who}: cannot sort along the batch dim of ${formatShape(shape)}${shape.length === 1 ? SORTED_BY_LENGTH : ""}`, site.loc);
}

// ESIM's and many seq2seq repos' sort_by_seq_lens: the samples sorted by length for
// pack_padded_sequence's enforce_sorted, then put back with index_select; unsorted lengths give the same
const SORTED_BY_LENGTH =
  "; to sort the samples by length for pack_padded_sequence and put them back afterwards (sort_by_seq_lens), pass the lengths unsorted instead: nn.utils.rnn.packPaddedSequence(x, lengths, { enforceSorted: false }) steps each sample over its own length in any order, the outputs in the input's order";

export const queryNames: readonly string[] = Object.keys(queries);

/** x.name(…) */
export function queryMethod(name: string) {
  const q = queries[name];
  return (x: TensorValue, args: Value[], site: CallSite, em: GraphEmitter): Value => q.lower(x, bindArgs(name, q.args, q.rebind?.(args) ?? args, site), site, em, name);
}

/**
 * F.gumbel_softmax(logits, tau=1, hard=False, dim=-1): softmax((logits + g)/tau) with Gumbel noise
 * g = −log(E), E = −log(1 − u) exponential, drawn afresh each call (the sample op); hard: the
 * one-hot of its argmax in forward, the soft sample's gradient (y_hard − y.detach() + y).
 */
function gumbelSoftmax(args: Value[], site: CallSite, em: GraphEmitter): TensorValue {
  const who = "F.gumbelSoftmax";
  const b = bindArgs(who, [arg("logits", "tensor"), opt("tau", "posNumber", 1), opt("hard", "bool", false), opt("eps", "any", null, { nullable: true }), opt("dim", "int", -1)], args, site);
  const logits: TensorValue = b.logits;
  const shape = logits.node.shape;
  const dim = dimIn(shape, b.dim, who, locOfArg(b, "dim", site));
  const c = ops(em, who, site);
  const u = em.tensor("sample", [], { shape: [...shape], distribution: "uniform" }, who, site);
  const gumbel = c.op("neg", [c.op("log", [c.op("neg", [c.op("log1p", [c.op("neg", [u])])])])]);
  const soft = c.op("softmax", [c.op("div", [c.op("add", [logits, gumbel]), b.tau])], { dim });
  if (!b.hard) return soft;
  const n = shape[dim];
  if (typeof n !== "number") fail("shapeMismatch", `${who}: hard one-hot along the batch dim of ${formatShape(shape)}`, site.loc);
  const positions = positionsAlong(shape, dim, n, em, who, site);
  const hard = c.op("eq", [positions, c.op("argmax", [soft], { dims: [dim], keepdim: true })]);
  return c.op("add", [c.op("sub", [hard, c.op("detach", [soft])]), soft]);
}

/** F.name(x, …), and torch.meshgrid. */
export function queryFunctions(em: GraphEmitter): [string, BuiltinFunction][] {
  // F.unfold is torch.nn.functional.unfold (im2col), not Tensor.unfold's windows: the method only
  const functions: [string, BuiltinFunction][] = Object.entries(queries).filter(([name]) => name !== "unfold").map(([name, q]) => [
    name,
    new BuiltinFunction(`F.${name}`, (args, site) => {
      const b = bindArgs(`F.${name}`, [arg("x", "tensor"), ...q.args], q.rebind && args.length > 0 ? [args[0], ...q.rebind(args.slice(1))] : args, site);
      return q.lower(b.x, b, site, em, `F.${name}`);
    }),
  ]);
  functions.push(["meshgrid", new BuiltinFunction("F.meshgrid", (args, site) => meshgrid(args, site, em))]);
  // torch.cartesian_prod(a, b, …): the ij meshgrid's rows [Π nᵢ, k], each combination in order; one tensor is itself
  functions.push([
    "cartesianProd",
    new BuiltinFunction("F.cartesianProd", (args, site) => {
      if (args.some((a) => !(a instanceof TensorValue))) fail("wrongArgumentType", "F.cartesianProd takes 1-D tensors only", site.loc);
      const grids = meshgrid(args, site, em) as TensorValue[];
      if (grids.length === 1) return grids[0];
      const c = ops(em, "F.cartesianProd", site);
      const count = grids[0].node.shape.reduce((p: number, d) => p * (d as number), 1);
      return c.op("concat", grids.map((g) => c.reshape(g, [count, 1])), { dim: 1 });
    }),
  ]);
  functions.push(["gumbelSoftmax", new BuiltinFunction("F.gumbelSoftmax", (args, site) => gumbelSoftmax(args, site, em))]);
  functions.push(["randint", new BuiltinFunction("F.randint", (args, site) => randint(args, site, em))]);
  functions.push(["randintLike", new BuiltinFunction("F.randintLike", (args, site) => randintLike(args, site, em))]);
  functions.push(["randperm", new BuiltinFunction("F.randperm", (args, site) => randperm(args, site, em))]);
  return functions;
}

/**
 * torch.randint(low=0, high, size) in forward: integers uniform in [low, high), int32 (float32 with that dtype), drawn afresh
 * each call as F.rand is (its size may name the batch): low + 32 random bits mod (high − low), as
 * PyTorch's kernel draws them (ops/random.ts sample); within ±2²⁴, which the kernels' floats hold.
 */
function randint(args: Value[], site: CallSite, em: GraphEmitter): Value {
  const who = "F.randint";
  const withLow = givesLow(args, 1);
  // dtype float32: whole numbers in a float tensor, as PyTorch's (DrQ-v2's shifts, dtype=x.dtype)
  const b = bindArgs(who, [...(withLow ? [arg("low", "int")] : []), arg("high", "int"), arg("size", "any"), opt("dtype", "string", "int64", { choices: ["float32", "int32", "int64"] }), opt("device", "any", null, { nullable: true })], args, site);
  const low: number = b.low ?? 0;
  if (!(b.high > low)) fail("invalidArgument", `${who}: high must exceed low, got [${low}, ${b.high})`, site.loc);
  const drawn = integersDrawn(sizes(who, b.size, site), low, b.high, site, em, who);
  return b.dtype === "float32" ? ops(em, who, site).op("to_float", [drawn]) : drawn;
}

/**
 * Whether a call of randint's two forms, (…, high, …) and (…, low, high, …), gives low: a number
 * where high would stand after it, low as a keyword, or high as one after a number
 * (torch.randint(2, high=5, size=(3,)) and randint_like(x, 2, high=5) take 2 as low).
 */
function givesLow(args: readonly Value[], highAt: number): boolean {
  if (typeof args[highAt] === "number") return true;
  const keywords = args.at(-1);
  return keywords instanceof ObjectValue && (keywords.props.has("low") || (keywords.props.has("high") && typeof args[highAt - 1] === "number"));
}

/** Integers uniform in [low, high) of `shape`, int32 (the sample op refuses a range past ±2²⁴, which the kernels' floats would not hold). */
function integersDrawn(shape: readonly Dim[], low: number, high: number, site: CallSite, em: GraphEmitter, who: string): TensorValue {
  return ops(em, who, site).op("to_int", [em.tensor("sample", [], { shape: [...shape], distribution: "integer", low, range: high - low }, who, site)]);
}

/**
 * torch.randint_like(input, low=0, high) in forward: torch.randint over input's shape (the batch's
 * too), in input's dtype as PyTorch's (a float32 input gets whole numbers in float32) unless dtype says.
 */
function randintLike(args: Value[], site: CallSite, em: GraphEmitter): Value {
  const who = "F.randintLike";
  const withLow = givesLow(args, 2);
  const b = bindArgs(who, [arg("input", "tensor"), ...(withLow ? [arg("low", "int")] : []), arg("high", "int"), opt("dtype", "string", null, { nullable: true, choices: ["float32", "int32", "int64"] }), opt("device", "any", null, { nullable: true })], args, site);
  const low: number = b.low ?? 0;
  if (!(b.high > low)) fail("invalidArgument", `${who}: high must exceed low, got [${low}, ${b.high})`, site.loc);
  const input: TensorValue = b.input;
  const drawn = integersDrawn(input.node.shape, low, b.high, site, em, who);
  const float = b.dtype === null ? input.node.dtype === "f32" : b.dtype === "float32";
  return float ? ops(em, who, site).op("to_float", [drawn]) : drawn;
}

/** torch.randperm(n) in forward: a random order of 0 … n − 1, int32 — the ranks of n uniform draws, drawn afresh each call. */
function randperm(args: Value[], site: CallSite, em: GraphEmitter): Value {
  const who = "F.randperm";
  const b = bindArgs(who, [arg("n", "posInt"), opt("dtype", "string", "int64", { choices: ["float32", "int32", "int64"] }), opt("device", "any", null, { nullable: true })], args, site);
  const u = em.tensor("sample", [], { shape: [b.n], distribution: "uniform" }, who, site);
  const order = topk(u, b.n, 0, true, site, em, who).indices;
  return b.dtype === "float32" ? ops(em, who, site).op("to_float", [order]) : order;
}


/**
 * torch.meshgrid(tensors, indexing="ij" | "xy"): each 1-D tensor broadcast over the grid of all
 * their lengths, along its own dim ("ij"), or with the first two swapped ("xy", NumPy's). PyTorch
 * warns without indexing and uses "ij"; so does tsdp.
 */
function meshgrid(args: Value[], site: CallSite, em: GraphEmitter): Value {
  const who = "F.meshgrid";
  const list = Array.isArray(args[0]) ? args[0] : args.filter((a) => a instanceof TensorValue);
  const rest = Array.isArray(args[0]) ? args.slice(1) : args.filter((a) => !(a instanceof TensorValue));
  const b = bindArgs(who, [opt("indexing", "string", "ij", { choices: ["ij", "xy"] })], rest, site);
  const tensors = list.map((t, i) => (t instanceof TensorValue && t.node.shape.length === 1 && !isBatch(t.node.shape[0]) ? t : fail("wrongArgumentType", `${who}: tensor ${i} must be 1-D of a fixed size`, site.loc)));
  if (tensors.length === 0) fail("wrongArgumentCount", `${who} takes at least one tensor`, site.loc);
  const c = ops(em, who, site);
  const lengths = tensors.map((t) => t.node.shape[0] as number);
  // "xy": the first two dims of the grid swapped (x varies along columns)
  const order = b.indexing === "xy" && tensors.length >= 2 ? [1, 0, ...lengths.slice(2).map((_, i) => i + 2)] : lengths.map((_, i) => i);
  const grid = order.map((i) => lengths[i]);
  return tensors.map((t, i) => {
    const at = order.indexOf(i);
    const shape = grid.map((n, d) => (d === at ? n : 1));
    return c.op("expand", [c.op("reshape", [t], { shape })], { shape: grid });
  });
}
