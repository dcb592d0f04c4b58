import { fail } from "../diagnostics/diagnostic.ts";
import { isBooleanMask, markBoolean } from "./boolean-masks.ts";
import { floatOnlyRefusal } from "./int-arithmetic.ts";
import type { Node } from "../ir/node.ts";
import { normalizeDim, numel, type Count } from "../ir/shape.ts";
import { arg, locOfArg, opt, type Bound } from "./args.ts";
import { ops, softmaxDim } from "./composite-ops.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { describe, isBatchValue, TensorValue, type CallSite, type Value } from "./values.ts";
import { renormScale, vectorNorm } from "./vector-norm.ts";

// PyTorch functions that are one kernel there and a composition of existing pointwise ops and
// reductions here: clamp and its kin (hardtanh, relu6, hardsigmoid), the exponential units (elu,
// selu, celu), softsign, logsigmoid, minimum/maximum, logsumexp, var/std, normalize (hardswish is
// an op of its own, ops/elementwise.ts, and only named here).
// Each composition has PyTorch's values and PyTorch's gradient, boundaries included, which is
// what decides its form:
//   - clamp(x, lo, hi) = min(max(x, lo), hi) as two selects. A select's gradient goes to the
//     operand it chose, so the comparison decides the gradient at a bound: torch.clamp passes it at
//     x = lo and x = hi (`<`, `>`: x is chosen there); hardtanh and relu6 do not (`<=`, `>=`: the
//     bound is). A NaN fails every comparison and comes through, as PyTorch's clamp lets it;
//     torch.clamp's gradient there is 0, hardtanh's passes (see clamp below).
//   - relu(y) − relu(y − 6) is not relu6: at |y| past 2²⁴ the two terms round to the same float.
//   - A select computes both branches: the exponential units take expm1 of where(x > 0, 0, x),
//     never of a large x, so the unused branch holds no ∞ for the gradient to multiply by 0.
//   - A value used twice by a composition is computed twice (a closure, not a shared node), so that
//     every intermediate has one consumer and the fusion planner keeps the whole composition in
//     one pointwise kernel (or a GEMM's epilogue).

const x = arg("x", "tensor");
// torch.clamp's bounds: a number or a tensor, either may be absent
// a bound may be x.size(0) (x.clamp(0, b)), PyTorch's Python int
export const clampArgs = [x, opt("min", "boundOrTensor", null, { nullable: true, batchSize: true }), opt("max", "boundOrTensor", null, { nullable: true, batchSize: true })];
export const extremumArgs = [arg("input", "boundOrTensor"), arg("other", "boundOrTensor")];
export const logsumexpArgs = [x, arg("dim", "ints"), opt("keepdim", "bool", false)];
// torch.renorm(input, p, dim, maxnorm): all four required, as PyTorch's
export const renormArgs = [x, arg("p", "any"), arg("dim", "int"), arg("maxnorm", "nonNegNumber")];
// torch.var(x, dim, unbiased, keepdim, *, correction)
export const varianceArgs = [x, opt("dim", "ints", null, { nullable: true }), opt("unbiased", "bool", true), opt("keepdim", "bool", false), opt("correction", "nonNegNumber", null, { nullable: true })];
/**
 * The arguments after x of std, var, std_mean or var_mean as varianceArgs binds them: PyTorch's
 * deprecated overload var(input, unbiased) (torch.std(x, False)) puts a bool where dim goes, meaning
 * every dim — bound by position it would be a dim, which is refused.
 */
export const legacyUnbiasedArgs = (args: readonly Value[]): Value[] => (args.length === 1 && typeof args[0] === "boolean" ? [null, args[0]] : [...args]);

type Operand = TensorValue | Node | number;
type Composer = ReturnType<typeof ops>;
type Make = () => Operand;

/**
 * min(max(x, lo), hi); either bound may be absent. `interior`: the gradient passes only strictly
 * between the bounds (hardtanh, relu6), else at them too (torch.clamp). lo > hi gives hi
 * everywhere, as PyTorch's.
 */
