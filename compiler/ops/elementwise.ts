import { formatShape, type Dim, type Shape, dimEq, shapeEq } from "../ir/shape.ts";
import { erf, map, zipBroadcast } from "../reference/ndarray.ts";
import type { Node } from "../ir/node.ts";
import { defineOp, requireFloat, ShapeError, type GradContext, type OpDef, type OpTraits, type TensorType } from "./op.ts";

// Pointwise ops. Each unary op is its scalar function in float64, as PyTorch defines it;
// binary ops broadcast like PyTorch (align trailing dims; a 1 stretches).

/**
 * A unary pointwise op and its gradient op. `f` is the float64 reference and `cuda` the same
 * function as a C expression of `x`; `df`/`dcuda` are its derivative. The gradient op
 * `<name>_grad(dy, x) = dy · f′(x)` is pointwise too, so it fuses like any other. When f is
 * piecewise linear (f″ = 0 almost everywhere), the gradient op is differentiable in turn: linear
 * in dy and flat in x (compositions use relu_grad as a select, F.softplus's threshold). When
 * f′(x) = f′(f(x)) (relu: [x > 0] = [relu(x) > 0]), the gradient reads the op's output instead of
 * its input (`gradFromOutput`), as PyTorch's threshold_backward does: the input then has no reader
 * in the backward, so in the training step a GEMM's epilogue applies the activation and stores only
 * its result, as in inference.
 */
export function unary<A extends Record<string, number | string>>(
  name: string,
  f: (x: number, a: A) => number,
  cuda: (x: string, a: A) => string,
  df: (x: number, a: A) => number,
  dcuda: (x: string, a: A) => string,
  traits: OpTraits<A> = {},
  piecewiseLinear = false,
  gradFromOutput = false,
  /** The gradient as a select instead of dy·f′(x), where PyTorch's backward selects: 0 there whatever dy is (a NaN or ∞ upstream included). */
  zeroWhere?: { readonly reference: (x: number, a: A) => boolean; readonly cuda: (x: string, a: A) => string },
): [OpDef<A>, OpDef<A>] {
  const forward = defineOp<A>({
    name,
    family: "elementwise",
    traits,
    inputs: ["x"],
    infer: ([x], _, who) => {
      requireFloat(x, who);
      return x;
    },
    reference: ([x], a) => map(x, (v) => f(v, a)),
    codegen: { kind: "pointwise", expr: ([x], a) => cuda(x, a) },
    grad: ({ node, dy, emit }) => [emit(`${name}_grad`, [dy, gradFromOutput ? node : node.inputs[0]], node.attrs)],
  });
  const gradient = defineOp<A>({
    name: `${name}_grad`,
    family: "elementwise",
    inputs: ["dy", "x"],
    infer: ([dy]) => dy,
    reference: ([dy, x], a) => zipBroadcast(dy, x, (g, v) => (zeroWhere?.reference(v, a) ? 0 : g * df(v, a))),
    codegen: { kind: "pointwise", expr: ([dy, x], a) => (zeroWhere ? `(${zeroWhere.cuda(x, a)} ? 0.0f : ${dy} * ${dcuda(x, a)})` : `(${dy} * ${dcuda(x, a)})`) },
    ...(piecewiseLinear ? { grad: ({ node, dy, emit }: GradContext) => [emit(`${name}_grad`, [dy, node.inputs[1]], node.attrs), null] } : {}),
  });
  return [forward, gradient];
}

/**
 * One further derivative f⁽ᵏ⁾ in float64 and as C, and where PyTorch's double backward selects 0
 * (`at::where`, not a product: 0 there whatever the upstream gradient is, NaN included).
 */
type HigherDerivative<A> = readonly [(x: number, a: A) => number, (x: string, a: A) => string, ZeroWhere<A>?];
type ZeroWhere<A> = { readonly reference: (x: number, a: A) => boolean; readonly cuda: (x: string, a: A) => string };

