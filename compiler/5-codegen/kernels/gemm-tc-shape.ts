import { GPU_SMS } from "./gemm-shape.ts";
import type { GemmTensorCoreView } from "../view.ts";

// The block tile of a tensor-core GEMM (templates/kernels/gemm_tc.cu.hbs), chosen per GEMM for the
// GPU's SM count. Every tile is 8 warps (256 threads); a warp computes WM×WN of C as MI×NI
// mma.sync tiles of 16×8. The CPU target runs the same shape (there is one tensor-core kernel).

/** Depth of a pipeline stage in k (fp32 values staged): two tf32 k-steps of 8, one bf16 k-step of 16. */
export const TC_BK = 16;

/**
 * Stages of the cp.async pipeline. Three is the fewest that needs one barrier per k-step: while
 * tile k is computed, tile k+1 is landing and tile k+2 is being issued into the buffer of tile k-1,
 * which every warp has finished with once it passed this step's barrier. With two stages the refill
 * of the buffer just computed would need a second barrier; a fourth stage costs 16 KiB more of shared
 * memory for the 128×128 tile (past the 48 KiB a static allocation may use) for latency that three
 * already cover at this depth.
 */
export const TC_STAGES = 3;

export const TC_THREADS = 256;

/** Per-device batches the choice is made for: LeNet's 64 and 256, and the 4096 of the MLP bench (tensor cores are for big GEMMs). */
const TC_BATCHES = [64, 256, 4096] as const;

/** A block's tile as the template takes it (the view model's fields: view.ts, GemmTensorCoreView). */
export type TensorCoreTile = Pick<GemmTensorCoreView, "BM" | "BN" | "BK" | "WARPS_M" | "WARPS_N" | "WM" | "WN" | "MI" | "NI" | "THREADS" | "STAGES">;

function tcTile(BM: number, BN: number, WARPS_M: number): TensorCoreTile {
  const WARPS_N = TC_THREADS / 32 / WARPS_M;
  const WM = BM / WARPS_M, WN = BN / WARPS_N;
  return { BM, BN, BK: TC_BK, WARPS_M, WARPS_N, WM, WN, MI: WM / 16, NI: WN / 8, THREADS: TC_THREADS, STAGES: TC_STAGES };
}

/** 128×128 (warps 64×32) for GEMMs that fill the GPU with it; the smaller ones for those that do not. */
/** Every warp tile is 32 columns wide (WN = 32): the epilogue writes a warp's rows as 32 consecutive outputs. */
export const TC_TILES: readonly TensorCoreTile[] = [tcTile(128, 128, 2), tcTile(128, 64, 4), tcTile(64, 128, 2), tcTile(64, 64, 4)];

/**
 * Issue slots per output of a tile, relative: each mma needs its fragments loaded from shared memory
 * and converted, (WM + WN) values per WM·WN outputs of a warp, so a 32×16 warp tile spends twice the
 * instructions per mma of a 64×32 one — and tensor cores are issue-bound well before they are
 * FLOP-bound when fed by mma.sync. Scaled so that the mma itself counts 1.
 */
function costPerOutput(t: TensorCoreTile): number {
  return 1 + 32 / t.WM + 32 / t.WN;
}

/**
 * The tile with the least estimated time summed over TC_BATCHES: waves of blocks on the SMs (one
 * block per SM at a time, as gemm-shape.ts assumes for fp32) times a block's outputs times their
 * cost. Ties: the bigger tile.
 */
export function chooseTensorCoreTile(mAt: (batch: number) => number, N: number, Z: number): TensorCoreTile {
  let best: { tile: TensorCoreTile; score: number } | undefined;
  for (const tile of TC_TILES) {
    let score = 0;
    for (const b of TC_BATCHES) {
      const blocks = Math.ceil(mAt(b) / tile.BM) * Math.ceil(N / tile.BN) * Z;
      score += Math.ceil(blocks / GPU_SMS) * tile.BM * tile.BN * costPerOutput(tile);
    }
    if (!best || score < best.score) best = { tile, score };
  }
  return best!.tile;
}

/** Shared memory of a tile's pipeline: STAGES × (BM + BN) × BK fp32 values. */
export function tensorCoreSharedBytes(t: TensorCoreTile): number {
  return t.STAGES * (t.BM + t.BN) * t.BK * 4;
}
