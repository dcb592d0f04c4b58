import { dimEq, formatDim, formatShape, isBatch, type Dim } from "../ir/shape.ts";
import type { NDArray } from "../reference/ndarray.ts";
import { defineOp, requireFloat, ShapeError, type TensorType } from "./op.ts";

// Convolution and pooling over NCHW tensors, PyTorch's layouts: weight [out, in/groups, kh, kw].
// Output size per spatial dim: floor((in + 2·pad − dilation·(k − 1) − 1) / stride) + 1.

type Pair = readonly [number, number];

export function convOutSize(size: number, k: number, stride: number, pad: number, dilation = 1): number {
  return Math.floor((size + 2 * pad - dilation * (k - 1) - 1) / stride) + 1;
}

function spatial(x: TensorType, who: string): [Dim, number, number] {
  if (x.shape.length !== 4)
    throw new ShapeError(`${who} expects a 4-D input [N, C, H, W], got ${formatShape(x.shape)}`);
  const [, c, h, w] = x.shape;
  if (isBatch(c) || isBatch(h) || isBatch(w))
    throw new ShapeError(`${who} expects the batch only in dim 0, got ${formatShape(x.shape)}`);
  return [c, h, w];
}

function outSpatial(
  who: string,
  x: TensorType,
  h: number,
  w: number,
  k: Pair,
  stride: Pair,
  pad: Pair,
  dilation: Pair = [1, 1],
): [number, number] {
  // The frontend checks these where the user writes them; checking again here keeps any other
  // caller from turning a stride of 0 into an Infinity-sized output.
  const positive = (p: Pair) => p.every((v) => Number.isSafeInteger(v) && v >= 1);
  const bad = !positive(k) ? "kernel" : !positive(stride) ? "stride" : !positive(dilation) ? "dilation" : !pad.every((v) => Number.isSafeInteger(v) && v >= 0) ? "padding" : undefined;
  if (bad) {
    const value = { kernel: k, stride, dilation, padding: pad }[bad];
    throw new ShapeError(`${who}: ${bad} must be ${bad === "padding" ? "non-negative" : "positive"} integers, got ${value[0]}×${value[1]}`, "invalidArgument");
  }
  const oh = convOutSize(h, k[0], stride[0], pad[0], dilation[0]);
  const ow = convOutSize(w, k[1], stride[1], pad[1], dilation[1]);
  if (oh < 1 || ow < 1)
    throw new ShapeError(
      `${who}: the input ${formatShape(x.shape)} is too small for a ${k[0]}×${k[1]} kernel ` +
        `(padding ${pad[0]}×${pad[1]}, stride ${stride[0]}×${stride[1]}): the output would be ${oh}×${ow}`,
    );
  return [oh, ow];
}

interface ConvAttrs {
  readonly stride: Pair;
  readonly padding: Pair;
  readonly dilation: Pair;
  readonly groups: number;
}

