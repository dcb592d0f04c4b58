// A loaded model: the checked, JavaScript-facing side of one `tsdp_model*`. Every argument is
// checked here before anything crosses into native code, since native code cannot throw.
import { NativeError, describeValue, suggestion } from "./errors.ts";
import { BATCH, formatSpec, numel, type Dtype, type IOSpec, type Manifest, type ParamSpec } from "./manifest.ts";
import type { HostArray, ModelHandle, NativeLibrary } from "./native.ts";
import type { Tensor } from "./tensor.ts";

/** An int64 parameter or buffer (e.g. BatchNorm's num_batches_tracked). */
export interface Int64Tensor {
  readonly data: BigInt64Array;
  readonly shape: readonly number[];
}

/** What `getParameter` returns and `setParameter` takes. */
export type ParameterTensor = Tensor | Int64Tensor;

/** One entry of `parameters()` / `buffers()`. */
export interface ParameterInfo {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: Dtype;
}

const MAX_BATCH = 2 ** 31 - 1;

const arrayFor: Record<Dtype, { ctor: new (n: number) => HostArray; name: string }> = {
  float32: { ctor: Float32Array, name: "Float32Array" },
  int32: { ctor: Int32Array, name: "Int32Array" },
  int64: { ctor: BigInt64Array, name: "BigInt64Array" },
};

const isDtype = (a: unknown, dtype: Dtype): a is HostArray =>
  dtype === "float32" ? a instanceof Float32Array : dtype === "int32" ? a instanceof Int32Array : a instanceof BigInt64Array;

const fmt = (shape: readonly unknown[]) => `[${shape.map((d) => (typeof d === "number" || d === BATCH ? String(d) : describeValue(d))).join(", ")}]`;

/** Reads `{data, shape}` once (a getter must not change it between the check and the call). */
function readTensor(t: unknown, what: string): { data: unknown; shape: readonly unknown[] } {
  if (typeof t !== "object" || t === null || ArrayBuffer.isView(t) || Array.isArray(t))
    throw new TypeError(`${what} must be a tensor {data, shape} (see tensor(data, shape)), got ${describeValue(t)}`);
  const { data, shape } = t as { data: unknown; shape: unknown };
  if (!ArrayBuffer.isView(data) || data instanceof DataView)
    throw new TypeError(`${what}: data must be a typed array (Float32Array or Int32Array), got ${describeValue(data)}`);
  if (!Array.isArray(shape)) throw new TypeError(`${what}: shape must be an array of sizes, got ${describeValue(shape)}`);
  return { data, shape: [...shape] };
}

function allocate(dtype: Dtype, n: number, what: string): HostArray {
  try {
    return new arrayFor[dtype].ctor(n);
  } catch (e) {
    throw new RangeError(`${what}: cannot allocate ${n} ${dtype} values: ${(e as Error).message}`);
  }
}

/**
 * A compiled model loaded into this process (see `load`). Not thread-safe; call `dispose()`
 * when done (a model that is garbage-collected without it is destroyed then).
 */
export class CompiledModel<Out extends Tensor | Tensor[] = Tensor | Tensor[]> {
  /** The model class name from the manifest, e.g. "SimpleModel". */
  readonly name: string;
  /** The model directory it was loaded from. */
  readonly dir: string;
  /** The validated manifest.json. */
  readonly manifest: Manifest;
  readonly #lib: NativeLibrary;
  #handle: ModelHandle | null;
  #training = true;
  readonly #params: Map<string, ParamSpec & { kind: "parameter" | "buffer" }>;
  readonly #token = {};

