import type { ConvPatch } from "../../ops/op.ts";
import type { GemmPatchGeometryView, GemmPatchView } from "../view.ts";
import { STATIC_SHARED_FLOATS, type Tile } from "./gemm-shape.ts";

// Patch staging of a convolution's input (issue 13, finding 4): the forward's A operand is x
// gathered tap by tap (im2col without the copy). Read straight from global memory, a warp's request
// for one tap is the 16-pixel rows of 8 pooling windows at a column offset kw: two or three sectors
// per row for 64 bytes (LeNet's conv1: 6.1 sectors per 128 B), and every input pixel is requested
// again for each of the KH·KW taps that reach it (conv2: 19.8 MB of L2 reads for 4.5 MB of x).
// Instead, each k-step's block copies the input rows its tile reaches, of the channels the step's
// taps read, from global memory into shared memory once (whole sectors, consecutive threads on
// consecutive floats), and gathers A from there:
//   segment (j, c) = x[img0 + j, c, ihFirst(j) … ihLast(j), :], at Xs[(j·NC + c)·SEG + 8 − sh …],
// sh the segment's offset in its 32-byte sector, so that pixel (ih, iw) of it is at word
// (j·NC + c)·SEG + 8 + (ih − ihFirst)·W + iw whatever the sector offset (the gather's bank pattern
// is then a property of the shape alone). The copy for the next step goes to a second buffer while
// the current one is gathered: no barrier is added to the k loop.
// The gather's lanes are 32 consecutive tile rows at one k; with a fused pool those are 8 windows'
// top (dy = 0) and bottom (dy = 1) pixels, which for one tap read two adjacent input rows: 16 words
// each, W apart, sharing banks unless W ≡ 16 (mod 32). The bottom pixels' lanes therefore take the
// step's taps ROT = KW steps later (kernel row kh − 1 where the top pixels' lanes read kh), and the
// loop runs ROT steps longer: both then read the same input row, the same words (a broadcast). The
// As store's bank (its row mod 32, As rows being a multiple of 32 floats) does not depend on k.
// Whether a layout is conflict-free is not argued but checked: `patchStaging` replays every warp's
// gather and store over one period of the tile pattern and takes the first segment stride (SEG)
// with none; without one (or past static shared memory) the kernel keeps the direct gather.


/** Simulated lane operations past which a shape is not checked (and keeps the direct gather). */
export const CHECK_BUDGET = 20_000_000;

/** The distinct words of one warp request, by bank: the most in one bank is the request's wavefronts. */
export class RequestBanks {
  private readonly words = new Int32Array(32 * 32);
  private readonly count = new Int32Array(32);

  reset(): void {
    this.count.fill(0);
  }

  /** Adds a lane's word; the wavefronts its bank takes so far. */
  add(word: number): number {
    const bank = word & 31;
    for (let q = 0; q < this.count[bank]; q++) if (this.words[bank * 32 + q] === word) return this.count[bank];
    this.words[bank * 32 + this.count[bank]++] = word;
    return this.count[bank];
  }
}

/** The least segment stride: 8 words before a segment's first row (the sector offset's room), its rows, and 7 after (rounded to a sector). */
export function leastStride(p: ConvPatch, sizes: PatchSizes): number {
  return 8 + sizes.rows * p.W + 7;
}

/**
 * The first segment stride from `least` (through every residue mod 32) whose replay takes one
 * wavefront per request, while two buffers of the patch fit (`fits`); with mode "on" the one with
 * the fewest if none does. `worstAt(SEG, limit)` replays, stopping at `limit` wavefronts.
 */
export function chooseStride(least: number, fits: (SEG: number) => boolean, worstAt: (SEG: number, limit: number) => number, mode: PatchMode): { SEG: number; worst: number } | undefined {
  let best: { SEG: number; worst: number } | undefined;
  for (let SEG = least; SEG < least + 32 && best?.worst !== 1; SEG++) {
    if (!fits(SEG)) break;
    // (auto: the first conflict rules a stride out; on: a stride no better than the best so far)
    const worst = worstAt(SEG, mode === "auto" ? 2 : (best?.worst ?? Infinity));
    if (!best || worst < best.worst) best = { SEG, worst };
  }
  return !best || (best.worst !== 1 && mode !== "on") ? undefined : best;
}

/** Images in one period of the tile pattern: m0 mod rowsPerImage repeats after lcm(BM, rowsPerImage) rows. */
function periodImages(BM: number, rowsPerImage: number): number {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  return BM / gcd(BM, rowsPerImage);
}

