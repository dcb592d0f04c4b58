// A minimal float64 n-d array for the reference interpreter: row-major, contiguous, no views.
// Speed does not matter here; being obviously right does. Integer tensors (class indices)
// are stored as exact integers in the same Float64Array.

export interface NDArray {
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function nd(shape: readonly number[], data?: ArrayLike<number>): NDArray {
  const n = sizeOf(shape);
  if (data && data.length !== n) throw new Error(`nd: ${data.length} values for shape [${shape.join(", ")}]`);
  return { shape: [...shape], data: data ? Float64Array.from(data) : new Float64Array(n) };
}

export function scalar(v: number): NDArray {
  return { shape: [], data: Float64Array.of(v) };
}

export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

export function map(a: NDArray, f: (x: number) => number): NDArray {
  const out = new Float64Array(a.data.length);
  for (let i = 0; i < out.length; i++) out[i] = f(a.data[i]);
  return { shape: a.shape, data: out };
}

/** NumPy/PyTorch broadcasting of two concrete shapes. */
export function broadcastShape(a: readonly number[], b: readonly number[]): number[] | undefined {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return undefined;
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** Strides of `shape` read as if broadcast to `target` (0 along broadcast dims). */
function broadcastStrides(shape: readonly number[], target: readonly number[]): number[] {
  const own = stridesOf(shape);
  const off = target.length - shape.length;
  return target.map((_, i) => (i < off || shape[i - off] === 1 ? 0 : own[i - off]));
}

export function zipBroadcast(a: NDArray, b: NDArray, f: (x: number, y: number) => number): NDArray {
  const shape = broadcastShape(a.shape, b.shape);
  if (!shape) throw new Error(`cannot broadcast [${a.shape}] with [${b.shape}]`);
  const sa = broadcastStrides(a.shape, shape);
  const sb = broadcastStrides(b.shape, shape);
  const n = sizeOf(shape);
  const out = new Float64Array(n);
  const idx = new Array<number>(shape.length).fill(0);
  let ia = 0;
  let ib = 0;
  for (let i = 0; i < n; i++) {
    out[i] = f(a.data[ia], b.data[ib]);
    // odometer increment, carrying the two input offsets along
    for (let d = shape.length - 1; d >= 0; d--) {
      idx[d]++;
      ia += sa[d];
      ib += sb[d];
      if (idx[d] < shape[d]) break;
      ia -= sa[d] * shape[d];
      ib -= sb[d] * shape[d];
      idx[d] = 0;
    }
  }
  return { shape, data: out };
}

/** Moves dims so that output dim i is input dim perm[i]. */
export function permute(a: NDArray, perm: readonly number[]): NDArray {
  const shape = perm.map((p) => a.shape[p]);
  const inStrides = stridesOf(a.shape);
  const st = perm.map((p) => inStrides[p]);
  const n = a.data.length;
  const out = new Float64Array(n);
  const idx = new Array<number>(shape.length).fill(0);
  let src = 0;
  for (let i = 0; i < n; i++) {
    out[i] = a.data[src];
    for (let d = shape.length - 1; d >= 0; d--) {
      idx[d]++;
      src += st[d];
      if (idx[d] < shape[d]) break;
      src -= st[d] * shape[d];
      idx[d] = 0;
    }
  }
  return { shape, data: out };
}

/**
 * Reduces over `dims` (sorted, non-negative) with `init` and `step`, then `finish(acc, count)`.
 * The result keeps reduced dims as size 1 when keepdim.
 */
export function reduce(
  a: NDArray,
  dims: readonly number[],
  keepdim: boolean,
  init: number,
  step: (acc: number, x: number) => number,
  finish: (acc: number, count: number) => number = (acc) => acc,
): NDArray {
  const reduced = new Set(dims);
  const keptShape = a.shape.map((s, i) => (reduced.has(i) ? 1 : s));
  const outSize = sizeOf(keptShape);
  const acc = new Float64Array(outSize).fill(init);
  const outStrides = stridesOf(keptShape);
  const inStrides = stridesOf(a.shape);
  for (let i = 0; i < a.data.length; i++) {
    let o = 0;
    for (let d = 0; d < a.shape.length; d++) {
      if (!reduced.has(d)) o += Math.floor(i / inStrides[d]) % a.shape[d] * outStrides[d];
    }
    acc[o] = step(acc[o], a.data[i]);
  }
  const count = dims.reduce((c, d) => c * a.shape[d], 1);
  for (let i = 0; i < outSize; i++) acc[i] = finish(acc[i], count);
  const shape = keepdim ? keptShape : a.shape.filter((_, i) => !reduced.has(i));
  return { shape, data: acc };
}

/**
 * erf⁻¹(y) to double precision: Giles's single-precision approximation (2010) as the start, then
 * Newton's steps on erf; ±∞ at ±1, NaN outside [−1, 1]. runtime/harness/harness.cu has the same.
 */
export function erfinv(y: number): number {
  if (!(y > -1 && y < 1)) return y === 1 ? Infinity : y === -1 ? -Infinity : NaN;
  let w = -Math.log((1 - y) * (1 + y));
  let p: number;
  if (w < 5) {
    w -= 2.5;
    p = 2.81022636e-8;
    for (const c of [3.43273939e-7, -3.5233877e-6, -4.39150654e-6, 0.00021858087, -0.00125372503, -0.00417768164, 0.246640727, 1.50140941]) p = c + p * w;
  } else {
    w = Math.sqrt(w) - 3;
    p = -0.000200214257;
    for (const c of [0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613, 0.00943887047, 1.00167406, 2.83297682]) p = c + p * w;
  }
  let x = p * y;
  for (let step = 0; step < 3; step++) x -= (erf(x) - y) / ((2 / Math.sqrt(Math.PI)) * Math.exp(-x * x));
  return x;
}

/** Error function to double precision: Taylor series near 0, continued fraction for erfc beyond. */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2.5) {
    // erf x = 2/√π Σ (-1)^n x^(2n+1) / (n! (2n+1))
    let term = ax;
    let sum = ax;
    const x2 = ax * ax;
    for (let n = 1; n < 200; n++) {
      term *= -x2 / n;
      const t = term / (2 * n + 1);
      sum += t;
      if (Math.abs(t) < 1e-17 * Math.abs(sum)) break;
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  return Math.sign(x) * (1 - erfcTail(ax));
}

/**
 * erfc x = 1 − erf x to double precision, without the cancellation of 1 − erf x in the tail
 * (erfc 10 ≈ 2e-45 is a float32 subnormal, where 1 − erf 10 is 0).
 */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 2.5) return 1 - erf(x);
  return erfcTail(x);
}

/** erfc x for x ≥ 2.5: exp(-x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...))))), evaluated bottom-up. */
function erfcTail(ax: number): number {
  let f = ax;
  for (let k = 60; k >= 1; k--) f = ax + k / 2 / f;
  return Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
}
