import { dimEq, formatShape, numel } from "../ir/shape.ts";
import { zipBroadcast, type NDArray } from "../reference/ndarray.ts";
import { broadcastShapes, cFloat } from "./elementwise.ts";
import { defineOp, requireFloat, ShapeError, type OpDef, type TensorType } from "./op.ts";

// The losses of one element against one target element: L1, smooth L1, Huber, binary cross
// entropy (on probabilities and on logits), with PyTorch's definitions. Each is one op whose
// kernel is the per-element loss kernel, and two pointwise derivative ops (∂ℓ/∂input, ∂ℓ/∂target)
// that its gradient rule scales by dy; the derivatives are PyTorch's backward formulas, not
// autodiff through a composition, so kinks (|d| = 0, x = 0 for the logit form) get PyTorch's value.

type Reduction = "mean" | "sum" | "none";
type Attrs = { readonly reduction: Reduction; readonly beta?: number; readonly delta?: number };

/** One element's loss and its two partial derivatives, in float64 and as C expressions of x, t. */
interface ElementLoss {
  readonly name: string;
  readonly loss: (x: number, t: number, a: Attrs) => number;
  readonly lossC: (x: string, t: string, a: Attrs) => string;
  readonly dInput: (x: number, t: number, a: Attrs) => number;
  readonly dInputC: (x: string, t: string, a: Attrs) => string;
  readonly dTarget: (x: number, t: number, a: Attrs) => number;
  readonly dTargetC: (x: string, t: string, a: Attrs) => string;
  /** attribute checks (beta ≥ 0), thrown as invalidArgument */
  readonly check?: (a: Attrs, who: string) => void;
  /**
   * The second partial derivatives ℓ_xx, ℓ_xt, ℓ_tt (one left out is 0 everywhere): the derivative
   * ops' own gradients, for a gradient taken in forward with createGraph (double backprop of the loss,
   * MAML's inner step on a regression loss), as PyTorch's double backward formulas give them.
   */
  readonly second: { readonly xx?: Partial2; readonly xt?: Partial2; readonly tt?: Partial2 };
}

/** One second partial derivative of ℓ(x, t), in float64 and as a C expression. */
interface Partial2 {
  readonly f: (x: number, t: number, a: Attrs) => number;
  readonly c: (x: string, t: string, a: Attrs) => string;
}

/** input and target: float, the same shape (F.mseLoss and kin expand shapes that broadcast first, as PyTorch; functional.ts loss). */
function sameShapes(who: string, input: TensorType, target: TensorType): void {
  requireFloat(input, who);
  requireFloat(target, who, "target");
  if (input.shape.length !== target.shape.length || !broadcastShapes(input.shape, target.shape) || !input.shape.every((d, k) => dimEq(d, target.shape[k])))
    throw new ShapeError(`${who} expects input and target of the same shape, got ${formatShape(input.shape)} and ${formatShape(target.shape)}`);
}

function reduced(values: NDArray, r: Reduction): NDArray {
  if (r === "none") return values;
  const s = values.data.reduce((a, b) => a + b, 0);
  return { shape: [], data: Float64Array.of(r === "sum" ? s : s / values.data.length) };
}

