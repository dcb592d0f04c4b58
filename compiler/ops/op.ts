import type { DType, Node } from "../ir/node.ts";
import { formatShape, type Dim, type Shape } from "../ir/shape.ts";
import type { NDArray } from "../reference/ndarray.ts";

export type OpFamily =
  | "source" // inputs, parameters, buffers, constants
  | "elementwise"
  | "reduce"
  | "movement" // reshape and permute: no arithmetic, no copy on the device
  | "contraction" // matmul, linear
  | "conv" // convolution and pooling
  | "norm" // batch norm, layer norm, softmax
  | "random" // dropout, sample (random numbers drawn in forward)
  | "gather" // embedding
  | "linalg" // square matrices: inverse, determinant
  | "loss";

export interface TensorType {
  readonly shape: Shape;
  readonly dtype: DType;
}

/** What the reference interpreter gives an op besides its inputs. */
export interface RefContext {
  readonly node: Node;
  readonly training: boolean;
  /** The run's batch size (what Batch stands for). */
  readonly batch: number;
  /** Value of a source node (input, parameter, buffer). */
  source(node: Node): NDArray;
  /** Writes a buffer (BatchNorm's running statistics in train mode). */
  writeBuffer(node: Node, value: NDArray): void;
  /**
   * A buffer's value now: what an op before this one in the run wrote (a BatchNorm called twice in
   * one forward, a shared encoder on two views, updates its statistics twice), else its value at the start.
   */
  readBuffer(node: Node): NDArray;
  /**
   * Uniform [0, 1) numbers, reproducible from the run's seed and step. `stream` defaults to this
   * node's id; a gradient op passes its forward node's id to redraw the same numbers. `word` picks
   * which of the generator's four outputs per element (the first by default).
   */
  uniform(count: number, stream?: number, word?: number): Float64Array;
  /**
   * A run with fp32 storage (RunOptions.roundToFloat32): an op rounds the statistic it subtracts
   * inside its kernel (a norm's mean) to fp32 too, as every fp32 kernel (PyTorch's too) holds it in
   * a float. Its half-ulp is what a nearly constant row's normalized values move by (seed 58095).
   * The function is how the run holds a value in fp32 (RunOptions.ditherFloat32: one ulp further).
   */
  readonly float32?: (value: number) => number;
}

/**
 * What a gradient rule works with. The rule receives the gradient of the node's output (`dy`,
 * same shape as the node) and returns the gradient of each input, built from IR ops, so the
 * backward pass is a graph that fusion and codegen treat like the forward.
 */
export interface GradContext {
  /** The forward node; its inputs are `node.inputs`, its value is `node` itself. */
  readonly node: Node;
  /** ∂loss/∂node. */
  readonly dy: Node;
  /** Adds a node to the backward graph (shape-checked; placed at the forward node's source line). */
  emit(op: string, inputs: readonly Node[], attrs?: Record<string, unknown>): Node;
  /** A float32 scalar constant. */
  constant(value: number): Node;
  /** Sums `g` over the dims it was broadcast along, back to `shape` (for broadcasting ops). */
  sumTo(g: Node, shape: Shape): Node;
  /** Broadcasts `g` to `shape` (the gradient of a reduction). */
  expand(g: Node, shape: Shape): Node;
  /**
   * The vector-Jacobian product ⟨seed, ∂output/∂wrt⟩ for each of `wrt` (null where output does not
   * depend on it), each wrt node an independent argument (partial derivatives: a gradient op's dy
   * may itself be computed from its x), by the same reverse sweep over nodes the rule has just emitted: a fused gradient
   * op's own gradient, taken through the same value composed of differentiable ops (a gradient
   * taken in forward with createGraph, then differentiated by the step).
   */
  vjp(output: Node, seed: Node, wrt: readonly Node[]): (Node | null)[];
}

