// manifest.json: the description of a compiled model directory (written by `tsdp compile`, read by
// `load`). This file is the schema, its validation and the seal that binds it to its library;
// nothing here touches native code.
import { createHash } from "node:crypto";
import { NotARegularFile, readRegularFile } from "./build-directory.ts";
import { jsonNestingPast, MAX_JSON_DEPTH } from "./safetensors.ts";
import { BuildDirectoryError, hasControl } from "./errors.ts";

/** manifest.json is a few kilobytes; one this large is not one. */
const MAX_MANIFEST_BYTES = 64 << 20;

/**
 * The ABI version of the C interface this runtime speaks: the generated library's
 * `tsdp_abi_version()` returns it and manifest.json records it. The one place it is written; the
 * compiler takes it from here. 3: tsdp_train_step takes a NULL loss (issue the step, do not wait).
 * 4: tsdp_hparams ends with RMSprop's alpha. 5: … then the gradient clipping's max_grad_norm.
 * 6: … then each param group's own lr (group_lrs, group_lr[9]). 7: … then `accumulate` (gradient accumulation).
 * 8: tsdp_train_step takes the forward's outputs before the loss (NULL: none; trainStep's `outputs`).
 * 9: tsdp_hparams ends with momentum_given (a step's momentum or β₁ set every param group's).
 */
export const ABI_VERSION = 9;
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
  /**
   * int32 values that index a dim of `limit` entries (an embedding's rows, a gather's dim, a loss's
   * classes; compiler/5-codegen/index-limits.ts): the runtime refuses one outside [0, limit), `ignore` excepted.
   */
  readonly indexes?: { readonly limit: number; readonly ignore?: number; readonly torchIgnores?: number };
}

/** One parameter or buffer, by state_dict name (`conv1.weight`, `bn.running_mean`). */
export interface ParamSpec {
  readonly name: string;
  readonly dtype: Dtype;
  readonly shape: readonly number[];
  /**
   * A buffer registered with persistent false that forward changes: state the model keeps between
   * calls, but not in stateDict() or checkpoints (PyTorch's state_dict leaves it out). Absent: persistent.
   */
  readonly persistent?: false;
}

/** One kernel's resources on one architecture, as ptxas reported them (CUDA builds only). */
export interface KernelResources {
  /** The kernel's name without its namespace ("fc1_relu_kernel"). */
  readonly kernel: string;
  /** "sm_80", "sm_90". */
  readonly arch: string;
  readonly registers: number;
  readonly spillStoreBytes: number;
  readonly spillLoadBytes: number;
  /** Local-memory stack frame per thread. */
  readonly stackBytes: number;
  /** Static shared memory per block. */
  readonly sharedBytes: number;
  readonly barriers: number;
}

/** GEMM and convolution arithmetic the library was generated for. */
export type Precision = "fp32" | "tf32" | "bf16";

/** The optimizer and its hyperparameters, PyTorch's defaults filled in ("lr", "momentum", "betas" as beta1/beta2, …). */
export interface OptimizerManifest {
  readonly kind: "SGD" | "Adam" | "AdamW" | "RMSprop" | "Adagrad" | "Adamax" | "Adadelta" | "NAdam" | "RAdam";
  readonly [hyper: string]: number | string | boolean;
}

/** One fused kernel of the forward program, as `tsdp inspect` shows it. */
export interface KernelReport {
  /** The kernel's name in the generated code, without "_kernel" ("conv1_relu"). */
  readonly name: string;
  /** Its IR ops, the anchor first. */
  readonly ops: readonly string[];
  /** The fusion rules that put the other ops into it. */
  readonly fusion: readonly string[];
  /** The TypeScript lines it came from ("model.ts:12  x = this.conv1(x)"). */
  readonly source: readonly string[];
  /** Per sample: what grows with the batch (its fixed part, e.g. a weight read once, is below). */
  readonly flops: number;
  readonly bytes: number;
  /** What does not grow with the batch (absent in manifests written before it existed). */
  readonly fixedFlops?: number;
  readonly fixedBytes?: number;
}

/** A cost as a function of the samples B on a device: perSample·B + fixed. */
export interface AffineCost {
  readonly perSample: number;
  readonly fixed: number;
}

/**
 * One kernel launch of a program, in launch order, with the C expressions model.cu launches it
 * with: `scalars` are the statements before the launch (`const int M = batch * 576;`), then `grid`
 * and `block` are dim3(...) of those and `batch`. compiler/launch-shape.ts evaluates them, so the
 * performance model (tsdp inspect --gpu) uses the launch shapes the library really has.
 */