function elementLoss(spec: ElementLoss): OpDef<Attrs>[] {
  // h·ℓ_ab(x, t): an upstream gradient h times one second partial, `<loss>_d<a><b>`
  const seconds = Object.entries(spec.second).map(([ab, p]) =>
    defineOp<Attrs>({
      name: `${spec.name}_d${ab}`,
      family: "elementwise",
      inputs: ["h", "input", "target"],
      infer: ([h, x, t], a, who) => {
        sameShapes(who, x, t);
        sameShapes(who, h, x);
        return x;
      },
      reference: ([h, x, t], a) => ({ shape: x.shape, data: x.data.map((u, i) => h.data[i] * p.f(u, t.data[i], a)) }),
      codegen: { kind: "pointwise", expr: ([h, x, t], a) => `(${h} * ${p.c(x, t, a)})` },
    }),
  );
  const partial = (ab: "xx" | "xt" | "tt") => (spec.second[ab] ? `${spec.name}_d${ab}` : undefined);
  // ∂ℓ_x/∂x = ℓ_xx, ∂ℓ_x/∂t = ℓ_xt; ∂ℓ_t/∂x = ℓ_xt, ∂ℓ_t/∂t = ℓ_tt
  const derivative = (suffix: "dinput" | "dtarget", f: ElementLoss["dInput"], c: ElementLoss["dInputC"], ofX: string | undefined, ofT: string | undefined) =>
    defineOp<Attrs>({
      name: `${spec.name}_${suffix}`,
      family: "elementwise",
      inputs: ["input", "target"],
      infer: ([x, t], a, who) => {
        sameShapes(who, x, t);
        return x;
      },
      reference: ([x, t], a) => zipBroadcast(x, t, (u, v) => f(u, v, a)),
      codegen: { kind: "pointwise", expr: ([x, t], a) => c(x, t, a) },
      grad: ({ node, dy, emit }) => [ofX, ofT].map((op) => (op ? emit(op, [dy, ...node.inputs], node.attrs) : null)),
    });
  const loss = defineOp<Attrs>({
    name: spec.name,
    codegen: {
      kind: "kernel",
      builder: "loss",
      loss: { perElement: true, statements: (a) => ["const float xe = input[e];", "const float te = target[e];", `const float loss = ${spec.lossC("xe", "te", a)};`] },
    },
    family: "loss",
    inputs: ["input", "target"],
    infer: ([i, t], a, who) => {
      spec.check?.(a, who);
      sameShapes(who, i, t);
      return { shape: a.reduction === "none" ? i.shape : [], dtype: "f32" };
    },
    reference: ([input, target], a) => reduced(zipBroadcast(input, target, (x, t) => spec.loss(x, t, a)), a.reduction),
    // ∂L/∂input = ∂ℓ/∂x · dy (÷ the element count for "mean"), ∂L/∂target likewise
    grad: ({ node, dy, emit }) => {
      const [input, target] = node.inputs;
      const scaled = (partial: string) => {
        const g = emit("mul", [emit(`${spec.name}_${partial}`, [input, target], node.attrs), dy]);
        return node.attrs.reduction === "mean" ? emit("div_count", [g], { ...numel(input.shape) }) : g;
      };
      return [scaled("dinput"), scaled("dtarget")];
    },
  });
  return [loss, derivative("dinput", spec.dInput, spec.dInputC, partial("xx"), partial("xt")), derivative("dtarget", spec.dTarget, spec.dTargetC, partial("xt"), partial("tt")), ...seconds];
}

/** ℓ_xx = ℓ_tt = k inside the band |x − t| < w, 0 outside, and ℓ_xt = −ℓ_xx: a loss quadratic in d = x − t near 0, linear past w. */
function insideBand(width: (a: Attrs) => number, k: (a: Attrs) => number): ElementLoss["second"] {
  const inside: Partial2 = { f: (x, t, a) => (Math.abs(x - t) < width(a) ? k(a) : 0), c: (x, t, a) => `(fabsf(${x} - ${t}) < ${cFloat(width(a))} ? ${cFloat(k(a))} : 0.0f)` };
  const negated: Partial2 = { f: (x, t, a) => -inside.f(x, t, a), c: (x, t, a) => `(-${inside.c(x, t, a)})` };
  return { xx: inside, xt: negated, tt: inside };
}

const sign = (v: number) => (v > 0 ? 1 : v < 0 ? -1 : 0);
const signC = (v: string) => `(${v} > 0.0f ? 1.0f : (${v} < 0.0f ? -1.0f : 0.0f))`;
const nonNegative = (key: "beta" | "delta", strict: boolean) => (a: Attrs, who: string) => {
  const v = a[key]!;
  if (!(strict ? v > 0 : v >= 0) || !Number.isFinite(v))
    throw new ShapeError(`${who}: ${key} must be ${strict ? "positive" : "non-negative"}, got ${v}`, "invalidArgument");
};

