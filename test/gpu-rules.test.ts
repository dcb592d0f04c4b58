// Issue 12's GPU bugs, each found by the CPU target's strict shim (runtime/shim/cuda_shim.h refuses
// what CUDA refuses): these run compiled models on the CPU target and assert the behavior a GPU
// would show. (The multi-device launches of fix 1 are covered by test/training.test.ts's
// data-parallel tests, which the strict shim fails without the fix; WMMA alignment (fix 4) by
// test/precision.test.ts.)
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../compiler/pipeline.ts";
import { load, tensor, type Tensor } from "../runtime/index.ts";
import { TEST_TARGET } from "./target-helpers.ts";

const outDir = (name: string) => join("build", "test-gpu-rules", name) + (TEST_TARGET === "cuda" ? "-cuda" : "");

describe("GEMM tiles and CUDA's grid limits", () => {
  it("a GEMM with more than 65,535 M-tiles (grid.y's limit) runs: M-tiles are on grid.x", async () => {
    const { build } = await compile("test/fixtures/tall-gemm/model.ts", { target: TEST_TARGET, outDir: outDir("tall-gemm") });
    const m = await load(build.outDir, { seed: 3 });
    try {
      const batch = 65_536 * 64 + 5; // 65,537 tiles of 64 rows
      const x = new Float32Array(batch);
      for (let i = 0; i < batch; i++) x[i] = ((i * 7919) % 2001) / 1000 - 1;
      const y = m.forward(tensor(x, [batch, 1])) as Tensor;
      const w = (m.getParameter("fc.weight").data as Float32Array)[0];
      const b = (m.getParameter("fc.bias").data as Float32Array)[0];
      const data = y.data as Float32Array;
      expect(y.shape).toEqual([batch, 1]);
      // the first, a middle and the last tiles (rows past 65,535·64 are the ones grid.y lost)
      for (const i of [0, 63, 64, 2_000_000, 65_535 * 64 - 1, 65_535 * 64, batch - 1])
        expect(data[i], `row ${i}`).toBeCloseTo(Math.fround(w * x[i]) + b, 5);
    } finally {
      m.dispose();
    }
  }, 300_000);
});
