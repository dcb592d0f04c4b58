import { fail } from "../diagnostics/diagnostic.ts";
import { formatShape, shapeEq } from "../ir/shape.ts";
import { arg, locOfArg, opt, reduceArg, sizeAverageArg, type ArgSpec, type Bound } from "./args.ts";
import { ops, softplus } from "./composite-ops.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import type { LayerSpec } from "./layer-spec.ts";
import { vectorNorm } from "./vector-norm.ts";
import { pointwiseComposites } from "./pointwise-composites.ts";
import { pairwiseDistance } from "./port-layers.ts";
import { BuiltinFunction, describe, FunctionValue, ModuleValue, TensorValue, type CallSite, type Value } from "./values.ts";

// The rest of torch.nn's losses, as compositions with PyTorch's formulas: the ranking and
// embedding losses of metric learning (margin ranking, hinge embedding, cosine embedding,
// triplet margin), the soft-margin losses of ±1 and multi-label targets, and the Poisson and
// Gaussian negative log-likelihoods. Each is a function F.xxxLoss and a module nn.XxxLoss;
// those of (input, target) can be a Training's loss, the others are called in a loss function.

type Reduction = "mean" | "sum" | "none";
const reductionArg = opt("reduction", "string", "mean", { choices: ["mean", "sum", "none"] });
/** size_average, reduce, reduction: the tail of every loss here but GaussianNLLLoss (newer), in PyTorch's positions. */
const legacyReduction = [sizeAverageArg, reduceArg, reductionArg];
type Composer = ReturnType<typeof ops>;

/**
 * max(z, 0) as PyTorch's losses write it, z.clamp_min(0): its gradient passes at z = 0 (where
 * relu's is 0) — a hinge exactly at its margin, two scores equal at initialization.
 */
const hinge = (c: Composer, z: TensorValue) => c.op("where", [c.op("lt", [z, 0]), 0, z]);

function reduce(c: Composer, losses: TensorValue, reduction: Reduction): TensorValue {
  if (reduction === "none") return losses;
  return c.op(reduction, [losses], { dims: null, keepdim: false });
}

function sameShape(who: string, site: CallSite, ...ts: TensorValue[]): void {
  for (const t of ts.slice(1))
    if (!shapeEq(t.node.shape, ts[0].node.shape)) fail("shapeMismatch", `${who} expects tensors of one shape, got ${formatShape(ts[0].node.shape)} and ${formatShape(t.node.shape)}`, site.loc);
}

interface LossSpec {
  /** The tensors, in order (PyTorch's positional arguments). */
  readonly inputs: readonly string[];
  /** The options after them. */
  readonly options: readonly ArgSpec[];
  /** The module's constructor takes the options by keyword only (PyTorch's `*`), the function by position too. */
  readonly moduleKeywordOnly?: boolean;
  readonly lower: (b: Bound, c: Composer, site: CallSite, em: GraphEmitter, who: string) => TensorValue;
}