function clampOf(c: Composer, x: Make, lo: Operand | undefined, hi: Operand | undefined, interior: boolean): TensorValue {
  const low: Make = lo === undefined ? x : () => c.op("where", [c.op(interior ? "le" : "lt", [x(), lo]), lo, x()]);
  if (hi === undefined) return low() as TensorValue;
  return c.op("where", [c.op(interior ? "ge" : "gt", [low(), hi]), hi, low()]);
}

/** x > 0 ? x : alpha·expm1(x / inScale) (PyTorch's elu family; expm1 of a value ≤ 0 only). */
function expUnit(c: Composer, x: Operand, alpha: number, inScale: number, outScale: number): TensorValue {
  const negative = () => c.op("where", [c.op("gt", [x, 0]), 0, x]);
  const scaled = () => (inScale === 1 ? negative() : c.op("div", [negative(), inScale]));
  const positive = outScale === 1 ? x : c.op("mul", [x, outScale]);
  return c.op("where", [c.op("gt", [x, 0]), positive, c.op("mul", [c.op("expm1", [scaled()]), alpha * outScale])]);
}

/** A bound of clamp, or an operand of maximum (bound as "boundOrTensor"); undefined when absent. x.size(0) is op batch_size. */
const operandOf = (v: Value, em: GraphEmitter, who: string, site: CallSite): Operand | undefined =>
  v === null || v === undefined ? undefined : isBatchValue(v) ? em.batchSize(v, who, site) : (v as Operand);

const isBatchSize = (o: TensorValue | Node): boolean => (o instanceof TensorValue ? o.node : o).op === "batch_size";

/**
 * The reduced dims of x, normalized, with their element count (c·Batch^p, numel's). A dim of the
 * batch is reduced over each replica's share of it, as sum and mean are and as PyTorch's
 * DataParallel and DDP replicas compute it (BatchNorm's statistics likewise).
 */
function reducedDims(x: TensorValue, dims: readonly number[], who: string, site: CallSite): { dims: number[]; count: Count } {
  const shape = x.node.shape;
  const out = dims.map((d) => {
    const n = normalizeDim(d, shape.length);
    if (n === undefined) fail("invalidArgument", `${who}: dim ${d} is out of range for a tensor with ${shape.length} dims`, site.loc);
    return n;
  });
  if (new Set(out).size !== out.length) fail("invalidArgument", `${who}: dim ${formatDims(dims)} names a dim twice`, site.loc);
  return { dims: out, count: numel(out.map((d) => shape[d])) };
}

const formatDims = (dims: readonly number[]) => (dims.length === 1 ? String(dims[0]) : `[${dims.join(", ")}]`);

/** keepdim false: the reduced dims dropped from a keepdim result. */
function dropDims(c: Composer, v: TensorValue, dims: readonly number[], keepdim: boolean): TensorValue {
  return keepdim ? v : c.reshape(v, v.node.shape.filter((_, i) => !dims.includes(i)));
}

