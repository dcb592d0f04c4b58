import { fail } from "../diagnostics/diagnostic.ts";
import { Batch, BATCH_GROUP_HINT, batchTimes, dimEq, formatShape, isBatch, normalizeDim, type Dim } from "../ir/shape.ts";
import { ops } from "./composite-ops.ts";
import { arg, bindArgs, locOfArg, opt, type Bound } from "./args.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { MAX_CAT_INPUTS } from "../ops/join.ts";
import { BuiltinFunction, describe, EmptyTensor, isBatchValue, StaticTensor, SymInt, TensorValue, type CallSite, type Value } from "./values.ts";
import { countedFromEnd } from "./constant-indexes.ts";
import { isBooleanMask } from "./boolean-masks.ts";
import { foldedRowsPerSample, foldedTake, rowsAsElements, sampleLocalRows, sampleOrder } from "./folded-batch.ts";
import { scatterValueAlongBatch } from "./along-batch.ts";

// Joins (torch.cat, stack) and slices (split, chunk, narrow).

function dimOf(v: number, rank: number, who: string, site: CallSite, b: Bound): number {
  const d = normalizeDim(v, rank);
  if (d === undefined)
    fail("invalidArgument", `${who}: dim ${v} is out of range for a tensor with ${rank} dims (expected ${-Math.max(rank, 1)} to ${Math.max(rank, 1) - 1})`, locOfArg(b, "dim", site));
  return d;
}

function tensorList(who: string, v: Value, site: CallSite, b: Bound): TensorValue[] {
  if (!Array.isArray(v) || v.length === 0 || !v.every((t) => t instanceof TensorValue)) {
    // name the element that is not a tensor: "an array of 2" hides a constructor's random draw among them
    const items = Array.isArray(v) ? v : [];
    const odd = items.findIndex((t) => !(t instanceof TensorValue));
    if (odd >= 0 && items[odd] instanceof StaticTensor)
      fail("nonConstant", `${who}: element ${odd} is ${describe(items[odd])}, whose values exist only when the model is created; join draws by drawing the whole tensor (or make each part a parameter and join them in forward)`, locOfArg(b, "tensors", site));
    fail("wrongArgumentType", `${who}: tensors must be a non-empty array of tensors, got ${describe(v)}${odd >= 0 ? ` whose element ${odd} is ${describe(items[odd])}` : ""}`, locOfArg(b, "tensors", site));
  }
  return v as TensorValue[];
}

/**
 * F.cat's tensors without the empty ones (a greedy decoder's F.zeros([B, 0]) start), which add
 * nothing: each must have the others' rank and sizes but along dim (PyTorch's rule), or be 1-D [0].
 */
function withoutEmpty(who: string, v: Value, dim: number, site: CallSite): Value {
  if (!Array.isArray(v) || !v.some((t) => t instanceof EmptyTensor)) return v;
  const rest = v.filter((t) => !(t instanceof EmptyTensor));
  const like = rest.find((t): t is TensorValue => t instanceof TensorValue);
  if (!like) return fail("invalidArgument", `${who}: every tensor joined is empty; the result would have no elements (start the join from the first step's tensor)`, site.loc);
  const shape = like.node.shape;
  const d = dim < 0 ? dim + shape.length : dim;
  for (const t of v)
    if (t instanceof EmptyTensor && !(t.shape.length === 1 && t.shape[0] === 0) && (t.shape.length !== shape.length || t.shape.some((s, i) => i !== d && !dimEq(s, shape[i]))))
      fail("shapeMismatch", `${who}: ${describe(t)} does not match ${formatShape(shape)} but along dim ${dim}`, site.loc);
  return rest;
}

export function cat(who: string, parts: readonly TensorValue[], dim: number, site: CallSite, em: GraphEmitter): TensorValue {
  if (parts.length === 1) return parts[0];
  if (parts.every((t) => t.node.shape.length === parts[0].node.shape.length && isBatch(t.node.shape[dim]))) return catAlongBatch(who, parts, dim, site, em);
  return em.tensor("concat", parts, { dim }, who, site);
}

// A dim of c·Batch is joined or sliced in whole multiples of the batch: the Set Transformer's heads
// folded into it, torch.cat(Q.split(d, 2), 0), and split back by Q.size(0). Each replica does so with
// its own share of the batch, as PyTorch's DataParallel replicas do. Viewed as [c, Batch] (memory
// unchanged) the join or slice is along the fixed c, an ordinary concat or narrow.

/** [..., c·Batch, ...] viewed as [..., c, Batch, ...]. */
function unfoldBatch(t: TensorValue, dim: number, who: string, site: CallSite, em: GraphEmitter): TensorValue {
  const shape: Dim[] = [...t.node.shape];
  shape.splice(dim, 1, (shape[dim] as { batch: number }).batch, Batch);
  return em.tensor("reshape", [t], { shape }, who, site);
}

/** [..., c, Batch, ...] viewed as [..., c·Batch, ...]. */
function foldBatch(t: TensorValue, dim: number, who: string, site: CallSite, em: GraphEmitter): TensorValue {
  const shape: Dim[] = [...t.node.shape];
  shape.splice(dim, 2, batchTimes(shape[dim] as number));
  return em.tensor("reshape", [t], { shape }, who, site);
}

function catAlongBatch(who: string, parts: readonly TensorValue[], dim: number, site: CallSite, em: GraphEmitter): TensorValue {
  const joined = em.tensor("concat", parts.map((t) => unfoldBatch(t, dim, who, site, em)), { dim }, who, site);
  return foldBatch(joined, dim, who, site, em);
}