const losses: Record<string, LossSpec> = {
  // max(0, −y·(x1 − x2) + margin), y = ±1
  marginRankingLoss: {
    inputs: ["input1", "input2", "target"],
    options: [opt("margin", "number", 0), ...legacyReduction],
    lower: (b, c, site, _em, who) => {
      sameShape(who, site, b.input1, b.input2, b.target);
      return reduce(c, hinge(c, c.op("add", [c.op("neg", [c.op("mul", [b.target, c.op("sub", [b.input1, b.input2])])]), b.margin])), b.reduction);
    },
  },
  // x where y = 1, max(0, margin − x) where y = −1 — as ATen writes it, where(y ≠ 1, max(0, margin − x), 0)
  // + where(y ≠ −1, x, 0), so that a y of neither value (0/1 labels) takes both terms, as PyTorch's
  hingeEmbeddingLoss: {
    inputs: ["input", "target"],
    options: [opt("margin", "number", 1), ...legacyReduction],
    lower: (b, c, site, _em, who) => {
      sameShape(who, site, b.input, b.target);
      const notPositive = c.op("where", [c.op("ne", [b.target, 1]), hinge(c, c.op("sub", [b.margin, b.input])), 0]);
      const notNegative = c.op("where", [c.op("ne", [b.target, -1]), b.input, 0]);
      return reduce(c, c.op("add", [notPositive, notNegative]), b.reduction);
    },
  },
  // log(1 + e^(−y·x)), y = ±1, as softplus(−y·x)
  softMarginLoss: {
    inputs: ["input", "target"],
    options: [...legacyReduction],
    lower: (b, c, site, _em, who) => {
      sameShape(who, site, b.input, b.target);
      return reduce(c, softplus(c, c.op("neg", [c.op("mul", [b.target, b.input])])), b.reduction);
    },
  },
  // −mean_c (y·log σ(x) + (1 − y)·log σ(−x)) [· w_c] per sample: softplus(−x)·y + softplus(x)·(1 − y)
  multilabelSoftMarginLoss: {
    inputs: ["input", "target"],
    options: [opt("weight", "tensor", null, { nullable: true }), ...legacyReduction],
    lower: (b, c, site, _em, who) => {
      sameShape(who, site, b.input, b.target);
      const rank = b.input.node.shape.length;
      if (rank !== 2) fail("shapeMismatch", `${who} expects input and target [N, C], got ${formatShape(b.input.node.shape)}`, site.loc);
      let terms = c.op("add", [c.op("mul", [softplus(c, c.op("neg", [b.input])), b.target]), c.op("mul", [softplus(c, b.input), c.op("sub", [1, b.target])])]);
      if (b.weight) terms = c.op("mul", [terms, b.weight]);
      return reduce(c, c.op("mean", [terms], { dims: [1], keepdim: false }), b.reduction);
    },
  },
  // multi-class hinge: Σ_{i ≠ y} [w_y·] max(0, margin − x_y + x_i)^p / C per sample, y int32 class indices;
  // x_y and w_y through the targets' one-hot rows (a label outside [0, C) reads 0, not memory)
  multiMarginLoss: {
    inputs: ["input", "target"],
    options: [opt("p", "posInt", 1), opt("margin", "number", 1), opt("weight", "tensor", null, { nullable: true }), ...legacyReduction],
    lower: (b, c, site, em, who) => {
      const [x, y] = [b.input as TensorValue, b.target as TensorValue];
      const classes = x.node.shape[1];
      if (x.node.shape.length !== 2 || typeof classes !== "number") fail("shapeMismatch", `${who} expects input [N, C], got ${formatShape(x.node.shape)}`, site.loc);
      if (y.node.dtype !== "i32" || y.node.shape.length !== 1) fail("dtypeMismatch", `${who} expects int32 class indices [N] as target, got ${y.node.dtype === "i32" ? "int32" : "float32"} ${formatShape(y.node.shape)}`, site.loc);
      if (b.p !== 1 && b.p !== 2) fail("invalidArgument", `${who}: p must be 1 or 2 (PyTorch's), got ${b.p}`, site.loc);
      const positions = c.reshape(em.tensor("arange_int", [], { start: 0, step: 1, length: classes }, who, site), [1, classes]);
      const hot = c.op("eq", [positions, c.reshape(y, [y.node.shape[0], 1])]); //           [N, C], 1 at y
      const xy = c.op("sum", [c.op("mul", [x, hot])], { dims: [1], keepdim: true });
      let terms = c.op("relu", [c.op("add", [c.op("sub", [x, xy]), b.margin])]);
      if (b.p === 2) terms = c.op("mul", [terms, terms]);
      terms = c.op("mul", [terms, c.op("sub", [1, hot])]);
      if (b.weight) {
        if (!shapeEq(b.weight.node.shape, [classes])) fail("shapeMismatch", `${who}: weight must hold one value per class, [${classes}], got ${formatShape(b.weight.node.shape)}`, site.loc);
        terms = c.op("mul", [terms, c.op("sum", [c.op("mul", [hot, b.weight])], { dims: [1], keepdim: true })]);
      }
      return reduce(c, c.op("div", [c.op("sum", [terms], { dims: [1], keepdim: false }), classes]), b.reduction);
    },
  },
  // multi-label hinge: Σ_j Σ_{i ∉ targets} max(0, 1 − (x[y_j] − x[i])) / C per sample, y int32 class
  // indices read up to the first negative one (−1 ends each row's list), as PyTorch's kernel. Over
  // [N, j, i]; selects, not products, leave out the pairs that do not count, so that an x[i] the
  // kernel never reads (a target's, a NaN) gives nothing, and the gradient passes where the hinge's
  // argument is > 0 (its backward's test).
  multilabelMarginLoss: {
    inputs: ["input", "target"],
    options: [...legacyReduction],
    lower: (b, c, site, em, who) => {
      const vector = b.input.node.shape.length === 1;
      const raise = (t: TensorValue) => (vector ? c.reshape(t, [1, t.node.shape[0]]) : t);
      const [x, y] = [raise(b.input), raise(b.target)];
      const [n, classes] = x.node.shape;
      if (x.node.shape.length !== 2 || typeof classes !== "number") fail("shapeMismatch", `${who} expects input [C] or [N, C], got ${formatShape(b.input.node.shape)}`, site.loc);
      if (y.node.dtype !== "i32" || !shapeEq(y.node.shape, x.node.shape))
        fail("dtypeMismatch", `${who} expects int32 class indices of the input's shape ${formatShape(b.input.node.shape)} as target, got ${y.node.dtype === "i32" ? "int32" : "float32"} ${formatShape(b.target.node.shape)}`, site.loc);
      // y_j counts while no negative index comes at or before j                                  [N, j, 1]
      const listed = c.reshape(c.op("eq", [c.op("cumsum", [c.op("lt", [y, 0])], { dim: 1, reverse: false }), 0]), [n, classes, 1]);
      const positions = c.reshape(em.tensor("arange_int", [], { start: 0, step: 1, length: classes }, who, site), [1, 1, classes]);
      const hot = () => c.op("eq", [c.reshape(y, [n, classes, 1]), positions]); //                 [N, j, i], 1 at i = y_j
      const isTarget = c.op("gt", [c.op("sum", [c.op("where", [listed, hot(), 0])], { dims: [1], keepdim: true }), 0]); // [N, 1, i]
      const row = () => c.reshape(x, [n, 1, classes]);
      const xy = c.op("sum", [c.op("where", [hot(), row(), 0])], { dims: [2], keepdim: true }); //     [N, j, 1], x[y_j]
      const z = c.op("add", [c.op("sub", [1, xy]), row()]);
      const counted = c.op("where", [listed, c.op("eq", [isTarget, 0]), 0]);
      const terms = c.op("where", [counted, c.op("where", [c.op("gt", [z, 0]), z, 0]), 0]);
      const perSample = c.op("div", [c.op("sum", [terms], { dims: [1, 2], keepdim: false }), classes]);
      return reduce(c, vector ? c.reshape(perSample, []) : perSample, b.reduction);
    },
  },
  // 1 − cos(x1, x2) where y = 1, max(0, cos − margin) where y = −1, 0 elsewhere; cos along dim 1 with PyTorch's ε = 1e-12 under the root
  cosineEmbeddingLoss: {
    inputs: ["input1", "input2", "target"],
    options: [opt("margin", "number", 0), ...legacyReduction],
    lower: (b, c, site, _em, who) => {
      sameShape(who, site, b.input1, b.input2);
      const dot = (p: TensorValue, q: TensorValue) => c.op("sum", [c.op("mul", [p, q])], { dims: [1], keepdim: false });
      const eps = 1e-12;
      const cos = c.op("div", [dot(b.input1, b.input2), c.op("sqrt", [c.op("mul", [c.op("add", [dot(b.input1, b.input1), eps]), c.op("add", [dot(b.input2, b.input2), eps])])])]);
      if (!shapeEq(b.target.node.shape, cos.node.shape)) fail("shapeMismatch", `${who} expects a target of ${formatShape(cos.node.shape)}, got ${formatShape(b.target.node.shape)}`, site.loc);
      // ATen's where(y = 1, 1 − cos, 0) + where(y = −1, max(0, cos − margin), 0): a y of neither value (0/1 labels) gives 0
      const positive = c.op("where", [c.op("eq", [b.target, 1]), c.op("sub", [1, cos]), 0]);
      const negative = c.op("where", [c.op("eq", [b.target, -1]), hinge(c, c.op("sub", [cos, b.margin])), 0]);
      return reduce(c, c.op("add", [positive, negative]), b.reduction);
    },
  },
  // max(d(a, p) − d(a, n) + margin, 0), d the pairwise p-norm distance with eps (swap: d(a, n) ← min(d(a, n), d(p, n)))
  tripletMarginLoss: {
    inputs: ["anchor", "positive", "negative"],
    options: [opt("margin", "number", 1), opt("p", "posNumber", 2), opt("eps", "nonNegNumber", 1e-6), opt("swap", "bool", false), ...legacyReduction],
    lower: (b, c, site, em, who) => {
      sameShape(who, site, b.anchor, b.positive, b.negative);
      const last = b.anchor.node.shape.length - 1;
      const d = (u: TensorValue, v: TensorValue) => vectorNorm(c.op("add", [c.op("sub", [u, v]), b.eps]), b.p, [last], false, site, em, who);
      let negative = d(b.anchor, b.negative);
      if (b.swap) {
        const other = d(b.positive, b.negative);
        negative = c.op("where", [c.op("lt", [other, negative]), other, negative]);
      }
      return reduce(c, hinge(c, c.op("add", [c.op("sub", [d(b.anchor, b.positive), negative]), b.margin])), b.reduction);
    },
  },
  // logInput: e^x − t·x; else x − t·log(x + eps); full: + Stirling's t·log t − t + ½·log(2πt) where t > 1
  poissonNllLoss: {
    inputs: ["input", "target"],
    options: [opt("logInput", "bool", true), opt("full", "bool", false), sizeAverageArg, opt("eps", "nonNegNumber", 1e-8), reduceArg, reductionArg],
    lower: (b, c, site, _em, who) => {
      sameShape(who, site, b.input, b.target);
      const x: TensorValue = b.input;
      const t: TensorValue = b.target;
      let loss = b.logInput ? c.op("sub", [c.op("exp", [x]), c.op("mul", [t, x])]) : c.op("sub", [x, c.op("mul", [t, c.op("log", [c.op("add", [x, b.eps])])])]);
      if (b.full) {
        const safe = c.op("where", [c.op("gt", [t, 1]), t, 2]);
        const stirling = c.op("add", [c.op("sub", [c.op("mul", [safe, c.op("log", [safe])]), safe]), c.op("mul", [c.op("log", [c.op("mul", [safe, 2 * Math.PI])]), 0.5])]);
        loss = c.op("add", [loss, c.op("mul", [stirling, c.op("gt", [t, 1])])]);
      }
      return reduce(c, loss, b.reduction);
    },
  },
  // ½·(log max(var, eps) + (x − t)²/max(var, eps)) [+ ½·log 2π]; the clamp passes var's gradient through, as PyTorch's no-grad clamp_
  gaussianNllLoss: {
    inputs: ["input", "target", "var"],
    // nn.GaussianNLLLoss(*, full, eps, reduction); F.gaussian_nll_loss(input, target, var, full, eps, reduction)
    options: [opt("full", "bool", false), opt("eps", "nonNegNumber", 1e-6), reductionArg],
    moduleKeywordOnly: true,
    lower: (b, c, site, _em, who) => {
      sameShape(who, site, b.input, b.target);
      // a variance one dim short (one per sample of [B, D] input: [B]) is unsqueezed, as PyTorch's
      const short = b.var.node.shape.length === b.input.node.shape.length - 1 && shapeEq(b.var.node.shape, b.input.node.shape.slice(0, -1));
      const v: TensorValue = short ? c.op("reshape", [b.var], { shape: [...b.var.node.shape, 1] }) : b.var;
      // below eps: eps + (v − detach(v)), exactly eps with v's gradient (v + (eps − v) would
      // cancel in float32 for |v| ≫ eps: 2⁻²⁰ for v = −1, 0 — so NaN — for v = −100)
      const frozen = c.op("detach", [v]);
      const clamped = c.op("where", [c.op("lt", [frozen, b.eps]), c.op("add", [c.op("sub", [v, frozen]), b.eps]), v]);
      const diff = c.op("sub", [b.input, b.target]);
      let loss = c.op("mul", [c.op("add", [c.op("log", [clamped]), c.op("div", [c.op("mul", [diff, diff]), clamped])]), 0.5]);
      if (b.full) loss = c.op("add", [loss, 0.5 * Math.log(2 * Math.PI)]);
      return reduce(c, loss, b.reduction);
    },
  },
};