export const pointwiseComposites = {
  // The shrinks and threshold, as PyTorch's kernels select: a NaN fails each comparison and comes
  // through (softshrink's a·0 keeps it), and the gradient passes where the value is x (± λ).
  /** x − tanh(x) */
  tanhshrink: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => {
    const c = ops(em, who, site);
    return c.op("sub", [b.x, c.op("tanh", [b.x])]);
  },
  /** 0 where −λ ≤ x ≤ λ, else x */
  hardshrink: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => {
    const c = ops(em, who, site);
    return c.op("where", [c.op("le", [c.op("abs", [b.x]), b.lambd]), 0, b.x]);
  },
  /** x − λ above λ, x + λ below −λ, else 0 */
  softshrink: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => {
    const c = ops(em, who, site);
    const inner = c.op("where", [c.op("lt", [b.x, -b.lambd]), c.op("add", [b.x, b.lambd]), c.op("mul", [b.x, 0])]);
    return c.op("where", [c.op("gt", [b.x, b.lambd]), c.op("sub", [b.x, b.lambd]), inner]);
  },
  /** value where x ≤ threshold, else x; either may be x.size(0) (each replica's own batch) */
  threshold: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => {
    const c = ops(em, who, site);
    return c.op("where", [c.op("le", [b.x, operandOf(b.threshold, em, who, site)!]), operandOf(b.value, em, who, site)!, b.x]);
  },
  /** softmax(−x) along dim */
  softmin: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => {
    const c = ops(em, who, site);
    return c.op("softmax", [c.op("neg", [b.x])], { dim: softmaxDim(b.x, b.dim, who, site) });
  },
  /**
   * torch.clamp(x, min, max) / x.clamp / x.clip: the gradient passes at the bounds. At a NaN x the
   * value is NaN and the gradient 0, to x and to a tensor bound: PyTorch's clamp_backward passes it
   * where min ≤ x ≤ max, which a NaN fails, while the selects alone would pass it to x (a NaN
   * fails their comparisons the other way). So a NaN x takes the detached x (x ≠ x only at NaN).
   * hardtanh's backward tests the complement (x ≤ min or x ≥ max gives 0) and passes it at NaN, as
   * the selects do.
   */
  clamp: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => {
    const lo = operandOf(b.min, em, who, site);
    const hi = operandOf(b.max, em, who, site);
    if (lo === undefined && hi === undefined) fail("invalidArgument", `${who}: at least one of min and max must be given (PyTorch refuses it too)`, site.loc);
    const c = ops(em, who, site);
    let out = c.op("where", [c.op("ne", [b.x, b.x]), c.op("detach", [b.x]), clampOf(c, () => b.x, lo, hi, false)]);
    // a tensor bound that is NaN gives NaN, as PyTorch's clamp (and clamp_min's maximum) does;
    // the selects above would keep x where a comparison with NaN fails
    // (the batch size is never NaN)
    for (const bound of [lo, hi]) if (bound !== undefined && typeof bound !== "number" && !isBatchSize(bound)) out = c.op("where", [c.op("ne", [bound, bound]), c.op("detach", [bound]), out]);
    return out;
  },
  /** F.hardtanh / nn.Hardtanh: clamp into [minVal, maxVal], the gradient only strictly inside. */
  hardtanh: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => {
    const problem = hardtanhRangeProblem(who, b);
    if (problem) fail("invalidArgument", problem, site.loc);
    return clampOf(ops(em, who, site), () => b.x, b.minVal, b.maxVal, true);
  },
  /** F.relu6 / nn.ReLU6: hardtanh(x, 0, 6). */
  relu6: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => clampOf(ops(em, who, site), () => b.x, 0, 6, true),
  /** F.hardsigmoid: min(max(x + 3, 0), 6) / 6; gradient 1/6 strictly inside (−3, 3), as PyTorch's. */
  hardsigmoid: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => {
    const c = ops(em, who, site);
    return c.op("div", [clampOf(c, () => c.op("add", [b.x, 3]), 0, 6, true), 6]);
  },
  /** F.hardswish: one op (ops/elementwise.ts), whose value and gradient are PyTorch's kernel's. */
  hardswish: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => em.tensor("hardswish", [b.x], {}, who, site),
  /** F.elu: x > 0 ? x : α·(eˣ − 1); gradient α·eˣ at x ≤ 0 (α at 0), as PyTorch's. */
  elu: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => expUnit(ops(em, who, site), b.x, b.alpha, 1, 1),
  /** F.selu: scale·elu(x, α) with PyTorch's constants. */
  selu: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => expUnit(ops(em, who, site), b.x, SELU_ALPHA, 1, SELU_SCALE),
  /** F.celu: x > 0 ? x : α·(e^(x/α) − 1). */
  celu: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => {
    if (b.alpha === 0) fail("invalidArgument", `${who}: alpha must not be 0 (celu divides by it)`, locOfArg(b, "alpha", site));
    return expUnit(ops(em, who, site), b.x, b.alpha, b.alpha, 1);
  },
  /** F.softsign: x / (1 + |x|). */
  softsign: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => {
    const c = ops(em, who, site);
    return c.op("div", [b.x, c.op("add", [c.op("abs", [b.x]), 1])]);
  },
  /**
   * F.logsigmoid: x − log1p(eˣ) below 0, −log1p(e^−x) from 0 on (PyTorch's min(x, 0) − log1p(e^−|x|)).
   * As one select of two smooth branches, each reading x clamped to its side: a sum of min(x, 0)
   * and a term in |x| would split the derivative at 0 between two kinks, each 0 there, for 0
   * instead of ½.
   */
  logsigmoid: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => {
    const c = ops(em, who, site);
    const below = () => c.op("lt", [b.x, 0]);
    const negative = () => c.op("where", [below(), b.x, 0]);
    const positive = c.op("where", [below(), 0, b.x]);
    return c.op("where", [below(), c.op("sub", [negative(), c.op("log1p", [c.op("exp", [negative()])])]), c.op("neg", [c.op("log1p", [c.op("exp", [c.op("neg", [positive])])])])]);
  },
  /** torch.maximum(a, b): the larger; NaN if either is; at a tie each gets half the gradient, as PyTorch's. */
  maximum: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => extremum(b, site, em, who, "gt"),
  /** torch.minimum(a, b): the smaller, likewise. */
  minimum: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => extremum(b, site, em, who, "lt"),
  /**
   * torch.logsumexp(x, dim, keepdim): m + log Σ e^(x − m) with m = max over dim, held constant for
   * the gradient (which is then softmax(x), PyTorch's). An infinite max shifts by 0 instead, so a
   * row of −∞ gives −∞ and one holding +∞ gives +∞, as PyTorch's.
   */
  logsumexp: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => {
    const x = b.x as TensorValue;
    const { dims } = reducedDims(x, b.dim, who, site);
    const c = ops(em, who, site);
    const max = c.op("detach", [c.op("amax", [x], { dims, keepdim: true })]);
    const shift = () => c.op("where", [c.op("gt", [c.op("abs", [max]), FLT_MAX]), 0, max]);
    const sum = c.op("sum", [c.op("exp", [c.op("sub", [x, shift()])])], { dims, keepdim: true });
    return dropDims(c, c.op("add", [c.op("log", [sum]), shift()]), dims, b.keepdim);
  },
  /** x.var(dim, unbiased, keepdim, correction): Σ(x − mean)² / (N − correction); N − correction ≤ 0 divides by 0, as PyTorch's. */
  var: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => variance(b, site, em, who),
  /**
   * x.std(…): √var, 0 with a 0 gradient where var = 0 (a constant row), as PyTorch's std_backward
   * masks it there (√'s infinite slope times var's zero gradient would be NaN).
   */
  std: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => {
    const c = ops(em, who, site);
    const v = variance(b, site, em, who);
    const zero = c.op("eq", [v, 0]);
    return c.op("where", [zero, 0, c.op("sqrt", [c.op("where", [zero, 1, v])])]);
  },
  /**
   * torch.renorm(x, p, dim, maxnorm): each slice x.select(dim, i) whose p-norm (over its other dims)
   * exceeds maxnorm is scaled to it, by PyTorch's factor maxnorm / (‖slice‖ₚ + 1e-7); the others are
   * kept. The gradient passes through the factor too, as PyTorch's renorm_backward differentiates it.
   * (braindecode's max-norm constraint: `self.weight.data = torch.renorm(self.weight.data, 2, 0, max_norm)`.)
   */
  renorm: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => {
    const x = b.x as TensorValue;
    if (typeof b.p !== "number" || !(b.p > 0)) fail("invalidArgument", `${who}: p must be a number > 0 (Infinity included), got ${describe(b.p)}; PyTorch refuses it too ("renorm: non-positive-norm not supported")`, locOfArg(b, "p", site));
    const rank = x.node.shape.length;
    if (rank < 2) fail("shapeMismatch", `${who}: x must have at least 2 dims (a slice per index of dim, normed over the others), got ${rank}; PyTorch refuses it too ("renorm: input needs at least 2 dimensions")`, site.loc);
    const { dims: [kept] } = reducedDims(x, [b.dim as number], who, site);
    const norm = vectorNorm(x, b.p, x.node.shape.map((_, i) => i).filter((i) => i !== kept), true, site, em, who, locOfArg(b, "p", site));
    return ops(em, who, site).op("mul", [x, renormScale(norm, b.maxnorm as number, site, em, who)]);
  },
  /**
   * F.normalize(x, p, dim, eps): x / max(‖x‖ₚ, eps) for p = 2 or 1. For p = 2 the max is taken
   * under the root, √max(Σx², eps²): at a zero vector √ would otherwise have an infinite gradient
   * for the select to multiply by 0. The max passes the gradient at ‖x‖ = eps, as PyTorch's clamp_min.
   */
  normalize: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => {
    const x = b.x as TensorValue;
    if (typeof b.p !== "number" || !(b.p >= 1)) fail("invalidArgument", `${who}: p must be a number ≥ 1 (Infinity included), got ${describe(b.p)}`, locOfArg(b, "p", site));
    // F.normalize divides by input.norm(p, dim), which refuses integer and bool inputs
    const refused = floatOnlyRefusal(x.node, who, (t) => `linalg.vector_norm: Expected a floating point or complex tensor as input. Got ${t}`);
    if (refused) fail("dtypeMismatch", refused, site.loc);
    const { dims } = reducedDims(x, [b.dim], who, site);
    const c = ops(em, who, site);
    // any other p: x / max(‖x‖ₚ, eps), the norm as torch.norm's (tensor-spellings.ts vectorNorm)
    if (b.p !== 1 && b.p !== 2) return c.op("div", [x, clampOf(c, () => vectorNorm(x, b.p, dims, true, site, em, who), b.eps, undefined, false)]);
    if (b.p === 2 && !(b.eps * b.eps >= FLT_MIN_NORMAL))
      fail("invalidArgument", `${who}: eps = ${b.eps} is too small for float32 (eps² must be a normal float, eps ≥ 1.1e-19)`, locOfArg(b, "eps", site));
    const norm =
      b.p === 2
        ? c.op("sqrt", [clampOf(c, () => c.op("sum", [c.op("pow", [x], { exponent: 2 })], { dims, keepdim: true }), b.eps * b.eps, undefined, false)])
        : clampOf(c, () => c.op("sum", [c.op("abs", [x])], { dims, keepdim: true }), b.eps, undefined, false);
    return c.op("div", [x, norm]);
  },
};

