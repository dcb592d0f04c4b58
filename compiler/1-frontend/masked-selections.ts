import { fail } from "../diagnostics/diagnostic.ts";
import { dimEq, formatShape, shapeEq } from "../ir/shape.ts";
import type { Node } from "../ir/node.ts";
import { broadcastShapes } from "../ops/elementwise.ts";
import { isBooleanMask } from "./boolean-masks.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { constantValues } from "./known-values.ts";
import { ObjectValue, TensorValue, type CallSite } from "./values.ts";

// PyTorch's `x[mask] = y[mask]` (PointNet++'s farthest_point_sample `distance[mask] = dist[mask]`,
// query_ball_point's `group_idx[mask] = group_first[mask]`): y[mask] alone has a count only the data
// knows, which tsdp refuses, but written back through the same mask it is elementwise — each
// selected element of x takes y's element at the same place, F.where(mask, y, x). So y[mask] of a
// data mask is a deferred selection: written through that mask it is that select; read any other
// way it is refused where it was made, with the reason.

interface Selection {
  readonly source: TensorValue;
  readonly mask: Node;
}

const selections = new WeakMap<TensorValue, Selection>();

/**
 * y[mask] with a bool mask of data covering y's first dims: a tensor that may only be written back
 * through the same mask (maskedCopy); undefined where the mask is not such one.
 */
export function deferredSelection(y: TensorValue, mask: TensorValue, refusal: string, who: string, site: CallSite, em: GraphEmitter): TensorValue | undefined {
  const m = mask.node;
  const shape = y.node.shape;
  if (m.dtype !== "f32" || !isBooleanMask(m) || m.shape.length > shape.length || !m.shape.every((d, i) => dimEq(d, shape[i]))) return undefined;
  if (constantValues(em, m)) return undefined;
  const selected = new TensorValue(y.node);
  selected.pending = () => fail("wrongArgumentType", `${who}: ${refusal}; x[mask] = y[mask] through the same mask is taken (F.where(mask, y, x))`, site.loc);
  selections.set(selected, { source: y, mask: m });
  return selected;
}

/**
 * Elementwise methods with number arguments keep a selection deferred: y[mask].sub(1) is
 * (y − 1)[mask], element for element, so x[mask] = y[mask].sub(1) — PyTorch's `l[mask] -= 1`
 * (C51's projection fix-ups) — is F.where(mask, y − 1, x). Others (a reduction, a tensor operand
 * whose elements would pair by the selection's order) stay refused where the selection was made.
 */
const ELEMENTWISE_WITH_NUMBERS = new Set(["add", "sub", "mul", "div", "rsub", "neg", "abs", "clamp", "clip", "pow", "remainder", "floorDivide", "exp", "log", "sqrt", "float", "int", "long", "detach", "clone"]);

/** `y[mask].name(…numbers)` as (y.name(…numbers))[mask], still deferred; undefined where v is no selection or the call is not one that maps element for element. */
export function mapSelection(v: TensorValue, name: string, args: readonly unknown[], call: (source: TensorValue) => unknown): TensorValue | undefined {
  const selection = selections.get(v);
  if (!selection || !ELEMENTWISE_WITH_NUMBERS.has(name) || !args.every((a) => typeof a === "number" || (a instanceof ObjectValue && [...a.props.values()].every((x) => typeof x === "number" || x === null))))
    return undefined;
  const mapped = call(selection.source);
  if (!(mapped instanceof TensorValue) || !shapeEq(mapped.node.shape, selection.source.node.shape)) return undefined;
  const selected = new TensorValue(mapped.node);
  selected.pending = v.pending;
  selections.set(selected, { source: mapped, mask: selection.mask });
  return selected;
}

/** Whether v is y[mask] kept for its write back: a copy in PyTorch (boolean indexing), no view of y. */
export function isDeferredSelection(v: unknown): boolean {
  return v instanceof TensorValue && selections.has(v);
}

/**
 * x[mask] = value where value is y[mask] of this mask: x with y's elements where the mask is true
 * (the mask over x's first dims, broadcast along the rest); undefined where value is no such selection.
 */
