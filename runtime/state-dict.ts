// What a state_dict's keys and values mean to a compiled model: PyTorch's keys in its order (a tied
// weight or a module held in two fields under every path that reaches it), and the values that
// PyTorch's load_state_dict accepts beyond the exact dtype and shape — it copies each value into
// the parameter with Tensor.copy_, which converts dtypes, and it reads a 0-d entry saved as [1]
// (the 0.3 → 0.4 change) and fills in a BatchNorm's missing num_batches_tracked (files from
// before it existed; any dict without version metadata, which safetensors files are).

import { createHash } from "node:crypto";
import type { Dtype, Manifest, ParamSpec } from "./manifest.ts";
import type { SafetensorsData } from "./safetensors.ts";
import { hostView, type HostArray } from "./tensor.ts";

/** The model's state_dict keys: their order and which tensor each names. */
export class StateDictKeys {
  /** PyTorch's state_dict() keys of the model's params and buffers, in order. */
  readonly order: readonly string[];
  /** What stateDict() lists: `order` with the integer tables among them, as PyTorch's state_dict() has them. */
  readonly exported: readonly string[];
  readonly #aliases: ReadonlyMap<string, string>;
  /** Each key's place in `order`: which of two keys comes later, for files with thousands of aliases. */
  readonly #place: ReadonlyMap<string, number>;
  /** Integer buffers tsdp computes as constants (Swin's relative_position_index): key → shape, digest, values. */
  readonly constants: ReadonlyMap<string, { readonly shape: readonly number[]; readonly sha256: string; readonly values?: readonly number[] }>;