/** F.marginRankingLoss(input1, input2, target, { margin, reduction }) and the others. */
export const pairwiseLossFunctions = Object.fromEntries(
  Object.entries(losses).map(([name, spec]) => [
    name,
    { args: [...spec.inputs.map((i) => arg(i, "tensor")), ...spec.options], lower: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => spec.lower(b, ops(em, who, site), site, em, who) },
  ]),
);

/** nn.MarginRankingLoss({ margin }) and the others: the options at construction, the tensors at the call. */
const moduleNames: Record<string, string> = {
  marginRankingLoss: "MarginRankingLoss",
  hingeEmbeddingLoss: "HingeEmbeddingLoss",
  softMarginLoss: "SoftMarginLoss",
  multilabelSoftMarginLoss: "MultiLabelSoftMarginLoss",
  multiMarginLoss: "MultiMarginLoss",
  multilabelMarginLoss: "MultiLabelMarginLoss",
  cosineEmbeddingLoss: "CosineEmbeddingLoss",
  tripletMarginLoss: "TripletMarginLoss",
  poissonNllLoss: "PoissonNLLLoss",
  gaussianNllLoss: "GaussianNLLLoss",
};
export const pairwiseLossLayers: Record<string, LayerSpec> = Object.fromEntries(
  Object.entries(losses).map(([name, spec]) => [
    moduleNames[name],
    {
      args: spec.moduleKeywordOnly ? spec.options.map((o) => ({ ...o, keywordOnly: true })) : spec.options,
      inputs: spec.inputs.map((i) => arg(i, "tensor")),
      forward: (_self, b, call, site, em, who) => spec.lower({ ...b, ...call }, ops(em, who, site), site, em, who),
    },
  ]),
);

