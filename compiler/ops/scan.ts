import { formatShape, isBatch, normalizeDim } from "../ir/shape.ts";
import type { NDArray } from "../reference/ndarray.ts";
import { defineOp, requireFloat, ShapeError, type OpDef, type ScanProgram, type TensorType } from "./op.ts";

// Running combinations along a fixed-size dim, one line at a time: torch.cumsum (RoBERTa numbers
// its positions with `mask.cumsum(1) * mask + padding_idx`), torch.cumprod (a diffusion model's
// ᾱ_t = Π α_s), torch.logcumsumexp and torch.cummax / cummin, and the gradients that are scans
// too. Each op states its line twice: in float64 for the reference (`line`) and in C for the
// kernel (`scan`, one thread per line: kernels/scan.ts, which declares
// `c`, `pos`, `at` and `first` around the step). Along the batch dim a running value would
// cross the devices the batch is split over, so that dim is refused.

export interface ScanAttrs {
  readonly dim: number;
  readonly reverse: boolean;
}
interface DimAttrs {
  readonly dim: number;
}
interface ExtremeAttrs {
  readonly dim: number;
  /** cummax (true) or cummin */
  readonly largest: boolean;
  /** the running extreme's index (int32) instead of its value */
  readonly indices: boolean;
}

/** The dim a scan runs along, checked: in range, and not the batch. */
function scanDim(x: TensorType, dim: number, who: string): number {
  const d = normalizeDim(dim, x.shape.length);
  if (d === undefined) throw new ShapeError(`${who}: dim ${dim} is out of range for ${formatShape(x.shape)}`, "invalidArgument");
  if (isBatch(x.shape[d]))
    throw new ShapeError(`${who}: dim ${dim} of ${formatShape(x.shape)} is the batch, which is split across devices (a running value over samples would cross them)`, "shapeMismatch");
  return d;
}

/** The inputs' lines along `dim` (all of one shape), each mapped by `f` to the output's line. */
function alongLines(ins: readonly NDArray[], dim: number, f: (lines: Float64Array[]) => Float64Array): NDArray {
  const shape = ins[0].shape;
  const d = normalizeDim(dim, shape.length)!;
  const n = shape[d] ?? 1;
  const inner = shape.slice(d + 1).reduce((p, q) => p * q, 1);
  const outer = ins[0].data.length / (n * inner);
  const out = new Float64Array(ins[0].data.length);
  const lines = ins.map(() => new Float64Array(n));
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      ins.forEach((t, j) => {
        for (let k = 0; k < n; k++) lines[j][k] = t.data[(o * n + k) * inner + i];
      });
      const r = f(lines);
      for (let k = 0; k < n; k++) out[(o * n + k) * inner + i] = r[k];
    }
  return { shape, data: out };
}

/** log(eᵃ + eᵇ) as PyTorch's logcumsumexp combines: NaN stays NaN, equal infinities stay themselves. */
function logAddExp(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return NaN;
  const hi = Math.max(a, b);
  const lo = Math.min(a, b);
  return lo === hi && !Number.isFinite(lo) ? hi : hi + Math.log1p(Math.exp(lo - hi));
}
const C_LOG_ADD_EXP =
  "auto log_add_exp = [](float a, float b) { if (isnan(a) || isnan(b)) return NAN; const float hi = fmaxf(a, b), lo = fminf(a, b); return (lo == hi && isinf(lo)) ? hi : hi + log1pf(expf(lo - hi)); };";

/** Defines a scan op: shape of its first input, float, along a fixed-size dim. */
function scanOp<A extends DimAttrs>(spec: {
  name: string;
  inputs: string[];
  dtype?: (a: A) => "f32" | "i32";
  line: (lines: Float64Array[], a: A) => Float64Array;
  scan: (a: A) => ScanProgram;
  grad?: OpDef<A>["grad"];
}): OpDef<A> {
  return defineOp<A>({
    name: spec.name,
    family: "reduce",
    codegen: { kind: "kernel", builder: "scan" },
    traits: { scan: spec.scan },
    inputs: spec.inputs,
    infer: (ins, a, who) => {
      for (const t of ins) requireFloat(t, who);
      if (ins.some((t) => formatShape(t.shape) !== formatShape(ins[0].shape)))
        throw new ShapeError(`${who}: inputs of different shapes ${ins.map((t) => formatShape(t.shape)).join(", ")}`);
      scanDim(ins[0], a.dim, who);
      return { shape: ins[0].shape, dtype: spec.dtype?.(a) ?? "f32" };
    },
    reference: (ins, a) => alongLines(ins, a.dim, (lines) => spec.line(lines, a)),
    ...(spec.grad ? { grad: spec.grad } : {}),
  });
}