export const conv2d = defineOp<ConvAttrs>({
  name: "conv2d",
  lowering: { kind: "kernel", template: "gemm" },
  family: "conv",
  inputs: ["x", "weight", "bias?"],
  infer: ([x, wt, b], a, who) => {
    requireFloat(x, who);
    const [c, h, w] = spatial(x, who);
    const [out, cPerGroup, kh, kw] = wt.shape as number[];
    if (!(Number.isSafeInteger(a.groups) && a.groups >= 1 && out % a.groups === 0))
      throw new ShapeError(`${who}: groups (${a.groups}) must be a positive integer dividing the ${out} output channels`, "invalidArgument");
    if (c !== cPerGroup * a.groups)
      throw new ShapeError(
        `${who} expects ${cPerGroup * a.groups} input channels, got ${formatDim(c)} from ${formatShape(x.shape)}`,
      );
    if (b && !(b.shape.length === 1 && dimEq(b.shape[0], out)))
      throw new ShapeError(`${who}: bias must be [${out}], got ${formatShape(b.shape)}`);
    const [oh, ow] = outSpatial(who, x, h, w, [kh, kw], a.stride, a.padding, a.dilation);
    return { shape: [x.shape[0], out, oh, ow], dtype: "f32" };
  },
  reference: ([x, wt, b], a) => {
    const [n, c, h, w] = x.shape;
    const [o, cg, kh, kw] = wt.shape;
    const oh = convOutSize(h, kh, a.stride[0], a.padding[0], a.dilation[0]);
    const ow = convOutSize(w, kw, a.stride[1], a.padding[1], a.dilation[1]);
    const og = o / a.groups;
    const out = new Float64Array(n * o * oh * ow);
    const [sy, sx] = a.stride;
    const [py, px] = a.padding;
    const [dy, dx] = a.dilation;
    // Loop order: one weight at a time, accumulating its contribution to a whole output plane,
    // so the innermost loop walks a row of the input and of the output.
    for (let ni = 0; ni < n; ni++)
      for (let oc = 0; oc < o; oc++) {
        const g = Math.floor(oc / og);
        const plane = ((ni * o + oc) * oh) * ow;
        if (b) out.fill(b.data[oc], plane, plane + oh * ow);
        for (let ci = 0; ci < cg; ci++) {
          const inBase = (ni * c + g * cg + ci) * h * w;
          for (let ky = 0; ky < kh; ky++)
            for (let kx = 0; kx < kw; kx++) {
              const wv = wt.data[((oc * cg + ci) * kh + ky) * kw + kx];
              // the output columns whose input column ix = xw·sx − px + kx·dx lies inside the image
              const off = kx * dx - px;
              const x0 = Math.max(0, Math.ceil(-off / sx));
              const x1 = Math.min(ow, Math.floor((w - 1 - off) / sx) + 1);
              for (let y = 0; y < oh; y++) {
                const iy = y * sy - py + ky * dy;
                if (iy < 0 || iy >= h) continue;
                const row = inBase + iy * w + off;
                const orow = plane + y * ow;
                for (let xw = x0; xw < x1; xw++) out[orow + xw] += wv * x.data[row + xw * sx];
              }
            }
        }
      }
    return { shape: [n, o, oh, ow], data: out };
  },
  grad: ({ node, dy, emit }) => {
    const [x, wt, b] = node.inputs;
    const a = node.attrs as unknown as ConvAttrs;
    const conv = { stride: a.stride, padding: a.padding, dilation: a.dilation, groups: a.groups };
    const dx = emit("conv2d_grad_input", [dy, wt], { ...conv, inputShape: x.shape.slice(1) });
    const dw = emit("conv2d_grad_weight", [dy, x], { ...conv, weightShape: wt.shape });
    return b ? [dx, dw, emit("sum", [dy], { dims: [0, 2, 3], keepdim: false })] : [dx, dw];
  },
});

/**
 * Calls `tap` for every (output position, kernel tap) pair of a convolution whose input
 * position is in bounds, with the flat indices into x [N, C, H, W], weight [O, C/g, kh, kw] and
 * y [N, O, oh, ow]: y[yi] = Σ x[xi]·w[wi] over the taps. Both gradients are this sum read backwards.
 */
function convTaps(
  xShape: readonly number[],
  wShape: readonly number[],
  a: ConvAttrs,
  tap: (xi: number, wi: number, yi: number) => void,
): void {
  const [n, c, h, w] = xShape;
  const [o, cg, kh, kw] = wShape;
  const oh = convOutSize(h, kh, a.stride[0], a.padding[0], a.dilation[0]);
  const ow = convOutSize(w, kw, a.stride[1], a.padding[1], a.dilation[1]);
  const og = o / a.groups;
  for (let ni = 0; ni < n; ni++)
    for (let oc = 0; oc < o; oc++) {
      const g = Math.floor(oc / og);
      for (let y = 0; y < oh; y++)
        for (let xw = 0; xw < ow; xw++)
          for (let ci = 0; ci < cg; ci++)
            for (let ky = 0; ky < kh; ky++) {
              const iy = y * a.stride[0] - a.padding[0] + ky * a.dilation[0];
              if (iy < 0 || iy >= h) continue;
              for (let kx = 0; kx < kw; kx++) {
                const ix = xw * a.stride[1] - a.padding[1] + kx * a.dilation[1];
                if (ix < 0 || ix >= w) continue;
                tap(((ni * c + g * cg + ci) * h + iy) * w + ix, ((oc * cg + ci) * kh + ky) * kw + kx, ((ni * o + oc) * oh + y) * ow + xw);
              }
            }
    }
}

