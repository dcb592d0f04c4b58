import type { Node } from "../ir/node.ts";
import { dimEq, formatDim, formatShape, isBatch, normalizeDim, numel, shapeEq } from "../ir/shape.ts";
import { type NDArray } from "../reference/ndarray.ts";
import { cFloat } from "./elementwise.ts";
import { defineOp, requireFloat, ShapeError, type OpDef, type RefContext, type RowProgram, type TensorType } from "./op.ts";

// Normalizations and softmax. Statistics are computed in float64 in the reference; variance
// for normalizing is the biased one (÷n), the running variance uses the unbiased one (÷(n−1)),
// exactly as PyTorch's BatchNorm does.

interface BatchNormAttrs {
  readonly eps: number;
  /** null: PyTorch's momentum=None, the cumulative average (factor 1/(num_batches_tracked + 1)) */
  readonly momentum: number | null;
  /** weight and bias follow x in the inputs */
  readonly affine: boolean;
  /** running_mean, running_var, num_batches_tracked follow */
  readonly track: boolean;
  /**
   * Held in train mode while the model evaluates (an overridden train(mode) that puts it back in
   * train mode): PyTorch's layer then normalizes by the batch and updates its statistics in every
   * forward, eval ones included.
   */
  readonly heldTrain?: boolean;
}

/** Whether the layer runs in train mode in this program: the model's mode, or always when held so. */
export const trainsBatchNorm = (a: BatchNormAttrs, training: boolean): boolean => training || a.heldTrain === true;

/**
 * A norm's mean as its kernel holds it: rounded to fp32 in a run with fp32 storage. Over a nearly
 * constant row that rounding is most of fp32's error: x − mean is then far smaller than x.
 */
const keptMean = (mean: number, ctx: Pick<RefContext, "float32">) => (ctx.float32 ? ctx.float32(mean) : mean);

/** Splits x [N, C, ...] into (N, C, inner) for per-channel statistics. */
function channelLayout(x: NDArray): [number, number, number] {
  const [n, c] = x.shape;
  return [n, c, x.data.length / (n * c)];
}

