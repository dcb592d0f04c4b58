import type { Node } from "../ir/node.ts";
import { besselI } from "../reference/bessel.ts";
import { digamma, lgamma, polygamma } from "../reference/gamma.ts";
import { erf, erfc, erfinv, map, zipBroadcast } from "../reference/ndarray.ts";
import { defineOp, requireFloat, type GradContext, type OpDef } from "./op.ts";
import { broadcastFloats, cFloat, withHigherDerivatives, unary } from "./elementwise.ts";

// The rest of PyTorch's pointwise math (torch.rsqrt, torch.erf, torch.tan, …, torch.floor): each a
// float64 reference, the same function in C, and its derivative, as elementwise.ts defines the
// activations. The C side uses CUDA's single-precision functions (rsqrtf, erff, exp2f, …), which
// the CPU target's shim maps to libm; PyTorch's CUDA kernels call the same ones.

const LN2 = Math.LN2;
const LN10 = Math.LN10;

// rsqrt: RMSNorm's x·rsqrt(mean(x²) + ε) (LLaMA, T5). d/dx x^−½ = −½·x^−³ᐟ² = −½·rsqrt(x)/x.
export const [rsqrt, rsqrtGrad, rsqrtGrad2] = withHigherDerivatives(unary("rsqrt", (x) => 1 / Math.sqrt(x), (x) => `rsqrtf(${x})`, (x) => -0.5 / (x * Math.sqrt(x)), (x) => `(-0.5f * rsqrtf(${x}) / ${x})`), [(x) => 0.75 / (x * x * Math.sqrt(x)), (x) => `(0.75f * rsqrtf(${x}) / (${x} * ${x}))`]);
// 1/x; its derivative −(1/x)², as PyTorch's backward (−grad·y²) forms it
export const [reciprocal, reciprocalGrad, reciprocalGrad2] = withHigherDerivatives(unary("reciprocal", (x) => 1 / x, (x) => `(1.0f / ${x})`, (x) => -(1 / x) * (1 / x), (x) => `(-(1.0f / ${x}) * (1.0f / ${x}))`), [(x) => 2 / (x * x * x), (x) => `(2.0f / (${x} * ${x} * ${x}))`]);
// erf: BERT-era GELU written out, 0.5·x·(1 + erf(x/√2)); erf′ = 2/√π·e^(−x²)
export const [erfOp, erfGrad, erfGrad2] = withHigherDerivatives(unary("erf", erf, (x) => `erff(${x})`, (x) => (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x), (x) => `(1.1283791670955126f * expf(-${x} * ${x}))`), [(x) => (-4 / Math.sqrt(Math.PI)) * x * Math.exp(-x * x), (x) => `(-2.2567583341910252f * ${x} * expf(-${x} * ${x}))`]);
// erfc = 1 − erf without its cancellation in the tail (normal tail probabilities, Φ(−x) = ½·erfc(x/√2));
// erfc′ = −2/√π·e^(−x²)
export const [erfcOp, erfcGrad, erfcGrad2] = withHigherDerivatives(unary("erfc", erfc, (x) => `erfcf(${x})`, (x) => (-2 / Math.sqrt(Math.PI)) * Math.exp(-x * x), (x) => `(-1.1283791670955126f * expf(-${x} * ${x}))`), [(x) => (4 / Math.sqrt(Math.PI)) * x * Math.exp(-x * x), (x) => `(2.2567583341910252f * ${x} * expf(-${x} * ${x}))`]);
// erfinv: a uniform made normal (√2·erf⁻¹(2u − 1)); d/dx erf⁻¹ = √π/2·e^(erf⁻¹(x)²)
export const [erfinvOp, erfinvGrad, erfinvGrad2] = withHigherDerivatives(unary("erfinv", erfinv, (x) => `erfinvf(${x})`, (x) => (Math.sqrt(Math.PI) / 2) * Math.exp(erfinv(x) ** 2), (x) => `(0.886226925452758f * expf(erfinvf(${x}) * erfinvf(${x})))`), [(x) => (Math.PI / 2) * erfinv(x) * Math.exp(2 * erfinv(x) ** 2), (x) => `(1.5707963267948966f * erfinvf(${x}) * expf(2.0f * erfinvf(${x}) * erfinvf(${x})))`]);
// The gamma family (negative binomial and Dirichlet likelihoods, torch.special.gammaln/psi): ln|Γ|′ = ψ,
// ψ′ = ψ⁽¹⁾, ψ⁽ⁿ⁾′ = ψ⁽ⁿ⁺¹⁾, as PyTorch's derivatives; the C side is runtime/harness/gamma.h
export const [lgammaOp, lgammaGrad, lgammaGrad2] = withHigherDerivatives(unary("lgamma", lgamma, (x) => `tsdp_lgamma(${x})`, digamma, (x) => `tsdp_digamma(${x})`), [(x) => polygamma(1, x), (x) => `tsdp_polygamma(1, ${x})`]);
export const [digammaOp, digammaGrad, digammaGrad2] = withHigherDerivatives(unary("digamma", digamma, (x) => `tsdp_digamma(${x})`, (x) => polygamma(1, x), (x) => `tsdp_polygamma(1, ${x})`), [(x) => polygamma(2, x), (x) => `tsdp_polygamma(2, ${x})`]);
export const [polygammaOp, polygammaGrad, polygammaGrad2] = withHigherDerivatives(
  unary<{ n: number }>(
    "polygamma",
    (x, a) => polygamma(a.n, x),
    (x, a) => `tsdp_polygamma(${a.n}, ${x})`,
    (x, a) => polygamma(a.n + 1, x),
    (x, a) => `tsdp_polygamma(${a.n + 1}, ${x})`,
  ),
  [(x, a) => polygamma(a.n + 2, x), (x, a) => `tsdp_polygamma(${a.n + 2}, ${x})`],
);