// torch.nn.SELU's constants
const SELU_ALPHA = 1.6732632423543772848170429916717;
const SELU_SCALE = 1.0507009873554804934193349852946;
/** The largest finite float32: |m| above it is ∞. */
const FLT_MAX = 3.4028234663852886e38;
const FLT_MIN_NORMAL = 1.1754943508222875e-38;

/**
 * torch.maximum / minimum / fmax / fmin take two tensors: a number operand is Python's TypeError there
 * ("maximum(): argument 'other' (position 2) must be Tensor, not float"). A number bound is clamp's.
 */
export function refuseNumberOperand(who: string, operands: readonly unknown[], bound: "min" | "max", site: CallSite, fix?: string): void {
  const at = operands.findIndex((v) => typeof v === "number");
  if (at < 0) return;
  const v = operands[at] as number;
  const [name, base] = [["input", "other"][at], who.replace(/^F\./, "")];
  fail(
    "wrongArgumentType",
    `${who}: ${name} must be a tensor, got the number ${v}: PyTorch's ${base} takes two tensors (TypeError: "${base}(): argument '${name}' (position ${at + 1}) must be Tensor"); ${fix ?? `for a number bound write x.clamp({ ${bound}: ${v} })`}`,
    site.loc,
  );
}

function extremum(b: Bound, site: CallSite, em: GraphEmitter, who: string, wins: "gt" | "lt"): TensorValue {
  const a = operandOf(b.input, em, who, site)!;
  const other = operandOf(b.other, em, who, site)!;
  refuseNumberOperand(who, [a, other], wins === "gt" ? "min" : "max", site);
  const c = ops(em, who, site);
  const loses = wins === "gt" ? "lt" : "gt";
  // a tie takes a/2 + b/2: the value itself, half the gradient each. A NaN fails all three
  // comparisons and takes a + b: NaN, and the whole gradient to each side, as PyTorch's backward
  // (grad, halved where a == b, zeroed where the other side is larger) gives it.
  const tie = c.op("add", [c.op("mul", [a, 0.5]), c.op("mul", [other, 0.5])]);
  const unordered = c.op("where", [c.op("eq", [a, other]), tie, c.op("add", [a, other])]);
  const result = c.op("where", [c.op(wins, [a, other]), a, c.op("where", [c.op(loses, [a, other]), other, unordered])]);
  // of integers an integer, as PyTorch's (the tie's halves are float32 on the way: int-arithmetic.ts)
  const integer = (v: unknown) => (v instanceof TensorValue ? v.node.dtype === "i32" || isBooleanMask(v.node) : Number.isInteger(v));
  // of bools a bool, the logical or (maximum) or and (minimum), as PyTorch's (boolean-masks.ts)
  if (a instanceof TensorValue && other instanceof TensorValue && isBooleanMask(a.node) && isBooleanMask(other.node)) return markBoolean(result);
  return integer(a) && integer(other) && result.node.dtype === "f32" ? c.op("to_int", [result]) : result;
}

