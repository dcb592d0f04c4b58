// The typed view model the templates render. Every name, index expression, tile size and launch
// shape is computed here or in kernels/*.ts; templates only place these strings.

/** What every kernel template shows: its name, what it computes, and where it came from. */
interface KernelViewBase {
  /** C identifier stem: conv1_relu_pool → conv1_relu_pool_kernel, launch_conv1_relu_pool. */
  readonly name: string;
  /** One line: what the kernel computes, with shapes. */
  readonly summary: string;
  /** The TypeScript lines it came from: "model.ts:12  x = this.pool(F.relu(this.conv1(x)));" */
  readonly source: readonly string[];
  /** Fusion rules applied, for the comment. */
  readonly rules: string;
  /** The kernel's pointer parameters, comma-separated declarations. */
  readonly params: string;
}

// One view per template in templates/kernels/. The division is the same everywhere: what an op
// computes (an element's expression, a reduction's identity, step and finish, a loss per row)
// comes from TypeScript as C expressions or statements; a template holds only the loops, the
// tiling, the thread mapping and the synchronization around them.

/** fused_pointwise.cu.hbs: a fused chain of pointwise ops, one thread per output element. */
import type { BlasCallView } from "./kernels/cublaslt.ts";

export interface FusedPointwiseView extends KernelViewBase {
  readonly template: "fused_pointwise";
  /** The run's counters the body reads (a random draw's step, draw and sample0), each a statement; none for most kernels. */
  readonly counters: readonly string[];
  readonly count: string;
  /** Statements decomposing the flat index into the coordinates the loads use. */
  readonly coordinates: readonly string[];
  readonly loads: readonly string[];
  /** One `const float tN = <op's expression>;` per fused op. */
  readonly body: readonly string[];
  readonly result: string;
  readonly batched: boolean;
}

/** per_element.cu.hbs: one thread per output element running `body` (gathers, scatters, pools). */
export interface PerElementView extends KernelViewBase {
  readonly template: "per_element";
  /** The threads' work, where it is not one output element each (a scan's line). */
  readonly note?: string;
  readonly count: string;
  readonly body: readonly string[];
}

/**
 * pool_window_grad.cu.hbs: a max pool's gradient where the windows tile the input (stride = kernel,
 * no padding): one thread per window finds its first maximum once and writes the gradient of each of
 * its KH×KW elements, a row at a time (float2 rows where KW = 2).
 */
export interface PoolWindowGradView extends KernelViewBase {
  readonly template: "pool_window_grad";
  /** The number of windows, a C expression of `batch`. */
  readonly windows: string;
  readonly OH: number;
  readonly OW: number;
  readonly H: number;
  readonly W: number;
  readonly KH: number;
  readonly KW: number;
  /** 0 … KH − 1: the window's rows, one block each (unrolled in the source). */
  readonly rows: readonly number[];
  /** Rows of two elements, read and written as one float2 each (8-byte aligned: W and the window's column even). */
  readonly pairs: boolean;
  /** The element epilogue's statements on `acc`, at the element's flat index `i`, with x's value in `v[r][c]`. */
  readonly epilogue: readonly string[];
  /** Whether they read `i` (an operand other than x, an op of the element's position). */
  readonly epilogueIndex: boolean;
}

/** The operand gather of a GEMM (see SplitGather in kernels/gemm.ts). */
export interface GatherView {
  readonly rowFields: string;
  readonly rowInit: string;
  readonly colFields: string;
  readonly colInit: string;
  readonly value: string;
}

/** What gemm.cu.hbs and gemm_tc.cu.hbs share: the operands' index maps and the epilogue. */
export interface GemmViewBase extends Omit<KernelViewBase, "params"> {
  readonly BM: number;
  readonly BN: number;
  readonly BK: number;
  readonly N: number;
  readonly K: number | string; // a C expression of `batch` when the reduction runs over the batch
  readonly mDesc: string;
  readonly loadA: string;
  readonly loadB: string;
  readonly store: string;
  readonly hasBias: boolean;
  readonly biasIndex: string;
  /** The fused epilogue: statements on the accumulator `v`. */
  readonly activation: readonly string[];
  readonly extraParams: readonly string[];
  readonly pooled: boolean;
  /**
   * conv-pool-stored: the kernel stores each pre-pool value too (`store`, into the `unpooled`
   * parameter) and pools them with the pool's own fold (`fold` of `v` into `best`, from `identity`).
   */
  readonly unpooled?: {
    readonly store: string;
    readonly identity: string;
    readonly fold: string;
    /** GemmIndexMaps.unpooledPairs: the stores of the window's values vs[0..3] as two float2 (fp32 template); else one `store` each. */
    readonly pairs?: readonly string[];
  };
  /** Outputs the kernel writes besides `out` (gemm-row-sums' rowsum, conv-pool-stored's unpooled), before `out`. */
  readonly outputParams: readonly string[];
  readonly scalarParams: string;
}

