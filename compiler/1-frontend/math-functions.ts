import { arg, bindArgs, opt, type ArgSpec, type Bound } from "./args.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import type { Node } from "../ir/node.ts";
import { ops, rankedMatmul, softplus } from "./composite-ops.ts";
import { isBatchValue, SymInt, TensorValue, type CallSite, type Value } from "./values.ts";
import { fail } from "../diagnostics/diagnostic.ts";
import { formatShape } from "../ir/shape.ts";
import { writtenAsFloat } from "./float-literals.ts";
import { isBooleanMask } from "./boolean-masks.ts";
import { floatKernelRefusal } from "./int-arithmetic.ts";
import { refuseNumberOperand } from "./pointwise-composites.ts";

// PyTorch's pointwise math, written either way a port has it: x.rsqrt() and torch.rsqrt(x) (F.rsqrt
// here, as tsdp's F holds torch's functions too). One table, so the method and the function agree.
// Each entry is its IR op (ops/elementwise.ts, ops/elementwise-math.ts) or a composition of them.

interface MathFunction {
  /** The arguments after x. */
  readonly args: readonly ArgSpec[];
  readonly lower: (x: TensorValue, b: Bound, site: CallSite, em: GraphEmitter, who: string) => TensorValue;
  /** torch's function takes these arguments before x (torch.polygamma(n, input); x.polygamma(n)). */
  readonly argsFirst?: true;
}

/** A function of x alone: one IR op. */
const op = (name: string): MathFunction => ({ args: [], lower: (x, _b, site, em, who) => em.tensor(name, [x], {}, who, site) });

const mathFunctions: Record<string, MathFunction> = {
  exp: op("exp"),
  log: op("log"),
  sqrt: op("sqrt"),
  rsqrt: op("rsqrt"),
  abs: op("abs"),
  // −mask: PyTorch refuses it (and bool − bool), naming ~ for inverting a mask
  neg: {
    args: [],
    lower: (x, _b, site, em, who) => {
      if (isBooleanMask(x.node)) fail("dtypeMismatch", `${who} of a bool tensor: PyTorch refuses it ("Negation, the \`-\` operator, on a bool tensor is not supported"); to invert a mask write x.logicalNot(), for −1/0 write x.float().neg()`, site.loc);
      return em.tensor("neg", [x], {}, who, site);
    },
  },
  sin: op("sin"),
  cos: op("cos"),
  tan: op("tan"),
  sinh: op("sinh"),
  cosh: op("cosh"),
  asin: op("asin"),
  acos: op("acos"),
  atan: op("atan"),
  asinh: op("asinh"),
  acosh: op("acosh"),
  atanh: op("atanh"),
  erf: op("erf"),
  erfc: op("erfc"),
  erfinv: op("erfinv"),
  // the modified Bessel function I₀ (torch.i0, x.i0(); torch.special's i0e, i1, i1e are in bessel.ts)
  i0: op("i0"),
  exp2: op("exp2"),
  expm1: op("expm1"),
  log1p: op("log1p"),
  log2: op("log2"),
  log10: op("log10"),
  reciprocal: op("reciprocal"),
  floor: op("floor"),
  ceil: op("ceil"),
  trunc: op("trunc"),
  fix: op("trunc"), // torch.fix is torch.trunc
  sign: op("sign"),
  // x.pow(e), torch.pow(x, e): a number exponent (one op with the exponent as an attribute), or a
  // tensor one (pow_tensor, powf of the pair, broadcast)
  pow: {
    args: [arg("exponent", "numberOrTensor", { batchSize: true })],
    lower: (x, b, site, em, who) => {
      // x.pow(x.size(0)): a Python int ≥ 1, so an int x's power stays an int (integerPower of it)
      if (isBatchValue(b.exponent)) {
        const e = em.batchSize(b.exponent, who, site);
        return x.node.dtype === "i32" ? integerPower(x, em.tensor("to_int", [e], {}, who, site), site, em, who) : em.tensor("pow_tensor", [x, e], {}, who, site);
      }
      if (typeof b.exponent === "number") {
        // int ** 2.0 is a float in PyTorch (a float scalar promotes; float-literals.ts): the float base's power
        if (x.node.dtype === "i32" && writtenAsFloat(site, b.exponent)) return em.tensor("pow", [em.tensor("to_float", [x], {}, who, site)], { exponent: b.exponent }, who, site);
        // PyTorch's pow(int tensor, negative int) raises with this message
        if (x.node.dtype === "i32" && Number.isInteger(b.exponent) && b.exponent < 0) fail("invalidArgument", `${who}: Integers to negative integer powers are not allowed (PyTorch's error); write x.float().pow(${b.exponent})`, site.loc);
        return em.tensor("pow", [x], { exponent: b.exponent }, who, site);
      }
      const e = b.exponent as TensorValue;
      return x.node.dtype === "i32" && e.node.dtype === "i32" ? integerPower(x, e, site, em, who) : em.tensor("pow_tensor", [x, e], {}, who, site);
    },
  },
  // torch.square(x) is x.pow(2)
  square: { args: [], lower: (x, _b, site, em, who) => em.tensor("pow", [x], { exponent: 2 }, who, site) },
  // x − trunc(x): keeps x's sign; its gradient is 1 (trunc passes none)
  frac: { args: [], lower: (x, _b, site, em, who) => em.tensor("sub", [x, em.tensor("trunc", [x], {}, who, site)], {}, who, site) },
  // torch.round(x, decimals=d): half to even; with decimals, scaled as PyTorch's kernel scales by
  // 10^|d|: rint(x·10^d)/10^d for d > 0, rint(x/10^−d)·10^−d for d < 0
  round: {
    args: [opt("decimals", "int", 0)],
    lower: (x, b, site, em, who) => {
      if (b.decimals === 0) return em.tensor("round", [x], {}, who, site);
      const scale = () => em.constant(10 ** Math.abs(b.decimals), site);
      const [into, back] = b.decimals > 0 ? ["mul", "div"] : ["div", "mul"];
      return em.tensor(back, [em.tensor("round", [em.tensor(into, [x, scale()], {}, who, site)], {}, who, site), scale()], {}, who, site);
    },
  },
};