/** Pieces of a c·Batch dim, each of sizes[i]·Batch. */
function piecesAlongBatch(who: string, x: TensorValue, sizes: number[], dim: number, site: CallSite, em: GraphEmitter): TensorValue[] {
  if (sizes.length === 1) return [x];
  const unfolded = unfoldBatch(x, dim, who, site, em);
  return pieces(who, unfolded, sizes, dim, site, em).map((p) => foldBatch(p, dim, who, site, em));
}

/**
 * Rows start·b to (start + length)·b of a c·Batch dim, b the batch size (each replica's share):
 * FixMatch's logits[:batch_size] and logits[batch_size:] of the labeled and unlabeled batches
 * concatenated, split's pieces taken one at a time.
 */
export function narrowAlongBatch(who: string, x: TensorValue, dim: number, start: number, length: number, site: CallSite, em: GraphEmitter): TensorValue {
  if (start === 0 && length === (x.node.shape[dim] as { batch: number }).batch) return x;
  const piece = em.tensor("narrow", [unfoldBatch(x, dim, who, site, em)], { dim, start, length }, who, site);
  return foldBatch(piece, dim, who, site, em);
}

/** The coefficients of split sizes along a c·Batch dim: x.size(0) multiples, adding up to c. */
function batchSplitSizes(who: string, x: TensorValue, s: Value, dim: number, site: CallSite, b: Bound, sizeName: string): number[] {
  const c = (x.node.shape[dim] as { batch: number }).batch;
  const wrong = () =>
    fail("shapeMismatch", `${who}: dim ${dim} of ${formatShape(x.node.shape)} is the batch, which is split across devices: split it into pieces of x.size(0) or a multiple of it, got ${describe(s)}`, locOfArg(b, sizeName, site));
  if (s instanceof SymInt) {
    const sizes: number[] = [];
    for (let at = 0; at < c; at += s.coef) sizes.push(Math.min(s.coef, c - at));
    return sizes;
  }
  if (!Array.isArray(s) || !s.every((v) => v instanceof SymInt)) return wrong();
  const sizes = (s as SymInt[]).map((v) => v.coef);
  const sum = sizes.reduce((p, q) => p + q, 0);
  if (sum !== c) fail("invalidArgument", `${who}: split sizes add up to ${formatShape([batchTimes(sum)])}, but dim ${dim} has size ${formatShape([batchTimes(c)])}`, locOfArg(b, sizeName, site));
  return sizes;
}

/** Any number of parts joined along dim: concats of at most MAX_CAT_INPUTS, nested (a long sequence's steps, many written slabs). */
export function catInGroups(parts: readonly TensorValue[], dim: number, who: string, site: CallSite, em: GraphEmitter): TensorValue {
  let level = [...parts];
  while (level.length > 1)
    level = Array.from({ length: Math.ceil(level.length / MAX_CAT_INPUTS) }, (_, g) => cat(who, level.slice(g * MAX_CAT_INPUTS, (g + 1) * MAX_CAT_INPUTS), dim, site, em));
  return level[0];
}

/** Pieces of `sizes` along dim (split's and chunk's result), as narrow nodes. */
function pieces(who: string, x: TensorValue, sizes: number[], dim: number, site: CallSite, em: GraphEmitter): TensorValue[] {
  let start = 0;
  return sizes.map((length) => {
    const piece = length === x.node.shape[dim] ? x : em.tensor("narrow", [x], { dim, start, length }, who, site);
    start += length;
    return piece;
  });
}

function fixedDim(who: string, x: TensorValue, dim: number, site: CallSite): number {
  const size = x.node.shape[dim];
  if (typeof size !== "number") return fail("shapeMismatch", `${who}: dim ${dim} of ${formatShape(x.node.shape)} is the batch, which is split across devices: ${BATCH_GROUP_HINT}`, site.loc);
  return size;
}

/**
 * torch.split(x, split_size_or_sections, dim = 0), and x.split(split_size, dim = 0): the method's
 * keyword is split_size (torch/_tensor.py), the function's split_size_or_sections.
 */
function split(x: TensorValue, args: Value[], site: CallSite, em: GraphEmitter, who = "split", sizeName = "splitSizeOrSections"): Value {
  const b = bindArgs(who, [arg(sizeName, "any"), opt("dim", "int", 0)], args, site);
  const dim = dimOf(b.dim, x.node.shape.length, who, site, b);
  if (isBatch(x.node.shape[dim])) return piecesAlongBatch(who, x, batchSplitSizes(who, x, b[sizeName], dim, site, b, sizeName), dim, site, em);
  const size = fixedDim(who, x, dim, site);
  const s = b[sizeName];
  let sizes: number[];
  if (typeof s === "number" && Number.isInteger(s) && s >= 1) {
    sizes = [];
    for (let at = 0; at < size; at += s) sizes.push(Math.min(s, size - at));
  } else if (Array.isArray(s) && s.every((v) => typeof v === "number" && Number.isInteger(v) && v >= 1)) {
    sizes = s as number[];
    const sum = sizes.reduce((p, q) => p + q, 0);
    if (sum !== size) fail("invalidArgument", `${who}: split sizes [${sizes.join(", ")}] add up to ${sum}, but dim ${dim} has size ${size}`, locOfArg(b, sizeName, site));
  } else return fail("wrongArgumentType", `${who}: ${sizeName} must be a positive integer or an array of them, got ${describe(s)}`, locOfArg(b, sizeName, site));
  return pieces(who, x, sizes, dim, site, em);
}

