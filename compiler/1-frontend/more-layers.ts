import { fail } from "../diagnostics/diagnostic.ts";
import { modeOf } from "./module-modes.ts";
import { pool2d } from "./pool-options.ts";
import { formatShape, isBatch } from "../ir/shape.ts";
import { arg, opt, type Bound } from "./args.ts";
import { fixedDim, ops } from "./composite-ops.ts";
import { groupNorm, pad, requireSpatialElements } from "./composite-layers.ts";
import { portLayers } from "./port-layers.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { fanInUniform, param, param_, x, type LayerSpec } from "./layer-spec.ts";
import { vectorNorm } from "./vector-norm.ts";
import { ModeFlag, TensorValue, type CallSite, type Value } from "./values.ts";

// torch.nn layers ports reach for that are compositions of existing ops: nn.Bilinear, nn.EmbeddingBag
// (fixed-length bags), nn.AlphaDropout / FeatureAlphaDropout (self-normalizing networks), and
// torch.cdist. Each says in a comment the formula it builds, which is PyTorch's.

/**
 * F.alpha_dropout: a SELU network's dropout, which keeps the mean and variance. With a kept mask
 * m ~ Bernoulli(1 − p), α = 1.7580993408473766 (SELU's −λ·α′) and a = ((α²p + 1)(1 − p))^−½:
 * y = a·x·m + α·a·(m − 1 + p) — a dropped element is the SELU's negative saturation, shifted and
 * scaled back. In eval (or training false) y = x. `feature`: one draw per sample and channel
 * (FeatureAlphaDropout), the mask broadcast over the spatial dims.
 */
function alphaDropout(input: TensorValue, p: number, training: Value, feature: boolean, site: CallSite, em: GraphEmitter, who: string): TensorValue {
  if (training === false || p === 0) return input;
  const shape = input.node.shape;
  if (feature && shape.length < 2) fail("shapeMismatch", `${who} expects an input [N, C, *], got ${formatShape(shape)}`, site.loc);
  const c = ops(em, who, site);
  if (p === 1) return c.op("mul", [input, 0]);
  const alpha = 1.7580993408473766;
  const a = 1 / Math.sqrt((alpha * alpha * p + 1) * (1 - p));
  const maskShape = feature ? [shape[0], shape[1], ...shape.slice(2).map(() => 1)] : [...shape];
  // the mask from dropout's draws (train mode only, as PyTorch draws nothing in eval): ones dropped are 0, kept 1/(1 − p)
  const ones = c.op("expand", [em.node("full", [], { shape: [], value: 1 }, who, site)], { shape: maskShape });
  const kept = c.op("mul", [c.op("dropout", [ones], { p, mode: training instanceof ModeFlag ? "train" : "always" }), 1 - p]);
  const train = c.op("add", [c.op("mul", [input, c.op("mul", [kept, a])]), c.op("mul", [c.op("add", [kept, p - 1]), alpha * a])]);
  return training instanceof ModeFlag ? c.op("mode_select", [train, input]) : train;
}

/**
 * F.rrelu / nn.RReLU: x where x > 0, else a·x — a drawn per element from U(lower, upper) in train
 * mode (afresh each call, the sample op), (lower + upper)/2 in eval; the gradient is a (1 for x > 0:
 * at x = 0 the slope, as PyTorch's leaky_relu backward and its train kernel's x ≤ 0 branch give).
 */
function rrelu(input: TensorValue, lower: number, upper: number, training: Value, site: CallSite, em: GraphEmitter, who: string): TensorValue {
  if (!(lower <= upper)) fail("invalidArgument", `${who}: lower (${lower}) must not exceed upper (${upper})`, site.loc);
  const c = ops(em, who, site);
  const leaky = (slope: TensorValue | number) => c.op("where", [c.op("gt", [input, 0]), input, c.op("mul", [input, slope])]);
  const evaluation = leaky((lower + upper) / 2);
  if (training === false) return evaluation;
  const u = em.tensor("sample", [], { shape: [...input.node.shape], distribution: "uniform" }, who, site);
  const train = leaky(c.op("add", [c.op("mul", [u, upper - lower]), lower]));
  return training instanceof ModeFlag ? c.op("mode_select", [train, evaluation]) : train;
}