export interface LaunchReport {
  readonly program: "forward" | "step";
  /** The kernel's name in the generated code, without its namespace ("conv1_relu_pool_kernel"). */
  readonly kernel: string;
  /** The template that rendered it ("gemm", "gemm_tc", "fused_pointwise", …; "harness" for the harness's own kernels). */
  readonly template: string;
  readonly grid: string;
  readonly block: string;
  readonly scalars: readonly string[];
  /** A C condition of the scalars: the launch happens only where it holds (none of today's launches has one; split-K's former sum pass ran when `splits > 1`). */
  readonly when?: string;
  /** A launch made just before this kernel's own, in its block and with its scalars (a split BatchNorm's statistics and sums). */
  readonly precedes?: string;
  readonly flops: AffineCost;
  readonly bytes: AffineCost;
  /** A C expression of the scalars multiplying flops and bytes ("0": a launch cuBLASLt's call makes skip). */
  readonly scale?: string;
  /** The fp32 GEMM template's per-thread sub-tile [TM, TN] (its instruction mix, compiler/perf-model.ts gemmLoop). */
  readonly threadTile?: readonly [number, number];
  /** The fp32 GEMM's FLOPs as its tiles issue them, padding to whole tiles included: a C expression of the scalars. */
  readonly issuedFlops?: string;
  /** Bytes it moves beyond its tensors' (split-K's partial tiles, stored and read back): a C expression of the scalars. */
  readonly workspaceBytes?: string;
}

/** One gradient bucket: all-reduced during the backward, right after the kernel that finishes it. */
export interface BucketReport {
  readonly params: readonly string[];
  readonly bytes: number;
  readonly afterKernel: string;
}

/** The static memory plan of the forward program (compiler/4-memory). */
export interface MemoryReport {
  readonly paramBytes: number;
  readonly activationBytesPerSample: number;
  readonly activationBytesPerSampleWithoutReuse: number;
  readonly fixedBytes: number;
  /** The arenas are shared by forward, evaluate and the training step, sized for the largest. */
  readonly arenaBytesPerSample: number;
  readonly arenaFixedBytes: number;
  /** In-batch pair matrices ([Batch, Batch]): batch² times this per device; absent where there are none. */
  readonly arenaBytesPerPair?: number;
}

/** The training step of a library that has one. */
export interface TrainingManifest {
  readonly loss: string;
  readonly reduction: "mean" | "sum";
  /** null: the loss is a function of the output alone, and the step takes the inputs only (trainStep(x)). */
  readonly target: IOSpec | null;
  /** For int32 targets: the class count they index (the loss input's dim 1); absent in older builds. */
  readonly classes?: number;
  /** A cross-entropy's ignore_index: a target equal to it is no class (and not counted in the mean). */
  readonly ignoreIndex?: number;
  /**
   * Where a mean over counted targets (ignoreIndex, class weights) reads a target the loss derives
   * from the declared one by rearranging and selecting within each sample (Hugging Face's
   * labels[..., 1:] of [Batch, T]: 1 … T − 1): the elements of one sample's declared target it
   * reads, in its order, which the step counts (and the labels' range check and evaluate's accuracy
   * read). Absent: every element once.
   */
  readonly targetOffsets?: readonly number[];
  /**
   * Where such a mean reads targets the loss computes in another way (`masked_fill at lm.ts:12:23`:
   * a maskedFill, arithmetic, labels of its own): the step counts the declared target's per
   * replica, so it trains and evaluates on one replica only (one device, one process).
   */
  readonly targetDerivedAt?: string;
  /** The optimizer's defaults, which `trainStep` options may override. */
  readonly optimizer: OptimizerManifest;
  /** PyTorch's param groups when declared: each group's parameters and its own weight decay (absent: the step's). */
  readonly paramGroups?: readonly {
    readonly params: readonly string[];
    readonly weightDecay?: number;
    readonly lr?: number;
    /** The group's own settings of the optimizer's other hyperparameters (Adadelta's rho as alpha), where it has them. */
    readonly momentum?: number;
    readonly dampening?: number;
    readonly nesterov?: boolean;
    readonly beta1?: number;
    readonly beta2?: number;
    readonly eps?: number;
    readonly alpha?: number;
  }[];
  /** The step's kernels before the optimizer update (and gradient clipping's): the plan's, and the index-fault flag where the build has index-read sites. */
  readonly stepKernels: number;
  /** Informational: gradient buckets in the order the backward completes them. */
  readonly buckets: readonly BucketReport[];
}

