// The gamma family in float64 for the reference interpreter: ln|Γ(x)| (torch.lgamma), ψ(x)
// (torch.digamma) and ψ⁽ⁿ⁾(x) (torch.polygamma). runtime/harness/gamma.h is the float C side; both
// follow the same math, with PyTorch's values at the poles:
//   lgamma: +∞ at 0 and the negative integers;
//   digamma: −∞ at +0 (+∞ at −0), NaN at the negative integers, and for x < 0 the reflection
//     ψ(x) = ψ(1 − x) − π / tan(π·frac(x)) (frac: tan of the fractional part keeps its digits);
//   polygamma n ≥ 1: (−1)ⁿ⁺¹·n!·ζ(n + 1, x), the Hurwitz zeta summed term by term until x + k ≥ 10,
//     then its Euler–Maclaurin tail — the terms make a negative non-integer x work, and a pole
//     (x + k = 0) gives ±∞, as Cephes' zeta, which PyTorch calls, gives.

/** Lanczos' approximation (g = 7, 9 terms): |error| ≈ 1e-15 relative over x ≥ 0.5. */
const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
  9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln|Γ(x)|. */
export function lgamma(x: number): number {
  if (Number.isNaN(x)) return x;
  if (!Number.isFinite(x)) return Infinity;
  if (x <= 0 && Number.isInteger(x)) return Infinity;
  // reflection: Γ(x)·Γ(1 − x) = π / sin(πx)
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0];
  const t = z + LANCZOS_G + 0.5;
  for (let i = 1; i < LANCZOS.length; i++) a += LANCZOS[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** B₂ₖ/(2k) for k = 1…7: ψ(x) ~ ln x − 1/(2x) − Σ B₂ₖ/(2k·x²ᵏ) for large x. */
const DIGAMMA_TAIL = [1 / 12, -1 / 120, 1 / 252, -1 / 240, 1 / 132, -691 / 32760, 1 / 12];

/** ψ(x) = d/dx ln Γ(x). */
export function digamma(x: number): number {
  if (x === 0) return Object.is(x, -0) ? Infinity : -Infinity;
  if (Number.isNaN(x)) return x;
  if (x < 0) {
    if (x === Math.trunc(x)) return NaN;
    return digamma(1 - x) - Math.PI / Math.tan(Math.PI * (x - Math.trunc(x)));
  }
  let shift = 0;
  while (x < 10) {
    shift -= 1 / x;
    x += 1;
  }
  if (!Number.isFinite(x)) return x;
  const z = 1 / (x * x);
  let tail = 0;
  for (let k = DIGAMMA_TAIL.length - 1; k >= 0; k--) tail = tail * z + DIGAMMA_TAIL[k];
  return shift + Math.log(x) - 0.5 / x - tail * z;
}

/** B₂ⱼ/(2j)! for j = 1…8: the Euler–Maclaurin tail of the Hurwitz zeta. */
const ZETA_TAIL = [1 / 12, -1 / 720, 1 / 30240, -1 / 1209600, 1 / 47900160, -691 / 1307674368000, 1 / 74724249600, -3617 / 10670622842880000];

/** ζ(s, x) = Σₖ (x + k)^−s for an integer s ≥ 2. */
function hurwitzZeta(s: number, x: number): number {
  // a pole: x a non-positive integer (−∞ included), Cephes' +∞
  if (x <= 0 && x === Math.floor(x)) return Infinity;
  let sum = 0;
  let z = x;
  while (z < 10) {
    sum += 1 / z ** s;
    z += 1;
  }
  if (!Number.isFinite(z)) return sum;
  // ∫ + ½·f(z) + Σ B₂ⱼ/(2j)!·(s)₂ⱼ₋₁·z^(−s−2j+1), (s)ₘ the rising factorial s(s + 1)…(s + m − 1)
  let tail = z ** (1 - s) / (s - 1) + 0.5 * z ** -s;
  let rising = s;
  let power = z ** (-s - 1);
  for (let j = 0; j < ZETA_TAIL.length; j++) {
    tail += ZETA_TAIL[j] * rising * power;
    rising *= (s + 2 * j + 1) * (s + 2 * j + 2);
    power /= z * z;
  }
  return sum + tail;
}

/** ψ⁽ⁿ⁾(x), the n-th derivative of ψ (n = 0: ψ itself). */
export function polygamma(n: number, x: number): number {
  if (n === 0) return digamma(x);
  if (Number.isNaN(x)) return x;
  let factorial = 1;
  for (let i = 2; i <= n; i++) factorial *= i;
  return (n % 2 === 1 ? 1 : -1) * factorial * hurwitzZeta(n + 1, x);
}
