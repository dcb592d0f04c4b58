import { isDeferredSelection, mapSelection } from "./masked-selections.ts";
import { requiresGradient } from "./requires-grad.ts";
import { defaultLimits } from "../limits.ts";
import { own } from "./names.ts";
import { indexingMethods } from "./indexing.ts";
import type { Node } from "../ir/node.ts";
import { fail } from "../diagnostics/diagnostic.ts";
import { isBooleanMask, markBoolean } from "./boolean-masks.ts";
import { floatOnlyRefusal } from "./int-arithmetic.ts";
import { writtenAsFloat } from "./float-literals.ts";
import { batchTimes, formatShape, isBatch, normalizeDim, numel, type Dim, type BatchDim } from "../ir/shape.ts";
import { arg, argLoc, bindArgs, bindOptions, knownScalarValue, locOfArg, opt, refuseRunTimeNumber, type ArgSpec } from "./args.ts";
import { clampArgs, extremumArgs, legacyUnbiasedArgs, logsumexpArgs, pointwiseComposites, renormArgs, varianceArgs } from "./pointwise-composites.ts";
import { selectionMethods } from "./factories.ts";
import { sliceMethods } from "./joins.ts";
import { mathFunctionNames, mathMethod } from "./math-functions.ts";
import { convert, spellingMethods, spellingProperty } from "./tensor-spellings.ts";
import { isContiguous } from "./views.ts";
import { constantValues } from "./known-values.ts";
import { queryMethod, queryNames } from "./tensor-queries.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { asShape, batchAffine, BuiltinFunction, ComplexValue, describe, isBatchValue, ObjectValue, SymInt, TensorValue, type CallSite, type Value } from "./values.ts";
import { complexArithmetic } from "./complex.ts";
import { selectedAlongBatch } from "./along-batch.ts";

// Tensor methods (x.view(...), x.add(y), ...), each lowered to IR ops. Every method here is
// declared in dsl/index.d.ts; a name missing here is reported as an unknown property.

type Method = (x: TensorValue, args: Value[], site: CallSite, em: GraphEmitter) => Value;

/** A size argument: a number, or k·Batch from x.size(0). */
function toDim(v: Value, who: string, site: CallSite): Dim {
  if (typeof v === "number" && Number.isInteger(v)) return v;
  if (v instanceof SymInt) return batchTimes(v.coef);
  refuseRunTimeNumber(who, "a size", v, site.loc);
  return fail("wrongArgumentType", `${who}: sizes must be integers, got ${describe(v)}`, site.loc);
}

/**
 * A list given variadically (x.permute(0, 2, 1)), as one array (x.permute([0, 2, 1])), or under
 * PyTorch's keyword for it (x.permute(dims=(0, 2, 1)) → x.permute({ dims: [0, 2, 1] })).
 */
function listOf(args: Value[], keyword: string, who: string, site: CallSite): Value[] {
  if (args.length === 1 && args[0] instanceof ObjectValue) {
    const v = bindOptions(who, [arg(keyword, "any")], args[0], site)[keyword];
    return Array.isArray(v) ? v : [v];
  }
  return args.length === 1 && Array.isArray(args[0]) ? args[0] : args;
}

/** view(2, 3), view([2, 3]), view(...shape) and view({ size: [2, 3] }) all mean the same; `keyword` is PyTorch's name of the list. */
function sizesOf(args: Value[], keyword: string, who: string, site: CallSite): Dim[] {
  const list = listOf(args, keyword, who, site);
  if (list.length === 0) fail("wrongArgumentCount", `${who} expects at least one size`, site.loc);
  return list.map((v) => toDim(v, who, site));
}

function dimArg(v: Value, rank: number, who: string, site: CallSite): number {
  if (typeof v !== "number" || !Number.isInteger(v))
    fail("wrongArgumentType", `${who}: dim must be an integer, got ${describe(v)}`, site.loc);
  const d = normalizeDim(v, rank);
  if (d === undefined)
    fail("invalidArgument", `${who}: dim ${v} is out of range for a tensor with ${rank} dims (expected ${-Math.max(rank, 1)} to ${Math.max(rank, 1) - 1})`, site.loc);
  return d;
}

function reshape(x: TensorValue, shape: Dim[], who: string, site: CallSite, em: GraphEmitter): TensorValue {
  return em.tensor("reshape", [x], { shape: shape as any }, who, site);
}

/** torch.flatten(x, start, end): merges dims start..end into one. */
export function flatten(x: TensorValue, start: Value, end: Value, who: string, site: CallSite, em: GraphEmitter): TensorValue {
  const shape = x.node.shape;
  const rank = shape.length;
  if (rank === 0) return reshape(x, [1], who, site, em);
  const s = dimArg(start, rank, who, site);
  const e = dimArg(end, rank, who, site);
  if (s > e) fail("invalidArgument", `${who}: startDim ${start} comes after endDim ${end}`, site.loc);
  const merged = numel(shape.slice(s, e + 1));
  if (merged.p > 1) fail("shapeMismatch", `${who}: cannot merge two batch dims of ${formatShape(shape)}`, site.loc);
  const dim: Dim = merged.p === 1 ? batchTimes(merged.c) : merged.c;
  return reshape(x, [...shape.slice(0, s), dim, ...shape.slice(e + 1)], who, site, em);
}

function permute(x: TensorValue, perm: number[], who: string, site: CallSite, em: GraphEmitter): TensorValue {
  return em.tensor("permute", [x], { perm }, who, site);
}

function transpose(x: TensorValue, a: Value, b: Value, who: string, site: CallSite, em: GraphEmitter): TensorValue {
  const rank = x.node.shape.length;
  const d0 = dimArg(a, rank, who, site);
  const d1 = dimArg(b, rank, who, site);
  const perm = x.node.shape.map((_, i) => i);
  [perm[d0], perm[d1]] = [perm[d1], perm[d0]];
  return permute(x, perm, who, site, em);
}

