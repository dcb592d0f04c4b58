import { fail } from "../diagnostics/diagnostic.ts";
import { dimEq, formatShape, isBatch, type Dim } from "../ir/shape.ts";
import { arg, bindArgs, opt } from "./args.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { describe, TensorValue, type CallSite, type Value } from "./values.ts";

// PyTorch's basic indexing, which TypeScript has no syntax for: x[..., ::2] (rotary embeddings'
// even and odd features), x[:, -1] (a sequence's last step), x[:, None] (a new dim), x[:, :T]
// (a causal mask cut to the sequence), x[:, 1:-1]. Written as arguments, one per index:
//   x.index("...", "::2")      x.index(":", -1)      x.index(":", null)      x.index(":", ":T") ✗ (T is a name)
//   x.slice(dim, start, end, step)  — Python's start:end:step along one dim (null for an omitted bound)
// A number selects (the dim goes), null adds a dim of 1, a string "a:b:c" slices with Python's
// rules (negative bounds from the end, bounds clamped, step > 0), "..." stands for the dims not
// indexed, and a 1-D int32 tensor takes those rows (index_select). A slice with step 1 is a narrow;
// a step is a take of the positions start, start + step, … — both with their gradients.

type Index =
  | { kind: "select"; at: number }
  | { kind: "new" }
  | { kind: "slice"; start: number | null; end: number | null; step: number }
  | { kind: "ellipsis" }
  | { kind: "rows"; index: TensorValue }
  // a list of integers (nanoGPT's x[:, [-1], :]): those rows, the dim kept
  | { kind: "list"; at: readonly number[] };