/** torch.cdist(x1 [*, P, M], x2 [*, R, M], p): the p-norm distance of every pair of rows, [*, P, R]. */
function cdist(x1: TensorValue, x2: TensorValue, p: Value, site: CallSite, em: GraphEmitter, who: string): TensorValue {
  const [a, b] = [x1.node.shape, x2.node.shape];
  if (a.length < 2 || b.length < 2 || !(a[a.length - 1] === b[b.length - 1]))
    fail("shapeMismatch", `${who} expects x1 [*, P, M] and x2 [*, R, M] with the same M, got ${formatShape(a)} and ${formatShape(b)}`, site.loc);
  const c = ops(em, who, site);
  const difference = c.op("sub", [unsqueeze(c, x1, a.length - 1), unsqueeze(c, x2, b.length - 2)]);
  return vectorNorm(difference, p, [difference.node.shape.length - 1], false, site, em, who);
}

/**
 * torch.pdist(x [N, M], p): the p-norm distance of each pair of rows i < j, in that order (row-major
 * over the upper triangle), [N·(N − 1)/2] — the rows i and j picked by constant positions, so no
 * distance of a row to itself (whose p-norm gradient is undefined at 0) is formed.
 */
function pdist(x: TensorValue, p: Value, site: CallSite, em: GraphEmitter, who: string): TensorValue {
  const shape = x.node.shape;
  if (shape.length !== 2) fail("shapeMismatch", `${who} expects a 2-D input [N, M], got ${formatShape(shape)}`, site.loc);
  if (shape.some(isBatch))
    fail("shapeMismatch", `${who}: the distances between every pair of rows of ${formatShape(shape)} pair samples across the batch, which is split across devices; F.cdist(a, b) of two tensors per sample is supported`, site.loc);
  const n = shape[0] as number;
  if (n < 2) fail("shapeMismatch", `${who}: ${n} row has no pairs: the result would be empty, and tsdp's tensors are not empty`, site.loc);
  const [rows, cols] = [[] as number[], [] as number[]];
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) rows.push(i), cols.push(j);
  const c = ops(em, who, site);
  const pick = (positions: number[]) => em.tensor("take", [x, c.op("to_int", [c.op("literal", [], { shape: [positions.length], values: positions })])], { dim: 0, mode: "vector" }, who, site);
  return vectorNorm(c.op("sub", [pick(rows), pick(cols)]), p, [1], false, site, em, who);
}

/** y = x1ᵀ·A_o·x2 + b_o for each output o: x1 times A laid out [in1, out·in2], then each in2 row dotted with x2. */
function bilinear(x1: TensorValue, x2: TensorValue, weight: TensorValue, bias: TensorValue | null, site: CallSite, em: GraphEmitter, who: string): TensorValue {
  const [out, in1, in2] = weight.node.shape as number[];
  const lead = x1.node.shape.slice(0, -1);
  if (x1.node.shape[x1.node.shape.length - 1] !== in1 || x2.node.shape[x2.node.shape.length - 1] !== in2 || formatShape(lead) !== formatShape(x2.node.shape.slice(0, -1)))
    fail("shapeMismatch", `${who} expects inputs [*, ${in1}] and [*, ${in2}] with the same leading dims, got ${formatShape(x1.node.shape)} and ${formatShape(x2.node.shape)}`, site.loc);
  const c = ops(em, who, site);
  const flat = c.reshape(c.permute(weight, [1, 0, 2]), [in1, out * in2]);
  const rows = c.reshape(c.op("matmul", [x1, flat]), [...lead, out, in2]);
  const y = c.op("sum", [c.op("mul", [rows, unsqueeze(c, x2, lead.length)])], { dims: [lead.length + 1], keepdim: false });
  return bias ? c.op("add", [y, bias]) : y;
}

/**
 * nn.EmbeddingBag over bags of equal length (input [B, L]: PyTorch's 2-D form; the 1-D form with
 * offsets is refused): the rows' sum, mean or max per bag, per_sample_weights scaling each row
 * (sum only). paddingIdx rows take no part: a mean divides by the bag's other rows, a maximum is
 * the other rows', a bag of padding only gives zeros, as PyTorch's.
 */
