import type { Kernel } from "../../3-fusion/plan.ts";
import { isBatch, type Dim } from "../../ir/shape.ts";
import { opDef } from "../../ops/index.ts";
import { cCount, cType, shapeComment, type CodegenContext } from "../context.ts";
import type { ArgView, LaunchView, ReduceChannelsView, ReduceColumnsView } from "../view.ts";
import { GPU_SMS } from "./gemm-shape.ts";
import { BLOCK_PARTIALS, TILE_TICKETS } from "./tickets.ts";

// Reductions whose inputs per output are strided: the reduced dims are leading dims (the batch)
// and maybe trailing ones, around contiguous kept dims — the bias gradients, Σ over [0] of a
// linear's [N, out] and Σ over [0, 2, 3] of a conv's [N, C, H, W]. A warp per output striding
// over them (reduce.cu.hbs) makes each lane's loads land in a different 32-byte sector, one load
// in flight at a time; these read along the contiguous dim instead:
// - trailing reduced dims (a run of H·W per channel and sample): a block per output element,
//   threads along the run (reduce_channels.cu.hbs);
// - none (columns of a matrix): a lane per column, warps over rows (reduce_columns.cu.hbs).
// Every thread's share of the elements is fixed by its index and the shape, and partial results
// combine in a fixed order: no atomics, the same bits on every run.

const THREADS = 256;
/** The fewest unrolled passes of the block (UNROLL · THREADS loads each) a split of an output reads. */
const MIN_SPLIT_PASSES = 2;
/** Unrolled passes per run: each accumulator folds this many loads before its total takes them. */
const RUN_STEPS = 256;

/** Independent accumulators per thread: loads in flight. */
const UNROLL = 4;

/** The product of dims as a C expression: a number when no dim is the batch's ("1" when empty). */
function product(dims: readonly Dim[]): string {
  return dims.some(isBatch) ? cCount(dims) : String(dims.reduce<number>((p, d) => p * (d as number), 1));
}

/** a·b as a C expression, folded when both are numbers. */
function times(a: string, b: string): string {
  return /^\d+$/.test(a) && /^\d+$/.test(b) ? String(Number(a) * Number(b)) : `(${a} * ${b})`;
}

