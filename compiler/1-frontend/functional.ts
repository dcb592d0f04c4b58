import { fail } from "../diagnostics/diagnostic.ts";
import { einsumFunction } from "./einsum.ts";
import { AUTOGRAD_FUNCTION } from "./autograd-function.ts";
import { autogradGradFunction } from "./autograd-grad.ts";
import { funcNamespace } from "./func-transforms.ts";
import type { Node } from "../ir/node.ts";
import { batchTimes, formatShape, isBatch, shapeEq, type Dim } from "../ir/shape.ts";
import { broadcastShapes } from "../ops/elementwise.ts";
import { arg, bindArgs, locOfArg, opt, reduceArg, sizeAverageArg, type ArgSpec, type Bound } from "./args.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { constantValues } from "./known-values.ts";
import { factoryMembers, type PhaseOf } from "./factories.ts";
import { groupNorm, groupNormArgs, interpolate, interpolateArgs, pad, padArgs, prelu } from "./composite-layers.ts";
import { joinMembers } from "./joins.ts";
import { mathFunction, mathFunctionNames } from "./math-functions.ts";
import { spellingFunctions } from "./tensor-spellings.ts";
import { extraFunctions, specialNamespace } from "./torch-extras.ts";
import { pool2d, poolOptions } from "./pool-options.ts";
import { queryFunctions } from "./tensor-queries.ts";
import { compositionFunctions } from "./functional-compositions.ts";
import { adaptiveMaxPool, portFunctions } from "./port-layers.ts";
import { volumetricFunctions } from "./volumetric.ts";
import { moreFunctions } from "./more-layers.ts";
import { functionalBatchNorm } from "./functional-batch-norm.ts";
import { linalgNamespace } from "./linalg.ts";
import { sparseFunctions } from "./sparse.ts";
import { torchQr } from "./matrix-functions.ts";
import { pairwiseLossFunctions, tripletMarginWithDistance, tripletWithDistanceOptions } from "./pairwise-losses.ts";
import { ctcLossFunction } from "./ctc-loss.ts";
import { complexFunctions } from "./complex.ts";
import { fftNamespace } from "./fft.ts";
import { distributionsNamespace, multinomialFunction } from "./distributions.ts";
import { isBooleanMask } from "./boolean-masks.ts";
import { boolActivationRefusal, floatKernelRefusal } from "./int-arithmetic.ts";
import { spectralFunctions } from "./stft.ts";
import { productFunctions } from "./tensor-products.ts";
import { fakeQuantizeFunctions } from "./fake-quantize.ts";
import { spatialTransformFunctions } from "./spatial-transform.ts";
import { unpoolFunctions } from "./pool-indices.ts";
import { checkpointFunction, checkpointSequentialFunction, noGradFunction } from "./no-grad.ts";
import { autocastFunction } from "./autocast.ts";
import { inPlaceResult } from "./in-place.ts";
import { ops, safeSoftmax, softmaxDim } from "./composite-ops.ts";
import { multiHeadAttentionForward, multiHeadAttentionForwardArgs } from "./multihead-attention.ts";
import { clampArgs, extremumArgs, logsumexpArgs, pointwiseComposites, renormArgs } from "./pointwise-composites.ts";
import { cumsumOf, flatten, roundedQuotient, softmaxDtype, softmaxInput, tensorMethods } from "./tensor-methods.ts";
import { BuiltinFunction, describe, ModeFlag, NamespaceValue, TensorValue, type CallSite, type Value } from "./values.ts";

// torch.nn.functional as F. Each entry binds PyTorch's arguments and emits IR ops; the nn
// layers in layers.ts call these same lowerings, so a layer and its functional form agree.

const x = arg("x", "tensor");
type Lowering = (b: Bound, site: CallSite, em: GraphEmitter, who: string) => Value;

interface FunctionalSpec {
  readonly args: readonly ArgSpec[];
  readonly lower: Lowering;
}

export const pool1dArgs = [x, arg("kernelSize", "size1"), opt("stride", "size1", null, { nullable: true }), opt("padding", "padding1", 0)];
export const pool2dArgs = [x, arg("kernelSize", "size2"), opt("stride", "size2", null, { nullable: true }), opt("padding", "padding2", [0, 0])];
const reductionArg = opt("reduction", "string", "mean", { choices: ["mean", "sum", "none"] });

/**
 * The means over targets rather than rows, by node — over the targets not ignored (ignoreIndex
 * with reduction "mean"), or weighted by class (Σ w[y]·ℓ / Σ w[y]) — with the loss op under them:
 * the training step weights each replica's by its count (or Σ w[y]) of such targets (lower.ts's lowerLoss).
 */
export interface TargetMean {
  readonly ignoreIndex?: number;
  readonly classWeights?: readonly number[];
  readonly lossOp: Node;
  /** The mean as the training step takes it: 0, not NaN, on a replica with no target to count (it weighs 0). */
  readonly stepValue: Node;
}

/**
 * Σ loss / n for a count (or weight sum) n ≥ 0, as PyTorch's: NaN when n = 0 (0/0; every target
 * ignored). The step's form divides by max(n, 1) instead — a replica whose share of the batch holds
 * no target then adds 0, weighted 0 — and the NaN is added apart, in a branch with no gradient.
 */
function meanOverTargets(total: TensorValue, n: TensorValue, em: GraphEmitter, who: string, site: CallSite): { mean: TensorValue; stepValue: Node } {
  const none = () => em.tensor("eq", [n, em.constant(0, site)], {}, who, site);
  const stepValue = em.tensor("div", [total, em.tensor("add", [n, none()], {}, who, site)], {}, who, site);
  const nanWhenNone = em.tensor("where", [none(), em.tensor("div", [n, n], {}, who, site), em.constant(0, site)], {}, who, site);
  return { mean: em.tensor("add", [stepValue, nanWhenNone], {}, who, site), stepValue: stepValue.node };
}
export const targetMeans = new WeakMap<Node, TargetMean>();

/** PyTorch's ignore_index, off unless given (a -100 label is then refused, as any out of range). */
export const ignoreIndexArg = opt("ignoreIndex", "int", null, { nullable: true });

/** Cross-entropy's and NLL's per-class weight (PyTorch's weight=): a constant [C] tensor. */
export const classWeightArg = opt("weight", "tensor", null, { nullable: true });

/**
 * A classification loss (cross_entropy, nll_loss) with ignoreIndex: the op gives ignored rows
 * loss 0 and gradient 0, and "mean" is Σ loss / #targets ≠ ignoreIndex — PyTorch's mean over the
 * targets not ignored, NaN when there are none (meanOverTargets).
 */