// The modified Bessel functions (torch.i0, torch.special.i0e, i1, i1e), with PyTorch's derivatives:
// I₀′ = I₁, I₁′ = I₀ − I₁/x (½ at 0), (e^−|x|I₀)′ = i1e − sgn(x)·i0e, (e^−|x|I₁)′ = i0e − i1e·(sgn(x) + 1/x)
// (½ at 0); the C side is runtime/harness/bessel.h
const sgn = (x: number) => (x > 0 ? 1 : x < 0 ? -1 : 0);
const cSgn = (x: string) => `((float)(${x} > 0.0f) - (float)(${x} < 0.0f))`;
const [i0Of, i0eOf, i1Of, i1eOf] = [(x: number) => besselI(0, false, x), (x: number) => besselI(0, true, x), (x: number) => besselI(1, false, x), (x: number) => besselI(1, true, x)];
export const [i0Op, i0Grad] = unary("i0", i0Of, (x) => `tsdp_i0(${x})`, i1Of, (x) => `tsdp_i1(${x})`);
export const [i0eOp, i0eGrad] = unary("i0e", i0eOf, (x) => `tsdp_i0e(${x})`, (x) => i1eOf(x) - sgn(x) * i0eOf(x), (x) => `(tsdp_i1e(${x}) - ${cSgn(x)} * tsdp_i0e(${x}))`);
export const [i1Op, i1Grad] = unary("i1", i1Of, (x) => `tsdp_i1(${x})`, (x) => (x === 0 ? 0.5 : i0Of(x) - i1Of(x) / x), (x) => `(${x} == 0.0f ? 0.5f : tsdp_i0(${x}) - tsdp_i1(${x}) / ${x})`);
export const [i1eOp, i1eGrad] = unary(
  "i1e",
  i1eOf,
  (x) => `tsdp_i1e(${x})`,
  (x) => (x === 0 ? 0.5 : i0eOf(x) - i1eOf(x) * (sgn(x) + 1 / x)),
  (x) => `(${x} == 0.0f ? 0.5f : tsdp_i0e(${x}) - tsdp_i1e(${x}) * (${cSgn(x)} + 1.0f / ${x}))`,
);
// torch.special.entr: −x·ln x for x > 0, 0 at 0, −∞ below, NaN kept. Its own op because PyTorch's
// derivative is −(1 + ln x) everywhere (derivatives.yaml): ∞ at 0, NaN below 0, −∞ at ∞ — a
// composition that selects 0 at x ≤ 0 would give 0 there, and a step past an entropy whose
// probabilities underflowed to 0 would go on where PyTorch's does not.
const entropyTerm = (x: number) => (x > 0 ? -x * Math.log(x) : x === 0 ? 0 : x < 0 ? -Infinity : x);
export const [entr, entrGrad] = unary(
  "entr",
  entropyTerm,
  (x) => `(${x} > 0.0f ? -${x} * logf(${x}) : (${x} == 0.0f ? 0.0f : (${x} < 0.0f ? -INFINITY : ${x})))`,
  (x) => -(1 + Math.log(x)),
  (x) => `(-(1.0f + logf(${x})))`,
);
// torch.logit(x, eps): ln(z/(1 − z)), z = x clamped to [eps, 1 − eps] when eps is given (eps < 0:
// none, as ATen's −1 for None; NaN stays NaN). Its own op for PyTorch's logit_backward: without
// eps dy·∞ at 0 and 1 and NaN outside [0, 1] (a composition's log of a quotient gives NaN at 0
// and 1, and a finite slope outside), with eps 0 outside [eps, 1 − eps] whatever dy is.
const logitClamp = (x: number, eps: number) => (eps < 0 ? x : x < eps ? eps : x > 1 - eps ? 1 - eps : x);
const cLogitClamp = (x: string, eps: number) => (eps < 0 ? x : `(${x} < ${cFloat(eps)} ? ${cFloat(eps)} : (${x} > ${cFloat(1 - eps)} ? ${cFloat(1 - eps)} : ${x}))`);
// With createGraph its gradient is PyTorch's infinitely_differentiable_logit_backward, a select of
// dy/(x(1 − x)): the second derivative dy·(2x − 1)/(x(1 − x))² inside [eps, 1 − eps] (or [0, 1]), 0 outside.
export const [logitOp, logitGrad, logitGrad2] = withHigherDerivatives(unary<{ eps: number }>(
  "logit",
  (x, a) => Math.log(logitClamp(x, a.eps) / (1 - logitClamp(x, a.eps))),
  (x, a) => `logf(${cLogitClamp(x, a.eps)} / (1.0f - ${cLogitClamp(x, a.eps)}))`,
  (x, a) => (a.eps < 0 && (x < 0 || x > 1) ? NaN : a.eps < 0 && (x === 0 || x === 1) ? Infinity : 1 / (x * (1 - x))),
  (x, a) =>
    a.eps < 0
      ? `((${x} < 0.0f || ${x} > 1.0f) ? __int_as_float(0x7fc00000) : ((${x} == 0.0f || ${x} == 1.0f) ? __int_as_float(0x7f800000) : 1.0f / (${x} * (1.0f - ${x}))))`
      : `(1.0f / (${x} * (1.0f - ${x})))`,
  {},
  false,
  false,
  { reference: (x, a) => a.eps >= 0 && (x < a.eps || x > 1 - a.eps), cuda: (x, a) => (a.eps >= 0 ? `(${x} < ${cFloat(a.eps)} || ${x} > ${cFloat(1 - a.eps)})` : "false") },
), [
  (x) => (2 * x - 1) / (x * (1 - x)) ** 2,
  (x) => `((2.0f * ${x} - 1.0f) / ((${x} * (1.0f - ${x})) * (${x} * (1.0f - ${x}))))`,
  {
    reference: (x, a) => (a.eps >= 0 ? x < a.eps || x > 1 - a.eps : !(x >= 0 && x <= 1)),
    cuda: (x, a) => (a.eps >= 0 ? `(${x} < ${cFloat(a.eps)} || ${x} > ${cFloat(1 - a.eps)})` : `!(${x} >= 0.0f && ${x} <= 1.0f)`),
  },
]);
export const [exp2, exp2Grad, exp2Grad2] = withHigherDerivatives(unary("exp2", (x) => Math.pow(2, x), (x) => `exp2f(${x})`, (x) => LN2 * Math.pow(2, x), (x) => `(0.6931471805599453f * exp2f(${x}))`), [(x) => LN2 * LN2 * Math.pow(2, x), (x) => `(0.4804530139182014f * exp2f(${x}))`]);
export const [log2, log2Grad, log2Grad2] = withHigherDerivatives(unary("log2", Math.log2, (x) => `log2f(${x})`, (x) => 1 / (x * LN2), (x) => `(1.0f / (${x} * 0.6931471805599453f))`), [(x) => -1 / (x * x * LN2), (x) => `(-1.0f / (${x} * ${x} * 0.6931471805599453f))`]);
export const [log10, log10Grad, log10Grad2] = withHigherDerivatives(unary("log10", Math.log10, (x) => `log10f(${x})`, (x) => 1 / (x * LN10), (x) => `(1.0f / (${x} * 2.302585092994046f))`), [(x) => -1 / (x * x * LN10), (x) => `(-1.0f / (${x} * ${x} * 2.302585092994046f))`]);
export const [tan, tanGrad, tanGrad2] = withHigherDerivatives(unary("tan", Math.tan, (x) => `tanf(${x})`, (x) => 1 + Math.tan(x) ** 2, (x) => `(1.0f + tanf(${x}) * tanf(${x}))`), [(x) => 2 * Math.tan(x) * (1 + Math.tan(x) ** 2), (x) => `(2.0f * tanf(${x}) * (1.0f + tanf(${x}) * tanf(${x})))`]);
export const [sinh, sinhGrad, sinhGrad2] = withHigherDerivatives(unary("sinh", Math.sinh, (x) => `sinhf(${x})`, Math.cosh, (x) => `coshf(${x})`), [Math.sinh, (x) => `sinhf(${x})`]);
export const [cosh, coshGrad, coshGrad2] = withHigherDerivatives(unary("cosh", Math.cosh, (x) => `coshf(${x})`, Math.sinh, (x) => `sinhf(${x})`), [Math.cosh, (x) => `coshf(${x})`]);
// the inverse functions: NaN outside their domains, as PyTorch's (asin(2) is NaN)
export const [asin, asinGrad, asinGrad2] = withHigherDerivatives(unary("asin", Math.asin, (x) => `asinf(${x})`, (x) => 1 / Math.sqrt(1 - x * x), (x) => `rsqrtf(1.0f - ${x} * ${x})`), [(x) => x / (1 - x * x) ** 1.5, (x) => `(${x} * rsqrtf(1.0f - ${x} * ${x}) / (1.0f - ${x} * ${x}))`]);
export const [acos, acosGrad, acosGrad2] = withHigherDerivatives(unary("acos", Math.acos, (x) => `acosf(${x})`, (x) => -1 / Math.sqrt(1 - x * x), (x) => `(-rsqrtf(1.0f - ${x} * ${x}))`), [(x) => -x / (1 - x * x) ** 1.5, (x) => `(-${x} * rsqrtf(1.0f - ${x} * ${x}) / (1.0f - ${x} * ${x}))`]);
export const [atan, atanGrad, atanGrad2] = withHigherDerivatives(unary("atan", Math.atan, (x) => `atanf(${x})`, (x) => 1 / (1 + x * x), (x) => `(1.0f / (1.0f + ${x} * ${x}))`), [(x) => (-2 * x) / (1 + x * x) ** 2, (x) => `(-2.0f * ${x} / ((1.0f + ${x} * ${x}) * (1.0f + ${x} * ${x})))`]);
export const [asinh, asinhGrad, asinhGrad2] = withHigherDerivatives(unary("asinh", Math.asinh, (x) => `asinhf(${x})`, (x) => 1 / Math.sqrt(x * x + 1), (x) => `rsqrtf(${x} * ${x} + 1.0f)`), [(x) => -x / (x * x + 1) ** 1.5, (x) => `(-${x} * rsqrtf(${x} * ${x} + 1.0f) / (${x} * ${x} + 1.0f))`]);
export const [acosh, acoshGrad, acoshGrad2] = withHigherDerivatives(unary("acosh", Math.acosh, (x) => `acoshf(${x})`, (x) => 1 / Math.sqrt(x * x - 1), (x) => `rsqrtf(${x} * ${x} - 1.0f)`), [(x) => -x / (x * x - 1) ** 1.5, (x) => `(-${x} * rsqrtf(${x} * ${x} - 1.0f) / (${x} * ${x} - 1.0f))`]);
export const [atanh, atanhGrad, atanhGrad2] = withHigherDerivatives(unary("atanh", Math.atanh, (x) => `atanhf(${x})`, (x) => 1 / (1 - x * x), (x) => `(1.0f / (1.0f - ${x} * ${x}))`), [(x) => (2 * x) / (1 - x * x) ** 2, (x) => `(2.0f * ${x} / ((1.0f - ${x} * ${x}) * (1.0f - ${x} * ${x})))`]);