/**
 * A unary op's pair made differentiable again, for gradients taken inside forward with createGraph
 * (compiler/1-frontend/autograd-grad.ts: a PINN's u_x and u_xx, a gradient penalty), which the step's
 * backward then differentiates. The gradient op z = dy·f′(x) gets its own rule: ∂z/∂dy = f′(x), the
 * gradient op again, and ∂z/∂x = dy·f″(x), an op `<name>_grad2(h, x) = h·f″(x)` with h the product of
 * the two upstream gradients; likewise `<name>_grad3`, … for each further derivative given. The last
 * has no rule: a derivative past it is refused (compiler/2-autodiff/backward.ts).
 */
export function withHigherDerivatives<A extends Record<string, number | string>>(
  [forward, gradient]: [OpDef<A>, OpDef<A>],
  second: HigherDerivative<A>,
  ...higher: readonly HigherDerivative<A>[]
): [OpDef<A>, OpDef<A>, ...OpDef<A>[]] {
  const derivatives = [second, ...higher].map(([f, cuda, zeroWhere], k) =>
    defineOp<A>({
      name: `${forward.name}_grad${k + 2}`,
      family: "elementwise",
      inputs: ["h", "x"],
      infer: ([h]) => h,
      reference: ([h, x], a) => zipBroadcast(h, x, (g, v) => (zeroWhere?.reference(v, a) ? 0 : g * f(v, a))),
      codegen: { kind: "pointwise", expr: ([h, x], a) => (zeroWhere ? `(${zeroWhere.cuda(x, a)} ? 0.0f : ${h} * ${cuda(x, a)})` : `(${h} * ${cuda(x, a)})`) },
    }),
  );
  const chain = [gradient, ...derivatives];
  const differentiable = chain.map((op, k): OpDef<A> => {
    const next = chain[k + 1];
    if (!next) return op;
    return {
      ...op,
      grad: ({ node, dy, emit }) => {
        const [upstream, x] = node.inputs;
        return [emit(op.name, [dy, x], node.attrs), emit(next.name, [emit("mul", [dy, upstream]), x], node.attrs)];
      },
    };
  });
  return [forward, differentiable[0], ...differentiable.slice(1)];
}

