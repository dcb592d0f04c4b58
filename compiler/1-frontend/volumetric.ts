import { convSummary, reversedPaddingTwice } from "./layer-settings.ts";
import { fail } from "../diagnostics/diagnostic.ts";
import { batchTimes, formatShape, isBatch, type Dim } from "../ir/shape.ts";
import { arg, locOfArg, opt, transposedPaddingModeArg, type Bound } from "./args.ts";
import { pad } from "./composite-layers.ts";
import { fixedDim, ops } from "./composite-ops.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { fanInUniform, param, param_, x, type LayerSpec } from "./layer-spec.ts";
import { maxPool3dWithIndices } from "./pool-indices.ts";
import { pool2d } from "./pool-options.ts";
import { outputPaddingFor } from "./transposed-output-size.ts";
import { TensorValue, type CallSite, type Value } from "./values.ts";

// Volumes [N, C, D, H, W] (C3D, a 3-D U-Net) through the 2-D ops:
// - conv_transpose3d: each kernel depth a conv_transpose2d of all input depths, placed along D;
// - conv3d: out[:, :, d] = Σ_kd conv2d(x[:, :, d·s_d + kd·dil_d], W[:, :, kd]) — each kernel depth one
//   conv2d over every output depth at once, the depths folded into the batch ([N·D', C, H, W]);
// - pooling: a box window's max (or mean) is the max (mean) along D of the max (mean) over H×W, so
//   a 2-D pool over H×W, then one along D with H·W as the other dim; the mean's divisor is the
//   product of the per-dim counts, padding excluded or not, so that too is exact;
// - BatchNorm3d / InstanceNorm3d: the 2-D forms over [N, C, D, H·W], which normalize over the same elements.

type Triple = [number, number, number];

/** nn.Conv3d's kernel size, checked where the layer is made (checkConv3d) before its state is declared. */
const kernelOf = (v: unknown): Triple => (Array.isArray(v) ? (v as Triple) : [v as number, v as number, v as number]);

/** nn.Conv3d's arguments PyTorch checks when the layer is made. */
export function checkConv3d(b: Bound, site: CallSite, who = "nn.Conv3d"): void {
  triple(b.kernelSize, "kernelSize", 1, who, site, locOfArg(b, "kernelSize", site));
  if (b.inChannels % b.groups !== 0 || b.outChannels % b.groups !== 0)
    fail("invalidArgument", `${who}: inChannels (${b.inChannels}) and outChannels (${b.outChannels}) must be divisible by groups (${b.groups})`, locOfArg(b, "groups", site));
}

/** An int or 3 of them (PyTorch's _triple), each checked. */
function triple(v: unknown, what: string, least: number, who: string, site: CallSite, at = site.loc): Triple {
  const list = Array.isArray(v) ? v : [v, v, v];
  if (list.length !== 3 || !list.every((d) => typeof d === "number" && Number.isInteger(d) && d >= least))
    fail("invalidArgument", `${who}: ${what} must be an integer ≥ ${least} or 3 of them, got ${JSON.stringify(v)}`, at);
  return list as Triple;
}

/** [N, C, D, H, W] checked, the spatial sizes fixed. */
function volume(input: TensorValue, who: string, site: CallSite): [Dim, Dim, number, number, number] {
  const shape = input.node.shape;
  if (shape.length !== 5) fail("shapeMismatch", `${who} expects a 5-D input [N, C, D, H, W], got ${formatShape(shape)}`, site.loc);
  return [shape[0], shape[1], fixedDim(shape, 2, "the depth", who, site), fixedDim(shape, 3, "the height", who, site), fixedDim(shape, 4, "the width", who, site)];
}

/** n·k, n possibly the batch (then a multiple of it). */
const times = (n: Dim, k: number): Dim => (isBatch(n) ? batchTimes(n.batch * k) : n * k);

/**
 * A Conv3d's padding per spatial dim (D, H, W): the numbers given, "valid" (none), or "same" with
 * stride 1 — dilation·(k − 1) in all, its half on each side and, where it is odd (an even kernel),
 * the one left over after (`extra`), as PyTorch's.
 */
