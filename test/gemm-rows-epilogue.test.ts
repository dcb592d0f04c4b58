// The rows epilogue (issue 13, finding 4; compiler/5-codegen/kernels/gemm-rows-epilogue.ts): a
// GEMM whose output rows are N floats, N not a multiple of 4 and the rows whole in the tile, stores
// its tile through shared memory as one span. Here: the write order's conflict replay, where the
// epilogue is chosen, the fixture's values against the float64 reference on the GPU's shapes, and
// the counters of its step (no bank conflicts, whole-sector stores).
// Tolerances: forward rtol 1e-4, atol 1e-5 (expectEvalForwardClose); gradients rtol 1e-3, atol
// 1e-4·max|g| (fp32 sums in another order than float64's, as test/gemm-shapes.test.ts).
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { compile, generate } from "../compiler/pipeline.ts";
import { rowsLayout, rowsWriteConflicts } from "../compiler/5-codegen/kernels/gemm-rows-epilogue.ts";
import { differentiate } from "../compiler/2-autodiff/backward.ts";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { normals } from "../compiler/reference/rng.ts";
import { load, tensor } from "../runtime/index.ts";
import { storeSectorsPer128B, validateCountersFile } from "../runtime/counters.ts";
import { expectEvalForwardClose, makeInputs } from "./target-helpers.ts";
import { scratchDir, yieldToRunner } from "./helpers.ts";

const root = join(import.meta.dirname, "..");
const FIXTURE = join(root, "test", "fixtures", "rows-epilogue", "model.ts");
const LENET = join(root, "examples", "lenet", "model.ts");
const tile = (BM: number, BN: number, TM = 4, TN = 4) => ({ BM, BN, BK: 32, TM, TN, THREADS: (BM / TM) * (BN / TN), A_LOADS: 0, B_LOADS: 0 });

/** Each kernel with a rows epilogue, by name, with its row length and its write order's note. */
function rowsKernels(cu: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of cu.matchAll(/__global__ void[^\n]*? (\w+)_kernel\(/g)) {
    const body = cu.slice(m.index, cu.indexOf("\n}\n", m.index));
    const rows = /rows of (\d+) floats, not runs[\s\S]*?every 4th float of a row\)\.\n\s*\/\/ ([^\n]*)/.exec(body);
    if (rows) out.set(m[1], `${rows[1]}: ${rows[2]}`);
  }
  return out;
}

