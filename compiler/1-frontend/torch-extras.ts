import { fail } from "../diagnostics/diagnostic.ts";
import { formatShape, isBatch, type Dim } from "../ir/shape.ts";
import { broadcastShapes } from "../ops/elementwise.ts";
import { arg, bindArgs, locOfArg, opt } from "./args.ts";
import { ops } from "./composite-ops.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { sizeOf, tensorProperty } from "./tensor-methods.ts";
import { besselFunctions } from "./bessel.ts";
import { scatterFunctions } from "./scatters.ts";
import { vectorNorm } from "./vector-norm.ts";
import { asShape, BuiltinFunction, describe, NamespaceValue, SymInt, TensorValue, type CallSite, type Value } from "./values.ts";

// torch functions ports reach for that are a few of tsdp's ops, each as PyTorch defines it:
// products of vectors (dot, mv, inner, trace, dist), stacks (hstack, vstack, dstack, column_stack),
// rearrangements (rot90, tensor_split, diag_embed), sinc, logspace, logaddexp2, the other names of
// functions tsdp has (arccos, absolute, true_divide, …) and torch.special's.

type Entry = [string, BuiltinFunction];

/** The functions here that torch also has as tensor methods (x.sinc(), x.dot(y)): each is the function of x. */
export const EXTRA_METHODS: Readonly<Record<string, true>> = Object.fromEntries(
  ["arccos", "arcsin", "arctan", "arccosh", "arcsinh", "arctanh", "absolute", "negative", "positive", "trueDivide", "fix", "deg2rad", "rad2deg", "dot", "vdot", "mv", "inner", "trace", "dist", "sinc", "logaddexp2", "rot90", "tensorSplit", "diagEmbed", "broadcastTo", "fliplr", "flipud", "hsplit", "vsplit", "dsplit", "sliceScatter", "selectScatter", "diagonalScatter", "sgn", "histc", "multiply", "subtract", "divide", "greater", "greaterEqual", "less", "lessEqual", "notEqual", "moveaxis", "heaviside", "kron", "floatPower", "take", "put", "diagflat"].map((n) => [n, true]),
);

/** Those of them PyTorch also has in place (x.sgn_(), x.sinc_(), x.true_divide_(y)): x takes the result. */
export const EXTRA_IN_PLACE: Readonly<Record<string, true>> = Object.fromEntries(
  ["arccos", "arcsin", "arctan", "arccosh", "arcsinh", "arctanh", "absolute", "negative", "trueDivide", "fix", "deg2rad", "rad2deg", "sinc", "sgn", "multiply", "subtract", "divide", "greater", "greaterEqual", "less", "lessEqual", "notEqual", "heaviside", "floatPower", "put"].map((n) => [n, true]),
);

/** x.<name>(...args), the tensor method as a model file calls it. */
const method = (x: TensorValue, name: string, em: GraphEmitter, site: CallSite, ...args: Value[]): TensorValue =>
  (tensorProperty(x, name, em, site) as BuiltinFunction).call(args, site) as TensorValue;

const tensorArg = (v: Value, who: string, what: string, site: CallSite): TensorValue =>
  v instanceof TensorValue ? v : fail("wrongArgumentType", `${who}: ${what} must be a tensor, got ${describe(v)}`, site.loc);

