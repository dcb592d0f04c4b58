import type { Kernel } from "../../3-fusion/plan.ts";
import type { Node } from "../../ir/node.ts";
import { fail } from "../../diagnostics/diagnostic.ts";
import { opDef } from "../../ops/index.ts";
import type { GemmCol2im, GemmIndexMaps, SplitGather } from "../../ops/op.ts";
import { shapeComment, type CodegenContext } from "../context.ts";
import type { GemmCol2imView, GemmFlatView, GemmRingView, GemmWindowView, GemmStoreRunView, GemmTensorCoreView, GemmView, GemmViewBase, LaunchView } from "../view.ts";
import { GPU_SMS, kernelGemmMaps, STATIC_SHARED_FLOATS, workspaceRow, type SplitK, type Tile } from "./gemm-shape.ts";
import { patchStaging, type PatchMode } from "./gemm-patch.ts";
import { flatStaging, type FlatStaging } from "./gemm-flat.ts";
import { wgradPatchStaging } from "./gemm-patch-wgrad.ts";
import { rowsEpilogue } from "./gemm-rows-epilogue.ts";
import { tensorCoreSharedBytes, type TensorCoreTile } from "./gemm-tc-shape.ts";
import { TILE_TICKETS } from "./tickets.ts";
import { evaluateInteger } from "../../launch-shape.ts";
import { resolveGemm, resolveTensorCore } from "../../tuning/knobs.ts";

// GEMM-shaped kernels: every op whose codegen is "gemm" (nn.Linear, matmul, Conv2d as an
// implicit GEMM, its gradients, ConvTranspose2d). The op gives its index maps and bias.
//   C[M, N] = A[M, K] · B[K, N], accumulated in fp32 registers.
// A tile of C per block; each thread owns a 4×4 sub-tile, so every value loaded from shared memory
// is used four times (on the GPU, GEMMs with plain operand loads may take 8×8 sub-tiles in 2×2 runs
// of 4, each value used eight times: a 4×4 thread's LDS.128 operand reads take twice its FMA time
// in shared-memory wavefronts, an 8×8 thread's as long as its FMAs; convolutions and pooled GEMMs
// may take 4×8 or 8×4, 1.5×; gemm-shape.ts); A and B tiles of depth 32 (16 with tensor cores) are staged in shared memory by
// all threads together with two barriers per step. Conv2d gathers A on the fly (im2col without the
// copy). The epilogue adds the bias and applies the fused activation in registers; with a fused 2×2
// max pool, the four rows a thread owns are one pooling window.
// Why each shape (gemm-shape.ts): the tile is chosen per GEMM and per machine — the CPU target's to
// waste little padding, the GPU's to fill 132 SMs at batch 64–256; a GEMM whose few blocks reduce a
// long K (weight gradients: K = batch × pixels) is split along K over extra blocks (split-K) into a
// workspace the memory planner places, then summed in a fixed order by the tile's last block (no
// second launch; a ticket per tile says which block is last); the shared
// tiles are padded so that staging stores are conflict-free; on the GPU an operand contiguous along
// m or n is staged with consecutive threads along it (coalesced loads), and a convolution's input
// gradient may be computed tap by tap, each input pixel summing its taps from the block's C tile in
// shared memory (the col2im epilogue, ops/conv-col2im.ts).
// With --precision tf32|bf16 the GEMM runs on tensor cores instead (gemm_tc.cu.hbs): mma.sync on 8
// warps, 128×128 tiles where they fill the GPU (gemm-tc-shape.ts), operands staged as fp32 by a
// 3-stage cp.async pipeline into swizzled shared tiles and rounded in registers; operands whose index
// is not 16 contiguous bytes (im2col, edges, unaligned rows) take plain loads into the same layout.
// Full-width global accesses (issue 13, finding 4): where the op says its output comes in aligned
// runs of 4 along m or n (GemmIndexMaps.storeRun: a linear layer's rows, a conv's pixels), a thread's
// 4 outputs along the run are one float4 store and the epilogue's operands one float4 load each, so a
// warp's epilogue requests are whole sectors (4 per 128 bytes, where the 4×4 sub-tile's scalar
// stores took 10–17 per request); split-K partial rows are padded to a multiple of 8 floats for the
// same float4 stores; parameters start on 128-byte lines and other buffers on 32-byte sectors
// (4-memory/plan.ts), so a row of a multiple of 8 floats has whole-sector k-runs, and rows of other
// lengths are read from their sector boundary into a ring of two k-steps (ringStaging), or, where
// K is one k-step and the rows lie back to back, copied as one span and transposed (gemm-flat.ts); operands
// staged along m or n whose k-runs start mid-sector, from the sector boundary below the tile's first
// row, with a short extra load for the run's last few rows (windowStaging). The pooled
// epilogue's thread owns one pooled row, no run of 4, so its kernel puts consecutive threads on
// consecutive rows instead (ty = tid % (BM / TM)): a warp's scalar stores are then consecutive
// pooled pixels of a few channels, whole sectors too.

export const TILE = { BM: 64, BN: 64, BK: 16, TM: 4, TN: 4, THREADS: 256 } as const;
export { chooseTile, type Tile } from "./gemm-shape.ts";

/**
 * --precision tf32|bf16: the tile is computed by mma.sync on tensor cores (gemm_tc.cu.hbs). TF32
 * keeps fp32's range with a 10-bit mantissa (m16n8k8), BF16 an 8-bit one (m16n8k16). Both
 * accumulate in fp32. The shared layouts' swizzles differ by precision (runtime/harness/mma.h).
 */