/**
 * One op, defined in one place: its inputs, its shape and dtype rule, its float64 reference
 * semantics (PyTorch's), its gradient rule, its codegen to CUDA and the traits that fusion, the
 * cost model and codegen ask for. Nothing outside compiler/ops/ matches an op by its name.
 * Adding an op touches this definition and at most one kernel template.
 */
export interface OpDef<A = any> {
  readonly name: string;
  readonly family: OpFamily;
  /** Input names in order, for the printer and messages; a trailing "?" marks optional ones. */
  readonly inputs: readonly string[];
  /**
   * Shape and dtype of the result. `who` names the construct in the user's code
   * ("nn.Linear", "F.relu", "view") for error messages; throw ShapeError when invalid.
   */
  infer(ins: readonly TensorType[], attrs: A, who: string): TensorType;
  /** PyTorch's semantics in float64. */
  reference(ins: readonly NDArray[], attrs: A, ctx: RefContext): NDArray;
  /**
   * How the op becomes CUDA: a pointwise op gives its C expression over its operands' values
   * (fused into elementwise kernels and GEMM epilogues); a GEMM-like op gives its index maps;
   * other ops name their kernel builder. Sources and views have none.
   */
  readonly codegen?: OpCodegen<A>;
  /** What fusion and kernel naming may rely on (all false when omitted). */
  readonly traits?: OpTraits<A>;
  /**
   * Reverse mode: the gradient of each input (null for inputs without one, such as class
   * indices). Omitted for ops that nothing differentiates through (sources, argmax).
   */
  readonly grad?: (ctx: GradContext) => readonly (Node | null)[];
  /**
   * Where the kernels compute the same value in another form: the nodes to add instead, emitted
   * through `emit` (the graph builder asks once the shape rule has passed, before adding the node,
   * so the forward and the backward both get that form); undefined keeps the op as written.
   */
  readonly canonical?: (ins: readonly Node[], attrs: A, result: TensorType, emit: CanonicalEmit) => Node | undefined;
  /** The node's attributes, typed (defineOp fills it in; it checks the node is this op's). */
  readonly attrsOf: (node: Node) => A;
}

/** Adds a node at the place of the one being replaced (a canonical form's nodes). */
export type CanonicalEmit = (op: string, inputs: readonly Node[], attrs?: Record<string, unknown>) => Node;