export function extraFunctions(em: GraphEmitter, lookup: (name: string) => Value): Entry[] {
  const fn = (name: string, body: (args: Value[], site: CallSite, who: string) => Value): Entry => [name, new BuiltinFunction(`F.${name}`, (args, site) => body(args, site, `F.${name}`))];
  const alias = (name: string, of: string): Entry => fn(name, (args, site) => (lookup(of) as BuiltinFunction).call(args, site));
  const rank = (t: TensorValue, n: number, who: string, what: string, site: CallSite) => {
    if (t.node.shape.length !== n) fail("shapeMismatch", `${who}: ${what} must be ${n}-D, got ${formatShape(t.node.shape)}`, site.loc);
  };
  const stack = (who: string, parts: Value, site: CallSite): TensorValue[] => {
    if (!Array.isArray(parts) || parts.length === 0 || !parts.every((p) => p instanceof TensorValue)) return fail("wrongArgumentType", `${who} takes a non-empty array of tensors, got ${describe(parts)}`, site.loc);
    return parts as TensorValue[];
  };
  const cat = (parts: TensorValue[], dim: number, site: CallSite) => (lookup("cat") as BuiltinFunction).call([parts, dim], site) as TensorValue;
  return [
    // slice_scatter, select_scatter, diagonal_scatter (scatters.ts)
    ...scatterFunctions(em),
    // other names of functions tsdp has
    ...(["acos", "asin", "atan", "acosh", "asinh", "atanh"] as const).map((f) => alias(`arc${f.slice(1)}`, f)),
    alias("absolute", "abs"),
    alias("negative", "neg"),
    alias("trueDivide", "div"),
    alias("fix", "trunc"),
    // torch.sgn is sign for real tensors; the NumPy-compatible names of arithmetic and comparisons
    alias("sgn", "sign"),
    ...([["multiply", "mul"], ["subtract", "sub"], ["divide", "div"], ["greater", "gt"], ["greaterEqual", "ge"], ["less", "lt"], ["lessEqual", "le"], ["notEqual", "ne"]] as const).map(([name, of]) => alias(name, of)),
    alias("concat", "cat"),
    // torch.float_power: pow with both operands as floats; PyTorch's result is float64, tsdp's float32
    // (its tensors have no float64, FLOAT64_HINT), so only the digits past float32's differ
    fn("floatPower", (args, site, who) => {
      const b = bindArgs(who, [arg("input", "numberOrTensor"), arg("exponent", "numberOrTensor")], args, site);
      const float = (v: Value) => (v instanceof TensorValue && v.node.dtype === "i32" ? em.tensor("to_float", [v], {}, who, site) : v);
      return (lookup("pow") as BuiltinFunction).call([float(b.input), float(b.exponent)], site);
    }),
    alias("concatenate", "cat"),
    alias("moveaxis", "movedim"),
    fn("positive", (args, site, who) => tensorArg(bindArgs(who, [arg("input", "any")], args, site).input, who, "input", site)),
    // torch.broadcast_to(x, shape) is x.expand(shape) (F has no expand to alias: the tensor method)
    fn("broadcastTo", (args, site, who) => method(tensorArg(args[0], who, "input", site), "expand", em, site, ...args.slice(1))),
    // torch.broadcast_tensors(*tensors): each expanded to the shape they broadcast to (views, as PyTorch's)
    fn("broadcastTensors", (args, site, who) => {
      const tensors = (args.length === 1 && Array.isArray(args[0]) ? (args[0] as Value[]) : args).map((t, i) => tensorArg(t, who, `tensors[${i}]`, site));
      const shape = tensors.reduce<Dim[] | undefined>((common, t) => common && broadcastShapes(common, t.node.shape), []);
      if (!shape) return fail("shapeMismatch", `${who}: the shapes ${tensors.map((t) => formatShape(t.node.shape)).join(", ")} do not broadcast (each trailing dim must be equal or 1)`, site.loc);
      return tensors.map((t) => (formatShape(t.node.shape) === formatShape(shape) ? t : ops(em, who, site).op("expand", [t], { shape })));
    }),
    // torch.broadcast_shapes(*shapes): the shape tensors of these shapes broadcast to, computed at
    // compile time as PyTorch's is without tensors; an int is a 1-D shape
    fn("broadcastShapes", (args, site, who) => {
      const shapes = args.map((s, i) => shapeArg(s, who, i, site));
      const shape = shapes.reduce<Dim[] | undefined>((common, s) => common && broadcastShapes(common, s), []);
      if (!shape) return fail("shapeMismatch", `${who}: the shapes ${shapes.map(formatShape).join(", ")} do not broadcast (each trailing dim must be equal or 1)`, site.loc);
      return asShape(shape.map(sizeOf));
    }),
    // torch.histc(input, bins, min, max): counts of input's elements in `bins` equal bins over [min, max]
    fn("histc", (args, site, who) => {
      const b = bindArgs(who, [arg("input", "tensor"), opt("bins", "posInt", 100), opt("min", "number", 0), opt("max", "number", 0)], args, site);
      return histc(b.input, b.bins, b.min, b.max, em, who, site, locOfArg(b, "min", site));
    }),
    fn("deg2rad", (args, site, who) => ops(em, who, site).op("mul", [tensorArg(bindArgs(who, [arg("input", "any")], args, site).input, who, "input", site), Math.PI / 180])),
    fn("rad2deg", (args, site, who) => ops(em, who, site).op("mul", [tensorArg(bindArgs(who, [arg("input", "any")], args, site).input, who, "input", site), 180 / Math.PI])),
    // torch.dot / vdot (real): Σ a·b of two 1-D tensors; mv: a matrix times a vector
    ...(["dot", "vdot"] as const).map((name) =>
      fn(name, (args, site, who) => {
        const b = bindArgs(who, [arg("input", "tensor"), arg("other", "tensor")], args, site);
        rank(b.input, 1, who, "input", site);
        rank(b.other, 1, who, "other", site);
        const c = ops(em, who, site);
        return c.op("sum", [c.op("mul", [b.input, b.other])], { dims: null, keepdim: false });
      }),
    ),
    fn("mv", (args, site, who) => {
      const b = bindArgs(who, [arg("input", "tensor"), arg("vec", "tensor")], args, site);
      rank(b.input, 2, who, "input", site);
      rank(b.vec, 1, who, "vec", site);
      return em.tensor("matmul", [b.input, b.vec], {}, who, site);
    }),
    // torch.inner: Σ over the last dim of every pair of a's and b's rows, a.shape[:-1] + b.shape[:-1]
    fn("inner", (args, site, who) => {
      const b = bindArgs(who, [arg("input", "tensor"), arg("other", "tensor")], args, site);
      const c = ops(em, who, site);
      const [x, y] = [b.input as TensorValue, b.other as TensorValue];
      if (x.node.shape.length === 0 || y.node.shape.length === 0) return c.op("mul", [x, y]);
      return innerProduct(x, y, em, who, site);
    }),
    // the sum of a matrix's diagonal
    fn("trace", (args, site, who) => {
      const b = bindArgs(who, [arg("input", "tensor")], args, site);
      rank(b.input, 2, who, "input", site);
      return ops(em, who, site).op("sum", [method(b.input, "diagonal", em, site)], { dims: null, keepdim: false });
    }),
    // torch.dist(a, b, p): ‖a − b‖ₚ over every element
    fn("dist", (args, site, who) => {
      const b = bindArgs(who, [arg("input", "tensor"), arg("other", "tensor"), opt("p", "number", 2)], args, site);
      return vectorNorm(ops(em, who, site).op("sub", [b.input, b.other]), b.p, null, false, site, em, who, locOfArg(b, "p", site));
    }),
    // sin(πx)/(πx), 1 at 0 (its gradient 0 there, as PyTorch's)
    fn("sinc", (args, site, who) => sinc(tensorArg(bindArgs(who, [arg("input", "any")], args, site).input, who, "input", site), em, who, site)),
    // log₂(2ᵃ + 2ᵇ) = logaddexp(a·ln 2, b·ln 2) / ln 2
    fn("logaddexp2", (args, site, who) => {
      const b = bindArgs(who, [arg("input", "tensor"), arg("other", "any")], args, site);
      const c = ops(em, who, site);
      const scaled = (v: Value) => (typeof v === "number" ? v * Math.LN2 : c.op("mul", [tensorArg(v, who, "other", site), Math.LN2]));
      return c.op("div", [(lookup("logaddexp") as BuiltinFunction).call([scaled(b.input) as TensorValue, scaled(b.other)], site) as TensorValue, Math.LN2]);
    }),
    // base ** linspace(start, end, steps)
    fn("logspace", (args, site, who) => {
      const b = bindArgs(who, [arg("start", "number"), arg("end", "number"), arg("steps", "posInt"), opt("base", "number", 10), opt("dtype", "any", null, { nullable: true }), opt("device", "any", null, { nullable: true }), opt("requiresGrad", "bool", false)], args, site);
      const values = Array.from({ length: b.steps }, (_, i) => b.base ** (b.steps === 1 ? b.start : b.start + ((b.end - b.start) * i) / (b.steps - 1)));
      return (lookup("tensor") as BuiltinFunction).call([values], site);
    }),
    // torch.hstack: cat along dim 1 (dim 0 of 1-D tensors); vstack/row_stack: along dim 0, 1-D tensors as rows;
    // dstack: along dim 2, lower ranks raised to 3 ([n] → [1, n, 1], [a, b] → [a, b, 1]); column_stack: 1-D and 0-D as columns
    fn("hstack", (args, site, who) => {
      const parts = stack(who, bindArgs(who, [arg("tensors", "any")], args, site).tensors, site);
      return cat(parts, parts[0].node.shape.length === 1 ? 0 : 1, site);
    }),
    ...(["vstack", "rowStack"] as const).map((name) =>
      fn(name, (args, site, who) => {
        const parts = stack(who, bindArgs(who, [arg("tensors", "any")], args, site).tensors, site).map((p) => (p.node.shape.length === 1 ? ops(em, who, site).reshape(p, [1, p.node.shape[0]]) : p));
        return cat(parts, 0, site);
      }),
    ),
    fn("dstack", (args, site, who) => {
      const c = ops(em, who, site);
      const raised = stack(who, bindArgs(who, [arg("tensors", "any")], args, site).tensors, site).map((p) => {
        const s = p.node.shape;
        return s.length === 1 ? c.reshape(p, [1, s[0], 1]) : s.length === 2 ? c.reshape(p, [s[0], s[1], 1]) : p;
      });
      return cat(raised, 2, site);
    }),
    fn("columnStack", (args, site, who) => {
      const c = ops(em, who, site);
      const columns = stack(who, bindArgs(who, [arg("tensors", "any")], args, site).tensors, site).map((p) => (p.node.shape.length <= 1 ? c.reshape(p, [p.node.shape[0] ?? 1, 1]) : p));
      return cat(columns, 1, site);
    }),
    // torch.rot90(x, k, dims): k quarter turns from dims[0] towards dims[1]
    fn("rot90", (args, site, who) => {
      const b = bindArgs(who, [arg("input", "tensor"), opt("k", "int", 1), opt("dims", "ints", [0, 1])], args, site);
      const x = b.input as TensorValue;
      const dims = b.dims as number[];
      if (dims.length !== 2) fail("invalidArgument", `${who}: dims names two dims, got ${dims.length}`, locOfArg(b, "dims", site));
      const [d0, d1] = dims.map((d) => (d < 0 ? d + x.node.shape.length : d));
      if (d0 === d1 || [d0, d1].some((d) => d < 0 || d >= x.node.shape.length)) fail("invalidArgument", `${who}: dims ${dims.join(", ")} must be two different dims of ${formatShape(x.node.shape)}`, locOfArg(b, "dims", site));
      const k = ((b.k % 4) + 4) % 4;
      if (k === 0) return x;
      if (k === 2) return method(x, "flip", em, site, [d0, d1]);
      return method(method(x, "flip", em, site, [k === 1 ? d1 : d0]), "transpose", em, site, d0, d1);
    }),
    // torch.tensor_split(x, sections or indices, dim): views; n sections of which the first n mod s are one longer
    fn("tensorSplit", (args, site, who) => {
      const b = bindArgs(who, [arg("input", "tensor"), arg("indicesOrSections", "any"), opt("dim", "int", 0)], args, site);
      return tensorSplit(b.input, b.indicesOrSections, b.dim, em, who, site);
    }),
    // torch.fliplr: dim 1 reversed (at least 2-D); flipud: dim 0
    ...([["fliplr", 1], ["flipud", 0]] as const).map(([name, dim]) =>
      fn(name, (args, site, who) => {
        const x = bindArgs(who, [arg("input", "tensor")], args, site).input as TensorValue;
        if (x.node.shape.length < dim + 1) fail("shapeMismatch", `${who} expects a tensor of at least ${dim + 1} dims, got ${formatShape(x.node.shape)}`, site.loc);
        return method(x, "flip", em, site, [dim]);
      }),
    ),
    // torch.hsplit (dim 1, dim 0 of a 1-D tensor), vsplit (dim 0), dsplit (dim 2): tensor_split's
    // parts, a number of sections dividing the dim exactly
    ...([["hsplit", 1, 1], ["vsplit", 0, 2], ["dsplit", 2, 3]] as const).map(([name, dim, least]) =>
      fn(name, (args, site, who) => {
        const b = bindArgs(who, [arg("input", "tensor"), arg("indicesOrSections", "any")], args, site);
        const x = b.input as TensorValue;
        const rank = x.node.shape.length;
        if (rank < least) fail("shapeMismatch", `${who} expects a tensor of at least ${least} dims, got ${formatShape(x.node.shape)}`, site.loc);
        const d = name === "hsplit" && rank === 1 ? 0 : dim;
        const size = x.node.shape[d];
        if (typeof b.indicesOrSections === "number" && typeof size === "number" && size % b.indicesOrSections !== 0)
          fail("invalidArgument", `${who} splits dim ${d} of size ${size} into ${b.indicesOrSections} equal sections, which it does not divide`, locOfArg(b, "indicesOrSections", site));
        return tensorSplit(x, b.indicesOrSections, d, em, who, site);
      }),
    ),
    // torch.diag_embed(x): x's last dim on the diagonal of a new last pair of dims
    fn("diagEmbed", (args, site, who) => {
      const b = bindArgs(who, [arg("input", "tensor"), opt("offset", "int", 0), opt("dim1", "int", -2), opt("dim2", "int", -1)], args, site);
      return diagEmbed(b.input as TensorValue, b.offset, b.dim1, b.dim2, who, site);
    }),
    // torch.diagflat(x, offset): the flattened x on the offset diagonal of a square matrix
    fn("diagflat", (args, site, who) => {
      const b = bindArgs(who, [arg("input", "tensor"), opt("offset", "int", 0)], args, site);
      const x = b.input as TensorValue;
      if (x.node.shape.some(isBatch)) fail("shapeMismatch", `${who}: flattening ${formatShape(x.node.shape)} would put every sample on one diagonal, across the batch, which is split across devices; F.diagEmbed(x, offset) puts each sample's own vector on its own diagonal`, site.loc);
      return diagEmbed(ops(em, who, site).reshape(x, [-1]), b.offset, 0, 1, who, site);
    }),
    // torch.take(x, index): x read as 1-D at index, the result index's shape; torch.put / x.put_(index,
    // source, accumulate): the inverse, writing source's elements there (index_put of the flat x)
    fn("take", (args, site, who) => {
      const b = bindArgs(who, [arg("input", "tensor"), arg("index", "tensor")], args, site);
      return method(flatOfTable(b.input as TensorValue, who, site), "index", em, site, b.index);
    }),
    fn("put", (args, site, who) => {
      const b = bindArgs(who, [arg("input", "tensor"), arg("index", "tensor"), arg("source", "tensor"), opt("accumulate", "bool", false)], args, site);
      const x = b.input as TensorValue;
      const c = ops(em, who, site);
      const flat = flatOfTable(x, who, site);
      const [index, source] = [b.index as TensorValue, b.source as TensorValue];
      if (index.node.shape.some(isBatch) || source.node.shape.some(isBatch)) fail("shapeMismatch", `${who}: an index or source with the batch (${formatShape(index.node.shape)}, ${formatShape(source.node.shape)}) would write every sample's values into one tensor, across the batch, which is split across devices`, site.loc);
      const put = method(flat, "indexPut", em, site, [c.reshape(index, [-1])], c.reshape(source, [-1]), b.accumulate);
      return c.reshape(put, x.node.shape);
    }),
    // torch.atleast_1d/2d/3d: a 0-d tensor as [1], [1, 1], [1, 1, 1]; a 1-d [n] as [1, n] and [1, n, 1]; a 2-d [a, b] as [a, b, 1]
    ...([1, 2, 3] as const).map((rank) =>
      fn(`atleast${rank}d`, (args, site, who) => {
        const parts = args.length === 1 && Array.isArray(args[0]) ? (args[0] as Value[]) : args;
        if (parts.length === 0 || !parts.every((p) => p instanceof TensorValue)) return fail("wrongArgumentType", `${who} takes tensors (one, several, or an array of them), got ${parts.length === 0 ? "none" : describe(parts.find((p) => !(p instanceof TensorValue)))}`, site.loc);
        const grown = (parts as TensorValue[]).map((t) => {
          const s = t.node.shape;
          if (s.length >= rank) return t;
          const shape = rank === 1 ? [1] : rank === 2 ? [1, ...(s.length === 0 ? [1] : s)] : s.length === 0 ? [1, 1, 1] : s.length === 1 ? [1, s[0], 1] : [...s, 1];
          return ops(em, who, site).reshape(t, shape);
        });
        return args.length === 1 && !Array.isArray(args[0]) ? grown[0] : grown;
      }),
    ),
    // their snake_case names keep the digit apart (atleast_2d), which camelCase conversion does not map
    ...([1, 2, 3] as const).map((rank) => alias(`atleast_${rank}d`, `atleast${rank}d`)),
    // torch.combinations(x, r=2, with_replacement=False): the r-element combinations of a 1-D x's
    // elements, in lexicographic order of their positions, as rows of an [n choose r, r] tensor
    fn("combinations", (args, site, who) => {
      const b = bindArgs(who, [arg("input", "tensor"), opt("r", "int", 2), opt("withReplacement", "bool", false)], args, site);
      const x = b.input as TensorValue;
      const n = x.node.shape[0];
      if (x.node.shape.length !== 1 || typeof n !== "number") return fail("shapeMismatch", `${who}: expects a 1-D tensor of fixed size, got ${formatShape(x.node.shape)}`, site.loc);
      if (b.r < 0) fail("invalidArgument", `${who}: r must be non-negative, got ${b.r}`, locOfArg(b, "r", site));
      const rows = combinations(n, b.r, b.withReplacement);
      if (rows.length === 0 || b.r === 0) return fail("invalidArgument", `${who}: ${n} elements have no ${b.r}-element combinations${b.withReplacement ? "" : " without replacement"}: the result would be empty, and tsdp's tensors are not empty`, site.loc);
      const c = ops(em, who, site);
      const positions = c.op("to_int", [c.op("literal", [], { shape: [rows.length * b.r], values: rows.flat() })]);
      return c.reshape(em.tensor("take", [x, positions], { dim: 0, mode: "vector" }, who, site), [rows.length, b.r]);
    }),
  ];

  /** x flattened for take and put: a tensor without the batch (the batch's samples would be one row of elements, across devices) */
  function flatOfTable(x: TensorValue, who: string, site: CallSite): TensorValue {
    if (x.node.shape.some(isBatch)) fail("shapeMismatch", `${who}: reading ${formatShape(x.node.shape)} as 1-D puts every sample's elements in one row, across the batch, which is split across devices; index each sample's own elements (x.flatten(1).gather(1, index) with an index [Batch, k])`, site.loc);
    return ops(em, who, site).reshape(x, [-1]);
  }

  /**
   * torch.diag_embed(x, offset, dim1, dim2): x's last dim (n) on the offset diagonal of two new dims
   * of size n + |offset| at dim1 and dim2 of the result; the other dims of x keep their order. The
   * [..., m, m] matrices are built in the last two dims (row i holds x[i] at column i + offset; below
   * the diagonal, column j holds x[j]) and moved to dim1 and dim2.
   */
  function diagEmbed(x: TensorValue, offset: number, dim1: number, dim2: number, who: string, site: CallSite): TensorValue {
    const shape = x.node.shape;
    const n = shape[shape.length - 1];
    if (typeof n !== "number") return fail("shapeMismatch", `${who}: the last dim of ${formatShape(shape)} is the batch`, site.loc);
    const rank = shape.length + 1;
    const [d1, d2] = [dim1, dim2].map((d) => (d < 0 ? d + rank : d));
    if (![d1, d2].every((d) => d >= 0 && d < rank)) fail("invalidArgument", `${who}: dims ${dim1} and ${dim2} must be in [${-rank}, ${rank - 1}] for a result of ${rank} dims`, site.loc);
    if (d1 === d2) fail("invalidArgument", `${who}: diagonal dimensions cannot be identical ${dim1}, ${dim2}`, site.loc);
    const c = ops(em, who, site);
    const k = Math.abs(offset);
    const m = n + k;
    const mask = c.op("literal", [], { shape: [m, m], values: Array.from({ length: m * m }, (_, f) => (f % m) - Math.floor(f / m) === offset ? 1 : 0) });
    const padded = k === 0 ? x : (lookup("pad") as BuiltinFunction).call([x, [0, k]], site) as TensorValue;
    const lead = shape.slice(0, -1);
    // above the diagonal each row's value is its own element; below it each column's
    const values = c.reshape(padded, offset >= 0 ? [...lead, m, 1] : [...lead, 1, m]);
    // a select, not a product: +0 off the diagonal whatever x holds (an ∞ or NaN too), as PyTorch's zeros
    const square = c.op("where", [c.op("ne", [mask, 0]), values, 0]);
    if (d1 === rank - 2 && d2 === rank - 1) return square;
    return method(square, "movedim", em, site, [rank - 2, rank - 1], [d1, d2]);
  }
}