/** Checks that dy [N, O, oh, ow] is what conv2d makes of x [N, C, H, W] and weight [O, C/g, kh, kw]. */
function checkConvGrad(dy: TensorType, n: Dim, c: number, h: number, w: number, weight: readonly number[], a: ConvAttrs, who: string): void {
  requireFloat(dy, who, "gradient");
  if (dy.shape.length !== 4) throw new ShapeError(`${who} expects a 4-D gradient [N, O, oh, ow], got ${formatShape(dy.shape)}`);
  const [o, cg, kh, kw] = weight;
  if (c !== cg * a.groups)
    throw new ShapeError(`${who}: ${c} input channels do not match the weight [${weight.join(", ")}] with ${a.groups} groups`);
  const oh = convOutSize(h, kh, a.stride[0], a.padding[0], a.dilation[0]);
  const ow = convOutSize(w, kw, a.stride[1], a.padding[1], a.dilation[1]);
  const want: Dim[] = [n, o, oh, ow];
  if (!want.every((d, i) => dimEq(d, dy.shape[i])))
    throw new ShapeError(`${who}: the gradient ${formatShape(dy.shape)} should be ${formatShape(want)}`);
}

/** ∂L/∂x of conv2d: dy [N, O, oh, ow] and weight [O, C/g, kh, kw] → [N, C, H, W] (H, W from inputShape). */
export const conv2dGradInput = defineOp<ConvAttrs & { readonly inputShape: readonly [number, number, number] }>({
  name: "conv2d_grad_input",
  lowering: { kind: "kernel", template: "gemm" },
  family: "conv",
  inputs: ["dy", "weight"],
  infer: ([dy, wt], a, who) => {
    requireFloat(wt, who, "weight");
    if (wt.shape.length !== 4 || wt.shape.some(isBatch))
      throw new ShapeError(`${who} expects a weight [O, C/g, kh, kw], got ${formatShape(wt.shape)}`);
    const [c, h, w] = a.inputShape;
    checkConvGrad(dy, dy.shape[0], c, h, w, wt.shape as number[], a, who);
    return { shape: [dy.shape[0], c, h, w], dtype: "f32" };
  },
  // dx[xi] = Σ dy[yi]·w[wi] over the taps that read x[xi]
  reference: ([dy, wt], a) => {
    const [c, h, w] = a.inputShape;
    const shape = [dy.shape[0], c, h, w];
    const dx = new Float64Array(shape[0] * c * h * w);
    convTaps(shape, wt.shape, a, (xi, wi, yi) => (dx[xi] += dy.data[yi] * wt.data[wi]));
    return { shape, data: dx };
  },
});

/** ∂L/∂weight of conv2d: dy [N, O, oh, ow] and x [N, C, H, W] → weightShape [O, C/g, kh, kw]. */
export const conv2dGradWeight = defineOp<ConvAttrs & { readonly weightShape: readonly [number, number, number, number] }>({
  name: "conv2d_grad_weight",
  lowering: { kind: "kernel", template: "gemm" },
  family: "conv",
  inputs: ["dy", "x"],
  infer: ([dy, x], a, who) => {
    requireFloat(x, who);
    const [c, h, w] = spatial(x, who);
    checkConvGrad(dy, x.shape[0], c as number, h, w, a.weightShape, a, who);
    return { shape: [...a.weightShape], dtype: "f32" };
  },
  // dw[wi] = Σ dy[yi]·x[xi] over every output position and sample that used w[wi]
  reference: ([dy, x], a) => {
    const dw = new Float64Array(a.weightShape.reduce((p, q) => p * q, 1));
    convTaps(x.shape, a.weightShape, a, (xi, wi, yi) => (dw[wi] += dy.data[yi] * x.data[xi]));
    return { shape: [...a.weightShape], data: dw };
  },
});