/**
 * A piecewise-constant op of a float: its gradient is 0 wherever it is defined, and PyTorch's
 * backward gives 0 everywhere (floor_backward is zeros_like), so it passes no gradient: autodiff
 * stops here as at a comparison, and x's gradient comes from its other uses.
 */
function stepwise(name: string, f: (x: number) => number, cuda: (x: string) => string): OpDef<{}> {
  return defineOp<{}>({
    name,
    family: "elementwise",
    inputs: ["x"],
    infer: ([x], _, who) => {
      requireFloat(x, who);
      return x;
    },
    reference: ([x]) => map(x, f),
    codegen: { kind: "pointwise", expr: ([x]) => cuda(x) },
    grad: () => [null],
  });
}

/** Round half to even, as C's rint in the default rounding mode and PyTorch's torch.round (2.5 → 2, 3.5 → 4). */
function roundHalfEven(v: number): number {
  if (!Number.isFinite(v)) return v;
  const r = Math.round(v);
  return Math.abs(v - Math.trunc(v)) === 0.5 ? 2 * Math.round(v / 2) : r;
}

export const floor = stepwise("floor", Math.floor, (x) => `floorf(${x})`);
export const ceil = stepwise("ceil", Math.ceil, (x) => `ceilf(${x})`);
export const round = stepwise("round", roundHalfEven, (x) => `rintf(${x})`);
export const trunc = stepwise("trunc", Math.trunc, (x) => `truncf(${x})`);
// sign(NaN) is 0 in PyTorch's eager kernels ((0 < x) − (x < 0)); the same comparisons here
export const sign = stepwise("sign", (x) => (x > 0 ? 1 : x < 0 ? -1 : 0), (x) => `(${x} > 0.0f ? 1.0f : (${x} < 0.0f ? -1.0f : 0.0f))`);