/** gemm.cu.hbs: fp32 on CUDA cores, a register-tiled block of BM×BN. */
export interface GemmView extends GemmViewBase {
  readonly template: "gemm";
  readonly TM: number;
  readonly TN: number;
  readonly THREADS: number;
  readonly A_LOADS: number;
  readonly B_LOADS: number;
  readonly ROWS_STEP: number;
  /** "GPU" or "CPU target": whose shapes these are (a comment). */
  readonly shapeFor: string;
  /** Row lengths of the shared tiles As[BK][LDA] and Bs[BK][LDB], padded against bank conflicts. */
  readonly LDA: number;
  readonly LDB: number;
  /** 2·BK, and the k-steps each shared tile holds: BK, or 2·BK for a ring (ringA, ringB). */
  readonly BK2: number;
  /** BK − 1 (BK a power of two): k mod BK. */
  readonly BK_MASK: number;
  readonly A_SLOTS: number;
  readonly B_SLOTS: number;
  /** The operand, staged along k, is read from each row's sector boundary into a ring of two k-steps. */
  readonly ringA?: GemmRingView;
  readonly ringB?: GemmRingView;
  readonly rings: readonly GemmRingView[];
  /** The operand is one k-step of packed rows, copied as one span and transposed (kernels/gemm-flat.ts). */
  readonly flatA?: GemmFlatView;
  readonly flatB?: GemmFlatView;
  readonly flats: readonly GemmFlatView[];
  /** The operand is staged with consecutive threads along m (n), where it is contiguous in memory. */
  readonly rowMajorA: boolean;
  readonly rowMajorB: boolean;
  /** The operand, staged along m (n), is read from each k's sector boundary: its rows along m (n) start mid-sector. */
  readonly windowA?: GemmWindowView;
  readonly windowB?: GemmWindowView;
  /** A conv forward's A gathered from x's rows staged in shared memory (kernels/gemm-patch.ts). */
  readonly patchA?: GemmPatchView;
  /** A conv weight gradient's B gathered from x's rows staged in shared memory (kernels/gemm-patch-wgrad.ts). */
  readonly patchB?: GemmPatchBView;
  /** Either patch's copy geometry (the copy of x's rows is the same function for both). */
  readonly patchCopy?: GemmPatchGeometryView;
  readonly windows: readonly GemmWindowView[];
  /** k distance between a thread's staged columns in the m-major (n-major) staging. */
  readonly A_COL_STEP: number;
  readonly B_COL_STEP: number;
  /** A C condition over m0, k0, batch and M: the block skips the k-step (GemmIndexMaps.kSkip), or undefined. */
  readonly kSkip?: string;
  /** K split over blocks along grid.z, then summed by each tile's last block. */
  readonly splitK?: { readonly maxSplits: number; readonly minChunk: number; readonly wanted: number };
  /** The CPU target's blocked K sum: STEPS k-steps (DEPTH k) per block, each block's sum added into a total in double. */
  readonly kBlock?: { readonly STEPS: number; readonly DEPTH: number };
  readonly gatherA: GatherView;
  readonly gatherB: GatherView;
  /** The thread's sub-tile in runs of 4 rows (columns), RUN_M (RUN_N) apart; ROW_OF / COL_OF: its i-th row, j-th column in the block tile, as C. */
  readonly RUNS_M: number;
  readonly RUNS_N: number;
  readonly RUN_M: number;
  readonly RUN_N: number;
  readonly ROW_OF: string;
  readonly COL_OF: string;
  /** The inner loop's LDS.128 operand reads and their registers ra, rb. */
  readonly fmaLoads: readonly string[];
  readonly tileNote: string;
  /** The split-K workspace's row length: N rounded up to 8, so that partial rows are whole float4s on 32-byte sectors. */
  readonly WS_N: number;
  /** The output comes in aligned runs of 4 along m or n: float4 epilogue stores (GemmIndexMaps.storeRun). */
  readonly storeRun?: GemmStoreRunView;
  /** The epilogue sums C's taps into input pixels from shared memory instead of storing C (GemmIndexMaps.col2im). */
  readonly col2im?: GemmCol2imView;
  /** Rows of N floats (N not a multiple of 4) held whole by the tile: stored through shared memory as one span (kernels/gemm-rows-epilogue.ts). */
  readonly rows?: GemmRowsEpilogueView;
}

/**
 * Flat staging of one operand in gemm.cu.hbs (kernels/gemm-flat.ts): one k-step, the tile's rows one
 * packed span, copied whole sectors into the second half of the operand's buffer, then transposed
 * into its k-major tile by boxes of P rows × Q k per warp.
 */
export interface GemmFlatView {
  readonly op: "a" | "b";
  readonly OP: "A" | "B";
  /** The row variable of the operand's load (m for A, n for B) and its offset expression at k = 0. */
  readonly row: "m" | "n";
  readonly offset: string;
  readonly LD: number;
  /** The tile's rows (BM or BN), and the operand's row count as C (M, or N's number). */
  readonly ROWS: number;
  readonly LIMIT: string;
  /** A warp's box in the transpose: P rows × Q k; element e's k and row as C (of e and box = e / 32); ITEMS elements per thread. */
  readonly P: number;
  readonly Q: number;
  readonly K_OF: string;
  readonly R_OF: string;
  readonly ITEMS: number;
  /** The span, for the kernel's comment. */
  readonly why: string;
}