function embeddingBag(weight: TensorValue, b: Bound, call: Bound, site: CallSite, em: GraphEmitter, who: string): TensorValue {
  const ids: TensorValue = call.input;
  if (call.offsets !== null) fail("unsupportedSyntax", `${who}: bags given by offsets (a 1-D input) are not supported; pass a 2-D input [B, L] of equal-length bags`, site.loc);
  if (ids.node.shape.length !== 2) fail("shapeMismatch", `${who} expects a 2-D input [B, L] of indices, got ${formatShape(ids.node.shape)}`, site.loc);
  const c = ops(em, who, site);
  // a negative paddingIdx counts from the last row, as PyTorch's
  const numRows = weight.node.shape[0] as number;
  const paddingIdx: number | null = b.paddingIdx === null ? null : b.paddingIdx < 0 ? b.paddingIdx + numRows : b.paddingIdx;
  let rows = em.tensor("embedding", [ids, weight], { paddingIdx }, who, site); // [B, L, D]
  const weights: TensorValue | null = call.perSampleWeights;
  if (weights !== null) {
    if (b.mode !== "sum") fail("invalidArgument", `${who}: perSampleWeights is only supported with mode "sum", as PyTorch's`, site.loc);
    rows = c.op("mul", [rows, unsqueeze(c, weights, 2)]);
  }
  const present = paddingIdx === null ? null : unsqueeze(c, c.op("ne", [ids.node.dtype === "i32" ? c.op("to_float", [ids]) : ids, paddingIdx]), 2);
  if (b.mode === "max") {
    if (!present) return bagMaximum(rows, em, who, site);
    // padding rows skipped as PyTorch's kernel skips them (−∞ never wins); a bag of padding only is zeros
    const maximum = bagMaximum(c.op("where", [present, rows, -Infinity]), em, who, site);
    const anyRow = c.op("gt", [c.op("sum", [present], { dims: [1], keepdim: false }), 0]);
    return c.op("where", [anyRow, maximum, 0]);
  }
  const masked = present ? c.op("mul", [rows, present]) : rows;
  const sum = c.op("sum", [masked], { dims: [1], keepdim: false });
  if (b.mode === "sum") return sum;
  const length = fixedDim(ids.node.shape, 1, "the bag length", who, site);
  if (!present) return c.op("div", [sum, length]);
  const count = c.op("sum", [present], { dims: [1], keepdim: false });
  // an all-padding bag: 0 / (0 + 1)
  return c.op("div", [sum, c.op("add", [count, c.op("eq", [count, 0])])]);
}

/**
 * mode "max": each feature's maximum over the bag, taken at the first row that holds it, so its
 * gradient reaches that row alone — PyTorch's kernels record that row in max_indices (a later row
 * replaces it only when strictly greater) and its backward adds the gradient there; amax would
 * share it among tied rows.
 */
function bagMaximum(rows: TensorValue, em: GraphEmitter, who: string, site: CallSite): TensorValue {
  const at = em.tensor("argmax", [rows], { dims: [1], keepdim: true }, who, site); // [B, 1, D]
  const taken = em.tensor("take", [rows, at], { dim: 1, mode: "elementwise" }, who, site);
  const [bags, , dim] = rows.node.shape;
  return em.tensor("reshape", [taken], { shape: [bags, dim] }, who, site);
}

/** The window geometry of F.unfold / F.fold: kernel, dilation, padding, stride, per spatial dim. */
interface Windows {
  readonly kernel: readonly [number, number];
  readonly dilation: readonly [number, number];
  readonly padding: readonly [number, number];
  readonly stride: readonly [number, number];
}
const windowArgs = [arg("kernelSize", "size2"), opt("dilation", "size2", [1, 1]), opt("padding", "padding2", [0, 0]), opt("stride", "size2", [1, 1])];
const windowsOf = (b: Bound): Windows => ({ kernel: b.kernelSize, dilation: b.dilation, padding: b.padding, stride: b.stride });
/** Blocks along a dim of `size` (padded): ⌊(size + 2·pad − dil·(k − 1) − 1)/stride⌋ + 1. */
const blocks = (size: number, w: Windows, i: 0 | 1) => Math.floor((size + 2 * w.padding[i] - w.dilation[i] * (w.kernel[i] - 1) - 1) / w.stride[i]) + 1;
/** The rows (or columns) tap `t` reads of each block: t·dil, t·dil + stride, … (in the padded input). */
const tapPositions = (em: GraphEmitter, who: string, site: CallSite, t: number, w: Windows, i: 0 | 1, count: number) =>
  em.tensor("arange_int", [], { start: t * w.dilation[i], step: w.stride[i], length: count }, who, site);