/**
 * An int32 tensor to int32 powers, as PyTorch's integer pow (c10's powi): a^b for b ≥ 0; for b < 0
 * 1 where a is 1, ±1 where a is −1 (by b's parity), 0 elsewhere — where powf would give fractions
 * and 0⁻¹ = ∞.
 */
function integerPower(a: TensorValue, b: TensorValue, site: CallSite, em: GraphEmitter, who: string): TensorValue {
  const op = (name: string, ...inputs: (TensorValue | number)[]) => em.tensor(name, inputs.map((i) => (typeof i === "number" ? em.constant(i, site) : i)), {}, who, site);
  const [fa, fb] = [op("to_float", a), op("to_float", b)];
  const odd = op("ne", op("fmod", fb, 2), 0);
  const negative = op("where", op("eq", fa, 1), 1, op("where", op("eq", fa, -1), op("sub", 1, op("mul", odd, 2)), 0));
  return op("to_int", op("where", op("lt", fb, 0), negative, op("pow_tensor", fa, fb)));
}

/**
 * An operand that may be a number (torch.fmod(x, 2)): a constant then; or x.size(0) where the
 * argument takes it (ArgSpec.batchSize): each replica's own batch (factory.ts batch_size).
 */
const operand = (v: Value, em: GraphEmitter, site: CallSite): Node => {
  if (v instanceof TensorValue) return v.node;
  if (isBatchValue(v)) return em.batchSize(v, "x.size(0)", site).node;
  return em.constant(v as number, site);
};

/**
 * A function of x and one other operand, tensor or number, broadcast together: one IR op. The
 * modulos take the batch size too (SimCLR's shifted labels `(arange(b) + 1) % b`), a Python int in
 * PyTorch; it is at least 1, so no modulo by zero.
 */
const withOther = (name: string): MathFunction => {
  const modulo = name === "remainder" || name === "fmod";
  return {
    args: [arg("other", "numberOrTensor", { batchSize: modulo })],
    lower: (x, b, site, em, who) => {
      // an integer modulo a literal 0: PyTorch raises (a tensor's zeros cannot be seen until it runs)
      if (modulo && b.other === 0 && x.node.dtype === "i32") fail("invalidArgument", `${who}: integer modulo by zero (PyTorch raises ZeroDivisionError)`, site.loc);
      return em.tensor(name, [x, operand(b.other, em, site)], {}, who, site);
    },
  };
};

/** v·factor; the factor may be x.size(0) (each replica's own batch), as a Python int scales in PyTorch. */
const scaled = (v: TensorValue | Node, factor: Value, em: GraphEmitter, site: CallSite, who: string): TensorValue | Node =>
  factor === 1 ? v : em.tensor("mul", [v, operand(factor, em, site)], {}, who, site);