/**
 * A function of two float operands that broadcast together (torch.atan2, fmod, remainder, hypot):
 * the float64 reference, the C call, and each operand's gradient, summed over the dims it was
 * broadcast along.
 */
function binaryFunction(name: string, f: (a: number, b: number) => number, cuda: (a: string, b: string) => string, grad: (ctx: GradContext, a: Node, b: Node) => [Node, Node]): OpDef<{}> {
  return defineOp<{}>({
    name,
    family: "elementwise",
    inputs: ["a", "b"],
    infer: ([a, b], _, who) => broadcastFloats(a, b, who, "and"),
    reference: ([a, b]) => zipBroadcast(a, b, f),
    codegen: { kind: "pointwise", expr: ([a, b]) => cuda(a, b) },
    grad: (ctx) => {
      const [a, b] = ctx.node.inputs;
      const [ga, gb] = grad(ctx, a, b);
      return [ctx.sumTo(ga, a.shape), ctx.sumTo(gb, b.shape)];
    },
  });
}

// atan2(a, b): the angle of (b, a); ∂/∂a = b/(a² + b²), ∂/∂b = −a/(a² + b²) (NaN at the origin, as PyTorch's)
export const atan2 = binaryFunction("atan2", Math.atan2, (a, b) => `atan2f(${a}, ${b})`, ({ dy, emit }, a, b) => {
  const r2 = emit("add", [emit("mul", [a, a]), emit("mul", [b, b])]);
  return [emit("div", [emit("mul", [dy, b]), r2]), emit("neg", [emit("div", [emit("mul", [dy, a]), r2])])];
});
// √(a² + b²) without overflow in the squares (hypotf); ∂/∂a = a/hypot, ∂/∂b = b/hypot
export const hypot = binaryFunction("hypot", Math.hypot, (a, b) => `hypotf(${a}, ${b})`, ({ dy, emit, node }, a, b) => [
  emit("div", [emit("mul", [dy, a]), node]),
  emit("div", [emit("mul", [dy, b]), node]),
]);
// C's fmod: a − trunc(a/b)·b, the sign of a (JavaScript's %); ∂/∂a = 1, ∂/∂b = −trunc(a/b), as PyTorch's
export const fmod = binaryFunction("fmod", (a, b) => a % b, (a, b) => `fmodf(${a}, ${b})`, ({ dy, emit }, a, b) => [
  dy,
  emit("neg", [emit("mul", [dy, emit("trunc", [emit("div", [a, b])])])]),
]);
// Python's %: a − (a // b)·b, the sign of b (torch.remainder); ∂/∂b = −(a // b), PyTorch's
// −grad · div(a, b, rounding_mode="floor")
export const remainder = binaryFunction("remainder", pythonMod, (a, b) => `tsdp_remainder(${a}, ${b})`, ({ dy, emit }, a, b) => [
  dy,
  emit("neg", [emit("mul", [dy, emit("floor_divide", [a, b])])]),
]);