/**
 * F.unfold (im2col): x [N, C, H, W] → [N, C·kh·kw, L], column l = block (oh, ow) in row-major order,
 * row c·kh·kw + (i·kw + j) = x at (oh·s_h − p_h + i·d_h, ow·s_w − p_w + j·d_w), zero outside. Each
 * tap (i, j) is a take of rows and columns of the zero-padded input; the taps are joined after C.
 */
function unfold(input: TensorValue, w: Windows, site: CallSite, em: GraphEmitter, who: string): TensorValue {
  const shape = input.node.shape;
  if (shape.length !== 4) fail("shapeMismatch", `${who} expects a 4-D input [N, C, H, W], got ${formatShape(shape)}`, site.loc);
  const [n, ch] = shape;
  const [h, wd] = [fixedDim(shape, 2, "the height", who, site), fixedDim(shape, 3, "the width", who, site)];
  const [oh, ow] = [blocks(h, w, 0), blocks(wd, w, 1)];
  if (oh < 1 || ow < 1) fail("shapeMismatch", `${who}: a ${w.kernel.join("×")} window (dilation ${w.dilation.join("×")}) does not fit the input's ${h}×${wd} with padding ${w.padding.join("×")}`, site.loc);
  const c = ops(em, who, site);
  const padded = w.padding.some((p) => p > 0) ? pad({ x: input, pad: [w.padding[1], w.padding[1], w.padding[0], w.padding[0]], mode: "constant", value: 0 }, site, em, who) : input;
  const taps: TensorValue[] = [];
  for (let i = 0; i < w.kernel[0]; i++)
    for (let j = 0; j < w.kernel[1]; j++) {
      const rows = em.tensor("take", [padded, tapPositions(em, who, site, i, w, 0, oh)], { dim: 2, mode: "vector" }, who, site);
      const tap = em.tensor("take", [rows, tapPositions(em, who, site, j, w, 1, ow)], { dim: 3, mode: "vector" }, who, site);
      taps.push(c.reshape(tap, [n, ch, 1, oh * ow]));
    }
  const joined = taps.length === 1 ? taps[0] : c.op("concat", taps, { dim: 2 });
  return c.reshape(joined, [n, typeof ch === "number" ? ch * taps.length : fail("shapeMismatch", `${who}: the channel dim cannot be the batch`, site.loc), oh * ow]);
}

/**
 * F.fold (col2im), unfold's adjoint: x [N, C·kh·kw, L] → [N, C, H, W], each tap's L values summed
 * into the positions unfold read them from (overlaps add up), the padding cropped. Each tap is a
 * take's gradient (a sum at given rows, then columns) into the padded output.
 */
