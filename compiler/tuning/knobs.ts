import type { GemmIndexMaps } from "../ops/op.ts";
import type { ShapeFor } from "../5-codegen/context.ts";
import { col2imFits, FP32_BK, gatherRowLimits, gemmShape, narrowCandidates, wideAllowed, GPU_SMS, type GemmShape, type Tile } from "../5-codegen/kernels/gemm-shape.ts";
import { chooseTensorCoreTile, TC_TILES, type TensorCoreTile } from "../5-codegen/kernels/gemm-tc-shape.ts";

// The tuning knobs of each kernel family (issue 18, item 1): one declarative table per family,
// each knob with its legal values for a given kernel and where its default comes from. The
// heuristics (gemm-shape.ts, gemm-tc-shape.ts, the pointwise builder's constants) stay where they
// are and choose the defaults; a knob set in a tuning file replaces the heuristic's choice at the
// one point where the kernel builder consumes it (resolveGemm, resolveTensorCore, resolvePointwise).
// Only knobs the generator honours are listed: test/tuning.test.ts checks that each one changes
// the generated CUDA.
//
// Not knobs, and why:
// - the fp32 GEMM's k depth (BK = 32) and the tensor-core pipeline's stages (3): the templates'
//   shared layouts and barriers are written for those values (gemm-shape.ts FP32_BK,
//   gemm-tc-shape.ts TC_STAGES say why);
// - a vector width: the float4 epilogue is chosen by the op's layout (GemmIndexMaps.storeRun),
//   the cp.async copies are 16 bytes by the instruction;
// - precision per layer: --precision also decides the kernel plan (gemm-row-sums is off for
//   tf32/bf16, whose template has no column of ones) and the manifest records one precision for the
//   runtime; a per-layer precision needs both per kernel, which is more than a knob.

export type KnobValue = string | number;

/** Where a knob's value came from (what `tsdp inspect --kernel` shows). */
export type KnobOrigin = "heuristic" | "tuning file" | "autotuner";

export interface KnobSetting {
  readonly value: KnobValue;
  readonly origin: KnobOrigin;
  /** What the value means here, when it needs saying ("at most 8, by the grid at run time"). */
  readonly note?: string;
}

/** One knob of a family: its name, what it does, and its legal values for one kernel. */
export interface KnobSpec<K> {
  readonly name: string;
  readonly describe: string;
  /** Where the default comes from, in words. */
  readonly defaultFrom: string;
  readonly legal: (kernel: K) => readonly KnobValue[];
}

/** The knobs a tuning file gives one kernel (already checked against its family's table). */
export type KnobOverrides = Readonly<Record<string, KnobValue>>;

export type KnobFamily = "gemm" | "gemm_tc" | "pointwise";

/** A kernel's knob values after the tuning file, and their origins (for the report). */
export type KnobReport = Readonly<Record<string, KnobSetting>>;

// ---- the fp32 GEMM (templates/kernels/gemm.cu.hbs) ----

/** What the fp32 GEMM's legal values depend on. */
export interface GemmKernel {
  readonly parts: GemmIndexMaps;
  readonly shapeFor: ShapeFor;
}

const tileName = (BM: number, BN: number) => `${BM}x${BN}`;

/** Thread tiles: 4×4, 4×8 and 8×4 everywhere; 8×8 where no operand is a gather staged along k with more than one register of row state (gemm-shape.ts wideAllowed). */
function legalThreadTiles(g: GemmKernel): string[] {
  return ["4x4", "4x8", "8x4", ...(wideAllowed(g.parts, g.shapeFor) ? ["8x8"] : [])];
}

/**
 * Block tiles per thread tile, the ones the heuristic chooses among (gemm-shape.ts): 4×4 tiles of
 * 64–256 threads (128–256 for the GPU shape, whose conflict-free staging needs 4 rows per warp per
 * pass; there also 16×128 and 16×256), 4×8 and 8×4 tiles of 128–256 threads whose gathered k-major
 * operands stage at most 16 rows per thread, 8×8 tiles of 64×128, 128×64 and 128×128.
 */