export const batchNorm: OpDef<BatchNormAttrs> = defineOp<BatchNormAttrs>({
  name: "batch_norm",
  codegen: { kind: "kernel", builder: "batch_norm" },
  family: "norm",
  traits: {
    batchStatistics: (node) => ({ perChannel: numel(node.shape.filter((_, i) => i !== 1)), inEval: !(node.attrs as BatchNormAttrs).track || (node.attrs as BatchNormAttrs).heldTrain === true }),
    updatesState: (a) => a.track,
  },
  inputs: ["x", "weight?", "bias?", "running_mean?", "running_var?", "num_batches_tracked?"],
  infer: ([x, ...rest], a, who) => {
    requireFloat(x, who);
    if (x.shape.length < 2) throw new ShapeError(`${who} expects an input [N, C, ...], got ${formatShape(x.shape)}`);
    const c = x.shape[1];
    const want = rest[0]?.shape[0];
    if (want !== undefined && !dimEq(c, want))
      throw new ShapeError(`${who} expects ${formatDim(want)} channels, got ${formatDim(c)} from ${formatShape(x.shape)}`);
    return x;
  },
  reference: (ins, a, ctx) => {
    const x = ins[0];
    let k = 1;
    const weight = a.affine ? ins[k++] : undefined;
    const bias = a.affine ? ins[k++] : undefined;
    const [n, c, inner] = channelLayout(x);
    const count = n * inner;
    const training = trainsBatchNorm(a, ctx.training);
    const useBatchStats = training || !a.track;
    const mean = new Float64Array(c);
    const varB = new Float64Array(c);
    if (useBatchStats) {
      for (let ch = 0; ch < c; ch++) {
        let s = 0;
        for (let i = 0; i < n; i++) for (let j = 0; j < inner; j++) s += x.data[(i * c + ch) * inner + j];
        mean[ch] = keptMean(s / count, ctx);
        let v = 0;
        for (let i = 0; i < n; i++)
          for (let j = 0; j < inner; j++) v += (x.data[(i * c + ch) * inner + j] - mean[ch]) ** 2;
        varB[ch] = v / count;
      }
    } else {
      mean.set(ins[k].data);
      varB.set(ins[k + 1].data);
    }
    if (training && a.track) {
      const [rmNode, rvNode, nbtNode] = ctx.node.inputs.slice(k, k + 3);
      // the statistics as they are now: a second call of the layer in this forward updates the
      // first call's result, as PyTorch's in-place update (and the kernel, reading the buffer) does
      const [running, runningVar, tracked] = [rmNode, rvNode, nbtNode].map((b) => ctx.readBuffer(b));
      // momentum None: the cumulative average over the batches seen, this one included
      const m = a.momentum ?? 1 / (tracked.data[0] + 1);
      const rm = running.data.map((r, ch) => (1 - m) * r + m * mean[ch]);
      const rv = runningVar.data.map((r, ch) => (1 - m) * r + (m * varB[ch] * count) / Math.max(count - 1, 1));
      ctx.writeBuffer(rmNode, { shape: [c], data: rm });
      ctx.writeBuffer(rvNode, { shape: [c], data: rv });
      ctx.writeBuffer(nbtNode, { shape: [], data: Float64Array.of(tracked.data[0] + 1) });
    }
    const out = new Float64Array(x.data.length);
    for (let i = 0; i < n; i++)
      for (let ch = 0; ch < c; ch++) {
        const scale = (weight ? weight.data[ch] : 1) / Math.sqrt(varB[ch] + a.eps);
        const shift = bias ? bias.data[ch] : 0;
        for (let j = 0; j < inner; j++) {
          const at = (i * c + ch) * inner + j;
          out[at] = (x.data[at] - mean[ch]) * scale + shift;
        }
      }
    return { shape: x.shape, data: out };
  },
  // dx from batch_norm_grad_input (batch statistics depend on x in train mode, the running ones
  // are constants in eval mode: the op decides at run time, as the forward does);
  // dweight = Σ dy·x̂ and dbias = Σ dy over every dim but the channel one. No gradient for the
  // running statistics, which the forward only reads or overwrites.
  grad: ({ node, dy, emit }) => {
    const a = batchNorm.attrsOf(node);
    const [x, ...rest] = node.inputs;
    const weight = a.affine ? rest[0] : undefined;
    const stats = a.track ? rest.slice(a.affine ? 2 : 0, (a.affine ? 2 : 0) + 2) : [];
    const attrs = { eps: a.eps, momentum: a.momentum, affine: a.affine, track: a.track };
    const dx = emit("batch_norm_grad_input", [dy, x, ...(weight ? [weight] : []), ...stats], attrs);
    const grads: (Node | null)[] = [dx];
    if (a.affine) {
      const dims = x.shape.map((_, i) => i).filter((i) => i !== 1);
      const xhat = emit("batch_norm_xhat", [x, ...stats], attrs);
      grads.push(emit("sum", [emit("mul", [dy, xhat])], { dims, keepdim: false }));
      grads.push(emit("sum", [dy], { dims, keepdim: false }));
    }
    while (grads.length < node.inputs.length) grads.push(null);
    return grads;
  },
});

/** Checks x [N, C, ...] and, when given, per-channel vectors [C] (the shape rule of batch_norm's backward ops). */
function batchNormBackwardInfer(x: TensorType, channelVectors: readonly TensorType[], who: string): void {
  requireFloat(x, who);
  if (x.shape.length < 2) throw new ShapeError(`${who} expects an input [N, C, ...], got ${formatShape(x.shape)}`);
  for (const v of channelVectors)
    if (v.shape.length !== 1 || !dimEq(v.shape[0], x.shape[1]))
      throw new ShapeError(`${who} expects per-channel vectors [${formatDim(x.shape[1])}], got ${formatShape(v.shape)}`);
}

/**
 * Per-channel mean and 1/√(var + eps) as batch_norm normalizes with them: the batch's (biased
 * variance) in train mode or without running statistics, else the running ones.
 */
