import { fail } from "../diagnostics/diagnostic.ts";
import { modeOf } from "./module-modes.ts";
import { batchTimes, dimEq, formatShape, isBatch } from "../ir/shape.ts";
import { arg, locOfArg, opt, type ArgSpec, type Bound } from "./args.ts";
import { fixedDim, ops, safeSoftmax } from "./composite-ops.ts";
import { isBooleanMask } from "./boolean-masks.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { fanInUniform, param, param_, x, xavierUniform, zeros, type LayerSpec } from "./layer-spec.ts";
import { normalInit } from "./initial-values.ts";
import { ModeFlag, ModuleValue, TensorValue, type CallSite, type Value } from "./values.ts";

// nn.MultiheadAttention as a composition of linear projections and attention, with PyTorch's
// parameters: in_proj_weight, in_proj_bias, out_proj.weight, out_proj.bias — or, where the keys or
// values are of another width (kdim, vdim: cross-attention to another model's features), PyTorch's
// separate q_proj_weight [E, E], k_proj_weight [E, kdim] and v_proj_weight [E, vdim] instead of
// in_proj_weight. Computed batch first; PyTorch's default layout (batchFirst: false, [L, N, E]) is
// transposed in and out.

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
 * What one attention computes with: the input projections (one packed [3E, E] weight, or three of
 * their own widths), their bias [3E], the appended key and value (addBiasKv), addZeroAttn, the
 * dropout on the weights and when it applies, and the output projection — the module's
 * parameters, or F.multiHeadAttentionForward's arguments.
 */
export interface AttentionWeights {
  readonly inProj: TensorValue | null;
  readonly separate: readonly [TensorValue, TensorValue, TensorValue] | null;
  readonly inBias: TensorValue | null;
  readonly biasK: TensorValue | null;
  readonly biasV: TensorValue | null;
  readonly addZeroAttn: boolean;
  readonly dropout: number;
  readonly mode: boolean | ModeFlag;
  readonly outWeight: TensorValue;
  readonly outBias: TensorValue | null;
}

/** The layout settings: embedDim, numHeads, batchFirst, kdim and vdim (null: embedDim). */
interface AttentionLayout {
  readonly embedDim: number;
  readonly numHeads: number;
  readonly batchFirst: boolean;
  readonly kdim: number | null;
  readonly vdim: number | null;
}

/** nn.MultiheadAttention's parameters and settings as AttentionWeights. */
function moduleWeights(self: ModuleValue, b: Bound): AttentionWeights {
  const own = ["q_proj_weight", "k_proj_weight", "v_proj_weight"].map((n) => param_(self, n));
  const outProj = self.fields.get("out_proj") as ModuleValue;
  return {
    inProj: param_(self, "in_proj_weight"),
    separate: own[0] ? (own as [TensorValue, TensorValue, TensorValue]) : null,
    inBias: param_(self, "in_proj_bias"),
    biasK: b.addBiasKv ? param_(self, "bias_k") : null,
    biasV: b.addBiasKv ? param_(self, "bias_v") : null,
    addZeroAttn: b.addZeroAttn,
    dropout: b.dropout,
    mode: modeOf(self),
    outWeight: param_(outProj, "weight")!,
    outBias: param_(outProj, "bias"),
  };
}

function multiheadAttention(self: ModuleValue, b: Bound, call: Bound, site: CallSite, em: GraphEmitter, who: string): Value {
  return attention(moduleWeights(self, b), b as unknown as AttentionLayout, call, site, em, who);
}

/**
 * nn.MultiheadAttention's forward: query, key and value [N, L, E] (batchFirst) or [L, N, E], the
 * output the same; the weights are [N, L, S] in both, as PyTorch's.
 */