/** torch.chunk(x, chunks, dim = 0): pieces of ⌈size/chunks⌉, the last smaller (so maybe fewer than `chunks`). */
function chunk(x: TensorValue, args: Value[], site: CallSite, em: GraphEmitter, who = "chunk"): Value {
  const b = bindArgs(who, [arg("chunks", "posInt"), opt("dim", "int", 0)], args, site);
  const dim = dimOf(b.dim, x.node.shape.length, who, site, b);
  const along = x.node.shape[dim];
  if (isBatch(along)) {
    // c·Batch in k chunks of (c/k)·Batch at every batch size only where k divides c
    if (along.batch % b.chunks !== 0)
      fail("shapeMismatch", `${who}: dim ${dim} of ${formatShape(x.node.shape)} is the batch, which is split across devices: ${b.chunks} chunks of it have sizes that depend on the batch size (chunk a multiple of ${b.chunks} times the batch)`, locOfArg(b, "chunks", site));
    return piecesAlongBatch(who, x, Array.from({ length: b.chunks }, () => along.batch / b.chunks), dim, site, em);
  }
  const size = fixedDim(who, x, dim, site);
  const each = Math.ceil(size / b.chunks);
  const sizes: number[] = [];
  for (let at = 0; at < size; at += each) sizes.push(Math.min(each, size - at));
  return pieces(who, x, sizes, dim, site, em);
}

export function joinMembers(em: GraphEmitter): Map<string, Value> {
  const fn = (name: string, f: (args: Value[], site: CallSite, who: string) => Value) =>
    new BuiltinFunction(`F.${name}`, (args, site) => {
      return f(args, site, `F.${name}`);
    });
  return new Map<string, Value>([
    [
      "cat",
      fn("cat", (args, site, who) => {
        const b = bindArgs(who, [arg("tensors", "any"), opt("dim", "int", 0)], args, site);
        const parts = tensorList(who, withoutEmpty(who, b.tensors, b.dim, site), site, b);
        return cat(who, parts, dimOf(b.dim, parts[0].node.shape.length, who, site, b), site, em);
      }),
    ],
    [
      "stack",
      fn("stack", (args, site, who) => {
        // torch.stack: a new dim of size 1 inserted at dim in each, then cat along it
        const b = bindArgs(who, [arg("tensors", "any"), opt("dim", "int", 0)], args, site);
        const parts = tensorList(who, b.tensors, site, b);
        const dim = dimOf(b.dim, parts[0].node.shape.length + 1, who, site, b);
        const first = parts[0].node.shape;
        parts.forEach((t, k) => {
          const same = t.node.shape.length === first.length && t.node.shape.every((d, i) => JSON.stringify(d) === JSON.stringify(first[i]));
          if (!same) fail("shapeMismatch", `${who}: stack expects each tensor to be equal size, but got ${formatShape(first)} at entry 0 and ${formatShape(t.node.shape)} at entry ${k}`, site.loc);
        });
        const unsqueezed = parts.map((t) => {
          const shape = [...t.node.shape];
          shape.splice(dim, 0, 1);
          return em.tensor("reshape", [t], { shape }, who, site);
        });
        return cat(who, unsqueezed, dim, site, em);
      }),
    ],
    ["split", fn("split", (args, site, who) => split(tensorArg(who, args, site), args.slice(1), site, em, who))],
    ["roll", fn("roll", (args, site, who) => roll(tensorArg(who, args, site), args.slice(1), site, em, who))],
    ["chunk", fn("chunk", (args, site, who) => chunk(tensorArg(who, args, site), args.slice(1), site, em, who))],
    ["indexSelect", fn("indexSelect", (args, site, who) => takeAlong("vector", who, tensorArg(who, args, site), args.slice(1), site, em))],
    ["gather", fn("gather", (args, site, who) => takeAlong("elementwise", who, tensorArg(who, args, site), args.slice(1), site, em))],
    ["scatterReduce", fn("scatterReduce", (args, site, who) => scatterReduce(who, tensorArg(who, args, site), args.slice(1), site, em))],
    ...(["scatter", "scatterAdd", "indexAdd", "indexCopy", "indexFill"] as const).map((name): [string, Value] => [name, fn(name, (args, site, who) => scatterInto(name, who, tensorArg(who, args, site), args.slice(1), site, em))]),
  ]);
}

/**
 * The inverses of gather and index_select, as PyTorch's out-of-place forms: x.scatterAdd(dim, index,
 * src) adds src[…, j, …] at x[…, index[…, j, …], …] (index and src of x's shape but along dim),
 * x.indexAdd(dim, index, source) adds source's slice j at index[j], and x.scatter(dim, index,
 * src | value) writes there (the one-hot idiom F.zeros(B, C).scatter(1, y.view(-1, 1), 1)). The sums
 * are take's gradient (take_grad), so each output element loops over its dim's indices: no atomics,
 * the same result every run. Where an index repeats, scatter's written value is PyTorch's for a
 * number; for a tensor PyTorch keeps one of the writes unspecified, and tsdp writes their sum.
 * x.indexCopy(dim, index, source) and x.indexFill(dim, index, value) write index_add's slices (the
 * x[idx] = v of an int32 index).
 */
