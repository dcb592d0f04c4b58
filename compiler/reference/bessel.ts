// The modified Bessel functions of the first kind, orders 0 and 1, and their exponentially scaled
// forms (torch.i0, torch.special.i0e, i1, i1e) in float64 for the reference interpreter.
// runtime/harness/bessel.h is the float C side; both follow the same math:
//   |x| ≤ 20: the power series Iᵥ(x) = (x/2)ᵛ Σₖ tᵏ/(k!(k + ν)!), t = x²/4, all terms positive (no
//     cancellation), summed until a term no longer changes the sum;
//   |x| > 20: the asymptotic expansion Iᵥ(x) = e^|x|/√(2π|x|) · Σₖ cₖ|x|⁻ᵏ (sign(x) for ν = 1),
//     c₀ = 1, cₖ = −cₖ₋₁·(4ν² − (2k − 1)²)/(8k); its smallest term is near k = 2|x|, so past 20 it
//     is exact to float64's precision by k = 30.
// Within 1e-13 relative of the integrals (1/π)∫₀^π e^{x cos θ} cos(νθ) dθ at |x| ≤ 700
// (test/torch-extras-more.test.ts). ±∞ gives I = ±∞ (I₀: +∞) and the scaled forms ±0, as Cephes'.

const SWITCH = 20;

/** Iᵥ(x), or e^−|x|·Iᵥ(x) when scaled. */
export function besselI(order: 0 | 1, scaled: boolean, x: number): number {
  if (Number.isNaN(x)) return x;
  const ax = Math.abs(x);
  const sign = order === 1 && x < 0 ? -1 : 1;
  if (ax === Infinity) return scaled ? sign * 0 : sign * Infinity;
  if (ax <= SWITCH) {
    const t = (x * x) / 4;
    let term = 1;
    let sum = 1;
    for (let k = 1; k < 60; k++) {
      term *= t / (k * (k + order));
      const next = sum + term;
      if (next === sum) break;
      sum = next;
    }
    const value = order === 1 ? (x / 2) * sum : sum;
    return scaled ? value * Math.exp(-ax) : value;
  }
  const mu = 4 * order * order;
  let term = 1;
  let sum = 1;
  for (let k = 1; k < 30; k++) {
    term *= -(mu - (2 * k - 1) ** 2) / (8 * k * ax);
    sum += term;
  }
  const value = (sign * sum) / Math.sqrt(2 * Math.PI * ax);
  // e^|x| split in two past 709 would still overflow the product: I is +∞ there, as PyTorch's double
  return scaled ? value : value * Math.exp(ax);
}