/** x + value·(t1 ∘ t2): torch.addcmul (∘ = mul) and addcdiv (∘ = div), as Adam-style updates written out. */
/** β and α of torch.addmm(input, mat1, mat2, *, beta=1, alpha=1) and its kin: keyword-only there. */
const scaleFactors = [opt("beta", "number", 1, { keywordOnly: true, batchSize: true }), opt("alpha", "number", 1, { keywordOnly: true, batchSize: true })];

const addc = (combine: "mul" | "div"): MathFunction => ({
  // torch.addcmul(input, tensor1, tensor2, *, value=1): keyword-only
  args: [arg("tensor1", "tensor"), arg("tensor2", "tensor"), opt("value", "number", 1, { keywordOnly: true, batchSize: true })],
  lower: (x, b, site, em, who) => em.tensor("add", [x, scaled(em.tensor(combine, [b.tensor1, b.tensor2], {}, who, site), b.value, em, site, who)], {}, who, site),
});

/**
 * β·input + α·(m1 @ m2): torch.addmm (2-D, mat1 and mat2) and baddbmm (3-D, batched: PyTorch names
 * them batch1 and batch2, the keywords a port writes).
 */
const addProduct = (name: string, rank: number, [m1, m2]: readonly [string, string]): MathFunction => ({
  args: [arg(m1, "tensor"), arg(m2, "tensor"), ...scaleFactors],
  lower: (x, b, site, em, who) => {
    const product = scaled(rankedMatmul(name, rank, b[m1], b[m2], site, em), b.alpha, em, site, who);
    // beta = 0 ignores input, as PyTorch's (a NaN in it does not propagate)
    return b.beta === 0 ? (product as TensorValue) : em.tensor("add", [scaled(x, b.beta, em, site, who), product], {}, who, site);
  },
});

/**
 * β·input + α·product: torch.addmv (mat @ vec) and addr (the outer product vec1 ⊗ vec2). `product`
 * checks and forms the product; input broadcasts to its shape and no further, as PyTorch expands it
 * to the product's size (a [B, n] input for a vector of n is refused there).
 */
const addVectorProduct = (name: string, operands: readonly [string, string], product: (a: TensorValue, b: TensorValue, c: ReturnType<typeof ops>, site: CallSite, who: string) => TensorValue): MathFunction => ({
  args: [arg(operands[0], "tensor"), arg(operands[1], "tensor"), ...scaleFactors],
  lower: (x, b, site, em, who) => {
    const c = ops(em, who, site);
    const p = product(b[operands[0]], b[operands[1]], c, site, who);
    if (x.node.shape.length > p.node.shape.length) fail("shapeMismatch", `${who}: input ${formatShape(x.node.shape)} must broadcast to the ${name === "addmv" ? "matrix-vector" : "outer"} product's ${formatShape(p.node.shape)} (PyTorch expands it to that size)`, site.loc);
    const scaledProduct = scaled(p, b.alpha, em, site, who) as TensorValue;
    // beta = 0 ignores input, as PyTorch's (a NaN in it does not propagate)
    return b.beta === 0 ? scaledProduct : em.tensor("add", [scaled(x, b.beta, em, site, who), scaledProduct], {}, who, site);
  },
});

const requireRank = (t: TensorValue, rank: number, who: string, what: string, site: CallSite) => {
  if (t.node.shape.length !== rank) fail("shapeMismatch", `${who}: ${what} must be ${rank}-D, got ${formatShape(t.node.shape)}`, site.loc);
};

/** torch.fmax (`wins` ge) and fmin (le): see the table below. */
const nanIgnoringExtremum = (wins: "ge" | "le"): MathFunction => ({
  args: [arg("other", "numberOrTensor")],
  lower: (x, b, site, em, who) => {
    // (clamp is not NaN-ignoring: a number's tensor keeps fmax's meaning)
    refuseNumberOperand(who, [x, b.other], wins === "ge" ? "min" : "max", site, `write F.${who.replace(/^F\./, "")}(x, F.fullLike(x, ${b.other}))`);
    const c = ops(em, who, site);
    const y = () => operand(b.other, em, site);
    return c.op("where", [c.op("ne", [y(), y()]), x, c.op("where", [c.op(wins, [x, y()]), x, y()])]);
  },
});