interface PoolAttrs {
  readonly kernel: Pair;
  readonly stride: Pair;
  readonly padding: Pair;
}

function poolInfer(x: TensorType, a: PoolAttrs, who: string): TensorType {
  requireFloat(x, who);
  const [c, h, w] = spatial(x, who);
  if (a.padding[0] * 2 > a.kernel[0] || a.padding[1] * 2 > a.kernel[1])
    throw new ShapeError(
      `${who}: padding ${a.padding[0]}×${a.padding[1]} must be at most half the kernel ${a.kernel[0]}×${a.kernel[1]}`,
      "invalidArgument",
    );
  const [oh, ow] = outSpatial(who, x, h, w, a.kernel, a.stride, a.padding);
  return { shape: [x.shape[0], c, oh, ow], dtype: "f32" };
}

/** Visits each pooling window; `cell` gets the in-bounds input values' flat indices. */
function pool(x: NDArray, a: PoolAttrs, init: number, step: (acc: number, v: number) => number, finish: (acc: number) => number): NDArray {
  const [n, c, h, w] = x.shape;
  const oh = convOutSize(h, a.kernel[0], a.stride[0], a.padding[0]);
  const ow = convOutSize(w, a.kernel[1], a.stride[1], a.padding[1]);
  const out = new Float64Array(n * c * oh * ow);
  for (let p = 0; p < n * c; p++)
    for (let y = 0; y < oh; y++)
      for (let xw = 0; xw < ow; xw++) {
        let acc = init;
        for (let ky = 0; ky < a.kernel[0]; ky++) {
          const iy = y * a.stride[0] - a.padding[0] + ky;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < a.kernel[1]; kx++) {
            const ix = xw * a.stride[1] - a.padding[1] + kx;
            if (ix < 0 || ix >= w) continue;
            acc = step(acc, x.data[(p * h + iy) * w + ix]);
          }
        }
        out[(p * oh + y) * ow + xw] = finish(acc);
      }
  return { shape: [n, c, oh, ow], data: out };
}

export const maxPool2d = defineOp<PoolAttrs>({
  name: "max_pool2d",
  lowering: { kind: "kernel", template: "pool" },
  family: "conv",
  inputs: ["x"],
  infer: ([x], a, who) => poolInfer(x, a, who),
  // padding counts as −∞, so it never wins; NaN propagates as in PyTorch
  reference: ([x], a) => pool(x, a, -Infinity, (m, v) => (v > m || Number.isNaN(v) ? v : m), (m) => m),
  grad: ({ node, dy, emit }) => [emit("max_pool2d_grad", [dy, node.inputs[0]], poolAttrsOf(node.attrs))],
});

/** A pool node's attrs, as a plain object for `emit`. */
function poolAttrsOf(attrs: Record<string, unknown>): { kernel: Pair; stride: Pair; padding: Pair } {
  const a = attrs as unknown as PoolAttrs;
  return { kernel: a.kernel, stride: a.stride, padding: a.padding };
}

/** Checks that dy is what a pool with attrs `a` makes of an input [N, C, H, W]. */
function checkPoolGrad(dy: TensorType, want: readonly Dim[], who: string): void {
  requireFloat(dy, who, "gradient");
  if (dy.shape.length !== 4 || !want.every((d, i) => dimEq(d, dy.shape[i])))
    throw new ShapeError(`${who}: the gradient ${formatShape(dy.shape)} should be ${formatShape(want)}`);
}

/**
 * ∂L/∂x of max_pool2d: each window's dy goes to the window's maximum — the one the forward
 * picked, the first in scan order (rows, then columns); overlapping windows add up.
 */