function batchNormStats(x: NDArray, running: readonly NDArray[], a: BatchNormAttrs, ctx: Pick<RefContext, "training" | "float32">) {
  const [n, c, inner] = channelLayout(x);
  const count = n * inner;
  const mean = new Float64Array(c);
  const rstd = new Float64Array(c);
  const batchStats = trainsBatchNorm(a, ctx.training) || !a.track;
  for (let ch = 0; ch < c; ch++) {
    let m: number;
    let v: number;
    if (batchStats) {
      let s = 0;
      for (let i = 0; i < n; i++) for (let j = 0; j < inner; j++) s += x.data[(i * c + ch) * inner + j];
      m = keptMean(s / count, ctx);
      let q = 0;
      for (let i = 0; i < n; i++) for (let j = 0; j < inner; j++) q += (x.data[(i * c + ch) * inner + j] - m) ** 2;
      v = q / count;
    } else {
      m = running[0].data[ch];
      v = running[1].data[ch];
    }
    mean[ch] = m;
    rstd[ch] = 1 / Math.sqrt(v + a.eps);
  }
  return { n, c, inner, count, mean, rstd, batchStats };
}

/**
 * ∂loss/∂x of batch_norm, given dy. With batch statistics (PyTorch's batch_norm_backward):
 * dx = rstd·(g − mean(g) − x̂·mean(g·x̂)) per channel, g = dy·weight; with running statistics
 * dx = g·rstd. Inputs (dy, x, weight?, running_mean?, running_var?) by `affine` and `track`.
 * Never writes the running statistics.
 */
export const batchNormGradInput: OpDef<BatchNormAttrs> = defineOp<BatchNormAttrs>({
  name: "batch_norm_grad_input",
  codegen: { kind: "kernel", builder: "batch_norm_grad", xhatOnly: false },
  family: "norm",
  inputs: ["dy", "x", "weight?", "running_mean?", "running_var?"],
  infer: ([dy, x, ...rest], a, who) => {
    batchNormBackwardInfer(x, rest, who);
    if (!shapeEq(dy.shape, x.shape))
      throw new ShapeError(`${who}: dy ${formatShape(dy.shape)} and x ${formatShape(x.shape)} differ`);
    return x;
  },
  reference: ([dy, x, ...rest], a, ctx) => {
    const weight = a.affine ? rest[0] : undefined;
    const running = a.track ? rest.slice(a.affine ? 1 : 0) : [];
    const { n, c, inner, count, mean, rstd, batchStats } = batchNormStats(x, running, a, ctx);
    const out = new Float64Array(x.data.length);
    for (let ch = 0; ch < c; ch++) {
      const w = weight ? weight.data[ch] : 1;
      let sg = 0;
      let sgx = 0;
      if (batchStats)
        for (let i = 0; i < n; i++)
          for (let j = 0; j < inner; j++) {
            const at = (i * c + ch) * inner + j;
            const g = dy.data[at] * w;
            sg += g;
            sgx += g * (x.data[at] - mean[ch]) * rstd[ch];
          }
      for (let i = 0; i < n; i++)
        for (let j = 0; j < inner; j++) {
          const at = (i * c + ch) * inner + j;
          const g = dy.data[at] * w;
          out[at] = batchStats ? rstd[ch] * (g - sg / count - (x.data[at] - mean[ch]) * rstd[ch] * (sgx / count)) : g * rstd[ch];
        }
    }
    return { shape: x.shape, data: out };
  },
  // Its own gradient (a gradient taken in forward with createGraph through BatchNorm, then
  // differentiated by the step: MAML's inner step over a BatchNorm network): the same dx composed of
  // differentiable ops — per channel over every other dim with the batch's statistics, g·rsqrt(var + eps)
  // with the running ones, chosen by the mode as the op chooses — and the sweep's vector-Jacobian
  // product through it. The running statistics get none, as in the forward's gradient.
  grad: (ctx) => {
    const a = batchNormGradInput.attrsOf(ctx.node);
    const { emit } = ctx;
    const [dy, x, ...rest] = ctx.node.inputs;
    const weight = a.affine ? rest[0] : undefined;
    const running = a.track ? rest.slice(a.affine ? 1 : 0) : [];
    const dims = x.shape.map((_, i) => i).filter((i) => i !== 1);
    const perChannel = (v: Node) => emit("reshape", [v], { shape: x.shape.map((d, i) => (i === 1 ? d : 1)) });
    const mean = (t: Node) => emit("mean", [t], { dims, keepdim: true });
    const g = weight ? emit("mul", [dy, perChannel(weight)]) : dy;
    const centered = emit("sub", [x, mean(x)]);
    const rstd = emit("rsqrt", [emit("add", [mean(emit("mul", [centered, centered])), ctx.constant(a.eps)])]);
    const xhat = emit("mul", [centered, rstd]);
    const byBatch = emit("mul", [rstd, emit("sub", [emit("sub", [g, mean(g)]), emit("mul", [xhat, mean(emit("mul", [g, xhat]))])])]);
    const byRunning = running.length ? emit("mul", [g, perChannel(emit("rsqrt", [emit("add", [running[1], ctx.constant(a.eps)])]))]) : undefined;
    const dx = byRunning && a.heldTrain !== true ? emit("mode_select", [byBatch, byRunning]) : byBatch;
    const wrt = [dy, x, ...(weight ? [weight] : [])];
    return [...ctx.vjp(dx, ctx.dy, wrt), ...running.map(() => null)];
  },
});