function legalTiles(threadTile: string, g: GemmKernel): string[] {
  // a col2im epilogue's tile holds whole images and channels, and C in shared memory (gemm-shape.ts)
  const fits = (BM: number, BN: number) => col2imFits({ BM, BN }, g.parts.col2im);
  // 8×8: 128 threads stage 32 rows of a 128-wide operand, 256 threads 16 (a gather's rows: wideAllowed)
  if (threadTile === "8x8") return [[64, 128], [128, 64], [128, 128]].filter(([BM, BN]) => fits(BM, BN)).map(([BM, BN]) => tileName(BM, BN));
  const [tm, tn] = parseTile(threadTile);
  const minThreads = g.shapeFor === "gpu" && threadTile === "4x4" ? 128 : threadTile === "4x4" ? 64 : 128;
  // a gather staged along k (the CPU shape always; the GPU shape where the operand is not contiguous
  // along m or n) keeps per-row state: at most so many rows a thread (gemm-shape.ts gatherRowLimit)
  const rows = gatherRowLimits(g.parts, g.shapeFor);
  const out: string[] = [];
  for (const BM of [32, 64, 128, 256])
    for (const BN of threadTile === "4x4" ? [16, 32, 64] : [32, 64, 128]) {
      const threads = (BM / tm) * (BN / tn);
      if (!Number.isInteger(threads) || threads < minThreads || threads > 256) continue;
      if (threadTile !== "4x4" && (BM * FP32_BK) / threads > (rows.a ?? Infinity)) continue;
      if (threadTile !== "4x4" && (BN * FP32_BK) / threads > (rows.b ?? Infinity)) continue;
      if (!fits(BM, BN)) continue;
      out.push(tileName(BM, BN));
    }
  // the GPU's 16-row 4×4 tiles (gemm-shape.ts narrowCandidates: 16 output channels' weight gradients)
  if (threadTile === "4x4" && g.shapeFor === "gpu") for (const t of narrowCandidates()) if (fits(t.BM, t.BN)) out.push(tileName(t.BM, t.BN));
  return out;
}


/** The grid's z when the model fixes it (conv groups, matmul batch). */
const fixedZ = (parts: GemmIndexMaps) => (/^\d+$/.test(parts.Z) ? Number(parts.Z) : undefined);

/** The most splits a tuning file may ask for (the GPU heuristic asks up to a wave of 132 for a one-block GEMM). */
export const MAX_SPLIT_K = 256;

/**
 * Split-K's legal counts: 1 (off) where the kernel cannot split (a col2im epilogue, a grid.z that grows
 * with the batch, M and K both growing with it: gemm-shape.ts says why), else
 * 1–256, at most one split per 4 k-steps of a fixed K and within CUDA's 65,535 blocks in grid.z.
 */
function legalSplits(g: GemmKernel): number[] {
  const Z = fixedZ(g.parts);
  const perSample = g.parts.mAt(64) !== g.parts.mAt(256);
  if (g.parts.col2im || Z === undefined || (perSample && typeof g.parts.K !== "number")) return [1];
  const byDepth = typeof g.parts.K === "number" ? Math.ceil(g.parts.K / (4 * FP32_BK)) : MAX_SPLIT_K;
  const most = Math.max(1, Math.min(MAX_SPLIT_K, byDepth, Math.floor(65_535 / Z)));
  return Array.from({ length: most }, (_, i) => i + 1);
}

/**
 * Patch staging (gemm-patch.ts, gemm-patch-wgrad.ts): a conv forward whose A is staged along m on the
 * GPU may gather A, and a conv weight gradient whose B is staged along k may gather B, from x's rows
 * copied into shared memory; "auto" where some layout is conflict-free, "on" even where none is (the
 * layout with the fewest conflicts), "off" the direct gather from global memory.
 */
function legalPatch(g: GemmKernel): string[] {
  if (g.shapeFor !== "gpu") return ["off"];
  const forward = g.parts.patchA !== undefined && g.parts.contiguousA === "m";
  const weightGradient = g.parts.patchB !== undefined && g.parts.contiguousB !== "n";
  return forward || weightGradient ? ["auto", "on", "off"] : ["off"];
}

export const GEMM_KNOBS: readonly KnobSpec<GemmKernel & { readonly threadTile: string }>[] = [
  { name: "threadTile", describe: "outputs per thread, TM×TN", defaultFrom: "gemm-shape.ts (the GPU shape's chooseGpuTile: 4×4, 4×8, 8×4 or 8×8 by estimated time; the CPU's 4×4)", legal: legalThreadTiles },
  { name: "tile", describe: `block tile BM×BN (k depth ${FP32_BK})`, defaultFrom: "gemm-shape.ts chooseTile (CPU) / chooseGpuTile (GPU)", legal: (g) => legalTiles(g.threadTile, g) },
  { name: "splitK", describe: "K split over this many blocks (1: off), each ≥ 4 k-steps deep", defaultFrom: "gemm-shape.ts gemmShape (GPU shape only: a wave of SMs)", legal: (g) => legalSplits(g) },
  {
    name: "patch",
    describe: "a conv forward's or weight gradient's x staged in shared memory per k-step: auto (where a layout is conflict-free), on, off (gathered from global memory)",
    defaultFrom: "gemm-patch.ts, gemm-patch-wgrad.ts (auto on the GPU shape's conv forwards and weight gradients, else off)",
    legal: (g) => legalPatch(g),
  },
];