/** Ring staging of one operand in gemm.cu.hbs: rows contiguous along k, read from their sector boundary. */
export interface GemmRingView {
  readonly op: "a" | "b";
  readonly OP: "A" | "B";
  /** The row variable of the operand's load (m for A, n for B) and its offset expression at k = 0. */
  readonly row: "m" | "n";
  readonly offset: string;
  readonly LD: number;
  readonly LOADS: number;
  /** The ring's k-steps in slots (2·BK), and SLOTS − 1 to take a slot modulo SLOTS. */
  readonly SLOTS: number;
  readonly MASK: number;
  /** Where a row starts, for the kernel's comment. */
  readonly why: string;
}

/**
 * Window staging of one operand in gemm.cu.hbs: staged along m (n), where it is contiguous, but each
 * k's run starts anywhere in a sector; read from the sector boundary at or below the tile's first row.
 */
/**
 * What both patch stagings of a convolution's input give their template: sizes, and C expressions
 * of the geometry (kernels/gemm-patch.ts, gemm-patch-wgrad.ts).
 */
export interface GemmPatchGeometryView {
  /** Image slots (of a block, or of a k-step), channels (of a k-step, or of a block's taps), floats per segment (one slot's rows of one channel), per buffer. */
  readonly NI: number;
  readonly NC: number;
  readonly SEG: number;
  readonly BUF: number;
  /** Floats per image and per channel plane, the plane's width (and − 1) and height, taps per channel (KH·KW), KW, KH, channels per group. */
  readonly IMAGE: number;
  /** The image count, a C expression of `batch`. */
  readonly IMAGES: string;
  readonly PLANE: number;
  readonly W: number;
  readonly W_1: number;
  readonly H: number;
  readonly KK: number;
  readonly KW: number;
  readonly KH: number;
  readonly Cg: number;
  /** The first and last input rows of the pixels first … last of one image (C over `first`, `last`). */
  readonly rowsFirst: string;
  readonly rowsLast: string;
  /** Statements setting img, oh, ow from pixel m; its top-left input pixel (ih0, iw0) and a tap's offsets (dh, dw from kh, kw), as C. */
  readonly pixel: string;
  readonly ih0: string;
  readonly iw0: string;
  readonly dh: string;
  readonly dw: string;
  /** The convolution pads x: a tap may fall outside it (clamped to the staged pixels for its read). */
  readonly PADDED: boolean;
  readonly why: string;
}

/** The patch staging of a conv weight gradient's input (kernels/gemm-patch-wgrad.ts): its pixels are k, its taps n. */
export interface GemmPatchBView extends GemmPatchGeometryView {
  /** Pixels (k) per image. */
  readonly PPI: number;
  /** Taps (the GEMM's N without its column of ones), and whether that column follows them (the bias gradient's row sums). */
  readonly TAPS: number;
  readonly ONES: boolean;
  /** The block column a thread stages at its step i, as C over br0, i (and border). */
  readonly column: string;
  /** Where the columns are grouped (kernels/gemm-patch-wgrad.ts): the thread class's order as C (a 64-bit word by br0), and the requests that differ from the columns in order ("i: their columns"). */
  readonly order?: string;
  readonly requests?: readonly string[];
}

/** The patch staging of a conv forward's input (kernels/gemm-patch.ts): its pixels are the tile rows m, its taps k. */
export interface GemmPatchView extends GemmPatchGeometryView {
  /** Rows (m) per image. */
  readonly RPI: number;
  /** How many taps behind a thread of tile row `ar` takes the k-step's taps (C), and that for a window's bottom row. */
  readonly rotation: string;
  readonly ROT: number;
  /** The window partner's delay (its other row, the other dy), and its first input row relative to this row's (C over `ar`). */
  readonly partnerRotation: string;
  readonly partnerRows: string;
  /** Rows past M take the pixel of row M − ROW_GROUP + row mod ROW_GROUP (the last window's, pooled; else the last row's). */
  readonly ROW_GROUP: number;
}

export interface GemmWindowView {
  readonly op: "a" | "b";
  readonly OP: "A" | "B";
  /** The row variable of the operand's load (m for A, n for B), and where k's run starts at row 0. */
  readonly row: "m" | "n";
  readonly offset: string;
  /** The tile's rows (BM or BN): the run one k holds. */
  readonly ROWS: number;
  /** The row function's arguments after the row (A's takes M). */
  readonly rowArgs: string;
  /** Where a run starts, for the kernel's comment. */
  readonly why: string;
}

/** The col2im epilogue of gemm.cu.hbs (ops/conv-col2im.ts). */
export interface GemmCol2imView {
  /** C's rows per image and columns per channel. */
  readonly R: number;
  readonly T: number;
  /** The block's images (BM / R) and channels (BN / T), and the channels of the group (N / T). */
  readonly IMAGES: number;
  readonly CHANNELS: number;
  readonly Cg: number;
  /** dx's image count N, a C expression of `batch`. */
  readonly COUNT: string;
  /** dx's pixels per image, and the block's outputs: IMAGES · CHANNELS · H · W. */
  readonly H: number;
  readonly W: number;
  readonly OUTPUTS: number;
  /** Floats of the shared buffer the operand tiles and then C's tile take in turn. */
  readonly SHARED_FLOATS: number;
  /** Statements setting `v` to an input pixel's sum of taps (GemmCol2im.sum). */
  readonly sum: readonly string[];
}

