import { isBatch, type Shape } from "./shape.ts";
import type { Graph, Node, StateUpdate } from "./node.ts";
import { postOrder } from "./reachable.ts";
import type { SourceLoc } from "../diagnostics/diagnostic.ts";

// Forward values that depend on other samples of the batch. Data parallelism runs forward on each
// device's share of the batch, as DistributedDataParallel does, so a value that reduces over the
// batch dim (x.mean(0), x.std(0), a softmax along it, Nystromformer's max over the whole tensor,
// z1.T @ z2 contracting the batch) is each share's on several devices and the whole batch's on one.
// The rule reads shapes only, never op names: a node whose shape has no batch dim but which is
// computed from the samples took the batch away — a reduction over it, whatever op — and it couples
// the samples where a value with the batch dim reads it (x − x.mean(0)), or where forward keeps it in
// a buffer (DINO's center). Ops that mix along a batch dim and keep it (cumsum, sort, flip) are
// refused where written (TSDP4001); an in-batch pair matrix [Batch, Batch] keeps the batch and is
// said by `tsdp inspect` (README "In-batch pairs"); nn.BatchNorm's batch statistics are inside its
// op, and F.batchNorm's composition names its statistics (Graph.perReplicaStatistics): both are
// documented per-device values, not warned.

const hasBatch = (s: Shape) => s.some(isBatch);

/** A reduction over the batch that forward mixes into per-sample values or keeps in a buffer. */
export interface BatchCoupling {
  /** The node that took the batch away (the first batch-free value computed from the samples). */
  readonly reduction: Node;
  /** The value with the batch dim that reads it, where it is mixed back into the samples. */
  readonly readBy?: Node;
  /** The buffer update that keeps it, where forward writes it into state. */
  readonly kept?: StateUpdate;
  /** Where F.autograd.grad took it, when the reduction is a gradient's sum over the samples (MAML's inner step). */
  readonly gradientAt?: SourceLoc;
}

/**
 * The couplings of forward (its outputs and state updates; the training declaration's loss is
 * loss-combination.ts's), one per source line of a reduction, in source order.
 */
export function batchCouplings(graph: Graph): BatchCoupling[] {
  const documented = new Set(graph.perReplicaStatistics ?? []);
  // a gradient's nodes are placed at the ops they differentiate (a layer's line): the call names it
  const gradientAt = new Map((graph.gradientsInForward ?? []).map((g) => [g.gradient, g.at]));
  const updates = graph.stateUpdates ?? [];
  const fromSamples = new Map<Node, boolean>();
  // for a batch-free value from the samples: the reduction behind it
  const origin = new Map<Node, Node>();
  const found = new Map<Node, BatchCoupling>();
  const at = (reduction: Node) => (gradientAt.has(reduction) ? { gradientAt: gradientAt.get(reduction)! } : {});
  for (const n of postOrder([...graph.outputs, ...updates.map((u) => u.value)])) {
    fromSamples.set(n, !documented.has(n) && (n.op === "input" || n.inputs.some((i) => fromSamples.get(i))));
    if (!fromSamples.get(n)) continue;
    if (!hasBatch(n.shape)) {
      const batched = n.inputs.some((i) => hasBatch(i.shape) && fromSamples.get(i));
      origin.set(n, batched || gradientAt.has(n) ? n : origin.get(n.inputs.find((i) => origin.has(i))!)!);
      continue;
    }
    for (const i of n.inputs) {
      const reduction = origin.get(i);
      if (reduction && !found.has(reduction)) found.set(reduction, { reduction, readBy: n, ...at(reduction) });
    }
  }
  for (const u of updates) {
    const reduction = origin.get(u.value);
    if (reduction && !found.get(reduction)?.kept) found.set(reduction, { ...found.get(reduction), reduction, kept: u, ...at(reduction) });
  }
  // one per source line: x.std(0) composes two reductions (a mean, then a sum of squares)
  const byLine = new Map<string, BatchCoupling>();
  const where = (c: BatchCoupling) => c.gradientAt ?? c.reduction.loc;
  const sorted = [...found.values()].sort((a, b) => where(a).file.localeCompare(where(b).file) || where(a).line - where(b).line || where(a).col - where(b).col);
  for (const c of sorted) {
    const key = `${where(c).file}:${where(c).line}`;
    if (!byLine.has(key)) byLine.set(key, c);
  }
  return [...byLine.values()];
}