/**
 * batch_norm's normalized input x̂ = (x − mean)·rstd, without the affine map, with the
 * statistics the forward uses in the current mode (see batchNormStats); for the gradient of
 * the weight. Inputs (x, running_mean?, running_var?) by `track`. Never writes buffers.
 */
export const batchNormXhat = defineOp<BatchNormAttrs>({
  name: "batch_norm_xhat",
  codegen: { kind: "kernel", builder: "batch_norm_grad", xhatOnly: true },
  family: "norm",
  inputs: ["x", "running_mean?", "running_var?"],
  infer: ([x, ...running], _a, who) => {
    batchNormBackwardInfer(x, running, who);
    return x;
  },
  reference: ([x, ...running], a, ctx) => {
    const { n, c, inner, mean, rstd } = batchNormStats(x, running, a, ctx);
    const out = new Float64Array(x.data.length);
    for (let i = 0; i < n; i++)
      for (let ch = 0; ch < c; ch++)
        for (let j = 0; j < inner; j++) {
          const at = (i * c + ch) * inner + j;
          out[at] = (x.data[at] - mean[ch]) * rstd[ch];
        }
    return { shape: x.shape, data: out };
  },
});

interface LayerNormAttrs {
  readonly normalizedShape: readonly number[];
  readonly eps: number;
  readonly hasWeight: boolean;
  readonly hasBias: boolean;
}

/** A row is the normalized trailing dims: mean, then biased variance (as PyTorch), then the affine map. */
function layerNormRows(node: Node, a: LayerNormAttrs): RowProgram {
  const shape = node.inputs[0].shape;
  const length = a.normalizedShape.reduce((p, q) => p * q, 1);
  let write = "(xk - mean) * rstd";
  if (a.hasWeight) write = `(${write}) * weight[k]`;
  if (a.hasBias) write = `${write} + bias[k]`;
  return {
    length,
    inner: [],
    outer: shape.slice(0, shape.length - a.normalizedShape.length),
    // The corrected two-pass mean (Σ(x − mean) added back): fp32's sum/n of a constant row is off by
    // an ulp, which would normalize it to ±ulp/√eps instead of float64's and PyTorch's exact 0.
    passes: [
      { acc: "sum", identity: "0.0f", fold: "sum + xk", after: [`const float mean0 = tsdp_warp_sum(sum) / ${length};`] },
      { acc: "dev", identity: "0.0f", fold: "dev + (xk - mean0)", after: [`const float mean = mean0 + tsdp_warp_sum(dev) / ${length};`] },
      { acc: "sq", identity: "0.0f", fold: "sq + (xk - mean) * (xk - mean)", after: [`const float rstd = rsqrtf(tsdp_warp_sum(sq) / ${length} + ${cFloat(a.eps)});`] },
    ],
    write,
    ...(a.hasWeight ? { weight: 1 } : {}),
    ...(a.hasBias ? { bias: a.hasWeight ? 2 : 1 } : {}),
  };
}

