import { fail } from "../diagnostics/diagnostic.ts";
import { Batch, BATCH_GROUP_HINT, batchTimes, dimEq, formatShape, isBatch, normalizeDim, numel, shapeEq, type Dim } from "../ir/shape.ts";
import { broadcastShapes } from "../ops/elementwise.ts";
import { arg, bindArgs, locOfArg, opt, type Bound } from "./args.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { isBooleanMask } from "./boolean-masks.ts";
import { constantValues } from "./known-values.ts";
import { describe, SymInt, TensorValue, type CallSite, type Value } from "./values.ts";
import { narrowAlongBatch } from "./joins.ts";
import { countedFromEnd } from "./constant-indexes.ts";
import { deferredSelection, maskedCopy, maskedFillRows } from "./masked-selections.ts";
import { whereIndexMask } from "./where-coordinates.ts";
import { foldedRowsPerSample, foldedTake, sampleLocalRows, sampleOrder } from "./folded-batch.ts";
import { copyOf } from "./views.ts";

// PyTorch's basic indexing, which TypeScript has no syntax for: x[..., ::2] (rotary embeddings'
// even and odd features), x[:, -1] (a sequence's last step), x[:, None] (a new dim), x[:, :T]
// (a causal mask cut to the sequence), x[:, 1:-1]. Written as arguments, one per index:
//   x.index("...", "::2")      x.index(":", -1)      x.index(":", null)      x.index(":", ":T") ✗ (T is a name)
//   x.slice(dim, start, end, step)  — Python's start:end:step along one dim (null for an omitted bound)
// A number selects (the dim goes), null adds a dim of 1, a string "a:b:c" slices with Python's
// rules (negative bounds from the end, bounds clamped, step > 0), "..." stands for the dims not
// indexed, and int32 tensors take elements (PyTorch's advanced indexing: advancedRows). A slice with step 1 is a narrow;
// a step is a take of the positions start, start + step, … — both with their gradients.

type Index =
  | { kind: "select"; at: number }
  | { kind: "new" }
  | { kind: "slice"; start: number | null; end: number | null; step: number }
  | { kind: "ellipsis" }
  | { kind: "rows"; index: TensorValue }
  // a list of integers (nanoGPT's x[:, [-1], :]): those rows, the dim kept
  | { kind: "list"; at: readonly number[]; maskLength?: number }
  // a bool mask of constants over several dims (SimCLR's cos_sim[pos_mask]): its flags, row-major
  | { kind: "mask"; shape: readonly number[]; flags: readonly number[] };

/** "a:b:c", ":", "::2", "1:-1", "..." (or "…"): one index; a number, null or an int32 tensor too. */
function parseIndex(v: Value, who: string, site: CallSite, em: GraphEmitter): Index {
  if (typeof v === "number") return Number.isInteger(v) ? { kind: "select", at: v } : fail("invalidArgument", `${who}: an index must be an integer, got ${v}`, site.loc);
  if (v === null || v === undefined) return { kind: "new" };
  // a list of Python bools is a bool mask along its dim (PyTorch's x[:, [True, False, True]])
  if (Array.isArray(v) && v.length > 0 && v.every((i) => typeof i === "boolean")) {
    const at = v.flatMap((m, i) => (m ? [i] : []));
    if (at.length === 0) fail("shapeMismatch", `${who}: the mask selects nothing; tsdp's tensors are not empty`, site.loc);
    return { kind: "list", at, maskLength: v.length };
  }
  if (Array.isArray(v)) {
    if (v.length === 0 || !v.every((i) => typeof i === "number" && Number.isInteger(i)))
      fail("invalidArgument", `${who}: a list index holds integers (x[:, [-1]] keeps the last row as a dim of 1), got ${describe(v)}`, site.loc);
    return { kind: "list", at: v as number[] };
  }
  if (v instanceof TensorValue) {
    // a bool mask whose values the compiler knows (x[:, F.tensor([1, 0, 1]).gt(0)]): the rows where
    // it is true, a count fixed now, as PyTorch's boolean indexing along that dim
    const known = v.node.dtype === "f32" && v.node.shape.length === 1 && isBooleanMask(v.node) ? constantValues(em, v.node) : undefined;
    if (known) {
      const at = known.flatMap((m, i) => (m !== 0 ? [i] : []));
      if (at.length === 0) fail("shapeMismatch", `${who}: the mask selects nothing; tsdp's tensors are not empty`, site.loc);
      return { kind: "list", at, maskLength: known.length };
    }
    // a bool mask the compiler knows over several dims (SimCLR's cos_sim[pos_mask]): the elements
    // where it is true, the dims it covers becoming one dim of that count, as PyTorch's
    const knownMask = v.node.dtype === "f32" && v.node.shape.length > 1 && isBooleanMask(v.node) ? constantValues(em, v.node) : undefined;
    if (knownMask) {
      if (knownMask.every((m) => m === 0)) fail("shapeMismatch", `${who}: the mask selects nothing; tsdp's tensors are not empty`, site.loc);
      return { kind: "mask", shape: v.node.shape as number[], flags: knownMask };
    }
    // whole numbers in float32 (F.tensor([0.0, 2.0]), F.full(…, 1.0), a float computation's): PyTorch refuses a float index too
    const whole = v.node.dtype !== "i32" ? constantValues(em, v.node) : undefined;
    if (whole?.every(Number.isInteger)) fail("wrongArgumentType", `${who}: ${floatIndexMessage(v, whole)}`, site.loc);
    if (v.node.dtype !== "i32") fail("wrongArgumentType", `${who}: ${floatMaskRefusal(v)}`, site.loc);
    // a 0-d one (Autoformer's index[i]) takes one element along its dim, which goes, as an integer's
    return { kind: "rows", index: v };
  }
  if (typeof v !== "string") return fail("wrongArgumentType", `${who}: an index is a number, null, a slice string ("1:-1", "::2", "...") or a 1-D int32 tensor, got ${describe(v)}`, site.loc);
  const text = v.replace(/\s+/g, "");
  if (text === "..." || text === "…") return { kind: "ellipsis" };
  // "2" as Python's 2 (an index written in a template string, `${i}`)
  if (/^-?\d+$/.test(text)) return { kind: "select", at: Number(text) };
  const parts = text.split(":");
  const bound = (s: string, what: string) => {
    if (s === "") return null;
    if (!/^-?\d+$/.test(s)) fail("invalidArgument", `${who}: the slice "${v}" has ${what} "${s}", which is not an integer (compute the number and pass x.slice(dim, start, end, step))`, site.loc);
    return Number(s);
  };
  if (parts.length < 2 || parts.length > 3) fail("invalidArgument", `${who}: "${v}" is not a slice; write "start:end" or "start:end:step" (each optional), or "..."`, site.loc);
  const step = parts.length === 3 ? (bound(parts[2], "the step") ?? 1) : 1;
  if (step <= 0) fail("invalidArgument", `${who}: the slice "${v}" has step ${step}; PyTorch's steps are positive (flip the tensor for a reversed order)`, site.loc);
  return { kind: "slice", start: bound(parts[0], "the start"), end: bound(parts[1], "the end"), step };
}

