import { fail } from "../diagnostics/diagnostic.ts";
import { formatShape } from "../ir/shape.ts";
import { arg, opt, type Bound } from "./args.ts";
import { clampBetween, fixedDim, ops } from "./composite-ops.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import type { LayerSpec } from "./layer-spec.ts";
import { describe, type CallSite, type TensorValue, type Value } from "./values.ts";

// Max pooling that also gives where each maximum came from (PyTorch's return_indices=True,
// SegNet's encoder), max pooling with a dilation, and max unpooling (SegNet's decoder), as
// compositions:
//
//   maxPoolWithIndices(x [N, C, H, W]): each window's taps (i, j) are takes of rows and columns of x,
//     −∞ in the padding (and in ceil mode's positions past the input), joined into
//     [N, C, kh·kw, L]; a = argmax over the taps (the first maximum in (i, j) order, a NaN winning,
//     as PyTorch's kernel scans), the value the tap a holds (so its gradient reaches that element
//     only, as PyTorch's max_pool2d_backward sends it), and the index PyTorch returns: the flat
//     position in x's H×W plane, (oh·s_h − p_h + i·d_h)·W + (ow·s_w − p_w + j·d_w), int32.
//   maxUnpool(x [N, C, h, w], indices, [H, W]): zeros [N, C, H·W] with x written at the indices
//     (take's gradient: a sum where an index repeats, which overlapping windows make — their values
//     are equal, the same input element — so the sum is corrected to one write, S(x) − S(x̄·(1 − 1/c)),
//     c the writes at each index and x̄ x without gradient: x's gradient stays the gather of the
//     output's at its index, PyTorch's max_unpool backward).

type Ops = ReturnType<typeof ops>;

/** A pool's output size along a dim, PyTorch's (pooling_output_shape): ceil mode drops a window starting past the input. */
export function pooledSize(n: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  const span = n + 2 * p - d * (k - 1) - 1;
  let out = Math.floor((ceil ? span + s - 1 : span) / s) + 1;
  if (ceil && (out - 1) * s >= n + p) out -= 1;
  return out;
}

/** The values and int32 indices of a max pool of x [N, C, H, W] (PyTorch's kernel, stride, padding, dilation, ceil mode). */
export function maxPoolWithIndices(
  x: TensorValue,
  kernel: readonly number[],
  stride: readonly number[],
  padding: readonly number[],
  dilation: readonly number[],
  ceilMode: boolean,
  site: CallSite,
  em: GraphEmitter,
  who: string,
): [TensorValue, TensorValue] {
  const shape = x.node.shape;
  if (shape.length !== 4) fail("shapeMismatch", `${who} expects a 4-D input [N, C, H, W], got ${formatShape(shape)}`, site.loc);
  const [n, ch] = shape;
  const [h, w] = [fixedDim(shape, 2, "the height", who, site), fixedDim(shape, 3, "the width", who, site)];
  for (let i = 0; i < 2; i++)
    if (padding[i] * 2 > kernel[i]) fail("invalidArgument", `${who}: pad should be at most half of effective kernel size, but got pad=${padding[i]}, kernel_size=${kernel[i]}`, site.loc);
  const [oh, ow] = [pooledSize(h, kernel[0], stride[0], padding[0], dilation[0], ceilMode), pooledSize(w, kernel[1], stride[1], padding[1], dilation[1], ceilMode)];
  if (oh < 1 || ow < 1) fail("shapeMismatch", `${who}: a ${kernel.join("×")} window (dilation ${dilation.join("×")}) does not fit the input's ${h}×${w} with padding ${padding.join("×")}`, site.loc);
  const c = ops(em, who, site);
  const L = oh * ow;
  const minusInfinity = em.node("full", [], { shape: [], value: -Infinity }, who, site);
  /** The positions tap t reads along a dim (t·d − p + s·o), clamped into it, and 1 where inside, 0 in the padding. */
  const along = (t: number, i: 0 | 1, count: number, size: number) => {
    const at = c.op("arange", [], { start: t * dilation[i] - padding[i], step: stride[i], length: count });
    const inside = c.op("mul", [c.op("ge", [at, 0]), c.op("le", [at, size - 1])]);
    return { positions: c.op("to_int", [clampBetween(c, at, 0, size - 1)]), inside };
  };
  const taps: TensorValue[] = [];
  for (let i = 0; i < kernel[0]; i++)
    for (let j = 0; j < kernel[1]; j++) {
      const [r, q] = [along(i, 0, oh, h), along(j, 1, ow, w)];
      const tap = c.op("take", [c.op("take", [x, r.positions], { dim: 2, mode: "vector" }), q.positions], { dim: 3, mode: "vector" });
      // the padding (and ceil mode's positions past the input) −∞, never a maximum but of an all −∞ window
      const inside = c.op("mul", [c.reshape(r.inside, [oh, 1]), c.reshape(q.inside, [1, ow])]);
      taps.push(c.reshape(c.op("where", [inside, tap, minusInfinity]), [n, ch, 1, L]));
    }
  const windows = taps.length === 1 ? taps[0] : c.op("concat", taps, { dim: 2 }); //           [N, C, kh·kw, L]
  const a = c.op("argmax", [windows], { dims: [2], keepdim: true }); //                         [N, C, 1, L], int32
  const values = c.reshape(c.op("take", [windows, a], { dim: 2, mode: "elementwise" }), [n, ch, oh, ow]);
  return [values, c.reshape(flatIndex(c, a, kernel, stride, padding, dilation, oh, ow, w), [n, ch, oh, ow])];
}

