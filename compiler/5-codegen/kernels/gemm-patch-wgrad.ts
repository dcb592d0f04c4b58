import type { ConvPatch } from "../../ops/op.ts";
import type { GemmPatchBView } from "../view.ts";
import { STATIC_SHARED_FLOATS, type Tile } from "./gemm-shape.ts";
import { cachedReplay, channelsSpanned, CHECK_BUDGET, checkedBatches, chooseStride, leastStride, RequestBanks, patchGeometryView, slotRows, slotsSpanned, type PatchMode, type PatchSizes } from "./gemm-patch.ts";

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
// keeps the direct gather.
// Which columns a request pairs is a choice too. A thread of class j (tid / 8 mod ROWS_STEP) stages
// the columns j, j + ROWS_STEP, …: in any order they keep the Bs stores conflict-free (a request's
// columns are still one per residue mod ROWS_STEP), so thread class j may take them in an order of
// its own, its i-th column j + ROWS_STEP·order_j(i). In order, a request's taps are consecutive;
// LeNet's conv1 (rows of 28) then pairs kernel rows kh and kh + 1, whose words fall 4 banks apart on
// 8-word runs, and no segment stride helps. Whether two columns may share a request is a property of
// the pair (a request conflicts iff two of its lanes do), so the replay records the pairs that ever
// collide (columnConflicts) and a search groups the columns into requests that pair none of them
// (groupColumns); the whole replay then confirms the grouping.

/** The image slots, channels and rows a block's copy may hold. */
export function wgradPatchSizes(p: ConvPatch, tile: Tile, taps: number): PatchSizes {
  const slots = checkedBatches(tile.BK, p.rowsPerImage).map((batch) => slotsSpanned(p, tile.BK, batch * p.rowsPerImage));
  return { NI: Math.max(...slots.map((x) => x.NI)), NC: channelsSpanned(taps, tile.BN, p.KH * p.KW), rows: Math.max(...slots.map((x) => x.rows)) };
}

/** Each thread class's order of its columns: class j's i-th column is j + ROWS_STEP·order[j][i]. Empty: in order. */
export type ColumnOrder = readonly (readonly number[])[];

/** The block column that thread class j stages at its step i (gemm.cu.hbs, the wgrad patch's `column`). */
function columnOf(order: ColumnOrder, rowsStep: number, j: number, i: number): number {
  return j + rowsStep * (order.length > 0 ? order[j][i] : i);
}

/** The pixel (tile k) and thread class of each lane of warp w (gemm.cu.hbs: bc, br0). */
function warpLanes(tile: Tile, w: number): { kc: number; j: number }[] {
  const rowsStep = tile.THREADS / tile.BK;
  return Array.from({ length: 32 }, (_, lane) => {
    const tid = 32 * w + lane;
    return { kc: (tid % 8) + 8 * Math.floor(tid / (8 * rowsStep)), j: Math.floor(tid / 8) % rowsStep };
  });
}

/** Per column of the block of taps from n0 (past the taps, the last tap's): its kernel row and column steps, and its channel's segment offset. */
interface ColumnTaps {
  readonly dh: Int32Array;
  readonly dw: Int32Array;
  readonly chan: Int32Array;
}

function columnTaps(p: ConvPatch, BN: number, taps: number, SEG: number): { at: (n0: number) => ColumnTaps } {
  const KK = p.KH * p.KW;
  const out = { dh: new Int32Array(BN), dw: new Int32Array(BN), chan: new Int32Array(BN) };
  return {
    at: (n0) => {
      for (let c = 0; c < BN; c++) {
        const t = Math.min(n0 + c, taps - 1);
        out.dh[c] = (Math.floor(t / p.KW) % p.KH) * p.dilation[0];
        out.dw[c] = (t % p.KW) * p.dilation[1];
        // (0 in a block of the column of ones alone, as the kernel's row_of: it stages no channel)
        out.chan[c] = Math.max(Math.floor(t / KK) - Math.floor(n0 / KK), 0) * SEG;
      }
      return out;
    },
  };
}

/**
 * Which pairs of a block's columns collide when one request holds both, over every k-step of the
 * checked batches, every block of taps and every warp, as wgradWorstWavefronts reads them: bad[c1·BN
 * + c2] = 1 where some lane reading c1 and some lane reading c2 (c1's own when c1 = c2) hit one bank
 * at different words. (Two columns of one class never share a request: their entry says nothing.)
 * Undefined past the check budget. `apart`: as if each segment had banks of its own, so only the
 * pairs that collide within a segment, whatever the stride.
 */