/** The strided reduce kernel for `k`, or undefined when its dims are not leading + kept + trailing. */
export function stridedReduceKernel(ctx: CodegenContext, k: Kernel, dims: readonly number[]): { kernel: ReduceChannelsView | ReduceColumnsView; launch: LaunchView } | undefined {
  const n = k.anchor;
  const reduction = opDef(n.op).traits?.reduction;
  const x = n.inputs[0];
  const shape = x.shape;
  const kept = shape.map((_, d) => d).filter((d) => !dims.includes(d));
  // argmax has no Reduction trait (its lanes carry an index): it keeps the warp-per-output kernel
  if (!reduction || kept.length === 0) return undefined;
  const first = kept[0];
  const last = kept[kept.length - 1];
  if (first === 0 || last - first + 1 !== kept.length) return undefined;
  const outer = product(shape.slice(0, first));
  const keptCount = product(shape.slice(first, last + 1));
  const innerDims = shape.slice(last + 1);
  const r = reduction.c;
  const args: ArgView[] = [
    { decl: `const ${cType(x)}* __restrict__ x`, value: ctx.pointer(x), comment: `${ctx.label(x)} ${shapeComment(x)}` },
    { decl: `${cType(k.output)}* __restrict__ out`, value: ctx.pointer(k.output), comment: shapeComment(k.output) },
  ];
  const summary = `${n.op} over dims [${dims.join(", ")}] of ${shapeComment(x)}`;
  const accumulators = Array.from({ length: UNROLL }, (_, i) => `acc${i}`);
  const merge = accumulators.slice(1).map((a) => r.combine("acc0", a));
  // Runs of RUN_STEPS passes, each accumulator's run then folded into a total: a float sum of n
  // terms in one accumulator loses up to n·ulp (2.6e-4 over 2^20 rows of equal terms, accum54); in
  // runs, about (RUN_STEPS + n / RUN_STEPS)·ulp, as reduce.cu's runs of SUM_RUN
  const totals = accumulators.map((_, i) => `total${i}`);
  const runs = {
    STEPS: RUN_STEPS,
    totals,
    fold: accumulators.flatMap((a, i) => [r.combine(totals[i], a), `${a} = ${r.identity};`]),
    finish: accumulators.map((a, i) => r.combine(a, totals[i])),
  };
  const common = {
    name: k.name, summary, source: ctx.source(k), rules: k.rules.join(", ") || "none", params: args.map((a) => a.decl).join(", "),
    threads: THREADS, identity: r.identity, fold: r.combine("acc0", "v"), unroll: UNROLL, accumulators, merge, combineAcc: r.combine("acc", "v"), runs,
  };
  const launch = (grid: string, kernelSummary: string): LaunchView => ({
    name: k.name, kernel: `${k.name}_kernel`, grid, block: `dim3(${THREADS})`, sharedBytes: "0", args, scalars: [], scalarArgs: "batch", summary: kernelSummary, source: common.source,
  });
  const count = times(outer, product(innerDims));
  const result = (acc: string) => (r.finish ? r.finish(acc, `(float)${count}`) : acc);
  if (innerDims.length === 0) {
    const groups = THREADS / 32;
    // element (r, c) of the [outer, kept] matrix; each group's rows r, r + groups, …
    const unrolled = [
      ...accumulators.map((_, i) => `const float v${i} = in[(r + ${i * groups}) * columns];`),
      ...accumulators.map((a, i) => r.combine(a, `v${i}`)),
    ];
    const kernel: ReduceColumnsView = {
      template: "reduce_columns", ...common, groups, rows: outer, columns: keptCount, unrolled,
      lastOffset: String((UNROLL - 1) * groups), stride4: String(UNROLL * groups), result: result("acc"),
    };
    return { kernel, launch: launch(`dim3((unsigned)std::min<size_t>((${keptCount} + 31) / 32, 65535))`, summary) };
  }
  const inner = product(innerDims);
  const stride = times(keptCount, inner);
  // Runs whose length is a multiple of 4 start 16 bytes apart (the arenas are 16-byte aligned):
  // each load is then a float4, four times the bytes in flight per thread
  const vector = /^\d+$/.test(inner) && Number(inner) % 4 === 0;
  const width = vector ? 4 : 1;
  const runLoads = String(Number.isNaN(Number(inner)) ? inner : Number(inner) / width);
  const loadStride = vector ? times(keptCount, runLoads) : stride;
  const load = (v: string, j: string) => `const ${vector ? "float4" : "float"} ${v} = in[(${j} / ${runLoads}) * ${loadStride} + ${j} % ${runLoads}];`;
  // a float4's components fold in order x, y, z, w
  const fold = (acc: string, v: string) => (vector ? ["x", "y", "z", "w"].map((c) => r.combine(acc, `${v}.${c}`)) : [r.combine(acc, v)]);
  const unrolled = [
    ...accumulators.map((_, i) => load(`v${i}`, i === 0 ? "j" : `(j + ${i * THREADS})`)),
    ...accumulators.flatMap((a, i) => fold(a, `v${i}`)),
  ];
  const loads = vector ? times(outer, runLoads) : count;
  // The GPU shape splits each output's loads over blocks where the outputs alone would not fill the
  // SMs twice over (a BatchNorm's 16 channels were 16 blocks: 12 % of an H100); each split reads at
  // least MIN_SPLIT_PASSES passes of the block, so that its part is worth its store and ticket
  const maxSplits = ctx.shapeFor === "gpu" && /^\d+$/.test(keptCount) ? Math.ceil((2 * GPU_SMS) / Number(keptCount)) : 1;
  const kernel: ReduceChannelsView = {
    template: "reduce_channels", ...common, warps: THREADS / 32, outCount: keptCount, count, inner, stride, unrolled,
    loadType: vector ? "float4" : "float", loads, tail: [load("v", "j"), ...fold("acc0", "v")],
    lastOffset: String((UNROLL - 1) * THREADS), stride4: String(UNROLL * THREADS), warpCombine: r.warp, result: result("acc"),
    ...(maxSplits > 1 ? { blockSums: { maxSplits, combine: r.combine("acc", "v") } } : {}),
    // the GPU shape splits a long channel over blocks instead (blockSums), and the totals' registers
    // (32 → 38–40 on sm_90, rev55) would cost it a quarter of its occupancy
    runs: ctx.shapeFor === "cpu" ? common.runs : undefined,
  };
  const outputs = `(unsigned)std::min<size_t>(${keptCount}, 65535)`;
  if (maxSplits === 1) return { kernel, launch: launch(`dim3(${outputs})`, summary) };
  const passes = UNROLL * THREADS * MIN_SPLIT_PASSES;
  return {
    kernel,
    launch: {
      ...launch(`dim3(${outputs}, splits)`, summary),
      args: [
        ...args,
        { decl: "float* __restrict__ partials", value: BLOCK_PARTIALS, comment: `each block's part, [${keptCount}][splits]` },
        { decl: "unsigned* __restrict__ tickets", value: TILE_TICKETS, comment: "a ticket per output (zero between launches)" },
      ],
      // as many splits as make 2 waves of blocks, each ≥ MIN_SPLIT_PASSES passes of unrolled loads
      scalars: [
        `const long long loads = (long long)(${loads}), byDepth = (loads + ${passes - 1}) / ${passes};`,
        `const int splits = (int)(byDepth < ${maxSplits} ? (byDepth > 1 ? byDepth : 1) : ${maxSplits});`,
      ],
      scalarArgs: "splits, batch",
      tileTickets: Number(keptCount),
      blockPartials: Number(keptCount) * maxSplits,
    },
  };
}