/** The rows epilogue of gemm.cu.hbs (kernels/gemm-rows-epilogue.ts). */
export interface GemmRowsEpilogueView {
  /** BM·N: the floats of the tile's span, and the operand tile it is staged over (the first that holds it). */
  readonly FLOATS: number;
  readonly buffer: "As" | "Bs";
  /** C: how far a lane turns the row (column) index of each value it writes, where lanes do (rr, rc), and the turned index (ir, jr). */
  readonly rowTurn?: string;
  readonly rowTurned?: string;
  readonly colTurn?: string;
  readonly colTurned?: string;
  /** One select of the accumulator per nonzero turn lanes take (its indices constant once unrolled). */
  readonly picks: readonly string[];
  readonly layoutNote: string;
  /** ROW_OF and COL_OF with the turned indices `ir`, `jr` for `i`, `j`. */
  readonly ROW_OF_TURNED: string;
  readonly COL_OF_TURNED: string;
}

/** The float4 epilogue of gemm.cu.hbs. */
export interface GemmStoreRunView {
  readonly along: "m" | "n";
  readonly alongN: boolean;
  /** The flat output index of the run's first element, over mRun (nRun) and the other index. */
  readonly runIndex: string;
  /** The epilogue statements on `v`, with epilogue operands read from x0[lane], x1[lane], … */
  readonly activation: readonly string[];
  /** Statements loading each epilogue operand's run (x0, x1, …) at `at`, the run's flat index. */
  readonly loads: readonly string[];
  /** The bias is read as one float4 per thread (bias index n along a run of n). */
  readonly biasRun: boolean;
  /** gemm-row-sums: the run at `column` (the column of ones, alone in its run) is A's row sums, one scalar store per row. */
  readonly rowSums?: { readonly column: number; readonly store: string };
}

/** gemm_tc.cu.hbs: mma.sync on tensor cores in tf32 or bf16, fed by a cp.async pipeline. */
export interface GemmTensorCoreView extends GemmViewBase {
  readonly template: "gemm_tc";
  readonly precision: "tf32" | "bf16";
  readonly tf32: boolean;
  readonly mmaShape: string;
  readonly MMA_K: number;
  readonly MIN_BLOCKS: number;
  readonly WARPS_M: number;
  readonly WARPS_N: number;
  /** A warp's tile of C, and its mma tiles along m (16 rows each) and n (8 columns each). */
  readonly WM: number;
  readonly WN: number;
  readonly MI: number;
  readonly NI: number;
  readonly THREADS: number;
  readonly STAGES: number;
  readonly sharedBytes: number;
  /** The operand's shared tile is [rows][BK] (k-major) rather than [BK][rows]. */
  readonly aKMajor: boolean;
  readonly bKMajor: boolean;
  /** C offset expressions of the swizzled layouts, over (m, k) and (n, k). */
  readonly offsetA: string;
  readonly offsetB: string;
  /** The index expression of A[m][k] (B[k][n]) when 4 consecutive staged elements are adjacent in memory: cp.async. */
  readonly vectorA?: string;
  readonly vectorB?: string;
  /** The index a staging chunk runs along ("k", "m" or "n"), and how each operand is staged (a comment). */
  readonly aAlong: string;
  readonly bAlong: string;
  readonly aLayout: string;
  readonly bLayout: string;
  readonly aStaging: string;
  readonly bStaging: string;
  readonly CHUNKS_A: number;
  readonly CHUNKS_B: number;
  /** The output is contiguous along n: the epilogue writes whole rows through a per-warp shared tile of row length CLD. */
  readonly stagedEpilogue: boolean;
  readonly CLD: number;
}

/** One reduction over a row: `acc` starts at `identity` and folds in each element `xk`; `after` runs once the warp has it. */
/** One pass over a row: the accumulator's declarations, each element's statements (`xk`), then the lanes' combine. */
export interface RowPassView {
  readonly init: readonly string[];
  readonly step: readonly string[];
  readonly after: readonly string[];
}

/** rowwise.cu.hbs: softmax, log-softmax and layer norm, a warp per row: the op's passes, then `write` per element. */
export interface RowwiseView extends KernelViewBase {
  readonly template: "rowwise";
  readonly length: number;
  /** The row's stride: a number, or `inner`, a parameter, where the batch is among the dims after the row. */
  readonly inner: string;
  /** The size parameters: `size_t rows`, and `size_t inner` when it is one. */
  readonly sizeParams: string;
  readonly passes: readonly RowPassView[];
  /** Each element's output, from `xk` (and `k`, its index in the row). */
  readonly write: string;
  readonly rowsPerBlock: number;
}

/** matrix_pivot.cu.hbs: a Gauss–Jordan elimination of one N×N matrix per block (kernels/matrix-pivot.ts). */
export interface MatrixPivotView extends KernelViewBase {
  readonly template: "matrix_pivot";
  readonly N: number;
  readonly NN: number;
  /** The shared matrix's row stride, N + 1: a column's N floats in N different banks. */
  readonly LD: number;
  readonly threads: number;
  /** The op's statements writing matrix z's result (OpCodegen matrix_pivot's finish). */
  readonly finish: readonly string[];
}

