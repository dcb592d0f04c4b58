import { fail } from "../diagnostics/diagnostic.ts";
import { formatShape, isBatch } from "../ir/shape.ts";
import { arg, opt, type Bound } from "./args.ts";
import { fixedDim, ops } from "./composite-ops.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { fanInUniform, param, param_, x, type LayerSpec } from "./layer-spec.ts";
import { vectorNorm } from "./tensor-spellings.ts";
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

/** torch.cdist(x1 [*, P, M], x2 [*, R, M], p): the p-norm distance of every pair of rows, [*, P, R]. */
function cdist(x1: TensorValue, x2: TensorValue, p: Value, site: CallSite, em: GraphEmitter, who: string): TensorValue {
  const [a, b] = [x1.node.shape, x2.node.shape];
  if (a.length < 2 || b.length < 2 || !(a[a.length - 1] === b[b.length - 1]))
    fail("shapeMismatch", `${who} expects x1 [*, P, M] and x2 [*, R, M] with the same M, got ${formatShape(a)} and ${formatShape(b)}`, site.loc);
  const c = ops(em, who, site);
  const difference = c.op("sub", [unsqueeze(c, x1, a.length - 1), unsqueeze(c, x2, b.length - 2)]);
  return vectorNorm(difference, p, [difference.node.shape.length - 1], false, site, em, who);
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
 * (sum only). paddingIdx rows take no part: a mean divides by the bag's other rows, a bag of
 * padding only gives zeros, as PyTorch's.
 */
function embeddingBag(self: Parameters<typeof param_>[0], b: Bound, call: Bound, site: CallSite, em: GraphEmitter, who: string): TensorValue {
  const ids: TensorValue = call.input;
  if (call.offsets !== null) fail("unsupportedSyntax", `${who}: bags given by offsets (a 1-D input) are not supported; pass a 2-D input [B, L] of equal-length bags`, site.loc);
  if (ids.node.shape.length !== 2) fail("shapeMismatch", `${who} expects a 2-D input [B, L] of indices, got ${formatShape(ids.node.shape)}`, site.loc);
  const c = ops(em, who, site);
  let rows = em.tensor("embedding", [ids, param_(self, "weight")!], { paddingIdx: b.paddingIdx }, who, site); // [B, L, D]
  const weights: TensorValue | null = call.perSampleWeights;
  if (weights !== null) {
    if (b.mode !== "sum") fail("invalidArgument", `${who}: perSampleWeights is only supported with mode "sum", as PyTorch's`, site.loc);
    rows = c.op("mul", [rows, unsqueeze(c, weights, 2)]);
  }
  const present = b.paddingIdx === null ? null : unsqueeze(c, c.op("ne", [ids.node.dtype === "i32" ? c.op("to_float", [ids]) : ids, b.paddingIdx]), 2);
  if (b.mode === "max") {
    if (present) fail("invalidArgument", `${who}: mode "max" with paddingIdx is not supported`, site.loc);
    return c.op("amax", [rows], { dims: [1], keepdim: false });
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

export const moreLayers: Record<string, LayerSpec> = {
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
    args: [arg("numEmbeddings", "posInt"), arg("embeddingDim", "posInt"), opt("mode", "string", "mean", { choices: ["sum", "mean", "max"] }), opt("paddingIdx", "int", null, { nullable: true })],
    state: (b) => ({ params: [param("weight", [b.numEmbeddings, b.embeddingDim], { kind: "normal", std: 1 })] }),
    summary: (b) => `${b.numEmbeddings} × ${b.embeddingDim}, mode=${b.mode}`,
    inputs: [arg("input", "tensor"), opt("offsets", "any", null, { nullable: true }), opt("perSampleWeights", "tensor", null, { nullable: true })],
    forward: (self, b, call, site, em, who) => embeddingBag(self, b, call, site, em, who),
  },
  AlphaDropout: {
    args: [opt("p", "prob", 0.5), opt("inplace", "bool", false)],
    summary: (b) => `p=${b.p}`,
    inputs: [x],
    forward: (_self, b, call, site, em, who) => alphaDropout(call.x, b.p, ModeFlag.value, false, site, em, who),
  },
  FeatureAlphaDropout: {
    args: [opt("p", "prob", 0.5), opt("inplace", "bool", false)],
    summary: (b) => `p=${b.p}`,
    inputs: [x],
    forward: (_self, b, call, site, em, who) => alphaDropout(call.x, b.p, ModeFlag.value, true, site, em, who),
  },
};

/** t with a dim of 1 inserted at `dim` (torch.unsqueeze). */
function unsqueeze(c: ReturnType<typeof ops>, t: TensorValue, dim: number): TensorValue {
  const shape = [...t.node.shape];
  shape.splice(dim, 0, 1);
  return c.reshape(t, shape);
}

const dropoutArgs = [x, opt("p", "prob", 0.5), opt("training", "trainingFlag", false), opt("inplace", "bool", false)];

/** F.bilinear, F.alphaDropout, F.featureAlphaDropout, F.cdist. */
export const moreFunctions = {
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
};