/**
 * manifest.json of a compiled model directory: the one schema, which the compiler writes
 * (`satisfies GeneratedManifest`, then the build adds the library's seal) and `load` reads.
 * validateManifest checks every field the runtime relies on; the fields marked informational
 * are typed as the compiler writes them but neither checked nor used by the runtime (the seal
 * still covers them).
 */
export interface Manifest {
  readonly format: typeof MANIFEST_FORMAT;
  readonly abiVersion: typeof ABI_VERSION;
  /** The model class name, e.g. "SimpleModel". */
  readonly model: string;
  /** The model file's name (informational; used in messages). */
  readonly sourceFile?: string;
  /**
   * The seal: hex sha256 of this manifest's contents (every field but the seal fields, see
   * manifestContentHash). The library's `tsdp_manifest_hash()` returns it, so an edited manifest
   * or a library of another build is refused.
   */
  readonly sourceHash: string;
  /** Informational: sha256 of the generated code (with the seal left empty) and target. */
  readonly codeHash?: string;
  /** Hex sha256 and size of the library file, checked before it is loaded (a truncated ELF faults when mapped). */
  readonly librarySha256: string;
  readonly libraryBytes: number;
  readonly target: "cpu" | "cuda";
  /** Informational. */
  readonly precision?: Precision;
  /** The shared library's file name, relative to the directory (normally "libmodel.so"). */
  readonly library: string;
  /** The arguments of `tsdp_forward`, in order. */
  readonly inputs: readonly IOSpec[];
  /** The results of `tsdp_forward`, in order. */
  readonly outputs: readonly IOSpec[];
  /**
   * forward returned an object (`{ logits, hidden }`): the outputs are named by its keys, and the
   * runtime's forward gives an object of them. Absent: one tensor, or an array of them.
   */
  readonly outputsByName?: true;
  readonly params: readonly ParamSpec[];
  readonly buffers: readonly ParamSpec[];
  /**
   * PyTorch's state_dict() keys, in its order: each module's parameters, then its buffers, then its
   * children's. Every param and buffer name once, and the keys of `stateDictAliases`. Absent in
   * manifests written before it: params, then buffers.
   */
  readonly stateDict?: readonly string[];
  /**
   * Keys that name another key's tensor (PyTorch lists a tied weight, or a module held in two
   * fields, under every path): key → the param's or buffer's own name. stateDict() lists them too;
   * loadStateDict and loadCheckpoint take any of a tensor's keys.
   */
  readonly stateDictAliases?: Readonly<Record<string, string>>;
  /**
   * Keys of PyTorch's state_dict that tsdp holds as constants (an integer buffer computed in the
   * constructor: Swin's relative_position_index), key → shape, digest and values: a PyTorch file's
   * value for one is checked against the digest and skipped, since the model computes the same
   * table itself; the values are what stateDict() and checkpoints export (absent for a table of
   * more than 2^20 values, which is checked but not exported).
   */
  readonly stateDictConstants?: Readonly<Record<string, { readonly shape: readonly number[]; readonly sha256: string; readonly values?: readonly number[] }>>;
  /**
   * The most samples one device may take in one call: the kernels index a tensor's elements with
   * 32-bit ints, so ⌈batch / devices⌉ times the largest per-sample tensor must stay below 2^31.
   * Absent in manifests written before it existed (then only MAX_BATCH applies).
   */
  readonly maxSamplesPerDevice?: number;
  /**
   * The fewest samples a device's share may hold where a BatchNorm takes batch statistics from one
   * value per sample and channel ([N, C] input): 2, as PyTorch refuses one value per channel — in
   * training, and in eval too where a BatchNorm keeps no running statistics (eval alone where it runs
   * only in eval: after `if (this.training) return …`). Absent: no such layer.
   */
  readonly minSamplesPerDevice?: { readonly training: number; readonly eval: number };
  /**
   * Where the model pairs the batch's samples with each other ([Batch, Batch]: an in-batch
   * contrastive loss), by file:line: each device pairs the samples of its own share, as PyTorch's DDP
   * does without an all_gather — on one device the whole batch's pairs. Absent: none.
   */
  readonly pairsPerReplica?: readonly string[];
  /** Why PyTorch refuses this model in train mode whatever the batch (each with its file:line): a call in train mode is refused, eval runs. */
  readonly refusedInTraining?: readonly string[];
  /** Modules the model's overridden train(mode) holds in one mode whatever model.train() sets, by path: "eval" (frozen BatchNorm statistics, no dropout) or "train". */
  readonly heldModes?: Readonly<Record<string, "eval" | "train">>;
  /** Informational: the forward program's kernels and memory plan. */
  readonly kernels?: readonly KernelReport[];
  /** Informational: every launch of the forward and the training step, with its launch expressions and costs. */
  readonly launches?: readonly LaunchReport[];
  readonly memory?: MemoryReport;
  /** Informational (issue 20): which GEMMs call cuBLASLt at run time, and why each does or does not. */
  readonly gemm?: GemmReport;
  /** Present when the library has a training step: the loss, its target and the optimizer's defaults. */
  readonly training?: TrainingManifest;
  /** The kernels the user overrides (tsdp eject; kernels/NAME.cu), verified before the library was installed. */
  readonly overrides?: readonly OverrideReport[];
  /** Why the library has no training step, when it has none. */
  readonly trainingUnavailable?: string;
  /** Informational (issue 18): the tuning file the build applied. */
  readonly tuning?: TuningReport;
  /**
   * What ptxas reported per kernel and architecture, when the build was for CUDA. Known only once
   * nvcc has run, after the library embedded the seal, so it is outside the seal (SEAL_FIELDS);
   * informational: the runtime does not rely on it.
   */
  readonly resources?: readonly KernelResources[];
}

