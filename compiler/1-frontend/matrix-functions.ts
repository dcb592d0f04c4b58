import { fail } from "../diagnostics/diagnostic.ts";
import { formatShape } from "../ir/shape.ts";
import { arg, bindArgs, opt } from "./args.ts";
import { ops } from "./composite-ops.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { BuiltinFunction, describe, ObjectValue, StaticTensor, TensorValue, type CallSite, type Value } from "./values.ts";

// torch.linalg's square-matrix functions (Glow's invertible 1×1 convolution and its log-determinant,
// a Gaussian's precision matrix, a linear solve): inv, slogdet and the sign of det are the ops of
// ops/linalg.ts, one Gauss–Jordan elimination each; the rest are compositions of them, each a line
// of PyTorch's definitions:
//   det(A)    = sign · exp(log|det A|)           (0 where A is singular: sign 0, log|det| −∞)
//   logdet(A) = log|det A| where det > 0, NaN where det < 0, −∞ where det = 0
//   solve(A, B) = A⁻¹·B (left), B·A⁻¹ (left=False); a B of A's leading dims with one fewer dim, or
//     1-D, is a stack of vectors, as torch.linalg.solve reads it
// and QR's Q of a random draw in a constructor (Glow's `q, _ = torch.qr(torch.randn(C, C))`) is
// an orthogonal initial value (nn.init.orthogonal_ is that QR), drawn from the runtime's seed.

type Lower = (a: TensorValue, em: GraphEmitter, who: string, site: CallSite) => Value;

const slogdet: Lower = (a, em, who, site) => {
  const c = ops(em, who, site);
  const sign = c.op("det_sign", [a]);
  const logabsdet = c.op("logabsdet", [a]);
  return new ObjectValue(new Map<string, Value>([["sign", sign], ["logabsdet", logabsdet], ["0", sign], ["1", logabsdet]]));
};

const det: Lower = (a, em, who, site) => {
  const c = ops(em, who, site);
  return c.op("mul", [c.op("det_sign", [a]), c.op("exp", [c.op("logabsdet", [a])])]);
};

const logdet: Lower = (a, em, who, site) => {
  const c = ops(em, who, site);
  // log(−1) is the NaN of a negative determinant (a constant cannot be NaN)
  const nanWhereNegative = c.op("log", [c.op("where", [c.op("lt", [c.op("det_sign", [a]), 0]), -1, 1])]);
  return c.op("add", [c.op("logabsdet", [a]), nanWhereNegative]);
};

const inverse: Lower = (a, em, who, site) => ops(em, who, site).op("inverse", [a]);

/**
 * torch.linalg.matrix_power(A, n): the identity (of A's shape) for n = 0, A⁻¹'s power for n < 0,
 * else products by PyTorch's binary decomposition of n (its order of products, so its rounding):
 * z runs through A, A², A⁴, … and the result takes the product with z at each set bit of n.
 */
function matrixPower(a: TensorValue, power: number, em: GraphEmitter, who: string, site: CallSite): TensorValue {
  const shape = a.node.shape;
  const [rows, cols] = shape.slice(-2);
  if (shape.length < 2 || typeof rows !== "number" || rows !== cols) fail("shapeMismatch", `${who} expects square matrices [..., n, n], got ${formatShape(shape)}`, site.loc);
  const c = ops(em, who, site);
  if (power === 0) return c.op("expand", [em.tensor("eye", [], { n: rows, m: rows }, who, site)], { shape });
  const base = power < 0 ? c.op("inverse", [a]) : a;
  let [n, z, result] = [Math.abs(power), undefined as TensorValue | undefined, undefined as TensorValue | undefined];
  while (n > 0) {
    const bit = n % 2;
    n = Math.floor(n / 2);
    z = z ? c.op("matmul", [z, z]) : base;
    if (bit === 1) result = result ? c.op("matmul", [result, z]) : z;
  }
  // a new tensor at n = 1 too (PyTorch's clone: an in-place change of it leaves A as it was)
  return new TensorValue(result!.node);
}

