import type { Kernel, KernelPlan } from "../../3-fusion/plan.ts";
import type { Node } from "../../ir/node.ts";
import { opDef } from "../../ops/index.ts";
import type { GemmCol2im, GemmIndexMaps, SplitGather } from "../../ops/op.ts";
import { COL2IM_MAX_TILE } from "../../ops/conv-col2im.ts";
import type { Precision, ShapeFor } from "../context.ts";
import { H100_SMS } from "../../gpu-specs.ts";
import { evaluateInteger } from "../../launch-shape.ts";

// The shape of an fp32 GEMM kernel — its block tile, how its threads stage the operands, and whether
// K is split over extra blocks — chosen per GEMM and per machine ("shapeFor"). The CPU target runs a
// block's threads as fibers on a few cores: big tiles, few blocks. The GPU needs ≥ 1 full wave of
// blocks on its SMs. Both shapes are the same CUDA source; only the numbers differ.

/** The GPU shape is sized for the H100/H200's streaming multiprocessors (132; one table: gpu-specs.ts). */
export const GPU_SMS = H100_SMS;

/**
 * Each thread owns a 4×4 sub-tile of C (float4 reads of both operands in the inner loop), or on the
 * GPU, for GEMMs with plain operand loads, 8×8 in 2×2 runs of 4 (two float4 reads per operand).
 * Why 8×8: per k step a 4×4 thread issues 16 FFMAs and 2 LDS.128, each LDS.128 4 shared-memory
 * wavefronts, so the operand reads take twice the FMA time (perf-model.ts gemmLoop: at most 50 % of
 * the fp32 peak); 8×8 issues 64 FFMAs per 4 LDS.128, shared memory and the FMA pipe balanced.
 */
export const TM = 4;
export const TN = 4;
export const WIDE = 8;

/**
 * Depth of the fp32 k-step: 32 halves the barriers per multiply-add against 16 (each barrier is a
 * fiber switch per thread under the CPU shim; LeNet's step took ~20% more CPU time with 16). The
 * template unrolls the k loop by 8 only: fully unrolled, 32 deep made nvcc 1.7× slower on resnet.
 * Shared memory stays within 40 KiB (256×32 tile with its padding).
 */
export const FP32_BK = 32;

/** The batch size a batch-dependent M is sized for when the CPU chooses a tile (the training default). */
const NOMINAL_BATCH = 64;

/** The per-device batches the GPU shape is chosen for (the issue: "the batch sizes that matter"). */
const GPU_BATCHES = [64, 256] as const;

/** Row-state registers of a gather that does not say (SplitGather.rowRegisters): a conv's im2col. */
const GATHER_ROW_REGISTERS = 5;

/**
 * Registers a thread may spend on its staged rows' gather state: 16 rows of a conv's 4–5 (the 4×4
 * tiles of 128 threads, spill-free on sm_90).
 */
const GATHER_REGISTER_BUDGET = 16 * GATHER_ROW_REGISTERS;

/** The most rows of any staged operand a thread stages in the tiles here (8×8 of 64×128: 32). */
const MAX_STAGED_ROWS = 32;

/**
 * The most rows of an operand a thread may stage, where the operand is a gather staged along k
 * (each staged row keeps its hoisted state in registers): the budget over the state's registers,
 * 16 for a conv's im2col, 32 for a gather of one offset per row (an unpadded conv's weight
 * gradient). undefined where nothing bounds it: no gather, or staged along m or n (the GPU shape,
 * an operand contiguous there: a thread stages one row).
 */
export function gatherRowLimit(gather: SplitGather | undefined, stagedAlongRows: boolean): number | undefined {
  if (!gather || stagedAlongRows) return undefined;
  return Math.min(MAX_STAGED_ROWS, Math.floor(GATHER_REGISTER_BUDGET / (gather.rowRegisters ?? GATHER_ROW_REGISTERS)));
}