/**
 * max_pool3d's values and int32 indices of x [N, C, D, H, W] (PyTorch's return_indices=True), from
 * two pools with indices: over H×W of [N, C·D, H, W] (the plane index h·W + w at each depth), then
 * along D of [N, C, D, H'·W'] (depth·H'·W' + l). A box's maximum is the maximum along D of the planes'
 * maxima, and the first in (d, h, w) order is the first depth's first in (h, w) order, as PyTorch's
 * kernel scans; the index is depth·H·W + the chosen depth's plane index, into each D×H×W volume.
 */
export function maxPool3dWithIndices(
  x: TensorValue,
  kernel: readonly number[],
  stride: readonly number[],
  padding: readonly number[],
  dilation: readonly number[],
  ceilMode: boolean,
  site: CallSite,
  em: GraphEmitter,
  who: string,
): [TensorValue, TensorValue] {
  const shape = x.node.shape;
  if (shape.length !== 5) fail("shapeMismatch", `${who} expects a 5-D input [N, C, D, H, W], got ${formatShape(shape)}`, site.loc);
  const [n, ch] = shape;
  const [channels, d, h, w] = [1, 2, 3, 4].map((i) => fixedDim(shape, i, ["the channel dim", "the depth", "the height", "the width"][i - 1], who, site));
  const c = ops(em, who, site);
  const [planes, planeAt] = maxPoolWithIndices(c.reshape(x, [n, channels * d, h, w]), kernel.slice(1), stride.slice(1), padding.slice(1), dilation.slice(1), ceilMode, site, em, who);
  const [oh, ow] = planes.node.shape.slice(2) as number[];
  const L = oh * ow;
  const [values, depthAt] = maxPoolWithIndices(c.reshape(planes, [n, ch, d, L]), [kernel[0], 1], [stride[0], 1], [padding[0], 0], [dilation[0], 1], ceilMode, site, em, who);
  const od = values.node.shape[2] as number;
  // in float32, exact: the indices stay below the volume's size (D·H·W < 2²⁴ in practice)
  const depth = c.op("floor", [c.op("div", [c.op("to_float", [depthAt]), L])]); //                 [N, C, D', L]
  const plane = c.op("take", [c.op("to_float", [c.reshape(planeAt, [n, ch, d, L])]), c.op("to_int", [depth])], { dim: 2, mode: "elementwise" });
  const index = c.op("to_int", [c.op("add", [c.op("mul", [depth, h * w]), plane])]);
  return [c.reshape(values, [n, ch, od, oh, ow]), c.reshape(index, [n, ch, od, oh, ow])];
}

