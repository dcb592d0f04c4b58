import { basename } from "node:path";
import { modeOf } from "./module-modes.ts";
import { convSummary, reversedPaddingTwice } from "./layer-settings.ts";
import { fail, type SourceLoc } from "../diagnostics/diagnostic.ts";
import { asBoolean, isBooleanMask } from "./boolean-masks.ts";
import { formatShape, type Dim } from "../ir/shape.ts";
import type { ResampleAttrs } from "../ops/resample.ts";
import { arg, CallProblems, locOfArg, opt, paddingModeArg, type Bound } from "./args.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { fixedDim, ops } from "./composite-ops.ts";
import { change } from "./in-place-journal.ts";
import { normalizeByStatistics, runningBlend } from "./functional-batch-norm.ts";
import { fanInUniform, ones, param, param_, x, zeros, type LayerSpec } from "./layer-spec.ts";
import { multiheadAttentionLayer } from "./multihead-attention.ts";
import { describe, TensorValue, type CallSite, type ModuleValue, type Value } from "./values.ts";

// Layers of PyTorch that are compositions of existing ops, so that they need no kernel of their own:
// nn.GroupNorm (a LayerNorm over each group), nn.Conv1d (a Conv2d with H = 1), nn.Upsample and
// F.interpolate (a matmul with a constant weight matrix per spatial dim, ops/resample.ts),
// nn.MultiheadAttention (linear projections and attention, multihead-attention.ts), F.pad (narrow
// and pad_dim). Each gets its gradient from the ops it lowers to. PyTorch's parameter names and
// initializations are kept.

/**
 * F.group_norm: x [N, C, *] split into G groups of C/G channels, each normalized over its channels
 * and positions with the biased variance (as LayerNorm over [C/G·∏*] of x viewed [N, G, C/G·∏*]),
 * then the per-channel affine.
 */
export function groupNorm(input: TensorValue, groups: number, weight: TensorValue | null, bias: TensorValue | null, eps: number, site: CallSite, em: GraphEmitter, who: string): TensorValue {
  const shape = input.node.shape;
  if (shape.length < 2) fail("shapeMismatch", `${who} expects an input [N, C, *], got ${formatShape(shape)}`, site.loc);
  const channels = fixedDim(shape, 1, "the channel dim", who, site);
  if (channels % groups !== 0) fail("invalidArgument", `${who}: the input's ${channels} channels do not split into ${groups} groups`, site.loc);
  for (const [t, name] of [[weight, "weight"], [bias, "bias"]] as const)
    if (t && (t.node.shape.length !== 1 || t.node.shape[0] !== channels))
      fail("shapeMismatch", `${who}: ${name} must be [${channels}] (one per channel), got ${formatShape(t.node.shape)}`, site.loc);
  const c = ops(em, who, site);
  const spatial = shape.slice(2).map((_, i) => fixedDim(shape, i + 2, `dim ${i + 2}`, who, site));
  const perGroup = (channels / groups) * spatial.reduce((p, d) => p * d, 1);
  const grouped = c.reshape(input, [shape[0], groups, perGroup]);
  const normed = c.op("layer_norm", [grouped], { normalizedShape: [perGroup], eps, hasWeight: false, hasBias: false });
  let y = c.reshape(normed, shape);
  const perChannel = [channels, ...spatial.map(() => 1)];
  if (weight) y = c.op("mul", [y, c.reshape(weight, perChannel)]);
  if (bias) y = c.op("add", [y, c.reshape(bias, perChannel)]);
  return y;
}

/**
 * F.interpolate with mode "nearest" (3-D or 4-D input), "linear" (3-D) or "bilinear" (4-D), by PyTorch's
 * coordinate rules (ops/resample.ts): each spatial dim is resampled by a matmul with its weights.
 */