function scatterInto(name: "scatter" | "scatterAdd" | "indexAdd" | "indexCopy" | "indexFill", who: string, x: TensorValue, args: Value[], site: CallSite, em: GraphEmitter): TensorValue {
  const vector = name === "indexAdd" || name === "indexCopy" || name === "indexFill";
  const srcName = name === "indexFill" ? "value" : vector ? "source" : "src";
  // index_fill's value and index_add's alpha may be x.size(0): each replica's own batch (op batch_size)
  const extra = name === "indexAdd" ? [opt("alpha", "number", 1, { batchSize: true })] : name === "scatter" ? [opt("reduce", "string", null, { nullable: true, choices: ["add", "multiply"] })] : [];
  const b = bindArgs(who, [arg("dim", "int"), arg("index", "tensor"), arg(srcName, name === "scatter" ? "any" : name === "indexFill" ? "number" : "tensor", { batchSize: name === "indexFill" }), ...extra], args, site);
  // a bool x takes True, as b ≥ 1 is nonzero
  if (isBatchValue(b[srcName]) && isBooleanMask(x.node)) b[srcName] = 1;
  if (x.node.dtype !== "i32") return scatterBound(name, who, x, b, srcName, site, em);
  // PyTorch casts a number to self's integer dtype
  const src = b[srcName];
  b[srcName] = src instanceof TensorValue ? inFloat(src, em, who, site) : typeof src === "number" ? Math.trunc(src) : src;
  return backToInt(scatterBound(name, who, inFloat(x, em, who, site), b, srcName, site, em), em, who, site);
}

/**
 * An int32 x (a count: PyTorch's zeros(n, dtype=long).scatter_add_(0, idx, ones), or scatter_'s
 * reduce="add") is scattered in float32, the dtype of take_grad's sums, exact for the integers
 * below 2²⁴ that tsdp's int32 kernels hold; the result is int32 again, as PyTorch's keeps self's
 * dtype (and an in-place form must). Floored: scatter_reduce's "mean" of integers floor-divides.
 */
const inFloat = (t: TensorValue, em: GraphEmitter, who: string, site: CallSite) => (t.node.dtype === "i32" ? ops(em, who, site).op("to_float", [t]) : t);
const backToInt = (t: TensorValue, em: GraphEmitter, who: string, site: CallSite) => ops(em, who, site).op("to_int", [ops(em, who, site).op("floor", [t])]);

