import { convSummary } from "./layer-settings.ts";
import { fail } from "../diagnostics/diagnostic.ts";
import { formatShape } from "../ir/shape.ts";
import { adaptiveWindow } from "../ops/pool.ts";
import { arg, locOfArg, opt, transposedPaddingModeArg, type Bound } from "./args.ts";
import { conv1dAttributes, interpolate, pad, through2d } from "./composite-layers.ts";
import { fixedDim, ops } from "./composite-ops.ts";
import { compositionFunctions } from "./functional-compositions.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { fanInUniform, ones, param, param_, x, type LayerSpec } from "./layer-spec.ts";
import { vectorNorm } from "./vector-norm.ts";
import { outputPaddingFor } from "./transposed-output-size.ts";
import { maxPoolWithIndices } from "./pool-indices.ts";
import type { CallSite, TensorValue, Value } from "./values.ts";

// More of torch.nn that ports reach for, each a composition of existing ops (so each gets its
// gradient from them): nn.RMSNorm, GLU, CosineSimilarity, PairwiseDistance, the padding layers
// (zero, constant, reflection, replication, circular), AdaptiveMaxPool1d/2d, ConvTranspose1d,
// Softmax2d, UpsamplingNearest2d/Bilinear2d, ChannelShuffle, LocalResponseNorm, and the functional
// forms F.rmsNorm, F.pairwiseDistance, F.adaptiveMaxPool1d/2d, F.localResponseNorm.

/** float32's machine epsilon: nn.RMSNorm's eps when none is given (torch.finfo(x.dtype).eps). */
const FLOAT32_EPS = 2 ** -23;

/** The normalized dims: the last k of x, which must be `normalizedShape`. */
function lastDims(input: TensorValue, normalizedShape: readonly number[], who: string, site: CallSite): number[] {
  const shape = input.node.shape;
  const k = normalizedShape.length;
  if (shape.length < k || !normalizedShape.every((d, i) => shape[shape.length - k + i] === d))
    fail("shapeMismatch", `${who} normalizes over the last dims [${normalizedShape.join(", ")}], but the input is ${formatShape(shape)}`, site.loc);
  return normalizedShape.map((_, i) => shape.length - k + i);
}

/** RMSNorm: x·rsqrt(mean(x²) + eps) over the normalized dims, times the weight (PyTorch's rms_norm). */
export function rmsNorm(input: TensorValue, normalizedShape: readonly number[], weight: TensorValue | null, eps: number | null, site: CallSite, em: GraphEmitter, who: string): TensorValue {
  const dims = lastDims(input, normalizedShape, who, site);
  const c = ops(em, who, site);
  const meanSquare = c.op("mean", [c.op("pow", [input], { exponent: 2 })], { dims, keepdim: true });
  const y = c.op("mul", [input, c.op("rsqrt", [c.op("add", [meanSquare, eps ?? FLOAT32_EPS])])]);
  return weight ? c.op("mul", [y, weight]) : y;
}

/** ‖x1 − x2 + eps‖ₚ along the last dim (torch.pairwise_distance; eps keeps the 2-norm's gradient finite at x1 = x2). */
export function pairwiseDistance(b: Bound, site: CallSite, em: GraphEmitter, who: string): TensorValue {
  const c = ops(em, who, site);
  const difference = c.op("add", [c.op("sub", [b.x1, b.x2]), b.eps]);
  return vectorNorm(difference, b.p, [difference.node.shape.length - 1], b.keepdim, site, em, who, locOfArg(b, "p", site));
}

/**
 * Adaptive max pooling, PyTorch's windows [⌊i·in/out⌋, ⌈(i+1)·in/out⌉) along each spatial dim.
 * When the output size divides the input's, the windows are [i·k, (i+1)·k) with k = in/out: one
 * max pool of kernel and stride k. Otherwise (VGG's 7×7 from a CIFAR-sized 1×1 or 2×2 map,
 * AlexNet's 6×6 from 13×13) windows of two lengths overlap, which one max pool cannot express:
 * the max over a box is the max along H of the max along W, so each dim is pooled on its own —
 * one max pool per output position over its window, joined. W goes first so that the index a
 * window's gradient goes to is PyTorch's: its kernel scans rows, then columns, keeping the first of
 * equal maxima and the last NaN; max_pool2d keeps the same along one dim, so each row's first
 * maximum, then the first row that holds the window's, is the first in row-major order (a NaN: the
 * last row's last).
 */