/** ℓ = |x − t|; ∂ℓ/∂x = sign(x − t), 0 at x = t (PyTorch's sgn). */
export const [l1Loss, l1LossDinput, l1LossDtarget, ...l1LossSecond] = elementLoss({
  name: "l1_loss",
  loss: (x, t) => Math.abs(x - t),
  lossC: (x, t) => `fabsf(${x} - ${t})`,
  dInput: (x, t) => sign(x - t),
  dInputC: (x, t) => signC(`(${x} - ${t})`),
  dTarget: (x, t) => -sign(x - t),
  dTargetC: (x, t) => `(-${signC(`(${x} - ${t})`)})`,
  // sgn's derivative is 0 everywhere (PyTorch's sgn backward)
  second: {},
});

/** d = x − t; ℓ = ½d²/β where |d| < β, else |d| − ½β (β = 0: |d|). */
export const [smoothL1Loss, smoothL1LossDinput, smoothL1LossDtarget, ...smoothL1LossSecond] = elementLoss({
  name: "smooth_l1_loss",
  check: nonNegative("beta", false),
  loss: (x, t, a) => {
    const d = Math.abs(x - t);
    return d < a.beta! ? (0.5 * d * d) / a.beta! : d - 0.5 * a.beta!;
  },
  lossC: (x, t, a) => `(fabsf(${x} - ${t}) < ${cFloat(a.beta!)} ? 0.5f * (${x} - ${t}) * (${x} - ${t}) / ${cFloat(a.beta!)} : fabsf(${x} - ${t}) - ${cFloat(0.5 * a.beta!)})`,
  dInput: (x, t, a) => (Math.abs(x - t) < a.beta! ? (x - t) / a.beta! : sign(x - t)),
  dInputC: (x, t, a) => `(fabsf(${x} - ${t}) < ${cFloat(a.beta!)} ? (${x} - ${t}) / ${cFloat(a.beta!)} : ${signC(`(${x} - ${t})`)})`,
  dTarget: (x, t, a) => -(Math.abs(x - t) < a.beta! ? (x - t) / a.beta! : sign(x - t)),
  dTargetC: (x, t, a) => `(-(fabsf(${x} - ${t}) < ${cFloat(a.beta!)} ? (${x} - ${t}) / ${cFloat(a.beta!)} : ${signC(`(${x} - ${t})`)}))`,
  // 1/β where |d| < β, else 0 (β = 0: 0 everywhere, PyTorch's guard against dividing by it)
  second: insideBand((a) => a.beta!, (a) => (a.beta! > 0 ? 1 / a.beta! : 0)),
});

/** d clamped to [−δ, δ], a NaN kept. */
const huberClampC = (d: string, delta: number) => `(${d} < ${cFloat(-delta)} ? ${cFloat(-delta)} : (${d} > ${cFloat(delta)} ? ${cFloat(delta)} : ${d}))`;

/** d = x − t; ℓ = ½d² where |d| < δ, else δ(|d| − ½δ); ∂ℓ/∂x = d clamped to [−δ, δ]. */
export const [huberLoss, huberLossDinput, huberLossDtarget, ...huberLossSecond] = elementLoss({
  name: "huber_loss",
  check: nonNegative("delta", true),
  loss: (x, t, a) => {
    const d = Math.abs(x - t);
    return d < a.delta! ? 0.5 * d * d : a.delta! * (d - 0.5 * a.delta!);
  },
  lossC: (x, t, a) => `(fabsf(${x} - ${t}) < ${cFloat(a.delta!)} ? 0.5f * (${x} - ${t}) * (${x} - ${t}) : ${cFloat(a.delta!)} * (fabsf(${x} - ${t}) - ${cFloat(0.5 * a.delta!)}))`,
  dInput: (x, t, a) => Math.min(a.delta!, Math.max(-a.delta!, x - t)),
  // selects, not fminf/fmaxf: a NaN d stays NaN, as Math.min/max and PyTorch's backward keep it
  dInputC: (x, t, a) => huberClampC(`(${x} - ${t})`, a.delta!),
  dTarget: (x, t, a) => -Math.min(a.delta!, Math.max(-a.delta!, x - t)),
  dTargetC: (x, t, a) => `(-${huberClampC(`(${x} - ${t})`, a.delta!)})`,
  // 1 where |d| < δ, else 0
  second: insideBand((a) => a.delta!, () => 1),
});