/** The tuning file a build applied (compiler/tuning/tuning-file.ts): its knobs per kernel, and its entries that named no kernel. */
export interface TuningReport {
  readonly file: string;
  readonly sha256: string;
  readonly kernels: Readonly<Record<string, Readonly<Record<string, string | number>>>>;
  readonly stale: readonly string[];
  readonly tunedFor?: Readonly<Record<string, unknown>>;
}

/** A generated kernel replaced by the user's file (compiler/6-build/overrides.ts). */
export interface OverrideReport {
  /** The kernel section's name in model.cu. */
  readonly kernel: string;
  /** The user's file, relative to the model's directory. */
  readonly file: string;
  readonly sha256: string;
  /** What it was ejected for (signatures, shapes, launch), as its header records it. */
  readonly fingerprint: string;
}

/** --gemm's choice per GEMM kernel of each program (compiler/5-codegen/kernels/cublaslt.ts). */
export interface GemmReport {
  readonly mode: "auto" | "tsdp" | "cublaslt";
  /** Call sites in model.cu: the harness loads libcublasLt only when there are some. */
  readonly sites: number;
  readonly choices: readonly GemmChoiceReport[];
}

export interface GemmChoiceReport {
  readonly kernel: string;
  readonly program: string;
  readonly role: "forward" | "input-gradient" | "weight-gradient" | "batched" | "matmul" | "convolution" | "other";
  /** cublaslt: the site calls it, with tsdp's kernel as the fallback; tsdp: tsdp's kernel only. */
  readonly library: "cublaslt" | "tsdp";
  /** cuBLASLt's epilogue (NONE, BIAS, RELU, RELU_BIAS, BGRADB). */
  readonly epilogue?: string;
  /** Fused ops applied by a separate per-element pass after cuBLASLt's GEMM. */
  readonly separateEpilogue?: readonly string[];
  /** The bias-gradient kernel BGRADB computes instead (skipped when cuBLASLt runs). */
  readonly replaces?: string;
  readonly why: string;
}

/** The fields the build adds once the library exists (6-build): its seal, and ptxas's report. */
type BuildFields = "librarySha256" | "libraryBytes" | "resources";

/**
 * What code generation writes (compiler/5-codegen), before the build seals it to the library:
 * the fields that older manifests may lack are always present.
 */
export type GeneratedManifest = Omit<Manifest, BuildFields> &
  Required<Pick<Manifest, "sourceFile" | "codeHash" | "precision" | "maxSamplesPerDevice" | "kernels" | "launches" | "memory">>;

const DTYPES: readonly string[] = ["float32", "int32", "int64"];
const TARGETS: readonly string[] = ["cpu", "cuda"];
const MAX_INT32 = 2 ** 31 - 1;