/** The other operand of a binary op: a tensor, a number as a scalar constant, or the batch size. */
function operand(v: Value, who: string, site: CallSite, em: GraphEmitter): TensorValue {
  if (v instanceof TensorValue) return v;
  if (typeof v === "number") {
    // NaN and ±Infinity compute as PyTorch's (x + inf is inf, 0 · inf NaN); a finite number past
    // float32's range would silently become ±Infinity: refused at the number
    if (Number.isFinite(v) && !Number.isFinite(Math.fround(v)))
      fail("invalidArgument", `${who}: the number ${v} is outside float32's range (±3.4e38)`, argLoc(site, 0, 1));
    return new TensorValue(em.constant(v, site));
  }
  // x.size(0) as a number (SimCLR's `arange(b) + b`, `loss * b`): each replica's own batch, an integer (factory.ts batch_size)
  if (isBatchValue(v)) return em.batchSize(v, who, site);
  // Python's True and False (x * self.use_bias, ids + flag): PyTorch's bool scalar, below every other
  // dtype, as a 0-dim bool tensor is: float stays float, int int, bool bool (boolean-masks.ts)
  if (typeof v === "boolean") return em.tensor("ne", [new TensorValue(em.constant(v ? 1 : 0, site)), new TensorValue(em.constant(0, site))], {}, who, site);
  return fail("wrongArgumentType", `${who} expects a tensor or a number, got ${describe(v)}`, site.loc);
}

function binary(op: string): Method {
  return (x, args, site, em) => {
    const who = `${op}`;
    const { other } = bindArgs(who, [arg("other", "any")], args, site);
    return em.tensor(op, [x, operand(other, who, site, em)], {}, who, site);
  };
}

/**
 * a / b rounded down ("floor": torch.floor_divide, Python's //) or toward zero ("trunc"), computed
 * in float32 (exact for int32 operands below 2^24); int32 operands give int32, as PyTorch's.
 */
export function roundedQuotient(x: TensorValue, other: Value, mode: "floor" | "trunc" | null, who: string, site: CallSite, em: GraphEmitter): TensorValue {
  const float = (t: TensorValue) => (t.node.dtype === "i32" ? em.tensor("to_float", [t], {}, who, site) : t);
  const divisor = other instanceof TensorValue ? float(other) : operand(other, who, site, em);
  // floor: Python's //, not floor(a / b), which rounds the quotient first (floor_divide)
  const rounded = em.tensor(mode === "floor" ? "floor_divide" : "div", [float(x), divisor], {}, who, site);
  if (mode === null) return rounded;
  // a bool mask is PyTorch's integer 0/1 here: mask // 2 is an int64 there
  const integer = (t: TensorValue) => t.node.dtype === "i32" || isBooleanMask(t.node);
  const ints = integer(x) && (!(other instanceof TensorValue) || integer(other)) && (typeof other !== "number" || (Number.isInteger(other) && !writtenAsFloat(site, other)));
  // an integer divided by a literal 0: PyTorch raises ZeroDivisionError
  if (ints && other === 0) fail("invalidArgument", `${who}: integer division by zero (PyTorch raises ZeroDivisionError)`, site.loc);
  const result = mode === "floor" ? rounded : em.tensor("trunc", [rounded], {}, who, site);
  return ints ? em.tensor("to_int", [result], {}, who, site) : result;
}

/** x.add(y) / x.sub(y), and torch's alpha: x + alpha·y (torch.add(x, y, alpha=2)). */
function additive(op: "add" | "sub"): Method {
  return (x, args, site, em) => {
    // torch.add(input, other, *, alpha=1): alpha keyword-only
    const bound = bindArgs(op, [arg("other", "any"), opt("alpha", "number", 1, { keywordOnly: true, batchSize: true })], args, site);
    const alpha = bound.alpha;
    // Python's True/False as PyTorch's bool scalar, so bool + True is bool and ids − True refused as PyTorch's
    const other = typeof bound.other === "boolean" ? operand(bound.other, op, site, em) : bound.other;
    if (op === "sub") refuseBoolSubtraction(x, other, op, site);
    // bool + bool is bool in PyTorch (True + True is True: a logical or)
    if (other instanceof TensorValue && isBooleanMask(x.node) && isBooleanMask(other.node)) {
      if (alpha === 1) return markBoolean(em.tensor("ne", [em.tensor("add", [x, other], {}, op, site), em.constant(0, site)], {}, op, site));
    }
    const scaled = alpha === 1 ? other : typeof other === "number" && typeof alpha === "number" ? other * alpha : batchProduct(other, alpha, site) ?? em.tensor("mul", [operand(other, op, site, em), operand(alpha, op, site, em)], {}, op, site);
    return em.tensor(op, [x, operand(scaled, op, site, em)], {}, op, site);
  };
}

/**
 * alpha·other where one is x.size(0) (each replica's own batch) and the other a Python int: an int
 * again, c·b + d (PyTorch's `ids + 3 * b` stays an integer tensor). Multiplied as tensors instead,
 * the 0-dim product would be a float32 that type promotion no longer reads as an int (op batch_size's is).
 */
function batchProduct(other: Value, alpha: Value, site: CallSite): Value | undefined {
  const [batch, k] = isBatchValue(other) ? [other, alpha] : [alpha, other];
  if (!isBatchValue(batch) || typeof k !== "number" || !Number.isInteger(k) || writtenAsFloat(site, k)) return undefined;
  const offset = batch instanceof SymInt ? 0 : batch.offset;
  return batchAffine(batch.coef * k, offset * k);
}

/**
 * x + z, x − z, x·z, x / z (and z − x, rsub) of a real tensor x and a complex z — S4D's
 * `-torch.exp(self.log_A_real) + 1j * self.A_imag` — are complex, as PyTorch promotes them: x is x + 0i.
 */
function withComplexOther(op: "add" | "sub" | "mul" | "div" | "rsub", real: Method): Method {
  return (x, args, site, em) => {
    const other = args[0] instanceof ObjectValue ? args[0].props.get("other") : args[0];
    if (!(other instanceof ComplexValue)) return real(x, args, site, em);
    bindArgs(op, [arg("other", "any")], args, site);
    return op === "rsub" ? complexArithmetic("sub", other, x, site, em, op) : complexArithmetic(op, x, other, site, em, op);
  };
}

/**
 * a − b with a bool operand: PyTorch's sub_check raises for any (mask − 1, 1 − mask, x − mask), not
 * only bool − bool — a port of working code never has one, so tsdp computing it would hide a slip.
 */