export function interpolate(b: Bound, site: CallSite, em: GraphEmitter, who: string): TensorValue {
  const input: TensorValue = b.x;
  const shape = input.node.shape;
  const problems = new CallProblems();
  // PyTorch's modes by rank: linear 3-D, bilinear and bicubic 4-D, trilinear 5-D; nearest and area any of them
  const rankOf: Record<string, [number, string]> = { linear: [3, "[N, C, L]"], bilinear: [4, "[N, C, H, W]"], bicubic: [4, "[N, C, H, W]"], trilinear: [5, "[N, C, D, H, W]"] };
  const needed = rankOf[b.mode];
  if (needed && shape.length !== needed[0]) fail("shapeMismatch", `${who}: mode "${b.mode}" needs a ${needed[0]}-D input ${needed[1]}, got ${formatShape(shape)}`, site.loc);
  if (shape.length < 3 || shape.length > 5) fail("shapeMismatch", `${who}: mode "${b.mode}" needs a 3-D [N, C, L], 4-D [N, C, H, W] or 5-D [N, C, D, H, W] input, got ${formatShape(shape)}`, site.loc);
  if ((b.size === null) === (b.scaleFactor === null))
    problems.add("invalidArgument", `${who}: ${b.size === null ? "give either size or scaleFactor" : "give only one of size and scaleFactor"} (PyTorch requires exactly one)`, site.loc);
  if (b.alignCorners !== null && (b.mode === "nearest" || b.mode === "nearest-exact" || b.mode === "area"))
    problems.add("invalidArgument", `${who}: alignCorners can only be set with modes "linear", "bilinear", "bicubic" and "trilinear" (PyTorch refuses it for "${b.mode}" too)`, locOfArg(b, "alignCorners", site));
  // PyTorch: "Anti-alias option is restricted to bilinear and bicubic modes and requires a 4-D tensor as input"
  if (b.antialias && !((b.mode === "bilinear" || b.mode === "bicubic") && shape.length === 4))
    problems.add("invalidArgument", `${who}: antialias: true needs mode "bilinear" or "bicubic" and a 4-D input [N, C, H, W] (PyTorch refuses it otherwise too), got mode "${b.mode}" and ${formatShape(shape)}`, locOfArg(b, "antialias", site));
  problems.throwIfAny();
  const dims = shape.length - 2;
  const given: number[] = b.size ?? b.scaleFactor;
  if (given.length !== 1 && given.length !== dims)
    fail("invalidArgument", `${who}: ${b.size ? "size" : "scaleFactor"} must have one value or ${dims} (one per spatial dim), got ${given.length}`, locOfArg(b, b.size ? "size" : "scaleFactor", site));
  const per = (i: number) => (given.length === 1 ? given[0] : given[i]);
  const c = ops(em, who, site);
  let y = input;
  // the last dim first: x·W resamples the last dim; another dim is swapped to the end and back
  for (let i = dims - 1; i >= 0; i--) {
    const dim = i + 2;
    const inSize = fixedDim(shape, dim, `dim ${dim}`, who, site);
    // PyTorch: out = ⌊in·scale⌋ in double precision
    const outSize = b.size ? per(i) : Math.floor(inSize * per(i));
    if (outSize < 1) fail("invalidArgument", `${who}: scaleFactor ${per(i)} makes dim ${dim} (${inSize}) empty`, locOfArg(b, "scaleFactor", site));
    const scaleFactor = b.size || b.recomputeScaleFactor ? null : per(i);
    // linear, bilinear and trilinear are the same rule per dim; bicubic its own, per dim as well
    const attrs: ResampleAttrs = { inSize, outSize, mode: b.mode === "nearest" || b.mode === "nearest-exact" || b.mode === "area" || b.mode === "bicubic" ? b.mode : "bilinear", alignCorners: b.alignCorners ?? false, scaleFactor, ...(b.antialias ? { antialias: true } : {}) };
    // the same size at scale 1 maps every position to itself, in both modes
    if (inSize === outSize && (scaleFactor === null || scaleFactor === 1)) continue;
    const weights = c.op("resample_weights", [], attrs as unknown as Record<string, unknown>);
    // the dim to resample swapped with the last (a 4-D H with W, a 5-D D with W), and back
    const rank = shape.length;
    const swap = y.node.shape.map((_, d) => (d === dim ? rank - 1 : d === rank - 1 ? dim : d));
    y = dim === rank - 1 ? c.op("matmul", [y, weights]) : c.permute(c.op("matmul", [c.permute(y, swap), weights]), swap);
  }
  return y;
}

/**
 * F.pad's value as the input's dtype holds it: PyTorch's constant pad fills a tensor of the input's
 * dtype, so an int32 input's value is rounded toward zero (F.pad(ids, (0, 2), value=2.5) pads 2) and
 * one no integer holds is refused as PyTorch's fill raises; a bool input's is nonzero → True.
 */
function padValueIn(input: TensorValue, value: number, who: string, loc: SourceLoc): number {
  if (isBooleanMask(input.node)) return value !== 0 ? 1 : 0;
  if (input.node.dtype !== "i32") return value;
  if (!Number.isFinite(value) || Math.abs(value) >= 2 ** 63)
    fail("invalidArgument", `${who}: the value ${value} cannot be converted to the int32 input's dtype (PyTorch raises: "value cannot be converted to type int64 without overflow"); pad x.float() for a float result`, loc);
  return Math.trunc(value) + 0;
}

/**
 * F.pad(x, pad, "constant", value): `pad` holds (before, after) pairs from the last dim backwards,
 * as PyTorch's; a negative amount crops. Each dim is a narrow (the crop) and a pad_dim (zeros
 * around), the ops of slicing and its gradient; a nonzero value is added where the mask of the
 * original region (the same pads applied to ones) is 0.
 */