export interface OpTraits<A = any> {
  /** Never decreases, so a max taken after it equals it applied after the max (conv-pool fusion). */
  readonly monotone?: boolean | ((attrs: A) => boolean);
  /** An activation that a biased GEMM (linear, conv) may apply in its epilogue. */
  readonly activation?: boolean;
  /**
   * The same activation as a BLAS library's GEMM epilogue computes it (issue 20): cuBLASLt's RELU,
   * or its GELU, which is the tanh approximation (so only gelu with approximate "tanh").
   */
  readonly blasEpilogue?: (attrs: A) => "relu" | "gelu" | undefined;
  /** Draws from the random-stream arguments that elementwise kernels have and GEMM kernels lack. */
  readonly random?: boolean;
  /** Reads the run's train/eval mode (the `training` argument that elementwise kernels have and GEMM kernels lack). */
  readonly readsMode?: boolean;
  /**
   * Gives its input 0 unchanged where that value lies in [0, n) (index_check): an index the runtime
   * checked within such a range passes through it still checked (index-faults.ts checkedBeforeTheCall).
   */
  readonly keepsIndicesBelow?: (node: Node) => number;
  /** Of the inputs, the one an eval-mode run reads (mode_select's eval operand): the others only train mode reads. */
  readonly evalModeInput?: number;
  /** A random op that draws in eval mode too (F.dropout's default training=true); others draw in train mode only. */
  readonly drawsInEval?: (attrs: A) => boolean;
  /** Shares its input's storage (a row-major view): no kernel, no buffer. */
  readonly view?: boolean;
  /**
   * It is the transpose of a matrix (a 2-D permute [1, 0]): a GEMM whose maps read an operand
   * transposed (GemmCodegen.readsTransposed) folds it into its loads instead of a kernel and a buffer.
   */
  readonly matrixTranspose?: (attrs: A) => boolean;
  /** The op of an nn layer: a kernel anchored on it is named by the module path alone ("conv1_relu"). */
  readonly layer?: boolean;
  /**
   * Its kernel computes each output element on its own, from the element's flat index, and stores
   * it once (the pooling gradients' gathers): a pointwise consumer of the same shape can be applied
   * to the element before that store (element-epilogue fusion).
   */
  readonly perElement?: boolean;
  /**
   * Input `input`'s int32 values index a dim of `limit` entries (an embedding's rows, a gather's
   * dim, a loss's classes): PyTorch raises outside [0, limit) (`ignore` excepted). The manifest
   * carries it for a model input or target read so, and the runtime refuses such values.
   */
  readonly indexes?: (node: Node, input: number) => IndexRange | undefined;
  /**
   * Statistics over the batch (BatchNorm in train mode, or always without running statistics):
   * over `perChannel` values per channel on each replica (c·share^p). PyTorch refuses one value
   * ("Expected more than 1 value per channel when training"); the runtime refuses a share that gives one.
   */
  readonly batchStatistics?: (node: Node) => { readonly perChannel: { readonly c: number; readonly p: number }; readonly inEval: boolean };
  /**
   * Writes model state in its kernel (BatchNorm's running statistics in train mode): a program runs it
   * even when nothing reads its output, as PyTorch's eager call updates them whether or not the
   * result is used (a GatedGCN's last edge BatchNorm, whose edges the readout drops).
   */
  readonly updatesState?: (attrs: A) => boolean;
  /** A running combination along one dim (cumsum, cumprod): the scan kernel's line program. */
  readonly scan?: (attrs: A) => ScanProgram;
  /** A reduction over dims (sum, mean, amax): the reduce kernel folds with it. */
  readonly reduction?: Reduction;
  /** Windowed pooling that combines with this reduction (conv-pool folds a 2×2 max pool). */
  readonly pool?: { readonly reduction: Reduction; readonly window: (attrs: A) => PoolWindow };
  /**
   * The gradient of a window pool of that reduction: dy goes back through the same windows, to
   * the window's maximum (which the kernel finds again in x, the op's second input) or spread
   * evenly (a mean). `inputSize` is the pooled input's H×W.
   */
  readonly poolGradient?: {
    readonly reduction: Reduction;
    readonly window: (attrs: A) => PoolWindow;
    readonly inputSize: (node: Node, attrs: A) => readonly [number, number];
  };
}

/**
 * A scan's work on one line along its dim, for the kernel that runs one thread per line: the
 * line's inputs are read as `name[at]` (float, or the output `out[at]`), `at` each element's
 * offset; `setup` runs once, then each pass visits the line from its start (or its end) running
 * `step` at every element. Running values are locals declared in `setup`.
 */
export interface ScanProgram {
  readonly setup: readonly string[];
  readonly passes: readonly { readonly reverse: boolean; readonly step: readonly string[] }[];
}

export interface PoolWindow {
  readonly kernel: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
}

/**
 * A reduction, in float64 for the reference and in C for the kernels: start from `identity`,
 * fold every element in with `combine` (associative, so warps may combine partial results with
 * `warp`), then `finish` with the number of elements (a mean divides by it).
 */
export interface Reduction {
  readonly identity: number;
  readonly combine: (acc: number, v: number) => number;
  readonly finish?: (acc: number, count: number) => number;
  readonly c: {
    readonly identity: string;
    /** C statement folding `v` into `acc`. */
    readonly combine: (acc: string, v: string) => string;
    /** Warp-level combine from the CUDA prelude (tsdp_warp_sum, tsdp_warp_max). */
    readonly warp: string;
    readonly finish?: (acc: string, count: string) => string;
  };
}

