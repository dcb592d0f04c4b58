import { dimEq, formatDim, formatShape, normalizeDim } from "../ir/shape.ts";
import { type NDArray } from "../reference/ndarray.ts";
import { defineOp, requireFloat, ShapeError } from "./op.ts";

// Normalizations and softmax. Statistics are computed in float64 in the reference; variance
// for normalizing is the biased one (÷n), the running variance uses the unbiased one (÷(n−1)),
// exactly as PyTorch's BatchNorm does.

interface BatchNormAttrs {
  readonly eps: number;
  readonly momentum: number;
  /** weight and bias follow x in the inputs */
  readonly affine: boolean;
  /** running_mean, running_var, num_batches_tracked follow */
  readonly track: boolean;
}

/** Splits x [N, C, ...] into (N, C, inner) for per-channel statistics. */
function channelLayout(x: NDArray): [number, number, number] {
  const [n, c] = x.shape;
  return [n, c, x.data.length / (n * c)];
}

export const batchNorm = defineOp<BatchNormAttrs>({
  name: "batch_norm",
  lowering: { kind: "kernel", template: "batch_norm" },
  family: "norm",
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
    const useBatchStats = ctx.training || !a.track;
    const mean = new Float64Array(c);
    const varB = new Float64Array(c);
    if (useBatchStats) {
      for (let ch = 0; ch < c; ch++) {
        let s = 0;
        for (let i = 0; i < n; i++) for (let j = 0; j < inner; j++) s += x.data[(i * c + ch) * inner + j];
        mean[ch] = s / count;
        let v = 0;
        for (let i = 0; i < n; i++)
          for (let j = 0; j < inner; j++) v += (x.data[(i * c + ch) * inner + j] - mean[ch]) ** 2;
        varB[ch] = v / count;
      }
    } else {
      mean.set(ins[k].data);
      varB.set(ins[k + 1].data);
    }
    if (ctx.training && a.track) {
      const m = a.momentum;
      const [rmNode, rvNode, nbtNode] = ctx.node.inputs.slice(k, k + 3);
      const rm = ins[k].data.map((r, ch) => (1 - m) * r + m * mean[ch]);
      const rv = ins[k + 1].data.map((r, ch) => (1 - m) * r + (m * varB[ch] * count) / Math.max(count - 1, 1));
      ctx.writeBuffer(rmNode, { shape: [c], data: rm });
      ctx.writeBuffer(rvNode, { shape: [c], data: rv });
      ctx.writeBuffer(nbtNode, { shape: [], data: Float64Array.of(ins[k + 2].data[0] + 1) });
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
});

interface LayerNormAttrs {
  readonly normalizedShape: readonly number[];
  readonly eps: number;
  readonly hasWeight: boolean;
  readonly hasBias: boolean;
}

export const layerNorm = defineOp<LayerNormAttrs>({
  name: "layer_norm",
  lowering: { kind: "kernel", template: "rowwise" },
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
  reference: ([x, ...rest], a) => {
    const inner = a.normalizedShape.reduce((p, q) => p * q, 1);
    const weight = a.hasWeight ? rest[0] : undefined;
    const bias = a.hasBias ? rest[a.hasWeight ? 1 : 0] : undefined;
    const out = new Float64Array(x.data.length);
    for (let r = 0; r < x.data.length / inner; r++) {
      let s = 0;
      for (let j = 0; j < inner; j++) s += x.data[r * inner + j];
      const mean = s / inner;
      let v = 0;
      for (let j = 0; j < inner; j++) v += (x.data[r * inner + j] - mean) ** 2;
      const rstd = 1 / Math.sqrt(v / inner + a.eps);
      for (let j = 0; j < inner; j++)
        out[r * inner + j] =
          (x.data[r * inner + j] - mean) * rstd * (weight ? weight.data[j] : 1) + (bias ? bias.data[j] : 0);
    }
    return { shape: x.shape, data: out };
  },
});

/** Applies `f` to every 1-D slice along `dim` (given as outer × n × inner). */
function alongDim(x: NDArray, dim: number, f: (slice: Float64Array) => Float64Array): NDArray {
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

/** log Σ exp, shifted by the maximum so that large logits do not overflow. */
export function logSumExp(v: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < v.length; i++) m = Math.max(m, v[i]);
  if (m === -Infinity) return -Infinity;
  let s = 0;
  for (let i = 0; i < v.length; i++) s += Math.exp(v[i] - m);
  return m + Math.log(s);
}

function softmaxInfer(name: string, log: boolean) {
  return defineOp<{ readonly dim: number }>({
    name,
    family: "norm",
    lowering: { kind: "kernel", template: "rowwise" },
    inputs: ["x"],
    infer: ([x], a, who) => {
      requireFloat(x, who);
      if (normalizeDim(a.dim, x.shape.length) === undefined)
        throw new ShapeError(`${who}: dim ${a.dim} is out of range for ${formatShape(x.shape)}`, "invalidArgument");
      return x;
    },
    reference: ([x], a) =>
      alongDim(x, normalizeDim(a.dim, x.shape.length)!, (v) => {
        const lse = logSumExp(v);
        return v.map((e) => (log ? e - lse : Math.exp(e - lse)));
      }),
  });
}

export const softmax = softmaxInfer("softmax", false);
export const logSoftmax = softmaxInfer("log_softmax", true);