/**
 * Python's a // b (torch.floor_divide, div(rounding_mode="floor")), as PyTorch computes it for floats:
 * not floor(a / b), which rounds the quotient before flooring it (−0.3 / 0.1 rounds to −3.0), but
 * (a − fmod(a, b)) / b, one less where fmod(a, b) and b differ in sign, then the nearest whole number,
 * so that a == (a // b)·b + a % b: −0.3 // 0.1 is −4, as −0.3 % 0.1 is 0.1 (c10's div_floor_floating).
 * b = 0 gives a / b (±∞, NaN). Piecewise constant: no gradient, as PyTorch's is 0.
 */
export const floorDivide = defineOp<{}>({
  name: "floor_divide",
  family: "elementwise",
  inputs: ["a", "b"],
  infer: ([a, b], _, who) => broadcastFloats(a, b, who, "//"),
  reference: ([a, b]) => zipBroadcast(a, b, pythonFloorDivide),
  codegen: { kind: "pointwise", expr: ([a, b]) => `tsdp_floor_divide(${a}, ${b})` },
  grad: () => [null, null],
});

/** The bitwise functions of two integers: C's & | ^ and PyTorch's shifts of its int64 integers. */
type BitwiseFn = "and" | "or" | "xor" | "left_shift" | "right_shift";