const TENSOR_CORES = {
  // MIN_BLOCKS: blocks per SM asked of ptxas (__launch_bounds__). 2 would cap a thread at 128
  // registers: the 128×128 tile then spills on sm_90 (tf32: 104 bytes; bf16: 12–68 bytes with the
  // plain-load staging path), so one block of 8 warps per SM, up to 255 registers.
  tf32: { precision: "tf32", tf32: true, mmaShape: "m16n8k8", MMA_K: 8, MIN_BLOCKS: 1, rowMajorOffset: "tsdp_rowmajor16_tf32" },
  bf16: { precision: "bf16", tf32: false, mmaShape: "m16n8k16", MMA_K: 16, MIN_BLOCKS: 1, rowMajorOffset: "tsdp_rowmajor16_bf16" },
} as const;

/**
 * The index expression of a load `return x[<index>];` whose index is `<rest> + along` with `along`
 * nowhere in `rest`: consecutive values of `along` are adjacent in memory, so 4 of them can be one
 * 16-byte copy (where the address is aligned, which the kernel checks). Anything else (a gather with
 * a condition, an index divided or taken modulo) is staged by plain loads.
 */
export function contiguousIndex(load: string, operand: "a" | "b" | "out", along: "m" | "n" | "k"): string | undefined {
  const match = new RegExp(`^return ${operand}\\[(.+)\\];$`, "s").exec(load.trim());
  if (!match) return undefined;
  const index = match[1];
  const tail = ` + ${along}`;
  if (!index.endsWith(tail) || /[[\]?<>&|^,]/.test(index)) return undefined;
  const rest = index.slice(0, -tail.length);
  return new RegExp(`\\b${along}\\b`).test(rest) ? undefined : index;
}

/** Is the output contiguous along n (rows of it back to back in memory)? Then an epilogue may stage C by rows. */
function outputAlongN(parts: GemmIndexMaps): boolean {
  return contiguousIndex(`return out[${parts.storeIndex}];`, "out", "n") !== undefined;
}

/** The split form of a gather that has nothing worth hoisting: call the plain load. */
function plainGather(name: string, op: "a" | "b"): SplitGather {
  return { rowFields: "int m;", rowInit: `r.m = ${op === "a" ? "m" : "n"};`, colFields: "int k;", colInit: "c.k = k;", value: `return ${name}_load_${op}(${op}, r.m, c.k, z, batch);` };
}

/**
 * The epilogue's statements on `v`, the accumulator of the element stored at `index`. Operands from
 * outside the kernel (relu_grad's y) have the output's shape and are read at that same index,
 * through the extra kernel parameters e0, e1, … (`extras`, in order).
 */
export function epilogue(k: Kernel, index: string, extra: (at: number) => string = (at) => `e${at}[${index}]`): { statements: string[]; extras: Node[] } {
  const extras: Node[] = [];
  const statements = k.epilogue.map((e, i) => {
    const codegen = opDef(e.op).codegen;
    if (codegen?.kind !== "pointwise") throw new Error(`codegen: ${e.op} cannot be a GEMM epilogue`);
    const previous = i === 0 ? k.anchor : k.epilogue[i - 1];
    const operands = e.inputs.map((input) => {
      if (input === previous) return "v";
      let at = extras.indexOf(input);
      if (at < 0) at = extras.push(input) - 1;
      return extra(at);
    });
    return `v = ${codegen.expr(operands, e.attrs, { index, node: e })};`;
  });
  return { statements, extras };
}

/** gemm-row-sums: where the kernel stores row m's sum (of group z), from the op. */
function rowSumsOf(k: Kernel, onesColumn: number): { index: string } {
  const gemm = opDef(k.anchor.op).codegen;
  const rowSums = gemm?.kind === "gemm" ? gemm.rowSums?.(k.anchor, opDef(k.anchor.op).attrsOf(k.anchor)) : undefined;
  if (!rowSums) throw new Error(`codegen: ${k.name} stores row sums, but its op declares none (column ${onesColumn})`);
  return { index: rowSums.index };
}

/** B's gather with column `onesColumn` all ones (gemm-row-sums), before the op's own read, which it would overrun. */
function withOnes(gather: SplitGather, onesColumn: number | undefined): SplitGather {
  if (onesColumn === undefined) return gather;
  return {
    ...gather,
    rowFields: `${gather.rowFields} bool ones;`,
    rowInit: `r.ones = n == ${onesColumn};\n    ${gather.rowInit}`,
    value: `if (r.ones) return 1.0f;\n    ${gather.value}`,
  };
}

/**
 * The epilogue of an fp32 GEMM whose output comes in runs of 4 along m or n (GemmIndexMaps.storeRun):
 * each thread's 4 outputs along the run are one float4 store, and the epilogue operands read at the
 * same index (relu_grad's y) one float4 load, so that a warp's epilogue accesses are whole sectors.
 * `index` is the output's flat index as C over m and n; the run's first element replaces the run's
 * variable (mRun or nRun) in it.
 */
function storeRunView(k: Kernel, parts: GemmIndexMaps, along: "m" | "n", rowSums?: { readonly column: number; readonly index: string }): GemmStoreRunView {
  const lane = along === "n" ? "j" : "i";
  const { statements, extras } = epilogue(k, parts.storeIndex, (at) => `x${at}[${lane}]`);
  const runIndex = parts.storeIndex.replace(along === "n" ? /\bn\b/g : /\bm\b/g, along === "n" ? "nRun" : "mRun");
  return {
    along,
    alongN: along === "n",
    runIndex,
    activation: statements,
    loads: extras.map((_, at) => `const float4 x${at}v = *reinterpret_cast<const float4*>(&e${at}[at]);\n            const float x${at}[4] = {x${at}v.x, x${at}v.y, x${at}v.z, x${at}v.w};`),
    // a bias per column n, adjacent along a run of n: one float4 for the thread's 4 columns
    biasRun: along === "n" && parts.bias?.index === "n",
    ...(rowSums ? { rowSums: { column: rowSums.column, store: `rowsum[${rowSums.index}] = acc[i][4 * s];` } } : {}),
  };
}

