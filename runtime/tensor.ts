/** Values a tensor can hold: float32 data, or int32 class indices. */
export type TensorData = Float32Array | Int32Array;

/** A tensor as user code sees it: flat row-major data and a shape. */
export interface Tensor<D extends TensorData = TensorData> {
  readonly data: D;
  readonly shape: readonly number[];
}

/** Builds a tensor, checking that the data fills the shape exactly. */
export function tensor<D extends TensorData>(data: D, shape: readonly number[]): Tensor<D> {
  if (!(data instanceof Float32Array) && !(data instanceof Int32Array))
    throw new TypeError(`tensor: data must be a Float32Array or an Int32Array, got ${Object.prototype.toString.call(data)}`);
  for (const d of shape)
    if (!Number.isInteger(d) || d < 0) throw new RangeError(`tensor: shape [${shape.join(", ")}] has an invalid size ${d}`);
  const n = shape.reduce((a, b) => a * b, 1);
  if (n !== data.length) throw new RangeError(`tensor: shape [${shape.join(", ")}] holds ${n} values, data has ${data.length}`);
  return { data, shape: Object.freeze([...shape]) };
}