/** The row limits of a GEMM's two operands on this machine's shape (gatherRowLimit). */
export function gatherRowLimits(parts: Pick<GemmIndexMaps, "gatherA" | "gatherB" | "contiguousA" | "contiguousB">, shapeFor: ShapeFor): { a?: number; b?: number } {
  const a = gatherRowLimit(parts.gatherA, shapeFor === "gpu" && parts.contiguousA === "m");
  const b = gatherRowLimit(parts.gatherB, shapeFor === "gpu" && parts.contiguousB === "n");
  return { ...(a !== undefined ? { a } : {}), ...(b !== undefined ? { b } : {}) };
}

/**
 * 8×8 thread tiles where every gather staged along k may stage 32 rows a thread (the 64×128 and
 * 128×64 tiles' operand of 128 rows): a hoisted gather keeps per-row state for each of the thread's
 * staged rows (16 rows × a conv's 4–5 registers next to 64 accumulators would spill; 32 of one
 * offset do not), where staged along m or n (the GPU shape, an operand contiguous there) a thread
 * stages one row. A fused pool takes them too: each of the thread's two runs of 4 rows is a window.
 */
export function wideAllowed(parts: Pick<GemmIndexMaps, "gatherA" | "gatherB" | "contiguousA" | "contiguousB">, shapeFor: ShapeFor): boolean {
  const { a, b } = gatherRowLimits(parts, shapeFor);
  return (a === undefined || a >= MAX_STAGED_ROWS) && (b === undefined || b >= MAX_STAGED_ROWS);
}

/**
 * What a GEMM's staging buffers may take of a block's static shared memory, in floats: CUDA's
 * 48 KiB less 16 bytes for the kernel's own shared scalars (split-K's `lastOfTile` flag), which a
 * buffer filling all 48 KiB would push one byte past the limit (ptxas refuses 49,153 bytes).
 */
export const STATIC_SHARED_FLOATS = (48 * 1024 - 16) / 4;

/** A block's tile of C: BM×BN outputs, one TM×TN sub-tile per thread. */

export interface Tile {
  readonly BM: number;
  readonly BN: number;
  readonly BK: number;
  readonly TM: number;
  readonly TN: number;
  readonly THREADS: number;
  /** Elements of the A (B) tile each thread stages per k-step. */
  readonly A_LOADS: number;
  readonly B_LOADS: number;
}

function tileOf(BM: number, BN: number, tm = TM, tn = TN): Tile {
  const THREADS = (BM / tm) * (BN / tn);
  return { BM, BN, BK: FP32_BK, TM: tm, TN: tn, THREADS, A_LOADS: (BM * FP32_BK) / THREADS, B_LOADS: (BN * FP32_BK) / THREADS };
}

/** 8×8 tiles of 128–256 threads: 64–128 rows by 64–128 columns. */
function wideCandidates(limits: TileLimits): Tile[] {
  const out: Tile[] = [];
  for (const BM of [64, 128])
    for (const BN of [64, 128]) {
      const t = tileOf(BM, BN, WIDE, WIDE);
      if (BM * BN < 64 * 128 || t.A_LOADS > (limits.gatherRowsA ?? Infinity) || t.B_LOADS > (limits.gatherRowsB ?? Infinity)) continue;
      out.push(t);
    }
  return out;
}

/**
 * 4×8 and 8×4 thread tiles (two float4 runs along one operand, one along the other) of 128–256
 * threads: 32 FFMAs per 3 LDS.128, so their operand reads take 1.5× their FMA time where a 4×4
 * thread's take 2× (outputCost). They keep a thread's staged rows of a gathered k-major operand
 * within its gatherRowLimit (the register budget of a hoisted gather's per-row state), so
 * convolutions take them too (with a fused pool, each run of 4 rows is a window).
 */
