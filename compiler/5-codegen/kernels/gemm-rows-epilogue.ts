import type { GemmRowsEpilogueView } from "../view.ts";
import type { Tile } from "./gemm-shape.ts";

// The rows epilogue (issue 13, finding 4): an fp32 GEMM whose output rows are N floats with N not a
// multiple of 4 (a classifier's 10 logits, a conv weight gradient's 25 taps and its column of
// ones) has no aligned runs of 4 for float4 stores. Stored from the accumulators, the j-th store of
// a warp's lanes is every 4th float of a row (the thread owns 4 adjacent columns): 10 classes put
// 3 floats of each of 2 rows in one instruction, 16 sectors per 128 B, and the bias, read at the
// same columns, 6 per 128 B. Where the block's tile holds the rows whole (N ≤ BN, one column
// tile), its rows m0 … m0 + BM − 1 are one span of BM·N floats in memory when the output is
// contiguous along n (rows back to back). So the block puts its accumulators into shared memory
// as the span is laid out, cs[r·N + n] (over As, or Bs where As is too small: the k loop is done
// with both), and then walks the span with consecutive threads on consecutive floats: each warp's
// store writes 32 consecutive outputs (whole sectors but at the span's two ends), the bias and the
// epilogue operands are read the same way, and the shared reads are 32 consecutive words.
//   write:  cs[row(ty, i)·N + col(tx, j)] = acc[i][j]    (one instruction per i, j)
//   read:   at = tid + t·THREADS:  m = m0 + at / N,  n = at mod N
// The write's lanes are 4 columns apart along a row and BN/TN apart in ty: their words
// 4·tx + j + N·(4·ty + i) can share banks (N = 10 on a 64-wide tile: lanes tx = 2 of one ty and
// tx = 0 of the next, 8 apart mod 32 as 4·N ≡ 8; any N > 32: tx and tx + 8, 32 words apart). So
// each lane writes its values in its own order: instruction (i, j) writes the lane's row
// i + r[ty mod T] and column j + σ·⌊tx / 8⌋ (mod TM, TN; T the ty values a warp holds, r a table
// of turns with r[0] = 0). The read is 32 consecutive words, conflict-free as it is. For each σ the
// turns are found ty by ty, each the first that keeps the write conflict-free with the ones before
// (backtracking where none does), replayed with the template's index math (`rowsWriteConflicts`);
// where no σ and no table work, the kernel keeps the register epilogue.

/** Where the plain epilogue stores, and whether the rows epilogue may replace it. */
export interface RowsEpilogueInput {
  readonly N: number;
  readonly tile: Tile;
  /** The output's index is `<rest> + n` (contiguousIndex along n): rows back to back is what makes the span. */
  readonly contiguousAlongN: boolean;
  /** The floats of As and of Bs, either of which the epilogue may reuse. */
  readonly sharedFloats: { readonly As: number; readonly Bs: number };
}

/** The order in which each lane writes its values: row turns per ty within the warp, column turn per group of 8 tx. */
export interface RowsLayout {
  readonly rowTurns: readonly number[];
  readonly sigma: number;
}

/** A thread's i-th row (j-th column) in the block tile: runs of 4, RUN apart (gemm.ts threadLayout). */
function within(v: number, idx: number, runs: number, run: number): number {
  return runs === 1 ? v * 4 + idx : v * 4 + (idx >> 2) * run + (idx & 3);
}

/** The ty values a warp holds (T) and the groups of 8 tx in a row of threads. */
function warpShape(t: Tile): { perRow: number; T: number; groups: number } {
  const perRow = t.BN / t.TN;
  return { perRow, T: Math.max(1, 32 / perRow), groups: Math.max(1, perRow / 8) };
}

/**
 * Shared-memory wavefronts beyond one per request of the write with layout `l`, replayed with the
 * template's index math over a warp's lanes for each (i, j); lanes whose ty has no turn in
 * `l.rowTurns` yet are left out. Every warp's lanes differ from warp 0's by whole rows (T·TM each),
 * the same word offset for all of them, so warp 0 stands for all.
 */
export function rowsWriteConflicts(N: number, t: Tile, l: RowsLayout): number {
  const { perRow, T } = warpShape(t);
  const runsM = t.TM / 4, runsN = t.TN / 4, runM = t.BM / runsM, runN = t.BN / runsN;
  let extra = 0;
  for (let i = 0; i < t.TM; i++)
    for (let j = 0; j < t.TN; j++) {
      const banks = new Map<number, number>();
      for (let lane = 0; lane < 32; lane++) {
        const tx = lane % perRow, ty = Math.floor(lane / perRow);
        const turn = l.rowTurns[ty % T];
        if (turn === undefined) continue;
        const col = within(tx, (j + Math.floor(tx / 8) * l.sigma) % t.TN, runsN, runN);
        if (col >= N) continue;
        const bank = (within(ty, (i + turn) % t.TM, runsM, runM) * N + col) % 32;
        banks.set(bank, (banks.get(bank) ?? 0) + 1);
      }
      if (banks.size > 0) extra += Math.max(...banks.values()) - 1;
    }
  return extra;
}

