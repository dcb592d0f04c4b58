import { imagesOf } from "../../ir/shape.ts";
import type { Kernel } from "../../3-fusion/plan.ts";
import type { Node } from "../../ir/node.ts";
import { shapeComment, type CodegenContext } from "../context.ts";
import type { ArgView, BatchNormPartsView, BatchNormSplitView, LaunchView, PreLaunchView } from "../view.ts";
import { GPUS } from "../../gpu-specs.ts";
import { affineCount } from "../launches.ts";
import { GPU_SMS } from "./gemm-shape.ts";
import { BLOCK_PARTIALS, TILE_TICKETS } from "./tickets.ts";

// A BatchNorm on the GPU shape, where its channels are too few to fill the SMs with a block each
// (ResNet's 16 channels: 16 blocks, 12 % of an H100, ~660 µs of its step at batch 256 in the
// model): the statistics (and an input gradient's channel sums) over many blocks per channel in
// launches of their own (batch_norm_parts.cu.hbs, merged in a fixed order by each channel's last
// block), then the normalization as one elementwise pass over the whole grid (batch_norm.cu.hbs and
// batch_norm_grad.cu.hbs, `split`). The CPU target keeps a block per channel: its code and rounding.

const THREADS = 256;
/** The fewest values a block of the statistics takes: 8 per thread, worth its partial and ticket. */
const MIN_CHUNK = 8 * THREADS;

/**
 * The blocks that draw an H100's whole HBM bandwidth, each at one SM's share of L2 bandwidth (the
 * performance model's figures, gpu-specs.ts): 54. With as many channels, a block per channel is
 * already bandwidth-bound, and the split's extra pass over x would cost more than it gains
 * (`examples/composed`'s 64 channels: 15 → 30 µs for an input gradient in the model).
 */
const SATURATING_BLOCKS = Math.ceil(GPUS.h100.hbmBytesPerSecond / GPUS.h100.smBytesPerSecond);

/** Whether a BatchNorm of C channels is split on this shape: the GPU's, where C blocks cannot draw the bandwidth. */
export function splitsBatchNorm(ctx: CodegenContext, C: number): boolean {
  return ctx.shapeFor === "gpu" && C < SATURATING_BLOCKS;
}

export interface BatchNormSplit {
  /** The statistics (and sums) kernels; `view.split` says where they leave their results. */
  readonly view: BatchNormPartsView;
  /** The launch fields of the elementwise pass: its grid, scalars, the pre-launches and the region it uses. */
  readonly launch: Pick<LaunchView, "grid" | "notes" | "scalars" | "scalarArgs" | "before" | "tileTickets" | "blockPartials">;
  /** The pointer the elementwise pass reads the statistics from. */
  readonly partsArg: ArgView;
}

/**
 * The launches before a split BatchNorm's elementwise pass. `statsArgs`: x and the running
 * statistics it reads (and, with `running`, moves); `sumsArgs`: dy, x and the weight of an input
 * gradient's sums (absent: no sums kernel).
 */
export function batchNormSplit(
  ctx: CodegenContext,
  k: Kernel,
  x: Node,
  o: { readonly eps: string; readonly track: boolean; readonly training?: string; readonly running?: BatchNormPartsView["running"]; readonly statsArgs: readonly ArgView[]; readonly sums?: { readonly args: readonly ArgView[]; readonly hasWeight: boolean } },
): BatchNormSplit {
  const C = x.shape[1] as number;
  const inner = (x.shape.slice(2) as number[]).reduce((p, q) => p * q, 1);
  const maxSplits = Math.ceil((2 * GPU_SMS) / C);
  // parts: each block's pair, [C][maxSplits][2]; then the channels' statistics and sums, [C][2] each
  const name = `${k.name}_parts`;
  const split: BatchNormSplitView = { STATS: 2 * C * maxSplits, SUMS: 2 * C * maxSplits + 2 * C, producers: [`${name}_stats_kernel`, ...(o.sums ? [`${name}_sums_kernel`] : [])].join(" and ") };
  const view: BatchNormPartsView = {
    template: "batch_norm_parts",
    name,
    summary: `${k.anchor.op}'s statistics over the ${C} channels of ${shapeComment(x)}, many blocks per channel`,
    source: ctx.source(k),
    rules: "none",
    params: o.statsArgs.map((a) => a.decl).join(", "),
    C,
    inner,
    eps: o.eps,
    track: o.track,
    ...(o.running ? { running: o.running } : {}),
    ...(o.sums ? { sums: { hasWeight: o.sums.hasWeight, params: o.sums.args.map((a) => a.decl).join(", ") } } : {}),
    split,
  };
  const workspace = [BLOCK_PARTIALS, TILE_TICKETS];
  // the kernels' `batch` is the image count N of x [N, C, …]: the batch, a multiple of it, or fixed
  const images = imagesOf(x.shape[0]).c;
  const values = affineCount(x);
  const scaled = (a: { perSample: number; fixed: number }, f: number) => ({ perSample: a.perSample * f, fixed: a.fixed * f });
  const preLaunch = (kernel: string, args: readonly ArgView[], comment: string, flops: number, words: number): PreLaunchView => ({
    kernel: `${kernel}_kernel`,
    grid: `dim3(${C}, splits)`,
    block: `dim3(${THREADS})`,
    args: [...args.map((a) => a.value), ...workspace, "splits", images, o.training ?? "r->training"].join(", "),
    comment,
    flops: scaled(values, flops),
    bytes: scaled(values, 4 * words),
  });
  const before = [
    preLaunch(`${view.name}_stats`, o.statsArgs, `${C} channels' statistics, \`splits\` blocks each (${view.name}_stats_kernel)`, 4, 1),
    ...(o.sums ? [preLaunch(`${view.name}_sums`, o.sums.args, `their input gradient's channel sums, as many blocks (${view.name}_sums_kernel)`, 5, 2)] : []),
  ];
  return {
    view,
    partsArg: { decl: "const float* __restrict__ parts", value: BLOCK_PARTIALS, comment: `the channels' statistics at parts[${split.STATS}]${o.sums ? ` and sums at parts[${split.SUMS}]` : ""}` },
    launch: {
      grid: `dim3((unsigned)std::min<size_t>((count * ${C} + ${THREADS - 1}) / ${THREADS}, 65535))`,
      notes: [`BatchNorm statistics: as many blocks per channel as make two waves of an H100's ${GPU_SMS} SMs (at most ${maxSplits}),`, `each taking at least ${MIN_CHUNK} values (${MIN_CHUNK / THREADS} per thread: worth its partial and ticket)`],
      scalars: [
        `const size_t count = (size_t)${images} * ${inner};`,
        `const long long byDepth = (long long)((count + ${MIN_CHUNK - 1}) / ${MIN_CHUNK});`,
        `const int splits = (int)(byDepth < ${maxSplits} ? (byDepth > 1 ? byDepth : 1) : ${maxSplits});`,
      ],
      scalarArgs: `${images}, ${o.training ?? "r->training"}`,
      before,
      tileTickets: C,
      blockPartials: split.SUMS + 2 * C,
    },
  };
}
