import { renormLookedUpRows } from "./embedding-max-norm.ts";
import { fail } from "../diagnostics/diagnostic.ts";
import { dimEq, formatShape, isBatch, normalizeDim, shapeEq } from "../ir/shape.ts";
import { arg, locOfArg, opt, type ArgSpec, type Bound } from "./args.ts";
import { ops } from "./composite-ops.ts";
import { convInput, pixelShuffle } from "./composite-layers.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { vectorNorm } from "./vector-norm.ts";
import { broadcastShapes } from "../ops/elementwise.ts";
import { checkKnownIndex } from "./constant-indexes.ts";
import type { CallSite, TensorValue, Value } from "./values.ts";

// F's functional forms of layers and the small compositions ports call: F.layerNorm and F.embedding
// (the ops nn.LayerNorm and nn.Embedding lower to, with the caller's tensors as weights),
// F.oneHot, F.cosineSimilarity, F.glu.

type Lowering = (b: Bound, site: CallSite, em: GraphEmitter, who: string) => Value;

function dimOf(x: TensorValue, d: number, who: string, site: CallSite, b: Bound): number {
  const rank = x.node.shape.length;
  const n = normalizeDim(d, rank);
  if (n === undefined) fail("invalidArgument", `${who}: dim ${d} is out of range for a tensor with ${rank} dims`, locOfArg(b, "dim", site));
  return n;
}


/**
 * F.kl_div(input, target): input holds log-probabilities; pointwise target·(log target − input),
 * written as PyTorch's xlogy(t, t) − t·x so that t = 0 contributes 0 (log reads 1 there, so its
 * gradient is finite too), or e^t·(t − x) with logTarget. Reduced as PyTorch: "mean" over every
 * element, "batchmean" the sum over input.size(0) (the KL divergence per sample; over a batch dim,
 * each replica's share, weighted as a mean's), "sum", "none".
 */
export function klDiv(b: Bound, site: CallSite, em: GraphEmitter, who: string): TensorValue {
  const x: TensorValue = b.input;
  const t: TensorValue = b.target;
  if (!shapeEq(t.node.shape, x.node.shape))
    fail("shapeMismatch", `${who} expects input and target of the same shape, got ${formatShape(x.node.shape)} and ${formatShape(t.node.shape)}`, site.loc);
  const c = ops(em, who, site);
  const pointwise = b.logTarget
    ? c.op("mul", [c.op("exp", [t]), c.op("sub", [t, x])])
    : c.op("sub", [c.op("mul", [t, c.op("log", [c.op("where", [c.op("eq", [t, 0]), 1, t])])]), c.op("mul", [t, x])]);
  if (b.reduction === "none") return pointwise;
  if (b.reduction === "sum" || b.reduction === "batchmean") {
    const sum = c.op("sum", [pointwise], { dims: null, keepdim: false });
    if (b.reduction === "sum") return sum;
    const rows = x.node.shape[0];
    if (rows === undefined) fail("shapeMismatch", `${who}: reduction "batchmean" divides by input.size(0), but the input is a scalar`, site.loc);
    return isBatch(rows) ? c.op("div_count", [sum], { c: rows.batch, p: 1 }) : c.op("div", [sum, rows]);
  }
  return c.op("mean", [pointwise], { dims: null, keepdim: false });
}

export const klDivArgs = [opt("reduction", "string", "mean", { choices: ["mean", "batchmean", "sum", "none"] }), opt("logTarget", "bool", false)];

/**
 * F.conv2d / F.conv1d's padding per spatial dim: numbers as given, "valid" none, "same" half of
 * dilation·(k − 1) on each side (stride 1, as the layers require) and the odd one left over (an
 * even kernel) after: `extra`, padded first (convInput).
 */
