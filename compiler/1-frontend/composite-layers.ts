import { fail } from "../diagnostics/diagnostic.ts";
import { dimEq, formatShape, type Dim } from "../ir/shape.ts";
import type { ResampleAttrs } from "../ops/resample.ts";
import { arg, CallProblems, locOfArg, opt, type Bound } from "./args.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { fanInUniform, ones, param, param_, x, xavierUniform, zeros, type LayerSpec } from "./layer-spec.ts";
import { ModuleValue, TensorValue, type CallSite, type Value } from "./values.ts";

// Layers of PyTorch that are compositions of existing ops, so that they need no kernel of their own:
// nn.GroupNorm (a LayerNorm over each group), nn.Conv1d (a Conv2d with H = 1), nn.Upsample and
// F.interpolate (a matmul with a constant weight matrix per spatial dim, ops/resample.ts),
// nn.MultiheadAttention (linear projections and attention). Each gets its gradient from the ops
// it lowers to. PyTorch's parameter names and initializations are kept.

type Operand = TensorValue | Node | number;
type Node = TensorValue["node"];

/** Emits the ops of one composite at its call site; a number operand becomes a constant. */
function ops(em: GraphEmitter, who: string, site: CallSite) {
  const node = (v: Operand): Node => (typeof v === "number" ? em.constant(v, site) : v instanceof TensorValue ? v.node : v);
  const op = (name: string, inputs: Operand[], attrs: Record<string, unknown> = {}) => em.tensor(name, inputs.map(node), attrs as any, who, site);
  return {
    op,
    reshape: (t: Operand, shape: readonly Dim[]) => op("reshape", [t], { shape }),
    permute: (t: Operand, perm: readonly number[]) => op("permute", [t], { perm }),
    /** Swaps the last two dims. */
    transposeLast: (t: TensorValue) => {
      const r = t.node.shape.length;
      return op("permute", [t], { perm: t.node.shape.map((_, i) => (i === r - 2 ? r - 1 : i === r - 1 ? r - 2 : i)) });
    },
    narrow: (t: Operand, dim: number, start: number, length: number) => op("narrow", [t], { dim, start, length }),
  };
}

/** A fixed size of `shape` at `dim`, or a clear error when it is the batch. */
function fixedDim(shape: readonly Dim[], dim: number, what: string, who: string, site: CallSite): number {
  const d = shape[dim];
  if (typeof d !== "number") return fail("shapeMismatch", `${who}: ${what} of ${formatShape(shape)} cannot be the batch`, site.loc);
  return d;
}

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
  if (b.mode === "bilinear" && shape.length !== 4) fail("shapeMismatch", `${who}: mode "bilinear" needs a 4-D input [N, C, H, W], got ${formatShape(shape)}`, site.loc);
  if (b.mode === "linear" && shape.length !== 3) fail("shapeMismatch", `${who}: mode "linear" needs a 3-D input [N, C, L], got ${formatShape(shape)}`, site.loc);
  if (shape.length !== 3 && shape.length !== 4) fail("shapeMismatch", `${who}: mode "nearest" needs a 3-D [N, C, L] or 4-D [N, C, H, W] input, got ${formatShape(shape)}`, site.loc);
  if ((b.size === null) === (b.scaleFactor === null))
    problems.add("invalidArgument", `${who}: ${b.size === null ? "give either size or scaleFactor" : "give only one of size and scaleFactor"} (PyTorch requires exactly one)`, site.loc);
  if (b.alignCorners !== null && b.mode === "nearest")
    problems.add("invalidArgument", `${who}: alignCorners can only be set with modes "linear" and "bilinear" (PyTorch refuses it for "nearest" too)`, locOfArg(b, "alignCorners", site));
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
    // linear and bilinear are the same rule per dim
    const attrs: ResampleAttrs = { inSize, outSize, mode: b.mode === "nearest" ? "nearest" : "bilinear", alignCorners: b.alignCorners ?? false, scaleFactor };
    // the same size at scale 1 maps every position to itself, in both modes
    if (inSize === outSize && (scaleFactor === null || scaleFactor === 1)) continue;
    const weights = c.op("resample_weights", [], attrs as unknown as Record<string, unknown>);
    const last = dim === shape.length - 1;
    y = last ? c.op("matmul", [y, weights]) : c.transposeLast(c.op("matmul", [c.transposeLast(y), weights]));
  }
  return y;
}