function attention(w: AttentionWeights, b: AttentionLayout, call: Bound, site: CallSite, em: GraphEmitter, who: string): Value {
  if ((call.query as TensorValue).node.shape.length === 2) return unbatchedAttention(w, b, call, site, em, who);
  const E: number = b.embedDim;
  const layout = b.batchFirst ? "[N, L" : "[L, N";
  const widths = { query: E, key: b.kdim ?? E, value: b.vdim ?? E };
  for (const name of ["query", "key", "value"] as const) {
    const t: TensorValue = call[name];
    if (t.node.shape.length !== 3 || t.node.shape[2] !== widths[name])
      fail(
        "shapeMismatch",
        `${who}: ${name} must be ${layout}, ${widths[name]}] (batchFirst: ${b.batchFirst}), got ${formatShape(t.node.shape)}`,
        site.loc,
      );
  }
  if (b.batchFirst) return batchFirstAttention(w, b, call, site, em, who);
  for (const name of ["query", "key", "value"] as const)
    if (isBatch((call[name] as TensorValue).node.shape[0]))
      fail("shapeMismatch", `${who} (batchFirst: false, PyTorch's default) reads ${name} as [L, N, ${widths[name]}], got ${formatShape((call[name] as TensorValue).node.shape)} with the batch first: construct it with { batchFirst: true }, or give x.transpose(0, 1)`, site.loc);
  // one transpose per distinct tensor, so self-attention keeps its one projection GEMM
  const c = ops(em, who, site);
  const swapped = new Map<unknown, TensorValue>();
  const swap = (t: TensorValue) => swapped.get(t.node) ?? swapped.set(t.node, c.permute(t, [1, 0, 2])).get(t.node)!;
  const [out, weights] = batchFirstAttention(w, b, { ...call, query: swap(call.query), key: swap(call.key), value: swap(call.value) }, site, em, who) as [TensorValue, Value];
  return [c.permute(out, [1, 0, 2]), weights];
}

/**
 * PyTorch's unbatched call (whatever batchFirst): query [L, E], key [S, kdim], value [S, vdim],
 * keyPaddingMask [S], attnMask [L, S] or [numHeads, L, S] — a batch of one, the output [L, E] and
 * the weights [L, S] ([numHeads, L, S] unaveraged) with that dim gone again.
 */
function unbatchedAttention(w: AttentionWeights, b: AttentionLayout, call: Bound, site: CallSite, em: GraphEmitter, who: string): Value {
  const E: number = b.embedDim;
  const widths = { query: E, key: b.kdim ?? E, value: b.vdim ?? E };
  for (const name of ["query", "key", "value"] as const) {
    const shape = (call[name] as TensorValue).node.shape;
    if (shape.length !== 2 || shape[1] !== widths[name] || isBatch(shape[0]))
      fail("shapeMismatch", `${who}: an unbatched ${name === "query" ? "query" : "call"} takes ${name} as [${name === "query" ? "L" : "S"}, ${widths[name]}] (PyTorch's 2-D form), got ${formatShape(shape)}`, site.loc);
  }
  const c = ops(em, who, site);
  const one = (t: TensorValue) => c.reshape(t, [1, ...t.node.shape]);
  // one reshape per distinct tensor, so self-attention keeps its one projection GEMM
  const batched = new Map<unknown, TensorValue>();
  const batch = (t: TensorValue) => batched.get(t.node) ?? batched.set(t.node, one(t)).get(t.node)!;
  const padding = call.keyPaddingMask as TensorValue | null;
  if (padding && padding.node.shape.length !== 1) fail("shapeMismatch", `${who}: an unbatched call takes keyPaddingMask as [S], got ${formatShape(padding.node.shape)}`, site.loc);
  const [out, weights] = batchFirstAttention(w, b, { ...call, query: batch(call.query), key: batch(call.key), value: batch(call.value), keyPaddingMask: padding && one(padding) }, site, em, who) as [TensorValue, TensorValue | null];
  const squeeze = (t: TensorValue) => c.reshape(t, t.node.shape.slice(1));
  return [squeeze(out), weights && squeeze(weights)];
}

/**
 * The attention on [N, L, E] tensors: the input projections (one GEMM with
 * in_proj_weight when query, key and value are one tensor, else three slices of it), H heads of
 * softmax(q·kᵀ/√D + mask)·v, the heads joined and out_proj. Returns [output, weights] as PyTorch's
 * tuple: weights [N, L, S] averaged over the heads (or [N, H, L, S]), null when needWeights is false.
 */