/**
 * Why a float32 tensor of whole numbers is no index, and what to write: PyTorch's own error is
 * "tensors used as indices must be long, int, byte or bool tensors". Of 0/1 values it may be meant
 * as a mask, which .int() would turn into the row indices 0 and 1: both readings are offered.
 */
/** Why a float tensor (a 0/1 mask of data) cannot index: the count it selects is the data's. */
const floatMaskRefusal = (v: TensorValue) =>
  `a tensor index must be an int32 tensor (PyTorch's advanced indexing), got float32 ${formatShape(v.node.shape)} (a mask of 0/1 floats selects a data-dependent count: use x.maskedFill or F.where; a Mixture-of-Experts dispatch, y[mask] = expert(x[mask]), is every row weighed by the mask, y.add(expert(x).mul(mask.unsqueeze(-1))))`;

function floatIndexMessage(v: TensorValue, values: readonly number[]): string {
  const got = `a tensor index must be an int32 tensor (PyTorch's advanced indexing; its error: tensors used as indices must be long, int, byte or bool tensors), got float32 ${formatShape(v.node.shape)} of whole numbers (float as PyTorch's is: a number written with a decimal point, 2.0, makes a float tensor)`;
  if (values.every((x) => x === 0 || x === 1))
    return `${got}; as a mask of the rows to keep, compare it (mask.gt(0), a bool mask); as row indices, write the integers (F.tensor([0, 2])), or convert with .int() (which makes its 0s and 1s the rows 0 and 1)`;
  return `${got}; write the integers (F.tensor([0, 2])), or convert with .int()`;
}

/** Python's slice.indices(size) for a positive step: the start, the count and the step. */
export function sliceRange(start: number | null, end: number | null, step: number, size: number): { start: number; count: number } {
  const clampBound = (b: number | null, fallback: number) => (b === null ? fallback : b < 0 ? Math.max(0, b + size) : Math.min(b, size));
  const [s, e] = [clampBound(start, 0), clampBound(end, size)];
  return { start: s, count: e > s ? Math.ceil((e - s) / step) : 0 };
}

/** x along `dim` from start to end by step (Python's rules); the batch dim only as a whole. */
export function sliceDim(x: TensorValue, dim: number, start: number | null, end: number | null, step: number, who: string, site: CallSite, em: GraphEmitter): TensorValue {
  const size = x.node.shape[dim];
  if (isBatch(size)) {
    if ((start === null || start === 0) && end === null && step === 1) return x;
    return fail("shapeMismatch", `${who}: dim ${dim} of ${formatShape(x.node.shape)} is the batch, which is split across devices; it can only be taken whole (":"): ${BATCH_GROUP_HINT}`, site.loc);
  }
  const r = sliceRange(start, end, step, size);
  if (r.count === 0) fail("shapeMismatch", `${who}: the slice takes nothing of dim ${dim} (size ${size}); tsdp's tensors are not empty`, site.loc);
  if (r.start === 0 && r.count === size && step === 1) return x;
  if (step === 1) return em.tensor("narrow", [x], { dim, start: r.start, length: r.count }, who, site);
  const positions = em.tensor("arange_int", [], { start: r.start, step, length: r.count }, who, site);
  return em.tensor("take", [x, positions], { dim, mode: "vector" }, who, site);
}