const classificationLoss =
  (op: string, extra: readonly string[] = []) =>
  (b: Bound, site: CallSite, em: GraphEmitter, who: string): TensorValue => {
    const input = b.input as TensorValue;
    const target = b.target as TensorValue;
    // class probabilities as the target (mixup, distillation): PyTorch's soft cross-entropy
    if (op === "cross_entropy" && target instanceof TensorValue && target.node.dtype === "f32" && shapeEq(target.node.shape, input.node.shape) && input.node.shape.length >= 2)
      return softCrossEntropy(b, site, em, who);
    // a float target of the input's rank is class probabilities of the wrong size, not indices of the wrong dtype
    if (op === "cross_entropy" && target instanceof TensorValue && input instanceof TensorValue && target.node.dtype === "f32" && target.node.shape.length === input.node.shape.length && input.node.shape.length >= 2)
      fail("shapeMismatch", `${who}: a float32 target holds class probabilities and has the input's shape ${formatShape(input.node.shape)}, got ${formatShape(target.node.shape)} (class indices are an int32 tensor of the input's shape without its class dim)`, locOfArg(b, "target", site));
    // [N, C, d1, …] scores with [N, d1, …] targets (segmentation): the classes last, one row per position
    if (input instanceof TensorValue && target instanceof TensorValue && input.node.shape.length > 2 && target.node.shape.length === input.node.shape.length - 1) {
      const rows = positionsAsRows(input, target, who, site, em);
      const losses = classificationLoss(op, extra)({ ...b, input: rows.input, target: rows.target }, site, em, who);
      return b.reduction === "none" ? em.tensor("reshape", [losses], { shape: [...target.node.shape] }, who, site) : losses;
    }
    const attrs = Object.fromEntries(extra.map((k) => [k, b[k]]));
    if (b.weight !== null && b.weight !== undefined) return classWeighted(op, b, site, em, who);
    if (b.ignoreIndex === null) return em.tensor(op, [b.input, b.target], { reduction: b.reduction, ...attrs }, who, site);
    const ignoreIndex = b.ignoreIndex as number;
    const reduction = b.reduction === "mean" ? "sum" : b.reduction;
    const losses = em.tensor(op, [b.input, b.target], { reduction, ...attrs, ignoreIndex }, who, site);
    if (b.reduction !== "mean") return losses;
    if (target.node.dtype !== "i32") return losses; // the op has refused it
    const kept = em.tensor("ne", [em.tensor("to_float", [target], {}, who, site), em.constant(ignoreIndex, site)], {}, who, site);
    const count = em.tensor("sum", [kept], { dims: null, keepdim: false }, who, site);
    const { mean, stepValue } = meanOverTargets(losses, count, em, who, site);
    targetMeans.set(mean.node, { ignoreIndex, lossOp: losses.node, stepValue });
    return mean;
  };

/**
 * PyTorch's (N, C, d1, …) form of the classification losses: the scores with the class dim moved
 * last and every position a row, [N·d1·…, C], and the targets [N·d1·…]: the same per-position
 * losses, and the mean over all positions (not ignored) PyTorch takes.
 */
function positionsAsRows(input: TensorValue, target: TensorValue, who: string, site: CallSite, em: GraphEmitter): { input: TensorValue; target: TensorValue } {
  const s = input.node.shape;
  const classes = s[1];
  const positions = [s[0], ...s.slice(2)];
  if (typeof classes !== "number") fail("shapeMismatch", `${who}: the input must be [N, C, …] with C classes, got ${formatShape(s)}`, site.loc);
  if (!shapeEq(target.node.shape, positions)) fail("shapeMismatch", `${who}: input ${formatShape(s)} needs a target ${formatShape(positions)} (the input without its class dim), got ${formatShape(target.node.shape)}`, site.loc);
  const spatial = s.slice(2).reduce<number>((p, d) => p * (typeof d === "number" ? d : fail("shapeMismatch", `${who}: only dim 0 may be the batch, got ${formatShape(s)}`, site.loc)), 1);
  const rows: Dim = isBatch(s[0]) ? batchTimes(s[0].batch * spatial) : (s[0] as number) * spatial;
  const last = em.tensor("permute", [input], { perm: [0, ...s.slice(2).map((_, i) => i + 2), 1] }, who, site);
  return {
    input: em.tensor("reshape", [last], { shape: [rows, classes] }, who, site),
    target: em.tensor("reshape", [target], { shape: [rows] }, who, site),
  };
}

/**
 * Cross-entropy against class probabilities (a float target of the input's shape): per position
 * −Σ_c w_c·y′_c·log softmax(x)_c over the class dim (1), y′ = (1 − ε)·y + ε/C with label smoothing;
 * "mean" divides by the positions (N·d1·…), as PyTorch's (ignoreIndex has no meaning here).
 */
function softCrossEntropy(b: Bound, site: CallSite, em: GraphEmitter, who: string): TensorValue {
  const input = b.input as TensorValue;
  const target = b.target as TensorValue;
  const classes = input.node.shape[1];
  if (typeof classes !== "number") return fail("shapeMismatch", `${who}: the input must be [N, C, …] with C classes, got ${formatShape(input.node.shape)}`, site.loc);
  if (b.ignoreIndex !== null && b.ignoreIndex !== undefined) fail("invalidArgument", `${who}: ignoreIndex applies to class indices; with class probabilities as the target PyTorch refuses it too`, site.loc);
  const c = composer(em, who, site);
  const epsilon: number = b.labelSmoothing ?? 0;
  let y = target.node;
  if (epsilon > 0) y = c.op("add", c.op("mul", y, 1 - epsilon), epsilon / classes);
  if (b.weight !== null && b.weight !== undefined) {
    const w = (b.weight as TensorValue).node;
    if (!shapeEq(w.shape, [classes])) fail("shapeMismatch", `${who}: weight must hold one value per class, [${classes}], got ${formatShape(w.shape)}`, site.loc);
    y = c.op("mul", y, em.tensor("reshape", [w], { shape: input.node.shape.map((d, i) => (i === 1 ? d : 1)) }, who, site).node);
  }
  const logp = em.tensor("log_softmax", [input], { dim: 1 }, who, site).node;
  const losses = em.tensor("neg", [em.tensor("sum", [c.op("mul", logp, y)], { dims: [1], keepdim: false }, who, site)], {}, who, site);
  if (b.reduction === "none") return losses;
  const dims = losses.node.shape.map((_, i) => i);
  return em.tensor(b.reduction === "sum" ? "sum" : "mean", [losses], { dims, keepdim: false }, who, site);
}

/**
 * Cross-entropy / NLL with class weights (PyTorch's weight=): each target's loss times w[y] (0 for
 * an ignored one), and "mean" is Σ w[y]·ℓ / Σ w[y] — PyTorch's weighted mean. With label smoothing,
 * PyTorch's formula: (1 − ε)·w[y]·nll + (ε/C)·Σ_c w_c·(−log p_c), both over Σ w[y]. The weights are
 * constants (F.tensor([...]) and other tensors computed at compile time), as the step sums each
 * replica's Σ w[y] on the host from its targets to weight the replicas' means.
 */
