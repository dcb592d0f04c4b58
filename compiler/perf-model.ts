// The performance model behind `tsdp inspect --gpu`: an estimated time for each kernel launch of a
// program on a given GPU and batch, from its FLOPs and bytes (affine in the batch, 3-fusion/cost.ts),
// its grid and block (evaluated from the launch's own C expressions, launch-shape.ts), its
// occupancy (ptxas's registers and shared memory when known) and, when given, the counters the CPU
// target measured (bank conflicts, sectors per request).
//
// The model, per launch (README "Performance model" states the same for users):
//   SM share  u = blocks / (SMs · ⌈blocks / SMs⌉): one block is assumed able to keep its SM busy,
//             so a grid of fewer blocks than SMs uses that fraction of the GPU, and a partial last
//             wave idles the rest (1 block → 1/132 of an H100).
//   warp issue w = min(1, resident warps per SM / 4): an SM issues from 4 schedulers, so a block
//             of 2 warps alone reaches at most half of its SM's arithmetic rate.
//   compute   = FLOPs / (peak · u · w); peak is the tensor-core peak (tf32 or bf16) for tensor-core
//             GEMMs and the fp32 CUDA-core peak for everything else. For the fp32 GEMM template, the
//             FLOPs its blocks issue (issuedFlops: whole BM×BN tiles over whole BK steps, the zeros
//             past M, N and K included), here and in its shared-memory time; "% peak" stays the
//             op's FLOPs over the time, so padding shows as a lower fraction.
//   memory    = bytes / min(HBM bandwidth, SMs · u · what one SM draws from L2): every byte the
//             kernel reads or writes once from HBM (no reuse beyond that, no credit for L2 hits),
//             at most as fast as the busy SMs can pull it. With counters, two measured roofs
//             instead: the distinct bytes touched (what HBM moves with a perfect cache) at that
//             rate, and the 32-byte sectors all requests move (re-reads and uncoalesced accesses
//             included: what L2 serves) at SMs · u · what one SM draws from L2.
//   shared    = shared-memory wavefronts / (SMs · u · clock) (one wavefront per clock per SM; bank
//             conflicts are the extra wavefronts): the counted wavefronts with counters; without
//             them, for the fp32 GEMM template, those of its inner loop, which the tile fixes (gemmLoop).
//   The fp32 GEMM's instruction mix (gemmLoop): per k step a thread issues TM·TN FFMAs and
//   (TM + TN) / 4 LDS.128, each LDS.128 4 wavefronts (a warp's 512 bytes at 128 per clock). So its
//   compute roof is FLOPs at the peak divided by the FFMA share of issued instructions, and its
//   shared roof (4 wavefronts per LDS.128 at 1 per clock, against 4 warp-FFMAs per clock per SM) is
//   4·(TM + TN)/(TM·TN) times its FMA time: for 4×4 tiles 2× (50 % of the fp32 peak at best), for
//   8×8 1× (the FMA pipe and shared memory balanced).
//   time      = max(compute, memory, shared, launch floor): the floor is the GPU's per-kernel cost
//             in a replayed CUDA graph (gpu-specs.ts), and a kernel cannot take less.
// Everything is an upper bound on speed: real kernels reach a fraction of each roof.

import { affineAt } from "./3-fusion/cost.ts";
import type { GpuSpec } from "./gpu-specs.ts";
import { evaluateInteger, launchShape, type Dim3 } from "./launch-shape.ts";
import type { LaunchReport, Precision } from "../runtime/manifest.ts";
import { TM, TN } from "./5-codegen/kernels/gemm-shape.ts";

export type { Precision };

/** What the model needs of a launch: the manifest's LaunchReport (its program aside). */
export type ModelLaunch = Omit<LaunchReport, "program">;

/** ptxas's report for a kernel on the GPU's architecture. */
export interface KernelUse {
  readonly registers: number;
  readonly sharedBytes: number;
}

/** A launch's counters as the CPU target measures them (the counters JSON, issue 13 part A). */
export type { LaunchCounters } from "../runtime/counters.ts";
import type { LaunchCounters } from "../runtime/counters.ts";

export type Limiter = "threads" | "blocks" | "registers" | "shared memory";