/** x.index(...indices): PyTorch's x[i0, i1, …] (see above). */
export function indexWith(x: TensorValue, indices: Value[], who: string, site: CallSite, em: GraphEmitter): TensorValue {
  // x[torch.where(c)] is x[c] (where-coordinates.ts)
  const whereMask = whereIndexMask(indices);
  if (whereMask) indices = [whereMask];
  // y[mask] with a mask of data: kept for a write back through the same mask (x[mask] = y[mask])
  const mask = indices.length === 1 && indices[0] instanceof TensorValue && indices[0].node.dtype === "f32" ? indices[0] : undefined;
  const deferred = mask && deferredSelection(x, mask, floatMaskRefusal(mask), who, site, em);
  if (deferred) return deferred;
  const parsed = indices.map((v) => parseIndex(v, who, site, em));
  const ellipses = parsed.filter((p) => p.kind === "ellipsis").length;
  if (ellipses > 1) fail("invalidArgument", `${who}: an index can only have a single ellipsis ("...")`, site.loc);
  const rank = x.node.shape.length;
  const consuming = parsed.reduce((n, p) => n + (p.kind === "mask" ? p.shape.length : p.kind === "new" || p.kind === "ellipsis" ? 0 : 1), 0);
  if (consuming > rank) fail("invalidArgument", `${who}: too many indices for a tensor of ${rank} dims (${consuming} given)`, site.loc);
  // the ellipsis (or the end) stands for the dims no index names; a list is the int32 rows it names
  const expanded: Index[] = [];
  for (const p of parsed) {
    if (p.kind === "ellipsis") for (let i = 0; i < rank - consuming; i++) expanded.push({ kind: "slice", start: null, end: null, step: 1 });
    else if (p.kind === "list") expanded.push({ kind: "rows", index: listedRows(x, expanded.filter((q) => q.kind !== "new").length, p, who, site, em) });
    else if (p.kind === "mask") expanded.push(...maskCoordinates(x, expanded.filter((q) => q.kind !== "new").length, p, who, site, em));
    else expanded.push(p);
  }
  // PyTorch applies the integers (and 0-d int32 tensors, which it reads as integers) first, each
  // taking its dim away, then indexes with the tensors: their broadcast shape goes where they are
  // when they are adjacent in what is left, and first when a slice or None separates them
  // (x[i, :, j] is [S, …]; x[0, :, j] is [size of dim 1, …S], as the 0 went first; x[i, 1, j] pairs i with j)
  const advanced = (p: Index) => p.kind === "rows" && p.index.node.shape.length > 0;
  if (!expanded.some(advanced)) return basicIndexing(x, expanded, who, site, em);
  // each tensor index stands as a whole dim while the others are applied (basicIndexing leaves
  // ":" dims in order); their dims in the result are then taken together
  const placeholder: Index = { kind: "slice", start: null, end: null, step: 1 };
  const kept = basicIndexing(x, expanded.map((p) => (advanced(p) ? placeholder : p)), who, site, em, (p) => p === placeholder);
  const at = kept.marked;
  const tensorIndices = expanded.filter(advanced).map((p) => (p as { index: TensorValue }).index);
  // a copy, as PyTorch's advanced indexing makes, even where it holds x's values in order (x[arange(B)])
  const adjacent = at.every((d, i) => d === at[0] + i);
  if (adjacent) return copyOf(advancedRows(kept.result, at[0], tensorIndices, who, site, em).result);
  const shape = kept.result.node.shape;
  const perm = [...at, ...shape.map((_, d) => d).filter((d) => !at.includes(d))];
  const front = em.tensor("permute", [kept.result], { perm }, who, site);
  return copyOf(advancedRows(front, 0, tensorIndices, who, site, em).result);
}

/**
 * Numbers, slices, None and 0-d int32 tensors applied in order to x (a tensor index of higher rank
 * is taken by advancedRows): each reads the next dim of what is left. `mark` picks indices whose
 * dims in the result are wanted (the placeholders of the tensor indices), in order.
 */
function basicIndexing(x: TensorValue, expanded: readonly Index[], who: string, site: CallSite, em: GraphEmitter): TensorValue;
function basicIndexing(x: TensorValue, expanded: readonly Index[], who: string, site: CallSite, em: GraphEmitter, mark: (p: Index) => boolean): { result: TensorValue; marked: number[] };
function basicIndexing(x: TensorValue, expanded: readonly Index[], who: string, site: CallSite, em: GraphEmitter, mark?: (p: Index) => boolean): TensorValue | { result: TensorValue; marked: number[] } {
  const marked: number[] = [];
  let t = x;
  let dim = 0; // t's dim the next index reads
  for (const p of expanded) {
    if (p.kind === "rows") {
      // a 0-d int32 index (Autoformer's x[:, index[i]]): one element of its dim, which goes
      t = advancedRows(t, dim, [p.index], who, site, em).result;
    } else if (p.kind === "new") {
      t = em.tensor("reshape", [t], { shape: [...t.node.shape.slice(0, dim), 1, ...t.node.shape.slice(dim)] }, who, site);
      dim++;
    } else if (p.kind === "select") {
      const size = t.node.shape[dim];
      if (isBatch(size)) fail("shapeMismatch", `${who}: dim ${dim} of ${formatShape(t.node.shape)} is the batch, which is split across devices; index it with ":" (${BATCH_GROUP_HINT})`, site.loc);
      const at = p.at < 0 ? p.at + (size as number) : p.at;
      if (at < 0 || at >= (size as number)) fail("invalidArgument", `${who}: index ${p.at} is out of range for dim ${dim} of size ${size}`, site.loc);
      const piece = size === 1 ? t : em.tensor("narrow", [t], { dim, start: at, length: 1 }, who, site);
      t = em.tensor("reshape", [piece], { shape: t.node.shape.filter((_, i) => i !== dim) }, who, site);
    } else if (p.kind === "slice") {
      if (mark?.(p)) marked.push(dim);
      else t = sliceDim(t, dim, p.start, p.end, p.step, who, site, em);
      dim++;
    }
  }
  return mark ? { result: t, marked } : t;
}