function classWeighted(op: string, b: Bound, site: CallSite, em: GraphEmitter, who: string): TensorValue {
  const input = b.input as TensorValue;
  const target = b.target as TensorValue;
  const classes = input.node.shape[1];
  if (typeof classes !== "number") fail("shapeMismatch", `${who}: the input must be [N, C, …] with C classes, got ${formatShape(input.node.shape)}`, site.loc);
  const weightNode = (b.weight as TensorValue).node;
  if (!shapeEq(weightNode.shape, [classes])) fail("shapeMismatch", `${who}: weight must hold one value per class, [${classes}], got ${formatShape(weightNode.shape)}`, site.loc);
  const classWeights = constantValues(em, weightNode);
  if (!classWeights)
    fail("nonConstant", `${who}: the class weights must be known when the model is compiled (F.tensor([...]), F.ones(...).mul(...), or a tensor computed in a constructor from those): the step weights each replica by Σ weight[target] of its targets`, site.loc);
  if (classWeights.some((w) => !Number.isFinite(w))) fail("invalidArgument", `${who}: the class weights must be finite numbers, got [${classWeights.join(", ")}]`, site.loc);
  if (target.node.dtype !== "i32") return em.tensor(op, [input, target], { reduction: b.reduction }, who, site); // the op refuses it
  const c = composer(em, who, site);
  const ignore = b.ignoreIndex === null ? undefined : (b.ignoreIndex as number);
  const ignoreAttr = ignore === undefined ? {} : { ignoreIndex: ignore };
  // the targets' weights: the one-hot rows (zeros outside [0, C)) times w, 0 where ignored — not
  // F.oneHot, which refuses a known index outside [0, C) as PyTorch's one_hot does: an ignored
  // target is one, and the loss's own index check (its op's `indexes` trait) knows ignoreIndex
  const classIds = em.tensor("arange_int", [], { start: 0, step: 1, length: classes }, who, site).node;
  const oneHot = c.op("eq", em.tensor("reshape", [target], { shape: [...target.node.shape, 1] }, who, site).node, classIds);
  let rowWeight = em.tensor("sum", [c.op("mul", oneHot, weightNode)], { dims: [-1], keepdim: false }, who, site).node;
  if (ignore !== undefined) rowWeight = c.op("mul", rowWeight, c.op("ne", em.tensor("to_float", [target], {}, who, site).node, ignore));
  const nll = em.tensor(op, [input, target], { reduction: "none", ...(op === "cross_entropy" ? { labelSmoothing: 0 } : {}), ...ignoreAttr }, who, site);
  let losses = c.op("mul", rowWeight, nll.node);
  const epsilon: number = b.labelSmoothing ?? 0;
  if (epsilon > 0) {
    // (ε/C)·Σ_c w_c·(−log p_c) per target, 0 where ignored; w along the class dim (1)
    const logp = em.tensor("log_softmax", [input], { dim: 1 }, who, site).node;
    const along = em.tensor("reshape", [weightNode], { shape: input.node.shape.map((d, i) => (i === 1 ? d : 1)) }, who, site).node;
    let smooth = c.op("neg", em.tensor("sum", [c.op("mul", logp, along)], { dims: [1], keepdim: false }, who, site).node);
    // masked_fill, as PyTorch's, not a product: an all-ignored batch's mean seeds ∞ or NaN (0/0),
    // and an ignored row must still get exactly 0 back (0·∞ is NaN)
    if (ignore !== undefined) smooth = c.op("where", c.op("ne", em.tensor("to_float", [target], {}, who, site).node, ignore), smooth, 0);
    losses = c.op("add", c.op("mul", losses, 1 - epsilon), c.op("mul", smooth, epsilon / classes));
  }
  if (b.reduction === "none") return new TensorValue(losses);
  const total = em.tensor("sum", [losses], { dims: null, keepdim: false }, who, site);
  if (b.reduction === "sum") return total;
  const weightSum = em.tensor("sum", [rowWeight], { dims: null, keepdim: false }, who, site);
  const { mean, stepValue } = meanOverTargets(total, weightSum, em, who, site);
  targetMeans.set(mean.node, { ...ignoreAttr, classWeights, lossOp: nll.node, stepValue });
  return mean;
}



/**
 * BCE's options in PyTorch's positional order: the element weight first (F.binary_cross_entropy(x, t, w),
 * nn.BCELoss(w)), the deprecated size_average and reduce, reduction, and the logits form's posWeight.
 */
export const bceArgs = (logits: boolean): ArgSpec[] => [
  opt("weight", "tensor", null, { nullable: true }),
  sizeAverageArg,
  reduceArg,
  reductionArg,
  ...(logits ? [opt("posWeight", "tensor", null, { nullable: true })] : []),
];

/**
 * mse_loss's, l1_loss's and smooth_l1_loss's options in PyTorch's positional order: the deprecated
 * size_average and reduce before reduction (F.mse_loss(x, y, "sum") is size_average="sum" there,
 * refused here), then `extra` (smooth_l1's beta). huber_loss, newer, has reduction first.
 */
export const regressionArgs = (...extra: ArgSpec[]): ArgSpec[] => [sizeAverageArg, reduceArg, reductionArg, ...extra];

/**
 * cross_entropy's and nll_loss's options in PyTorch's positional order, the class weight first
 * (F.cross_entropy(x, y, w), nn.CrossEntropyLoss(w)), ignore_index and reduction after the
 * deprecated size_average and reduce.
 */
export const classificationArgs = (labelSmoothing: boolean): ArgSpec[] => [
  classWeightArg,
  sizeAverageArg,
  ignoreIndexArg,
  reduceArg,
  reductionArg,
  ...(labelSmoothing ? [opt("labelSmoothing", "prob", 0)] : []),
];

/**
 * Binary cross-entropy with PyTorch's weights: `weight` rescales each element's loss (broadcast to
 * the input's shape), `posWeight` (logits only) the positive term, per class along the last dim:
 * ℓ = ℓ_bce(x, t) + (posWeight − 1)·t·(−log σ(x)), PyTorch's (1 + (pw − 1)t)·softplus(−x) + (1 − t)x
 * regrouped around the op's own loss. The mean is over the elements, as PyTorch's (not Σ weight).
 */
function weightedBce(op: string) {
  return (b: Bound, site: CallSite, em: GraphEmitter, who: string) => {
    if (b.weight === null && (b.posWeight ?? null) === null) return em.tensor(op, [b.input, b.target], { reduction: b.reduction }, who, site);
    const input: TensorValue = b.input;
    const c = composer(em, who, site);
    for (const name of ["weight", "posWeight"] as const) {
      const w: TensorValue | null = b[name] ?? null;
      const shape = w && broadcastShapes(w.node.shape, input.node.shape);
      if (w && (!shape || !shapeEq(shape, input.node.shape)))
        fail("shapeMismatch", `${who}: ${name} ${formatShape(w.node.shape)} must broadcast to the input's shape ${formatShape(input.node.shape)}`, locOfArg(b, name, site));
    }
    let losses = em.tensor(op, [b.input, b.target], { reduction: "none" }, who, site).node;
    if (b.posWeight) {
      const negLogSigmoid = c.op("neg", pointwiseComposites.logsigmoid({ x: input }, site, em, who).node);
      losses = c.op("add", losses, c.op("mul", c.op("mul", c.op("sub", b.posWeight, 1), b.target), negLogSigmoid));
    }
    if (b.weight) losses = c.op("mul", losses, b.weight);
    if (b.reduction === "none") return new TensorValue(losses);
    return em.tensor(b.reduction, [losses], { dims: null, keepdim: false }, who, site);
  };
}

/**
 * A loss op of (input, target) with its reduction and the named extra options as attributes.
 * Input and target of different shapes that broadcast are expanded to their common shape first, as
 * PyTorch's mse/l1/smooth_l1/huber losses do (with a warning: [N, 1] against [N, 4] is usually a
 * mistake, and [N] against [N, 1] pairs every sample with every other — refused here, the batch in two dims).
 */
const loss =
  (op: string, extra: readonly string[] = []) =>
  (b: Bound, site: CallSite, em: GraphEmitter, who: string) => {
    const [input, target] = [b.input, b.target] as TensorValue[];
    const common = shapeEq(input.node.shape, target.node.shape) ? undefined : broadcastShapes(input.node.shape, target.node.shape);
    // [Batch, 1] against [Batch]: PyTorch broadcasts to [Batch, Batch] with a warning ("Using a target
    // size … that is different to the input size"), every sample against every target — a mistake
    if (common && common.filter(isBatch).length > 1)
      fail(
        "shapeMismatch",
        `${who}: input ${formatShape(input.node.shape)} and target ${formatShape(target.node.shape)} broadcast to ${formatShape(common)}, each sample's output against every sample's target (PyTorch warns "Using a target size that is different to the input size" and computes that); give them one shape: ${input.node.shape.length > target.node.shape.length ? "input.squeeze(-1), or target.unsqueeze(-1)" : "target.squeeze(-1), or input.unsqueeze(-1)"}`,
        locOfArg(b, "target", site),
      );
    const spread = (t: TensorValue) => (common === undefined || shapeEq(t.node.shape, common) ? t : em.tensor("expand", [t], { shape: common }, who, site));
    return em.tensor(op, [spread(input), spread(target)], Object.fromEntries(["reduction", ...extra].map((k) => [k, b[k]])), who, site);
  };

