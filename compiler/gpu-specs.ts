// The GPUs the performance model (perf-model.ts) and the GPU-shaped kernels plan for: one table,
// every figure with where it comes from. Peaks are dense (no 2:4 sparsity), at boost clock.
//
// Sources (looked up for this table, 2026-11):
// - H100 SXM5: NVIDIA's datasheet figures as tabulated at archive-lib.hpctech.co.jp/gpuproduct/nvidia-h100.html
//   (132 SMs, 67 TFLOP/s fp32, 989 tf32 / 1,979 bf16 *with sparsity*, so half dense, 3,350 GB/s
//   HBM3, 50 MB L2, shared memory configurable up to 228 KB per SM, 256 KB of registers per SM)
//   and glennklockwood.com/garden/processors/h100 (128 fp32 lanes per SM, 1.98 GHz: 66.9 TFLOP/s
//   fp32, 494.7 tf32 / 989.4 bf16 dense).
// - H200 SXM: the same GH100 die and clocks as the H100 SXM with 141 GB of HBM3e at 4.8 TB/s
//   (lzwjava.github.io/nvidia-h200-gpu-specs-en, www.aiminingco.com/gpu/h200/specs).
// - A100 SXM4 80 GB: glennklockwood.com/garden/processors/A100 (108 SMs, 19.5 fp32, 156 tf32 and
//   312 bf16 dense, 2,039 GB/s for the 80 GB part) and fudzilla's GA100 article (40 MB L2, up to
//   164 KB shared memory per SM).
// - Per-SM limits of compute capabilities 8.0 and 9.0 (CUDA C++ Programming Guide, "Technical
//   Specifications per Compute Capability"): 65,536 32-bit registers, 2,048 resident threads
//   (64 warps), 32 resident blocks; shared memory per block 163 KB (8.0) and 227 KB (9.0), the
//   SM keeping 1 KB per block for itself; registers allocated per warp in units of 256.
//
// - What one SM can draw from the memory system (L2 → SM): the L2 bandwidth of the full chip over
//   its SMs, from the microbenchmark table of PMC10448217 (Table 3: H100 8,986 GB/s over 144 SMs,
//   A100 7,219 GB/s over 128): ~62 and ~56 GB/s per SM. A grid on few SMs is capped by it, well
//   below HBM; a full grid by HBM.
//
// Launch overhead: a stream launch costs the host ~4–6 µs (susun-blog.com/blog/pegainfer-3-cuda-graph,
// measured on an RTX 5070 Ti). Replayed from a CUDA graph, as tsdp replays its step, the host cost
// goes and what is left is the GPU's own gap between dependent kernel nodes plus a tiny kernel's
// own run, commonly put at 1–2 µs; NVIDIA's posts on the subject ("Getting Started with CUDA
// Graphs", "Constant Time Launch for Straight-Line Graphs") were found, but the excerpts available
// here do not state a per-node figure, so the number is not verified. The model takes 2 µs per
// kernel, the upper end, as the floor of a kernel's time, until bench/gpu-check.sh's kernel-times
// phase measures it on an H100/H200.

export interface GpuSpec {
  /** The --gpu name. */
  readonly name: GpuName;
  /** What the figures are for, in words. */
  readonly label: string;
  readonly sms: number;
  /** Boost clock (Hz): shared-memory wavefronts are one per clock per SM. */
  readonly clockHz: number;
  /** Dense peaks (FLOP/s): CUDA cores in fp32, tensor cores in tf32 and bf16. */
  readonly fp32Flops: number;
  readonly tf32Flops: number;
  readonly bf16Flops: number;
  /** HBM bandwidth (bytes/s). */
  readonly hbmBytesPerSecond: number;
  /** What one SM can draw from L2 (bytes/s): the cap on memory traffic of a grid on few SMs. */
  readonly smBytesPerSecond: number;
  readonly memoryBytes: number;
  readonly l2Bytes: number;
  readonly registersPerSm: number;
  readonly maxThreadsPerSm: number;
  readonly maxBlocksPerSm: number;
  readonly sharedBytesPerSm: number;
  /** The most shared memory one block may have (with the opt-in attribute). */
  readonly sharedBytesPerBlock: number;
  /** Shared memory the SM reserves per resident block (CUDA 11+: 1 KB). */
  readonly sharedReservedPerBlock: number;
  /** The floor of one kernel's time in a replayed CUDA graph (s): see above. */
  readonly launchSeconds: number;
}

export type GpuName = "h100" | "h200" | "a100";

const KB = 1024;
const hopperSm = {
  registersPerSm: 65_536,
  maxThreadsPerSm: 2048,
  maxBlocksPerSm: 32,
  sharedBytesPerSm: 228 * KB,
  sharedBytesPerBlock: 227 * KB,
  sharedReservedPerBlock: KB,
} as const;

const LAUNCH_SECONDS = 2e-6;

export const GPUS: Readonly<Record<GpuName, GpuSpec>> = {
  h100: {
    name: "h100",
    label: "H100 SXM5 80 GB",
    sms: 132,
    clockHz: 1.98e9,
    fp32Flops: 66.9e12,
    tf32Flops: 494.7e12,
    bf16Flops: 989.4e12,
    hbmBytesPerSecond: 3.35e12,
    smBytesPerSecond: 8.986e12 / 144,
    memoryBytes: 80e9,
    l2Bytes: 50 * KB * KB,
    ...hopperSm,
    launchSeconds: LAUNCH_SECONDS,
  },
  h200: {
    name: "h200",
    label: "H200 SXM 141 GB",
    sms: 132,
    clockHz: 1.98e9,
    fp32Flops: 66.9e12,
    tf32Flops: 494.7e12,
    bf16Flops: 989.4e12,
    hbmBytesPerSecond: 4.8e12,
    smBytesPerSecond: 8.986e12 / 144,
    memoryBytes: 141e9,
    l2Bytes: 50 * KB * KB,
    ...hopperSm,
    launchSeconds: LAUNCH_SECONDS,
  },
  a100: {
    name: "a100",
    label: "A100 SXM4 80 GB",
    sms: 108,
    clockHz: 1.41e9,
    fp32Flops: 19.5e12,
    tf32Flops: 156e12,
    bf16Flops: 312e12,
    hbmBytesPerSecond: 2.039e12,
    smBytesPerSecond: 7.219e12 / 128,
    memoryBytes: 80e9,
    l2Bytes: 40 * KB * KB,
    registersPerSm: 65_536,
    maxThreadsPerSm: 2048,
    maxBlocksPerSm: 32,
    sharedBytesPerSm: 164 * KB,
    sharedBytesPerBlock: 163 * KB,
    sharedReservedPerBlock: KB,
    launchSeconds: LAUNCH_SECONDS,
  },
};

export const GPU_NAMES = Object.keys(GPUS) as GpuName[];

/** The H100's SM count: what GPU-shaped tiles fill (the default --shape-for gpu target). */
export const H100_SMS = GPUS.h100.sms;