/**
 * F.pad(x, pad, "constant", value): `pad` holds (before, after) pairs from the last dim backwards,
 * as PyTorch's; a negative amount crops. Each dim is a narrow (the crop) and a pad_dim (zeros
 * around), the ops of slicing and its gradient; a nonzero value is added where the mask of the
 * original region (the same pads applied to ones) is 0.
 */
export function pad(b: Bound, site: CallSite, em: GraphEmitter, who: string): TensorValue {
  const input: TensorValue = b.x;
  const amounts: number[] = b.pad;
  const rank = input.node.shape.length;
  if (amounts.length % 2 !== 0 || amounts.length > 2 * rank)
    fail("invalidArgument", `${who}: pad must hold (before, after) pairs for at most ${rank} dims, from the last backwards; got ${amounts.length} values`, locOfArg(b, "pad", site));
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
  if (b.value === 0) return y;
  // the batch dims of the mask are 1: it broadcasts over the batch
  const inside = padded(c.op("full", [], { shape: input.node.shape.map((d) => (typeof d === "number" ? d : 1)), value: 1 }));
  return c.op("add", [y, c.op("mul", [c.op("sub", [1, inside]), b.value])]);
}

export const padArgs = [x, arg("pad", "ints"), opt("mode", "string", "constant", { choices: ["constant"] }), opt("value", "number", 0)];

export const interpolateArgs = [
  x,
  opt("size", "sizes", null, { nullable: true }),
  opt("scaleFactor", "scales", null, { nullable: true }),
  opt("mode", "string", "nearest", { choices: ["nearest", "linear", "bilinear"] }),
  opt("alignCorners", "bool", null, { nullable: true }),
  opt("recomputeScaleFactor", "bool", null, { nullable: true }),
];

export const groupNormArgs = [x, arg("numGroups", "posInt"), opt("weight", "tensor", null, { nullable: true }), opt("bias", "tensor", null, { nullable: true }), opt("eps", "posNumber", 1e-5)];

/** Conv1d's padding as a number: "valid" is 0, "same" needs stride 1 and an even total. */
function conv1dPadding(b: Bound, site: CallSite): number {
  const p = b.padding;
  const at = locOfArg(b, "padding", site);
  if (p === "valid") return 0;
  if (p === "same") {
    if (b.stride !== 1) fail("invalidArgument", `nn.Conv1d: padding "same" needs stride 1, got stride ${b.stride}`, at);
    const total = b.dilation * (b.kernelSize - 1);
    if (total % 2 !== 0) fail("invalidArgument", `nn.Conv1d: padding "same" with an even kernel pads unevenly, which tsdp does not support; pad explicitly`, at);
    return total / 2;
  }
  return p;
}

/** out_proj of nn.MultiheadAttention: a Linear whose bias starts at 0 (MHA's _reset_parameters). */
const outProjection: LayerSpec = {
  args: [arg("features", "posInt"), opt("bias", "bool", true)],
  state: (b) => ({
    params: [param("weight", [b.features, b.features], fanInUniform(b.features)), ...(b.bias ? [param("bias", [b.features], zeros)] : [])],
  }),
  summary: (b) => `${b.features} → ${b.features}${b.bias ? "" : ", no bias"}`,
  inputs: [x],
  forward: (self, _b, call, site, em, who) =>
    em.tensor("linear", [call.x, param_(self, "weight")!, param_(self, "bias")].filter((t) => t !== null), {}, who, site),
};

/**
 * nn.MultiheadAttention's forward, batch first: the input projections (one GEMM with
 * in_proj_weight when query, key and value are one tensor, else three slices of it), H heads of
 * softmax(q·kᵀ/√D + mask)·v, the heads joined and out_proj. Returns [output, weights] as PyTorch's
 * tuple: weights [N, L, S] averaged over the heads (or [N, H, L, S]), null when needWeights is false.
 */