export const lowerings = {
  relu: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => em.tensor("relu", [b.x], {}, who, site),
  gelu: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => em.tensor("gelu", [b.x], { approximate: b.approximate }, who, site),
  tanh: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => em.tensor("tanh", [b.x], {}, who, site),
  sigmoid: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => em.tensor("sigmoid", [b.x], {}, who, site),
  silu: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => em.tensor("silu", [b.x], {}, who, site),
  leakyRelu: (b: Bound, site: CallSite, em: GraphEmitter, who: string) =>
    em.tensor("leaky_relu", [b.x], { slope: b.negativeSlope }, who, site),
  softmax: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => em.tensor("softmax", [softmaxInput(b.x, b.dtype, em, who, site)], { dim: softmaxDim(b.x, b.dim, who, site) }, who, site),
  logSoftmax: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => em.tensor("log_softmax", [softmaxInput(b.x, b.dtype, em, who, site)], { dim: softmaxDim(b.x, b.dim, who, site) }, who, site),
  // torch.cumsum(x, dim): running sums along a fixed-size dim (ops/scan.ts)
  cumsum: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => cumsumOf(b.x, b.dim, b.dtype, who, site, em),
  dropout: (b: Bound, site: CallSite, em: GraphEmitter, who: string): Value => {
    if (b.training === false) return b.x;
    const mode = b.training instanceof ModeFlag ? "train" : "always";
    return em.tensor("dropout", [b.x], { p: b.p, mode }, who, site);
  },
  // channel dropout (F.dropout1d / dropout2d): one draw per sample and channel, kept or zeroed
  // for the whole plane — x times the dropout of ones [N, C, 1(, 1)] (channelDropout)
  dropout1d: (b: Bound, site: CallSite, em: GraphEmitter, who: string): Value => channelDropout(3, b, site, em, who),
  dropout2d: (b: Bound, site: CallSite, em: GraphEmitter, who: string): Value => channelDropout(4, b, site, em, who),
  dropout3d: (b: Bound, site: CallSite, em: GraphEmitter, who: string): Value => channelDropout(5, b, site, em, who),
  maxPool2d: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => pool2d("max_pool2d", b.x, b.kernelSize, b.stride ?? b.kernelSize, b.padding, b, site, em, who),
  avgPool2d: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => pool2d("avg_pool2d", b.x, b.kernelSize, b.stride ?? b.kernelSize, b.padding, b, site, em, who),
  // a null size keeps the input's (torch's None): (None, 1) averages each row
  adaptiveAvgPool2d: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => {
    const shape = (b.x as TensorValue).node.shape;
    const outputSize = (b.outputSize as (number | null)[]).map((d, i) => d ?? (shape.length === 4 && typeof shape[2 + i] === "number" ? shape[2 + i] : fail("invalidArgument", `${who}: a null output size keeps the input's, which ${formatShape(shape)} does not fix at dim ${2 + i}`, site.loc)));
    return em.tensor("adaptive_avg_pool2d", [b.x], { outputSize }, who, site);
  },
  // the 1-D pools: [N, C, L] as [N, C, 1, L] through the 2-D pool with a 1 × k window, and back
  maxPool1d: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => pool1d("max_pool2d", b, site, em, who),
  avgPool1d: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => pool1d("avg_pool2d", b, site, em, who),
  adaptiveAvgPool1d: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => pool1d("adaptive_avg_pool2d", b, site, em, who),
  flatten: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => flatten(b.x, b.startDim, b.endDim, who, site, em),
  linear: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => {
    const input: TensorValue = b.x;
    const w: TensorValue = b.weight;
    // a 1-D weight [in] (PyTorch allows it): x·w over the last dim, that dim dropped, plus the 0-d bias
    if (w.node.shape.length === 1) {
      const c = composer(em, who, site);
      const dot = em.tensor("sum", [c.op("mul", input.node, w.node)], { dims: [-1], keepdim: false }, who, site);
      return b.bias ? em.tensor("add", [dot, b.bias], {}, who, site) : dot;
    }
    if (w.node.shape.length !== 2) fail("shapeMismatch", `${who}: weight must be 2-D [out, in] (or 1-D [in]), got ${formatShape(w.node.shape)}`, site.loc);
    // When x was just flattened, the message names the shape the user sees before the flatten.
    const flattenedFrom = input.node.op === "reshape" ? input.node.inputs[0].shape : undefined;
    const ins = b.bias ? [input, w, b.bias] : [input, w];
    return em.tensor("linear", ins, flattenedFrom ? { flattenedFrom: flattenedFrom as any } : {}, who, site);
  },
  crossEntropy: classificationLoss("cross_entropy", ["labelSmoothing"]),
  nllLoss: classificationLoss("nll_loss"),
  mseLoss: loss("mse_loss"),
  l1Loss: loss("l1_loss"),
  smoothL1Loss: loss("smooth_l1_loss", ["beta"]),
  huberLoss: loss("huber_loss", ["delta"]),
  binaryCrossEntropy: weightedBce("binary_cross_entropy"),
  binaryCrossEntropyWithLogits: weightedBce("binary_cross_entropy_with_logits"),
  // Compositions of existing pointwise ops. Each intermediate value has one consumer, so the
  // fusion planner puts the whole composition in one elementwise kernel (or a GEMM epilogue).
  // clamp and its kin, the exponential units, softsign, logsigmoid, minimum/maximum, logsumexp,
  // var/std, normalize (pointwise-composites.ts: PyTorch's values and gradients, boundaries included)
  ...pointwiseComposites,
  clip: pointwiseComposites.clamp, // torch.clip is torch.clamp
  softplus: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => new TensorValue(softplus(composer(em, who, site), b.x.node, b.beta, b.threshold)),
  mish: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => {
    // x·tanh(softplus(x)); PyTorch's mish has no threshold
    const c = composer(em, who, site);
    return new TensorValue(c.op("mul", b.x, c.op("tanh", stableSoftplus(c, () => b.x.node))));
  },
  scaledDotProductAttention: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => scaledDotProductAttention(b, site, em, who),
  interpolate: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => interpolate(b, site, em, who),
  pad: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => pad(b, site, em, who),
  groupNorm: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => groupNorm(b.x, b.numGroups, b.weight, b.bias, b.eps, site, em, who),
  prelu: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => prelu(b.x, b.weight, site, em, who),
} satisfies Record<string, Lowering>;

/**
 * The compositions whose PyTorch kernels refuse integer and bool inputs (int-arithmetic.ts
 * FLOAT_KERNELS): their parts (exp, where, clamp) take integers, so the check is at the function,
 * for F.<name> and nn.<Layer> alike; and hardtanh, relu6 (PyTorch's hardtanh), which refuse bool only.
 */
const FLOAT_INPUT_COMPOSITIONS = ["elu", "selu", "celu", "softplus", "mish", "logsigmoid", "hardsigmoid", "hardshrink", "softshrink", "softmin"] as const;
for (const name of [...FLOAT_INPUT_COMPOSITIONS, "hardtanh", "relu6"] as const) {
  const lower: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => TensorValue = lowerings[name];
  lowerings[name] = (b, site, em, who) => {
    // (softmin's dtype= converts its input first, as softmax's: softmaxInput)
    const input: TensorValue = name === "softmin" ? softmaxInput(b.x, b.dtype, em, who, site) : b.x;
    if (input !== b.x) return lower({ ...b, x: input }, site, em, who);
    const refused = name === "hardtanh" || name === "relu6" ? boolActivationRefusal("hardtanh", input.node, who) : floatKernelRefusal(name, input.node, who);
    return refused ? fail("dtypeMismatch", refused, site.loc) : lower(b, site, em, who);
  };
}

