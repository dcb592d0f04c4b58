/// <reference lib="esnext.disposable" preserve="true" />
// (Symbol.dispose for `using`: the reference stays in the emitted .d.ts, so a user's tsc knows it without @types/node.)
// A loaded model: the checked, JavaScript-facing side of one `tsdp_model*`. Every argument is
// checked here before anything crosses into native code, since native code cannot throw.
//
// The native model is freed by dispose() and is not re-entrant, and user code can run in the
// middle of a method (getters on a tensor, its shape or the options, a Proxy's traps). So every
// native call takes the handle from #live() at the call itself, after all user-supplied values
// have been read into copies; nothing between that check and the call runs user code. Typed
// arrays are measured and viewed through tensor.ts's hostView, never through their own getters.
import { ModelStateError, NativeError, closest, describeValue, printable, quoted, suggestion } from "./errors.ts";
import { BATCH, formatSpec, numel, type Dtype, type IOSpec, type Manifest, type OptimizerManifest, type ParamSpec } from "./manifest.ts";
import { MAX_HARNESS_GROUPS, type Hyperparameters, type ModelHandle, type NativeLibrary } from "./native.ts";
import type { ShimCounters } from "./counters.ts";
import { copyOf, hostView, readList, readShape, typedArrayKind, type HostArray, type HostArrayKind, type Tensor } from "./tensor.ts";
import { readSafetensorsFile, writeSafetensorsFile } from "./safetensors.ts";
import { StateDictKeys, fromFile, fromMemory, mayBeAbsent, shapeFits } from "./state-dict.ts";

/** An int64 parameter or buffer (e.g. BatchNorm's num_batches_tracked); S: its shape, as Tensor's. */
export interface Int64Tensor<S extends readonly number[] = readonly number[]> {
  readonly data: BigInt64Array;
  readonly shape: S;
}

/** What `getParameter` returns and `setParameter` takes. */
export type ParameterTensor = Tensor | Int64Tensor;

/**
 * What `setParameter` and `loadStateDict` take: a ParameterTensor, or float64 values, which convert
 * into float32 state as PyTorch's copy_ converts them (a numpy export's float64 arrays).
 */
export type ParameterInput = ParameterTensor | { readonly data: Float64Array; readonly shape: readonly number[] };

/** One entry of `parameters()` / `buffers()`. */
export interface ParameterInfo {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: Dtype;
}

const MAX_BATCH = 2 ** 31 - 1;
/** More inputs than any model declares; bounds the copy of a hostile input list. */
const MAX_INPUTS = 1024;

/** What `evaluate` returns: the batch's loss, the accuracy for class-index targets, the outputs. */
export interface Evaluation {
  loss: number;
  accuracy?: number;
  outputs: Tensor[];
}

export interface TrainStepOptions {
  lr?: number;
  /**
   * Each declared param group's lr this step, in the declaration's order (PyTorch's
   * `param_groups[i]["lr"]`), instead of `lr` times the group's own over the optimizer's: what a
   * scheduler's `options()` gives for a model with groups (a floor such as CosineAnnealingLR's
   * etaMin applies to each group's rate, not as one factor).
   */
  groupLrs?: readonly number[];
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
  betas?: readonly [number, number];
  eps?: number;
  /** RMSprop's smoothing constant (Adadelta's rho: `rho` there, or `alpha`). */
  alpha?: number;
  /** Adadelta's rho, as its declaration names it. */
  rho?: number;
  /** NAdam's momentum_decay ψ (its momentum schedule μ_t = β₁(1 − ½·0.96^(t·ψ))). */
  momentumDecay?: number;
  /**
   * Clip the gradients before the update, as torch.nn.utils.clip_grad_norm_(model.parameters(),
   * max_norm) between backward and step: scaled by min(1, max_norm / (‖g‖₂ + 1e-6)), the 2-norm
   * over every trained parameter's gradient. 0: no clipping. Default: the Training declaration's.
   */
  clipGradNorm?: number;
  /**
   * Gradient accumulation: compute this batch's gradients and hold them, without an update —
   * PyTorch's `loss.backward()` with no `optimizer.step()`. The next step without it adds its own
   * and updates once with the sum, as PyTorch's `.grad` after several `backward()`s (clipping
   * applies to the sum, at the update). A step that holds is no optimizer step (Adam's t,
   * `steps`) and draws fresh dropout masks. Held gradients are not part of a checkpoint; loading
   * one drops them. nanoGPT's loop divides each micro-batch's loss by their number: `lossScale`.
   */
  accumulate?: boolean;
  /**
   * The gradients of the loss times this number (default 1): PyTorch's `(loss * s).backward()` —
   * nanoGPT's `loss / gradient_accumulation_steps`. The loss returned is the loss itself, unscaled.
   */
  lossScale?: number;
  /**
   * Resolve with the forward's outputs of this batch too, `{ loss, accuracy, outputs }` as
   * `evaluate`'s: the train-mode outputs the step computed its loss from, before its update —
   * PyTorch's `outputs = model(x)` read after `loss.backward()` (a training loop's running
   * accuracy). Copied back only when asked: an LM's logits are the batch's largest tensor. Not
   * with waitForLoss: false.
   */
  outputs?: boolean;
  /** Refuse non-finite inputs (before any update) and report a non-finite loss with its step. */
  detectNonFinite?: boolean;
  /**
   * false: resolve (with undefined) as soon as the step is issued, without waiting for it and its
   * loss: the host prepares the next batch while the device runs this one, as a PyTorch loop that
   * calls `loss.item()` only now and then. The next call that needs the model's memory (a step,
   * forward, evaluate, a parameter or checkpoint) waits for it, and reports its errors naming the
   * step. Default true: resolve with the loss. Not with detectNonFinite (it reads the loss), nor in
   * a process group (each step's loss is summed across the processes).
   */
  waitForLoss?: boolean;
}

// The step's option types, each over O: TrainStepOptions, or the options a typed model's optimizer
// takes (a compiled model's index.d.ts: StepOptions). Combinations the step refuses at run time are
// not in them: a step that does not wait reads neither its outputs nor its loss (detectNonFinite).

/** Options that make a step resolve without its loss (waitForLoss: false). */
export type TrainStepNoWait<O = TrainStepOptions> = O & { readonly waitForLoss: false; readonly outputs?: false; readonly detectNonFinite?: false };

/** Options that make a step resolve with the forward's outputs (and the loss, and accuracy): an Evaluation. */
export type TrainStepWithOutputs<O = TrainStepOptions> = O & { readonly outputs: true; readonly waitForLoss?: true };

/** Options that make a step resolve with its loss alone. */
export type TrainStepLossOnly<O = TrainStepOptions> = O & { readonly waitForLoss?: true; readonly outputs?: false };

/**
 * What a step with options O resolves with: the last overload's result, as precise as O is (tsc
 * tries a generic overload before the others for an options variable, so it must not widen a
 * `{ lr }` variable's number to the union).
 */
export type TrainStepResult<O> = true extends StepFlag<O, "outputs">
  ? StepFlag<O, "outputs"> extends true
    ? Evaluation
    : number | Evaluation | undefined
  : false extends StepFlag<O, "waitForLoss">
    ? StepFlag<O, "waitForLoss"> extends false
      ? undefined
      : number | Evaluation | undefined
    : number;

/** An option's type in O, undefined where O has no such key (a conditional on `{ outputs?: … }` would miss an O that shares no key with it: a weak type). */
type StepFlag<O, K extends string> = K extends keyof O ? O[K] : undefined;

/**
 * Options whose result is known only at run time (a variable of type TrainStepOptions), as the
 * last overload takes them: O itself, with no key outside Allowed that O surely holds (an object
 * literal's `rho` for an SGD model; a key O may lack, a scheduler's `betas?`, may be absent) and,
 * where O says waitForLoss: false, neither outputs: true nor detectNonFinite: true (the step
 * refuses both then).
 */
export type TrainStepChecked<O, Allowed = TrainStepOptions> = O &
  // NoInfer: O is inferred from the options alone, not from these checks on it
  NoInfer<{ readonly [K in Exclude<PresentKeys<O>, keyof Allowed>]: never } & (O extends { readonly waitForLoss: false } ? { readonly outputs?: false; readonly detectNonFinite?: false } : unknown)>;

/** The keys O always holds (not optional). */
type PresentKeys<O> = { [K in keyof O]-?: {} extends Pick<O, K> ? never : K }[keyof O];

/** Each optimizer's per-parameter state, by PyTorch's names (its state_dict's), in the harness's slots. */
const OPTIMIZER_STATE: Record<OptimizerManifest["kind"], readonly string[]> = {
  SGD: ["momentum_buffer"],
  Adam: ["exp_avg", "exp_avg_sq"],
  AdamW: ["exp_avg", "exp_avg_sq"],
  RMSprop: ["square_avg", "momentum_buffer"],
  Adagrad: ["sum"],
  Adamax: ["exp_avg", "exp_inf"],
  Adadelta: ["square_avg", "acc_delta"],
  NAdam: ["exp_avg", "exp_avg_sq"],
  RAdam: ["exp_avg", "exp_avg_sq"],
};

/** The optimizer's per-parameter state names: amsgrad's max_exp_avg_sq and centered RMSprop's grad_avg too, as PyTorch's state_dict holds them. */
function optimizerState(optimizer: OptimizerManifest): readonly string[] {
  const third = optimizer.amsgrad === true ? ["max_exp_avg_sq"] : optimizer.centered === true ? ["grad_avg"] : [];
  return [...OPTIMIZER_STATE[optimizer.kind], ...third];
}

/**
 * The hyperparameters a step may set, by optimizer: those its update reads (runtime/harness/step.cu).
 * Another's is refused rather than ignored — torch.optim.Adam(momentum=0.9) is a TypeError — and
 * NAdam would otherwise read a `momentum` as its momentum_decay (the harness's field for ψ).
 */
const STEP_OPTIONS: Record<OptimizerManifest["kind"], readonly string[]> = {
  SGD: ["lr", "momentum", "dampening", "weightDecay", "nesterov"],
  Adam: ["lr", "betas", "eps", "weightDecay"],
  AdamW: ["lr", "betas", "eps", "weightDecay"],
  RMSprop: ["lr", "alpha", "eps", "weightDecay", "momentum"],
  Adagrad: ["lr", "eps", "weightDecay"],
  Adamax: ["lr", "betas", "eps", "weightDecay"],
  Adadelta: ["lr", "rho", "alpha", "eps", "weightDecay"],
  NAdam: ["lr", "betas", "eps", "weightDecay", "momentumDecay"],
  RAdam: ["lr", "betas", "eps", "weightDecay"],
};
/** Options an optimizer's declaration fixes for the build (its update's form and state): not a step's. */
const COMPILED_OPTIONS: ReadonlySet<string> = new Set(["maximize", "amsgrad", "centered", "decoupledWeightDecay", "lrDecay", "initialAccumulatorValue"]);
/** A step's undo under detectNonFinite: the state it changes, copied before it. */
interface StateBeforeStep {
  readonly tensors: { name: string; data: HostArray }[];
  readonly steps: number;
  readonly scalars?: { muProduct: number; momentumStarted: boolean };
  /** The drawing calls since the last step and whether gradients were held (accumulate), where the library says. */
  readonly counters?: { draws: number; holding: boolean };
  /** With gradients held: each trained parameter's `.grad` (the sum so far) and `.held`. */
  readonly held: { name: string; data: HostArray }[];
}