/**
 * The batches the layout check replays: one period (and an image more), and 1–2, whose last tiles
 * (k-steps) are cut short. `span`: the pixels one tile (one k-step) covers.
 */
export function checkedBatches(span: number, rowsPerImage: number): number[] {
  return [1, 2, periodImages(span, rowsPerImage) + 1];
}

interface Rows {
  readonly first: number;
  readonly last: number;
}

/**
 * The input rows [first, last] that the pixels start … start + span − 1 (below end) of image slot j
 * reach (empty: first > last), as the C code computes them: a forward's tile rows m0 … (M), a
 * weight gradient's k-step k0 … (kEnd).
 */
export function slotRows(p: ConvPatch, span: number, start: number, end: number, j: number): Rows {
  const img = Math.floor(start / p.rowsPerImage) + j;
  const first = Math.max(start, img * p.rowsPerImage);
  const last = Math.min(start + span, end, (img + 1) * p.rowsPerImage) - 1;
  if (first > last) return { first: 1, last: 0 };
  return {
    first: Math.max(0, p.pixelOf(first).oh * p.stride[0] - p.padding[0]),
    last: Math.min(p.H - 1, p.pixelOf(last).oh * p.stride[0] - p.padding[0] + (p.KH - 1) * p.dilation[0]),
  };
}

export interface PatchSizes {
  readonly NI: number; // image slots of a block (forward) or of a k-step (weight gradient)
  readonly NC: number; // channels of a k-step (forward) or of a block's taps (weight gradient)
  readonly rows: number; // the most input rows of one slot
}

/** The image slots, channels and rows a block's copy may hold, over one period of tiles (they repeat after it). */
export function patchSizes(p: ConvPatch, tile: Tile, K: number): PatchSizes {
  return { NC: channelsSpanned(K, tile.BK, p.KH * p.KW), ...slotsSpanned(p, tile.BM, (periodImages(tile.BM, p.rowsPerImage) + 2) * p.rowsPerImage) };
}

/** The most channels that a run of `span` taps (from a multiple of span, below `count`) reaches, KK taps a channel. */
export function channelsSpanned(count: number, span: number, KK: number): number {
  let NC = 0;
  for (let t0 = 0; t0 < count; t0 += span) NC = Math.max(NC, Math.floor((Math.min(t0 + span, count) - 1) / KK) - Math.floor(t0 / KK) + 1);
  return NC;
}

/** The most image slots, and input rows of one slot, that a run of `span` pixels (from a multiple of span, below `pixels`) reaches. */
export function slotsSpanned(p: ConvPatch, span: number, pixels: number): { NI: number; rows: number } {
  let NI = 0;
  let rows = 0;
  for (let start = 0; start < pixels; start += span) {
    const slots = Math.floor((Math.min(start + span, pixels) - 1) / p.rowsPerImage) - Math.floor(start / p.rowsPerImage) + 1;
    NI = Math.max(NI, slots);
    for (let j = 0; j < slots; j++) {
      const r = slotRows(p, span, start, pixels, j);
      rows = Math.max(rows, r.last - r.first + 1);
    }
  }
  return { NI, rows };
}

/** How a block's threads take the k-step's taps: each tile row's rotation, and its window partner's row. */
interface TapOrder {
  /** Steps by which tile row ar's taps come late (0, or ROT for a window's bottom pixels). */
  readonly rot: (ar: number) => number;
  readonly ROT: number;
  readonly PARTNER: number;
  /** Rows past M read as row M − ROW_GROUP + row mod ROW_GROUP. */
  readonly ROW_GROUP: number;
}

/**
 * Replays every warp's gather from the staged patch and its As stores, at every k-step of every tile
 * of one period (and of batches 1–2, whose last tiles are cut short), as the kernel computes them
 * (gemm.cu.hbs, the patch gather: every lane reads, a lane without a tap of its own its partner's
 * word or word 0, a padding tap its clamped pixel's): the most wavefronts a request takes (1:
 * conflict-free) with this segment stride, or `limit` as soon as some request takes that many.
 * A store that shares a bank with another lane's counts as Infinity.
 */