/**
 * PyTorch's F.scaled_dot_product_attention as a composite: softmax(q·kᵀ·scale + mask)·v, with
 * scale 1/√E by default (E = q's last dim). isCausal masks the future (torch.ones(L, S).tril(0) is
 * what may be attended: positions c > r get −∞, so exp gives exactly 0); attnMask is PyTorch's
 * float mask, added to the scores, or its bool one (a comparison's result, boolean-masks.ts), whose
 * True positions take part. dropoutP drops attention weights on every call, as PyTorch's
 * function does (nn.MultiheadAttention passes 0 in eval mode).
 */
function scaledDotProductAttention(b: Bound, site: CallSite, em: GraphEmitter, who: string): Value {
  let [q, k, v] = [b.query, b.key, b.value] as TensorValue[];
  const rank = q.node.shape.length;
  if (rank < 2 || k.node.shape.length !== rank || v.node.shape.length !== rank)
    fail("shapeMismatch", `${who}: query, key and value must have the same rank (≥ 2), got ${[q, k, v].map((t) => formatShape(t.node.shape)).join(", ")}`, site.loc);
  // enable_gqa: key and value's Hkv heads (dim −3) each serve Hq/Hkv query heads, as PyTorch's repeat_interleave
  if (b.enableGqa && rank >= 3) [k, v] = [k, v].map((t) => groupedHeads(t, q.node.shape[rank - 3], who, site, em));
  if (b.isCausal && b.attnMask) fail("invalidArgument", `${who}: attnMask and isCausal cannot both be set (PyTorch refuses it too)`, site.loc);
  const [L, E] = q.node.shape.slice(-2);
  const S = k.node.shape[rank - 2];
  if (typeof E !== "number") fail("shapeMismatch", `${who}: the embedding dim of the query cannot be the batch`, site.loc);
  const c = composer(em, who, site);
  const perm = k.node.shape.map((_, i) => (i === rank - 2 ? rank - 1 : i === rank - 1 ? rank - 2 : i));
  let scores = c.op("mul", em.tensor("matmul", [q, em.tensor("permute", [k], { perm }, who, site)], {}, who, site).node, b.scale ?? 1 / Math.sqrt(E as number));
  if (b.isCausal) {
    if (typeof L !== "number" || typeof S !== "number") fail("shapeMismatch", `${who}: isCausal needs fixed sequence lengths, got ${formatShape(q.node.shape)} and ${formatShape(k.node.shape)}`, site.loc);
    const future = em.tensor("triangle", [em.tensor("full", [], { shape: [L, S], value: 1 }, who, site)], { diagonal: 1, upper: true }, who, site);
    scores = em.tensor("masked_fill", [scores, future.node], { value: -Infinity }, who, site).node;
  }
  // a float mask is added to the scores; a bool one (a comparison's) keeps where True, as PyTorch's
  if (b.attnMask) {
    const m = b.attnMask as TensorValue;
    scores = isBooleanMask(m.node) ? em.tensor("masked_fill", [scores, em.tensor("eq", [m, em.constant(0, site)], {}, who, site).node], { value: -Infinity }, who, site).node : c.op("add", scores, m);
  }
  // a row with every key masked gives 0, as PyTorch's SDPA since 2.5 (composite-ops.ts safeSoftmax)
  let weights: Node = safeSoftmax(ops(em, who, site), new TensorValue(scores), rank - 1).node;
  if (b.dropoutP > 0) weights = em.tensor("dropout", [weights], { p: b.dropoutP, mode: "always" }, who, site).node;
  return em.tensor("matmul", [weights, v], {}, who, site);
}

/** t's heads (dim −3) repeated in place to `heads` (each Hq/Hkv times): grouped-query attention's keys and values. */
function groupedHeads(t: TensorValue, heads: Dim, who: string, site: CallSite, em: GraphEmitter): TensorValue {
  const shape = t.node.shape;
  const r = shape.length;
  const have = shape[r - 3];
  if (typeof heads !== "number" || typeof have !== "number" || heads % have !== 0)
    return fail("shapeMismatch", `${who}: with enableGqa the query's heads (${formatShape([heads])}) must be a multiple of the key's and value's (${formatShape([have])})`, site.loc);
  if (heads === have) return t;
  const spread = em.tensor("reshape", [t], { shape: [...shape.slice(0, r - 2), 1, ...shape.slice(r - 2)] }, who, site);
  const copies = em.tensor("expand", [spread], { shape: [...shape.slice(0, r - 2), heads / have, ...shape.slice(r - 2)] }, who, site);
  return em.tensor("reshape", [copies], { shape: [...shape.slice(0, r - 3), heads, ...shape.slice(r - 2)] }, who, site);
}

type Operand = Node | TensorValue | number;

/** Emits ops of one composite function at its call site; a number operand becomes a constant. */
function composer(em: GraphEmitter, who: string, site: CallSite) {
  const node = (v: Operand) => (typeof v === "number" ? em.constant(v, site) : v instanceof TensorValue ? v.node : v);
  return { op: (op: string, ...inputs: Operand[]) => em.tensor(op, inputs.map(node), {}, who, site).node };
}

/**
 * log(1 + eᶻ) = relu(z) + log1p(e^−|z|): never overflows, for any z. log1p, as PyTorch's kernel
 * has it: below z ≈ −17, 1 + eᶻ rounds to 1 in float32 and log(1 + eᶻ) would be 0 where the
 * value is eᶻ (softplus(−20) = 2.1e-9, mish(−20) = −4.1e-8). `z` is called once per use, so that a
 * computed z (βx) is computed per use rather than stored for two consumers.
 */
const FLT_MAX = 3.4028234663852886e38;

function stableSoftplus(c: ReturnType<typeof composer>, z: () => Node): Node {
  // max(z, 0) as z/2 + |z|/2: exact, and its gradient at 0 is ½, as PyTorch's σ(0) (composite-ops.ts
  // softplus); halved before the sum, which (z + |z|)/2 overflows above FLT_MAX/2; z = −∞ read as
  // −FLT_MAX, where the halves would be −∞ + ∞ (softplus(−∞) is 0)
  const finite = () => c.op("where", c.op("lt", z(), -FLT_MAX), -FLT_MAX, z());
  return c.op("add", c.op("add", c.op("mul", finite(), 0.5), c.op("mul", c.op("abs", finite()), 0.5)), c.op("log1p", c.op("exp", c.op("neg", c.op("abs", finite())))));
}

/**
 * PyTorch's softplus: log(1 + e^(βx))/β, and x itself where βx > threshold. Above a threshold of
 * 15 the two differ by less than e^−15/15 relative, below float32's rounding, so the stable form
 * alone gives PyTorch's float32 result (for β = 1). A lower threshold changes values and needs the select
 * where(βx > t, x, softplus) — a select, not softplus + [βx > t]·(x − softplus), which is ∞ − ∞ at
 * x = +∞ — with βx computed again for the condition, so that every intermediate keeps one consumer
 * and the kernel stays one. A negative β is PyTorch's too (its kernel has no sign check): with β = −1
 * it is log σ(x); the gradient of stableSoftplus(βx)/β is σ(βx), as PyTorch's softplus_backward.
 */
function softplus(c: ReturnType<typeof composer>, x: Node, beta: number, threshold: number): Node {
  const scaled = () => (beta === 1 ? x : c.op("mul", x, beta));
  const sp = () => (beta === 1 ? stableSoftplus(c, scaled) : c.op("div", stableSoftplus(c, scaled), beta));
  // β = 1 only: a larger β's βx overflows to ∞ near float32's largest x, where the select gives x
  if (threshold >= 15 && beta === 1) return sp();
  return c.op("where", c.op("gt", scaled(), threshold), x, sp());
}