/** What a pointwise expression may refer to besides its operands. */
export interface PointwiseContext {
  /** The flat index of this node's element (a size_t C expression; a broadcast producer's own). */
  readonly index: string;
  /** The IR node, whose id keys its random stream. */
  readonly node: Node;
  /**
   * The number of an index-read site (5-codegen/index-faults.ts) for this node's input `input` (0 by
   * default): the kernel then takes `index_fault`. Undefined where the runtime checks every value
   * that input can hold before the call (checkedBeforeTheCall): the expression checks nothing.
   */
  readonly indexSite?: (what: string, limit: number, input?: number) => number | undefined;
}

/** The codegen functions that turn a kernel anchored on an op into a template view. */
export type KernelBuilder =
  | "rowwise"
  | "pool"
  | "embedding"
  | "permute"
  | "batch_norm"
  | "reduce"
  | "loss"
  | "pool_grad"
  | "pool_pick"
  | "classification_grad"
  | "embedding_grad"
  | "batch_norm_grad"
  | "layer_norm_grad"
  | "concat"
  | "narrow"
  | "iota"
  | "scan"
  | "take"
  | "pair_dot"
  | "matrix_pivot";

export type OpCodegen<A> =
  | { readonly kind: "pointwise"; readonly expr: (operands: readonly string[], attrs: A, ctx: PointwiseContext) => string }
  | GemmCodegen<A>
  | KernelCodegen<A>;

/**
 * An op with a kernel builder of its own. Where one builder serves several ops, each op says what
 * it computes (C statements and expressions), so the builder and its template hold only loops.
 */
export type KernelCodegen<A> =
  | { readonly kind: "kernel"; readonly builder: Exclude<KernelBuilder, "rowwise" | "loss" | "classification_grad" | "batch_norm_grad" | "matrix_pivot"> }
  /**
   * A Gauss–Jordan elimination of each n×n matrix (templates/kernels/matrix_pivot.cu.hbs); `finish`
   * writes matrix z's result from what the block left in shared memory: m[n][n + 1] (the inverse's
   * rows), col[n] (the inverse's column order), logAbsDet, sign (±1), singular (a zero pivot).
   */
  | { readonly kind: "kernel"; readonly builder: "matrix_pivot"; readonly finish: (n: number) => readonly string[] }
  | { readonly kind: "kernel"; readonly builder: "rowwise"; readonly row: (node: Node, attrs: A) => RowProgram }
  | { readonly kind: "kernel"; readonly builder: "loss"; readonly loss: LossProgram<A> }
  | { readonly kind: "kernel"; readonly builder: "classification_grad"; readonly grad: (attrs: A, classes: Classes) => ClassificationGradProgram }
  /** batch_norm_xhat computes only x̂ (for the weight's gradient); batch_norm_grad_input all of ∂L/∂x. */
  | { readonly kind: "kernel"; readonly builder: "batch_norm_grad"; readonly xhatOnly: boolean };

/**
 * A classification loss's gradient, a warp per row of class scores `x` (label `y`, upstream scale
 * `s`): `row` runs once per row on every lane to derive the row's statistics (lanes stride over the
 * row and combine by warp shuffles, so a row costs O(classes)); `element` is class `c`'s gradient.
 */
export interface ClassificationGradProgram {
  readonly row: readonly string[];
  readonly element: string;
}

/**
 * A row-wise op (one warp per row): how its input splits into rows, the reductions over a row
 * (each folds the element `xk` into `acc`, then `after` derives statistics), and each element's
 * output as a C expression of `xk`, the statistics and `k`; `weight`/`bias` name the inputs read
 * per element as `weight[k]`/`bias[k]`.
 */
/** What an op's int32 input indexes (OpTraits.indexes). */
export interface IndexRange {
  readonly limit: number;
  /** A value allowed outside [0, limit): a loss's ignore_index. */
  readonly ignore?: number;
  /** A value PyTorch's form of the op ignores by default and this one, declared without it, does not (a loss's −100): named in the refusal. */
  readonly torchIgnores?: number;
}