export function worstWavefronts(p: ConvPatch, tile: Tile, K: number, sizes: PatchSizes, SEG: number, LDA: number, order: TapOrder, limit = Infinity): number {
  const KK = p.KH * p.KW;
  const step = tile.THREADS / tile.BM;
  const iterations = tile.A_LOADS + order.ROT;
  let worst = 1;
  // per tile row: its image slot, and its window's top-left input pixel (rows past M: the last window's)
  const slot = new Int32Array(tile.BM);
  const ih0 = new Int32Array(tile.BM);
  const iw0 = new Int32Array(tile.BM);
  // per tap of a k-step (kc in [0, BK)): whether it is < K, its offsets and its channel segment
  const tapOk = new Uint8Array(tile.BK);
  const dh = new Int32Array(tile.BK);
  const dw = new Int32Array(tile.BK);
  const chan = new Int32Array(tile.BK);
  const banks = new RequestBanks();
  const storeBank = new Int32Array(32);
  for (const batch of checkedBatches(tile.BM, p.rowsPerImage)) {
    const M = batch * p.rowsPerImage;
    for (let m0 = 0; m0 < M; m0 += tile.BM) {
      const slot0 = Math.floor(m0 / p.rowsPerImage);
      const rows = Array.from({ length: sizes.NI }, (_, j) => slotRows(p, tile.BM, m0, M, j));
      for (let ar = 0; ar < tile.BM; ar++) {
        const row = m0 + ar;
        const { img, oh, ow } = p.pixelOf(row < M ? row : M - order.ROW_GROUP + (row % order.ROW_GROUP));
        slot[ar] = img - slot0;
        ih0[ar] = oh * p.stride[0] - p.padding[0];
        iw0[ar] = ow * p.stride[1] - p.padding[1];
      }
      // the word row ar reads for tap kc, its pixel clamped into the slot's staged rows and width
      const wordOf = (ar: number, kc: number): number => {
        const r = rows[slot[ar]];
        const ih = Math.min(Math.max(ih0[ar] + dh[kc], r.first), r.last);
        const iw = Math.min(Math.max(iw0[ar] + dw[kc], 0), p.W - 1);
        return slot[ar] * sizes.NC * SEG + chan[kc] + 8 + (ih - r.first) * p.W + iw;
      };
      for (let k0 = 0; k0 < K; k0 += tile.BK) {
        for (let kc = 0; kc < tile.BK; kc++) {
          const k = k0 + kc;
          tapOk[kc] = k < K ? 1 : 0;
          dh[kc] = (Math.floor(k / p.KW) % p.KH) * p.dilation[0];
          dw[kc] = (k % p.KW) * p.dilation[1];
          chan[kc] = (Math.floor(k / KK) - Math.floor(k0 / KK)) * SEG;
        }
        for (let w = 0; w < tile.THREADS / 32; w++)
          for (let i = 0; i < iterations; i++) {
            banks.reset();
            storeBank.fill(0);
            for (let lane = 0; lane < 32; lane++) {
              const tid = 32 * w + lane;
              const ar = tid % tile.BM;
              const partner = ar ^ order.PARTNER;
              // row ar's (and its partner's) tap at step i, where the step is one of its own (else -1);
              // computed inline: a closure made per lane costs more than the replay (tsx names each one)
              const first = Math.floor(tid / tile.BM);
              const ja = i - order.rot(ar);
              const jp = i - order.rot(partner);
              const kc = ja >= 0 && ja < tile.A_LOADS ? first + ja * step : -1;
              if (kc >= 0) {
                const bank = (kc * LDA + ar) % 32;
                if (storeBank[bank]) return Infinity;
                storeBank[bank] = 1;
              }
              const kp = jp >= 0 && jp < tile.A_LOADS ? first + jp * step : -1;
              const word = kc >= 0 && tapOk[kc] ? wordOf(ar, kc) : kp >= 0 && tapOk[kp] ? wordOf(partner, kp) : 0;
              worst = Math.max(worst, banks.add(word));
              if (worst >= limit) return worst;
            }
          }
      }
    }
  }
  return worst;
}

/**
 * A layout replay by the convolution's geometry and the replay's other arguments (`rest`, with
 * which replay it is): a model's evaluation and training programs ask the same twice.
 */
const replayCache = new Map<string, number>();
export function cachedReplay(p: ConvPatch, rest: readonly unknown[], replay: () => number): number {
  const { pixel, ohOf, pixelOf, ...geometry } = p;
  const key = JSON.stringify([geometry, pixel, ...rest]);
  let worst = replayCache.get(key);
  if (worst === undefined) replayCache.set(key, (worst = replay()));
  return worst;
}

/** The `patch` knob (compiler/tuning/knobs.ts): where a layout is conflict-free, wherever it fits, or never. */
export type PatchMode = "auto" | "on" | "off";

/**
 * The patch staging of a convolution's forward, where its A operand is staged along m (stride 1 along
 * width) on the GPU's shapes, both copies of the patch fit in static shared memory beside the tiles,
 * and some segment stride makes the gather conflict-free (mode "on": the stride with the fewest
 * conflicts, whatever they are); otherwise undefined (the direct gather).
 */
