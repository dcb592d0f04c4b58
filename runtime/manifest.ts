// manifest.json: the description of a compiled model directory (written by `tsdp compile`, read by
// `load`). This file is the schema and its validation; nothing here touches native code.
import { readFile } from "node:fs/promises";

/** The ABI version of the C interface this runtime speaks (`tsdp_abi_version()`). */
export const ABI_VERSION = 1;
/** The value of manifest.json's `format` field. */
export const MANIFEST_FORMAT = "tsdp-model";
/** The symbolic batch dimension in shapes; always dim 0 of the inputs and outputs. */
export const BATCH = "Batch";

export type Dtype = "float32" | "int32" | "int64";
export type Dim = number | typeof BATCH;

/** One model input or output: its shape starts with "Batch". */
export interface IOSpec {
  readonly name: string;
  readonly dtype: Dtype;
  readonly shape: readonly Dim[];
}

/** One parameter or buffer, by state_dict name (`conv1.weight`, `bn.running_mean`). */
export interface ParamSpec {
  readonly name: string;
  readonly dtype: Dtype;
  readonly shape: readonly number[];
}

/** manifest.json of a compiled model directory. */
export interface Manifest {
  readonly format: typeof MANIFEST_FORMAT;
  readonly abiVersion: number;
  /** The model class name, e.g. "SimpleModel". */
  readonly model: string;
  /** Hex sha256 of the inputs of the build; the library's `tsdp_manifest_hash()` must return it. */
  readonly sourceHash: string;
  readonly target: "cpu" | "cuda";
  /** The shared library's file name, relative to the directory (normally "libmodel.so"). */
  readonly library: string;
  /** The arguments of `tsdp_forward`, in order. */
  readonly inputs: readonly IOSpec[];
  /** The results of `tsdp_forward`, in order. */
  readonly outputs: readonly IOSpec[];
  readonly params: readonly ParamSpec[];
  readonly buffers: readonly ParamSpec[];
  /** Informational (kernel list, memory plan); the runtime ignores them. */
  readonly kernels?: unknown;
  readonly memory?: unknown;
  /** Present when the library has a training step: the loss, its target and the optimizer's defaults. */
  readonly training?: {
    readonly loss: string;
    readonly reduction: "mean" | "sum";
    readonly target: IOSpec;
    readonly optimizer: { readonly kind: "SGD" | "Adam" | "AdamW"; readonly [hyper: string]: number | string | boolean };
    readonly stepKernels: number;
  };
  /** Why the library has no training step, when it has none. */
  readonly trainingUnavailable?: string;
}

const DTYPES: readonly string[] = ["float32", "int32", "int64"];
const TARGETS: readonly string[] = ["cpu", "cuda"];
const MAX_INT32 = 2 ** 31 - 1;

const describe = (v: unknown): string =>
  v === null ? "null" : Array.isArray(v) ? "an array" : typeof v === "string" ? JSON.stringify(v) : typeof v === "object" ? "an object" : String(v);

/**
 * Checks a parsed manifest.json and returns it typed. Throws one Error that names the file and
 * lists every problem found.
 */