/** The square-matrix functions as tensor methods and F functions (tensor-queries.ts lists them). */
export const matrixQueries: Record<string, { readonly args: Parameters<typeof bindArgs>[1]; readonly lower: (x: TensorValue, b: unknown, site: CallSite, em: GraphEmitter, who: string) => Value }> = {
  inverse: { args: [], lower: (x, _b, site, em, who) => inverse(x, em, who, site) },
  det: { args: [], lower: (x, _b, site, em, who) => det(x, em, who, site) },
  logdet: { args: [], lower: (x, _b, site, em, who) => logdet(x, em, who, site) },
  slogdet: { args: [], lower: (x, _b, site, em, who) => slogdet(x, em, who, site) },
  matrixPower: { args: [arg("n", "int")], lower: (x, b, site, em, who) => matrixPower(x, (b as { n: number }).n, em, who, site) },
};

/** torch.linalg.solve(A, B, left=True). */
function solve(args: Value[], site: CallSite, em: GraphEmitter): TensorValue {
  const who = "F.linalg.solve";
  const b = bindArgs(who, [arg("A", "tensor"), arg("B", "tensor"), opt("left", "bool", true)], args, site);
  const c = ops(em, who, site);
  const [A, B]: TensorValue[] = [b.A, b.B];
  const inv = c.op("inverse", [A]);
  const as = A.node.shape;
  const bs = B.node.shape;
  // PyTorch: B is a (stack of) vector(s) when 1-D, or when it has A's leading dims and one fewer dim
  const vector = bs.length === 1 || (bs.length === as.length - 1 && bs.every((d, i) => d === as[i]));
  if (!b.left) {
    if (vector) fail("shapeMismatch", `${who}: with left=False, B is a matrix or a stack of them [..., k, n], got ${formatShape(bs)}`, site.loc);
    return c.op("matmul", [B, inv]);
  }
  if (!vector) return c.op("matmul", [inv, B]);
  return c.reshape(c.op("matmul", [inv, c.reshape(B, [...bs, 1])]), bs);
}

/**
 * torch.linalg.qr(A, mode="reduced") → (Q, R), torch.qr(A, some=True). Of a constant: both factors
 * (ops/linalg.ts qr, computed when the model is built). Of a random draw F.randn(m, n) in a
 * constructor: Q only, as the orthogonal initial value that draw's QR is (R is left out: a port
 * that keeps it, `const [q, r] = …`, finds r undefined where it uses it).
 */
function qr(who: string, modeArg: "mode" | "some", em: GraphEmitter): BuiltinFunction {
  return new BuiltinFunction(who, (args, site) => {
    const b = bindArgs(who, [arg("A", "any"), modeArg === "mode" ? opt("mode", "string", "reduced", { choices: ["reduced", "complete", "r"] }) : opt("some", "bool", true)], args, site);
    const A: Value = b.A;
    const shape = A instanceof StaticTensor ? A.shape : A instanceof TensorValue ? A.node.shape : fail("wrongArgumentType", `${who}: expects a tensor, got ${describe(A)}`, site.loc);
    const [m, n] = shape.slice(-2);
    const reduced = modeArg === "mode" ? b.mode !== "complete" : b.some === true;
    if (!reduced && !(typeof m === "number" && typeof n === "number" && m <= n))
      fail("invalidArgument", `${who}: the complete factorization of ${formatShape(shape)} (more rows than columns) is not supported; the reduced one (mode="reduced", some=True) is`, site.loc);
    if (A instanceof StaticTensor) {
      if (shape.length !== 2 || A.init.kind !== "normal" || (A.init.mean ?? 0) !== 0 || b.mode === "r")
        fail("unsupportedSyntax", `${who} of a random draw in a constructor: tsdp takes Q of F.randn(m, n) (zero-mean normal draws) as an orthogonal initial value, drawn from the runtime's seed; this draw (${A.init.kind}, ${formatShape(shape)}) is not one`, site.loc);
      const [rows, cols] = A.shape;
      const q = new StaticTensor([rows, Math.min(rows, cols)], { kind: "orthogonal", gain: 1 });
      return new ObjectValue(new Map<string, Value>([["Q", q], ["0", q]]));
    }
    const c = ops(em, who, site);
    const R = c.op("qr", [A as TensorValue], { factor: "r" });
    // mode "r": R alone, Q an empty tensor in PyTorch
    if (b.mode === "r") return new ObjectValue(new Map<string, Value>([["R", R], ["1", R]]));
    const Q = c.op("qr", [A as TensorValue], { factor: "q" });
    return new ObjectValue(new Map<string, Value>([["Q", Q], ["R", R], ["0", Q], ["1", R]]));
  });
}