function scatterBound(name: "scatter" | "scatterAdd" | "indexAdd" | "indexCopy" | "indexFill", who: string, x: TensorValue, b: Bound, srcName: string, site: CallSite, em: GraphEmitter): TensorValue {
  const vector = name === "indexAdd" || name === "indexCopy" || name === "indexFill";
  if (name === "scatter" && b.reduce === "multiply" && b.src instanceof TensorValue) return scatterReduce(who, x, [b.dim, b.index, narrowTo(b.src, b.index.node.shape, em, who, site), "prod"], site, em);
  const dim = dimOf(b.dim, x.node.shape.length, who, site, b);
  // EGNN's unsorted_segment_sum: result [c·Batch, F].scatter_add_(0, row + arange(B)·c, data), each
  // sample's own rows (folded-batch.ts): along dim 1 of x viewed [Batch, c, …]
  // index_add_(0, col, msg) into PyG's nodes of every graph, and zeros(B, F).index_add_(0, batch, x)
  // (global_add_pool): each index element spread along x's other dims, then the same folded scatter
  const folded = dim === 0 ? foldedRowsPerSample(x.node.shape[0], b.index.node.shape[0]) : undefined;
  if (folded !== undefined && isBatch(b.index.node.shape[0])) {
    if (!vector) return foldedScatter(name, who, x, b, srcName, folded, site, em);
    const rest = x.node.shape.slice(1);
    const want = [b.index.node.shape[0], ...rest];
    const src = b[srcName];
    if (b.index.node.shape.length !== 1 || (src instanceof TensorValue && formatShape(src.node.shape) !== formatShape(want)))
      fail("shapeMismatch", `${who}: source ${src instanceof TensorValue ? formatShape(src.node.shape) : ""} must be the input ${formatShape(x.node.shape)} with the index's length along dim 0, the index 1-D`, site.loc);
    const alpha = name === "indexAdd" ? (isBatchValue(b.alpha) ? em.batchSize(b.alpha, who, site) : b.alpha !== 1 ? em.constant(b.alpha, site) : undefined) : undefined;
    const elements = { dim: 0, index: rowsAsElements(b.index, rest, who, site, em), src: alpha !== undefined ? em.tensor("mul", [src, alpha], {}, who, site) : src, reduce: null };
    return foldedScatter(name === "indexAdd" ? "scatterAdd" : "scatter", who, x, elements as unknown as Bound, "src", folded, site, em);
  }
  // a number written at each row's own position along a batch dim (SupCon's 1 − eye by scatter)
  if (name === "scatter" && b.reduce === null && typeof b.src === "number" && b.index instanceof TensorValue) {
    const written = scatterValueAlongBatch(x, dim, b.index, em.constant(b.src, site), who, site, em);
    if (written) return written;
  }
  const size = fixedDim(who, x, dim, site);
  const mode = vector ? "vector" : "elementwise";
  const attrs = { dim, mode, size };
  // index_fill counts a negative index from the end (ATen's index_fill kernel adds the dim's size);
  // scatter, index_add and index_copy raise on one (the index checks: constant-indexes.ts, the runtime)
  const index: TensorValue = name === "indexFill" ? countedFromEnd(b.index, size, who, site, em) : b.index;
  let src = b[srcName];
  // PyTorch's shapes: index_add's source as x but index's length along dim; scatter's index as
  // large as x at most besides dim, and src at least as large as it (its first elements are read)
  if (src instanceof TensorValue && mode === "vector") {
    const want = x.node.shape.map((d, i) => (i === dim ? index.node.shape[0] : d));
    if (index.node.shape.length !== 1 || formatShape(src.node.shape) !== formatShape(want))
      fail("shapeMismatch", `${who}: source ${formatShape(src.node.shape)} must be the input ${formatShape(x.node.shape)} with the index's length along dim ${dim}, the index 1-D`, site.loc);
  }
  const smaller = !vector ? scatterExtent(who, x, index, src instanceof TensorValue ? src : undefined, dim, site) : [];
  if (src instanceof TensorValue && !vector) src = narrowTo(src, index.node.shape, em, who, site);
  // where the index is shorter than x besides dim, what it writes is padded to x's size (nothing written there)
  const padded = (t: TensorValue) => smaller.reduce((v, d) => em.tensor("pad_dim", [v], { dim: d, start: 0, length: index.node.shape[d], size: x.node.shape[d] }, who, site), t);
  // scatter's legacy reduce: "add" sums what each position is sent onto x, as scatter_add (a number
  // once per index naming the position); "multiply" multiplies it in (a number v: x·v^count, count the
  // times the position is named; a tensor: scatter_reduce's "prod", above)
  if (name === "scatter" && b.reduce !== null) {
    const sent = typeof src === "number" ? em.tensor("expand", [em.node("full", [], { shape: [], value: src }, who, site)], { shape: [...index.node.shape] }, who, site) : src;
    if (!(sent instanceof TensorValue)) return fail("wrongArgumentType", `${who}: src is a tensor or a number, got ${describe(src)}`, locOfArg(b, "src", site));
    if (b.reduce === "add") return em.tensor("add", [x, padded(em.tensor("take_grad", [sent, index], attrs, who, site))], {}, who, site);
    const ones = em.tensor("expand", [em.node("full", [], { shape: [], value: 1 }, who, site)], { shape: [...index.node.shape] }, who, site);
    const count = padded(em.tensor("take_grad", [ones, index], attrs, who, site));
    return em.tensor("mul", [x, em.tensor("pow_tensor", [em.constant(src as number, site), count], {}, who, site)], {}, who, site);
  }
  if (name === "scatterAdd" || name === "indexAdd") {
    const alpha = isBatchValue(b.alpha) ? em.batchSize(b.alpha, who, site) : b.alpha !== 1 ? em.constant(b.alpha, site) : undefined;
    const scaled = name === "indexAdd" && alpha !== undefined ? em.tensor("mul", [src, alpha], {}, who, site) : src;
    return em.tensor("add", [x, padded(em.tensor("take_grad", [scaled, index], attrs, who, site))], {}, who, site);
  }
  const written = (v: TensorValue) => padded(em.tensor("take_grad", [v, index], attrs, who, site));
  // the elements written: index's shape for scatter, x's with index's length along dim for index_copy
  const writes = vector ? x.node.shape.map((d, i) => (i === dim ? index.node.shape[0] : d)) : index.node.shape;
  const ones = em.tensor("expand", [em.node("full", [], { shape: [], value: 1 }, who, site)], { shape: [...writes] }, who, site);
  const hit = em.tensor("gt", [written(ones), em.constant(0, site)], {}, who, site);
  if (typeof src === "number") return em.tensor("where", [hit, em.constant(src, site), x], {}, who, site);
  if (isBatchValue(src)) return em.tensor("where", [hit, em.batchSize(src, who, site), x], {}, who, site);
  if (!(src instanceof TensorValue)) return fail("wrongArgumentType", `${who}: src is a tensor or a number, got ${describe(src)}`, locOfArg(b, "src", site));
  return em.tensor("where", [hit, written(src), x], {}, who, site);
}

/** scatter / scatter_add along a folded batch dim 0 of x [c·Batch, …]: per sample, along dim 1 of x viewed [Batch, c, …]. */
function foldedScatter(name: "scatter" | "scatterAdd" | "indexAdd" | "indexCopy" | "indexFill", who: string, x: TensorValue, b: Bound, srcName: string, c: number, site: CallSite, em: GraphEmitter): TensorValue {
  const shape = x.node.shape;
  const index = b.index as TensorValue;
  if (index.node.shape.length !== shape.length || index.node.shape.slice(1).some((d, i) => !dimEq(d, shape[i + 1])))
    fail("shapeMismatch", `${who}: along the batch folded into dim 0 of ${formatShape(shape)}, the index ${formatShape(index.node.shape)} must have the input's other dims`, site.loc);
  // an index in torch.cat's order (add_self_loops on the batched edge_index) and its src regrouped by sample alike
  const order = sampleOrder(index, who, site, em);
  const local = sampleLocalRows(order.toSamples(index), c, who, site, em);
  const perSample = (t: TensorValue) => em.tensor("reshape", [order.toSamples(narrowTo(t, index.node.shape, em, who, site))], { shape: [...local.node.shape] }, who, site);
  const src = b[srcName];
  const viewed = em.tensor("reshape", [x], { shape: [batchTimes(1), c, ...shape.slice(1)] }, who, site);
  const result = scatterBound(name, who, viewed, { ...b, dim: 1, index: local, [srcName]: src instanceof TensorValue ? perSample(src) : src }, srcName, site, em);
  return em.tensor("reshape", [result], { shape: [...shape] }, who, site);
}

/**
 * PyTorch's scatter shapes: index of x's rank, no larger than x in a dim besides `dim` (the batch
 * dims the same), no larger than src in any; the dims (besides `dim`) where it is smaller than x.
 */