function multiheadAttention(self: ModuleValue, b: Bound, call: Bound, site: CallSite, em: GraphEmitter, who: string): Value {
  const E: number = b.embedDim;
  const H: number = b.numHeads;
  const D = E / H;
  const [q, k, v] = [call.query, call.key, call.value] as TensorValue[];
  for (const [t, name] of [[q, "query"], [k, "key"], [v, "value"]] as const)
    if (t.node.shape.length !== 3 || t.node.shape[2] !== E)
      fail("shapeMismatch", `${who}: ${name} must be [N, L, ${E}] (batchFirst), got ${formatShape(t.node.shape)}`, site.loc);
  if (k.node.shape[1] !== v.node.shape[1]) fail("shapeMismatch", `${who}: key and value must have the same length, got ${formatShape(k.node.shape)} and ${formatShape(v.node.shape)}`, site.loc);
  const c = ops(em, who, site);
  const weight = param_(self, "in_proj_weight")!;
  const bias = param_(self, "in_proj_bias");
  const project = (t: TensorValue, i: number) =>
    c.op("linear", [t, c.narrow(weight, 0, i * E, E), ...(bias ? [c.narrow(bias, 0, i * E, E)] : [])]);
  let qp: TensorValue, kp: TensorValue, vp: TensorValue;
  if (q.node === k.node && k.node === v.node) {
    const packed = c.op("linear", [q, weight, ...(bias ? [bias] : [])]);
    [qp, kp, vp] = [0, 1, 2].map((i) => c.narrow(packed, 2, i * E, E));
  } else [qp, kp, vp] = [project(q, 0), project(k, 1), project(v, 2)];
  const heads = (t: TensorValue) => c.permute(c.reshape(t, [t.node.shape[0], t.node.shape[1], H, D]), [0, 2, 1, 3]);
  let scores = c.op("mul", [c.op("matmul", [heads(qp), c.permute(heads(kp), [0, 1, 3, 2])]), 1 / Math.sqrt(D)]);
  const L = fixedDim(q.node.shape, 1, "the query's length", who, site);
  const S = fixedDim(k.node.shape, 1, "the key's length", who, site);
  if (call.attnMask) {
    const m: TensorValue = call.attnMask;
    if (m.node.shape.length !== 2 || m.node.shape[0] !== L || m.node.shape[1] !== S)
      fail("shapeMismatch", `${who}: attnMask must be a float mask [${L}, ${S}] (added to the scores), got ${formatShape(m.node.shape)}`, site.loc);
    scores = c.op("add", [scores, m]);
  } else if (call.isCausal) {
    const future = c.op("triangle", [c.op("full", [], { shape: [L, S], value: 1 })], { diagonal: 1, upper: true });
    scores = c.op("masked_fill", [scores, future], { value: -Infinity });
  }
  if (call.keyPaddingMask) {
    // PyTorch's float key_padding_mask [N, S], added to every head's and query's scores
    const m: TensorValue = call.keyPaddingMask;
    const [n, s] = m.node.shape;
    if (m.node.shape.length !== 2 || s !== S || !dimEq(n, q.node.shape[0]))
      fail("shapeMismatch", `${who}: keyPaddingMask must be a float mask [N, ${S}] (N the query's batch), got ${formatShape(m.node.shape)}`, site.loc);
    scores = c.op("add", [scores, c.reshape(m, [n, 1, 1, S])]);
  }
  let weights = c.op("softmax", [scores], { dim: 3 });
  if (b.dropout > 0) weights = c.op("dropout", [weights], { p: b.dropout, mode: "train" });
  const joined = c.reshape(c.permute(c.op("matmul", [weights, heads(vp)]), [0, 2, 1, 3]), [q.node.shape[0], L, E]);
  const outProj = self.fields.get("out_proj") as ModuleValue;
  const out = em.tensor("linear", [joined, param_(outProj, "weight")!, param_(outProj, "bias")].filter((t) => t !== null), {}, who, site);
  if (!call.needWeights) return [out, null];
  return [out, call.averageAttnWeights ? c.op("mean", [weights], { dims: [1], keepdim: false }) : weights];
}