export function pad(b: Bound, site: CallSite, em: GraphEmitter, who: string): TensorValue {
  const input: TensorValue = b.x;
  // a bool mask padded with false or true (F.pad(ids == 0, (1, 0), value=False)): 0 or 1
  if (typeof b.value === "boolean") b = { ...b, value: Number(b.value) };
  // ±Infinity and NaN are fills as in PyTorch (timm's MaxPool2dSame pads with -inf before max pooling)
  if (typeof b.value !== "number")
    fail("wrongArgumentType", `${who}: value must be a number or a boolean, got ${describe(b.value)}`, locOfArg(b, "value", site));
  b = { ...b, value: padValueIn(input, b.value, who, locOfArg(b, "value", site) ?? site.loc) };
  const amounts: number[] = b.pad;
  const rank = input.node.shape.length;
  if (amounts.length % 2 !== 0 || amounts.length > 2 * rank)
    fail("invalidArgument", `${who}: pad must hold (before, after) pairs for at most ${rank} dims, from the last backwards; got ${amounts.length} values`, locOfArg(b, "pad", site));
  if (b.mode !== "constant") return padFromEdges(b, site, em, who);
  const c = ops(em, who, site);
  const padded = (t: TensorValue) => {
    let y = t;
    for (let k = 0; k < amounts.length / 2; k++) {
      const [before, after] = [amounts[2 * k], amounts[2 * k + 1]];
      const dim = rank - 1 - k;
      if (before === 0 && after === 0) continue;
      const size = fixedDim(y.node.shape, dim, `dim ${dim}`, who, site);
      const start = Math.max(0, -before);
      const length = size - start - Math.max(0, -after);
      if (length < 1) fail("invalidArgument", `${who}: padding (${before}, ${after}) leaves nothing of dim ${dim} (size ${size})`, locOfArg(b, "pad", site));
      if (length < size) y = c.narrow(y, dim, start, length);
      const [lo, hi] = [Math.max(0, before), Math.max(0, after)];
      if (lo || hi) y = c.op("pad_dim", [y], { dim, start: lo, length, size: lo + length + hi });
    }
    return y;
  };
  const y = padded(input);
  // pad_dim's fill is +0: a −0.0 value (PyTorch keeps its sign) takes the select below
  if (Object.is(b.value, 0)) return y;
  // the batch dims of the mask are 1: it broadcasts over the batch; a select, not y + (1 − inside)·value,
  // which would turn the inside's values into NaN for an infinite value and +0 for −0
  const inside = padded(c.op("full", [], { shape: input.node.shape.map((d) => (typeof d === "number" ? d : 1)), value: 1 }));
  const filled = c.op("where", [inside, y, b.value]);
  // a bool tensor padded with True stays bool, as PyTorch's (a pad of False is pad_dim's zeros: boolean-masks.ts)
  return b.value === 1 && isBooleanMask(input.node) ? asBoolean(filled, em, who, site) : filled;
}

/**
 * A convolution's input and its (symmetric) padding per spatial dim, in dim order: `sym` on both
 * sides plus `extra` after — padding "same" with an odd total dilation·(k − 1) (an even kernel),
 * where PyTorch puts the odd one after. Zeros: the extra row and column padded first, the conv
 * pads the rest; another padding mode pads all of it at once (mirroring twice would differ).
 */
export function convInput(input: TensorValue, sym: readonly number[], extra: readonly number[], mode: string, site: CallSite, em: GraphEmitter, who: string): { input: TensorValue; padding: number[] } {
  // F.pad's amounts: (before, after) pairs, the last dim first
  const pads = (before: (i: number) => number, after: (i: number) => number) => sym.map((_, i) => [before(i), after(i)]).reverse().flat();
  if (mode === "zeros") {
    if (extra.every((e) => e === 0)) return { input, padding: [...sym] };
    return { input: pad({ x: input, pad: pads(() => 0, (i) => extra[i]), mode: "constant", value: 0 }, site, em, who), padding: [...sym] };
  }
  const all = pads((i) => sym[i], (i) => sym[i] + extra[i]);
  return { input: all.every((p) => p === 0) ? input : pad({ x: input, pad: all, mode, value: 0 }, site, em, who), padding: sym.map(() => 0) };
}

/**
 * F.pad's other modes, from the input's own values, per padded dim (the spatial dims: at most the
 * last rank − 1, as PyTorch's unbatched form): "reflect" mirrors without repeating the edge (the slices 1…lo and
 * size−1−hi…size−2, reversed), "replicate" repeats the edge slice, "circular" wraps the far end
 * around. Concatenations of narrows (reversed by an index_select), so the gradient of each padded
 * position flows back to the value it copies.
 */