/** A conflict-free write order (see above), or undefined. */
export function rowsLayout(N: number, t: Tile): RowsLayout | undefined {
  const { T } = warpShape(t);
  // turns: a conflict-free prefix of the table
  const extend = (sigma: number, turns: number[]): number[] | undefined => {
    if (turns.length === T) return turns;
    for (let r = 0; r < t.TM; r++) {
      const next = [...turns, r];
      if (rowsWriteConflicts(N, t, { rowTurns: next, sigma }) > 0) continue;
      const done = extend(sigma, next);
      if (done) return done;
    }
    return undefined;
  };
  for (let sigma = 0; sigma < t.TN; sigma++) {
    if (rowsWriteConflicts(N, t, { rowTurns: [0], sigma }) > 0) continue;
    const rowTurns = extend(sigma, [0]);
    if (rowTurns) return { rowTurns, sigma };
  }
  return undefined;
}

/** The rows epilogue where it applies (see above), else undefined: the register epilogue stays. */
export function rowsEpilogue(input: RowsEpilogueInput, thread: { readonly ROW_OF: string; readonly COL_OF: string }): GemmRowsEpilogueView | undefined {
  const { N, tile: t } = input;
  if (N % 4 === 0 || N > t.BN || !input.contiguousAlongN) return undefined;
  const buffer = t.BM * N <= input.sharedFloats.As ? "As" : t.BM * N <= input.sharedFloats.Bs ? "Bs" : undefined;
  if (!buffer) return undefined;
  const layout = rowsLayout(N, t);
  if (!layout) return undefined;
  const { T, groups } = warpShape(t);
  const rowTurns = [...new Set(layout.rowTurns)];
  const colTurns = [...new Set(Array.from({ length: groups }, (_, g) => (g * layout.sigma) % t.TN))];
  const picks = rowTurns.flatMap((r) => colTurns.map((c) => ({ r, c }))).filter((p) => p.r !== 0 || p.c !== 0);
  // the turns as one word of 4-bit entries, entry q for ty ≡ q (mod T): TM ≤ 8, T ≤ 8
  const packed = layout.rowTurns.reduce((word, r, q) => word + r * 16 ** q, 0);
  const turned = [
    rowTurns.length > 1 ? `rows by r[ty mod ${T}] = {${layout.rowTurns.join(", ")}}` : "",
    colTurns.length > 1 ? `columns by ${layout.sigma}·⌊tx / 8⌋` : "",
  ].filter(Boolean);
  const rowTurn = rowTurns.length > 1 ? `(int)((0x${packed.toString(16)}u >> (4 * (ty % ${T}))) & 15u)` : undefined;
  const colTurn = colTurns.length > 1 ? `(tx / 8) * ${layout.sigma} % ${t.TN}` : undefined;
  const turn = (p: { r: number; c: number }) => [p.r && rowTurn ? `rr == ${p.r}` : "", p.c && colTurn ? `rc == ${p.c}` : ""].filter(Boolean).join(" && ");
  const element = (p: { r: number; c: number }) => `acc[${p.r ? `(i + ${p.r}) % ${t.TM}` : "i"}][${p.c ? `(j + ${p.c}) % ${t.TN}` : "j"}]`;
  return {
    FLOATS: t.BM * N,
    buffer,
    ...(rowTurn ? { rowTurn, rowTurned: `const int ir = (i + rr) % ${t.TM};` } : {}),
    ...(colTurn ? { colTurn, colTurned: `const int jr = (j + rc) % ${t.TN};` } : {}),
    picks: picks.map((p) => `if (${turn(p)}) v = ${element(p)};`),
    layoutNote: turned.length ? `Each lane writes its values turned, ${turned.join(", ")}: a warp's lanes then write different banks.` : "A warp's lanes write different banks as they are.",
    ROW_OF_TURNED: rowTurn ? thread.ROW_OF.replace(/\bi\b/g, "ir") : thread.ROW_OF,
    COL_OF_TURNED: colTurn ? thread.COL_OF.replace(/\bj\b/g, "jr") : thread.COL_OF,
  };
}