/** (oh·s_h − p_h + i·d_h)·W + (ow·s_w − p_w + j·d_w) for tap a = i·kw + j of output l = oh·OW + ow, int32. */
function flatIndex(c: Ops, a: TensorValue, kernel: readonly number[], stride: readonly number[], padding: readonly number[], dilation: readonly number[], oh: number, ow: number, width: number): TensorValue {
  // in float32, exact: every value here is below the plane's size, which int32 indices bound far below 2²⁴ in practice
  const l = c.op("arange", [], { start: 0, step: 1, length: oh * ow });
  const row = c.op("floor", [c.op("div", [l, ow])]);
  const col = c.op("sub", [l, c.op("mul", [row, ow])]);
  const tap = c.op("to_float", [a]);
  const i = c.op("floor", [c.op("div", [tap, kernel[1]])]);
  const j = c.op("sub", [tap, c.op("mul", [i, kernel[1]])]);
  const y = c.op("add", [c.op("sub", [c.op("mul", [row, stride[0]]), padding[0]]), c.op("mul", [i, dilation[0]])]);
  const x = c.op("add", [c.op("sub", [c.op("mul", [col, stride[1]]), padding[1]]), c.op("mul", [j, dilation[1]])]);
  return c.op("to_int", [c.op("add", [c.op("mul", [y, width]), x])]);
}

/** x [N, C, h, w] written at indices (int32, into an [H, W] plane) of zeros [N, C, H, W]: PyTorch's max_unpool2d. */
export function maxUnpool(x: TensorValue, indices: TensorValue, size: readonly [number, number], site: CallSite, em: GraphEmitter, who: string): TensorValue {
  const [s, t] = [x.node.shape, indices.node.shape];
  if (s.length !== 4) fail("shapeMismatch", `${who} expects an input [N, C, H, W], got ${formatShape(s)}`, site.loc);
  if (indices.node.dtype !== "i32" || formatShape(s) !== formatShape(t))
    fail("shapeMismatch", `${who}: indices must be the int32 indices of the pool that made the input (its shape, ${formatShape(s)}), got ${indices.node.dtype === "i32" ? "int32" : "float32"} ${formatShape(t)}`, site.loc);
  const [n, ch] = s;
  const L = fixedDim(s, 2, "the height", who, site) * fixedDim(s, 3, "the width", who, site);
  const plane = size[0] * size[1];
  const c = ops(em, who, site);
  const [values, at] = [c.reshape(x, [n, ch, L]), c.reshape(indices, [n, ch, L])];
  const write = (v: TensorValue) => c.op("take_grad", [v, at], { dim: 2, mode: "elementwise", size: plane });
  const ones = c.op("expand", [em.node("full", [], { shape: [], value: 1 }, who, site)], { shape: [n, ch, L] });
  const writes = c.op("take", [write(ones), at], { dim: 2, mode: "elementwise" }); //            c at each element's index
  const surplus = c.op("mul", [c.op("detach", [values]), c.op("sub", [1, c.op("div", [1, writes])])]);
  return c.reshape(c.op("sub", [write(values), write(surplus)]), [n, ch, size[0], size[1]]);
}

/** A size or an [a, b] pair, each positive: PyTorch's int-or-tuple arguments. */
function pairOf(v: unknown, what: string, fill: number, who: string, site: CallSite): number[] {
  const pair = v === null || v === undefined ? [fill, fill] : Array.isArray(v) ? v : [v, v];
  if (pair.length !== 2 || !pair.every((d) => Number.isInteger(d) && (d as number) >= 0)) fail("invalidArgument", `${who}: ${what} must be an integer or a pair of them, got ${describe(v as Value)}`, site.loc);
  return pair as number[];
}

/** A size or an [a, b, c] triple, each positive: PyTorch's _triple arguments of max_unpool3d. */
function tripleOf(v: unknown, what: string, fill: number, who: string, site: CallSite): number[] {
  const list = v === null || v === undefined ? [fill, fill, fill] : Array.isArray(v) ? v : [v, v, v];
  if (list.length !== 3 || !list.every((d) => Number.isInteger(d) && (d as number) >= 0)) fail("invalidArgument", `${who}: ${what} must be an integer or 3 of them, got ${describe(v as Value)}`, site.loc);
  return list as number[];
}

/**
 * max_unpool3d: x [N, C, d, h, w] written at MaxPool3d's indices (into each D×H×W volume) of zeros
 * [N, C, D, H, W] — maxUnpool over the flattened volume. D, H, W: outputSize's last three, else
 * (in − 1)·stride − 2·padding + kernel per dim, each given size within a stride of that, as PyTorch's.
 */