// ---- the tensor-core GEMM (templates/kernels/gemm_tc.cu.hbs) ----

export interface TensorCoreKernel {
  readonly parts: GemmIndexMaps;
}

const tcName = (t: TensorCoreTile) => `${tileName(t.BM, t.BN)}`;

export const GEMM_TC_KNOBS: readonly KnobSpec<TensorCoreKernel>[] = [
  { name: "tile", describe: "block tile BM×BN of 8 warps (warp tile follows: 64×32 or 32×32 or 32×16)", defaultFrom: "gemm-tc-shape.ts chooseTensorCoreTile", legal: () => TC_TILES.map(tcName) },
];

// ---- fused pointwise (templates/kernels/fused_pointwise.cu.hbs: a grid-stride loop) ----

export const POINTWISE_BLOCK = 256;

export const POINTWISE_KNOBS: readonly KnobSpec<unknown>[] = [
  { name: "blockSize", describe: "threads per block", defaultFrom: "fused-pointwise.ts (256)", legal: () => [64, 128, 256, 512, 1024] },
  { name: "elementsPerThread", describe: "elements each thread visits in the grid-stride loop (the grid shrinks by this factor)", defaultFrom: "fused-pointwise.ts (1)", legal: () => [1, 2, 4, 8, 16] },
];

export const FAMILY_KNOBS: Readonly<Record<KnobFamily, readonly KnobSpec<never>[]>> = { gemm: GEMM_KNOBS, gemm_tc: GEMM_TC_KNOBS, pointwise: POINTWISE_KNOBS };

// ---- resolution: the heuristic's choice, then the tuning file's ----

/** The tuning of one kernel as the builders see it: the overrides and where they came from. */
export interface KernelTuning {
  readonly knobs: KnobOverrides;
  readonly origin: Exclude<KnobOrigin, "heuristic">;
  /** Refuses an illegal value (a diagnostic pointing into the tuning file). */
  readonly refuse: (knob: string, value: KnobValue, legal: readonly KnobValue[], kernelWhat: string) => never;
}

function check<K>(spec: KnobSpec<K>, kernel: K, t: KernelTuning, what: string): KnobValue | undefined {
  const value = t.knobs[spec.name];
  if (value === undefined) return undefined;
  const legal = spec.legal(kernel);
  if (!legal.includes(value)) t.refuse(spec.name, value, legal, what);
  return value;
}

const parseTile = (s: KnobValue) => String(s).split("x").map(Number) as [number, number];

function tileOf(BM: number, BN: number, tm: number, tn: number): Tile {
  const THREADS = (BM / tm) * (BN / tn);
  return { BM, BN, BK: FP32_BK, TM: tm, TN: tn, THREADS, A_LOADS: (BM * FP32_BK) / THREADS, B_LOADS: (BN * FP32_BK) / THREADS };
}

/** CUDA's limit on gridDim.z, which bounds split-K (grid.z = Z · splits): past any grid split-K would want. */
const MAX_GRID_Z = 65_535;

/**
 * The fp32 GEMM's shape: gemm-shape.ts's choice, with the tuning file's knobs in its place. Knobs
 * the file does not give keep the heuristic's values (whatever thread tile it chose). A split-K
 * count from the file is "at most n": for a GEMM of fixed M (weight gradients) exactly min(n, one
 * split per 4 k-steps), for one whose M grows with the batch as many as keep the grid within a wave
 * of SMs (as the heuristic's; its workspace is then bounded by that wave, not by the batch).
 */