/** "a:b:c", ":", "::2", "1:-1", "..." (or "…"): one index; a number, null or an int32 tensor too. */
function parseIndex(v: Value, who: string, site: CallSite): Index {
  if (typeof v === "number") return Number.isInteger(v) ? { kind: "select", at: v } : fail("invalidArgument", `${who}: an index must be an integer, got ${v}`, site.loc);
  if (v === null || v === undefined) return { kind: "new" };
  if (Array.isArray(v)) {
    if (v.length === 0 || !v.every((i) => typeof i === "number" && Number.isInteger(i)))
      fail("invalidArgument", `${who}: a list index holds integers (x[:, [-1]] keeps the last row as a dim of 1), got ${describe(v)}`, site.loc);
    return { kind: "list", at: v as number[] };
  }
  if (v instanceof TensorValue) {
    if (v.node.dtype !== "i32" || v.node.shape.length !== 1) fail("wrongArgumentType", `${who}: a tensor index must be a 1-D int32 tensor (index_select's rows), got ${v.node.dtype === "i32" ? "int32" : "float32"} ${formatShape(v.node.shape)}`, site.loc);
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

/** Python's slice.indices(size) for a positive step: the start, the count and the step. */
function sliceRange(start: number | null, end: number | null, step: number, size: number): { start: number; count: number } {
  const clampBound = (b: number | null, fallback: number) => (b === null ? fallback : b < 0 ? Math.max(0, b + size) : Math.min(b, size));
  const [s, e] = [clampBound(start, 0), clampBound(end, size)];
  return { start: s, count: e > s ? Math.ceil((e - s) / step) : 0 };
}

/** x along `dim` from start to end by step (Python's rules); the batch dim only as a whole. */
export function sliceDim(x: TensorValue, dim: number, start: number | null, end: number | null, step: number, who: string, site: CallSite, em: GraphEmitter): TensorValue {
  const size = x.node.shape[dim];
  if (isBatch(size)) {
    if ((start === null || start === 0) && end === null && step === 1) return x;
    return fail("shapeMismatch", `${who}: dim ${dim} of ${formatShape(x.node.shape)} is the batch, which is split across devices; it can only be taken whole (":")`, site.loc);
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
  const parsed = indices.map((v) => parseIndex(v, who, site));
  const ellipses = parsed.filter((p) => p.kind === "ellipsis").length;
  if (ellipses > 1) fail("invalidArgument", `${who}: an index can only have a single ellipsis ("...")`, site.loc);
  const rank = x.node.shape.length;
  const consuming = parsed.filter((p) => p.kind !== "new" && p.kind !== "ellipsis").length;
  if (consuming > rank) fail("invalidArgument", `${who}: too many indices for a tensor of ${rank} dims (${consuming} given)`, site.loc);
  // the ellipsis (or the end) stands for the dims no index names; a list is the int32 rows it names
  const expanded: Index[] = [];
  for (const p of parsed) {
    if (p.kind === "ellipsis") for (let i = 0; i < rank - consuming; i++) expanded.push({ kind: "slice", start: null, end: null, step: 1 });
    else if (p.kind === "list") expanded.push({ kind: "rows", index: listedRows(x, expanded.filter((q) => q.kind !== "new").length, p.at, who, site, em) });
    else expanded.push(p);
  }
  let t = x;
  let dim = 0; // t's dim the next index reads
  for (let k = 0; k < expanded.length; k++) {
    const p = expanded[k];
    // x[:, li, lj] with tensors in adjacent dims: Python pairs them, one element per (li[j], lj[j])
    if (p.kind === "rows" && expanded[k + 1]?.kind === "rows") {
      let n = 1;
      while (expanded[k + n]?.kind === "rows") n++;
      t = pairedRows(t, dim, expanded.slice(k, k + n).map((q) => (q as { index: TensorValue }).index), who, site, em);
      k += n - 1;
      dim++;
      continue;
    }
    if (p.kind === "new") {
      t = em.tensor("reshape", [t], { shape: [...t.node.shape.slice(0, dim), 1, ...t.node.shape.slice(dim)] }, who, site);
      dim++;
    } else if (p.kind === "select") {
      const size = t.node.shape[dim];
      if (isBatch(size)) fail("shapeMismatch", `${who}: dim ${dim} of ${formatShape(t.node.shape)} is the batch, which is split across devices; index it with ":"`, site.loc);
      const at = p.at < 0 ? p.at + (size as number) : p.at;
      if (at < 0 || at >= (size as number)) fail("invalidArgument", `${who}: index ${p.at} is out of range for dim ${dim} of size ${size}`, site.loc);
      const piece = size === 1 ? t : em.tensor("narrow", [t], { dim, start: at, length: 1 }, who, site);
      t = em.tensor("reshape", [piece], { shape: t.node.shape.filter((_, i) => i !== dim) }, who, site);
    } else if (p.kind === "slice") {
      t = sliceDim(t, dim, p.start, p.end, p.step, who, site, em);
      dim++;
    } else if (p.kind === "rows") {
      // x[arange(B)]: every sample's own row, the tensor as it is
      if (dim === 0 && isBatchPositions(p.index, t.node.shape[0])) {
        dim++;
        continue;
      }
      if (isBatch(t.node.shape[dim])) fail("shapeMismatch", `${who}: dim ${dim} of ${formatShape(t.node.shape)} is the batch, which is split across devices; a tensor index takes rows of a fixed-size dim`, site.loc);
      t = em.tensor("take", [t, p.index], { dim, mode: "vector" }, who, site);
      dim++;
    }
  }
  return t;
}

/**
 * Indices in n adjacent dims of t taken together (PyTorch's x[:, li, lj] with 1-D int32 tensors of
 * one length L): the n dims become one of L elements, element j at (li[j], lj[j], …) — the dims
 * flattened, and the row-major position Σ idx_i·stride_i taken along them (exact in float32 within
 * 2^24, as int32 arithmetic is; int-arithmetic.ts).
 */
function pairedRows(t: TensorValue, dim: number, indices: TensorValue[], who: string, site: CallSite, em: GraphEmitter): TensorValue {
  const shape = t.node.shape;
  if (dim === 0 && isBatchPositions(indices[0], shape[0])) return perSample(t, indices.slice(1), who, site, em);
  const sizes = shape.slice(dim, dim + indices.length);
  if (sizes.some(isBatch)) fail("shapeMismatch", `${who}: tensor indices into dims ${dim}–${dim + indices.length - 1} of ${formatShape(shape)}, one of them the batch, which is split across devices`, site.loc);
  const length = indices[0].node.shape[0];
  if (indices.some((i) => i.node.shape[0] !== length)) fail("shapeMismatch", `${who}: tensor indices used together must have one length, got ${indices.map((i) => formatShape(i.node.shape)).join(", ")}`, site.loc);
  const total = (sizes as number[]).reduce((a, b) => a * b, 1);
  const flat = em.tensor("reshape", [t], { shape: [...shape.slice(0, dim), total, ...shape.slice(dim + indices.length)] }, who, site);
  let position = indices[0];
  for (let i = 1; i < indices.length; i++) position = em.tensor("add", [em.tensor("mul", [position, em.constant(sizes[i] as number, site)], {}, who, site), indices[i]], {}, who, site);
  return em.tensor("take", [flat, position], { dim, mode: "vector" }, who, site);
}

/** A list index's rows of x's dim `dim`, negatives from the end, as an int32 tensor. */
function listedRows(x: TensorValue, dim: number, at: readonly number[], who: string, site: CallSite, em: GraphEmitter): TensorValue {
  const size = x.node.shape[dim];
  if (isBatch(size)) fail("shapeMismatch", `${who}: dim ${dim} of ${formatShape(x.node.shape)} is the batch, which is split across devices; a list index takes rows of a fixed-size dim`, site.loc);
  const rows = at.map((i) => (i < 0 ? i + (size as number) : i));
  const bad = at.find((_, k) => rows[k] < 0 || rows[k] >= (size as number));
  if (bad !== undefined) fail("invalidArgument", `${who}: index ${bad} is out of range for dim ${dim} of size ${size}`, site.loc);
  return em.tensor("to_int", [em.tensor("literal", [], { shape: [rows.length], values: rows }, who, site)], {}, who, site);
}

/** F.arange(x.size(0)): each sample's own position along the batch dim `batch`. */
const isBatchPositions = (index: TensorValue, batch: Dim): boolean =>
  index.node.op === "arange_int" && isBatch(batch) && index.node.shape.length === 1 && dimEq(index.node.shape[0], batch);

/**
 * x[arange(B), i1, i2, …] with 1-D int32 indices as long as the batch (a pooled token per sample,
 * `hidden[arange(B), lengths - 1]`; the true class's logit, `logits[arange(B), y]`): sample b's
 * element at (i1[b], i2[b], …) of the dims after the batch — a gather along them, flattened, with
 * each sample's one position (the row-major Σ i_k·stride_k, as pairedRows takes it).
 */
function perSample(t: TensorValue, indices: TensorValue[], who: string, site: CallSite, em: GraphEmitter): TensorValue {
  if (indices.length === 0) return t;
  const shape = t.node.shape;
  const batch = shape[0];
  if (indices.some((i) => !dimEq(i.node.shape[0], batch)))
    fail("shapeMismatch", `${who}: with F.arange(batch) in dim 0, each other tensor index is one per sample (${formatShape([batch])}), got ${indices.map((i) => formatShape(i.node.shape)).join(", ")}`, site.loc);
  const sizes = shape.slice(1, 1 + indices.length) as number[];
  const after = shape.slice(1 + indices.length);
  const total = sizes.reduce((a, b) => a * b, 1);
  let position = indices[0];
  for (let i = 1; i < indices.length; i++) position = em.tensor("add", [em.tensor("mul", [position, em.constant(sizes[i], site)], {}, who, site), indices[i]], {}, who, site);
  const flat = em.tensor("reshape", [t], { shape: [batch, total, ...after] }, who, site);
  const column = em.tensor("reshape", [position], { shape: [batch, 1, ...after.map(() => 1)] }, who, site);
  const index = after.length ? em.tensor("expand", [column], { shape: [batch, 1, ...after] }, who, site) : column;
  const taken = em.tensor("take", [flat, index], { dim: 1, mode: "elementwise" }, who, site);
  return em.tensor("reshape", [taken], { shape: [batch, ...after] }, who, site);
}

export const indexingMethods = {
  index: (x: TensorValue, args: Value[], site: CallSite, em: GraphEmitter): Value => indexWith(x, args.length === 1 && Array.isArray(args[0]) ? args[0] : args, "index", site, em),
  slice: (x: TensorValue, args: Value[], site: CallSite, em: GraphEmitter): Value => {
    const b = bindArgs("slice", [arg("dim", "int"), opt("start", "int", null, { nullable: true }), opt("end", "int", null, { nullable: true }), opt("step", "posInt", 1)], args, site);
    const rank = x.node.shape.length;
    const dim = b.dim < 0 ? b.dim + rank : b.dim;
    if (dim < 0 || dim >= rank) fail("invalidArgument", `slice: dim ${b.dim} is out of range for a tensor of ${rank} dims`, site.loc);
    return sliceDim(x, dim, b.start, b.end, b.step, "slice", site, em);
  },
};
