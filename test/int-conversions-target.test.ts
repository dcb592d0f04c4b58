// test/fixtures/int-conversions on the CPU target against the float64 reference, exactly: Python's
// floor division of floats (c10's, not floor(a / b)), float → int32 conversions defined where a C
// cast is not (NaN → 0, out of range → the nearest end, as the GPU's cvt.rzi does), integers
// divided by zero (no error in a kernel: the same defined conversion), and int32 outputs stored
// from float arithmetic. Each value is the reference's bit for bit: these are integers and
// roundings, where a tolerance would hide the off-by-one this file is about. test/fixtures/mixed-dtypes
// does the same for int32, bool and float32 operands together: PyTorch's result dtypes and values.
import { describe, expect, it } from "vitest";
import { load, tensor } from "../runtime/index.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { compileForTestTarget, referenceState } from "./target-helpers.ts";

const f = Math.fround;
// two rows of 8: the −0.3 // 0.1 case and its mirror images, exact multiples, signs, zeros, and
// values past int32 (×1e10), NaN and ±∞
const X = [f(-0.3), f(0.3), f(-0.3), f(7.5), f(-7.5), 0, f(2.5), f(-1e-3), NaN, Infinity, -Infinity, f(3e9), f(-3e9), f(-2.7), f(2.7), f(-0.5)];
const Y = [f(0.1), f(-0.1), f(-0.1), 2, 2, f(-3), 0, 4, 1, 1, 1, 1, 1, 1, 1, 1];
const N = [7, -7, 7, -7, 0, 16777215, -16777215, 5, 9, -9, 1, 0, 2, -2, 100, -100];
const D = [2, 2, -2, -2, 5, 2, 2, 0, 0, 3, 0, 0, 3, 3, 7, 7];

describe("float ↔ int32 conversions and rounded divisions on the CPU target", () => {
  it("equal the reference exactly: Python's //, defined conversions of NaN, ±∞ and out-of-range values, division by zero", async () => {
    const { model, build } = await compileForTestTarget("test/fixtures/int-conversions/model.ts", "build/test-int-conversions");
    const graph = model.graph;
    const m = await load(build.outDir);
    try {
      const got = m.forwardAllSync(
        tensor(Float32Array.from(X), [2, 8]),
        tensor(Float32Array.from(Y), [2, 8]),
        tensor(Int32Array.from(N), [2, 8]),
        tensor(Int32Array.from(D), [2, 8]),
      );
      const inputs = { x: nd([2, 8], X), y: nd([2, 8], Y), n: nd([2, 8], N), d: nd([2, 8], D) };
      const want = runReference(graph, inputs, referenceState(graph, 0)).outputs;
      expect(got.map((t) => t.data.constructor.name)).toEqual([...Array(3).fill("Float32Array"), ...Array(6).fill("Int32Array")]);
      // (the reference's float64, rounded to float32 for the float outputs; −0 kept apart from 0)
      const shown = (v: number) => (Object.is(v, -0) ? "-0" : v);
      got.forEach((t, k) => expect(Array.from(t.data as Float32Array | Int32Array).map(shown), `output ${k}`).toEqual(Array.from(want[k].data).map((v) => shown(k < 3 ? Math.fround(v) : v))));
      // what numpy and PyTorch give in float32: −0.3 // 0.1 is −4, 0.3 // −0.1 is −4, −0.3 // −0.1 is 3
      expect(Array.from(got[0].data).slice(0, 3)).toEqual([-4, -4, 3]);
      // int(NaN) = 0, int(±∞) and 3e9 saturate
      expect(Array.from(got[3].data).slice(8, 13)).toEqual([0, 2147483647, -2147483648, 2147483647, -2147483648]);
    } finally {
      m.dispose();
    }
  }, 600_000);
});