function padFromEdges(b: Bound, site: CallSite, em: GraphEmitter, who: string): TensorValue {
  const input: TensorValue = b.x;
  const amounts: number[] = b.pad;
  const rank = input.node.shape.length;
  const at = locOfArg(b, "pad", site);
  // PyTorch pads k dims of a (k + 2)-dim batch or a (k + 1)-dim unbatched input ((C, W) for one
  // pair): never the first dim, which is the batch here
  if (amounts.length / 2 > rank - 1)
    fail("invalidArgument", `${who}: mode "${b.mode}" pads the spatial dims, at most the last ${Math.max(rank - 1, 0)} of ${formatShape(input.node.shape)} (never the first); got ${amounts.length / 2} (before, after) pairs`, at);
  if (b.value !== 0) fail("invalidArgument", `${who}: value applies to mode "constant" only, got ${b.value} with mode "${b.mode}"`, locOfArg(b, "value", site));
  if (amounts.some((a) => a < 0)) {
    // a negative amount crops, as PyTorch's: its reflection and replication kernels index from the
    // input's own edges (pad, then crop), its circular pad crops first and wraps what is left
    if (b.mode === "circular")
      for (let k = 0; k < amounts.length / 2; k++) {
        const dim = rank - 1 - k;
        const size = input.node.shape[dim];
        const left = typeof size === "number" ? size + Math.min(amounts[2 * k], 0) + Math.min(amounts[2 * k + 1], 0) : undefined;
        if (left !== undefined && Math.max(amounts[2 * k], amounts[2 * k + 1]) > left)
          fail("invalidArgument", `${who}: mode "circular" wraps what the crop leaves: dim ${dim} (size ${size}, ${left} after the crop) pads by at most ${left} on a side, got (${amounts[2 * k]}, ${amounts[2 * k + 1]})`, at);
      }
    const crop = (t: TensorValue) => pad({ ...b, x: t, pad: amounts.map((a) => Math.min(a, 0)), mode: "constant", value: 0 }, site, em, who);
    const grow = (t: TensorValue) => padFromEdges({ ...b, x: t, pad: amounts.map((a) => Math.max(a, 0)) }, site, em, who);
    return b.mode === "circular" ? grow(crop(input)) : crop(grow(input));
  }
  const c = ops(em, who, site);
  const reversed = (t: TensorValue, dim: number) => {
    const n = t.node.shape[dim] as number;
    return n === 1 ? t : c.op("take", [t, c.op("arange_int", [], { start: n - 1, step: -1, length: n })], { dim, mode: "vector" });
  };
  const repeated = (t: TensorValue, dim: number, n: number) => c.op("expand", [t], { shape: t.node.shape.map((d, i) => (i === dim ? n : d)) });
  let y = input;
  for (let k = 0; k < amounts.length / 2; k++) {
    const [lo, hi] = [amounts[2 * k], amounts[2 * k + 1]];
    const dim = rank - 1 - k;
    if (lo === 0 && hi === 0) continue;
    const size = fixedDim(y.node.shape, dim, `dim ${dim}`, who, site);
    const limit = b.mode === "reflect" ? size - 1 : b.mode === "circular" ? size : Infinity;
    if (lo > limit || hi > limit)
      fail("invalidArgument", `${who}: mode "${b.mode}" pads dim ${dim} (size ${size}) by at most ${limit} on a side, got (${lo}, ${hi})`, at);
    const t = y;
    const before = () =>
      b.mode === "reflect" ? reversed(c.narrow(t, dim, 1, lo), dim) : b.mode === "replicate" ? repeated(c.narrow(t, dim, 0, 1), dim, lo) : c.narrow(t, dim, size - lo, lo);
    const after = () =>
      b.mode === "reflect" ? reversed(c.narrow(t, dim, size - 1 - hi, hi), dim) : b.mode === "replicate" ? repeated(c.narrow(t, dim, size - 1, 1), dim, hi) : c.narrow(t, dim, 0, hi);
    const parts = [...(lo ? [before()] : []), t, ...(hi ? [after()] : [])];
    y = c.op("concat", parts, { dim });
  }
  return y;
}

export const padArgs = [x, arg("pad", "ints"), opt("mode", "string", "constant", { choices: ["constant", "reflect", "replicate", "circular"] }), opt("value", "any", 0)];

export const interpolateArgs = [
  x,
  opt("size", "sizes", null, { nullable: true }),
  opt("scaleFactor", "scales", null, { nullable: true }),
  opt("mode", "string", "nearest", { choices: ["nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear", "area"] }),
  opt("alignCorners", "bool", null, { nullable: true }),
  opt("recomputeScaleFactor", "bool", null, { nullable: true }),
  // PyTorch's antialias (bilinear and bicubic on 4-D: a filter stretched by the scale when downsampling)
  opt("antialias", "bool", false),
];