export interface RowProgram {
  readonly length: number;
  /** The dims after the row (their product is its elements' stride); the batch among them when a row is a dim before it. */
  readonly inner: readonly Dim[];
  /** The dims before the row (their product is the number of rows, times `inner`). */
  readonly outer: readonly Dim[];
  readonly passes: readonly { readonly acc: string; readonly identity: string; readonly fold: string; readonly after: readonly string[] }[];
  readonly write: string;
  readonly weight?: number;
  readonly bias?: number;
}

/**
 * A loss: per element (`input[e]`, `target[e]`) or per row (`x` the row of `classes` logits, `y`
 * its label, a warp's lanes cooperating), as statements that end by defining `const float loss`.
 */
export interface LossProgram<A> {
  readonly perElement: boolean;
  readonly statements: (attrs: A, classes: Classes) => readonly string[];
}

/**
 * A classification's class count: a number, or a C expression of `batch` where the classes are the
 * batch's samples (an in-batch pair matrix's columns: CLIP's logits, each sample's match among them).
 */
export type Classes = number | string;

/**
 * A GEMM-like op: C[M, N] = A[M, K]·B[K, N] per z (batch or group) through the shared GEMM
 * templates, which take the op's index maps; a pointwise consumer of its result is applied to the
 * accumulator before the one store (gemm-pointwise-epilogue).
 */
export interface GemmCodegen<A> {
  readonly kind: "gemm";
  readonly maps: (node: Node, attrs: A, options: GemmMapOptions) => GemmIndexMaps;
  /** Multiply-adds per output element, per sample (the cost model's FLOPs are 2·this·outputs). */
  readonly macsPerOutput: (node: Node, attrs: A) => number;
  /** It may add a bias input in its epilogue (linear, conv): then an activation fuses as gemm-epilogue. */
  readonly biased?: boolean;
  /**
   * The dims it puts on grid.z when they depend on the batch (a batched matmul's leading dims):
   * CUDA caps grid.z at 65,535 blocks, which bounds the samples per device.
   */
  readonly batchedGridZ?: (node: Node) => readonly Dim[];
  /** Its rows can come in fours, one 2×2 pooling window each, so a 2×2 max pool folds in (conv-pool). */
  readonly foldsPool?: boolean;
  /**
   * The sums of its A operand's rows, Σₖ A[m, k] per z, as reductions the graph may hold: sum(source)
   * over `dims` (a weight gradient's A is dyᵀ, and the bias gradient is that sum of dy). A column of
   * ones appended to B computes them in the same kernel (gemm-row-sums); `index` (C over m and z) is
   * where row m of z goes in the sum's output.
   */
  readonly rowSums?: (node: Node, attrs: A) => GemmRowSums | undefined;
  /** Its maps read a 2-D operand that is a matrixTranspose of its own input (GemmMapOptions.transposed). */
  readonly readsTransposed?: boolean;
  /**
   * Where its maps are a plain dense GEMM (no gather, no pooling), how its operands lie in memory,
   * so that a BLAS library can run it (issue 20, 5-codegen/kernels/cublaslt.ts); undefined otherwise.
   */
  readonly dense?: (node: Node, attrs: A, options: GemmMapOptions) => DenseGemm | undefined;
}

/** A GEMM C[z][M, N] = A[z][M, K]·B[z][K, N] over row-major dense operands (M, N, K, Z: its maps'). */
export interface DenseGemm {
  /** What it computes, for the reader: a layer's forward, its input or weight gradient, a batched matmul. */
  readonly role: "forward" | "input-gradient" | "weight-gradient" | "batched" | "matmul";
  /** A is stored as [K, M] (a transpose folded into the loads: dyᵀ of a weight gradient). */
  readonly aTransposed: boolean;
  /** B is stored as [N, K] (linear's weight). */
  readonly bTransposed: boolean;
  /** Elements between consecutive matrices of the batch z, as C expressions; "0" where shared. */
  readonly strideA: string;
  readonly strideB: string;
}