/**
 * torch.bitwise_and / or / xor / left_shift / right_shift of integer tensors (int32 here, read as
 * float32 as every int32 op: exact while the operands and the result stay within ±2²⁴). & | ^ act on
 * the two's-complement bits (int32's are int64's for such values); a shift is PyTorch's of an int64:
 * a·2ᵇ, and floor(a / 2ᵇ) (arithmetic), a shift by b < 0 or b ≥ 64 giving 0 (left) or a's sign, −1 or 0
 * (right), as aten's lshift/rshift kernels. Integers: no gradient.
 */
export const bitwise = defineOp<{ readonly fn: BitwiseFn }>({
  name: "bitwise",
  family: "elementwise",
  inputs: ["a", "b"],
  infer: ([a, b], _, who) => broadcastFloats(a, b, who, "and"),
  reference: ([a, b], attrs) => zipBroadcast(a, b, (x, y) => bitwiseOf(attrs.fn, x, y)),
  codegen: {
    kind: "pointwise",
    expr: ([a, b], attrs) =>
      attrs.fn === "left_shift" || attrs.fn === "right_shift" ? `tsdp_${attrs.fn}(${a}, ${b})` : `(float)((int)(${a}) ${{ and: "&", or: "|", xor: "^" }[attrs.fn]} (int)(${b}))`,
  },
  grad: () => [null, null],
});

/** The float64 reference of bitwise (JavaScript's & | ^ are int32's, which hold int64's bits within ±2³¹). */
function bitwiseOf(fn: BitwiseFn, a: number, b: number): number {
  if (fn === "and") return a & b;
  if (fn === "or") return a | b;
  if (fn === "xor") return a ^ b;
  const outside = b < 0 || b >= 64;
  if (fn === "left_shift") return outside ? 0 : a * 2 ** b;
  return outside ? (a < 0 ? -1 : 0) : Math.floor(a / 2 ** b);
}