export const groupNormArgs = [x, arg("numGroups", "posInt"), opt("weight", "tensor", null, { nullable: true }), opt("bias", "tensor", null, { nullable: true }), opt("eps", "posNumber", 1e-5)];

/**
 * Conv1d's padding as a number: "valid" is 0, "same" needs stride 1 — half of dilation·(k − 1) on
 * each side, and an odd one left over (an even kernel) in b.sameExtra, padded after (convInput).
 */
function conv1dPadding(b: Bound, site: CallSite): number {
  const p = b.padding;
  const at = locOfArg(b, "padding", site);
  if (p === "valid") return 0;
  if (p === "same") {
    if (b.stride !== 1) fail("invalidArgument", `nn.Conv1d: padding "same" needs stride 1, got stride ${b.stride}`, at);
    const total = b.dilation * (b.kernelSize - 1);
    b.sameExtra = [total % 2];
    return Math.floor(total / 2);
  }
  return p;
}

export const compositeLayers: Record<string, LayerSpec> = {
  GroupNorm: {
    optional: ["weight", "bias"],
    args: [arg("numGroups", "posInt"), arg("numChannels", "posInt"), opt("eps", "posNumber", 1e-5), opt("affine", "bool", true)],
    state: (b) => ({ params: b.affine ? [param("weight", [b.numChannels], ones), param("bias", [b.numChannels], zeros)] : [] }),
    summary: (b) => `${b.numGroups} groups of ${b.numChannels / b.numGroups}`,
    inputs: [x],
    forward: (self, b, call, site, em, who) => {
      const input: TensorValue = call.x;
      if (input.node.shape[1] !== b.numChannels)
        fail("shapeMismatch", `${who} expects ${b.numChannels} channels (dim 1), got ${formatShape(input.node.shape)}`, site.loc);
      return groupNorm(input, b.numGroups, param_(self, "weight"), param_(self, "bias"), b.eps, site, em, who);
    },
  },
  Conv1d: {
    optional: ["bias"],
    args: [
      arg("inChannels", "posInt"),
      arg("outChannels", "posInt"),
      arg("kernelSize", "size1"),
      opt("stride", "size1", 1),
      opt("padding", "any", 0),
      opt("dilation", "size1", 1),
      opt("groups", "posInt", 1),
      opt("bias", "bool", true),
      paddingModeArg,
    ],
    attributes: conv1dAttributes,
    state: (b) => {
      const fanIn = (b.inChannels / b.groups) * b.kernelSize;
      return {
        params: [
          param("weight", [b.outChannels, b.inChannels / b.groups, b.kernelSize], fanInUniform(fanIn)),
          ...(b.bias ? [param("bias", [b.outChannels], fanInUniform(fanIn))] : []),
        ],
      };
    },
    summary: (b) => convSummary(b),
    inputs: [x],
    forward: (self, b, call, site, em, who) => {
      const { input, padding } = convInput(call.x, [b.padding], b.sameExtra ?? [0], b.paddingMode, site, em, who);
      return through2d("conv2d", self, input, { stride: [1, b.stride], padding: [0, padding[0]], dilation: [1, b.dilation], groups: b.groups }, site, em, who);
    },
  },
  Upsample: {
    args: interpolateArgs.slice(1),
    summary: (b) => `${b.mode}, ${b.size ? `size=${b.size.join("×")}` : `scale=${b.scaleFactor.join("×")}`}`,
    inputs: [x],
    forward: (_self, b, call, site, em, who) => interpolate({ ...b, ...call }, site, em, who),
  },
  MultiheadAttention: multiheadAttentionLayer,
  InstanceNorm1d: instanceNorm(3),
  InstanceNorm2d: instanceNorm(4),
  // PReLU: x where x > 0, else a·x, with a learned a (one, or one per channel of dim 1); its
  // gradient is PyTorch's: a·dy at x ≤ 0 (x = 0 included), and x·dy summed into a there
  PReLU: {
    args: [opt("numParameters", "posInt", 1), opt("init", "number", 0.25)],
    state: (b) => ({ params: [param("weight", [b.numParameters], { kind: "constant", value: b.init })] }),
    summary: (b) => `${b.numParameters}, init=${b.init}`,
    inputs: [x],
    forward: (self, b, call, site, em, who) => prelu(call.x, param_(self, "weight")!, site, em, who),
  },
  PixelShuffle: pixelShuffle("shuffle"),
  PixelUnshuffle: pixelShuffle("unshuffle"),
  // Unflatten(dim, sizes): dim viewed as `sizes` (a −1 among them takes the rest)
  Unflatten: {
    args: [arg("dim", "int"), arg("unflattenedSize", "ints")],
    summary: (b) => `dim ${b.dim} → [${b.unflattenedSize.join(", ")}]`,
    inputs: [x],
    forward: (_self, b, call, site, em, who) => unflatten(call.x, b.dim, b.unflattenedSize, site, em, who),
  },
};