export function columnConflicts(p: ConvPatch, tile: Tile, taps: number, columns: number, sizes: PatchSizes, SEG: number, apart = false): Uint8Array | undefined {
  // a model's layers of one geometry, and its evaluation and training programs, ask the same
  const { pixel, ohOf, pixelOf, ...geometry } = p;
  const key = JSON.stringify([geometry, pixel, tile, taps, columns, sizes, SEG, apart]);
  if (conflictsCache.has(key)) return conflictsCache.get(key);
  const bad = replayColumnConflicts(p, tile, taps, columns, sizes, SEG, apart);
  conflictsCache.set(key, bad);
  return bad;
}

const conflictsCache = new Map<string, Uint8Array | undefined>();

function replayColumnConflicts(p: ConvPatch, tile: Tile, taps: number, columns: number, sizes: PatchSizes, SEG: number, apart: boolean): Uint8Array | undefined {
  const rowsStep = tile.THREADS / tile.BK;
  const BN = tile.BN;
  const warps = Array.from({ length: tile.THREADS / 32 }, (_, w) => warpLanes(tile, w));
  const steps = checkedBatches(tile.BK, p.rowsPerImage).reduce((n, b) => n + Math.ceil((b * p.rowsPerImage) / tile.BK), 0);
  if (steps * Math.ceil(columns / BN) * tile.THREADS * tile.B_LOADS > CHECK_BUDGET) return undefined;
  // collide: per column, a bit set of the columns it collides with (WORDS 32-bit words a row)
  const WORDS = Math.ceil(BN / 32);
  const collide = new Uint32Array(BN * WORDS);
  const bankSet = new Uint32Array(WORDS);
  const tapsOf = columnTaps(p, BN, taps, SEG);
  // (a bank's words are 32 apart: word >> 5 tells them apart; a patch's words are below its buffer's floats)
  const groupAt = new Int32Array(Math.ceil((sizes.NI * sizes.NC * SEG + 64) / 32)).fill(-1);
  const singleSet = new Uint32Array(BN * 32 * WORDS);
  const groupOf = new Int32Array(BN * 32);
  // per column, while a bank is looked at: the one word it hits there, NONE, or MANY
  const [NONE, MANY] = [-1, -2];
  const wordOf = new Int32Array(BN).fill(NONE);
  // per bank, the (column, word) pairs of the warp's lanes that hit it; apart, a bank per segment
  // too, of which a warp touches few: only those (`touched`) are looked at and reset
  const banks = apart ? 32 * sizes.NI * sizes.NC : 32;
  const hits: { column: Int32Array; word: Int32Array; count: number }[] = new Array(banks);
  const touched = new Int32Array(banks);
  let touchedCount = 0;
  for (const batch of checkedBatches(tile.BK, p.rowsPerImage)) {
    const K = batch * p.rowsPerImage;
    for (let k0 = 0; k0 < K; k0 += tile.BK) {
      const rows = Array.from({ length: sizes.NI }, (_, j) => slotRows(p, tile.BK, k0, K, j));
      const slot0 = Math.floor(k0 / p.rowsPerImage);
      for (let n0 = 0; n0 < columns; n0 += BN) {
        const { dh, dw, chan } = tapsOf.at(n0);
        for (const lanes of warps) {
          for (let t = 0; t < touchedCount; t++) hits[touched[t]].count = 0;
          touchedCount = 0;
          for (const { kc, j } of lanes) {
            const { img, oh, ow } = p.pixelOf(Math.min(k0 + kc, K - 1));
            const r = rows[img - slot0];
            const [ih0, iw0, base] = [oh * p.stride[0] - p.padding[0], ow * p.stride[1] - p.padding[1], (img - slot0) * sizes.NC * SEG + 8];
            for (let c = j; c < BN; c += rowsStep) {
              const ih = Math.min(Math.max(ih0 + dh[c], r.first), r.last);
              const iw = Math.min(Math.max(iw0 + dw[c], 0), p.W - 1);
              const word = base + chan[c] + (ih - r.first) * p.W + iw;
              const at = apart ? 32 * Math.floor(word / SEG) + (word & 31) : word & 31;
              const h = (hits[at] ??= { column: new Int32Array(BN * 32), word: new Int32Array(BN * 32), count: 0 });
              if (h.count === 0) touched[touchedCount++] = at;
              h.column[h.count] = c;
              h.word[h.count++] = word;
            }
          }
          // Two hits of a bank at different words collide (columns of two classes, or one column's
          // own lanes; the same class's other columns never share a request): column c collides
          // with every column of the bank except those that, like c, hit it at one word, c's.
          for (let t = 0; t < touchedCount; t++) {
            const h = hits[touched[t]];
            if (h.count < 2) continue;
            bankSet.fill(0);
            for (let x = 0; x < h.count; x++) {
              const c = h.column[x];
              bankSet[c >> 5] |= 1 << (c & 31);
              if (wordOf[c] === NONE) wordOf[c] = h.word[x];
              else if (wordOf[c] !== h.word[x]) wordOf[c] = MANY;
            }
            // the columns that hit the bank at one word, grouped by that word (group g's set at g·WORDS)
            let groups = 0;
            for (let x = 0; x < h.count; x++) {
              const c = h.column[x];
              if (wordOf[c] === MANY) continue;
              let g = groupAt[wordOf[c] >> 5];
              if (g < 0) {
                g = groupAt[wordOf[c] >> 5] = groups++;
                singleSet.fill(0, g * WORDS, (g + 1) * WORDS);
              }
              singleSet[g * WORDS + (c >> 5)] |= 1 << (c & 31);
              groupOf[x] = g;
            }
            for (let x = 0; x < h.count; x++) {
              const c = h.column[x];
              const many = wordOf[c] === MANY;
              for (let q = 0; q < WORDS; q++) collide[c * WORDS + q] |= bankSet[q] & ~(many ? 0 : singleSet[groupOf[x] * WORDS + q]);
            }
            for (let x = 0; x < h.count; x++) {
              wordOf[h.column[x]] = NONE;
              groupAt[h.word[x] >> 5] = -1;
            }
          }
        }
      }
    }
  }
  const bad = new Uint8Array(BN * BN);
  for (let c1 = 0; c1 < BN; c1++) for (let c2 = 0; c2 < BN; c2++) bad[c1 * BN + c2] = (collide[c1 * WORDS + (c2 >> 5)] >>> (c2 & 31)) & 1;
  return bad;
}