/**
 * Tensor indices in n adjacent dims of t (PyTorch's advanced indexing: Shaw's table[relative], an
 * embedding-like x[ids], x[:, li, lj], PointNet++'s points[batchIdx, idx, :]): the indices broadcast
 * to one shape S and the n dims become S, element s at (i0[s], i1[s], …) — the n dims flattened and
 * the row-major position Σ i_k·stride_k (exact in float32 within 2^24, as int32 arithmetic is;
 * int-arithmetic.ts) taken along them, then S unflattened. Returns the result and S's rank.
 */
function advancedRows(t: TensorValue, dim: number, indices: TensorValue[], who: string, site: CallSite, em: GraphEmitter): { result: TensorValue; rank: number } {
  const shape = t.node.shape;
  if (dim === 0 && isBatchPositions(indices[0], shape[0])) return perSample(t, indices, who, site, em);
  if (dim === 0 && indices.length === 1 && foldedRowsPerSample(shape[0], indices[0].node.shape[0]) !== undefined && indices[0].node.shape.some(isBatch)) return foldedRows(t, indices[0], who, site, em);
  const sizes = shape.slice(dim, dim + indices.length);
  if (sizes.some(isBatch))
    fail("shapeMismatch", `${who}: ${indices.length === 1 ? "a tensor index takes rows of" : "tensor indices into"} dim${indices.length === 1 ? ` ${dim}` : `s ${dim}–${dim + indices.length - 1}`} of ${formatShape(shape)}, ${indices.length === 1 ? "" : "one of them "}the batch, which is split across devices; index a fixed-size dim (or pick each sample's rows with F.arange(batch) first)`, site.loc);
  const together = broadcastIndices(indices, who, site, em);
  const S = together[0].node.shape;
  const position = rowMajor(together, sizes as number[], who, site, em);
  const total = (sizes as number[]).reduce((a, b) => a * b, 1);
  const flat = indices.length === 1 ? t : em.tensor("reshape", [t], { shape: [...shape.slice(0, dim), total, ...shape.slice(dim + indices.length)] }, who, site);
  const line = S.length === 1 ? position : em.tensor("reshape", [position], { shape: [count(S)] }, who, site);
  const taken = em.tensor("take", [flat, line], { dim, mode: "vector", reported: true }, who, site);
  const result = S.length === 1 ? taken : em.tensor("reshape", [taken], { shape: [...shape.slice(0, dim), ...S, ...shape.slice(dim + indices.length)] }, who, site);
  return { result, rank: S.length };
}

/**
 * Rows of a tensor whose dim 0 is the batch folded with c rows per sample ([c·Batch, …], DGCNN's
 * `x.view(batch_size * num_points, -1)[idx, :]`), taken by an index that holds `local + arange(B)·c`:
 * each sample's own rows (folded-batch.ts), a gather along dim 1 of x viewed [Batch, c, …].
 */
function foldedRows(t: TensorValue, index: TensorValue, who: string, site: CallSite, em: GraphEmitter): { result: TensorValue; rank: number } {
  const c = (t.node.shape[0] as { batch: number }).batch;
  return { result: foldedTake(t, index, c, "vector", who, site, em), rank: index.node.shape.length };
}

/** Index tensors expanded to their broadcast shape (PyTorch's rule for indices used together). */
function broadcastIndices(indices: TensorValue[], who: string, site: CallSite, em: GraphEmitter): TensorValue[] {
  let S: readonly Dim[] = indices[0].node.shape;
  for (const i of indices.slice(1)) {
    const both = broadcastShapes(S, i.node.shape);
    if (!both) return fail("shapeMismatch", `${who}: tensor indices used together must broadcast to one shape, got ${indices.map((q) => formatShape(q.node.shape)).join(", ")}`, site.loc);
    S = both;
  }
  return indices.map((i) => (shapeEq(i.node.shape, S) ? i : em.tensor("expand", [i], { shape: [...S] }, who, site)));
}

/**
 * The row-major position of (i0, i1, …) in dims of `sizes`: Σ i_k·Π_{j>k} sizes_j, as int32, each
 * negative index counted from its dim's end first, as PyTorch's advanced indexing wraps it
 * (x[..., tensor([-2]), :]); each is checked against its own dim first (countedFromEnd: index_check),
 * as a position past one dim would name another element of the whole.
 */
function rowMajor(indices: TensorValue[], sizes: readonly number[], who: string, site: CallSite, em: GraphEmitter): TensorValue {
  const wrapped = (t: TensorValue, size: number) => countedFromEnd(t, size, who, site, em);
  let position = wrapped(indices[0], sizes[0]);
  for (let i = 1; i < indices.length; i++) position = em.tensor("add", [em.tensor("mul", [position, em.constant(sizes[i], site)], {}, who, site), wrapped(indices[i], sizes[i])], {}, who, site);
  return position;
}