function halfWideCandidates(limits: TileLimits): Tile[] {
  const out: Tile[] = [];
  for (const [tm, tn] of [[WIDE, TN], [TM, WIDE]] as const) {
    for (const BM of [32, 64, 128, 256])
      for (const BN of [32, 64, 128]) {
        const t = tileOf(BM, BN, tm, tn);
        if (t.THREADS < 128 || t.THREADS > 256) continue;
        if (t.A_LOADS > (limits.gatherRowsA ?? Infinity) || t.B_LOADS > (limits.gatherRowsB ?? Infinity)) continue;
        out.push(t);
      }
  }
  return out;
}

/**
 * What bounds the GPU tile of one GEMM besides its size: operands gathered with per-row state,
 * staged along k (each staged row keeps its state in registers: at most gatherRowLimit rows per
 * thread).
 */
export interface TileLimits {
  readonly gatherRowsA?: number;
  readonly gatherRowsB?: number;
  /**
   * The most splits of K at a batch, where split-K will spread a grid of fewer blocks than SMs over
   * a wave (weight gradients): the tile's time is then its block's work over its splits.
   */
  readonly splitsAt?: (batch: number) => number;
  /** A col2im epilogue (conv-col2im.ts): the tile holds whole images and channels of C, and C itself in shared memory. */
  readonly col2im?: GemmCol2im;
}

/** Does the tile hold whole images (rows) and channels (columns) of a col2im GEMM, and its C tile fit in shared memory? */
export function col2imFits(t: { BM: number; BN: number }, c: GemmCol2im | undefined): boolean {
  return !c || (t.BM % c.rowsPerImage === 0 && t.BN % c.colsPerChannel === 0 && t.BM * t.BN <= COL2IM_MAX_TILE);
}

/**
 * The time of one output of a thread tile, relative to an FFMA at the full rate: the larger of the
 * shared-memory time of its operand reads and its issue time (perf-model.ts gemmLoop): 2 for 4×4,
 * 1.5 for 4×8 and 8×4, 1.0625 for 8×8.
 */
function outputCost(t: Tile): number {
  const lds128 = (t.TM + t.TN) / 4;
  const fmas = t.TM * t.TN;
  return Math.max((4 * lds128) / fmas / 0.25, (fmas + lds128) / fmas);
}

/** Tiles of 64–256 threads, each thread 4×4 outputs. */
function candidates(minThreads: number): Tile[] {
  const out: Tile[] = [];
  for (const BM of [32, 64, 128, 256])
    for (const BN of [16, 32, 64]) {
      const t = tileOf(BM, BN);
      if (t.THREADS >= minThreads && t.THREADS <= 256) out.push(t);
    }
  return out;
}

/**
 * 16-row tiles of 4×4 threads, 128–256 wide (128–256 threads), for the GPU: a weight gradient of 16
 * output channels (ResNet's first stage: M = 16, N = 16·3·3 = 144) filled half of every 32-row tile.
 */
export function narrowCandidates(): Tile[] {
  return [128, 256].map((BN) => tileOf(16, BN));
}

/**
 * The CPU target's tile for a GEMM of M×N outputs: the 64×64 tile wastes most of its work when N (or
 * M) is small — conv1's N is 20 output channels, a conv weight gradient is 20×25 — so the tile is
 * chosen to minimize the padded output area. Narrow tiles reload more per FLOP ((BM+BN)/(BM·BN)
 * values per multiply-add), hence the 4/min(BM, BN) penalty, which keeps 64×64 wherever it wastes
 * little.
 */
export function chooseTile(M: number, N: number): Tile {
  let best: { tile: Tile; score: number } | undefined;
  for (const tile of candidates(64)) {
    const area = Math.ceil(M / tile.BM) * tile.BM * Math.ceil(N / tile.BN) * tile.BN;
    const score = area * (1 + 4 / Math.min(tile.BM, tile.BN));
    // equal waste: the larger block (fewer blocks to schedule, more reuse per staged tile)
    if (!best || score < best.score || (score === best.score && tile.THREADS > best.tile.THREADS)) best = { tile, score };
  }
  return best!.tile;
}

