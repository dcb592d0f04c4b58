import { fail, type SourceLoc } from "../diagnostics/diagnostic.ts";
import { dimEq, formatShape, isBatch, type Dim } from "../ir/shape.ts";
import { arg, bindArgs, locOfArg, opt } from "./args.ts";
import { ops } from "./composite-ops.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { vectorNorm } from "./vector-norm.ts";
import { matrixLinalgMembers } from "./matrix-functions.ts";
import { BuiltinFunction, NamespaceValue, TensorValue, type CallSite, type Value } from "./values.ts";

// torch.linalg's norms (vector_norm, norm of vectors, matrix_norm's Frobenius), torch.cross,
// torch.isclose and Tensor.diagonal: compositions of tsdp's ops, each a few lines of PyTorch's
// definitions.

/** dims as a list (a number or a list; null: every dim), normalized against `rank`. */
function dimsOf(d: Value, rank: number, who: string, site: CallSite): number[] | null {
  if (d === null || d === undefined) return null;
  const list = typeof d === "number" ? [d] : Array.isArray(d) && d.every((v) => typeof v === "number") ? (d as number[]) : fail("wrongArgumentType", `${who}: dim is an integer, a list of them or null`, site.loc);
  return list.map((v) => (Number.isInteger(v) && v >= -rank && v < rank ? (v + rank) % rank : fail("invalidArgument", `${who}: dim ${v} is out of range for ${rank} dims`, site.loc)));
}

export function linalgNamespace(em: GraphEmitter): NamespaceValue {
  // torch.linalg.vector_norm(x, ord=2, dim=None, keepdim=False); norm(x, ord=None, dim=None, keepdim=False) of vectors (2, or Frobenius over every dim)
  const vector = (who: string, defaultOrd: Value) =>
    new BuiltinFunction(who, (args, site) => {
      const b = bindArgs(who, [arg("x", "tensor"), opt("ord", "any", defaultOrd, { nullable: true }), opt("dim", "any", null, { nullable: true }), opt("keepdim", "bool", false)], args, site);
      const x: TensorValue = b.x;
      const dims = dimsOf(b.dim, x.node.shape.length, who, site);
      if (who.endsWith(".norm") && dims !== null && dims.length === 2 && b.ord !== null && b.ord !== "fro") return matrixNorm(x, b.ord, dims, b.keepdim, site, em, who, locOfArg(b, "ord", site));
      return vectorNorm(x, b.ord ?? 2, dims, b.keepdim, site, em, who, locOfArg(b, "ord", site));
    });
  // torch.linalg.matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False): Frobenius only
  const matrix = new BuiltinFunction("F.linalg.matrixNorm", (args, site) => {
    const who = "F.linalg.matrixNorm";
    const b = bindArgs(who, [arg("x", "tensor"), opt("ord", "any", "fro"), opt("dim", "any", [-2, -1]), opt("keepdim", "bool", false)], args, site);
    const dims = dimsOf(b.dim, b.x.node.shape.length, who, site);
    if (b.ord !== "fro") return matrixNorm(b.x, b.ord, dims ?? [-2, -1], b.keepdim, site, em, who, locOfArg(b, "ord", site));
    return vectorNorm(b.x, "fro", dims, b.keepdim, site, em, who);
  });
  const members = new Map<string, Value>([
    ["vectorNorm", vector("F.linalg.vectorNorm", 2)],
    ["vector_norm", vector("F.linalg.vectorNorm", 2)],
    ["norm", vector("F.linalg.norm", null)],
    ["matrixNorm", matrix],
    ["matrix_norm", matrix],
    ...matrixLinalgMembers(em),
    // torch.linalg.cross(a, b, dim=-1)
    ["cross", new BuiltinFunction("F.linalg.cross", (args, site) => {
      const b = bindArgs("F.linalg.cross", [arg("input", "tensor"), arg("other", "tensor"), opt("dim", "int", -1)], args, site);
      return cross(b.input, b.other, b.dim, site, em, "F.linalg.cross");
    })],
  ]);
  return new NamespaceValue("F.linalg", members);
}

