// The C ABI of a compiled model library, bound with koffi. This is the only file that talks to
// native code; it trusts its callers (model.ts) to have checked every argument already, because
// a wrong pointer or size here crashes the process instead of throwing.
//
//   typedef struct tsdp_model tsdp_model;
//   typedef struct { int num_devices; const int* device_ids; unsigned long long seed; } tsdp_config;
//   int         tsdp_abi_version(void);
//   const char* tsdp_manifest_hash(void);
//   int         tsdp_create(const tsdp_config* config, tsdp_model** out);
//   int         tsdp_destroy(tsdp_model* m);
//   const char* tsdp_last_error(tsdp_model* m);
//   int         tsdp_forward(tsdp_model* m, int batch, const void* const* inputs, void* const* outputs);
//   int         tsdp_get_param(tsdp_model* m, const char* name, void* host, unsigned long long bytes);
//   int         tsdp_set_param(tsdp_model* m, const char* name, const void* host, unsigned long long bytes);
//   int         tsdp_set_training(tsdp_model* m, int training);
import { copyFileSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import koffi, { type LibraryHandle, type TypeObject } from "koffi";

import { byteLengthOf, bytesOf, type HostArray } from "./tensor.ts";

/** Host arrays that cross the ABI (model.ts hands over only plain views it built, see tensor.ts). */
export type { HostArray };

/** A `tsdp_model*` (koffi 3 represents pointers as BigInt). */
export type ModelHandle = bigint;

// Anonymous types only: koffi keeps named types in one registry per process, and this module may
// be evaluated more than once in a process (test runners re-import modules per file).
const Model = koffi.opaque();
const ModelPtr = koffi.pointer(Model);
/** The harness's kMaxParamGroups: the model's 8 param groups and the one for parameters the loss does not reach. */
export const MAX_HARNESS_GROUPS = 9;
/** Hyperparameters of one optimizer step (tsdp_hparams, runtime/harness/harness.h). */
const Hparams = koffi.struct({
  lr: "double",
  momentum: "double",
  dampening: "double",
  weight_decay: "double",
  beta1: "double",
  beta2: "double",
  eps: "double",
  nesterov: "int",
  alpha: "double",
  max_grad_norm: "double",
  group_lrs: "int",
  group_lr: koffi.array("double", MAX_HARNESS_GROUPS),
  accumulate: "int",
  loss_scale: "double",
  momentum_given: "int",
});

export interface Hyperparameters {
  lr: number;
  momentum: number;
  dampening: number;
  weight_decay: number;
  beta1: number;
  beta2: number;
  eps: number;
  nesterov: number;
  /** RMSprop's smoothing constant */
  alpha: number;
  /** clip_grad_norm_'s max_norm (the 2-norm over every trained gradient); 0: no clipping */
  max_grad_norm: number;
  /** How many param groups (the first) take their lr from group_lr this step; the others lr times the group's scale. */
  group_lrs: number;
  /** MAX_HARNESS_GROUPS values: the first group_lrs groups' own lr. */
  group_lr: number[];
  /** 1: hold this step's gradients for the next update instead of updating (gradient accumulation) */
  accumulate: number;
  /** The gradients of the loss times this (PyTorch's (loss * s).backward()) */
  loss_scale: number;
  /** 1: the step gave momentum or betas, which set every param group's momentum or β₁ (a scheduler's cycle, as PyTorch's writes every param_group's) */
  momentum_given: number;
}

const Config = koffi.struct({
  num_devices: "int",
  device_ids: "const int *",
  seed: "unsigned long long",
});

/** The symbols of the ABI, for messages. */
export const ABI_SYMBOLS = [
  "tsdp_abi_version",
  "tsdp_manifest_hash",
  "tsdp_create",
  "tsdp_destroy",
  "tsdp_last_error",
  "tsdp_forward",
  "tsdp_get_param",
  "tsdp_set_param",
  "tsdp_set_training",
] as const;

type Fn = ((...args: any[]) => any) & { async?: (...args: any[]) => void };
/** A koffi type: a name, a type object, or a direction marker (koffi does not export its own). */
type Spec = string | TypeObject | ReturnType<typeof koffi.out>;

/** Native memory from koffi.alloc, freed by the caller. */
function allocBytes(bytes: number): bigint {
  // Allocated in 8-byte units: aligned for every dtype, and koffi.alloc counts at most 2^31-1 units.
  const units = Math.max(1, Math.ceil(bytes / 8));
  let p: unknown;
  try {
    p = koffi.alloc("uint64_t", units);
  } catch (e) {
    throw new RangeError(`cannot allocate ${bytes} bytes of host staging memory: ${(e as Error).message}`);
  }
  if (typeof p !== "bigint" || p === 0n) throw new RangeError(`cannot allocate ${bytes} bytes of host staging memory`);
  return p;
}


/**
 * Native copies of `inputs` and room for outputs of the given sizes, with a table of their
 * pointers (inputs first); `free` releases all of it, also when staging fails halfway.
 */
/** The arrays a step stages: the inputs, then the target when the loss takes one (null: a loss of the output alone). */
const withTarget = (inputs: readonly HostArray[], target: HostArray | null): HostArray[] => (target ? [...inputs, target] : [...inputs]);

/** The target's staged block, after the inputs' in the pointer table; NULL for a loss that takes none (the ABI's). */
const targetPointer = (table: bigint, inputs: number, target: HostArray | null): unknown => (target ? koffi.decode(table + BigInt(8 * inputs), "void *") : null);

/** A step's arrays in native memory (NativeLibrary.stageStep): the pointer table, each block, and how many inputs precede the target. */
export interface StagedStep {
  readonly table: bigint;
  readonly ptrs: BigUint64Array;
  readonly inputs: number;
  /** Whether a target block follows the inputs (none for a loss of the output alone). */
  readonly target: boolean;
  /** Blocks for the forward's outputs after the target's (trainStep's `outputs`), then the loss's. */
  readonly outputs: number;
  free(): void;
}

/**
 * Copies between host arrays and native memory. Small arrays go through koffi.encode/decode, not
 * a koffi.view: a view is an external ArrayBuffer whose release waits for the event loop, so a
 * loop of synchronous calls that never yields (forwardSync at batch 1) grew by ~650 bytes a call
 * (infer56: 65 MiB per 100,000). Large ones through a view, which copies once (decode allocates,
 * then copies again: 73 against 47 ms for 64 MiB), at a call rate where the views do not add up.
 */
const VIEW_BYTES = 1 << 20;
function copyIn(p: bigint, a: HostArray): void {
  const bytes = byteLengthOf(a);
  if (bytes >= VIEW_BYTES) new Uint8Array(koffi.view(p, bytes)).set(bytesOf(a));
  else if (bytes > 0) koffi.encode(p, "uint8_t", bytesOf(a), bytes);
}
function copyOut(a: HostArray, p: bigint): void {
  const bytes = byteLengthOf(a);
  if (bytes >= VIEW_BYTES) bytesOf(a).set(new Uint8Array(koffi.view(p, bytes)));
  else if (bytes > 0) bytesOf(a).set(koffi.decode(p, "uint8_t", bytes) as Uint8Array);
}

function stageArrays(inputs: readonly HostArray[], outputBytes: readonly number[]): { table: bigint; ptrs: BigUint64Array; free(): void } {
  const blocks: bigint[] = [];
  const free = () => {
    for (const p of blocks) koffi.free(p);
  };
  try {
    const count = inputs.length + outputBytes.length;
    const table = allocBytes(8 * count);
    blocks.push(table);
    const ptrs = new BigUint64Array(count);
    inputs.forEach((a, i) => {
      const p = allocBytes(byteLengthOf(a));
      blocks.push(p);
      copyIn(p, a);
      ptrs[i] = p;
    });
    outputBytes.forEach((bytes, i) => {
      const p = allocBytes(bytes);
      blocks.push(p);
      ptrs[inputs.length + i] = p;
    });
    koffi.encode(table, "uint64_t", ptrs, count);
    return { table, ptrs, free };
  } catch (e) {
    free();
    throw e;
  }
}

/** The libraries this process has loaded, by absolute path, with the identity of the file loaded. */
const loaded = new Map<string, { id: string; lib: NativeLibrary }>();

/** One loaded model library. */
/**
 * tsdp_optimizer_scalars' slots: NAdam's Πμ and whether SGD's momentum buffers exist (a checkpoint
 * keeps them), the drawing calls since the last step and whether gradients of steps taken with
 * accumulate are held (detectNonFinite's undo restores them).
 */
export interface OptimizerScalars {
  readonly muProduct?: number;
  readonly momentumStarted?: boolean;
  readonly draws?: number;
  readonly holding?: boolean;
}

export class NativeLibrary {
  readonly path: string;
  /** Held so the library stays loaded as long as this binding exists. */
  readonly #lib: LibraryHandle;
  readonly #fn: Record<(typeof ABI_SYMBOLS)[number], Fn>;

  readonly #training: { evaluate?: Fn; evaluateRaw?: Fn; trainStep?: Fn; steps?: Fn; scalars?: Fn };
  readonly #info: { describe?: Fn; stats?: Fn; useGraphs?: Fn; deviceCount?: Fn; countersJson?: Fn; countersReset?: Fn; joinGroup?: Fn; joinRendezvous?: Fn; groupFinalize?: Fn; groupSum?: Fn };

  private constructor(
    path: string,
    lib: LibraryHandle,
    fn: Record<(typeof ABI_SYMBOLS)[number], Fn>,
    training: { evaluate?: Fn; evaluateRaw?: Fn; trainStep?: Fn; steps?: Fn; scalars?: Fn },
    info: { describe?: Fn; stats?: Fn; useGraphs?: Fn; deviceCount?: Fn; countersJson?: Fn; countersReset?: Fn; joinGroup?: Fn; joinRendezvous?: Fn; groupFinalize?: Fn; groupSum?: Fn },
  ) {
    this.path = path;
    this.#lib = lib;
    this.#fn = fn;
    this.#training = training;
    this.#info = info;
  }

  get canTrain(): boolean {
    return Boolean(this.#training.trainStep && this.#training.evaluate && this.#training.steps);
  }

  /** Stages host arrays in native memory, calls `f` with the pointer table, copies outputs back. */
  #staged(inputs: readonly HostArray[], outputs: readonly HostArray[], f: (ins: bigint, outs: bigint) => number): number {
    const staged = stageArrays(inputs, outputs.map(byteLengthOf));
    try {
      const code = f(staged.table, staged.table + BigInt(8 * inputs.length));
      if (code === 0) outputs.forEach((a, i) => copyOut(a, staged.ptrs[inputs.length + i]));
      return code;
    } finally {
      staged.free();
    }
  }

  /**
   * A training step's inputs and target copied into native memory now, with blocks for the
   * forward's outputs when asked (outputBytes) and the loss (trainStepStagedAsync reads them from
   * there): the caller may reuse its arrays at once, and the batch is copied once more, into the
   * library's pinned staging, when the step runs. free() is idempotent; the caller frees once the
   * step has settled (or will never run).
   */
  stageStep(inputs: readonly HostArray[], target: HostArray | null, outputBytes: readonly number[] = []): StagedStep {
    const staged = stageArrays(withTarget(inputs, target), [...outputBytes, 4]);
    let freed = false;
    return {
      table: staged.table,
      ptrs: staged.ptrs,
      inputs: inputs.length,
      target: target !== null,
      outputs: outputBytes.length,
      free: () => {
        if (!freed) staged.free();
        freed = true;
      },
    };
  }

  /**
   * tsdp_train_step on a koffi worker thread, so the event loop (and the next batch's preparation)
   * goes on while the step runs; without waiting (wait false) the loss is not read back (NULL: the
   * step is issued and the call returns). `outputs`, staged with stageStep's outputBytes, receive
   * the forward's outputs when the step succeeds.
   */
  trainStepStagedAsync(h: ModelHandle, batch: number, staged: StagedStep, hp: Hyperparameters, wait = true, outputs: readonly HostArray[] = []): Promise<{ code: number; loss: number }> {
    const first = staged.inputs + (staged.target ? 1 : 0);
    const loss = staged.ptrs[first + staged.outputs];
    const outs = staged.outputs > 0 ? staged.table + BigInt(8 * first) : null;
    return new Promise((resolve, reject) => {
      this.#training.trainStep!.async!(h, batch, staged.table, staged.target ? staged.ptrs[staged.inputs] : null, hp, outs, wait ? loss : null, (err: unknown, code: number) => {
        if (err) return reject(err);
        if (code === 0) outputs.forEach((a, i) => copyOut(a, staged.ptrs[first + i]));
        resolve({ code, loss: wait ? (koffi.decode(loss, "float") as number) : Number.NaN });
      });
    });
  }

  /**
   * #staged on a koffi worker thread: `start` makes the `.async` call with the staged input and
   * output tables and passes it `done`; resolves with the code once the outputs are copied back
   * (when the code is 0). The inputs are copied before this returns.
   */
  #stagedAsync(
    inputs: readonly HostArray[],
    outputs: readonly HostArray[],
    start: (ins: bigint, outs: bigint, done: (err: unknown, code: number) => void) => void,
  ): Promise<number> {
    const staged = stageArrays(inputs, outputs.map(byteLengthOf));
    return new Promise((resolve, reject) => {
      const done = (err: unknown, code: number) => {
        try {
          if (!err && code === 0) outputs.forEach((a, i) => copyOut(a, staged.ptrs[inputs.length + i]));
        } finally {
          staged.free();
        }
        if (err) reject(err);
        else resolve(code);
      };
      try {
        start(staged.table, staged.table + BigInt(8 * inputs.length), done);
      } catch (e) {
        staged.free();
        reject(e);
      }
    });
  }

  /** tsdp_forward on a koffi worker thread (see #stagedAsync). */
  forwardAsync(h: ModelHandle, batch: number, inputs: readonly HostArray[], outputs: readonly HostArray[]): Promise<number> {
    return this.#stagedAsync(inputs, outputs, (ins, outs, done) => this.#fn.tsdp_forward.async!(h, batch, ins, outs, done));
  }

  /** tsdp_evaluate on a koffi worker thread: the loss comes back through one more output block. */
  async evaluateAsync(h: ModelHandle, batch: number, inputs: readonly HostArray[], target: HostArray | null, outputs: readonly HostArray[]): Promise<{ code: number; loss: number }> {
    const loss = new Float32Array(1);
    const code = await this.#stagedAsync(withTarget(inputs, target), [...outputs, loss], (ins, outs, done) =>
      this.#training.evaluateRaw!.async!(h, batch, ins, targetPointer(ins, inputs.length, target), outs, koffi.decode(outs + BigInt(8 * outputs.length), "void *"), done),
    );
    return { code, loss: loss[0] };
  }

  /** tsdp_describe: how the training step runs; "" for libraries built before it existed. */
  describe(h: ModelHandle): string {
    return this.#info.describe ? (this.#info.describe(h) ?? "") : "";
  }

  /** tsdp_device_count: the model's replicas (devices); 1 for libraries without the entry point. */
  deviceCount(h: ModelHandle): number {
    return this.#info.deviceCount ? this.#info.deviceCount(h) : 1;
  }

  /** tsdp_stats: graph captures, graph replays, eager steps, bucket all-reduces issued. */
  stats(h: ModelHandle): number[] {
    const out = new BigUint64Array(4);
    if (this.#info.stats) this.#info.stats(h, out, 4);
    return Array.from(out, Number);
  }

  /**
   * A counter build's hardware counters (runtime/shim/counters.h) as the shim's JSON, for the whole
   * library (every model of it in this process); undefined for libraries of any other flavor.
   */
  shimCounters(): string | undefined {
    return this.#info.countersJson ? (this.#info.countersJson() ?? undefined) : undefined;
  }

  /** Forgets the launches a counter build recorded so far (nothing for other libraries). */
  resetShimCounters(): void {
    this.#info.countersReset?.();
  }

  /** tsdp_join_group: joins the launcher's process group; rank and world size, or the failing code. */
  joinGroup(h: ModelHandle, timeoutSeconds: number): { code: number; rank: number; size: number } {
    if (!this.#info.joinGroup) return { code: -2, rank: 0, size: 1 };
    const info = new Int32Array(2);
    const code: number = this.#info.joinGroup(h, timeoutSeconds, info);
    return { code, rank: info[0], size: info[1] };
  }

  /** tsdp_join_rendezvous: joins a torchrun-style job at host:port (Gloo through the shim at `glooShim`; `generation`: this process's earlier joins); rank and world size, or the failing code. */
  joinRendezvous(h: ModelHandle, timeoutSeconds: number, rank: number, size: number, host: string, port: number, generation: number, glooShim: string): { code: number; rank: number; size: number } {
    if (!this.#info.joinRendezvous) return { code: -2, rank: 0, size: 1 };
    const info = new Int32Array(2);
    const code: number = this.#info.joinRendezvous(h, timeoutSeconds, rank, size, host, port, generation, glooShim, info);
    return { code, rank: info[0], size: info[1] };
  }

  /** tsdp_group_sum: `values` summed in place across the group; the code (-2 without the entry point). */
  groupSum(values: Float64Array): number {
    return this.#info.groupSum ? this.#info.groupSum(values, values.length) : -2;
  }

  /** tsdp_group_finalize (MPI_Finalize); 0 for libraries without it. */
  finalizeGroup(): number {
    return this.#info.groupFinalize ? this.#info.groupFinalize() : 0;
  }

  useGraphs(h: ModelHandle, use: boolean): number {
    return this.#info.useGraphs ? this.#info.useGraphs(h, use ? 1 : 0) : 0;
  }

  /**
   * tsdp_train_step: `inputs` then the target; returns the code and the batch's loss (NaN without
   * waiting); `outputs`, when given, receive the forward's outputs.
   */
  trainStep(h: ModelHandle, batch: number, inputs: readonly HostArray[], target: HostArray | null, hp: Hyperparameters, wait = true, outputs: readonly HostArray[] = []): { code: number; loss: number } {
    const loss = new Float32Array(1);
    const code = this.#staged(withTarget(inputs, target), outputs, (ins, outs) =>
      this.#training.trainStep!(h, batch, ins, targetPointer(ins, inputs.length, target), hp, outputs.length > 0 ? outs : null, wait ? loss : null),
    );
    return { code, loss: wait ? loss[0] : Number.NaN };
  }

  /** tsdp_evaluate: fills `outputs`, returns the code and the loss. */
  evaluate(h: ModelHandle, batch: number, inputs: readonly HostArray[], target: HostArray | null, outputs: readonly HostArray[]): { code: number; loss: number } {
    const loss = [0];
    const code = this.#staged(withTarget(inputs, target), outputs, (ins, outs) =>
      this.#training.evaluate!(h, batch, ins, targetPointer(ins, inputs.length, target), outs, loss),
    );
    return { code, loss: loss[0] };
  }

  /** Optimizer steps taken (get), or set them (when restoring a checkpoint). */
  optimizerSteps(h: ModelHandle, set?: number): { code: number; steps: number } {
    const box = [BigInt(set ?? 0)];
    const code = this.#training.steps!(h, box, set === undefined ? 0 : 1);
    return { code, steps: Number(box[0]) };
  }

  /**
   * The optimizer's scalar state (tsdp_optimizer_scalars): NAdam's mu_product (NaN where unknown)
   * and whether SGD's momentum buffers exist. `set` writes those given (muProduct NaN: recompute).
   */
  optimizerScalars(h: ModelHandle, set?: OptimizerScalars): { code: number } & Required<Pick<OptimizerScalars, "muProduct" | "momentumStarted">> & Pick<OptimizerScalars, "draws" | "holding"> {
    // slots 2 and 3 (the draws since the last step, whether gradients are held) are NaN on return
    // from a library built before them: its harness writes the first two only
    const box = [set?.muProduct ?? Number.NaN, set?.momentumStarted ? 1 : 0, set?.draws ?? Number.NaN, set?.holding === undefined ? Number.NaN : set.holding ? 1 : 0];
    const bits = set === undefined ? 0 : (set.muProduct !== undefined ? 1 : 0) | (set.momentumStarted !== undefined ? 2 : 0) | (set.draws !== undefined ? 4 : 0) | (set.holding !== undefined ? 8 : 0);
    // a library without the entry point (an older build) keeps its buffers and recomputes Πμ
    if (!this.#training.scalars || (set !== undefined && bits === 0)) return { code: 0, muProduct: Number.NaN, momentumStarted: true };
    const code = this.#training.scalars!(h, box, bits);
    return { code, muProduct: box[0], momentumStarted: box[1] !== 0, ...(Number.isNaN(box[2]) ? {} : { draws: box[2], holding: box[3] !== 0 }) };
  }

  /**
   * Loads the library and binds the ABI; throws a clear Error for a missing file or symbol. One
   * binding per file: loading the same unchanged file again returns the same NativeLibrary.
   */
  static open(file: string): NativeLibrary {
    if (koffi.sizeof("void *") !== 8) throw new Error("tsdp's runtime needs a 64-bit Node.js");
    const path = resolve(file);
    let id: string;
    try {
      const st = statSync(path);
      id = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch (e) {
      throw new Error(`cannot load ${path}: ${(e as Error).message}`);
    }
    const seen = loaded.get(path);
    if (seen?.id === id) return seen.lib;

    // The dynamic loader hands back the library already loaded under a path (or with the same
    // inode) instead of reading the file again. When the file changed since this process loaded
    // it (a rebuild), load a private copy of the new file so that the new build is what runs.
    let lib: LibraryHandle;
    let copyDir: string | null = null;
    try {
      let from = path;
      if (seen) {
        copyDir = mkdtempSync(join(tmpdir(), "tsdp-lib-"));
        from = join(copyDir, basename(path));
        copyFileSync(path, from);
      }
      lib = koffi.load(from);
    } catch (e) {
      throw new Error(`cannot load ${path}: ${(e as Error).message}`);
    } finally {
      // Once mapped, the copy is no longer needed on disk.
      if (copyDir) rmSync(copyDir, { recursive: true, force: true });
    }
    const bind = (name: string, result: Spec, args: Spec[]): Fn => {
      try {
        return lib.func(name, result, args);
      } catch (e) {
        throw new Error(
          `${path} does not export ${name} (${(e as Error).message}): a tsdp model library must export ${ABI_SYMBOLS.join(", ")} ` +
            `as extern "C" functions with __attribute__((visibility("default"))); rebuild with tsdp compile`,
        );
      }
    };
    const fn = {
      tsdp_abi_version: bind("tsdp_abi_version", "int", []),
      tsdp_manifest_hash: bind("tsdp_manifest_hash", "const char *", []),
      tsdp_create: bind("tsdp_create", "int", [koffi.pointer(Config), koffi.out(koffi.pointer(ModelPtr))]),
      tsdp_destroy: bind("tsdp_destroy", "int", [ModelPtr]),
      tsdp_last_error: bind("tsdp_last_error", "const char *", [ModelPtr]),
      // The pointer arrays are built in native memory here, so they go across as plain void*.
      tsdp_forward: bind("tsdp_forward", "int", [ModelPtr, "int", "void *", "void *"]),
      // Typed arrays passed as void* give the callee a pointer to their contents for the call.
      tsdp_get_param: bind("tsdp_get_param", "int", [ModelPtr, "const char *", "void *", "unsigned long long"]),
      tsdp_set_param: bind("tsdp_set_param", "int", [ModelPtr, "const char *", "const void *", "unsigned long long"]),
      tsdp_set_training: bind("tsdp_set_training", "int", [ModelPtr, "int"]),
    };
    // The training entry points exist only in libraries built with a training step.
    const optional = (name: string, result: Spec, args: Spec[]): Fn | undefined => {
      try {
        return lib.func(name, result, args);
      } catch {
        return undefined;
      }
    };
    const training = {
      evaluate: optional("tsdp_evaluate", "int", [ModelPtr, "int", "void *", "void *", "void *", koffi.out(koffi.pointer("float"))]),
      // the same entry point with the loss as a plain pointer, for the worker-thread call
      evaluateRaw: optional("tsdp_evaluate", "int", [ModelPtr, "int", "void *", "void *", "void *", "void *"]),
      trainStep: optional("tsdp_train_step", "int", [ModelPtr, "int", "void *", "void *", koffi.pointer(Hparams), "void *", "void *"]),
      steps: optional("tsdp_optimizer_steps", "int", [ModelPtr, koffi.inout(koffi.pointer("unsigned long long")), "int"]),
      scalars: optional("tsdp_optimizer_scalars", "int", [ModelPtr, koffi.inout(koffi.pointer("double")), "int"]),
    };
    const info = {
      describe: optional("tsdp_describe", "const char *", [ModelPtr]),
      stats: optional("tsdp_stats", "int", [ModelPtr, "void *", "int"]),
      useGraphs: optional("tsdp_use_graphs", "int", [ModelPtr, "int"]),
      deviceCount: optional("tsdp_device_count", "int", [ModelPtr]),
      // DistributedDataParallel (runtime/distributed.ts): in libraries that train
      joinGroup: optional("tsdp_join_group", "int", [ModelPtr, "double", "void *"]),
      joinRendezvous: optional("tsdp_join_rendezvous", "int", [ModelPtr, "double", "int", "int", "const char *", "int", "int", "const char *", "void *"]),
      groupFinalize: optional("tsdp_group_finalize", "int", []),
      groupSum: optional("tsdp_group_sum", "int", ["void *", "int"]),
      // only in counter builds (tsdp compile --counters)
      countersJson: optional("tsdp_shim_counters_json", "const char *", []),
      countersReset: optional("tsdp_shim_counters_reset", "void", []),
    };
    const native = new NativeLibrary(path, lib, fn, training, info);
    loaded.set(path, { id, lib: native });
    return native;
  }

  abiVersion(): number {
    return this.#fn.tsdp_abi_version();
  }

  /** The sourceHash the library was built from (null when it returns NULL). */
  manifestHash(): string | null {
    return this.#fn.tsdp_manifest_hash();
  }

  /** tsdp_create. `deviceIds` null: the library's default devices. */
  create(deviceIds: Int32Array | null, seed: bigint): { code: number; handle: ModelHandle | null } {
    const out: unknown[] = [null];
    const config = { num_devices: deviceIds ? deviceIds.length : 0, device_ids: deviceIds, seed };
    const code: number = this.#fn.tsdp_create(config, out);
    const h = out[0];
    return { code, handle: typeof h === "bigint" && h !== 0n ? h : null };
  }

  destroy(h: ModelHandle): number {
    return this.#fn.tsdp_destroy(h);
  }

  /** tsdp_last_error(h), or of tsdp_create when h is null; "" when it returns NULL. */
  lastError(h: ModelHandle | null): string {
    return this.#fn.tsdp_last_error(h) ?? "";
  }

  /**
   * tsdp_forward. The inputs are copied into native memory and the outputs out of it, so the
   * library never sees memory that the JavaScript garbage collector manages.
   */
  forward(h: ModelHandle, batch: number, inputs: readonly HostArray[], outputs: readonly HostArray[]): number {
    return this.#staged(inputs, outputs, (ins, outs) => this.#fn.tsdp_forward(h, batch, ins, outs));
  }

  getParam(h: ModelHandle, name: string, host: HostArray): number {
    return this.#fn.tsdp_get_param(h, name, host, BigInt(byteLengthOf(host)));
  }

  setParam(h: ModelHandle, name: string, host: HostArray): number {
    return this.#fn.tsdp_set_param(h, name, host, BigInt(byteLengthOf(host)));
  }

  setTraining(h: ModelHandle, training: boolean): number {
    return this.#fn.tsdp_set_training(h, training ? 1 : 0);
  }
}