export function patchStaging(
  p: ConvPatch | undefined,
  tile: Tile,
  K: number | string,
  rowMajorA: boolean,
  LDA: number,
  tileFloats: number,
  shapeFor: "gpu" | "cpu",
  mode: PatchMode = "auto",
): GemmPatchView | undefined {
  if (!p || mode === "off" || shapeFor !== "gpu" || !rowMajorA || typeof K !== "number") return undefined;
  const sizes = patchSizes(p, tile, K);
  const least = leastStride(p, sizes);
  // A pooled window's bottom pixels one kernel row behind its top ones, where that is the same input
  // row (taps = KW·stride/dilation), in steps of the thread's k stride (THREADS / BM taps)
  const step = tile.THREADS / tile.BM;
  const taps = p.pooled && p.stride[0] % p.dilation[0] === 0 ? (p.KW * p.stride[0]) / p.dilation[0] : 0;
  const ROT = taps % step === 0 ? taps / step : 0;
  const order: TapOrder = { rot: (ar) => ((ar & 3) >> 1) * ROT, ROT, PARTNER: ROT === 0 ? 0 : 2, ROW_GROUP: p.pooled ? 4 : 1 };
  const tilesChecked = checkedBatches(tile.BM, p.rowsPerImage).reduce((n, b) => n + Math.ceil((b * p.rowsPerImage) / tile.BM), 0);
  if (tilesChecked * Math.ceil(K / tile.BK) * tile.THREADS * (tile.A_LOADS + ROT) > CHECK_BUDGET) return undefined;
  const best = chooseStride(
    least,
    (SEG) => tileFloats + 2 * sizes.NI * sizes.NC * SEG <= STATIC_SHARED_FLOATS,
    (SEG, limit) => cachedReplay(p, ["forward", tile, K, SEG, LDA, order.ROT, order.PARTNER, order.ROW_GROUP, limit], () => worstWavefronts(p, tile, K, sizes, SEG, LDA, order, limit)),
    mode,
  );
  if (!best) return undefined;
  return {
    ...patchGeometryView(p, sizes, best),
    RPI: p.rowsPerImage,
    rotation: ROT === 0 ? "0" : `((ar & 3) >> 1) * ${ROT}`,
    ROT,
    partnerRotation: ROT === 0 ? "0" : `(((ar ^ 2) & 3) >> 1) * ${ROT}`,
    // (the window's other row: one conv row up or down, stride rows of input)
    partnerRows: ROT === 0 ? "0" : `(1 - 2 * ((ar & 3) >> 1)) * ${p.stride[0]}`,
    ROW_GROUP: order.ROW_GROUP,
  };
}

/** What both patches' views hold: the sizes at the chosen stride, x's and the convolution's geometry as numbers and C, and the kernel's comment. */
export function patchGeometryView(p: ConvPatch, sizes: PatchSizes, best: { readonly SEG: number; readonly worst: number }): GemmPatchGeometryView {
  const [S, P, D] = [p.stride, p.padding, p.dilation];
  const ihOf = (m: string) => `${p.ohOf(m)} * ${S[0]} - ${P[0]}`;
  return {
    NI: sizes.NI,
    NC: sizes.NC,
    SEG: best.SEG,
    BUF: sizes.NI * sizes.NC * best.SEG,
    IMAGE: p.C * p.H * p.W,
    IMAGES: p.images,
    PLANE: p.H * p.W,
    W: p.W,
    W_1: p.W - 1,
    H: p.H,
    KK: p.KH * p.KW,
    KW: p.KW,
    KH: p.KH,
    Cg: p.Cg,
    rowsFirst: `max(0, ${ihOf("first")})`,
    rowsLast: `min(${p.H - 1}, ${ihOf("last")} + ${(p.KH - 1) * D[0]})`,
    pixel: p.pixel,
    ih0: `oh * ${S[0]} - ${P[0]}`,
    iw0: `ow * ${S[1]} - ${P[1]}`,
    dh: `kh * ${D[0]}`,
    dw: `kw * ${D[1]}`,
    PADDED: P[0] > 0 || P[1] > 0,
    why:
      `${sizes.NI} image slot(s) × ${sizes.NC} channel(s) of ≤ ${sizes.rows} input rows of ${p.W}, ${best.SEG} floats per segment` +
      (best.worst === 1 ? "; the gather is conflict-free" : `; up to ${best.worst} wavefronts per gather request (no conflict-free stride: patch staging is on by the tuning file)`),
  };
}
