import { fail } from "../diagnostics/diagnostic.ts";
import { broadcastShapes } from "../ops/elementwise.ts";
import { formatShape, isBatch, type Dim } from "../ir/shape.ts";
import { describe, TensorValue, type CallSite, type Value } from "./values.ts";

// torch.distributions.MultivariateNormal for a small event size n (PPO-PyTorch's
// MultivariateNormal(action_mean, torch.diag_embed(action_var)), a Gaussian policy with a learned
// covariance through scale_tril). Everything PyTorch computes from the lower Cholesky factor L of the
// covariance is written here as tensor ops unrolled over the n rows and columns, so autodiff, the
// kernels and the reference see ordinary ops: the factor itself (Cholesky–Banachiewicz, one column at
// a time), triangular solves by forward substitution, log|Σ|^½ = Σ log Lᵢᵢ. n is at most MAX_EVENT:
// the unrolled ops grow as n² (solves) and n² vectors (the factor).

/** The largest event size unrolled: an action or latent vector, not an image. */
export const MAX_EVENT = 16;

/** The tensor methods the formulas call, as a model file calls them (distributions.ts Formulas). */
export interface TensorOps {
  op(name: string, inputs: (TensorValue | number)[], attrs?: Record<string, unknown>): TensorValue;
  method(x: TensorValue, name: string, ...args: Value[]): Value;
  draw(shape: readonly Dim[], distribution: "uniform" | "normal"): TensorValue;
  readonly who: string;
}

const t = (v: Value) => v as TensorValue;

/** x[..., i] (rank − 1 dims). */
const at = (f: TensorOps, x: TensorValue, i: number) => t(f.method(x, "select", -1, i));
/** x[..., i, j] of a matrix stack. */
const entry = (f: TensorOps, m: TensorValue, i: number, j: number) => at(f, t(f.method(m, "select", -2, i)), j);

/** A vector of length `length` placed at [start, start + length) of a zero vector of `size` along the last dim. */
function placed(f: TensorOps, v: TensorValue, start: number, size: number): TensorValue {
  const rank = v.node.shape.length;
  const length = v.node.shape[rank - 1] as number;
  return length === size ? v : f.op("pad_dim", [v], { dim: rank - 1, start, length, size });
}

/**
 * The lower Cholesky factor of a symmetric positive-definite [..., n, n] stack, column by column:
 * c = A[j:, j] − Σ_{k<j} L[j:, k]·L[j, k]; L[j, j] = √c₀, L[j+1:, j] = c[1:] / √c₀ (PyTorch's
 * torch.linalg.cholesky; a matrix that is not positive definite gives NaN where PyTorch raises).
 */
export function cholesky(f: TensorOps, a: TensorValue, n: number): TensorValue {
  const columns: TensorValue[] = [];
  for (let j = 0; j < n; j++) {
    // A[..., j:, j] and L's earlier columns' rows j: (each [..., n − j])
    let c = f.op("narrow", [at(f, a, j)], { dim: a.node.shape.length - 2, start: j, length: n - j });
    for (let k = 0; k < j; k++) {
      const lk = f.op("narrow", [columns[k]], { dim: columns[k].node.shape.length - 1, start: j, length: n - j });
      c = f.op("sub", [c, f.op("mul", [lk, t(f.method(at(f, columns[k], j), "unsqueeze", -1))])]);
    }
    const pivot = f.op("sqrt", [at(f, c, 0)]);
    const column = f.op("div", [c, t(f.method(pivot, "unsqueeze", -1))]); // c₀/√c₀ = √c₀ on the diagonal
    columns.push(placed(f, column, j, n));
  }
  return assemble(f, columns, n);
}

/** The matrix whose column k is columns[k] ([..., n] each): Σ_k columns[k] placed at column k. */
function assemble(f: TensorOps, columns: TensorValue[], n: number): TensorValue {
  let m: TensorValue | undefined;
  columns.forEach((c, k) => {
    const part = placed(f, t(f.method(c, "unsqueeze", -1)), k, n);
    m = m ? f.op("add", [m, part]) : part;
  });
  return m!;
}

/** z with L z = b for a lower-triangular L ([..., n, n]) and b ([..., n]), by forward substitution; z's rows as a list. */
function forwardSubstitution(f: TensorOps, l: TensorValue, b: TensorValue, n: number): TensorValue[] {
  const z: TensorValue[] = [];
  for (let i = 0; i < n; i++) {
    let r = at(f, b, i);
    for (let k = 0; k < i; k++) r = f.op("sub", [r, f.op("mul", [entry(f, l, i, k), z[k]])]);
    z.push(f.op("div", [r, entry(f, l, i, i)]));
  }
  return z;
}

const sumOf = (f: TensorOps, xs: TensorValue[]) => xs.reduce((s, x) => f.op("add", [s, x]));