function scatterExtent(who: string, x: TensorValue, index: TensorValue, src: TensorValue | undefined, dim: number, site: CallSite): number[] {
  const [xs, is] = [x.node.shape, index.node.shape];
  const fits = (a: Dim, b: Dim) => (typeof a === "number" && typeof b === "number" ? a <= b : formatShape([a]) === formatShape([b]));
  if (is.length !== xs.length || is.some((d, i) => i !== dim && !fits(d, xs[i])) || (src && (src.node.shape.length !== is.length || is.some((d, i) => !fits(d, src.node.shape[i])))))
    fail("shapeMismatch", `${who}: the index ${formatShape(is)} must have the input's ${xs.length} dims, be no larger than the input ${formatShape(xs)} besides dim ${dim}${src ? ` and no larger than src ${formatShape(src.node.shape)}` : ""}`, site.loc);
  return is.map((d, i) => i).filter((i) => i !== dim && !dimEq(is[i], xs[i]));
}

/** t's first elements along each dim, to `shape` (src larger than scatter's index). */
function narrowTo(t: TensorValue, shape: readonly Dim[], em: GraphEmitter, who: string, site: CallSite): TensorValue {
  return shape.reduce((v: TensorValue, d, i) => (typeof d === "number" && v.node.shape[i] !== d ? em.tensor("narrow", [v], { dim: i, start: 0, length: d }, who, site) : v), t);
}

/**
 * x.scatter_reduce(dim, index, src, reduce, include_self=True) (Token Merging's mean of the merged
 * tokens, a graph's max of its messages): the src elements sent to each position of x along dim,
 * reduced with x's own element (includeSelf) by sum, mean, prod, amax or amin; a position nothing
 * is sent to keeps x's. sum and mean are scatter_add's sums and counts (take_grad: deterministic);
 * prod, amax and amin compare every position along dim with every index there, a mask of
 * [.., size, n, ..], then reduce over the index's dim — with the reductions' own gradients (amax's
 * shared evenly among ties, as PyTorch's).
 */
function scatterReduce(who: string, x: TensorValue, args: Value[], site: CallSite, em: GraphEmitter): TensorValue {
  const b = bindArgs(who, [arg("dim", "int"), arg("index", "tensor"), arg("src", "tensor"), arg("reduce", "string", { choices: ["sum", "mean", "prod", "amax", "amin"] }), opt("includeSelf", "bool", true)], args, site);
  if (x.node.dtype !== "i32") return scatterReduceBound(who, x, b, site, em);
  b.src = inFloat(b.src, em, who, site);
  return backToInt(scatterReduceBound(who, inFloat(x, em, who, site), b, site, em), em, who, site);
}

function scatterReduceBound(who: string, x: TensorValue, b: Bound, site: CallSite, em: GraphEmitter): TensorValue {
  const rank = x.node.shape.length;
  const dim = dimOf(b.dim, rank, who, site, b);
  // PyG's scatter(src, col, reduce="max") into every graph's nodes: each sample's own rows, along dim 1 of x viewed [Batch, c, …]
  const folded = dim === 0 ? foldedRowsPerSample(x.node.shape[0], b.index.node.shape[0]) : undefined;
  if (folded !== undefined && isBatch(b.index.node.shape[0])) {
    const shape = x.node.shape;
    const index: TensorValue = b.index;
    if (index.node.shape.length !== rank || index.node.shape.slice(1).some((d, i) => !dimEq(d, shape[i + 1])) || formatShape(b.src.node.shape) !== formatShape(index.node.shape))
      fail("shapeMismatch", `${who}: along the batch folded into dim 0 of ${formatShape(shape)}, index ${formatShape(index.node.shape)} and src ${formatShape(b.src.node.shape)} must have one shape, the input's other dims`, site.loc);
    const order = sampleOrder(index, who, site, em);
    const local = sampleLocalRows(order.toSamples(index), folded, who, site, em);
    const viewed = em.tensor("reshape", [x], { shape: [batchTimes(1), folded, ...shape.slice(1)] }, who, site);
    const src = em.tensor("reshape", [order.toSamples(b.src)], { shape: [...local.node.shape] }, who, site);
    return em.tensor("reshape", [scatterReduceBound(who, viewed, { ...b, dim: 1, index: local, src }, site, em)], { shape: [...shape] }, who, site);
  }
  const size = fixedDim(who, x, dim, site);
  const index: TensorValue = b.index;
  const src: TensorValue = b.src;
  const same = index.node.shape.length === rank && index.node.shape.every((d, i) => i === dim || dimEq(d, x.node.shape[i]));
  if (!same || formatShape(src.node.shape) !== formatShape(index.node.shape))
    fail("shapeMismatch", `${who}: index ${formatShape(index.node.shape)} and src ${formatShape(src.node.shape)} must have one shape, the input's ${formatShape(x.node.shape)} except along dim ${dim}`, site.loc);
  const { op } = ops(em, who, site);
  const attrs = { dim, mode: "elementwise", size };
  const ones = op("expand", [new TensorValue(em.node("full", [], { shape: [], value: 1 }, who, site))], { shape: [...index.node.shape] });
  const count = op("take_grad", [ones, index], attrs);
  const hit = op("gt", [count, 0]);
  if (b.reduce === "sum" || b.reduce === "mean") {
    const sum = op("take_grad", [src, index], attrs);
    if (b.reduce === "sum") return b.includeSelf ? op("add", [x, sum]) : op("where", [hit, sum, x]);
    // (x + Σ src)/(1 + count) with x, else Σ src / count; a position nothing reaches keeps x
    if (b.includeSelf) return op("div", [op("add", [x, sum]), op("add", [count, 1])]);
    return op("where", [hit, op("div", [sum, op("where", [hit, count, 1])]), x]);
  }
  // mask[.., i, j, ..] = (index[.., j, ..] = i): position i along dim against index element j, a new dim after dim
  const n = fixedDim(who, index, dim, site);
  const spread = (t: TensorValue) => op("reshape", [t], { shape: [...t.node.shape.slice(0, dim), 1, n, ...t.node.shape.slice(dim + 1)] });
  const positions = op("reshape", [op("arange_int", [], { start: 0, step: 1, length: size })], { shape: [...Array<number>(dim).fill(1), size, 1, ...Array<number>(rank - dim - 1).fill(1)] });
  const elsewhere = op("ne", [spread(index), positions]);
  // the reduction's neutral element where the index sends elsewhere
  const neutral = b.reduce === "prod" ? 1 : b.reduce === "amax" ? -Infinity : Infinity;
  const sent = op("masked_fill", [op("expand", [spread(src)], { shape: [...elsewhere.node.shape] }), elsewhere], { value: neutral });
  const after = [...sent.node.shape.slice(0, dim + 1), ...sent.node.shape.slice(dim + 2)];
  if (b.reduce === "prod") {
    // cumprod's last element (torch.prod's exact gradient at zeros), times x's own
    const product = op("reshape", [op("narrow", [op("cumprod", [sent], { dim: dim + 1 })], { dim: dim + 1, start: n - 1, length: 1 })], { shape: after });
    return b.includeSelf ? op("mul", [x, product]) : op("where", [hit, product, x]);
  }
  // amax and amin reduce x's own element with the src elements sent to it, as one more slot along
  // the new dim: one reduction shares the gradient evenly among every tie, x's included, as
  // PyTorch's backward does (x tied with two src elements: a third each, not x a half); amin as −amax(−·)
  const all = b.includeSelf ? op("concat", [sent, op("reshape", [x], { shape: [...after.slice(0, dim + 1), 1, ...after.slice(dim + 1)] })], { dim: dim + 1 }) : sent;
  const reduced = b.reduce === "amax" ? op("amax", [all], { dims: [dim + 1], keepdim: false }) : op("neg", [op("amax", [op("neg", [all])], { dims: [dim + 1], keepdim: false })]);
  return op("where", [hit, reduced, x]);
}