Object.assign(mathFunctions, {
  atan2: withOther("atan2"),
  arctan2: withOther("atan2"), // torch.arctan2 is torch.atan2
  hypot: withOther("hypot"),
  fmod: withOther("fmod"),
  remainder: withOther("remainder"),
  // log(eˣ + eʸ) = m + softplus(o − m) with m the larger and o the other, never overflowing; its
  // gradient σ(x − y) and σ(y − x), ½ and ½ at x = y, as PyTorch's. An infinite m is the result
  // (o − m is NaN for equal infinities, and −∞ + ∞ where x = −∞ and y = ∞), as PyTorch's.
  logaddexp: {
    args: [arg("other", "numberOrTensor")],
    lower: (x, b, site, em, who) => {
      const c = ops(em, who, site);
      const y = operand(b.other, em, site);
      const larger = () => c.op("ge", [x, y]);
      const m = c.op("where", [larger(), x, y]);
      const o = c.op("where", [larger(), y, x]);
      return c.op("where", [c.op("gt", [c.op("abs", [m]), 3.4028234663852886e38]), m, c.op("add", [m, softplus(c, c.op("sub", [o, m]))])]);
    },
  },
  // torch.fmax / fmin: the larger (smaller), NaN-ignoring: where one operand is NaN the other is
  // taken (NaN where both are). Two selects: where(y ≠ y, x, where(x ≥ y, x, y)), so the gradient
  // goes to x where x ≥ y (x ≤ y) or y is NaN, else to y — a tie's whole gradient to x, as
  // derivatives.yaml's fmax/fmin (not maximum's halves)
  fmax: nanIgnoringExtremum("ge"),
  fmin: nanIgnoringExtremum("le"),
  // x·log(y), 0 where x = 0 (torch.xlogy): x·log(y') with y' = 1 where x = 0 and y ≤ 0, so the value
  // is 0 there (NaN for a NaN y, as PyTorch's), ∂/∂x is log y (0 where x = 0 and y ≤ 0: derivatives.yaml
  // masks it there) and ∂/∂y is x/y'
  xlogy: {
    args: [arg("other", "numberOrTensor")],
    lower: (x, b, site, em, who) => {
      const c = ops(em, who, site);
      const y = operand(b.other, em, site);
      // (and y = ∞: 0·log ∞ would be NaN where xlogy(0, ∞) is 0)
      const masked = c.op("mul", [c.op("eq", [x, 0]), c.op("where", [c.op("le", [y, 0]), 1, c.op("gt", [y, 3.4028234663852886e38])])]);
      // (+ 0: the zero of x = −0 is +0, as PyTorch's xlogy returns it)
      return c.op("add", [c.op("mul", [x, c.op("log", [c.op("where", [masked, 1, y])])]), 0]);
    },
  },
  // torch.logit(x, eps): log(z / (1 − z)) with z = x clamped to [eps, 1 − eps] when eps is given;
  // its op (ops/elementwise-math.ts) has PyTorch's logit_backward (eps −1 for none, as ATen's)
  logit: {
    args: [opt("eps", "number", null, { nullable: true })],
    lower: (x, b, site, em, who) => {
      if (b.eps !== null && !(b.eps >= 0 && b.eps <= 0.5)) fail("invalidArgument", `${who}: eps must be in [0, 0.5], got ${b.eps}`, site.loc);
      return ops(em, who, site).op("logit", [x], { eps: b.eps ?? -1 });
    },
  },
  // torch.lerp(start, end, weight) = start + weight·(end − start)
  lerp: {
    args: [arg("end", "tensor"), arg("weight", "numberOrTensor", { batchSize: true })],
    lower: (x, b, site, em, who) => {
      // lerp_cuda dispatches on floating types: integer or bool start, end or weight raise (int-arithmetic.ts)
      for (const t of [x, b.end, b.weight]) {
        const refused = t instanceof TensorValue ? floatKernelRefusal("lerp", t.node, who) : undefined;
        if (refused) fail("dtypeMismatch", refused, site.loc);
      }
      const c = ops(em, who, site);
      return c.op("add", [x, c.op("mul", [operand(b.weight, em, site), c.op("sub", [b.end, x])])]);
    },
  },
  // the gamma family (ops/elementwise-math.ts): polygamma's order n ≥ 0 (0 is digamma)
  lgamma: op("lgamma"),
  digamma: op("digamma"),
  polygamma: {
    args: [arg("n", "nonNegInt")],
    argsFirst: true,
    lower: (x, b, site, em, who) => (b.n === 0 ? em.tensor("digamma", [x], {}, who, site) : em.tensor("polygamma", [x], { n: b.n }, who, site)),
  },
  // the multivariate log-gamma of dimension p: p(p − 1)/4·ln π + Σᵢ₌₀…ₚ₋₁ ln Γ(x − i/2) (PyTorch
  // raises where an element is ≤ (p − 1)/2, a check of the data; here those elements are +∞ or NaN)
  mvlgamma: {
    args: [arg("p", "posInt")],
    lower: (x, b, site, em, who) => {
      const c = ops(em, who, site);
      let sum = c.op("lgamma", [x]);
      for (let i = 1; i < b.p; i++) sum = c.op("add", [sum, c.op("lgamma", [c.op("sub", [x, i / 2])])]);
      return c.op("add", [sum, (b.p * (b.p - 1) * Math.log(Math.PI)) / 4]);
    },
  },
  addcmul: addc("mul"),
  addcdiv: addc("div"),
  addmm: addProduct("addmm", 2, ["mat1", "mat2"]),
  baddbmm: addProduct("baddbmm", 3, ["batch1", "batch2"]),
  addmv: addVectorProduct("addmv", ["mat", "vec"], (mat, vec, c, site, who) => {
    requireRank(mat, 2, who, "mat", site);
    requireRank(vec, 1, who, "vec", site);
    return c.op("matmul", [mat, vec]);
  }),
  // vec1 ⊗ vec2 as [n, 1]·[1, m]: each element one product, as PyTorch's outer
  addr: addVectorProduct("addr", ["vec1", "vec2"], (u, v, c, site, who) => {
    requireRank(u, 1, who, "vec1", site);
    requireRank(v, 1, who, "vec2", site);
    return c.op("mul", [c.reshape(u, [u.node.shape[0], 1]), c.reshape(v, [1, v.node.shape[0]])]);
  }),
  // torch.copysign(a, b): |a| with b's sign bit (−0.0 negative); integers become floats, as PyTorch promotes them
  copysign: {
    args: [arg("other", "numberOrTensor")],
    lower: (x, b, site, em, who) => {
      const float = (t: Node): Node | TensorValue => (t.dtype === "i32" ? em.tensor("to_float", [t], {}, who, site) : t);
      return em.tensor("copysign", [float(x.node), float(operand(b.other, em, site))], {}, who, site);
    },
  },
  // torch.signbit(x): x's sign bit as a mask (−0.0 and a negative NaN set); an integer's is x < 0
  signbit: {
    args: [],
    lower: (x, _b, site, em, who) => (x.node.dtype === "i32" ? ops(em, who, site).op("lt", [x, 0]) : em.tensor("signbit", [x], {}, who, site)),
  },
} satisfies Record<string, MathFunction>);