/** One of broadcast_shapes's arguments: an int (a 1-D shape), or a shape (x.shape, an array of sizes). */
function shapeArg(v: Value, who: string, i: number, site: CallSite): Dim[] {
  const dim = (d: Value): Dim | undefined => (typeof d === "number" && Number.isInteger(d) && d >= 0 ? d : d instanceof SymInt ? { batch: d.coef } : undefined);
  const dims = typeof v === "number" ? [dim(v)] : Array.isArray(v) ? v.map(dim) : [undefined];
  if (dims.some((d) => d === undefined)) return fail("wrongArgumentType", `${who}: shapes[${i}] must be a shape (x.shape, an array of sizes) or a size, got ${describe(v)}`, site.loc);
  return dims as Dim[];
}

/**
 * torch.histc: how many of x's elements fall in each of `bins` equal bins over [min, max], as
 * PyTorch's CPU kernel bins them: ⌊(x − min)·bins/(max − min)⌋ in x's float32, a value at max in
 * the last bin, NaN and values outside [min, max] in none. Each element's bin compared with every
 * bin's index, summed over the elements. min = max (PyTorch's default 0, 0) means the data's range,
 * which exists only when the model runs: refused, since the output's meaning would change with the
 * data. Counts have no gradient (PyTorch's histc has no derivative).
 */