  static readonly #finalizer = new FinalizationRegistry<{ lib: NativeLibrary; handle: ModelHandle }>(({ lib, handle }) => {
    lib.destroy(handle);
  });

  /** @internal Use `load(dir)`. */
  constructor(dir: string, manifest: Manifest, lib: NativeLibrary, handle: ModelHandle) {
    this.name = manifest.model;
    this.dir = dir;
    this.manifest = manifest;
    this.#lib = lib;
    this.#handle = handle;
    this.#params = new Map();
    for (const p of manifest.params) this.#params.set(p.name, { ...p, kind: "parameter" });
    for (const b of manifest.buffers) this.#params.set(b.name, { ...b, kind: "buffer" });
    CompiledModel.#finalizer.register(this, { lib, handle }, this.#token);
  }

  /** "cpu" or "cuda". */
  get target(): "cpu" | "cuda" {
    return this.manifest.target;
  }

  /** The forward inputs: name, dtype, shape (with "Batch"). */
  get inputs(): readonly IOSpec[] {
    return this.manifest.inputs;
  }

  get outputs(): readonly IOSpec[] {
    return this.manifest.outputs;
  }

  get disposed(): boolean {
    return this.#handle === null;
  }

  #live(method: string): ModelHandle {
    if (this.#handle === null) throw new Error(`${this.name}.${method}: the model has been disposed`);
    return this.#handle;
  }

  #check(method: string, fn: string, code: number, handle: ModelHandle | null): void {
    if (code === 0) return;
    const msg = this.#lib.lastError(handle);
    throw new NativeError(`${this.name}.${method}: ${fn} failed (code ${code}): ${msg || "(no message from the library)"}`, fn, code, msg);
  }

  /**
   * Runs the model. One tensor per manifest input, in order; returns a Tensor, or an array of
   * them when the model has several outputs. Output shapes are the manifest's with the batch
   * size filled in.
   */
  forward(...inputs: Tensor[]): Out {
    const outs = this.#forward("forward", inputs);
    return (outs.length === 1 ? outs[0] : outs) as Out;
  }

  /** Like `forward`, but always returns the array of outputs. */
  forwardAll(...inputs: Tensor[]): Tensor[] {
    return this.#forward("forwardAll", inputs);
  }

  #forward(method: string, inputs: readonly unknown[]): Tensor[] {
    const handle = this.#live(method);
    const specs = this.manifest.inputs;
    const where = `${this.name}.${method}`;
    const signature = specs.map((s) => `${s.name}: ${formatSpec(s)}`).join(", ");
    if (inputs.length !== specs.length)
      throw new TypeError(`${where} expects ${specs.length} input${specs.length === 1 ? "" : "s"} (${signature}), got ${inputs.length}`);

    let batch = -1;
    let batchFrom = "";
    const arrays: HostArray[] = [];
    specs.forEach((spec, i) => {
      const what = `${where}: input ${i + 1} (${spec.name}: ${formatSpec(spec)})`;
      const { data, shape } = readTensor(inputs[i], what);
      if (!isDtype(data, spec.dtype))
        throw new TypeError(`${what} must hold ${spec.dtype} data (a ${arrayFor[spec.dtype].name}), got ${describeValue(data)}`);
      if (shape.length !== spec.shape.length)
        throw new RangeError(`${what} must have rank ${spec.shape.length}, got shape ${fmt(shape)} of rank ${shape.length}`);
      const b = shape[0];
      if (typeof b !== "number" || !Number.isInteger(b) || b < 1 || b > MAX_BATCH)
        throw new RangeError(`${what}: the batch size (dim 0) must be an integer from 1 to ${MAX_BATCH}, got ${describeValue(b)} in shape ${fmt(shape)}`);
      for (let d = 1; d < spec.shape.length; d++)
        if (shape[d] !== spec.shape[d])
          throw new RangeError(`${what}: dim ${d} must be ${spec.shape[d]}, got shape ${fmt(shape)}`);
      const n = b * numel(spec.shape.slice(1) as number[]);
      if (data.length !== n)
        throw new RangeError(`${what}: shape ${fmt(shape)} holds ${n} values, but data has ${data.length}`);
      if (batch === -1) [batch, batchFrom] = [b, spec.name];
      else if (b !== batch)
        throw new RangeError(`${where}: inputs disagree on the batch size: ${batchFrom} has ${batch}, ${spec.name} has ${b}`);
      arrays.push(data);
    });

    const outputs = this.manifest.outputs.map((spec) => {
      const shape = spec.shape.map((d) => (d === BATCH ? batch : d));
      return { shape, data: allocate(spec.dtype, numel(shape), `${where}: output ${spec.name} ${fmt(shape)}`) };
    });
    this.#check(method, "tsdp_forward", this.#lib.forward(handle, batch, arrays, outputs.map((o) => o.data)), handle);
    return outputs.map((o) => ({ data: o.data as Float32Array | Int32Array, shape: Object.freeze(o.shape) }));
  }

  /** The trainable parameters, in state_dict order: `[{ name, shape, dtype }]`. */
  parameters(): ParameterInfo[] {
    this.#live("parameters");
    return this.manifest.params.map((p) => ({ name: p.name, shape: [...p.shape], dtype: p.dtype }));
  }

  /** The buffers (running statistics and the like), in state_dict order. */
  buffers(): ParameterInfo[] {
    this.#live("buffers");
    return this.manifest.buffers.map((p) => ({ name: p.name, shape: [...p.shape], dtype: p.dtype }));
  }

  #spec(method: string, name: unknown) {
    if (typeof name !== "string") throw new TypeError(`${this.name}.${method}: the name must be a string, got ${describeValue(name)}`);
    const spec = this.#params.get(name);
    if (!spec)
      throw new RangeError(`${this.name}.${method}: no parameter or buffer named "${name}"${suggestion(name, [...this.#params.keys()], "parameters and buffers")}`);
    return spec;
  }

  /**
   * A copy of a parameter or buffer by state_dict name. float32 → Float32Array, int32 →
   * Int32Array, int64 (e.g. num_batches_tracked) → BigInt64Array.
   */
  getParameter(name: string): ParameterTensor {
    const handle = this.#live("getParameter");
    const spec = this.#spec("getParameter", name);
    const data = allocate(spec.dtype, numel(spec.shape), `${this.name}.getParameter("${spec.name}")`);
    this.#check("getParameter", "tsdp_get_param", this.#lib.getParam(handle, spec.name, data), handle);
    return { data, shape: Object.freeze([...spec.shape]) } as ParameterTensor;
  }

  /** Overwrites a parameter or buffer; the tensor's dtype and shape must be the manifest's. */
  setParameter(name: string, value: ParameterTensor): void {
    const handle = this.#live("setParameter");
    const spec = this.#spec("setParameter", name);
    const what = `${this.name}.setParameter("${spec.name}")`;
    const { data, shape } = readTensor(value, `${what}: the value`);
    if (!isDtype(data, spec.dtype))
      throw new TypeError(`${what}: ${spec.name} is ${spec.dtype}, so the data must be a ${arrayFor[spec.dtype].name}, got ${describeValue(data)}`);
    if (shape.length !== spec.shape.length || shape.some((d, i) => d !== spec.shape[i]))
      throw new RangeError(`${what}: ${spec.name} has shape ${fmt(spec.shape)}, got ${fmt(shape)}`);
    if (data.length !== numel(spec.shape))
      throw new RangeError(`${what}: shape ${fmt(spec.shape)} holds ${numel(spec.shape)} values, but data has ${data.length}`);
    this.#check("setParameter", "tsdp_set_param", this.#lib.setParam(handle, spec.name, data), handle);
  }

  /**
   * Frees the native model (and its device memory). Calling it again does nothing; every other
   * method throws afterwards.
   */
  /**
   * Train mode (the default, as for a new PyTorch module): dropout drops and BatchNorm normalizes
   * with batch statistics, updating its running ones. Returns the model, as nn.Module.train does.
   */
  train(mode = true): this {
    const handle = this.#live("train");
    if (typeof mode !== "boolean") throw new TypeError(`${this.name}.train: mode must be true or false, got ${String(mode)}`);
    this.#check("train", "tsdp_set_training", this.#lib.setTraining(handle, mode), handle);
    this.#training = mode;
    return this;
  }

  /** Eval mode: dropout is the identity and BatchNorm uses its running statistics. */
  eval(): this {
    return this.train(false);
  }

  /** Whether the model is in train mode. */
  get training(): boolean {
    return this.#training;
  }

  dispose(): void {
    const handle = this.#handle;
    if (handle === null) return;
    this.#handle = null;
    CompiledModel.#finalizer.unregister(this.#token);
    const code = this.#lib.destroy(handle);
    // The handle is gone either way, so tsdp_last_error cannot be asked about it.
    if (code !== 0) throw new NativeError(`${this.name}.dispose: tsdp_destroy failed (code ${code})`, "tsdp_destroy", code, "");
  }
}
