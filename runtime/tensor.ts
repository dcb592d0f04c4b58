// Tensors as user code sees them, and the one place that measures a typed array the user handed in.
//
// A typed array's `length`, `byteLength`, `byteOffset` and `buffer` are ordinary getters that a
// subclass (or a redefined property) can make lie, and a Proxy can wrap a typed array; native code
// trusts the sizes it is given. So every array that goes towards native code is measured here
// through the intrinsic %TypedArray%.prototype getters, which read the object's internal slots,
// and is replaced by a plain view that this module builds itself over exactly that memory.

/** Values a tensor can hold: float32 data, or int32 class indices. */
export type TensorData = Float32Array | Int32Array;

/**
 * A tensor as user code sees it: flat row-major data and a shape. `S` is the shape's type: a
 * tuple where it is known (`tensor(x, [64, 1, 28, 28])`, a compiled model's typed inputs).
 */
export interface Tensor<D extends TensorData = TensorData, S extends readonly number[] = readonly number[]> {
  readonly data: D;
  readonly shape: S;
}

/** The typed arrays that cross into native code. */
export type HostArray = Float32Array | Int32Array | BigInt64Array;
export type HostArrayKind = "Float32Array" | "Int32Array" | "BigInt64Array";

const typedArrayPrototype = Object.getPrototypeOf(Int8Array.prototype) as object;
function intrinsicGetter(owner: object, key: PropertyKey): (this: unknown) => unknown {
  const get = Object.getOwnPropertyDescriptor(owner, key)?.get;
  if (!get) throw new Error(`this JavaScript engine has no intrinsic getter for ${String(key)}`);
  return get;
}
const tagOf = intrinsicGetter(typedArrayPrototype, Symbol.toStringTag);
const bufferOf = intrinsicGetter(typedArrayPrototype, "buffer");
const byteOffsetOf = intrinsicGetter(typedArrayPrototype, "byteOffset");
const lengthOf = intrinsicGetter(typedArrayPrototype, "length");
const arrayBufferResizable = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, "resizable")?.get;
const arrayBufferDetached = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, "detached")?.get;

// Float64Array: a state_dict value PyTorch's load_state_dict converts (a float64 tensor into a float32 parameter)
const constructors = { Float32Array, Int32Array, BigInt64Array, Float64Array } as const;

/**
 * The typed-array kind of `value` read from its internal slot ("Float32Array" for a subclass of
 * it too), or undefined for anything that is not a typed array: a Proxy around one, a DataView,
 * an array-like with a forged Symbol.toStringTag.
 */
export function typedArrayKind(value: unknown): string | undefined {
  const tag = Reflect.apply(tagOf, value, []);
  return typeof tag === "string" ? tag : undefined;
}

/** Why a typed array's memory cannot be read (detached, shrunk), or undefined when it can. */
function memoryProblem(value: object): string | undefined {
  const buffer = Reflect.apply(bufferOf, value, []) as ArrayBuffer;
  const why = unusable(value, buffer);
  if (why || !(buffer instanceof ArrayBuffer)) return why;
  try {
    // Node 20 has no ArrayBuffer.prototype.detached: constructing over a detached buffer throws
    new Uint8Array(buffer);
    return undefined;
  } catch {
    return "its ArrayBuffer has been detached (transferred or structuredClone'd away)";
  }
}

/** Why a typed array's memory cannot be used, or undefined when it can. */
function unusable(value: object, buffer: ArrayBuffer): string | undefined {
  if (buffer instanceof ArrayBuffer || Object.prototype.toString.call(buffer) === "[object ArrayBuffer]") {
    if (arrayBufferDetached && Reflect.apply(arrayBufferDetached, buffer, []) === true)
      return "its ArrayBuffer has been detached (transferred or structuredClone'd away)";
    // A view whose resizable buffer shrank below it reads as 0 elements at offset 0 (the engine
    // offers no other sign); say so instead of reporting a puzzling size mismatch.
    if (arrayBufferResizable && Reflect.apply(arrayBufferResizable, buffer, []) === true && Reflect.apply(lengthOf, value, []) === 0)
      return "its resizable ArrayBuffer was shrunk below the array, which now covers no memory";
  }
  return undefined;
}

/**
 * A plain `kind` view (built here, with no user-defined getters) of exactly the memory that
 * `value` covers, measured through the intrinsic getters; undefined when `value` is not a
 * `kind` (or a subclass of it). Throws a TypeError naming `what` for a detached or shrunken buffer.
 */