function histc(x: TensorValue, bins: number, min: number, max: number, em: GraphEmitter, who: string, site: CallSite, rangeLoc: CallSite["loc"]): TensorValue {
  if (x.node.dtype !== "f32") fail("dtypeMismatch", `${who} counts a float tensor (PyTorch's CPU histc has no integer kernel); write x.float()`, site.loc);
  if (x.node.shape.some(isBatch))
    fail("shapeMismatch", `${who} of ${formatShape(x.node.shape)}: counts over the batch would be each device's share's, not the whole batch's; count per sample (a loop over x.unbind(0) is not one either) or after forward`, site.loc);
  if (min === max)
    fail("nonConstant", `${who}: min = max (${min}) means the data's own range (PyTorch reads x.min() and x.max()), known only when the model runs; give the range, F.histc(x, ${bins}, lo, hi)`, rangeLoc);
  if (!Number.isFinite(min) || !Number.isFinite(max)) fail("invalidArgument", `${who}: range of [${min}, ${max}] is not finite (PyTorch's error)`, rangeLoc);
  if (!(min < max)) fail("invalidArgument", `${who}: max must be larger than min, got min ${min} and max ${max} (PyTorch's error)`, rangeLoc);
  const c = ops(em, who, site);
  const flat = x.node.shape.length === 0 ? c.reshape(x, [1]) : x;
  // the width as PyTorch's kernel forms it, the bounds' difference in float32
  const width = Math.fround(Math.fround(max) - Math.fround(min));
  const scaled = c.op("div", [c.op("mul", [c.op("sub", [flat, min]), bins]), width]);
  const inRange = c.op("mul", [c.op("ge", [flat, min]), c.op("le", [flat, max])]);
  // the bin, the top edge's in the last one; −1 (no bin) outside the range
  const bin = c.op("where", [inRange, c.op("where", [c.op("ge", [scaled, bins]), bins - 1, c.op("floor", [scaled])]), -1]);
  const rank = flat.node.shape.length;
  const hits = c.op("eq", [c.reshape(bin, [...flat.node.shape, 1]), c.op("arange", [], { start: 0, step: 1, length: bins })]);
  return c.op("sum", [hits], { dims: Array.from({ length: rank }, (_, i) => i), keepdim: false });
}