const describe = (v: unknown): string =>
  v === null ? "null" : Array.isArray(v) ? "an array" : typeof v === "string" ? JSON.stringify(v) : typeof v === "object" ? "an object" : String(v);

/**
 * Checks a parsed manifest.json and returns it typed. Throws one Error that names the file and
 * lists every problem found.
 */
/** Keys an object of outputs cannot have: a `then` makes it a thenable (an await would call it), `__proto__` its prototype. */
export const RESERVED_OUTPUT_NAMES: ReadonlySet<string> = new Set(["__proto__", "then", "constructor"]);

export function validateManifest(json: unknown, file: string): Manifest {
  const problems: string[] = [];
  const bad = (msg: string) => problems.push(msg);
  const fail = (): never => {
    const shown = problems.slice(0, 12);
    const more = problems.length > shown.length ? `\n  … and ${problems.length - shown.length} more` : "";
    throw new BuildDirectoryError(`${file}: invalid tsdp manifest:\n  ${shown.join("\n  ")}${more}`, file);
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
    // a newer build wants a newer runtime: rebuilding with this one is the other way out
    const newer = typeof m.abiVersion === "number" && m.abiVersion > ABI_VERSION;
    bad(`"abiVersion" is ${describe(m.abiVersion)}, this runtime supports ${ABI_VERSION}: ${newer ? "the build is newer than this runtime — load it with the tsdp that built it (upgrade tsdp here), or rebuild with this one" : "rebuild with tsdp compile (or use the tsdp that built it)"}`);
    fail();
  }

  const str = (key: string) => {
    if (typeof m[key] !== "string" || (m[key] as string).length === 0) bad(`"${key}" must be a non-empty string, got ${describe(m[key])}`);
  };
  str("model");
  str("library");
  // the model's name starts every runtime message (Net.loadCheckpoint: …): the compiler writes a
  // class name, so a control character (an ESC, a line break, U+202E) is an edited manifest
  if (typeof m.model === "string" && hasControl(m.model)) bad(`"model" must be the model's class name, got ${describe(m.model)}`);
  const hex = (key: string) => {
    if (typeof m[key] !== "string" || !/^[0-9a-f]{64}$/.test(m[key] as string)) bad(`"${key}" must be a hex sha256 (64 characters 0-9a-f), got ${describe(m[key])}`);
  };
  hex("sourceHash");
  hex("librarySha256");
  if (typeof m.libraryBytes !== "number" || !Number.isSafeInteger(m.libraryBytes) || m.libraryBytes < 0)
    bad(`"libraryBytes" must be the library's size in bytes, got ${describe(m.libraryBytes)}`);
  if (m.maxSamplesPerDevice !== undefined &&
      (typeof m.maxSamplesPerDevice !== "number" || !Number.isInteger(m.maxSamplesPerDevice) || m.maxSamplesPerDevice < 1 || m.maxSamplesPerDevice > MAX_INT32))
    bad(`"maxSamplesPerDevice" must be an integer from 1 to ${MAX_INT32}, got ${describe(m.maxSamplesPerDevice)}`);
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
      // names runtime messages quote: identifiers and state_dict keys, never a control character
      if (typeof spec.name !== "string" || spec.name.length === 0 || spec.name.includes("\0") || hasControl(spec.name))
        bad(`${at}.name must be a non-empty printable string, got ${describe(spec.name)}`);
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
      if (spec.persistent !== undefined && (key !== "buffers" || spec.persistent !== false)) bad(`${at}.persistent may only be false, on a buffer; got ${describe(spec.persistent)}`);
      // an output may have no batch dim (a value of the parameters, the same on every replica); one with the batch has it first
      if ((key === "inputs" || (key === "outputs" && spec.shape.includes(BATCH))) && spec.shape[0] !== BATCH)
        bad(`${at}.shape must start with "${BATCH}", got [${spec.shape.map((d) => describe(d)).join(", ")}]`);
    });
  };
  specs("inputs");
  specs("outputs");
  specs("params");
  specs("buffers");
  if (m.outputsByName !== undefined) {
    if (m.outputsByName !== true) bad(`"outputsByName" must be true when present, got ${describe(m.outputsByName)}`);
    // the keys of the object forward returns: identifiers, each once (a key "__proto__" or "then" would change what the object is)
    else if (Array.isArray(m.outputs)) {
      const keys = m.outputs.map((o) => (o as { name?: unknown })?.name);
      keys.forEach((k, i) => {
        if (typeof k === "string" && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) bad(`outputs[${i}].name must be an identifier when outputs are named, got ${describe(k)}`);
        else if (typeof k === "string" && RESERVED_OUTPUT_NAMES.has(k)) bad(`outputs[${i}].name ${describe(k)} cannot name an output`);
        else if (keys.indexOf(k) !== i) bad(`outputs[${i}].name ${describe(k)} appears twice`);
      });
    }
  }
  resourceList(m.resources, bad);
  stateDictKeys(m.stateDict, m.stateDictAliases, bad);
  if (m.stateDictConstants !== undefined) {
    const c = m.stateDictConstants;
    const table = (t: unknown) => {
      if (typeof t !== "object" || t === null) return false;
      const { shape, sha256, values } = t as { shape?: unknown; sha256?: unknown; values?: unknown };
      if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0 && d <= MAX_INT32) || !/^[0-9a-f]{64}$/.test(String(sha256))) return false;
      // the values a stateDict() exports as int64: whole numbers, as many as the shape holds
      return values === undefined || (Array.isArray(values) && values.length === shape.reduce((a: number, d: number) => a * d, 1) && values.every((v) => Number.isSafeInteger(v)));
    };
    if (typeof c !== "object" || c === null || Array.isArray(c) || !Object.values(c).every(table))
      bad(`"stateDictConstants" must be an object of key → { shape, sha256, values? }, got ${describe(c)}`);
  }

  if (problems.length > 0) fail();
  // Frozen: the runtime's checks rely on these shapes, so nothing may change them after loading.
  return deepFreeze(m) as unknown as Manifest;
}