export function maskedCopy(x: TensorValue, mask: TensorValue, value: unknown, who: string, site: CallSite, em: GraphEmitter, accumulate = false): TensorValue | undefined {
  const selection = value instanceof TensorValue ? selections.get(value) : undefined;
  if (!selection) return undefined;
  const m = mask.node;
  if (selection.mask !== m)
    fail("shapeMismatch", `${who}: x[mask] = y[other] writes another mask's selection, whose count only the data knows; write x.copy_(F.where(mask, y, x)) for the elements the mask picks`, site.loc);
  const shape = x.node.shape;
  const source = selection.source.node.shape;
  const joint = broadcastShapes(shape, source);
  if (m.shape.length > shape.length || !m.shape.every((d, i) => dimEq(d, shape[i])) || !joint || !shapeEq(joint, shape))
    fail("shapeMismatch", `${who}: x ${formatShape(shape)}[mask ${formatShape(m.shape)}] = y ${formatShape(source)}[mask]: the mask must cover x's first dims and y's other dims fit x's`, site.loc);
  const rest = shape.length - m.shape.length;
  const spread = rest === 0 ? mask : em.tensor("reshape", [mask], { shape: [...m.shape, ...Array<number>(rest).fill(1)] }, who, site);
  // with accumulate (x.index_put_((mask,), y[mask], accumulate=True)) x + y where the mask is true
  const written = accumulate ? em.tensor("add", [x, selection.source], {}, who, site) : selection.source;
  return em.tensor("where", [spread, written, x], {}, who, site);
}

/**
 * x[mask] = v's mask for a fill: PyTorch's boolean index covers x's first dims (their sizes its,
 * as PyTorch checks) and takes whole rows along the rest (Mask2Former's `attn_mask[rows] = False`
 * of an [N, Q] mask over [N, Q, HW]), so a mask of fewer dims is spread over the others with 1s,
 * where masked_fill's broadcast (from the right) would misalign it; one of x's rank is as it is.
 */
export function maskOverRows(x: TensorValue, mask: TensorValue, who: string, site: CallSite, em: GraphEmitter): TensorValue {
  const shape = x.node.shape;
  const m = mask.node.shape;
  if (m.length >= shape.length) return mask;
  if (!m.every((d, i) => dimEq(d, shape[i])))
    fail("shapeMismatch", `${who}: the mask ${formatShape(m)} must match x ${formatShape(shape)}'s first ${m.length} dims, which it selects whole rows of`, site.loc);
  return em.tensor("reshape", [mask], { shape: [...m, ...Array<number>(shape.length - m.length).fill(1)] }, who, site);
}

/**
 * x[mask] = v (x.index_put_((mask,), v)) of a number, a bool or a tensor that broadcasts to one
 * selected row: v where the mask (over x's first dims) is true. PyTorch broadcasts v to
 * [count, ...rest], so a v of the rest's shape (HF wav2vec2/HuBERT's
 * `hidden_states[mask_time_indices] = self.masked_spec_embed`, [hidden] into [B, T, hidden]) or with
 * a leading 1 is each selected row's; a v with the count itself only the data knows: undefined.
 * With accumulate (index_put_((mask,), v, accumulate=True), x[mask] += v) x + v there: a mask
 * names each element once, so nothing sums twice.
 */
export function maskedFillRows(x: TensorValue, mask: TensorValue, value: unknown, who: string, site: CallSite, em: GraphEmitter, accumulate = false): TensorValue | undefined {
  const spread = () => maskOverRows(x, mask, who, site, em);
  if ((typeof value === "number" || typeof value === "boolean") && accumulate) return em.tensor("where", [spread(), em.tensor("add", [x, em.constant(Number(value), site)], {}, who, site), x], {}, who, site);
  if (typeof value === "number" || typeof value === "boolean") return em.tensor("masked_fill", [x, spread()], { value: Number(value) }, who, site);
  if (!(value instanceof TensorValue)) return undefined;
  const shape = x.node.shape;
  const rest = shape.slice(Math.min(mask.node.shape.length, shape.length));
  let v = value.node.shape;
  while (v.length > rest.length && v[0] === 1) v = v.slice(1);
  const joint = v.length <= rest.length ? broadcastShapes(v, rest) : undefined;
  if (!joint || !shapeEq(joint, rest)) return undefined;
  const row = v.length === value.node.shape.length ? value : em.tensor("reshape", [value], { shape: [...v] }, who, site);
  const rows = em.tensor("expand", [row], { shape: [...shape] }, who, site);
  return em.tensor("where", [spread(), accumulate ? em.tensor("add", [x, rows], {}, who, site) : rows, x], {}, who, site);
}