function functionalConvPadding(b: Bound, kernel: readonly number[], stride: readonly number[], dilation: readonly number[], site: CallSite, who: string): { sym: number[]; extra: number[] } {
  const at = locOfArg(b, "padding", site);
  const none = kernel.map(() => 0);
  if (b.padding === "valid") return { sym: none, extra: none };
  if (b.padding !== "same") return { sym: [b.padding].flat().length === 1 ? kernel.map(() => [b.padding].flat()[0]) : [b.padding].flat(), extra: none };
  if (stride.some((s) => s !== 1)) fail("invalidArgument", `${who}: padding "same" needs stride 1, got stride ${stride.join("×")}`, at);
  const total = kernel.map((k, i) => dilation[i] * (k - 1));
  return { sym: total.map((t) => Math.floor(t / 2)), extra: total.map((t) => t % 2) };
}

/**
 * F.conv2d(input, weight, bias, stride, padding, dilation, groups): the conv2d op of any weight —
 * a parameter, or one computed in forward (weight standardization, a fixed Sobel kernel from a
 * buffer) — and F.conv1d through it with [N, C, L] as [N, C, 1, L].
 */
function functionalConv(rank: 1 | 2, b: Bound, site: CallSite, em: GraphEmitter, who: string): TensorValue {
  const input: TensorValue = b.input;
  const weight: TensorValue = b.weight;
  const c = ops(em, who, site);
  if (weight.node.shape.length !== rank + 2 || weight.node.shape.some(isBatch))
    fail("shapeMismatch", `${who} expects a weight [out, in/groups, ${rank === 2 ? "kH, kW" : "k"}], got ${formatShape(weight.node.shape)}`, locOfArg(b, "weight", site));
  if (input.node.shape.length !== rank + 2) fail("shapeMismatch", `${who} expects an input [N, C, ${rank === 2 ? "H, W" : "L"}], got ${formatShape(input.node.shape)}`, site.loc);
  const pairOf = (v: number | number[]) => (rank === 1 ? [1, [v].flat()[0]] : [v].flat().length === 1 ? [[v].flat()[0], [v].flat()[0]] : (v as number[]));
  const kernel = weight.node.shape.slice(2) as number[];
  const stride = pairOf(b.stride).slice(2 - rank);
  const dilation = pairOf(b.dilation).slice(2 - rank);
  const { sym, extra } = functionalConvPadding(b, kernel, stride, dilation, site, who);
  if (sym.length !== rank || sym.some((p) => !Number.isInteger(p) || p < 0))
    fail("invalidArgument", `${who}: padding must be a non-negative integer${rank === 2 ? ", a pair of them" : ""}, "valid" or "same", got ${JSON.stringify(b.padding)}`, locOfArg(b, "padding", site));
  const { input: x, padding } = convInput(input, sym, extra, "zeros", site, em, who);
  const attrs = { stride: pairOf(stride), padding: rank === 1 ? [0, padding[0]] : padding, dilation: pairOf(dilation), groups: b.groups };
  const ins = (x: TensorValue, w: TensorValue) => [x, w, ...(b.bias ? [b.bias] : [])];
  if (rank === 2) return c.op("conv2d", ins(x, weight), attrs);
  const [n, ch, l] = x.node.shape;
  const ws = weight.node.shape;
  const y = c.op("conv2d", ins(c.reshape(x, [n, ch, 1, l]), c.reshape(weight, [ws[0], ws[1], 1, ws[2]])), attrs);
  return c.reshape(y, [y.node.shape[0], y.node.shape[1], y.node.shape[3]]);
}

const convArgs = (rank: 1 | 2): ArgSpec[] => [
  arg("input", "tensor"),
  arg("weight", "tensor"),
  opt("bias", "tensor", null, { nullable: true }),
  opt("stride", rank === 2 ? "size2" : "size1", rank === 2 ? [1, 1] : 1),
  opt("padding", "any", 0),
  opt("dilation", rank === 2 ? "size2" : "size1", rank === 2 ? [1, 1] : 1),
  opt("groups", "posInt", 1),
];