function variance(b: Bound, site: CallSite, em: GraphEmitter, who: string): TensorValue {
  const x = b.x as TensorValue;
  if (b.correction !== null && b.unbiased === false) fail("invalidArgument", `${who}: give unbiased or correction, not both`, site.loc);
  // ReduceOps.cpp's std_var_out refuses integer and bool inputs
  const refused = floatOnlyRefusal(x.node, who, () => "std and var only support floating point and complex dtypes");
  if (refused) fail("dtypeMismatch", refused, site.loc);
  // no dim: every dim, the batch's included
  const { dims, count } = reducedDims(x, b.dim ?? x.node.shape.map((_, i) => i), who, site);
  const correction = b.correction ?? (b.unbiased ? 1 : 0);
  const c = ops(em, who, site);
  // PyTorch's var_backward is the closed form 2(x − mean)/(N − correction)·g, the mean differentiable
  // (its double backward, a gradient taken in forward with createGraph, has the mean's −1/N term).
  // The mean's share of the first derivative is −2/N·Σ(x − mean)·g/(N − correction) = 0, but where
  // N − correction can be 0 (a fixed count, or correction ≥ 2 over the batch's run-time count) it is
  // 0/0, NaN for every element where PyTorch's is ±∞ (NaN only where x = mean): there the mean is
  // taken without gradient, which keeps the first derivative and gives up the second's term
  const degenerate = count.p !== 0 ? correction >= 2 : count.c - correction <= 0;
  const mean = c.op("mean", [x], { dims, keepdim: true });
  const centered = c.op("sub", [x, degenerate ? c.op("detach", [mean]) : mean]);
  const squares = c.op("sum", [c.op("pow", [centered], { exponent: 2 })], { dims, keepdim: b.keepdim });
  // N − correction: a number, or (over the batch) the replica's count at run time
  if (count.p !== 0) return c.op("div_count", [squares], correction ? { ...count, less: correction } : { ...count });
  const dof = count.c - correction;
  if (dof >= 0) return c.op("div", [squares, dof]);
  // correction > N: PyTorch's value divides by max(0, N − correction) = 0 (∞, or NaN for a constant
  // slice) but its gradient by N − correction itself, a finite negative slope
  const slope = c.op("div", [squares, dof]);
  return c.op("add", [c.op("detach", [c.op("sub", [c.op("div", [squares, 0]), slope])]), slope]);
}

/**
 * What is wrong with hardtanh's bounds, or undefined: nn.Hardtanh asserts max > min when it is
 * made; F.hardtanh raises only for min > max (equal bounds clamp every value to them).
 */
export function hardtanhRangeProblem(who: string, b: Bound): string | undefined {
  const layer = who.startsWith("nn.");
  if (layer ? b.maxVal > b.minVal : b.maxVal >= b.minVal) return undefined;
  return `${who}: maxVal (${b.maxVal}) must be ${layer ? "greater than" : "at least"} minVal (${b.minVal}), as PyTorch's ${layer ? "nn.Hardtanh asserts" : "F.hardtanh requires"}`;
}