function conv3dPadding(b: Bound, kernel: readonly number[], stride: Triple, dilation: Triple, site: CallSite, who: string): { sym: Triple; extra: Triple } {
  if (b.padding === "valid") return { sym: [0, 0, 0], extra: [0, 0, 0] };
  if (b.padding !== "same") return { sym: triple(b.padding, "padding", 0, who, site), extra: [0, 0, 0] };
  if (stride.some((s) => s !== 1)) fail("invalidArgument", `${who}: padding "same" needs stride 1, got ${stride.join("×")}`, site.loc);
  const total = kernel.map((k, i) => dilation[i] * (k - 1));
  return { sym: total.map((t) => Math.floor(t / 2)) as Triple, extra: total.map((t) => t % 2) as Triple };
}

/**
 * nn.Conv3d with paddingMode "reflect", "replicate" or "circular", as PyTorch's: the input padded
 * by F.pad in that mode (D, H, W), then the convolution without padding.
 */
function conv3dPaddedBy(mode: string, input: TensorValue, weight: TensorValue, bias: TensorValue | null, b: Bound, site: CallSite, em: GraphEmitter, who: string): TensorValue {
  const kernel = (weight.node.shape as number[]).slice(2);
  const { sym: p, extra: e } = conv3dPadding(b, kernel, triple(b.stride, "stride", 1, who, site), triple(b.dilation, "dilation", 1, who, site), site, who);
  const amounts = [p[2], p[2] + e[2], p[1], p[1] + e[1], p[0], p[0] + e[0]];
  const padded = amounts.every((v) => v === 0) ? input : pad({ x: input, pad: amounts, mode, value: 0 }, site, em, who);
  return conv3d(padded, weight, bias, { ...b, padding: 0 }, site, em, who);
}

/** F.conv3d(x, weight [O, C/g, kd, kh, kw], bias, stride, padding, dilation, groups). */
function conv3d(input: TensorValue, weight: TensorValue, bias: TensorValue | null, b: Bound, site: CallSite, em: GraphEmitter, who: string): TensorValue {
  volume(input, who, site);
  const ws = weight.node.shape as number[];
  if (ws.length !== 5) fail("shapeMismatch", `${who} expects a weight [out, in/groups, kD, kH, kW], got ${formatShape(ws)}`, site.loc);
  const [out, , kd, kh, kw] = ws;
  const stride = triple(b.stride, "stride", 1, who, site);
  const dilation = triple(b.dilation, "dilation", 1, who, site);
  const { sym: padding, extra } = conv3dPadding(b, [kd, kh, kw], stride, dilation, site, who);
  // "same" with an even kernel: the odd one out padded after, first (PyTorch's F.pad before its conv)
  if (extra.some((e) => e > 0)) input = pad({ x: input, pad: [0, extra[2], 0, extra[1], 0, extra[0]], mode: "constant", value: 0 }, site, em, who);
  const [n, , d, h, w] = volume(input, who, site);
  const c = ops(em, who, site);
  const depth = d + 2 * padding[0];
  const outDepth = Math.floor((depth - dilation[0] * (kd - 1) - 1) / stride[0]) + 1;
  if (outDepth < 1) fail("shapeMismatch", `${who}: the kernel's depth ${kd} (dilation ${dilation[0]}) does not fit the input's ${d} (padding ${padding[0]})`, site.loc);
  const padded = padding[0] > 0 ? pad({ x: input, pad: [0, 0, 0, 0, padding[0], padding[0]], mode: "constant", value: 0 }, site, em, who) : input;
  const channels = input.node.shape[1];
  let sum: TensorValue | null = null;
  for (let k = 0; k < kd; k++) {
    // the depths this kernel slice reads: k·dil, k·dil + s, …, one per output depth
    const first = k * dilation[0];
    const slab =
      stride[0] === 1
        ? c.narrow(padded, 2, first, outDepth)
        : em.tensor("take", [padded, em.tensor("arange_int", [], { start: first, step: stride[0], length: outDepth }, who, site)], { dim: 2, mode: "vector" }, who, site);
    const planes = c.reshape(c.permute(slab, [0, 2, 1, 3, 4]), [times(n, outDepth), channels, h, w]); // [N·D', C, H, W]
    const kernel = c.reshape(c.narrow(weight, 2, k, 1), [out, ws[1], kh, kw]);
    const y = c.op("conv2d", [planes, kernel], { stride: [stride[1], stride[2]], padding: [padding[1], padding[2]], dilation: [dilation[1], dilation[2]], groups: b.groups });
    sum = sum ? c.op("add", [sum, y]) : y;
  }
  const [oh, ow] = sum!.node.shape.slice(2) as number[];
  const volumeOut = c.permute(c.reshape(sum!, [n, outDepth, out, oh, ow]), [0, 2, 1, 3, 4]); // [N, O, D', H', W']
  return bias ? c.op("add", [volumeOut, c.reshape(bias, [out, 1, 1, 1])]) : volumeOut;
}