export interface GemmRowSums {
  /** Equal forms of the row sums: the sum of `source` over `dims` (in increasing order), keepdim false. */
  readonly sums: readonly { readonly source: Node; readonly dims: readonly number[] }[];
  readonly index: string;
}

export interface GemmMapOptions {
  /** A 2×2 stride-2 max pool is folded into the kernel. */
  readonly pooled: boolean;
  /** How a value is named in comments ("conv1.weight"). */
  readonly label: (n: Node) => string;
  /** The operand is a transpose computed in the kernel: read its input, with the indices swapped. */
  readonly transposed?: (operand: Node) => boolean;
  /**
   * The GPU's shape: rows may be ordered so that a block's rows skip the k-steps where they read only
   * zeros (GemmIndexMaps.kSkip). The CPU target keeps the plain order (its tiles, its rounding).
   */
  readonly skipZeroSteps?: boolean;
  /**
   * The GPU's shape: a convolution's input gradient (and conv_transpose2d) may be computed tap by tap
   * and summed into input pixels inside the block (GemmIndexMaps.col2im), where the images are small.
   */
  readonly col2im?: boolean;
}

/**
 * A convolution's input gradient without the zero taps (the GPU's shape, conv-col2im.ts): the GEMM
 * computes every (output pixel, tap) product C[(img, oh, ow), (ci, kh, kw)] = Σₒ dy[img, o, oh, ow] ·
 * w[o, ci, kh, kw] (K = the group's output channels, no padding read), and each input pixel of dx
 * sums the taps that reach it from the block's C tile in shared memory. So a block owns whole images
 * (rowsPerImage rows each) and whole channels (colsPerChannel columns each), and the kernel's
 * epilogue is that sum instead of a store per C element.
 */
export interface GemmCol2im {
  /** Rows of one image: its OH·OW pixels of dy, rounded up to a power of two (the rest read zeros). */
  readonly rowsPerImage: number;
  /** Columns of one channel: its KH·KW taps, rounded up to a power of two (the rest read zeros). */
  readonly colsPerChannel: number;
  /** dx's channels per group (the GEMM's channels) and its pixels per image. */
  readonly channels: number;
  /** The image count N, a C expression of `batch` (ir/shape.ts imagesOf). */
  readonly images: string;
  readonly H: number;
  readonly W: number;
  /**
   * C statements that set `float v` to the sum, for input pixel (ih, iw) of the image whose rows
   * start at row `rowBase` and the channel whose columns start at `colBase`, from the tile stored
   * by columns, `Cs[column][row]`.
   */
  readonly sum: string;
}

/**
 * Rows in groups that read A only at some k-steps: the GPU's convolution input gradient orders its
 * rows by input row, and an input row reads dy only through the kernel rows that land inside the
 * output (the rest of its K = o·kh·kw is the zero padding of the "full" correlation: 2.25× the useful
 * work for LeNet's conv2). A block skips a k-step — its staging, barriers and FMAs — where every one
 * of its rows reads only zeros there.
 */
export interface GemmKSkip {
  /** A C condition over the block's first row m0, the step's first k0, batch and M: true where the block skips the step. */
  readonly skip: (BM: number, BK: number) => string;
  /** Rows per group, a C expression of batch (groups are consecutive runs of rows). */
  readonly groupRows: string;
  /** The k-steps a block of one group's rows runs, per group (their sum prices the launch: issuedFlops). */
  readonly stepsPerGroup: (BK: number) => readonly number[];
}

/**
 * An operand gather split into what depends on the tile row (m of A, n of B), computed once per
 * thread before the k loop — each thread stages the same rows at every k-step — and what depends
 * on k, computed once per k-step; `value` combines the two (`r.` and `c.` fields) into the element.
 * Conv index math (divisions, padding tests) is most of the cost of an implicit GEMM on a CPU, so it
 * should not run again for every element.
 */