/** A float literal for generated C: 0.1 → 0.1f, 2 → 2.0f. */
export function cFloat(v: number): string {
  if (Number.isNaN(v)) return "__int_as_float(0x7fc00000)";
  // a finite double past float32's range rounds to ±Infinity, which has no C literal
  const f = Math.fround(v);
  if (!Number.isFinite(f)) return f > 0 ? "__int_as_float(0x7f800000)" : "__int_as_float(0xff800000)";
  // String(-0) is "0": PyTorch's -0.0 keeps its sign (1 / x is −∞)
  if (Object.is(f, -0)) return "-0.0f";
  const s = String(f === v ? v : f);
  return /[.eE]/.test(s) ? `${s}f` : `${s}.0f`;
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const sigmoidOf = (x: number) => 1 / (1 + Math.exp(-x));
/** An activation a biased GEMM may apply in its epilogue; monotone ones also commute with a max pool. */
const activation: OpTraits = { activation: true };
const monotoneActivation: OpTraits = { activation: true, monotone: true };

// relu(NaN) is NaN and its gradient passes there, as PyTorch's (clamp_min keeps a NaN; threshold_backward
// zeroes where x ≤ 0, which a NaN fails); fmaxf(x, 0) would give 0. The gradient is threshold_backward's
// select, x ≤ 0 ? 0 : dy: a dead unit passes 0 even when dy is NaN or ∞ (LPIPS's √Σ relu(x)² at a
// pixel where every channel is dead), where dy·0 would be NaN.
export const [relu, reluGrad] = unary("relu", (x) => (x <= 0 ? 0 : x), (x) => `(${x} <= 0.0f ? 0.0f : ${x})`, (x) => 1, () => "1.0f", { ...monotoneActivation, blasEpilogue: () => "relu" }, true, true, { reference: (x) => x <= 0, cuda: (x) => `${x} <= 0.0f` });
export const [leakyRelu, leakyReluGrad] = unary<{ slope: number }>(
  "leaky_relu",
  (x, a) => (x > 0 ? x : a.slope * x),
  (x, a) => `(${x} > 0.0f ? ${x} : ${cFloat(a.slope)} * ${x})`,
  (x, a) => (x > 0 ? 1 : a.slope),
  (x, a) => `(${x} > 0.0f ? 1.0f : ${cFloat(a.slope)})`,
  // a negative slope makes it decrease for x < 0, so max no longer commutes with it
  { activation: true, monotone: (a) => a.slope >= 0 },
  true,
);
// hardswish as PyTorch's kernel computes it, x·min(max(x + 3, 0), 6)/6: −0 below −3, NaN at −∞ and
// NaN, (x·6)/6 above 3 (not always x; ∞ past FLT_MAX/6). Its gradient is hardswish_backward's
// select: 0 below −3 whatever dy is, dy·(x/3 + ½) up to 3 (−½ at −3, 1.5 at 3), dy above and at
// NaN. One op, not a composition: the selects a composition needs for these values and gradients
// took a Linear → hardswish → Linear training step from 9 kernels to 22 and rounded its gradient
// (g/6)·6.
// Its second derivative is PyTorch's hardswish_backward double backward, where(−3 < x < 3, h/3, 0).
export const [hardswish, hardswishGrad, hardswishGrad2] = withHigherDerivatives(
  unary(
    "hardswish",
    (x) => (x * Math.min(Math.max(x + 3, 0), 6)) / 6,
    (x) => `(${x} * fminf(fmaxf(${x} + 3.0f, 0.0f), 6.0f) / 6.0f)`,
    (x) => (x <= 3 ? x / 3 + 0.5 : 1),
    (x) => `(${x} <= 3.0f ? ${x} / 3.0f + 0.5f : 1.0f)`,
    { activation: true },
    false,
    false,
    { reference: (x) => x < -3, cuda: (x) => `${x} < -3.0f` },
  ),
  [() => 1 / 3, () => "(1.0f / 3.0f)", { reference: (x) => !(x > -3 && x < 3), cuda: (x) => `!(${x} > -3.0f && ${x} < 3.0f)` }],
);
/**
 * Derivatives that are polynomials in the function's own value v: tanh′ = 1 − t², and each next one
 * is (1 − t²)·P′(t); σ′ = s − s², and each next one (s − s²)·Q′(s). The chain from the first
 * derivative's coefficients (lowest power first), up to the `last` derivative, each with its value in
 * float64 and its C expression (Horner's rule in v): a PINN's fourth-order operator (a beam's u_xxxx)
 * takes four derivatives in forward and the step a fifth.
 */
function polynomialDerivatives<A>(first: readonly number[], chain: readonly number[], value: (x: number) => number, valueC: (x: string) => string, last: number): HigherDerivative<A>[] {
  const times = (p: readonly number[], q: readonly number[]) => p.flatMap((a, i) => q.map((b, j) => [i + j, a * b] as const)).reduce((out, [k, v]) => ((out[k] = (out[k] ?? 0) + v), out), [] as number[]);
  const derivative = (p: readonly number[]) => times(p.slice(1).map((a, i) => a * (i + 1)), chain);
  const horner = (p: readonly number[], v: number) => p.reduceRight((acc, c) => acc * v + c, 0);
  const hornerC = (p: readonly number[], v: string) => p.reduceRight((acc, c, i) => (i === p.length - 1 ? cFloat(c) : `(${cFloat(c)} + ${v} * ${acc})`), "");
  const out: HigherDerivative<A>[] = [];
  for (let p = derivative(first), k = 2; k <= last; p = derivative(p), k++) {
    const coefficients = p;
    out.push([(x) => horner(coefficients, value(x)), (x) => hornerC(coefficients, valueC(x))]);
  }
  return out;
}

/** How far the ops whose every derivative has a closed form go: a fifth-order PDE's residual in forward, its gradient in the step. */
const LAST_DERIVATIVE = 8;
/** A cycle of derivatives (sin, cos) or one repeated (exp), from the second to LAST_DERIVATIVE. */
function repeating<A>(cycle: readonly HigherDerivative<A>[], offset: number): HigherDerivative<A>[] {
  return Array.from({ length: LAST_DERIVATIVE - 1 }, (_, k) => cycle[(k + offset) % cycle.length]);
}
type Derivatives<A> = [HigherDerivative<A>, ...HigherDerivative<A>[]];

export const [tanh, tanhGrad, ...tanhHigher] = withHigherDerivatives(
  unary("tanh", Math.tanh, (x) => `tanhf(${x})`, (x) => 1 - Math.tanh(x) ** 2, (x) => `(1.0f - tanhf(${x}) * tanhf(${x}))`, monotoneActivation),
  ...(polynomialDerivatives([1, 0, -1], [1, 0, -1], Math.tanh, (x) => `tanhf(${x})`, LAST_DERIVATIVE) as Derivatives<{}>),
);
export const [sigmoid, sigmoidGrad, ...sigmoidHigher] = withHigherDerivatives(
  unary(
    "sigmoid",
    sigmoidOf,
    (x) => `(1.0f / (1.0f + expf(-${x})))`,
    (x) => sigmoidOf(x) * (1 - sigmoidOf(x)),
    (x) => `(1.0f / (1.0f + expf(-${x})) * (1.0f - 1.0f / (1.0f + expf(-${x}))))`,
    monotoneActivation,
  ),
  ...(polynomialDerivatives([0, 1, -1], [0, 1, -1], sigmoidOf, (x) => `(1.0f / (1.0f + expf(-${x})))`, LAST_DERIVATIVE) as Derivatives<{}>),
);
// silu′(x) = σ(x)·(1 + x·(1 − σ(x)))
export const [silu, siluGrad, siluGrad2] = withHigherDerivatives(
  unary(
    "silu",
    (x) => x * sigmoidOf(x),
    (x) => `(${x} / (1.0f + expf(-${x})))`,
    (x) => sigmoidOf(x) * (1 + x * (1 - sigmoidOf(x))),
    (x) => `(1.0f / (1.0f + expf(-${x})) * (1.0f + ${x} * (1.0f - 1.0f / (1.0f + expf(-${x})))))`,
    activation,
  ),
  [(x) => sigmoidOf(x) * (1 - sigmoidOf(x)) * (2 + x * (1 - 2 * sigmoidOf(x))), (x) => `(1.0f / (1.0f + expf(-${x})) * (1.0f - 1.0f / (1.0f + expf(-${x}))) * (2.0f + ${x} * (1.0f - 2.0f / (1.0f + expf(-${x})))))`],
);
/** approximate "none" is x·Φ(x) with the exact erf; "tanh" is PyTorch's tanh approximation. */
/** gelu′ = Φ(x) + x·φ(x) (exact); the tanh form differentiates its own formula. */
function geluGradOf(x: number, approximate: string): number {
  if (approximate === "tanh") {
    const inner = SQRT_2_OVER_PI * (x + 0.044715 * x ** 3);
    const t = Math.tanh(inner);
    return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x);
  }
  return 0.5 * (1 + erf(x / Math.SQRT2)) + (x * Math.exp(-0.5 * x * x)) / Math.sqrt(2 * Math.PI);
}

