import { arg, bindArgs } from "./args.ts";
import { ops } from "./composite-ops.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { BuiltinFunction, describe, TensorValue, type CallSite, type Value } from "./values.ts";
import { fail } from "../diagnostics/diagnostic.ts";

// The modified Bessel functions of the first kind, orders 0 and 1, and their exponentially scaled
// forms (torch.i0, torch.special.i0, i0e, i1, i1e), as compositions: two polynomials in Horner's
// form, one select between them. For |x| ≤ 20 the power series
//   I₀(x) = Σₖ tᵏ/(k!)²,   I₁(x) = x/2 · Σₖ tᵏ/(k!(k+1)!),   t = x²/4,
// 36 terms, all positive (no cancellation: float64's precision to 1e-15 relative), written in
// s = t/100 ∈ [0, 1] so that every coefficient 100ᵏ/(k!)² is a normal float32 (1/(k!)² is not
// past k = 20). Above 20 the asymptotic expansion
//   Iᵥ(x) = eˣ/√(2πx) · Σₖ cₖ x⁻ᵏ,   c₀ = 1, cₖ = −cₖ₋₁·(4ν² − (2k − 1)²)/(8k),
// 30 terms; its smallest term is near k = 2x, so at x ≥ 20 the sum is exact to float64's precision.
// The scaled forms multiply the series by e^−|x| and leave eˣ out of the expansion (no overflow).
// Each branch reads x moved into its own range elsewhere (the select computes both, and an ∞ in the
// unused one would make the gradient's 0·∞ a NaN). The gradients are autodiff's of the polynomials:
// I₀′ = I₁ and the rest to the same precision (PyTorch's backward formulas: i1, i0 − i1/x, …).

const SWITCH = 20;
const SERIES_TERMS = 36;
const ASYMPTOTIC_TERMS = 30;
const SCALE = 100;

/** The series coefficients in s = t/SCALE: SCALEᵏ/(k!(k + ν)!). */
const seriesCoefficients = (order: 0 | 1) => {
  const c = [1];
  for (let k = 1; k < SERIES_TERMS; k++) c.push((c[k - 1] * SCALE) / (k * (k + order)));
  return c;
};
/** The asymptotic coefficients cₖ of x⁻ᵏ. */
const asymptoticCoefficients = (order: 0 | 1) => {
  const c = [1];
  for (let k = 1; k < ASYMPTOTIC_TERMS; k++) c.push((-c[k - 1] * (4 * order * order - (2 * k - 1) ** 2)) / (8 * k));
  return c;
};
const COEFFICIENTS = { series: [seriesCoefficients(0), seriesCoefficients(1)], asymptotic: [asymptoticCoefficients(0), asymptoticCoefficients(1)] };

type Composer = ReturnType<typeof ops>;

/** Σ cₖ·vᵏ by Horner's rule (v a closure: each use its own node, one consumer each). */
function horner(c: Composer, coefficients: readonly number[], v: () => TensorValue): TensorValue {
  let p: TensorValue | number = coefficients[coefficients.length - 1];
  for (let k = coefficients.length - 2; k >= 0; k--) p = c.op("add", [c.op("mul", [p, v()]), coefficients[k]]);
  return p as TensorValue;
}

/** I_order(x), or e^−|x|·I_order(x) when scaled. */
function bessel(x: TensorValue, order: 0 | 1, scaled: boolean, c: Composer): TensorValue {
  const small = () => c.op("le", [c.op("abs", [x]), SWITCH]);
  // the series' x: x itself where |x| ≤ 20, else 0
  const xs = () => c.op("where", [small(), x, 0]);
  let series = horner(c, COEFFICIENTS.series[order], () => c.op("mul", [c.op("mul", [xs(), xs()]), 1 / (4 * SCALE)]));
  if (order === 1) series = c.op("mul", [series, c.op("mul", [xs(), 0.5])]);
  if (scaled) series = c.op("mul", [series, c.op("exp", [c.op("neg", [c.op("abs", [xs()])])])]);
  // the expansion's |x|: |x| where |x| > 20, else 21
  const ax = () => c.op("where", [small(), SWITCH + 1, c.op("abs", [x])]);
  let expansion = c.op("div", [horner(c, COEFFICIENTS.asymptotic[order], () => c.op("reciprocal", [ax()])), c.op("sqrt", [c.op("mul", [ax(), 2 * Math.PI])])]);
  if (!scaled) expansion = c.op("mul", [expansion, c.op("exp", [ax()])]);
  // I₁ is odd
  if (order === 1) expansion = c.op("where", [c.op("lt", [x, 0]), c.op("neg", [expansion]), expansion]);
  return c.op("where", [small(), series, expansion]);
}

/** torch.special.i0, i0e, i1, i1e (and torch.i0, x.i0()). */
export function besselFunctions(em: GraphEmitter): [string, BuiltinFunction][] {
  const entry = (name: string, order: 0 | 1, scaled: boolean): [string, BuiltinFunction] => [
    name,
    new BuiltinFunction(`F.special.${name}`, (args: Value[], site: CallSite) => {
      const who = `F.special.${name}`;
      const x: Value = bindArgs(who, [arg("input", "any")], args, site).input;
      if (!(x instanceof TensorValue)) return fail("wrongArgumentType", `${who}: input must be a tensor, got ${describe(x)}`, site.loc);
      return bessel(x, order, scaled, ops(em, who, site));
    }),
  ];
  return [entry("i0", 0, false), entry("i0e", 0, true), entry("i1", 1, false), entry("i1e", 1, true)];
}
