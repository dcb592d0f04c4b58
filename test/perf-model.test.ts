// The performance model (compiler/perf-model.ts) on cases computed by hand from the H100's figures
// (compiler/gpu-specs.ts), and the kernel costs it takes, affine in the batch (3-fusion/cost.ts).
// Tolerances: relative 1e-9 (toBeCloseTo on ratios), the arithmetic being the same up to rounding.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GPUS } from "../compiler/gpu-specs.ts";
import { estimateLaunch, estimateProgram, gemmLoop, occupancy, type LaunchCounters, type ModelLaunch, type ModelOptions } from "../compiler/perf-model.ts";
import { generate } from "../compiler/pipeline.ts";
import { header, writeFiles } from "./helpers.ts";

const h100 = GPUS.h100;
const at64: ModelOptions = { gpu: h100, batch: 64, precision: "fp32" };
// a kernel whose FLOPs are all it issues (the fp32 GEMM template adds its instruction mix: gemmLoop)
const launch = (l: Partial<ModelLaunch>): ModelLaunch => ({
  kernel: "k_kernel",
  template: "fused_pointwise",
  grid: "dim3(1, 1, 1)",
  block: "dim3(256)",
  scalars: [],
  flops: { perSample: 0, fixed: 0 },
  bytes: { perSample: 0, fixed: 0 },
  ...l,
});
const ratio = (a: number, b: number) => a / b;

