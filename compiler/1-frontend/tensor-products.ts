import { fail } from "../diagnostics/diagnostic.ts";
import { formatShape, isBatch, type Dim } from "../ir/shape.ts";
import { arg, bindArgs, locOfArg, opt } from "./args.ts";
import { ops } from "./composite-ops.ts";
import { pad } from "./composite-layers.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { BuiltinFunction, describe, TensorValue, type CallSite, type Value } from "./values.ts";

// torch's products and integrals that ports reach for, as compositions of movement, broadcast
// products, matmul and sums (so the kernels, autodiff and the reference see ordinary ops):
//   kron(a, b)[i·m + k, j·n + l] = a[i, j]·b[k, l]   (KronA adapters; any equal rank)
//   block_diag(A, B, …)                               (the blocks on the diagonal, zeros elsewhere)
//   tensordot(a, b, dims)                             (the named dims contracted: a permuted matmul)
//   trapezoid(y, x | dx, dim)                         (Σ (x_{i+1} − x_i)·(y_i + y_{i+1})/2)
//   heaviside(x, values)                              (0 below 0, values at 0, 1 above; no gradient, as PyTorch's)

type C = ReturnType<typeof ops>;

const fixedShape = (t: TensorValue, who: string, what: string, site: CallSite): number[] => {
  if (t.node.shape.some(isBatch)) fail("shapeMismatch", `${who}: ${what} ${formatShape(t.node.shape)} has the batch, which is split across devices; ${who} takes fixed-size tensors (parameters, tables)`, site.loc);
  return t.node.shape as number[];
};

/** kron(a, b): a's and b's dims interleaved, broadcast together, then each pair merged. */
function kron(c: C, a: TensorValue, b: TensorValue, who: string, site: CallSite): TensorValue {
  let sa = fixedShape(a, who, "input", site);
  let sb = fixedShape(b, who, "other", site);
  // the lower rank padded with leading 1s, as PyTorch's
  const rank = Math.max(sa.length, sb.length);
  sa = [...Array<number>(rank - sa.length).fill(1), ...sa];
  sb = [...Array<number>(rank - sb.length).fill(1), ...sb];
  const ai = c.reshape(a, sa.flatMap((d) => [d, 1]));
  const bi = c.reshape(b, sb.flatMap((d) => [1, d]));
  return c.reshape(c.op("mul", [ai, bi]), sa.map((d, i) => d * sb[i]));
}

/** block_diag(t0, t1, …): 2-D blocks (0-D and 1-D ones as rows) on the diagonal, zeros elsewhere. */
function blockDiag(c: C, em: GraphEmitter, tensors: TensorValue[], who: string, site: CallSite): TensorValue {
  const blocks = tensors.map((t) => {
    const s = fixedShape(t, who, "a block", site);
    if (s.length > 2) fail("shapeMismatch", `${who} takes tensors of at most 2 dims, got ${formatShape(s)}`, site.loc);
    return s.length === 2 ? t : c.reshape(t, [1, s.length === 1 ? s[0] : 1]);
  });
  const widths = blocks.map((t) => t.node.shape[1] as number);
  const total = widths.reduce((p, w) => p + w, 0);
  // each block's rows padded with zeros left and right to the whole width (F.pad's constant mode)
  let before = 0;
  const rows = blocks.map((t, i) => {
    const row = pad({ x: t, pad: [before, total - before - widths[i]], mode: "constant", value: 0 }, site, em, who);
    before += widths[i];
    return row;
  });
  return rows.length === 1 ? rows[0] : c.op("concat", rows, { dim: 0 });
}