/**
 * gelu″: φ(x)·(2 − x²) exact; for the tanh form, with t = tanh(u), u = k(x + c·x³):
 * (1 − t²)·(u′ + ½x·(u″ − 2t·u′²)), u′ = k(1 + 3c·x²), u″ = 6kc·x.
 */
function geluSecondOf(x: number, approximate: string): number {
  if (approximate === "tanh") {
    const t = Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x ** 3));
    const du = SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x);
    const d2u = 6 * SQRT_2_OVER_PI * 0.044715 * x;
    return (1 - t * t) * (du + 0.5 * x * (d2u - 2 * t * du * du));
  }
  return (Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI)) * (2 - x * x);
}

export const [gelu, geluGrad, geluGrad2] = withHigherDerivatives(
  unary<{ approximate: "none" | "tanh" }>(
    "gelu",
    (x, a) =>
      a.approximate === "tanh"
        ? 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)))
        : 0.5 * x * (1 + erf(x / Math.SQRT2)),
    (x, a) =>
      a.approximate === "tanh"
        ? `(0.5f * ${x} * (1.0f + tanhf(0.7978845608028654f * (${x} + 0.044715f * ${x} * ${x} * ${x}))))`
        : `(0.5f * ${x} * (1.0f + erff(${x} * 0.7071067811865476f)))`,
    (x, a) => geluGradOf(x, a.approximate),
    (x, a) =>
      a.approximate === "tanh"
        ? `tsdp_gelu_tanh_grad(${x})`
        : `(0.5f * (1.0f + erff(${x} * 0.7071067811865476f)) + ${x} * expf(-0.5f * ${x} * ${x}) * 0.3989422804014327f)`,
    { ...activation, blasEpilogue: (a) => (a.approximate === "tanh" ? "gelu" : undefined) },
  ),
  [(x, a) => geluSecondOf(x, a.approximate), (x, a) => (a.approximate === "tanh" ? `tsdp_gelu_tanh_grad2(${x})` : `(expf(-0.5f * ${x} * ${x}) * 0.3989422804014327f * (2.0f - ${x} * ${x}))`)],
);
/**
 * A dtype conversion: `from` → `to` elementwise, with no gradient (an integer tensor has none, and
 * rounding to one is piecewise constant).
 */