function tensorArg(who: string, args: Value[], site: CallSite): TensorValue {
  const x = args[0];
  if (!(x instanceof TensorValue)) return fail("wrongArgumentType", `${who}: tensor must be a tensor, got ${args.length ? describe(x) : "nothing"}`, site.loc);
  return x;
}

/** torch.index_select(x, dim, index) and torch.gather(x, dim, index): int32 indices along dim. */
function takeAlong(mode: "vector" | "elementwise", who: string, x: TensorValue, args: Value[], site: CallSite, em: GraphEmitter): Value {
  const b = bindArgs(who, [arg("dim", "int"), arg("index", "tensor")], args, site);
  const dim = dimOf(b.dim, x.node.shape.length, who, site, b);
  // x [c·Batch, …] (PyG's nodes of every graph): index_select(0, row) and gather(0, idx) take each sample's own rows
  const folded = dim === 0 ? foldedRowsPerSample(x.node.shape[0], b.index.node.shape[0]) : undefined;
  if (folded !== undefined && isBatch(b.index.node.shape[0])) {
    if (mode === "vector" && b.index.node.shape.length !== 1) fail("shapeMismatch", `${who}: index_select's index must be 1-D, got ${formatShape(b.index.node.shape)}`, site.loc);
    return foldedTake(x, b.index, folded, mode, who, site, em);
  }
  return em.tensor("take", [mode === "elementwise" ? gatheredPart(x, b.index, dim, em, who, site) : x, b.index], { dim, mode }, who, site);
}

/**
 * torch.gather's index may be smaller than the input in the dims other than `dim` (index.size(d) ≤
 * input.size(d)): it reads the input's leading part there, which is what the input narrowed to
 * the index's sizes holds.
 */
export function gatheredPart(x: TensorValue, index: TensorValue, dim: number, em: GraphEmitter, who: string, site: CallSite): TensorValue {
  const [xs, is] = [x.node.shape, index.node.shape];
  if (xs.length !== is.length) return x; // the take refuses it, naming both shapes
  let part = x;
  xs.forEach((d, i) => {
    const want = is[i];
    if (i !== dim && typeof d === "number" && typeof want === "number" && want < d) part = em.tensor("narrow", [part], { dim: i, start: 0, length: want }, who, site);
  });
  return part;
}

/** x.select(dim, i): the slice at i with dim removed (PyTorch's x[:, i] for dim 1). */
function select(x: TensorValue, dim: number, index: number, who: string, site: CallSite, em: GraphEmitter): TensorValue {
  const piece = x.node.shape[dim] === 1 ? x : em.tensor("narrow", [x], { dim, start: index, length: 1 }, who, site);
  const shape = x.node.shape.filter((_, i) => i !== dim);
  return em.tensor("reshape", [piece], { shape }, who, site);
}