/**
 * Whether the float4 epilogue can store a GEMM's output: the op's runs of 4 (GemmIndexMaps.storeRun),
 * not with a fused pool (its thread owns one pooled row, no run of 4 along m). With row sums
 * (gemm-row-sums), only along n, where the column of ones comes right after the output's last run of
 * 4 and so forms a run of its own, and only with nothing applied to C (a weight gradient's sum),
 * where the row sums take C's column as it is.
 */
function storesRuns(k: Kernel, parts: GemmIndexMaps, onesColumn: number | undefined): parts is GemmIndexMaps & { storeRun: "m" | "n" } {
  if (!parts.storeRun || k.pool) return false;
  if (onesColumn === undefined) return true;
  return parts.storeRun === "n" && onesColumn % 4 === 0 && !parts.bias && k.epilogue.length === 0;
}

/**
 * conv-pool-stored: how the pooled epilogue stores each pre-pool value and folds it into the
 * window's result, with the pool op's own reduction (its first-maximum, NaN-wins comparison).
 */
function unpooledStore(k: Kernel, index: string | undefined, pairs: boolean): GemmViewBase["unpooled"] {
  const reduction = k.pool && opDef(k.pool.op).traits?.pool?.reduction.c;
  if (!reduction || index === undefined) throw new Error(`codegen: ${k.name} stores its pre-pool value, but its op has no unpooled store index`);
  // a window's rows 4w, 4w + 1 and 4w + 2, 4w + 3: one float2 each (a warp's lanes, consecutive
  // windows along the pooled row, then write whole sectors, where 4 scalar stores 8 bytes apart took twice the sectors)
  const pair = (q: number) => `{ const int m = w0 + ${q}; *reinterpret_cast<float2*>(&unpooled[${index}]) = make_float2(vs[${q}], vs[${q + 1}]); }`;
  return { store: `unpooled[${index}] = v;`, identity: reduction.identity, fold: reduction.combine("best", "v"), ...(pairs ? { pairs: [pair(0), pair(2)] } : {}) };
}

/**
 * How a thread's TM×TN sub-tile sits in the block tile: runs of 4 rows (columns), the thread's
 * runs BM / (TM / 4) apart, so that lanes with consecutive tx read adjacent float4 of Bs in every
 * run (an 8-wide contiguous sub-tile would make lanes 0 and 4 of a phase share banks).
 */
function threadLayout(t: Tile) {
  const runsM = t.TM / 4;
  const runsN = t.TN / 4;
  const runM = t.BM / runsM;
  const runN = t.BN / runsN;
  const at = (v: string, idx: string, runs: number, run: number) => (runs === 1 ? `${v} * 4 + ${idx}` : `${v} * 4 + (${idx} >> 2) * ${run} + (${idx} & 3)`);
  const reads = (op: "a" | "b", runs: number, run: number, v: string, tile: string) =>
    Array.from({ length: runs }, (_, r) => `const float4 v${op}${r} = *reinterpret_cast<const float4*>(&${tile}[kk][${v} * 4${r ? ` + ${r * run}` : ""}]);`);
  const regs = (op: "a" | "b", runs: number, size: number) =>
    `const float r${op}[${size}] = {${Array.from({ length: runs }, (_, r) => ["x", "y", "z", "w"].map((c) => `v${op}${r}.${c}`).join(", ")).join(", ")}};`;
  return {
    RUNS_M: runsM,
    RUNS_N: runsN,
    RUN_M: runM,
    RUN_N: runN,
    ROW_OF: at("ty", "i", runsM, runM),
    COL_OF: at("tx", "j", runsN, runN),
    fmaLoads: [...reads("a", runsM, runM, "ty", "As"), ...reads("b", runsN, runN, "tx", "Bs"), regs("a", runsM, t.TM), regs("b", runsN, t.TN)],
    tileNote:
      runsM === 1 && runsN === 1
        ? "4×4: the inner loop reads each thread's operands as one float4"
        : `${t.TM}×${t.TN} in runs of 4, ${runM} rows and ${runN} columns apart: ${t.TM * t.TN} FMAs per ${runsM + runsN} LDS.128 and k`,
  };
}

/**
 * The col2im epilogue (ops/conv-col2im.ts): C's tile goes to shared memory over the operand tiles
 * (the k loop ends on a barrier, so they are free), by columns, Cs[BN][BM]: lanes along rows store a
 * column's 4 rows as one float4 each, and the sum's lanes read one column's nearby rows — both
 * conflict-free (where rows Cs[BM][BN + pad] made the reads of rows 8 apart share banks).
 */
function col2imView(c: GemmCol2im, t: Tile, lda: number, ldb: number): GemmCol2imView {
  const IMAGES = t.BM / c.rowsPerImage;
  const CHANNELS = t.BN / c.colsPerChannel;
  return {
    R: c.rowsPerImage,
    T: c.colsPerChannel,
    IMAGES,
    CHANNELS,
    Cg: c.channels,
    COUNT: c.images,
    H: c.H,
    W: c.W,
    OUTPUTS: IMAGES * CHANNELS * c.H * c.W,
    SHARED_FLOATS: Math.max(t.BK * (lda + ldb), t.BN * t.BM),
    sum: c.sum.split("\n"),
  };
}

/** How deep a block of the CPU target's blocked K sum is (gemm.cu.hbs kBlock): a CPU BLAS's depth. */
const K_BLOCK_DEPTH = 256;

/**
 * The CPU target's K sum in blocks of K_BLOCK_DEPTH (whole k-steps), for a K that may be deeper
 * (one that grows with the batch: a weight gradient's): each block's products summed in the tile's
 * accumulators, then added into a total in double. The GPU shape has split-K for deep sums instead.
 */