describe("performance model, hand-computed cases on an H100", () => {
  it("a 1-block fp32 GEMM runs on one SM, at half its FMA rate: the 4×4 tile's operand reads take 2× the FMA time in shared memory", () => {
    // 64×64 outputs, K = 4096: 2·64·64·4096 FLOPs; A and B read once, C written once
    const flops = 2 * 64 * 64 * 4096;
    const bytes = (64 * 4096 * 2 + 64 * 64) * 4;
    const e = estimateLaunch(launch({ template: "gemm", flops: { perSample: 0, fixed: flops }, bytes: { perSample: 0, fixed: bytes } }), at64);
    expect(e.blocks).toBe(1);
    expect(e.smShare).toBeCloseTo(1 / 132, 12);
    // per k step a thread issues 16 FFMAs and 2 LDS.128: FFMAs are 16/18 of what it issues
    expect(ratio(e.seconds.compute, (flops / (66.9e12 / 132)) * (18 / 16))).toBeCloseTo(1, 9); // ≈ 74 µs
    // each LDS.128 is 4 wavefronts: 8 per 16 warp-FFMAs, at 1 per clock against 4 warp-FFMAs per clock
    expect(ratio(e.seconds.shared, flops / 2 / 32 / 2 / 1.98e9)).toBeCloseTo(1, 9); // ≈ 132 µs
    // its 2.1 MB at what one SM draws from L2 (8,986 GB/s / 144 SMs), not at the HBM's 3.35 TB/s
    expect(ratio(e.seconds.memory, bytes / (8.986e12 / 144))).toBeCloseTo(1, 9); // ≈ 34 µs
    expect(e.bound).toBe("shared");
    expect(e.time).toBe(e.seconds.shared);
    // 66.9 TFLOP/s is 4 warp-FFMAs per clock on each of 132 SMs at 1.98 GHz, so shared memory halves it
    expect(ratio(e.peakFraction, 1 / 132 / 2)).toBeCloseTo(1, 3);
  });

  it("the fp32 GEMM's inner loop: wavefronts per FFMA and the FFMA share, by thread tile", () => {
    expect(gemmLoop(4, 4)).toEqual({ wavefrontsPerFfma: 0.5, ffmaShare: 16 / 18 });
    // 8×8: 4 LDS.128 per 64 FFMAs, shared memory and the FMA pipe balanced
    expect(gemmLoop(8, 8)).toEqual({ wavefrontsPerFfma: 0.25, ffmaShare: 64 / 68 });
    // 4×8 and 8×4: 3 LDS.128 per 32 FFMAs, shared memory 1.5× the FMA time
    expect(gemmLoop(4, 8)).toEqual({ wavefrontsPerFfma: 12 / 32, ffmaShare: 32 / 35 });
    expect(gemmLoop(8, 4)).toEqual(gemmLoop(4, 8));
  });

  it("an fp32 GEMM is charged the FLOPs its tiles issue: padding to whole tiles and k-steps included", () => {
    // M = 100 rows, N = 20 columns, K = 4000 in 64×32 tiles of depth 32: 2 × 1 blocks of 64·32 outputs (~31 µs, past the launch floor)
    const flops = 2 * 100 * 20 * 4000;
    const base = { template: "gemm", grid: "dim3(2, 1, 1)", block: "dim3(128)", scalars: ["const int M = 100;"], flops: { perSample: 0, fixed: flops }, threadTile: [4, 4] as const };
    const exact = estimateLaunch(launch(base), at64);
    const padded = estimateLaunch(launch({ ...base, issuedFlops: "2 * ((M + 63) / 64 * 64) * 32 * 1 * ((4000 + 31) / 32 * 32)" }), at64);
    const issued = 2 * 128 * 32 * 4000;
    expect(padded.bound).toBe("shared");
    expect(ratio(padded.seconds.compute, exact.seconds.compute)).toBeCloseTo(issued / flops, 9);
    expect(ratio(padded.seconds.shared, exact.seconds.shared)).toBeCloseTo(issued / flops, 9);
    // "% peak" counts the op's FLOPs: the padding shows there
    expect(padded.flops).toBe(flops);
    expect(ratio(padded.peakFraction, exact.peakFraction)).toBeCloseTo(flops / issued, 9);
  });

  it("the generated launches say what their tiles issue: LeNet's conv2 input gradient tap by tap (col2im) at batch 256", () => {
    const step = generate("examples/lenet/model.ts", { target: "cpu", shapeFor: "gpu" }).generated.manifest.launches!.filter((l) => l.program === "step");
    const conv2 = step.find((l) => l.kernel === "conv2_conv2d_grad_input_kernel")!;
    const e = estimateProgram([conv2], { gpu: h100, batch: 256, precision: "fp32" }).launches[0];
    // the op's FLOPs: each dy value (256 × 50 × 8×8) times each weight of its (20 × 5×5)
    expect(e.flops).toBe(2 * 256 * 50 * 64 * 20 * 25);
    // issued: C[(img, 64 dy pixels), (20 channels × 25 taps padded to 32)], K = 50 in 2 steps of 32
    const [BM, BN] = [64, 128];
    const issued = 2 * ((256 * 64) / BM) * BM * Math.ceil(640 / BN) * BN * 64;
    expect(conv2.threadTile).toEqual([8, 8]);
    expect(e.grid).toEqual([256, 5, 1]);
    // the 8×8 tile's operand reads: 4 LDS.128 of 4 wavefronts per 64 FFMAs
    expect(ratio(e.seconds.shared, (issued / 2 / 32) * (16 / 64) / (132 * e.smShare * 1.98e9))).toBeCloseTo(1, 9);
  });

  it("the generated launches say what their tiles issue: an input gradient over a map too large for col2im skips the k-steps of zeros", () => {
    // conv's dy [B, 50, 12, 12]: tap by tap it would issue 256 padded pixels × 32 padded taps per
    // channel, more than the 16·16·25 of the implicit GEMM over input pixels, which it keeps: M = 16 input rows × batch·16 pixels, N = 20, K = 5 kernel rows × 250
    const dir = writeFiles({
      "model.ts": `${header}export class Big extends nn.Module {\n  c0 = new nn.Conv2d(3, 20, 1);\n  conv = new nn.Conv2d(20, 50, 5);\n  fc = new nn.Linear(50 * 144, 10);\n  forward(x: Tensor<[Batch, 3, 16, 16]>) {\n    return this.fc(F.relu(this.conv(this.c0(x))).flatten(1));\n  }\n}\nexport const training = new Training(Big, { loss: new nn.CrossEntropyLoss(), optimizer: new optim.SGD({ lr: 0.01 }) });\n`,
    });
    const step = generate(join(dir, "model.ts"), { target: "cpu", shapeFor: "gpu" }).generated.manifest.launches!.filter((l) => l.program === "step");
    const grad = step.find((l) => l.kernel === "conv_conv2d_grad_input_kernel")!;
    const e = estimateProgram([grad], { gpu: h100, batch: 256, precision: "fp32" }).launches[0];
    // input row ih reaches dy (12 rows) through kernel rows kh ∈ [ih − 11, ih] ∩ [0, 4]; a step of 32
    // runs when one of its kernel rows does
    let steps = 0;
    for (let ih = 0; ih < 16; ih++)
      for (let k0 = 0; k0 < 1250; k0 += 32) {
        const first = Math.floor(k0 / 250), last = Math.floor((Math.min(k0 + 32, 1250) - 1) / 250);
        if (first <= Math.min(4, ih) && last >= Math.max(0, ih - 11)) steps++;
      }
    expect(steps).toBeLessThan(16 * 40); // of 40 steps per input row: the border rows skip some
    // the tile, from the launch: BM rows per block (grid.x), BN = its outputs / BM columns
    const [tm, tn] = grad.threadTile!;
    const BM = Number(/\(M \+ \d+\) \/ (\d+)/.exec(grad.grid)![1]);
    const BN = (tm * tn * e.threadsPerBlock) / BM;
    expect(4096 % BM, "a group's 16·256 rows are whole tiles").toBe(0);
    expect(e.grid[2], "one split at batch 256").toBe(1);
    const issued = 2 * 4096 * Math.ceil(20 / BN) * BN * 32 * steps;
    // the op's FLOPs: each dy value times each weight of its group, not the full correlation's 2 · 65,536·16 · 20 · 1250
    expect(e.flops).toBe(2 * 256 * 50 * 144 * 20 * 25);
    expect(ratio(e.seconds.shared, (issued / 2 / 32) * gemmLoop(tm, tn).wavefrontsPerFfma / (132 * e.smShare * 1.98e9))).toBeCloseTo(1, 9);
  });

  it("a copy of 2^24 floats over a full grid is memory-bound at the HBM bandwidth", () => {
    const n = 2 ** 24;
    const l = launch({
      template: "fused_pointwise",
      grid: "dim3((unsigned)std::min<size_t>((((size_t)16777216 * batch) + 255) / 256, 65535))",
      flops: { perSample: 0, fixed: n },
      bytes: { perSample: 0, fixed: 8 * n },
    });
    const e = estimateLaunch(l, { ...at64, batch: 1 });
    expect(e.grid).toEqual([65_535, 1, 1]);
    expect(e.waves).toBeCloseTo(65_535 / (132 * 8), 9); // 256 threads: 8 blocks per SM by threads
    expect(e.bound).toBe("memory");
    expect(ratio(e.time, (8 * n) / 3.35e12)).toBeCloseTo(1, 9); // ≈ 40 µs
  });

  it("a tiny kernel takes the launch floor (2 µs in a replayed CUDA graph)", () => {
    const e = estimateLaunch(launch({ template: "reduce", block: "dim3(32)", flops: { perSample: 10, fixed: 0 }, bytes: { perSample: 80, fixed: 4 } }), at64);
    expect(e.bound).toBe("launch");
    expect(e.time).toBe(2e-6);
  });

  it("a warp-sized block alone on its SM issues at a quarter of the SM's rate (4 schedulers)", () => {
    const flops = 1e9;
    const one = estimateLaunch(launch({ block: "dim3(32)", flops: { perSample: 0, fixed: flops } }), at64);
    expect(ratio(one.seconds.compute, flops / (66.9e12 / 132) * 4)).toBeCloseTo(1, 9);
  });

  it("a partial last wave idles the other SMs: 133 blocks take two block-times", () => {
    const flops = 133e6;
    const e = estimateLaunch(launch({ grid: "dim3(133)", flops: { perSample: 0, fixed: flops } }), at64);
    expect(e.smShare).toBeCloseTo(133 / 264, 12);
    expect(ratio(e.seconds.compute, (2 * 1e6) / (66.9e12 / 132))).toBeCloseTo(1, 9);
  });

  it("the time with every SM busy: what a fuller grid could gain, none where the launch floor bounds the kernel", () => {
    // 133 blocks in two waves (u = 133/264): the same work over whole waves takes u of the time
    // (199 µs at the fp32 peak, far above the launch floor)
    const flops = 133e8;
    const partial = estimateLaunch(launch({ grid: "dim3(133)", flops: { perSample: 0, fixed: flops } }), at64);
    expect(ratio(partial.fullUseTime, partial.time * (133 / 264))).toBeCloseTo(1, 9);
    // 8 blocks of a tiny kernel: at the launch floor either way
    const tiny = estimateLaunch(launch({ grid: "dim3(8)", flops: { perSample: 0, fixed: 1e3 } }), at64);
    expect(tiny.bound).toBe("launch");
    expect(tiny.fullUseTime).toBe(tiny.time);
    // a block of one warp alone on its SM issues at a quarter rate: every SM busy restores full issue too
    const warp = estimateLaunch(launch({ grid: "dim3(1)", block: "dim3(32)", flops: { perSample: 0, fixed: 1e9 } }), at64);
    expect(ratio(warp.fullUseTime, warp.seconds.compute / 132 / 4)).toBeCloseTo(1, 9);
  });

  it("tensor-core GEMMs use the tf32 or bf16 peak; the rest the fp32 peak", () => {
    const l = launch({ template: "gemm_tc", grid: "dim3(132)", flops: { perSample: 0, fixed: 1e12 } });
    expect(ratio(estimateLaunch(l, { ...at64, precision: "bf16" }).seconds.compute, 1e12 / 989.4e12)).toBeCloseTo(1, 9);
    expect(ratio(estimateLaunch(l, { ...at64, precision: "tf32" }).seconds.compute, 1e12 / 494.7e12)).toBeCloseTo(1, 9);
    expect(ratio(estimateLaunch({ ...l, template: "fused_pointwise" }, { ...at64, precision: "bf16" }).seconds.compute, 1e12 / 66.9e12)).toBeCloseTo(1, 9);
    // the fp32 GEMM: the fp32 peak, over the FFMA share of its instructions (16 of 18)
    expect(ratio(estimateLaunch({ ...l, template: "gemm" }, { ...at64, precision: "bf16" }).seconds.compute, 1e12 / 66.9e12 / (16 / 18))).toBeCloseTo(1, 9);
  });

  it("occupancy: threads and the block cap without ptxas; registers or shared memory with it", () => {
    expect(occupancy(h100, 256)).toEqual({ blocksPerSm: 8, limitedBy: "threads", theoretical: 1, source: "assumed" });
    expect(occupancy(h100, 32)).toEqual({ blocksPerSm: 32, limitedBy: "blocks", theoretical: 0.5, source: "assumed" });
    // 128 registers: 4,096 per warp, 16 warps per SM, 2 blocks of 8 warps
    expect(occupancy(h100, 256, { registers: 128, sharedBytes: 0 })).toEqual({ blocksPerSm: 2, limitedBy: "registers", theoretical: 0.25, source: "ptxas" });
    // 100 KB of shared memory (+1 KB reserved) per block: 2 fit in 228 KB
    expect(occupancy(h100, 128, { registers: 32, sharedBytes: 100 * 1024 })).toMatchObject({ blocksPerSm: 2, limitedBy: "shared memory" });
    // 164 KB per SM on an A100
    expect(occupancy(GPUS.a100, 128, { registers: 32, sharedBytes: 100 * 1024 })).toMatchObject({ blocksPerSm: 1, limitedBy: "shared memory" });
  });

  it("counters: bank conflicts become shared wavefronts at one per clock per SM; sectors are what L2 serves", () => {
    // 132 blocks, one per SM: 2·10^8 requests of which half move 8 sectors instead of 4
    const counters: LaunchCounters = {
      kernel: "k_kernel",
      grid: [132, 1, 1],
      block: [256, 1, 1],
      shared: { requests: 1000, wavefronts: 32_000, idealWavefronts: 1000 },
      global: {
        loadRequests: 2e8, loadSectors: 1.2e9, loadIdealSectors: 8e8,
        storeRequests: 0, storeSectors: 0, storeIdealSectors: 0,
        bytesRead: 1.2e9 * 32, bytesWritten: 0, uniqueBytesRead: 1e9, uniqueBytesWritten: 0,
      },
    };
    const e = estimateLaunch(launch({ grid: "dim3(132)", bytes: { perSample: 0, fixed: 1e9 } }), at64, counters);
    expect(e.counters).toEqual({ bankConflicts: 31_000, sharedWavefronts: 32_000, sectorsPerRequest: 6, sectorsOverIdeal: 1.5, dramBytes: 1e9, l2Bytes: 3.84e10 });
    expect(ratio(e.seconds.shared, 32_000 / (132 * 1.98e9))).toBeCloseTo(1, 9);
    // the 38.4 GB L2 serves, at 132 SMs × 62.4 GB/s, outweighs the 1 GB from HBM at 3.35 TB/s
    expect(ratio(e.seconds.memory, 3.84e10 / (132 * (8.986e12 / 144)))).toBeCloseTo(1, 9);
    expect(e.bound).toBe("memory");
    // with a cache that serves every re-read, HBM alone would bound it
    const cached = { ...counters, global: { ...counters.global, bytesRead: 1e9, loadSectors: 1e9 / 32 } };
    expect(ratio(estimateLaunch(launch({ grid: "dim3(132)" }), at64, cached).seconds.memory, 1e9 / 3.35e12)).toBeCloseTo(1, 9);
  });

  it("a program: the total, the bound that takes the most time, the dominant launch and the floors", () => {
    const slow = launch({ kernel: "slow_kernel", flops: { perSample: 1e6, fixed: 0 } }); // 1 block
    const tiny = launch({ kernel: "tiny_kernel", template: "fused_pointwise", grid: "dim3(4)" });
    const p = estimateProgram([slow, tiny, tiny], at64);
    const slowTime = (64e6 * 132) / 66.9e12;
    expect(ratio(p.time, slowTime + 4e-6)).toBeCloseTo(1, 9);
    expect(p.bound).toBe("compute");
    expect(p.timeByBound.launch).toBeCloseTo(4e-6, 15);
    expect(p.dominant.kernel).toBe("slow_kernel");
    expect(ratio(p.floors.compute, 64e6 / 66.9e12)).toBeCloseTo(1, 9);
    expect(p.floors.launch).toBeCloseTo(6e-6, 15);
  });
});