export const maxPool2dGrad = defineOp<PoolAttrs>({
  name: "max_pool2d_grad",
  lowering: { kind: "kernel", template: "pool_grad" },
  family: "conv",
  inputs: ["dy", "x"],
  infer: ([dy, x], a, who) => {
    checkPoolGrad(dy, poolInfer(x, a, who).shape, who);
    return { shape: x.shape, dtype: "f32" };
  },
  reference: ([dy, x], a) => {
    const [n, c, h, w] = x.shape;
    const oh = convOutSize(h, a.kernel[0], a.stride[0], a.padding[0]);
    const ow = convOutSize(w, a.kernel[1], a.stride[1], a.padding[1]);
    const dx = new Float64Array(n * c * h * w);
    for (let p = 0; p < n * c; p++)
      for (let y = 0; y < oh; y++)
        for (let xw = 0; xw < ow; xw++) {
          // the same scan and comparison as the forward; -1 until an in-bounds value is seen
          let best = -1;
          let max = -Infinity;
          for (let ky = 0; ky < a.kernel[0]; ky++) {
            const iy = y * a.stride[0] - a.padding[0] + ky;
            if (iy < 0 || iy >= h) continue;
            for (let kx = 0; kx < a.kernel[1]; kx++) {
              const ix = xw * a.stride[1] - a.padding[1] + kx;
              if (ix < 0 || ix >= w) continue;
              const i = (p * h + iy) * w + ix;
              const v = x.data[i];
              if (best < 0 || v > max || Number.isNaN(v)) {
                best = i;
                max = v;
              }
            }
          }
          dx[best] += dy.data[(p * oh + y) * ow + xw];
        }
    return { shape: x.shape, data: dx };
  },
});

/** count_include_pad = true (PyTorch's default): the divisor is always kh·kw. */
export const avgPool2d = defineOp<PoolAttrs>({
  name: "avg_pool2d",
  lowering: { kind: "kernel", template: "pool" },
  family: "conv",
  inputs: ["x"],
  infer: ([x], a, who) => poolInfer(x, a, who),
  reference: ([x], a) => pool(x, a, 0, (s, v) => s + v, (s) => s / (a.kernel[0] * a.kernel[1])),
  grad: ({ node, dy, emit }) => {
    const [, , h, w] = node.inputs[0].shape as number[];
    return [emit("avg_pool2d_grad", [dy], { ...poolAttrsOf(node.attrs), inputSize: [h, w] })];
  },
});

/** ∂L/∂x of avg_pool2d: each window's dy/(kh·kw) to every in-bounds element of the window. */
export const avgPool2dGrad = defineOp<PoolAttrs & { readonly inputSize: Pair }>({
  name: "avg_pool2d_grad",
  lowering: { kind: "kernel", template: "pool_grad" },
  family: "conv",
  inputs: ["dy"],
  infer: ([dy], a, who) => {
    requireFloat(dy, who, "gradient");
    if (dy.shape.length !== 4) throw new ShapeError(`${who} expects a 4-D gradient [N, C, oh, ow], got ${formatShape(dy.shape)}`);
    const x: TensorType = { shape: [dy.shape[0], dy.shape[1], a.inputSize[0], a.inputSize[1]], dtype: "f32" };
    checkPoolGrad(dy, poolInfer(x, a, who).shape, who);
    return x;
  },
  reference: ([dy], a) => {
    const [n, c, oh, ow] = dy.shape;
    const [h, w] = a.inputSize;
    const dx = new Float64Array(n * c * h * w);
    const divisor = a.kernel[0] * a.kernel[1];
    for (let p = 0; p < n * c; p++)
      for (let y = 0; y < oh; y++)
        for (let xw = 0; xw < ow; xw++) {
          const g = dy.data[(p * oh + y) * ow + xw] / divisor;
          for (let ky = 0; ky < a.kernel[0]; ky++) {
            const iy = y * a.stride[0] - a.padding[0] + ky;
            if (iy < 0 || iy >= h) continue;
            for (let kx = 0; kx < a.kernel[1]; kx++) {
              const ix = xw * a.stride[1] - a.padding[1] + kx;
              if (ix < 0 || ix >= w) continue;
              dx[(p * h + iy) * w + ix] += g;
            }
          }
        }
    return { shape: [n, c, h, w], data: dx };
  },
});

