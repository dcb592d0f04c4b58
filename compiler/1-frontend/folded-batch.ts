import { fail } from "../diagnostics/diagnostic.ts";
import type { Node } from "../ir/node.ts";
import { batchTimes, formatShape, isBatch, type Dim } from "../ir/shape.ts";
import { opDef } from "../ops/index.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import type { CallSite, TensorValue } from "./values.ts";

// The batch folded into dim 0 with c rows per sample ([c·Batch, …]: DGCNN's x.view(B·N, -1), EGNN's
// h of every graph's nodes), indexed by `local + arange(B)·c` (the idx_base / edge-offset idiom: each
// sample's rows offset by its position). Each sample's index elements name rows of that sample only,
// so each device reads and writes its own share, as a DataParallel replica computes its offsets from
// its own x.size(0). An index that reaches another sample's rows is reported when the kernel runs.

/**
 * The rows per sample c of a dim c·Batch with c ≥ 2, or undefined. With one row per sample an index
 * of data could only name the sample's own row (x[arange(B)]) or another's (mixup's x[randperm(B)],
 * which pairs samples across devices): refused where it is written, not when the kernel runs.
 * An index with several elements per sample (`indexRows` m·Batch, m ≥ 2) into one row per sample is
 * PyG's `batch` vector — each node's graph id, arange(B).repeat_interleave(N): global_add_pool's
 * zeros(B, F).index_add_(0, batch, x), a graph's features back on its nodes as u[batch] — so c = 1.
 */
export function foldedRowsPerSample(d: Dim, indexRows?: Dim): number | undefined {
  if (!isBatch(d)) return undefined;
  return d.batch > 1 || (indexRows !== undefined && isBatch(indexRows) && indexRows.batch > 1) ? d.batch : undefined;
}

/**
 * An index [m·Batch, …] into dim 0 of a [c·Batch, …] tensor, as each sample's own rows:
 * [Batch, m, …], each element minus its sample's offset b·c, checked to lie in [0, c).
 */
export function sampleLocalRows(index: TensorValue, c: number, who: string, site: CallSite, em: GraphEmitter): TensorValue {
  const S = index.node.shape;
  const a = S[0];
  if (!isBatch(a) || S.slice(1).some(isBatch))
    fail("shapeMismatch", `${who}: an index into the batch folded with ${c} rows per sample must have the batch in its first dim only, as idx + arange(B).view(-1, 1, …)·${c} has, got ${formatShape(S)}`, site.loc);
  const rest = S.slice(1);
  const positions = em.tensor("arange_int", [], { start: 0, step: 1, length: batchTimes(1) }, who, site);
  const bases = em.tensor("mul", [em.tensor("reshape", [positions], { shape: [batchTimes(1), 1, ...rest.map(() => 1)] }, who, site), em.constant(c, site)], {}, who, site);
  const perSample = em.tensor("reshape", [index], { shape: [batchTimes(1), a.batch, ...rest] }, who, site);
  return em.tensor("index_check", [em.tensor("sub", [perSample, bases], {}, who, site)], { limit: c, what: `${who} (each sample's rows of the batch folded with ${c} rows per sample)` }, who, site);
}

/**
 * Rows of x [c·Batch, …] taken by an index whose dim 0 carries the batch, as each sample's own:
 * "vector" (x[idx], index_select(0, idx): whole rows, the index 1-D or of any shape S, result
 * [...S, …rest]) or "elementwise" (gather(0, idx): the index of x's rank, no larger besides dim 0).
 * A take along dim 1 of x viewed [Batch, c, …], by the sample-local index.
 */
export function foldedTake(x: TensorValue, index: TensorValue, c: number, mode: "vector" | "elementwise", who: string, site: CallSite, em: GraphEmitter): TensorValue {
  const rest = x.node.shape.slice(1);
  const S = index.node.shape;
  if (mode === "elementwise" && (S.length !== x.node.shape.length || S.slice(1).some((d, i) => typeof d !== "number" || typeof rest[i] !== "number" || d > (rest[i] as number))))
    fail("shapeMismatch", `${who}: the index ${formatShape(S)} must have the input's ${x.node.shape.length} dims and be no larger than the input ${formatShape(x.node.shape)} besides dim 0`, site.loc);
  const order = sampleOrder(index, who, site, em);
  const local = sampleLocalRows(order.toSamples(index), c, who, site, em);
  const viewed = em.tensor("reshape", [x], { shape: [batchTimes(1), c, ...rest] }, who, site);
  if (mode === "elementwise") {
    // gather's index may be smaller than x besides dim 0: the leading part of x there
    const part = rest.reduce((v: TensorValue, d, i) => (S[i + 1] !== d ? em.tensor("narrow", [v], { dim: i + 2, start: 0, length: S[i + 1] as number }, who, site) : v), viewed);
    const taken = em.tensor("take", [part, local], { dim: 1, mode: "elementwise", reported: true }, who, site);
    return order.fromSamples(em.tensor("reshape", [taken], { shape: [...S] }, who, site));
  }
  const m = (local.node.shape.slice(1) as number[]).reduce((p, q) => p * q, 1);
  const column = em.tensor("reshape", [local], { shape: [batchTimes(1), m, ...rest.map(() => 1)] }, who, site);
  const spread = rest.length ? em.tensor("expand", [column], { shape: [batchTimes(1), m, ...rest] }, who, site) : column;
  const taken = em.tensor("take", [viewed, spread], { dim: 1, mode: "elementwise", reported: true }, who, site);
  return order.fromSamples(em.tensor("reshape", [taken], { shape: [...S, ...rest] }, who, site));
}