/**
 * conv_transpose3d(x [N, C, D, H, W], weight [C, O/g, kd, kh, kw]): each kernel depth kd is a
 * conv_transpose2d of every input depth at once (the depths folded into the batch), whose slab
 * for input depth d lands at output depth d·s_d + kd·dil_d − p_d (a take's gradient along D, the
 * depths that land outside the output left out); the slabs of all kd summed, as PyTorch's sum.
 */
function convTranspose3d(input: TensorValue, weight: TensorValue, bias: TensorValue | null, b: Bound, site: CallSite, em: GraphEmitter, who: string): TensorValue {
  const [n, ch, d, h, w] = volume(input, who, site);
  const ws = weight.node.shape as number[];
  if (ws.length !== 5) fail("shapeMismatch", `${who} expects a weight [in, out/groups, kD, kH, kW], got ${formatShape(ws)}`, site.loc);
  const [, og, kd, kh, kw] = ws;
  const stride = triple(b.stride, "stride", 1, who, site);
  const padding = triple(b.padding, "padding", 0, who, site);
  const outputPadding = triple(b.outputPadding, "outputPadding", 0, who, site);
  const dilation = triple(b.dilation, "dilation", 1, who, site);
  if (outputPadding.some((p, i) => p >= Math.max(stride[i], dilation[i]))) fail("invalidArgument", `${who}: outputPadding ${outputPadding.join("×")} must be smaller than the stride or the dilation`, site.loc);
  const outDepth = (d - 1) * stride[0] - 2 * padding[0] + dilation[0] * (kd - 1) + outputPadding[0] + 1;
  if (outDepth < 1) fail("shapeMismatch", `${who}: the output's depth would be ${outDepth}`, site.loc);
  const c = ops(em, who, site);
  const planes = c.reshape(c.permute(input, [0, 2, 1, 3, 4]), [times(n, d), ch, h, w]); // [N·D, C, H, W]
  const out = og * b.groups;
  let sum: TensorValue | null = null;
  for (let k = 0; k < kd; k++) {
    const kernel = c.reshape(c.narrow(weight, 2, k, 1), [ws[0], og, kh, kw]);
    const y = c.op("conv_transpose2d", [planes, kernel], { stride: [stride[1], stride[2]], padding: [padding[1], padding[2]], outputPadding: [outputPadding[1], outputPadding[2]], dilation: [dilation[1], dilation[2]], groups: b.groups });
    const [oh, ow] = y.node.shape.slice(2) as number[];
    const slabs = c.permute(c.reshape(y, [n, d, out, oh, ow]), [0, 2, 1, 3, 4]); // [N, O, D, H', W']
    // input depths whose output depth t = i·s + k·dil − p lies in [0, outDepth): a contiguous run
    const lands = [...Array(d).keys()].filter((i) => {
      const t = i * stride[0] + k * dilation[0] - padding[0];
      return t >= 0 && t < outDepth;
    });
    if (lands.length === 0) continue;
    const first = lands[0];
    const kept = lands.length === d ? slabs : c.narrow(slabs, 2, first, lands.length);
    const at = em.tensor("arange_int", [], { start: first * stride[0] + k * dilation[0] - padding[0], step: stride[0], length: lands.length }, who, site);
    const placed = em.tensor("take_grad", [kept, at], { dim: 2, mode: "vector", size: outDepth }, who, site);
    sum = sum ? c.op("add", [sum, placed]) : placed;
  }
  if (!sum) return fail("shapeMismatch", `${who}: no input depth reaches the output`, site.loc);
  return bias ? c.op("add", [sum, c.reshape(bias, [out, 1, 1, 1])]) : sum;
}

/**
 * max_pool3d / avg_pool3d: a 2-D pool over H×W of [N, C·D, H, W], then one along D of
 * [N, C, D, H'·W'] (kernel [kd, 1]); pool-options.ts's pool2d gives ceil mode and the divisor.
 */
