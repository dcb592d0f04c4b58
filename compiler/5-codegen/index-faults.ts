import { basename } from "node:path";
import type { Graph, Node } from "../ir/node.ts";
import { opDef } from "../ops/index.ts";
import { KEEPS_EVERY_VALUE } from "../ops/movement.ts";
import { indexRangeOf } from "./index-limits.ts";
import type { ArgView } from "./view.ts";

// An index computed in forward (`x.gather(1, i.add(1))`, `emb(ids.sub(k))`) can fall outside the dim
// it indexes, where PyTorch raises (the CPU's IndexError, CUDA's device-side assert). Every kernel
// that reads through an index checks it as it reads: one outside reads nothing (0) and records the
// run's first such read — its site and value — in the replica's index_fault (runtime/harness/device.h
// tsdp_index_fault). The harness copies it back with the run's outputs (no round trip of its own),
// fails the call naming the site, and a training step skips its update on every replica (step.cu).
// A model input's indices are still checked before the call (index-limits.ts), a known index at
// compile time (constant-indexes.ts); a kernel reading one of those has no check of its own
// (checkedBeforeTheCall), so a model whose only index reads are its inputs' — LeNet's loss reading
// its target's classes, a language model's embedding of its token ids — pays nothing per step.

/**
 * The build's index-read sites, numbered from 1 by what they say (op, source position, size): the
 * same read in two programs (forward and the step) has one number, so a kernel they share stays
 * one text.
 */
export class IndexSites {
  private readonly numbers = new Map<string, number>();

  /** The site number of `what` reading through an index at node n's source position, into a dim of `limit`; `note` follows the position. */
  site(n: Node, what: string, limit: string | number, note?: string): number {
    const text = `for a dim of size ${limit}: ${what} at ${basename(n.loc.file)}:${n.loc.line}:${n.loc.col}${note ? `; ${note}` : ""}`;
    const known = this.numbers.get(text);
    if (known !== undefined) return known;
    this.numbers.set(text, this.numbers.size + 1);
    return this.numbers.size;
  }

  /** The descriptions, site 1 first (model.cu's k_index_sites). */
  get descriptions(): readonly string[] {
    return [...this.numbers.keys()];
  }
}

/**
 * Whether the runtime checks every value `index` can hold before the call, within [0, limit) (or its
 * excepted `ignore`): `index` is a model input or the target, or a view of one that keeps every
 * value, and the manifest's range for it (index-limits.ts, what the runtime checks) lies inside. Then
 * the kernel's own check could never fire, and it records nothing: no fault record to clear and
 * copy back each run, no flag to sum across the replicas each step (runtime/harness/step.cu).
 */
export function checkedBeforeTheCall(graph: Graph, index: Node, limit: string | number, ignore?: number): boolean {
  let bound = typeof limit === "number" ? limit : /^\d+$/.test(limit) ? Number(limit) : undefined;
  if (bound === undefined) return false; // a size that grows with the batch: the runtime's range is fixed
  let source = index;
  // through views, and through ops that pass an index below their own limit unchanged (index_check)
  for (;;) {
    const keepsBelow = opDef(source.op).traits?.keepsIndicesBelow?.(source);
    if (keepsBelow !== undefined) bound = Math.min(bound, keepsBelow);
    else if (!KEEPS_EVERY_VALUE.has(source.op)) break;
    source = source.inputs[0];
  }
  if (source.op !== "input") return false;
  const range = indexRangeOf(graph, source);
  return range !== undefined && range.limit <= bound && (range.ignore === undefined || range.ignore === ignore);
}

/** The kernel parameter every index-reading kernel takes: the replica's fault record. */
export const INDEX_FAULT_ARG: ArgView = { decl: "int* __restrict__ index_fault", value: "r->index_fault", comment: "[site, value] of the run's first index out of range" };

/** C: records `value` as out of range at `site` (a number or a C expression choosing one; unless an earlier read of the run did). */
export const indexFault = (site: number | string, value: string) => `tsdp_index_fault(index_fault, ${site}, ${value})`;

/** C: whether `value` lies outside [0, limit). */
export const outOfRange = (value: string, limit: string | number) => `(${value} < 0 || ${value} >= (int)(${limit}))`;