/** F.pixel_shuffle(x, upscale_factor) / pixel_unshuffle: the layers' rearrangement. */
const pixelShuffleFunction = (direction: "shuffle" | "unshuffle") => {
  const factor = direction === "shuffle" ? "upscaleFactor" : "downscaleFactor";
  const spec = pixelShuffle(direction);
  return {
    args: [arg("x", "tensor"), arg(factor, "posInt")],
    lower: ((b, site, em, who) => spec.forward!(undefined as never, b, { x: b.x }, site, em, who) as TensorValue) as Lowering,
  };
};

export const compositionFunctions: Record<string, { args: readonly ArgSpec[]; lower: Lowering }> = {
  pixelShuffle: pixelShuffleFunction("shuffle"),
  pixelUnshuffle: pixelShuffleFunction("unshuffle"),
  conv2d: { args: convArgs(2), lower: (b, site, em, who) => functionalConv(2, b, site, em, who) },
  conv1d: { args: convArgs(1), lower: (b, site, em, who) => functionalConv(1, b, site, em, who) },
  // F.kl_div(input, target, reduction="mean", log_target=False)
  klDiv: { args: [arg("input", "tensor"), arg("target", "tensor"), ...klDivArgs], lower: klDiv },
  // F.layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5)
  layerNorm: {
    args: [arg("x", "tensor"), arg("normalizedShape", "sizes"), opt("weight", "tensor", null, { nullable: true }), opt("bias", "tensor", null, { nullable: true }), opt("eps", "posNumber", 1e-5)],
    lower: (b, site, em, who) => {
      for (const name of ["weight", "bias"] as const)
        if (b[name] && !shapeEq(b[name].node.shape, b.normalizedShape))
          fail("shapeMismatch", `${who}: ${name} must have the normalized shape [${b.normalizedShape.join(", ")}], got ${formatShape(b[name].node.shape)}`, locOfArg(b, name, site));
      const ins = [b.x, b.weight, b.bias].filter((t) => t !== null);
      return em.tensor("layer_norm", ins, { normalizedShape: b.normalizedShape, eps: b.eps, hasWeight: b.weight !== null, hasBias: b.bias !== null }, who, site);
    },
  },
  // F.embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False, sparse=False):
  // rows of a [num, dim] weight (tied embeddings)
  embedding: {
    args: [
      arg("input", "tensor"), arg("weight", "tensor"), opt("paddingIdx", "int", null, { nullable: true }),
      opt("maxNorm", "nonNegNumber", null, { nullable: true }), opt("normType", "number", 2),
      opt("scaleGradByFreq", "flag", null, { nullable: true, refuseTrue: "gradients scaled by the inverse frequency of the words in the batch are not computed" }),
      opt("sparse", "flag", null, { nullable: true }),
    ],
    lower: (b, site, em, who) => {
      const w: TensorValue = b.weight;
      const [num, dim] = w.node.shape;
      if (w.node.shape.length !== 2 || typeof num !== "number" || typeof dim !== "number")
        fail("shapeMismatch", `${who}: weight must be a 2-D [numEmbeddings, embeddingDim] tensor of fixed size, got ${formatShape(w.node.shape)}`, locOfArg(b, "weight", site));
      let paddingIdx: number | null = b.paddingIdx;
      if (paddingIdx !== null) {
        if (paddingIdx >= num || paddingIdx < -num) fail("invalidArgument", `${who}: paddingIdx must be within numEmbeddings (${num}), got ${paddingIdx}`, locOfArg(b, "paddingIdx", site));
        if (paddingIdx < 0) paddingIdx += num;
      }
      if (b.maxNorm !== null) renormLookedUpRows(w, b.input, b.maxNorm, b.normType, em, who, site);
      return em.tensor("embedding", [b.input, w], { paddingIdx }, who, site);
    },
  },
  // F.one_hot(tensor, num_classes): 1 where the last dim's position is the class, an integer tensor as
  // PyTorch's (int64 there, int32 here) — not a bool mask: two one-hots add to 2 (a count), not True.
  // A computed index outside [0, numClasses) is reported as the kernel reads it (op index_check), as
  // PyTorch raises ("Class values must be smaller than num_classes"); a known one is refused here.
  oneHot: {
    // PyTorch's default −1 (the data's largest class + 1) is taken, to be refused with the reason below
    args: [arg("x", "tensor"), opt("numClasses", "int", -1)],
    lower: (b, site, em, who) => {
      const x: TensorValue = b.x;
      if (x.node.dtype !== "i32") fail("dtypeMismatch", `${who} expects an int32 tensor of class indices, got ${x.node.dtype} ${formatShape(x.node.shape)}`, locOfArg(b, "x", site));
      if (b.numClasses < 1)
        fail("invalidArgument", `${who}: numClasses must be given (≥ 1): tsdp sizes tensors at compile time, so it cannot be inferred from the data as PyTorch's −1 (its default) does`, locOfArg(b, "numClasses", site));
      checkKnownIndex(em, x.node, { limit: b.numClasses }, who, site);
      const c = ops(em, who, site);
      const classes = c.op("arange_int", [], { start: 0, step: 1, length: b.numClasses });
      const checked = c.op("index_check", [x], { limit: b.numClasses, what: "one_hot" });
      return c.op("to_int", [c.op("eq", [c.reshape(checked, [...x.node.shape, 1]), classes])]);
    },
  },
  // F.cosine_similarity(x1, x2, dim=1, eps=1e-8): Σ x1/max(‖x1‖, ε) · x2/max(‖x2‖, ε) along dim.
  // PyTorch clamps each norm in place under no_grad, so the gradient flows through ‖x‖ even where
  // ε replaced it (F.normalize's clamp_min stops it there): the divisor's value is max(‖x‖, ε), its
  // derivative in ‖x‖ is 1 — where ‖x‖ < ε it is ‖x‖ − detach(‖x‖) + ε.
  cosineSimilarity: {
    args: [arg("x1", "tensor"), arg("x2", "tensor"), opt("dim", "int", 1), opt("eps", "posNumber", 1e-8)],
    lower: (b, site, em, who) => {
      // PyTorch broadcasts x1 and x2 to one shape first, and dim is that shape's: a size-1 dim
      // along `dim` is repeated before either is normalized (its norm is over the repeated values)
      const common = broadcastShapes(b.x1.node.shape, b.x2.node.shape);
      if (!common) fail("shapeMismatch", `${who}: x1 ${formatShape(b.x1.node.shape)} and x2 ${formatShape(b.x2.node.shape)} do not broadcast to one shape`, site.loc);
      const c = ops(em, who, site);
      const grown = (x: TensorValue) => (shapeEq(x.node.shape, common) ? x : c.op("expand", [x], { shape: common }));
      const [x1, x2] = [grown(b.x1), grown(b.x2)];
      dimOf(x1, b.dim, who, site, b);
      const unit = (x: TensorValue) => {
        const norm = vectorNorm(x, 2, [dimOf(x, b.dim, who, site, b)], true, site, em, who);
        const clamped = c.op("add", [c.op("sub", [norm, c.op("detach", [norm])]), b.eps]);
        return c.op("div", [x, c.op("where", [c.op("lt", [norm, b.eps]), clamped, norm])]);
      };
      return c.op("sum", [c.op("mul", [unit(x1), unit(x2)])], { dims: [b.dim], keepdim: false });
    },
  },
  // F.glu(input, dim=-1): a·σ(b) for the two halves a, b of dim
  glu: {
    args: [arg("x", "tensor"), opt("dim", "int", -1)],
    lower: (b, site, em, who) => {
      const x: TensorValue = b.x;
      const dim = dimOf(x, b.dim, who, site, b);
      const size = x.node.shape[dim];
      if (typeof size !== "number" || size % 2 !== 0)
        fail("shapeMismatch", `${who}: halving dim ${b.dim} needs an even, fixed size, got ${formatShape(x.node.shape)}`, site.loc);
      const c = ops(em, who, site);
      const half = size / 2;
      return c.op("mul", [c.narrow(x, dim, 0, half), c.op("sigmoid", [c.narrow(x, dim, half, half)])]);
    },
  },
};