function fold(input: TensorValue, outputSize: readonly number[], w: Windows, site: CallSite, em: GraphEmitter, who: string): TensorValue {
  const shape = input.node.shape;
  const k = w.kernel[0] * w.kernel[1];
  if (shape.length !== 3) fail("shapeMismatch", `${who} expects a 3-D input [N, C·kh·kw, L], got ${formatShape(shape)}`, site.loc);
  const [n] = shape;
  const [rows, length] = [fixedDim(shape, 1, "dim 1", who, site), fixedDim(shape, 2, "dim 2", who, site)];
  const [h, wd] = outputSize;
  const [oh, ow] = [blocks(h, w, 0), blocks(wd, w, 1)];
  if (rows % k !== 0) fail("shapeMismatch", `${who}: dim 1 (${rows}) must be divisible by the kernel's ${w.kernel.join("×")} = ${k} taps`, site.loc);
  if (oh * ow !== length) fail("shapeMismatch", `${who}: ${length} blocks given, but a ${h}×${wd} output has ${oh}×${ow} = ${oh * ow} of them`, site.loc);
  const ch = rows / k;
  const [hp, wp] = [h + 2 * w.padding[0], wd + 2 * w.padding[1]];
  const c = ops(em, who, site);
  const perTap = c.reshape(input, [n, ch, k, oh, ow]);
  let sum: TensorValue | null = null;
  for (let i = 0; i < w.kernel[0]; i++)
    for (let j = 0; j < w.kernel[1]; j++) {
      const tap = c.reshape(c.narrow(perTap, 2, i * w.kernel[1] + j, 1), [n, ch, oh, ow]);
      const atRows = em.tensor("take_grad", [tap, tapPositions(em, who, site, i, w, 0, oh)], { dim: 2, mode: "vector", size: hp }, who, site);
      const placed = em.tensor("take_grad", [atRows, tapPositions(em, who, site, j, w, 1, ow)], { dim: 3, mode: "vector", size: wp }, who, site);
      sum = sum ? c.op("add", [sum, placed]) : placed;
    }
  const cropped = w.padding[0] > 0 ? c.narrow(sum!, 2, w.padding[0], h) : sum!;
  return w.padding[1] > 0 ? c.narrow(cropped, 3, w.padding[1], wd) : cropped;
}

export const moreLayers: Record<string, LayerSpec> = {
  Unfold: { args: windowArgs, inputs: [x], forward: (_self, b, call, site, em, who) => unfold(call.x, windowsOf(b), site, em, who) },
  Fold: { args: [arg("outputSize", "size2"), ...windowArgs], inputs: [x], forward: (_self, b, call, site, em, who) => fold(call.x, b.outputSize, windowsOf(b), site, em, who) },
  LPPool1d: lpPoolLayer(1),
  LPPool2d: lpPoolLayer(2),
  Bilinear: {
    optional: ["bias"],
    args: [arg("in1Features", "posInt"), arg("in2Features", "posInt"), arg("outFeatures", "posInt"), opt("bias", "bool", true)],
    // PyTorch's reset_parameters: U(−1/√in1, 1/√in1) for both
    state: (b) => ({
      params: [param("weight", [b.outFeatures, b.in1Features, b.in2Features], fanInUniform(b.in1Features)), ...(b.bias ? [param("bias", [b.outFeatures], fanInUniform(b.in1Features))] : [])],
    }),
    summary: (b) => `${b.in1Features} × ${b.in2Features} → ${b.outFeatures}`,
    inputs: [arg("x1", "tensor"), arg("x2", "tensor")],
    forward: (self, _b, call, site, em, who) => bilinear(call.x1, call.x2, param_(self, "weight")!, param_(self, "bias"), site, em, who),
  },
  EmbeddingBag: {
    // PyTorch's nn.EmbeddingBag(num_embeddings, embedding_dim, max_norm, norm_type, scale_grad_by_freq, mode, sparse, _weight, include_last_offset, padding_idx)
    args: [
      arg("numEmbeddings", "posInt"), arg("embeddingDim", "posInt"), opt("maxNorm", "any", null, { nullable: true }), opt("normType", "number", 2),
      opt("scaleGradByFreq", "flag", null, { nullable: true, refuseTrue: "gradients scaled by the inverse frequency of the words in the batch are not computed" }),
      opt("mode", "string", "mean", { choices: ["sum", "mean", "max"] }),
      // sparse: PyTorch's gradient format (the same values as the dense one tsdp computes)
      opt("sparse", "flag", null, { nullable: true }),
      opt("_weight", "any", null, { nullable: true }),
      // with the 2-D input's equal bags there are no offsets for it to describe
      opt("includeLastOffset", "flag", null, { nullable: true, refuseTrue: "it describes offsets, and bags given by offsets are not supported" }),
      opt("paddingIdx", "int", null, { nullable: true }),
    ],
    // N(0, 1) with the padding row zeroed, as PyTorch's reset_parameters (nn.Embedding's too)
    state: (b) => {
      const pad = b.paddingIdx === null ? undefined : b.paddingIdx < 0 ? b.paddingIdx + b.numEmbeddings : b.paddingIdx;
      return { params: [param("weight", [b.numEmbeddings, b.embeddingDim], pad === undefined ? { kind: "normal", std: 1 } : { kind: "normal", std: 1, zeroRow: pad })] };
    },
    summary: (b) => `${b.numEmbeddings} × ${b.embeddingDim}, mode=${b.mode}`,
    inputs: [arg("input", "tensor"), opt("offsets", "any", null, { nullable: true }), opt("perSampleWeights", "tensor", null, { nullable: true })],
    forward: (self, b, call, site, em, who) => embeddingBag(param_(self, "weight")!, b, call, site, em, who),
  },
  RReLU: {
    args: [opt("lower", "number", 1 / 8), opt("upper", "number", 1 / 3), opt("inplace", "bool", false)],
    summary: (b) => `lower=${b.lower}, upper=${b.upper}`,
    inputs: [x],
    forward: (self, b, call, site, em, who) => rrelu(call.x, b.lower, b.upper, modeOf(self), site, em, who),
  },
  AlphaDropout: {
    args: [opt("p", "prob", 0.5), opt("inplace", "bool", false)],
    summary: (b) => `p=${b.p}`,
    inputs: [x],
    forward: (self, b, call, site, em, who) => alphaDropout(call.x, b.p, modeOf(self), false, site, em, who),
  },
  FeatureAlphaDropout: {
    args: [opt("p", "prob", 0.5), opt("inplace", "bool", false)],
    summary: (b) => `p=${b.p}`,
    inputs: [x],
    forward: (self, b, call, site, em, who) => alphaDropout(call.x, b.p, modeOf(self), true, site, em, who),
  },
};