function kBlockOf(K: number | string, BK: number, shapeFor: "gpu" | "cpu"): GemmView["kBlock"] {
  if (shapeFor !== "cpu" || (typeof K === "number" && K <= K_BLOCK_DEPTH)) return undefined;
  const steps = Math.max(1, Math.floor(K_BLOCK_DEPTH / BK));
  return { STEPS: steps, DEPTH: steps * BK };
}

/**
 * The row offset at k = 0 of each operand staged along k whose rows run contiguously along k and do
 * not all start on a sector (what the ring and flat staging read from the sector boundary): GPU
 * shapes only, not gathered, not summed tap by tap (col2im), not where steps are skipped.
 */
function kRowOffsets(parts: GemmIndexMaps, shape: { readonly rowMajorA: boolean; readonly rowMajorB: boolean }, shapeFor: "gpu" | "cpu"): { a?: string; b?: string } {
  if (shapeFor !== "gpu" || parts.col2im || parts.kSkip) return {};
  const offsetOf = (load: string, operand: "a" | "b", rowMajor: boolean, gathered: boolean) => {
    if (rowMajor || gathered) return undefined;
    const index = contiguousIndex(load, operand, "k");
    const offset = index?.slice(0, -" + k".length);
    return offset !== undefined && !everyRowOnASector(offset, operand === "a" ? "m" : "n", parts.Z) ? offset : undefined;
  };
  const a = offsetOf(parts.loadA, "a", shape.rowMajorA, parts.gatherA !== undefined);
  const b = offsetOf(parts.loadB, "b", shape.rowMajorB, parts.gatherB !== undefined);
  return { ...(a !== undefined ? { a } : {}), ...(b !== undefined ? { b } : {}) };
}

/**
 * Ring staging for the operands staged along k whose rows run contiguously along k (a linear layer's
 * activations and weights, a convolution's weights): on the GPU a row may start anywhere in a
 * 32-byte sector (rows of 500 floats: every other one 16 bytes in), and a warp's 8 floats per row
 * then straddle two sectors. The ring reads each row from the sector boundary at or below it,
 * one k-step ahead, into two k-steps of shared tile (gemm.cu.hbs). Not where the operand is staged
 * along m or n, gathered (its k is not contiguous), summed tap by tap (col2im's buffer is sized for
 * one step), or where steps are skipped (the ring needs every step's run: kRowOffsets); not for an
 * operand that takes flat staging instead (one k-step: gemm-flat.ts); only while both tiles fit in
 * static shared memory, A's ring first.
 */
function ringStaging(
  offsets: { readonly a?: string; readonly b?: string },
  tile: Tile,
  lda: number,
  ldb: number,
  flat: FlatStaging,
): { a?: GemmRingView; b?: GemmRingView } {
  const offsetA = flat.a ? undefined : offsets.a;
  const offsetB = flat.b ? undefined : offsets.b;
  // (a flat operand's buffer is two k-steps as well: its span goes in the second)
  const floats = (ringA: boolean, ringB: boolean) => (ringA || flat.a ? 2 : 1) * tile.BK * lda + (ringB || flat.b ? 2 : 1) * tile.BK * ldb;
  const ringA = offsetA !== undefined && floats(true, false) <= STATIC_SHARED_FLOATS;
  const ringB = offsetB !== undefined && floats(ringA, true) <= STATIC_SHARED_FLOATS;
  const view = (operand: "a" | "b", offset: string, ld: number, loads: number): GemmRingView => ({
    op: operand,
    OP: operand === "a" ? "A" : "B",
    row: operand === "a" ? "m" : "n",
    offset,
    LD: ld,
    LOADS: loads,
    SLOTS: 2 * tile.BK,
    MASK: 2 * tile.BK - 1,
    why: `its row ${operand === "a" ? "m" : "n"} starts at ${offset.replace(/\(size_t\)/g, "")}`,
  });
  return {
    ...(ringA ? { a: view("a", offsetA!, lda, tile.A_LOADS) } : {}),
    ...(ringB ? { b: view("b", offsetB!, ldb, tile.B_LOADS) } : {}),
  };
}

/**
 * Window staging for the operands staged along m or n, where they are contiguous (a weight
 * gradient's dy and x, an input gradient's weight rows): k's run of the tile's rows starts at
 * offset(k) + m0, and where the rows are not a multiple of 8 floats long (fc2's 500: every other k
 * 16 bytes into a sector) a warp's 32 floats straddle five sectors. The window reads the run from the
 * sector boundary at or below it: position p of the tile's rows holds row m0 − sh + p (sh: the run's
 * offset in its sector), and the positions below sh the run's last sh rows, m0 + ROWS − sh + p, in a
 * second, one-sector load. Every request then covers whole sectors from a boundary. Plain loads only
 * (a gather has no contiguous run), on the GPU's shapes, and only for tiles of 64 rows or more: a run
 * of R floats from mid-sector spans the same sectors however it is read; what the window removes is
 * the sector each of a run's 32-float requests shares with the next (a 64-float run: 10 → 9 sectors,
 * 128: 20 → 17). A 32-wide run is one request either way (5 sectors, or 4 + 1 in two), so there it
 * would add a load instruction and move only the per-request count.
 */
function windowStaging(parts: GemmIndexMaps, shape: { readonly rowMajorA: boolean; readonly rowMajorB: boolean }, tile: Tile, shapeFor: "gpu" | "cpu"): { a?: GemmWindowView; b?: GemmWindowView } {
  if (shapeFor !== "gpu") return {};
  const view = (operand: "a" | "b", rowMajor: boolean, gathered: boolean): GemmWindowView | undefined => {
    const row = operand === "a" ? "m" : "n";
    const index = rowMajor && !gathered ? contiguousIndex(operand === "a" ? parts.loadA : parts.loadB, operand, row) : undefined;
    const offset = index?.slice(0, -` + ${row}`.length);
    const rows = operand === "a" ? tile.BM : tile.BN;
    if (offset === undefined || rows < 64 || everyRowOnASector(offset, "k", parts.Z)) return undefined;
    return {
      op: operand,
      OP: operand === "a" ? "A" : "B",
      row,
      offset,
      ROWS: rows,
      rowArgs: operand === "a" ? ", M" : "",
      why: `k's run starts at ${offset.replace(/\(size_t\)/g, "")} + ${row}0`,
    };
  };
  const a = view("a", shape.rowMajorA, parts.gatherA !== undefined);
  const b = view("b", shape.rowMajorB, parts.gatherB !== undefined);
  return { ...(a ? { a } : {}), ...(b ? { b } : {}) };
}