export const mathFunctionNames: readonly string[] = Object.keys(mathFunctions);

/** x.name(…) */
export function mathMethod(name: string) {
  const f = mathFunctions[name];
  return (x: TensorValue, args: Value[], site: CallSite, em: GraphEmitter): Value => f.lower(x, bindArgs(name, f.args, args, site), site, em, name);
}

/** F.name(x, …), torch.name's arguments */
export function mathFunction(name: string, em: GraphEmitter) {
  const f = mathFunctions[name];
  const who = `F.${name}`;
  // torch.pow(2, t): a number base with a tensor exponent, the base a 0-dim constant. Named
  // `input` as PyTorch's keyword (torch.polygamma(1, input=x) → F.polygamma(1, { input: x })).
  const input = arg("input", name === "pow" ? "numberOrTensor" : "tensor", { batchSize: name === "pow" });
  const specs = f.argsFirst ? [...f.args, input] : [input, ...f.args];
  return (args: Value[], site: CallSite): Value => {
    const b = bindArgs(who, specs, args, site);
    // torch.pow(number, tensor) takes one of them a tensor; of two numbers it raises (TypeError)
    if (!(b.input instanceof TensorValue) && !(b.exponent instanceof TensorValue) && (isBatchValue(b.input) || isBatchValue(b.exponent)))
      fail("wrongArgumentType", `${who}: one of input and exponent must be a tensor (PyTorch's torch.pow takes no two numbers); for the batch size write F.full([], x.size(0)) as the tensor`, site.loc);
    // torch.pow(x.size(0), t): the batch size (a Python int) as the base; an int t's power is an int
    if (isBatchValue(b.input)) {
      const base = em.batchSize(b.input, who, site);
      const e = b.exponent as TensorValue;
      return e.node.dtype === "i32" ? integerPower(em.tensor("to_int", [base], {}, who, site), e, site, em, who) : em.tensor("pow_tensor", [base, e], {}, who, site);
    }
    if (typeof b.input === "number") {
      if (typeof b.exponent === "number") return b.input ** b.exponent;
      return em.tensor("pow_tensor", [em.constant(b.input, site), b.exponent], {}, who, site);
    }
    return f.lower(b.input, b, site, em, who);
  };
}
