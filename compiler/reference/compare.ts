// How a compiled result is compared with the float64 reference interpreter's, per tensor, element
// by element (the fuzzer, fuzz/check.ts, and the verification of tuning files and kernel
// overrides, compiler/tuning/verify.ts, use the same comparison and tolerances):
//   |got − want| ≤ atol·max(max|want|, floor) + rtol·|want| + K·noise + K·|want − want₃₂| + K·2⁻²³·Σ|terms|
// want₃₂: the reference run with every op's result rounded to fp32 (how far fp32 storage moves the
// result through the chain after it); noise: how far the compiled result moved when its inputs
// moved by one fp32 ulp; terms: for a sum, Σ|terms| of what it sums (rounding proportional to the
// terms, not to the result). fuzz/check.ts says where each term comes from.

/** Forward outputs and the loss. */
export const FORWARD = { rtol: 1e-4, atol: 1e-5 };
/** Gradients: a backward is a longer chain of fp32 sums than the forward. */
export const GRADIENT = { rtol: 1e-3, atol: 1e-4 };

/** A tensor's scale is at least this share of the largest of its kind (outputs, buffers, gradients). */
export const FLOOR = 1e-3;
/** How many times fp32 storage's effect on a result (want − want₃₂) the compiled result may differ by. */
export const K = 8;

/** fp32's unit roundoff. */
export const ULP32 = 2 ** -23;

export const maxAbs = (a: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
};

/**
 * The first element outside tolerance, or undefined. `floor`: the least scale the atol is taken of;
 * `rounded`: the reference with fp32 storage (want₃₂), whose distance from `want` widens it.
 */
export function compare(got: ArrayLike<number>, want: ArrayLike<number>, tol: { rtol: number; atol: number }, floor = 0, rounded?: ArrayLike<number>, noise = 0, terms?: ArrayLike<number>): string | undefined {
  if (got.length !== want.length) return `${got.length} values, the reference has ${want.length}`;
  const atol = tol.atol * Math.max(maxAbs(want), floor, 1e-30) + K * noise;
  for (let i = 0; i < want.length; i++) {
    const spread = (rounded ? K * Math.abs(want[i] - rounded[i]) : 0) + (terms ? K * ULP32 * terms[i] : 0);
    const ok = Math.abs(got[i] - want[i]) <= atol + tol.rtol * Math.abs(want[i]) + spread;
    if (!ok || Number.isNaN(got[i]) !== Number.isNaN(want[i]))
      return `element ${i} is ${got[i]}, the reference says ${want[i]} (${rounded ? `${rounded[i]} with fp32 storage; ` : ""}rtol ${tol.rtol}, atol ${tol.atol}·scale${noise ? ` + ${K}·noise` : ""} = ${atol.toExponential(2)}${spread ? `, + ${K}·(|want − want₃₂|${terms ? " + 2⁻²³·Σ|terms|" : ""}) = ${spread.toExponential(2)}` : ""})`;
  }
  return undefined;
}

export const largestOf = (arrays: Iterable<ArrayLike<number>>) => Math.max(0, ...[...arrays].map(maxAbs));