/** Σᵢ log Lᵢᵢ = ½ log|Σ| (PyTorch's _batch_mahalanobis partner, half_log_det). */
export function halfLogDet(f: TensorOps, l: TensorValue, n: number): TensorValue {
  return sumOf(f, Array.from({ length: n }, (_, i) => f.op("log", [entry(f, l, i, i)])));
}

/** ‖L⁻¹ d‖², the squared Mahalanobis distance of d ([..., n]) under L Lᵀ. */
export function mahalanobis(f: TensorOps, l: TensorValue, d: TensorValue, n: number): TensorValue {
  return sumOf(f, forwardSubstitution(f, l, d, n).map((z) => f.op("mul", [z, z])));
}

/** L ε: row i is Σ_k L[i, k]·ε[k], as (L · ε[..., None, :]).sum(-1). */
export function scaleBy(f: TensorOps, l: TensorValue, eps: TensorValue): TensorValue {
  return t(f.method(f.op("mul", [l, t(f.method(eps, "unsqueeze", -2))]), "sum", -1));
}

/** ‖Lq⁻¹ Lp‖²_F: the trace term of KL(p ‖ q), Lq⁻¹ applied to each column of Lp. */
export function traceTerm(f: TensorOps, lq: TensorValue, lp: TensorValue, n: number): TensorValue {
  const terms: TensorValue[] = [];
  for (let k = 0; k < n; k++) for (const z of forwardSubstitution(f, lq, at(f, lp, k), n)) terms.push(f.op("mul", [z, z]));
  return sumOf(f, terms);
}

/**
 * The parameters of MultivariateNormal(loc, covariance_matrix | scale_tril): loc [..., n] and the
 * factor L [..., n, n], their batch shapes broadcast. precision_matrix is refused (its factor needs
 * a matrix inverse tsdp does not unroll).
 */
export function multivariateNormalParams(
  loc: TensorValue,
  given: "covarianceMatrix" | "scaleTril" | "precisionMatrix",
  matrix: Value,
  f: TensorOps,
  site: CallSite,
  matrixSite: CallSite,
): { loc: TensorValue; scaleTril: TensorValue; covarianceMatrix: TensorValue; batchShape: Dim[]; n: number } {
  const who = f.who;
  if (given === "precisionMatrix")
    return fail("unsupportedSyntax", `${who}: precision_matrix needs the Cholesky factor of its inverse, which tsdp does not compute; pass covariance_matrix (its inverse) or scale_tril`, matrixSite.loc);
  if (!(matrix instanceof TensorValue) || matrix.node.dtype !== "f32") return fail("wrongArgumentType", `${who}: ${given} must be a float32 tensor [..., n, n], got ${describe(matrix)}`, matrixSite.loc);
  const ls = loc.node.shape;
  const ms = matrix.node.shape;
  if (ls.length < 1) return fail("shapeMismatch", `${who}: loc must be at least one-dimensional (the event dim last), got a 0-dim tensor`, site.loc);
  const n = ls[ls.length - 1];
  if (isBatch(n)) return fail("shapeMismatch", `${who}: the event dim is loc's last, which cannot be the batch (${formatShape(ls)})`, site.loc);
  if (ms.length < 2 || ms[ms.length - 1] !== n || ms[ms.length - 2] !== n)
    return fail("shapeMismatch", `${who}: ${given} must be [..., ${n}, ${n}] for loc ${formatShape(ls)} (PyTorch's "must be at least two-dimensional, with optional leading batch dimensions"), got ${formatShape(ms)}`, matrixSite.loc);
  if (n > MAX_EVENT)
    return fail("unsupportedSyntax", `${who}: an event of ${n} dims; tsdp unrolls the Cholesky factor and its solves over the event, up to ${MAX_EVENT} dims. A diagonal covariance of any size is new Independent(new Normal(loc, std), 1)`, site.loc);
  const batchShape = broadcastShapes(ls.slice(0, -1), ms.slice(0, -2));
  if (!batchShape) return fail("shapeMismatch", `${who}: loc ${formatShape(ls)} and ${given} ${formatShape(ms)} have batch shapes that do not broadcast`, site.loc);
  const expandLoc = (x: TensorValue) => (x.node.shape.length === batchShape.length + 1 && x.node.shape.slice(0, -1).every((d, i) => d === batchShape[i] || (isBatch(d) && isBatch(batchShape[i]))) ? x : f.op("expand", [x], { shape: [...batchShape, n] }));
  const l = given === "scaleTril" ? matrix : cholesky(f, matrix, n);
  const covariance = given === "covarianceMatrix" ? matrix : t(f.method(l, "matmul", t(f.method(l, "transpose", -1, -2))));
  return { loc: expandLoc(loc), scaleTril: l, covarianceMatrix: covariance, batchShape, n };
}
