import type { ConvPatch } from "../../ops/op.ts";
import type { GemmPatchBView } from "../view.ts";
import { STATIC_SHARED_FLOATS, type Tile } from "./gemm-shape.ts";
import { cachedReplay, channelsSpanned, CHECK_BUDGET, checkedBatches, chooseStride, RequestBanks, patchGeometryView, slotRows, slotsSpanned, type PatchMode, type PatchSizes } from "./gemm-patch.ts";

// Patch staging of a convolution weight gradient's input (issue 13, finding 4): B is x gathered at
// output pixel k (K = batch·OH·OW) and tap n = (ci, kh, kw). Read straight from global memory, a
// warp's request is 8 consecutive pixels × 4 consecutive taps, starting wherever the tap puts it in
// a sector (LeNet's weight gradients: 4.1–4.3 sectors per 128 B), and every pixel of x is requested
// again for each tap that reaches it (conv2's: 12.2 MB of L2 reads for 4.8 MB of unique bytes).
// The forward's patch (gemm-patch.ts) with the roles of the operands' rows and k swapped: each
// k-step copies the input rows its 32 pixels reach, of the channels of the block's taps, into shared
// memory once (whole sectors, consecutive threads on consecutive floats), and B is gathered from
// there:
//   segment (j, c) = x[img0 + j, z·Cg + cLo + c, ihFirst(j) … ihLast(j), :], at Xs[(j·NC + c)·SEG + 8 − sh …]
// (j: the step's image slot, cLo: the channel of the block's first tap, sh: the segment's offset in
// its sector), so that pixel (ih, iw) is at (j·NC + c)·SEG + 8 + (ih − ihFirst(j))·W + iw. The copy
// for the next step goes to a second buffer while the current one is gathered (no barrier added).
// A request's 4 taps read, for its 8 pixels, the same input row at 4 column offsets (overlapping
// runs: distinct words, no conflict) unless they cross into the next kernel row (a row W words on)
// or channel (a segment on): whether some segment stride makes every request conflict-free depends
// on W, the kernel and the tile, so it is replayed, as the forward's is; without one the kernel
// keeps the direct gather. (Rows of 28 floats, LeNet's conv1: the next kernel row's words fall
// 4 banks back, on the ones the row before reads: no stride helps.)

/** The image slots, channels and rows a block's copy may hold. */
export function wgradPatchSizes(p: ConvPatch, tile: Tile, taps: number): PatchSizes {
  const slots = checkedBatches(tile.BK, p.rowsPerImage).map((batch) => slotsSpanned(p, tile.BK, batch * p.rowsPerImage));
  return { NI: Math.max(...slots.map((x) => x.NI)), NC: channelsSpanned(taps, tile.BN, p.KH * p.KW), rows: Math.max(...slots.map((x) => x.rows)) };
}

/**
 * Replays every warp's gather from the staged patch (gemm.cu.hbs, the wgrad patch: a warp's lanes are
 * 8 consecutive pixels × 4 consecutive taps per store; every lane reads, a pixel past the chunk as
 * the last pixel, a tap past the taps as the last tap, a padding tap its clamped pixel) at every
 * k-step of the checked batches and every block of taps: the most wavefronts a request takes (1:
 * conflict-free) with this segment stride, or `limit` as soon as some request takes that many.
 */
