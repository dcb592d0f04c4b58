import { dimEq, formatShape, isBatch, type Dim } from "../ir/shape.ts";
import type { NDArray } from "../reference/ndarray.ts";
import { convOutSize, outSpatial, spatial, type Pair } from "./conv.ts";
import { defineOp, requireFloat, ShapeError, type OpDef, type Reduction, type TensorType } from "./op.ts";
import { maxReduction, meanReduction } from "./reduce.ts";

// Pooling over NCHW tensors (family "conv": the same windows as a convolution, without weights).

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

/**
 * Folds each pooling window's in-bounds values with `r`; a finishing reduction (the mean) divides
 * by the whole window, padding included (count_include_pad = true, PyTorch's default).
 */
function pool(x: NDArray, a: PoolAttrs, r: Reduction): NDArray {
  const [n, c, h, w] = x.shape;
  const oh = convOutSize(h, a.kernel[0], a.stride[0], a.padding[0]);
  const ow = convOutSize(w, a.kernel[1], a.stride[1], a.padding[1]);
  const out = new Float64Array(n * c * oh * ow);
  for (let p = 0; p < n * c; p++)
    for (let y = 0; y < oh; y++)
      for (let xw = 0; xw < ow; xw++) {
        let acc = r.identity;
        for (let ky = 0; ky < a.kernel[0]; ky++) {
          const iy = y * a.stride[0] - a.padding[0] + ky;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < a.kernel[1]; kx++) {
            const ix = xw * a.stride[1] - a.padding[1] + kx;
            if (ix < 0 || ix >= w) continue;
            acc = r.combine(acc, x.data[(p * h + iy) * w + ix]);
          }
        }
        out[(p * oh + y) * ow + xw] = r.finish ? r.finish(acc, a.kernel[0] * a.kernel[1]) : acc;
      }
  return { shape: [n, c, oh, ow], data: out };
}

export const maxPool2d: OpDef<PoolAttrs> = defineOp<PoolAttrs>({
  name: "max_pool2d",
  codegen: { kind: "kernel", builder: "pool" },
  traits: { pool: { reduction: maxReduction, window: (a) => a } },
  family: "conv",
  inputs: ["x"],
  infer: ([x], a, who) => poolInfer(x, a, who),
  // padding counts as −∞, so it never wins; NaN propagates as in PyTorch
  reference: ([x], a) => pool(x, a, maxReduction),
  grad: ({ node, dy, emit }) => [emit("max_pool2d_grad", [dy, node.inputs[0]], poolAttrsOf(maxPool2d.attrsOf(node)))],
});

/** A pool node's attrs, as a plain object for `emit`. */
function poolAttrsOf(a: PoolAttrs) {
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
export const maxPool2dGrad: OpDef<PoolAttrs> = defineOp<PoolAttrs>({
  name: "max_pool2d_grad",
  codegen: { kind: "kernel", builder: "pool_grad" },
  traits: { perElement: true, poolGradient: { reduction: maxReduction, window: (a) => a, inputSize: (node) => node.inputs[1].shape.slice(2) as [number, number] } },
  family: "conv",
  inputs: ["dy", "x"],
  infer: ([dy, x], a, who) => {
    checkPoolGrad(dy, poolInfer(x, a, who).shape, who);
    return { shape: x.shape, dtype: "f32" };
  },
  reference: ([dy, x], a) => {
    const dx = new Float64Array(x.data.length);
    windowMaxima(x, a).forEach((best, o) => (dx[best] += dy.data[o]));
    return { shape: x.shape, data: dx };
  },
  // linear in dy, and piecewise constant in x (the chosen element moves only where two are equal)
  grad: ({ node, dy, emit }) => [emit("max_pool2d_pick", [dy, node.inputs[1]], poolAttrsOf(maxPool2dGrad.attrsOf(node))), null],
});

/**
 * For each window of max_pool2d over x (output order), the flat index of the element the forward
 * picked: the first maximum in scan order (rows, then columns), a NaN winning.
 */
function windowMaxima(x: NDArray, a: PoolAttrs): Int32Array {
  const [n, c, h, w] = x.shape;
  const oh = convOutSize(h, a.kernel[0], a.stride[0], a.padding[0]);
  const ow = convOutSize(w, a.kernel[1], a.stride[1], a.padding[1]);
  const picked = new Int32Array(n * c * oh * ow);
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
        picked[(p * oh + y) * ow + xw] = best;
      }
  return picked;
}