export function validateManifest(json: unknown, file: string): Manifest {
  const problems: string[] = [];
  const bad = (msg: string) => problems.push(msg);
  const fail = (): never => {
    const shown = problems.slice(0, 12);
    const more = problems.length > shown.length ? `\n  … and ${problems.length - shown.length} more` : "";
    throw new Error(`${file}: invalid tsdp manifest:\n  ${shown.join("\n  ")}${more}`);
  };

  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    bad(`expected a JSON object, got ${describe(json)}`);
    fail();
  }
  const m = json as Record<string, unknown>;

  // The format and ABI first: a file from something else, or from another version of tsdp, gets
  // one clear message instead of a list of missing fields.
  if (m.format !== MANIFEST_FORMAT) {
    bad(`"format" must be "${MANIFEST_FORMAT}", got ${describe(m.format)} (is this a directory produced by tsdp compile?)`);
    fail();
  }
  if (m.abiVersion !== ABI_VERSION) {
    bad(`"abiVersion" is ${describe(m.abiVersion)}, this runtime supports ${ABI_VERSION}: rebuild with tsdp compile (or use the tsdp that built it)`);
    fail();
  }

  const str = (key: string) => {
    if (typeof m[key] !== "string" || (m[key] as string).length === 0) bad(`"${key}" must be a non-empty string, got ${describe(m[key])}`);
  };
  str("model");
  str("sourceHash");
  str("library");
  if (!TARGETS.includes(m.target as string)) bad(`"target" must be "cpu" or "cuda", got ${describe(m.target)}`);
  if (typeof m.library === "string" && (m.library.includes("/") || m.library.includes("\\") || m.library === "." || m.library === ".."))
    bad(`"library" must be a file name inside the model directory, got ${describe(m.library)}`);

  const names = new Set<string>();
  const specs = (key: "inputs" | "outputs" | "params" | "buffers") => {
    const list = m[key];
    if (!Array.isArray(list)) {
      bad(`"${key}" must be an array, got ${describe(list)}`);
      return;
    }
    if ((key === "inputs" || key === "outputs") && list.length === 0) bad(`"${key}" must not be empty`);
    list.forEach((s: unknown, i: number) => {
      const at = `${key}[${i}]`;
      if (typeof s !== "object" || s === null || Array.isArray(s)) {
        bad(`${at} must be an object {name, dtype, shape}, got ${describe(s)}`);
        return;
      }
      const spec = s as Record<string, unknown>;
      if (typeof spec.name !== "string" || spec.name.length === 0 || spec.name.includes("\0"))
        bad(`${at}.name must be a non-empty string, got ${describe(spec.name)}`);
      else if (key === "params" || key === "buffers") {
        if (names.has(spec.name)) bad(`${at}.name "${spec.name}" appears twice among params and buffers`);
        names.add(spec.name);
      }
      if (!DTYPES.includes(spec.dtype as string)) bad(`${at}.dtype must be "float32", "int32" or "int64", got ${describe(spec.dtype)}`);
      else if ((key === "inputs" || key === "outputs") && spec.dtype === "int64")
        bad(`${at}.dtype is int64: model inputs and outputs must be float32 or int32 (class indices are int32)`);
      if (!Array.isArray(spec.shape)) {
        bad(`${at}.shape must be an array, got ${describe(spec.shape)}`);
        return;
      }
      spec.shape.forEach((d: unknown, j: number) => {
        if (d === BATCH) {
          if (key === "params" || key === "buffers") bad(`${at}.shape[${j}] is "${BATCH}": parameters and buffers have fixed shapes`);
          else if (j !== 0) bad(`${at}.shape[${j}] is "${BATCH}": the batch dimension must be dim 0`);
        } else if (typeof d !== "number" || !Number.isInteger(d) || d < 1 || d > MAX_INT32)
          bad(`${at}.shape[${j}] must be a positive integer${key === "params" || key === "buffers" ? "" : ` or "${BATCH}"`}, got ${describe(d)}`);
      });
      if ((key === "inputs" || key === "outputs") && spec.shape[0] !== BATCH)
        bad(`${at}.shape must start with "${BATCH}", got [${spec.shape.map((d) => describe(d)).join(", ")}]`);
    });
  };
  specs("inputs");
  specs("outputs");
  specs("params");
  specs("buffers");

  if (problems.length > 0) fail();
  // Frozen: the runtime's checks rely on these shapes, so nothing may change them after loading.
  return deepFreeze(m) as unknown as Manifest;
}

function deepFreeze<T>(v: T): T {
  if (typeof v === "object" && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

/** Reads and validates `file` (a manifest.json), with messages that name the file. */
export async function readManifest(file: string): Promise<Manifest> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new Error(`${file} not found: is this a model directory produced by tsdp compile?`);
    throw new Error(`cannot read ${file}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file} is not valid JSON (${(e as Error).message}): rebuild the model with tsdp compile`);
  }
  return validateManifest(json, file);
}

/** Number of elements of a fixed shape ([] is a scalar: 1). */
export const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** "float32 [Batch, 1, 28, 28]" */
export const formatSpec = (s: { dtype: Dtype; shape: readonly Dim[] }): string => `${s.dtype} [${s.shape.join(", ")}]`;