export function hostView(value: unknown, kind: HostArrayKind, what: string): HostArray | undefined;
export function hostView(value: unknown, kind: "Float64Array", what: string): Float64Array | undefined;
export function hostView(value: unknown, kind: keyof typeof constructors, what: string): HostArray | Float64Array | undefined {
  if (typedArrayKind(value) !== kind) return undefined;
  const v = value as object;
  const buffer = Reflect.apply(bufferOf, v, []) as ArrayBuffer;
  const why = unusable(v, buffer);
  if (why) throw new TypeError(`${what}: ${why}`);
  const offset = Reflect.apply(byteOffsetOf, v, []) as number;
  const length = Reflect.apply(lengthOf, v, []) as number;
  try {
    return new constructors[kind](buffer, offset, length);
  } catch (e) {
    // Constructing over a detached buffer throws; the message says which argument it was.
    throw new TypeError(`${what}: its memory cannot be read (${(e as Error).message}); was its buffer detached or resized?`);
  }
}

/** The element count of a typed array by its internal slot (not its possibly overridden `length`). */
export function typedArrayLength(value: unknown): number | undefined {
  return typedArrayKind(value) === undefined ? undefined : (Reflect.apply(lengthOf, value, []) as number);
}

/** Builds a tensor, checking that the data fills the shape exactly. */
export function tensor<D extends TensorData, const S extends readonly number[]>(data: D, shape: S): Tensor<D, S> {
  const kind = typedArrayKind(data);
  if (kind !== "Float32Array" && kind !== "Int32Array")
    throw new TypeError(`tensor: data must be a Float32Array or an Int32Array, got ${Object.prototype.toString.call(data)}`);
  if (!Array.isArray(shape)) throw new TypeError(`tensor: shape must be an array of sizes`);
  const dims = readShape(shape, "tensor");
  for (const d of dims)
    if (typeof d !== "number" || !Number.isInteger(d) || d < 0) {
      // a string is quoted, so that "6" does not read as the number 6
      const show = (v: unknown) => (typeof v === "string" ? JSON.stringify(v) : String(v));
      throw new RangeError(`tensor: shape [${dims.map(show).join(", ")}] has an invalid size ${show(d)}${typeof d === "string" ? " (a string; sizes are numbers)" : ""}`);
    }
  const n = (dims as number[]).reduce((a, b) => a * b, 1);
  const length = typedArrayLength(data)!;
  if (n !== length) {
    // a detached buffer reads as 0 elements: say so rather than report a size mismatch alone
    const why = length === 0 ? memoryProblem(data as object) : undefined;
    throw new RangeError(`tensor: shape [${dims.join(", ")}] holds ${n} values, data has ${length}${why ? ` (${why})` : ""}`);
  }
  return { data, shape: Object.freeze(dims as number[]) as readonly number[] as S };
}

/** The most dimensions a shape may have (far above any model's; bounds the copy of a hostile array). */
export const MAX_RANK = 64;

/**
 * A fresh copy of a shape array, each element read once (a Proxy or getters cannot change it
 * between the check and the use); an absurd length is refused before anything is copied.
 */
export function readShape(shape: readonly unknown[], what: string): unknown[] {
  return readList(shape, MAX_RANK, `${what}: a shape has at most ${MAX_RANK} dimensions`);
}

/** A fresh copy of an array-like of at most `max` elements, each read once; `tooLong` says what the limit is. */
export function readList(list: readonly unknown[], max: number, tooLong: string): unknown[] {
  const n = list.length;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0 || n > max) throw new RangeError(`${tooLong}, got a length of ${String(n)}`);
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) out.push(list[i]);
  return out;
}

const byteLengthOfView = intrinsicGetter(typedArrayPrototype, "byteLength");

/** A typed array's byte length from its internal slot. */
export function byteLengthOf(a: HostArray): number {
  return Reflect.apply(byteLengthOfView, a, []) as number;
}

const typedSet = Object.getOwnPropertyDescriptor(typedArrayPrototype, "set")!.value as (this: unknown, source: ArrayLike<number>) => void;

/**
 * A fresh copy of a host array (what an asynchronous call keeps, so the caller may reuse its own at
 * once), made from internal slots and the engine's own constructors and `set`: a patched
 * `Float32Array.prototype.slice` or a species constructor cannot hand back a shorter copy.
 */
export function copyOf<A extends HostArray>(a: A): A {
  const kind = typedArrayKind(a) as HostArrayKind;
  const ctor = constructors[kind];
  const copy = new ctor(byteLengthOf(a) / ctor.BYTES_PER_ELEMENT) as A;
  Reflect.apply(typedSet, new Uint8Array(Reflect.apply(bufferOf, copy, []) as ArrayBuffer), [bytesOf(a)]);
  return copy;
}

/** The bytes a typed array covers, as a plain Uint8Array over the same memory (intrinsic slots only). */
export function bytesOf(a: HostArray): Uint8Array {
  return new Uint8Array(Reflect.apply(bufferOf, a, []) as ArrayBuffer, Reflect.apply(byteOffsetOf, a, []) as number, byteLengthOf(a));
}