function refuseBoolSubtraction(a: Value, b: Value, who: string, site: CallSite): void {
  const isMask = (v: Value) => v instanceof TensorValue && isBooleanMask(v.node);
  if (isMask(a) && isMask(b))
    fail("dtypeMismatch", `${who} of two bool tensors: PyTorch refuses it ("Subtraction, the \`-\` operator, with two bool tensors is not supported. Use the \`^\` or \`logical_xor()\` operator instead."); write x.logicalXor(y) (or x.float().sub(y.float()) for −1/0/1)`, site.loc);
  if (isMask(a) || isMask(b))
    fail("dtypeMismatch", `${who} with a bool tensor: PyTorch refuses it ("Subtraction, the \`-\` operator, with a bool tensor is not supported. If you are trying to invert a mask, use the \`~\` or \`logical_not()\` operator instead."); to invert a mask write mask.logicalNot(), for the arithmetic convert it first (mask.float() or mask.int())`, site.loc);
}

function unary(op: string, attrs: Record<string, number | string> = {}): Method {
  return (x, args, site, em) => {
    bindArgs(op, [], args, site);
    return em.tensor(op, [x], attrs, op, site);
  };
}

/**
 * x.cumsum(dim, dtype): x converted to the dtype first, as PyTorch's (DETR's not_mask.cumsum(1,
 * dtype=torch.float32)); a bool mask's running count is int32 without one (int-arithmetic.ts countsBooleans).
 */
export function cumsumOf(x: TensorValue, dim: number, dtype: string | null, who: string, site: CallSite, em: GraphEmitter): TensorValue {
  return em.tensor("cumsum", [dtype === null ? x : convert(x, dtype, who, site, em)], { dim, reverse: false }, who, site);
}

/**
 * torch.argmax(x) / argmin without dim: the position in x flattened (row-major), a 0-dim int, or
 * with keepdim one of x's rank of size-1 dims, as PyTorch's. `scored` is x (argmax) or −x (argmin).
 */
function flatArgExtreme(x: TensorValue, scored: TensorValue, keepdim: boolean, who: string, site: CallSite, em: GraphEmitter): TensorValue {
  const shape = x.node.shape;
  if (shape.some(isBatch))
    fail("shapeMismatch", `${who}: without dim, the position among every element of ${formatShape(shape)} counts across the batch, which is split across devices; give a dim, or x.flatten(1).${who}(1) for each sample's position in its own flattened elements`, site.loc);
  const flat = em.tensor("reshape", [scored], { shape: [shape.reduce((a: number, d) => a * (d as number), 1)] }, who, site);
  const index = em.tensor("argmax", [flat], { dims: [0], keepdim: false }, who, site);
  return keepdim ? em.tensor("reshape", [index], { shape: shape.map(() => 1) }, who, site) : index;
}

function reduction(op: "sum" | "mean" | "amax"): Method {
  // sum's and mean's dtype (x.sum(1, { dtype: "float32" })): the result's dtype, as PyTorch's; an
  // int32 sum is int arithmetic's (exact within 2^24), float32 is what the kernels compute in. A bool
  // tensor's sum is PyTorch's int64 count (support.sum(dim) - 1 as a gather index in sparsemax): int32,
  // by the emitter (int-arithmetic.ts countsBooleans)
  const dtype = op === "amax" ? [] : [opt("dtype", "string", null, { nullable: true, choices: op === "sum" ? ["float32", "int32", "int64"] : ["float32"] })];
  return (x, args, site, em) => {
    const b = bindArgs(op, [opt("dim", "ints", null, { nullable: true }), opt("keepdim", "bool", false), ...dtype], args, site);
    // dim=[] reduces every dim, as dim=None (PyTorch's sum/mean/amax: `per.mean(dim=list(range(1, per.ndim)))` of a 1-D tensor)
    if (Array.isArray(b.dim) && b.dim.length === 0) b.dim = null;
    // mean of integers or bools without a dtype: PyTorch raises, as it infers no float result type
    const refused = op === "mean" && b.dtype === null ? floatOnlyRefusal(x.node, op, (t) => `mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: ${t}`) : undefined;
    if (refused) fail("dtypeMismatch", `${refused}, or x.mean(dim, { dtype: "float32" })`, site.loc);
    // dtype float32 of an int32 or bool x: the float sum or mean of its values (a bool one's, not the count countsBooleans makes of it)
    const input = b.dtype !== "float32" ? x : x.node.dtype === "i32" ? em.tensor("to_float", [x], {}, op, site) : isBooleanMask(x.node) ? new TensorValue(em.floatOfMask(x.node, op, site)) : x;
    const result = em.tensor(op, [input], { dims: b.dim, keepdim: b.keepdim }, op, site);
    const integral = b.dtype === "int32" || b.dtype === "int64";
    return integral && result.node.dtype === "f32" ? em.tensor("to_int", [result], {}, op, site) : result;
  };
}

export function sizeOf(d: Dim): number | SymInt {
  return isBatch(d) ? new SymInt(d.batch) : d;
}

/** A method that is F's function with x as its first argument (x.clip(…) is F.clamp(x, …)); `who` names it in messages. */
function viaFunction(who: string, name: keyof typeof pointwiseComposites, specs: readonly ArgSpec[], first = "x"): Method {
  return (x, args, site, em) => pointwiseComposites[name]({ ...bindArgs(who, specs, args, site), [first]: x }, site, em, who);
}

/** max(x, y) or max(x, { other: y }): PyTorch's max(input, other) overload, the elementwise maximum (min likewise). */
function givesOther(args: readonly Value[]): boolean {
  return args[0] instanceof TensorValue || (args.length === 1 && args[0] instanceof ObjectValue && args[0].props.has("other"));
}

/** x.std(false), x.var(true) (and F.std(x, false), F.var's): PyTorch's legacy overload std(unbiased), over every dim. */
function legacyUnbiased(method: Method): Method {
  return (x, args, site, em) => method(x, legacyUnbiasedArgs(args), site, em);
}

/**
 * softmax's dtype (Hugging Face's softmax(…, dtype=torch.float32)): computing in float32 is what
 * tsdp does anyway, so "float32" is accepted and nothing else.
 */