/** Window i along a dim of size `size` split into `out` parts: [⌊i·size/out⌋, ⌈(i+1)·size/out⌉). */
export function adaptiveWindow(i: number, size: number, out: number): [number, number] {
  return [Math.floor((i * size) / out), Math.ceil(((i + 1) * size) / out)];
}

export const adaptiveAvgPool2d = defineOp<{ readonly outputSize: Pair }>({
  name: "adaptive_avg_pool2d",
  lowering: { kind: "kernel", template: "pool" },
  family: "conv",
  inputs: ["x"],
  infer: ([x], a, who) => {
    requireFloat(x, who);
    const [c] = spatial(x, who);
    if (a.outputSize.some((s) => !Number.isInteger(s) || s < 1))
      throw new ShapeError(`${who}: output size must be positive integers, got ${a.outputSize.join("×")}`, "invalidArgument");
    return { shape: [x.shape[0], c, a.outputSize[0], a.outputSize[1]], dtype: "f32" };
  },
  reference: ([x], a) => {
    const [n, c, h, w] = x.shape;
    const [oh, ow] = a.outputSize;
    const out = new Float64Array(n * c * oh * ow);
    for (let p = 0; p < n * c; p++)
      for (let y = 0; y < oh; y++)
        for (let xw = 0; xw < ow; xw++) {
          const [y0, y1] = adaptiveWindow(y, h, oh);
          const [x0, x1] = adaptiveWindow(xw, w, ow);
          let s = 0;
          for (let iy = y0; iy < y1; iy++) for (let ix = x0; ix < x1; ix++) s += x.data[(p * h + iy) * w + ix];
          out[(p * oh + y) * ow + xw] = s / ((y1 - y0) * (x1 - x0));
        }
    return { shape: [n, c, oh, ow], data: out };
  },
  grad: ({ node, dy, emit }) => {
    const [, , h, w] = node.inputs[0].shape as number[];
    return [emit("adaptive_avg_pool2d_grad", [dy], { inputSize: [h, w] })];
  },
});

/**
 * ∂L/∂x of adaptive_avg_pool2d: dy [N, C, oh, ow] → [N, C, H, W]; each element receives
 * dy/(window area) from every window that contains it (adaptive windows may overlap).
 */
export const adaptiveAvgPool2dGrad = defineOp<{ readonly inputSize: Pair }>({
  name: "adaptive_avg_pool2d_grad",
  lowering: { kind: "kernel", template: "pool_grad" },
  family: "conv",
  inputs: ["dy"],
  infer: ([dy], a, who) => {
    requireFloat(dy, who, "gradient");
    if (dy.shape.length !== 4 || dy.shape.slice(1).some(isBatch))
      throw new ShapeError(`${who} expects a 4-D gradient [N, C, oh, ow], got ${formatShape(dy.shape)}`);
    if (a.inputSize.some((s) => !Number.isInteger(s) || s < 1))
      throw new ShapeError(`${who}: input size must be positive integers, got ${a.inputSize.join("×")}`, "invalidArgument");
    return { shape: [dy.shape[0], dy.shape[1], a.inputSize[0], a.inputSize[1]], dtype: "f32" };
  },
  reference: ([dy], a) => {
    const [n, c, oh, ow] = dy.shape;
    const [h, w] = a.inputSize;
    const dx = new Float64Array(n * c * h * w);
    for (let p = 0; p < n * c; p++)
      for (let y = 0; y < oh; y++)
        for (let xw = 0; xw < ow; xw++) {
          const [y0, y1] = adaptiveWindow(y, h, oh);
          const [x0, x1] = adaptiveWindow(xw, w, ow);
          const g = dy.data[(p * oh + y) * ow + xw] / ((y1 - y0) * (x1 - x0));
          for (let iy = y0; iy < y1; iy++) for (let ix = x0; ix < x1; ix++) dx[(p * h + iy) * w + ix] += g;
        }
    return { shape: [n, c, h, w], data: dx };
  },
});