/**
 * max_pool2d_grad's transpose, for its own gradient (a gradient penalty, or MAML's inner step,
 * through a max pool, differentiated again): each window's value of g at the element the forward
 * picked from x. Linear in g, its gradient is max_pool2d_grad again, so every order has a rule.
 */
export const maxPool2dPick: OpDef<PoolAttrs> = defineOp<PoolAttrs>({
  name: "max_pool2d_pick",
  codegen: { kind: "kernel", builder: "pool_pick" },
  // no pool trait: it reads g at x's maxima, not a pool of its first input (fusion's conv-pool rules ask for one)
  family: "conv",
  inputs: ["g", "x"],
  infer: ([g, x], a, who) => {
    requireFloat(g, who, "gradient");
    if (g.shape.length !== x.shape.length || !g.shape.every((d, k) => dimEq(d, x.shape[k])))
      throw new ShapeError(`${who}: the gradient ${formatShape(g.shape)} should have the pooled input's shape ${formatShape(x.shape)}`);
    return poolInfer(x, a, who);
  },
  reference: ([g, x], a) => {
    const picked = windowMaxima(x, a);
    const out = Float64Array.from(picked, (best) => g.data[best]);
    return { shape: poolInfer({ shape: x.shape, dtype: "f32" }, a, "max_pool2d_pick").shape as number[], data: out };
  },
  grad: ({ node, dy, emit }) => [emit("max_pool2d_grad", [dy, node.inputs[1]], poolAttrsOf(maxPool2dPick.attrsOf(node))), null],
});

/** count_include_pad = true (PyTorch's default): the divisor is always kh·kw. */
export const avgPool2d: OpDef<PoolAttrs> = defineOp<PoolAttrs>({
  name: "avg_pool2d",
  codegen: { kind: "kernel", builder: "pool" },
  traits: { pool: { reduction: meanReduction, window: (a) => a } },
  family: "conv",
  inputs: ["x"],
  infer: ([x], a, who) => poolInfer(x, a, who),
  reference: ([x], a) => pool(x, a, meanReduction),
  grad: ({ node, dy, emit }) => {
    const [, , h, w] = node.inputs[0].shape as number[];
    return [emit("avg_pool2d_grad", [dy], { ...poolAttrsOf(avgPool2d.attrsOf(node)), inputSize: [h, w] })];
  },
});

/** ∂L/∂x of avg_pool2d: each window's dy/(kh·kw) to every in-bounds element of the window. */
export const avgPool2dGrad: OpDef<PoolAttrs & { readonly inputSize: Pair }> = defineOp<PoolAttrs & { readonly inputSize: Pair }>({
  name: "avg_pool2d_grad",
  codegen: { kind: "kernel", builder: "pool_grad" },
  traits: { perElement: true, poolGradient: { reduction: meanReduction, window: (a) => a, inputSize: (_, a) => a.inputSize } },
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
  // linear in dy, the pool's transpose: its own gradient is the pool again (a gradient taken in
  // forward with createGraph through an average pool, then differentiated by the step)
  grad: ({ node, dy, emit }) => [emit("avg_pool2d", [dy], poolAttrsOf(avgPool2dGrad.attrsOf(node)))],
});

/** Window i along a dim of size `size` split into `out` parts: [⌊i·size/out⌋, ⌈(i+1)·size/out⌉). */
export function adaptiveWindow(i: number, size: number, out: number): [number, number] {
  return [Math.floor((i * size) / out), Math.ceil(((i + 1) * size) / out)];
}

export const adaptiveAvgPool2d = defineOp<{ readonly outputSize: Pair }>({
  name: "adaptive_avg_pool2d",
  codegen: { kind: "kernel", builder: "pool" },
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
  codegen: { kind: "kernel", builder: "pool_grad" },
  traits: { perElement: true },
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
  // linear in dy, the pool's transpose: its own gradient is the pool to dy's size again
  grad: ({ node, dy, emit }) => [emit("adaptive_avg_pool2d", [dy], { outputSize: node.inputs[0].shape.slice(2) })],
});