/** The number of elements of S as one dim (a multiple of the batch where S has it). */
function count(S: readonly Dim[]): Dim {
  const { c, p } = numel(S);
  return p === 0 ? c : batchTimes(c);
}

/** A list index's rows of x's dim `dim`, negatives from the end, as an int32 tensor. */
function listedRows(x: TensorValue, dim: number, list: { at: readonly number[]; maskLength?: number }, who: string, site: CallSite, em: GraphEmitter): TensorValue {
  const { at, maskLength } = list;
  const size = x.node.shape[dim];
  if (maskLength !== undefined && isBatch(size)) refuseMaskOverBatch(x, dim, who, site);
  if (isBatch(size)) fail("shapeMismatch", `${who}: dim ${dim} of ${formatShape(x.node.shape)} is the batch, which is split across devices; a list index takes rows of a fixed-size dim (${BATCH_GROUP_HINT})`, site.loc);
  // a bool mask is one flag per row: PyTorch raises IndexError for one of another length (a shorter one's rows would be taken as if it were padded with false)
  if (maskLength !== undefined && maskLength !== size)
    fail("shapeMismatch", `${who}: the mask has ${maskLength} values and dim ${dim} of ${formatShape(x.node.shape)} has ${size} rows; a bool mask holds one value per row (PyTorch raises an IndexError)`, site.loc);
  const rows = at.map((i) => (i < 0 ? i + (size as number) : i));
  const bad = at.find((_, k) => rows[k] < 0 || rows[k] >= (size as number));
  if (bad !== undefined) fail("invalidArgument", `${who}: index ${bad} is out of range for dim ${dim} of size ${size}`, site.loc);
  return em.tensor("to_int", [em.tensor("literal", [], { shape: [rows.length], values: rows }, who, site)], {}, who, site);
}

/**
 * A bool mask of constants over k dims of x from `dim` (PyTorch's x[mask] with mask.shape equal to
 * those dims): k int32 index tensors, the coordinates of its true elements in row-major order
 * (mask.nonzero()'s columns), which advanced indexing takes together — the k dims become one of the
 * count of trues, as PyTorch's result [count, ...the rest].
 */