/**
 * The GPU's tile: the one with the least estimated time summed over batches 64 and 256, where the
 * time of a GEMM is its number of waves (blocks / 132 SMs, rounded up) times the work of one block
 * (its padded BM·BN outputs, with the same reload penalty as the CPU's). This assumes one block per
 * SM at a time, which overstates the cost of big blocks' neighbours little and keeps the model
 * simple; what it captures is that a grid of 8 big blocks leaves 124 SMs idle while 128 small ones
 * fill a wave. Tiles of 128 threads and more only: the conflict-free staging layout needs 4 rows per
 * warp per pass (see the template), i.e. THREADS / BK ≥ 4.
 */
export function chooseGpuTile(mAt: (batch: number) => number, N: number, Z: number, wide = false, limits: TileLimits = {}): Tile {
  let best: { tile: Tile; score: number } | undefined;
  for (const tile of [...candidates(128), ...narrowCandidates(), ...halfWideCandidates(limits), ...(wide ? wideCandidates(limits) : [])]) {
    if (!col2imFits(tile, limits.col2im)) continue;
    let score = 0;
    for (const b of GPU_BATCHES) {
      const blocks = Math.ceil(mAt(b) / tile.BM) * Math.ceil(N / tile.BN) * Z;
      const block = tile.BM * tile.BN * (1 + 4 / Math.min(tile.BM, tile.BN)) * outputCost(tile);
      const splits = limits.splitsAt ? Math.max(1, Math.min(Math.floor(GPU_SMS / blocks), limits.splitsAt(b))) : 1;
      score += (Math.ceil(blocks / GPU_SMS) * block) / splits;
    }
    if (!best || score < best.score || (score === best.score && tile.THREADS > best.tile.THREADS)) best = { tile, score };
  }
  if (!best) throw new Error(`codegen: no GPU tile holds ${limits.col2im ? `whole images of ${limits.col2im.rowsPerImage} rows and channels of ${limits.col2im.colsPerChannel} columns` : "this GEMM"}`);
  return best.tile;
}

/**
 * Split-K: the reduction split into `splits` chunks, one per extra block along grid.z, each writing
 * its partial tile to a workspace [Z, splits, M, N]; a second kernel sums the splits in a fixed order
 * and applies the bias and epilogue. No float atomics, so the result is the same run to run. The
 * count is computed at run time (splitsAt) because the grid and K grow with the batch: as many
 * splits as keep the grid within `wanted` blocks, each at least `minChunk` deep, at most `maxSplits`
 * (what the workspace is sized for). With one split the kernel applies its epilogue itself and the
 * second kernel is not launched.
 */
export interface SplitK {
  readonly maxSplits: number;
  /** The fewest k values a split reduces (a multiple of BK). */
  readonly minChunk: number;
  /** The grid size split-K aims for: a wave of the GPU's SMs. */
  readonly wanted: number;
  /** The workspace grows with the batch (M does): it lives in the batch arena. */
  readonly perSample: boolean;
}

export interface GemmShape {
  readonly tile: Tile;
  /** Stage the operand with consecutive threads along its rows (m of A, n of B) instead of along k. */
  readonly rowMajorA: boolean;
  readonly rowMajorB: boolean;
  readonly splitK?: SplitK;
}

/** CUDA's limit on gridDim.z. */
const MAX_GRID_Z = 65_535;

/**
 * The fp32 GEMM's shape for one kernel. `Z` is the grid's z (conv groups or matmul batch) when it is
 * a number; split-K applies where Z does not grow with the batch and M and K do not both grow with
 * it, so the workspace has a bound; a fused pool splits too (the tile's last block holds whole sums
 * of its rows when it runs the pooled epilogue).
 */
