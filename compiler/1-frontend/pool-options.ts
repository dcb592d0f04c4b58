import { fail } from "../diagnostics/diagnostic.ts";
import { opt, type ArgSpec, type Bound } from "./args.ts";
import { pad } from "./composite-layers.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { maxPoolWithIndices, pooledSize } from "./pool-indices.ts";
import type { CallSite, TensorValue } from "./values.ts";

// PyTorch's pooling options beyond kernel, stride and padding: ceil_mode (GoogLeNet's and
// SqueezeNet's max pools round the output size up) and count_include_pad=False (an average over
// the window's real elements only), as compositions around the pool ops.
//
// Their argument orders, which ports pass positionally too:
//   F.max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)
//   F.avg_pool2d(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)
//   nn.MaxPool2d(kernel_size, stride, padding, dilation, return_indices, ceil_mode)
//   nn.AvgPool2d(kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)

const dilationOne = opt("dilation", "any", 1);
const returnIndices = opt("returnIndices", "bool", false);
const ceilMode = opt("ceilMode", "bool", false);
const countIncludePad = opt("countIncludePad", "bool", true);
// divisor_override: every window's sum divided by this number (zero padding and ceil mode's partial windows included)
const divisorOverride = opt("divisorOverride", "any", null, { nullable: true });

/** The options after padding, in each API's order. */
export const poolOptions = {
  maxFunction: [dilationOne, ceilMode, returnIndices],
  avgFunction: [ceilMode, countIncludePad, divisorOverride],
  maxLayer: [dilationOne, returnIndices, ceilMode],
  avgLayer: [ceilMode, countIncludePad, divisorOverride],
} satisfies Record<string, ArgSpec[]>;

/** A max pool's dilation as PyTorch takes it: a positive integer or a pair of them. */
function dilationPair(d: unknown, who: string, site: CallSite): number[] {
  const pair = Array.isArray(d) && d.length === 2 ? d : [d ?? 1, d ?? 1];
  if (!pair.every((v) => Number.isInteger(v) && (v as number) >= 1)) fail("invalidArgument", `${who}: dilation must be a positive integer or a pair of them, got ${JSON.stringify(d)}`, site.loc);
  return pair as number[];
}

/** float32's lowest: the fill of ceil mode's extra positions, never a window's maximum. */
const LOWEST = -3.4028234663852886e38;

/**
 * max_pool2d / avg_pool2d of x [N, C, H, W] with PyTorch's options. ceilMode: each spatial dim's
 * output is ⌈(n + 2p − k)/s⌉ + 1 (less one when that window would start past the input and its
 * left padding), which for max pooling is the floor-mode pool of x with the missing positions
 * added on the far side, filled with float32's lowest (an average's with zeros, its divisor clipped
 * as PyTorch's: ResNet-D's AvgPool2d(2, 2, ceil_mode=True, count_include_pad=False)). countIncludePad false: avg(x) / avg(1),
 * both with the zero padding, so the divisor counts the window's real elements. A max pool with
 * returnIndices (values and int32 indices) or a dilation is pool-indices.ts's composition.
 */
export function pool2d(
  op: "max_pool2d" | "avg_pool2d",
  x: TensorValue,
  kernel: readonly number[],
  stride: readonly number[],
  padding: readonly number[],
  b: Bound,
  site: CallSite,
  em: GraphEmitter,
  who: string,
  dilation: readonly number[] = dilationPair(b.dilation, who, site),
): TensorValue | [TensorValue, TensorValue] {
  if (op === "max_pool2d" && (b.returnIndices || dilation.some((d) => d !== 1))) {
    const [values, indices] = maxPoolWithIndices(x, kernel, stride, padding, dilation, b.ceilMode, site, em, who);
    return b.returnIndices ? [values, indices] : values;
  }
  const shape = x.node.shape;
  const extra = [2, 3].map((d, i) => {
    const n = shape[d];
    if (!b.ceilMode || typeof n !== "number") return 0;
    if (n + 2 * padding[i] - kernel[i] < 0) return 0; // the pool op reports the window that does not fit
    const out = pooledSize(n, kernel[i], stride[i], padding[i], 1, true);
    return (out - 1) * stride[i] + kernel[i] - (n + 2 * padding[i]);
  });
  // ceil mode's partial windows: the missing positions added on the far side — float32's lowest for
  // a max, zeros for an average (whose divisor then counts only what PyTorch's does, below)
  const clipped = extra.some((e) => e > 0);
  const input = clipped ? pad({ x, pad: [0, extra[1], 0, extra[0]], mode: "constant", value: op === "max_pool2d" ? LOWEST : 0 }, site, em, who) : x;
  const attrs = { kernel, stride, padding };
  const pooled = em.tensor(op, [input], attrs, who, site);
  const override = b.divisorOverride;
  if (op === "avg_pool2d" && override !== null && override !== undefined && override !== false) {
    if (typeof override !== "number" || !Number.isInteger(override) || override === 0)
      fail("invalidArgument", `${who}: divisorOverride must be a nonzero integer (or null), got ${JSON.stringify(override)}`, site.loc);
    // the pool averages over the kernel's area, the zeros of padding included: × area / divisor is sum / divisor
    return em.tensor("mul", [pooled, em.constant((kernel[0] * kernel[1]) / (override as number), site)], {}, who, site);
  }
  if (op === "max_pool2d" || (!clipped && (b.countIncludePad !== false || padding.every((p) => p === 0)))) return pooled;
  // PyTorch's divisor: the window clipped to the padded input (countIncludePad) or to the input
  // itself — the average of a 0/1 map of those positions, pooled as x is, so sum/divisor is
  // avg(x)/avg(map) (the kernel's area cancels)
  const [h, w] = shape.slice(2) as number[];
  const counted = b.countIncludePad === false ? [h, w] : [h + 2 * padding[0], w + 2 * padding[1]];
  const ones = em.tensor("full", [], { shape: [1, 1, ...counted], value: 1 }, who, site);
  const map = clipped ? pad({ x: ones, pad: [0, extra[1], 0, extra[0]], mode: "constant", value: 0 }, site, em, who) : ones;
  const divisor = em.tensor("avg_pool2d", [map], b.countIncludePad === false ? attrs : { kernel, stride, padding: [0, 0] }, who, site);
  return em.tensor("div", [pooled, divisor], {}, who, site);
}
