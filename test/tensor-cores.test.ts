// The tensor-core GEMM (templates/kernels/gemm_tc.cu.hbs: mma.sync fed by a cp.async pipeline) on
// the CPU target, where the shim runs mma.sync lane by lane in the PTX fragment layouts
// (runtime/shim/mma_shim.h): edge tiles (M, N, K not multiples of the tile), a batched matmul, a
// conv with a pooled epilogue, a transposed conv, and both staging paths (16-byte cp.async where 4
// consecutive values are adjacent and aligned, plain loads for gathers, edges and unaligned rows),
// in each precision, against the float64 reference interpreter.
// Tolerance: max-norm error relative to the largest reference value, as test/precision.test.ts:
// tf32 keeps 10 mantissa bits (2⁻¹¹ ≈ 5e-4 per rounding), bf16 7 (2⁻⁸ ≈ 4e-3); errors add up over a
// layer or two. Gradients are checked on a smooth model (tanh, no ReLU or max pool): with kinks, a
// pre-activation that rounding moves across 0, or a pool window whose maximum changes, reroutes the
// gradient — LeNet's conv1 weight gradient is 1.5e-1 off in bf16 by the max norm, the same to three
// digits as with the WMMA kernel this one replaced — which says nothing of the GEMM.
import { describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { compile } from "../compiler/pipeline.ts";
import { contiguousIndex } from "../compiler/5-codegen/kernels/gemm.ts";
import { chooseTensorCoreTile, TC_TILES, tensorCoreSharedBytes } from "../compiler/5-codegen/kernels/gemm-tc-shape.ts";
import { differentiate } from "../compiler/2-autodiff/backward.ts";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { normals } from "../compiler/reference/rng.ts";
import { load, tensor } from "../runtime/index.ts";
import { measureCounters } from "../compiler/counters.ts";
import { makeInputs, referenceState } from "./target-helpers.ts";
import { header, writeFiles, yieldToRunner, scratchDir } from "./helpers.ts";

const TOLERANCE = { tf32: 5e-3, bf16: 3e-2 } as const;

/** max |got − want| / max |want|, and that max |got − want| > 0 (the rounding left a trace). */
function relativeError(got: ArrayLike<number>, want: ArrayLike<number>): { relative: number; error: number } {
  expect(got.length).toBe(want.length);
  let scale = 0, error = 0;
  for (let i = 0; i < want.length; i++) {
    scale = Math.max(scale, Math.abs(want[i]));
    error = Math.max(error, Math.abs(got[i] - want[i]));
  }
  return { relative: error / scale, error };
}

// Linear layers with N = 70 and 33 (not multiples of 64), K = 150 and 70 (70: every other row of the
// weight starts 8 bytes past a 16-byte boundary, so those rows take the plain-load path); a conv
// whose A is an im2col gather (plain loads) with the pool in its epilogue; a transposed conv; a
// batched matmul of 5×7 by 7×5 (M, N, K far below a tile).
const MODEL = `${header}export class TcGemms extends nn.Module {
  conv = new nn.Conv2d(3, 6, 3, { padding: 1 });
  pool = new nn.MaxPool2d(2);
  fc1 = new nn.Linear(150, 70);
  fc2 = new nn.Linear(70, 33);
  up = new nn.ConvTranspose2d(6, 2, 2, { stride: 2 });
  forward(x: Tensor<[Batch, 3, 10, 10]>, s: Tensor<[Batch, 5, 7]>) {
    const c = this.pool(F.relu(this.conv(x))); // [B, 6, 5, 5]
    const y = this.fc2(F.relu(this.fc1(c.flatten(1)))); // [B, 33]
    return [y, s.matmul(s.transpose(1, 2)).flatten(1), this.up(c).flatten(1)];
  }
}
`;

// The gradients' model: a conv (its input and weight gradients are gathers; K = batch·pixels for the
// weight), linear layers (their weight gradients read dyᵀ in place: A contiguous along m, K = batch).
const SMOOTH = `${header}export class TcSmooth extends nn.Module {
  conv = new nn.Conv2d(3, 6, 3, { padding: 1 });
  fc1 = new nn.Linear(600, 70);
  fc2 = new nn.Linear(70, 33);
  forward(x: Tensor<[Batch, 3, 10, 10]>) {
    return this.fc2(this.fc1(this.conv(x).tanh().flatten(1)).tanh());
  }
}
export const training = new Training(TcSmooth, { loss: new nn.CrossEntropyLoss(), optimizer: new optim.SGD({ lr: 0.1 }) });
`;

describe("tensor-core GEMMs on the CPU target equal the reference", () => {
  const dir = writeFiles({ "model.ts": MODEL });
  for (const precision of ["tf32", "bf16"] as const)
    it(`edge tiles, batched matmul, conv + pool, transposed conv in ${precision}: forward at batch 3 and 150`, async () => {
      const { model, build, generated } = await compile(join(dir, "model.ts"), { target: "cpu", precision, outDir: join(dir, precision) });
      const cu = generated.cu;
      // both staging paths are generated: fc1's operands by cp.async, the conv's im2col gather by plain loads
      const kernelText = (name: string) => cu.slice(cu.indexOf(`// ${name}:`), cu.indexOf("\n}\n", cu.indexOf(`${name}_kernel(`)));
      expect(kernelText("fc1_relu")).toContain("tsdp_cp_async16(dst, src, 16);");
      expect(kernelText("fc1_relu")).toMatch(/Staging: A 16-byte cp\.async along k.*; B 16-byte cp\.async along k/);
      expect(kernelText("conv_relu_pool")).toMatch(/Staging: A plain loads/);
      // rows of a linear layer's output are contiguous: its epilogue goes through shared memory; a conv's are not
      expect(kernelText("fc2")).toContain("Epilogue through shared memory");
      expect(kernelText("up")).not.toContain("Epilogue through shared memory");
      const m = await load(build.outDir);
      try {
        m.eval();
        for (const batch of [3, 150]) {
          await yieldToRunner();
          const { tensors, reference } = makeInputs(model.graph, batch, batch);
          const got = m.forwardAllSync(...tensors);
          const want = runReference(model.graph, reference, referenceState(model.graph)).outputs;
          want.forEach((w, i) => {
            const { relative, error } = relativeError(got[i].data as Float32Array, w.data);
            expect(relative, `output ${i}, batch ${batch}`).toBeLessThan(TOLERANCE[precision]);
            expect(error, `output ${i}, batch ${batch}: not exact fp32`).toBeGreaterThan(0);
          });
        }
      } finally {
        m.dispose();
      }
    }, 900_000);

  const smooth = writeFiles({ "model.ts": SMOOTH });
  for (const precision of ["tf32", "bf16"] as const)
    it(`gradients in ${precision}: conv input and weight gradients, transposed operands, K = batch`, async () => {
      const { model, build } = await compile(join(smooth, "model.ts"), { target: "cpu", precision, outDir: join(smooth, precision) });
      const graph = model.graph;
      const m = await load(build.outDir);
      try {
        const { graph: stepGraph, gradients } = differentiate(graph);
        m.train(true);
        for (const batch of [5, 150]) {
          const { tensors, reference } = makeInputs(graph, batch, 11);
          const labels = Int32Array.from(normals(batch, 11, 2), (u) => Math.abs(Math.floor(u * 3)) % 10);
          m.trainStepSync(tensors[0], tensor(labels, [batch]), { lr: 0 });
          await yieldToRunner();
          const want = runReference(stepGraph, { ...reference, target: nd([batch], labels) }, initState(graph, 0), { training: true, seed: 0, step: 0 });
          for (const [name, node] of gradients) {
            const { relative } = relativeError(m.getParameter(`${name}.grad`).data as Float32Array, want.values.get(node)!.data);
            expect(relative, `∂L/∂${name}, batch ${batch}`).toBeLessThan(TOLERANCE[precision]);
          }
        }
      } finally {
        m.dispose();
      }
    }, 900_000);
});

describe("the shim's mma.sync, cp.async and roundings (test/shim/mma.cu)", () => {
  it("match the PTX fragment layouts exactly, round like cvt.rna / cvt.rn, and fault where the GPU does", async () => {
    // the program builds fragments from whole matrices by the ISA's formulas, independently of gemm_tc.cu.hbs
    const exe = join(scratchDir("tsdp-mma-"), "mma");
    const flags = ["-std=c++20", "-O2", "-Wall", "-Wextra", "-Wno-unknown-pragmas", "-pthread", "-I", "runtime/shim", "-I", "runtime/harness"];
    const built = await promisify(execFile)("g++", [...flags, "-x", "c++", "-include", "runtime/shim/cuda_shim.h", "test/shim/mma.cu", "-o", exe]);
    expect(built.stderr).not.toMatch(/mma(_shim)?\.h/); // no warning from the headers
    const { stdout } = await promisify(execFile)(exe, [], { env: { ...process.env, TSDP_SHIM_QUIET: "1" } });
    expect(stdout.trim().split("\n").at(-1)).toBe("OK");
  }, 120_000);
});

describe("the tensor-core GEMMs' counters (tsdp counters --precision, the CPU target's counter build)", () => {
  it("no shared-memory bank conflict, staging and fragment loads alike; operands loaded 16 bytes a lane at the fewest sectors", async () => {
    // the width-256 MLP's training step at batch 64: forward GEMMs (A and B contiguous along k), weight
    // gradients (both operands contiguous along their rows: the row-major tiles), input gradients
    const dir = scratchDir("tsdp-tc-counters-");
    for (const precision of ["tf32", "bf16"] as const) {
      const { file } = await measureCounters("bench/models/gemm-mlp-small.ts", { batch: 64, precision, buildDir: join(dir, precision) });
      const gemms = file.launches.filter((l) => /^net_fc\d/.test(l.kernel) && !l.kernel.endsWith("_sum_kernel"));
      expect(gemms.map((l) => l.kernel)).toHaveLength(11);
      for (const l of gemms) {
        const what = `${precision} ${l.kernel}`;
        expect(l.shared.requests, what).toBeGreaterThan(0);
        expect(l.shared.wavefronts, `${what}: bank conflicts`).toBe(l.shared.idealWavefronts);
      }
      // forward and weight-gradient GEMMs read only their operands (and a bias): every sector is needed
      for (const l of gemms.filter((l) => !l.kernel.endsWith("_relu_grad_kernel"))) expect(l.global.loadSectors, `${precision} ${l.kernel}: sectors`).toBe(l.global.loadIdealSectors);
      // the epilogue writes whole rows (staged through shared memory): every store sector is needed
      for (const l of gemms) expect(l.global.storeSectors, `${precision} ${l.kernel}: store sectors`).toBe(l.global.storeIdealSectors);
      // the weight gradient reads nothing but its operands: 16-byte loads, 512 bytes a warp request
      const dW = gemms.find((l) => l.kernel === "net_fc1_matmul_kernel")!;
      expect((dW.global.loadIdealSectors * 32) / dW.global.loadRequests).toBe(512);
    }
  }, 600_000);
});

describe("tensor-core staging and tiles", () => {
  it("stages by 16-byte copies only what is 4 consecutive values in memory", () => {
    expect(contiguousIndex("return a[(size_t)m * 150 + k];", "a", "k")).toBe("(size_t)m * 150 + k");
    expect(contiguousIndex("return b[(size_t)k * 70 + n];", "b", "n")).toBe("(size_t)k * 70 + n");
    expect(contiguousIndex("return b[(size_t)k * 70 + n];", "b", "k")).toBeUndefined();
    // divided or wrapped indices, conditions, and k appearing elsewhere in the index are gathers
    expect(contiguousIndex("return a[(size_t)m * 64 + k % 64];", "a", "k")).toBeUndefined();
    expect(contiguousIndex("return a[(size_t)(k / 9) * 64 + k];", "a", "k")).toBeUndefined();
    expect(contiguousIndex("const int ih = m / 4; return ih < 3 ? a[ih + k] : 0.0f;", "a", "k")).toBeUndefined();
    expect(contiguousIndex("return a[(size_t)m << 2 + k];", "a", "k")).toBeUndefined();
  });

  it("uses 128×128 where the GEMM fills the GPU at the batches it is sized for, smaller tiles where it does not; all fit 48 KiB", () => {
    // the 4096-wide MLP: M = batch
    expect(chooseTensorCoreTile((b) => b, 4096, 1)).toMatchObject({ BM: 128, BN: 128, WM: 64, WN: 32, MI: 4, NI: 4 });
    // a layer of 70 outputs: a 128-wide n tile would be nearly half padding
    expect(chooseTensorCoreTile((b) => b, 70, 1).BN).toBe(64);
    for (const t of TC_TILES) {
      expect(t.WARPS_M * t.WARPS_N * 32).toBe(t.THREADS);
      expect(tensorCoreSharedBytes(t)).toBeLessThanOrEqual(48 * 1024);
    }
  });
});