function batchFirstAttention(w: AttentionWeights, b: AttentionLayout, call: Bound, site: CallSite, em: GraphEmitter, who: string): Value {
  const E: number = b.embedDim;
  const H: number = b.numHeads;
  const D = E / H;
  const [q, k, v] = [call.query, call.key, call.value] as TensorValue[];
  if (!dimEq(k.node.shape[1], v.node.shape[1])) fail("shapeMismatch", `${who}: key and value must have the same length, got ${formatShape(k.node.shape)} and ${formatShape(v.node.shape)}`, site.loc);
  const c = ops(em, who, site);
  const weight = w.inProj;
  const bias = w.inBias;
  // the i-th projection's weight: a third of in_proj_weight, or its own (kdim, vdim)
  const project = (t: TensorValue, i: number) =>
    c.op("linear", [t, weight ? c.narrow(weight, 0, i * E, E) : w.separate![i], ...(bias ? [c.narrow(bias, 0, i * E, E)] : [])]);
  let qp: TensorValue, kp: TensorValue, vp: TensorValue;
  if (weight && q.node === k.node && k.node === v.node) {
    const packed = c.op("linear", [q, weight, ...(bias ? [bias] : [])]);
    [qp, kp, vp] = [0, 1, 2].map((i) => c.narrow(packed, 2, i * E, E));
  } else [qp, kp, vp] = [project(q, 0), project(k, 1), project(v, 2)];
  const heads = (t: TensorValue) => c.permute(c.reshape(t, [t.node.shape[0], t.node.shape[1], H, D]), [0, 2, 1, 3]);
  let scores = c.op("mul", [c.op("matmul", [heads(qp), c.permute(heads(kp), [0, 1, 3, 2])]), 1 / Math.sqrt(D)]);
  const L = fixedDim(q.node.shape, 1, "the query's length", who, site);
  const S = fixedDim(k.node.shape, 1, "the key's length", who, site);
  // a float mask is added to the scores; a bool one (a comparison's: PyTorch's bool tensor) masks out where True
  const applyMask = (m: TensorValue) => (isBooleanMask(m.node) ? c.op("masked_fill", [scores, m], { value: -Infinity }) : c.op("add", [scores, m]));
  if (call.attnMask) {
    const m: TensorValue = call.attnMask;
    const [N, ms] = [q.node.shape[0], m.node.shape];
    // [L, S] for every sample and head, or PyTorch's [N·H, L, S] (Mask2Former's per-query masks), sample-major: row b·H + h
    const NH = isBatch(N) ? batchTimes(N.batch * H) : (N as number) * H;
    const perHead = ms.length === 3 && dimEq(ms[0], NH) && ms[1] === L && ms[2] === S;
    if (!perHead && (ms.length !== 2 || ms[0] !== L || ms[1] !== S))
      fail("shapeMismatch", `${who}: attnMask must be a mask [${L}, ${S}] or [N·numHeads, ${L}, ${S}] = ${formatShape([NH, L, S])} (a float one added to the scores, a bool one masking out where true), got ${formatShape(ms)}`, site.loc);
    scores = applyMask(perHead ? c.reshape(m, [N, H, L, S]) : m);
  } else if (call.isCausal) {
    const future = c.op("triangle", [c.op("full", [], { shape: [L, S], value: 1 })], { diagonal: 1, upper: true });
    scores = c.op("masked_fill", [scores, future], { value: -Infinity });
  }
  if (call.keyPaddingMask) {
    // PyTorch's key_padding_mask [N, S] for every head and query: a float one added, a bool one masking out padded keys
    const m: TensorValue = call.keyPaddingMask;
    const [n, s] = m.node.shape;
    if (m.node.shape.length !== 2 || s !== S || !dimEq(n, q.node.shape[0]))
      fail("shapeMismatch", `${who}: keyPaddingMask must be a mask [N, ${S}] (N the query's batch), got ${formatShape(m.node.shape)}`, site.loc);
    scores = applyMask(c.reshape(m, [n, 1, 1, S]));
  }
  // addBiasKv and addZeroAttn: PyTorch appends a learned key/value (bias_k, bias_v) and then a zero
  // one to every sample's keys and values, after the projections, and pads the masks with a column
  // that masks nothing — so their scores join the masked ones unmasked, q·bias_kᵀ/√D and 0
  const extra: [TensorValue, TensorValue][] = [];
  const N = q.node.shape[0];
  const perSample = (t: TensorValue) => c.op("expand", [c.reshape(t, [1, 1, E])], { shape: [N, 1, E] });
  if (w.biasK && w.biasV) extra.push([perSample(w.biasK), perSample(w.biasV)]);
  if (w.addZeroAttn) {
    const zero = perSample(c.op("full", [], { shape: [1, 1, E], value: 0 }));
    extra.push([zero, zero]);
  }
  if (extra.length) {
    const join = (ts: TensorValue[]) => (ts.length === 1 ? ts[0] : c.op("concat", ts, { dim: 1 }));
    const extraKeys = join(extra.map(([key]) => key));
    const extraScores = c.op("mul", [c.op("matmul", [heads(qp), c.permute(heads(extraKeys), [0, 1, 3, 2])]), 1 / Math.sqrt(D)]);
    scores = c.op("concat", [scores, extraScores], { dim: 3 });
    vp = c.op("concat", [vp, ...extra.map(([, value]) => value)], { dim: 1 });
  }
  // needWeights false is PyTorch's scaled_dot_product_attention path, whose rows with every key
  // masked give 0 (since 2.5); with the weights asked for, the plain softmax's NaN, as PyTorch's
  let weights = call.needWeights ? c.op("softmax", [scores], { dim: 3 }) : safeSoftmax(c, scores, 3);
  if (w.dropout > 0 && w.mode !== false) weights = c.op("dropout", [weights], { p: w.dropout, mode: w.mode === true ? "always" : "train" });
  const joined = c.reshape(c.permute(c.op("matmul", [weights, heads(vp)]), [0, 2, 1, 3]), [q.node.shape[0], L, E]);
  const out = em.tensor("linear", [joined, w.outWeight, ...(w.outBias ? [w.outBias] : [])], {}, who, site);
  if (!call.needWeights) return [out, null];
  return [out, call.averageAttnWeights ? c.op("mean", [weights], { dims: [1], keepdim: false }) : weights];
}