function conversion(name: string, from: "f32" | "i32", to: "f32" | "i32", convert: (v: number) => number, expr: (x: string) => string): OpDef<{}> {
  const what = from === "i32" ? "an int32" : "a float32";
  return defineOp<{}>({
    name,
    family: "elementwise",
    inputs: ["x"],
    infer: ([x], _, who) => {
      if (x.dtype !== from) throw new ShapeError(`${who} converts ${what} tensor, got ${x.dtype} ${formatShape(x.shape)}`, "dtypeMismatch");
      return { shape: x.shape, dtype: to };
    },
    reference: ([x]) => map(x, convert),
    codegen: { kind: "pointwise", expr: ([x]) => expr(x) },
    grad: () => [null],
  });
}
/**
 * int32 → float32, as PyTorch's x.float() of an integer tensor (argmax's indices, token ids, 0/1
 * masks given as int32). Exact below 2²⁴.
 */
export const toFloat = conversion("to_float", "i32", "f32", (v) => Math.fround(v), (x) => `((float)${x})`);
/**
 * float32 → int32, as PyTorch's x.int() / x.long() of a float tensor: rounded toward zero (token
 * positions computed in float, RoBERTa's `cumsum(mask) * mask + padding_idx`, made indices for an
 * embedding). tsdp's integers are int32; a value outside int32's range gives the nearest end and NaN
 * gives 0, as the GPU's conversion does (PyTorch's CUDA kernels), on either target: a C cast would
 * be undefined there (tsdp_to_int, tsdp_int_of in runtime/harness/device.h). (+ 0 in the
 * reference: an integer has no −0.)
 */