/** batch_norm.cu.hbs: a block per channel, or (split) an elementwise pass over batch_norm_parts' statistics. */
export interface BatchNormView extends KernelViewBase {
  readonly template: "batch_norm";
  readonly threads: number;
  readonly C: number;
  readonly inner: number;
  readonly eps: string;
  /** The running statistics' factor as C: a constant, or `momentum` (cumulative's local, 1/(n + 1)). */
  readonly momentum: string;
  /** momentum None: the factor is 1/(num_batches_tracked + 1), read before the count moves. */
  readonly cumulative: boolean;
  readonly affine: boolean;
  readonly track: boolean;
  /** The GPU shape: the statistics come from the launches before (BatchNormPartsView), at these float offsets of `parts`. */
  readonly split?: BatchNormSplitView;
}

/** Where the split BatchNorm's launches leave what the elementwise pass reads, in floats from `parts`. */
export interface BatchNormSplitView {
  /** Each channel's mean and biased variance, [C][2]. */
  readonly STATS: number;
  /** A gradient's Σg / count and Σg·x̂ / count per channel, [C][2]. */
  readonly SUMS: number;
  /** The kernels that leave them there, as the comments name them ("bn1_batch_norm_parts_stats_kernel"). */
  readonly producers: string;
}

/**
 * batch_norm_parts.cu.hbs (the GPU shape): a BatchNorm's per-channel statistics over many blocks per
 * channel — each block's chunk, then the channel's last block merges the chunks in order — and, for
 * its input gradient, the channel sums Σg and Σg·x̂ the same way. batch_norm(_grad).cu.hbs's split
 * pass then normalizes elementwise over the whole grid.
 */
export interface BatchNormPartsView extends KernelViewBase {
  readonly template: "batch_norm_parts";
  readonly C: number;
  readonly inner: number;
  readonly eps: string;
  readonly track: boolean;
  /** The forward in train mode moves the running statistics: the momentum. */
  readonly running?: { readonly momentum: string; readonly cumulative: boolean; readonly C: number };
  /** The input gradient's sums kernel (and whether dy is scaled by a weight). */
  readonly sums?: { readonly hasWeight: boolean; readonly params: string };
  readonly split: BatchNormSplitView;
}

/**
 * reduce.cu.hbs: a warp per output element. The reduction's semantics are the op's: `init`
 * declares the accumulator(s), `step` folds in `v` (the element) at index `j`, `combine` merges
 * the lanes' accumulators, and `result` is what lane 0 stores.
 */
export interface ReduceView extends KernelViewBase {
  readonly template: "reduce";
  readonly outCount: string;
  readonly outIndex: readonly string[];
  readonly redIndex: readonly string[];
  readonly count: string;
  readonly init: readonly string[];
  readonly step: readonly string[];
  readonly combine: readonly string[];
  readonly result: string;
}

/**
 * What reduce_channels.cu.hbs and reduce_columns.cu.hbs share: a reduction with an associative
 * `fold` of `v` into `acc0` (a sum or a max: folding a partial result like an element is valid), its
 * `unroll` independent accumulators (loads in flight), `merge`d into acc0 in a fixed order.
 */
interface StridedReduceViewBase extends KernelViewBase {
  readonly threads: number;
  readonly identity: string;
  readonly fold: string;
  readonly unroll: number;
  readonly accumulators: readonly string[];
  /** The unrolled loop body: `unroll` loads, then their folds. */
  readonly unrolled: readonly string[];
  /** The loop runs while index + lastOffset is in range, stepping by stride4. */
  readonly lastOffset: string;
  readonly stride4: string;
  readonly merge: readonly string[];
  /** Folds the partial `v` into `acc`. */
  readonly combineAcc: string;
  /** The stored value, from `acc`. */
  readonly result: string;
  /**
   * The unrolled loop in runs of STEPS passes: after each, every accumulator is folded into its
   * total and starts again (fold); after the loop, the totals into the accumulators (finish).
   */
  readonly runs?: { readonly STEPS: number; readonly totals: readonly string[]; readonly fold: readonly string[]; readonly finish: readonly string[] };
}

/** reduce_channels.cu.hbs: a block per output element of a reduction over outer and inner dims (a conv bias's gradient). */
export interface ReduceChannelsView extends StridedReduceViewBase {
  readonly template: "reduce_channels";
  readonly warps: number;
  readonly outCount: string;
  /** Inputs per output (outer × inner). */
  readonly count: string;
  readonly inner: string;
  /** Distance between two runs: kept × inner. */
  readonly stride: string;
  /** What one load reads: a float, or a float4 when runs are a multiple of 4 long. */
  readonly loadType: "float" | "float4";
  /** Loads per output (count, or count / 4). */
  readonly loads: string;
  /** The remainder loop's body: one load `v` at `j`, folded into acc0. */
  readonly tail: readonly string[];
  readonly warpCombine: string;
  /**
   * The GPU shape: each output's loads are split over `splits` blocks along grid.y (at most
   * maxSplits, computed at launch), whose partial results the output's last block combines in
   * split order (kernels/tickets.ts). Absent on the CPU target: a block per output.
   */
  readonly blockSums?: { readonly maxSplits: number; readonly combine: string };
}

/** reduce_columns.cu.hbs: a reduction over the leading dims (a linear bias's gradient), a lane per column. */
export interface ReduceColumnsView extends StridedReduceViewBase {
  readonly template: "reduce_columns";
  readonly groups: number;
  readonly rows: string;
  readonly columns: string;
}

