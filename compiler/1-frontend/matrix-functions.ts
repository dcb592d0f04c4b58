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

/** The square-matrix functions as tensor methods and F functions (tensor-queries.ts lists them). */
export const matrixQueries: Record<string, { readonly args: Parameters<typeof bindArgs>[1]; readonly lower: (x: TensorValue, b: unknown, site: CallSite, em: GraphEmitter, who: string) => Value }> = {
  inverse: { args: [], lower: (x, _b, site, em, who) => inverse(x, em, who, site) },
  det: { args: [], lower: (x, _b, site, em, who) => det(x, em, who, site) },
  logdet: { args: [], lower: (x, _b, site, em, who) => logdet(x, em, who, site) },
  slogdet: { args: [], lower: (x, _b, site, em, who) => slogdet(x, em, who, site) },
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
  ];
}

/** torch.qr(A, some=True) (deprecated in PyTorch, still in ports). */
export function torchQr(em: GraphEmitter): BuiltinFunction {
  return qr("F.qr", "some", em);
}