export function adaptiveMaxPool(input: TensorValue, outputSize: readonly (number | null)[], spatial: number, site: CallSite, em: GraphEmitter, who: string): TensorValue {
  const shape = input.node.shape;
  if (shape.length !== spatial + 2) fail("shapeMismatch", `${who} expects a ${spatial + 2}-D input [N, C, ${spatial === 1 ? "L" : "H, W"}], got ${formatShape(shape)}`, site.loc);
  const sizes = shape.slice(2).map((_, i) => fixedDim(shape, i + 2, `dim ${i + 2}`, who, site));
  const outs = sizes.map((s, i) => outputSize[i] ?? s);
  outs.forEach((out, i) => {
    if (out > MAX_ADAPTIVE_WINDOWS && sizes[i] % out !== 0)
      fail("invalidArgument", `${who}: an output of ${out} from ${sizes[i]} positions takes windows of different lengths, pooled one at a time; at most ${MAX_ADAPTIVE_WINDOWS} of them (or a size that divides ${sizes[i]}: ${divisorsOf(sizes[i]).join(", ")})`, site.loc);
  });
  const c = ops(em, who, site);
  // planar [N, C, H, W] (a 1-d input as H = 1): the dims pooled are 2 and 3
  let y = spatial === 1 ? c.reshape(input, [shape[0], shape[1], 1, sizes[0]]) : input;
  const planarSizes = spatial === 1 ? [1, sizes[0]] : sizes;
  const planarOuts = spatial === 1 ? [1, outs[0]] : outs;
  const poolAlong = (t: TensorValue, dim: 2 | 3, length: number): TensorValue => {
    const kernel = dim === 2 ? [length, 1] : [1, length];
    return c.op("max_pool2d", [t], { kernel, stride: kernel, padding: [0, 0] });
  };
  if (planarSizes.every((s, i) => s % planarOuts[i] === 0)) {
    const kernel = planarSizes.map((s, i) => s / planarOuts[i]);
    y = c.op("max_pool2d", [y], { kernel, stride: kernel, padding: [0, 0] });
  } else
    for (const dim of [3, 2] as const) {
      const [size, out] = [planarSizes[dim - 2], planarOuts[dim - 2]];
      if (size % out === 0) {
        if (size !== out) y = poolAlong(y, dim, size / out);
        continue;
      }
      const windows = [...Array(out).keys()].map((i) => {
        const [start, end] = adaptiveWindow(i, size, out);
        return poolAlong(c.narrow(y, dim, start, end - start), dim, end - start);
      });
      y = c.op("concat", windows, { dim });
    }
  return spatial === 1 ? c.reshape(y, [shape[0], shape[1], outs[0]]) : y;
}

/** Output positions of unequal adaptive windows pooled one at a time; past it, the graph grows too large to be useful. */
const MAX_ADAPTIVE_WINDOWS = 64;

/**
 * nn.AdaptiveMaxPool1d/2d and F.adaptiveMaxPool1d/2d: x, outputSize and returnIndices bound. With
 * returnIndices (PyTorch's (values, indices) pair, for MaxUnpool): windows of equal length are a max
 * pool with kernel = stride, whose indices (the flat position in the input's plane, the first
 * maximum) are PyTorch's adaptive_max_pool's; unequal ones are refused.
 */
function adaptiveMaxPoolOf(spatial: number, b: Bound, site: CallSite, em: GraphEmitter, who: string): Value {
  const sizes = outputSizes(b.outputSize, spatial, who, site);
  if (!b.returnIndices) return adaptiveMaxPool(b.x, sizes, spatial, site, em, who);
  const input: TensorValue = b.x;
  const shape = input.node.shape;
  if (shape.length !== spatial + 2) fail("shapeMismatch", `${who} expects a ${spatial + 2}-D input [N, C, ${spatial === 1 ? "L" : "H, W"}], got ${formatShape(shape)}`, site.loc);
  const planar = (spatial === 1 ? [1, fixedDim(shape, 2, "dim 2", who, site)] : [fixedDim(shape, 2, "dim 2", who, site), fixedDim(shape, 3, "dim 3", who, site)]) as number[];
  const outs = spatial === 1 ? [1, sizes[0] ?? planar[1]] : planar.map((s, i) => sizes[i] ?? s);
  const uneven = planar.findIndex((s, i) => s % (outs[i] as number) !== 0);
  if (uneven >= 0)
    fail("invalidArgument", `${who}: returnIndices: true needs windows of one length, an output size that divides the input's (${planar[uneven]} into ${outs[uneven]} does not); pool to a divisor (${divisorsOf(planar[uneven]).join(", ")}) or leave returnIndices out`, locOfArg(b, "returnIndices", site) ?? site.loc);
  const kernel = planar.map((s, i) => s / (outs[i] as number));
  const c = ops(em, who, site);
  const as4d = spatial === 1 ? c.reshape(input, [shape[0], shape[1], 1, planar[1]]) : input;
  const [values, indices] = maxPoolWithIndices(as4d, kernel, kernel, [0, 0], [1, 1], false, site, em, who);
  if (spatial === 2) return [values, indices];
  const back = (t: TensorValue) => c.reshape(t, [shape[0], shape[1], outs[1] as number]);
  return [back(values), back(indices)];
}