export const layerNorm: OpDef<LayerNormAttrs> = defineOp<LayerNormAttrs>({
  name: "layer_norm",
  codegen: { kind: "kernel", builder: "rowwise", row: layerNormRows },
  family: "norm",
  inputs: ["x", "weight?", "bias?"],
  infer: ([x], a, who) => {
    requireFloat(x, who);
    const k = a.normalizedShape.length;
    const tail = x.shape.slice(x.shape.length - k);
    if (x.shape.length < k || !tail.every((d, i) => dimEq(d, a.normalizedShape[i])))
      throw new ShapeError(
        `${who} normalizes over the last dims [${a.normalizedShape.join(", ")}], but the input is ${formatShape(x.shape)}`,
      );
    return x;
  },
  reference: ([x, ...rest], a, ctx) => {
    const inner = a.normalizedShape.reduce((p, q) => p * q, 1);
    const weight = a.hasWeight ? rest[0] : undefined;
    const bias = a.hasBias ? rest[a.hasWeight ? 1 : 0] : undefined;
    const out = new Float64Array(x.data.length);
    for (let r = 0; r < x.data.length / inner; r++) {
      let s = 0;
      for (let j = 0; j < inner; j++) s += x.data[r * inner + j];
      const mean = keptMean(s / inner, ctx);
      let v = 0;
      for (let j = 0; j < inner; j++) v += (x.data[r * inner + j] - mean) ** 2;
      const rstd = 1 / Math.sqrt(v / inner + a.eps);
      for (let j = 0; j < inner; j++)
        out[r * inner + j] =
          (x.data[r * inner + j] - mean) * rstd * (weight ? weight.data[j] : 1) + (bias ? bias.data[j] : 0);
    }
    return { shape: x.shape, data: out };
  },
  // dx from layer_norm_grad_input; dweight = Σ dy·x̂ and dbias = Σ dy over the leading dims,
  // x̂ being layer_norm without the affine map.
  grad: ({ node, dy, emit }) => {
    const a = layerNorm.attrsOf(node);
    const [x, ...rest] = node.inputs;
    const weight = a.hasWeight ? rest[0] : undefined;
    const attrs = { normalizedShape: a.normalizedShape, eps: a.eps, hasWeight: a.hasWeight, hasBias: a.hasBias };
    const dx = emit("layer_norm_grad_input", [dy, x, ...(weight ? [weight] : [])], attrs);
    const lead = x.shape.length - a.normalizedShape.length;
    const overLeading = (g: Node) => (lead > 0 ? emit("sum", [g], { dims: [...Array(lead).keys()], keepdim: false }) : g);
    const grads: (Node | null)[] = [dx];
    if (a.hasWeight) {
      const xhat = emit("layer_norm", [x], { normalizedShape: a.normalizedShape, eps: a.eps, hasWeight: false, hasBias: false });
      grads.push(overLeading(emit("mul", [dy, xhat])));
    }
    if (a.hasBias) grads.push(overLeading(dy));
    return grads;
  },
});

/**
 * ∂loss/∂x of layer_norm, given dy: per normalized row, dx = rstd·(g − mean(g) − x̂·mean(g·x̂))
 * with g = dy·weight (PyTorch's layer_norm_backward). Inputs (dy, x, weight?) by `hasWeight`.
 */