/** The step's own options, for every optimizer. */
const EVERY_STEP = ["groupLrs", "clipGradNorm", "accumulate", "lossScale", "detectNonFinite", "waitForLoss", "outputs"];

/**
 * The step options an optimizer takes, as the step checks them: its own hyperparameters and every
 * step's, less groupLrs where it declares no param groups (a compiled model's typed module lists them).
 */
export function stepOptionNames(kind: OptimizerManifest["kind"], groups: number): readonly (keyof TrainStepOptions)[] {
  return [...STEP_OPTIONS[kind], ...EVERY_STEP].filter((k) => groups > 0 || k !== "groupLrs") as (keyof TrainStepOptions)[];
}

/** The harness's per-group lrs: the step's own for each declared group, or none (each group's lr is lr times its scale). */
function groupLrs(given: unknown, groups: number, num: (name: string, v: unknown, fallback: number) => number, where: string): Pick<Hyperparameters, "group_lrs" | "group_lr"> {
  const out = new Array<number>(MAX_HARNESS_GROUPS).fill(0);
  if (given === undefined) return { group_lrs: 0, group_lr: out };
  if (groups === 0) throw new TypeError(`${where}: groupLrs sets each param group's lr, and the model's optimizer declares no groups; give lr`);
  // copied first: a getter must not hand the check one value and the step another
  const list = Array.isArray(given) && given.length === groups ? readList(given, groups, `${where}: groupLrs`) : undefined;
  if (!list) throw new RangeError(`${where}: groupLrs must be an array of ${groups} numbers, one per declared param group, got ${Array.isArray(given) ? `an array of ${given.length}` : describeValue(given)}`);
  // a hole or undefined is no rate (it must not read as 0, which would freeze the group)
  list.forEach((v, i) => (out[i] = num(`groupLrs[${i}]`, v === undefined ? Number.NaN : v, 0)));
  return { group_lrs: groups, group_lr: out };
}

/** The declared optimizer's hyperparameters with this step's overrides, checked; `groups`: how many param groups it declares. */
function hyperparameters(declared: Record<string, unknown>, groups: number, o: TrainStepOptions, where: string): Hyperparameters {
  const kind = declared.kind as OptimizerManifest["kind"];
  const own = [...(STEP_OPTIONS[kind] ?? []), ...EVERY_STEP];
  const known = new Set(own);
  for (const k of Object.keys(o)) {
    if (known.has(k)) continue;
    const elsewhere = Object.entries(STEP_OPTIONS).filter(([, opts]) => opts.includes(k)).map(([other]) => other);
    if (elsewhere.length) throw new TypeError(`${where}: '${k}' is not an option of ${kind} (${elsewhere.join(", ")} ${elsewhere.length > 1 ? "have" : "has"} it); ${kind}'s step options are ${own.join(", ")}`);
    if (COMPILED_OPTIONS.has(k)) throw new TypeError(`${where}: '${k}' is fixed when the model is compiled (the optimizer's declaration in the model file: it shapes the step's kernels and state); change it there and recompile. ${kind}'s step options are ${own.join(", ")}`);
    throw new TypeError(`${where}: unknown option '${k}'${suggestion(k, own, "options")}`);
  }
  if (o.rho !== undefined && o.alpha !== undefined) throw new TypeError(`${where}: rho and alpha are both Adadelta's rho; give one`);
  const num = (name: string, v: unknown, fallback: number): number => {
    const x = v === undefined ? fallback : v;
    if (typeof x !== "number" || !Number.isFinite(x) || x < 0) throw new RangeError(`${where}: ${name} must be a finite number ≥ 0, got ${describeValue(x)}`);
    // the step computes in float32, where a larger number is +∞
    if (x > FLOAT32_MAX) throw new RangeError(`${where}: ${name} is ${x}, past float32's largest value (${FLOAT32_MAX}), which the step computes in`);
    return x;
  };
  // Adadelta's rho is a decay in [0, 1], as its declaration checks it (PyTorch's constructor's rule)
  const rho = (name: string, v: unknown): number => {
    const x = num(name, v, d("alpha", 0.9));
    if (x > 1) throw new RangeError(`${where}: ${name} must be a number in [0, 1] (Adadelta's rho, a decay), got ${x}`);
    return x;
  };
  if (o.nesterov !== undefined && typeof o.nesterov !== "boolean") throw new TypeError(`${where}: nesterov must be true or false, got ${describeValue(o.nesterov)}`);
  if (o.accumulate !== undefined && typeof o.accumulate !== "boolean") throw new TypeError(`${where}: accumulate must be true or false, got ${describeValue(o.accumulate)}`);
  if (o.lossScale !== undefined && (typeof o.lossScale !== "number" || !Number.isFinite(o.lossScale) || o.lossScale === 0 || Math.abs(o.lossScale) > FLOAT32_MAX))
    throw new RangeError(
      `${where}: lossScale must be a finite number other than 0 (the gradients are scaled by it; a step that should not move the parameters is lr: 0), got ${typeof o.lossScale === "number" ? o.lossScale : describeValue(o.lossScale)}`,
    );
  const d = (k: string, f = 0) => (typeof declared[k] === "number" ? (declared[k] as number) : f);
  const given = o.betas ?? [d("beta1", 0.9), d("beta2", 0.999)];
  // copied first: a getter must not hand the check one value and the step another
  const betas = Array.isArray(given) && given.length === 2 ? readList(given, 2, `${where}: betas`) : [];
  if (betas.length !== 2 || betas.some((b) => typeof b !== "number" || !(b >= 0 && b < 1))) throw new RangeError(`${where}: betas must be two numbers in [0, 1), got ${betas.length === 2 ? `[${betas.map((b) => (typeof b === "number" ? String(b) : describeValue(b))).join(", ")}]` : describeValue(given)}`);
  const nesterov = o.nesterov ?? declared.nesterov === true;
  const hp = {
    lr: num("lr", o.lr, d("lr", 1e-3)),
    // NAdam holds its momentum_decay as momentum (the harness's field for it)
    momentum: o.momentumDecay !== undefined ? num("momentumDecay", o.momentumDecay, 0) : num("momentum", o.momentum, d("momentum")),
    dampening: num("dampening", o.dampening, d("dampening")),
    weight_decay: num("weightDecay", o.weightDecay, d("weightDecay")),
    beta1: betas[0] as number,
    beta2: betas[1] as number,
    eps: num("eps", o.eps, d("eps", 1e-8)),
    nesterov: nesterov ? 1 : 0,
    alpha: o.rho !== undefined ? rho("rho", o.rho) : kind === "Adadelta" ? rho("alpha", o.alpha) : num("alpha", o.alpha, d("alpha", 0.99)),
    max_grad_norm: num("clipGradNorm", o.clipGradNorm, d("clipGradNorm")),
    ...groupLrs(o.groupLrs, groups, num, where),
    accumulate: o.accumulate === true ? 1 : 0,
    loss_scale: o.lossScale ?? 1,
    momentum_given: o.momentum !== undefined || o.betas !== undefined ? 1 : 0,
  };
  // torch.optim.SGD's rule, at every step since both may change
  if (nesterov && declared.kind === "SGD" && (hp.momentum <= 0 || hp.dampening !== 0))
    throw new RangeError(`${where}: Nesterov momentum requires a momentum and zero dampening (PyTorch's SGD), got momentum ${hp.momentum} and dampening ${hp.dampening}`);
  return hp;
}

/** Refuses an index outside [0, limit) (ignore excepted), as PyTorch's IndexError; says where. */
function checkIndexes(data: Int32Array, range: { readonly limit: number; readonly ignore?: number; readonly torchIgnores?: number }, what: string, target = false): void {
  const { limit, ignore } = range;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    // a loss function's F.crossEntropy / F.nllLoss: PyTorch's default ignore_index is -100, tsdp's none
    // a forward input read as a loss's labels (forward computes the loss) says so too (manifest torchIgnores)
    const hint = (target && v === -100 && ignore === undefined) || v === range.torchIgnores ? "; PyTorch's cross-entropy and NLL ignore -100 by default: pass ignoreIndex: -100 to the loss to ignore it here" : "";
    if ((v < 0 || v >= limit) && v !== ignore)
      throw new RangeError(`${what}: value ${v} at position ${i} is out of range: it indexes ${limit} entries (0 to ${limit - 1}${ignore === undefined ? "" : `, or ${ignore}, ignored`}), ${range.torchIgnores !== undefined ? "a loss's classes" : "as an embedding's rows or a gather's dim"}${hint}`);
  }
}

/** int32 values the kernels compute exactly: they hold integers as float32, whose integers end at 2^24. */
const FLOAT_EXACT = 2 ** 24;

/**
 * Refuses an int32 input value past ±2^24: int32 arithmetic runs in float32 in the kernels, and past
 * it a value is rounded (16,777,217 reads as 16,777,216: its amax, its % 2, its comparisons and its
 * topk index all change), where PyTorch's int64 is exact. An input that indexes has its own range.
 */
function checkFloatExact(data: Int32Array, what: string): void {
  for (let i = 0; i < data.length; i++)
    if (data[i] > FLOAT_EXACT || data[i] < -FLOAT_EXACT)
      throw new RangeError(`${what}: value ${data[i]} at position ${i} is past ±2^24 (16,777,216): tsdp's kernels compute int32 tensors in float32, exact only within it, so PyTorch's int64 results would differ; scale or split the values (a hash's buckets: take the remainder before passing it in)`);
}

/** float32's largest finite value. */
const FLOAT32_MAX = 3.4028234663852886e38;

const arrayFor: Record<Dtype, { ctor: new (n: number) => HostArray; name: HostArrayKind }> = {
  float32: { ctor: Float32Array, name: "Float32Array" },
  int32: { ctor: Int32Array, name: "Int32Array" },
  int64: { ctor: BigInt64Array, name: "BigInt64Array" },
};

/** A plain view of `data`'s memory when it is a `dtype` typed array (see hostView); a TypeError otherwise. */
function asHost(data: unknown, dtype: Dtype, what: string, wrongType = `${what} must hold ${dtype} data (${/^[AEIOU]/.test(arrayFor[dtype].name) ? "an" : "a"} ${arrayFor[dtype].name})`): HostArray {
  const view = hostView(data, arrayFor[dtype].name, what);
  if (!view) throw new TypeError(`${wrongType}, got ${describeValue(data)}`);
  return view;
}

const fmt = (shape: readonly unknown[]) => `[${shape.map((d) => (typeof d === "number" || d === BATCH ? String(d) : describeValue(d))).join(", ")}]`;

