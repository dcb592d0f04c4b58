import type { GemmIndexMaps } from "../../ops/op.ts";
import type { GemmFlatView } from "../view.ts";
import { evaluateInteger } from "../../launch-shape.ts";
import type { Tile } from "./gemm-shape.ts";

// Flat staging of a short, packed operand (issue 13, finding 4): where an operand staged along k
// has K ≤ BK (one k-step) and rows of K floats back to back — conv1's weights [20, 25], fc2's
// output gradient dy [B, 10] — the tile's rows r0 … r0 + R − 1 are one contiguous span of R·K
// floats. Read row by row (the ring), every row of K floats (K not a multiple of 8) shares its first
// and last sector with its neighbours and is requested apart from them: LeNet's conv1 weights took
// 5.5 sectors per 128 B. Read as one span, from the sector boundary at or below it, by consecutive
// threads, every request is whole sectors and each sector is requested once.
//   copy:      span[i − sh] → xs[i]            (xs: the second half of the operand's ring buffer)
//   transpose: xs[sh + r·K + k] → Os[k][r]     (Os: As or Bs, k-major, row length LD)
// sh is the span's offset in its sector (0–7 floats). The copy's stores are consecutive words. The
// transpose runs each warp over a box of P rows × Q k. With Q = 2^e, the largest power of two
// dividing K (e ≤ 2, as K is not a multiple of 8), and P = 32 / Q:
//   reads:  (r·K + k) mod 32 = Q·(r·K/Q mod P) + k   over r < P, k < Q: all 32 banks (K/Q odd);
//   writes: (k·LD + r) mod 32 = k·P + r               with LD ≡ P (mod 32): all 32 banks.
// For odd K (Q = 1) the write is 32 consecutive rows at one k, conflict-free for any LD. A tile of
// fewer than P rows needs deeper boxes, which are not conflict-free for every K. So the layout is
// replayed (`flatConflicts`), as the patch's is: the widest clean box is taken, or none.

/** Flat staging for the operands that take it, with each one's shared row length. */
export interface FlatStaging {
  readonly a?: GemmFlatView;
  readonly b?: GemmFlatView;
}

/** The largest power of two dividing K, at most 4 (K mod 8 ≠ 0): the fewest k a box may take. */
function boxDepth(K: number): number {
  return K % 2 !== 0 ? 1 : K % 4 !== 0 ? 2 : 4;
}

/** The shared row length for boxes of P rows: ≥ rows, ≡ P (mod 32) for P < 32; the usual ≡ 4 for P = 32. */
export function flatRowLength(rows: number, P: number): number {
  if (P === 32) return Math.ceil(rows / 32) * 32 + 4;
  return Math.ceil((rows - P) / 32) * 32 + P;
}

/**
 * Shared-memory wavefronts beyond one per request in the transpose, replayed with the template's
 * index math for every warp of every iteration (at sh = 0: sh shifts every read's bank alike).
 */
export function flatConflicts(K: number, rows: number, P: number, LD: number, BK: number, THREADS: number): number {
  const Q = 32 / P, boxesPerK = rows / P;
  let extra = 0;
  for (let it = 0; it < (BK * rows) / THREADS; it++)
    for (let w = 0; w < THREADS / 32; w++) {
      const readWords = new Map<number, Set<number>>(), writeWords = new Map<number, Set<number>>();
      for (let l = 0; l < 32; l++) {
        const e = it * THREADS + w * 32 + l, box = Math.floor(e / 32);
        const k = Math.floor(box / boxesPerK) * Q + Math.floor(l / P), r = (box % boxesPerK) * P + (l % P);
        const read = r * K + Math.min(k, K - 1), write = k * LD + r;
        for (const [words, at] of [[readWords, read], [writeWords, write]] as const) {
          const bank = words.get(at % 32) ?? new Set<number>();
          bank.add(at);
          words.set(at % 32, bank);
        }
      }
      for (const words of [readWords, writeWords]) extra += Math.max(...[...words.values()].map((s) => s.size)) - 1;
    }
  return extra;
}