export const softmaxDtype = opt("dtype", "string", null, { nullable: true, choices: ["float32"] });

/**
 * softmax's input as PyTorch's dtype= converts it, before the kernel: so an integer or bool input,
 * which the kernel alone refuses ("host_softmax" not implemented for 'Long'), is taken with dtype given.
 */
export function softmaxInput(x: TensorValue, dtype: string | null | undefined, em: GraphEmitter, who: string, site: CallSite): TensorValue {
  // (nn.Softmax has no dtype: undefined)
  if (dtype === null || dtype === undefined) return x;
  if (x.node.dtype === "i32") return em.tensor("to_float", [x], {}, who, site);
  return isBooleanMask(x.node) ? new TensorValue(em.floatOfMask(x.node, who, site)) : x;
}

/**
 * torch.max(x, dim) / min(x, dim) as (values, indices): the values are x taken at the indices (its
 * first extreme, NaN first), so a value's gradient reaches that element alone, as PyTorch's
 * (amax would share it among ties: a ReLU's zeros, max-over-time pooling).
 */
function selectedExtreme(x: TensorValue, at: TensorValue, dimArg: number, keepdim: boolean, who: string, site: CallSite, em: GraphEmitter): ObjectValue {
  const shape = x.node.shape;
  const dim = dimArg < 0 ? dimArg + shape.length : dimArg;
  const dropped = shape.filter((_, i) => i !== dim);
  const kept = isBatch(shape[dim]) ? selectedAlongBatch(x, at, dim, who, site, em) : em.tensor("take", [x, at], { dim, mode: "elementwise" }, who, site);
  const [values, indices] = keepdim ? [kept, at] : [em.tensor("reshape", [kept], { shape: dropped }, who, site), em.tensor("reshape", [at], { shape: dropped }, who, site)];
  return new ObjectValue(new Map<string, Value>([["values", values], ["indices", indices], ["0", values], ["1", indices]]));
}

/**
 * x.repeat_interleave(counts, dim) with counts known when compiled: element i along dim `counts[i]`
 * times in a row (none for 0), as a take of the indices so repeated — the result's size is the
 * counts' sum, fixed. Without a dim, the flattened tensor's elements.
 */
/** The largest index table repeatInterleave's counts may build (the interpreter's array limit). */
const MAX_REPEAT_TABLE = defaultLimits.maxArray;

function repeatEach(x: TensorValue, counts: readonly number[], dim: number | null, site: CallSite, em: GraphEmitter): TensorValue {
  const who = "repeatInterleave";
  const flat = dim === null ? flattenedForRepeat(x, site, em) : x;
  const d = dim === null ? 0 : dimArg(dim, flat.node.shape.length, who, site);
  const size = flat.node.shape[d];
  if (isBatch(size))
    fail("shapeMismatch", `repeatInterleave: ${counts.length} counts, one per element of dim ${d} of ${formatShape(flat.node.shape)}, which holds the batch: its size is each device's share, not known when compiling; give one count for every element (repeats=2, or [2])`, site.loc);
  if (counts.length !== 1 && counts.length !== size) fail("shapeMismatch", `repeatInterleave: ${counts.length} counts for dim ${d} of size ${size}; give one count, or one per element`, site.loc);
  if (!counts.every((n) => Number.isInteger(n) && n >= 0)) fail("invalidArgument", `repeatInterleave: the counts must be integers ≥ 0, got [${counts.join(", ")}]`, site.loc);
  const each = counts.length === 1 ? new Array<number>(size as number).fill(counts[0]) : counts;
  // the result's dim is the counts' sum, built below as a constant table of that many indices:
  // measured before anything is allocated (counts of 2^30 ran the compiler out of memory)
  const total = each.reduce((a, n) => a + n, 0);
  if (total > MAX_REPEAT_TABLE)
    fail("tensorTooLarge", `repeatInterleave: the counts sum to ${total}, the size of the result's dim ${d}; with a tensor of counts tsdp builds that dim's index table as a constant, up to ${MAX_REPEAT_TABLE} entries`, site.loc);
  const index = each.flatMap((n, i) => new Array<number>(n).fill(i));
  if (index.length === 0) fail("invalidArgument", "repeatInterleave: the counts sum to 0, which leaves an empty tensor; tsdp's tensors are not empty", site.loc);
  const at = em.tensor("to_int", [em.tensor("literal", [], { shape: [index.length], values: index }, who, site)], {}, who, site);
  return em.tensor("take", [flat, at], { dim: d, mode: "vector" }, who, site);
}

/**
 * repeat_interleave without a dim repeats the flattened tensor's elements. With the batch first,
 * the flattened dim is a multiple of the batch whose samples stay in their own runs (sample b's
 * elements are rows c·b … c·b + c − 1), so each device flattens and repeats its share; with the
 * batch after another dim, samples' elements interleave in the flattened order: refused.
 */
function flattenedForRepeat(x: TensorValue, site: CallSite, em: GraphEmitter): TensorValue {
  const shape = x.node.shape;
  const at = shape.findIndex(isBatch);
  if (at < 0) return reshape(x, [(shape as number[]).reduce((p, q) => p * q, 1)], "repeatInterleave", site, em);
  if (at > 0)
    fail("shapeMismatch", `repeatInterleave without a dim flattens ${formatShape(shape)}, whose batch is dim ${at}: the flattened order interleaves the samples, which are split across devices; give the dim (or move the batch first)`, site.loc);
  const per = (shape.slice(1) as number[]).reduce((p, q) => p * q, 1);
  return reshape(x, [batchTimes((shape[0] as BatchDim).batch * per)], "repeatInterleave", site, em);
}

