import { fail } from "../diagnostics/diagnostic.ts";
import { batchTimes, formatShape, isBatch, type Dim } from "../ir/shape.ts";
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
 */
export function foldedRowsPerSample(d: Dim): number | undefined {
  return isBatch(d) && d.batch > 1 ? d.batch : undefined;
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