export interface SplitGather {
  readonly rowFields: string; // "int ih, iw; size_t base;"
  readonly rowInit: string; // statements that set r.<field> from `m` (the row), z, batch
  readonly colFields: string;
  readonly colInit: string; // statements that set c.<field> from `k`, z, batch
  readonly value: string; // body returning the element, from r, c
  /**
   * 32-bit registers of the row state (rowFields, the `ok` flag aside): a thread keeps one state per
   * staged row, so this bounds how many rows it may stage (gemm-shape.ts gatherRowLimit). Unsaid: a
   * conv's im2col state of 4–5 (two offsets, a 64-bit base).
   */
  readonly rowRegisters?: number;
}

/**
 * A convolution forward's input geometry, for staging x's rows in shared memory instead of gathering
 * A from global memory (5-codegen/kernels/gemm-patch.ts): x [batch, C, H, W], taps KH×KW of Cg
 * channels per group (k = (ci, kh, kw) within group z), and row m's output pixel, in C (`pixel`:
 * statements over `m` that set img, oh, ow) and in TypeScript (`pixelOf`, for checking the layout).
 */
export interface ConvPatch {
  readonly C: number;
  readonly H: number;
  readonly W: number;
  readonly Cg: number;
  readonly KH: number;
  readonly KW: number;
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
  readonly dilation: readonly [number, number];
  /** Rows come in fours, one 2×2 pooling window each (a fused pool). */
  readonly pooled: boolean;
  /** Rows of one image: M = images · rowsPerImage. */
  readonly rowsPerImage: number;
  /** The image count, a C expression of `batch` (ir/shape.ts imagesOf: the batch, a multiple of it, or fixed). */
  readonly images: string;
  readonly pixel: string;
  /** C: the output row oh of row `m` (an identifier), alone. */
  readonly ohOf: (m: string) => string;
  readonly pixelOf: (m: number) => { readonly img: number; readonly oh: number; readonly ow: number };
}

/** Where a GEMM-like op reads A and B and writes C, as C code over m, n, k, z and batch. */
export interface GemmIndexMaps {
  /** C body of `float load_a(const float* a, int m, int k, int z)` (z: batch of matmul, or group). */
  readonly loadA: string;
  readonly loadB: string;
  /**
   * The flat output index of row m, column n, batch/group z: the kernel stores `out[<it>] = v`. With
   * col2im, of input pixel (ih, iw) of channel ci of image img instead (and the bias's index is over ci).
   */
  readonly storeIndex: string;
  /**
   * With pooled rows: the flat index of row m's own output before the pool (the GEMM's output
   * without the pool), where a kernel stores it too (conv-pool-stored).
   */
  readonly unpooledStoreIndex?: string;
  /**
   * The pooling window's rows 4w, 4w + 1 (and 4w + 2, 4w + 3) are adjacent in that output, the first
   * of each pair 8-byte aligned: the kernel stores each pair as one float2.
   */
  readonly unpooledPairs?: boolean;
  readonly M: string; // rows, a C expression of `batch`
  /** M at a nominal batch, for choosing the tile. */
  readonly mAt: (batch: number) => number;
  readonly N: number;
  /** A number, or a C expression of `batch` when the reduction runs over the batch. */
  readonly K: number | string;
  readonly Z: string; // grid z: matmul batch or conv groups
  readonly mDesc: string;
  /** Where blocks may skip k-steps that read only zeros (the GPU's conv input gradient). */
  readonly kSkip?: GemmKSkip;
  /** Where the epilogue sums C's taps into input pixels instead of storing C (the GPU's conv input gradient). */
  readonly col2im?: GemmCol2im;
  /**
   * The index along which consecutive elements of A (B) are adjacent in memory, where it is m (n)
   * rather than k: the GPU-shaped kernel then stages that operand with consecutive threads along it,
   * so that a warp's loads are coalesced (default "k").
   */
  readonly contiguousA?: "m" | "k";
  readonly contiguousB?: "n" | "k";
  /**
   * The index along which the output comes in runs of 4 adjacent, 16-byte-aligned elements: for m
   * (n) a multiple of 4 and in range, the outputs at m..m+3 (n..n+3) are at storeIndex..storeIndex+3
   * and storeIndex is a multiple of 4. The GEMM then stores a thread's 4 outputs along it as one
   * float4 (a warp's stores are full sectors). Absent: scalar stores.
   */
  readonly storeRun?: "m" | "n";
  /** Hoisted forms of loadA / loadB; without them the fp32 template calls loadA(m, k) per element. */
  readonly gatherA?: SplitGather;
  readonly gatherB?: SplitGather;
  /** A conv forward's input geometry: on the GPU, A may be gathered from x's rows staged in shared memory. */
  readonly patchA?: ConvPatch;
  /**
   * A conv weight gradient's input geometry (B is x at pixel k, tap n; its "rows" are the pixels,
   * rowsPerImage = OH·OW, never pooled): on the GPU, B may be gathered from x's rows staged in
   * shared memory per k-step (kernels/gemm-patch-wgrad.ts).
   */
  readonly patchB?: ConvPatch;
  /** A per-column bias added to the accumulator, and its C index over n and z. */
  readonly bias?: { readonly node: Node; readonly index: string };
}