/**
 * The optional state_dict order and aliases, by form: keys once each, aliases naming strings. That
 * they name the model's params and buffers is the seal's to promise (an edit breaks it), and
 * runtime/state-dict.ts reads only names it finds.
 */
function stateDictKeys(order: unknown, aliases: unknown, bad: (msg: string) => void): void {
  if (aliases !== undefined && (typeof aliases !== "object" || aliases === null || Array.isArray(aliases) || Object.values(aliases).some((v) => typeof v !== "string")))
    bad(`"stateDictAliases" must be an object of key → param or buffer name, got ${describe(aliases)}`);
  if (order === undefined) return;
  if (!Array.isArray(order)) {
    bad(`"stateDict" must be an array of keys, got ${describe(order)}`);
    return;
  }
  const seen = new Set<string>();
  order.forEach((k: unknown, i: number) => {
    if (typeof k !== "string" || k.length === 0) bad(`stateDict[${i}] must be a non-empty string, got ${describe(k)}`);
    else if (seen.has(k)) bad(`stateDict[${i}] ${describe(k)} appears twice`);
    else seen.add(k);
  });
}

const RESOURCE_COUNTS = ["registers", "spillStoreBytes", "spillLoadBytes", "stackBytes", "sharedBytes", "barriers"] as const;

/** The optional `resources` list: absent, or one {kernel, arch, counts} object per kernel and architecture. */
function resourceList(list: unknown, bad: (msg: string) => void): void {
  if (list === undefined) return;
  if (!Array.isArray(list)) {
    bad(`"resources" must be an array, got ${describe(list)}`);
    return;
  }
  list.forEach((r: unknown, i: number) => {
    const at = `resources[${i}]`;
    if (typeof r !== "object" || r === null || Array.isArray(r)) {
      bad(`${at} must be an object {kernel, arch, registers, …}, got ${describe(r)}`);
      return;
    }
    const e = r as Record<string, unknown>;
    if (typeof e.kernel !== "string" || e.kernel.length === 0) bad(`${at}.kernel must be a non-empty string, got ${describe(e.kernel)}`);
    if (typeof e.arch !== "string" || !/^sm_\d{2,3}[af]?$/.test(e.arch)) bad(`${at}.arch must be like "sm_90", got ${describe(e.arch)}`);
    for (const k of RESOURCE_COUNTS)
      if (typeof e[k] !== "number" || !Number.isSafeInteger(e[k]) || (e[k] as number) < 0) bad(`${at}.${k} must be a count (integer ≥ 0), got ${describe(e[k])}`);
  });
}