function pool3d(op: "max_pool2d" | "avg_pool2d", input: TensorValue, b: Bound, site: CallSite, em: GraphEmitter, who: string): TensorValue | [TensorValue, TensorValue] {
  const [n, ch, d, h, w] = volume(input, who, site);
  const kernel = triple(b.kernelSize, "kernelSize", 1, who, site, locOfArg(b, "kernelSize", site));
  const stride = b.stride === null || (Array.isArray(b.stride) && b.stride.length === 0) ? kernel : triple(b.stride, "stride", 1, who, site);
  const padding = triple(b.padding, "padding", 0, who, site);
  // a max pool's dilation spreads its window (an average pool has none)
  const dilation = op === "max_pool2d" && b.dilation !== undefined ? triple(b.dilation, "dilation", 1, who, site) : ([1, 1, 1] as Triple);
  const span = kernel.map((k, i) => dilation[i] * (k - 1) + 1);
  if (padding.some((p, i) => 2 * p > span[i])) fail("invalidArgument", `${who}: padding ${padding.join("×")} must be at most half the kernel ${span.join("×")}`, site.loc);
  // with returnIndices, the values and the int32 indices into each D×H×W volume (MaxUnpool3d's)
  if (op === "max_pool2d" && b.returnIndices) return maxPool3dWithIndices(input, kernel, stride, padding, dilation, b.ceilMode, site, em, who);
  const c = ops(em, who, site);
  const channels = fixedDim(input.node.shape, 1, "the channel dim", who, site);
  // The box's max or sum is H×W's, then D's;
  // with divisorOverride, H×W's pool sums (divisor 1) and D's divides the box's sum by it
  const divided = b.divisorOverride !== null && b.divisorOverride !== undefined;
  const planes = pool2d(op, c.reshape(input, [n, channels * d, h, w]), [kernel[1], kernel[2]], [stride[1], stride[2]], [padding[1], padding[2]], divided ? { ...b, divisorOverride: 1 } : b, site, em, who, [dilation[1], dilation[2]]) as TensorValue;
  const [oh, ow] = planes.node.shape.slice(2) as number[];
  const depths = pool2d(op, c.reshape(planes, [n, ch, d, oh * ow]), [kernel[0], 1], [stride[0], 1], [padding[0], 0], b, site, em, who, [dilation[0], 1]) as TensorValue;
  return c.reshape(depths, [n, ch, depths.node.shape[2], oh, ow]);
}

/** adaptive_avg_pool3d / adaptive_max_pool3d: H×W first, then D, as the window is a box. */
function adaptivePool3d(kind: "avg" | "max", input: TensorValue, outputSize: unknown, site: CallSite, em: GraphEmitter, who: string, adaptiveMax: AdaptiveMax): TensorValue {
  const [n, ch, d, h, w] = volume(input, who, site);
  const list = Array.isArray(outputSize) ? outputSize : [outputSize, outputSize, outputSize];
  if (list.length !== 3 || !list.every((s) => s === null || (typeof s === "number" && Number.isInteger(s) && s >= 1)))
    fail("invalidArgument", `${who}: outputSize must be a positive integer or 3 of them (null keeps a dim), got ${JSON.stringify(outputSize)}`, site.loc);
  const [od, oh, ow] = list.map((s, i) => (s === null ? [d, h, w][i] : s)) as Triple;
  const c = ops(em, who, site);
  const channels = fixedDim(input.node.shape, 1, "the channel dim", who, site);
  const pool = (t: TensorValue, size: [number, number]) => (kind === "avg" ? c.op("adaptive_avg_pool2d", [t], { outputSize: size }) : adaptiveMax(t, size, site, em, who));
  const planes = pool(c.reshape(input, [n, channels * d, h, w]), [oh, ow]);
  const depths = pool(c.reshape(planes, [n, ch, d, oh * ow]), [od, oh * ow]);
  return c.reshape(depths, [n, ch, od, oh, ow]);
}

type AdaptiveMax = (t: TensorValue, size: [number, number], site: CallSite, em: GraphEmitter, who: string) => TensorValue;

