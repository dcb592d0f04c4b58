import { isBatch, type Shape } from "./shape.ts";
import type { Node } from "./node.ts";
import { postOrder } from "./reachable.ts";

// How the replicas' losses make the whole batch's, read from the loss's graph. Data parallelism
// splits the batch; N devices train like one on the whole batch when each replica's loss (and its
// gradient) is weighted as the loss combines samples:
//   a mean over the batch    L = Σ_r (B_r / B)·L_r   ("mean": each replica weighted by its share)
//   a sum over the batch     L = Σ_r L_r             ("sum": each replica's as it is)
// A loss module says which by its reduction. A loss function is read term by term: x.sum() over the
// batch dim is a sum, x.mean() or a sum divided by the batch size (x.size(0), a KL divergence's
// "batchmean") a mean, a mean times the batch size a sum; a constant factor keeps the kind, as a sum of two terms of one kind does,
// and a term without the batch (a penalty on the parameters) joins a mean (counted once in all, as
// the shares add up to 1) but not a sum (it would count once per replica). A loss of no kind — a
// square root of a mean (an RMSE), a sum plus a penalty — is weighted as a mean, which is what
// PyTorch's DistributedDataParallel does with any loss (it averages the replicas' gradients).
// Per-sample terms that read a reduction over the batch (VICReg's x − x.mean(0), a softmax along the
// batch, an h.max(0)) couple the samples: each device reduces its own share, so the terms are not
// the whole batch's and their mean or sum is of no kind either. (A [Batch, Batch] pair matrix reduced
// along its pairs stays per-sample rows: each sample's term against its share, README "In-batch pairs".)

export type Combination = "mean" | "sum";

/** What one node of the loss's graph is, as a function of the batch. */
type Kind =
  | "free" // does not depend on the batch (parameters, constants)
  | "rows" // has the batch dim: one value per sample
  | "coupled" // has the batch dim, computed from a reduction over the batch: no sample's own value
  | "sum" // batch-free in shape, a sum over the batch's samples
  | "mean" // batch-free in shape, a mean over them
  | "other";

const hasBatch = (s: Shape) => s.some(isBatch);

/** Whether a reduction's dims (null: all) take in a batch dim of `shape`. */
function reducesBatch(shape: Shape, dims: readonly number[] | null | undefined): boolean {
  return shape.some((d, i) => isBatch(d) && (dims == null || dims.includes(i)));
}

/** What F.tensor(b), F.full([], b) and F.fullLike(loss, b) put around the batch size: the same number. */
const sameNumber = new Set(["to_float", "to_int", "expand", "reshape"]);

/**
 * c·Batch as a value (x.size(0), 2 * x.size(0)), also behind the dtype conversions and 0-dim
 * expands of F.tensor(b) and F.fullLike(loss, b); b − 1 is none (its share's b − 1 is no share of B − 1).
 */
function isBatchMultiple(v: Node): boolean {
  while (sameNumber.has(v.op) && v.shape.length === 0) v = v.inputs[0];
  return v.op === "batch_size" && !v.attrs.d;
}

/** mean · c·Batch (either order): the mean's sum over the batch, c times. */
function timesBatchSize(n: Node, a: Kind, b: Kind): boolean {
  const [x, y] = n.inputs;
  return (a === "mean" && isBatchMultiple(y)) || (b === "mean" && isBatchMultiple(x));
}

/**
 * The combination of a scalar training loss; undefined when the loss is of no kind (weighted as a
 * mean). `perReplica`: batch statistics taken by design (Graph.perReplicaStatistics, F.batchNorm's),
 * read as nn.BatchNorm's op is: no coupling of the samples.
 */
export function lossKind(loss: Node, perReplica: readonly Node[] = []): Combination | undefined {
  return analyzeLoss(loss, perReplica).kind;
}

/**
 * The loss's combination, and where its per-sample terms read a reduction over the batch (the
 * reduction's node, for the warning's line), when they do.
 */
export function analyzeLoss(loss: Node, perReplica: readonly Node[] = []): { kind?: Combination; coupledAt?: Node } {
  const documented = new Set(perReplica);
  const kinds = new Map<Node, Kind>();
  let coupledAt: Node | undefined;
  // each node's answers from its operands' (computed first, in post-order: graphs can be 100,000 ops deep)
  const readsSamples = new Map<Node, boolean>();
  const dependsOnBatch = new Map<Node, boolean>();
  // a value computed from the samples' data (not from the batch size alone, x.size(0) in arithmetic)
  const fromSamples = (n: Node): boolean => readsSamples.get(n)!;
  const batchDependent = (n: Node): boolean => dependsOnBatch.get(n)!;
  const kindOf = (n: Node): Kind => kinds.get(n)!;
  const classify = (n: Node): Kind => {
    if (!batchDependent(n)) return "free";
    if (hasBatch(n.shape)) {
      const reduced = n.inputs.find((i) => !hasBatch(i.shape) && fromSamples(i));
      // the first such reduction in the source, for the warning
      if (reduced && (!coupledAt || reduced.loc.line < coupledAt.loc.line || (reduced.loc.line === coupledAt.loc.line && reduced.loc.col < coupledAt.loc.col))) coupledAt = reduced;
      return reduced || n.inputs.some((i) => kindOf(i) === "coupled") ? "coupled" : "rows";
    }
    const reduction = n.attrs.reduction;
    if (reduction === "sum" || reduction === "mean") return n.inputs.some((i) => kindOf(i) === "coupled") ? "other" : n.inputs.some((i) => kindOf(i) === "rows") ? reduction : "other";
    const [a, b] = n.inputs.map(kindOf);
    switch (n.op) {
      case "sum":
      case "mean":
        if (a === "rows") return reducesBatch(n.inputs[0].shape, n.attrs.dims) ? (n.op as "sum" | "mean") : "other";
        return a === "sum" || a === "mean" ? a : "other"; // a sum over fixed dims of batch-free values is linear
      case "div_count":
        // a sum over the batch divided by the batch size (c·Batch¹) is a mean
        return a === "sum" && n.attrs.p === 1 && !n.attrs.less ? "mean" : n.attrs.p === 0 ? a : "other";
      case "mul":
        // a mean over the batch times the batch size (c·Batch, loss * x.size(0)) is c times a sum
        if (timesBatchSize(n, a, b)) return "sum";
        return a === "free" ? b : b === "free" ? a : "other";
      case "div":
        // a sum over the batch divided by the batch size as a tensor (F.tensor(b)) is a mean, as div_count's
        if (a === "sum" && isBatchMultiple(n.inputs[1])) return "mean";
        return b === "free" ? a : "other";
      case "add":
      case "sub":
        if (a === b) return a;
        // a batch-free term beside a mean counts once in all; beside a sum, once per replica
        return (a === "mean" && b === "free") || (a === "free" && b === "mean") ? "mean" : "other";
      case "neg":
      case "reshape":
      case "expand":
        return a;
      default:
        return "other";
    }
  };
  for (const n of postOrder([loss])) {
    readsSamples.set(n, !documented.has(n) && (n.op === "input" || (hasBatch(n.shape) && n.op !== "arange_int") || n.inputs.some(fromSamples)));
    // the batch size (x.size(0) in arithmetic) is each replica's own share's
    dependsOnBatch.set(n, n.op === "input" || n.op === "batch_size" || hasBatch(n.shape) || n.inputs.some(batchDependent));
    kinds.set(n, classify(n));
  }
  const k = kindOf(loss);
  return k === "sum" || k === "mean" ? { kind: k } : coupledAt ? { coupledAt } : {};
}