/**
 * A matrix norm over dims (rows, columns) other than Frobenius: ord 1 / −1 the largest / smallest
 * column sum of |A|, ord ∞ / −∞ the largest / smallest row sum (torch.linalg.matrix_norm); ord 2,
 * −2 and "nuc" need singular values, which tsdp does not compute.
 */
function matrixNorm(x: TensorValue, ord: Value, dims: number[], keepdim: boolean, site: CallSite, em: GraphEmitter, who: string, at: SourceLoc | undefined): TensorValue {
  const c = ops(em, who, site);
  const rank = x.node.shape.length;
  const [rows, cols] = dims.map((d) => (d < 0 ? d + rank : d));
  if (!(ord === 1 || ord === -1 || ord === Infinity || ord === -Infinity))
    return fail("invalidArgument", `${who}: a matrix norm of ord ${typeof ord === "number" ? ord : JSON.stringify(ord)} needs singular values, which tsdp does not compute; "fro", 1, −1, Infinity and −Infinity are supported`, at);
  // ord ±1 sums down each column (over the rows), ±∞ along each row
  const [summed, over] = ord === 1 || ord === -1 ? [rows, cols] : [cols, rows];
  const sums = c.op("sum", [c.op("abs", [x])], { dims: [summed], keepdim: true });
  const extreme = (ord as number) > 0 ? c.op("amax", [sums], { dims: [over], keepdim: true }) : c.op("neg", [c.op("amax", [c.op("neg", [sums])], { dims: [over], keepdim: true })]);
  return keepdim ? extreme : c.reshape(extreme, x.node.shape.filter((_, i) => i !== rows && i !== cols));
}

/**
 * torch.cross(a, b, dim): the cross product of 3-vectors along dim (size 3). Without dim, PyTorch's
 * (deprecated) choice is the first dim of size 3, not the last (torch.linalg.cross's −1): here the
 * first fixed-size one — PyTorch would take the batch where it is first and holds 3 samples.
 */
export function cross(a: TensorValue, b: TensorValue, dimArg: number | null, site: CallSite, em: GraphEmitter, who: string): TensorValue {
  const c = ops(em, who, site);
  const shape = a.node.shape;
  if (dimArg === null) {
    dimArg = shape.findIndex((d) => d === 3);
    if (dimArg < 0) fail("shapeMismatch", `${who}: without dim, PyTorch takes the first dim of size 3, and ${formatShape(shape)} has none`, site.loc);
  }
  const dim = dimArg < 0 ? dimArg + shape.length : dimArg;
  if (formatShape(shape) !== formatShape(b.node.shape)) fail("shapeMismatch", `${who}: both operands must have one shape, got ${formatShape(shape)} and ${formatShape(b.node.shape)}`, site.loc);
  if (dim < 0 || dim >= shape.length || shape[dim] !== 3) fail("shapeMismatch", `${who}: dim ${dimArg} of ${formatShape(shape)} must have size 3`, site.loc);
  const at = (t: TensorValue, i: number) => c.narrow(t, dim, i, 1);
  const term = (i: number, j: number) => c.op("sub", [c.op("mul", [at(a, i), at(b, j)]), c.op("mul", [at(a, j), at(b, i)])]);
  return c.op("concat", [term(1, 2), term(2, 0), term(0, 1)], { dim });
}

/**
 * torch.isclose(a, b, rtol, atol, equal_nan): a = b (equal infinities too), or |a − b| finite and
 * ≤ atol + rtol·|b|, as a 0/1 mask. The error must be finite, as PyTorch's: where b is ±∞ the
 * allowed error is ∞ too, and 1 would be "close" to ∞ (and −∞ to ∞).
 */