/** nn.Dropout1d / 2d / 3d: whole channels of [N, C, L], [N, C, H, W] or [N, C, D, H, W] zeroed with probability p, the rest scaled by 1/(1 − p). */
/**
 * Channel dropout of a rank-`rank` input [N, C, …], as PyTorch's: one rank lower is a sample without
 * its batch dim, [C, …], each channel kept or zeroed whole (F.dropout1d of [C, L]); and dropout2d of
 * a 3-D input is read as [N, C, L], channel-wise 1-D dropout, as PyTorch 2's (it warns).
 */
function channelDropout(rank: number, b: Bound, site: CallSite, em: GraphEmitter, who: string): Value {
  const input: TensorValue = b.x;
  const shape = input.node.shape;
  const batched = shape.length === rank || (rank === 4 && shape.length === 3);
  if (!batched && shape.length !== rank - 1)
    fail("shapeMismatch", `${who} expects a ${rank}-D input [N, C, ${["L", "H, W", "D, H, W"][rank - 3]}] or a ${rank - 1}-D one without the batch dim${rank === 4 ? " (a 3-D input is read as [N, C, L], as PyTorch's)" : ""}, got ${formatShape(shape)}`, site.loc);
  if (b.training === false) return input;
  const mode = b.training instanceof ModeFlag ? "train" : "always";
  const planes = batched ? [shape[0], shape[1], ...shape.slice(2).map(() => 1)] : [shape[0], ...shape.slice(1).map(() => 1)];
  const ones = em.tensor("expand", [em.node("full", [], { shape: [], value: 1 }, who, site)], { shape: planes }, who, site);
  return em.tensor("mul", [input, em.tensor("dropout", [ones], { p: b.p, mode }, who, site)], {}, who, site);
}

/** A 1-D pool over [N, C, L] as the 2-D one over [N, C, 1, L]. */
function pool1d(op: "max_pool2d" | "avg_pool2d" | "adaptive_avg_pool2d", b: Bound, site: CallSite, em: GraphEmitter, who: string): TensorValue | [TensorValue, TensorValue] {
  const input: TensorValue = b.x;
  const shape = input.node.shape;
  if (shape.length !== 3) fail("shapeMismatch", `${who} expects a 3-D input [N, C, L], got ${formatShape(shape)}`, site.loc);
  if (op !== "adaptive_avg_pool2d" && b.padding * 2 > b.kernelSize)
    fail("invalidArgument", `${who}: pad should be at most half of effective kernel size, but got pad=${b.padding}, kernel_size=${b.kernelSize}`, site.loc);
  const rows = em.tensor("reshape", [input], { shape: [shape[0], shape[1], 1, shape[2]] }, who, site);
  // a max pool's dilation=(2,) is PyTorch's _single of 2
  const dilation = Array.isArray(b.dilation) && b.dilation.length === 1 ? b.dilation[0] : (b.dilation ?? 1);
  const y =
    op === "adaptive_avg_pool2d"
      ? em.tensor(op, [rows], { outputSize: [1, b.outputSize] }, who, site)
      : pool2d(op, rows, [1, b.kernelSize], [1, b.stride ?? b.kernelSize], [0, b.padding], b, site, em, who, op === "max_pool2d" ? [1, dilation] : [1, 1]);
  // (a 1-D pool's indices are positions along L: the [1, L] plane's flat positions)
  const back = (t: TensorValue) => em.tensor("reshape", [t], { shape: [t.node.shape[0], t.node.shape[1], t.node.shape[3]] }, who, site);
  return Array.isArray(y) ? [back(y[0]), back(y[1])] : back(y);
}


