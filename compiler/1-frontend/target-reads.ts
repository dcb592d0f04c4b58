import type { Node } from "../ir/node.ts";
import { concrete, isBatch } from "../ir/shape.ts";
import { opDef } from "../ops/index.ts";
import type { RefContext } from "../ops/op.ts";
import type { NDArray } from "../reference/ndarray.ts";
import { reachable } from "../ir/reachable.ts";

// Which of one sample's declared target elements a mean over counted targets (ignoreIndex, class
// weights) reads. The harness weights each replica's mean by its count of targets not ignored
// (or their class weights), counted on the host from the declared target; a loss that reads a
// target it derives — Hugging Face's labels[..., 1:] — counts other elements. Where the derivation
// only rearranges and selects within each sample, the elements it reads are the same for every
// sample (a roll, unfold or cat of a sample's own pieces too): found here by running the derivation
// on an iota of one sample's target, they are what the harness counts (training.targetOffsets);
// anything else is named by its call as written and why (targetDerivedAt), and a step on more than
// one replica is refused.

/** The ops that move or select a sample's elements without mixing samples or changing values. */
const PER_SAMPLE_OPS: ReadonlySet<string> = new Set(["reshape", "permute", "narrow", "take", "expand", "detach", "to_float", "to_int", "concat"]);

/** Source ops: a side input that reads one is not known when the model compiles. */
const SOURCE_OPS: ReadonlySet<string> = new Set(["input", "param", "buffer", "loss_scale"]);

export type TargetReads =
  /** The loss reads the declared target's every element once (perhaps rearranged): the harness counts them all. */
  | { readonly kind: "all" }
  /** Each sample's elements the loss reads, in its order (offsets into one sample's declared target). */
  | { readonly kind: "offsets"; readonly offsets: readonly number[] }
  /** Where the derivation stops being a per-sample rearrangement or selection (the op nearest the target), and why: not counted. */
  | { readonly kind: "derived"; readonly at: Node; readonly why: string };

/** What `read` (the target the loss op takes) holds of the declared `target`. */
export function targetReads(target: Node, read: Node): TargetReads {
  if (read === target) return { kind: "all" };
  if (!reachable([read]).has(target)) return { kind: "derived", at: read, why: "it is not computed from the declared target" };
  const refused = firstNotPerSample(target, read);
  if (refused) return { kind: "derived", ...refused };
  if (!isBatch(target.shape[0]) || target.shape[0].batch !== 1 || target.shape.slice(1).some(isBatch))
    return { kind: "derived", at: read, why: "the declared target's first dim is not the batch alone" };
  const perSample = concrete(target.shape, 1).reduce((a, b) => a * b, 1);
  const one = evaluate(read, target, 1);
  // the same elements for every sample, sample by sample (what the structural checks promise; run to be sure)
  const two = evaluate(read, target, 2);
  if (!one || !two || two.length !== 2 * one.length || one.some((v, i) => two[i] !== v || two[one.length + i] !== v + perSample))
    return { kind: "derived", at: read, why: "it reads other elements of each sample's target in different samples" };
  return readsEachOnce(one, perSample) ? { kind: "all" } : { kind: "offsets", offsets: one };
}

/**
 * The op on a path from `read` down to `target` that is no per-sample step — the one nearest the
 * target, where the derivation first stops being a rearrangement (labels.t() rather than the .t()
 * that moves the batch back) — and why; undefined when every one is. A concat (roll, unfold, a
 * cat of slices) joins several paths, each of which must lead to the target.
 */
function firstNotPerSample(target: Node, read: Node): { at: Node; why: string } | undefined {
  const feeds = new Map<Node, boolean>();
  const fromTarget = (m: Node) => feeds.get(m) ?? feeds.set(m, reachable([m]).has(target)).get(m)!;
  const seen = new Set<Node>();
  const walk = (n: Node): { at: Node; why: string } | undefined => {
    if (n === target || seen.has(n)) return undefined;
    seen.add(n);
    // a constant joined to the target (F.cat([labels, F.full(…, −100)], 1)) would be counted as targets
    if (!fromTarget(n)) return { at: n, why: "its values are not the target's (a constant joined to it)" };
    const why = whyNotPerSample(n);
    // a refused rearrangement's own data input may be where the derivation went wrong first (the
    // labels.t() below a .t() that moves the batch back); an op that computes values is the place itself
    if (why && !PER_SAMPLE_OPS.has(n.op)) return { at: n, why };
    const data = n.op === "concat" ? n.inputs : n.inputs.slice(0, 1);
    const below = (why ? data.filter(fromTarget) : data).reduce<{ at: Node; why: string } | undefined>((found, m) => found ?? walk(m), undefined);
    return below ?? (why ? { at: n, why } : undefined);
  };
  return walk(read);
}