  constructor(manifest: Manifest) {
    // the seal promises the manifest's lists agree; what would not is dropped rather than trusted
    // a buffer with persistent false is no key (PyTorch's state_dict leaves it out)
    const own = [...manifest.params, ...manifest.buffers.filter((b) => b.persistent !== false)].map((p) => p.name);
    const names = new Set(own);
    this.#aliases = new Map(Object.entries(manifest.stateDictAliases ?? {}).filter(([key, of]) => names.has(of) && !names.has(key)));
    const listed = (manifest.stateDict ?? own).filter((k) => names.has(this.#aliases.get(k) ?? k));
    const reached = new Set(listed);
    const unreached = own.filter((n) => !reached.has(n));
    this.order = [...listed, ...unreached];
    this.#place = new Map(this.order.map((k, i) => [k, i]));
    this.constants = new Map(Object.entries(manifest.stateDictConstants ?? {}).filter(([key]) => !names.has(key) && !this.#aliases.has(key)));
    this.exported = [...(manifest.stateDict ?? own).filter((k) => names.has(this.#aliases.get(k) ?? k) || this.constants.get(k)?.values !== undefined), ...unreached];
  }

  /** A copy of an integer table's values as PyTorch saves it (int64), or undefined for another key or a table too large to carry. */
  table(key: string): { data: BigInt64Array; shape: readonly number[] } | undefined {
    const t = this.constants.get(key);
    if (t?.values === undefined) return undefined;
    return { data: BigInt64Array.from(t.values, (v) => BigInt(v)), shape: Object.freeze([...t.shape]) };
  }

  /**
   * Why a value for a constant key is not the model's table, or "" when it is: an integer tensor of
   * the table's shape holding the values the model computes from its file (PyTorch would load
   * other values into its buffer; tsdp has none to load them into, so it refuses them).
   */
  constantMismatch(key: string, dtype: string, shape: readonly unknown[], values: ArrayLike<number | bigint>): string {
    const want = this.constants.get(key)!;
    if (!["I64", "I32", "I16", "I8", "U8", "BigInt64Array", "Int32Array"].includes(dtype)) return `is ${dtype}; PyTorch's is an integer index table`;
    if (!shapeFits(shape, want.shape)) return `has shape [${shape.join(", ")}], the model's table is [${want.shape.join(", ")}]`;
    return int64Digest(values) === want.sha256 ? "" : "holds other values than the table the model computes from its file (a model whose table differs is another model)";
  }

  /** The param's or buffer's own name for a key: "lm_head.weight" → "transformer.wte.weight" (and "lm_head.weight.grad" → its gradient). */
  tensorOf(key: string): string {
    const whole = this.#aliases.get(key);
    if (whole !== undefined || this.#aliases.size === 0) return whole ?? key;
    // a gradient's or the optimizer's name under the alias: the alias is the name up to a dot
    for (let dot = key.lastIndexOf("."); dot > 0; dot = key.lastIndexOf(".", dot - 1)) {
      const of = this.#aliases.get(key.slice(0, dot));
      if (of !== undefined) return of + key.slice(dot);
    }
    return key;
  }

  /** Every key of a tensor (its own name first is not promised: the state_dict's order). */
  keysOf(tensor: string): string[] {
    return this.order.filter((k) => this.tensorOf(k) === tensor);
  }

  /**
   * Which of several keys naming one tensor the loaded value comes from: the last in the
   * state_dict's order, as load_state_dict copies each module's keys in turn into the one tensor.
   */
  later(a: string, b: string): string {
    return this.#placeOf(b) > this.#placeOf(a) ? b : a;
  }

  /** A key's place in the state_dict's order; an optimizer state's ("head.weight.exp_avg") is its parameter's. */
  #placeOf(key: string): number {
    for (let k = key; ; k = k.slice(0, k.lastIndexOf("."))) {
      const at = this.#place.get(k);
      if (at !== undefined) return at;
      if (!k.includes(".")) return -1;
    }
  }
}

/**
 * A BatchNorm's (or InstanceNorm's) step count, which load_state_dict leaves as it is when the
 * dict lacks it (PyTorch's _NormBase._load_from_state_dict, for dicts without version metadata).
 */
export const mayBeAbsent = (spec: ParamSpec): boolean => spec.dtype === "int64" && spec.shape.length === 0 && /(^|\.)num_batches_tracked$/.test(spec.name);

/** A value's shape where the model's is `want`: equal, or [1] for a 0-d tensor (PyTorch reads input_param[0]). */
export function shapeFits(shape: readonly unknown[], want: readonly number[]): boolean {
  if (want.length === 0 && shape.length === 1 && shape[0] === 1) return true;
  return shape.length === want.length && shape.every((d, i) => d === want[i]);
}

/**
 * safetensors dtypes whose values convert to the model's dtype as Tensor.copy_ converts them: any
 * float, integer or BOOL (a PyTorch bool mask buffer, which tsdp holds as 0/1 float32) — not the
 * 8-bit and packed floats, nor complex (copy_ would drop the imaginary part).
 */
const INTEGERS = ["I64", "I32", "I16", "I8", "U8", "U16", "U32", "U64", "BOOL"] as const;
const FILE_CONVERSIONS: Record<Dtype, readonly string[]> = {
  float32: ["F32", "F64", "F16", "BF16", ...INTEGERS],
  int32: [...INTEGERS, "F32", "F64"],
  int64: [...INTEGERS, "F32", "F64"],
};

/** The dtypes a file's value may have for a state of `dtype`, for messages. */
export const fileDtypesFor = (dtype: Dtype): readonly string[] => FILE_CONVERSIONS[dtype];

/**
 * A safetensors value as the model's dtype, or a reason it cannot be one. Floats narrow to
 * float32 rounding to nearest (F16 and BF16 widen exactly); integers widen exactly; a float into
 * an integer state must be a whole number in range (PyTorch would truncate; a fraction there is a
 * mistake), as must an int64 into an int32 state.
 */
export function fromFile(dtype: Dtype, fileDtype: string, data: SafetensorsData): HostArray | string {
  if (!FILE_CONVERSIONS[dtype].includes(fileDtype)) return `${fileDtype} does not convert to ${dtype} (${FILE_CONVERSIONS[dtype].join(", ")} do)`;
  const values: ArrayLike<number | bigint> = fileDtype === "F16" ? halves(data as Uint16Array) : fileDtype === "BF16" ? bfloats(data as Uint16Array) : (data as ArrayLike<number | bigint>);
  return convert(dtype, values);
}

/**
 * An in-memory value (loadStateDict) of another typed array than the model's own: a Float64Array
 * into float32 state, an Int32Array into int64, a BigInt64Array into int32. Undefined when `data`
 * is none of those (the caller says what it should be).
 */
export function fromMemory(dtype: Dtype, data: unknown, what: string): HostArray | string | undefined {
  const other = dtype === "float32" ? hostView(data, "Float64Array", what) : dtype === "int64" ? hostView(data, "Int32Array", what) : hostView(data, "BigInt64Array", what);
  return other && convert(dtype, other);
}

function convert(dtype: Dtype, values: ArrayLike<number | bigint>): HostArray | string {
  const n = values.length;
  if (dtype === "float32") {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = Number(values[i]);
    return out;
  }
  const [lo, hi] = dtype === "int32" ? [-(2n ** 31n), 2n ** 31n - 1n] : [-(2n ** 63n), 2n ** 63n - 1n];
  const out = dtype === "int32" ? new Int32Array(n) : new BigInt64Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (typeof v === "number" && !Number.isInteger(v)) return `value ${i} is ${v}, not a whole number`;
    const b = BigInt(v);
    if (b < lo || b > hi) return `value ${i} is ${b}, outside ${dtype}`;
    if (out instanceof Int32Array) out[i] = Number(b);
    else out[i] = b;
  }
  return out;
}

/**
 * IEEE half-precision bits → float32 (exact: every half is a float32). A NaN keeps its sign and
 * payload, as numpy's and PyTorch's conversions do: its bits are written, since a JavaScript NaN
 * written as a number need not keep them.
 */
function halves(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  const words = new Uint32Array(out.buffer);
  for (let i = 0; i < bits.length; i++) {
    const h = bits[i];
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 31 && frac) words[i] = ((h & 0x8000) << 16) | 0x7f800000 | (frac << 13);
    else out[i] = exp === 0 ? sign * frac * 2 ** -24 : exp === 31 ? sign * Infinity : sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  return out;
}

/** A table's digest: SHA-256 of its values as int64s in this machine's (little-endian) byte order. */
export function int64Digest(values: ArrayLike<number | bigint>): string {
  const ints = BigInt64Array.from({ length: values.length }, (_, i) => BigInt(values[i]));
  return createHash("sha256").update(new Uint8Array(ints.buffer)).digest("hex");
}

/** bfloat16 bits → numbers: the top half of a float32's bits. */
function bfloats(bits: Uint16Array): Float32Array {
  const words = new Uint32Array(bits.length);
  for (let i = 0; i < bits.length; i++) words[i] = bits[i] << 16;
  return new Float32Array(words.buffer);
}