/**
 * Whether every row of an operand starts on a 32-byte sector (its offset ≡ 0 mod 8 floats, its buffer
 * on a sector: 4-memory/plan.ts): rows of a multiple of 8 floats need no ring (nor window, whose
 * "row" is k: the run of an operand staged along m or n). The offset is an affine expression of the
 * row, z and the batch; 8 rows, 8 groups and 3 batches show its residues.
 */
function everyRowOnASector(offset: string, row: "m" | "n" | "k", Z: string): boolean {
  const groups = /^\d+$/.test(Z) ? Math.min(Number(Z), 8) : 8;
  for (let r = 0; r < 8; r++)
    for (let z = 0; z < groups; z++)
      for (const batch of [1, 2, 3]) {
        let at: number;
        try {
          at = evaluateInteger(offset, { [row]: r, z, batch });
        } catch {
          return false; // (not an expression of these alone: the ring, correct wherever rows start)
        }
        if (at % 8 !== 0) return false;
      }
  return true;
}

/** A k-major shared tile's row length: ≡ 4 (mod 32) words, so that 8 k × 4 rows of a warp's stores fill 32 banks. */
function paddedRow(width: number): number {
  return Math.ceil(width / 32) * 32 + 4;
}

/** What both GEMM templates take from the op and the plan. */
type GemmCommon = Omit<GemmView, "template" | "BM" | "BN" | "BK" | keyof Tile | "shapeFor" | "ROWS_STEP" | "LDA" | "LDB" | "BK2" | "BK_MASK" | "patchA" | "patchB" | "patchCopy" | "A_SLOTS" | "B_SLOTS" | "ringA" | "ringB" | "rings" | "flatA" | "flatB" | "flats" | "windowA" | "windowB" | "windows" | "rowMajorA" | "rowMajorB" | "A_COL_STEP" | "B_COL_STEP" | "splitK" | "kSkip" | "gatherA" | "gatherB" | "RUNS_M" | "RUNS_N" | "RUN_M" | "RUN_N" | "ROW_OF" | "COL_OF" | "fmaLoads" | "tileNote" | "WS_N" | "storeRun">;

/**
 * The FLOPs an fp32 GEMM launch issues, as a C expression of its scalars (M, batch, splits): every
 * block computes its whole BM×BN tile (zeros past M and N) over whole BK-deep steps; with split-K,
 * each split over its chunk of whole steps (the kernel's own chunk formula). The performance model
 * charges these, not the op's 2·M·N·K: LeNet's conv1 weight gradient (20 × 26 outputs in one
 * 32×64 tile) issues 3.9× its FLOPs.
 */
function issuedFlops(t: Tile, parts: GemmIndexMaps, columnTiles: number, split: boolean): string {
  const K = typeof parts.K === "number" ? String(parts.K) : `(${parts.K})`;
  const whole = (steps: string) => `2 * ((M + ${t.BM - 1}) / ${t.BM} * ${t.BM}) * ${columnTiles * t.BN} * ${parts.Z} * ${steps}`;
  const unsplit = whole(`((${K} + ${t.BK - 1}) / ${t.BK} * ${t.BK})`);
  // blocks skip k-steps of zeros: each group of rows runs its own steps (exact where each group's
  // rows fill whole tiles; a tile spanning two groups runs the steps of both)
  const skipping = parts.kSkip && `2 * ((${parts.kSkip.groupRows} + ${t.BM - 1}) / ${t.BM} * ${t.BM}) * ${columnTiles * t.BN} * ${parts.Z} * ${parts.kSkip.stepsPerGroup(t.BK).reduce((a, b) => a + b, 0) * t.BK}`;
  if (!split) return skipping || unsplit;
  // each split over its chunk of whole steps (the kernel's own chunk formula); split chunks skip
  // steps too, but are charged whole (one split: as unsplit)
  const chunk = `((${K} + splits - 1) / splits + ${t.BK - 1}) / ${t.BK} * ${t.BK}`;
  const chunked = whole(`(${K} / (${chunk}) * (${chunk}) + (${K} % (${chunk}) + ${t.BK - 1}) / ${t.BK} * ${t.BK})`);
  return skipping ? `(splits == 1 ? ${skipping} : ${chunked})` : chunked;
}

/**
 * The tickets a split-K launch can use: one per output tile. Where M is fixed the grid's tiles are
 * known; where it grows with the batch, a launch that splits (splits ≥ 2) keeps tiles · splits
 * within `wanted`, so at most wanted / 2 tiles.
 */
function ticketsNeeded(split: SplitK, parts: GemmIndexMaps, tile: Tile, columnTiles: number): number {
  return split.perSample ? Math.floor(split.wanted / 2) : Math.ceil(parts.mAt(1) / tile.BM) * columnTiles * Number(parts.Z);
}

/** CUDA's limit on gridDim.y and gridDim.z. */
const MAX_GRID_YZ = 65_535;