export function gemmShape(parts: GemmIndexMaps, shapeFor: ShapeFor): GemmShape {
  const Z = /^\d+$/.test(parts.Z) ? Number(parts.Z) : undefined;
  const rowMajorA = shapeFor === "gpu" && parts.contiguousA === "m";
  const rowMajorB = shapeFor === "gpu" && parts.contiguousB === "n";
  const wide = shapeFor === "gpu" && wideAllowed(parts, shapeFor);
  const perSample = parts.mAt(GPU_BATCHES[0]) !== parts.mAt(GPU_BATCHES[1]);
  // Split-K: not with a grid.z that grows with the batch, or M and K both growing with it (the
  // workspace would grow with its square), nor with a col2im epilogue (K is a layer's channels)
  const canSplit = shapeFor === "gpu" && !parts.col2im && Z !== undefined && !(perSample && typeof parts.K !== "number");
  const kAt = (b: number) => (typeof parts.K === "number" ? parts.K : evaluateInteger(parts.K, { batch: b }));
  // a gather staged along m or n keeps one row's state per thread, whatever the tile
  const rows = gatherRowLimits(parts, shapeFor);
  const limits: TileLimits = {
    ...(rows.a !== undefined ? { gatherRowsA: rows.a } : {}),
    ...(rows.b !== undefined ? { gatherRowsB: rows.b } : {}),
    ...(parts.col2im ? { col2im: parts.col2im } : {}),
    ...(canSplit ? { splitsAt: (b: number) => Math.ceil(kAt(b) / (4 * FP32_BK)) } : {}),
  };
  const tile = shapeFor === "gpu" ? chooseGpuTile(parts.mAt, parts.N, Z ?? 1, wide, limits) : chooseTile(parts.mAt(NOMINAL_BATCH), parts.N);
  // (The CPU does not coalesce: it keeps the k-major staging whose gathers it hoists best.)
  // The CPU target does not split: its one-block weight gradient (conv1's) is ~4–6% of LeNet's
  // step, 8 splits showed no clear gain on 2 busy cores (bench/README-lenet-step.md), and splitting
  // would change the rounding of every CPU-target gradient, which
  // the data-parallel comparison of test/training.test.ts (fp32 and float64 optimizers over five
  // steps of a ResNet with a one-sample chunk, rtol 1e-5) does not survive: its trajectories part
  // at a ReLU kink. The GPU shape's split-K is executed on the CPU target with shapeFor "gpu".
  if (!canSplit || Z === undefined) return { tile, rowMajorA, rowMajorB };
  // the grid at the smallest batch that matters: the most splits it can want
  const blocks = Math.ceil(parts.mAt(GPU_BATCHES[0]) / tile.BM) * Math.ceil(parts.N / tile.BN) * Z;
  const wanted = GPU_SMS;
  // a split reduces ≥ 4 k-steps: its partial tile costs a store and a reload
  const minChunk = 4 * tile.BK;
  const kMax = typeof parts.K === "number" ? parts.K : Infinity;
  const maxSplits = Math.min(Math.floor(wanted / blocks), Math.ceil(kMax / minChunk), Math.floor(MAX_GRID_Z / Z));
  return { tile, rowMajorA, rowMajorB, ...(maxSplits > 1 ? { splitK: { maxSplits, minChunk, wanted, perSample } } : {}) };
}

/**
 * A split-K workspace row: N floats rounded up to 8, so that every row starts on a 32-byte sector and
 * a thread stores (and the tile's last block reads back) its 4 partial columns as one float4: whole
 * sectors per warp. (fc2's N = 10 and conv1's weight gradient's N = 25 made scalar stores of 14–16
 * sectors per 128 bytes; rows of 12 floats then started 16 bytes into a sector every other row.)
 */
export function workspaceRow(N: number): number {
  return Math.ceil(N / 8) * 8;
}

/** The split count a launch computes at run time (the generated launcher has the same formula in C). */
export function splitsAt(split: SplitK, blocks: number, K: number): number {
  // floor: as many splits as fit in one wave; one more split would start a second wave of a few
  // blocks (16 tiles × 9 splits = 144 blocks take two waves where 16 × 8 = 128 take one)
  const byGrid = Math.floor(split.wanted / blocks);
  const byDepth = Math.ceil(K / split.minChunk);
  return Math.max(1, Math.min(split.maxSplits, byGrid, byDepth));
}