export interface Occupancy {
  /** Blocks resident on one SM at once. */
  readonly blocksPerSm: number;
  readonly limitedBy: Limiter;
  /** Resident warps / the SM's 64. */
  readonly theoretical: number;
  /** "ptxas": registers and shared memory known; "assumed": limited by threads and the block cap only. */
  readonly source: "ptxas" | "assumed";
}

export type Bound = "compute" | "memory" | "shared" | "launch";

export interface LaunchEstimate {
  readonly kernel: string;
  readonly template: string;
  readonly grid: Dim3;
  readonly block: Dim3;
  readonly blocks: number;
  readonly threadsPerBlock: number;
  readonly flops: number;
  /** The model's bytes: each tensor the kernel reads or writes, once. */
  readonly bytes: number;
  readonly occupancy: Occupancy;
  /** Blocks / (SMs · blocks per SM). */
  readonly waves: number;
  /** u above. */
  readonly smShare: number;
  readonly counters?: {
    readonly bankConflicts: number;
    readonly sharedWavefronts: number;
    /** Global sectors per request, loads and stores together (4 is a coalesced fp32 warp access). */
    readonly sectorsPerRequest: number;
    /** Sectors moved / the fewest that could hold the bytes of each request (1 is perfect coalescing). */
    readonly sectorsOverIdeal: number;
    /** Distinct bytes read and written: the HBM traffic with a perfect cache. */
    readonly dramBytes: number;
    /** Sectors · 32 over all requests: the traffic L2 serves. */
    readonly l2Bytes: number;
  };
  readonly seconds: { readonly compute: number; readonly memory: number; readonly shared: number; readonly launch: number };
  readonly time: number;
  readonly bound: Bound;
  /**
   * The time with every SM busy (u = 1, full warp issue) and the same work: what a grid that fills
   * whole waves could gain at most. Where it is near `time`, a partial wave costs nothing (the launch
   * floor or the bandwidth bounds the kernel).
   */
  readonly fullUseTime: number;
  /** FLOPs / time as a fraction of the peak the kernel runs on (fp32, or the tensor cores'). */
  readonly peakFraction: number;
}

export interface ProgramEstimate {
  readonly launches: readonly LaunchEstimate[];
  readonly time: number;
  /** The bound whose launches take the most time in all. */
  readonly bound: Bound;
  readonly timeByBound: Readonly<Record<Bound, number>>;
  /** Lower bounds for the whole program: its FLOPs at full peak, its bytes at full bandwidth, one floor per launch. */
  readonly floors: { readonly compute: number; readonly memory: number; readonly launch: number };
  /** The slowest launch and its share of the total. */
  readonly dominant: { readonly kernel: string; readonly share: number };
}

export interface ModelOptions {
  readonly gpu: GpuSpec;
  readonly batch: number;
  readonly precision: Precision;
  /** By kernel name (with "_kernel"). */
  readonly resources?: ReadonlyMap<string, KernelUse>;
  /** Aligned with the launches that happen at this batch (undefined where a launch has none). */
  readonly counters?: readonly (LaunchCounters | undefined)[];
}

/** The launches that happen at this batch: those without a condition, and those whose condition holds. */
export const launchesAt = <L extends ModelLaunch>(launches: readonly L[], batch: number): L[] => launches.filter((l) => launchShape(l, batch).runs);

const WARP = 32;
const SCHEDULERS_PER_SM = 4;
/** Registers are allocated per warp in units of 256 (CUDA occupancy calculator, cc 8.x and 9.0). */
const REGISTER_UNIT = 256;

export function occupancy(gpu: GpuSpec, threadsPerBlock: number, use?: KernelUse): Occupancy {
  const warpsPerBlock = Math.ceil(threadsPerBlock / WARP);
  const maxWarps = gpu.maxThreadsPerSm / WARP;
  const limits: [Limiter, number][] = [
    ["threads", Math.floor(maxWarps / warpsPerBlock)],
    ["blocks", gpu.maxBlocksPerSm],
  ];
  if (use) {
    const perWarp = Math.ceil((use.registers * WARP) / REGISTER_UNIT) * REGISTER_UNIT;
    limits.push(["registers", perWarp === 0 ? Infinity : Math.floor(Math.floor(gpu.registersPerSm / perWarp) / warpsPerBlock)]);
    limits.push(["shared memory", use.sharedBytes === 0 ? Infinity : Math.floor(gpu.sharedBytesPerSm / (use.sharedBytes + gpu.sharedReservedPerBlock))]);
  }
  const [limitedBy, blocksPerSm] = limits.reduce((a, b) => (b[1] < a[1] ? b : a));
  return { blocksPerSm, limitedBy, theoretical: Math.min(1, (blocksPerSm * warpsPerBlock) / maxWarps), source: use ? "ptxas" : "assumed" };
}