/** t with a dim of 1 inserted at `dim` (torch.unsqueeze). */
function unsqueeze(c: ReturnType<typeof ops>, t: TensorValue, dim: number): TensorValue {
  const shape = [...t.node.shape];
  shape.splice(dim, 0, 1);
  return c.reshape(t, shape);
}

const convTransposeArgs = [arg("input", "tensor"), arg("weight", "tensor"), opt("bias", "tensor", null, { nullable: true }), opt("stride", "any", 1), opt("padding", "any", 0), opt("outputPadding", "any", 0), opt("groups", "posInt", 1), opt("dilation", "any", 1)];

/** F.conv_transpose2d / conv_transpose1d of any weight [in, out/groups, k…]: the conv_transpose2d op ([N, C, L] as [N, C, 1, L]). */
function functionalConvTranspose(rank: 1 | 2, b: Bound, site: CallSite, em: GraphEmitter, who: string): TensorValue {
  const input: TensorValue = b.input;
  const weight: TensorValue = b.weight;
  if (weight.node.shape.length !== rank + 2 || weight.node.shape.some(isBatch)) fail("shapeMismatch", `${who} expects a weight [in, out/groups, ${rank === 2 ? "kH, kW" : "k"}], got ${formatShape(weight.node.shape)}`, site.loc);
  if (input.node.shape.length !== rank + 2) fail("shapeMismatch", `${who} expects an input [N, C, ${rank === 2 ? "H, W" : "L"}], got ${formatShape(input.node.shape)}`, site.loc);
  const pair = (v: unknown, what: string, least: number): [number, number] => {
    const list = Array.isArray(v) ? v : rank === 2 ? [v, v] : [v];
    if (list.length !== rank || !list.every((d) => typeof d === "number" && Number.isInteger(d) && d >= least)) fail("invalidArgument", `${who}: ${what} must be an integer ≥ ${least}${rank === 2 ? " or 2 of them" : ""}, got ${JSON.stringify(v)}`, site.loc);
    return rank === 2 ? (list as [number, number]) : [least === 1 ? 1 : 0, list[0] as number];
  };
  const attrs = { stride: pair(b.stride, "stride", 1), padding: pair(b.padding, "padding", 0), outputPadding: pair(b.outputPadding, "outputPadding", 0), dilation: pair(b.dilation, "dilation", 1), groups: b.groups };
  const c = ops(em, who, site);
  const ins = (t: TensorValue, w: TensorValue) => [t, w, ...(b.bias ? [b.bias] : [])];
  if (rank === 2) return c.op("conv_transpose2d", ins(input, weight), attrs);
  const [n, ch, l] = input.node.shape;
  const ws = weight.node.shape as number[];
  const y = c.op("conv_transpose2d", ins(c.reshape(input, [n, ch, 1, l]), c.reshape(weight, [ws[0], ws[1], 1, ws[2]])), attrs);
  return c.reshape(y, [y.node.shape[0], y.node.shape[1], y.node.shape[3]]);
}