/** Search nodes past which groupColumns gives up (the kernel keeps the direct gather). */
const GROUPING_BUDGET = 200_000;

/**
 * A grouping of the block's columns into B_LOADS requests of one column per thread class that pairs
 * no two columns that collide (`bad`, from columnConflicts), as each class's order; undefined if the
 * search finds none within its budget. Columns that collide with the same columns are
 * interchangeable (e.g. those past the taps, which read the last tap's word), so the search places
 * kinds of columns, the rarest first: deterministic, and quick where most columns are alike.
 */
export function groupColumns(bad: Uint8Array, tile: Tile): ColumnOrder | undefined {
  const R = tile.THREADS / tile.BK;
  const BN = tile.BN;
  const L = tile.B_LOADS;
  // each class's kinds: columns with the same row of `bad`
  const kinds: number[][][] = Array.from({ length: R }, (_, j) => {
    const byRow = new Map<string, number[]>();
    for (let c = j; c < BN; c += R) {
      const row = bad.subarray(c * BN, (c + 1) * BN).join("");
      byRow.set(row, [...(byRow.get(row) ?? []), c]);
    }
    return [...byRow.values()];
  });
  const left = kinds.map((ks) => ks.map((k) => k.length));
  const requests: number[][] = [];
  let nodes = 0;
  const fill = (): boolean => {
    if (requests.length === L) return true;
    // the anchor: a column of the kind with the fewest left (ties: the lowest class, then kind)
    let anchor: [number, number] | undefined;
    for (let j = 0; j < R; j++)
      for (let q = 0; q < kinds[j].length; q++) if (left[j][q] > 0 && (!anchor || left[j][q] < left[anchor[0]][anchor[1]])) anchor = [j, q];
    const [ja, qa] = anchor!;
    const pick = (j: number, chosen: number[]): boolean => {
      if (++nodes > GROUPING_BUDGET) return false;
      if (j === R) {
        requests.push(chosen.map((q, jj) => kinds[jj][q][kinds[jj][q].length - left[jj][q]]));
        for (let jj = 0; jj < R; jj++) left[jj][chosen[jj]]--;
        if (fill()) return true;
        for (let jj = 0; jj < R; jj++) left[jj][chosen[jj]]++;
        requests.pop();
        return false;
      }
      for (let q = 0; q < kinds[j].length; q++) {
        if (j === ja && q !== qa) continue;
        if (left[j][q] === 0) continue;
        const c = kinds[j][q][0];
        if (bad[c * BN + c] || chosen.some((qq, jj) => bad[kinds[jj][qq][0] * BN + c])) continue;
        if (pick(j + 1, [...chosen, q])) return true;
      }
      return false;
    };
    return pick(0, []);
  };
  if (!fill()) return undefined;
  // request i holds column requests[i][j] of class j
  return Array.from({ length: R }, (_, j) => requests.map((r) => (r[j] - j) / R));
}

/**
 * Replays every warp's gather from the staged patch (gemm.cu.hbs, the wgrad patch: a warp's lanes are
 * 8 consecutive pixels × one column of each thread class per store, 4 consecutive taps in order,
 * else as `order` groups them; every lane reads, a pixel past the chunk as
 * the last pixel, a tap past the taps as the last tap, a padding tap its clamped pixel) at every
 * k-step of the checked batches and every block of taps: the most wavefronts a request takes (1:
 * conflict-free) with this segment stride, or `limit` as soon as some request takes that many.
 */