/** y_c = Σ_{k ≤ c} x_k (from the end when reversed, which is its own gradient: ∂L/∂x_i = Σ_{j ≥ i} ∂L/∂y_j). */
export const cumsum: OpDef<ScanAttrs> = scanOp<ScanAttrs>({
  name: "cumsum",
  inputs: ["x"],
  line: ([x], a) => {
    const out = new Float64Array(x.length);
    let s = 0;
    for (let k = 0; k < x.length; k++) {
      const at = a.reverse ? x.length - 1 - k : k;
      s += x[at];
      out[at] = s;
    }
    return out;
  },
  // the running sum in double, each output rounded to float, as PyTorch's CPU kernel (acc_type of
  // float is double there): a float sum serial along a line of 2^22 drifts by 2 % on offset data
  // (accum54), where PyTorch's CUDA scan (a tree) stays near float's epsilon
  scan: (a) => ({ setup: ["double s = 0.0;"], passes: [{ reverse: a.reverse, step: ["s += x[at];", "out[at] = (float)s;"] }] }),
  grad: ({ node, dy, emit }) => {
    const a = cumsum.attrsOf(node);
    return [emit("cumsum", [dy], { dim: a.dim, reverse: !a.reverse })];
  },
});

/** y_c = Π_{k ≤ c} x_k. */
export const cumprod: OpDef<DimAttrs> = scanOp<DimAttrs>({
  name: "cumprod",
  inputs: ["x"],
  line: ([x]) => {
    let p = 1;
    return x.map((v) => (p *= v));
  },
  // in double as cumsum, as PyTorch's CPU kernel: a product past float's range and back (1e30 · 1e30 · 1e-30) is 1e30, not ∞
  scan: () => ({ setup: ["double p = 1.0;"], passes: [{ reverse: false, step: ["p *= x[at];", "out[at] = (float)p;"] }] }),
  grad: ({ node, dy, emit }) => [emit("cumprod_grad", [node.inputs[0], dy], { dim: cumprod.attrsOf(node).dim })],
});

/**
 * ∂L/∂x of cumprod, exact where x has zeros (no division by x):
 * ∂L/∂x_i = Σ_{j ≥ i} dy_j·Π_{k ≤ j, k ≠ i} x_k = (Π_{k < i} x_k)·S_i with S_i = Σ_{j ≥ i} dy_j·Π_{i < k ≤ j} x_k,
 * and S_i = dy_i + x_{i+1}·S_{i+1}: one pass from the line's end for S, one from its start for the prefix.
 */
export const cumprodGrad: OpDef<DimAttrs> = scanOp<DimAttrs>({
  name: "cumprod_grad",
  inputs: ["x", "dy"],
  line: ([x, dy]) => {
    const n = x.length;
    const out = new Float64Array(n);
    let s = 0;
    for (let i = n - 1; i >= 0; i--) out[i] = s = dy[i] + (i + 1 < n ? x[i + 1] * s : 0);
    let p = 1;
    for (let i = 0; i < n; i++) {
      out[i] *= p;
      p *= x[i];
    }
    return out;
  },
  scan: () => ({
    setup: ["float s = 0.0f, next = 0.0f, p = 1.0f;"],
    passes: [
      { reverse: true, step: ["s = dy[at] + next * s;", "next = x[at];", "out[at] = s;"] },
      { reverse: false, step: ["out[at] *= p;", "p *= x[at];"] },
    ],
  }),
});

/** y_c = log Σ_{k ≤ c} e^{x_k}, combined a step at a time as log(e^{y_{c−1}} + e^{x_c}). */
export const logcumsumexp: OpDef<DimAttrs> = scanOp<DimAttrs>({
  name: "logcumsumexp",
  inputs: ["x"],
  line: ([x]) => {
    let r = -Infinity;
    return x.map((v) => (r = logAddExp(r, v)));
  },
  scan: () => ({ setup: [C_LOG_ADD_EXP, "float r = -INFINITY;"], passes: [{ reverse: false, step: ["r = log_add_exp(r, x[at]);", "out[at] = r;"] }] }),
  grad: ({ node, dy, emit }) => [emit("logcumsumexp_grad", [node.inputs[0], node, dy], { dim: logcumsumexp.attrsOf(node).dim })],
});