/** The other typed array loadStateDict converts into each dtype (runtime/state-dict.ts fromMemory). */
const OTHER_ARRAY: Record<Dtype, string> = { float32: "a Float64Array", int64: "an Int32Array", int32: "a BigInt64Array" };

/**
 * A value in memory for `dtype` state (loadStateDict's and setParameter's): a view of its memory
 * when it is the dtype's own array (`view`, which the caller copies before user code runs again),
 * else converted from the other array load_state_dict's copy_ converts (a Float64Array into float32,
 * an Int32Array into int64); anything else a TypeError naming `subject`, a value that does not fit a RangeError.
 */
function stateValue(data: unknown, dtype: Dtype, what: string, subject: string): { data: HostArray; view?: HostArray } {
  const array = arrayFor[dtype].name;
  const view = hostView(data, array, what);
  if (view) return { data: view, view };
  const converted = fromMemory(dtype, data, what);
  if (converted === undefined) throw new TypeError(`${what}: ${subject} is ${dtype}, so the data must be a ${array} (or ${OTHER_ARRAY[dtype]}), got ${describeValue(data)}`);
  if (typeof converted === "string") throw new RangeError(`${what}: ${converted}`);
  return { data: converted };
}

/**
 * The prefix every one of `keys` carries before a name of `names` (DistributedDataParallel's
 * "module.", torch.compile's "_orig_mod."): a state_dict saved from a wrapped model.
 */
function wrapperPrefix(keys: readonly string[], names: readonly string[]): string | undefined {
  const dot = keys[0]?.indexOf(".") ?? -1;
  if (dot <= 0) return undefined;
  const prefix = keys[0].slice(0, dot + 1);
  const known = new Set(names);
  return keys.every((k) => k.startsWith(prefix) && known.has(k.slice(prefix.length))) ? prefix : undefined;
}

const prefixAdvice = (prefix: string) =>
  `: the unexpected keys all carry the prefix ${quoted(prefix)} of a wrapped model's state_dict (${prefix === "module." ? "DistributedDataParallel's or DataParallel's" : prefix === "_orig_mod." ? "torch.compile's" : "a wrapper's"}); strip it from the keys first, as PyTorch's consume_prefix_in_state_dict_if_present(state_dict, ${quoted(prefix)}) does`;

/** Names in a message, the first 20 of them: a model with thousands of tied keys would list them all. */
function listed(names: readonly string[], show: (name: string) => string = (n) => n): string {
  const shown = names.slice(0, 20).map(show).join(", ");
  return names.length > 20 ? `${shown} and ${names.length - 20} more` : shown;
}

/** Whether an argument is meant as a tensor (a target), not a step's options: a typed array, or an object with data or shape. */
function isTensorLike(v: unknown): boolean {
  return ArrayBuffer.isView(v) || (typeof v === "object" && v !== null && ("data" in v || "shape" in v));
}

/** Whether an argument is a plain object with neither data nor shape: a step's options, not a tensor. */
function isOptionsLike(v: unknown): boolean {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !isTensorLike(v);
}