describe("conditional launches and scaled costs", () => {
  const scalars = ["const int M = batch;", "const int splits = (int)(batch < 100 ? 1 : 4);"];
  const sum = launch({ kernel: "sum_kernel", template: "split_sum", grid: "dim3(132)", scalars, when: "splits > 1", scale: "splits + 1", bytes: { perSample: 1e6, fixed: 0 } });

  it("a launch whose condition fails at this batch is not estimated", () => {
    expect(estimateProgram([launch({}), sum], at64).launches.map((e) => e.kernel)).toEqual(["k_kernel"]);
    expect(estimateProgram([launch({}), sum], { ...at64, batch: 128 }).launches.map((e) => e.kernel)).toEqual(["k_kernel", "sum_kernel"]);
  });

  it("scale multiplies its FLOPs and bytes (4 splits read, 1 written)", () => {
    const e = estimateLaunch(sum, { ...at64, batch: 128 });
    expect(e.bytes).toBe(5 * 128e6);
    expect(ratio(e.seconds.memory, 640e6 / 3.35e12)).toBeCloseTo(1, 9);
  });
});

describe("kernel costs are affine in the batch", () => {
  it("LeNet's conv1 weight gradient: fixed output, a reduction over 576 positions per sample", () => {
    const { generated } = generate(join(import.meta.dirname, "..", "examples", "lenet", "model.ts"), { target: "cuda" });
    const wgrad = generated.manifest.launches.find((l) => l.kernel === "conv1_conv2d_grad_weight_sum_kernel")!;
    // [20, 1, 5, 5] outputs and the 20 bias sums (gemm-row-sums), each summing 24·24 positions of every sample: grows with the batch
    expect(wgrad.flops).toEqual({ perSample: 2 * (500 + 20) * 576, fixed: 0 });
    // reads dy [B, 20, 24, 24] and x [B, 1, 28, 28] per sample; writes the 500 weights and 20 biases once
    expect(wgrad.bytes).toEqual({ perSample: (11_520 + 784) * 4, fixed: (500 + 20) * 4 });
    // the forward's fc1 reads its 400,000 weights once per launch, whatever the batch
    const fc1 = generated.manifest.kernels.find((k) => k.name === "fc1_relu")!;
    expect(fc1.fixedBytes).toBe((500 * 800 + 500) * 4);
    expect(fc1.bytes).toBe((800 + 500) * 4);
  });
});