/** x.select(dim, i), or x[i] (`who`): a negative index counts from the end, as in PyTorch. */
function selectMethod(who: string) {
  return (x: TensorValue, args: Value[], site: CallSite, em: GraphEmitter) => {
    const b = bindArgs(who, [arg("dim", "int"), arg("index", "int")], args, site);
    const dim = dimOf(b.dim, x.node.shape.length, who, site, b);
    const size = fixedDim(who, x, dim, site);
    const index = b.index < 0 ? b.index + size : b.index;
    if (index < 0 || index >= size) fail("invalidArgument", `${who}: index ${b.index} is out of range for dim ${dim} of size ${size}`, locOfArg(b, "index", site));
    return select(x, dim, index, who, site, em);
  };
}

/** PyTorch's x[i]: x.select(0, i). */
export function indexTensor(x: TensorValue, index: number, site: CallSite, em: GraphEmitter): TensorValue {
  return selectMethod(`x[${index}]`)(x, [0, index], site, em);
}

/**
 * torch.roll(x, shifts, dims): each dim's elements shifted by its shift, those pushed off the end
 * coming back at the start — the last s slices, then the rest (Swin's shifted windows). Without
 * dims, x is rolled flattened and viewed back, as PyTorch's.
 */
function roll(x: TensorValue, args: Value[], site: CallSite, em: GraphEmitter, who = "roll"): Value {
  const b = bindArgs(who, [arg("shifts", "ints"), opt("dims", "ints", null, { nullable: true })], args, site);
  const shifts: number[] = b.shifts;
  if (b.dims === null) {
    if (shifts.length !== 1) fail("invalidArgument", `${who}: without dims, shifts must be one number, got [${shifts.join(", ")}]`, locOfArg(b, "shifts", site));
    const shape = x.node.shape;
    if (shape.some((d) => typeof d !== "number")) fail("shapeMismatch", `${who}: without dims, x is rolled flattened, which would mix the samples of ${formatShape(shape)}; give the dims`, site.loc);
    const flat = em.tensor("reshape", [x], { shape: [-1] }, who, site);
    return em.tensor("reshape", [rollDim(flat, shifts[0], 0, who, site, em)], { shape: [...shape] }, who, site);
  }
  const dims: number[] = b.dims;
  if (dims.length !== shifts.length) fail("invalidArgument", `${who}: shifts and dims must have the same length, got ${shifts.length} and ${dims.length}`, site.loc);
  return dims.reduce((t, d, i) => rollDim(t, shifts[i], dimOf(d, x.node.shape.length, who, site, b), who, site, em), x);
}

function rollDim(x: TensorValue, shift: number, dim: number, who: string, site: CallSite, em: GraphEmitter): TensorValue {
  const size = fixedDim(who, x, dim, site);
  const s = ((shift % size) + size) % size;
  if (s === 0) return x;
  const [front, last] = pieces(who, x, [size - s, s], dim, site, em);
  return cat(who, [last, front], dim, site, em);
}

/** The tensor methods x.split, x.chunk, x.narrow, x.select, x.unbind, x.indexSelect, x.gather, x.roll. */
export const sliceMethods = {
  roll: (x: TensorValue, args: Value[], site: CallSite, em: GraphEmitter) => roll(x, args, site, em),
  select: selectMethod("select"),
  unbind: (x: TensorValue, args: Value[], site: CallSite, em: GraphEmitter) => {
    const b = bindArgs("unbind", [opt("dim", "int", 0)], args, site);
    const dim = dimOf(b.dim, x.node.shape.length, "unbind", site, b);
    const size = fixedDim("unbind", x, dim, site);
    return Array.from({ length: size }, (_, i) => select(x, dim, i, "unbind", site, em));
  },
  indexSelect: (x: TensorValue, args: Value[], site: CallSite, em: GraphEmitter) => takeAlong("vector", "indexSelect", x, args, site, em),
  gather: (x: TensorValue, args: Value[], site: CallSite, em: GraphEmitter) => takeAlong("elementwise", "gather", x, args, site, em),
  scatter: (x: TensorValue, args: Value[], site: CallSite, em: GraphEmitter) => scatterInto("scatter", "scatter", x, args, site, em),
  scatterAdd: (x: TensorValue, args: Value[], site: CallSite, em: GraphEmitter) => scatterInto("scatterAdd", "scatterAdd", x, args, site, em),
  scatterReduce: (x: TensorValue, args: Value[], site: CallSite, em: GraphEmitter) => scatterReduce("scatterReduce", x, args, site, em),
  indexAdd: (x: TensorValue, args: Value[], site: CallSite, em: GraphEmitter) => scatterInto("indexAdd", "indexAdd", x, args, site, em),
  indexCopy: (x: TensorValue, args: Value[], site: CallSite, em: GraphEmitter) => scatterInto("indexCopy", "indexCopy", x, args, site, em),
  indexFill: (x: TensorValue, args: Value[], site: CallSite, em: GraphEmitter) => scatterInto("indexFill", "indexFill", x, args, site, em),
  split: (x: TensorValue, args: Value[], site: CallSite, em: GraphEmitter) => split(x, args, site, em, "split", "splitSize"),
  chunk: (x: TensorValue, args: Value[], site: CallSite, em: GraphEmitter) => chunk(x, args, site, em),
  narrow: (x: TensorValue, args: Value[], site: CallSite, em: GraphEmitter) => {
    const b = bindArgs("narrow", [arg("dim", "int"), arg("start", "int"), arg("length", "posInt")], args, site);
    const dim = dimOf(b.dim, x.node.shape.length, "narrow", site, b);
    const size = fixedDim("narrow", x, dim, site);
    // a negative start counts from the dim's end, as torch.narrow's
    return em.tensor("narrow", [x], { dim, start: b.start < 0 ? b.start + size : b.start, length: b.length }, "narrow", site);
  },
};