export const toInt = conversion("to_int", "f32", "i32", (v) => (Number.isNaN(v) ? 0 : Math.min(Math.max(Math.trunc(Math.fround(v)), -(2 ** 31)), 2 ** 31 - 1) + 0), (x) => `tsdp_to_int(${x})`);
// linear, so its gradient op is differentiable in turn (a gradient taken in forward with createGraph)
export const [neg, negGrad] = unary("neg", (x) => -x, (x) => `(-${x})`, () => -1, () => "(-1.0f)", {}, true);
export const [exp, expGrad, ...expHigher] = withHigherDerivatives(unary("exp", Math.exp, (x) => `expf(${x})`, Math.exp, (x) => `expf(${x})`), ...(repeating<{}>([[Math.exp, (x) => `expf(${x})`]], 0) as Derivatives<{}>));
export const [log, logGrad, logGrad2] = withHigherDerivatives(unary("log", Math.log, (x) => `logf(${x})`, (x) => 1 / x, (x) => `(1.0f / ${x})`), [(x) => -1 / (x * x), (x) => `(-1.0f / (${x} * ${x}))`]);
// eˣ − 1 and log(1 + x) without the cancellation near 0 (the exponential units, logsigmoid)
export const [expm1, expm1Grad, ...expm1Higher] = withHigherDerivatives(unary("expm1", Math.expm1, (x) => `expm1f(${x})`, Math.exp, (x) => `expf(${x})`), ...(repeating<{}>([[Math.exp, (x) => `expf(${x})`]], 0) as Derivatives<{}>));
export const [log1p, log1pGrad, log1pGrad2] = withHigherDerivatives(unary("log1p", Math.log1p, (x) => `log1pf(${x})`, (x) => 1 / (1 + x), (x) => `(1.0f / (1.0f + ${x}))`), [(x) => -1 / ((1 + x) * (1 + x)), (x) => `(-1.0f / ((1.0f + ${x}) * (1.0f + ${x})))`]);
// sin and cos: positional encodings (PyTorch's sin(pos·ω), cos(pos·ω)) computed in forward
const SIN_CYCLE: HigherDerivative<{}>[] = [
  [Math.sin, (x) => `sinf(${x})`],
  [Math.cos, (x) => `cosf(${x})`],
  [(x) => -Math.sin(x), (x) => `(-sinf(${x}))`],
  [(x) => -Math.cos(x), (x) => `(-cosf(${x}))`],
];
// sin⁽ᵏ⁾ = SIN_CYCLE[k mod 4], cos⁽ᵏ⁾ = SIN_CYCLE[(k + 1) mod 4]
export const [sin, sinGrad, ...sinHigher] = withHigherDerivatives(unary("sin", Math.sin, (x) => `sinf(${x})`, Math.cos, (x) => `cosf(${x})`), ...(repeating(SIN_CYCLE, 2) as Derivatives<{}>));
export const [cos, cosGrad, ...cosHigher] = withHigherDerivatives(unary("cos", Math.cos, (x) => `cosf(${x})`, (x) => -Math.sin(x), (x) => `(-sinf(${x}))`), ...(repeating(SIN_CYCLE, 3) as Derivatives<{}>));
export const [sqrt, sqrtGrad, sqrtGrad2] = withHigherDerivatives(unary("sqrt", Math.sqrt, (x) => `sqrtf(${x})`, (x) => 0.5 / Math.sqrt(x), (x) => `(0.5f / sqrtf(${x}))`), [(x) => -0.25 / (x * Math.sqrt(x)), (x) => `(-0.25f / (${x} * sqrtf(${x})))`]);
// abs′ is sign(x), 0 at 0 and at NaN as in PyTorch ((0 < x) − (x < 0)), in the reference as in the kernel
export const [abs, absGrad] = unary("abs", Math.abs, (x) => `fabsf(${x})`, (x) => (x > 0 ? 1 : x < 0 ? -1 : 0), (x) => `(${x} > 0.0f ? 1.0f : (${x} < 0.0f ? -1.0f : 0.0f))`, {}, true);
/**
 * x^e as PyTorch's pow(Tensor, Scalar) computes it: its kernel sends e = ½, −½, −1, 2, 3 and −2 to
 * sqrt, rsqrt, reciprocal and products, which differ from powf at the signed zeros and infinities
 * (pow(−0, −½) = −∞ and pow(−∞, −½) = NaN through rsqrt, where powf gives +∞ and 0).
 */