/**
 * ∂L/∂x of logcumsumexp: ∂L/∂x_i = Σ_{j ≥ i} dy_j·e^{x_i − y_j}, kept in log space as PyTorch's
 * backward does — the positive and the negative dy summed apart, each a running log-sum-exp of
 * log|dy_j| − y_j from the line's end — so that neither e^{x_i} nor e^{−y_j} overflows.
 */
export const logcumsumexpGrad: OpDef<DimAttrs> = scanOp<DimAttrs>({
  name: "logcumsumexp_grad",
  inputs: ["x", "y", "dy"],
  line: ([x, y, dy]) => {
    const out = new Float64Array(x.length);
    let pos = -Infinity;
    let neg = -Infinity;
    for (let i = x.length - 1; i >= 0; i--) {
      if (dy[i] > 0) pos = logAddExp(pos, Math.log(dy[i]) - y[i]);
      else if (dy[i] < 0) neg = logAddExp(neg, Math.log(-dy[i]) - y[i]);
      out[i] = Math.exp(x[i] + pos) - Math.exp(x[i] + neg);
    }
    return out;
  },
  scan: () => ({
    setup: [C_LOG_ADD_EXP, "float plus = -INFINITY, minus = -INFINITY;  // log Σ |dy_j|·e^(−y_j) over the positive and the negative dy"],
    passes: [
      {
        reverse: true,
        step: [
          "const float g = dy[at];",
          "if (g > 0.0f) plus = log_add_exp(plus, logf(g) - y[at]);",
          "else if (g < 0.0f) minus = log_add_exp(minus, logf(-g) - y[at]);",
          "out[at] = expf(x[at] + plus) - expf(x[at] + minus);",
        ],
      },
    ],
  }),
});

/**
 * The running maximum (cummax) or minimum (cummin) and where it was, as PyTorch's kernel keeps
 * them: an element replaces the extreme when it is NaN or, the extreme not being NaN, when it is
 * ≥ it (≤ for the minimum) — so ties take the later index and a NaN, once met, stays.
 */
function runningExtreme(x: Float64Array, largest: boolean): Int32Array {
  const idx = new Int32Array(x.length);
  let best = NaN;
  let at = 0;
  for (let c = 0; c < x.length; c++) {
    const v = x[c];
    if (c === 0 || Number.isNaN(v) || (!Number.isNaN(best) && (largest ? v >= best : v <= best))) {
      best = v;
      at = c;
    }
    idx[c] = at;
  }
  return idx;
}
const cExtremeStep = (largest: boolean) => [
  "const float v = x[at];",
  `if (pos == 0 || isnan(v) || (!isnan(best) && v ${largest ? ">=" : "<="} best)) { best = v; index = pos; }`,
];

export const cumExtreme: OpDef<ExtremeAttrs> = scanOp<ExtremeAttrs>({
  name: "cum_extreme",
  inputs: ["x"],
  dtype: (a) => (a.indices ? "i32" : "f32"),
  line: ([x], a) => {
    const idx = runningExtreme(x, a.largest);
    return Float64Array.from(idx, (i) => (a.indices ? i : x[i]));
  },
  scan: (a) => ({
    setup: ["float best = 0.0f;", "int index = 0;"],
    passes: [{ reverse: false, step: [...cExtremeStep(a.largest), a.indices ? "out[at] = index;" : "out[at] = best;"] }],
  }),
  // the values' gradient reaches the element each running extreme was taken from; indices have none
  grad: ({ node, dy, emit }) => {
    const a = cumExtreme.attrsOf(node);
    return [a.indices ? null : emit("cum_extreme_grad", [node.inputs[0], dy], { dim: a.dim, largest: a.largest })];
  },
});

/** ∂L/∂x of cummax / cummin's values: ∂L/∂x_i = Σ of dy_j over the j whose running extreme is x_i. */
export const cumExtremeGrad: OpDef<Omit<ExtremeAttrs, "indices">> = scanOp<Omit<ExtremeAttrs, "indices">>({
  name: "cum_extreme_grad",
  inputs: ["x", "dy"],
  line: ([x, dy], a) => {
    const out = new Float64Array(x.length);
    runningExtreme(x, a.largest).forEach((i, j) => (out[i] += dy[j]));
    return out;
  },
  scan: (a) => ({
    setup: ["float best = 0.0f;", "int index = 0;"],
    passes: [
      { reverse: false, step: ["out[at] = 0.0f;"] },
      { reverse: false, step: [...cExtremeStep(a.largest), "out[offset(index)] += dy[at];"] },
    ],
  }),
});