/**
 * ℓ = −(t·log x + (1 − t)·log(1 − x)), each log clamped at −100 as PyTorch does (so x = 0 or 1
 * gives a finite loss); x outside [0, 1] gives NaN (PyTorch's CUDA kernel asserts instead).
 * ∂ℓ/∂x = (x − t) / max(x(1 − x), 1e-12), PyTorch's backward with its epsilon.
 */
export const [bceLoss, bceLossDinput, bceLossDtarget, ...bceLossSecond] = elementLoss({
  name: "binary_cross_entropy",
  loss: (x, t) => (x < 0 || x > 1 ? NaN : (t - 1) * Math.max(Math.log1p(-x), -100) - t * Math.max(Math.log(x), -100)),
  lossC: (x, t) => `((${x} < 0.0f || ${x} > 1.0f) ? NAN : (${t} - 1.0f) * fmaxf(log1pf(-${x}), -100.0f) - ${t} * fmaxf(logf(${x}), -100.0f))`,
  dInput: (x, t) => (x - t) / Math.max(x * (1 - x), 1e-12),
  dInputC: (x, t) => `((${x} - ${t}) / fmaxf((1.0f - ${x}) * ${x}, 1e-12f))`,
  dTarget: (x) => Math.max(Math.log1p(-x), -100) - Math.max(Math.log(x), -100),
  dTargetC: (x) => `(fmaxf(log1pf(-${x}), -100.0f) - fmaxf(logf(${x}), -100.0f))`,
  // ℓ_xx = (x² − 2xt + t)/(x(1 − x))², ℓ_xt = −1/(x(1 − x)), each with the backward's epsilon; ℓ is linear in t
  second: {
    xx: {
      f: (x, t) => (x * x - 2 * x * t + t) / Math.max(x * (1 - x), 1e-12) ** 2,
      c: (x, t) => `((${x} * ${x} - 2.0f * ${x} * ${t} + ${t}) / (fmaxf((1.0f - ${x}) * ${x}, 1e-12f) * fmaxf((1.0f - ${x}) * ${x}, 1e-12f)))`,
    },
    xt: { f: (x) => -1 / Math.max(x * (1 - x), 1e-12), c: (x) => `(-1.0f / fmaxf((1.0f - ${x}) * ${x}, 1e-12f))` },
  },
});

/**
 * ℓ = −(t·log σ(x) + (1 − t)·log(1 − σ(x))), computed as max(x, 0) − x·t + log1p(e^(−|x|)), which
 * never overflows; ∂ℓ/∂x = σ(x) − t, ∂ℓ/∂t = −x.
 */
export const [bceWithLogitsLoss, bceWithLogitsLossDinput, bceWithLogitsLossDtarget, ...bceWithLogitsLossSecond] = elementLoss({
  name: "binary_cross_entropy_with_logits",
  loss: (x, t) => Math.max(x, 0) - x * t + Math.log1p(Math.exp(-Math.abs(x))),
  lossC: (x, t) => `(fmaxf(${x}, 0.0f) - ${x} * ${t} + log1pf(expf(-fabsf(${x}))))`,
  dInput: (x, t) => 1 / (1 + Math.exp(-x)) - t,
  dInputC: (x, t) => `(1.0f / (1.0f + expf(-${x})) - ${t})`,
  dTarget: (x) => -x,
  dTargetC: (x) => `(-${x})`,
  // ℓ_xx = σ(x)(1 − σ(x)), ℓ_xt = −1; ℓ is linear in t
  second: {
    xx: { f: (x) => 1 / (1 + Math.exp(-x)) - 1 / (1 + Math.exp(-x)) ** 2, c: (x) => `(1.0f / (1.0f + expf(-${x})) * (1.0f - 1.0f / (1.0f + expf(-${x}))))` },
    xt: { f: () => -1, c: () => "(-1.0f)" },
  },
});