const POW_SPECIAL: Readonly<Record<number, { readonly value: (x: number) => number; readonly c: (x: string) => string }>> = {
  1: { value: (x) => x, c: (x) => x },
  2: { value: (x) => x * x, c: (x) => `(${x} * ${x})` },
  3: { value: (x) => x * x * x, c: (x) => `(${x} * ${x} * ${x})` },
  0.5: { value: Math.sqrt, c: (x) => `sqrtf(${x})` },
  [-0.5]: { value: (x) => 1 / Math.sqrt(x), c: (x) => `rsqrtf(${x})` },
  [-1]: { value: (x) => 1 / x, c: (x) => `(1.0f / ${x})` },
  [-2]: { value: (x) => 1 / (x * x), c: (x) => `(1.0f / (${x} * ${x}))` },
};
const powValue = (x: number, e: number): number => (POW_SPECIAL[e] ? POW_SPECIAL[e].value(x) : Math.pow(x, e));
const powExpression = (x: string, e: number): string => (POW_SPECIAL[e] ? POW_SPECIAL[e].c(x) : `powf(${x}, ${cFloat(e)})`);
/** The k-th derivative of x^e: e(e − 1)…(e − k + 1)·x^(e − k), 0 once a factor is (x² has no third). */
const fallingFactorial = (e: number, k: number) => Array.from({ length: k }, (_, i) => e - i).reduce((p, f) => p * f, 1);
const powDerivative = (k: number): HigherDerivative<{ exponent: number }> => [
  (x, a) => (fallingFactorial(a.exponent, k) === 0 ? 0 : fallingFactorial(a.exponent, k) * powValue(x, a.exponent - k)),
  (x, a) => (fallingFactorial(a.exponent, k) === 0 ? "0.0f" : `(${cFloat(fallingFactorial(a.exponent, k))} * ${powExpression(x, a.exponent - k)})`),
];
export const [pow, powGrad, ...powHigher] = withHigherDerivatives(
  unary<{ exponent: number }>(
    "pow",
    (x, a) => powValue(x, a.exponent),
    (x, a) => powExpression(x, a.exponent),
    // e·x^(e−1), the power taken as pow takes it (PyTorch's pow_backward calls pow); x⁰'s derivative
    // is 0 everywhere (0·x⁻¹ would be NaN at 0)
    (x, a) => (a.exponent === 0 ? 0 : a.exponent * powValue(x, a.exponent - 1)),
    (x, a) => (a.exponent === 0 ? "0.0f" : a.exponent === 2 ? `(2.0f * ${x})` : `(${cFloat(a.exponent)} * ${powExpression(x, a.exponent - 1)})`),
  ),
  ...(Array.from({ length: LAST_DERIVATIVE - 1 }, (_, k) => powDerivative(k + 2)) as Derivatives<{ exponent: number }>),
);

/** Broadcasts symbolic shapes; undefined when they do not broadcast. */
export function broadcastShapes(a: Shape, b: Shape): Dim[] | undefined {
  const n = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x === 1) out.push(y);
    else if (y === 1 || dimEq(x, y)) out.push(x);
    else return undefined;
  }
  return out;
}

/**
 * Two float operands broadcast together, as PyTorch broadcasts: the result's type, or a ShapeError
 * naming both shapes `between` (the op's symbol, or "and").
 */
export function broadcastFloats(a: TensorType, b: TensorType, who: string, between: string): TensorType {
  requireFloat(a, who, "left operand");
  requireFloat(b, who, "right operand");
  const shape = broadcastShapes(a.shape, b.shape);
  if (!shape) throw new ShapeError(`${who}: shapes ${formatShape(a.shape)} ${between} ${formatShape(b.shape)} do not broadcast (each trailing dim must be equal or 1)`);
  return { shape, dtype: "f32" };
}

type BinaryGrad = (ctx: GradContext, a: Node, b: Node) => [Node, Node];

function binary(name: string, symbol: string, f: (x: number, y: number) => number, grad: BinaryGrad): OpDef<{}> {
  const codegen = { kind: "pointwise", expr: ([a, b]: readonly string[]) => `(${a} ${symbol} ${b})` } as const;
  return defineOp<{}>({
    name,
    family: "elementwise",
    inputs: ["a", "b"],
    infer: ([a, b], _, who) => broadcastFloats(a, b, who, symbol),
    reference: ([a, b]) => zipBroadcast(a, b, f),
    codegen,
    // each operand's gradient is summed over the dims it was broadcast along
    grad: (ctx) => {
      const [a, b] = ctx.node.inputs;
      const [ga, gb] = grad(ctx, a, b);
      return [ctx.sumTo(ga, a.shape), ctx.sumTo(gb, b.shape)];
    },
  });
}