function unpooled3d(input: TensorValue, indices: TensorValue, b: Bound, site: CallSite, em: GraphEmitter, who: string): TensorValue {
  const shape = input.node.shape;
  if (shape.length !== 5) fail("shapeMismatch", `${who} expects a 5-D input [N, C, D, H, W], got ${formatShape(shape)}`, site.loc);
  const kernel = tripleOf(b.kernelSize, "kernelSize", 1, who, site);
  const stride = b.stride === null ? kernel : tripleOf(b.stride, "stride", 1, who, site);
  const padding = tripleOf(b.padding, "padding", 0, who, site);
  const spatial = [2, 3, 4].map((i) => fixedDim(shape, i, ["the depth", "the height", "the width"][i - 2], who, site));
  const fallback = spatial.map((d, i) => (d - 1) * stride[i] - 2 * padding[i] + kernel[i]);
  let size = fallback;
  if (b.outputSize !== null) {
    const given = Array.isArray(b.outputSize) ? b.outputSize.slice(-3) : null;
    if (!given || given.length !== 3 || !given.every((d) => Number.isInteger(d) && (d as number) >= 1))
      fail("invalidArgument", `${who}: outputSize is the output's [D, H, W] (or [N, C, D, H, W]), got ${describe(b.outputSize)}`, site.loc);
    size = given as number[];
    size.forEach((d, i) => {
      const [lo, hi] = [fallback[i] - stride[i], fallback[i] + stride[i]];
      if (!(d > lo && d < hi))
        fail("invalidArgument", `${who}: invalid outputSize [${(b.outputSize as number[]).join(", ")}]: dim ${i} must be between ${lo + 1} and ${hi - 1} (the default ${fallback[i]} within the stride ${stride[i]}), as PyTorch's`, site.loc);
    });
  }
  if (indices.node.dtype !== "i32" || formatShape(indices.node.shape) !== formatShape(shape))
    fail("shapeMismatch", `${who}: indices must be the int32 indices of the pool that made the input (its shape, ${formatShape(shape)}), got ${indices.node.dtype === "i32" ? "int32" : "float32"} ${formatShape(indices.node.shape)}`, site.loc);
  const c = ops(em, who, site);
  const [n, ch] = shape;
  const flat = (t: TensorValue) => c.reshape(t, [n, ch, spatial[0], spatial[1] * spatial[2]]);
  const out = maxUnpool(flat(input), flat(indices), [size[0], size[1] * size[2]], site, em, who);
  return c.reshape(out, [n, ch, size[0], size[1], size[2]]);
}

/** A 1-D unpool's size as PyTorch's _single takes it: an integer or a one-element list of one. */
function singleOf(v: unknown, what: string, min: number, who: string, site: CallSite): number {
  const one = Array.isArray(v) && v.length === 1 ? v[0] : v;
  if (!(Number.isInteger(one) && (one as number) >= min)) fail("invalidArgument", `${who}: ${what} must be ${min === 0 ? "a non-negative" : "a positive"} integer (or a one-element list of one), got ${Array.isArray(v) ? JSON.stringify(v) : describe(v as Value)}`, site.loc);
  return one as number;
}

/**
 * max_unpool2d's (and, as [N, C, 1, L], max_unpool1d's) output plane: outputSize's last two (or
 * one) sizes, else (in − 1)·stride − 2·padding + kernel per dim, PyTorch's default.
 */