export function isclose(a: TensorValue, b: TensorValue, rtol: number, atol: number, equalNan: boolean, site: CallSite, em: GraphEmitter, who: string): TensorValue {
  const c = ops(em, who, site);
  const error = () => c.op("abs", [c.op("sub", [a, b])]);
  const within = c.op("le", [error(), c.op("add", [c.op("mul", [c.op("abs", [b]), rtol]), atol])]);
  const near = c.op("mul", [within, c.op("lt", [error(), Infinity])]);
  // masks are 0/1 floats: "or" is a select, "and" a product
  const or = (p: TensorValue, q: TensorValue) => c.op("where", [p, 1, q]);
  const close = or(c.op("eq", [a, b]), near);
  return equalNan ? or(close, c.op("mul", [c.op("ne", [a, a]), c.op("ne", [b, b])])) : close;
}

/**
 * Tensor.diagonal(offset=0, dim1=0, dim2=1): the elements (i, i + offset) of dims dim1 and dim2,
 * those dims replaced by a last one of the diagonal's length — dim1 and dim2 moved last, joined,
 * and a take at every (m + 1)-th position: a view, as PyTorch's (a change through it shows in x).
 */
/** An in-batch pair matrix [Batch, Batch] (README: In-batch pairs). */
export const isPairMatrix = (shape: readonly Dim[]) => shape.length === 2 && isBatch(shape[0]) && dimEq(shape[0], shape[1]);

/**
 * The main diagonal of an in-batch pair matrix (CPC's Σ diag(log_softmax(z·predᵀ)), a contrastive
 * loss's positives): each sample paired with itself, [Batch] — on a device, the diagonal of its own
 * share's [b, b] block, as a DDP replica computes it. A select by the eq mask of two aranges summed
 * along the row (a take along the pair dim has no kernel); the select keeps an off-diagonal ±∞ out.
 */
export function pairDiagonal(x: TensorValue, c: ReturnType<typeof ops>): TensorValue {
  const [n] = x.node.shape;
  const positions = (shape: Dim[]) => c.reshape(c.op("arange_int", [], { start: 0, step: 1, length: n }), shape);
  const self = c.op("eq", [positions([n, 1]), positions([1, n])]);
  return c.op("sum", [c.op("where", [self, x, 0])], { dims: [1], keepdim: false });
}

export function diagonal(x: TensorValue, offset: number, dim1Arg: number, dim2Arg: number, site: CallSite, em: GraphEmitter, who: string): TensorValue {
  const c = ops(em, who, site);
  const shape = x.node.shape;
  const rank = shape.length;
  const [d1, d2] = [dim1Arg, dim2Arg].map((d) => (d < 0 ? d + rank : d));
  if (d1 === d2 || [d1, d2].some((d) => d < 0 || d >= rank)) fail("invalidArgument", `${who}: dims ${dim1Arg} and ${dim2Arg} must be two different dims of ${formatShape(shape)}`, site.loc);
  if (rank === 2 && offset === 0 && isPairMatrix(shape)) return pairDiagonal(x, c);
  if (isBatch(shape[d1]) || isBatch(shape[d2])) fail("shapeMismatch", `${who}: ${isPairMatrix(shape) ? `diagonal ${offset} of an in-batch pair matrix depends on each device's share of the batch (the main one, offset 0, is each sample with itself)` : `the diagonal of ${formatShape(shape)} would pair samples across the batch, which is split across devices`}`, site.loc);
  const [n, m] = [shape[d1] as number, shape[d2] as number];
  const length = Math.max(0, offset >= 0 ? Math.min(n, m - offset) : Math.min(n + offset, m));
  if (length === 0) fail("invalidArgument", `${who}: diagonal ${offset} of a ${n}×${m} matrix is empty; tsdp's tensors are not empty`, site.loc);
  const rest = shape.map((_, i) => i).filter((i) => i !== d1 && i !== d2);
  const moved = c.op("permute", [x], { perm: [...rest, d1, d2] });
  const flat = c.reshape(moved, [...rest.map((i) => shape[i]), n * m]);
  const start = offset >= 0 ? offset : -offset * m;
  const positions = em.tensor("arange_int", [], { start, step: m + 1, length }, who, site);
  return em.tensor("take", [flat, positions], { dim: rest.length, mode: "vector" }, who, site);
}