/** sin(πx)/(πx), 1 where x = 0, as torch.sinc (the division never sees the 0). */
function sinc(x: TensorValue, em: GraphEmitter, who: string, site: CallSite): TensorValue {
  const c = ops(em, who, site);
  const zero = () => c.op("eq", [x, 0]);
  const px = c.op("mul", [c.op("where", [zero(), 1, x]), Math.PI]);
  return c.op("where", [zero(), 1, c.op("div", [c.op("sin", [px]), px])]);
}

/** torch.inner: a [..., k] and b [..., k] to a.shape[:-1] + b.shape[:-1], Σ over k. */
function innerProduct(a: TensorValue, b: TensorValue, em: GraphEmitter, who: string, site: CallSite): TensorValue {
  const c = ops(em, who, site);
  const [as, bs] = [a.node.shape, b.node.shape];
  const k = as[as.length - 1];
  if (formatShape([k]) !== formatShape([bs[bs.length - 1]])) fail("shapeMismatch", `${who}: the last dims of ${formatShape(as)} and ${formatShape(bs)} must be equal`, site.loc);
  if (bs.slice(0, -1).some(isBatch)) fail("shapeMismatch", `${who}: only the first operand may hold the batch, got ${formatShape(bs)}`, site.loc);
  const rows = bs.slice(0, -1) as number[];
  const flatB = c.reshape(b, [rows.reduce((p, q) => p * q, 1), k]);
  const product = em.tensor("matmul", [a, c.transposeLast(flatB)], {}, who, site);
  return c.reshape(product, [...as.slice(0, -1), ...rows]);
}