/**
 * loss.cu.hbs: a loss in one launch, summed over a block. `perElement` losses (MSE) run a thread
 * per element with `lossOf` reading `input[e]` and `target[e]`; the others a warp per row with
 * `lossOf` reading the row `x` and its label `y` (lanes cooperate; every lane ends with `loss`).
 */
export interface LossView extends KernelViewBase {
  readonly template: "loss";
  readonly threads: number;
  readonly count: string;
  readonly classes: number | string;
  readonly perElement: boolean;
  /** Statements that end with `const float loss = …;`. */
  readonly lossOf: readonly string[];
  /** reduction "none": each element's or row's loss is written. */
  readonly none: boolean;
  /** The block's sum `total` turned into the result. */
  readonly finish: string;
  /** A thread's losses are summed in runs of this many, each run then added into its total. */
  readonly runSteps: number;
  /** The GPU's shape: many blocks, their sums added by the last (kernels/blockwise.ts lossKernel). */
  readonly blockSums: boolean;
  /**
   * loss-gradient: each row's gradient too, by the gradient op's own statements (its `rowStatements`
   * and `element`, as in classification_grad.cu.hbs), scaled by `scale`; undefined without it.
   */
  readonly gradient?: { readonly scale: string; readonly rowStatements: readonly string[]; readonly element: string };
}

/**
 * classification_grad.cu.hbs: a loss's gradient over class scores, a warp per row. `rowStatements`
 * run once per row on every lane (reading the row `x`, its label `y`, the upstream scale `s`;
 * lanes stride and combine by shuffles); `element` is class `c`'s gradient.
 */
export interface ClassificationGradView extends KernelViewBase {
  readonly template: "classification_grad";
  readonly classes: number | string;
  readonly rows: string;
  readonly rowsPerBlock: number;
  readonly scale: string;
  readonly rowStatements: readonly string[];
  readonly element: string;
}

/** batch_norm_grad.cu.hbs. */
export interface BatchNormGradView extends KernelViewBase {
  readonly template: "batch_norm_grad";
  readonly C: number;
  readonly inner: number;
  readonly eps: string;
  readonly track: boolean;
  readonly hasWeight: boolean;
  readonly xhatOnly: boolean;
  /** The GPU shape: statistics and sums from the launches before (BatchNormPartsView). */
  readonly split?: BatchNormSplitView;
}

/** layer_norm_grad.cu.hbs. */
export interface LayerNormGradView extends KernelViewBase {
  readonly template: "layer_norm_grad";
  readonly length: number;
  readonly eps: string;
  readonly hasWeight: boolean;
}

/** The view of one kernel: `template` names the file in templates/kernels/ that renders it. */
export type KernelView =
  | FusedPointwiseView
  | PerElementView
  | PoolWindowGradView
  | GemmView
  | GemmTensorCoreView
  | RowwiseView
  | MatrixPivotView
  | BatchNormView
  | BatchNormPartsView
  | ReduceView
  | ReduceChannelsView
  | ReduceColumnsView
  | LossView
  | ClassificationGradView
  | BatchNormGradView
  | LayerNormGradView;

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
  /** Why the launch is sized as it is (comment lines, without `//`), before its scalars. */
  readonly notes?: readonly string[];
  /** Statements before the launch that declare its scalar arguments (`const int M = …;`). */
  readonly scalars: readonly string[];
  /** The scalar arguments after the pointers ("batch", "rows"). */
  readonly scalarArgs: string;
  readonly summary: string;
  readonly source: readonly string[];
  /** A cuBLASLt call before it (kernels/cublaslt.ts): the kernel's own launch is then the fallback. */
  readonly blas?: BlasCallView;
  /** Skipped when this cuBLASLt GEMM computed the kernel's output (its BGRADB epilogue). */
  readonly blasGuard?: { readonly comment: string; readonly site: string; readonly operands: string };
  /** The fp32 GEMM's per-thread sub-tile [TM, TN], for the performance model's instruction mix. */
  readonly threadTile?: readonly [number, number];
  /**
   * A C expression of the launch's scalars: the FLOPs its blocks issue, padding included (every
   * thread of a tile runs the whole k loop over the tile's BM×BN outputs, zeros beyond M, N and K).
   */
  readonly issuedFlops?: string;
  /** The float inputs and outputs a memcheck build's NaN watch scans before and after the launch (runtime/harness/nan_watch.h). */
  readonly watch?: { readonly before: readonly NanWatchView[]; readonly after: readonly NanWatchView[] };
  /** Split-K: the tile tickets the launch may use (kernels/gemm.ts TILE_TICKETS; emit.ts sizes their region by the largest). */
  readonly tileTickets?: number;
  /** Per-block sums the launch stores for its last block to add (BLOCK_PARTIALS; emit.ts sizes their region by the largest). */
  readonly blockPartials?: number;
  /** A C expression of the scalars: bytes it moves beyond its tensors' (split-K's partial tiles, stored and read back). */
  readonly workspaceBytes?: string;
  /**
   * Kernels launched before this one, in order, with the same scalars (a split BatchNorm's statistics
   * and sums): each its own row in the manifest, with the FLOPs and bytes it moves.
   */
  readonly before?: readonly PreLaunchView[];
}