/** tensordot(a, b, dims): dims n (a's last n with b's first n) or two lists; a's free dims, then b's. */
function tensordot(c: C, a: TensorValue, b: TensorValue, dims: Value, who: string, site: CallSite): TensorValue {
  const sa = a.node.shape;
  const sb = b.node.shape;
  const norm = (d: number, rank: number, which: string) => {
    const at = d < 0 ? d + rank : d;
    if (!Number.isInteger(at) || at < 0 || at >= rank) fail("invalidArgument", `${who}: dim ${d} is out of range for ${which} of ${rank} dims`, site.loc);
    return at;
  };
  let da: number[];
  let db: number[];
  if (typeof dims === "number") {
    if (!Number.isInteger(dims) || dims < 0 || dims > sa.length || dims > sb.length) fail("invalidArgument", `${who}: dims ${dims} is more than the tensors' ranks (${sa.length} and ${sb.length})`, site.loc);
    da = Array.from({ length: dims }, (_, i) => sa.length - dims + i);
    db = Array.from({ length: dims }, (_, i) => i);
  } else if (Array.isArray(dims) && dims.length === 2 && dims.every((l) => Array.isArray(l) || typeof l === "number")) {
    const list = (l: Value) => (Array.isArray(l) ? l : [l]) as number[];
    da = list(dims[0]).map((d) => norm(d, sa.length, "input"));
    db = list(dims[1]).map((d) => norm(d, sb.length, "other"));
    if (da.length !== db.length) fail("invalidArgument", `${who}: the two dim lists must be as long, got ${da.length} and ${db.length}`, site.loc);
  } else return fail("wrongArgumentType", `${who}: dims is a number or two lists of dims ([[2], [0]]), got ${describe(dims)}`, site.loc);
  const contracted = da.map((d, i) => {
    if (isBatch(sa[d]) || isBatch(sb[db[i]]) || sa[d] !== sb[db[i]])
      fail("shapeMismatch", `${who}: contracted dims must match and be fixed, got ${formatShape([sa[d]])} (input dim ${d}) and ${formatShape([sb[db[i]]])} (other dim ${db[i]})`, site.loc);
    return sa[d] as number;
  });
  const freeA = sa.map((_, i) => i).filter((i) => !da.includes(i));
  const freeB = sb.map((_, i) => i).filter((i) => !db.includes(i));
  const k = contracted.reduce((p, d) => p * d, 1);
  const count = (shape: readonly Dim[], idx: number[]): Dim => {
    const batch = idx.map((i) => shape[i]).find(isBatch);
    const fixed = idx.map((i) => shape[i]).filter((d): d is number => typeof d === "number").reduce((p, d) => p * d, 1);
    return batch ? { batch: batch.batch * fixed } : fixed;
  };
  const identity = (perm: number[]) => perm.every((p, i) => p === i);
  const pa = [...freeA, ...da];
  const pb = [...db, ...freeB];
  const am = c.reshape(identity(pa) ? a : c.permute(a, pa), [count(sa, freeA), k]);
  const bm = c.reshape(identity(pb) ? b : c.permute(b, pb), [k, count(sb, freeB)]);
  return c.reshape(c.op("matmul", [am, bm]), [...freeA.map((i) => sa[i]), ...freeB.map((i) => sb[i])]);
}