export function wgradWorstWavefronts(p: ConvPatch, tile: Tile, taps: number, columns: number, sizes: PatchSizes, SEG: number, limit = Infinity): number {
  const KK = p.KH * p.KW;
  const rowsStep = tile.THREADS / tile.BK;
  let worst = 1;
  const slot = new Int32Array(tile.BK);
  const ih0 = new Int32Array(tile.BK);
  const iw0 = new Int32Array(tile.BK);
  const chan = new Int32Array(tile.BN);
  const dh = new Int32Array(tile.BN);
  const dw = new Int32Array(tile.BN);
  const banks = new RequestBanks();
  for (const batch of checkedBatches(tile.BK, p.rowsPerImage)) {
    const K = batch * p.rowsPerImage;
    for (let k0 = 0; k0 < K; k0 += tile.BK) {
      const rows = Array.from({ length: sizes.NI }, (_, j) => slotRows(p, tile.BK, k0, K, j));
      const slot0 = Math.floor(k0 / p.rowsPerImage);
      for (let kc = 0; kc < tile.BK; kc++) {
        const { img, oh, ow } = p.pixelOf(Math.min(k0 + kc, K - 1));
        slot[kc] = img - slot0;
        ih0[kc] = oh * p.stride[0] - p.padding[0];
        iw0[kc] = ow * p.stride[1] - p.padding[1];
      }
      for (let n0 = 0; n0 < columns; n0 += tile.BN) {
        for (let nr = 0; nr < tile.BN; nr++) {
          const t = Math.min(n0 + nr, taps - 1);
          chan[nr] = (Math.floor(t / KK) - Math.floor(n0 / KK)) * SEG;
          dh[nr] = (Math.floor(t / p.KW) % p.KH) * p.dilation[0];
          dw[nr] = (t % p.KW) * p.dilation[1];
        }
        for (let w = 0; w < tile.THREADS / 32; w++)
          for (let i = 0; i < tile.B_LOADS; i++) {
            banks.reset();
            for (let lane = 0; lane < 32; lane++) {
              const tid = 32 * w + lane;
              const kc = (tid % 8) + 8 * Math.floor(tid / (8 * rowsStep));
              const nr = (Math.floor(tid / 8) % rowsStep) + i * rowsStep;
              const r = rows[slot[kc]];
              const ih = Math.min(Math.max(ih0[kc] + dh[nr], r.first), r.last);
              const iw = Math.min(Math.max(iw0[kc] + dw[nr], 0), p.W - 1);
              worst = Math.max(worst, banks.add(slot[kc] * sizes.NC * SEG + chan[nr] + 8 + (ih - r.first) * p.W + iw));
              if (worst >= limit) return worst;
            }
          }
      }
    }
  }
  return worst;
}

/**
 * The patch staging of a convolution's weight gradient, where its B operand is staged along k on the
 * GPU's shapes, both copies of the patch fit in static shared memory beside the tiles, and some
 * segment stride makes the gather conflict-free (mode "on": the stride with the fewest conflicts);
 * otherwise undefined (the direct gather). `taps`: the GEMM's N without a column of ones; `columns`:
 * with it.
 */
export function wgradPatchStaging(
  p: ConvPatch | undefined,
  tile: Tile,
  taps: number,
  columns: number,
  rowMajorB: boolean,
  tileFloats: number,
  shapeFor: "gpu" | "cpu",
  mode: PatchMode = "auto",
): GemmPatchBView | undefined {
  if (!p || mode === "off" || shapeFor !== "gpu" || rowMajorB) return undefined;
  // (a padded convolution's row keeps its tap's steps kh·dil, kw·dil as two 16-bit halves of one int)
  if ((p.KH - 1) * p.dilation[0] >= 2 ** 15 || (p.KW - 1) * p.dilation[1] >= 2 ** 15) return undefined;
  const sizes = wgradPatchSizes(p, tile, taps);
  const least = 8 + sizes.rows * p.W + 7;
  const steps = checkedBatches(tile.BK, p.rowsPerImage).reduce((n, b) => n + Math.ceil((b * p.rowsPerImage) / tile.BK), 0);
  if (steps * Math.ceil(columns / tile.BN) * tile.THREADS * tile.B_LOADS > CHECK_BUDGET) return undefined;
  const best = chooseStride(
    least,
    (SEG) => tileFloats + 2 * sizes.NI * sizes.NC * SEG <= STATIC_SHARED_FLOATS,
    (SEG, limit) => cachedReplay(p, ["weight gradient", tile, taps, columns, SEG, limit], () => wgradWorstWavefronts(p, tile, taps, columns, sizes, SEG, limit)),
    mode,
  );
  if (!best) return undefined;
  return { ...patchGeometryView(p, sizes, best), PPI: p.rowsPerImage, TAPS: taps, ONES: columns > taps };
}