function maskCoordinates(x: TensorValue, dim: number, mask: { shape: readonly number[]; flags: readonly number[] }, who: string, site: CallSite, em: GraphEmitter): Index[] {
  const covered = x.node.shape.slice(dim, dim + mask.shape.length);
  const overBatch = covered.findIndex(isBatch);
  if (overBatch >= 0) refuseMaskOverBatch(x, dim + overBatch, who, site);
  // PyTorch's IndexError: "The shape of the mask [3, 2] at index 1 does not match the shape of the indexed tensor [3, 4] at index 1"
  const off = mask.shape.findIndex((d, i) => d !== covered[i]);
  if (off >= 0)
    fail("shapeMismatch", `${who}: the mask's shape ${formatShape(mask.shape)} does not match dims ${dim}–${dim + mask.shape.length - 1} of ${formatShape(x.node.shape)} at its dim ${off} (${mask.shape[off]} vs ${covered[off]}); a bool mask holds one value per element of the dims it covers (PyTorch raises an IndexError)`, site.loc);
  const strides = mask.shape.map((_, i) => mask.shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const trues = mask.flags.flatMap((m, flat) => (m !== 0 ? [flat] : []));
  return strides.map((stride, i) => {
    const coordinate = trues.map((flat) => Math.floor(flat / stride) % mask.shape[i]);
    return { kind: "rows", index: em.tensor("to_int", [em.tensor("literal", [], { shape: [trues.length], values: coordinate }, who, site)], {}, who, site) };
  });
}

/** A bool mask over the batch keeps a count of rows that depends on the batch and on each device's share: refused, saying what works. */
function refuseMaskOverBatch(x: TensorValue, dim: number, who: string, site: CallSite): never {
  return fail(
    "shapeMismatch",
    `${who}: the bool mask covers dim ${dim} of ${formatShape(x.node.shape)}, the batch, which is split across devices: how many elements it keeps would depend on the batch size and each device's share (a data-dependent count); mask a fixed-size dim, or keep every row weighed by the mask (x.mul(mask.unsqueeze(-1)), F.where)`,
    site.loc,
  );
}

/**
 * Each sample's own position along the batch dim `batch`: F.arange(x.size(0)), viewed or expanded
 * with the batch kept first and whole (PointNet++'s arange(B).view(B, 1, 1).repeat(1, S, K)), so
 * element (b, …) is b.
 */
function isBatchPositions(index: TensorValue, batch: Dim): boolean {
  if (!isBatch(batch) || !dimEq(index.node.shape[0], batch)) return false;
  // b stays the outermost varying coordinate through views and expands whose dims before the
  // batch are 1s and whose batch is whole (not folded with another dim)
  const outermost = (shape: readonly Dim[]) => {
    const at = shape.findIndex(isBatch);
    return at >= 0 && dimEq(shape[at], batch) && shape.slice(0, at).every((d) => d === 1) && shape.filter(isBatch).length === 1;
  };
  let node = index.node;
  while ((node.op === "reshape" || node.op === "expand") && outermost(node.shape)) node = node.inputs[0];
  return node.op === "arange_int" && node.shape.length === 1 && dimEq(node.shape[0], batch);
}

/**
 * x[arange(B), i1, i2, …] (a pooled token per sample, `hidden[arange(B), lengths - 1]`; the true
 * class's logit, `logits[arange(B), y]`; PointNet++'s grouped points `points[batchIdx, idx, :]`):
 * the indices broadcast to S = [Batch, …]; sample b's element s at (i1[s], i2[s], …) of the dims
 * after the batch — a gather along them, flattened, with each element's row-major position.
 */
function perSample(t: TensorValue, indices: TensorValue[], who: string, site: CallSite, em: GraphEmitter): { result: TensorValue; rank: number } {
  const shape = t.node.shape;
  const batch = shape[0];
  const together = broadcastIndices(indices, who, site, em);
  const S = together[0].node.shape;
  if (!dimEq(S[0], batch))
    fail("shapeMismatch", `${who}: with F.arange(batch) in dim 0, the tensor indices broadcast to ${formatShape(S)}, whose first dim is not the batch`, site.loc);
  const rest = S.slice(1) as number[];
  if (rest.some(isBatch)) fail("shapeMismatch", `${who}: the tensor indices broadcast to ${formatShape(S)}, with the batch twice`, site.loc);
  const m = rest.reduce((a, b) => a * b, 1);
  const others = together.slice(1);
  const after = shape.slice(1 + others.length);
  // x[arange(B)] alone: each sample's own row, repeated over S's other dims
  if (others.length === 0) {
    const viewed = rest.length === 0 ? t : em.tensor("reshape", [t], { shape: [batch, ...rest.map(() => 1), ...after] }, who, site);
    return { result: rest.every((d) => d === 1) ? viewed : em.tensor("expand", [viewed], { shape: [...S, ...after] }, who, site), rank: S.length };
  }
  const sizes = shape.slice(1, 1 + others.length) as number[];
  const total = sizes.reduce((a, b) => a * b, 1);
  const position = rowMajor(others, sizes, who, site, em);
  const flat = em.tensor("reshape", [t], { shape: [batch, total, ...after] }, who, site);
  const column = em.tensor("reshape", [position], { shape: [batch, m, ...after.map(() => 1)] }, who, site);
  const index = after.length ? em.tensor("expand", [column], { shape: [batch, m, ...after] }, who, site) : column;
  const taken = em.tensor("take", [flat, index], { dim: 1, mode: "elementwise", reported: true }, who, site);
  return { result: em.tensor("reshape", [taken], { shape: [...S, ...after] }, who, site), rank: S.length };
}

/**
 * x.index_put_((idx,), v, accumulate) into x [c·Batch, …] (PyG's nodes of every graph) by an index
 * whose dim 0 carries the batch: each sample writes its own rows, x viewed [Batch, c, …] indexed by
 * (arange(B), the sample-local rows) — the per-sample form below, with values laid out to match.
 */
function foldedIndexPut(x: TensorValue, index: TensorValue, values: Value, accumulate: boolean, c: number, site: CallSite, em: GraphEmitter): TensorValue {
  const who = "indexPut";
  const shape = x.node.shape;
  const after = shape.slice(1);
  const order = sampleOrder(index, who, site, em);
  const local = sampleLocalRows(order.toSamples(index), c, who, site, em);
  const viewed = em.tensor("reshape", [x], { shape: [batchTimes(1), c, ...after] }, who, site);
  const positions = em.tensor("reshape", [em.tensor("arange_int", [], { start: 0, step: 1, length: batchTimes(1) }, who, site)], { shape: [batchTimes(1), ...local.node.shape.slice(1).map(() => 1)] }, who, site);
  let laid: Value = values;
  if (values instanceof TensorValue) {
    const target = [...index.node.shape, ...after];
    const joint = broadcastShapes(values.node.shape, target);
    if (!joint || !shapeEq(joint, target)) fail("shapeMismatch", `${who}: values ${formatShape(values.node.shape)} must broadcast to the indexed shape ${formatShape(target)}`, site.loc);
    let v = values;
    if (v.node.shape.length < target.length) v = em.tensor("reshape", [v], { shape: [...target.slice(0, target.length - v.node.shape.length).map(() => 1), ...v.node.shape] }, who, site);
    if (!shapeEq(v.node.shape, target)) v = em.tensor("expand", [v], { shape: target }, who, site);
    laid = em.tensor("reshape", [order.toSamples(v)], { shape: [...local.node.shape, ...after] }, who, site);
  }
  const written = indexPut(viewed, [[positions, local], laid, accumulate], site, em);
  return em.tensor("reshape", [written], { shape: [...shape] }, who, site);
}

/**
 * x.indexPut(indices, values, accumulate = false): PyTorch's index_put (x[i0, i1, …] = values, and
 * with accumulate the sums at repeated positions: a point cloud's scatter into voxels,
 * `out.index_put_((batchIdx, voxel), feats, accumulate=True)`) — the inverse of advancedRows: the
 * int32 indices of x's first dims broadcast to S, values broadcast to [...S, ...x's other dims],
 * each element sent to its row-major position along those dims flattened (take_grad: the sums
 * loop over the positions, no atomics, the same every run). Without accumulate a number is written
 * as itself, and a position written twice with tensor values holds their mean (PyTorch keeps one
 * of them, unspecified which). With F.arange(batch)
 * first, each sample writes its own rows (perSample's inverse); a fixed tensor written from
 * per-sample indices would sum over the batch, which is split across devices: refused.
 */
function indexPut(x: TensorValue, args: Value[], site: CallSite, em: GraphEmitter): TensorValue {
  const who = "indexPut";
  const b = bindArgs(who, [arg("indices", "any"), arg("values", "any"), opt("accumulate", "bool", false)], args, site);
  // x.index_put_(torch.where(c), v) is x[c] = v (where-coordinates.ts)
  const whereMask = whereIndexMask([b.indices]);
  const indices: Value[] = whereMask ? [whereMask] : Array.isArray(b.indices) ? b.indices : [b.indices];
  // x.index_put_((mask,), y[mask]): y's elements where the mask is true (masked-selections.ts)
  const copied = indices.length === 1 && indices[0] instanceof TensorValue && indices[0].node.dtype === "f32" ? maskedCopy(x, indices[0], b.values, who, site, em, b.accumulate) : undefined;
  if (copied) return copied;
  // x.index_put_((mask,), 0): the mask's fill (PyTorch's x[mask] = 0); with accumulate, x[mask] += v
  const mask = indices.length === 1 && indices[0] instanceof TensorValue && isBooleanMask(indices[0].node) ? indices[0] : undefined;
  const filled = mask ? maskedFillRows(x, mask, b.values, who, site, em, b.accumulate) : undefined;
  if (filled) return filled;
  if (indices.length === 0 || !indices.every((i): i is TensorValue => i instanceof TensorValue && i.node.dtype === "i32"))
    return fail("wrongArgumentType", `${who}: indices are int32 tensors, one for each of x's first dims they index, got ${indices.map(describe).join(", ") || "none"}`, site.loc);
  const shape = x.node.shape;
  if (indices.length > shape.length) fail("invalidArgument", `${who}: ${indices.length} indices for a tensor of ${shape.length} dims`, site.loc);
  const batched = isBatchPositions(indices[0], shape[0]);
  if (batched && indices.length === 1) fail("unsupportedSyntax", `${who}: with F.arange(batch) alone each sample writes its whole row; write x.copy_(values)`, site.loc);
  const lead = batched ? [shape[0]] : [];
  const written = batched ? indices.slice(1) : indices;
  const sizes = shape.slice(lead.length, lead.length + written.length);
  const folded = !batched && indices.length === 1 && isBatch(indices[0].node.shape[0]) ? foldedRowsPerSample(shape[0], indices[0].node.shape[0]) : undefined;
  if (folded !== undefined) return foldedIndexPut(x, indices[0], b.values, b.accumulate, folded, site, em);
  if (sizes.some(isBatch)) fail("shapeMismatch", `${who}: the indices write into dim ${shape.findIndex(isBatch)} of ${formatShape(shape)}, the batch, which is split across devices; index a fixed-size dim (or pick each sample's rows with F.arange(batch) first)`, site.loc);
  const together = broadcastIndices(batched ? indices : written, who, site, em);
  const S = together[0].node.shape;
  if (batched && !dimEq(S[0], shape[0])) fail("shapeMismatch", `${who}: with F.arange(batch) first, the indices broadcast to ${formatShape(S)}, whose first dim is not the batch`, site.loc);
  const perSampleShape = S.slice(lead.length);
  if (perSampleShape.some(isBatch))
    fail("unsupportedSyntax", `${who}: indices of each sample (${formatShape(S)}) writing into the same rows of ${formatShape(shape)} for every sample would sum over the whole batch, which is split across devices; keep the batch first in x (F.zeros(B, …)) and index it with F.arange(B) first`, site.loc);
  const after = shape.slice(lead.length + written.length);
  const target = [...S, ...after];
  let values: TensorValue = typeof b.values === "number" ? new TensorValue(em.constant(b.values, site)) : b.values;
  if (!(values instanceof TensorValue)) return fail("wrongArgumentType", `${who}: values is a tensor or a number, got ${describe(b.values)}`, site.loc);
  const joint = broadcastShapes(values.node.shape, target);
  if (!joint || !shapeEq(joint, target)) fail("shapeMismatch", `${who}: values ${formatShape(values.node.shape)} must broadcast to the indexed shape ${formatShape(target)}`, site.loc);
  if (values.node.shape.length < target.length) values = em.tensor("reshape", [values], { shape: [...target.slice(0, target.length - values.node.shape.length).map(() => 1), ...values.node.shape] }, who, site);
  if (!shapeEq(values.node.shape, target)) values = em.tensor("expand", [values], { shape: target }, who, site);
  const total = (sizes as number[]).reduce((p, d) => p * d, 1);
  const m = count(perSampleShape);
  const position = rowMajor(together.slice(lead.length), sizes as number[], who, site, em);
  // along dim lead.length of x viewed [...lead, total, ...after]: batched, each sample's positions
  // element by element (scatter_add's form); else one list of positions for every row (index_add's)
  const flat = em.tensor("reshape", [x], { shape: [...lead, total, ...after] }, who, site);
  const sent = em.tensor("reshape", [values], { shape: [...lead, m, ...after] }, who, site);
  let index: TensorValue;
  if (batched) {
    const column = em.tensor("reshape", [position], { shape: [shape[0], m, ...after.map(() => 1)] }, who, site);
    index = after.length ? em.tensor("expand", [column], { shape: [shape[0], m, ...after] }, who, site) : column;
  } else index = S.length === 1 ? position : em.tensor("reshape", [position], { shape: [m] }, who, site);
  const attrs = { dim: lead.length, mode: batched ? "elementwise" : "vector", size: total, reported: true };
  const sums = em.tensor("take_grad", [sent, index], attrs, who, site);
  let result: TensorValue;
  if (b.accumulate) result = em.tensor("add", [flat, sums], {}, who, site);
  else {
    // a number is written as itself; tensor values written twice to one position, as their mean
    const ones = em.tensor("expand", [em.node("full", [], { shape: [], value: 1 }, who, site)], { shape: [...sent.node.shape] }, who, site);
    const writes = em.tensor("take_grad", [ones, index], attrs, who, site);
    const hit = em.tensor("gt", [writes, em.constant(0, site)], {}, who, site);
    const value = typeof b.values === "number" ? em.constant(b.values, site) : em.tensor("div", [sums, em.tensor("where", [hit, writes, em.constant(1, site)], {}, who, site)], {}, who, site);
    result = em.tensor("where", [hit, value, flat], {}, who, site);
  }
  return em.tensor("reshape", [result], { shape: [...shape] }, who, site);
}

/**
 * The indices of x.index(…): its arguments, or a lone array's items where PyTorch reads that list
 * as a tuple of indices (x[[":", 0]] as x[:, 0], a list holding a slice, None, "..." or tensors);
 * a lone list of integers (or of bools, a mask) is one index, the rows it names, as PyTorch's
 * x[[0, 2]] (not x[0, 2]).
 */
export function indexTuple(args: readonly Value[]): Value[] {
  const lone = args.length === 1 && Array.isArray(args[0]) ? (args[0] as Value[]) : undefined;
  return lone && !lone.every((v) => (typeof v === "number" && Number.isInteger(v)) || typeof v === "boolean") ? lone : [...args];
}

export const indexingMethods = {
  indexPut,
  index: (x: TensorValue, args: Value[], site: CallSite, em: GraphEmitter): Value => indexWith(x, indexTuple(args), "index", site, em),
  slice: (x: TensorValue, args: Value[], site: CallSite, em: GraphEmitter): Value => {
    const bounds = bindArgs("slice", [arg("dim", "any"), opt("start", "any", null, { nullable: true }), opt("end", "any", null, { nullable: true }), opt("step", "any", 1)], args, site);
    if (bounds.start instanceof SymInt || bounds.end instanceof SymInt) return sliceByBatchSize(x, bounds, site, em);
    const b = bindArgs("slice", [arg("dim", "int"), opt("start", "int", null, { nullable: true }), opt("end", "int", null, { nullable: true }), opt("step", "posInt", 1)], args, site);
    const rank = x.node.shape.length;
    const dim = b.dim < 0 ? b.dim + rank : b.dim;
    if (dim < 0 || dim >= rank) fail("invalidArgument", `slice: dim ${b.dim} is out of range for a tensor of ${rank} dims`, site.loc);
    return sliceDim(x, dim, b.start, b.end, b.step, "slice", site, em);
  },
};

/**
 * x.slice(dim, start, end) with bounds that are multiples of the batch size b = x.size(0), along a
 * dim of c·Batch rows: whole shares of b rows (FixMatch's logits[:b] of the labeled and unlabeled
 * batches concatenated), each replica taking them from its own share as split(b) does.
 */
function sliceByBatchSize(x: TensorValue, b: Bound, site: CallSite, em: GraphEmitter): TensorValue {
  const who = "slice";
  const rank = x.node.shape.length;
  const dim = typeof b.dim === "number" ? normalizeDim(b.dim, rank) : undefined;
  if (dim === undefined) return fail("invalidArgument", `slice: dim ${describe(b.dim)} is out of range for a tensor of ${rank} dims`, locOfArg(b, "dim", site));
  const size = x.node.shape[dim];
  if (!isBatch(size))
    return fail("nonConstant", `slice: dim ${dim} of ${formatShape(x.node.shape)} has a fixed size, so its bounds cannot depend on the batch size`, site.loc);
  const rows = size === Batch ? 1 : (size as { batch: number }).batch;
  // a bound in shares of b: k·b is k, 0 or absent is an end
  const share = (v: Value, name: string, fallback: number): number => {
    if (v === null || v === undefined) return fallback;
    if (v instanceof SymInt && v.coef >= 0) return Math.min(v.coef, rows);
    if (v === 0) return 0;
    return fail("shapeMismatch", `slice: dim ${dim} of ${formatShape(x.node.shape)} holds the batch, which is split across devices: its ${name} must be a multiple of x.size(0) (or 0), got ${describe(v)}`, locOfArg(b, name, site));
  };
  if (b.step !== 1) fail("shapeMismatch", `slice: a step along dim ${dim} of ${formatShape(x.node.shape)}, which holds the batch, would mix samples of different shares; take it whole or by multiples of x.size(0)`, locOfArg(b, "step", site));
  const start = share(b.start, "start", 0);
  const end = share(b.end, "end", rows);
  if (end <= start) fail("shapeMismatch", `slice: the slice takes nothing of dim ${dim} (${formatShape([size])}); tsdp's tensors are not empty`, site.loc);
  return narrowAlongBatch(who, x, dim, start, end - start, site, em);
}