// torch.var is x.var(…) only: `var` is a reserved word, which a namespace cannot declare (dsl/index.d.ts)
// var and std are their tensor methods' forms (TORCH_FUNCTION_FORMS), which take the legacy var(x, unbiased)
const functional: Record<Exclude<keyof typeof lowerings, "var" | "std">, FunctionalSpec> = {
  relu: { args: [x, opt("inplace", "bool", false)], lower: lowerings.relu },
  // torch.nn.functional.gelu(input, *, approximate): keyword-only (nn.GELU takes it by position)
  gelu: { args: [x, opt("approximate", "string", "none", { choices: ["none", "tanh"], keywordOnly: true })], lower: lowerings.gelu },
  tanh: { args: [x], lower: lowerings.tanh },
  sigmoid: { args: [x], lower: lowerings.sigmoid },
  silu: { args: [x, opt("inplace", "bool", false)], lower: lowerings.silu },
  leakyRelu: { args: [x, opt("negativeSlope", "number", 0.01), opt("inplace", "bool", false)], lower: lowerings.leakyRelu },
  // dim may be left out: PyTorch's deprecated implicit choice (softmaxDim)
  softmax: { args: [x, opt("dim", "int", null, { nullable: true }), softmaxDtype], lower: lowerings.softmax },
  logSoftmax: { args: [x, opt("dim", "int", null, { nullable: true }), softmaxDtype], lower: lowerings.logSoftmax },
  cumsum: { args: [x, arg("dim", "int"), opt("dtype", "string", null, { nullable: true })], lower: lowerings.cumsum },
  // PyTorch's F.dropout defaults to training=True: it drops even in eval mode unless told otherwise.
  dropout: { args: [x, opt("p", "prob", 0.5), opt("training", "trainingFlag", true), opt("inplace", "bool", false)], lower: lowerings.dropout },
  dropout1d: { args: [x, opt("p", "prob", 0.5), opt("training", "trainingFlag", true), opt("inplace", "bool", false)], lower: lowerings.dropout1d },
  dropout2d: { args: [x, opt("p", "prob", 0.5), opt("training", "trainingFlag", true), opt("inplace", "bool", false)], lower: lowerings.dropout2d },
  dropout3d: { args: [x, opt("p", "prob", 0.5), opt("training", "trainingFlag", true), opt("inplace", "bool", false)], lower: lowerings.dropout3d },
  maxPool2d: { args: [...pool2dArgs, ...poolOptions.maxFunction], lower: lowerings.maxPool2d },
  avgPool2d: { args: [...pool2dArgs, ...poolOptions.avgFunction], lower: lowerings.avgPool2d },
  adaptiveAvgPool2d: { args: [x, arg("outputSize", "outputSize2")], lower: lowerings.adaptiveAvgPool2d },
  maxPool1d: { args: [...pool1dArgs, ...poolOptions.maxFunction], lower: lowerings.maxPool1d },
  avgPool1d: { args: [...pool1dArgs, ...poolOptions.avgFunction], lower: lowerings.avgPool1d },
  adaptiveAvgPool1d: { args: [x, arg("outputSize", "size1")], lower: lowerings.adaptiveAvgPool1d },
  // torch.flatten flattens everything by default (startDim 0); nn.Flatten starts at 1.
  flatten: { args: [x, opt("startDim", "int", 0), opt("endDim", "int", -1)], lower: lowerings.flatten },
  linear: { args: [x, arg("weight", "tensor"), opt("bias", "tensor", null, { nullable: true })], lower: lowerings.linear },
  crossEntropy: {
    args: [arg("input", "tensor"), arg("target", "tensor"), ...classificationArgs(true)],
    lower: lowerings.crossEntropy,
  },
  nllLoss: { args: [arg("input", "tensor"), arg("target", "tensor"), ...classificationArgs(false)], lower: lowerings.nllLoss },
  mseLoss: { args: [arg("input", "tensor"), arg("target", "tensor"), ...regressionArgs()], lower: lowerings.mseLoss },
  l1Loss: { args: [arg("input", "tensor"), arg("target", "tensor"), ...regressionArgs()], lower: lowerings.l1Loss },
  smoothL1Loss: { args: [arg("input", "tensor"), arg("target", "tensor"), ...regressionArgs(opt("beta", "nonNegNumber", 1))], lower: lowerings.smoothL1Loss },
  huberLoss: { args: [arg("input", "tensor"), arg("target", "tensor"), reductionArg, opt("delta", "posNumber", 1)], lower: lowerings.huberLoss },
  binaryCrossEntropy: { args: [arg("input", "tensor"), arg("target", "tensor"), ...bceArgs(false)], lower: lowerings.binaryCrossEntropy },
  binaryCrossEntropyWithLogits: { args: [arg("input", "tensor"), arg("target", "tensor"), ...bceArgs(true)], lower: lowerings.binaryCrossEntropyWithLogits },
  hardswish: { args: [x, opt("inplace", "bool", false)], lower: lowerings.hardswish },
  hardsigmoid: { args: [x, opt("inplace", "bool", false)], lower: lowerings.hardsigmoid },
  relu6: { args: [x, opt("inplace", "bool", false)], lower: lowerings.relu6 },
  hardtanh: { args: [x, opt("minVal", "number", -1), opt("maxVal", "number", 1), opt("inplace", "bool", false)], lower: lowerings.hardtanh },
  clamp: { args: clampArgs, lower: lowerings.clamp },
  clip: { args: clampArgs, lower: lowerings.clip },
  elu: { args: [x, opt("alpha", "number", 1), opt("inplace", "bool", false)], lower: lowerings.elu },
  selu: { args: [x, opt("inplace", "bool", false)], lower: lowerings.selu },
  celu: { args: [x, opt("alpha", "number", 1), opt("inplace", "bool", false)], lower: lowerings.celu },
  softsign: { args: [x], lower: lowerings.softsign },
  logsigmoid: { args: [x], lower: lowerings.logsigmoid },
  maximum: { args: extremumArgs, lower: lowerings.maximum },
  minimum: { args: extremumArgs, lower: lowerings.minimum },
  logsumexp: { args: logsumexpArgs, lower: lowerings.logsumexp },
  normalize: { args: [x, opt("p", "any", 2), opt("dim", "int", 1), opt("eps", "posNumber", 1e-12)], lower: lowerings.normalize },
  renorm: { args: renormArgs, lower: lowerings.renorm },
  softplus: { args: [x, opt("beta", "nonZeroNumber", 1), opt("threshold", "number", 20)], lower: lowerings.softplus },
  tanhshrink: { args: [x], lower: lowerings.tanhshrink },
  hardshrink: { args: [x, opt("lambd", "nonNegNumber", 0.5)], lower: lowerings.hardshrink },
  softshrink: { args: [x, opt("lambd", "nonNegNumber", 0.5)], lower: lowerings.softshrink },
  threshold: { args: [x, arg("threshold", "number", { batchSize: true }), arg("value", "number", { batchSize: true }), opt("inplace", "bool", false)], lower: lowerings.threshold },
  softmin: { args: [x, opt("dim", "int", null, { nullable: true }), softmaxDtype], lower: lowerings.softmin },
  prelu: { args: [x, arg("weight", "tensor")], lower: lowerings.prelu },
  mish: { args: [x, opt("inplace", "bool", false)], lower: lowerings.mish },
  scaledDotProductAttention: {
    args: [
      arg("query", "tensor"),
      arg("key", "tensor"),
      arg("value", "tensor"),
      opt("attnMask", "tensor", null, { nullable: true }),
      opt("dropoutP", "prob", 0),
      opt("isCausal", "bool", false),
      // any number, as PyTorch's: 0 attends uniformly, a negative one prefers the farthest keys
      opt("scale", "number", null, { nullable: true }),
      opt("enableGqa", "bool", false),
    ],
    lower: lowerings.scaledDotProductAttention,
  },
  interpolate: { args: interpolateArgs, lower: lowerings.interpolate },
  pad: { args: padArgs, lower: lowerings.pad },
  groupNorm: { args: groupNormArgs, lower: lowerings.groupNorm },
};

// the deprecated spellings: F.upsample is F.interpolate; upsample_nearest and upsample_bilinear
// (aligned corners) take a size or a scale
const upsampleSpellings: Record<string, FunctionalSpec> = {
  upsample: { args: interpolateArgs, lower: lowerings.interpolate },
  upsampleNearest: {
    args: [x, opt("size", "sizes", null, { nullable: true }), opt("scaleFactor", "scales", null, { nullable: true })],
    lower: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => lowerings.interpolate({ ...b, mode: "nearest", alignCorners: null, recomputeScaleFactor: null, antialias: false }, site, em, who),
  },
  upsampleBilinear: {
    args: [x, opt("size", "sizes", null, { nullable: true }), opt("scaleFactor", "scales", null, { nullable: true })],
    lower: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => lowerings.interpolate({ ...b, mode: "bilinear", alignCorners: true, recomputeScaleFactor: null, antialias: false }, site, em, who),
  },
};