const conv3dArgs = [opt("stride", "any", 1), opt("padding", "any", 0), opt("dilation", "any", 1), opt("groups", "posInt", 1)];
/**
 * A pool layer's stride attribute without a stride given is its kernel size, as PyTorch's
 * (`self.stride = stride if (stride is not None) else kernel_size`, _MaxPoolNd and AvgPool2d/3d):
 * pytorch-i3d's MaxPool3dSamePadding computes its padding from `self.stride[dim]`.
 */
export const poolAttributes = (b: Bound): Record<string, Value> => ({ stride: b.stride ?? b.kernelSize });

/**
 * A 3-D pool's arguments after the input. The max pool's last two differ between the layer and the
 * function, as PyTorch's: nn.MaxPool3d(…, dilation, return_indices, ceil_mode), F.max_pool3d(…,
 * dilation, ceil_mode, return_indices).
 */
const pool3dArgs = (avg: boolean, functional = false) => [
  arg("kernelSize", "any"),
  opt("stride", "any", null, { nullable: true }),
  opt("padding", "any", 0),
  ...(avg
    ? [opt("ceilMode", "bool", false), opt("countIncludePad", "bool", true), opt("divisorOverride", "any", null, { nullable: true })]
    : functional
      ? [opt("dilation", "any", 1), opt("ceilMode", "bool", false), opt("returnIndices", "bool", false)]
      : [opt("dilation", "any", 1), opt("returnIndices", "bool", false), opt("ceilMode", "bool", false)]),
];

export function volumetricLayers(adaptiveMax: AdaptiveMax, batchNorm2d: LayerSpec, instanceNorm: LayerSpec): Record<string, LayerSpec> {
  const flattened = (spec: LayerSpec, name: string): LayerSpec => ({
    ...spec,
    forward: (self, b, call, site, em, who) => {
      const input: TensorValue = call.x;
      const [n, ch, d, h, w] = volume(input, who, site);
      const c = ops(em, who, site);
      const y = spec.forward(self, b, { ...call, x: c.reshape(input, [n, ch, d, h * w]) }, site, em, who) as TensorValue;
      return c.reshape(y, [n, ch, d, h, w]);
    },
    summary: spec.summary ?? (() => name),
  });
  return {
    Conv3d: {
      optional: ["bias"],
      args: [arg("inChannels", "posInt"), arg("outChannels", "posInt"), arg("kernelSize", "any"), ...conv3dArgs, opt("bias", "bool", true), opt("paddingMode", "string", "zeros", { choices: ["zeros", "reflect", "replicate", "circular"] })],
      state: (b) => {
        const k = kernelOf(b.kernelSize);
        const fanIn = (b.inChannels / b.groups) * k[0] * k[1] * k[2];
        return { params: [param("weight", [b.outChannels, b.inChannels / b.groups, ...k], fanInUniform(fanIn)), ...(b.bias ? [param("bias", [b.outChannels], fanInUniform(fanIn))] : [])] };
      },
      summary: (b) => convSummary(b),
      attributes: (b) => {
        const three = (v: unknown, fill: number) => (Array.isArray(v) ? (v as number[]) : [0, 1, 2].map(() => (v ?? fill) as number));
        const total = kernelOf(b.kernelSize).map((k, i) => three(b.dilation, 1)[i] * (k - 1));
        const sym = b.padding === "valid" ? [0, 0, 0] : b.padding === "same" ? total.map((t) => Math.floor(t / 2)) : three(b.padding, 0);
        return { _reversed_padding_repeated_twice: reversedPaddingTwice(sym, b.padding === "same" ? total.map((t) => t % 2) : undefined) };
      },
      inputs: [x],
      forward: (self, b, call, site, em, who) =>
        b.paddingMode === "zeros" ? conv3d(call.x, param_(self, "weight")!, param_(self, "bias"), b, site, em, who) : conv3dPaddedBy(b.paddingMode, call.x, param_(self, "weight")!, param_(self, "bias"), b, site, em, who),
    },
    ConvTranspose3d: {
      optional: ["bias"],
      args: [
        arg("inChannels", "posInt"),
        arg("outChannels", "posInt"),
        arg("kernelSize", "any"),
        opt("stride", "any", 1),
        opt("padding", "any", 0),
        opt("outputPadding", "any", 0),
        opt("groups", "posInt", 1),
        opt("bias", "bool", true),
        opt("dilation", "any", 1),
        transposedPaddingModeArg,
      ],
      // PyTorch takes fan_in from the weight's dim 1 (out/groups) times the kernel
      state: (b) => {
        const k = kernelOf(b.kernelSize);
        const fanIn = (b.outChannels / b.groups) * k[0] * k[1] * k[2];
        return { params: [param("weight", [b.inChannels, b.outChannels / b.groups, ...k], fanInUniform(fanIn)), ...(b.bias ? [param("bias", [b.outChannels], fanInUniform(fanIn))] : [])] };
      },
      summary: (b) => convSummary(b),
      // forward(x, outputSize): PyTorch's output_size, which picks the output padding
      inputs: [x, opt("outputSize", "any", null, { nullable: true })],
      forward: (self, b, call, site, em, who) => {
        const weight = param_(self, "weight")!;
        if (call.outputSize === null) return convTranspose3d(call.x, weight, param_(self, "bias"), b, site, em, who);
        volume(call.x, who, site);
        const conv = { kernelSize: (weight.node.shape as number[]).slice(2), stride: triple(b.stride, "stride", 1, who, site), padding: triple(b.padding, "padding", 0, who, site), dilation: triple(b.dilation, "dilation", 1, who, site) };
        return convTranspose3d(call.x, weight, param_(self, "bias"), { ...b, outputPadding: outputPaddingFor(call.outputSize, call.x, conv, site, who) }, site, em, who);
      },
    },
    MaxPool3d: { args: pool3dArgs(false), attributes: poolAttributes, inputs: [x], forward: (_self, b, call, site, em, who) => pool3d("max_pool2d", call.x, b, site, em, who) },
    AvgPool3d: { args: pool3dArgs(true), attributes: poolAttributes, inputs: [x], forward: (_self, b, call, site, em, who) => pool3d("avg_pool2d", call.x, b, site, em, who) },
    AdaptiveAvgPool3d: { args: [arg("outputSize", "any")], inputs: [x], forward: (_self, b, call, site, em, who) => adaptivePool3d("avg", call.x, b.outputSize, site, em, who, adaptiveMax) },
    AdaptiveMaxPool3d: { args: [arg("outputSize", "any")], inputs: [x], forward: (_self, b, call, site, em, who) => adaptivePool3d("max", call.x, b.outputSize, site, em, who, adaptiveMax) },
    BatchNorm3d: flattened(batchNorm2d, "BatchNorm3d"),
    InstanceNorm3d: flattened(instanceNorm, "InstanceNorm3d"),
  };
}

