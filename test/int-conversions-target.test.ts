// test/fixtures/int-conversions on the CPU target against the float64 reference, exactly: Python's
// floor division of floats (c10's, not floor(a / b)), float → int32 conversions defined where a C
// cast is not (NaN → 0, out of range → the nearest end, as the GPU's cvt.rzi does), integers
// divided by zero (no error in a kernel: the same defined conversion), and int32 outputs stored
// from float arithmetic. Each value is the reference's bit for bit: these are integers and
// roundings, where a tolerance would hide the off-by-one this file is about.
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
