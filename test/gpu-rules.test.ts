// Issue 12's GPU bugs, each found by the CPU target's strict shim (runtime/shim/cuda_shim.h refuses
// what CUDA refuses): these run compiled models on the CPU target and assert the behavior a GPU
// would show. (The multi-device launches of fix 1 are covered by test/training.test.ts's
// data-parallel tests, which the strict shim fails without the fix; WMMA alignment (fix 4) by
// test/precision.test.ts.)
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { CompileError } from "../compiler/diagnostics/diagnostic.ts";
import { compile, generate } from "../compiler/pipeline.ts";
import { load, tensor, type Tensor } from "../runtime/index.ts";
import { TEST_TARGET } from "./target-helpers.ts";
import { scratchDir } from "./helpers.ts";

const outDir = (name: string) => join("build", "test-gpu-rules", name) + (TEST_TARGET === "cuda" ? "-cuda" : "");

describe("GEMM tiles and CUDA's grid limits", () => {
  it("a GEMM with more than 65,535 M-tiles (grid.y's limit) runs: M-tiles are on grid.x", async () => {
    const { build } = await compile("test/fixtures/tall-gemm/model.ts", { target: TEST_TARGET, outDir: outDir("tall-gemm") });
    const m = await load(build.outDir, { seed: 3 });
    try {
      const batch = 65_536 * 64 + 5; // 65,537 tiles of 64 rows
      const x = new Float32Array(batch);
      for (let i = 0; i < batch; i++) x[i] = ((i * 7919) % 2001) / 1000 - 1;
      const y = m.forwardSync(tensor(x, [batch, 1])) as Tensor;
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

describe("GEMM column tiles and grid.y", () => {
  // N-tiles are on grid.y (65,535 at most). N is fixed by the model, so a layer past the limit is
  // refused at compile time at its line; before, it compiled and every launch failed on a GPU
  // (and in the strict shim) with cudaErrorInvalidConfiguration.
  it("a layer with more column tiles than grid.y allows is refused with TSDP6005 at its call", () => {
    const file = join(scratchDir("tsdp-grid-"), "wide.ts");
    writeFileSync(
      file,
      `import { nn, type Tensor, type Batch } from "tsdp/dsl";
export class Wide extends nn.Module {
  fc = new nn.Linear(1, 4_200_000);
  forward(x: Tensor<[Batch, 1]>) {
    return this.fc(x);
  }
}
`,
    );
    let error: unknown;
    try {
      generate(file, { target: TEST_TARGET });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CompileError);
    const [d] = (error as CompileError).diagnostics;
    expect(d.code).toBe("TSDP6005");
    expect(d.message).toMatch(/4200000 output columns make \d+ column tiles of \d+, past the 65535 blocks CUDA allows in grid\.y/);
    expect([d.loc?.line, d.loc?.col]).toEqual([5, 12]);
  });
});

describe("32-bit index math: the largest batch per device", () => {
  it("is recorded in the sealed manifest, and a larger per-device chunk is refused with the limit", async () => {
    const { build, generated } = await compile("test/fixtures/wide-sample/model.ts", { target: TEST_TARGET, outDir: outDir("wide-sample") });
    // one sample's largest tensor is the 2^20-element output
    expect(generated.manifest.maxSamplesPerDevice).toBe(Math.floor((2 ** 31 - 1) / 2 ** 20));
    for (const devices of TEST_TARGET === "cpu" ? [1, 2] : [1]) {
      const m = await load(build.outDir, { devices });
      try {
        expect(m.manifest.maxSamplesPerDevice).toBe(2047);
        const batch = 2048 * devices; // ⌈B/N⌉ = 2,048: one past the limit
        const x = tensor(new Float32Array(batch), [batch, 1]);
        expect(() => m.forwardSync(x)).toThrow(RangeError);
        expect(() => m.forwardSync(x)).toThrow(new RegExp(`a batch of ${batch} puts 2048 samples on each of ${devices} device\\(s\\), more than the 2047`));
        // a small batch still runs: the check refused nothing else
        const y = m.forwardSync(tensor(new Float32Array([1, -1]), [2, 1])) as Tensor;
        const w = m.getParameter("fc.weight").data as Float32Array;
        const b = m.getParameter("fc.bias").data as Float32Array;
        const out = y.data as Float32Array;
        for (const j of [0, 12345, 1048575]) {
          expect(out[j]).toBeCloseTo(w[j] + b[j], 5);
          expect(out[1048576 + j]).toBeCloseTo(-w[j] + b[j], 5);
        }
      } finally {
        m.dispose();
      }
    }
  }, 300_000);

  it("a batched matmul's samples are limited by grid.z (65,535): refused past it, run below", async () => {
    const { build, generated } = await compile("test/fixtures/batched-matmul/model.ts", { target: TEST_TARGET, outDir: outDir("batched-matmul") });
    expect(generated.manifest.maxSamplesPerDevice).toBe(Math.floor(65_535 / 8));
    const m = await load(build.outDir);
    try {
      const big = 8192;
      expect(() => m.forwardSync(tensor(new Float32Array(big * 96), [big, 8, 3, 4]))).toThrow(/a batch of 8192 puts 8192 samples on each of 1 device\(s\), more than the 8191/);
      const x = Float32Array.from({ length: 96 }, (_, i) => (i % 7) - 3);
      const y = (m.forwardSync(tensor(x, [1, 8, 3, 4])) as Tensor).data as Float32Array;
      // x·xᵀ of the last GEMM (z = 7), rows 1 and 2
      let want = 0;
      for (let k = 0; k < 4; k++) want += x[84 + 4 + k] * x[84 + 8 + k];
      expect(y[63 + 5]).toBeCloseTo(want, 5);
    } finally {
      m.dispose();
    }
  }, 300_000);

  it("a manifest whose limit is not a positive 32-bit integer is refused as invalid", async () => {
    const { validateManifest } = await import("../runtime/manifest.ts");
    const { build } = await compile("test/fixtures/tall-gemm/model.ts", { target: TEST_TARGET, outDir: outDir("tall-gemm") });
    const manifest = JSON.parse(readFileSync(join(build.outDir, "manifest.json"), "utf8"));
    expect(validateManifest(manifest, "manifest.json").maxSamplesPerDevice).toBe(2 ** 31 - 1);
    for (const bad of [0, -3, 1.5, 2 ** 31, "12"])
      expect(() => validateManifest({ ...manifest, maxSamplesPerDevice: bad }, "manifest.json"), String(bad)).toThrow(/"maxSamplesPerDevice" must be an integer from 1 to 2147483647/);
  }, 300_000);
});