/** A 1-D convolution's settings as PyTorch's attributes: 1-tuples ((k,) for kernel_size), a string padding as given. */
export function conv1dAttributes(b: Bound): Record<string, Value> {
  const tuples: Record<string, Value> = {};
  for (const name of ["kernelSize", "stride", "padding", "dilation", "outputPadding"]) if (typeof b[name] === "number") tuples[name] = [b[name]];
  if (typeof b.padding === "number" && b.outputPadding === undefined) tuples._reversed_padding_repeated_twice = reversedPaddingTwice(b.padding, b.sameExtra);
  return tuples;
}

/**
 * A 1-D convolution layer (nn.Conv1d, nn.ConvTranspose1d): [N, C, L] as [N, C, 1, L] through the
 * 2-D op with its [·, ·, k] weight viewed as a 1 × k kernel, and back. `attrs` are the 2-D op's.
 */
export function through2d(op: "conv2d" | "conv_transpose2d", self: ModuleValue, input: TensorValue, attrs: Record<string, unknown>, site: CallSite, em: GraphEmitter, who: string): TensorValue {
  const shape = input.node.shape;
  if (shape.length !== 3) fail("shapeMismatch", `${who} expects a 3-D input [N, C, L], got ${formatShape(shape)}`, site.loc);
  const c = ops(em, who, site);
  const w = param_(self, "weight")!;
  const ws = w.node.shape;
  const ins = [c.reshape(input, [shape[0], shape[1], 1, shape[2]]), c.reshape(w, [ws[0], ws[1], 1, ws[2]]), param_(self, "bias")];
  const y = em.tensor(op, ins.filter((t) => t !== null), attrs as any, who, site);
  const ys = y.node.shape;
  return c.reshape(y, [ys[0], ys[1], ys[3]]);
}

/** nn.PReLU / F.prelu(x, weight): x where x > 0, else weight·x; weight has one value, or one per channel of dim 1. */
export function prelu(input: TensorValue, weight: TensorValue, site: CallSite, em: GraphEmitter, who: string): TensorValue {
  const shape = input.node.shape;
  const c = ops(em, who, site);
  const n = weight.node.shape.length === 1 ? weight.node.shape[0] : undefined;
  if (typeof n !== "number") return fail("shapeMismatch", `${who}: the weight must be 1-D (one value, or one per channel), got ${formatShape(weight.node.shape)}`, site.loc);
  let a = weight;
  if (n !== 1) {
    if (shape.length < 2 || shape[1] !== n) fail("shapeMismatch", `${who}: ${n} parameters need ${n} channels in dim 1, got ${formatShape(shape)}`, site.loc);
    a = c.reshape(a, [n, ...shape.slice(2).map(() => 1)]);
  }
  return c.op("where", [c.op("gt", [input, 0]), input, c.op("mul", [input, a])]);
}

/** x.unflatten(dim, sizes) / nn.Unflatten: a fixed-size dim viewed as `sizes` (one −1 takes the rest). */
export function unflatten(input: TensorValue, dimArg: number, sizes: readonly number[], site: CallSite, em: GraphEmitter, who: string): TensorValue {
  const shape = input.node.shape;
  const dim = dimArg < 0 ? dimArg + shape.length : dimArg;
  if (dim < 0 || dim >= shape.length) fail("invalidArgument", `${who}: dim ${dimArg} is out of range for ${formatShape(shape)}`, site.loc);
  const size = fixedDim(shape, dim, `dim ${dim}`, who, site);
  const known = sizes.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
  const filled = sizes.map((d) => (d === -1 ? size / known : d));
  if (sizes.filter((d) => d === -1).length > 1 || filled.some((d) => !Number.isInteger(d) || d < 0) || filled.reduce((p, d) => p * d, 1) !== size)
    fail("shapeMismatch", `${who}: unflattenedSize [${sizes.join(", ")}] must multiply to dim ${dim}'s size ${size}`, site.loc);
  return ops(em, who, site).reshape(input, [...shape.slice(0, dim), ...filled, ...shape.slice(dim + 1)]);
}

/**
 * nn.InstanceNorm1d / 2d: each sample's channel normalized over its positions, a GroupNorm with one
 * channel per group. With trackRunningStats, PyTorch's running statistics too: in train mode each
 * forward blends the batch's average instance mean and unbiased instance variance into
 * running_mean and running_var (momentum m: r ← (1 − m)·r + m·s; a state update of the layer's
 * buffers, state-updates.ts; num_batches_tracked is kept as loaded; momentum None is PyTorch's
 * 0.0 for instance norms, statistics that never move), and eval mode normalizes by them.
 */