describe("the rows epilogue's write order", () => {
  it("finds the conflicts of the plain order, and a turned order without them, for a 10-class head on a 32×64 tile", () => {
    // lanes tx = 2 of ty and tx = 0 of ty + 1 write words 8 and 40 (4·N = 40 ≡ 8 mod 32)
    expect(rowsWriteConflicts(10, tile(32, 64), { rowTurns: [0, 0], sigma: 0 })).toBeGreaterThan(0);
    expect(rowsLayout(10, tile(32, 64))).toEqual({ rowTurns: [0, 1], sigma: 0 });
    expect(rowsWriteConflicts(10, tile(32, 64), { rowTurns: [0, 1], sigma: 0 })).toBe(0);
    // N > 32 on 16 threads a row: tx and tx + 8 are 32 words apart; the column turn separates them
    expect(rowsWriteConflicts(50, tile(64, 128, 8, 8), { rowTurns: [0, 1], sigma: 0 })).toBeGreaterThan(0);
    expect(rowsLayout(50, tile(64, 128, 8, 8))?.sigma).toBeGreaterThan(0);
  });

  it("has a conflict-free order for every row length on the 64-wide and wider tiles, and says where none exists", () => {
    for (const t of [tile(32, 64), tile(64, 64), tile(16, 128), tile(16, 256), tile(64, 128, 8, 8), tile(128, 128, 8, 8), tile(128, 128, 4, 8)])
      for (let N = 1; N <= t.BN; N++) {
        if (N % 4 === 0) continue;
        const layout = rowsLayout(N, t);
        expect(layout, `N ${N}, ${t.BM}×${t.BN} ${t.TM}×${t.TN}`).toBeDefined();
        expect(rowsWriteConflicts(N, t, layout!)).toBe(0);
      }
    // rows ≡ 2 (mod 4) on a 32-wide tile: its 4 rows of threads fall in 2 bank classes (mod 4) by the
    // row's parity, each holding at most one row's run of ≥ 5 columns in its 8 banks: no order exists
    for (const N of [18, 22, 26, 30]) expect(rowsLayout(N, tile(64, 32)), `N ${N}`).toBeUndefined();
    expect(rowsLayout(10, tile(128, 16))).toBeUndefined();
  });

  it("is chosen for LeNet's fc2 and conv1's weight gradient on the GPU's shapes, for each of the fixture's layers, and not where rows are runs of 4", () => {
    const lenet = rowsKernels(generate(LENET, { target: "cuda", tune: false }).generated.cu);
    expect([...lenet.keys()].sort()).toEqual(["conv1_conv2d_grad_weight_sum", "fc2"]);
    const fixture = rowsKernels(generate(FIXTURE, { target: "cpu", shapeFor: "gpu" }).generated.cu);
    expect(Object.fromEntries(fixture)).toMatchObject({
      fc1_relu: expect.stringMatching(/^50: .*rows by r\[ty mod 2\].*columns by 1·⌊tx \/ 8⌋/),
      fc2_relu: expect.stringMatching(/^6: .*rows by r\[ty mod 8\] = \{0, 0, 0, 0, 1, 1, 1, 1\}/),
      fc3_relu: expect.stringMatching(/^13: .*rows by r\[ty mod 4\]/),
      fc4: expect.stringMatching(/^10: .*rows by r\[ty mod 2\] = \{0, 1\}/),
      fc4_matmul_relu_grad: expect.stringMatching(/^13: /),
      fc3_matmul_relu_grad: expect.stringMatching(/^6: A warp's lanes write different banks as they are/),
      fc2_matmul_relu_grad: expect.stringMatching(/^50: /),
      // weight gradients with the bias's column of ones: 13 + 1 and 6 + 1 columns
      fc4_matmul_sum: expect.stringMatching(/^14: /),
      fc3_matmul_sum: expect.stringMatching(/^7: /),
      // 50 + 1 columns on a 32-row tile: 1,632 floats, more than As holds (1,024), staged over Bs
      fc2_matmul_sum: expect.stringMatching(/^51: /),
    });
    // fc1's weight gradient: 20 + 1 columns, the ones column after whole runs of 4 (the float4 epilogue)
    expect(fixture.has("fc1_matmul_sum")).toBe(false);
  });
});

describe("the rows epilogue on the CPU target with the GPU's shapes", () => {
  it("computes the fixture's forward at batch 1, 7, 70 and 200 and its gradients at batch 6 and 70 as the reference", async () => {
    const dir = scratchDir("rows-epilogue");
    const { model, build } = await compile(FIXTURE, { target: "cpu", shapeFor: "gpu", outDir: join(dir, "gpu") });
    const m = await load(build.outDir);
    try {
      await expectEvalForwardClose(m, model.graph, [1, 7, 70, 200]);
      m.train(true);
      const { graph: stepGraph, gradients } = differentiate(model.graph);
      for (const batch of [6, 70]) {
        const { tensors, reference } = makeInputs(model.graph, batch, 23);
        const labels = Int32Array.from(normals(batch, 23, 2), (u) => Math.abs(Math.floor(u * 5)) % 10);
        m.trainStepSync(tensors[0], tensor(labels, [batch]), { lr: 0 });
        await yieldToRunner();
        const want = runReference(stepGraph, { ...reference, target: nd([batch], labels) }, initState(model.graph, 0), { training: true, seed: 0, step: 0 });
        for (const [name, node] of gradients) {
          const got = m.getParameter(`${name}.grad`).data as Float32Array, w = want.values.get(node)!.data;
          const scale = Math.max(...Array.from(w, Math.abs), 1e-30);
          for (let i = 0; i < w.length; i++)
            if (!(Math.abs(got[i] - w[i]) <= 1e-4 * scale + 1e-3 * Math.abs(w[i]))) expect.fail(`∂L/∂${name}[${i}] at batch ${batch}: ${got[i]}, expected ${w[i]}`);
        }
      }
    } finally {
      m.dispose();
    }
  }, 600_000);

  it("counts no bank conflicts and whole-sector stores in each rows epilogue of the fixture's step", async () => {
    const dir = scratchDir("rows-epilogue-counters");
    const out = join(dir, "step.json");
    const r = await promisify(execFile)(process.execPath, [join(root, "bin", "tsdp.js"), "counters", FIXTURE, "--batch", "70", "--build", join(dir, "build"), "--out", out], { maxBuffer: 16 << 20 });
    expect(r.stdout).toMatch(/13 launches/);
    const file = validateCountersFile(JSON.parse(readFileSync(out, "utf8")), out);
    const rows = rowsKernels(readFileSync(join(dir, "build", "model.cu"), "utf8"));
    expect(rows.size).toBe(10);
    for (const name of rows.keys()) {
      const l = file.launches.find((x) => x.kernel === `${name}_kernel`)!;
      expect(l.shared.wavefronts, `${name}: shared wavefronts`).toBe(l.shared.idealWavefronts);
      // the outputs without a column of ones are the span itself: every store request whole sectors
      if (!name.includes("_sum")) expect(storeSectorsPer128B(l), name).toBe(4);
    }
  }, 600_000);
});