/** The float64 reference of floor_divide: the same steps as tsdp_floor_divide (runtime/harness/device.h). */
function pythonFloorDivide(a: number, b: number): number {
  if (b === 0) return a / b;
  const mod = a % b;
  let div = (a - mod) / b;
  if (mod !== 0 && b < 0 !== mod < 0) div -= 1;
  if (div === 0) return a / b < 0 || Object.is(a / b, -0) ? -0 : 0;
  const floored = Math.floor(div);
  return div - floored > 0.5 ? floored + 1 : floored;
}

// torch.pow(a, b) of two tensors (xPos's scale ** (pos / scale_base)): C's powf. PyTorch's gradients:
// ∂/∂a = b·a^(b−1), 0 where b = 0 (so a = 0 gives 0, not 0·∞); ∂/∂b = a^b·ln a, 0 where a = 0 and
// b ≥ 0 (the limit, where ln 0 would make it NaN)
export const powTensor = binaryFunction("pow_tensor", Math.pow, (a, b) => `powf(${a}, ${b})`, ({ dy, emit, node, constant }, a, b) => {
  const zero = constant(0);
  const da = emit("mul", [dy, emit("mul", [b, emit("pow_tensor", [a, emit("sub", [b, constant(1)])])])]);
  const db = emit("mul", [dy, emit("mul", [node, emit("log", [a])])]);
  return [
    emit("where", [emit("eq", [b, zero]), zero, da]),
    emit("where", [emit("mul", [emit("eq", [a, zero]), emit("ge", [b, zero])]), zero, db]),
  ];
});

/** fmod moved into b's sign where it is not 0: PyTorch's remainder of floats. */
function pythonMod(a: number, b: number): number {
  const r = a % b;
  return r !== 0 && r < 0 !== b < 0 ? r + b : r;
}

/** Whether v's sign bit is set: −0 and a NaN stored negative too, which comparisons cannot see. */
export function signBit(v: number): boolean {
  SIGN_PROBE[0] = v;
  return SIGN_PROBE_BITS[1] >>> 31 === 1;
}
const SIGN_PROBE = new Float64Array(1);
// the high word of a little-endian float64 (every platform Node runs tsdp on)
const SIGN_PROBE_BITS = new Uint32Array(SIGN_PROBE.buffer);

// torch.copysign(a, b): |a| with b's sign bit (−0.0 and a negative NaN count as negative: C's
// copysignf). PyTorch's gradient (derivatives.yaml, copysign_tensor_self_backward): grad·(result/a)
// with the ratio 0 where a = 0 (so a NaN or ∞ upstream still gives NaN there), none to b (zeros_like).
export const copysign = defineOp<{}>({
  name: "copysign",
  family: "elementwise",
  inputs: ["a", "b"],
  infer: ([a, b], _, who) => broadcastFloats(a, b, who, "and"),
  reference: ([a, b]) => zipBroadcast(a, b, (x, y) => (signBit(y) ? -Math.abs(x) : Math.abs(x))),
  codegen: { kind: "pointwise", expr: ([a, b]) => `copysignf(${a}, ${b})` },
  grad: ({ dy, emit, node, constant, sumTo }) => {
    const a = node.inputs[0];
    const ratio = emit("where", [emit("eq", [a, constant(0)]), constant(0), emit("div", [node, a])]);
    return [sumTo(emit("mul", [dy, ratio]), a.shape), null];
  },
});

// torch.signbit(x): 1 where x's sign bit is set (−0.0 included, and a NaN stored negative, as
// C's signbit), a float mask as the comparisons give (select.ts). copysignf(1, x) carries the bit
// where a comparison cannot (−0.0 < 0 is false). Piecewise constant: no gradient, as PyTorch's bool.
export const signbit = defineOp<{}>({
  name: "signbit",
  family: "elementwise",
  inputs: ["x"],
  infer: ([x], _, who) => {
    requireFloat(x, who);
    return x;
  },
  reference: ([x]) => map(x, (v) => (signBit(v) ? 1 : 0)),
  codegen: { kind: "pointwise", expr: ([x]) => `(copysignf(1.0f, ${x}) < 0.0f ? 1.0f : 0.0f)` },
  grad: () => [null],
});