export const tensorMethods: Record<string, Method> = {
  clamp: viaFunction("clamp", "clamp", clampArgs.slice(1)),
  clip: viaFunction("clip", "clamp", clampArgs.slice(1)),
  maximum: viaFunction("maximum", "maximum", extremumArgs.slice(1), "input"),
  minimum: viaFunction("minimum", "minimum", extremumArgs.slice(1), "input"),
  logsumexp: viaFunction("logsumexp", "logsumexp", logsumexpArgs.slice(1)),
  renorm: viaFunction("renorm", "renorm", renormArgs.slice(1)),
  var: legacyUnbiased(viaFunction("var", "var", varianceArgs.slice(1))),
  std: legacyUnbiased(viaFunction("std", "std", varianceArgs.slice(1))),
  view: (x, args, site, em) => reshape(x, sizesOf(args, "size", "view", site), "view", site, em),
  reshape: (x, args, site, em) => reshape(x, sizesOf(args, "shape", "reshape", site), "reshape", site, em),
  flatten: (x, args, site, em) => {
    const b = bindArgs("flatten", [opt("startDim", "int", 0), opt("endDim", "int", -1)], args, site);
    return flatten(x, b.startDim, b.endDim, "flatten", site, em);
  },
  // torch.ravel: every dim flattened into one (a copy or a view, as flatten())
  ravel: (x, args, site, em) => (bindArgs("ravel", [], args, site), flatten(x, 0, -1, "ravel", site, em)),
  unsqueeze: (x, args, site, em) => {
    const { dim } = bindArgs("unsqueeze", [arg("dim", "int")], args, site);
    const d = dimArg(dim, x.node.shape.length + 1, "unsqueeze", site);
    const shape = [...x.node.shape];
    shape.splice(d, 0, 1);
    return reshape(x, shape, "unsqueeze", site, em);
  },
  squeeze: (x, args, site, em) => {
    // a dim, or a list of them (torch 2.0's squeeze(dims))
    const { dim } = bindArgs("squeeze", [opt("dim", "ints", null, { nullable: true })], args, site);
    const shape = x.node.shape;
    const drop = dim === null ? shape.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0) : (dim as number[]).map((d) => dimArg(d, shape.length, "squeeze", site));
    return reshape(x, shape.filter((d, i) => !(drop.includes(i) && d === 1)), "squeeze", site, em);
  },
  transpose: (x, args, site, em) => {
    const b = bindArgs("transpose", [arg("dim0", "int"), arg("dim1", "int")], args, site);
    return transpose(x, b.dim0, b.dim1, "transpose", site, em);
  },
  // torch.swapaxes / swapdims are transpose; movedim moves one dim to another place, the rest in order
  swapaxes: (x, args, site, em) => {
    const b = bindArgs("swapaxes", [arg("axis0", "int"), arg("axis1", "int")], args, site);
    return transpose(x, b.axis0, b.axis1, "swapaxes", site, em);
  },
  swapdims: (x, args, site, em) => {
    const b = bindArgs("swapdims", [arg("dim0", "int"), arg("dim1", "int")], args, site);
    return transpose(x, b.dim0, b.dim1, "swapdims", site, em);
  },
  // torch.movedim(x, source, destination): one dim, or lists of them (each source dim lands at its
  // destination, the others keep their order in the places left)
  movedim: (x, args, site, em) => {
    const b = bindArgs("movedim", [arg("source", "any"), arg("destination", "any")], args, site);
    const rank = x.node.shape.length;
    const list = (v: Value, what: string): number[] =>
      (Array.isArray(v) ? v : [v]).map((d) => (typeof d === "number" && Number.isInteger(d) ? dimArg(d, rank, "movedim", site) : fail("wrongArgumentType", `movedim: ${what} is a dim or a list of dims, got ${describe(v)}`, site.loc)));
    const from = list(b.source, "source");
    const to = list(b.destination, "destination");
    if (from.length !== to.length) fail("invalidArgument", `movedim: source and destination must name as many dims, got ${from.length} and ${to.length}`, site.loc);
    if (new Set(from).size !== from.length || new Set(to).size !== to.length) fail("invalidArgument", "movedim: a dim is named twice", site.loc);
    const order = new Array<number>(rank).fill(-1);
    from.forEach((d, i) => (order[to[i]] = d));
    const rest = [...Array(rank).keys()].filter((d) => !from.includes(d));
    for (let i = 0; i < rank; i++) if (order[i] === -1) order[i] = rest.shift()!;
    return permute(x, order, "movedim", site, em);
  },
  t: (x, args, site, em) => {
    bindArgs("t", [], args, site);
    if (x.node.shape.length !== 2) fail("shapeMismatch", `t() expects a 2-D tensor, got ${formatShape(x.node.shape)}`, site.loc);
    return transpose(x, 0, 1, "t", site, em);
  },
  permute: (x, args, site, em) => {
    const list = listOf(args, "dims", "permute", site);
    const rank = x.node.shape.length;
    return permute(x, list.map((v) => dimArg(v, rank, "permute", site)), "permute", site, em);
  },
  // torch.expand(*sizes): −1 keeps a dim; a size-1 dim stretches, new dims are added in front
  expand: (x, args, site, em) => {
    const sizes = sizesOf(args, "size", "expand", site);
    const shape = x.node.shape;
    const lead = sizes.length - shape.length;
    if (lead < 0) fail("invalidArgument", `expand: the number of sizes (${sizes.length}) must be at least the tensor's ${shape.length} dims`, site.loc);
    const target = sizes.map((d, i) => {
      if (d !== -1) return d;
      if (i < lead) return fail("invalidArgument", `expand: -1 is not allowed in a new leading dim (${i})`, site.loc);
      return shape[i - lead];
    });
    return em.tensor("expand", [x], { shape: target as any }, "expand", site);
  },
  // torch.flip(dims): each dim read backwards, an index_select with the reversed positions
  flip: (x, args, site, em) => {
    const list = listOf(args, "dims", "flip", site);
    const rank = x.node.shape.length;
    const dims = list.map((v) => dimArg(v, rank, "flip", site));
    if (new Set(dims).size !== dims.length) fail("invalidArgument", `flip: dim appears multiple times in the list of dims [${list.join(", ")}]`, site.loc);
    return dims.reduce((t: TensorValue, d) => {
      const size = t.node.shape[d];
      if (typeof size !== "number") return fail("shapeMismatch", `flip: dim ${d} of ${formatShape(t.node.shape)} is the batch, which is split across devices`, site.loc);
      const reversed = em.tensor("arange_int", [], { start: size - 1, step: -1, length: size }, "flip", site);
      return em.tensor("take", [t, reversed], { dim: d, mode: "vector" }, "flip", site);
    }, x);
  },
  // torch.repeat(*sizes): the tensor tiled sizes[i] times along dim i (new dims in front), as
  // x viewed [1, a, 1, b], expanded to [r0, a, r1, b] and reshaped to [r0·a, r1·b]. Along the batch
  // (Transformer-TTS's mask.repeat(h, 1, 1) beside keys folded head-major by permute(2, 0, 1, 3).view(-1, …))
  // each replica tiles its own share, as a DataParallel replica does and as the same view, expand and
  // reshape written out do: r·Batch, which forward's outputs refuse unless unfolded (TSDP4005)
  repeat: (x, args, site, em) => {
    const sizes = sizesOf(args, "repeats", "repeat", site);
    const shape = x.node.shape;
    const lead = sizes.length - shape.length;
    if (lead < 0) fail("invalidArgument", `repeat: number of repeat dims (${sizes.length}) can not be smaller than number of dimensions of tensor (${shape.length})`, site.loc);
    const padded: Dim[] = [...new Array<Dim>(lead).fill(1), ...shape];
    sizes.forEach((r, i) => {
      // x.size(0) copies of a fixed dim (PointNet's identity .repeat(batchsize, 1); DeBERTa's
      // position projections [H, 2k, d] .repeat(B·H // H, 1, 1)) tile it per sample: [r·d], the
      // batch outermost, so each replica's share of it holds its own samples' copies
      if (isBatch(r) && !shape.some(isBatch) && sizes.filter(isBatch).length === 1) return;
      if (isBatch(r))
        fail("shapeMismatch", `repeat: ${formatShape([r])} copies of ${formatShape(shape)}, which ${shape.some(isBatch) ? "holds the batch already" : "are repeated by the batch in another dim too"}, would make a tensor with two dims of the batch; repeat a tensor without the batch along one dim`, site.loc);
      if (typeof r !== "number" || r < 0) fail("invalidArgument", `repeat: repeats must be non-negative integers, got ${typeof r === "number" ? r : formatShape([r])} for dim ${i}`, site.loc);
    });
    const spread = padded.flatMap((d) => [1, d]);
    const stretched = padded.flatMap((d, i) => [sizes[i], d]);
    const viewed = em.tensor("reshape", [x], { shape: spread }, "repeat", site);
    const expanded = em.tensor("expand", [viewed], { shape: stretched as Dim[] }, "repeat", site);
    return em.tensor("reshape", [expanded], { shape: padded.map((d, i) => {
      const r = sizes[i];
      return isBatch(d) ? batchTimes((r as number) * d.batch) : isBatch(r) ? batchTimes(r.batch * d) : r * d;
    }) }, "repeat", site);
  },
  expandAs: (x, args, site, em) => {
    const { other } = bindArgs("expandAs", [arg("other", "tensor")], args, site);
    return em.tensor("expand", [x], { shape: (other as TensorValue).node.shape as any }, "expandAs", site);
  },
  // memory formats (channels_last) are layouts of the same values: tsdp picks its own
  contiguous: (x, args, site) => {
    bindArgs("contiguous", [opt("memoryFormat", "any", null, { nullable: true })], args, site);
    // x itself where it is laid out in order; a copy of a transposed or strided view, as PyTorch's
    // (an in-place change of the copy leaves the view's storage as it was, and the other way round)
    return isContiguous(x) ? x : new TensorValue(x.node);
  },
  // torch.tile(dims): repeat, with dims padded by 1s in front when fewer than the tensor's
  tile: (x, args, site, em) => {
    const sizes = sizesOf(args, "dims", "tile", site);
    const padded = [...new Array<number>(Math.max(0, x.node.shape.length - sizes.length)).fill(1), ...sizes];
    return tensorMethods.repeat(x, [padded], site, em);
  },
  // repeat_interleave(repeats, dim): each element `repeats` times in a row along dim (an integer count)
  repeatInterleave: (x, args, site, em) => {
    const b = bindArgs("repeatInterleave", [arg("repeats", "any"), opt("dim", "int", null, { nullable: true })], args, site);
    // counts per element known when compiled (torch.tensor([1, 0, 3])): a take of each index that many times
    const counts = b.repeats instanceof TensorValue ? constantValues(em, b.repeats.node) : Array.isArray(b.repeats) && b.repeats.every((v) => typeof v === "number") ? (b.repeats as number[]) : undefined;
    // one count (repeats=[2], torch.tensor([2])) broadcasts to every element, as PyTorch's: the integer's path, which takes the batch
    const one = counts?.length === 1 && Number.isInteger(counts[0]) && counts[0] >= 1 ? counts[0] : undefined;
    if (counts && one === undefined) return repeatEach(x, counts, b.dim, site, em);
    const repeats = one ?? b.repeats;
    if (typeof repeats !== "number" || !Number.isInteger(repeats) || repeats < 1)
      fail("invalidArgument", `repeatInterleave: repeats must be a positive integer (a tensor of counts per element would size the result by data), got ${describe(b.repeats)}`, locOfArg(b, "repeats", site));
    // no dim: the flattened tensor (with the batch first, a multiple of it)
    const flat = b.dim === null ? flattenedForRepeat(x, site, em) : x;
    const shape = flat.node.shape;
    const d = b.dim === null ? 0 : dimArg(b.dim, shape.length, "repeatInterleave", site);
    // Along the batch (or a multiple of it: DeepSeek-MoE's tokens [k·Batch, H].repeat_interleave(top_k, 0))
    // each row is repeated in place, so a sample's copies stay within its own rows and every replica
    // repeats its share as PyTorch's DataParallel replicas do: c·Batch becomes (c·repeats)·Batch.
    const repeated = (s: Dim): Dim => (isBatch(s) ? batchTimes(s.batch * repeats) : s * repeats);
    const withCopies = [...shape.slice(0, d + 1), 1, ...shape.slice(d + 1)];
    const expanded = em.tensor("expand", [reshape(flat, withCopies, "repeatInterleave", site, em)], { shape: withCopies.map((s, i) => (i === d + 1 ? repeats : s)) as Dim[] }, "repeatInterleave", site);
    return reshape(expanded, shape.map((s, i) => (i === d ? repeated(s) : s)), "repeatInterleave", site, em);
  },
  detach: (x, args, site, em) => {
    bindArgs("detach", [], args, site);
    return em.tensor("detach", [x], {}, "detach", site);
  },
  add: withComplexOther("add", additive("add")),
  // comparisons give 0/1 float masks (see compiler/ops/select.ts)
  gt: binary("gt"),
  ge: binary("ge"),
  lt: binary("lt"),
  le: binary("le"),
  eq: binary("eq"),
  ne: binary("ne"),
  ...selectionMethods,
  ...sliceMethods,
  // x.index("...", "::2"), x.slice(dim, start, end, step): PyTorch's x[..., ::2] (indexing.ts)
  ...indexingMethods,
  sub: withComplexOther("sub", additive("sub")),
  mul: withComplexOther("mul", binary("mul")),
  // x.div(x.size(0)): a sum made a mean over the batch (loss.sum() / batch_size), each replica's own batch
  div: withComplexOther("div", (x, args, site, em) => {
    if (args[0] instanceof SymInt && args.length === 1) return em.tensor("div_count", [x], { c: args[0].coef, p: 1 }, "div", site);
    // torch.div(a, b, *, rounding_mode="floor" | "trunc"): the quotient rounded (of int32 operands, int32 again);
    // the mode keyword-only, as PyTorch's (x.div(y, "floor") is its TypeError), b may be an option too
    const last = args[args.length - 1];
    if (args.length === 2 || (last instanceof ObjectValue && last.props.has("roundingMode"))) {
      const b = bindArgs("div", [arg("other", "any"), opt("roundingMode", "string", null, { nullable: true, choices: ["floor", "trunc"], keywordOnly: true })], args, site);
      return roundedQuotient(x, b.other, b.roundingMode, "div", site, em);
    }
    return binary("div")(x, args, site, em);
  }),
  floorDivide: (x, args, site, em) => roundedQuotient(x, bindArgs("floorDivide", [arg("other", "any")], args, site).other, "floor", "floorDivide", site, em),
  rsub: withComplexOther("rsub", (x, args, site, em) => {
    const { other } = bindArgs("rsub", [arg("other", "any")], args, site);
    refuseBoolSubtraction(other, x, "rsub", site);
    return em.tensor("sub", [operand(other, "rsub", site, em), x], {}, "rsub", site);
  }),
  // rsqrt, erf, floor, … (math-functions.ts, shared with F.rsqrt and the rest)
  ...Object.fromEntries(mathFunctionNames.map((name) => [name, mathMethod(name)])),
  // clampMin, typeAs, mm, norm, … (tensor-spellings.ts)
  ...spellingMethods,
  ...Object.fromEntries(queryNames.map((name) => [name, queryMethod(name)])),
  relu: unary("relu"),
  sigmoid: unary("sigmoid"),
  tanh: unary("tanh"),
  matmul: (x, args, site, em) => {
    const { other } = bindArgs("matmul", [arg("other", "tensor")], args, site);
    return em.tensor("matmul", [x, other], {}, "matmul", site);
  },
  sum: reduction("sum"),
  mean: reduction("mean"),
  amax: reduction("amax"),
  max: (x, args, site, em) => {
    // torch.max(x, other) and torch.max(x, other=y) are torch.maximum
    if (givesOther(args)) return tensorMethods.maximum(x, args, site, em);
    const b = bindArgs("max", [opt("dim", "int", null, { nullable: true }), opt("keepdim", "bool", false)], args, site);
    // torch.max(x): amax's value, with max's gradient over a NaN (ops/reduce.ts amax)
    if (b.dim === null) return em.tensor("amax", [x], { dims: null, keepdim: false, evenly: true }, "max", site);
    // torch.max(x, dim) returns (values, indices)
    return selectedExtreme(x, em.tensor("argmax", [x], { dims: [b.dim], keepdim: true }, "max", site), b.dim, b.keepdim, "max", site, em);
  },
  argmax: (x, args, site, em) => {
    const b = bindArgs("argmax", [opt("dim", "int", null, { nullable: true }), opt("keepdim", "bool", false)], args, site);
    if (b.dim === null) return flatArgExtreme(x, x, b.keepdim, "argmax", site, em);
    return em.tensor("argmax", [x], { dims: [b.dim], keepdim: b.keepdim }, "argmax", site);
  },
  // the minimum is the maximum of −x, negated: the same ties (first index), NaN and gradient rules
  amin: (x, args, site, em) => {
    const b = bindArgs("amin", [opt("dim", "ints", null, { nullable: true }), opt("keepdim", "bool", false)], args, site);
    return em.tensor("neg", [em.tensor("amax", [em.tensor("neg", [x], {}, "amin", site)], { dims: b.dim, keepdim: b.keepdim }, "amin", site)], {}, "amin", site);
  },
  min: (x, args, site, em) => {
    if (givesOther(args)) return tensorMethods.minimum(x, args, site, em);
    const b = bindArgs("min", [opt("dim", "int", null, { nullable: true }), opt("keepdim", "bool", false)], args, site);
    const negated = em.tensor("neg", [x], {}, "min", site);
    if (b.dim === null) return em.tensor("neg", [em.tensor("amax", [negated], { dims: null, keepdim: false, evenly: true }, "min", site)], {}, "min", site);
    // torch.min(x, dim) returns (values, indices)
    return selectedExtreme(x, em.tensor("argmax", [negated], { dims: [b.dim], keepdim: true }, "min", site), b.dim, b.keepdim, "min", site, em);
  },
  argmin: (x, args, site, em) => {
    const b = bindArgs("argmin", [opt("dim", "int", null, { nullable: true }), opt("keepdim", "bool", false)], args, site);
    const negated = em.tensor("neg", [x], {}, "argmin", site);
    if (b.dim === null) return flatArgExtreme(x, negated, b.keepdim, "argmin", site, em);
    return em.tensor("argmax", [negated], { dims: [b.dim], keepdim: b.keepdim }, "argmin", site);
  },
  softmax: (x, args, site, em) => {
    const { dim, dtype } = bindArgs("softmax", [arg("dim", "int"), softmaxDtype], args, site);
    return em.tensor("softmax", [softmaxInput(x, dtype, em, "softmax", site)], { dim }, "softmax", site);
  },
  logSoftmax: (x, args, site, em) => {
    const { dim, dtype } = bindArgs("logSoftmax", [arg("dim", "int"), softmaxDtype], args, site);
    return em.tensor("log_softmax", [softmaxInput(x, dtype, em, "logSoftmax", site)], { dim }, "logSoftmax", site);
  },
  // DETR's not_mask.cumsum(1, dtype=torch.float32): converted first, as PyTorch's dtype does
  cumsum: (x, args, site, em) => {
    const { dim, dtype } = bindArgs("cumsum", [arg("dim", "int"), opt("dtype", "string", null, { nullable: true })], args, site);
    return cumsumOf(x, dim, dtype, "cumsum", site, em);
  },
  size: (x, args, site) => {
    const { dim } = bindArgs("size", [opt("dim", "int", null, { nullable: true })], args, site);
    if (dim === null) return asShape(x.node.shape.map(sizeOf));
    return sizeOf(x.node.shape[dimArg(dim, x.node.shape.length, "size", site)]);
  },
  dim: (x, args, site) => {
    bindArgs("dim", [], args, site);
    return x.node.shape.length;
  },
  // PyTorch's older names of dim() and numel(), still in its Tensor API (beta-VAE's mu.data.ndimension())
  ndimension: (x, args, site, em) => tensorMethods.dim(x, args, site, em),
  nelement: (x, args, site, em) => tensorMethods.numel(x, args, site, em),
  numel: (x, args, site) => {
    bindArgs("numel", [], args, site);
    const n = numel(x.node.shape);
    // a size is c·Batch at most: an in-batch pair matrix's c·b² is not one
    if (n.p > 1) return fail("invalidArgument", `numel: ${formatShape(x.node.shape)} holds c·b² elements on a device of b samples, which is not a size tsdp computes with; use its dims (x.size(0))`, site.loc);
    return n.p === 0 ? n.c : new SymInt(n.c);
  },
  // x.item(): PyTorch's Python number, read at run time. tsdp's model code cannot hold a run-time
  // number, so it is the one-element tensor as a 0-dim one without a gradient (as .item()'s number
  // has none): it computes wherever a tensor or number operand is taken (y.mul(s.item())), and a
  // JavaScript operator or a branch on it is refused there
  item: (x, args, site, em) => {
    bindArgs("item", [], args, site);
    const n = numel(x.node.shape);
    if (n.p !== 0 || n.c !== 1) return fail("invalidArgument", `item: a tensor of one element has a value, ${formatShape(x.node.shape)} has ${n.p ? "one per sample" : n.c}`, site.loc);
    // a constant (made in a constructor from factories): its number, as Python's; so is a value forward
    // computes from sizes and constants alone, whose value the compiler knows (Transformer-XL's
    // `attn_mask.any().item()` of a triu of ones, torchdiffeq's int((t[1] - t[0]) / step_size) of an
    // integration_time made in the constructor)
    if (em.constants.owns(x.node)) return Math.fround(em.constants.evaluate(x.node).data[0]);
    const known = knownScalarValue(x);
    if (known !== undefined) return known;
    return em.tensor("reshape", [em.tensor("detach", [x], {}, "item", site)], { shape: [] }, "item", site);
  },
  // x.tolist(): a constant's values as nested arrays of numbers (timm's stochastic depth rates,
  // `[x.item() for x in torch.linspace(0, rate, depth)]`); a value computed in forward has none
  // — or one forward computes from constants alone (FNO's torch.tensor(np.linspace(0, 1, size_x)),
  // written F.linspace(0, 1, sizeX).tolist()), whose values the compiler knows
  tolist: (x, args, site, em) => {
    bindArgs("tolist", [], args, site);
    const known = em.constants.owns(x.node) ? undefined : constantValues(em, x.node);
    if (!em.constants.owns(x.node) && !known)
      return fail("nonConstant", "tolist: the values of a tensor computed in forward from the data exist only when the model runs; tolist takes a tensor made from factories and constants (F.linspace, F.arange, …)", site.loc);
    const value = known ? { shape: x.node.shape as number[], data: known } : em.constants.evaluate(x.node);
    const shape = value.shape as number[];
    const nest = (dim: number, offset: number): Value => {
      if (dim === shape.length) return Math.fround(value.data[offset]);
      const stride = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
      return Array.from({ length: shape[dim] }, (_, i) => nest(dim + 1, offset + i * stride));
    };
    return nest(0, 0);
  },
};

