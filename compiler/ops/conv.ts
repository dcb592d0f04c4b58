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
    for (let ni = 0; ni < n; ni++)
      for (let oc = 0; oc < o; oc++) {
        const g = Math.floor(oc / og);
        for (let y = 0; y < oh; y++)
          for (let xw = 0; xw < ow; xw++) {
            let s = b ? b.data[oc] : 0;
            for (let ci = 0; ci < cg; ci++)
              for (let ky = 0; ky < kh; ky++) {
                const iy = y * a.stride[0] - a.padding[0] + ky * a.dilation[0];
                if (iy < 0 || iy >= h) continue;
                for (let kx = 0; kx < kw; kx++) {
                  const ix = xw * a.stride[1] - a.padding[1] + kx * a.dilation[1];
                  if (ix < 0 || ix >= w) continue;
                  s +=
                    x.data[((ni * c + g * cg + ci) * h + iy) * w + ix] *
                    wt.data[((oc * cg + ci) * kh + ky) * kw + kx];
                }
              }
            out[((ni * o + oc) * oh + y) * ow + xw] = s;
          }
      }
    return { shape: [n, o, oh, ow], data: out };
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
});

/** count_include_pad = true (PyTorch's default): the divisor is always kh·kw. */
export const avgPool2d = defineOp<PoolAttrs>({
  name: "avg_pool2d",
  lowering: { kind: "kernel", template: "pool" },
  family: "conv",
  inputs: ["x"],
  infer: ([x], a, who) => poolInfer(x, a, who),
  reference: ([x], a) => pool(x, a, 0, (s, v) => s + v, (s) => s / (a.kernel[0] * a.kernel[1])),
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
});