const divisorsOf = (n: number) => [...Array(n).keys()].map((i) => i + 1).filter((d) => n % d === 0);

/** An adaptive pool's output size: one number for every spatial dim, or one each (null keeps the input's). */
function outputSizes(v: unknown, spatial: number, who: string, site: CallSite): (number | null)[] {
  const list = Array.isArray(v) ? v : [v];
  const sizes = list.length === 1 ? Array(spatial).fill(list[0]) : list;
  if (sizes.length !== spatial || !sizes.every((s) => s === null || (typeof s === "number" && Number.isInteger(s) && s >= 1)))
    fail("invalidArgument", `${who}: outputSize must be a positive integer or ${spatial} of them (null keeps a dim), got ${JSON.stringify(v)}`, site.loc);
  return sizes;
}

/**
 * F.local_response_norm as PyTorch computes it: each position divided by (k + α·mean of x² over
 * `size` neighbouring channels, zero-padded)^β — the mean an average pool over the channel dim of
 * x² viewed [N, 1, C, ∏spatial], padded by ⌊size/2⌋ before and ⌊(size−1)/2⌋ after.
 */
function localResponseNorm(input: TensorValue, size: number, alpha: number, beta: number, k: number, site: CallSite, em: GraphEmitter, who: string): TensorValue {
  const shape = input.node.shape;
  if (shape.length < 3) fail("shapeMismatch", `${who} expects an input [N, C, *] with at least one spatial dim, got ${formatShape(shape)}`, site.loc);
  const channels = fixedDim(shape, 1, "the channel dim", who, site);
  const positions = shape.slice(2).reduce((p: number, _d, i) => p * fixedDim(shape, i + 2, `dim ${i + 2}`, who, site), 1);
  const c = ops(em, who, site);
  const squares = c.reshape(c.op("pow", [input], { exponent: 2 }), [shape[0], 1, channels, positions]);
  const padded = pad({ x: squares, pad: [0, 0, Math.floor(size / 2), Math.floor((size - 1) / 2)], mode: "constant", value: 0 }, site, em, who);
  const mean = c.op("avg_pool2d", [padded], { kernel: [size, 1], stride: [1, 1], padding: [0, 0] });
  const div = c.op("pow", [c.op("add", [c.op("mul", [c.reshape(mean, shape), alpha]), k])], { exponent: beta });
  return c.op("div", [input, div]);
}

/** A padding layer's amounts: one number for every side, or PyTorch's (left, right[, top, bottom]). */
function paddingLayer(mode: "constant" | "reflect" | "replicate" | "circular", spatial: number, withValue = false): LayerSpec {
  return {
    args: [arg("padding", "ints"), ...(withValue ? [arg("value", "number")] : [])],
    summary: (b) => `${b.padding.join(", ")}`,
    inputs: [x],
    forward: (_self, b, call, site, em, who) => {
      const amounts: number[] = b.padding.length === 1 ? Array(2 * spatial).fill(b.padding[0]) : b.padding;
      if (amounts.length !== 2 * spatial)
        fail("invalidArgument", `${who}: padding must be one number or ${2 * spatial} (before and after, from the last dim backwards), got ${b.padding.length}`, locOfArg(b, "padding", site));
      return pad({ x: call.x, pad: amounts, mode, value: withValue ? b.value : 0 }, site, em, who);
    },
  };
}

