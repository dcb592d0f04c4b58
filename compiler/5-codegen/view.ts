// The typed view model the templates render. Every name, index expression, tile size and launch
// shape is computed here or in kernels/*.ts; templates only place these strings.

export interface KernelView {
  /** The template in templates/kernels/ that renders this kernel. */
  readonly template: string;
  /** C identifier stem: conv1_relu_pool → conv1_relu_pool_kernel, launch_conv1_relu_pool. */
  readonly name: string;
  /** One line: what the kernel computes, with shapes. */
  readonly summary: string;
  /** The TypeScript lines it came from: "model.ts:12  x = this.pool(F.relu(this.conv1(x)));" */
  readonly source: readonly string[];
  /** Fusion rules applied, for the comment. */
  readonly rules: string;
  /** Family-specific fields the template uses. */
  readonly [field: string]: unknown;
}

/** A pointer the launcher passes to the kernel. */
export interface ArgView {
  readonly decl: string; // "const float* __restrict__ x"
  readonly value: string; // the launcher's expression for it
  readonly comment: string; // shape comment
}

export interface LaunchView {
  readonly name: string;
  readonly kernel: string;
  readonly grid: string;
  readonly block: string;
  readonly sharedBytes: string;
  readonly args: readonly ArgView[];
  /** Extra scalar arguments after the pointers ("batch", "rows"). */
  readonly scalars: readonly string[];
  readonly summary: string;
  readonly source: readonly string[];
}

export interface ValueView {
  readonly name: string;
  readonly cType: string;
  readonly shape: string;
  readonly arena: "batch" | "fixed" | "params";
  readonly offset: number;
  readonly bytes: number;
  /** Pointer expression in the harness, e.g. (float*)(m->batch_arena + 11520 * batch). */
  readonly pointer: string;
}

// The view of templates/model.cu.hbs: tables the harness reads through tsdp_model_desc
// (runtime/harness/harness.h). Each row is an object whose fields the template writes as
// designated initializers (.name = …), so no C initializer is assembled here by position.

/** A tsdp_tensor_info row: a program's input or output. */
export interface TensorRowView {
  /** A C string literal. */
  readonly name: string;
  readonly offset: number;
  readonly bytes: number;
  /** A tsdp_dtype enumerator. */
  readonly dtype: "TSDP_F32" | "TSDP_I32" | "TSDP_I64";
  readonly batched: 0 | 1;
  /** For the comment. */
  readonly shape: string;
}

/** A tsdp_state_info row: a parameter or buffer and its initialization. */
export interface StateRowView {
  readonly name: string;
  readonly offset: number;
  readonly bytes: number;
  readonly dtype: TensorRowView["dtype"];
  readonly count: number;
  /** A tsdp_init_kind enumerator. */
  readonly init: "TSDP_INIT_CONSTANT" | "TSDP_INIT_UNIFORM" | "TSDP_INIT_NORMAL";
  /** A C double literal. */
  readonly a: string;
  readonly zeroRow: number;
  readonly stream: number;
  readonly row: number;
  readonly shape: string;
}

/** A tsdp_bucket_info row. */
export interface BucketRowView {
  readonly offsetFloats: number;
  readonly countFloats: number;
  readonly segment: number;
  readonly bytes: number;
  /** The parameters in it, escaped for a comment. */
  readonly params: string;
}

/** One program: run_<name> with its launches by segment, and its tsdp_program_desc. */
export interface ProgramView {
  readonly name: string;
  readonly segments: readonly { readonly index: number; readonly comment: string; readonly launches: readonly LaunchView[] }[];
  readonly segmentCount: number;
  readonly ins: readonly TensorRowView[];
  readonly outs: readonly TensorRowView[];
  readonly inCount: number;
  readonly outCount: number;
}

/** The tsdp_training_desc of a model that trains. */
export interface TrainingView {
  readonly evaluate: ProgramView;
  readonly step: ProgramView;
  readonly meanLoss: 0 | 1;
  /** A tsdp_optimizer_kind enumerator. */
  readonly optimizerKind: "TSDP_SGD" | "TSDP_ADAM" | "TSDP_ADAMW";
  readonly optimizerName: string;
  readonly paramsOnlyFloats: number;
  readonly buckets: readonly BucketRowView[];
  readonly bucketCount: number;
  readonly largestBucketFloats: number;
}

export interface ModelView {
  readonly tensorCores: boolean;
  readonly precision: string;
  /** Comment text: the model, its file, its inputs and outputs. */
  readonly model: string;
  readonly sourceFile: string;
  readonly inputsDesc: string;
  readonly outputsDesc: string;
  readonly kernelCount: number;
  readonly stepKernelCount: number;
  readonly paramBytes: number;
  readonly batchBytesPerSample: number;
  readonly unsharedBatchBytesPerSample: number;
  readonly fixedBytes: number;
  /** Each kernel rendered by its template, once. */
  readonly kernelTexts: readonly string[];
  readonly kernelNamespace: string;
  readonly programs: readonly ProgramView[];
  readonly forward: ProgramView;
  readonly state: readonly StateRowView[];
  readonly stateCount: number;
  readonly inputCount: number;
  readonly outputCount: number;
  readonly training: TrainingView | undefined;
  /** The manifest's seal, returned by tsdp_manifest_hash ("" while the code hash is taken). */
  readonly sourceHash: string;
}

/** The view of templates/model.h.hbs. */
export interface HeaderView {
  readonly model: string;
  readonly sourceFile: string;
  readonly training: boolean;
  readonly inputsDesc: readonly string[];
  readonly outputsDesc: readonly string[];
}