export function resolveGemm(g: GemmKernel, tuning?: KernelTuning): { shape: GemmShape; knobs: KnobReport } {
  const heuristic = gemmShape(g.parts, g.shapeFor);
  const h = heuristic.tile;
  const hThread = `${h.TM}x${h.TN}`;
  const hSplit = heuristic.splitK ? heuristic.splitK.maxSplits : 1;
  const splitNote = heuristic.splitK ? `at most ${hSplit}: as many as keep the grid within a wave of ${heuristic.splitK.wanted} blocks, at run time` : undefined;
  const base: KnobReport = {
    threadTile: { value: hThread, origin: "heuristic" },
    tile: { value: tileName(h.BM, h.BN), origin: "heuristic" },
    splitK: { value: hSplit, origin: "heuristic", ...(splitNote ? { note: splitNote } : {}) },
    patch: { value: legalPatch(g)[0], origin: "heuristic" },
  };
  if (!tuning) return { shape: heuristic, knobs: base };
  const what = "an fp32 GEMM";
  const threadKnob = check(GEMM_KNOBS[0], { ...g, threadTile: hThread }, tuning, what);
  const threadTile = String(threadKnob ?? hThread);
  const tileKnob = check(GEMM_KNOBS[1], { ...g, threadTile }, tuning, what);
  const splitKnob = check(GEMM_KNOBS[2], { ...g, threadTile }, tuning, what);
  const patchKnob = check(GEMM_KNOBS[3], { ...g, threadTile }, tuning, what);
  const origin = tuning.origin;
  // the block tile: the heuristic's unless the file changes it or the thread tile (then the
  // heuristic's block tile if legal for the new thread tile, else the first legal one)
  let tile = h;
  if (threadKnob !== undefined || tileKnob !== undefined) {
    const legal = legalTiles(threadTile, g);
    const [BM, BN] = parseTile(tileKnob ?? (legal.includes(tileName(h.BM, h.BN)) ? tileName(h.BM, h.BN) : legal[0]));
    const [tm, tn] = parseTile(threadTile);
    tile = tileOf(BM, BN, tm, tn);
  }
  const perSample = g.parts.mAt(64) !== g.parts.mAt(256);
  let splitK = heuristic.splitK;
  let splitSetting: KnobSetting = base.splitK;
  if (splitKnob !== undefined) {
    const n = Number(splitKnob);
    splitK = n > 1 ? { maxSplits: n, minChunk: 4 * FP32_BK, wanted: perSample ? GPU_SMS : MAX_GRID_Z, perSample } : undefined;
    splitSetting = { value: n, origin, note: n <= 1 ? "off" : perSample ? `at most ${n}: as many as keep the grid within a wave of ${GPU_SMS} blocks, at run time` : `${n} (fewer only where K has fewer than 4 k-steps per split)` };
  } else if (tile !== h && splitK && !legalSplits(g).includes(splitK.maxSplits)) {
    splitK = undefined; // the file's tile cannot take the heuristic's split
    splitSetting = { value: 1, origin, note: "off: the heuristic's split does not apply to this tile" };
  }
  const knobs: KnobReport = {
    threadTile: threadKnob !== undefined ? { value: threadTile, origin } : base.threadTile,
    tile: tile !== h ? { value: tileName(tile.BM, tile.BN), origin } : base.tile,
    splitK: splitSetting,
    patch: patchKnob !== undefined ? { value: patchKnob, origin } : base.patch,
  };
  return { shape: { ...heuristic, tile, splitK }, knobs };
}

/** The tensor-core GEMM's tile: gemm-tc-shape.ts's choice, or the tuning file's. */
export function resolveTensorCore(g: TensorCoreKernel, tuning?: KernelTuning): { tile: TensorCoreTile; knobs: KnobReport } {
  const Z = fixedZ(g.parts) ?? 1;
  const heuristic = chooseTensorCoreTile(g.parts.mAt, g.parts.N, Z);
  const value = tuning && check(GEMM_TC_KNOBS[0], g, tuning, "a tensor-core GEMM");
  if (value === undefined) return { tile: heuristic, knobs: { tile: { value: tcName(heuristic), origin: "heuristic" } } };
  return { tile: TC_TILES.find((t) => tcName(t) === value)!, knobs: { tile: { value, origin: tuning!.origin } } };
}

/** The fused pointwise kernel's launch: block size and elements per thread. */
export function resolvePointwise(tuning?: KernelTuning): { blockSize: number; elementsPerThread: number; knobs: KnobReport } {
  const [bs, ept] = POINTWISE_KNOBS.map((spec) => (tuning ? check(spec, undefined, tuning, "a fused pointwise kernel") : undefined));
  const blockSize = Number(bs ?? POINTWISE_BLOCK);
  const elementsPerThread = Number(ept ?? 1);
  return {
    blockSize,
    elementsPerThread,
    knobs: {
      blockSize: { value: blockSize, origin: bs === undefined ? "heuristic" : tuning!.origin },
      elementsPerThread: { value: elementsPerThread, origin: ept === undefined ? "heuristic" : tuning!.origin },
    },
  };
}

/** Knob names a tuning file may give a kernel of this family (for "unknown knob" messages). */
export const knobNames = (family: KnobFamily) => FAMILY_KNOBS[family].map((k) => k.name);
