import type { Node } from "../ir/node.ts";
import { dimEq, isBatch } from "../ir/shape.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import type { TensorValue, CallSite } from "./values.ts";

// Picking and writing elements along a dim that holds the batch (an in-batch pair matrix's columns,
// [Batch, Batch]; a [Batch, C]'s rows). take and scatter kernels index a dim of fixed size; along
// the batch the dim's size is each device's share, so these compare each position with the index
// instead — arange of the dim against it — and select. Every index here comes from the device's own
// share (argmax over it, or F.arange of the batch size), as a DataParallel or DDP replica's does.

/** arange over dim `dim` of `shape`, shaped to broadcast along it: [1, …, n, …, 1]. */
function positionsAlong(shape: readonly Node["shape"][number][], dim: number, who: string, site: CallSite, em: GraphEmitter): TensorValue {
  const positions = em.tensor("arange_int", [], { start: 0, step: 1, length: shape[dim] }, who, site);
  return em.tensor("reshape", [positions], { shape: shape.map((d, i) => (i === dim ? d : 1)) }, who, site);
}

/**
 * The element at `at` (keepdim, argmax's) along a batch dim: batch-hard mining's dist.max(1) of a
 * [Batch, Batch] pair matrix, x.max(0) of [Batch, C]. where(positions == at, x, −∞) has that element
 * alone above −∞, so its amax along the dim is its value and its gradient reaches it alone, as take's
 * does. An amax, not a sum of where(…, x, 0): a loss that reduces the batch this way is a maximum over
 * each device's share, which the loss's combination must not read as a sum over samples.
 */
export function selectedAlongBatch(x: TensorValue, at: TensorValue, dim: number, who: string, site: CallSite, em: GraphEmitter): TensorValue {
  const picked = em.tensor("where", [em.tensor("eq", [positionsAlong(x.node.shape, dim, who, site, em), at], {}, who, site), x, em.constant(-Infinity, site)], {}, who, site);
  return em.tensor("amax", [picked], { dims: [dim], keepdim: true }, who, site);
}

/** Whether `n` is F.arange of the batch size behind views (SupCon's arange(batch_size * anchor_count).view(-1, 1)). */
function isBatchPositions(n: Node): boolean {
  while (n.op === "reshape" || n.op === "expand") n = n.inputs[0];
  return n.op === "arange_int" && isBatch(n.shape[0]) && n.attrs.start === 0 && n.attrs.step === 1;
}

/**
 * x.scatter(dim, index, value) of a number along a batch dim where the index is each row's own
 * position, F.arange of the batch size (SupCon's logits_mask = scatter(ones_like(mask), 1,
 * arange(b·n).view(-1, 1), 0): 1 − eye over the pair matrix). Such an index always lies in the
 * device's share, so the write is a select where a position equals one of the index's entries
 * along dim. Undefined when the form is another (the caller refuses it as before).
 */
export function scatterValueAlongBatch(x: TensorValue, dim: number, index: TensorValue, value: Node, who: string, site: CallSite, em: GraphEmitter): TensorValue | undefined {
  const [xs, is] = [x.node.shape, index.node.shape];
  if (!isBatch(xs[dim]) || !isBatchPositions(index.node) || is.length !== xs.length || !is.every((d, i) => i === dim || dimEq(d, xs[i]))) return undefined;
  // index [..., k, ...] against positions: one more axis after dim, [..., k, 1, ...] == [1, ..., n, ...]
  const raised = em.tensor("reshape", [index], { shape: [...is.slice(0, dim + 1), 1, ...is.slice(dim + 1)] }, who, site);
  const positions = em.tensor("reshape", [positionsAlong(xs, dim, who, site, em)], { shape: [...xs.slice(0, dim).map(() => 1), 1, xs[dim], ...xs.slice(dim + 1).map(() => 1)] }, who, site);
  const same = em.tensor("eq", [raised, positions], {}, who, site);
  const named = em.tensor("sum", [em.floatOfMask(same.node, who, site)], { dims: [dim], keepdim: false }, who, site);
  return em.tensor("where", [em.tensor("gt", [named, em.constant(0, site)], {}, who, site), value, x], {}, who, site);
}
