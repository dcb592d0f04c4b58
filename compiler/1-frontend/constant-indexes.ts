import type { Node } from "../ir/node.ts";
import { opDef } from "../ops/index.ts";
import type { IndexRange } from "../ops/op.ts";
import { fail } from "../diagnostics/diagnostic.ts";
import { TensorValue, type CallSite } from "./values.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { constantValues, fillValue } from "./known-values.ts";
import { KEEPS_EVERY_VALUE } from "../ops/movement.ts";

// PyTorch raises on an index outside the dim it indexes (gather's "index 4 is out of bounds for
// dimension 1 with size 4", index_select's and embedding's "index out of range in self", a loss's
// target). A model input's indices are checked by the runtime before the call (index-limits.ts),
// one computed in forward by the kernel that reads it (5-codegen/index-faults.ts); an index the
// compiler knows — a literal F.tensor([0, 4], { dtype: "int32" }), a constructor's table,
// arithmetic on them — is checked here, at the line that uses it.


/**
 * The most elements of an index computed in forward from constants that are evaluated to check it
 * (F.arange(0, 2 ** 17).remainder(7)); constructor tables are known whatever their size.
 */
const MAX_CHECKED = 1 << 22;

/** The values of an index when the compiler knows them, seen through views and expands (an index expanded over the batch). */
function knownIndexValues(em: GraphEmitter, index: Node): number[] | undefined {
  let source = index;
  while (KEEPS_EVERY_VALUE.has(source.op) && constantValues(em, source, MAX_CHECKED) === undefined && fillValue(source) === undefined) source = source.inputs[0];
  // a fill over the batch (start tokens) is checked by its one value
  const fill = fillValue(source);
  return constantValues(em, source, MAX_CHECKED) ?? (fill === undefined ? undefined : [Math.fround(fill)]);
}

/** Refuses a known index outside [0, limit), as the user wrote it; `torchIgnores`: a value PyTorch's loss would ignore by default. */
export function checkKnownIndex(em: GraphEmitter, index: Node, range: IndexRange, who: string, site: CallSite): void {
  const bad = knownIndexValues(em, index)?.find((v) => v !== range.ignore && !(v >= 0 && v < range.limit));
  if (bad === undefined) return;
  const hint = bad === range.torchIgnores ? `; PyTorch's loss ignores ${bad} by default (its ignore_index): pass ignoreIndex: ${bad} to the loss to ignore it here` : "";
  fail("invalidArgument", `${who}: index ${bad} is out of range for a dim of size ${range.limit} (PyTorch raises; the valid indices are 0 to ${range.limit - 1})${hint}`, site.loc);
}

export function checkConstantIndexes(em: GraphEmitter, node: Node, who: string, site: CallSite): void {
  const indexes = opDef(node.op).traits?.indexes;
  if (!indexes) return;
  node.inputs.forEach((input, k) => {
    const range = indexes(node, k);
    if (range) checkKnownIndex(em, input, range, who, site);
  });
}

/**
 * An int32 index with its negative values counted from the end of a dim of `size`, as PyTorch's
 * advanced indexing (x[:, idx], index_put_) and index_fill do; a known value outside [−size, size)
 * is refused as the user wrote it, a computed one reported as it is read (op index_check: several
 * indices make one row-major position, where an index past its own dim would name another element).
 */
export function countedFromEnd(index: TensorValue, size: number, who: string, site: CallSite, em: GraphEmitter): TensorValue {
  const bad = knownIndexValues(em, index.node)?.find((v) => !(v >= -size && v < size));
  if (bad !== undefined) fail("invalidArgument", `${who}: index ${bad} is out of range for a dim of size ${size} (PyTorch raises; the valid indices are ${-size} to ${size - 1})`, site.loc);
  // index_check with low −size adds size to a negative index (op take.ts)
  return em.tensor("index_check", [index], { limit: size, low: -size, what: who }, who, site);
}