/**
 * torch.linalg.multi_dot([A, B, …, Z]): A·B·…·Z, two or more matrices, the first may be a 1-D row
 * vector and the last a 1-D column vector (their dims dropped from the result, as PyTorch's).
 * Multiplied left to right; PyTorch picks the cheapest order, the same product up to rounding.
 */
function multiDot(args: Value[], site: CallSite, em: GraphEmitter): TensorValue {
  const who = "F.linalg.multiDot";
  const list: Value = bindArgs(who, [arg("tensors", "any")], args, site).tensors;
  if (!Array.isArray(list) || list.length < 2 || !list.every((t) => t instanceof TensorValue)) return fail("wrongArgumentType", `${who} takes an array of two or more tensors, got ${describe(list)}`, site.loc);
  const ts = list as TensorValue[];
  const c = ops(em, who, site);
  ts.forEach((t, i) => {
    const rank = t.node.shape.length;
    const vectorOk = i === 0 || i === ts.length - 1;
    if (!(rank === 2 || (rank === 1 && vectorOk)))
      fail("shapeMismatch", `${who}: tensor ${i} must be 2-D${vectorOk ? " or 1-D" : ""} (only the first and last may be vectors), got ${formatShape(t.node.shape)}`, site.loc);
  });
  const [first, last] = [ts[0], ts[ts.length - 1]];
  const rowVector = first.node.shape.length === 1;
  const columnVector = last.node.shape.length === 1;
  const mats = ts.map((t, i) => (i === 0 && rowVector ? c.reshape(t, [1, t.node.shape[0]]) : i === ts.length - 1 && columnVector ? c.reshape(t, [t.node.shape[0], 1]) : t));
  let product = mats[0];
  for (const m of mats.slice(1)) product = c.op("matmul", [product, m]);
  const [rows, cols] = product.node.shape;
  return rowVector && columnVector ? c.reshape(product, []) : rowVector ? c.reshape(product, [cols]) : columnVector ? c.reshape(product, [rows]) : product;
}

/** torch.linalg.vecdot(x, y, dim=-1): Σ x·y along dim, x and y broadcast together (real tensors: no conjugate). */
function vecdot(args: Value[], site: CallSite, em: GraphEmitter): TensorValue {
  const who = "F.linalg.vecdot";
  const b = bindArgs(who, [arg("x", "tensor"), arg("y", "tensor"), opt("dim", "int", -1)], args, site);
  const c = ops(em, who, site);
  const product = c.op("mul", [b.x, b.y]);
  const rank = product.node.shape.length;
  if (!(b.dim >= -rank && b.dim < rank)) fail("invalidArgument", `${who}: dim ${b.dim} is out of range for ${formatShape(product.node.shape)}`, site.loc);
  return c.op("sum", [product], { dims: [(b.dim + rank) % rank], keepdim: false });
}

/** torch.linalg's members defined here, for linalg.ts's namespace. */
export function matrixLinalgMembers(em: GraphEmitter): [string, Value][] {
  const fn = (name: string, lower: Lower) =>
    new BuiltinFunction(`F.linalg.${name}`, (args, site) => lower(bindArgs(`F.linalg.${name}`, [arg("A", "tensor")], args, site).A, em, `F.linalg.${name}`, site));
  return [
    ["inv", fn("inv", inverse)],
    ["det", fn("det", det)],
    ["slogdet", fn("slogdet", slogdet)],
    ["solve", new BuiltinFunction("F.linalg.solve", (args, site) => solve(args, site, em))],
    ["qr", qr("F.linalg.qr", "mode", em)],
    ["matrixPower", new BuiltinFunction("F.linalg.matrixPower", (args, site) => {
      const b = bindArgs("F.linalg.matrixPower", [arg("A", "tensor"), arg("n", "int")], args, site);
      return matrixPower(b.A, b.n, em, "F.linalg.matrixPower", site);
    })],
    ["multiDot", new BuiltinFunction("F.linalg.multiDot", (args, site) => multiDot(args, site, em))],
    ["vecdot", new BuiltinFunction("F.linalg.vecdot", (args, site) => vecdot(args, site, em))],
  ];
}

/** torch.qr(A, some=True) (deprecated in PyTorch, still in ports). */
export function torchQr(em: GraphEmitter): BuiltinFunction {
  return qr("F.qr", "some", em);
}
