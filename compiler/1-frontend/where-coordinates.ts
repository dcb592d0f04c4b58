import { fail } from "../diagnostics/diagnostic.ts";
import { isBooleanMask, markBoolean } from "./boolean-masks.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { WHERE_OF_CONDITION } from "./refused-names.ts";
import { TensorValue, type CallSite, type Value } from "./values.ts";

// PyTorch's torch.where(condition) alone is nonzero(condition, as_tuple=True): one index tensor per
// dim of the condition, as long as the count of true elements, which only the data knows. Used
// whole as the index of x (Mask2Former's `attn_mask[torch.where(attn_mask.sum(-1) == L)] = False`)
// those coordinates pick exactly the elements the condition marks, so x[torch.where(c)] is x[c]:
// a write through it is the boolean-mask write (x[mask] = v) and a read the boolean-mask read
// (refused for a mask of data, or taken back through the same mask, masked-selections.ts). So the
// coordinates are kept as the condition; read any other way (their values, their count) they are
// refused where F.where made them, with the reason.

const coordinates = new WeakMap<TensorValue, { readonly mask: TensorValue; readonly dim: number }>();

/**
 * F.where(condition) (and condition.nonzero(as_tuple=True), `spelled` in the refusal): its
 * coordinate tensors, each refused when read except through whereIndexMask.
 */
export function whereCoordinates(condition: TensorValue, site: CallSite, em: GraphEmitter, spelled = "F.where(condition) with one argument is PyTorch's nonzero(condition, as_tuple=True)"): TensorValue[] {
  const c = condition.node;
  // nonzero: a condition of numbers marks those that are not 0
  const mask = isBooleanMask(c) ? condition : markBoolean(em.tensor("ne", [condition, em.constant(0, site)], {}, "F.where", site));
  const refusal = () =>
    fail("unsupportedSyntax", `${spelled}: ${WHERE_OF_CONDITION}; used whole as an index, x[F.where(mask)] = v is x[mask] = v (write x.indexPut_(F.where(mask), v) or x.maskedFill_(mask, v))`, site.loc);
  return c.shape.map((_, dim) => {
    const t = new TensorValue(c);
    t.pending = refusal;
    coordinates.set(t, { mask, dim });
    return t;
  });
}

/**
 * The condition of an index that is one F.where(condition)'s coordinates, whole and in order —
 * given as one argument (x.indexPut_(F.where(c), v), x[F.where(c)]) or spread (x.index(...F.where(c)));
 * undefined for any other index.
 */
export function whereIndexMask(indices: readonly Value[]): TensorValue | undefined {
  if (indices.length === 1 && Array.isArray(indices[0])) return whereIndexMask(indices[0] as readonly Value[]);
  const first = indices[0] instanceof TensorValue ? coordinates.get(indices[0]) : undefined;
  if (!first) return undefined;
  const inOrder = indices.every((v, i) => v instanceof TensorValue && coordinates.get(v)?.mask === first.mask && coordinates.get(v)?.dim === i);
  return inOrder && indices.length === first.mask.node.shape.length ? first.mask : undefined;
}