/** torch.tensor_split along `dim`: `sections` parts (the first n mod sections one longer), or cut at the given indices. */
function tensorSplit(x: TensorValue, spec: Value, dimArg: number, em: GraphEmitter, who: string, site: CallSite): TensorValue[] {
  const rank = x.node.shape.length;
  const dim = dimArg < 0 ? dimArg + rank : dimArg;
  const n = x.node.shape[dim];
  if (dim < 0 || dim >= rank) fail("invalidArgument", `${who}: dim ${dimArg} is out of range for ${formatShape(x.node.shape)}`, site.loc);
  if (typeof n !== "number") return fail("shapeMismatch", `${who}: dim ${dim} of ${formatShape(x.node.shape)} is the batch, split across devices`, site.loc);
  let cuts: number[];
  if (typeof spec === "number") {
    if (!Number.isInteger(spec) || spec < 1) fail("invalidArgument", `${who}: sections must be a positive integer, got ${spec}`, site.loc);
    const [q, r] = [Math.floor(n / spec), n % spec];
    cuts = Array.from({ length: spec - 1 }, (_, i) => (i + 1) * q + Math.min(i + 1, r));
  } else if (Array.isArray(spec) && spec.every((v) => typeof v === "number" && Number.isInteger(v))) cuts = (spec as number[]).map((v) => Math.min(n, Math.max(0, v < 0 ? v + n : v)));
  else return fail("wrongArgumentType", `${who}: indicesOrSections is a number of sections or an array of indices, got ${describe(spec)}`, site.loc);
  const bounds = [0, ...cuts, n];
  const parts: TensorValue[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const length = bounds[i + 1] - bounds[i];
    if (length <= 0) fail("invalidArgument", `${who}: part ${i} of dim ${dim} (size ${n}) would be empty; tsdp's tensors are not empty`, site.loc);
    parts.push(em.tensor("narrow", [x], { dim, start: bounds[i], length }, who, site));
  }
  return parts;
}