/** Reads `{data, shape}` once (a getter must not change it between the check and the call). */
function readTensor(t: unknown, what: string, arrays = "Float32Array or Int32Array"): { data: unknown; shape: readonly unknown[] } {
  if (typeof t !== "object" || t === null || ArrayBuffer.isView(t) || Array.isArray(t))
    throw new TypeError(`${what} must be a tensor {data, shape} (see tensor(data, shape)), got ${describeValue(t)}`);
  const { data, shape } = t as { data: unknown; shape: unknown };
  if (typedArrayKind(data) === undefined)
    throw new TypeError(`${what}: data must be a typed array (${arrays}; not a Proxy or an array-like), got ${describeValue(data)}`);
  if (!Array.isArray(shape)) throw new TypeError(`${what}: shape must be an array of sizes, got ${describeValue(shape)}`);
  return { data, shape: readShape(shape, what) };
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
export class CompiledModel<Out extends Tensor | Tensor[] | Readonly<Record<string, Tensor>> = Tensor | Tensor[]> {
  /** The model class name from the manifest, e.g. "SimpleModel". */
  readonly name: string;
  /** The model directory it was loaded from. */
  readonly dir: string;
  /** The validated manifest.json. */
  readonly manifest: Manifest;
  readonly #lib: NativeLibrary;
  #handle: ModelHandle | null;
  /** The replicas the native model scatters a batch over (tsdp_device_count). */
  readonly #devices: number;
  /** The processes of its group (distributed: true under a launcher), 1 alone. */
  readonly #processes: number;
  /** A loadCheckpoint reading its file (before it writes every tensor): every other call is refused. */
  #busy: "loadCheckpoint" | null = null;
  /**
   * The asynchronous calls (forward, evaluate, trainStep…) accepted and not yet settled, first the
   * one running: the native model is not re-entrant, so they run one after another on koffi's
   * worker thread, and a blocking call or a state read meanwhile is refused (busy).
   */
  readonly #queue: string[] = [];
  /** Settles when the last queued call has: the next one starts after it. */
  #tail: Promise<unknown> = Promise.resolve();
  /** Whether a worker thread is inside the native model now. */
  #inNative = false;
  /** A handle that dispose() released while a worker was using it: freed when the worker is done. */
  #destroyWhenIdle: ModelHandle | null = null;
  #training = true;
  /** "transient": a buffer with persistent false, which stateDict and checkpoints leave out. */
  readonly #params: Map<string, ParamSpec & { kind: "parameter" | "buffer" | "transient" | "gradient" | "optimizer" }>;
  /** PyTorch's state_dict keys: their order, and the keys that name another's tensor (tied weights). */
  readonly #keys: StateDictKeys;
  readonly #token = {};

  static readonly #finalizer = new FinalizationRegistry<{ lib: NativeLibrary; handle: ModelHandle }>(({ lib, handle }) => {
    lib.destroy(handle);
  });

  /** @internal Use `load(dir)`. */
  constructor(dir: string, manifest: Manifest, lib: NativeLibrary, handle: ModelHandle, processes = 1) {
    this.name = manifest.model;
    this.dir = dir;
    this.manifest = manifest;
    this.#lib = lib;
    this.#handle = handle;
    this.#devices = lib.deviceCount(handle);
    this.#processes = processes;
    this.#params = new Map();
    for (const p of manifest.params) this.#params.set(p.name, { ...p, kind: "parameter" });
    for (const b of manifest.buffers) this.#params.set(b.name, { ...b, kind: b.persistent === false ? "transient" : "buffer" });
    this.#keys = new StateDictKeys(manifest);
    // With a training step: each parameter's last gradient and its optimizer state, by
    // PyTorch's state names, readable and writable like parameters (checkpoints use them).
    const optimizer = manifest.training?.optimizer;
    if (optimizer && lib.canTrain)
      for (const p of manifest.params) {
        this.#params.set(`${p.name}.grad`, { ...p, name: `${p.name}.grad`, kind: "gradient" });
        for (const state of optimizerState(optimizer))
          this.#params.set(`${p.name}.${state}`, { ...p, name: `${p.name}.${state}`, kind: "optimizer" });
      }
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

  /** The handle, for a native call made right now; a ModelStateError when the model is disposed or busy. */
  #live(method: string): ModelHandle {
    if (this.#handle === null) throw new ModelStateError(`${this.name}.${method}: the model has been disposed`, "disposed");
    const busy = this.#busy ?? this.#queue[0];
    if (busy !== undefined)
      throw new ModelStateError(`${this.name}.${method}: a ${busy} is still running on this model; await it first`, "busy");
    return this.#handle;
  }

  /** An asynchronous call may be queued: refused only when the model is disposed or loading a checkpoint. */
  #accepting(method: string): void {
    if (this.#handle === null) throw new ModelStateError(`${this.name}.${method}: the model has been disposed`, "disposed");
    if (this.#busy !== null)
      throw new ModelStateError(`${this.name}.${method}: a ${this.#busy} is still running on this model; await it first`, "busy");
  }

  /**
   * Runs `job` once every call queued before it has settled, with the live handle (a
   * ModelStateError when the model was disposed meanwhile).
   */
  #enqueue<T>(method: string, job: (handle: ModelHandle) => Promise<T>): Promise<T> {
    const idle = this.#queue.length === 0;
    this.#queue.push(method);
    const run = async (): Promise<T> => {
      if (this.#handle === null)
        throw new ModelStateError(`${this.name}.${method}: the model was disposed before this call ran`, "disposed");
      return job(this.#handle);
    };
    // An idle model starts the call now (on the worker before this returns), else after the last one.
    const result = idle ? run() : this.#tail.then(run);
    this.#tail = result.catch(() => undefined);
    // Leaves the queue before the caller's continuation runs, so that code after `await` may
    // make blocking calls at once.
    return result.finally(() => this.#queue.shift());
  }

  /** A native call on the worker thread; when dispose() ran meanwhile, frees the model now and rejects. */
  async #native<T>(method: string, call: () => Promise<T>): Promise<T> {
    this.#inNative = true;
    let result: T | undefined;
    let failure: unknown;
    let failed = false;
    try {
      result = await call();
    } catch (e) {
      [failure, failed] = [e, true];
    } finally {
      this.#inNative = false;
    }
    if (this.#handle === null) {
      const code = this.#destroyDeferred();
      const what = method.startsWith("trainStep") ? "step" : "call";
      throw new ModelStateError(
        `${this.name}.${method}: the model was disposed while this ${what} ran; the ${what}'s result is discarded` +
          (code !== 0 ? ` (and tsdp_destroy failed with code ${code})` : ""),
        "disposed",
      );
    }
    if (failed) throw failure;
    return result as T;
  }

  #check(method: string, fn: string, code: number, handle: ModelHandle | null): void {
    if (code === 0) return;
    const msg = this.#lib.lastError(handle);
    throw new NativeError(`${this.name}.${method}: ${fn} failed (code ${code}): ${msg || "(no message from the library)"}`, fn, code, msg);
  }

  /**
   * Runs the model on koffi's worker thread, so the event loop goes on meanwhile. One tensor per
   * manifest input, in order; resolves with a Tensor, or an array of them when the model has
   * several outputs. Output shapes are the manifest's with the batch size filled in. The inputs
   * are copied when this is called (they may be reused at once); calls on one model run one after
   * another in the order they were made. Errors reject with what `forwardSync` would throw.
   */
  async forward(...inputs: Tensor[]): Promise<Out> {
    return this.#shaped(await this.#forwardQueued("forward", inputs));
  }

  /** forward's result as the model's forward gave it: one tensor, an array, or an object named as its keys (manifest outputsByName). */
  #shaped(outs: Tensor[]): Out {
    if (this.manifest.outputsByName) return Object.fromEntries(this.manifest.outputs.map((spec, i) => [spec.name, outs[i]])) as unknown as Out;
    return (outs.length === 1 ? outs[0] : outs) as Out;
  }

  /** Like `forward`, but always resolves with the array of outputs. */
  async forwardAll(...inputs: Tensor[]): Promise<Tensor[]> {
    return this.#forwardQueued("forwardAll", inputs);
  }

  /**
   * The blocking forms (onnxruntime-node's habit): they run on this thread and are refused
   * (ModelStateError, busy) while an asynchronous call on this model is pending. Their errors
   * name the operation (`forward`, `evaluate`, `trainStep`), as the asynchronous forms' do.
   */
  forwardSync(...inputs: Tensor[]): Out {
    return this.#shaped(this.#forward("forward", inputs));
  }

  forwardAllSync(...inputs: Tensor[]): Tensor[] {
    return this.#forward("forwardAll", inputs);
  }

  /** Checks forward's inputs against the manifest; returns the batch size and the data. */
  #checkInputs(method: string, inputs: readonly unknown[]): { batch: number; arrays: HostArray[] } {
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
      const tensor = readTensor(inputs[i], what);
      const { shape } = tensor;
      const data = asHost(tensor.data, spec.dtype, what);
      if (shape.length !== spec.shape.length)
        throw new RangeError(`${what} must have rank ${spec.shape.length}, got shape ${fmt(shape)} of rank ${shape.length}`);
      const b = shape[0];
      if (typeof b !== "number" || !Number.isInteger(b) || b < 1 || b > MAX_BATCH)
        throw new RangeError(`${what}: the batch size (dim 0) must be an integer from 1 to ${MAX_BATCH}, got ${describeValue(b)} in shape ${fmt(shape)}`);
      for (let d = 1; d < spec.shape.length; d++)
        if (shape[d] !== spec.shape[d])
          // only the batch varies at run time: a shorter sequence is padded (a causal model's logits at
          // position n − 1 do not see the padding: examples/gpt/text.ts) or gets a build of its own
          throw new RangeError(`${what}: dim ${d} must be ${spec.shape[d]}, got shape ${fmt(shape)} (the dims after the batch are fixed when the model is compiled: pad to ${spec.shape[d]}, or compile a model for this size)`);
      const n = b * numel(spec.shape.slice(1) as number[]);
      if (data.length !== n)
        throw new RangeError(`${what}: shape ${fmt(shape)} holds ${n} values, but data has ${data.length}`);
      if (spec.indexes && data instanceof Int32Array) checkIndexes(data, spec.indexes, what);
      else if (data instanceof Int32Array) checkFloatExact(data, what);
      if (batch === -1) [batch, batchFrom] = [b, spec.name];
      else if (b !== batch)
        throw new RangeError(`${where}: inputs disagree on the batch size: ${batchFrom} has ${batch}, ${spec.name} has ${b}`);
      arrays.push(data);
    });
    // Each device gets ⌈B/N⌉ samples, and the kernels index their tensors with 32-bit ints.
    const limit = this.manifest.maxSamplesPerDevice;
    const perDevice = Math.ceil(batch / Math.max(1, this.#devices));
    if (limit !== undefined && perDevice > limit)
      throw new RangeError(
        `${where}: a batch of ${batch} puts ${perDevice} samples on each of ${this.#devices} device(s), more than the ${limit} ` +
          `this model's kernels can index (its largest per-sample tensor times the samples must stay below 2^31): split the batch`,
      );
    // A BatchNorm over [N, C] takes its statistics from each device's share: PyTorch refuses a share
    // of one sample (one value per channel), in train mode (every call runs in the mode train() or
    // eval() set, a step too) and, where a BatchNorm keeps no running statistics, in eval mode too.
    // The last share is the smallest.
    const fewest = this.manifest.minSamplesPerDevice;
    const training = this.#training;
    const refused = this.manifest.refusedInTraining;
    if (training && refused?.length) throw new RangeError(`${where}: ${refused[0]}; in eval() mode the model runs on its running statistics`);
    const least = fewest === undefined ? 1 : training ? fewest.training : fewest.eval;
    // the harness's split (chunks in harness.cu): shares of ⌈batch/devices⌉, the last what remains
    const devices = Math.max(1, this.#devices);
    const sharesOn = (b: number) => Math.ceil(b / Math.ceil(b / devices));
    const lastShare = (b: number) => b - (sharesOn(b) - 1) * Math.ceil(b / devices);
    const smallest = lastShare(batch);
    if (smallest < least) {
      // the nearest batches whose every share holds enough (7 on 3 devices: 6 or 8, not "at least 6")
      let above = batch + 1;
      while (lastShare(above) < least) above++;
      let below = batch - 1;
      while (below >= least && lastShare(below) < least) below--;
      const fits = below >= least ? `${below} or ${above}` : `${above}`;
      throw new RangeError(
        `${where}: expected more than 1 value per channel ${training ? "when training" : "(a BatchNorm without running statistics)"} (PyTorch's error): ` +
          `a batch of ${batch} on ${this.#devices} device(s) leaves ${smallest} sample${smallest === 1 ? "" : "s"} on ${devices === 1 ? "its device" : sharesOn(batch) === 1 ? "the one device it fills" : smallest === perDevice && sharesOn(batch) === devices ? "each" : "the last"}, and a BatchNorm of this model takes its statistics over each device's samples; use a batch of ${fits}${training && fewest!.eval === 1 ? " (or eval() for inference)" : ""}`,
      );
    }

    return { batch, arrays };
  }

  #forward(method: string, inputs: readonly unknown[]): Tensor[] {
    this.#live(method);
    const { batch, arrays } = this.#checkInputs(method, inputs);
    const outputs = this.#outputs(method, batch);
    const handle = this.#live(method);
    this.#check(method, "tsdp_forward", this.#lib.forward(handle, batch, arrays, outputs.map((o) => o.data)), handle);
    return outputs.map((o) => ({ data: o.data as Float32Array | Int32Array, shape: Object.freeze(o.shape) }));
  }

  async #forwardQueued(method: string, inputs: readonly unknown[]): Promise<Tensor[]> {
    this.#accepting(method);
    const { batch, arrays } = this.#checkInputs(method, inputs);
    const copies = arrays.map(copyOf);
    return this.#enqueue(method, async (handle) => {
      const outputs = this.#outputs(method, batch);
      const code = await this.#native(method, () => this.#lib.forwardAsync(handle, batch, copies, outputs.map((o) => o.data)));
      this.#check(method, "tsdp_forward", code, handle);
      return outputs.map((o) => ({ data: o.data as Float32Array | Int32Array, shape: Object.freeze(o.shape) }));
    });
  }

  /** Fresh output arrays for a batch, shaped as the manifest says. */
  #outputs(method: string, batch: number): { shape: number[]; data: HostArray }[] {
    return this.manifest.outputs.map((spec) => {
      const shape = spec.shape.map((d) => (d === BATCH ? batch : d));
      return { shape, data: allocate(spec.dtype, numel(shape), `${this.name}.${method}: output ${spec.name} ${fmt(shape)}`) };
    });
  }

  /**
   * One optimizer step on a batch, as loss.backward(); optimizer.step() on the whole batch:
   * forward, loss and backward on every device's share, gradients combined, every replica
   * updated. Resolves with the batch's loss; runs on koffi's worker thread (prepare the next
   * batch meanwhile), queued behind this model's other asynchronous calls. Options override the
   * optimizer's declared hyperparameters for this step (the learning rate above all);
   * `detectNonFinite` refuses inputs with NaN or ±Infinity and a non-finite loss, naming the step
   * (which it undoes: the model is as before the call).
   * The tensors are copied when this is called, so they may be reused at once.
   */
  trainStep(inputs: Tensor | readonly Tensor[], target: Tensor, options: TrainStepWithOutputs): Promise<Evaluation>;
  trainStep(inputs: Tensor | readonly Tensor[], target: Tensor, options: TrainStepNoWait): Promise<undefined>;
  trainStep(inputs: Tensor | readonly Tensor[], target: Tensor, options?: TrainStepLossOnly): Promise<number>;
  trainStep<O extends TrainStepOptions>(inputs: Tensor | readonly Tensor[], target: Tensor, options?: TrainStepChecked<O>): Promise<TrainStepResult<O>>;
  trainStep(inputs: Tensor | readonly Tensor[], options: TrainStepWithOutputs): Promise<Evaluation>;
  trainStep(inputs: Tensor | readonly Tensor[], options: TrainStepNoWait): Promise<undefined>;
  trainStep(inputs: Tensor | readonly Tensor[], options?: TrainStepLossOnly): Promise<number>;
  trainStep<O extends TrainStepOptions>(inputs: Tensor | readonly Tensor[], options?: TrainStepChecked<O>): Promise<TrainStepResult<O>>;
  trainStep(inputs: Tensor | readonly Tensor[], ...rest: [target?: Tensor | TrainStepOptions, options?: TrainStepOptions]): Promise<number | Evaluation | undefined> {
    return this.#trainStepQueued("trainStep", inputs, ...this.#targetAndOptions("trainStep", rest));
  }

  /** The name `trainStep` had while it blocked: the same call. */
  trainStepAsync(inputs: Tensor | readonly Tensor[], target: Tensor, options: TrainStepWithOutputs): Promise<Evaluation>;
  trainStepAsync(inputs: Tensor | readonly Tensor[], target: Tensor, options: TrainStepNoWait): Promise<undefined>;
  trainStepAsync(inputs: Tensor | readonly Tensor[], target: Tensor, options?: TrainStepLossOnly): Promise<number>;
  trainStepAsync<O extends TrainStepOptions>(inputs: Tensor | readonly Tensor[], target: Tensor, options?: TrainStepChecked<O>): Promise<TrainStepResult<O>>;
  trainStepAsync(inputs: Tensor | readonly Tensor[], options: TrainStepWithOutputs): Promise<Evaluation>;
  trainStepAsync(inputs: Tensor | readonly Tensor[], options: TrainStepNoWait): Promise<undefined>;
  trainStepAsync(inputs: Tensor | readonly Tensor[], options?: TrainStepLossOnly): Promise<number>;
  trainStepAsync<O extends TrainStepOptions>(inputs: Tensor | readonly Tensor[], options?: TrainStepChecked<O>): Promise<TrainStepResult<O>>;
  trainStepAsync(inputs: Tensor | readonly Tensor[], ...rest: [target?: Tensor | TrainStepOptions, options?: TrainStepOptions]): Promise<number | Evaluation | undefined> {
    return this.#trainStepQueued("trainStepAsync", inputs, ...this.#targetAndOptions("trainStepAsync", rest));
  }

  /** `trainStep` on this thread, blocking until the step is done (with waitForLoss: false, until it is issued). */
  trainStepSync(inputs: Tensor | readonly Tensor[], target: Tensor, options: TrainStepWithOutputs): Evaluation;
  trainStepSync(inputs: Tensor | readonly Tensor[], target: Tensor, options: TrainStepNoWait): undefined;
  trainStepSync(inputs: Tensor | readonly Tensor[], target: Tensor, options?: TrainStepLossOnly): number;
  trainStepSync<O extends TrainStepOptions>(inputs: Tensor | readonly Tensor[], target: Tensor, options?: TrainStepChecked<O>): TrainStepResult<O>;
  trainStepSync(inputs: Tensor | readonly Tensor[], options: TrainStepWithOutputs): Evaluation;
  trainStepSync(inputs: Tensor | readonly Tensor[], options: TrainStepNoWait): undefined;
  trainStepSync(inputs: Tensor | readonly Tensor[], options?: TrainStepLossOnly): number;
  trainStepSync<O extends TrainStepOptions>(inputs: Tensor | readonly Tensor[], options?: TrainStepChecked<O>): TrainStepResult<O>;
  trainStepSync(inputs: Tensor | readonly Tensor[], ...rest: [target?: Tensor | TrainStepOptions, options?: TrainStepOptions]): number | Evaluation | undefined {
    this.#live("trainStep");
    const { batch, arrays, labels, hp, detectNonFinite, wait, outputs } = this.#prepareStep("trainStep", inputs, ...this.#targetAndOptions("trainStep", rest));
    const step = this.#lib.optimizerSteps(this.#live("trainStep")).steps + 1;
    if (detectNonFinite) this.#requireFinite("trainStep", arrays, step);
    const results = outputs ? this.#outputs("trainStep", batch) : [];
    const handle = this.#live("trainStep");
    const before = detectNonFinite ? this.#stateBeforeStep("trainStep", handle) : undefined;
    const { code, loss } = this.#lib.trainStep(handle, batch, arrays, labels, hp, wait, results.map((o) => o.data));
    const finished = this.#finishStep("trainStep", handle, code, loss, step, before, wait);
    return outputs ? this.#evaluation(batch, labels, results, loss) : finished;
  }

  async #trainStepQueued(method: string, inputs: Tensor | readonly Tensor[], target: unknown, options: TrainStepOptions = {}): Promise<number | Evaluation | undefined> {
    this.#accepting(method);
    const { batch, arrays, labels, hp, detectNonFinite, wait, outputs } = this.#prepareStep(method, inputs, target, options);
    const results = outputs ? this.#outputs(method, batch) : [];
    // Copied into native memory now, so that the caller may reuse the tensors at once: one copy of
    // the batch on this thread (a JavaScript copy first would be another 50 µs at LeNet's batch of
    // 256), then the library's into pinned memory when the step runs. detectNonFinite, a debugging
    // aid, checks a copy of its own when the step runs (the error names that step); the outputs'
    // accuracy reads a copy of the target.
    const staged = this.#lib.stageStep(arrays, labels, results.map((o) => o.data.byteLength));
    const checked = detectNonFinite ? arrays.map(copyOf) : undefined;
    const target1 = outputs && labels ? copyOf(labels) : labels;
    const step = this.#enqueue(method, async (handle) => {
      // the step number the error messages name is known once the steps before it are done (or
      // issued: a step that did not wait counts from then)
      const number = this.#lib.optimizerSteps(handle).steps + 1;
      if (checked) this.#requireFinite(method, checked, number);
      const before = detectNonFinite ? this.#stateBeforeStep(method, handle) : undefined;
      const { code, loss } = await this.#native(method, () => this.#lib.trainStepStagedAsync(handle, batch, staged, hp, wait, results.map((o) => o.data)));
      const finished = this.#finishStep(method, handle, code, loss, number, before, wait);
      return outputs ? this.#evaluation(batch, target1, results, loss) : finished;
    });
    // the native call has returned (or will never be made) once the step settles
    return step.finally(() => staged.free());
  }

  /** Frees a handle whose dispose() waited for a worker; its tsdp_destroy code (0 when none was waiting). */
  #destroyDeferred(): number {
    const handle = this.#destroyWhenIdle;
    this.#destroyWhenIdle = null;
    return handle === null ? 0 : this.#lib.destroy(handle);
  }

  /** Everything a step needs, read from the caller's values once; ends with no native call pending. */
  #prepareStep(method: string, inputs: Tensor | readonly Tensor[], target: unknown, options: TrainStepOptions = {}) {
    const training = this.#trainingSpec(method);
    // Options are read once: a getter could answer differently at each read.
    const opts: TrainStepOptions = typeof options === "object" && options !== null ? { ...options } : (options as TrainStepOptions);
    if (typeof opts !== "object" || opts === null) throw new TypeError(`${this.name}.${method}: options must be an object, got ${describeValue(options)}`);
    const list = Array.isArray(inputs) ? readList(inputs, MAX_INPUTS, `${this.name}.${method}: at most ${MAX_INPUTS} inputs`) : [inputs];
    const { batch, arrays } = this.#checkInputs(method, list);
    const labels = this.#checkTarget(method, target, batch);
    const hp = hyperparameters(training.optimizer, training.paramGroups?.length ?? 0, opts, `${this.name}.${method}`);
    if (opts.detectNonFinite !== undefined && typeof opts.detectNonFinite !== "boolean")
      throw new TypeError(`${this.name}.${method}: detectNonFinite must be true or false, got ${describeValue(opts.detectNonFinite)}`);
    const detectNonFinite = opts.detectNonFinite === true;
    if (opts.waitForLoss !== undefined && typeof opts.waitForLoss !== "boolean")
      throw new TypeError(`${this.name}.${method}: waitForLoss must be true or false, got ${describeValue(opts.waitForLoss)}`);
    const wait = opts.waitForLoss !== false;
    if (!wait && detectNonFinite)
      throw new TypeError(`${this.name}.${method}: detectNonFinite checks the step's loss, so it needs waitForLoss (true, the default)`);
    if (opts.outputs !== undefined && typeof opts.outputs !== "boolean")
      throw new TypeError(`${this.name}.${method}: outputs must be true or false, got ${describeValue(opts.outputs)}`);
    const outputs = opts.outputs === true;
    if (!wait && outputs) throw new TypeError(`${this.name}.${method}: outputs are read back when the step is done, so they need waitForLoss (true, the default)`);
    return { batch, arrays, labels, hp, detectNonFinite, wait, outputs };
  }

  /**
   * detectNonFinite: what the step will change, copied before it — parameters, buffers, optimizer
   * state, the step count and the optimizer's scalars — so that a non-finite loss undoes the step,
   * as PyTorch's anomaly detection raises before optimizer.step() and GradScaler skips such a step
   * (one copy of the model's state per step: the option is a debugging aid).
   */
  #stateBeforeStep(method: string, handle: ModelHandle): StateBeforeStep {
    const tensors: { name: string; data: HostArray }[] = [];
    for (const [name, spec] of this.#params) {
      if (spec.kind === "gradient") continue;
      tensors.push({ name, data: this.#copyOut(method, handle, name, spec, `${this.name}.${method}: a copy of ${name} (detectNonFinite)`) });
    }
    const steps = this.#lib.optimizerSteps(handle).steps;
    if (!this.#lib.canTrain) return { tensors, steps, held: [] };
    const { muProduct, momentumStarted, draws, holding } = this.#lib.optimizerScalars(handle);
    const counters = draws === undefined ? undefined : { draws, holding: holding === true };
    // gradients held by steps taken with accumulate: the next update's, so part of what the step changes
    const held: { name: string; data: HostArray }[] = [];
    if (counters?.holding)
      for (const [name, spec] of this.#params) {
        if (spec.kind !== "gradient") continue;
        for (const key of [name, name.replace(/\.grad$/, ".held")]) held.push({ name: key, data: this.#copyOut(method, handle, key, spec, `${this.name}.${method}: a copy of ${key} (detectNonFinite)`) });
      }
    return { tensors, steps, scalars: { muProduct, momentumStarted }, counters, held };
  }

  #finishStep(method: string, handle: ModelHandle, code: number, loss: number, step: number, before: StateBeforeStep | undefined, wait: boolean): number | undefined {
    this.#check(method, "tsdp_train_step", code, handle);
    if (!wait) return undefined;
    if (before && !Number.isFinite(loss)) {
      this.#writeAll(method, `${this.name}.${method}`, before.tensors, before.steps, before.scalars, handle);
      // setting the step count cleared the draw counter and the held gradients: as before the step
      if (before.counters) this.#check(method, "tsdp_optimizer_scalars", this.#lib.optimizerScalars(handle, before.counters).code, handle);
      for (const { name, data } of before.held) this.#check(method, "tsdp_set_param", this.#lib.setParam(handle, name, data), handle);
      const grads = before.held.length ? "the gradients held for the next update too" : "the gradients are the step's, to look at";
      throw new RangeError(`${this.name}.${method}: the loss is ${loss} at step ${step} (detectNonFinite): the step was undone — parameters, buffers, optimizer state, the step count and the dropout draws are as before it (${grads})`);
    }
    return loss;
  }

  /**
   * How the training step runs here: replicas, CUDA graph or eager (and why), the all-reduce
   * (NCCL, the in-process stand-in, or none) and its gradient buckets.
   */
  describe(): string {
    const native = this.#lib.describe(this.#live("describe"));
    // kernels the user replaced (tsdp eject), which the compile verified before installing the library
    const user = this.manifest.overrides ?? [];
    return user.length ? `${native}; user kernels: ${user.map((o) => printable(`${o.kernel} (${o.file})`)).join(", ")}` : native;
  }

  /** Counters since load: graph captures and replays, eager steps, bucket all-reduces issued. */
  stats(): { graphCaptures: number; graphReplays: number; eagerSteps: number; bucketAllReduces: number } {
    const [graphCaptures, graphReplays, eagerSteps, bucketAllReduces] = this.#lib.stats(this.#live("stats"));
    return { graphCaptures, graphReplays, eagerSteps, bucketAllReduces };
  }

  /**
   * A counter build's hardware counters (tsdp compile --target cpu --counters): per kernel launch
   * since load or the last resetHardwareCounters(), what a GPU profiler would count (shared-memory
   * wavefronts, global sectors per request, bytes; runtime/shim/counters.h). The counters belong to
   * the library, so they include the launches of every model loaded from it. undefined for any
   * other build.
   */
  hardwareCounters(): ShimCounters | undefined {
    this.#live("hardwareCounters");
    const text = this.#lib.shimCounters();
    return text === undefined ? undefined : (JSON.parse(text) as ShimCounters);
  }

  /** Forgets the launches counted so far (see hardwareCounters). */
  resetHardwareCounters(): this {
    this.#live("resetHardwareCounters");
    this.#lib.resetShimCounters();
    return this;
  }

  /** Whether training steps are captured as CUDA graphs (default) or issued call by call. */
  useGraphs(use: boolean): this {
    if (typeof use !== "boolean") throw new TypeError(`${this.name}.useGraphs: use must be true or false, got ${describeValue(use)}`);
    const handle = this.#live("useGraphs");
    this.#check("useGraphs", "tsdp_use_graphs", this.#lib.useGraphs(handle, use), handle);
    return this;
  }

  /**
   * The loss and, for class-index targets, the accuracy on a batch; nothing is updated. Runs on
   * koffi's worker thread, queued like `forward`.
   */
  async evaluate(inputs: Tensor | readonly Tensor[], ...target: [target?: Tensor]): Promise<Evaluation> {
    this.#accepting("evaluate");
    const { batch, arrays, labels } = this.#prepareEvaluate(inputs, target);
    const copies = arrays.map(copyOf);
    const target1 = labels && copyOf(labels);
    return this.#enqueue("evaluate", async (handle) => {
      const outputs = this.#outputs("evaluate", batch);
      const { code, loss } = await this.#native("evaluate", () => this.#lib.evaluateAsync(handle, batch, copies, target1, outputs.map((o) => o.data)));
      this.#check("evaluate", "tsdp_evaluate", code, handle);
      return this.#evaluation(batch, target1, outputs, loss);
    });
  }

  /** `evaluate` on this thread, blocking. */
  evaluateSync(inputs: Tensor | readonly Tensor[], ...target: [target?: Tensor]): Evaluation {
    this.#live("evaluate");
    const { batch, arrays, labels } = this.#prepareEvaluate(inputs, target);
    const outputs = this.#outputs("evaluate", batch);
    const handle = this.#live("evaluate");
    const { code, loss } = this.#lib.evaluate(handle, batch, arrays, labels, outputs.map((o) => o.data));
    this.#check("evaluate", "tsdp_evaluate", code, handle);
    return this.#evaluation(batch, labels, outputs, loss);
  }

  #prepareEvaluate(inputs: Tensor | readonly Tensor[], rest: readonly unknown[]): { batch: number; arrays: HostArray[]; labels: HostArray | null } {
    const training = this.#trainingSpec("evaluate");
    if (!training.target && rest.length > 0 && rest[0] !== undefined) throw new TypeError(`${this.name}.evaluate: this model's loss takes no target (it is a function of the output alone): call evaluate(inputs)`);
    if (rest.length > 1) throw new TypeError(`${this.name}.evaluate takes (inputs, target), got ${rest.length + 1} arguments`);
    const list = Array.isArray(inputs) ? readList(inputs, MAX_INPUTS, `${this.name}.evaluate: at most ${MAX_INPUTS} inputs`) : [inputs];
    const { batch, arrays } = this.#checkInputs("evaluate", list);
    if (training.target && (rest[0] === undefined || isOptionsLike(rest[0])))
      throw new TypeError(`${this.name}.evaluate: this model's loss takes a target (${formatSpec(training.target)}), got ${rest[0] === undefined ? "none" : "an object with neither data nor shape"}: call evaluate(inputs, target)`);
    const labels = training.target ? this.#checkTarget("evaluate", rest[0], batch) : null;
    return { batch, arrays, labels };
  }

  #evaluation(batch: number, labels: HostArray | null, outputs: { shape: number[]; data: HostArray }[], loss: number): Evaluation {
    const result = outputs.map((o) => ({ data: o.data as Float32Array | Int32Array, shape: Object.freeze(o.shape) }));
    let accuracy: number | undefined;
    // one label per sample, read where the loss reads it (y.select(1, k) of [Batch, K] labels)
    const read = labels instanceof Int32Array ? this.#readPositions(labels.length / batch, batch) : undefined;
    if (labels instanceof Int32Array && result[0].shape.length === 2 && (read ?? labels).length === batch) {
      const classes = result[0].shape[1];
      // a target equal to the loss's ignoreIndex is no class: not counted (NaN when every one is)
      const ignored = this.manifest.training!.ignoreIndex;
      let right = 0;
      let counted = 0;
      for (let i = 0; i < batch; i++) {
        const label = labels[read ? read[i] : i];
        if (label === ignored) continue;
        counted++;
        let best = 0;
        for (let c = 1; c < classes; c++) if (result[0].data[i * classes + c] > result[0].data[i * classes + best]) best = c;
        if (best === label) right++;
      }
      accuracy = right / counted;
    }
    return { loss, accuracy, outputs: result };
  }

  /**
   * Saves parameters and buffers under PyTorch's state_dict names, and with a training step the
   * optimizer state ("optimizer.<param>.momentum_buffer", "optimizer.<param>.exp_avg", …,
   * "optimizer.step"), as safetensors. Written atomically: a crash mid-save keeps the old file
   * (and the next save into that directory removes the temporary file it left). The state is
   * copied when this is called, so the model may be used (or disposed) while the file is written.
   * The file records a SHA-256 of its tensor data, which loadCheckpoint verifies.
   */
  async saveCheckpoint(path: string): Promise<void> {
    this.#live("saveCheckpoint");
    if (typeof path !== "string" || path === "") throw new TypeError(`${this.name}.saveCheckpoint: the path must be a non-empty string, got ${describeValue(path)}`);
    const dtypes = { float32: "F32", int32: "I32", int64: "I64" } as const;
    const tensors: { name: string; dtype: string; shape: readonly number[]; data: ArrayBufferView }[] = [];
    const kind = this.manifest.training?.optimizer.kind;
    const scalars = this.manifest.training && this.#lib.canTrain ? this.#lib.optimizerScalars(this.#live("saveCheckpoint")) : undefined;
    for (const [name, spec] of this.#params) {
      // a buffer with persistent false is not saved, as PyTorch's state_dict leaves it out
      if (spec.kind === "gradient" || spec.kind === "transient") continue;
      // SGD's momentum buffers before the first step with momentum are PyTorch's None: not saved
      if (kind === "SGD" && spec.kind === "optimizer" && scalars && !scalars.momentumStarted) continue;
      const value = this.getParameter(name);
      // an int32 buffer (a counter forward advances) as PyTorch's torch.tensor(0) holds it, int64, as the
      // integer tables below and num_batches_tracked are saved: loading narrows it back, checking the range
      const widened = spec.dtype === "int32" ? { dtype: "I64", data: BigInt64Array.from(value.data as Int32Array, (v) => BigInt(v)) } : { dtype: dtypes[spec.dtype], data: value.data };
      tensors.push({ name: spec.kind === "optimizer" ? `optimizer.${name}` : name, shape: spec.shape as number[], ...widened });
    }
    // the integer tables the model computes, as PyTorch saves them: a strict load of the file takes it
    for (const key of this.#keys.constants.keys()) {
      const table = this.#keys.table(key);
      if (table) tensors.push({ name: key, dtype: "I64", shape: table.shape, data: table.data });
    }
    if (this.manifest.training && this.#lib.canTrain)
      tensors.push({ name: "optimizer.step", dtype: "I64", shape: [], data: BigInt64Array.of(BigInt(this.steps)) });
    // NAdam's Πμ of every step's own β₁ and ψ (PyTorch's mu_product), which the count alone cannot give
    if (kind === "NAdam" && scalars && Number.isFinite(scalars.muProduct))
      tensors.push({ name: "optimizer.mu_product", dtype: "F64", shape: [], data: Float64Array.of(scalars.muProduct) });
    await writeSafetensorsFile(
      path,
      tensors,
      { format: "tsdp", model: this.name, optimizer: this.manifest.training?.optimizer.kind ?? "none" },
      { checksum: true },
    );
  }

  /**
   * Restores a checkpoint (tsdp's, or a PyTorch state_dict saved with safetensors). Every name,
   * dtype and shape is checked before anything is written, so a rejected file changes nothing.
   * Parameters and buffers must all be present; optimizer state is optional, but every trained
   * parameter's or none (one step count cannot step some as their first). A file that records
   * a SHA-256 of its data (tsdp writes one) must match it. Until it settles, other calls on this
   * model throw a ModelStateError; a dispose() meanwhile makes it reject, having written nothing.
   */
  async loadCheckpoint(path: string): Promise<void> {
    this.#live("loadCheckpoint");
    if (typeof path !== "string" || path === "") throw new TypeError(`${this.name}.loadCheckpoint: the path must be a non-empty string, got ${describeValue(path)}`);
    const where = `${this.name}.loadCheckpoint(${quoted(path)})`;
    this.#busy = "loadCheckpoint";
    let tensors: Awaited<ReturnType<typeof readSafetensorsFile>>["tensors"];
    try {
      ({ tensors } = await readSafetensorsFile(path, { maxTensors: this.#checkpointTensorBound() }));
    } finally {
      this.#busy = null;
    }
    if (this.#handle === null) throw new ModelStateError(`${where}: the model was disposed while the file was read; nothing was loaded`, "disposed");
    const dtypes = { F32: "float32", I32: "int32", I64: "int64" } as const;
    // by tensor: a tied weight's keys all load into one (the last in the state_dict's order wins)
    const plan = new Map<string, { key: string; data: HostArray }>();
    let steps: number | undefined;
    let muProduct: number | undefined;
    for (const [fileName, t] of tensors) {
      if (fileName === "optimizer.step") {
        if (t.dtype !== "I64" || t.shape.length !== 0) throw new RangeError(`${where}: optimizer.step must be an int64 scalar`);
        steps = Number((t.data as BigInt64Array)[0]);
        if (!Number.isSafeInteger(steps) || steps < 0) throw new RangeError(`${where}: optimizer.step is ${steps}`);
        continue;
      }
      if (fileName === "optimizer.mu_product" && this.manifest.training?.optimizer.kind === "NAdam") {
        if (t.dtype !== "F64" || t.shape.length !== 0) throw new RangeError(`${where}: optimizer.mu_product must be a float64 scalar`);
        muProduct = (t.data as Float64Array)[0];
        // a product of factors β₁(1 − ½·0.96^(tψ)) in (0, 1)
        if (!(muProduct > 0 && muProduct <= 1)) throw new RangeError(`${where}: optimizer.mu_product is ${muProduct}, not in (0, 1]`);
        continue;
      }
      // an integer table the model computes itself (Swin's relative_position_index): PyTorch saves it
      if (this.#keys.constants.has(fileName)) {
        const why = this.#keys.constantMismatch(fileName, t.dtype, t.shape, t.data as ArrayLike<number | bigint>);
        if (why) throw new RangeError(`${where}: ${quoted(fileName)} ${why} (the model computes this table from its file; it holds no state for it)`);
        continue;
      }
      const key = fileName.startsWith("optimizer.") ? fileName.slice("optimizer.".length) : fileName;
      const name = this.#keys.tensorOf(key);
      const spec = this.#params.get(name);
      if (!spec || spec.kind === "gradient" || spec.kind === "transient" || fileName.startsWith("optimizer.") !== (spec.kind === "optimizer")) {
        const prefix = wrapperPrefix([...tensors.keys()].filter((k) => !k.startsWith("optimizer.")), this.#keys.order);
        throw new RangeError(
          `${where}: unexpected tensor ${quoted(fileName)}${prefix ? prefixAdvice(prefix) : suggestion(fileName, [...this.#keys.order, ...[...this.#params.values()].filter((p) => p.kind === "optimizer").map((p) => `optimizer.${p.name}`)], "names")}`,
        );
      }
      const tied = name === key ? "" : ` (tied to ${name})`;
      // another dtype converts as load_state_dict's copy_ converts it (a half-precision export, a float64 one)
      const data = dtypes[t.dtype as keyof typeof dtypes] === spec.dtype ? (t.data as HostArray) : fromFile(spec.dtype, t.dtype, t.data);
      if (typeof data === "string") throw new TypeError(`${where}: ${quoted(fileName)} is ${printable(t.dtype)}, the model's ${key}${tied} is ${spec.dtype}: ${data}`);
      if (!shapeFits(t.shape, spec.shape)) throw new RangeError(`${where}: ${quoted(fileName)} has shape ${fmt(t.shape)}, the model's ${key}${tied} is ${fmt(spec.shape as number[])}`);
      const before = plan.get(name);
      if (!before || this.#keys.later(before.key, key) === key) plan.set(name, { key, data });
    }
    // a BatchNorm's num_batches_tracked may be absent (it keeps its value), as load_state_dict allows
    const missing = [...this.#params.values()].filter((p) => (p.kind === "parameter" || p.kind === "buffer") && !plan.has(p.name) && !mayBeAbsent(p));
    if (missing.length) throw new RangeError(`${where}: missing ${listed(missing.map((p) => p.name), (name) => this.#keys.keysOf(name).join(" or ") || name)}`);
    if (muProduct !== undefined && steps === undefined) throw new RangeError(`${where}: optimizer.mu_product without optimizer.step`);
    if (steps !== undefined) this.#checkOptimizerStateWhole(where, steps, plan);
    // with the step count, the file is the optimizer's whole state: SGD's buffers exist when it has
    // them (PyTorch's state_dict has no momentum_buffer before the first step with momentum), and
    // NAdam's Πμ is the file's (recomputed at the next step when the file has none)
    const momentumStarted = steps === undefined ? undefined : [...plan.keys()].some((name) => this.#params.get(name)!.kind === "optimizer");
    const scalars = steps === undefined ? undefined : { muProduct: muProduct ?? Number.NaN, momentumStarted };
    this.#writeAll("loadCheckpoint", where, [...plan].map(([name, { data }]) => ({ name, data })), steps, scalars);
  }

  /**
   * The most tensors a checkpoint of this model can hold, twice over and then some (a file holds
   * each key once: the state_dict's, the optimizer's state, its step and Πμ, the computed tables):
   * a header listing more is refused before it is parsed, which in a 95 MB header took 2.8 GB.
   */
  #checkpointTensorBound(): number {
    const optimizer = [...this.#params.values()].filter((p) => p.kind === "optimizer").length;
    return 2 * (this.#keys.order.length + optimizer + this.#keys.constants.size + 2) + 64;
  }

  /**
   * With a step count, a file's optimizer state must be every trained parameter's or none (SGD
   * before its first step with momentum). PyTorch counts steps per parameter: one whose state
   * starts later (trained only after a checkpoint of a build where it was frozen) takes its first
   * bias-corrected step at 1. tsdp keeps one count, so it would step that parameter as the
   * file's t-th, from zeros or from whatever this model held before — refused instead.
   */
  #checkOptimizerStateWhole(where: string, steps: number, plan: ReadonlyMap<string, unknown>): void {
    const state = [...this.#params.values()].filter((p) => p.kind === "optimizer");
    const missing = state.filter((p) => !plan.has(p.name));
    const kind = this.manifest.training?.optimizer.kind;
    if (missing.length === 0 || (missing.length === state.length && (kind === "SGD" || steps === 0))) return;
    throw new RangeError(
      `${where}: the file's optimizer (at step ${steps}) has no ${listed(missing.map((p) => `optimizer.${p.name}`))}: ` +
        `PyTorch counts an optimizer's steps per parameter and tsdp one count for all, so a parameter without its state would not step as PyTorch's ` +
        `(a checkpoint of a build where it was frozen?); load the weights alone with loadStateDict (into a model just loaded, whose optimizer state is fresh), or a checkpoint that holds every trained parameter's state`,
    );
  }

  /** A copy of state `name` (of `spec`'s dtype and size: a gradient's "<param>.held" shares its spec), read from the device. */
  #copyOut(method: string, handle: ModelHandle, name: string, spec: Pick<ParamSpec, "dtype" | "shape">, what: string): HostArray {
    const data = allocate(spec.dtype, numel(spec.shape), what);
    this.#check(method, "tsdp_get_param", this.#lib.getParam(handle, name, data), handle);
    return data;
  }

  /**
   * Writes checked values (and the optimizer's step count): all of them or, when native code
   * fails half way, none — what was written is put back, so nothing is lost. No user code runs
   * from here to the end, so one state check covers every write.
   */
  #writeAll(method: string, where: string, plan: readonly { name: string; data: HostArray }[], steps?: number, scalars?: { muProduct: number; momentumStarted?: boolean }, running?: ModelHandle): void {
    // `running`: the handle of a queued call that runs now (#live would see that call in flight)
    const handle = running ?? this.#live(method);
    const written: { name: string; data: HostArray }[] = [];
    try {
      for (const { name, data } of plan) {
        const spec = this.#params.get(name)!;
        const old = this.#copyOut(method, handle, name, spec, `${where}: a copy of ${name}`);
        this.#check(method, "tsdp_set_param", this.#lib.setParam(handle, name, data), handle);
        written.push({ name, data: old });
      }
      if (steps !== undefined && this.#lib.canTrain) this.#check(method, "tsdp_optimizer_steps", this.#lib.optimizerSteps(handle, steps).code, handle);
      if (scalars && this.#lib.canTrain) this.#check(method, "tsdp_optimizer_scalars", this.#lib.optimizerScalars(handle, scalars).code, handle);
    } catch (e) {
      for (const { name, data } of written.reverse()) this.#lib.setParam(handle, name, data);
      throw e;
    }
  }

  /**
   * The parameters and buffers as copies under PyTorch's state_dict keys, in its order
   * (model.state_dict()): each module's parameters, then its buffers, then its children's. A tied
   * weight (or a module held in two fields) is there under each of its keys, as in PyTorch, and an
   * integer table the model computes in its constructor (Swin's relative_position_index) as the
   * int64 tensor PyTorch saves, so that PyTorch's strict load_state_dict takes the export;
   * saveCheckpoint writes each tensor once, under its own name, without the optimizer's state.
   */
  stateDict(): Record<string, ParameterTensor> {
    this.#live("stateDict");
    const out: Record<string, ParameterTensor> = {};
    // defined, not assigned: a key "__proto__" (a name PyTorch takes) would set the prototype instead
    for (const key of this.#keys.exported) Object.defineProperty(out, key, { value: this.#keys.table(key) ?? this.getParameter(key), enumerable: true, writable: true, configurable: true });
    return out;
  }

  /**
   * Loads a state dict (model.load_state_dict): name → tensor, PyTorch's names. Every dtype and
   * shape is checked before anything is written, so a rejected dict changes nothing. `strict`
   * (the default): the names must be exactly the model's parameters and buffers. Not strict:
   * missing ones keep their values and unknown ones are skipped. Either way the names are
   * returned, as PyTorch returns missing_keys and unexpected_keys.
   */
  loadStateDict(dict: Record<string, ParameterInput>, options: { strict?: boolean } = {}): { missingKeys: string[]; unexpectedKeys: string[] } {
    this.#live("loadStateDict");
    const where = `${this.name}.loadStateDict`;
    if (typeof dict !== "object" || dict === null || Array.isArray(dict) || dict instanceof Map)
      throw new TypeError(`${where}: expected an object of name → tensor (what stateDict() returns), got ${describeValue(dict)}${dict instanceof Map ? " (Object.fromEntries(map) makes one)" : ""}`);
    if (typeof options !== "object" || options === null) throw new TypeError(`${where}: options must be an object { strict? }, got ${describeValue(options)}`);
    const strict = options.strict ?? true;
    if (typeof strict !== "boolean") throw new TypeError(`${where}: strict must be a boolean, got ${describeValue(strict)}`);
    // every value read (and copied out of reach of user code) first, then checked, then written
    // by tensor: a tied weight's keys all load into one (the last in the state_dict's order wins)
    const plan = new Map<string, { key: string; data: HostArray }>();
    const unexpectedKeys: string[] = [];
    for (const key of Object.keys(dict)) {
      if (this.#keys.constants.has(key)) {
        this.#checkTable(key, dict[key], `${where}: ${quoted(key)}`);
        continue;
      }
      const name = this.#keys.tensorOf(key);
      const spec = this.#params.get(name);
      if (!spec || (spec.kind !== "parameter" && spec.kind !== "buffer")) {
        unexpectedKeys.push(key);
        continue;
      }
      const what = `${where}: ${quoted(key)}`;
      const tensor = readTensor(dict[key], what, arrayFor[spec.dtype].name);
      const { data, view } = stateValue(tensor.data, spec.dtype, what, `${key}${name === key ? "" : ` (tied to ${name})`}`);
      if (!shapeFits(tensor.shape, spec.shape)) throw new RangeError(`${what} has shape ${fmt(tensor.shape)}, the model's is ${fmt(spec.shape)}`);
      if (data.length !== numel(spec.shape)) throw new RangeError(`${what}: shape ${fmt(tensor.shape)} holds ${numel(spec.shape)} values, but data has ${data.length}`);
      let copy = data;
      if (view) {
        copy = allocate(spec.dtype, data.length, `${what}: a copy`);
        copy.set(view as never);
      }
      const before = plan.get(name);
      if (!before || this.#keys.later(before.key, key) === key) plan.set(name, { key, data: copy });
    }
    // a tensor is there when any of its keys is; a BatchNorm's num_batches_tracked may be absent (load_state_dict fills it in)
    const missingKeys = this.#keys.order.filter((k) => {
      const spec = this.#params.get(this.#keys.tensorOf(k))!;
      return !plan.has(spec.name) && !mayBeAbsent(spec);
    });
    if (strict && (missingKeys.length || unexpectedKeys.length)) {
      // what loadStateDict loads (parameters and buffers): a gradient's or the optimizer's name is said to be one
      const loadable = this.#keys.order;
      const prefix = wrapperPrefix(unexpectedKeys, loadable);
      let explained = prefix !== undefined;
      const unexpected = unexpectedKeys.map((k) => {
        const kind = this.#params.get(this.#keys.tensorOf(k))?.kind;
        const near = kind === "gradient" || kind === "optimizer" || prefix ? undefined : closest(k, loadable);
        explained ||= near !== undefined || kind === "gradient" || kind === "optimizer";
        if (kind === "gradient" || kind === "optimizer") return `${quoted(k)} (${kind === "gradient" ? "a gradient" : "optimizer state"}, which a state_dict does not hold; loadCheckpoint restores it)`;
        return near === undefined ? quoted(k) : `${quoted(k)} (did you mean ${quoted(near)}?)`;
      });
      // keys with nothing said of them: the model's own names, once
      const names =
        explained || unexpected.length === 0
          ? ""
          : `; the model's state_dict names are ${loadable.slice(0, 8).map((n) => `"${n}"`).join(", ")}${loadable.length > 8 ? `, … (${loadable.length} in all)` : ""}`;
      throw new RangeError(
        `${where}: ${[missingKeys.length ? `missing ${listed(missingKeys)}` : "", unexpected.length ? `unexpected ${listed(unexpected)}${prefix ? prefixAdvice(prefix) : ""}` : ""].filter(Boolean).join("; ")}${names} (pass { strict: false } to load the rest)`,
      );
    }
    this.#writeAll("loadStateDict", where, [...plan].map(([name, { data }]) => ({ name, data })));
    return { missingKeys, unexpectedKeys };
  }

  /** Optimizer steps taken so far. */
  get steps(): number {
    this.#trainingSpec("steps");
    return this.#lib.optimizerSteps(this.#live("steps")).steps;
  }

  #trainingSpec(method: string): NonNullable<Manifest["training"]> {
    const t = this.manifest.training;
    if (!t || !this.#lib.canTrain)
      throw new Error(
        `${this.name}.${method}: this build has no training step: ${this.manifest.trainingUnavailable ?? "the model file declares no training (new Training(Model, { loss, optimizer }))"}`,
      );
    return t;
  }

  /**
   * A step's (target, options) from the arguments after its inputs: (target, options?) for a loss
   * that takes a target, (options?) for a loss of the output alone, whose target slot is undefined.
   */
  #targetAndOptions(method: string, rest: readonly unknown[]): [target: unknown, options: TrainStepOptions | undefined] {
    const training = this.#trainingSpec(method);
    if (training.target) {
      // (inputs) or (inputs, options) on a model whose loss takes a target: the options object would be read as the target
      if (rest[0] === undefined || isOptionsLike(rest[0]))
        throw new TypeError(`${this.name}.${method}: this model's loss takes a target (${formatSpec(training.target)}), got ${rest[0] === undefined ? "none" : "an options object in its place"}: call ${method}(inputs, target) or ${method}(inputs, target, options)`);
      return [rest[0], rest[1] as TrainStepOptions | undefined];
    }
    // (inputs, options), or (inputs, undefined, options) from code written for either kind of model
    if (isTensorLike(rest[0]) || (rest.length > 1 && rest[0] !== undefined))
      throw new TypeError(`${this.name}.${method}: this model's loss takes no target (it is a function of the output alone): call ${method}(inputs) or ${method}(inputs, options)`);
    return [undefined, rest[rest.length - 1] as TrainStepOptions | undefined];
  }

  /** Checks a target against the training declaration: dtype, shape, and class indices in range; null for a loss that takes none. */
  #checkTarget(method: string, target: unknown, batch: number): HostArray | null {
    const spec = this.manifest.training!.target;
    if (!spec) return null;
    const what = `${this.name}.${method}: target (${formatSpec(spec)})`;
    // the step weights each replica's mean by its count of the targets the loss reads, and this loss
    // computes its own from the declared ones in a way the host cannot count: right on one replica only (manifest.ts)
    const derivedAt = this.manifest.training!.targetDerivedAt;
    const replicas = this.#devices * this.#processes;
    if (derivedAt !== undefined && replicas > 1)
      throw new RangeError(
        `${this.name}.${method}: the loss's mean over the targets it does not ignore reads targets it computes (${derivedAt}), and each of the ${replicas} replicas ` +
          `(${this.#devices} device(s)${this.#processes > 1 ? ` × ${this.#processes} processes` : ""}) would be weighted by its count of the declared target's instead ` +
          `(the step counts the targets a loss reads when it only rearranges and selects within each sample: a slice, narrow, select, roll, unfold or cat of a non-batch dim, an index or gather by constants, reshape, view, squeeze, a permute or transpose that keeps the batch first, detach, a dtype conversion): ` +
          `pass the targets the loss reads as the target (a language model's next tokens: trainStep(ids, nextIds), nextIds shifted on the host), or load the model with { devices: 1 } and no process group`,
      );
    const tensor = readTensor(target, what);
    const { shape } = tensor;
    const data = asHost(tensor.data, spec.dtype, what);
    const want = spec.shape.map((d) => (d === BATCH ? batch : d));
    if (shape.length !== want.length || shape.some((d, i) => d !== want[i]))
      throw new RangeError(`${what} must have shape ${fmt(want)} for a batch of ${batch}, got ${fmt(shape as number[])}`);
    if (data.length !== numel(want)) throw new RangeError(`${what}: shape ${fmt(want)} holds ${numel(want)} values, data has ${data.length}`);
    // a cross-entropy's classes; else what the loss's ops index with it (a gather of log-probabilities), if any
    const declared = this.manifest.training!.classes;
    if (data instanceof Int32Array && declared === undefined && spec.indexes) checkIndexes(data, spec.indexes, what, true);
    // an int32 target the loss computes with (not labels, not indexes): within float32's integers
    else if (data instanceof Int32Array && declared === undefined) checkFloatExact(data, what);
    if (data instanceof Int32Array && declared !== undefined) {
      const classes = declared;
      const ignored = this.manifest.training!.ignoreIndex;
      // the labels the loss reads: where it derives its target (labels[..., 1:]), an element it never reads may hold anything
      const read = this.#readPositions(data.length / batch, batch);
      for (let j = 0; j < (read ?? data).length; j++) {
        const i = read ? read[j] : j;
        if ((data[i] < 0 || data[i] >= classes) && data[i] !== ignored)
          throw new RangeError(
            `${what}: label ${data[i]} at position ${i} is out of range: the model has ${classes} classes (0 to ${classes - 1})` +
              (ignored === undefined ? (data[i] === -100 ? "; PyTorch's cross-entropy ignores -100 by default: declare ignoreIndex: -100 to ignore it here" : "") : `, or ${ignored}, the loss's ignoreIndex`),
          );
      }
    }
    return data;
  }

  /** The positions in a batch's target of the elements the loss reads, each sample's targetOffsets; undefined: every element, in order. */
  #readPositions(perSample: number, batch: number): Int32Array | undefined {
    const offsets = this.manifest.training?.targetOffsets;
    if (!offsets) return undefined;
    const positions = new Int32Array(batch * offsets.length);
    for (let s = 0; s < batch; s++) offsets.forEach((o, k) => (positions[s * offsets.length + k] = s * perSample + o));
    return positions;
  }

  #requireFinite(method: string, arrays: readonly HostArray[], step: number): void {
    arrays.forEach((a, k) => {
      if (!(a instanceof Float32Array)) return;
      for (let i = 0; i < a.length; i++)
        if (!Number.isFinite(a[i]))
          throw new RangeError(`${this.name}.${method}: input ${this.manifest.inputs[k].name} holds ${a[i]} at element ${i}, at step ${step} (detectNonFinite); nothing was updated`);
    });
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
    const spec = this.#params.get(this.#keys.tensorOf(name));
    if (!spec)
      throw new RangeError(`${this.name}.${method}: no parameter or buffer named "${name}"${suggestion(name, [...this.#params.keys()], "parameters and buffers")}`);
    return spec;
  }

  /**
   * A copy of a parameter or buffer by state_dict name. float32 → Float32Array, int32 →
   * Int32Array, int64 (e.g. num_batches_tracked) → BigInt64Array.
   */
  getParameter(name: string): ParameterTensor {
    this.#live("getParameter");
    const table = typeof name === "string" ? this.#keys.table(name) : undefined;
    if (table) return table;
    const spec = this.#spec("getParameter", name);
    const data = allocate(spec.dtype, numel(spec.shape), `${this.name}.getParameter("${spec.name}")`);
    const handle = this.#live("getParameter");
    this.#check("getParameter", "tsdp_get_param", this.#lib.getParam(handle, spec.name, data), handle);
    return { data, shape: Object.freeze([...spec.shape]) } as ParameterTensor;
  }

  /** A value for an integer table the model computes from its file must be that table: it holds no state to write. */
  #checkTable(key: string, value: unknown, what: string): void {
    const t = readTensor(value, what, "BigInt64Array or Int32Array");
    const values = hostView(t.data, "BigInt64Array", what) ?? hostView(t.data, "Int32Array", what) ?? [];
    const why = this.#keys.constantMismatch(key, typedArrayKind(t.data) ?? "", t.shape, values);
    if (why) throw new RangeError(`${what} ${why} (the model computes this table from its file; it holds no state for it)`);
  }

  /** Overwrites a parameter or buffer; the tensor's dtype and shape must be the manifest's. */
  setParameter(name: string, value: ParameterInput): void {
    this.#live("setParameter");
    if (typeof name === "string" && this.#keys.constants.has(name)) {
      // a round trip of stateDict() writes the table back: its own values are accepted, others refused
      this.#checkTable(name, value, `${this.name}.setParameter("${name}"): the value`);
      return;
    }
    const spec = this.#spec("setParameter", name);
    const what = `${this.name}.setParameter("${spec.name}")`;
    const tensor = readTensor(value, `${what}: the value`, arrayFor[spec.dtype].name);
    const { shape } = tensor;
    const { data } = stateValue(tensor.data, spec.dtype, what, spec.name);
    if (shape.length !== spec.shape.length || shape.some((d, i) => d !== spec.shape[i]))
      throw new RangeError(`${what}: ${spec.name} has shape ${fmt(spec.shape)}, got ${fmt(shape)}`);
    if (data.length !== numel(spec.shape))
      throw new RangeError(`${what}: shape ${fmt(spec.shape)} holds ${numel(spec.shape)} values, but data has ${data.length}`);
    const handle = this.#live("setParameter");
    this.#check("setParameter", "tsdp_set_param", this.#lib.setParam(handle, spec.name, data), handle);
  }

  /**
   * Train mode (the default, as for a new PyTorch module): dropout drops and BatchNorm normalizes
   * with batch statistics, updating its running ones. Returns the model, as nn.Module.train does.
   */
  train(mode = true): this {
    if (typeof mode !== "boolean") throw new TypeError(`${this.name}.train: mode must be true or false, got ${describeValue(mode)}`);
    return this.#setMode("train", mode);
  }

  /** Eval mode: dropout is the identity and BatchNorm uses its running statistics. */
  eval(): this {
    return this.#setMode("eval", false);
  }

  #setMode(method: string, training: boolean): this {
    const handle = this.#live(method);
    this.#check(method, "tsdp_set_training", this.#lib.setTraining(handle, training), handle);
    this.#training = training;
    return this;
  }

  /** Whether the model is in train mode. */
  get training(): boolean {
    return this.#training;
  }

  /**
   * Frees the native model (and its device memory). Calling it again does nothing; every other
   * method throws a ModelStateError afterwards. During a trainStepAsync the model is marked
   * disposed at once and freed when the worker thread is done with it (never under it); that
   * step's promise then rejects with a ModelStateError.
   */
  /** `using model = await load(dir)`: disposed at the end of the block. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  /** `await using model = await load(dir)`: waits for the queued asynchronous calls, then disposes. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.#tail;
    this.dispose();
  }

  dispose(): void {
    const handle = this.#handle;
    if (handle === null) return;
    this.#handle = null;
    CompiledModel.#finalizer.unregister(this.#token);
    if (this.#inNative) {
      this.#destroyWhenIdle = handle;
      return;
    }
    const code = this.#lib.destroy(handle);
    // The handle is gone either way, so tsdp_last_error cannot be asked about it.
    if (code !== 0) throw new NativeError(`${this.name}.dispose: tsdp_destroy failed (code ${code})`, "tsdp_destroy", code, "");
  }
}