/**
 * Element e of the transpose (e = it·THREADS + tid) as C: warp box = e / 32 covers rows
 * (box mod boxes)·P … + P − 1 at k (box / boxes)·Q … + Q − 1, lane e mod 32 at row + lane mod P,
 * k + lane / P; the terms that are 0 or ×1 left out.
 */
function boxIndex(P: number, Q: number, boxes: number): { K_OF: string; R_OF: string } {
  const times = (a: string, n: number) => (n === 1 ? a : `${a} * ${n}`);
  const kBox = boxes === 1 ? "box" : `box / ${boxes}`;
  const rBox = boxes === 1 ? undefined : `box % ${boxes}`;
  return {
    K_OF: Q === 1 ? kBox : `${times(kBox, Q)} + e % 32 / ${P}`,
    R_OF: rBox === undefined ? `e % ${P}` : `${times(rBox, P)} + e % ${P}`,
  };
}

/** Whether offset(row) = offset(0) + row·K for every row, group and batch tried: the rows are packed. */
function packedRows(offset: string, row: "m" | "n", K: number, Z: string): boolean {
  const groups = /^\d+$/.test(Z) ? Math.min(Number(Z), 4) : 4;
  try {
    for (let z = 0; z < groups; z++)
      for (const batch of [1, 2, 3])
        for (let r = 0; r < 8; r++)
          if (evaluateInteger(offset, { [row]: r + 1, z, batch }) - evaluateInteger(offset, { [row]: r, z, batch }) !== K) return false;
  } catch {
    return false; // (an offset of other variables too: not known to be packed)
  }
  return true;
}

/**
 * Which operands take flat staging: GPU shapes, one unsplit, unskipped k-step (K ≤ BK), rows of K
 * floats with K not a multiple of 8 (a multiple of 8 is whole sectors row by row already), packed,
 * staged along k with a plain load (`offsets`: the operand's row offset at k = 0, or undefined),
 * and a clean replay of the transpose.
 */
export function flatStaging(
  parts: GemmIndexMaps,
  tile: Tile,
  offsets: { readonly a?: string; readonly b?: string },
  split: boolean,
  shapeFor: "gpu" | "cpu",
): FlatStaging {
  const K = parts.K;
  if (shapeFor !== "gpu" || split || parts.col2im || parts.kSkip || typeof K !== "number" || K > tile.BK || K % 8 === 0) return {};
  const view = (op: "a" | "b"): GemmFlatView | undefined => {
    const offset = offsets[op];
    const row = op === "a" ? "m" : "n";
    const rows = op === "a" ? tile.BM : tile.BN;
    if (offset === undefined || (tile.BK * rows) % tile.THREADS !== 0 || !packedRows(offset, row, K, parts.Z)) return undefined;
    // the widest box whose replay is clean (boxes of fewer than 32 rows where the tile has fewer;
    // at least 4, so that rows stay a multiple of 4 floats for the float4 reads)
    let box: { P: number; Q: number; LD: number } | undefined;
    for (let Q = boxDepth(K); Q <= 8 && !box; Q *= 2) {
      const P = 32 / Q, LD = flatRowLength(rows, P);
      if (rows % P === 0 && flatConflicts(K, rows, P, LD, tile.BK, tile.THREADS) === 0) box = { P, Q, LD };
    }
    if (!box) return undefined;
    const { P, Q, LD } = box;
    return {
      op,
      OP: op === "a" ? "A" : "B",
      row,
      offset,
      LD,
      ROWS: rows,
      LIMIT: op === "a" ? "M" : String(parts.N),
      P,
      Q,
      ...boxIndex(P, Q, rows / P),
      ITEMS: (tile.BK * rows) / tile.THREADS,
      why: `its ${rows} rows of ${K} floats are one span from ${offset.replace(/\(size_t\)/g, "")}`,
    };
  };
  const a = view("a"), b = view("b");
  return { ...(a ? { a } : {}), ...(b ? { b } : {}) };
}