function instanceNorm(rank: number): LayerSpec {
  return {
    optional: ["weight", "bias"],
    args: [arg("numFeatures", "posInt"), opt("eps", "posNumber", 1e-5), opt("momentum", "prob", 0.1, { nullable: true }), opt("affine", "bool", false), opt("trackRunningStats", "bool", false)],
    state: (b) => ({
      params: b.affine ? [param("weight", [b.numFeatures], ones), param("bias", [b.numFeatures], zeros)] : [],
      buffers: b.trackRunningStats ? [param("running_mean", [b.numFeatures], zeros), param("running_var", [b.numFeatures], ones), param("num_batches_tracked", [], zeros, "i64")] : [],
    }),
    summary: (b) => `${b.numFeatures}${b.affine ? ", affine" : ""}${b.trackRunningStats ? ", running statistics" : ""}`,
    inputs: [x],
    forward: (self, b, call, site, em, who) => {
      const input: TensorValue = call.x;
      const shape = input.node.shape;
      if (shape.length !== rank || shape[1] !== b.numFeatures)
        fail("shapeMismatch", `${who} expects a ${rank}-D input [N, ${b.numFeatures}, ${rank === 3 ? "L" : "H, W"}], got ${formatShape(shape)}`, site.loc);
      // normalized by its own statistics in every mode (no running ones): PyTorch refuses one position;
      // with running statistics only train mode normalizes so, and only it is refused (at run time)
      if (!b.trackRunningStats) requireSpatialElements(shape, who, site);
      else if (oneSpatialElement(shape)) em.refuseTraining(`${who} (${basename(site.loc.file)}:${site.loc.line}): ${noSpatialVariance(shape)}`);
      const [weight, bias] = [param_(self, "weight"), param_(self, "bias")];
      const perInstance = groupNorm(input, b.numFeatures, weight, bias, b.eps, site, em, who);
      if (!b.trackRunningStats) return perInstance;
      const c = ops(em, who, site);
      const [meanState, varState] = ["running_mean", "running_var"].map((n) => em.stateValue(self.paramNodes.get(n)!));
      const byRunning = normalizeByStatistics(c, input, meanState, varState, weight, bias, b.eps);
      // held in one mode by an overridden train(mode): that mode's computation alone
      const held = modeOf(self);
      if (held === false) return byRunning;
      const inMode = (train: TensorValue, evaluation: TensorValue) => (held === true ? train : c.op("mode_select", [train, evaluation]));
      // each instance's mean and unbiased variance over its positions, averaged over the batch (PyTorch's update)
      const positions = shape.slice(2).map((_, i) => i + 2);
      const count = shape.slice(2).reduce((p: number, d) => p * (d as number), 1);
      const fixed = c.op("detach", [input]);
      const mean = c.op("mean", [fixed], { dims: positions, keepdim: true });
      const centered = c.op("sub", [fixed, mean]);
      const variance = c.op("div", [c.op("sum", [c.op("mul", [centered, centered])], { dims: positions, keepdim: false }), Math.max(count - 1, 1)]);
      const batchMean = c.op("mean", [c.reshape(mean, [shape[0], b.numFeatures])], { dims: [0], keepdim: false });
      const batchVar = c.op("mean", [variance], { dims: [0], keepdim: false });
      // each device's share's, as nn.BatchNorm's running statistics: documented, not a coupling to warn of
      em.perReplicaStatistics.push(batchMean.node, batchVar.node);
      const momentum = b.momentum ?? 0;
      change(meanState, inMode(runningBlend(c, meanState, batchMean, momentum), meanState).node, undefined);
      change(varState, inMode(runningBlend(c, varState, batchVar, momentum), varState).node, undefined);
      return inMode(perInstance, byRunning);
    },
  };
}

/**
 * PyTorch's _verify_spatial_size: an instance norm that uses the input's statistics needs more than
 * one position per sample and channel (one has no variance: the output would be the bias alone).
 */
export function requireSpatialElements(shape: readonly Dim[], who: string, site: CallSite): void {
  if (oneSpatialElement(shape)) fail("shapeMismatch", `${who}: ${noSpatialVariance(shape)}`, site.loc);
}

const oneSpatialElement = (shape: readonly Dim[]) => shape.slice(2).every((d) => d === 1);
const noSpatialVariance = (shape: readonly Dim[]) =>
  `expected more than 1 spatial element when training (PyTorch's error), got input size ${formatShape(shape)}: each sample's channel is normalized over its own positions, and one position has no variance`;

