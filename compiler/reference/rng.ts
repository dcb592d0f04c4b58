// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11): a
// counter-based generator, so element i of a dropout mask or of a parameter's initial values is
// a pure function of (key, counter). The CUDA kernels compute the same function per thread,
// which is what lets the reference interpreter and the device agree bit for bit.

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** High 32 bits of the 64-bit product of two uint32 (the low half is Math.imul). */
function mulhi(a: number, b: number): number {
  const aH = a >>> 16, aL = a & 0xffff, bH = b >>> 16, bL = b & 0xffff;
  const mid1 = aH * bL;
  const mid2 = aL * bH;
  const carry = ((aL * bL) >>> 16) + (mid1 & 0xffff) + (mid2 & 0xffff);
  return (aH * bH + (mid1 >>> 16) + (mid2 >>> 16) + (carry >>> 16)) >>> 0;
}

/** One Philox4x32-10 block: four uint32 outputs for counter (c0..c3) under key (k0, k1). */
export function philox4x32(c0: number, c1: number, c2: number, c3: number, k0: number, k1: number): [number, number, number, number] {
  let x0 = c0 >>> 0, x1 = c1 >>> 0, x2 = c2 >>> 0, x3 = c3 >>> 0;
  let key0 = k0 >>> 0, key1 = k1 >>> 0;
  for (let round = 0; round < 10; round++) {
    const hi0 = mulhi(M0, x0), lo0 = Math.imul(M0, x0) >>> 0;
    const hi1 = mulhi(M1, x2), lo1 = Math.imul(M1, x2) >>> 0;
    x0 = (hi1 ^ x1 ^ key0) >>> 0;
    x1 = lo1;
    x2 = (hi0 ^ x3 ^ key1) >>> 0;
    x3 = lo0;
    key0 = (key0 + W0) >>> 0;
    key1 = (key1 + W1) >>> 0;
  }
  return [x0, x1, x2, x3];
}

/** FNV-1a, to turn names ("fc1.weight") into 32-bit keys. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * The Philox key of a seed (up to 2^64, a number or a bigint) and a stream: the seed's low 32 bits,
 * and the stream with the seed's high 32 bits mixed in by an odd multiplier (a bijection), so that
 * seeds equal modulo 2^32 draw differently and a seed below 2^32 keeps the stream as it is
 * (runtime/harness/philox.h tsdp_philox_key1).
 */
export function philoxKey(seed: number | bigint, stream: number): [number, number] {
  const s = BigInt.asUintN(64, BigInt(seed));
  const hi = Number(s >> 32n);
  return [Number(s & 0xffffffffn), (stream ^ Math.imul(hi, 0x9e3779b1)) >>> 0];
}

/**
 * Uniform numbers in [0, 1): element i is Philox output `word` (the first by default) for counter
 * (i, c1, c2, 0), divided by 2³². `stream` names what the numbers are for; `c1`, `c2` distinguish calls.
 */
export function uniforms(count: number, seed: number | bigint, stream: number, c1 = 0, c2 = 0, word = 0, c3 = 0): Float64Array {
  const out = new Float64Array(count);
  const [k0, k1] = philoxKey(seed, stream);
  for (let i = 0; i < count; i++) out[i] = philox4x32(i, c1, c2, c3, k0, k1)[word] / 4294967296;
  return out;
}

/** Standard normals by Box–Muller on the first two Philox outputs of each counter. */
export function normals(count: number, seed: number | bigint, stream: number): Float64Array {
  const out = new Float64Array(count);
  const [k0, k1] = philoxKey(seed, stream);
  for (let i = 0; i < count; i++) {
    const [a, b] = philox4x32(i, 0, 0, 1, k0, k1);
    const u1 = (a + 1) / 4294967297; // (0, 1]: log stays finite
    const u2 = b / 4294967296;
    out[i] = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
  return out;
}

/**
 * A small seeded generator of numbers in [0, 1) (mulberry32), for host-side choices that need to
 * repeat from a seed but not to match the device's Philox streams (sample data, sampling tokens).
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