function unpooled(input: TensorValue, indices: TensorValue, b: Bound, dims: 1 | 2, site: CallSite, em: GraphEmitter, who: string): TensorValue {
  const shape = input.node.shape;
  if (shape.length !== dims + 2) fail("shapeMismatch", `${who} expects a ${dims + 2}-D input, got ${formatShape(shape)}`, site.loc);
  const kernel = dims === 2 ? pairOf(b.kernelSize, "kernelSize", 1, who, site) : [1, singleOf(b.kernelSize, "kernelSize", 1, who, site)];
  const stride = dims === 2 ? (b.stride === null ? kernel : pairOf(b.stride, "stride", 1, who, site)) : [1, b.stride === null ? kernel[1] : singleOf(b.stride, "stride", 1, who, site)];
  const padding = dims === 2 ? pairOf(b.padding, "padding", 0, who, site) : [0, singleOf(b.padding, "padding", 0, who, site)];
  const spatial = dims === 2 ? shape.slice(2) : [1, shape[2]];
  const fallback = spatial.map((d, i) => ((typeof d === "number" ? d : 0) - 1) * stride[i] - 2 * padding[i] + kernel[i]);
  let size = fallback;
  if (b.outputSize !== null) {
    const given = Array.isArray(b.outputSize) ? b.outputSize.slice(-dims) : null;
    if (!given || given.length !== dims || !given.every((d) => Number.isInteger(d) && (d as number) >= 1))
      fail("invalidArgument", `${who}: outputSize is the output's ${dims === 2 ? "[H, W] (or [N, C, H, W])" : "[L] (or [N, C, L])"}, got ${describe(b.outputSize)}`, site.loc);
    size = dims === 2 ? (given as number[]) : [1, (given as number[])[0]];
    // PyTorch's _unpool_output_size: each size strictly within a stride of the default (a wrong
    // skip.size() would otherwise scatter the values over a plane of another width)
    size.forEach((d, i) => {
      if (dims === 1 && i === 0) return;
      const [lo, hi] = [fallback[i] - stride[i], fallback[i] + stride[i]];
      if (!(d > lo && d < hi))
        fail("invalidArgument", `${who}: invalid outputSize [${(b.outputSize as number[]).join(", ")}]: dim ${i - (2 - dims)} must be between ${lo + 1} and ${hi - 1} (the default ${fallback[i]} within the stride ${stride[i]}), as PyTorch's`, site.loc);
    });
  }
  const c = ops(em, who, site);
  const as4d = (t: TensorValue) => (dims === 2 ? t : c.reshape(t, [shape[0], shape[1], 1, shape[2]]));
  const out = maxUnpool(as4d(input), as4d(indices), [size[0], size[1]], site, em, who);
  return dims === 2 ? out : c.reshape(out, [shape[0], shape[1], size[1]]);
}

const unpoolArgs = [arg("kernelSize", "any"), opt("stride", "any", null, { nullable: true }), opt("padding", "any", 0)];

/** nn.MaxUnpool1d/2d/3d(kernelSize, stride = kernelSize, padding = 0), called (input, indices, outputSize?). */
export const unpoolLayers: Record<string, LayerSpec> = {
  MaxUnpool2d: {
    args: unpoolArgs,
    inputs: [arg("x", "tensor"), arg("indices", "tensor"), opt("outputSize", "any", null, { nullable: true })],
    forward: (_self, b, call, site, em, who) => unpooled(call.x, call.indices, { ...b, outputSize: call.outputSize }, 2, site, em, who),
  },
  MaxUnpool3d: {
    args: unpoolArgs,
    inputs: [arg("x", "tensor"), arg("indices", "tensor"), opt("outputSize", "any", null, { nullable: true })],
    forward: (_self, b, call, site, em, who) => unpooled3d(call.x, call.indices, { ...b, outputSize: call.outputSize }, site, em, who),
  },
  MaxUnpool1d: {
    args: unpoolArgs,
    inputs: [arg("x", "tensor"), arg("indices", "tensor"), opt("outputSize", "any", null, { nullable: true })],
    forward: (_self, b, call, site, em, who) => unpooled(call.x, call.indices, { ...b, outputSize: call.outputSize }, 1, site, em, who),
  },
};

/** F.max_unpool1d/2d/3d(input, indices, kernel_size, stride=None, padding=0, output_size=None). */
export const unpoolFunctions = {
  maxUnpool2d: {
    args: [arg("input", "tensor"), arg("indices", "tensor"), ...unpoolArgs, opt("outputSize", "any", null, { nullable: true })],
    lower: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => unpooled(b.input, b.indices, b, 2, site, em, who),
  },
  maxUnpool3d: {
    args: [arg("input", "tensor"), arg("indices", "tensor"), ...unpoolArgs, opt("outputSize", "any", null, { nullable: true })],
    lower: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => unpooled3d(b.input, b.indices, b, site, em, who),
  },
  maxUnpool1d: {
    args: [arg("input", "tensor"), arg("indices", "tensor"), ...unpoolArgs, opt("outputSize", "any", null, { nullable: true })],
    lower: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => unpooled(b.input, b.indices, b, 1, site, em, who),
  },
};