const dropoutArgs = [x, opt("p", "prob", 0.5), opt("training", "trainingFlag", false), opt("inplace", "bool", false)];

/**
 * LPPool: (Σ_window x^p)^(1/p), as PyTorch computes it: the average pool of x^p times the window's
 * size, through sign(s)·relu(|s|) (a negative sum of odd powers is clipped to 0), to the power 1/p.
 * With ceilMode the average pool's partial windows divide by their clipped size, which the kernel's
 * area then multiplies: PyTorch's (Σ x^p · k_h·k_w / n_window)^(1/p) at the far edge.
 */
function lpPool(input: TensorValue, p: number, kernel: readonly number[], stride: readonly number[], spatial: 1 | 2, ceilMode: boolean, site: CallSite, em: GraphEmitter, who: string): TensorValue {
  const shape = input.node.shape;
  if (shape.length !== spatial + 2) fail("shapeMismatch", `${who} expects a ${spatial + 2}-D input, got ${formatShape(shape)}`, site.loc);
  const c = ops(em, who, site);
  const planar = spatial === 1 ? c.reshape(input, [shape[0], shape[1], 1, shape[2]]) : input;
  const k2 = spatial === 1 ? [1, kernel[0]] : kernel;
  const s2 = spatial === 1 ? [1, stride[0]] : stride;
  const avg = pool2d("avg_pool2d", c.op("pow", [planar], { exponent: p }), k2, s2, [0, 0], { ceilMode, countIncludePad: true, divisorOverride: null }, site, em, who, [1, 1]) as TensorValue;
  const sum = c.op("mul", [c.op("mul", [c.op("sign", [avg]), c.op("relu", [c.op("abs", [avg])])]), k2[0] * k2[1]]);
  const y = c.op("pow", [sum], { exponent: 1 / p });
  return spatial === 1 ? c.reshape(y, [shape[0], shape[1], y.node.shape[3]]) : y;
}
function lpPoolLayer(spatial: 1 | 2): LayerSpec {
  const size = spatial === 1 ? "size1" : "size2";
  return {
    args: [arg("normType", "posNumber"), arg("kernelSize", size), opt("stride", size, null, { nullable: true }), opt("ceilMode", "bool", false)],
    summary: (b) => `p=${b.normType}`,
    inputs: [x],
    forward: (_self, b, call, site, em, who) => {
      const kernel = [b.kernelSize].flat();
      return lpPool(call.x, b.normType, kernel, b.stride === null ? kernel : [b.stride].flat(), spatial, b.ceilMode, site, em, who);
    },
  };
}