/** A launch that runs before a kernel's own (LaunchView.before). */
export interface PreLaunchView {
  readonly kernel: string;
  readonly grid: string;
  readonly block: string;
  /** The pointer arguments' values, then the scalars, as the launcher passes them. */
  readonly args: string;
  readonly comment: string;
  readonly flops: { readonly perSample: number; readonly fixed: number };
  readonly bytes: { readonly perSample: number; readonly fixed: number };
}

/** One output of a launch, as TSDP_NAN_WATCH takes it: C expressions and C string literals. */
export interface NanWatchView {
  readonly pointer: string;
  readonly count: string;
  readonly kernel: string;
  /** "read NaN from its input %12", "left NaN in its output fc1.weight.grad" */
  readonly value: string;
  readonly where: string;
}

export interface ValueView {
  readonly name: string;
  readonly cType: string;
  readonly shape: string;
  readonly arena: "batch" | "fixed" | "pairs" | "params";
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

/** The initial values a constructor computed for one parameter or buffer, as a C array. */
export interface InitTableView {
  readonly symbol: string;
  /** state_dict name, shape and the TypeScript line that computed it, for the comment. */
  readonly name: string;
  readonly shape: string;
  readonly at: string;
  /** Float initializers, a row of them per line. */
  readonly lines: readonly string[];
}

/** A tsdp_init_patch row: one part of a parameter set on its own in a constructor (Init "parts"). */
export interface PatchRowView {
  readonly offset: number;
  readonly rank: number;
  /** C array initializers of the box's sizes and strides, e.g. "{4, 2}". */
  readonly sizes: string;
  readonly strides: string;
  readonly init: "TSDP_INIT_CONSTANT" | "TSDP_INIT_UNIFORM" | "TSDP_INIT_NORMAL" | "TSDP_INIT_DATA" | "TSDP_INIT_ORTHOGONAL";
  readonly a: string;
  readonly shift: string;
  readonly stream: number;
  /** The InitTableView symbol of TSDP_INIT_DATA, else nullptr. */
  readonly data: string;
}

/** The patches of one parameter, as a C array. */
export interface PatchTableView {
  readonly symbol: string;
  /** state_dict name, for the comment. */
  readonly name: string;
  readonly rows: readonly PatchRowView[];
}

/** A tsdp_state_info row: a parameter or buffer and its initialization. */
export interface StateRowView {
  readonly name: string;
  readonly offset: number;
  readonly bytes: number;
  readonly dtype: TensorRowView["dtype"];
  readonly count: number;
  /** A tsdp_init_kind enumerator. */
  readonly init: "TSDP_INIT_CONSTANT" | "TSDP_INIT_UNIFORM" | "TSDP_INIT_NORMAL" | "TSDP_INIT_DATA" | "TSDP_INIT_ORTHOGONAL" | "TSDP_INIT_SLICE_NORM" | "TSDP_INIT_SPARSE";
  /** TSDP_INIT_SLICE_NORM: how the sibling v draws (a, shift, zero_row, row, stream are its), its element count, and the run of one slice (ofInner). */
  readonly ofInit: string;
  readonly ofCount: number;
  readonly ofInner: number;
  /** 1 for a normal draw cut to [lo, hi] (std units; C double literals), else 0. */
  readonly truncated: 0 | 1;
  readonly lo: string;
  readonly hi: string;
  /** The InitTableView symbol of TSDP_INIT_DATA, else nullptr. */
  readonly data: string;
  /** A C double literal: the value, the uniform's half-width or the normal's std. */
  readonly a: string;
  /** A C double literal: the uniform's center or the normal's mean (0 for a constant). */
  readonly shift: string;
  readonly zeroRow: number;
  readonly stream: number;
  readonly row: number;
  readonly shape: string;
  /** Its PatchTableView symbol and row count (parts set on their own, after the rest), else nullptr and 0. */
  readonly patches: string;
  readonly patchCount: number;
  /** TSDP_INIT_SPARSE: the zeros in each column, else 0. */
  readonly sparseZeros: number;
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

/** A buffer forward changed: its value copied into it after the program's last kernel (compiler/1-frontend/state-updates.ts). */
export interface StateCopyView {
  readonly buffer: string;
  readonly to: string;
  readonly from: string;
  readonly bytes: number;
}

/** One program: run_<name> with its launches by segment, and its tsdp_program_desc. */
/**
 * A launch as a run_ function writes it: titled with its kernel's section name (`// fc1_relu: …`, so
 * a search finds both), and its arguments one per line, each with the kernel parameter it binds and
 * its tensor's shape beside it (`(float*)(r->params + 0),  // b: conv1.weight [20, 1, 5, 5]`).
 */
export interface LaunchSiteView extends LaunchView {
  readonly title: string;
  /** The argument lines after `r->stream,`: the pointers, then the scalars; the last one closes the call. */
  readonly argLines: readonly string[];
  /** Four spaces where the launch is the body of an `if` (a cuBLASLt call's fallback), else none. */
  readonly indent: string;
}

/**
 * A run of at most LAUNCHES_PER_PART consecutive launches of one segment, as a function of its own
 * that returns 0 or the failure's code. g++ and nvcc's host compiler take time superlinear in a
 * function's size: one run_step of 4,847 launches (an LSTM unrolled in time) took most of a build.
 */
export interface ProgramPartView {
  readonly name: string;
  /** What the part holds: its program and segment, which launches of how many, its first and last kernel. */
  readonly comment: string;
  readonly launches: readonly LaunchSiteView[];
}

export interface ProgramView {
  readonly name: string;
  /** The comment lines above run_<name> (without `//`): what the program is, and why it has segments. */
  readonly header: readonly string[];
  /** The functions that hold the launches, in order; run_<name> calls them (ProgramPartView says why). */
  readonly parts: readonly ProgramPartView[];
  /** `case 0:` with the segment's comment, if any, and the parts it calls. */
  readonly segments: readonly { readonly index: number; readonly label: string; readonly parts: readonly string[]; readonly stateCopies: readonly StateCopyView[] }[];
  readonly segmentCount: number;
  /** tsdp_draws: whether a run draws random numbers (dropout), and so advances the draw counter. */
  readonly draws: 0 | 1 | 2;
  /** tsdp_program_desc's changes_state: the program copies buffers forward changed into them (in eval too). */
  readonly changesState: 0 | 1;
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
  /**
   * The mean is over targets rather than rows — those not ignoreIndex, each weighing its class
   * weight when there are some — so the harness sums each replica's from the host's targets.
   */
  readonly countTargets: 0 | 1;
  /** A C int: the loss's ignoreIndex, or INT32_MIN (no target equals it) when there is none. */
  readonly ignoreIndex: string;
  /** The class weights as C floats ("" when none), and how many. */
  readonly classWeights: string;
  readonly classCount: number;
  readonly targetsPerSample: number;
  /** The elements of a sample's target the loss reads (C ints, "" when it reads them all), and how many: the harness counts those. */
  readonly targetOffsets: string;
  readonly targetOffsetCount: number;
  /** 1: the loss is a function of the output alone, and evaluate's and the step's inputs are the model's only (0, a descriptor's zero default: a target). */
  readonly noTarget: 0 | 1;
  /** Param groups, when declared: each trained parameter's floats and group; the groups' weight decays (C doubles, NAN: the step's). */
  readonly paramGroups?: readonly { readonly offsetFloats: number; readonly countFloats: number; readonly group: number; readonly name: string }[];
  readonly groupWeightDecay: string;
  /** Each group's lr over the optimizer's declared lr (C doubles; 1 for a group without its own). */
  readonly groupLrScale: string;
  /** Each group's own momentum, dampening, β₁, β₂, eps, alpha and nesterov, GROUP_HYPERPARAMETERS' order (C doubles; NAN: the step's). */
  readonly groupHparams: string;
  readonly groupCount: number;
  /** A tsdp_optimizer_kind enumerator. */
  readonly optimizerKind: "TSDP_SGD" | "TSDP_ADAM" | "TSDP_ADAMW" | "TSDP_RMSPROP" | "TSDP_ADAGRAD" | "TSDP_ADAMAX" | "TSDP_ADADELTA" | "TSDP_NADAM" | "TSDP_RADAM";
  readonly optimizerName: string;
  /** The optimizer's variant switches as tsdp_optimizer_flag bits ("TSDP_MAXIMIZE | TSDP_AMSGRAD", or "0"). */
  readonly optimizerFlags: string;
  /** Adagrad's lr_decay and initial_accumulator_value, as C literals ("0.0", "0.0f" by default). */
  readonly lrDecay: string;
  readonly initialAccumulator: string;
  /** clip_grad_norm_'s norm_type ("2.0" by default; INFINITY) and clip_grad_value_'s clip_value ("0": none), as C initializers. */
  readonly clipNormType: string;
  readonly clipValue: string;
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
  /** Where the buffers (BatchNorm's running statistics) begin in the state, after the parameters. */
  readonly buffersBegin: number;
  /**
   * Trained parameters forward changes from each replica's own share of the batch (an nn.Embedding's
   * maxNorm renormalizes the rows that share looks up): byte ranges in the state that every replica
   * takes from replica 0 after a program, as the buffers' (DataParallel keeps device 0's module).
   */
  readonly replica0Params: readonly { readonly offset: number; readonly bytes: number; readonly name: string }[];
  readonly batchBytesPerSample: number;
  /** The pairs arena (in-batch pair matrices [Batch, Batch]) in bytes per pair of samples: × batch². */
  readonly pairBytesPerPair: number;
  readonly unsharedBatchBytesPerSample: number;
  /** The fixed arena: activations, then the split-K tile tickets. */
  readonly fixedBytes: number;
  /** Where the tickets and the block sums start in the fixed arena, and their bytes together (kernels/tickets.ts; zeroed at creation). */
  readonly tileTicketsOffset: number;
  readonly blockPartialsOffset: number;
  readonly tileTicketBytes: number;
  /** Each kernel rendered by its template, once. */
  readonly kernelTexts: readonly string[];
  /** Kernel sections that share an earlier one's code (shared-kernels.ts): aliases, not compiled again. */
  readonly sharedKernels: number;
  /** GEMM sites that call cuBLASLt (kernels/cublaslt.ts); the harness loads the library only when there are some. */
  readonly cublasltSites: number;
  /** What each index-read site is (index-faults.ts), as C string literals, site 1 first. */
  readonly indexSites: readonly string[];
  readonly kernelNamespace: string;
  readonly programs: readonly ProgramView[];
  readonly forward: ProgramView;
  readonly state: readonly StateRowView[];
  readonly initTables: readonly InitTableView[];
  readonly patchTables: readonly PatchTableView[];
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