/** Calls a model file's function, arrow or module with tsdp's values (the interpreter's callback). */
type Call = (f: Value, args: Value[], site: CallSite) => Value;

/** nn.TripletMarginWithDistanceLoss's options, also F.tripletMarginWithDistanceLoss's after the three tensors: keyword-only in both (PyTorch's `*`). */
export const tripletWithDistanceOptions: readonly ArgSpec[] = [opt("distanceFunction", "any", null, { nullable: true }), opt("margin", "number", 1), opt("swap", "bool", false), reductionArg].map((o) => ({ ...o, keywordOnly: true }));

/**
 * max(d(a, p) − d(a, n) + margin, 0) with the caller's distance d (a function of two [N, D]
 * tensors giving [N]: `(x, y) => 1 − cos(x, y)`, an nn.PairwiseDistance) or, when none is given,
 * F.pairwiseDistance's (p 2, eps 1e-6); swap: d(a, n) ← minimum(d(a, n), d(p, n)), as PyTorch's.
 */
export function tripletMarginWithDistance(b: Bound, call: Call, site: CallSite, em: GraphEmitter, who: string): TensorValue {
  const [a, p, n] = [b.anchor, b.positive, b.negative] as TensorValue[];
  if (!(a.node.shape.length === p.node.shape.length && p.node.shape.length === n.node.shape.length))
    fail("shapeMismatch", `${who}: the anchor, positive and negative must have one number of dims, got ${formatShape(a.node.shape)}, ${formatShape(p.node.shape)} and ${formatShape(n.node.shape)}`, site.loc);
  if (!(b.margin > 0)) fail("invalidArgument", `${who}: margin must be greater than 0, got ${b.margin}`, locOfArg(b, "margin", site));
  const f: Value = b.distanceFunction;
  if (f !== null && !(f instanceof FunctionValue || f instanceof BuiltinFunction || f instanceof ModuleValue))
    fail("wrongArgumentType", `${who}: distanceFunction is a function of two tensors ((x, y) => …) or a module, got ${describe(f)}`, locOfArg(b, "distanceFunction", site));
  const distance = (u: TensorValue, v: TensorValue): TensorValue => {
    if (f === null) return pairwiseDistance({ x1: u, x2: v, p: 2, eps: 1e-6, keepdim: false }, site, em, who);
    const d = call(f, [u, v], site);
    if (!(d instanceof TensorValue) || d.node.dtype !== "f32") return fail("wrongArgumentType", `${who}: distanceFunction must return a float tensor of distances, got ${describe(d)}`, site.loc);
    return d;
  };
  const c = ops(em, who, site);
  const positive = distance(a, p);
  let negative = distance(a, n);
  if (b.swap) negative = pointwiseComposites.minimum({ input: negative, other: distance(p, n) }, site, em, who);
  return reduce(c, hinge(c, c.op("add", [c.op("sub", [positive, negative]), b.margin])), b.reduction);
}