/** F.bilinear, F.alphaDropout, F.featureAlphaDropout, F.cdist, F.unfold, F.fold, F.lpPool1d/2d, F.embeddingBag, F.convTranspose1d/2d, F.instanceNorm, F.channelShuffle. */
export const moreFunctions = {
  // F.rrelu(input, lower=1/8, upper=1/3, training=False, inplace=False)
  rrelu: {
    args: [x, opt("lower", "number", 1 / 8), opt("upper", "number", 1 / 3), opt("training", "any", false), opt("inplace", "bool", false)],
    lower: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => rrelu(b.x, b.lower, b.upper, b.training, site, em, who),
  },
  embeddingBag: {
    // PyTorch's F.embedding_bag(input, weight, offsets, max_norm, norm_type, scale_grad_by_freq, mode, sparse, per_sample_weights, include_last_offset, padding_idx)
    args: [arg("input", "tensor"), arg("weight", "tensor"), opt("offsets", "any", null, { nullable: true }), opt("maxNorm", "any", null, { nullable: true }), opt("normType", "number", 2), opt("scaleGradByFreq", "bool", false), opt("mode", "string", "mean", { choices: ["sum", "mean", "max"] }), opt("sparse", "bool", false), opt("perSampleWeights", "tensor", null, { nullable: true }), opt("includeLastOffset", "bool", false), opt("paddingIdx", "int", null, { nullable: true })],
    lower: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => {
      if (b.maxNorm !== null || b.scaleGradByFreq) fail("invalidArgument", `${who}: maxNorm and scaleGradByFreq are not supported`, site.loc);
      return embeddingBag(b.weight, b, b, site, em, who);
    },
  },
  convTranspose2d: { args: convTransposeArgs, lower: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => functionalConvTranspose(2, b, site, em, who) },
  convTranspose1d: { args: convTransposeArgs, lower: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => functionalConvTranspose(1, b, site, em, who) },
  instanceNorm: {
    // F.instance_norm(input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps): each sample's channel over its positions
    args: [x, opt("runningMean", "any", null, { nullable: true }), opt("runningVar", "any", null, { nullable: true }), opt("weight", "tensor", null, { nullable: true }), opt("bias", "tensor", null, { nullable: true }), opt("useInputStats", "bool", true), opt("momentum", "number", 0.1), opt("eps", "posNumber", 1e-5)],
    lower: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => {
      if (b.runningMean !== null || b.runningVar !== null || !b.useInputStats) fail("invalidArgument", `${who}: running statistics are not supported (each sample's own statistics, PyTorch's default)`, site.loc);
      const shape = b.x.node.shape;
      if (shape.length < 3) fail("shapeMismatch", `${who} expects an input [N, C, *], got ${formatShape(shape)}`, site.loc);
      requireSpatialElements(shape, who, site);
      return groupNorm(b.x, fixedDim(shape, 1, "the channel dim", who, site), b.weight, b.bias, b.eps, site, em, who);
    },
  },
  channelShuffle: {
    args: [x, arg("groups", "posInt")],
    lower: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => portLayers.ChannelShuffle.forward(undefined as never, b, b, site, em, who) as TensorValue,
  },
  unfold: { args: [x, ...windowArgs], lower: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => unfold(b.x, windowsOf(b), site, em, who) },
  fold: { args: [x, arg("outputSize", "size2"), ...windowArgs], lower: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => fold(b.x, b.outputSize, windowsOf(b), site, em, who) },
  lpPool1d: {
    args: [x, arg("normType", "posNumber"), arg("kernelSize", "size1"), opt("stride", "size1", null, { nullable: true }), opt("ceilMode", "bool", false)],
    lower: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => lpPool(b.x, b.normType, [b.kernelSize], [b.stride ?? b.kernelSize], 1, b.ceilMode, site, em, who),
  },
  lpPool2d: {
    args: [x, arg("normType", "posNumber"), arg("kernelSize", "size2"), opt("stride", "size2", null, { nullable: true }), opt("ceilMode", "bool", false)],
    lower: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => lpPool(b.x, b.normType, b.kernelSize, b.stride ?? b.kernelSize, 2, b.ceilMode, site, em, who),
  },
  bilinear: {
    args: [arg("input1", "tensor"), arg("input2", "tensor"), arg("weight", "tensor"), opt("bias", "tensor", null, { nullable: true })],
    lower: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => {
      if (b.weight.node.shape.length !== 3 || b.weight.node.shape.some(isBatch)) fail("shapeMismatch", `${who}: weight must be [out, in1, in2], got ${formatShape(b.weight.node.shape)}`, site.loc);
      return bilinear(b.input1, b.input2, b.weight, b.bias, site, em, who);
    },
  },
  // PyTorch's F.alpha_dropout defaults to training=False
  alphaDropout: { args: dropoutArgs, lower: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => alphaDropout(b.x, b.p, b.training, false, site, em, who) },
  featureAlphaDropout: { args: dropoutArgs, lower: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => alphaDropout(b.x, b.p, b.training, true, site, em, who) },
  cdist: {
    args: [arg("x1", "tensor"), arg("x2", "tensor"), opt("p", "any", 2)],
    lower: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => cdist(b.x1, b.x2, b.p, site, em, who),
  },
  pdist: {
    args: [arg("input", "tensor"), opt("p", "any", 2)],
    lower: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => pdist(b.input, b.p, site, em, who),
  },
};