export function volumetricFunctions(adaptiveMax: AdaptiveMax): Record<string, { args: ReturnType<typeof arg>[]; lower: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => Value }> {
  return {
    conv3d: {
      args: [arg("input", "tensor"), arg("weight", "tensor"), opt("bias", "tensor", null, { nullable: true }), ...conv3dArgs],
      lower: (b, site, em, who) => conv3d(b.input, b.weight, b.bias, b, site, em, who),
    },
    // F.conv_transpose3d(input, weight [in, out/groups, kD, kH, kW], bias, stride, padding, output_padding, groups, dilation): the layer's composition of any weight
    convTranspose3d: {
      args: [arg("input", "tensor"), arg("weight", "tensor"), opt("bias", "tensor", null, { nullable: true }), opt("stride", "any", 1), opt("padding", "any", 0), opt("outputPadding", "any", 0), opt("groups", "posInt", 1), opt("dilation", "any", 1)],
      lower: (b, site, em, who) => convTranspose3d(b.input, b.weight, b.bias, b, site, em, who),
    },
    maxPool3d: { args: [x, ...pool3dArgs(false, true)], lower: (b, site, em, who) => pool3d("max_pool2d", b.x, b, site, em, who) },
    avgPool3d: { args: [x, ...pool3dArgs(true)], lower: (b, site, em, who) => pool3d("avg_pool2d", b.x, b, site, em, who) },
    adaptiveAvgPool3d: { args: [x, arg("outputSize", "any")], lower: (b, site, em, who) => adaptivePool3d("avg", b.x, b.outputSize, site, em, who, adaptiveMax) },
    adaptiveMaxPool3d: { args: [x, arg("outputSize", "any")], lower: (b, site, em, who) => adaptivePool3d("max", b.x, b.outputSize, site, em, who, adaptiveMax) },
  };
}