/**
 * index_add / index_copy / index_fill's 1-D index [m·Batch] into x [c·Batch, …] as scatter's: each
 * element repeated along x's other dims, [m·Batch, …rest], so the folded scatter writes whole rows.
 */
export function rowsAsElements(index: TensorValue, rest: readonly Dim[], who: string, site: CallSite, em: GraphEmitter): TensorValue {
  const column = em.tensor("reshape", [index], { shape: [index.node.shape[0], ...rest.map(() => 1)] }, who, site);
  return rest.length ? em.tensor("expand", [column], { shape: [index.node.shape[0], ...rest] }, who, site) : column;
}

/**
 * The positions of an index [M·Batch, …] regrouped sample by sample, and back. An index built by a
 * torch.cat along the folded batch — PyG's add_self_loops on the batched edge_index,
 * cat([edge_index, loops], 1): every graph's edges, then every graph's loops — holds its parts one
 * after the other, each part graph by graph; the folded forms read m consecutive elements per sample.
 * toSamples takes each part's share of every sample together ([Batch, M]: sample b's edges, then its
 * loops); fromSamples puts a result back in the index's own order. The same regrouping applies to
 * whatever is paired with the index position by position (scatter's src, index_put's values), so the
 * pairs stay PyTorch's; each element's row is still checked to be its sample's when the kernel runs.
 */
export function sampleOrder(index: TensorValue, who: string, site: CallSite, em: GraphEmitter): { toSamples: (t: TensorValue) => TensorValue; fromSamples: (t: TensorValue) => TensorValue } {
  const same = { toSamples: (t: TensorValue) => t, fromSamples: (t: TensorValue) => t };
  const M = index.node.shape[0];
  const join = batchJoinBehind(index.node);
  if (!join || !isBatch(M)) return same;
  const dim = join.attrs.dim as number;
  const parts = join.inputs.map((i) => i.shape[dim] as number);
  if (parts.length < 2 || parts.reduce((a, b) => a + b, 0) !== M.batch) return same;
  const starts = parts.map((_, k) => parts.slice(0, k).reduce((a, b) => a + b, 0));
  const op = (name: string, inputs: TensorValue[], attrs: Record<string, unknown>) => em.tensor(name, inputs, attrs, who, site);
  return {
    // [M·Batch, …R] in cat's order → [Batch, M, …R] sample by sample → [M·Batch, …R]
    toSamples: (t) => {
      const R = t.node.shape.slice(1);
      const byPart = op("reshape", [t], { shape: [M.batch, batchTimes(1), ...R] });
      const pieces = parts.map((m, k) => op("reshape", [op("narrow", [byPart], { dim: 0, start: starts[k], length: m })], { shape: [batchTimes(1), m, ...R] }));
      return op("reshape", [op("concat", pieces, { dim: 1 })], { shape: [M, ...R] });
    },
    // the inverse: [Batch, M, …R] split into each part's [Batch, m, …R], each laid out graph by graph, joined part after part
    fromSamples: (t) => {
      const R = t.node.shape.slice(1);
      const bySample = op("reshape", [t], { shape: [batchTimes(1), M.batch, ...R] });
      const pieces = parts.map((m, k) => op("reshape", [op("narrow", [bySample], { dim: 1, start: starts[k], length: m })], { shape: [m, batchTimes(1), ...R] }));
      return op("reshape", [op("concat", pieces, { dim: 0 })], { shape: [M, ...R] });
    },
  };
}

/** Ops whose output keeps its inputs' element order along a batch-carrying dim (elementwise math, views, casts, checks). */
const keepsOrder = (n: Node) => n.op === "reshape" || n.op === "narrow" || n.op === "expand" || (n.inputs.length > 0 && opDef(n.op).family === "elementwise");

/** The concat along a c·Batch dim (catAlongBatch's join of [c, Batch] views) that t's order comes from, if any. */
function batchJoinBehind(node: Node): Node | undefined {
  const seen = new Set<number>();
  const stack = [node];
  while (stack.length) {
    const n = stack.pop()!;
    if (seen.has(n.id)) continue;
    seen.add(n.id);
    const dim = n.op === "concat" ? (n.attrs.dim as number) : -1;
    if (dim >= 0 && typeof n.shape[dim] === "number" && isBatch(n.shape[dim + 1] ?? 0) && n.inputs.some((i) => i.op === "reshape" && isBatch(i.inputs[0].shape[dim] ?? 0))) return n;
    if (keepsOrder(n)) for (const i of n.inputs) if (i.shape.some(isBatch)) stack.push(i);
  }
  return undefined;
}