export const multiheadAttentionLayer: LayerSpec = {
  args: [
    arg("embedDim", "posInt"),
    arg("numHeads", "posInt"),
    opt("dropout", "prob", 0),
    opt("bias", "bool", true),
    // PyTorch's order, for a port that passes them by position: batch_first comes last
    opt("addBiasKv", "bool", false),
    opt("addZeroAttn", "bool", false),
    opt("kdim", "posInt", null, { nullable: true }),
    opt("vdim", "posInt", null, { nullable: true }),
    opt("batchFirst", "bool", false),
  ],
  state: (b) => {
    const [E, kdim, vdim] = [b.embedDim, b.kdim ?? b.embedDim, b.vdim ?? b.embedDim];
    // PyTorch's _qkv_same_embed_dim: one packed weight, else three (each xavier_uniform_ on its own shape)
    const packed = kdim === E && vdim === E;
    return {
      params: [
        ...(packed
          ? // xavier_uniform_ on [3E, E]: fan_in E, fan_out 3E
            [param("in_proj_weight", [3 * E, E], xavierUniform(E, 3 * E))]
          : [param("q_proj_weight", [E, E], xavierUniform(E, E)), param("k_proj_weight", [E, kdim], xavierUniform(kdim, E)), param("v_proj_weight", [E, vdim], xavierUniform(vdim, E))]),
        ...(b.bias ? [param("in_proj_bias", [3 * E], zeros)] : []),
        // [1, 1, E], xavier_normal_: fan in and out E each, std √(2 / 2E)
        ...(b.addBiasKv ? [param("bias_k", [1, 1, E], normalInit(0, Math.sqrt(1 / E))), param("bias_v", [1, 1, E], normalInit(0, Math.sqrt(1 / E)))] : []),
      ],
    };
  },
  // PyTorch's attributes: kdim and vdim are embedDim when not given; headDim; _qkv_same_embed_dim,
  // whether the projections are one packed in_proj_weight (code that reads the weights checks it)
  attributes: (b) => {
    const [kdim, vdim] = [b.kdim ?? b.embedDim, b.vdim ?? b.embedDim];
    return { kdim, vdim, headDim: b.embedDim / b.numHeads, _qkv_same_embed_dim: kdim === b.embedDim && vdim === b.embedDim };
  },
  children: (b) => [{ name: "out_proj", typeName: "nn.Linear", spec: outProjection, args: { features: b.embedDim, bias: b.bias } }],
  summary: (b) => `${b.embedDim}, heads=${b.numHeads}${b.kdim != null && b.kdim !== b.embedDim ? `, kdim=${b.kdim}` : ""}${b.vdim != null && b.vdim !== b.embedDim ? `, vdim=${b.vdim}` : ""}${b.dropout ? `, dropout=${b.dropout}` : ""}`,
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
};