export function functionalNamespace(em: GraphEmitter, phase: PhaseOf, call: (f: Value, args: Value[], site: CallSite) => Value): NamespaceValue {
  // F.relu(x, { inplace: true }): x takes over the result, as PyTorch overwrites it (in-place.ts)
  const inPlaceFlag = (b: Bound, lower: (b: Bound) => Value, who: string, site: CallSite): Value => {
    const result = lower(b);
    const input = b.x ?? b.input;
    return b.inplace === true && input instanceof TensorValue ? inPlaceResult(input, result, who, site, em, phase() === "forward" ? "forward" : "construct") : result;
  };
  // the factories work in constructors too (an nn.Parameter's initial value)
  const members = factoryMembers(em, phase);
  members.set("noGrad", noGradFunction(em, call));
  members.set("autocast", autocastFunction(call));
  members.set("checkpoint", checkpointFunction(call));
  members.set("checkpointSequential", checkpointSequentialFunction(call));
  // torch.autograd: the Function base class a custom Function extends (autograd-function.ts) and
  // grad, a gradient inside forward (autograd-grad.ts); functional and backward are refused with why
  // (refused-names.ts)
  const autogradGrad = autogradGradFunction(em, () => phase() === "forward");
  members.set("autograd", new NamespaceValue("F.autograd", new Map<string, Value>([["Function", AUTOGRAD_FUNCTION], ["grad", autogradGrad]])));
  // torch.func's grad and grad_and_value, on F.autograd.grad (func-transforms.ts); its other transforms are refused (refused-names.ts)
  members.set("func", funcNamespace(em, autogradGrad, call, () => phase() === "forward"));
  // torch.manual_seed(seed) in a constructor (RL ports' self.seed = torch.manual_seed(seed)): the
  // model's draws come from the seed given to load() (tsdp's generator, PyTorch's laws), so seeding
  // here changes nothing; in forward it would replay the same draws on every call, which is refused
  members.set(
    "manualSeed",
    new BuiltinFunction("F.manualSeed", (args, site) => {
      bindArgs("F.manualSeed", [arg("seed", "int")], args, site);
      if (phase() === "forward")
        fail("unsupportedSyntax", "F.manualSeed in forward would give every call the same draws, and tsdp's draws come from its own generator; seed the model when loading it (load(dir, { seed }))", site.loc);
      return null;
    }),
  );
  // F.triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function, margin, swap, reduction)
  members.set(
    "tripletMarginWithDistanceLoss",
    new BuiltinFunction("F.tripletMarginWithDistanceLoss", (args, site) => {
      const who = "F.tripletMarginWithDistanceLoss";
      return tripletMarginWithDistance(bindArgs(who, [...["anchor", "positive", "negative"].map((n) => arg(n, "tensor")), ...tripletWithDistanceOptions], args, site), call, site, em, who);
    }),
  );
  // torch.floor_divide(a, b) (Python's //): int32 operands give int32
  members.set(
    "floorDivide",
    new BuiltinFunction("F.floorDivide", (args, site) => {
      const b = bindArgs("F.floorDivide", [arg("input", "tensor"), arg("other", "any")], args, site);
      return roundedQuotient(b.input, b.other, "floor", "F.floorDivide", site, em);
    }),
  );
  for (const [name, f] of joinMembers(em)) members.set(name, f);
  members.set("einsum", einsumFunction(em));
  // F.multi_head_attention_forward: nn.MultiheadAttention's computation with weights of the caller's own (CLIP's AttentionPool2d)
  members.set(
    "multiHeadAttentionForward",
    new BuiltinFunction("F.multiHeadAttentionForward", (args, site) => multiHeadAttentionForward(bindArgs("F.multiHeadAttentionForward", multiHeadAttentionForwardArgs, args, site), site, em, "F.multiHeadAttentionForward")),
  );
  for (const name of mathFunctionNames) members.set(name, new BuiltinFunction(`F.${name}`, mathFunction(name, em)));
  for (const [name, f] of spellingFunctions(em)) members.set(name, new BuiltinFunction(`F.${name}`, f));
  for (const [name, f] of queryFunctions(em)) members.set(name, f);
  for (const [name, spec] of [...Object.entries(compositionFunctions), ...Object.entries(portFunctions), ...Object.entries(moreFunctions), ["batchNorm", functionalBatchNorm] as const, ...Object.entries(volumetricFunctions((t, size, site, em, who) => adaptiveMaxPool(t, size, 2, site, em, who))), ...Object.entries(pairwiseLossFunctions), ["ctcLoss", ctcLossFunction] as const, ...Object.entries(spatialTransformFunctions), ...Object.entries(unpoolFunctions)]) {
    const who = `F.${name}`;
    members.set(name, new BuiltinFunction(who, (args, site) => inPlaceFlag(bindArgs(who, spec.args, args, site), (b) => spec.lower(b, site, em, who), who, site)));
  }
  for (const [name, spec] of [...Object.entries(functional), ...Object.entries(upsampleSpellings)]) {
    const who = `F.${name}`;
    members.set(
      name,
      new BuiltinFunction(who, (args, site) => inPlaceFlag(bindArgs(who, spec.args, args, site), (b) => spec.lower(b, site, em, who), who, site)),
    );
  }
  // F.relu_(x), F.elu_(x, alpha), torch.sigmoid_(x): the functions' in-place forms, x taking over
  // the result as inplace: true makes it (in-place.ts)
  for (const name of IN_PLACE_FUNCTIONS) {
    const f = members.get(name);
    if (!(f instanceof BuiltinFunction) || members.has(`${name}_`)) continue;
    members.set(
      `${name}_`,
      new BuiltinFunction(`F.${name}_`, (args, site) => {
        const x = args[0];
        if (!(x instanceof TensorValue)) return fail("wrongArgumentType", `F.${name}_: input must be a tensor, got ${args.length ? describe(x) : "nothing"}`, site.loc);
        return inPlaceResult(x, f.call(args, site), `F.${name}_`, site, em, phase() === "forward" ? "forward" : "construct");
      }),
    );
  }
  // dot, mv, inner, the stacks, rot90, sinc, logspace, other names (torch-extras.ts), and torch.special
  const lookup = (name: string) => members.get(name);
  for (const [name, f] of extraFunctions(em, lookup)) if (!members.has(name)) members.set(name, f);
  members.set("special", specialNamespace(em, lookup));
  // torch.linalg's norms (linalg.ts)
  members.set("linalg", linalgNamespace(em));
  members.set("qr", torchQr(em));
  // torch.polar, view_as_complex, view_as_real, … (LLaMA's rotary embedding)
  for (const [name, f] of complexFunctions(em)) members.set(name, f);
  members.set("fft", fftNamespace(em));
  // torch.sparse.mm and torch.spmm of a dense adjacency (GCN ports; sparse.ts)
  for (const [name, f] of sparseFunctions(em)) members.set(name, f);
  // torch.distributions (a policy's Categorical, a VAE's Normal and KL) and torch.multinomial
  members.set("distributions", distributionsNamespace(em));
  members.set("multinomial", multinomialFunction(em));
  // torch.stft and torch.hann_window (audio front ends)
  for (const [name, f] of spectralFunctions(em)) members.set(name, f);
  // torch.kron, block_diag, tensordot, trapezoid, heaviside
  for (const [name, f] of productFunctions(em)) members.set(name, f);
  // torch.fake_quantize_per_tensor_affine / per_channel_affine (quantization-aware training)
  for (const [name, f] of fakeQuantizeFunctions(em)) members.set(name, f);
  // torch.sum(x, 1), torch.transpose(x, 1, 2), torch.max(x, dim): torch's function forms of the
  // tensor's methods, the tensor first (F is torch as well as torch.nn.functional)
  for (const name of TORCH_FUNCTION_FORMS)
    if (!members.has(name))
      members.set(
        name,
        new BuiltinFunction(`F.${name}`, (args, site) => {
          const x = args[0];
          if (!(x instanceof TensorValue))
            return fail("wrongArgumentType", `F.${name}: input must be a tensor, got ${args.length ? describe(x) : "nothing"}${numberFirstHint(name, x, args[1])}`, site.loc);
          return tensorMethods[name](x, args.slice(1), site, em);
        }),
      );
  return new NamespaceValue("F", members);
}

/**
 * Python's `a / x` with a number a (consistency models' `sigma_data**2 / (…)`) ported as
 * F.div(a, x): torch.div(a, x) raises TypeError too, so say what the operator form is.
 */
const NUMBER_FIRST: Record<string, string> = {
  add: "`a + x` is `x.add(a)`",
  mul: "`a * x` is `x.mul(a)`",
  sub: "`a - x` is `x.rsub(a)`",
  rsub: "`x - a` is `x.sub(a)`",
  div: "`a / x` is `x.reciprocal().mul(a)`",
};
function numberFirstHint(name: string, first: Value, second: Value | undefined): string {
  if (typeof first !== "number" || !(second instanceof TensorValue) || !(name in NUMBER_FIRST)) return "";
  return ` (torch.${name}'s input must be a tensor too: it raises TypeError); Python's operator with the number first, ${NUMBER_FIRST[name]}`;
}

/** torch.nn.functional's and torch's in-place functions: F.<name>_(x, …) changes x. */
const IN_PLACE_FUNCTIONS = ["relu", "relu6", "elu", "leakyRelu", "hardtanh", "threshold", "celu", "selu", "rrelu", "sigmoid", "tanh", "hardsigmoid", "hardswish", "silu", "mish", "dropout"] as const;

/** Tensor methods torch also has as functions of the tensor: torch.<name>(input, …) is input.<name>(…). */
const TORCH_FUNCTION_FORMS = [
  "add", "sub", "mul", "div", "rsub", "sum", "mean", "var", "std", "amax", "amin", "max", "min", "argmax", "argmin", "numel", "ravel",
  "gt", "ge", "lt", "le", "eq", "ne", "logicalNot", "logicalAnd", "logicalOr", "maskedFill", "clampMin", "clampMax",
  "reshape", "unsqueeze", "squeeze", "transpose", "swapaxes", "swapdims", "movedim", "t", "permute", "unflatten",
  "flip", "tile", "repeatInterleave", "select", "unbind", "narrow", "clone", "detach", "isFloatingPoint", "nonzero",
] as const;