/** `x.name`: a bound method, `shape`, or one of tensor-spellings.ts's properties (x.T, x.mT, x.dtype, x.device). */
export function tensorProperty(x: TensorValue, name: string, em: GraphEmitter, site: CallSite): Value | undefined {
  // y[mask].sub(1) of a selection kept for its write back stays one (masked-selections.ts)
  const elementwise = isDeferredSelection(x) ? own(tensorMethods, name) : undefined;
  if (elementwise) return new BuiltinFunction(name, (args, s) => mapSelection(x, name, args, (source) => elementwise(source, args, s, em)) ?? elementwise(x, args, s, em));
  if (name === "shape") return asShape(x.node.shape.map(sizeOf));
  // Python's len(x), which a port writes as x.length (rtdl's torch.ones(len(x_num), 1)): the size of
  // dim 0, the batch size of a batched tensor; a 0-d tensor has none (PyTorch's "len() of a 0-d tensor")
  if (name === "length") {
    if (x.node.shape.length === 0) fail("shapeMismatch", "length: a 0-d tensor has no length (PyTorch's len() of a 0-d tensor raises a TypeError)", site.loc);
    return sizeOf(x.node.shape[0]);
  }

  // x.requiresGrad: whether autograd tracks x — a trained parameter, or computed from one other than through detach
  if (name === "requiresGrad") return requiresGradient(x.node);
  const property = spellingProperty(x, name, site, em);
  if (property !== undefined) return property;
  const method = own(tensorMethods, name);
  if (!method) return undefined;
  return new BuiltinFunction(name, (args, site) => method(x, args, site, em));
}