export function gemmKernel(ctx: CodegenContext, k: Kernel): { kernel: GemmView | GemmTensorCoreView; launch: LaunchView } {
  const op = opDef(k.anchor.op);
  if (op.codegen?.kind !== "gemm") throw new Error(`codegen: ${k.anchor.op} is not GEMM-like`);
  const transposed = (n: Node) => k.prologue?.includes(n) ?? false;
  // (the col2im epilogue is the fp32 template's: the tensor-core one keeps the implicit GEMM)
  const { parts, onesColumn } = kernelGemmMaps(k, (n) => ctx.label(n), ctx.shapeFor, ctx.precision);
  const rowSums = onesColumn === undefined ? undefined : rowSumsOf(k, onesColumn);
  const bias = parts.bias?.node;
  // a transpose folded into the loads (gemm-operand-transpose) is read from its input
  const [a, b] = k.anchor.inputs.slice(0, 2).map((n) => (transposed(n) ? n.inputs[0] : n));
  const biasIndex = parts.bias?.index ?? "n";
  const summary = `${k.nodes.map((n) => n.op).join(" + ")}: ${shapeComment(a)} → ${shapeComment(k.output)}`;
  const { statements: activation, extras } = epilogue(k, parts.storeIndex);
  const unpooled = k.stored && unpooledStore(k, parts.unpooledStoreIndex, parts.unpooledPairs === true);
  const tc = ctx.precision !== "fp32";
  if (tc && rowSums) throw new Error(`codegen: ${k.name}: the tensor-core GEMM has no column of ones (gemm-row-sums is off with --precision ${ctx.precision})`);
  // the tensor-core template has its own tiles of 8 warps, chosen for the GPU's SMs (gemm-tc-shape.ts)
  // the heuristics' shapes, with a tuning file's knobs in their place (compiler/tuning/knobs.ts)
  const tuning = ctx.tuning?.forKernel(k.name);
  const resolved = tc ? undefined : resolveGemm({ parts, shapeFor: ctx.shapeFor }, tuning);
  const shape = resolved?.shape;
  const fp32Tile: Tile | undefined = shape?.tile;
  const tcTile = tc ? resolveTensorCore({ parts }, tuning).tile : undefined;
  const tile = fp32Tile ?? tcTile ?? TILE;
  // split-K only where the memory planner placed the workspace (it asked gemmShape the same question)
  const workspace = shape?.splitK && ctx.workspace(k.anchor);
  const splitK = workspace ? shape!.splitK : undefined;
  // N-tiles go on grid.y and the matmul batch or conv groups on grid.z, both capped at 65,535 blocks
  // by CUDA; both are fixed by the model (a batch-dependent grid.z is bounded per device by
  // maxSamplesPerDevice instead), so a layer past them is refused here, where its line is known.
  const columnTiles = Math.ceil(parts.N / tile.BN);
  if (columnTiles > MAX_GRID_YZ)
    fail("gridTooLarge", `${summary}: its ${parts.N} output columns make ${columnTiles} column tiles of ${tile.BN}, past the ${MAX_GRID_YZ} blocks CUDA allows in grid.y`, k.anchor.loc);
  if (/^\d+$/.test(parts.Z) && Number(parts.Z) > MAX_GRID_YZ)
    fail("gridTooLarge", `${summary}: its ${parts.Z} matrix products (matmul batch or conv groups) are ${parts.Z} blocks in grid.z, past the ${MAX_GRID_YZ} CUDA allows`, k.anchor.loc);
  const common: GemmCommon = {
    name: k.name,
    summary,
    source: ctx.source(k),
    rules: k.rules.join(", ") || "none",
    N: parts.N,
    K: parts.K,
    mDesc: parts.mDesc,
    loadA: parts.loadA,
    loadB: parts.loadB,
    // gemm-row-sums: column N of C is the row sums, stored in their own output
    store: rowSums ? `if (n < ${onesColumn}) out[${parts.storeIndex}] = v; else rowsum[${rowSums.index}] = v;` : `out[${parts.storeIndex}] = v;`,
    hasBias: bias !== undefined,
    biasIndex,
    activation,
    extraParams: extras.map((_, i) => `const float* __restrict__ e${i},`),
    pooled: k.pool !== undefined,
    ...(unpooled ? { unpooled } : {}),
    outputParams: [...(rowSums ? ["float* __restrict__ rowsum,"] : []), ...(unpooled ? ["float* __restrict__ unpooled,"] : [])],
    scalarParams: "int M, int batch",
  };
  // k-major staging: rows padded to ≡ 4 (mod 32) words; m/n-major: a warp writes a contiguous run
  const kOffsets = fp32Tile ? kRowOffsets(parts, shape!, ctx.shapeFor) : {};
  const flatsWanted = fp32Tile ? flatStaging(parts, fp32Tile, kOffsets, splitK !== undefined, ctx.shapeFor) : {};
  const flatFloats = (f: FlatStaging) => (f.a ? 2 * f.a.LD : paddedRow(tile.BM)) * tile.BK + (f.b ? 2 * f.b.LD : paddedRow(tile.BN)) * tile.BK;
  const flats = flatFloats(flatsWanted) <= STATIC_SHARED_FLOATS ? flatsWanted : {};
  // (a flat operand's rows have their own length: its transpose's writes fill 32 banks with it)
  const LDA = flats.a ? flats.a.LD : shape?.rowMajorA ? tile.BM : paddedRow(tile.BM);
  const LDB = flats.b ? flats.b.LD : shape?.rowMajorB ? tile.BN : paddedRow(tile.BN);
  const rings = fp32Tile ? ringStaging(kOffsets, fp32Tile, LDA, LDB, flats) : {};
  const windows = fp32Tile ? windowStaging(parts, shape!, fp32Tile, ctx.shapeFor) : {};
  const A_SLOTS = rings.a || flats.a ? 2 * fp32Tile!.BK : (fp32Tile?.BK ?? 0);
  const B_SLOTS = rings.b || flats.b ? 2 * fp32Tile!.BK : (fp32Tile?.BK ?? 0);
  const patchA = fp32Tile && !parts.col2im ? patchStaging(parts.patchA, fp32Tile, parts.K, shape!.rowMajorA, LDA, (A_SLOTS + 1) * LDA + B_SLOTS * LDB, ctx.shapeFor, resolved!.knobs.patch.value as PatchMode) : undefined;
  const patchB =
    fp32Tile && !parts.col2im && !parts.kSkip && !flats.b && !rings.b
      ? wgradPatchStaging(parts.patchB, fp32Tile, onesColumn ?? parts.N, parts.N, shape!.rowMajorB, A_SLOTS * LDA + B_SLOTS * LDB, ctx.shapeFor, resolved!.knobs.patch.value as PatchMode)
      : undefined;
  const thread = fp32Tile && threadLayout(fp32Tile);
  const runs = storesRuns(k, parts, onesColumn);
  const kernel: GemmView | GemmTensorCoreView = tcTile
    ? tensorCoreView(common, parts, tcTile, ctx.precision as "tf32" | "bf16")
    : {
        template: "gemm",
        ...common,
        ...fp32Tile!,
        ...thread!,
        shapeFor: ctx.shapeFor === "gpu" ? "GPU" : "CPU target",
        ROWS_STEP: fp32Tile!.THREADS / fp32Tile!.BK,
        LDA,
        LDB,
        BK2: 2 * fp32Tile!.BK,
        BK_MASK: fp32Tile!.BK - 1,
        A_SLOTS,
        B_SLOTS,
        ringA: rings.a,
        ringB: rings.b,
        rings: [rings.a, rings.b].filter((r): r is GemmRingView => r !== undefined),
        flatA: flats.a,
        flatB: flats.b,
        flats: [flats.a, flats.b].filter((f): f is GemmFlatView => f !== undefined),
        rowMajorA: shape!.rowMajorA,
        rowMajorB: shape!.rowMajorB,
        windowA: windows.a,
        windowB: windows.b,
        windows: [windows.a, windows.b].filter((w): w is GemmWindowView => w !== undefined),
        ...(patchA ? { patchA } : {}),
        ...(patchB ? { patchB } : {}),
        ...(patchA || patchB ? { patchCopy: patchA ?? patchB } : {}),
        A_COL_STEP: fp32Tile!.THREADS / fp32Tile!.BM,
        B_COL_STEP: fp32Tile!.THREADS / fp32Tile!.BN,
        splitK,
        kBlock: kBlockOf(parts.K, fp32Tile!.BK, ctx.shapeFor),
        kSkip: parts.kSkip?.skip(fp32Tile!.BM, fp32Tile!.BK),
        WS_N: workspaceRow(parts.N),
        storeRun: runs ? storeRunView(k, parts, parts.storeRun, rowSums && { column: onesColumn!, index: rowSums.index }) : undefined,
        col2im: parts.col2im && col2imView(parts.col2im, fp32Tile!, LDA, LDB),
        rows:
          runs || k.pool || parts.col2im
            ? undefined
            : rowsEpilogue(
                {
                  N: parts.N,
                  tile: fp32Tile!,
                  contiguousAlongN: outputAlongN(parts),
                  sharedFloats: { As: (A_SLOTS + (patchA ? 1 : 0)) * LDA, Bs: B_SLOTS * LDB },
                },
                thread!,
              ),
        gatherA: parts.gatherA ?? plainGather(k.name, "a"),
        gatherB: withOnes(parts.gatherB ?? plainGather(k.name, "b"), onesColumn),
      };
  const operands = [
    { decl: "const float* __restrict__ a", value: ctx.pointer(a), comment: `${ctx.label(a)} ${shapeComment(a)}` },
    { decl: "const float* __restrict__ b", value: ctx.pointer(b), comment: `${ctx.label(b)} ${shapeComment(b)}` },
  ];
  const epilogueArgs = [
    ...(bias ? [{ decl: "const float* __restrict__ bias", value: ctx.pointer(bias), comment: `${ctx.label(bias)} ${shapeComment(bias)}` }] : []),
    ...extras.map((e, i) => ({ decl: `const float* __restrict__ e${i}`, value: ctx.pointer(e), comment: `${ctx.label(e)} ${shapeComment(e)} (epilogue operand)` })),
    ...(k.rowSums ? [{ decl: "float* __restrict__ rowsum", value: ctx.pointer(k.rowSums), comment: `${ctx.label(k.rowSums)} ${shapeComment(k.rowSums)}: the row sums of A (column ${onesColumn} of C)` }] : []),
    ...(k.stored ? [{ decl: "float* __restrict__ unpooled", value: ctx.pointer(k.stored), comment: `${shapeComment(k.stored)} before the pool (the backward reads it)` }] : []),
    { decl: "float* __restrict__ out", value: ctx.pointer(k.output), comment: `${shapeComment(k.output)}` },
  ];
  // M tiles on x (up to 2^31-1): M grows with the batch; N is fixed and checked against y's 65,535 above
  const tiles = `(unsigned)((M + ${tile.BM - 1}) / ${tile.BM}), ${columnTiles}`;
  const common2 = {
    name: k.name,
    block: `dim3(${tile.THREADS})`,
    sharedBytes: "0",
    summary,
    source: kernel.source,
    ...(fp32Tile ? { threadTile: [fp32Tile.TM, fp32Tile.TN] as const, issuedFlops: issuedFlops(fp32Tile, parts, columnTiles, splitK !== undefined) } : {}),
  };
  const launch: LaunchView = splitK
    ? {
        ...common2,
        kernel: `${k.name}_kernel`,
        grid: `dim3(${tiles}, ${parts.Z} * splits)`,
        args: [
          ...operands,
          ...epilogueArgs,
          { decl: "float* __restrict__ ws", value: workspace!.pointer, comment: `split-K workspace [${parts.Z}, splits, M, ${workspaceRow(parts.N)}], ${workspace!.bytes} bytes` },
          { decl: "unsigned* __restrict__ tickets", value: TILE_TICKETS, comment: "split-K: one ticket per output tile, zero between launches (kernels/tickets.ts)" },
        ],
        notes: splitCountNotes(splitK),
        scalars: [
          `const int M = ${parts.M};`,
          `const long long blocks = (long long)((M + ${tile.BM - 1}) / ${tile.BM}) * ${columnTiles * Number(parts.Z)};`,
          `const long long byGrid = ${splitK.wanted} / blocks, byDepth = ((long long)${parts.K} + ${splitK.minChunk - 1}) / ${splitK.minChunk};`,
          `const int splits = (int)(byGrid < byDepth ? (byGrid < ${splitK.maxSplits} ? (byGrid > 1 ? byGrid : 1) : ${splitK.maxSplits}) : (byDepth < ${splitK.maxSplits} ? (byDepth > 1 ? byDepth : 1) : ${splitK.maxSplits}));`,
        ],
        scalarArgs: "M, batch, splits",
        tileTickets: ticketsNeeded(splitK, parts, fp32Tile!, columnTiles),
        // the workspace's traffic, beyond the operands and the output: every block stores its partial
        // tile, and the tile's last block reads all of them back (2 · splits · M · N floats); with
        // one split the block applies its epilogue directly and the workspace is not touched
        workspaceBytes: `(splits > 1 ? 2 * 4 * (long long)splits * M * ${workspaceRow(parts.N)} * ${parts.Z} : 0)`,
      }
    : {
        ...common2,
        kernel: `${k.name}_kernel`,
        grid: `dim3(${tiles}, ${parts.Z})`,
        args: [...operands, ...epilogueArgs],
        scalars: [`const int M = ${parts.M};`],
        scalarArgs: "M, batch",
      };
  return { kernel, launch };
}