/**
 * Why `n` is no step of a per-sample chain, undefined when it is one: its data inputs (inputs[0],
 * a concat's every input) keep the batch leading, and its other inputs are constants.
 */
function whyNotPerSample(n: Node): string | undefined {
  if (!PER_SAMPLE_OPS.has(n.op) || n.inputs.length === 0) return "it computes values rather than moving or selecting the target's elements within each sample";
  // the batch leads (or is folded in front, [k·Batch, …]) before and after, and is in no other dim
  const batchLeads = (shape: Node["shape"]) => shape.length > 0 && isBatch(shape[0]) && !shape.slice(1).some(isBatch);
  const data = n.op === "concat" ? n.inputs : n.inputs.slice(0, 1);
  if (!batchLeads(n.shape) || !data.every((d) => batchLeads(d.shape))) return "it moves the batch off dim 0";
  const dim = typeof n.attrs.dim === "number" ? (n.attrs.dim < 0 ? n.attrs.dim + n.inputs[0].shape.length : n.attrs.dim) : undefined;
  switch (n.op) {
    case "narrow":
    case "take":
      if (dim === 0) return "it selects along the batch dim, each sample reading another sample's target";
      return n.inputs.slice(1).every(isConstant) ? undefined : "its index is data (it reads an input, a parameter, a buffer or the batch size), so each sample may read other elements";
    case "concat":
      return dim === 0 ? "it joins along the batch dim" : undefined;
    case "permute":
      return (n.attrs.perm as readonly number[])[0] === 0 ? undefined : "it moves the batch off dim 0";
    case "expand":
      return JSON.stringify(n.shape[0]) === JSON.stringify(n.inputs[0].shape[0]) ? undefined : "it expands the batch dim";
    default:
      return n.inputs.length === 1 ? undefined : "it computes values rather than moving or selecting the target's elements within each sample";
  }
}

/**
 * A value known when the model compiles and the same for every sample: it reads no input, parameter
 * or buffer and draws nothing; its only values with a batch dim are a batch-free constant expanded
 * to the batch (gather(1, idx.expand(B, k))), not F.arange(labels.size(0)), whose later samples read
 * other positions (arange(B) // 2 + 1 reads 1 in samples 0 and 1, 2 in sample 2: a check at batch 1
 * and 2 would not see it, nor at any fixed batch arange(B) // k); and it does not depend on the batch
 * size otherwise (a division by x.size(0)): the same values at batch 1 and 3.
 */
function isConstant(n: Node): boolean {
  const ops = [...reachable([n])];
  const samePerSample = (m: Node) => !m.shape.some(isBatch) || (m.op === "expand" && !m.inputs[0].shape.some(isBatch));
  if (!ops.every((m) => !SOURCE_OPS.has(m.op) && !opDef(m.op).traits?.random && !opDef(m.op).traits?.readsMode && samePerSample(m))) return false;
  const batchFree = ops.filter((m) => !m.shape.some(isBatch));
  return batchFree.every((m) => {
    const [one, three] = [valueAt(m, 1), valueAt(m, 3)];
    return one !== undefined && three !== undefined && one.length === three.length && one.every((v, i) => Object.is(v, three[i]));
  });
}

/** `read`'s values on an iota of the declared target (0, 1, … over `batch` samples), by the reference's ops; undefined if it fails. */
function evaluate(read: Node, target: Node, batch: number): number[] | undefined {
  const shape = concrete(target.shape, batch);
  return valueAt(read, batch, new Map([[target, { shape, data: Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i) }]]));
}

/** `n`'s values with the batch size `batch`, by the reference's ops from those `known`; undefined if it cannot compute them. */
function valueAt(n: Node, batch: number, known = new Map<Node, NDArray>()): number[] | undefined {
  const valueOf = (m: Node): NDArray => {
    const had = known.get(m);
    if (had) return had;
    const v = opDef(m.op).reference(m.inputs.map(valueOf), m.attrs, context(m, batch));
    known.set(m, v);
    return v;
  };
  try {
    return Array.from(valueOf(n).data);
  } catch {
    return undefined;
  }
}

/** A reference context for constant ops: no inputs, state or draws to give. */
function context(node: Node, batch: number): RefContext {
  const none = (): never => {
    throw new Error(`${node.op}: not a constant`);
  };
  return { node, training: false, batch, source: none, writeBuffer: none, readBuffer: none, uniform: none };
}

/** Whether `offsets` reads each of a sample's `count` elements exactly once (in any order): the counts of them all. */
function readsEachOnce(offsets: readonly number[], count: number): boolean {
  if (offsets.length !== count) return false;
  const seen = new Uint8Array(count);
  for (const o of offsets) {
    if (!Number.isInteger(o) || o < 0 || o >= count || seen[o]) return false;
    seen[o] = 1;
  }
  return true;
}