/**
 * The inner loop of the fp32 GEMM template (templates/kernels/gemm.cu.hbs, {{name}}_tile_fma), per
 * warp-level FFMA: the shared-memory wavefronts its LDS.128 operand reads take, and the share of
 * FFMAs among the instructions it issues (the staging loads, barriers and index arithmetic, once per
 * BK-deep step, are left out: they are a few per cent at BK = 32).
 */
export function gemmLoop(tm = TM, tn = TN): { wavefrontsPerFfma: number; ffmaShare: number } {
  const fmas = tm * tn;
  const lds128 = (tm + tn) / 4;
  return { wavefrontsPerFfma: (4 * lds128) / fmas, ffmaShare: fmas / (fmas + lds128) };
}

const peakFor = (gpu: GpuSpec, template: string, precision: Precision) =>
  template === "gemm_tc" || (template === "cublaslt" && precision !== "fp32") ? (precision === "bf16" ? gpu.bf16Flops : gpu.tf32Flops) : gpu.fp32Flops;

/**
 * A cuBLASLt GEMM (issue 20; its row keeps tsdp's fallback kernel's launch shape): the library's
 * own kernels fill every SM whatever that grid is, so its compute roof is the precision's whole
 * peak — the same upper bound as every other launch's (u = 1). Measured, cuBLAS(Lt) reaches ~80 %
 * of it on large GEMMs (PyTorch's bf16 on an H100: ~790 of 989 TFLOP/s), which is where this
 * bound, like tsdp's own GEMMs', is loose.
 */
export const CUBLASLT_PEAK_FRACTION = 1;