/**
 * The tensor-core view: each operand is staged k-major ([rows][BK]) unless it is contiguous along its
 * rows in memory (contiguousA "m", contiguousB "n": a transposed operand, B of a matmul), which is
 * staged row-major ([BK][rows]) so that a chunk of 4 is 16 contiguous bytes either way.
 */
function tensorCoreView(common: GemmCommon, parts: GemmIndexMaps, t: TensorCoreTile, precision: "tf32" | "bf16"): GemmTensorCoreView {
  const tcc = TENSOR_CORES[precision];
  const aKMajor = parts.contiguousA !== "m";
  const bKMajor = parts.contiguousB !== "n";
  const aAlong = aKMajor ? "k" : "m";
  const bAlong = bKMajor ? "k" : "n";
  const vectorA = contiguousIndex(parts.loadA, "a", aAlong);
  const vectorB = contiguousIndex(parts.loadB, "b", bAlong);
  const layout = (kMajor: boolean, rows: string, width: number) =>
    kMajor ? `k-major [${rows}][${t.BK}]` : `row-major [${t.BK}][${width}] (${rows} contiguous)`;
  const staging = (vector: string | undefined, along: string) =>
    vector ? `16-byte cp.async along ${along}, plain loads at edges and unaligned rows` : `plain loads (its gather is not 16 contiguous bytes)`;
  return {
    template: "gemm_tc",
    ...common,
    precision: tcc.precision,
    tf32: tcc.tf32,
    mmaShape: tcc.mmaShape,
    MMA_K: tcc.MMA_K,
    MIN_BLOCKS: tcc.MIN_BLOCKS,
    BM: t.BM,
    BN: t.BN,
    BK: t.BK,
    WARPS_M: t.WARPS_M,
    WARPS_N: t.WARPS_N,
    WM: t.WM,
    WN: t.WN,
    MI: t.MI,
    NI: t.NI,
    THREADS: t.THREADS,
    STAGES: t.STAGES,
    sharedBytes: tensorCoreSharedBytes(t),
    aKMajor,
    bKMajor,
    offsetA: aKMajor ? "tsdp_kmajor16(m, k)" : `${tcc.rowMajorOffset}<${t.BM}>(k, m)`,
    offsetB: bKMajor ? "tsdp_kmajor16(n, k)" : `${tcc.rowMajorOffset}<${t.BN}>(k, n)`,
    ...(vectorA ? { vectorA } : {}),
    ...(vectorB ? { vectorB } : {}),
    aAlong,
    bAlong,
    aLayout: layout(aKMajor, "m", t.BM),
    bLayout: layout(bKMajor, "n", t.BN),
    aStaging: staging(vectorA, aAlong),
    bStaging: staging(vectorB, bAlong),
    // rows of the output contiguous along n (linear, matmul): the epilogue stages C by rows
    stagedEpilogue: outputAlongN(parts),
    CLD: t.WN + 8,
    CHUNKS_A: (t.BM * t.BK) / 4 / t.THREADS,
    CHUNKS_B: (t.BN * t.BK) / 4 / t.THREADS,
  };
}

/**
 * Why a split-K launch computes the split count it does (gemm-shape.ts splitsAt, the same formula):
 * the numbers in its scalars are a wave of the GPU's SMs, the least depth of a split, the most
 * splits the workspace holds — said beside them, so that 132 is not a number without a reason.
 */
function splitCountNotes(split: SplitK): string[] {
  const depth = `each split at least ${split.minChunk} deep in K (a split's partial tile costs a store and a reload)`;
  if (split.wanted !== GPU_SMS) return [`split-K: the tuning file's ${split.maxSplits} splits; ${split.wanted} is CUDA's limit on gridDim.z,`, `${depth}`];
  return [
    `split-K: as many splits as keep the grid within one wave of ${split.wanted} blocks (an H100's ${GPU_SMS} SMs),`,
    `${depth},`,
    `at most ${split.maxSplits} (what the workspace is sized for)`,
  ];
}