export function wgradWorstWavefronts(p: ConvPatch, tile: Tile, taps: number, columns: number, sizes: PatchSizes, SEG: number, limit = Infinity, order: ColumnOrder = []): number {
  const rowsStep = tile.THREADS / tile.BK;
  let worst = 1;
  const slot = new Int32Array(tile.BK);
  const ih0 = new Int32Array(tile.BK);
  const iw0 = new Int32Array(tile.BK);
  const warps = Array.from({ length: tile.THREADS / 32 }, (_, w) => warpLanes(tile, w));
  const tapsOf = columnTaps(p, tile.BN, taps, SEG);
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
        const { dh, dw, chan } = tapsOf.at(n0);
        for (const lanes of warps)
          for (let i = 0; i < tile.B_LOADS; i++) {
            banks.reset();
            for (const { kc, j } of lanes) {
              const nr = columnOf(order, rowsStep, j, i);
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
 * segment stride makes the gather conflict-free with the columns in order or grouped (mode "on",
 * where neither is: the stride with the fewest conflicts in order); otherwise undefined (the direct
 * gather). `taps`: the GEMM's N without a column of ones; `columns`:
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
  const least = leastStride(p, sizes);
  const steps = checkedBatches(tile.BK, p.rowsPerImage).reduce((n, b) => n + Math.ceil((b * p.rowsPerImage) / tile.BK), 0);
  if (steps * Math.ceil(columns / tile.BN) * tile.THREADS * tile.B_LOADS > CHECK_BUDGET) return undefined;
  const fits = (SEG: number) => tileFloats + 2 * sizes.NI * sizes.NC * SEG <= STATIC_SHARED_FLOATS;
  const replay = (order: ColumnOrder) => (SEG: number, limit: number) =>
    cachedReplay(p, ["weight gradient", tile, taps, columns, SEG, limit, order], () => wgradWorstWavefronts(p, tile, taps, columns, sizes, SEG, limit, order));
  // The columns in order where some stride makes that conflict-free; else grouped (see the top),
  // where a class's order fits one 64-bit word (bits per step × steps)
  const bits = Math.max(1, Math.ceil(Math.log2(tile.B_LOADS)));
  let order: ColumnOrder = [];
  let best = chooseStride(least, fits, replay(order), "auto");
  // (pairs that collide within a segment collide at every stride: where they alone leave no grouping, none is tried)
  const withinSegment = () => {
    const bad = columnConflicts(p, tile, taps, columns, sizes, least, true);
    return bad !== undefined && groupColumns(bad, tile) !== undefined;
  };
  if (!best && bits * tile.B_LOADS <= 64 && withinSegment()) {
    const grouped = new Map<number, ColumnOrder>();
    // (one segment: every stride reads the same words, so the least is the only one to try)
    best = chooseStride(
      least,
      (SEG) => fits(SEG) && (sizes.NI * sizes.NC > 1 || SEG === least),
      (SEG, limit) => {
        const bad = columnConflicts(p, tile, taps, columns, sizes, SEG);
        const found = bad && groupColumns(bad, tile);
        if (!found) return Infinity;
        grouped.set(SEG, found);
        return replay(found)(SEG, limit);
      },
      "auto",
    );
    if (best) order = grouped.get(best.SEG)!;
  }
  // (mode "on" without a conflict-free layout: the columns in order, at the stride with the fewest wavefronts)
  if (!best && mode === "on") best = chooseStride(least, fits, replay(order), "on");
  if (!best) return undefined;
  const rowsStep = tile.THREADS / tile.BK;
  const geometry = patchGeometryView(p, sizes, best);
  const view = { ...geometry, PPI: p.rowsPerImage, TAPS: taps, ONES: columns > taps, column: `br0 + i * ${rowsStep}` };
  if (order.length === 0) return view;
  // class j's order packed `bits` a step from the lowest, picked by the thread's class
  const packed = order.map((steps) => `0x${steps.reduce((word, q, i) => word | (BigInt(q) << BigInt(i * bits)), 0n).toString(16)}ull`);
  return {
    ...view,
    why: `${geometry.why}; its columns grouped into requests that pair no colliding taps`,
    column: `br0 + (int)((border >> (i * ${bits})) & ${(1 << bits) - 1}) * ${rowsStep}`,
    order: packed.slice(0, -1).reduceRight((rest, word, j) => `br0 == ${j} ? ${word} : ${rest}`, packed[packed.length - 1]),
    // (the requests that differ from the columns in order)
    requests: order[0]
      .map((_, i) => ({ i, columns: order.map((steps, j) => j + rowsStep * steps[i]) }))
      .filter(({ i, columns }) => columns.some((c, j) => c !== j + rowsStep * i))
      .map(({ i, columns }) => `${i}: ${columns.join(", ")}`),
  };
}