export function estimateLaunch(l: ModelLaunch, o: ModelOptions, counters?: LaunchCounters): LaunchEstimate {
  const { gpu, batch } = o;
  const { grid, block, env } = launchShape(l, batch);
  const scale = l.scale === undefined ? 1 : evaluateInteger(l.scale, env);
  const blocks = grid[0] * grid[1] * grid[2];
  const threadsPerBlock = block[0] * block[1] * block[2];
  const occ = occupancy(gpu, threadsPerBlock, o.resources?.get(l.kernel));
  if (occ.blocksPerSm < 1) throw new Error(`${l.kernel}: a block of ${threadsPerBlock} threads cannot be resident on an SM (${occ.limitedBy})`);
  const perSm = Math.ceil(blocks / gpu.sms); // block-units the busiest SM runs
  const smShare = blocks / (gpu.sms * perSm);
  const residentWarps = Math.min(occ.blocksPerSm, perSm) * Math.ceil(threadsPerBlock / WARP);
  const issue = Math.min(1, residentWarps / SCHEDULERS_PER_SM);
  const flops = scale * affineAt(l.flops, batch);
  // a split-K GEMM's partial tiles go through L2 on top of its tensors (stored, then read back by the tile's last block)
  const bytes = scale * affineAt(l.bytes, batch) + (l.workspaceBytes === undefined ? 0 : evaluateInteger(l.workspaceBytes, env));
  const peak = peakFor(gpu, l.template, o.precision);
  const busySmRate = gpu.sms * smShare * gpu.smBytesPerSecond;
  const dramRate = Math.min(gpu.hbmBytesPerSecond, busySmRate);
  let memory = bytes / dramRate;
  // the fp32 GEMM template's instruction mix (gemmLoop): FFMAs are not all it issues, and its operand
  // reads from shared memory take wavefronts at a fixed ratio to its FFMAs
  const loop = l.template === "gemm" ? gemmLoop(...(l.threadTile ?? [TM, TN])) : undefined;
  // what its blocks issue: whole tiles, padding included (the op's FLOPs where the launch does not say)
  const issued = l.issuedFlops === undefined ? flops : scale * evaluateInteger(l.issuedFlops, env);
  const warpFfmas = loop ? issued / 2 / WARP : 0;
  let shared = loop ? (warpFfmas * loop.wavefrontsPerFfma) / (gpu.sms * smShare * gpu.clockHz) : 0;
  let measured: LaunchEstimate["counters"];
  if (counters) {
    const g = counters.global;
    const sectors = g.loadSectors + g.storeSectors;
    const ideal = g.loadIdealSectors + g.storeIdealSectors;
    const requests = g.loadRequests + g.storeRequests;
    measured = {
      bankConflicts: counters.shared.wavefronts - counters.shared.idealWavefronts,
      sharedWavefronts: counters.shared.wavefronts,
      sectorsPerRequest: requests > 0 ? sectors / requests : 0,
      sectorsOverIdeal: ideal > 0 ? sectors / ideal : 1,
      dramBytes: g.uniqueBytesRead + g.uniqueBytesWritten,
      l2Bytes: g.bytesRead + g.bytesWritten,
    };
    memory = Math.max(measured.dramBytes / dramRate, measured.l2Bytes / busySmRate);
    shared = counters.shared.wavefronts / (gpu.sms * smShare * gpu.clockHz);
  }
  const seconds = {
    compute: l.template === "cublaslt" ? flops / (peak * CUBLASLT_PEAK_FRACTION) : issued / (peak * smShare * issue * (loop?.ffmaShare ?? 1)),
    memory,
    shared,
    launch: gpu.launchSeconds,
  };
  const bound = (Object.keys(seconds) as Bound[]).reduce((a, b) => (seconds[b] > seconds[a] ? b : a));
  // the same work over every SM: compute and shared time scale with the busy share, issue is full,
  // and bytes flow at the HBM bandwidth or what all SMs draw (measured sectors as above)
  const allSmRate = gpu.sms * gpu.smBytesPerSecond;
  const fullMemory = measured
    ? Math.max(measured.dramBytes / Math.min(gpu.hbmBytesPerSecond, allSmRate), measured.l2Bytes / allSmRate)
    : bytes / Math.min(gpu.hbmBytesPerSecond, allSmRate);
  const fullCompute = l.template === "cublaslt" ? seconds.compute : seconds.compute * smShare * issue;
  const fullUseTime = Math.max(fullCompute, fullMemory, shared * smShare, gpu.launchSeconds);
  return {
    kernel: l.kernel,
    template: l.template,
    grid,
    block,
    blocks,
    threadsPerBlock,
    flops,
    bytes,
    occupancy: occ,
    waves: blocks / (gpu.sms * occ.blocksPerSm),
    smShare,
    counters: measured,
    seconds,
    time: seconds[bound],
    bound,
    fullUseTime,
    peakFraction: flops / seconds[bound] / peak,
  };
}

/** The launches of a program that happen at o.batch, one after another. */
export function estimateProgram(launches: readonly ModelLaunch[], o: ModelOptions): ProgramEstimate {
  const estimates = launchesAt(launches, o.batch).map((l, i) => estimateLaunch(l, o, o.counters?.[i]));
  const timeByBound: Record<Bound, number> = { compute: 0, memory: 0, shared: 0, launch: 0 };
  for (const e of estimates) timeByBound[e.bound] += e.time;
  const time = estimates.reduce((s, e) => s + e.time, 0);
  const slowest = estimates.reduce((a, b) => (b.time > a.time ? b : a), estimates[0]);
  const sum = (f: (e: LaunchEstimate) => number) => estimates.reduce((s, e) => s + f(e), 0);
  return {
    launches: estimates,
    time,
    bound: (Object.keys(timeByBound) as Bound[]).reduce((a, b) => (timeByBound[b] > timeByBound[a] ? b : a)),
    timeByBound,
    floors: {
      compute: sum((e) => e.flops / peakFor(o.gpu, e.template, o.precision)),
      memory: sum((e) => e.bytes) / o.gpu.hbmBytesPerSecond,
      launch: estimates.length * o.gpu.launchSeconds,
    },
    dominant: slowest ? { kernel: slowest.kernel, share: time > 0 ? slowest.time / time : 0 } : { kernel: "", share: 0 },
  };
}