/**
 * A plan's GEMM kernel's index maps. With gemm-row-sums, C has a column more than the op's: column
 * `onesColumn` of B is all ones, so C's column there holds the row sums Σₖ A[m, k]. The GPU's maps
 * may order rows so that blocks skip k-steps of zeros (GemmKSkip), or, for the fp32 template, compute
 * a conv input gradient tap by tap (GemmCol2im); the CPU target keeps its own.
 */
export function kernelGemmMaps(
  k: Pick<Kernel, "anchor" | "pool" | "prologue" | "rowSums">,
  label: (n: Node) => string = () => "",
  shapeFor: ShapeFor = "cpu",
  precision: Precision = "fp32",
): { parts: GemmIndexMaps; onesColumn?: number } {
  const op = opDef(k.anchor.op);
  if (op.codegen?.kind !== "gemm") throw new Error(`codegen: ${k.anchor.op} is not GEMM-like`);
  const parts = op.codegen.maps(k.anchor, op.attrsOf(k.anchor), { pooled: k.pool !== undefined, label, transposed: (n) => k.prologue?.includes(n) ?? false, skipZeroSteps: shapeFor === "gpu", col2im: shapeFor === "gpu" && precision === "fp32" && !k.pool });
  return k.rowSums ? { parts: { ...parts, N: parts.N + 1 }, onesColumn: parts.N } : { parts };
}

/** The shape of a plan's kernel, when it is an fp32 GEMM. */
export function kernelGemmShape(k: Pick<Kernel, "anchor" | "pool" | "prologue" | "rowSums">, shapeFor: ShapeFor, precision: Precision): GemmShape | undefined {
  if (opDef(k.anchor.op).codegen?.kind !== "gemm" || precision !== "fp32") return undefined;
  return gemmShape(kernelGemmMaps(k, undefined, shapeFor).parts, shapeFor);
}

/**
 * The split-K workspaces of a plan's kernels (anchor → bytes, per sample where `perSample`), for the
 * memory planner: a workspace lives only while its kernel runs, so the planner reuses its bytes.
 */
export function gemmWorkspaces(
  plan: KernelPlan,
  shapeFor: ShapeFor,
  precision: Precision = "fp32",
  // a tuning file's split-K replaces the heuristic's (compiler/tuning/tuned-shapes.ts)
  shapeOf: (k: Kernel) => GemmShape | undefined = (k) => kernelGemmShape(k, shapeFor, precision),
): Map<Node, { bytes: number; perSample: boolean }> {
  const out = new Map<Node, { bytes: number; perSample: boolean }>();
  for (const k of plan.kernels) {
    const shape = shapeOf(k);
    if (!shape?.splitK) continue;
    const { parts } = kernelGemmMaps(k, undefined, shapeFor);
    const { tile, splitK } = shape;
    const row = workspaceRow(parts.N) * 4;
    // [Z, splits, M, N rounded up to 8] floats (N counts the column of ones of gemm-row-sums)
    if (!splitK.perSample) {
      out.set(k.anchor, { bytes: splitK.maxSplits * Number(parts.Z) * parts.mAt(1) * row, perSample: false });
      continue;
    }
    // M grows with the batch, and the splits shrink with it: splitsAt keeps splits · blocks ≤ wanted,
    // blocks = ⌈M / BM⌉ · ⌈N / BN⌉ · Z, so splits · Z · M ≤ wanted · BM / ⌈N / BN⌉ at every batch (at
    // one split the workspace is not used). A fixed size, where maxSplits rows per sample would grow
    // without bound (the 4096-wide MLP at batch 4096: 256 MB for a workspace no launch uses).
    const bound = Math.floor((splitK.wanted * tile.BM) / Math.ceil(parts.N / tile.BN)) * row;
    out.set(k.anchor, { bytes: bound, perSample: false });
  }
  return out;
}