/** trapezoid(y, x | dx, dim): Σ over dim of (x_{i+1} − x_i)·(y_i + y_{i+1})/2, or dx·(…) for even spacing. */
function trapezoid(c: C, y: TensorValue, x: Value, dx: number, dimArg: number, who: string, site: CallSite): TensorValue {
  const shape = y.node.shape;
  const dim = dimArg < 0 ? dimArg + shape.length : dimArg;
  if (dim < 0 || dim >= shape.length) fail("invalidArgument", `${who}: dim ${dimArg} is out of range for ${formatShape(shape)}`, site.loc);
  const n = shape[dim];
  if (isBatch(n)) return fail("shapeMismatch", `${who}: dim ${dimArg} of ${formatShape(shape)} is the batch; integrate along a fixed-size dim`, site.loc);
  if (n < 2) return c.op("sum", [c.op("mul", [y, 0])], { dims: [dim], keepdim: false });
  const pairs = c.op("add", [c.narrow(y, dim, 1, n - 1), c.narrow(y, dim, 0, n - 1)]);
  let weighted: TensorValue;
  if (x instanceof TensorValue) {
    // x along the same dim (1-D: the spacing shared by every row)
    const xd = x.node.shape.length === 1 ? 0 : x.node.shape.length - shape.length + dim;
    const m = x.node.shape[xd];
    if (m !== n) fail("shapeMismatch", `${who}: x has ${formatShape([m])} points along the dim, y ${formatShape([n])}`, site.loc);
    let gaps = c.op("sub", [c.narrow(x, xd, 1, n - 1), c.narrow(x, xd, 0, n - 1)]);
    if (x.node.shape.length === 1 && shape.length > 1) gaps = c.reshape(gaps, shape.map((d, i) => (i === dim ? n - 1 : 1)));
    weighted = c.op("mul", [pairs, gaps]);
  } else weighted = c.op("mul", [pairs, dx]);
  return c.op("mul", [c.op("sum", [weighted], { dims: [dim], keepdim: false }), 0.5]);
}

/** torch.kron, block_diag, tensordot, trapezoid (and trapz), heaviside. */
export function productFunctions(em: GraphEmitter): [string, BuiltinFunction][] {
  const f = (name: string, body: (args: Value[], site: CallSite, who: string, c: C) => Value): [string, BuiltinFunction] => [
    name,
    new BuiltinFunction(`F.${name}`, (args, site) => body(args, site, `F.${name}`, ops(em, `F.${name}`, site))),
  ];
  const integral = (name: string) =>
    f(name, (args, site, who, c) => {
      // trapezoid(y, x=None, *, dx=None, dim=-1); a number second argument is dx (trapz(y, dx=…) positional in old code)
      const b = bindArgs(who, [arg("y", "tensor"), opt("x", "any", null, { nullable: true }), opt("dx", "number", null, { nullable: true }), opt("dim", "int", -1)], args, site);
      if (b.x !== null && !(b.x instanceof TensorValue) && typeof b.x !== "number") fail("wrongArgumentType", `${who}: x is a tensor of sample points, got ${describe(b.x)}`, locOfArg(b, "x", site));
      if (b.x instanceof TensorValue && b.dx !== null) fail("invalidArgument", `${who}: pass x or dx, not both`, site.loc);
      return trapezoid(c, b.y, b.x instanceof TensorValue ? b.x : null, typeof b.x === "number" ? b.x : (b.dx ?? 1), b.dim, who, site);
    });
  return [
    f("kron", (args, site, who, c) => {
      const b = bindArgs(who, [arg("input", "tensor"), arg("other", "tensor")], args, site);
      return kron(c, b.input, b.other, who, site);
    }),
    f("blockDiag", (args, site, who, c) => {
      if (args.length === 0 || !args.every((t) => t instanceof TensorValue)) fail("wrongArgumentType", `${who} takes tensors (F.blockDiag(a, b, …), or ...list), got ${args.length === 0 ? "none" : describe(args.find((t) => !(t instanceof TensorValue)))}`, site.loc);
      return blockDiag(c, em, args as TensorValue[], who, site);
    }),
    f("tensordot", (args, site, who, c) => {
      const b = bindArgs(who, [arg("a", "tensor"), arg("b", "tensor"), opt("dims", "any", 2)], args, site);
      return tensordot(c, b.a, b.b, b.dims, who, site);
    }),
    integral("trapezoid"),
    integral("trapz"),
    f("heaviside", (args, site, who, c) => {
      const b = bindArgs(who, [arg("input", "tensor"), arg("values", "numberOrTensor")], args, site);
      // 1 above 0, values at 0, 0 below: piecewise constant, no gradient (PyTorch's has none either)
      const x = b.input as TensorValue;
      return c.op("where", [c.op("eq", [x, 0]), b.values, c.op("gt", [x, 0])]);
    }),
  ];
}