export const compositeLayers: Record<string, LayerSpec> = {
  GroupNorm: {
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
    args: [
      arg("inChannels", "posInt"),
      arg("outChannels", "posInt"),
      arg("kernelSize", "posInt"),
      opt("stride", "posInt", 1),
      opt("padding", "any", 0),
      opt("dilation", "posInt", 1),
      opt("groups", "posInt", 1),
      opt("bias", "bool", true),
    ],
    state: (b) => {
      const fanIn = (b.inChannels / b.groups) * b.kernelSize;
      return {
        params: [
          param("weight", [b.outChannels, b.inChannels / b.groups, b.kernelSize], fanInUniform(fanIn)),
          ...(b.bias ? [param("bias", [b.outChannels], fanInUniform(fanIn))] : []),
        ],
      };
    },
    summary: (b) =>
      `${b.inChannels} → ${b.outChannels}, kernel=${b.kernelSize}` +
      (b.stride !== 1 ? `, stride=${b.stride}` : "") +
      (b.padding ? `, padding=${b.padding}` : "") +
      (b.groups !== 1 ? `, groups=${b.groups}` : "") +
      (b.bias ? "" : ", no bias"),
    inputs: [x],
    // [N, C, L] as [N, C, 1, L] through Conv2d with a 1 × k kernel, and back
    forward: (self, b, call, site, em, who) => {
      const input: TensorValue = call.x;
      const shape = input.node.shape;
      if (shape.length !== 3) fail("shapeMismatch", `${who} expects a 3-D input [N, C, L], got ${formatShape(shape)}`, site.loc);
      const c = ops(em, who, site);
      const w = param_(self, "weight")!;
      const ws = w.node.shape;
      const ins = [c.reshape(input, [shape[0], shape[1], 1, shape[2]]), c.reshape(w, [ws[0], ws[1], 1, ws[2]]), param_(self, "bias")];
      const attrs = { stride: [1, b.stride], padding: [0, b.padding], dilation: [1, b.dilation], groups: b.groups };
      const y = em.tensor("conv2d", ins.filter((t) => t !== null), attrs, who, site);
      const ys = y.node.shape;
      return c.reshape(y, [ys[0], ys[1], ys[3]]);
    },
  },
  Upsample: {
    args: interpolateArgs.slice(1),
    summary: (b) => `${b.mode}, ${b.size ? `size=${b.size.join("×")}` : `scale=${b.scaleFactor.join("×")}`}`,
    inputs: [x],
    forward: (_self, b, call, site, em, who) => interpolate({ ...b, ...call }, site, em, who),
  },
  MultiheadAttention: {
    args: [arg("embedDim", "posInt"), arg("numHeads", "posInt"), opt("dropout", "prob", 0), opt("bias", "bool", true), opt("batchFirst", "bool", false)],
    state: (b) => ({
      params: [
        // xavier_uniform_ on [3E, E]: fan_in E, fan_out 3E
        param("in_proj_weight", [3 * b.embedDim, b.embedDim], xavierUniform(b.embedDim, 3 * b.embedDim)),
        ...(b.bias ? [param("in_proj_bias", [3 * b.embedDim], zeros)] : []),
      ],
    }),
    children: (b) => [{ name: "out_proj", typeName: "nn.Linear", spec: outProjection, args: { features: b.embedDim, bias: b.bias } }],
    summary: (b) => `${b.embedDim}, heads=${b.numHeads}${b.dropout ? `, dropout=${b.dropout}` : ""}`,
    inputs: [
      arg("query", "tensor"),
      arg("key", "tensor"),
      arg("value", "tensor"),
      opt("keyPaddingMask", "tensor", null, { nullable: true }),
      opt("needWeights", "bool", true),
      opt("attnMask", "tensor", null, { nullable: true }),
      opt("averageAttnWeights", "bool", true),
      opt("isCausal", "bool", false),
    ],
    forward: multiheadAttention,
  },
};

/** The constructor checks PyTorch makes, with its wording where it has one; all reported at once. */
export function validateComposite(name: string, b: Bound, site: CallSite): void {
  const problems = new CallProblems();
  if (name === "GroupNorm" && b.numChannels % b.numGroups !== 0)
    problems.add("invalidArgument", `nn.GroupNorm: numChannels (${b.numChannels}) must be divisible by numGroups (${b.numGroups})`, locOfArg(b, "numGroups", site));
  if (name === "MultiheadAttention") {
    if (b.embedDim % b.numHeads !== 0)
      problems.add("invalidArgument", `nn.MultiheadAttention: embedDim (${b.embedDim}) must be divisible by numHeads (${b.numHeads})`, locOfArg(b, "numHeads", site));
    if (!b.batchFirst)
      problems.add("invalidArgument", "nn.MultiheadAttention: tsdp needs batchFirst: true (inputs [N, L, E]): the batch is the first dim of every tensor in tsdp", locOfArg(b, "batchFirst", site));
  }
  if (name === "Conv1d") {
    const at = locOfArg(b, "groups", site);
    if (b.inChannels % b.groups !== 0) problems.add("invalidArgument", `nn.Conv1d: inChannels (${b.inChannels}) must be divisible by groups (${b.groups})`, at);
    if (b.outChannels % b.groups !== 0) problems.add("invalidArgument", `nn.Conv1d: outChannels (${b.outChannels}) must be divisible by groups (${b.groups})`, at);
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