/**
 * An implicit-GEMM gather that may fall in the zero padding, without a branch: a tap outside the
 * input reads element 0 (always in bounds) and the select discards it. Whether a tap is inside
 * follows the pixel pattern, which a CPU mispredicts often; the GPU predicates either form.
 */
export function selectLoad(array: string, index: string): string[] {
  return [`const float v = ${array}[inside ? ${index} : 0];`, `return inside ? v : 0.0f;`];
}

export type ShapeErrorKind = "shapeMismatch" | "dtypeMismatch" | "invalidArgument";

/** A shape rule's verdict that the inputs do not fit; the frontend adds the source location. */
export class ShapeError extends Error {
  constructor(
    message: string,
    readonly kind: ShapeErrorKind = "shapeMismatch",
  ) {
    super(message);
  }
}

export function defineOp<A>(def: Omit<OpDef<A>, "attrsOf">): OpDef<A> {
  return {
    ...def,
    attrsOf: (node) => {
      if (node.op !== def.name) throw new Error(`${def.name}.attrsOf: node %${node.id} is ${node.op}`);
      return node.attrs as unknown as A;
    },
  };
}

/** Does the node's op never decrease (with its attributes)? */
export function isMonotone(op: OpDef, node: Node): boolean {
  const m = op.traits?.monotone;
  return typeof m === "function" ? m(op.attrsOf(node)) : m === true;
}

/** The pointwise traits of an op's codegen: may it fuse into elementwise kernels and GEMM epilogues? */
export function isPointwise(op: OpDef): boolean {
  return op.codegen?.kind === "pointwise";
}

/**
 * Indices are int32. JavaScript has one number type, so F.tensor([0, 2, 5]) — PyTorch's int64
 * torch.tensor([0, 2, 5]) — is float32 unless it says otherwise: the message says how.
 */
export function requireIndices(idx: TensorType, who: string): void {
  if (idx.dtype !== "i32")
    throw new ShapeError(`${who} expects int32 indices, got ${idx.dtype} ${formatShape(idx.shape)} (a comparison's mask and F.tensor of numbers are float32: convert with .int(), or write F.tensor(values, { dtype: "int32" }))`, "dtypeMismatch");
}

/**
 * A float32 operand. An int32 one is PyTorch's integer, which these ops refuse too; a port's
 * `mask * 1` counts the mask where `mask * 1.0` is float (1-frontend/float-literals.ts): the message says so.
 */
export function requireFloat(t: TensorType, who: string, what = "input"): void {
  if (t.dtype === "f32") return;
  const why = t.dtype === "i32" ? ` (an integer tensor, as PyTorch's int64: convert it with .float(); a number written without a decimal point is an integer, as Python's, so mask.mul(1) is an int32 count and mask.mul(1.0) a float)` : "";
  throw new ShapeError(`${who} expects a float32 ${what}, got ${t.dtype}${why}`, "dtypeMismatch");
}