describe("int32, bool and float32 operands together on the CPU target", () => {
  it("give PyTorch's result dtypes and values, the reference's exactly: masks counted, int fills cast, T5's buckets, RoBERTa's positions", async () => {
    const { model, build } = await compileForTestTarget("test/fixtures/mixed-dtypes/model.ts", "build/test-mixed-dtypes");
    const graph = model.graph;
    const m = await load(build.outDir);
    try {
      const IDS = [-7, 7, 0, 3, -2, 5, -1, 2, -3, 8];
      const X = [-1.5, 2.5, NaN, Infinity, -0.5, 0.7, -2.7, 0, 3, -Infinity].map(Math.fround);
      const got = m.forwardAllSync(tensor(Int32Array.from(IDS), [2, 5]), tensor(Float32Array.from(X), [2, 5]));
      const want = runReference(graph, { ids: nd([2, 5], IDS), x: nd([2, 5], X) }, referenceState(graph, 0)).outputs;
      got.forEach((t, k) => expect(Array.from(t.data as Float32Array | Int32Array), `output ${k}`).toEqual(Array.from(want[k].data).map((v) => (t.data instanceof Float32Array ? Math.fround(v) : v))));
      // PyTorch's dtypes: int64 (int32 here) for a mask's sum, cumsum, mask·ids, mask + 1, count_nonzero,
      // a masked_fill / pad of an int tensor, one_hot's sum, mask // 2, the diff's int(), the positions
      // and the buckets; float32 for an indexed float, sum(dtype=float32), mask·0.5, where with a float
      // branch or a float literal past int64 (−1e30), x.to(mask) (a bool, 0/1 float32 here)
      const ints = [0, 1, 2, 3, 4, 6, 7, 8, 9, 15, 16, 17, 18, 19];
      expect(got.map((t) => t.data.constructor.name)).toEqual(got.map((_, k) => (ints.includes(k) ? "Int32Array" : "Float32Array")));
      const values = (k: number) => Array.from(got[k].data as Float32Array | Int32Array);
      // mask = ids > 0 = [0 1 0 1 0 | 1 0 1 0 1]
      expect(values(0)).toEqual([2, 3]);
      expect(values(1)).toEqual([0, 1, 1, 2, 2, 1, 1, 2, 2, 3]);
      // x[b, mask.sum(1) − 1]: x[0, 1] and x[1, 2]
      expect(values(5)).toEqual([2.5, 0]);
      // masked_fill(ids < 0, 0.5) into int64 fills int(0.5) = 0; F.pad(value=2.5) pads int(2.5) = 2
      expect(values(6)).toEqual([0, 7, 0, 3, 0, 5, 0, 2, 0, 8]);
      expect(values(7)).toEqual([2, -7, 7, 0, 3, -2, 2, 2, 5, -1, 2, -3, 8, 2]);
      // one_hot(|ids| clamped to [0, 3], 4).sum(1): classes [3 3 0 3 2] and [3 1 2 3 3]
      expect(values(8)).toEqual([1, 0, 1, 3, 0, 1, 1, 3]);
      expect(values(14)).toEqual([1, 1, 1, 1, 1, 1, 1, 0, 1, 1]);
      // T5's buckets, from numpy in float32 (np.log of float32 relative positions / 8, / log(16),
      // · 8, astype(int64)): a key d positions before its query (column 0) ...
      const before = [0, 1, 2, 3, 4, 5, 6, 7, 8, 8, 8, 8, 9, 9, 9, 9, 10, 10, 10, 10, 10, 10, 10, 11, 11, 11, 11, 11, 11, 11, 11, 11, 12, 12, 12, 12, 12, 12, 12, 12];
      const buckets = values(17).slice(0, 1600);
      expect(buckets.filter((_, i) => i % 40 === 0)).toEqual(before);
      // ... and d positions after it (row 0) are the other half, 16 buckets up
      expect(buckets.slice(0, 40)).toEqual(before.map((b, d) => (d === 0 ? 0 : b + 16)));
      // the bitwise ops, as Python's ints (PyTorch's int64): (v & 6) + (v | mask) + (v ^ flipped) + ~v, and
      // (v << |v| % 4) + (v >> 1) + (v << 70), the last 0 (a shift past 64 bits)
      expect(values(18)).toEqual([6, 9, -1, 5, 12, 16, 7, 2, 5, 13]);
      expect(values(19)).toEqual([-60, 59, 0, 25, -9, 12, -3, 9, -26, 12]);
    } finally {
      m.dispose();
    }
  }, 600_000);
});