export const add = binary("add", "+", (x, y) => x + y, ({ dy }) => [dy, dy]);
export const sub = binary("sub", "-", (x, y) => x - y, ({ dy, emit }) => [dy, emit("neg", [dy])]);
export const mul = binary("mul", "*", (x, y) => x * y, ({ dy, emit }, a, b) => [emit("mul", [dy, b]), emit("mul", [dy, a])]);
// ∂(a/b)/∂b = −a/b², written as −(dy/b)·(a/b) to stay in range
export const div = binary("div", "/", (x, y) => x / y, ({ dy, emit, node }, a, b) => {
  const q = emit("div", [dy, b]);
  return [q, emit("neg", [emit("mul", [q, node])])];
});

/**
 * x.detach(): x's value with no gradient behind it (PyTorch's detach; a GAN's fake images for the
 * discriminator's step, a target network's output). The gradient rule gives its input nothing, so
 * autodiff stops here; as a pointwise identity it fuses into its consumer like any other.
 */
export const detach = defineOp<{}>({
  name: "detach",
  family: "elementwise",
  inputs: ["x"],
  infer: ([x]) => x,
  reference: ([x]) => x,
  codegen: { kind: "pointwise", expr: ([x]) => x },
  grad: () => [null],
});

/**
 * A change autograd does not see: PyTorch's `y.data.mul_(2)`, `y.detach().copy_(v)`, an in-place
 * change under torch.no_grad(). The tensor holds the new values, and its gradient flows to what it
 * held before as if nothing had changed, since autograd's graph is the one from before the change
 * (views.ts unrecordedChange): the value of `value`, the identity gradient for `old`, none for
 * `value`. `old + detach(value − old)` would give the same gradient but round the value.
 */
export const unrecorded = defineOp<{}>({
  name: "unrecorded",
  family: "elementwise",
  inputs: ["value", "old"],
  infer: ([value, old], _, who) => {
    if (!shapeEq(value.shape, old.shape) || value.dtype !== old.dtype)
      throw new ShapeError(`${who}: the new value ${value.dtype} ${formatShape(value.shape)} must have the old one's type, ${old.dtype} ${formatShape(old.shape)}`);
    return value;
  },
  reference: ([value]) => value,
  codegen: { kind: "pointwise", expr: ([value]) => value },
  grad: ({ dy }) => [null, dy],
});

/**
 * x / (c·Batch^p): dividing by an element count that may include the batch size. `less`: by
 * max(0, c·Batch^p − less) instead, var's N − correction (0 or below divides by 0, as PyTorch's).
 */
export const divCount = defineOp<{ readonly c: number; readonly p: number; readonly less?: number }>({
  name: "div_count",
  family: "elementwise",
  inputs: ["x"],
  infer: ([x], a, who) => {
    if (a.less !== undefined && !(Number.isInteger(a.less) && a.less >= 0)) throw new ShapeError(`${who}: less must be a whole number ≥ 0, got ${a.less}`, "invalidArgument");
    return x;
  },
  reference: ([x], a, ctx) => map(x, (v) => v / Math.max(0, a.c * Math.pow(ctx.batch, a.p) - (a.less ?? 0))),
  codegen: {
    kind: "pointwise",
    expr: ([x], a) => {
      if (!a.p) return a.less ? `(${x} / ${cFloat(Math.max(0, a.c - a.less))})` : `(${x} * ${cFloat(1 / a.c)})`;
      // c·batch^p: p = 2 where the count is of an in-batch pair matrix's elements (its mean)
      const count = `(float)(${[String(a.c), ...Array(a.p).fill("(size_t)batch")].join(" * ")})`;
      return a.less ? `(${x} / fmaxf(0.0f, ${count} - ${cFloat(a.less)}))` : `(${x} / ${count})`;
    },
  },
  grad: ({ node, dy, emit }) => [emit("div_count", [dy], node.attrs)],
});