function deepFreeze<T>(v: T): T {
  if (typeof v === "object" && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

/** The fields that seal a manifest to its library, left out of manifestContentHash. */
export const SEAL_FIELDS: readonly string[] = ["sourceHash", "librarySha256", "libraryBytes", "resources"];

/** JSON with object keys sorted at every level: one text per value, whatever the key order. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (typeof v === "object" && v !== null)
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  return JSON.stringify(v);
}

/**
 * The hash the compiler embeds in the library (`tsdp_manifest_hash()`) and writes as the manifest's
 * sourceHash: sha256 of the manifest's canonical JSON without the seal fields. Any edit of any
 * other field (inputs, outputs, dtypes, params, target, …) changes it.
 */
export function manifestContentHash(manifest: object): string {
  // Through JSON first, so that the compiler's in-memory object and the parsed file agree
  // (undefined fields dropped, numbers printed the same way).
  const plain = JSON.parse(JSON.stringify(manifest)) as Record<string, unknown>;
  for (const k of SEAL_FIELDS) delete plain[k];
  return createHash("sha256").update(canonicalJson(plain)).digest("hex");
}

/** Hex sha256 of some bytes (the library's, for the seal). */
export const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");

/**
 * What is wrong with a library's bytes for this manifest (truncated, replaced, from another
 * build), or null when they are the ones the manifest was sealed with.
 */
export function libraryMismatch(manifest: Pick<Manifest, "librarySha256" | "libraryBytes">, bytes: Uint8Array): string | null {
  return digestMismatch(manifest, bytes.length, () => sha256(bytes));
}

/** libraryMismatch of a file known by its size and its sha256 (computed only when the size fits). */
export function digestMismatch(manifest: Pick<Manifest, "librarySha256" | "libraryBytes">, size: number, digest: () => string): string | null {
  if (size !== manifest.libraryBytes)
    return `it has ${size} bytes, the manifest says ${manifest.libraryBytes} (${size < manifest.libraryBytes ? "truncated" : "replaced or appended to"})`;
  const actual = digest();
  if (actual !== manifest.librarySha256) return `its sha256 is ${actual}, the manifest says ${manifest.librarySha256} (corrupted or replaced)`;
  return null;
}

/** Parses and validates `text` as `file`; throws BuildDirectoryError naming the file. `hint` ends the message (what to run). */
export function parseManifest(text: string, file: string, hint = "rebuild the model with tsdp compile"): Manifest {
  // before anything walks it recursively (validation, deepFreeze, the content hash): 20,000 nested
  // arrays overflowed the stack, a message that named neither the file nor the cause
  const deep = jsonNestingPast(text);
  if (deep !== undefined)
    throw new BuildDirectoryError(`${file} nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels (at character ${deep}); a manifest tsdp writes nests a few: ${hint}`, file);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new BuildDirectoryError(`${file} is not valid JSON (${(e as Error).message}): ${hint}`, file);
  }
  let manifest: Manifest;
  try {
    manifest = validateManifest(json, file);
  } catch (e) {
    throw new BuildDirectoryError(`${(e as Error).message}\n${hint}`, file);
  }
  const actual = manifestContentHash(manifest);
  if (actual !== manifest.sourceHash)
    throw new BuildDirectoryError(
      `${file} was edited after tsdp compile wrote it (its contents hash to ${actual}, its sourceHash says ${manifest.sourceHash}); ` +
        `the library was built for the original, so it is not loaded: ${hint}`,
      file,
    );
  return manifest;
}

/** Reads, validates and checks the seal of `file` (a manifest.json), with messages that name the file. */
export async function readManifest(file: string, hint?: string): Promise<Manifest> {
  return parseManifest(readManifestText(file, hint), file, hint);
}

/** The text of a manifest.json (a regular file of sane size), with messages that name it. */
export function readManifestText(file: string, hint = "rebuild the model with tsdp compile"): string {
  try {
    return readRegularFile(file, MAX_MANIFEST_BYTES).toString("utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new BuildDirectoryError(`${file} not found: is this a model directory produced by tsdp compile?`, file);
    if (e instanceof NotARegularFile) throw new BuildDirectoryError(`${(e as Error).message}: ${hint}`, file);
    throw new BuildDirectoryError(`cannot read ${file}: ${(e as Error).message}: ${hint}`, file);
  }
}

/** Number of elements of a fixed shape ([] is a scalar: 1). */
export const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** "float32 [Batch, 1, 28, 28]" */
export const formatSpec = (s: { dtype: Dtype; shape: readonly Dim[] }): string => `${s.dtype} [${s.shape.join(", ")}]`;