export const layerNormGradInput = defineOp<LayerNormAttrs>({
  name: "layer_norm_grad_input",
  codegen: { kind: "kernel", builder: "layer_norm_grad" },
  family: "norm",
  inputs: ["dy", "x", "weight?"],
  infer: ([dy, x, weight], a, who) => {
    const t = layerNorm.infer([x], a, who);
    if (!shapeEq(dy.shape, x.shape))
      throw new ShapeError(`${who}: dy ${formatShape(dy.shape)} and x ${formatShape(x.shape)} differ`);
    if (a.hasWeight && (!weight || !shapeEq(weight.shape, a.normalizedShape)))
      throw new ShapeError(`${who} expects a weight [${a.normalizedShape.join(", ")}], got ${weight ? formatShape(weight.shape) : "none"}`);
    return t;
  },
  reference: ([dy, x, weight], a, ctx) => {
    const inner = a.normalizedShape.reduce((p, q) => p * q, 1);
    const w = a.hasWeight ? weight : undefined;
    const out = new Float64Array(x.data.length);
    for (let r = 0; r < x.data.length / inner; r++) {
      const row = r * inner;
      let s = 0;
      for (let j = 0; j < inner; j++) s += x.data[row + j];
      const mean = keptMean(s / inner, ctx);
      let v = 0;
      for (let j = 0; j < inner; j++) v += (x.data[row + j] - mean) ** 2;
      const rstd = 1 / Math.sqrt(v / inner + a.eps);
      let sg = 0;
      let sgx = 0;
      for (let j = 0; j < inner; j++) {
        const g = dy.data[row + j] * (w ? w.data[j] : 1);
        sg += g;
        sgx += g * (x.data[row + j] - mean) * rstd;
      }
      for (let j = 0; j < inner; j++) {
        const g = dy.data[row + j] * (w ? w.data[j] : 1);
        out[row + j] = rstd * (g - sg / inner - (x.data[row + j] - mean) * rstd * (sgx / inner));
      }
    }
    return { shape: x.shape, data: out };
  },
  // Its own gradient (a penalty on the input gradient of a critic with LayerNorm, taken in forward
  // with createGraph): the same dx composed of differentiable ops, mean and rsqrt over the normalized
  // dims, and the sweep's vector-Jacobian product through it.
  grad: (ctx) => {
    const a = layerNormGradInput.attrsOf(ctx.node);
    const { emit } = ctx;
    const [dy, x, weight] = ctx.node.inputs;
    const k = a.normalizedShape.length;
    const dims = [...Array(k).keys()].map((i) => x.shape.length - k + i);
    const mean = (t: Node) => emit("mean", [t], { dims, keepdim: true });
    const centered = emit("sub", [x, mean(x)]);
    const rstd = emit("rsqrt", [emit("add", [mean(emit("mul", [centered, centered])), ctx.constant(a.eps)])]);
    const xhat = emit("mul", [centered, rstd]);
    const g = a.hasWeight ? emit("mul", [dy, weight]) : dy;
    const dx = emit("mul", [rstd, emit("sub", [emit("sub", [g, mean(g)]), emit("mul", [xhat, mean(emit("mul", [g, xhat]))])])]);
    return ctx.vjp(dx, ctx.dy, ctx.node.inputs);
  },
});

/** Applies `f` to every 1-D slice along `dim` (given as outer × n × inner). */
export function alongDim(x: NDArray, dim: number, f: (slice: Float64Array) => Float64Array): NDArray {
  const n = x.shape[dim] ?? 1;
  const inner = x.shape.slice(dim + 1).reduce((p, q) => p * q, 1);
  const outer = x.data.length / (n * inner);
  const out = new Float64Array(x.data.length);
  const slice = new Float64Array(n);
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      for (let k = 0; k < n; k++) slice[k] = x.data[(o * n + k) * inner + i];
      const r = f(slice);
      for (let k = 0; k < n; k++) out[(o * n + k) * inner + i] = r[k];
    }
  return { shape: x.shape, data: out };
}

/**
 * A row's maximum m and s = Σ exp(v − m): softmax is exp(v − m)/s and log_softmax (v − m) − log s,
 * as PyTorch's. Log-sum-exp m + log s is never formed: at a large |m| (a row masked with
 * finfo.min) the sum rounds log s's digits away, and every element of the row then reads 0.
 */