export const portLayers: Record<string, LayerSpec> = {
  RMSNorm: {
    optional: ["weight"],
    args: [arg("normalizedShape", "sizes"), opt("eps", "posNumber", null, { nullable: true }), opt("elementwiseAffine", "bool", true)],
    state: (b) => ({ params: b.elementwiseAffine ? [param("weight", b.normalizedShape, ones)] : [] }),
    summary: (b) => `[${b.normalizedShape.join(", ")}]${b.eps === null ? "" : `, eps=${b.eps}`}`,
    inputs: [x],
    forward: (self, b, call, site, em, who) => rmsNorm(call.x, b.normalizedShape, param_(self, "weight"), b.eps, site, em, who),
  },
  GLU: {
    args: [opt("dim", "int", -1)],
    inputs: [x],
    forward: (_self, b, call, site, em, who) => compositionFunctions.glu.lower({ ...b, x: call.x }, site, em, who),
  },
  CosineSimilarity: {
    args: [opt("dim", "int", 1), opt("eps", "posNumber", 1e-8)],
    inputs: [arg("x1", "tensor"), arg("x2", "tensor")],
    forward: (_self, b, call, site, em, who) => compositionFunctions.cosineSimilarity.lower({ ...b, ...call }, site, em, who),
  },
  PairwiseDistance: {
    args: [opt("p", "any", 2), opt("eps", "nonNegNumber", 1e-6), opt("keepdim", "bool", false)],
    inputs: [arg("x1", "tensor"), arg("x2", "tensor")],
    forward: (_self, b, call, site, em, who) => pairwiseDistance({ ...b, ...call }, site, em, who),
  },
  ZeroPad1d: paddingLayer("constant", 1),
  ZeroPad2d: paddingLayer("constant", 2),
  ConstantPad1d: paddingLayer("constant", 1, true),
  ConstantPad2d: paddingLayer("constant", 2, true),
  ReflectionPad1d: paddingLayer("reflect", 1),
  ReflectionPad2d: paddingLayer("reflect", 2),
  ReplicationPad1d: paddingLayer("replicate", 1),
  ReplicationPad2d: paddingLayer("replicate", 2),
  CircularPad1d: paddingLayer("circular", 1),
  CircularPad2d: paddingLayer("circular", 2),
  // the volumes' pads ([N, C, D, H, W]): F.pad's six amounts, from the last dim backwards
  ZeroPad3d: paddingLayer("constant", 3),
  ConstantPad3d: paddingLayer("constant", 3, true),
  ReflectionPad3d: paddingLayer("reflect", 3),
  ReplicationPad3d: paddingLayer("replicate", 3),
  CircularPad3d: paddingLayer("circular", 3),
  AdaptiveMaxPool1d: { args: [arg("outputSize", "any"), opt("returnIndices", "bool", false)], inputs: [x], forward: (_self, b, call, site, em, who) => adaptiveMaxPoolOf(1, { ...b, ...call }, site, em, who) },
  AdaptiveMaxPool2d: { args: [arg("outputSize", "any"), opt("returnIndices", "bool", false)], inputs: [x], forward: (_self, b, call, site, em, who) => adaptiveMaxPoolOf(2, { ...b, ...call }, site, em, who) },
  ConvTranspose1d: {
    optional: ["bias"],
    args: [
      arg("inChannels", "posInt"),
      arg("outChannels", "posInt"),
      arg("kernelSize", "size1"),
      opt("stride", "size1", 1),
      opt("padding", "padding1", 0),
      opt("outputPadding", "padding1", 0),
      opt("groups", "posInt", 1),
      opt("bias", "bool", true),
      opt("dilation", "size1", 1),
      transposedPaddingModeArg,
    ],
    attributes: conv1dAttributes,
    state: (b) => {
      // PyTorch takes fan_in from the weight's dim 1 (out/groups) times the kernel
      const fanIn = (b.outChannels / b.groups) * b.kernelSize;
      return {
        params: [
          param("weight", [b.inChannels, b.outChannels / b.groups, b.kernelSize], fanInUniform(fanIn)),
          ...(b.bias ? [param("bias", [b.outChannels], fanInUniform(fanIn))] : []),
        ],
      };
    },
    summary: (b) => convSummary(b),
    // forward(x, outputSize): PyTorch's output_size, which picks the output padding
    inputs: [x, opt("outputSize", "any", null, { nullable: true })],
    forward: (self, b, call, site, em, who) => {
      const conv = { kernelSize: [b.kernelSize], stride: [b.stride], padding: [b.padding], dilation: [b.dilation] };
      const [outputPadding] = call.outputSize === null ? [b.outputPadding] : outputPaddingFor(call.outputSize, call.x, conv, site, who);
      return through2d("conv_transpose2d", self, call.x, { stride: [1, b.stride], padding: [0, b.padding], outputPadding: [0, outputPadding], dilation: [1, b.dilation], groups: b.groups }, site, em, who);
    },
  },
  // softmax over the channels of [N, C, H, W] or [C, H, W] (dim −3)
  Softmax2d: {
    args: [],
    inputs: [x],
    forward: (_self, _b, call, site, em, who) => {
      const rank = call.x.node.shape.length;
      if (rank !== 3 && rank !== 4) fail("shapeMismatch", `${who} expects a 3-D or 4-D input, got ${formatShape(call.x.node.shape)}`, site.loc);
      return em.tensor("softmax", [call.x], { dim: rank - 3 }, who, site);
    },
  },
  UpsamplingNearest2d: {
    args: [opt("size", "sizes", null, { nullable: true }), opt("scaleFactor", "scales", null, { nullable: true })],
    inputs: [x],
    forward: (_self, b, call, site, em, who) => interpolate({ x: call.x, size: b.size, scaleFactor: b.scaleFactor, mode: "nearest", alignCorners: null, recomputeScaleFactor: null }, site, em, who),
  },
  // nn.UpsamplingBilinear2d aligns corners (PyTorch documents it so)
  UpsamplingBilinear2d: {
    args: [opt("size", "sizes", null, { nullable: true }), opt("scaleFactor", "scales", null, { nullable: true })],
    inputs: [x],
    forward: (_self, b, call, site, em, who) => interpolate({ x: call.x, size: b.size, scaleFactor: b.scaleFactor, mode: "bilinear", alignCorners: true, recomputeScaleFactor: null }, site, em, who),
  },
  // ShuffleNet's channel shuffle: [N, g, C/g, *] transposed to [N, C/g, g, *]
  ChannelShuffle: {
    args: [arg("groups", "posInt")],
    inputs: [x],
    forward: (_self, b, call, site, em, who) => {
      const input: TensorValue = call.x;
      const shape = input.node.shape;
      if (shape.length < 3) fail("shapeMismatch", `${who} expects an input [N, C, *], got ${formatShape(shape)}`, site.loc);
      const channels = fixedDim(shape, 1, "the channel dim", who, site);
      if (channels % b.groups !== 0) fail("invalidArgument", `${who}: ${channels} channels do not split into ${b.groups} groups`, site.loc);
      const c = ops(em, who, site);
      const grouped = c.reshape(input, [shape[0], b.groups, channels / b.groups, ...shape.slice(2)]);
      const perm = grouped.node.shape.map((_, i) => (i === 1 ? 2 : i === 2 ? 1 : i));
      return c.reshape(c.permute(grouped, perm), shape);
    },
  },
  LocalResponseNorm: {
    args: [arg("size", "posInt"), opt("alpha", "number", 1e-4), opt("beta", "number", 0.75), opt("k", "number", 1)],
    summary: (b) => `${b.size}, alpha=${b.alpha}, beta=${b.beta}, k=${b.k}`,
    inputs: [x],
    forward: (_self, b, call, site, em, who) => localResponseNorm(call.x, b.size, b.alpha, b.beta, b.k, site, em, who),
  },
};

