import { describeValue } from "./errors.ts";

/** A seed as Philox's key takes it: a non-negative integer below 2⁶⁴, a number (at most 2⁵³ − 1) or a bigint. */
export function checkSeed(seed: unknown, who: string): bigint {
  if (typeof seed === "number") {
    if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`${who}: seed must be a non-negative integer (at most 2^53-1, or a bigint), got ${describeValue(seed)}`);
    return BigInt(seed);
  }
  if (typeof seed === "bigint") {
    if (seed < 0n || seed >= 1n << 64n) throw new RangeError(`${who}: a bigint seed must be in [0, 2^64), got ${seed}`);
    return seed;
  }
  throw new TypeError(`${who}: seed must be a number or a bigint, got ${describeValue(seed)}`);
}