/** torch.special: the names it gives functions tsdp has, and ndtr, ndtri, entr, xlog1py and the Bessel functions. */
export function specialNamespace(em: GraphEmitter, lookup: (name: string) => Value): NamespaceValue {
  const members = new Map<string, Value>();
  const same: Record<string, string> = {
    expit: "sigmoid", erf: "erf", erfc: "erfc", erfinv: "erfinv", exp2: "exp2", expm1: "expm1", log1p: "log1p", logsumexp: "logsumexp",
    logSoftmax: "logSoftmax", softmax: "softmax", xlogy: "xlogy", sinc: "sinc", logit: "logit", round: "round", psi: "digamma", gammaln: "lgamma", digamma: "digamma", polygamma: "polygamma", multigammaln: "mvlgamma",
  };
  for (const [name, of] of Object.entries(same)) {
    const target = lookup(of);
    // every name here aliases a function tsdp has: one that is missing is this table's error (F.special.erfc
    // was dropped silently while no erfc existed), not the model's
    if (!(target instanceof BuiltinFunction)) throw new Error(`F.special.${name} aliases F.${of}, which is not a function`);
    members.set(name, new BuiltinFunction(`F.special.${name}`, (args, site) => target.call(args, site)));
  }
  // Φ(x) = (1 + erf(x/√2))/2, the standard normal's CDF
  members.set("ndtr", new BuiltinFunction("F.special.ndtr", (args, site) => {
    const who = "F.special.ndtr";
    const x = tensorArg(bindArgs(who, [arg("input", "any")], args, site).input, who, "input", site);
    const c = ops(em, who, site);
    return c.op("mul", [c.op("add", [c.op("erf", [c.op("mul", [x, Math.SQRT1_2])]), 1]), 0.5]);
  }));
  // −x·ln x, 0 at 0, −∞ below 0 (torch.special.entr; its op keeps PyTorch's derivative at x ≤ 0)
  members.set("entr", new BuiltinFunction("F.special.entr", (args, site) => {
    const who = "F.special.entr";
    const x = tensorArg(bindArgs(who, [arg("input", "any")], args, site).input, who, "input", site);
    return ops(em, who, site).op("entr", [x]);
  }));
  // Φ⁻¹(p) = √2·erf⁻¹(2p − 1) (torch.special.ndtri): −∞ at 0, ∞ at 1, NaN outside [0, 1]. In
  // float32, 2p − 1 keeps fewer of a small p's digits (PyTorch's Cephes ndtri keeps the tail's):
  // ~1e-4 relative at p = 1e-5 (1 − p likewise), −∞ below p ≈ 3e-8, where 2p − 1 rounds to −1
  members.set("ndtri", new BuiltinFunction("F.special.ndtri", (args, site) => {
    const who = "F.special.ndtri";
    const p = tensorArg(bindArgs(who, [arg("input", "any")], args, site).input, who, "input", site);
    const c = ops(em, who, site);
    return c.op("mul", [c.op("erfinv", [c.op("sub", [c.op("mul", [p, 2]), 1])]), Math.SQRT2]);
  }));
  // x·log1p(y), 0 where x = 0 and y is not NaN (torch.special.xlog1py), as xlogy: y' = 0 where x = 0
  // and y ≤ −1 or y = ∞, so that ∂/∂x = log1p(y) is 0 there (derivatives.yaml masks x = 0, y ≤ −1)
  // and ∂/∂y = x/(1 + y'); either operand may be a number
  members.set("xlog1py", new BuiltinFunction("F.special.xlog1py", (args, site) => {
    const who = "F.special.xlog1py";
    const b = bindArgs(who, [arg("input", "numberOrTensor"), arg("other", "numberOrTensor")], args, site);
    const [x, y] = [b.input as TensorValue | number, b.other as TensorValue | number];
    if (typeof x === "number" && typeof y === "number") fail("wrongArgumentType", `${who}: at least one of input and other must be a tensor`, site.loc);
    const c = ops(em, who, site);
    const masked = c.op("mul", [c.op("eq", [x, 0]), c.op("where", [c.op("le", [y, -1]), 1, c.op("gt", [y, 3.4028234663852886e38])])]);
    // (+ 0: the zero of x = −0 is +0, as PyTorch's)
    return c.op("add", [c.op("mul", [x, c.op("log1p", [c.op("where", [masked, 0, y])])]), 0]);
  }));
  // the modified Bessel functions i0, i0e, i1, i1e (bessel.ts)
  for (const [name, f] of besselFunctions(em)) members.set(name, f);
  return new NamespaceValue("F.special", members);
}

/** The r-element combinations of positions 0…n−1 (with replacement: non-decreasing), in lexicographic order, as itertools gives them. */
function combinations(n: number, r: number, withReplacement: boolean): number[][] {
  const out: number[][] = [];
  const walk = (from: number, picked: number[]) => {
    if (picked.length === r) return void out.push(picked);
    for (let i = from; i < n; i++) walk(withReplacement ? i : i + 1, [...picked, i]);
  };
  walk(0, []);
  return out;
}