/** The functional forms: F.rmsNorm, F.pairwiseDistance, F.adaptiveMaxPool1d/2d, F.localResponseNorm. */
export const portFunctions = {
  rmsNorm: {
    args: [x, arg("normalizedShape", "sizes"), opt("weight", "tensor", null, { nullable: true }), opt("eps", "posNumber", null, { nullable: true })],
    lower: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => rmsNorm(b.x, b.normalizedShape, b.weight, b.eps, site, em, who),
  },
  pairwiseDistance: {
    args: [arg("x1", "tensor"), arg("x2", "tensor"), opt("p", "any", 2), opt("eps", "nonNegNumber", 1e-6), opt("keepdim", "bool", false)],
    lower: pairwiseDistance,
  },
  adaptiveMaxPool1d: { args: [x, arg("outputSize", "any"), opt("returnIndices", "bool", false)], lower: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => adaptiveMaxPoolOf(1, b, site, em, who) },
  adaptiveMaxPool2d: { args: [x, arg("outputSize", "any"), opt("returnIndices", "bool", false)], lower: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => adaptiveMaxPoolOf(2, b, site, em, who) },
  localResponseNorm: {
    args: [x, arg("size", "posInt"), opt("alpha", "number", 1e-4), opt("beta", "number", 0.75), opt("k", "number", 1)],
    lower: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => localResponseNorm(b.x, b.size, b.alpha, b.beta, b.k, site, em, who),
  },
};