export function shiftedSum(v: ArrayLike<number>): { m: number; s: number } {
  let m = -Infinity;
  for (let i = 0; i < v.length; i++) m = Math.max(m, v[i]);
  let s = 0;
  for (let i = 0; i < v.length; i++) s += Math.exp(v[i] - m);
  return { m, s };
}

/** A row is `dim`: its maximum m, then s = Σ exp(x − m), then exp(x − m)/s or (x − m) − log s. */
function softmaxRows(log: boolean) {
  return (node: Node, a: { readonly dim: number }): RowProgram => {
    const shape = node.inputs[0].shape;
    const dim = normalizeDim(a.dim, shape.length)!;
    return {
      length: shape[dim] as number,
      inner: shape.slice(dim + 1),
      outer: shape.slice(0, dim),
      passes: [
        { acc: "m", identity: "-INFINITY", fold: "tsdp_max(m, xk)", after: ["m = tsdp_warp_max(m);"] },
        // log: (x − m) − log s, not x − (m + log s), whose sum rounds log s away at a large |m|
        { acc: "s", identity: "0.0f", fold: "s + expf(xk - m)", after: ["s = tsdp_warp_sum(s);", log ? "const float ls = logf(s);" : "const float inv = 1.0f / s;"] },
      ],
      write: log ? "(xk - m) - ls" : "expf(xk - m) * inv",
    };
  };
}

function softmaxInfer(name: string, log: boolean): OpDef<{ readonly dim: number }> {
  const op: OpDef<{ readonly dim: number }> = defineOp<{ readonly dim: number }>({
    name,
    family: "norm",
    codegen: { kind: "kernel", builder: "rowwise", row: softmaxRows(log) },
    inputs: ["x"],
    // Along the batch dim (a softmax over samples) the row kernel has no fixed row length: the same
    // value from reductions over each replica's share of the batch, as sum and amax over it are
    // (DataParallel's replicas compute it so): e = exp(x − max), e / Σe, or (x − max) − log Σe. The
    // max is detached: its gradient cancels exactly, as PyTorch's softmax backward has none.
    canonical: ([x], a, _result, emit) => {
      const dim = normalizeDim(a.dim, x.shape.length);
      if (dim === undefined || !isBatch(x.shape[dim])) return undefined;
      const along = { dims: [dim], keepdim: true };
      const shifted = emit("sub", [x, emit("detach", [emit("amax", [x], along)])]);
      const e = emit("exp", [shifted]);
      const total = emit("sum", [e], along);
      return log ? emit("sub", [shifted, emit("log", [total])]) : emit("div", [e, total]);
    },
    infer: ([x], a, who) => {
      requireFloat(x, who);
      if (normalizeDim(a.dim, x.shape.length) === undefined)
        throw new ShapeError(`${who}: dim ${a.dim} is out of range for ${formatShape(x.shape)}`, "invalidArgument");
      return x;
    },
    reference: ([x], a) =>
      alongDim(x, normalizeDim(a.dim, x.shape.length)!, (v) => {
        const { m, s } = shiftedSum(v);
        return v.map((e) => (log ? e - m - Math.log(s) : Math.exp(e - m) / s));
      }),
    // softmax: dx = y·(dy − Σ_dim dy·y); log_softmax: dx = dy − exp(y)·Σ_dim dy (y the output)
    grad: ({ node, dy, emit }) => {
      const y = node;
      // a 0-d tensor is its own single slice
      const sumDim = (g: Node) =>
        y.shape.length === 0 ? g : emit("sum", [g], { dims: [normalizeDim(op.attrsOf(node).dim, y.shape.length)!], keepdim: true });
      if (log) return [emit("sub", [dy, emit("mul", [emit("exp", [y]), sumDim(dy)])])];
      const s = sumDim(emit("mul", [dy, y]));
      return [emit("mul", [y, emit("sub", [dy, s])])];
    },
  });
  return op;
}

export const softmax = softmaxInfer("softmax", false);
export const logSoftmax = softmaxInfer("log_softmax", true);
