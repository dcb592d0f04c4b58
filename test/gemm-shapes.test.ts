// GEMM kernels shaped for the GPU (issue 13, findings 1–4) and executed on the CPU target: a CPU
// build with `shapeFor: "gpu"` runs the very tiles, staging and split-K passes that ship to the GPU,
// so their values are checked here against the float64 reference interpreter.
// Tolerances: forward outputs rtol 1e-4, atol 1e-5 (as test/cpu-target.suite.ts); gradients rtol
// 1e-3, atol 1e-4·max|g| (as test/training.test.ts): fp32 sums in another order than float64's.
import { describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { compile, generate, trainingPrograms } from "../compiler/pipeline.ts";
import { lowerModel } from "../compiler/1-frontend/lower.ts";
import { differentiate } from "../compiler/2-autodiff/backward.ts";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { normals } from "../compiler/reference/rng.ts";
import { GPU_SMS, kernelGemmMaps, kernelGemmShape, splitsAt, wideAllowed } from "../compiler/5-codegen/kernels/gemm-shape.ts";
import { opDef } from "../compiler/ops/index.ts";
import type { Graph } from "../compiler/ir/node.ts";
import { evaluateInteger } from "../compiler/launch-shape.ts";
import { load, tensor, type CompiledModel } from "../runtime/index.ts";
import { expectClose, expectEvalForwardClose, makeInputs, referenceState } from "./target-helpers.ts";
import { cachedReference } from "./reference-cache.ts";
import { header, programSource, writeFiles, yieldToRunner, scratchDir } from "./helpers.ts";

/** |got − want| ≤ rtol·|want| + atolScale·max|want|, element by element. */
function expectNear(got: ArrayLike<number>, want: ArrayLike<number>, what: string, rtol = 1e-3, atolScale = 1e-4) {
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  const atol = atolScale * Math.max(scale, 1e-30);
  expect(got.length, `${what}: length`).toBe(want.length);
  for (let i = 0; i < want.length; i++)
    if (!(Math.abs(got[i] - want[i]) <= atol + rtol * Math.abs(want[i]))) expect.fail(`${what}[${i}]: ${got[i]}, expected ${want[i]} (rtol ${rtol}, atol ${atol.toExponential(2)})`);
}

/** One training step (lr 0) at each batch, inputs and labels from `seed`: every gradient against the reference's. */
async function expectStepGradients(m: CompiledModel, graph: Graph, batches: readonly number[], seed: number, what: string) {
  const { graph: stepGraph, gradients } = differentiate(graph);
  for (const batch of batches) {
    const { tensors, reference } = makeInputs(graph, batch, seed);
    const labels = Int32Array.from(normals(batch, seed, 2), (u) => Math.abs(Math.floor(u * 3)) % 10);
    m.trainStepSync(tensors[0], tensor(labels, [batch]), { lr: 0 });
    await yieldToRunner();
    const want = runReference(stepGraph, { ...reference, target: nd([batch], labels) }, initState(graph, 0), { training: true, seed: 0, step: 0 });
    for (const [name, node] of gradients) expectNear(m.getParameter(`${name}.grad`).data as Float32Array, want.values.get(node)!.data, `${what} ∂L/∂${name}, batch ${batch}`);
  }
}

/**
 * Loads the build in `dir` and checks it against the reference: the eval-mode forward at each of
 * `forward`'s batches, then a training step's gradients at each of `step`'s (expectStepGradients).
 */
async function expectBuildMatches(dir: string, graph: Graph, o: { forward?: readonly number[]; step: readonly number[]; seed: number; what: string }) {
  const m = await load(dir);
  try {
    if (o.forward) await expectEvalForwardClose(m, graph, o.forward);
    m.train(true);
    await expectStepGradients(m, graph, o.step, o.seed, o.what);
  } finally {
    m.dispose();
  }
}

/** Blocks of a plan's GEMM kernel at a batch, split-K included (the launch's own arithmetic). */
function blocksAt(k: Parameters<typeof kernelGemmShape>[0], shapeFor: "cpu" | "gpu", batch: number) {
  const shape = kernelGemmShape(k, shapeFor, "fp32")!;
  const { parts } = kernelGemmMaps(k, undefined, shapeFor);
  const K = typeof parts.K === "number" ? parts.K : Number(Function("batch", `return ${parts.K}`)(batch));
  const blocks = Math.ceil(parts.mAt(batch) / shape.tile.BM) * Math.ceil(parts.N / shape.tile.BN) * Number(parts.Z);
  const splits = shape.splitK ? splitsAt(shape.splitK, blocks, K) : 1;
  return { blocks: blocks * splits, splits, shape };
}

describe("GEMM shapes per machine (LeNet's training step)", () => {
  const step = trainingPrograms(lowerModel("examples/lenet/model.ts").graph)!.step.plan;
  const gemms = step.kernels.filter((k) => kernelGemmShape(k, "gpu", "fp32"));
  const named = (name: string) => gemms.find((k) => k.name === name)!;

  it("splits the weight gradients' long K: conv1's fills a wave of 132 SMs on the GPU; the CPU target does not split", () => {
    // conv1's weight gradient: 20×25 outputs, K = 576·batch; it was one block at every batch
    const conv1 = named("conv1_conv2d_grad_weight_sum");
    for (const batch of [64, 256]) expect(blocksAt(conv1, "gpu", batch).blocks).toBeGreaterThanOrEqual(GPU_SMS);
    for (const k of gemms) expect(kernelGemmShape(k, "cpu", "fp32")!.splitK, k.name).toBeUndefined();
    // conv2's: as many splits of its 4 tiles (64×128, 8×4 per thread) as fit one wave (33: 132 blocks)
    const conv2 = blocksAt(named("conv2_conv2d_grad_weight_sum"), "gpu", 256);
    expect([conv2.blocks, conv2.splits]).toEqual([132, 33]);
    // a forward GEMM too: fc1 at batch 256 is 32 tiles, split in 4 (its workspace grows with the batch)
    expect(blocksAt(named("fc1_relu"), "gpu", 256)).toMatchObject({ blocks: 128, splits: 4, shape: { splitK: { perSample: true } } });
    // K grows with the batch; the split count too, until the planned maximum
    expect(blocksAt(conv1, "gpu", 1).splits).toBe(Math.ceil(576 / blocksAt(conv1, "gpu", 1).shape.splitK!.minChunk));
  });

  it("sizes a split-K workspace whose M grows with the batch for every batch: fixed bytes, not maxSplits rows per sample", () => {
    // the 4096-wide MLP: its forward GEMMs split K at batch 64 (8×8 tiles, 32 blocks) and not at 4096
    const mlp = trainingPrograms(lowerModel("bench/models/gemm-mlp.ts").graph, undefined, "gpu")!.step;
    const grown = mlp.plan.kernels.filter((k) => kernelGemmShape(k, "gpu", "fp32")?.splitK?.perSample);
    expect(grown.length).toBeGreaterThanOrEqual(4);
    for (const k of grown) {
      const planned = mlp.memory.workspaces.get(k.anchor)!;
      expect(planned.arena, k.name).toBe("fixed");
      for (const batch of [1, 3, 64, 100, 256, 1000, 4096]) {
        const { splits, shape } = blocksAt(k, "gpu", batch);
        const op = opDef(k.anchor.op);
        if (op.codegen?.kind !== "gemm") throw new Error("not a GEMM");
        const parts = op.codegen.maps(k.anchor, op.attrsOf(k.anchor), { pooled: false, label: () => "" });
        // what the launch writes when it splits: [Z, splits, M, N rounded up to 8] floats
        const used = splits > 1 ? splits * Number(parts.Z) * parts.mAt(batch) * Math.ceil(parts.N / 4) * 4 * 4 : 0;
        expect(used, `${k.name} at batch ${batch} (${shape.tile.BM}×${shape.tile.BN}, ${splits} splits)`).toBeLessThanOrEqual(planned.bytes);
      }
      // 8×8 tiles of 64 rows, 32 column tiles: 132·64/32 rows of 4096 floats (4.3 MB, where 4 splits per sample took 256 MB at batch 4096)
      expect(planned.bytes, k.name).toBeLessThanOrEqual(132 * 64 * 4096 * 4);
    }
  });

  it("keeps the CPU target's tiles and gives the GPU tiles with more blocks where the CPU's leave SMs idle", () => {
    // the CPU's choice (padding at batch 64) is what it was before shapes per machine
    expect(gemms.map((k) => `${k.name} ${kernelGemmShape(k, "cpu", "fp32")!.tile.BM}x${kernelGemmShape(k, "cpu", "fp32")!.tile.BN}`)).toEqual([
      "conv1_relu_pool 128x32", "conv2_relu_pool 64x64", "fc1_relu 64x64", "fc2 64x16", "fc2_matmul_sum 32x64", "fc2_matmul_relu_grad 64x64",
      "fc1_matmul 64x64", "fc1_matmul_sum 64x64", "conv2_conv2d_grad_input 128x32", "conv2_conv2d_grad_weight_sum 64x64", "conv1_conv2d_grad_weight_sum 32x32",
    ]);
    expect(blocksAt(named("fc1_relu"), "gpu", 64).blocks).toBeGreaterThan(blocksAt(named("fc1_relu"), "cpu", 64).blocks);
    // the convolutions' GPU tiles (8×8 per thread, cheapest operand reads) still keep ≥ 96 % of the
    // SMs busy at batch 256 (the model's SM use: blocks over whole waves of 132)
    for (const name of ["conv2_relu_pool", "conv2_conv2d_grad_input"]) {
      const { blocks } = blocksAt(named(name), "gpu", 256);
      expect(blocks / (Math.ceil(blocks / GPU_SMS) * GPU_SMS), name).toBeGreaterThanOrEqual(0.96);
    }
    // conflict-free staging needs ≥ 4 rows per warp pass: GPU tiles have ≥ 128 threads
    for (const k of gemms) expect(kernelGemmShape(k, "gpu", "fp32")!.tile.THREADS).toBeGreaterThanOrEqual(128);
  });

  it("gives the convolutions' GEMMs 8×8, 4×8 or 8×4 thread tiles, within a gather's register budget", () => {
    // 32 FFMAs per 3 LDS.128 instead of 16 per 2 (perf-model.ts gemmLoop): operand reads 1.5× the FMA
    // time, not 2×; 8×8, 64 per 4: 1×. conv2's forward stages x along m (one row's gather state per
    // thread: 8×8 fits), and each of a thread's two runs of 4 rows is a pooling window
    const tile = (name: string) => kernelGemmShape(named(name), "gpu", "fp32")!.tile;
    expect(tile("conv2_relu_pool")).toMatchObject({ TM: 8, TN: 8 });
    // the input gradient tap by tap (ops/conv-col2im.ts) reads both operands without a gather: 8×8,
    // and its tile holds whole images (64 rows: 8×8 dy pixels) and channels (32 columns: 25 taps)
    expect(tile("conv2_conv2d_grad_input")).toMatchObject({ TM: 8, TN: 8 });
    expect(tile("conv2_conv2d_grad_input").BM % 64).toBe(0);
    expect(tile("conv2_conv2d_grad_input").BN % 32).toBe(0);
    // the unpadded convolutions' weight gradients gather one offset per row (dy's channel, x's tap):
    // 32 staged rows a thread fit, so conv2's takes 8×8 (64×128: 128 threads stage B's 128 rows);
    // a conv's im2col state staged along k (the CPU shape's forward) rules 8×8 out
    expect(tile("conv2_conv2d_grad_weight_sum")).toMatchObject({ TM: 8, TN: 8 });
    const mapsOf = (name: string) => {
      const k = named(name);
      const op = opDef(k.anchor.op);
      if (op.codegen?.kind !== "gemm") throw new Error(`${name} is no GEMM`);
      return op.codegen.maps(k.anchor, op.attrsOf(k.anchor), { pooled: k.pool !== undefined, label: () => "" });
    };
    expect(wideAllowed(mapsOf("conv2_conv2d_grad_weight_sum"), "gpu")).toBe(true);
    expect(wideAllowed(mapsOf("conv2_relu_pool"), "cpu")).toBe(false);
    expect(wideAllowed(mapsOf("conv2_relu_pool"), "gpu")).toBe(true);
    for (const k of gemms) {
      const shape = kernelGemmShape(k, "gpu", "fp32")!;
      // a gather staged along k keeps each staged row's state in registers: at most 16 rows of a
      // conv's im2col state (4–5 registers), as the 4×4 tiles; 32 of one register
      const op = opDef(k.anchor.op);
      if (op.codegen?.kind !== "gemm") continue;
      const parts = op.codegen.maps(k.anchor, op.attrsOf(k.anchor), { pooled: k.pool !== undefined, label: () => "" });
      const most = (g: { rowRegisters?: number }) => ((g.rowRegisters ?? 5) <= 2 ? 32 : 16);
      if (parts.gatherA && !shape.rowMajorA) expect(shape.tile.A_LOADS, `${k.name} A rows`).toBeLessThanOrEqual(most(parts.gatherA));
      if (parts.gatherB && !shape.rowMajorB) expect(shape.tile.B_LOADS, `${k.name} B rows`).toBeLessThanOrEqual(most(parts.gatherB));
    }
  });

  it("stages an operand along the index it is contiguous in, on the GPU only", () => {
    // the linear layers' input and weight gradients read b[k·N + n]; conv2's input gradient reads dy
    // along m, and the stride-1 convolutions read x along m (adjacent output pixels, adjacent inputs)
    for (const name of ["fc1_matmul", "fc1_matmul_sum", "fc2_matmul_sum"]) expect(kernelGemmShape(named(name), "gpu", "fp32")!.rowMajorB, name).toBe(true);
    for (const name of ["conv2_conv2d_grad_input", "conv1_relu_pool", "conv2_relu_pool"]) expect(kernelGemmShape(named(name), "gpu", "fp32")!.rowMajorA, name).toBe(true);
    // a convolution's weight gradient reads x through its taps: along k
    expect(kernelGemmShape(named("conv2_conv2d_grad_weight_sum"), "gpu", "fp32")!.rowMajorB).toBe(false);
    for (const k of gemms) {
      const cpu = kernelGemmShape(k, "cpu", "fp32")!;
      expect(cpu.rowMajorA || cpu.rowMajorB, k.name).toBe(false);
    }
  });
});

describe("the generated split-K and staging code", () => {
  const cu = generate("examples/lenet/model.ts", { target: "cpu", shapeFor: "gpu" }).generated.cu;
  const kernel = (name: string) => {
    const at = cu.indexOf(`${name}(`, cu.indexOf(`// ${name.replace(/_kernel$/, "")}:`));
    return cu.slice(at, cu.indexOf("\n}\n", at));
  };

  it("writes partial sums to a workspace, and the tile's last block sums them in split order: one launch, no float atomics", () => {
    // 26 columns (conv1.weight's 25 and the bias gradient's column of row sums, gemm-row-sums) in
    // workspace rows of 32 (a multiple of 8: rows on sectors): a thread's 4 partial columns are one float4
    const partial = kernel("conv1_conv2d_grad_weight_sum_kernel");
    expect(partial).toContain("*reinterpret_cast<float4*>(&ws[((size_t)blockIdx.z * M + m) * 32 + n]) = make_float4(acc[i][4 * s], acc[i][4 * s + 1], acc[i][4 * s + 2], acc[i][4 * s + 3]);");
    // the ticket: published partials (fence) before it is drawn, reset by the block that drew the last one
    const ticket = partial.indexOf("lastOfTile = atomicAdd(&tickets[tileId], 1u) == (unsigned)splits - 1;");
    expect(ticket).toBeGreaterThan(partial.indexOf("__threadfence();"));
    expect(partial).toContain("if (lastOfTile) atomicExch(&tickets[tileId], 0u);");
    // the sum runs over the splits in order 0, 1, …, whichever block arrived last, then the one epilogue stores
    const sum = partial.slice(ticket);
    expect(sum).toMatch(/for \(int p = 0; p < splits; \+\+p\) \{\n\s+const float4 v = __ldcg\(reinterpret_cast<const float4\*>\(&ws\[\(\(size_t\)\(z \* splits \+ p\) \* M \+ m\) \* 32 \+ n\]\)\);/);
    expect(sum).toContain("if (n < 25) out[((size_t)(z * 20 + m)) * 25 + n] = v; else rowsum[z * 20 + m] = v;");
    // the only atomics are on the tickets (unsigned; the loss's blocks draw one too), none on the values
    expect(new Set([...cu.matchAll(/atomic\w+\(([^,]+),/g)].map((m) => m[1]))).toEqual(new Set(["&tickets[tileId]", "&tickets[0]"]));
    expect(cu).not.toContain("split_sum");
    const stepProgram = programSource(cu, "step");
    expect(stepProgram).toMatch(/TSDP_LAUNCH\(tsdp_kernels::conv1_conv2d_grad_weight_sum_kernel, dim3\([^;]*, 1 \* splits\)/);
    expect(stepProgram).toContain("(unsigned*)(r->fixed_arena + k_tile_tickets_offset)");
    // the tickets sit past every program's activations, and the harness zeroes exactly them
    const offset = Number(/constexpr size_t k_tile_tickets_offset = (\d+);/.exec(cu)?.[1]);
    const fixed = Number(/\.fixed_bytes = (\d+),/.exec(cu)?.[1]);
    const zeroed = Number(/\.zeroed_bytes = (\d+),/.exec(cu)?.[1]);
    expect(zeroed).toBeGreaterThan(0);
    expect(offset + zeroed).toBe(fixed);
  });

  it("gives B a column of ones where the GEMM computes its A operand's row sums (gemm-row-sums), before the gather that would overrun", () => {
    const at = cu.indexOf("conv1_conv2d_grad_weight_sum_b_row conv1_conv2d_grad_weight_sum_b_row_of(");
    const rowOf = cu.slice(at, cu.indexOf("\n}\n", at));
    expect(rowOf).toContain("r.ok = n < 26;");
    expect(rowOf).toContain("r.ones = n == 25;");
    const gather = cu.slice(cu.indexOf("float conv1_conv2d_grad_weight_sum_gather_b("));
    // (conv1 has no padding: its im2col element is x[pixel's base + tap's offset])
    expect(gather.slice(0, gather.indexOf("\n}\n"))).toMatch(/if \(r\.ones\) return 1\.0f;\n\s+return b\[c\.base \+ r\.tap\];/);
    // the GPU shape gathers conv1's x from its staged patch (with its columns grouped), where the
    // column of ones is a mask too: 1 where k is a pixel, whatever the patch holds
    const patch = cu.slice(cu.indexOf("float conv1_conv2d_grad_weight_sum_gather_b_patch("));
    expect(patch.slice(0, patch.indexOf("\n}\n"))).toContain("return __int_as_float((__float_as_int(v) & -(int)inside) | (0x3f800000 & -(int)((n == 25) & c.ok)));");
  });

  it("stages every GEMM without shared-memory bank conflicts, stores and float4 reads alike (32 banks of 4 bytes)", () => {
    // The staging index math is read back from each generated kernel and run for every warp: a warp's
    // store instruction is conflict-free when its 32 lanes hit 32 different banks (word mod 32); the
    // other stores of a thread (i > 0) shift every lane's address by the same amount. A float4 read
    // (LDS.128) is served 8 lanes at a time: distinct addresses in a phase must not share a bank.
    const kernels = [...cu.matchAll(/__launch_bounds__\((\d+), 1\) (\w+)_kernel\(/g)].map((m) => ({ threads: Number(m[1]), name: m[2], body: kernel(`${m[2]}_kernel`) }));
    expect(kernels.length).toBeGreaterThanOrEqual(11);
    const int = (v: string | undefined, what: string) => {
      if (v === undefined) throw new Error(`no ${what}`);
      return Number(v);
    };
    const floor = Math.floor;
    const flatKernels: string[] = [];
    for (const { threads, name, body } of kernels) {
      for (const [tile, c, r] of [["As", "a", "m"], ["Bs", "b", "n"]] as const) {
        // a shared array As[32][LD] (with patch staging As[32 + 1][LD]: a spare row the gather's other
        // steps store to, row by row as the others), or a view (*As)[LD] of a buffer that C's tile
        // takes after the k loop (col2im)
        const ld = int(new RegExp(`float (?:${tile}\\[(?:32|64)(?: \\+ 1)?\\]|\\(\\*${tile}\\))\\[(\\d+)\\]`).exec(body)?.[1], `${name} ${tile}`);
        // ring staging (rows contiguous along k, read from their sector boundary): row r's lanes store
        // k − sh(r), sh(r) in 0–7 its offset in a sector, different per row; every combination of a
        // warp's four rows' offsets is tried
        // (a flat operand is transposed from its span instead: checked below)
        if (body.includes(`${name}_stage_${c}_flat(`)) continue;
        const ring = body.includes(`${name}_stage_${c}_ring(`);
        const kMajor = new RegExp(`const int ${c}c = tid % 8 \\+ 8 \\* \\(tid / \\(8 \\* (\\d+)\\)\\), ${c}r0 = \\(tid / 8\\) % (\\d+);`).exec(body);
        const rowMajor = new RegExp(`const int ${c}r = tid % (\\d+), ${c}c0 = tid / (\\d+);`).exec(body);
        // (k, row) that lane `tid` stores first
        const at = kMajor
          ? (tid: number) => [tid % 8 + 8 * floor(tid / (8 * int(kMajor[1], "rows"))), floor(tid / 8) % int(kMajor[2], "rows")]
          : rowMajor
            ? (tid: number) => [floor(tid / int(rowMajor[2], "width")), tid % int(rowMajor[1], "width")]
            : undefined;
        if (!at) throw new Error(`${name}: no staging of ${tile} along k or ${r}`);
        // window staging (runs along the row contiguous, read from their sector boundary): k's lanes
        // store row − sh(k), those below sh(k) the run's last rows, width + row − sh(k); a warp holds
        // one or two k (16-row tiles), and every pair of their offsets is tried
        const window = body.includes(`${name}_stage_${c}_window(`);
        const shifts = ring || window ? Array.from({ length: 8 ** 4 }, (_, s) => [0, 1, 2, 3].map((j) => floor(s / 8 ** j) % 8)) : [[0, 0, 0, 0]];
        if (ring) expect(kMajor, `${name}: ${tile}'s ring is staged along k`).toBeTruthy();
        if (window) expect(rowMajor, `${name}: ${tile}'s window is staged along ${r}`).toBeTruthy();
        const width = rowMajor ? int(rowMajor[1], "width") : 0;
        const word = (k: number, row: number, sh: number[]) =>
          ring ? ((((k - sh[row % 4]) % 64) + 64) % 64) * ld + row : window ? k * ld + (row >= sh[k % 4] ? row - sh[k % 4] : width + row - sh[k % 4]) : k * ld + row;
        for (let w = 0; w < threads / 32; w++) {
          for (const sh of shifts) {
            const banks = new Set(Array.from({ length: 32 }, (_, lane) => at(32 * w + lane)).map(([k, row]) => word(k, row, sh) % 32));
            expect(banks.size, `${name}: ${tile} store, warp ${w}, row offsets ${sh}`).toBe(32);
          }
        }
      }
      // flat staging (one k-step of packed rows: copied as a span into xs, then transposed): a warp of
      // the transpose takes a box of rows × k; its reads xs[sh + r·K + k] (sh shifts every lane alike)
      // and its writes Os[k][r] must each hit 32 banks (one per word)
      for (const [tile, c] of [["As", "a"], ["Bs", "b"]] as const) {
        const fn = new RegExp(`void ${name}_stage_${c}_flat\\(float \\(\\*__restrict__ ${tile}\\)\\[(\\d+)\\][^]*?\\n}\\n`).exec(cu);
        if (!fn) continue;
        flatKernels.push(name);
        const ld = Number(fn[1]);
        const items = int(/for \(int it = 0; it < (\d+); \+\+it\)/.exec(fn[0])?.[1], `${name} transpose items`);
        const box = /const int e = it \* (\d+) \+ tid, box = e \/ 32;\s*const int k = ([^,]+), r = ([^;]+);/.exec(fn[0]);
        const K = int(/xs\[sh \+ r \* (\d+) \+ min\(k, \d+ - 1\)\]/.exec(fn[0])?.[1], `${name} K`);
        if (!box) throw new Error(`${name}: no transpose box`);
        expect(Number(box[1]), name).toBe(threads);
        for (let it = 0; it < items; it++)
          for (let w = 0; w < threads / 32; w++) {
            const lanes = Array.from({ length: 32 }, (_, l) => {
              const env = { e: it * threads + 32 * w + l, box: floor((it * threads + 32 * w + l) / 32) };
              return [evaluateInteger(box[2], env), evaluateInteger(box[3], env)];
            });
            // (a box past K reads k = K − 1 in each of its k: lanes in pairs on one word, a broadcast)
            const reads = new Set(lanes.map(([k, r]) => r * K + Math.min(k, K - 1)));
            expect(new Set([...reads].map((at) => at % 32)).size, `${name}: ${tile} transpose reads, iteration ${it}, warp ${w}`).toBe(reads.size);
            expect(new Set(lanes.map(([k, r]) => (k * ld + r) % 32)).size, `${name}: ${tile} transpose writes, iteration ${it}, warp ${w}`).toBe(32);
          }
      }
      // lanes along n (tx = tid % (BN / TN)), or along m in the pooled kernels (ty = tid % (BM / TM)): the
      // same two word patterns, one per operand (a thread's second run of 4, with TM or TN = 8, is the
      // same pattern shifted by a multiple of 4 words)
      const along = /const int t[xy] = tid % \((\d+) \/ (\d+)\)/.exec(body);
      const lanes = int(along?.[1], `${name} BN or BM`) / int(along?.[2], `${name} TN or TM`);
      for (let phase = 0; phase < threads / 8; phase++) {
        for (const word of [(tid: number) => floor(tid / lanes) * 4, (tid: number) => (tid % lanes) * 4]) {
          const addresses = new Set(Array.from({ length: 8 }, (_, lane) => word(8 * phase + lane)));
          const banks = new Set([...addresses].flatMap((a) => [0, 1, 2, 3].map((j) => (a + j) % 32)));
          expect(banks.size, `${name}: float4 reads, phase ${phase}`).toBe(4 * addresses.size);
        }
      }
      // col2im: C's tile stored by columns, Cs[col][row], a thread's 4 rows of a column as one float4,
      // lanes along rows (ty = tid % lanes): a phase's 8 lanes must hit 32 different banks
      const cs = /float \(\*Cs\)\[(\d+)\]/.exec(body);
      if (cs) {
        const ld = Number(cs[1]);
        expect(body, name).toContain(`const int ty = tid % (`);
        for (let phase = 0; phase < threads / 8; phase++) {
          const banks = new Set(Array.from({ length: 8 }, (_, lane) => 8 * phase + lane).flatMap((tid) => [0, 1, 2, 3].map((j) => (floor(tid / lanes) * 4 * ld + (tid % lanes) * 4 + j) % 32)));
          expect(banks.size, `${name}: C's float4 stores, phase ${phase}`).toBe(32);
        }
      }
    }
    expect(kernels.filter((k) => k.body.includes("float (*Cs)")).map((k) => k.name)).toEqual(["conv2_conv2d_grad_input"]);
    // conv1's weights (rows of 25) in its forwards, fc2's dy (rows of 10) in its input gradient
    expect(flatKernels.sort()).toEqual(["conv1_relu_pool", "conv1_relu_pool_step", "fc2_matmul_relu_grad"]);
  });

  it("pads the k-major shared tiles to ≡ 4 (mod 32) floats, keeping float4 alignment", () => {
    // conv1's weight gradient stages both operands along k (dy and x are contiguous along k there)
    const conv1 = kernel("conv1_conv2d_grad_weight_sum_kernel");
    const tiles = [...conv1.matchAll(/__shared__ __align__\(16\) float [AB]s\[32\]\[(\d+)\];/g)];
    expect(tiles).toHaveLength(2);
    for (const m of tiles) expect(Number(m[1]) % 32).toBe(4);
  });
});

describe("CPU target with the GPU's kernel shapes equals the reference", () => {
  const gpuShaped = (file: string, name: string) => compile(file, { target: "cpu", shapeFor: "gpu", outDir: join("build", "test-gpu-shapes", name) });

  it("LeNet: forward at batch 1, 7, 64; gradients at batch 5 and 70; the same bits run to run", async () => {
    const { model, build } = await gpuShaped("examples/lenet/model.ts", "lenet");
    const graph = model.graph;
    const m = await load(build.outDir);
    try {
      const state = referenceState(graph, 0);
      m.train(false);
      for (const batch of [1, 7, 64]) {
        await yieldToRunner();
        const { tensors, reference } = makeInputs(graph, batch, batch);
        const got = m.forwardAllSync(...tensors);
        const want = await cachedReference(graph, reference, state, { training: false });
        want.forEach((w, i) => expectClose(got[i].data, w.data, `lenet output ${i}, batch ${batch}`));
      }
      const { graph: stepGraph, gradients } = differentiate(graph);
      m.train(true);
      for (const batch of [5, 70]) {
        const { tensors, reference } = makeInputs(graph, batch, 11);
        const labels = Int32Array.from(normals(batch, 11, 2), (u) => Math.abs(Math.floor(u * 3)) % 10);
        // lr 0: the step computes and keeps the gradients but moves nothing
        m.trainStepSync(tensors[0], tensor(labels, [batch]), { lr: 0 });
        const first = new Map([...gradients.keys()].map((name) => [name, Float32Array.from(m.getParameter(`${name}.grad`).data as Float32Array)]));
        m.trainStepSync(tensors[0], tensor(labels, [batch]), { lr: 0 });
        await yieldToRunner();
        const want = runReference(stepGraph, { ...reference, target: nd([batch], labels) }, initState(graph, 0), { training: true, seed: 0, step: 0 });
        for (const [name, node] of gradients) {
          const got = m.getParameter(`${name}.grad`).data as Float32Array;
          expectNear(got, want.values.get(node)!.data, `lenet ∂L/∂${name}, batch ${batch}`);
          // split-K sums its partials in a fixed order: the second step's gradients are the same bits
          expect(Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(Buffer.from(first.get(name)!.buffer)), `∂L/∂${name} run to run`).toBe(true);
        }
      }
    } finally {
      m.dispose();
    }
  }, 900_000);

  // test/fixtures/gpu-shapes has resnet's GPU-only paths (BatchNorm and channel sums over many blocks,
  // a stride-2 input gradient tap by tap, a 16-row weight-gradient tile) in a model a quarter its cost
  const models = [...["cifar10", "mlp", "mnist", "composed"].map((ex) => [ex, `examples/${ex}/model.ts`] as const), ["gpu-shapes", "test/fixtures/gpu-shapes/model.ts"] as const];
  for (const [example, file] of models)
    it(`${example}: gradients at batch 6`, async () => {
      const { model, build } = await gpuShaped(file, example);
      await expectBuildMatches(build.outDir, model.graph, { step: [6], seed: 21, what: example });
    }, 900_000);

  it("a transposed operand read in place (gemm-operand-transpose), forward, on both shapes", async () => {
    // gᵀ-style products: xᵀ·x [8, 8] from x [Batch, 8] (K = batch: split-K on the GPU shape), then x·(xᵀx)
    const dir = writeFiles({ "model.ts": `${header}export class Gram extends nn.Module {\n  forward(x: Tensor<[Batch, 8]>) {\n    const g = x.t().matmul(x);\n    return x.matmul(g.t());\n  }\n}\n` });
    for (const shapeFor of ["gpu", "cpu"] as const) {
      const { model, build, plan } = await compile(join(dir, "model.ts"), { target: "cpu", shapeFor, outDir: join(dir, shapeFor) });
      expect(plan.kernels.map((k) => k.rules)).toEqual([["gemm-operand-transpose"], ["gemm-operand-transpose"]]);
      const m = await load(build.outDir);
      try {
        for (const batch of [3, 300]) {
          const { tensors, reference } = makeInputs(model.graph, batch, batch);
          const want = runReference(model.graph, reference, referenceState(model.graph, 0)).outputs;
          // x·(xᵀx) cancels: entries far below the sums' terms (|x|³·batch), so the gradients' tolerance
          expectNear(m.forwardAllSync(...tensors)[0].data, want[0].data, `${shapeFor} shapes, batch ${batch}`);
        }
      } finally {
        m.dispose();
      }
    }
  }, 900_000);

  it("a product whose columns are the batch ([1, C] @ [C, Batch], and its gradient Aᵀ·dy) runs as (Bᵀ·Aᵀ)ᵀ: forward and gradients on both shapes", async () => {
    // LDAM's margins: a [1, C] buffer times the transposed [C, Batch] one-hot (here the logits),
    // [1, Batch] viewed as a column; and a 1-D left operand, [C] @ [C, Batch] → [Batch]
    const dir = writeFiles({
      "model.ts": `${header}export class Margins extends nn.Module {\n  fc = new nn.Linear(6, 10);\n  m = F.linspace(0.1, 1, 10);\n  forward(x: Tensor<[Batch, 6]>) {\n    const logits = this.fc(x);\n    const batchM = F.matmul(this.m.index(null, ":"), logits.transpose(0, 1)).view(-1, 1);\n    const v = F.matmul(this.m, logits.t()).unsqueeze(1);\n    return logits.sub(batchM).mul(v);\n  }\n}\nexport const training = new Training(Margins, { loss: new nn.CrossEntropyLoss(), optimizer: new optim.SGD({ lr: 0.01 }) });\n`,
    });
    for (const shapeFor of ["gpu", "cpu"] as const) {
      const { model, build } = await compile(join(dir, "model.ts"), { target: "cpu", shapeFor, outDir: join(dir, shapeFor) });
      // no matmul left whose columns (B's last dim) are the batch: each has the batch as its rows
      const products = model.graph.nodes.filter((n) => n.op === "matmul");
      expect(products.map((p) => p.inputs[1].shape.length === 1 || typeof p.shape[p.shape.length - 1] === "number")).toEqual([true, true]);
      await expectBuildMatches(build.outDir, model.graph, { forward: [1, 5], step: [3, 70], seed: 11, what: `batch-columns ${shapeFor}` });
    }
  }, 900_000);

  it("8×8 thread tiles (wide GEMMs with plain loads): forward and gradients of a 32×256-row linear layer", async () => {
    // fc1 has M = 32·batch rows of 256: at batches 64–256 the GPU shape takes 8×8 tiles for its
    // forward (bias + relu epilogue, two float4 column runs per row) and for fc2's input gradient
    // (8192 columns), and for fc1's weight gradient (256×256 outputs, K = 32·batch), split along K
    const dir = writeFiles({
      "model.ts": `${header}export class Wide extends nn.Module {\n  fc1 = new nn.Linear(256, 256);\n  fc2 = new nn.Linear(32 * 256, 10);\n  forward(x: Tensor<[Batch, 32, 256]>) {\n    const h = F.relu(this.fc1(x));\n    return this.fc2(h.view(-1, 32 * 256));\n  }\n}\nexport const training = new Training(Wide, { loss: new nn.CrossEntropyLoss(), optimizer: new optim.SGD({ lr: 0.01 }) });\n`,
    });
    const { model, build } = await compile(join(dir, "model.ts"), { target: "cpu", shapeFor: "gpu", outDir: join(dir, "gpu") });
    const graph = model.graph;
    const step = trainingPrograms(graph)!.step.plan;
    const wide = step.kernels.filter((k) => kernelGemmShape(k, "gpu", "fp32")?.tile.TM === 8 && kernelGemmShape(k, "gpu", "fp32")?.tile.TN === 8).map((k) => k.name);
    expect(wide).toEqual(["fc1_relu", "fc2_matmul", "fc1_matmul"]);
    expect(kernelGemmShape(step.kernels.find((k) => k.name === "fc1_matmul")!, "gpu", "fp32")!.splitK).toBeDefined();
    const source = readFileSync(join(build.outDir, "model.cu"), "utf8");
    expect(source).toContain("each owning 8×8 outputs");
    await expectBuildMatches(build.outDir, graph, { forward: [3], step: [5, 33], seed: 7, what: "wide" });
  }, 900_000);

  it("ring, flat and window staging (rows contiguous along k, runs contiguous along m or n, read from their sector boundary): every offset in a sector, K below, between and past whole k-steps, split-K", async () => {
    // Rows of 37 floats start at 37·r mod 8: every offset 0–7 a ring must shift by; K = 5 and 10 are
    // less than one k-step (flat staging), 203 ends mid-step, and 300 takes several; the first layer's forward splits K
    // at small batches (grid.z), so a split's ring starts at its own kBegin. Rows of 8·k floats on
    // a sector need no ring (the last layer's input gradient reads fc4.weight's rows of 304).
    // the weight gradients of fc1 (dy rows of 203) and fc4 (of 10) on 64- and 128-row tiles, where A is windowed
    const tune = { kernels: { fc1_matmul_sum: { tile: "64x64" }, fc4_matmul_sum: { tile: "128x32" } } };
    const dir = writeFiles({
      "model.tune.json": JSON.stringify(tune),
      "model.ts": `${header}export class Rows extends nn.Module {\n  fc1 = new nn.Linear(37, 203);\n  fc2 = new nn.Linear(203, 5);\n  fc3 = new nn.Linear(5, 300);\n  fc4 = new nn.Linear(300, 10);\n  fc5 = new nn.Linear(10, 304);\n  forward(x: Tensor<[Batch, 37]>) {\n    const h = F.relu(this.fc2(F.relu(this.fc1(x))));\n    return this.fc5(this.fc4(F.relu(this.fc3(h))));\n  }\n}\nexport const training = new Training(Rows, { loss: new nn.CrossEntropyLoss(), optimizer: new optim.SGD({ lr: 0.01 }) });\n`,
    });
    const { model, build } = await compile(join(dir, "model.ts"), { target: "cpu", shapeFor: "gpu", outDir: join(dir, "gpu") });
    const graph = model.graph;
    const source = readFileSync(join(build.outDir, "model.cu"), "utf8");
    const ringed = (operand: "a" | "b") => [...source.matchAll(new RegExp(`\\b(\\w+)_stage_${operand}_ring\\([AB]s,`, "g"))].map((m) => m[1]);
    const flat = (operand: "a" | "b") => [...source.matchAll(new RegExp(`\\b(\\w+)_stage_${operand}_flat\\([AB]s,`, "g"))].map((m) => m[1]);
    // the forward's activations and weights (A and B), and the input gradients' dy (A); each kernel once
    for (const name of ["fc1_relu", "fc2_relu", "fc4"]) {
      expect(ringed("a"), `${name}'s A`).toContain(name);
      expect(ringed("b"), `${name}'s B`).toContain(name);
    }
    expect(ringed("a")).toContain("fc3_matmul_relu_grad");
    // K of 5 and 10 (one k-step, rows packed, not whole sectors): flat staging, the tile's rows copied
    // as one span and transposed in shared memory; rows of 5 and 10 start at every offset in a sector
    // over the samples, and the batches of 67 leave a last tile of 3 rows
    for (const name of ["fc3_relu", "fc5"]) {
      expect(flat("a"), `${name}'s A`).toContain(name);
      expect(flat("b"), `${name}'s B`).toContain(name);
    }
    for (const name of ["fc2_matmul_relu_grad", "fc4_matmul_relu_grad"]) expect(flat("a"), `${name}'s dy`).toContain(name);
    expect([...ringed("a"), ...ringed("b")].filter((name) => flat("a").includes(name) || flat("b").includes(name))).toEqual([]);
    // dy of fc5 [Batch, 304]: every row on a sector, read in place
    const fc5Input = [...source.matchAll(/__global__ void __launch_bounds__\(\d+, 1\) (fc5_matmul\w*)_kernel\(/g)].map((m) => m[1]);
    expect(fc5Input.length).toBeGreaterThan(0);
    for (const name of fc5Input) expect(ringed("a"), name).not.toContain(name);
    // Windows: the weight gradients stage dy (A) and x (B) along the features, whose run at sample k
    // starts at k·features, and the input gradients a weight's rows along its inputs (B), all on
    // tiles of 64 columns here. Every run of 37, 203, 5, 300 or 10 floats starts at every offset in a
    // sector over the samples; dy of fc5 (304) is on sectors. The 203 and 301 (with the bias
    // gradient's column of ones) take several tiles along m and n, so windows start past m0, n0 > 0
    // too. A is windowed only on the tuned 64- and 128-row tiles: a 32-wide run is one request either way.
    const windowed = (operand: "a" | "b") => [...source.matchAll(new RegExp(`\\b(\\w+)_stage_${operand}_window\\([AB]s\\[`, "g"))].map((m) => m[1]);
    expect(windowed("a").sort()).toEqual(["fc1_matmul_sum", "fc4_matmul_sum"]);
    for (const i of [1, 2, 3, 5]) expect(windowed("b"), `fc${i}'s weight gradient's x`).toContain(`fc${i}_matmul_sum`);
    expect(windowed("b"), "fc4's weight gradient's x, 32 columns of its 128×32 tile").not.toContain("fc4_matmul_sum");
    for (const name of ["fc2_matmul_relu_grad", "fc3_matmul_relu_grad", "fc4_matmul_relu_grad", "fc5_matmul"]) expect(windowed("b"), `${name}'s weight`).toContain(name);
    await expectBuildMatches(build.outDir, graph, { forward: [1, 3, 67], step: [2, 67], seed: 7, what: "rows" });
  }, 900_000);

  it("convolution input gradients tap by tap (col2im): stride, padding, dilation, groups, padded images and taps, conv_transpose2d's bias and relu", async () => {
    // c1 (stride 1, 3×3, padding 1 on 12×12) keeps the implicit GEMM: tap by tap would issue 256
    // padded pixels × 16 padded taps, more than its 144 × 9; c0 is 1×1 of stride 1, which reads no
    // zeros either way. c2 (stride 2, 5×5: 36 pixels in 64 rows, 25 taps in 32 columns, relu_grad
    // fused in its epilogue), c3 (stride 2, dilation 2, 3 groups) and t1's forward (conv_transpose2d,
    // whose bias and relu the epilogue adds) are computed tap by tap.
    const dir = writeFiles({
      "model.ts":
        `${header}export class Taps extends nn.Module {\n` +
        `  c0 = new nn.Conv2d(3, 4, 1);\n` +
        `  c1 = new nn.Conv2d(4, 8, 3, { padding: 1 });\n` +
        `  c2 = new nn.Conv2d(8, 12, 5, { stride: 2, padding: 2 });\n` +
        `  c3 = new nn.Conv2d(12, 12, 3, { stride: 2, padding: 2, dilation: 2, groups: 3 });\n` +
        `  t1 = new nn.ConvTranspose2d(12, 6, 4, { stride: 2, padding: 1 });\n` +
        `  fc = new nn.Linear(6 * 6 * 6, 10);\n` +
        `  forward(x: Tensor<[Batch, 3, 12, 12]>) {\n` +
        `    const h = F.relu(this.c2(F.relu(this.c1(this.c0(x)))));\n` +
        `    return this.fc(F.relu(this.t1(this.c3(h))).flatten(1));\n` +
        `  }\n}\n` +
        `export const training = new Training(Taps, { loss: new nn.CrossEntropyLoss(), optimizer: new optim.SGD({ lr: 0.01 }) });\n`,
    });
    const { model, build } = await compile(join(dir, "model.ts"), { target: "cpu", shapeFor: "gpu", outDir: join(dir, "gpu") });
    const graph = model.graph;
    const source = readFileSync(join(build.outDir, "model.cu"), "utf8");
    const tapwise = [...source.matchAll(/^\/\/ (\w+): .*\n(?:\/\/.*\n)*?\/\/ Epilogue col2im/gm)].map((m) => m[1]);
    expect(new Set(tapwise)).toEqual(new Set(["t1_relu", "c3_conv2d_grad_input_relu_grad", "c2_conv2d_grad_input_relu_grad"]));
    await expectBuildMatches(build.outDir, graph, { forward: [5], step: [3, 9], seed: 13, what: "taps" });
  }, 900_000);

  it("convolutions' weight gradients with one or two registers of row state (unpadded: no bounds test; padded: the tap's steps): stride, dilation, groups, non-square kernels, images and padding, on both shapes", async () => {
    // The weight gradient's im2col element is x[pixel's base + tap's offset] (ops/conv.ts). Without
    // padding every tap of every output pixel lies inside x: u0 strided and dilated on a 13×11 image
    // (5×4 outputs), u1 grouped with a 2×3 kernel (4×2 outputs). With padding the row also keeps
    // the tap's kernel steps (kh·dil, kw·dil in one int) for the bounds test: p2 with padding (2, 1),
    // stride 2 and dilation (1, 2) (3×1 outputs). (On the GPU one or two registers a row let a thread
    // stage 32 rows: LeNet's conv2 takes 8×8 threads, tested above.)
    const dir = writeFiles({
      "model.ts":
        `${header}export class RowState extends nn.Module {\n` +
        `  u0 = new nn.Conv2d(3, 8, 3, { stride: 2, dilation: 2 });\n` +
        `  u1 = new nn.Conv2d(8, 36, [2, 3], { groups: 2 });\n` +
        `  p2 = new nn.Conv2d(36, 6, [3, 2], { stride: 2, padding: [2, 1], dilation: [1, 2] });\n` +
        `  fc = new nn.Linear(6 * 3 * 1, 10);\n` +
        `  forward(x: Tensor<[Batch, 3, 13, 11]>) {\n` +
        `    return this.fc(F.relu(this.p2(F.relu(this.u1(F.relu(this.u0(x)))))).flatten(1));\n` +
        `  }\n}\n` +
        `export const training = new Training(RowState, { loss: new nn.CrossEntropyLoss(), optimizer: new optim.SGD({ lr: 0.01 }) });\n`,
    });
    for (const shapeFor of ["cpu", "gpu"] as const) {
      const { model, build } = await compile(join(dir, "model.ts"), { target: "cpu", shapeFor, outDir: join(dir, shapeFor) });
      const source = readFileSync(join(build.outDir, "model.cu"), "utf8");
      const gatherOf = (name: string) => {
        const at = source.search(new RegExp(`float ${name}_conv2d_grad_weight\\w*_gather_b\\(`));
        expect(at, `${name}'s weight gradient`).toBeGreaterThan(0);
        return source.slice(at, source.indexOf("\n}\n", at));
      };
      for (const name of ["u0", "u1"]) expect(gatherOf(name)).toMatch(/\n\s+return b\[c\.base \+ r\.tap\];$/);
      expect(gatherOf("p2")).toContain("const int ih = c.ih0 + (r.steps >> 16), iw = c.iw0 + (r.steps & 65535);");
      await expectBuildMatches(build.outDir, model.graph, { step: [2, 7], seed: 17, what: `row state (${shapeFor} shape)` });
    }
  }, 900_000);

  it("convolution forwards and weight gradients from x's rows staged in shared memory (patch staging, forced on by the tuning file): padding, groups, dilation, a non-square kernel, pooled and not", async () => {
    // Only some shapes have a conflict-free patch layout (LeNet's two convolutions do, and take it by
    // default, and its conv2's weight gradient: test/gemm-patch.test.ts); the tuning file's "on"
    // stages the others too, with the layout of fewest conflicts, so that the gathers' index math
    // (clamped padding taps, window partners, channel segments, image slots, rows past M; pixels
    // past a chunk, taps past the taps, the column of ones) is checked on every geometry here.
    const names = ["q0_relu_pool", "q1_relu_pool", "q2_relu", "q3_relu_pool"];
    const gradients = ["q0_conv2d_grad_weight_sum", "q1_conv2d_grad_weight_sum", "q2_conv2d_grad_weight_sum", "q3_conv2d_grad_weight_sum"];
    const dir = writeFiles({ "on.tune.json": JSON.stringify({ kernels: Object.fromEntries([...names, ...gradients].map((n) => [n, { patch: "on" }])) }) });
    const { model, build } = await compile("test/fixtures/conv-patch/model.ts", { target: "cpu", shapeFor: "gpu", tune: join(dir, "on.tune.json"), outDir: join(dir, "gpu") });
    const source = readFileSync(join(build.outDir, "model.cu"), "utf8");
    for (const name of names) expect(source, name).toMatch(new RegExp(`\\n\\s+${name}(?:_step)?_stage_patch\\(Xs, a, m0, kBegin`));
    for (const name of gradients) expect(source, name).toMatch(new RegExp(`\\n\\s+${name}_stage_patch_b\\(Xs, b, kBegin`));
    await expectBuildMatches(build.outDir, model.graph, { forward: [1, 5], step: [3, 7], seed: 23, what: "patch staging" });
  }, 900_000);

  it("a weight gradient's patch where the bias's column of ones is alone in its block of taps (test/fixtures/ones-alone, patch on)", async () => {
    const name = "conv_conv2d_grad_weight_sum";
    const dir = writeFiles({ "on.tune.json": JSON.stringify({ kernels: { [name]: { patch: "on" } } }) });
    const { model, build } = await compile("test/fixtures/ones-alone/model.ts", { target: "cpu", shapeFor: "gpu", tune: join(dir, "on.tune.json"), outDir: join(dir, "gpu") });
    expect(readFileSync(join(build.outDir, "model.cu"), "utf8")).toMatch(new RegExp(`\\n\\s+${name}_stage_patch_b\\(Xs, b, kBegin`));
    await expectBuildMatches(build.outDir, model.graph, { forward: [1, 5], step: [3, 7], seed: 29, what: "ones alone" });
  }, 900_000);

  it("test/fixtures/all-ops: forward at batch 7 (every GEMM-shaped op: conv groups, transposed conv, batched matmul)", async () => {
    const { model, build } = await gpuShaped("test/fixtures/all-ops/model.ts", "all-ops");
    const graph = model.graph;
    const m = await load(build.outDir);
    try {
      m.train(false);
      const { tensors, reference } = makeInputs(graph, 7, 7);
      const got = m.forwardAllSync(...tensors);
      const want = await cachedReference(graph, reference, referenceState(graph, 0), { training: false });
      want.forEach((w, i) => expectClose(got[i].data, w.data, `all-ops output ${i}`));
    } finally {
      m.dispose();
    }
  }, 900_000);
});

describe("tsdp compile --shape-for", () => {
  it("builds the CPU target with the GPU's shapes, records the choice for freshness, and refuses other machines", async () => {
    const run = (...args: string[]) => promisify(execFile)(process.execPath, ["bin/tsdp.js", "compile", "examples/lenet/model.ts", "--target", "cpu", ...args], { maxBuffer: 16 << 20 });
    const out = scratchDir("tsdp-shape-for-");
    await run("--shape-for", "gpu", "--out", join(out, "gpu"));
    expect(JSON.parse(JSON.parse(readFileSync(join(out, "gpu", "build.json"), "utf8")).options)).toMatchObject({ target: "cpu", shapeFor: "gpu" });
    const cu = readFileSync(join(out, "gpu", "model.cu"), "utf8");
    expect(cu).toContain("Shaped for the GPU.");
    expect(cu).not.toContain("Shaped for the CPU target.");
    // the target's own shapes are the default, and leave the build record as it was
    await run("--shape-for", "cpu", "--out", join(out, "cpu"));
    expect(JSON.parse(JSON.parse(readFileSync(join(out, "cpu", "build.json"), "utf8")).options)).not.toHaveProperty("shapeFor");
    expect(readFileSync(join(out, "cpu", "model.cu"), "utf8")).toContain("Shaped for the CPU target.");
    const bad = await run("--shape-for", "tpu", "--out", join(out, "bad")).catch((e: { code: number; stderr: string }) => e);
    expect(bad).toMatchObject({ code: 2 });
    expect((bad as { stderr: string }).stderr).toContain("Allowed choices are gpu, cpu");
  }, 600_000);
});