/**
 * F.multi_head_attention_forward's arguments, PyTorch's order (OpenAI CLIP's AttentionPool2d calls
 * it with use_separate_proj_weight and its own q_proj, k_proj, v_proj and c_proj weights).
 */
export const multiHeadAttentionForwardArgs: ArgSpec[] = [
  arg("query", "tensor"),
  arg("key", "tensor"),
  arg("value", "tensor"),
  arg("embedDimToCheck", "posInt"),
  arg("numHeads", "posInt"),
  arg("inProjWeight", "tensor", { nullable: true }),
  arg("inProjBias", "tensor", { nullable: true }),
  arg("biasK", "tensor", { nullable: true }),
  arg("biasV", "tensor", { nullable: true }),
  arg("addZeroAttn", "bool"),
  arg("dropoutP", "prob"),
  arg("outProjWeight", "tensor"),
  arg("outProjBias", "tensor", { nullable: true }),
  opt("training", "trainingFlag", true),
  opt("keyPaddingMask", "tensor", null, { nullable: true }),
  opt("needWeights", "bool", true),
  opt("attnMask", "tensor", null, { nullable: true }),
  opt("useSeparateProjWeight", "bool", false),
  opt("qProjWeight", "tensor", null, { nullable: true }),
  opt("kProjWeight", "tensor", null, { nullable: true }),
  opt("vProjWeight", "tensor", null, { nullable: true }),
  opt("staticK", "tensor", null, { nullable: true }),
  opt("staticV", "tensor", null, { nullable: true }),
  opt("averageAttnWeights", "bool", true),
  opt("isCausal", "bool", false),
];

/**
 * F.multi_head_attention_forward: nn.MultiheadAttention's computation with the weights given —
 * query, key and value sequence first [L, N, E] (or unbatched [L, E]), returning [output,
 * weights] as the module does. staticK / staticV (precomputed per-head keys) are refused.
 */
export function multiHeadAttentionForward(b: Bound, site: CallSite, em: GraphEmitter, who: string): Value {
  const query: TensorValue = b.query;
  const E = query.node.shape.at(-1);
  if (E !== b.embedDimToCheck) fail("shapeMismatch", `${who}: was expecting embedding dimension of ${b.embedDimToCheck}, but got ${formatShape(query.node.shape)}`, locOfArg(b, "query", site));
  if (b.embedDimToCheck % b.numHeads !== 0) fail("invalidArgument", `${who}: embedDimToCheck (${b.embedDimToCheck}) must be divisible by numHeads (${b.numHeads})`, locOfArg(b, "numHeads", site));
  if (b.staticK !== null || b.staticV !== null) fail("invalidArgument", `${who}: staticK and staticV (precomputed per-head keys and values) are not supported; pass the keys and values as key and value`, locOfArg(b, b.staticK !== null ? "staticK" : "staticV", site));
  if ((b.biasK === null) !== (b.biasV === null)) fail("invalidArgument", `${who}: biasK and biasV are given together or not at all, as PyTorch requires`, locOfArg(b, b.biasK === null ? "biasV" : "biasK", site));
  const separate = b.useSeparateProjWeight ? (["qProjWeight", "kProjWeight", "vProjWeight"] as const).map((n) => b[n] as TensorValue | null) : null;
  if (separate ? separate.some((t) => t === null) : b.inProjWeight === null)
    fail("invalidArgument", separate ? `${who}: useSeparateProjWeight needs qProjWeight, kProjWeight and vProjWeight` : `${who}: inProjWeight is needed unless useSeparateProjWeight is true`, site.loc);
  const weights: AttentionWeights = {
    inProj: separate ? null : b.inProjWeight,
    separate: separate as [TensorValue, TensorValue, TensorValue] | null,
    inBias: b.inProjBias,
    biasK: b.biasK,
    biasV: b.biasV,
    addZeroAttn: b.addZeroAttn,
    dropout: b.dropoutP,
    mode: b.training instanceof ModeFlag ? b.training : b.training === true,
    outWeight: b.outProjWeight,
    outBias: b.outProjBias,
  };
  // the widths of key and value: their projections' columns
  const width = (t: TensorValue | null | undefined) => (t ? (t.node.shape[1] as number) : (E as number));
  const layout: AttentionLayout = { embedDim: b.embedDimToCheck, numHeads: b.numHeads, batchFirst: false, kdim: width(separate?.[1]), vdim: width(separate?.[2]) };
  return attention(weights, layout, b, site, em, who);
}
