// Shapes with one symbolic batch dimension.
//
// A dim is a constant or k·Batch. The coefficient lets shapes survive a flatten of the batch
// into another dim and back: view(-1) of [Batch, 10] is [10·Batch], and view(-1, 10) of that
// is [Batch, 10] again. Every element count is c·Batch^p with p ∈ {0, 1, 2}: p = 2 is an in-batch
// pair matrix (u @ v.T over the batch, [Batch, Batch]), which each device computes over the pairs
// of its own share of the batch, as PyTorch's DDP does without an all_gather (README, "In-batch
// pairs"); p > 2 is rejected (MAX_BATCH_DIMS).

export type Dim = number | BatchDim;
export interface BatchDim {
  readonly batch: number;
}
export type Shape = readonly Dim[];

export const Batch: BatchDim = Object.freeze({ batch: 1 });

/** The most dims a tensor may have the batch in: two, an in-batch pair matrix [Batch, Batch]. */
export const MAX_BATCH_DIMS = 2;

export function isBatch(d: Dim): d is BatchDim {
  return typeof d !== "number";
}

/**
 * The image count of dim 0 of an image-shaped tensor [N, C, H, W] as a C expression of the run's
 * `batch`, and its value at a batch: N is the batch, a multiple of it (frames folded into the
 * batch: x.view(B·T, C, H, W), a volume's depths) or a fixed number. Kernels over images count
 * them with this, never with `batch` itself.
 */
export function imagesOf(n: Dim): { readonly c: string; readonly at: (batch: number) => number } {
  if (!isBatch(n)) return { c: String(n), at: () => n };
  return { c: n.batch === 1 ? "batch" : `(${n.batch} * batch)`, at: (batch) => n.batch * batch };
}

/**
 * What a model that relates samples to each other does instead of slicing, joining or pairing the
 * batch dim (each device holds only its share of the batch): appended to those refusals, which
 * otherwise say what is wrong but not how a few-shot episode or a contrastive pair is written.
 */
export const BATCH_GROUP_HINT =
  "a model that relates samples to each other (an episode's support and query) takes each group as one sample — inputs with the batch first and the group after it, [Batch, 6, 1, 28, 28]; in-batch negatives are a [Batch, Batch] pair matrix, a.matmul(b.t()), each device pairing its own share (README: In-batch pairs)";

export function batchTimes(k: number): BatchDim {
  return k === 1 ? Batch : Object.freeze({ batch: k });
}

export function dimEq(a: Dim, b: Dim): boolean {
  if (typeof a === "number" || typeof b === "number") return a === b;
  return a.batch === b.batch;
}

export function shapeEq(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => dimEq(d, b[i]));
}

export function formatDim(d: Dim): string {
  if (typeof d === "number") return String(d);
  return d.batch === 1 ? "Batch" : `${d.batch}*Batch`;
}

export function formatShape(s: Shape): string {
  return `[${s.map(formatDim).join(", ")}]`;
}

/** Element count as c·Batch^p. */
export interface Count {
  readonly c: number;
  readonly p: number;
}

export function numel(s: Shape): Count {
  let c = 1;
  let p = 0;
  for (const d of s) {
    if (typeof d === "number") c *= d;
    else {
      c *= d.batch;
      p += 1;
    }
  }
  return { c, p };
}

/** Elements per sample of a shape with at most one batch dim (the whole count if none). */
export function perSample(s: Shape): number {
  return numel(s).c;
}

export function hasBatch(s: Shape): boolean {
  return s.some(isBatch);
}

/** Resolves the symbolic batch to a concrete size. */
export function concrete(s: Shape, batchSize: number): number[] {
  return s.map((d) => (typeof d === "number" ? d : d.batch * batchSize));
}

/** Normalizes a possibly negative dim index as PyTorch does; undefined when out of range. */
export function normalizeDim(dim: number, rank: number): number | undefined {
  const r = Math.max(rank, 1);
  if (!Number.isInteger(dim) || dim < -r || dim >= r) return undefined;
  return dim < 0 ? dim + r : dim;
}