/**
 * nn.PixelShuffle(r): [*, C·r², H, W] → [*, C, H·r, W·r], out[c, h·r + i, w·r + j] = in[c·r² + i·r + j, h, w];
 * nn.PixelUnshuffle(r) is its inverse. A view, a permute and a view; any leading dims (frames of a
 * video, [N, T, C, H, W]), as PyTorch's.
 */
export function pixelShuffle(direction: "shuffle" | "unshuffle"): LayerSpec {
  const factor = direction === "shuffle" ? "upscaleFactor" : "downscaleFactor";
  return {
    args: [arg(factor, "posInt")],
    summary: (b) => `${b[factor]}`,
    inputs: [x],
    forward: (_self, b, call, site, em, who) => {
      const input: TensorValue = call.x;
      const shape = input.node.shape;
      const r: number = b[factor];
      if (shape.length < 4) fail("shapeMismatch", `${who} expects an input [N, C, H, W] (or with more leading dims, [N, T, C, H, W]), got ${formatShape(shape)}`, site.loc);
      const k = shape.length - 3;
      const [C, H, W] = [k, k + 1, k + 2].map((d) => fixedDim(shape, d, `dim ${d}`, who, site));
      const lead = shape.slice(0, k);
      const at = (...dims: number[]) => [...lead.map((_, i) => i), ...dims.map((d) => d + k)];
      const c = ops(em, who, site);
      if (direction === "shuffle") {
        if (C % (r * r) !== 0) fail("shapeMismatch", `${who}: pixel_shuffle expects its input's channel dimension to be divisible by the square of upscale_factor, but input.size(-3)=${C} is not divisible by ${r * r}`, site.loc);
        const split = c.reshape(input, [...lead, C / (r * r), r, r, H, W]);
        return c.reshape(c.permute(split, at(0, 3, 1, 4, 2)), [...lead, C / (r * r), H * r, W * r]);
      }
      if (H % r !== 0 || W % r !== 0) fail("shapeMismatch", `${who}: pixel_unshuffle expects height and width to be divisible by downscale_factor ${r}, got ${formatShape(shape)}`, site.loc);
      const split = c.reshape(input, [...lead, C, H / r, r, W / r, r]);
      return c.reshape(c.permute(split, at(0, 2, 4, 1, 3)), [...lead, C * r * r, H / r, W / r]);
    },
  };
}

/** The constructor checks PyTorch makes, with its wording where it has one; all reported at once. */
export function validateComposite(name: string, b: Bound, site: CallSite): void {
  const problems = new CallProblems();
  if (name === "GroupNorm" && b.numChannels % b.numGroups !== 0)
    problems.add("invalidArgument", `nn.GroupNorm: numChannels (${b.numChannels}) must be divisible by numGroups (${b.numGroups})`, locOfArg(b, "numGroups", site));
  if (name === "MultiheadAttention") {
    if (b.embedDim % b.numHeads !== 0)
      problems.add("invalidArgument", `nn.MultiheadAttention: embedDim (${b.embedDim}) must be divisible by numHeads (${b.numHeads})`, locOfArg(b, "numHeads", site));
  }
  if (name === "Conv1d") {
    const at = locOfArg(b, "groups", site);
    if (b.inChannels % b.groups !== 0) problems.add("invalidArgument", `nn.Conv1d: inChannels (${b.inChannels}) must be divisible by groups (${b.groups})`, at);
    if (b.outChannels % b.groups !== 0) problems.add("invalidArgument", `nn.Conv1d: outChannels (${b.outChannels}) must be divisible by groups (${b.groups})`, at);
    // padding=(1,) is PyTorch's _single of 1
    if (Array.isArray(b.padding) && b.padding.length === 1) b.padding = b.padding[0];
    const p = b.padding;
    if (!(p === "valid" || p === "same" || (typeof p === "number" && Number.isInteger(p) && p >= 0)))
      problems.add("invalidArgument", `nn.Conv1d: padding must be a non-negative integer, "valid" or "same", got ${JSON.stringify(p)}`, locOfArg(b, "padding", site));
    else problems.attempt(() => (b.padding = conv1dPadding(b, site)));
  }
  if (name === "Upsample") {
    if ((b.size === null) === (b.scaleFactor === null))
      problems.add("invalidArgument", `nn.Upsample: ${b.size === null ? "give either size or scaleFactor" : "give only one of size and scaleFactor"} (PyTorch requires exactly one)`, site.loc);
    if (b.alignCorners !== null && b.mode === "nearest")
      problems.add("invalidArgument", `nn.Upsample: alignCorners can only be set with modes "linear" and "bilinear" (PyTorch refuses it for "nearest" too)`, locOfArg(b, "alignCorners", site));
  }
  problems.throwIfAny();
}

