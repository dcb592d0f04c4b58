// Square matrices in float64 for the reference interpreter: the inverse, the determinant's sign
// and log|det| (torch.linalg.inv / slogdet), and the QR factorization a constructor may draw an
// orthogonal weight with (Glow's `torch.qr(torch.randn(C, C))`).
//
// The inverse and the determinant come from one Gauss–Jordan elimination with partial pivoting,
// the pivot of column k the first row i ≥ k of largest |a[i][k]| (LAPACK's getrf and idamax: the
// rows below k are updated exactly as an LU factorization updates them, so the pivots are LU's).
// The CUDA kernel (templates/kernels/matrix_pivot.cu.hbs) runs the same steps in float:
//   log|det| = Σ log|pivot|, sign = Π sign(pivot) · (−1)^(row swaps);
//   a zero pivot (a singular matrix): log|det| = −∞, sign 0 (PyTorch's), and an inverse of NaNs —
//   PyTorch raises there; a kernel cannot stop the step, so the NaNs report it (detectNonFinite).

export interface Elimination {
  /** The inverse, row-major n×n (NaN everywhere when singular). */
  readonly inverse: Float64Array;
  readonly logAbsDet: number;
  readonly sign: number;
}

/** Gauss–Jordan elimination of the n×n matrix at `a[offset…]`, in place on a copy. */
export function eliminate(a: ArrayLike<number>, offset: number, n: number): Elimination {
  const m = Float64Array.from({ length: n * n }, (_, i) => a[offset + i]);
  const swaps: number[] = [];
  let logAbsDet = 0;
  let sign = 1;
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(m[i * n + k]) > Math.abs(m[p * n + k])) p = i;
    const pivot = m[p * n + k];
    if (pivot === 0) return { inverse: new Float64Array(n * n).fill(NaN), logAbsDet: -Infinity, sign: 0 };
    if (p !== k) {
      for (let j = 0; j < n; j++) [m[k * n + j], m[p * n + j]] = [m[p * n + j], m[k * n + j]];
      sign = -sign;
    }
    swaps.push(p);
    logAbsDet += Math.log(Math.abs(pivot));
    if (pivot < 0) sign = -sign;
    // in place: row k becomes row k of the inverse so far, the others lose column k
    const inv = 1 / pivot;
    for (let j = 0; j < n; j++) m[k * n + j] = j === k ? inv : m[k * n + j] * inv;
    for (let i = 0; i < n; i++) {
      if (i === k) continue;
      const f = m[i * n + k];
      for (let j = 0; j < n; j++) m[i * n + j] = j === k ? -f * inv : m[i * n + j] - f * m[k * n + j];
    }
  }
  // a row swap of A is a column swap of A⁻¹: undone in reverse order
  for (let k = n - 1; k >= 0; k--) {
    const p = swaps[k];
    if (p !== k) for (let i = 0; i < n; i++) [m[i * n + k], m[i * n + p]] = [m[i * n + p], m[i * n + k]];
  }
  return { inverse: m, logAbsDet, sign };
}

/**
 * The QR factorization of the m×n matrix at `a[offset…]` by Householder reflections, as LAPACK's
 * geqrf + orgqr (torch.linalg.qr, mode "reduced"): each reflection maps column k's tail x to
 * β·e₁ with β = −sign(x₀)·‖x‖ (so R's diagonal may be negative, as PyTorch's), and a column whose
 * tail below the diagonal is already zero is left alone (τ = 0). Q is m×k, R k×n, k = min(m, n).
 */
export function householderQr(a: ArrayLike<number>, offset: number, rows: number, cols: number): { q: Float64Array; r: Float64Array } {
  const k = Math.min(rows, cols);
  const r = Float64Array.from({ length: rows * cols }, (_, i) => a[offset + i]);
  const vs: Float64Array[] = [];
  const taus: number[] = [];
  for (let c = 0; c < k; c++) {
    let tail = 0;
    for (let i = c + 1; i < rows; i++) tail += r[i * cols + c] ** 2;
    const alpha = r[c * cols + c];
    const v = new Float64Array(rows);
    if (tail === 0) {
      vs.push(v);
      taus.push(0);
      continue;
    }
    const norm = Math.sqrt(alpha * alpha + tail);
    const beta = alpha >= 0 ? -norm : norm;
    const tau = (beta - alpha) / beta;
    const scale = 1 / (alpha - beta);
    v[c] = 1;
    for (let i = c + 1; i < rows; i++) v[i] = r[i * cols + c] * scale;
    // R ← (I − τ·v·vᵀ)·R on the columns from c
    for (let j = c; j < cols; j++) {
      let s = 0;
      for (let i = c; i < rows; i++) s += v[i] * r[i * cols + j];
      s *= tau;
      for (let i = c; i < rows; i++) r[i * cols + j] -= s * v[i];
    }
    for (let i = c + 1; i < rows; i++) r[i * cols + c] = 0;
    vs.push(v);
    taus.push(tau);
  }
  // Q = H₀·H₁·…·H_{k−1} applied to the first k columns of the identity, from the last reflection
  const q = new Float64Array(rows * k);
  for (let i = 0; i < k; i++) q[i * k + i] = 1;
  for (let c = k - 1; c >= 0; c--) {
    const v = vs[c];
    const tau = taus[c];
    if (tau === 0) continue;
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let i = c; i < rows; i++) s += v[i] * q[i * k + j];
      s *= tau;
      for (let i = c; i < rows; i++) q[i * k + j] -= s * v[i];
    }
  }
  const rr = new Float64Array(k * cols);
  for (let i = 0; i < k; i++) for (let j = 0; j < cols; j++) rr[i * cols + j] = r[i * cols + j];
  return { q, r: rr };
}
